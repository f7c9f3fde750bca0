import { get } from "../api.js";
import "../layout.js";
import { $, courtTimeRange, el, fill, showError } from "../ui.js";

const box = $("#failures-message");
const list = $("#failures");

function render(failures) {
  if (!failures.length) {
    fill(list, el("p", {}, "No technical failures have been recorded."));
    return;
  }
  fill(list, el("ul", { id: "technical-failures" }, failures.map((f) => el("li", {},
    el("strong", {}, courtTimeRange(f.started_at.local, f.ended_at.local)),
    `: ${f.unavailable} unavailable`, f.note ? ` (${f.note})` : ""))));
}

async function main() {
  try {
    render((await get("/api/v1/technical-failures")).technical_failures);
  } catch (error) {
    fill(list);
    showError(box, error, "The record of technical failures could not be shown");
  }
}

main();
