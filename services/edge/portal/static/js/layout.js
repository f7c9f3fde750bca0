// Every page: who is logged in, the navigation for their role, log out, and the maintenance
// banner (from GET /api/v1/status, refreshed every minute).

import { clearSession, del, get, session } from "./api.js";
import { courtTimeLong, courtTimeRange, el, fill, sentence, zoneWords } from "./ui.js";

const STAFF = new Set(["clerk", "admin"]);

function markCurrentLink() {
  const here = location.pathname;
  for (const link of document.querySelectorAll(".main-nav a")) {
    const target = new URL(link.href, location.href).pathname;
    const current = target === "/" ? here === "/" : here === target || here.startsWith(`${target}/`);
    if (current) link.setAttribute("aria-current", "page");
  }
}

export function renderNav() {
  const current = session();
  const role = current && current.account ? current.account.role : null;
  for (const item of document.querySelectorAll(".main-nav [data-show]")) {
    const show = item.dataset.show;
    item.hidden = !(
      (show === "guest" && !current) ||
      (show === "user" && current) ||
      (show === "staff" && current && STAFF.has(role)) ||
      (show === "admin" && current && role === "admin")
    );
  }
  const who = document.getElementById("whoami");
  if (current && current.account) {
    fill(who, "Logged in as ", el("strong", {}, current.account.name || current.account.username),
      ` (${current.account.role.replace("_", " ")})`);
    who.hidden = false;
  } else {
    who.hidden = true;
  }
}

async function logOut() {
  try {
    await del("/api/v1/sessions/current");
  } catch {
    // the session may already be over: forget it either way
  }
  clearSession();
  location.assign("/");
}

/** The banner for a status answer: closed now, or closing within 24 hours. */
export function renderBanner(status) {
  const slot = document.getElementById("maintenance-banner");
  if (!slot) return;
  if (status && status.active) {
    const until = status.ends_at_local
      ? ` until ${courtTimeLong(status.ends_at_local)} ${zoneWords(status.ends_at_local)}`
      : "";
    fill(
      slot,
      el("div", { class: "banner banner-closed" },
        el("p", {},
          el("strong", {}, `The court's e-filing system is closed for maintenance${until}.`),
          " Cases and docket sheets can still be viewed; filing and other changes resume when the window ends.",
          status.reason ? ` Reason: ${sentence(status.reason)}` : "",
        )),
    );
  } else if (status && status.warning && status.next_window) {
    const start = status.next_window.start.local;
    const end = status.next_window.end.local;
    fill(
      slot,
      el("div", { class: "banner banner-warning" },
        el("p", {},
          el("strong", {}, "Scheduled maintenance: "),
          `e-filing will be closed ${courtTimeRange(start, end)}. `,
          "File before the window opens.",
        )),
    );
  } else {
    slot.replaceChildren();
  }
}

async function loadStatus() {
  try {
    return await get("/api/v1/status");
  } catch {
    return null;
  }
}

/** Resolves to the first status answer (or null when the API cannot be reached). */
export const statusReady = loadStatus().then((status) => {
  renderBanner(status);
  return status;
});

setInterval(() => loadStatus().then((s) => s && renderBanner(s)), 60_000);

renderNav();
markCurrentLink();
document.getElementById("logout")?.addEventListener("click", logOut);
