import { get, post, updateAccount } from "../api.js";
import { renderNav } from "../layout.js";
import { $, busy, el, fill, requireLogin, showError, showOk } from "../ui.js";

const box = $("#mfa-message");
const state = $("#mfa-state");
const start = $("#mfa-start");
const setup = $("#mfa-setup");

function showState(account) {
  state.classList.toggle("panel-ok", account.mfa_enrolled);
  fill(state, account.mfa_enrolled
    ? el("p", {}, el("strong", {}, "Your second factor is set up."), " You enter a code from your app each time you log in. Set it up again only to move it to a new phone.")
    : el("p", {}, el("strong", {}, "No second factor yet."), " Set one up now; it takes a minute."));
  $("#mfa-begin").textContent = account.mfa_enrolled ? "Move it to a new phone" : "Set up a second factor";
  $("#mfa-current-field").hidden = !account.mfa_enrolled;
  $("#mfa-current-code").required = account.mfa_enrolled;
  start.hidden = false;
}

function grouped(secret) {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

async function main() {
  if (!requireLogin()) return;
  try {
    const account = await get("/api/v1/accounts/me");
    updateAccount(account);
    showState(account);
  } catch (error) {
    fill(state, "Your account could not be loaded.");
    showError(box, error);
  }

  start.addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#mfa-begin"), box, async () => {
      const enrolment = await post("/api/v1/accounts/me/mfa", { json: {
        current_password: $("#mfa-password").value,
        otp: $("#mfa-current-code").value.trim(),
      } });
      $("#mfa-password").value = "";
      $("#mfa-current-code").value = "";
      fill($("#mfa-secret"), grouped(enrolment.secret));
      fill($("#mfa-uri"), enrolment.otpauth_uri);
      setup.hidden = false;
      start.hidden = true;
      $("#mfa-setup-heading").focus();
    });
  });

  $("#mfa-confirm").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#mfa-confirm-submit"), box, async () => {
      await post("/api/v1/accounts/me/mfa/confirm", { json: { otp: $("#mfa-code").value.trim() } });
      const account = await get("/api/v1/accounts/me");
      updateAccount(account);
      renderNav();
      setup.hidden = true;
      showState(account);
      showOk(box, el("p", {}, el("strong", {}, "Second factor confirmed."),
        " From your next login on, enter the code from your app after your password."),
        el("p", {}, el("a", { href: "/dashboard" }, "Go to your dashboard"), " · ",
          el("a", { href: "/file/petition" }, "File a petition")));
      box.setAttribute("tabindex", "-1");
      box.focus();
    });
  });
}

main();
