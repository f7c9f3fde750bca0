import { get } from "../api.js";
import "../layout.js";
import { $, caseHref, el, fill, fromUtc, money, plural, requireLogin, showError } from "../ui.js";

const box = $("#billing-message");
const statement = $("#statement");

function render(s) {
  const summary = el("dl", { class: "facts" },
    el("dt", {}, "Quarter"), el("dd", {}, s.quarter),
    el("dt", {}, "Fees"), el("dd", {}, money(s.total_cents)),
    el("dt", {}, "Amount due"), el("dd", { id: "amount-due" }, money(s.amount_due_cents),
      s.waived && s.total_cents ? " (waived: $30.00 or less this quarter)" : ""));
  const rows = s.charges.length
    ? el("div", { class: "table-wrap" }, el("table", { class: "stack" },
      el("caption", {}, plural(s.charges.length, "charge")),
      el("thead", {}, el("tr", {}, ["Date", "Case", "Document", "Pages", "Fee"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, s.charges.map((c) => el("tr", {},
        el("td", { "data-label": "Date", class: "num" }, fromUtc(c.charged_at)),
        el("td", { "data-label": "Case" }, c.case_number ? el("a", { href: caseHref(c.case_number) }, c.case_number) : "—"),
        el("td", { "data-label": "Document" }, el("code", { class: "break" }, c.document_id)),
        el("td", { "data-label": "Pages", class: "num" }, String(c.pages)),
        el("td", { "data-label": "Fee", class: "num" }, money(c.fee_cents)),
      )))))
    : el("p", {}, "No charges this quarter.");
  fill(statement, summary, rows);
}

async function load(quarter) {
  try {
    const query = quarter ? `?quarter=${encodeURIComponent(quarter)}` : "";
    render(await get(`/api/v1/billing${query}`));
  } catch (error) {
    statement.replaceChildren();
    showError(box, error, "The statement could not be shown");
  }
}

if (requireLogin()) {
  const quarter = new URLSearchParams(location.search).get("quarter") || "";
  $("#quarter").value = quarter;
  load(quarter);
  $("#quarter-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("#quarter").value.trim().toUpperCase();
    history.replaceState(null, "", value ? `?quarter=${encodeURIComponent(value)}` : location.pathname);
    load(value);
  });
}
