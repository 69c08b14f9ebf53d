// SPDX-License-Identifier: MIT
// The reveal, for the organizer's projector: the frozen board, then one
// resolved cell per key press (Space or Right: forward, Left: back), the
// lowest row first as the ICPC resolver does; the row climbs as its rank
// changes, and the last step is the final board. The server computes the
// steps (contest.reveal: cst_reveal.h) in one reply, so a key press never
// waits for the network; here each step is only applied.

import { h, clear } from "./dom.js";
import { loading } from "./views.js";
import { rankRows } from "./contests.js";
import { orgFrame, orgError } from "./org.js";

/* --- pure helpers (tests/browser/unit.mjs) --------------------------------- */

const copyBoard = (b) => ({ ...b, problems: (b.problems || []).slice(),
  rows: (b.rows || []).map((r) => ({ ...r, cells: (r.cells || []).map((c) => ({ ...c })) })) });

// Applies one step to `board` (a copy of it is returned): the step's cell
// takes its resolved state, its row the step's totals, and the rows are
// ranked again by the board's rule.
export function applyStep(board, step) {
  const b = copyBoard(board);
  const row = b.rows.find((r) => r.user_id === step.user_id);
  if (!row) throw new Error(`step ${step.step}: no row for user ${step.user_id}`);
  const i = b.problems.findIndex((p) => p.label === step.label);
  if (i < 0) throw new Error(`step ${step.step}: no problem ${step.label}`);
  row.cells[i] = { ...step.after };
  row.solved = step.solved;
  row.penalty = step.penalty;
  row.score = step.score;
  rankRows(b.rows, b.scoring);
  return b;
}

// The board after the first `k` steps: 0 is the frozen board, the number of
// steps the server's final board (the resolver's last frame is the final
// standings themselves, not our recomputation of them).
export function boardAt(reveal, k) {
  const steps = reveal.steps || [];
  if (k >= steps.length) return copyBoard(reveal.final);
  let b = copyBoard(reveal.frozen);
  rankRows(b.rows, b.scoring);
  for (let i = 0; i < k; i++) b = applyStep(b, steps[i]);
  return b;
}

// The cell a step resolves, as text: "+2 45'", "−3", "70".
export function cellText(c, scoring) {
  if (!c) return "";
  if (scoring === "ioi") return c.tries || c.pending ? `${c.score}${c.pending ? ` +${c.pending}?` : ""}` : "";
  if (c.solved) return `${c.tries === 1 ? "+" : `+${c.tries - 1}`} ${c.time_min}'`;
  if (c.pending) return `${c.tries ? `\u2212${c.tries} ` : ""}${c.pending}?`;
  return c.tries ? `\u2212${c.tries}` : "";
}

// What a step did, for the live region and the caption.
export function stepText(step, scoring) {
  const who = step.display_name || step.username;
  const what = scoring === "ioi" ? `${step.after.score} points`
    : step.after.solved ? `solved at minute ${step.after.time_min}` : "not solved";
  const move = step.rank_after < step.rank_before ? `climbs from rank ${step.rank_before} to ${step.rank_after}`
    : step.rank_after > step.rank_before ? `falls from rank ${step.rank_before} to ${step.rank_after}` : `stays at rank ${step.rank_after}`;
  return `${who}: problem ${step.label} ${what}; ${move}.`;
}

/* --- the projector view --------------------------------------------------------- */

function cellClass(c, scoring) {
  if (!c) return "cell";
  if (c.pending) return "cell pending";
  if (scoring === "ioi") return `cell ${c.solved ? "solved" : c.tries ? "tried" : ""}`;
  return `cell ${c.solved ? (c.first ? "solved first" : "solved") : c.tries ? "tried" : ""}`;
}

function boardTable(b, mark) {
  const ioi = b.scoring === "ioi";
  return h("table", { class: "board reveal-board" },
    h("caption", { class: "sr-only" }, "Scoreboard being revealed"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, "#"), h("th", { scope: "col" }, "Contestant"),
      h("th", { scope: "col", class: "num" }, ioi ? "Score" : "Solved"), ioi ? null : h("th", { scope: "col", class: "num" }, "Time"),
      b.problems.map((p) => h("th", { scope: "col", class: "cell" }, p.label)))),
    h("tbody", {}, b.rows.map((r) => h("tr", { dataset: { user: r.user_id }, class: mark.rows.has(r.user_id) ? mark.rows.get(r.user_id) : null },
      h("td", { class: "num" }, r.rank), h("td", {}, r.display_name || r.username),
      h("td", { class: "num" }, ioi ? r.score : r.solved), ioi ? null : h("td", { class: "num" }, r.penalty),
      b.problems.map((p, i) => {
        const c = (r.cells || [])[i];
        const extra = mark.cells.get(`${r.user_id}/${p.label}`) || "";
        return h("td", { class: `${cellClass(c, b.scoring)} ${extra}`.trim(), dataset: { label: p.label } }, cellText(c, b.scoring));
      })))));
}

