// SPDX-License-Identifier: MIT
// The organizer console: its routes (#/org/...), the page frame with the
// console's own tabs, the contest list, and creating or editing a contest
// from its YAML definition. The other pages live in clar.js (the jury's
// queue), rejudge.js, reveal.js, plag.js and ops.js. Every page asks the server
// whatever the signed-in role: the server is the one that refuses, and its
// refusal is what a contestant sees here.

import { h, clear, errorBox } from "./dom.js";
import { loading, setTitle, retryButton } from "./views.js";
import { fmtCountdown, unsubscribe } from "./contests.js";
import { juryClarView } from "./clar.js";
import { rejudgesView, rejudgeReportView } from "./rejudge.js";
import { revealView } from "./reveal.js";
import { usersView, opsView } from "./ops.js";
import { plagView } from "./plag.js";

const ORG_ROLES = new Set(["organizer", "jury", "admin"]);

export function isOrganizer(user) {
  return !!user && ORG_ROLES.has(user.role);
}

/* --- pure helpers (tests/browser/unit.mjs) --------------------------------- */

// The line a refusal names ("contest.yaml:5: freeze: unknown key"), or null.
export function errorLine(message) {
  const m = /contest\.yaml:(\d+):/.exec(String(message || ""));
  return m ? Number(m[1]) : null;
}

// Offsets [start, end) of 1-based line `n` in `text` (clamped to the text).
export function lineRange(text, n) {
  const lines = String(text).split("\n");
  const k = Math.min(Math.max(1, n), lines.length) - 1;
  let start = 0;
  for (let i = 0; i < k; i++) start += lines[i].length + 1;
  return [start, start + lines[k].length];
}

