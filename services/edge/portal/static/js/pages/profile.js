// The caller's own profile: e-mail, firm and mailing address. A new e-mail address needs the
// password (and code) again — the API's step-up — and takes effect only through the link the
// court mails to it (the confirm-email page).
import { get, patch, updateAccount } from "../api.js";
import "../layout.js";
import { $, busy, el, fill, requireLogin, showError, showOk, statusTag } from "../ui.js";

const box = $("#profile-message");
const form = $("#profile-form");
let account = null;

function showAccount(current) {
  account = current;
  fill($("#profile-state"), el("p", {}, "Notices go to ", el("strong", {}, current.email), " ",
    current.email_confirmed ? statusTag("confirmed", "ok") : statusTag("not confirmed", "warn")));
  $("#profile-email").value = current.email;
  $("#profile-firm").value = current.firm || "";
  $("#profile-address").value = current.address || "";
  $("#profile-otp-field").hidden = !current.mfa_enrolled;
  form.hidden = false;
}

// Only what changed is sent: the step-up is asked for only when the address moves.
function changes() {
  const body = {};
  const email = $("#profile-email").value.trim();
  if (email.toLowerCase() !== account.email.toLowerCase()) {
    body.email = email;
    body.current_password = $("#profile-password").value;
    body.otp = $("#profile-otp").value.trim();
  }
  for (const [field, id] of [["firm", "#profile-firm"], ["address", "#profile-address"]]) {
    const value = $(id).value.trim();
    if (value !== (account[field] || "")) body[field] = value;
  }
  return body;
}

async function main() {
  if (!requireLogin()) return;
  try {
    const current = await get("/api/v1/accounts/me");
    updateAccount(current);
    showAccount(current);
  } catch (error) {
    fill($("#profile-state"), "Your account could not be loaded.");
    showError(box, error);
    return;
  }
  $("#profile-email").addEventListener("input", () => {
    const moving = $("#profile-email").value.trim().toLowerCase() !== account.email.toLowerCase();
    $("#profile-password").required = moving;
    $("#profile-otp").required = moving && account.mfa_enrolled;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#profile-save"), box, async () => {
      const body = changes();
      if (!Object.keys(body).length) {
        showOk(box, el("p", {}, "Nothing changed."));
        return;
      }
      const updated = await patch("/api/v1/accounts/me", { json: body });
      $("#profile-password").value = "";
      $("#profile-otp").value = "";
      updateAccount(updated);
      showAccount(updated);
      showOk(box, body.email
        ? el("p", {}, el("strong", {}, "Check your new address."),
          ` We sent a link to ${body.email}; your address changes when you open it. Until then notices keep going to ${updated.email}.`)
        : el("p", {}, el("strong", {}, "Your profile is saved.")));
      box.setAttribute("tabindex", "-1");
      box.focus();
    });
  });
}

main();
