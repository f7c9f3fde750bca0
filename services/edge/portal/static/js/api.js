// The REST API of this same origin, and the session.
//
// The session token is kept in sessionStorage (one tab's memory, gone when the tab closes) and
// sent as `Authorization: Bearer …` by this module only. No cookie carries it, and fetch is
// called with `credentials: "omit"`: a page on another site cannot make the browser act as the
// user, so there is no cross-site request forgery (CSRF) surface to defend.

const SESSION_KEY = "openecf.session";
const API_PREFIX = "/api/v1/";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `request failed (${status})`);
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.detail = problem.detail || "";
    this.problem = problem;
  }
}

export function session() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    const value = raw ? JSON.parse(raw) : null;
    if (value && value.token && (!value.expires_at || Date.parse(value.expires_at) > Date.now())) {
      return value;
    }
  } catch {
    // unreadable storage: behave as logged out
  }
  return null;
}

export function saveSession(value) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function updateAccount(account) {
  const current = session();
  if (current) saveSession({ ...current, account });
}

// "Apply to e-file" chosen at registration waits for the address to be confirmed (the link may
// open in another tab): kept per username in localStorage, sent by the dashboard.
const APPLY_KEY = "openecf.apply-after-confirm";

export function rememberApplication(username) {
  localStorage.setItem(APPLY_KEY, username);
}

export function takeApplication(username) {
  if (localStorage.getItem(APPLY_KEY) !== username) return false;
  localStorage.removeItem(APPLY_KEY);
  return true;
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

function networkProblem() {
  return {
    code: "network",
    detail: "The court's system could not be reached. Check your connection and try again.",
  };
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      const body = await response.json();
      if (body && typeof body === "object") return body;
    } catch {
      // fall through
    }
  }
  return { code: `http_${response.status}`, detail: `The server answered ${response.status} ${response.statusText}.` };
}

/**
 * Call the API. `json` is sent as a JSON body, `form` as multipart (FormData).
 * Answers the parsed JSON (null for 204), or the Response itself with `raw: true`.
 * Throws ApiError with the problem's stable `code` and human `detail`.
 */
export async function request(method, path, { json, form, headers = {}, raw = false, accept } = {}) {
  if (!path.startsWith(API_PREFIX)) throw new Error(`not an API path: ${path}`);
  const sent = { Accept: accept || "application/json", ...headers };
  const current = session();
  if (current) sent.Authorization = `Bearer ${current.token}`;
  let body;
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser writes the multipart boundary
  }
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body, credentials: "omit", cache: "no-store" });
  } catch {
    throw new ApiError(0, networkProblem());
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && problem.code === "unauthenticated" && current) {
      clearSession(); // the session ended (expired, replaced or logged out elsewhere)
    }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, options) => request("POST", path, options);
export const put = (path, options) => request("PUT", path, options);
export const patch = (path, options) => request("PATCH", path, options);
export const del = (path, options) => request("DELETE", path, options);

/** A random key for `Idempotency-Key` (crypto.getRandomValues works on plain http too). */
export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