export function revealView(ctx, main, id) {
  const body = orgFrame(main, `Reveal \u00b7 contest ${id}`, "contests",
    h("p", {}, h("a", { href: `#/org/contest/${id}` }, "\u2190 Contest ", id)));
  clear(body, loading("the reveal"));
  document.body.classList.add("projector");
  let alive = true;
  let reveal = null;
  let k = 0;
  let board = null;
  const status = h("p", { class: "reveal-status", id: "reveal-status" });
  const said = h("p", { class: "reveal-said", id: "reveal-said", role: "status", "aria-live": "polite" });
  const holder = h("div", { class: "table-wrap reveal-holder" });
  const back = h("button", { type: "button", class: "secondary", id: "reveal-back", onclick: () => go(k - 1) }, "\u2190 Back");
  const next = h("button", { type: "button", id: "reveal-next", onclick: () => go(k + 1) }, "Next \u2192");
  const end = h("button", { type: "button", class: "secondary", id: "reveal-end", onclick: () => go(Infinity) }, "Final board");

  function draw(prevTops) {
    const steps = reveal.steps;
    const mark = { rows: new Map(), cells: new Map() };
    // The cell the next press resolves, and the one the last press did.
    if (k < steps.length) mark.cells.set(`${steps[k].user_id}/${steps[k].label}`, "resolving");
    if (k > 0 && k <= steps.length) {
      const s = steps[k - 1];
      mark.cells.set(`${s.user_id}/${s.label}`, "resolved-now");
      mark.rows.set(s.user_id, "moved");
    }
    if (k < steps.length) mark.rows.set(steps[k].user_id, mark.rows.get(steps[k].user_id) || "current");
    const table = boardTable(board, mark);
    clear(holder, table);
    status.textContent = k >= steps.length ? `Final standings \u00b7 ${steps.length} of ${steps.length} steps`
      : k === 0 ? `Frozen board \u00b7 ${steps.length} cells to resolve` : `Step ${k} of ${steps.length}`;
    status.dataset.step = String(k);
    status.dataset.final = String(k >= steps.length);
    back.disabled = k === 0;
    next.disabled = end.disabled = k >= steps.length;
    if (prevTops) slide(table, prevTops);
  }

  // Rows glide from where they were to where they are now (FLIP); CSSOM
  // styles are allowed under the CSP, inline style attributes are not.
  function slide(table, prevTops) {
    const moving = [];
    for (const tr of table.tBodies[0].rows) {
      const before = prevTops.get(tr.dataset.user);
      if (before == null) continue;
      const dy = before - tr.getBoundingClientRect().top;
      if (Math.abs(dy) < 1) continue;
      tr.style.transform = `translateY(${dy}px)`;
      moving.push(tr);
    }
    if (!moving.length) return;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      for (const tr of moving) { tr.classList.add("sliding"); tr.style.transform = ""; }
    }));
  }

  function go(to) {
    if (!reveal) return;
    const n = reveal.steps.length;
    const target = Math.max(0, Math.min(n, to));
    if (target === k) return;
    const tops = new Map();
    for (const tr of holder.querySelectorAll("tbody tr")) tops.set(tr.dataset.user, tr.getBoundingClientRect().top);
    // Forward one step from the board shown; anything else from the start.
    board = target === k + 1 && target < n ? applyStep(board, reveal.steps[k]) : boardAt(reveal, target);
    const forward = target > k;
    k = target;
    said.textContent = forward && k <= n ? (k === n && to === Infinity ? "Final standings." : stepText(reveal.steps[k - 1], board.scoring))
      : k === 0 ? "Back at the frozen board." : `Back to step ${k}.`;
    draw(tops);
  }

  const onKey = (ev) => {
    if (ev.target instanceof HTMLElement && ev.target.closest("input, textarea, select")) return;
    if (ev.key === " " || ev.key === "ArrowRight" || ev.key === "PageDown") {
      ev.preventDefault();
      go(k + 1);
    } else if (ev.key === "ArrowLeft" || ev.key === "PageUp") {
      ev.preventDefault();
      go(k - 1);
    } else if (ev.key === "End") {
      go(Infinity);
    } else if (ev.key === "Home") {
      go(0);
    }
  };
  document.addEventListener("keydown", onKey);

  Promise.all([ctx.live.request("contest.reveal", { contest: id }), ctx.live.request("contests.list", {})]).then(([r, list]) => {
    if (!alive) return;
    reveal = { ...r, steps: r.steps || [] };
    board = boardAt(reveal, 0);
    const c = (list.contests || []).find((x) => x.id === id);
    clear(body,
      h("div", { class: "reveal-head" }, h("h3", { class: "reveal-title" }, c ? c.title : `Contest ${id}`), status),
      h("p", { class: "actions reveal-controls" }, back, next, end,
        h("span", { class: "muted" }, "Space or \u2192: next \u00b7 \u2190: back \u00b7 End: final board")),
      said, holder);
    draw(null);
  }).catch((err) => { if (alive) orgError(ctx, body, err, "the reveal"); });

  return () => {
    alive = false;
    document.removeEventListener("keydown", onKey);
    document.body.classList.remove("projector");
  };
}
