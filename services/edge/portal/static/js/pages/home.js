import { statusReady } from "../layout.js";
import { $, courtTimeLong, courtTimeRange, el, fill, sentence, zoneWords } from "../ui.js";

function describe(status) {
  if (!status) {
    return [el("p", {}, el("strong", {}, "The court's system could not be reached."), " Try again in a moment.")];
  }
  const now = status.court_time.local;
  const parts = [];
  if (status.active) {
    parts.push(el("p", {}, el("strong", {}, "Closed for maintenance"),
      status.ends_at_local ? ` until ${courtTimeLong(status.ends_at_local)} ${zoneWords(status.ends_at_local)}.` : "."));
    if (status.reason) parts.push(el("p", {}, `Reason: ${sentence(status.reason)}`));
    parts.push(el("p", {}, "You can still look up cases and docket sheets. Filings and other changes are refused until the window ends."));
  } else {
    parts.push(el("p", {}, el("strong", {}, "Open for e-filing.")));
  }
  parts.push(el("dl", { class: "facts" },
    el("dt", {}, "Court time"), el("dd", {}, `${courtTimeLong(now)} ${zoneWords(now)}`),
    el("dt", {}, "Next maintenance"),
    el("dd", {}, courtTimeRange(status.next_window.start.local, status.next_window.end.local)),
  ));
  if (status.technical_failures && status.technical_failures.length) {
    parts.push(el("h3", {}, "Recent technical failures"),
      el("ul", { id: "technical-failures" }, status.technical_failures.map((f) => el("li", {},
        courtTimeRange(f.started_at.local, f.ended_at.local), `: ${f.unavailable} unavailable`,
        f.note ? ` (${f.note})` : ""))),
      el("p", {}, el("a", { href: "/technical-failures" }, "Every technical failure")));
  }
  return parts;
}

const panel = $("#status-panel");
statusReady.then((status) => {
  panel.classList.toggle("panel-closed", Boolean(status && status.active));
  panel.classList.toggle("panel-warn", Boolean(status && !status.active && status.warning));
  panel.classList.toggle("panel-ok", Boolean(status && !status.active && !status.warning));
  fill(panel, describe(status));
});
