// The filing steps both filing pages share: check the filing (POST /api/v1/filings/check),
// show the findings, file it (POST /api/v1/filings, with an Idempotency-Key so a double
// submit files once), show the receipt, and follow its status until it is docketed.

import { get, newKey, post } from "./api.js";
import {
  $, caseHref, courtTimeLong, docketHref, el, fill, plural, showError, statusTag, words, zoneWords,
} from "./ui.js";

const STATUS_TAGS = { received: "warn", pending_review: "warn", docketed: "ok", rejected: "bad" };

/** The multipart body: part `metadata` (JSON), `lead` and `attachments` (PDFs). */
export function filingForm(metadata, lead, attachments) {
  const form = new FormData();
  form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }), "metadata.json");
  form.append("lead", lead, lead.name);
  for (const file of attachments) form.append("attachments", file, file.name);
  return form;
}

function findingsView(result, files) {
  const name = (index) => (index === null || index === undefined ? null : files[index] ? files[index].name : `document ${index + 1}`);
  if (result.acceptable && !result.findings.length) {
    return el("div", { class: "panel panel-ok" },
      el("p", {}, el("strong", {}, "No problems found."),
        ` ${plural(files.length, "document")} passed every check: a readable, text-searchable PDF without active content, embedded files or unredacted Social Security numbers.`),
      el("p", {}, "Nothing has been filed yet: review the form, then file."));
  }
  return el("div", { class: result.acceptable ? "panel panel-warn" : "panel panel-closed" },
    el("p", {}, el("strong", {}, result.acceptable
      ? "The filing can be filed, but look at these notes first:"
      : `The filing cannot be filed as it is: ${plural(result.findings.length, "problem")} to fix.`)),
    el("ul", { class: "findings" }, result.findings.map((f) => {
      const file = name(f.document_index);
      const named = file && f.message.startsWith(`${file}:`);
      return el("li", {},
        file ? el("strong", {}, `${file}: `) : null,
        named ? f.message.slice(file.length + 1).trim() : f.message,
        el("span", { class: "error-code" }, ` (${f.code})`));
    })),
  );
}

/**
 * Wire a filing form: `collect()` answers {metadata, lead, attachments} or throws a message;
 * the page has #check, #submit, #findings, #filing-message, #receipt.
 */
export function wireFiling(form, collect) {
  const box = $("#filing-message");
  const checkButton = $("#check");
  const submitButton = $("#submit");
  const findings = $("#findings");
  const receipt = $("#receipt");
  let key = null;
  let checked = false;
  let shown = false; // findings of an earlier check are on the page

  function invalidate() {
    if (!shown) return;
    shown = false;
    checked = false;
    key = null;
    submitButton.disabled = true;
    fill(findings, el("p", { class: "muted" }, "The form changed: check the filing again before filing."));
  }
  form.addEventListener("input", invalidate);
  form.addEventListener("change", invalidate);

  function gather() {
    if (!form.reportValidity()) return null;
    const data = collect();
    if (!data.lead) {
      showError(box, { code: "validation_failed", detail: "choose the lead document (a PDF)" });
      return null;
    }
    return data;
  }

  checkButton.addEventListener("click", async () => {
    const data = gather();
    if (!data) return;
    checkButton.disabled = true;
    box.className = "message";
    box.replaceChildren();
    fill(findings, el("p", {}, "Checking the documents…"));
    try {
      const result = await post("/api/v1/filings/check", { form: filingForm(data.metadata, data.lead, data.attachments) });
      fill(findings, findingsView(result, [data.lead, ...data.attachments]));
      shown = true;
      checked = result.acceptable;
      key = checked ? newKey() : null;
      submitButton.disabled = !checked;
      findings.setAttribute("tabindex", "-1");
      findings.focus();
    } catch (error) {
      findings.replaceChildren();
      showError(box, error, "The filing could not be checked");
    } finally {
      checkButton.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checked || !key) return;
    const data = gather();
    if (!data) return;
    submitButton.disabled = true;
    checkButton.disabled = true;
    try {
      const filed = await post("/api/v1/filings", {
        form: filingForm(data.metadata, data.lead, data.attachments),
        headers: { "Idempotency-Key": key },
      });
      form.hidden = true;
      findings.replaceChildren();
      showReceipt(receipt, filed);
    } catch (error) {
      showError(box, error, "The filing was not filed");
      submitButton.disabled = false;
    } finally {
      checkButton.disabled = false;
    }
  });
}

