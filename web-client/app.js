// SPDX-License-Identifier: MIT
// Gavel web client: the entry module. Hash routing over the views in js/,
// one live connection (gavel.v1 over /ws), the signed-in user, and the
// judging state that pushes keep current. Plain ES modules, no build step;
// the server's CSP allows scripts and styles from 'self' only.

import { Live } from "./js/live.js";
import { Session } from "./js/session.js";
import { Tracker } from "./js/judging.js";
import { h, clear, $, errorBox } from "./js/dom.js";
import { problemsView, problemView, submissionsView, signInView, signUpView, notFoundView } from "./js/views.js";
import { contestsView, contestView } from "./js/contests.js";
import { orgRoute, isOrganizer } from "./js/org.js";
import { submissionView } from "./js/submission.js";

const scheme = location.protocol === "https:" ? "wss:" : "ws:";
let session = null;
const live = new Live(`${scheme}//${location.host}/ws`, { getToken: () => session?.getToken() });
session = new Session(live);
const tracker = new Tracker();

let cleanups = [];
const ctx = {
  live,
  session,
  tracker,
  track(unsub) { cleanups.push(unsub); },
  rerender() { route(); },
  notice(content) { notice(content); },
};

/* --- routing -------------------------------------------------------------- */

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/problems";
  const [path, query = ""] = raw.split("?", 2);
  return { path, params: new URLSearchParams(query) };
}

function route() {
  for (const fn of cleanups) { try { fn(); } catch (err) { console.error(err); } }
  cleanups = [];
  const main = $("view");
  const { path, params } = parseHash();
  let section = null;
  let m;
  if (path === "/" || path === "") {
    location.replace("#/problems");
    return;
  } else if (path === "/problems") {
    section = "problems";
    cleanups.push(problemsView(ctx, main, params));
  } else if ((m = /^\/problem\/([^/]+)$/.exec(path))) {
    section = "problems";
    let slug;
    try { slug = decodeURIComponent(m[1]); } catch { slug = m[1]; }
    cleanups.push(problemView(ctx, main, params, slug));
  } else if (path === "/contests") {
    section = "contests";
    cleanups.push(contestsView(ctx, main, params));
  } else if ((m = /^\/contest\/([0-9]{1,15})$/.exec(path))) {
    section = "contests";
    cleanups.push(contestView(ctx, main, params, Number(m[1])));
  } else if ((m = /^\/submission\/([0-9]{1,15})$/.exec(path))) {
    section = "submissions";
    cleanups.push(submissionView(ctx, main, params, Number(m[1])));
  } else if (path === "/submissions") {
    section = "submissions";
    cleanups.push(submissionsView(ctx, main, params));
  } else if (path === "/org" || path.startsWith("/org/")) {
    // Every console page asks the server, whatever the role: a contestant
    // who types the address sees the server's refusal, not a blank page.
    section = "org";
    cleanups.push(orgRoute(ctx, main, path, params));
  } else if (path === "/signin") {
    section = "signin";
    cleanups.push(signInView(ctx, main, params));
  } else if (path === "/signup") {
    section = "signup";
    cleanups.push(signUpView(ctx, main, params));
  } else {
    cleanups.push(notFoundView(ctx, main));
  }
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

window.addEventListener("hashchange", () => {
  route();
  // Move focus to the new page for keyboard and screen-reader users.
  const main = $("view");
  const heading = main.querySelector("h2");
  if (heading && !main.contains(document.activeElement)) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
});

/* --- header: who is signed in --------------------------------------------- */

function drawUser() {
  const box = $("user-box");
  const u = session.user;
  // Cosmetic: the server refuses the console's requests to anyone else.
  $("nav-org").hidden = !isOrganizer(u);
  // Cosmetic too: what only admins may do is not offered to organizers.
  document.documentElement.dataset.role = u ? u.role : "";
  if (u) {
    const out = h("button", { type: "button", class: "link", id: "sign-out" }, "Sign out");
    out.addEventListener("click", async () => {
      out.disabled = true;
      try {
        await session.signOut();
        notice("Signed out.");
      } catch (err) {
        notice(errorBox(err, "Sign-out"));
      }
      location.hash = "#/problems";
    });
    clear(box, h("span", { class: "who" }, "Signed in as ", h("strong", { id: "current-user" }, u.display_name || u.username)), out);
  } else {
    clear(box, h("a", { href: "#/signin", "data-nav": "signin" }, "Sign in"),
      h("a", { href: "#/signup", class: "button", "data-nav": "signup" }, "Sign up"));
  }
}

let noticeTimer = null;
function notice(content) {
  const el = $("notice");
  clear(el, content);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => clear(el), 6000);
}

