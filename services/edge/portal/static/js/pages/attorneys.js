// The court's bar search: public, no login.
import { get } from "../api.js";
import "../layout.js";
import { $, el, fill, showError } from "../ui.js";

const params = new URLSearchParams(location.search);
const name = (params.get("name") || "").trim();
const barNumber = (params.get("bar_number") || "").trim();
const state = (params.get("state") || "").trim();
$("#bar-name").value = name;
$("#bar-number").value = barNumber;
$("#bar-state").value = state;

const box = $("#attorneys-message");
const results = $("#attorneys-results");

function row(a) {
  return el("tr", {},
    el("td", { "data-label": "Name" }, a.name),
    el("td", { "data-label": "Bar number" }, a.bar_number),
    el("td", { "data-label": "State" }, a.bar_state),
    el("td", { "data-label": "Firm" }, a.firm || "—"),
    el("td", { "data-label": "E-filer" }, a.efiler_registered ? "Registered to e-file" : "Not registered"),
  );
}

async function search() {
  const query = new URLSearchParams({ limit: "50" });
  if (name) query.set("name", name);
  if (barNumber) query.set("bar_number", barNumber);
  if (state) query.set("state", state);
  const found = await get(`/api/v1/attorneys?${query}`);
  if (!found.attorneys.length) {
    fill(results, el("p", {}, "No attorney matches."));
    return;
  }
  fill(results,
    el("div", { class: "table-wrap" }, el("table", { class: "stack", id: "attorneys-table" },
      el("thead", {}, el("tr", {}, ["Name", "Bar number", "State", "Firm", "E-filer"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...found.attorneys.map(row)))));
}

if (name || barNumber) search().catch((error) => showError(box, error, "The search did not work"));
