// Small DOM helpers shared by the pages. Data from the API is only ever inserted as text
// (text nodes / textContent), never as HTML.

import { request, session } from "./api.js";

/** Create an element: el("a", {href: "/x", class: "y"}, "text", child…). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function $(selector, root = document) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  return found;
}

export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// -- addresses ------------------------------------------------------------------------------

export const caseHref = (number) => `/cases/${encodeURIComponent(number)}`;
export const docketHref = (number) => `/cases/${encodeURIComponent(number)}/docket`;
export const fileInCaseHref = (number, type) =>
  `/file/case?case=${encodeURIComponent(number)}${type ? `&type=${encodeURIComponent(type)}` : ""}`;

/** The path part after `prefix` in this page's address, decoded (e.g. a case number). */
export function pathParam(index) {
  const parts = location.pathname.split("/").filter(Boolean);
  return parts[index] === undefined ? "" : decodeURIComponent(parts[index]);
}

/** A `next=` target we may go to: a path on this site only. */
export function safeNext(value, fallback = "/dashboard") {
  if (typeof value === "string" && /^\/(?![/\\])/.test(value)) return value;
  return fallback;
}

export function loginHref() {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** The session, or a redirect to the login page (answers null then). */
export function requireLogin() {
  const current = session();
  if (!current) location.replace(loginHref());
  return current;
}

// -- time and money -------------------------------------------------------------------------

const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$/;
const ZONE_NAMES = { "-08:00": "PST", "-07:00": "PDT" };

function wallClock(isoLocal) {
  const m = LOCAL_ISO.exec(isoLocal || "");
  if (!m) return null;
  const [, y, mo, d, h, mi, s, offset] = m;
  return { date: new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +(s || 0))), offset: offset || "" };
}

function zoneLabel(offset) {
  return ZONE_NAMES[offset] || (offset ? `UTC${offset === "Z" ? "" : offset}` : "");
}

/**
 * A court-local time the API wrote with its offset ("2026-03-07T05:00:00-08:00"), as a
 * person reads it: "Saturday, March 7, 2026 at 5:00 AM". The wall clock comes from the
 * string itself, so it is the court's time whatever the browser's zone.
 */
export function courtTimeLong(isoLocal) {
  const wall = wallClock(isoLocal);
  if (!wall) return isoLocal || "";
  const date = new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC", weekday: "long", year: "numeric", month: "long", day: "numeric",
  }).format(wall.date);
  const time = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", hour: "numeric", minute: "2-digit" }).format(wall.date);
  return `${date} at ${time}`;
}

/** "Saturday, March 7, 2026 from 12:00 AM to 5:00 AM (Pacific)", or two full times. */
export function courtTimeRange(startLocal, endLocal) {
  const start = courtTimeLong(startLocal);
  const end = courtTimeLong(endLocal);
  const [startDay, startTime] = start.split(" at ");
  const [endDay, endTime] = end.split(" at ");
  const zone = zoneWords(endLocal);
  if (startDay === endDay && startTime && endTime) return `${startDay} from ${startTime} to ${endTime} ${zone}`;
  return `${start} to ${end} ${zone}`;
}

/** "03/07/2026 5:00 AM PST" for tables. */
export function courtTimeShort(isoLocal) {
  const wall = wallClock(isoLocal);
  if (!wall) return isoLocal || "";
  const text = new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit", hour: "numeric", minute: "2-digit",
  }).format(wall.date);
  return `${text.replace(",", "")} ${zoneLabel(wall.offset)}`.trim();
}

/** The zone words for a court-local time: "(Pacific)" for the court's zone. */
export function zoneWords(isoLocal) {
  const wall = wallClock(isoLocal);
  if (!wall) return "";
  return ZONE_NAMES[wall.offset] ? "(Pacific)" : `(court time, ${zoneLabel(wall.offset)})`;
}

/** A UTC instant ("…Z") shown in Pacific time. */
export function fromUtc(isoUtc) {
  const date = new Date(isoUtc);
  if (Number.isNaN(date.getTime())) return isoUtc || "";
  return new Intl.DateTimeFormat("en-US", {
    timeZone: "America/Los_Angeles", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "numeric", minute: "2-digit", timeZoneName: "short",
  }).format(date).replace(",", "");
}

export function money(cents) {
  return `$${(Number(cents || 0) / 100).toFixed(2)}`;
}

export function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}

export function words(name) {
  return String(name || "").replaceAll("_", " ");
}

export function time(isoLocal, text) {
  return el("time", { datetime: isoLocal }, text || courtTimeShort(isoLocal));
}