session.addEventListener("change", (ev) => {
  drawUser();
  if (ev.detail.changed) route();
});
session.addEventListener("expired", () => notice("Your session expired; please sign in again."));

/* --- the connection ------------------------------------------------------- */

const STATE_TEXT = { idle: "starting", connecting: "connecting\u2026", handshake: "connecting\u2026", open: "live", closed: "offline" };
let retryTick = null;
let connectedOnce = false;

function drawConnection(state, detail, retryAt) {
  const badge = $("conn-state");
  badge.className = `badge state-${state === "handshake" ? "connecting" : state}`;
  badge.dataset.state = state;
  clearInterval(retryTick);
  badge.textContent = STATE_TEXT[state] || state;
  badge.title = detail ? `last close: ${detail}` : "";
  // The countdown sits outside the live region: announced once, not each second.
  const retry = $("conn-retry");
  const text = () => {
    const s = retryAt ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) : null;
    retry.textContent = state === "closed" && s != null ? `retrying in ${s} s` : "";
  };
  text();
  if (state === "closed" && retryAt) retryTick = setInterval(text, 1000);
}

live.addEventListener("state", (ev) => {
  const { state, detail, retryAt } = ev.detail;
  drawConnection(state, detail, retryAt);
  if (state === "open") {
    // After a reconnect, refetch what the page shows (the server answers
    // `resume` with the pushes we missed; lists may have moved meanwhile).
    if (connectedOnce) route();
    connectedOnce = true;
  }
});
live.addEventListener("rtt", (ev) => {
  $("conn-state").title = `round trip ${ev.detail.ms.toFixed(1)} ms`;
});
live.addEventListener("hello", (ev) => session.onHello(ev.detail));
live.addEventListener("push", (ev) => {
  const { event, data } = ev.detail;
  if (event && event.startsWith("judging.")) tracker.push(event, data);
});
live.addEventListener("resync", async () => {
  // Too far behind for a replay: fetch the state of every unfinished
  // submission we show, then redraw the page from fresh data.
  const pending = [...tracker.entries.values()].filter((e) => !e.verdict);
  await Promise.all(pending.map((e) => live.request("submission.get", { submission: e.id })
    .then((row) => tracker.seed({ ...row, id: e.id })).catch(() => {})));
  route();
});

/* --- server health: a banner while a store is down ------------------------- */

const HEALTH_EVERY_MS = 10000;
async function checkHealth() {
  const bar = $("health-bar");
  try {
    // 503 still carries the JSON body naming the store that is down.
    const res = await fetch("/healthz", { cache: "no-store" });
    const hz = await res.json();
    const down = ["postgres", "redis"].filter((k) => hz[k] && !hz[k].up);
    if (!down.length) {
      clear(bar);
      bar.hidden = true;
      return;
    }
    const names = { postgres: "PostgreSQL", redis: "Redis" };
    clear(bar, h("p", {}, h("strong", {}, "The server is degraded: "),
      down.map((k) => `${names[k]} is down since ${new Date(hz[k].since_ms).toLocaleTimeString()}` +
        (hz[k].error ? ` (${hz[k].error})` : "")).join("; "),
      ". Requests that need it fail until it is back; the page recovers by itself."));
    bar.hidden = false;
  } catch {
    // Unreachable: the connection badge already says so.
  }
}
setInterval(checkHealth, HEALTH_EVERY_MS);
checkHealth();

// For the console and the browser test: the live objects, read-only use.
window.gavel = Object.freeze({ live, session, tracker });

drawUser();
route();
live.connect();