function receiptFacts(filing) {
  const dl = el("dl", { class: "facts" },
    el("dt", {}, "Filing ID"), el("dd", {}, el("code", { class: "break" }, filing.filing_id)),
    el("dt", {}, "Type"), el("dd", {}, filing.type.replaceAll("_", " ")),
    el("dt", {}, "Received"), el("dd", { id: "received-at" },
      el("time", { datetime: filing.received_at }, `${courtTimeLong(filing.received_at_local)} ${zoneWords(filing.received_at_local)}`)),
    el("dt", {}, "Filed on"), el("dd", {}, filing.filed_date),
    el("dt", {}, "Status"), el("dd", { id: "filing-status" }, statusTag(filing.status, STATUS_TAGS[filing.status])),
  );
  if (filing.title) dl.append(el("dt", {}, "Title"), el("dd", {}, filing.title));
  if (filing.case_number) {
    dl.append(el("dt", {}, "Case"), el("dd", {}, el("a", { href: caseHref(filing.case_number) }, filing.case_number)));
  }
  dl.append(el("dt", {}, "Documents"), el("dd", {}, el("ul", { class: "doc-list" }, filing.documents.map((d) =>
    el("li", {}, el("strong", {}, d.filename), ` — ${words(d.role)}, ${plural(d.pages, "page")}`,
      el("br"), el("span", { class: "muted" }, "SHA-256 "), el("code", { class: "break" }, d.sha256))))));
  return dl;
}

function statusLine(filing) {
  switch (filing.status) {
    case "docketed":
      return el("p", {}, el("strong", {}, `Docketed as entry ${filing.entry_number} in case ${filing.case_number}. `),
        el("a", { href: docketHref(filing.case_number), id: "receipt-docket-link" }, "Docket sheet"), " · ",
        el("a", { href: caseHref(filing.case_number) }, "Case details"));
    case "pending_review":
      return el("p", {}, el("strong", {}, "Waiting for the Clerk's Office. "),
        "A clerk reviews this filing before it is docketed; a notice of appearance makes you counsel of record once accepted. This page updates by itself.");
    case "rejected":
      return el("p", {}, el("strong", {}, "Rejected by the Clerk's Office. "), filing.reject_reason ? `Reason: ${filing.reject_reason}` : "");
    default:
      return el("p", {}, "Received. The docket is recording it; this page updates by itself.");
  }
}

/** The receipt, then its status followed until it is docketed or rejected. */
export function showReceipt(section, filing) {
  section.hidden = false;
  fill(section,
    el("h2", { id: "receipt-heading", tabindex: "-1" }, "Receipt"),
    el("p", {}, filing.replayed ? "This filing was already received (the same submission was sent twice); here is its receipt." : "The court received your filing. Keep this receipt."),
    el("div", { id: "receipt-facts" }, receiptFacts(filing)),
    el("div", { id: "receipt-status", role: "status", "aria-live": "polite" }, statusLine(filing)),
  );
  $("#receipt-heading").focus();
  follow(filing);
}

function follow(filing) {
  let delay = 1000;
  const stopAt = Date.now() + 15 * 60 * 1000;
  let last = filing.status;
  const tick = async () => {
    if (last === "docketed" || last === "rejected" || Date.now() > stopAt) return;
    try {
      const now = await get(`/api/v1/filings/${encodeURIComponent(filing.filing_id)}`);
      if (now.status !== last) {
        last = now.status;
        fill($("#receipt-facts"), receiptFacts(now));
        fill($("#receipt-status"), statusLine(now));
      }
    } catch {
      // keep the receipt; try again
    }
    delay = Math.min(delay * 1.5, 10_000);
    setTimeout(tick, delay);
  };
  setTimeout(tick, delay);
}
