import { get, post } from "../api.js";
import "../layout.js";
import {
  $, busy, caseHref, courtTimeShort, docketHref, el, fill, fromUtc, openDocument, plural, requireLogin, showError, showOk,
  statusTag, words,
} from "../ui.js";

const box = $("#clerk-message");

function documents(filing) {
  return el("ul", { class: "doc-list" }, filing.documents.map((d) => {
    const status = el("span", { class: "opened", role: "status" });
    const button = el("button", { type: "button", class: "secondary" }, `Open ${d.filename} (${plural(d.pages, "page")})`);
    button.addEventListener("click", () => busy(button, null, () => openDocument(d, status))
      .catch((error) => showError(box, error, `${d.filename} could not be opened`)));
    return el("li", {}, button, status);
  }));
}

function decision(filing, row) {
  const what = `${words(filing.type)} by ${filing.filer.name}`;
  const accept = el("button", { type: "button", class: "accept" }, "Accept");
  accept.setAttribute("aria-label", `Accept the ${what}`);
  const reasonId = `reason-${filing.filing_id}`;
  const reason = el("input", { type: "text", id: reasonId, name: "reason", required: true, maxlength: "1000", autocomplete: "off" });
  const reject = el("button", { type: "submit", class: "danger" }, "Reject");
  reject.setAttribute("aria-label", `Reject the ${what}`);
  const rejectForm = el("form", { class: "inline-form" },
    el("div", { class: "field" }, el("label", { for: reasonId }, "Reason for rejecting"), reason), reject);

  const done = (result, verb) => {
    fill(row, el("td", { colspan: "5" }, statusTag(result.status, result.status === "rejected" ? "bad" : "ok"),
      ` ${words(filing.type)} by ${filing.filer.name} in ${filing.case_number || "a new case"} ${verb}.`,
      filing.case_number ? [" ", el("a", { href: docketHref(filing.case_number) }, "Docket sheet")] : null));
    showOk(box, el("p", {}, `${words(filing.type)} by ${filing.filer.name} ${verb}.`));
  };
  accept.addEventListener("click", () => busy(accept, box, async () => {
    done(await post(`/api/v1/clerk/filings/${encodeURIComponent(filing.filing_id)}/accept`), "accepted; it is being docketed");
  }));
  rejectForm.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(reject, box, async () => {
      done(await post(`/api/v1/clerk/filings/${encodeURIComponent(filing.filing_id)}/reject`, { json: { reason: reason.value.trim() } }), "rejected");
    });
  });
  return [el("div", { class: "actions" }, accept), rejectForm];
}

function queueTable(filings) {
  if (!filings.length) return el("p", {}, "Nothing is waiting for review.");
  return el("div", { class: "table-wrap" }, el("table", { class: "stack", id: "queue-table" },
    el("thead", {}, el("tr", {}, ["Received", "Filing", "Case", "Documents", "Decision"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, filings.map((f) => {
      const row = el("tr", { dataset: { filingId: f.filing_id } });
      row.append(
        el("td", { "data-label": "Received", class: "num" }, courtTimeShort(f.received_at_local)),
        el("td", { "data-label": "Filing" }, el("strong", {}, words(f.type)), ` by ${f.filer.name}`, f.title ? el("br") : null, f.title || ""),
        el("td", { "data-label": "Case" }, f.case_number ? el("a", { href: caseHref(f.case_number) }, f.case_number) : "new case"),
        el("td", { "data-label": "Documents" }, documents(f)),
        el("td", { "data-label": "Decision" }, decision(f, row)),
      );
      return row;
    }))));
}

function efilerTable(applications) {
  if (!applications.length) return el("p", {}, "No applications are waiting.");
  return el("div", { class: "table-wrap" }, el("table", { class: "stack", id: "efilers-table" },
    el("thead", {}, el("tr", {}, ["Applicant", "Bar", "Firm", "Registered", "Decision"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, applications.map((a) => {
      const approve = el("button", { type: "button" }, "Approve");
      approve.setAttribute("aria-label", `Approve ${a.name} (${a.username})`);
      const row = el("tr", { dataset: { username: a.username } },
        el("td", { "data-label": "Applicant" }, el("strong", {}, a.name), ` (${a.username}, ${words(a.role)})`, el("br"), a.email),
        el("td", { "data-label": "Bar" }, a.bar_number ? `${a.bar_number} (${a.bar_state || ""})` : "—"),
        el("td", { "data-label": "Firm" }, a.firm || "—"),
        el("td", { "data-label": "Registered", class: "num" }, fromUtc(a.created_at)),
        el("td", { "data-label": "Decision" }, approve));
      approve.addEventListener("click", () => busy(approve, box, async () => {
        const account = await post(`/api/v1/clerk/efilers/${encodeURIComponent(a.account_id)}/approve`);
        fill(row, el("td", { colspan: "5" }, statusTag(account.efiler_status, "ok"), ` ${account.name} (${account.username}) may now e-file once their second factor is set up; they get an e-mail.`));
        showOk(box, el("p", {}, `${account.name} approved to e-file.`));
      }));
      return row;
    }))));
}

async function main() {
  const current = requireLogin();
  if (!current) return;
  if (!["clerk", "admin"].includes(current.account.role)) {
    showError(box, { code: "forbidden", detail: "these pages are for the Clerk's Office" });
  }
  const results = await Promise.allSettled([
    get("/api/v1/clerk/queue").then((r) => fill($("#queue"), queueTable(r.filings))),
    get("/api/v1/clerk/efilers").then((r) => fill($("#efilers"), efilerTable(r.applications))),
  ]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    for (const id of ["#queue", "#efilers"]) if ($(id).textContent === "Loading…") fill($(id), "Could not be loaded.");
    showError(box, failed.reason);
  }

  $("#seal-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const number = $("#seal-case").value.trim();
    const entry = $("#seal-entry").value.trim();
    busy($("#seal-submit"), box, async () => {
      await post(`/api/v1/clerk/cases/${encodeURIComponent(number)}/entries/${encodeURIComponent(entry)}/seal`);
      showOk(box, el("p", {}, `Entry ${entry} in ${number} is sealed. `, el("a", { href: docketHref(number) }, "Docket sheet")));
    });
  });
}

main();