// -- messages -------------------------------------------------------------------------------

/** What a person can do about an error, by its stable code. */
function remedy(error) {
  switch (error.code) {
    case "unauthenticated":
      return el("p", {}, el("a", { href: loginHref() }, "Log in"), " and try again.");
    case "mfa_required":
      return el("p", {}, el("a", { href: "/mfa" }, "Set up your second factor"), " before filing.");
    case "not_efiler":
      return el("p", {}, "Apply to e-file from ", el("a", { href: "/dashboard" }, "your dashboard"),
        "; the Clerk's Office approves applications.");
    case "scan_unreadable":
      return el("p", {}, "Nothing was docketed. Scan the paper again, darker or at a higher resolution, and make sure every page is the right way up.");
    case "ocr_unavailable":
      return el("p", {}, "Nothing was docketed. The court's OCR is not installed; tell the court's IT staff.");
    case "not_counsel_of_record":
      return el("p", {}, "File a notice of appearance first; once the Clerk's Office accepts it you may file in the case.");
    case "maintenance":
      return el("p", {}, "Nothing was filed or changed. Please try again when the maintenance window ends.");
    case "network":
    case "unavailable":
      return el("p", {}, "Nothing was filed or changed. Try again in a moment.");
    default:
      return null;
  }
}

/** Show an API error in a message box (which has role="alert") and move focus to it. */
export function showError(box, error, title = "There is a problem") {
  const detail = error && error.detail ? error.detail : String((error && error.message) || error);
  const parts = [
    el("p", { class: "error-title" }, el("strong", {}, title)),
    el("p", {}, capitalize(detail), error && error.code ? el("span", { class: "error-code" }, ` (${error.code})`) : null),
  ];
  const problem = (error && error.problem) || {};
  if (Array.isArray(problem.errors) && problem.errors.length > 1) {
    parts.push(el("ul", {}, problem.errors.map((e) => el("li", {}, `${e.field}: ${e.message}`))));
  }
  if (error && error.code) parts.push(remedy(error));
  box.className = "message error";
  fill(box, parts);
  box.setAttribute("tabindex", "-1");
  box.focus();
  if (error && !(error.code)) console.error(error);
}

export function showOk(box, ...children) {
  box.className = "message ok";
  fill(box, ...children);
}

export function clearMessage(box) {
  box.className = "message";
  box.replaceChildren();
}

/** Text as a sentence: a capital first letter and a full stop at the end. */
export function sentence(text) {
  const s = String(text || "").trim();
  return s ? s[0].toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? "" : ".") : s;
}
const capitalize = sentence;

export function statusTag(text, kind = "") {
  return el("span", { class: `status-tag ${kind}`.trim() }, words(text));
}

/** Run `action` with `button` disabled (and marked busy); errors go to `box`. */
export async function busy(button, box, action) {
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    if (box) clearMessage(box);
    return await action();
  } catch (error) {
    if (box) showError(box, error);
    else throw error;
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    // WebKit drops focus from a button while it is disabled, and the next Tab starts over at
    // the skip link: give focus back, unless the action moved it somewhere on purpose.
    if (hadFocus && (!document.activeElement || document.activeElement === document.body)) {
      button.focus();
    }
  }
}

// -- documents ------------------------------------------------------------------------------

/**
 * Fetch a document with the session (the fee is charged now), then open it in the browser's
 * PDF viewer. The link under the button stays, in case a popup blocker stopped the new tab.
 */
export async function openDocument(doc, statusBox) {
  fill(statusBox, "Opening the document…");
  const response = await request("GET", `/api/v1/documents/${encodeURIComponent(doc.document_id)}`, {
    raw: true,
    accept: "application/pdf",
  });
  const blob = new Blob([await response.arrayBuffer()], { type: "application/pdf" });
  const url = URL.createObjectURL(blob);
  const name = doc.filename || `document-${doc.document_id}.pdf`;
  const fee = Number(response.headers.get("X-Fee-Cents") || "0");
  const pages = Number(response.headers.get("X-Document-Pages") || doc.pages || 0);
  fill(
    statusBox,
    `Opened ${name} (${plural(pages, "page")}; fee ${money(fee)}). `,
    el("a", { href: url, target: "_blank", rel: "noopener", class: "opened-link", dataset: { bytes: String(blob.size) } }, "View the PDF"),
    " · ",
    el("a", { href: url, download: name }, "Save it"),
  );
  window.open(url, "_blank", "noopener");
  return url;
}
