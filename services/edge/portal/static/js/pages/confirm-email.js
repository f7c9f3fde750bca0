import { post } from "../api.js";
import { $, busy, el, showError, showOk } from "../ui.js";

// A confirmation step (not on page load): a mail scanner following the link does not use it.
const box = $("#confirm-message");
const form = $("#confirm-form");
const token = new URLSearchParams(location.search).get("token") || "";
if (!token) {
  form.hidden = true;
  showError(box, { code: "validation_failed", detail: "this page needs the link from your e-mail" },
    "The link is incomplete");
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("#confirm-submit"), box, async () => {
    await post("/api/v1/email-confirmations", { json: { token } });
    form.hidden = true;
    showOk(box, el("p", {}, el("strong", {}, "Your address is confirmed. "), "It now receives the court's mail for your account. ",
      el("a", { href: "/dashboard" }, "Go to your dashboard"), " (an application to e-file chosen at registration is sent from there)."));
  });
});
