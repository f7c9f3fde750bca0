import { get } from "../api.js";
import "../layout.js";
import {
  $, busy, caseHref, courtTimeShort, el, fileInCaseHref, fill, loginHref, money, openDocument, pathParam, plural,
  requireLogin, showError, time, words,
} from "../ui.js";

const number = pathParam(1);
const box = $("#docket-message");
const more = $("#more");
let tbody = null;
let nextToken = null;

const REASONS = {
  restricted_case: "Restricted case: in immigration and Social Security cases only counsel of record and court staff may open documents online (Fed. R. Civ. P. 5.2(c)).",
  sealed: "Sealed: court staff only.",
  unauthenticated: null, // a log-in link instead
  unavailable: "Not available right now; try again later.",
  not_found: "The document is not in the court's document store.",
};

function documentItem(doc, index) {
  const name = doc.filename || `Document ${index + 1}`;
  if (doc.may_open) {
    const status = el("span", { class: "opened", role: "status" });
    const label = `Open ${name} (${plural(doc.pages, "page")}, ${doc.fee_cents ? `fee ${money(doc.fee_cents)}` : "no fee"})`;
    const button = el("button", { type: "button", class: "secondary open-document", dataset: { documentId: doc.document_id } }, label);
    button.addEventListener("click", () => busy(button, null, () => openDocument(doc, status)).catch((error) => {
      fill(status);
      showError(box, error, `${name} could not be opened`);
    }));
    return el("li", {}, button, status);
  }
  const reason = doc.denied_reason || "unavailable";
  const why = reason === "unauthenticated"
    ? [el("a", { href: loginHref() }, "Log in"), " to open it (PACER fees apply)."]
    : [REASONS[reason] || words(reason)];
  return el("li", { class: "denied", dataset: { reason } },
    el("strong", {}, name), doc.pages ? ` (${plural(doc.pages, "page")})` : "", " — not available to you: ",
    ...why, el("span", { class: "error-code" }, ` (${reason})`));
}

function entryRow(entry) {
  return el("tr", { id: `entry-${entry.number}` },
    el("td", { "data-label": "No.", class: "num" }, String(entry.number)),
    el("td", { "data-label": "Filed", class: "num" }, time(entry.filed_at.local)),
    el("td", { "data-label": "Entered", class: "num" }, time(entry.entered_at.local)),
    el("td", { "data-label": "Docket text" },
      entry.sealed ? el("strong", {}, "[Sealed] ") : null, entry.text,
      entry.filer_name ? el("span", { class: "muted" }, ` (Filed by ${entry.filer_name}.)`) : null),
    el("td", { "data-label": "Documents" }, entry.documents.length
      ? el("ul", { class: "doc-list" }, entry.documents.map(documentItem))
      : el("span", { class: "muted" }, "none")),
  );
}

async function load() {
  const query = new URLSearchParams({ page_size: "100" });
  if (nextToken) query.set("page_token", nextToken);
  const sheet = await get(`/api/v1/cases/${encodeURIComponent(number)}/docket?${query}`);
  if (!tbody) {
    const c = sheet.case;
    document.title = `Docket ${c.case_number} — OpenECF`;
    fill($("#docket-head"),
      el("h1", {}, el("span", { class: "muted" }, `Docket ${c.case_number} · `), c.title),
      el("p", {}, `${words(c.case_type)} case, ${c.status}; opened ${courtTimeShort(c.opened_at.local)}. `,
        el("a", { href: caseHref(c.case_number) }, "Case details"), " · ",
        el("a", { href: fileInCaseHref(c.case_number) }, "File in this case")));
    tbody = el("tbody");
    fill($("#docket-entries"), el("div", { class: "table-wrap" }, el("table", { class: "stack docket" },
      el("caption", {}, `${plural(sheet.total_size, "entry", "entries")} (times are Pacific)`),
      el("thead", {}, el("tr", {}, ["No.", "Filed", "Entered", "Docket text", "Documents"].map((h) => el("th", { scope: "col" }, h)))),
      tbody)));
  }
  tbody.append(...sheet.entries.map(entryRow));
  nextToken = sheet.next_page_token;
  more.hidden = !nextToken;
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

if (requireLogin()) load().catch((error) => {
  fill($("#docket-head"), el("h1", {}, `Docket ${number}`));
  showError(box, error, "The docket sheet could not be shown");
});
more.addEventListener("click", () => busy(more, box, load));