// ISO 8601 in UTC without milliseconds, as the definitions take it.
export function isoSeconds(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

// H:MM:SS from milliseconds.
export function hms(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

// A definition to start from: the example problems, a start at the next
// full hour (at least 30 minutes away), two hours, the last half frozen.
export function contestTemplate(nowMs) {
  const hour = 3600 * 1000;
  const start = Math.ceil((nowMs + hour / 2) / hour) * hour;
  return [
    "name: New Contest",
    "# slug: new-contest                 # optional: made from the name",
    `start_time: ${isoSeconds(start)}     # ISO 8601 with an offset (or Z)`,
    "duration: 2:00:00                   # H:MM:SS",
    "scoreboard_freeze_duration: 0:30:00 # optional",
    "penalty_time: 20                    # minutes per rejected try (ICPC)",
    "scoring: icpc                       # icpc or ioi",
    "unfreeze: manual                    # manual or auto",
    "problems:",
    "  - slug: circle-area               # an imported problem",
    "    label: A",
    '    color: "#2e86de"',
    "  - slug: pair-sum",
    "    label: B",
    '    color: "#e74c3c"',
    "participants: open                  # or a list of usernames",
    "",
  ].join("\n");
}

/* --- the frame -------------------------------------------------------------- */

const TABS = [
  { id: "contests", href: "#/org", label: "Contests" },
  { id: "new", href: "#/org/contest/new", label: "New contest" },
  { id: "rejudges", href: "#/org/rejudges", label: "Rejudges" },
  { id: "users", href: "#/org/users", label: "Users", adminOnly: true },
  { id: "ops", href: "#/org/ops", label: "Operations" },
];

// Draws the console's frame into `main`; returns the element the page fills.
export function orgFrame(main, title, active, ...extra) {
  setTitle(`${title} \u00b7 Console`);
  const body = h("div", { class: "org-body" });
  clear(main,
    h("nav", { class: "org-tabs", "aria-label": "Organizer console" }, TABS.map((t) =>
      h("a", { href: t.href, "aria-current": t.id === active ? "page" : null,
        dataset: t.adminOnly ? { adminOnly: "" } : {} }, t.label))),
    h("section", { class: "card org", "aria-labelledby": "org-title" },
      h("h2", { id: "org-title" }, title), ...extra, body));
  return body;
}

// The server's refusal (forbidden for a contestant) or any other error.
export function orgError(ctx, box, err, what) {
  clear(box, errorBox(err, `Could not load ${what}`),
    err.code === "forbidden" || err.code === "unauthenticated" ? h("p", { class: "muted" },
      "The organizer console is for organizers and admins.") : retryButton(ctx));
}

export function phaseBadge(phase) {
  return h("span", { class: `badge phase-${phase}`, dataset: { phase } }, phase);
}

const fmtDate = (ms) => (ms ? new Date(ms).toLocaleString() : "\u2014");

/* --- routes ----------------------------------------------------------------- */

export function orgRoute(ctx, main, path, params) {
  let m;
  const id = (s) => Number(s);
  if (path === "/org" || path === "/org/") return orgContestsView(ctx, main);
  if (path === "/org/contest/new") return contestEditView(ctx, main, null);
  if ((m = /^\/org\/contest\/([0-9]{1,15})$/.exec(path))) return contestEditView(ctx, main, id(m[1]));
  if ((m = /^\/org\/clar\/([0-9]{1,15})$/.exec(path))) return juryClarView(ctx, main, id(m[1]));
  if ((m = /^\/org\/reveal\/([0-9]{1,15})$/.exec(path))) return revealView(ctx, main, id(m[1]));
  if ((m = /^\/org\/plag\/([0-9]{1,15})$/.exec(path))) return plagView(ctx, main, id(m[1]));
  if (path === "/org/rejudges") return rejudgesView(ctx, main, params);
  if ((m = /^\/org\/rejudge\/([0-9]{1,15})$/.exec(path))) return rejudgeReportView(ctx, main, id(m[1]));
  if (path === "/org/users") return usersView(ctx, main, params);
  if (path === "/org/ops") return opsView(ctx, main);
  const body = orgFrame(main, "Not found", null);
  clear(body, h("p", {}, "No such console page. ", h("a", { href: "#/org" }, "Back to the contests"), "."));
  return () => {};
}

/* --- contests ----------------------------------------------------------------- */

function contestLinks(c) {
  return h("span", { class: "org-links" },
    h("a", { href: `#/org/contest/${c.id}` }, "Edit"),
    h("a", { href: `#/org/clar/${c.id}` }, "Clarifications"),
    h("a", { href: `#/org/rejudges?contest=${c.id}` }, "Rejudge"),
    h("a", { href: `#/org/reveal/${c.id}` }, "Reveal"),
    h("a", { href: `#/org/plag/${c.id}` }, "Plagiarism"),
    h("a", { href: `#/contest/${c.id}` }, "Public page"));
}

export function orgContestsView(ctx, main) {
  const body = orgFrame(main, "Contests", "contests",
    h("p", {}, h("a", { class: "button", href: "#/org/contest/new", id: "org-new-contest" }, "New contest")));
  clear(body, loading("contests"));
  let alive = true;
  // The list itself is public: ask an organizers-only request first (the
  // cheapest, rejudges.list) so that anyone else sees the server's refusal.
  // The list's watchers get every contest's phase changes: redraw on each.
  const gate = ctx.live.request("rejudges.list", {});
  const refresh = () => gate.then(() => ctx.live.request("subscribe", { topic: "contests" })).then((data) => {
    if (!alive) return;
    const rows = data.contests || [];
    if (!rows.length) { clear(body, h("p", { class: "empty" }, "No contests yet.")); return; }
    clear(body, h("div", { class: "table-wrap" }, h("table", { class: "org-contests" },
      h("thead", {}, h("tr", {}, ["#", "Contest", "Phase", "Starts", "Ends", "Participants", ""].map((t) =>
        h("th", { scope: "col", class: t === "#" || t === "Participants" ? "num" : null }, t)))),
      h("tbody", {}, rows.map((c) => h("tr", { dataset: { contest: c.id } },
        h("td", { class: "num" }, c.id),
        h("td", {}, h("a", { href: `#/org/contest/${c.id}` }, c.title), h("div", { class: "muted" }, c.slug)),
        h("td", {}, phaseBadge(c.phase)),
        h("td", {}, fmtDate(c.starts_at_ms)),
        h("td", {}, fmtDate(c.ends_at_ms)),
        h("td", { class: "num" }, c.participants ?? 0),
        h("td", {}, contestLinks(c))))))));
  }).catch((err) => { if (alive) orgError(ctx, body, err, "the contests"); });
  const onPush = (ev) => { if (alive && ev.detail.event === "contest.phase") refresh(); };
  ctx.live.addEventListener("push", onPush);
  refresh();
  return () => { alive = false; ctx.live.removeEventListener("push", onPush); unsubscribe(ctx, { topic: "contests" }); };
}

// The definition editor: a textarea, the server's refusal under it (its
// line selected in the text), and for an existing contest the force box.
function definitionForm({ text, existing, onSave }) {
  const area = h("textarea", { id: "org-definition", rows: 20, spellcheck: "false", autocomplete: "off",
    autocapitalize: "off", "aria-describedby": "org-def-help" });
  area.value = text;
  const force = existing ? h("input", { type: "checkbox", id: "org-force" }) : null;
  const msg = h("div", { class: "form-msg", id: "org-def-msg", "aria-live": "polite" });
  const save = h("button", { type: "submit", id: "org-save" }, existing ? "Save changes" : "Create contest");
  const form = h("form", { class: "org-def", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(msg);
    save.disabled = true;
    try {
      await onSave(area.value, !!force?.checked, msg);
    } catch (err) {
      clear(msg, errorBox(err, existing ? "Not saved" : "Not created"));
      const line = errorLine(err.message);
      if (line) {
        const [a, b] = lineRange(area.value, line);
        area.focus();
        area.setSelectionRange(a, b);
      }
    } finally {
      save.disabled = false;
    }
  } },
    h("div", { class: "field" }, h("label", { for: "org-definition" }, "Definition (YAML)"), area,
      h("small", { id: "org-def-help", class: "muted" }, "The keys of docs/CONTESTS.md. A refusal names the line; nothing is written then.")),
    force ? h("div", { class: "field check" }, h("label", { for: "org-force" }, force,
      " Force: change penalty or scoring of a started contest (the board is recomputed)")) : null,
    h("div", { class: "actions" }, save), msg);
  return { form, area };
}

export function contestEditView(ctx, main, id) {
  if (id == null) {
    const body = orgFrame(main, "New contest", "new");
    const { form } = definitionForm({ text: contestTemplate(Date.now()), existing: false,
      onSave: async (yaml) => {
        const r = await ctx.live.request("contest.create", { definition: yaml });
        ctx.notice(`Created contest ${r.contest_id} (${r.slug}).`);
        location.hash = `#/org/contest/${r.contest_id}`;
      } });
    clear(body, form);
    return () => {};
  }
  const body = orgFrame(main, `Contest ${id}`, "contests");
  clear(body, loading("the contest"));
  let alive = true;
  let tick = null;
  let summary = null;

  // The unfreeze's button and its answer stay out of the head's redraws:
  // the phase push that the unfreeze itself causes redraws the head, and
  // the organizer must still read what the server said (and keep focus).
  const unfreezeMsg = h("span", { role: "status", id: "org-unfreeze-msg" });
  const unfreeze = h("button", { type: "button", id: "org-unfreeze", class: "secondary", onclick: async () => {
    unfreeze.disabled = true;
    clear(unfreezeMsg);
    try {
      const r = await ctx.live.request("contest.unfreeze", { contest: id });
      clear(unfreezeMsg, h("span", { class: "ok" }, r.already ? "The final standings were already public." : "Unfrozen: the final standings are public."));
      load();
    } catch (err) {
      clear(unfreezeMsg, errorBox(err, "Not unfrozen"));
    } finally {
      unfreeze.disabled = false;
    }
  } }, "Unfreeze (publish final standings)");
  const facts = h("div");
  const links = h("p");
  const head = h("div", { class: "org-contest-head" }, facts, h("p", { class: "actions" }, unfreeze, unfreezeMsg), links);
  const drawHead = (c, def) => {
    const receivedAt = Date.now();
    const clock = h("span", { class: "countdown", id: "org-countdown" });
    const tickClock = () => {
      const left = c.next_change_in_ms < 0 ? null : c.next_change_in_ms - (Date.now() - receivedAt);
      clock.textContent = left == null ? "no change due" : `next change in ${fmtCountdown(Math.max(0, left))}`;
    };
    clear(facts,
      h("p", {}, h("strong", { id: "org-contest-name" }, c.title), " ", phaseBadge(def.phase || c.phase), " ", clock),
      h("dl", { class: "limits" },
        h("dt", {}, "Slug"), h("dd", {}, c.slug),
        h("dt", {}, "Scoring"), h("dd", {}, c.scoring || "\u2014"),
        h("dt", {}, "Starts"), h("dd", {}, fmtDate(c.starts_at_ms)),
        h("dt", {}, "Freezes"), h("dd", {}, fmtDate(c.freezes_at_ms)),
        h("dt", {}, "Ends"), h("dd", {}, fmtDate(c.ends_at_ms)),
        h("dt", {}, "Final standings"), h("dd", {}, fmtDate(c.unfrozen_at_ms)),
        h("dt", {}, "Participants"), h("dd", {}, String(c.participants ?? 0))));
    clear(links, contestLinks(c));
    clearInterval(tick);
    tickClock();
    tick = setInterval(tickClock, 1000);
  };

  const load = () => Promise.all([
    ctx.live.request("contest.definition", { contest: id }),
    ctx.live.request("subscribe", { topic: "contests" }),
  ]).then(([def, list]) => {
    if (!alive) return;
    summary = (list.contests || []).find((c) => c.id === id) || { id, title: `Contest ${id}`, phase: def.phase, next_change_in_ms: -1 };
    drawHead(summary, def);
    if (!body.contains(head)) {
      const { form } = definitionForm({ text: def.definition, existing: true,
        onSave: async (yaml, force, msg) => {
          await ctx.live.request("contest.update", { contest: id, definition: yaml, force });
          clear(msg, h("p", { class: "ok" }, "Saved."));
          load();
        } });
      clear(body, head, h("h3", {}, "Definition"), form);
    }
  }).catch((err) => { if (alive) orgError(ctx, body, err, `contest ${id}`); });

  const onPush = (ev) => {
    if (alive && ev.detail.event === "contest.phase" && ev.detail.data?.contest_id === id) load();
  };
  ctx.live.addEventListener("push", onPush);
  load();
  return () => { alive = false; clearInterval(tick); ctx.live.removeEventListener("push", onPush); unsubscribe(ctx, { topic: "contests" }); };
}
