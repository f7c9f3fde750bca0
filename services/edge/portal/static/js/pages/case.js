import { del, get, put, session } from "../api.js";
import "../layout.js";
import {
  $, busy, courtTimeLong, docketHref, el, fileInCaseHref, fill, pathParam, requireLogin, showError, showOk, statusTag, words,
  zoneWords,
} from "../ui.js";

const number = pathParam(1);
const box = $("#case-message");
const view = $("#case-view");

function subscription() {
  if (!session()) return null;
  const status = el("span", { role: "status" });
  const subscribe = el("button", { type: "button", class: "secondary", id: "subscribe" }, "Send me notices for this case");
  const stop = el("button", { type: "button", class: "secondary", id: "unsubscribe" }, "Stop the notices");
  subscribe.addEventListener("click", () => busy(subscribe, box, async () => {
    await put(`/api/v1/cases/${encodeURIComponent(number)}/subscription`);
    showOk(box, el("p", {}, `You will get a notice of docket activity for each new entry in ${number}.`));
  }));
  stop.addEventListener("click", () => busy(stop, box, async () => {
    await del(`/api/v1/cases/${encodeURIComponent(number)}/subscription`);
    showOk(box, el("p", {}, `You will no longer get notices for ${number} (unless you are counsel of record in it).`));
  }));
  return el("section", { "aria-labelledby": "notices-heading" },
    el("h2", { id: "notices-heading" }, "Notices for this case"),
    el("p", {}, "Not in this case? Ask for its notices of docket activity by e-mail."),
    el("div", { class: "actions" }, subscribe, stop, status));
}

const FEE_STATUSES = [["paid", "Paid"], ["ifp_pending", "IFP pending"], ["ifp_granted", "IFP granted"], ["waived", "Waived"]];

function feeWords(value) {
  const found = FEE_STATUSES.find(([name]) => name === value);
  return found ? found[1] : "Not recorded";
}

// The clerk records the filing-fee status (the API refuses anyone else).
function feeStatusForm(c) {
  const current = session();
  if (!current || !current.account || current.account.role !== "clerk") return null;
  const choice = el("select", { id: "fee-status-choice" },
    FEE_STATUSES.map(([name, label]) => el("option", { value: name, ...(name === c.fee_status ? { selected: "" } : {}) }, label)));
  const save = el("button", { type: "submit", class: "secondary", id: "fee-status-save" }, "Record fee status");
  const form = el("form", { class: "inline-form", "aria-label": "Record the fee status" },
    el("div", { class: "field" }, el("label", { for: "fee-status-choice" }, "New fee status"), choice), save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, box, async () => {
      const updated = await put(`/api/v1/clerk/cases/${encodeURIComponent(number)}/fee-status`, { json: { fee_status: choice.value } });
      render(updated);
      showOk(box, el("p", {}, `Fee status of ${number}: ${feeWords(updated.fee_status)}.`));
    });
  });
  return form;
}

function render(c) {
  document.title = `${c.case_number} ${c.title} — OpenECF`;
  const facts = el("dl", { class: "facts" },
    el("dt", {}, "Case number"), el("dd", {}, c.case_number),
    el("dt", {}, "Type"), el("dd", {}, words(c.case_type)),
    el("dt", {}, "Status"), el("dd", {}, statusTag(c.status, c.status === "open" ? "ok" : "")),
    el("dt", {}, "Opened"), el("dd", {}, `${courtTimeLong(c.opened_at.local)} ${zoneWords(c.opened_at.local)}`),
    // ACMS numbers kept their gaps: for an imported case the last number is not a count.
    el("dt", {}, c.imported ? "Last entry number" : "Docket entries"), el("dd", {}, String(c.last_entry_number)),
    el("dt", {}, "Fee status"), el("dd", { id: "fee-status-value" }, feeWords(c.fee_status)),
  );
  if (c.imported) facts.append(el("dt", {}, "Docket"), el("dd", {}, `Imported from ACMS${c.case_subtype ? ` (${c.case_subtype})` : ""}`));
  if (c.origin && c.origin.agency) facts.append(el("dt", {}, "Agency"), el("dd", {}, c.origin.agency));
  if (c.origin && c.origin.alien_number) facts.append(el("dt", {}, "A-number"), el("dd", {}, c.origin.alien_number));
  fill(view,
    el("h1", {}, el("span", { class: "muted" }, `${c.case_number} · `), c.title),
    el("div", { class: "actions" },
      el("a", { class: "button", href: docketHref(c.case_number), id: "docket-link" }, "Docket sheet"),
      el("a", { class: "button secondary", href: fileInCaseHref(c.case_number, "notice_of_appearance") }, "File a notice of appearance"),
      el("a", { class: "button secondary", href: fileInCaseHref(c.case_number) }, "File in this case")),
    facts,
    feeStatusForm(c),
    el("h2", {}, "Parties"),
    c.parties.length
      ? el("ul", {}, c.parties.map((p) => el("li", {}, el("strong", {}, p.name), ` — ${words(p.role)}`)))
      : el("p", {}, "No parties recorded."),
    el("h2", {}, "Counsel of record"),
    c.counsel.length
      ? el("ul", { id: "counsel" }, c.counsel.map((k) => el("li", {}, el("strong", {}, k.name), k.firm ? `, ${k.firm}` : "", ` — for ${k.party_name}`)))
      : el("p", {}, "No counsel of record."),
    subscription(),
  );
}

async function main() {
  if (!requireLogin()) return;
  try {
    render(await get(`/api/v1/cases/${encodeURIComponent(number)}`));
  } catch (error) {
    fill(view, el("h1", {}, `Case ${number}`));
    showError(box, error, "The case could not be shown");
  }
}

main();
