// Paper service due (GET /api/v1/clerk/paper-service): each participant to serve by mail, the
// printable packet (fetched with the session, opened in the browser's PDF viewer) and "mark
// served" (POST .../{id}/served).

import { get, post, request } from "../api.js";
import "../layout.js";
import { $, busy, docketHref, el, fill, fromUtc, requireLogin, showError, showOk, statusTag } from "../ui.js";

const box = $("#paper-service-message");

async function openPacket(item, statusBox) {
  fill(statusBox, "Preparing the packet…");
  const response = await request("GET", item.packet_url, { raw: true, accept: "application/pdf" });
  const blob = new Blob([await response.arrayBuffer()], { type: "application/pdf" });
  const url = URL.createObjectURL(blob);
  const name = `paper-service-${item.case_number}-${String(item.entry_number).padStart(3, "0")}.pdf`;
  fill(statusBox, "Packet ready. ",
    el("a", { href: url, target: "_blank", rel: "noopener", class: "opened-link" }, "View and print it"),
    " · ", el("a", { href: url, download: name }, "Save it"));
  window.open(url, "_blank", "noopener");
}

function whom(item) {
  const p = item.participant;
  return [
    el("strong", {}, p.name), p.detail ? ` (${p.detail})` : "",
    el("br"), p.address ? el("span", { class: "address" }, p.address) : el("span", { class: "hint" }, "No address on file"),
  ];
}

function row(item) {
  const tr = el("tr", { dataset: { itemId: item.id } });
  const status = el("span", { class: "opened", role: "status" });
  const packet = el("button", { type: "button", class: "secondary" }, "Print packet");
  packet.setAttribute("aria-label", `Print packet for ${item.participant.name}, entry ${item.entry_number} in ${item.case_number}`);
  packet.addEventListener("click", () => busy(packet, null, () => openPacket(item, status))
    .catch((error) => showError(box, error, "The packet could not be prepared")));
  const served = el("button", { type: "button" }, "Mark served");
  served.setAttribute("aria-label", `Mark served: ${item.participant.name}, entry ${item.entry_number} in ${item.case_number}`);
  served.addEventListener("click", () => busy(served, box, async () => {
    const done = await post(`/api/v1/clerk/paper-service/${encodeURIComponent(item.id)}/served`);
    fill(tr.lastElementChild, statusTag("served", "ok"), ` ${fromUtc(done.served_at)}`);
    showOk(box, el("p", {}, `${item.participant.name} marked served with entry ${item.entry_number} in ${item.case_number}.`));
  }));
  tr.append(
    el("td", { "data-label": "Due since", class: "num" }, fromUtc(item.due_since)),
    el("td", { "data-label": "Case and entry" },
      el("a", { href: docketHref(item.case_number) }, item.case_number), ` entry ${item.entry_number}`,
      el("br"), el("span", { class: "hint" }, item.entry_text)),
    el("td", { "data-label": "Serve by mail" }, whom(item)),
    el("td", { "data-label": "Packet" }, packet, status),
    el("td", { "data-label": "Served" }, item.served ? [statusTag("served", "ok"), ` ${fromUtc(item.served_at)}`] : served),
  );
  return tr;
}

function table(items) {
  if (!items.length) return el("p", {}, "No paper service is due.");
  return el("div", { class: "table-wrap" }, el("table", { class: "stack", id: "paper-service-table" },
    el("thead", {}, el("tr", {}, ["Due since", "Case and entry", "Serve by mail", "Packet", "Served"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, items.map(row))));
}

async function load() {
  const include = $("#include-served").checked;
  try {
    const reply = await get(`/api/v1/clerk/paper-service?include_served=${include}`);
    fill($("#paper-service"), table(reply.items));
  } catch (error) {
    fill($("#paper-service"), "Could not be loaded.");
    showError(box, error);
  }
}

function main() {
  const current = requireLogin();
  if (!current) return;
  if (!["clerk", "admin"].includes(current.account.role)) {
    showError(box, { code: "forbidden", detail: "this page is for the Clerk's Office" });
  }
  $("#include-served").addEventListener("change", load);
  load();
}

main();
