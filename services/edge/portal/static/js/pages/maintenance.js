import { get, put } from "../api.js";
import { renderBanner } from "../layout.js";
import {
  $, busy, courtTimeLong, courtTimeRange, el, fill, requireLogin, sentence, showError, showOk, zoneWords,
} from "../ui.js";

const SOURCES = { admin: "Set by an administrator", schedule: "The scheduled weekly window", scheduled: "The scheduled weekly window" };
const box = $("#maintenance-message");
const state = $("#maintenance-state");

function render(status) {
  renderBanner(status);
  state.classList.toggle("panel-closed", status.active);
  state.classList.toggle("panel-ok", !status.active);
  const next = status.next_window;
  fill(state,
    status.active
      ? el("p", {}, el("strong", {}, "Closed for maintenance"),
        status.ends_at_local ? ` until ${courtTimeLong(status.ends_at_local)} ${zoneWords(status.ends_at_local)}` : "",
        ".", SOURCES[status.source] ? ` ${SOURCES[status.source]}.` : "", status.reason ? ` Reason: ${sentence(status.reason)}` : "")
      : el("p", {}, el("strong", {}, "Open."), " The court accepts filings."),
    el("p", {}, `Next scheduled window: ${courtTimeRange(next.start.local, next.end.local)}.`));
}

async function main() {
  const current = requireLogin();
  if (!current) return;
  if (current.account.role !== "admin") {
    showError(box, { code: "forbidden", detail: "only an administrator may switch maintenance on or off" });
  }
  try {
    render(await get("/api/v1/status"));
  } catch (error) {
    showError(box, error);
  }
  $("#close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#close-submit"), box, async () => {
      const status = await put("/api/v1/admin/maintenance", {
        json: { active: true, until: $("#until").value.trim(), reason: $("#reason").value.trim() },
      });
      render(status);
      showOk(box, el("p", {}, el("strong", {}, "The court is closed for maintenance."), " Every service follows within seconds."));
    });
  });
  $("#open-submit").addEventListener("click", (event) => busy(event.currentTarget, box, async () => {
    render(await put("/api/v1/admin/maintenance", { json: { active: false } }));
    showOk(box, el("p", {}, el("strong", {}, "The court is open again.")));
  }));
}

main();
