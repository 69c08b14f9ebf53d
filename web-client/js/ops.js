// SPDX-License-Identifier: MIT
// The console's people and machines: users (role and tier, for admins) and
// the live operations page (the judge queue per priority level, the oldest
// waiting submission, the judges alive and what each judges, the latest
// judge errors), refreshed every two seconds.

import { h, clear, errorBox } from "./dom.js";
import { loading } from "./views.js";
import { orgFrame, orgError } from "./org.js";

const OPS_EVERY_MS = 2000;
export const ROLES = ["contestant", "organizer", "admin"];
export const TIERS = ["free", "paid"];
// docs/QUEUE.md: cst_priority.
export const LEVEL_NAMES = ["contest, paid", "contest, free", "practice, paid", "practice, free", "rejudge"];

/* --- pure helpers (tests/browser/unit.mjs) --------------------------------- */

// "4 s", "3 min 5 s", "2 h 10 min": an age for people.
export function fmtAge(ms) {
  if (ms == null || !Number.isFinite(ms)) return "\u2014";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

export function pageCount(total, pageSize) {
  return Math.max(1, Math.ceil((Number(total) || 0) / (Number(pageSize) || 50)));
}

/* --- users -------------------------------------------------------------------- */

function userRow(ctx, u) {
  const roleSel = h("select", { id: `role-${u.id}`, "aria-label": `Role of ${u.username}` },
    ROLES.map((r) => h("option", { value: r, selected: u.role === r }, r)));
  const tierSel = h("select", { id: `tier-${u.id}`, "aria-label": `Tier of ${u.username}` },
    TIERS.map((t) => h("option", { value: t, selected: u.tier === t }, t)));
  const msg = h("span", { role: "status", class: "user-msg" });
  const save = h("button", { type: "button", class: "secondary", onclick: async () => {
    save.disabled = true;
    clear(msg);
    try {
      const r = await ctx.live.request("user.set", { username: u.username, role: roleSel.value, tier: tierSel.value });
      roleSel.value = r.role;
      tierSel.value = r.tier;
      tr.dataset.role = r.role;
      tr.dataset.tier = r.tier;
      clear(msg, h("span", { class: "ok" }, `Saved: ${r.role}, ${r.tier}.`));
    } catch (err) {
      clear(msg, errorBox(err, "Not saved"));
    } finally {
      save.disabled = false;
    }
  } }, "Save");
  const tr = h("tr", { dataset: { user: u.username, role: u.role, tier: u.tier } },
    h("td", { class: "num" }, u.id),
    h("td", {}, u.username, u.display_name && u.display_name !== u.username ? h("div", { class: "muted" }, u.display_name) : null),
    h("td", {}, roleSel), h("td", {}, tierSel),
    h("td", {}, u.created_at ? new Date(u.created_at).toLocaleDateString() : ""),
    h("td", {}, save, " ", msg));
  return tr;
}

export function usersView(ctx, main, params) {
  const page = Math.max(1, parseInt(params.get("page"), 10) || 1);
  const body = orgFrame(main, "Users", "users",
    h("p", { class: "muted" }, "Roles: organizers (jury) run contests; admins also manage users. Paid submissions are judged first."));
  clear(body, loading("the users"));
  let alive = true;
  ctx.live.request("users.list", { page }).then((data) => {
    if (!alive) return;
    const rows = data.users || [];
    const pages = pageCount(data.total, data.page_size);
    clear(body,
      h("div", { class: "table-wrap" }, h("table", { class: "users" },
        h("thead", {}, h("tr", {}, ["#", "User", "Role", "Tier", "Joined", ""].map((t) =>
          h("th", { scope: "col", class: t === "#" ? "num" : null }, t)))),
        h("tbody", {}, rows.map((u) => userRow(ctx, u))))),
      h("nav", { class: "pager", "aria-label": "Pages" },
        page > 1 ? h("a", { href: `#/org/users?page=${page - 1}`, rel: "prev" }, "\u2190 Previous") : h("span", { class: "disabled" }, "\u2190 Previous"),
        h("span", { class: "page-of" }, `Page ${page} of ${pages} \u00b7 ${data.total} user${data.total === 1 ? "" : "s"}`),
        page < pages ? h("a", { href: `#/org/users?page=${page + 1}`, rel: "next" }, "Next \u2192") : h("span", { class: "disabled" }, "Next \u2192")));
  }).catch((err) => { if (alive) orgError(ctx, body, err, "the users"); });
  return () => { alive = false; };
}

/* --- operations ----------------------------------------------------------------- */

function table(cls, headers, rows, empty) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" }, h("table", { class: cls },
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col", class: /^(Level|Waiting|Taken|Users|Unjudged)$/.test(t) ? "num" : null }, t)))),
    h("tbody", {}, rows)));
}

