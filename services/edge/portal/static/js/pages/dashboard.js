import { get, post, takeApplication, updateAccount } from "../api.js";
import { renderNav } from "../layout.js";
import {
  $, busy, caseHref, courtTimeShort, docketHref, el, fill, fromUtc, requireLogin, showError, showOk, statusTag, words,
} from "../ui.js";

const box = $("#dash-message");
const EFILER = { approved: "ok", pending: "warn", not_applied: "" };

function accountFacts(a) {
  const rows = [
    ["Name", a.name], ["Username", a.username], ["Role", words(a.role)],
    ["E-mail", el("span", {}, `${a.email} `,
      a.email_confirmed ? statusTag("confirmed", "ok") : statusTag("not confirmed", "warn"))],
    ["Firm", a.firm], ["Bar", a.bar_number ? `${a.bar_number} (${a.bar_state || ""})` : null],
  ];
  const dl = el("dl", { class: "facts" });
  for (const [label, value] of rows) if (value) dl.append(el("dt", {}, label), el("dd", {}, value));
  if (a.role === "attorney" || a.role === "pro_se") {
    dl.append(el("dt", {}, "E-filing"), el("dd", {}, statusTag(a.efiler_status, EFILER[a.efiler_status])));
  }
  if (a.role !== "public" || a.mfa_enrolled) {
    dl.append(el("dt", {}, "Second factor"),
      el("dd", {}, a.mfa_enrolled ? statusTag("set up", "ok") : statusTag("not set up")));
  }
  return dl;
}

function nextSteps(a) {
  const steps = [el("a", { class: "button secondary", href: "/profile", id: "profile-link" }, "Change my e-mail or address")];
  if (!a.email_confirmed) {
    steps.push(el("p", {}, `Confirm your e-mail address: open the link we sent to ${a.email}. `,
      "Until then it receives nothing from the court, and you cannot apply to e-file."),
    el("button", { type: "button", class: "secondary", id: "resend-confirmation", onclick: () => resend(a.email) },
      "Send the link again"));
    return steps;
  }
  if ((a.role === "attorney" || a.role === "pro_se") && a.efiler_status === "not_applied") {
    steps.push(el("button", { type: "button", id: "apply-efile", onclick: applyToEfile }, "Apply to e-file"));
  }
  if (a.efiler_status === "pending") {
    steps.push(el("p", {}, "Your application to e-file is with the Clerk's Office. You will get an e-mail when it is approved."));
  }
  if (a.role !== "public" && !a.mfa_enrolled) {
    steps.push(el("a", { class: "button secondary", href: "/mfa" }, "Set up your second factor"));
  }
  if (a.efiler_status === "approved" && a.mfa_enrolled) {
    steps.push(el("a", { class: "button", href: "/file/petition" }, "File a petition"),
      el("a", { class: "button secondary", href: "/file/case" }, "File in a case"));
  }
  return steps;
}

function resend(email) {
  // A forgotten-login request for an unconfirmed address sends its confirmation link again.
  busy($("#resend-confirmation"), box, async () => {
    await post("/api/v1/credential-reissue", { json: { email } });
    showOk(box, el("p", {}, el("strong", {}, "Sent."), ` Look for the link in ${email}.`));
  });
}

async function showAccount() {
  let account = await get("/api/v1/accounts/me");
  if (account.email_confirmed && account.efiler_status === "not_applied" && takeApplication(account.username)) {
    await post("/api/v1/accounts/me/efiler-application");
    showOk(box, el("p", {}, el("strong", {}, "Application sent."), " Your address is confirmed, so your application to e-file went to the Clerk's Office; you will get an e-mail."));
    account = await get("/api/v1/accounts/me");
  }
  updateAccount(account);
  renderNav();
  fill($("#account-panel"), accountFacts(account));
  fill($("#account-actions"), nextSteps(account));
}

function applyToEfile(event) {
  busy(event.currentTarget, box, async () => {
    await post("/api/v1/accounts/me/efiler-application");
    showOk(box, el("p", {}, el("strong", {}, "Application sent."), " The Clerk's Office reviews it; you will get an e-mail."));
    await showAccount();
  });
}

function casesTable(cases) {
  if (!cases.length) return el("p", {}, "You are not counsel of record in any case yet.");
  return el("div", { class: "table-wrap" }, el("table", { class: "stack" },
    el("thead", {}, el("tr", {}, ["Case", "Title", "Type", "Opened", "Docket"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, cases.map((c) => el("tr", {},
      el("td", { "data-label": "Case" }, el("a", { href: caseHref(c.case_number) }, c.case_number)),
      el("td", { "data-label": "Title" }, c.title),
      el("td", { "data-label": "Type" }, words(c.case_type)),
      el("td", { "data-label": "Opened", class: "num" }, courtTimeShort(c.opened_at.local)),
      el("td", { "data-label": "Docket" }, el("a", { href: docketHref(c.case_number) }, "Docket sheet")),
    )))));
}

function noticesTable(notices) {
  if (!notices.length) return el("p", {}, "No notices yet. You get one for every docket entry in your cases.");
  const tag = { sent: "ok", failed: "bad", retrying: "warn", pending: "" };
  return el("div", { class: "table-wrap" }, el("table", { class: "stack" },
    el("thead", {}, el("tr", {}, ["Date", "Case", "Entry", "Subject", "Sent to", "Delivery"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, notices.map((n) => el("tr", {},
      el("td", { "data-label": "Date", class: "num" }, fromUtc(n.created_at)),
      el("td", { "data-label": "Case" }, el("a", { href: caseHref(n.case_number) }, n.case_number)),
      el("td", { "data-label": "Entry", class: "num" }, el("a", { href: `${docketHref(n.case_number)}#entry-${n.entry_number}` }, String(n.entry_number))),
      el("td", { "data-label": "Subject" }, n.subject),
      el("td", { "data-label": "Sent to" }, n.recipient_email),
      el("td", { "data-label": "Delivery" }, statusTag(n.status, tag[n.status])),
    )))));
}

async function main() {
  if (!requireLogin()) return;
  const tasks = [
    showAccount().catch((e) => { fill($("#account-panel"), "Your account could not be loaded."); throw e; }),
    get("/api/v1/cases?mine=true&page_size=100").then((r) => fill($("#my-cases"), casesTable(r.cases)))
      .catch((e) => { fill($("#my-cases"), "Your cases could not be loaded."); throw e; }),
    get("/api/v1/notices?page_size=50").then((r) => fill($("#my-notices"), noticesTable(r.notices)))
      .catch((e) => { fill($("#my-notices"), "Your notices could not be loaded."); throw e; }),
  ];
  const failed = (await Promise.allSettled(tasks)).find((r) => r.status === "rejected");
  if (failed) showError(box, failed.reason);
}

main();
