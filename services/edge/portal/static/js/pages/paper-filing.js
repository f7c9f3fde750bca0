// The clerk dockets a filing received on paper (POST /api/v1/clerk/cases/{n}/paper-filings):
// the scan is OCR'd and checked by the filing service; the receipt is followed until docketed.

import { newKey, post } from "../api.js";
import { statusReady } from "../layout.js";
import { filingForm, showReceipt } from "../filing.js";
import { $, busy, requireLogin, showError } from "../ui.js";

const box = $("#filing-message");
const form = $("#paper-filing-form");

// The court's date (from GET /api/v1/status), not the browser's: a clerk whose computer is in
// another zone, or who works past midnight UTC, would otherwise get a day the court calls the
// future. The browser's own date only when the API cannot say.
function browserToday() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

async function courtToday() {
  const status = await statusReady;
  const local = status && status.court_time && status.court_time.local; // "2026-12-02T23:30:00-08:00"
  return /^\d{4}-\d{2}-\d{2}/.test(local || "") ? local.slice(0, 10) : browserToday();
}

function main() {
  const current = requireLogin();
  if (!current) return;
  if (!["clerk", "admin"].includes(current.account.role)) {
    showError(box, { code: "forbidden", detail: "this page is for the Clerk's Office" });
  }
  const params = new URLSearchParams(location.search);
  if (params.get("case")) $("#case-number").value = params.get("case");
  courtToday().then((today) => {
    if (!$("#received-on").value) $("#received-on").value = today;
    $("#received-on").max = today;
  });
  // One key per filled-in form: a double submit dockets once.
  let key = newKey();
  form.addEventListener("input", () => { key = newKey(); });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const number = $("#case-number").value.trim();
    const metadata = {
      type: $("#filing-type").value,
      description: $("#description").value.trim(),
      filer_party: $("#filer-party").value.trim(),
      received_on: $("#received-on").value,
    };
    const body = filingForm(metadata, $("#lead").files[0], Array.from($("#attachments").files));
    busy($("#submit"), box, async () => {
      const receipt = await post(`/api/v1/clerk/cases/${encodeURIComponent(number)}/paper-filings`, {
        form: body,
        headers: { "Idempotency-Key": key },
      });
      showReceipt($("#receipt"), receipt);
    });
  });
}

main();
