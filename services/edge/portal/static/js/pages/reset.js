import { clearSession, post } from "../api.js";
import { renderNav } from "../layout.js";
import { $, busy, el, showError, showOk } from "../ui.js";

const box = $("#reset-message");
const form = $("#reset-form");
const token = new URLSearchParams(location.search).get("token") || "";
if (!token) {
  form.hidden = true;
  showError(box, { code: "validation_failed", detail: "this page needs the link from your e-mail" },
    "The link is incomplete");
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("#reset-submit"), box, async () => {
    await post("/api/v1/password-resets", { json: { token, new_password: $("#new-password").value } });
    clearSession();
    renderNav();
    form.hidden = true;
    showOk(box, el("p", {}, el("strong", {}, "Your password is set. "), el("a", { href: "/login" }, "Log in"), " with it."));
  });
});
