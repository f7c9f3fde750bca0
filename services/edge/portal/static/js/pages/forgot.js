import { post } from "../api.js";
import "../layout.js";
import { $, busy, el, showOk } from "../ui.js";

const box = $("#forgot-message");
$("#forgot-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("#forgot-submit"), box, async () => {
    await post("/api/v1/credential-reissue", { json: { email: $("#forgot-email").value.trim() } });
    showOk(box, el("p", {}, el("strong", {}, "Check your e-mail."),
      " If the address is registered, a message with your username and a link to set a new password is on its way. The link works once."));
  });
});
