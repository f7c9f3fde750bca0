import { get, session } from "../api.js";
import "../layout.js";
import {
  $, busy, caseHref, courtTimeShort, docketHref, el, fill, requireLogin, showError, statusTag, words,
} from "../ui.js";

const params = new URLSearchParams(location.search);
const q = params.get("q") || "";
const mine = params.get("mine") === "true";
$("#q").value = q;
$("#mine").checked = mine;
$("#mine-choice").hidden = !session();

const box = $("#cases-message");
const results = $("#results");
const more = $("#more");
let tbody = null;
let nextToken = null;

function row(c) {
  return el("tr", {},
    el("td", { "data-label": "Case" }, el("a", { href: caseHref(c.case_number) }, c.case_number)),
    el("td", { "data-label": "Title" }, c.title),
    el("td", { "data-label": "Type" }, words(c.case_type)),
    el("td", { "data-label": "Status" }, statusTag(c.status, c.status === "open" ? "ok" : "")),
    el("td", { "data-label": "Opened", class: "num" }, courtTimeShort(c.opened_at.local)),
    el("td", { "data-label": "Docket" }, el("a", { href: docketHref(c.case_number) }, "Docket sheet")),
  );
}

async function load() {
  const query = new URLSearchParams({ q, page_size: "25" });
  if (mine) query.set("mine", "true");
  if (nextToken) query.set("page_token", nextToken);
  const page = await get(`/api/v1/cases?${query}`);
  if (!tbody) {
    if (!page.cases.length) {
      fill(results, el("p", {}, q ? `No case matches “${q}”.` : "No cases yet."));
      return;
    }
    tbody = el("tbody");
    fill(results,
      el("p", {}, `${page.total_size || page.cases.length} case${(page.total_size || page.cases.length) === 1 ? "" : "s"}${q ? ` matching “${q}”` : ""}, newest first.`),
      el("div", { class: "table-wrap" }, el("table", { class: "stack" },
        el("thead", {}, el("tr", {}, ["Case", "Title", "Type", "Status", "Opened", "Docket"].map((h) => el("th", { scope: "col" }, h)))),
        tbody)));
  }
  tbody.append(...page.cases.map(row));
  nextToken = page.next_page_token;
  more.hidden = !nextToken;
}

if (requireLogin()) load().catch((error) => showError(box, error, "The search did not work"));
more.addEventListener("click", () => busy(more, box, load));
