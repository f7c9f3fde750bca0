import { post, saveSession } from "../api.js";
import { renderNav } from "../layout.js";
import { $, clearMessage, el, fill, safeNext, showError } from "../ui.js";

const form = $("#login-form");
const box = $("#login-message");
const otpField = $("#otp-field");
const otpInput = $("#otp");
const continueStep = $("#continue-step");
const submit = $("#login-submit");

function body(continueExisting) {
  return {
    username: $("#username").value.trim(),
    password: $("#password").value,
    otp: otpInput.value.trim(),
    continue_existing: continueExisting,
  };
}

async function attempt(continueExisting) {
  submit.disabled = true;
  clearMessage(box);
  try {
    const created = await post("/api/v1/sessions", { json: body(continueExisting) });
    saveSession(created);
    renderNav();
    const next = new URLSearchParams(location.search).get("next");
    location.assign(safeNext(next, "/dashboard"));
  } catch (error) {
    if (error.code === "session_active") {
      continueStep.hidden = false;
      form.hidden = true;
      $("#continue-heading").focus();
      return;
    }
    continueStep.hidden = true;
    form.hidden = false;
    if (error.code === "invalid_otp" && otpField.hidden) {
      otpField.hidden = false;
      otpInput.required = true;
      box.className = "message";
      fill(box, el("p", {}, el("strong", {}, "Enter your authentication code."),
        " This account has a second factor: type the code your authenticator app shows, then log in again."));
      otpInput.focus();
    } else {
      if (error.code === "invalid_otp") otpInput.value = "";
      showError(box, error, "You could not be logged in");
    }
  } finally {
    submit.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(false);
});
$("#continue-yes").addEventListener("click", () => attempt(true));
$("#continue-no").addEventListener("click", () => {
  continueStep.hidden = true;
  form.hidden = false;
  $("#username").focus();
});
