import { post, rememberApplication, saveSession } from "../api.js";
import { renderNav } from "../layout.js";
import { $, busy, el, fill } from "../ui.js";

const form = $("#register-form");
const box = $("#register-message");
const attorneyFields = $("#attorney-fields");
const applyChoice = $("#apply-choice");

function role() {
  return form.elements.role.value;
}

function syncRole() {
  const attorney = role() === "attorney";
  attorneyFields.hidden = !attorney;
  for (const id of ["#bar-number", "#bar-state"]) $(id).required = attorney;
  applyChoice.hidden = role() === "public";
}

for (const radio of form.elements.role) radio.addEventListener("change", syncRole);
syncRole();

form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("#register-submit"), box, async () => {
    const data = new FormData(form);
    const username = String(data.get("username")).trim();
    const password = String(data.get("password"));
    const body = {
      username,
      password,
      name: String(data.get("name")).trim(),
      email: String(data.get("email")).trim(),
      role: role(),
      address: String(data.get("address") || "").trim(),
    };
    if (role() === "attorney") {
      body.bar_number = String(data.get("bar_number")).trim();
      body.bar_state = String(data.get("bar_state")).trim().toUpperCase();
      body.firm = String(data.get("firm")).trim();
    }
    const account = await post("/api/v1/accounts", { json: body });
    const created = await post("/api/v1/sessions", { json: { username, password, continue_existing: false } });
    saveSession(created);
    renderNav();
    // The application needs a confirmed address: the dashboard sends it once the link was used.
    const applied = role() !== "public" && $("#apply").checked;
    if (applied) rememberApplication(account.username);
    form.hidden = true;
    $("#registered").hidden = false;
    fill($("#registered-text"), `Welcome, ${account.name}. You are logged in as ${account.username}. `,
      `We sent a link to ${account.email}: open it to confirm your address. It receives nothing else from the court until then.`,
      applied ? " Your application to e-file goes to the Clerk's Office once the address is confirmed." : "");
    fill($("#registered-next"),
      applied ? el("li", {}, el("a", { href: "/mfa" }, "Set up your second factor"), " (an authenticator app): e-filers need it to file.") : null,
      el("li", {}, el("a", { href: "/dashboard" }, "Go to your dashboard")),
      el("li", {}, el("a", { href: "/cases" }, "Find a case")),
    );
    $("#registered-heading").focus();
  });
});