function drawOps(box, s) {
  const now = s.now_ms;
  const u = s.unjudged || {};
  const levels = u.levels || [];
  const queue = s.queue || [];
  const oldest = u.oldest;
  clear(box,
    h("p", { class: "muted", id: "ops-updated" }, `Updated ${new Date(now).toLocaleTimeString()} \u00b7 refreshes every ${OPS_EVERY_MS / 1000} s`),
    s.redis_error ? h("p", { class: "error", role: "alert" }, `Redis: ${s.redis_error}`) : null,
    h("dl", { class: "limits ops-summary" },
      h("dt", {}, "Queued"), h("dd", { id: "ops-queued" }, String(u.queued ?? 0)),
      h("dt", {}, "Compiling"), h("dd", {}, String(u.compiling ?? 0)),
      h("dt", {}, "Running"), h("dd", {}, String(u.running ?? 0)),
      h("dt", {}, "Rejudging"), h("dd", {}, String(u.rejudging ?? 0)),
      h("dt", {}, "Oldest waiting"), h("dd", { id: "ops-oldest" }, oldest
        ? `#${oldest.submission_id} (${oldest.status}), waiting ${fmtAge(oldest.age_ms)}` : "none")),
    h("h3", {}, "Queue per priority level"),
    table("ops-queue", ["Level", "Kind", "Unjudged", "Waiting", "Taken", "Users"],
      LEVEL_NAMES.map((name, i) => {
        const q = queue.find((x) => x.level === i) || {};
        return h("tr", { dataset: { level: i } }, h("td", { class: "num" }, i), h("td", {}, name),
          h("td", { class: "num" }, levels[i] ?? 0), h("td", { class: "num" }, s.queue ? q.waiting ?? 0 : "\u2014"),
          h("td", { class: "num" }, s.queue ? q.taken ?? 0 : "\u2014"), h("td", { class: "num" }, s.queue ? q.users ?? 0 : "\u2014"));
      }), ""),
    h("h3", {}, `Judges alive (${(s.judges || []).length})`),
    table("ops-judges", ["Judge", "Host", "Up for", "Last beat", "Judging"], (s.judges || []).map((j) =>
      h("tr", { dataset: { judge: j.id } }, h("td", {}, j.id), h("td", {}, j.host ?? "\u2014"),
        h("td", {}, j.started_at ? fmtAge(now - j.started_at) : "\u2014"),
        h("td", {}, j.beat_at ? `${fmtAge(now - j.beat_at)} ago` : "\u2014"),
        h("td", {}, j.submission ? `#${j.submission} for ${fmtAge(now - j.judging_since)}` : "idle"))),
      s.judges ? "No judge is alive: submissions wait." : "Unknown while Redis is down."),
    h("h3", {}, "Recent judge errors"),
    table("ops-errors", ["Submission", "Problem", "Contest", "User", "When", "Judge"], (s.judge_errors || []).map((e) =>
      h("tr", {}, h("td", {}, `#${e.submission_id}`), h("td", {}, e.problem), h("td", {}, e.contest_id ?? "\u2014"),
        h("td", {}, e.username), h("td", {}, new Date(e.judged_at).toLocaleString()), h("td", {}, e.judge_host ?? "\u2014"))),
      "No judge errors."));
}

export function opsView(ctx, main) {
  const body = orgFrame(main, "Operations", "ops");
  clear(body, loading("the status"));
  let alive = true;
  let timer = null;
  let drawn = false;
  const poll = () => ctx.live.request("ops.status", {}).then((s) => {
    if (!alive) return;
    drawOps(body, s);
    drawn = true;
    timer = setTimeout(poll, OPS_EVERY_MS);
  }).catch((err) => {
    if (!alive) return;
    if (err.code === "forbidden" || err.code === "unauthenticated" || !drawn) orgError(ctx, body, err, "the status");
    else {
      // Keep the last status on the page and say it is stale (once).
      body.querySelector(".ops-stale")?.remove();
      const box = errorBox(err, "Not refreshed");
      box.classList.add("ops-stale");
      body.prepend(box);
      timer = setTimeout(poll, OPS_EVERY_MS);
    }
  });
  poll();
  return () => { alive = false; clearTimeout(timer); };
}
