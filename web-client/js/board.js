// SPDX-License-Identifier: MIT
// The contest scoreboard: problem columns in the problems' colours, first
// solves marked, my row highlighted with a "jump to me", pages of PAGE_SIZE
// rows (a board of 10 000 draws one page: the DOM stays small), and rows
// that glide to their new place when a verdict moves them (FLIP: note where
// each row was, redraw, then animate from the old place to the new one).
// A windowed board (one with a `total`: subscribe's "window") holds one page
// only and asks the server for the others (contest.board_window), so a
// 100 000-row board is never loaded whole.

import { h, clear } from "./dom.js";

export const PAGE_SIZE = 100;
const MOVE_MS = 450;

// ICPC: solved desc, penalty asc, last solve asc; IOI: score desc. Rows
// equal on those share a rank. A pushed row carries its own fresh rank,
// the others' may have shifted: re-rank them all here. The rows are nearly
// in order already, which the engine's merge sort does in linear time.
export function rankRows(rows, scoring) {
  const cmp = comparator(scoring);
  rows.sort((a, b) => cmp(a, b) || a.user_id - b.user_id);
  rerank(rows, cmp);
  return rows;
}

// A row's sort key, computed once per row object (a pushed row is a new
// object, so a stale key is never read).
const keys = new WeakMap();
function keyOf(r, ioi) {
  let k = keys.get(r);
  if (!k) {
    let last = -1;
    for (const c of r.cells || []) if (c.solved && c.time_min > last) last = c.time_min;
    k = ioi ? [-r.score] : [-r.solved, r.penalty, last];
    keys.set(r, k);
  }
  return k;
}

function comparator(scoring) {
  const ioi = scoring === "ioi";
  return (a, b) => {
    const ka = keyOf(a, ioi), kb = keyOf(b, ioi);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  };
}

// Ranks from index `from`; past `to` it stops at the first row whose rank
// did not change (those after it cannot have changed either). `base`: rows
// above rows[0] (a window of the board).
function rerank(rows, cmp, from = 0, to = rows.length, base = 0) {
  for (let i = from; i < rows.length; i++) {
    const r = rows[i];
    const rank = i > 0 && cmp(rows[i - 1], r) === 0 ? rows[i - 1].rank : base + i + 1;
    if (i > to && rank === r.rank) break;
    r.rank = rank;
  }
}

// One row replaced (or added) in a ranked board (or a window of one, with
// `base` rows above it): out of its old place, into its new one by binary
// search, then the ranks again; linear, not a sort.
export function placeRow(rows, row, scoring, base = 0) {
  const cmp = comparator(scoring);
  const full = (a, b) => cmp(a, b) || a.user_id - b.user_id;
  const at = rows.findIndex((r) => r.user_id === row.user_id);
  if (at >= 0) rows.splice(at, 1);
  let lo = 0, hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (full(rows[mid], row) < 0) lo = mid + 1; else hi = mid;
  }
  rows.splice(lo, 0, row);
  // Only the rows between the old and the new place moved.
  rerank(rows, cmp, Math.min(lo, at < 0 ? lo : at), Math.max(lo, at < 0 ? rows.length : at), base);
  return lo;
}

// The page (1-based) that holds row `index` (0-based), and how many pages.
export const pageOf = (index, size = PAGE_SIZE) => Math.floor(Math.max(0, index) / size) + 1;
export const pagesFor = (n, size = PAGE_SIZE) => Math.max(1, Math.ceil(n / size));

// A problem's colour as a CSS colour, or null: only #rrggbb reaches the
// CSSOM (the CSP forbids style attributes anyway).
export function safeColor(c) {
  return /^#[0-9a-fA-F]{6}$/.test(c || "") ? c : null;
}

// Readable text over a colour: black or white by its luminance.
export function textOn(hex) {
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#000000" : "#ffffff";
}

function cellView(c, ioi, label) {
  if (!c) return h("td", { class: "cell" });
  if (ioi) {
    return h("td", { class: `cell ${c.solved ? "solved" : c.tries ? "tried" : c.pending ? "pending" : ""}` },
      c.tries || c.pending ? String(c.score) : "", c.pending ? h("small", {}, ` +${c.pending}?`) : "");
  }
  const cls = c.solved ? (c.first ? "solved first" : "solved") : c.pending ? "pending" : c.tries ? "tried" : "";
  const text = c.solved ? `${c.tries === 1 ? "+" : `+${c.tries - 1}`}` : c.tries ? `\u2212${c.tries}` : "";
  const title = c.solved ? `${label}: solved at minute ${c.time_min}${c.first ? ", first to solve it" : ""}`
    : c.pending ? `${label}: ${c.pending} pending` : c.tries ? `${label}: ${c.tries} rejected` : "";
  return h("td", { class: `cell ${cls}`, title: title || null },
    c.first && c.solved ? h("span", { class: "first-mark", "aria-label": "first to solve" }, "\u2605") : null,
    text, c.solved ? h("small", {}, ` ${c.time_min}'`) : "", c.pending ? h("small", {}, ` ${c.pending}?`) : "");
}

// Makes `parent`'s children the `want` list with few DOM moves: a row that
// moved is moved, the others stay where they are (re-inserting every row
// would restyle the whole table).
function reorder(parent, want) {
  const keep = new Set(want);
  for (const el of [...parent.children]) if (!keep.has(el)) el.remove();
  let cur = parent.firstElementChild;
  for (const el of want) {
    if (cur === el) { cur = cur.nextElementSibling; continue; }
    parent.insertBefore(el, cur);
  }
}

export class Board {
  // el: where the board goes; opts: {me (user id), contestId, colors (label
  // -> colour), fetch(from, count) -> a window (contest.board_window's data)}
  constructor(el, opts = {}) {
    this.el = el;
    this.fetch = opts.fetch || null;
    this.me = opts.me ?? null;
    this.contestId = opts.contestId;
    this.colors = opts.colors || new Map();
    this.board = { rows: [], problems: [] };
    this.page = 1;
    this.pinned = false; // the reader chose a page: updates do not move it
    this.trs = new Map(); // user id -> the <tr> on the page
    this.built = new Map(); // user id -> {row, tr}: a row object's element, reused while it is unchanged
    this.reduced = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // `myPos`: my 0-based place on a windowed board when known (subscribe's
  // my_rows), so "jump to me" works while my row is on another page.
  set(board, myPos = null) {
    this.board = { ...board, rows: board.rows || [], problems: board.problems || [] };
    this.built = new Map(); // a fresh board: no row element is reused
    this.thead = null;
    if (this.windowed()) {
      if (myPos != null) this.myPos = myPos;
      this.page = pageOf(this.board.from || 0);
    } else if (!this.pinned) this.page = this.myPage() || 1;
    this.draw(false);
  }

  windowed() {
    return this.fetch != null && typeof this.board.total === "number";
  }

  // Rows before this.board.rows[0]: 0 unless windowed.
  offset() {
    return this.windowed() ? this.board.from || 0 : 0;
  }

  // One pushed row: replace it, re-rank, redraw the page with motion. On a
  // windowed board the row is placed among the page's rows; one that moves
  // off the page's end leaves it (the next page fetch is exact again).
  update(row, frozen) {
    if (frozen !== undefined) this.board.frozen = frozen;
    const b = this.board;
    const at = placeRow(b.rows, row, b.scoring, this.offset());
    if (this.windowed()) {
      // A row that sorts above the page's first belongs to an earlier page;
      // a page holds PAGE_SIZE rows, the last one falls to the next page.
      // (The ranks below are the page's own until the next fetch.)
      if (at === 0 && b.from > 0) b.rows.splice(0, 1);
      if (b.rows.length > PAGE_SIZE) b.rows.length = PAGE_SIZE;
    }
    this.draw(true, row.user_id);
  }

  myIndex() {
    return this.me == null ? -1 : this.board.rows.findIndex((r) => r.user_id === this.me);
  }

  myPage() {
    const i = this.myIndex();
    if (i >= 0) return pageOf(this.offset() + i);
    return this.windowed() && this.myPos != null ? pageOf(this.myPos) : 0;
  }

  goTo(page) {
    if (this.windowed()) {
      const p = Math.min(Math.max(1, page), pagesFor(this.board.total));
      return this.fetch((p - 1) * PAGE_SIZE, PAGE_SIZE).then((w) => {
        this.board = { ...this.board, total: w.total, from: w.from, rows: w.rows || [] };
        this.page = p;
        this.pinned = true;
        this.draw(false);
      });
    }
    this.page = Math.min(Math.max(1, page), pagesFor(this.board.rows.length));
    this.pinned = true;
    this.draw(false);
    return Promise.resolve();
  }

  async jumpToMe() {
    const p = this.myPage();
    if (!p) return;
    if (this.windowed() && p !== this.page) await this.goTo(p);
    this.page = p;
    this.pinned = false;
    this.draw(false);
    const tr = this.trs.get(this.me);
    if (tr) {
      tr.scrollIntoView({ block: "center", behavior: this.reduced ? "auto" : "smooth" });
      // Focus follows, for keyboard and screen-reader users.
      const who = tr.querySelector("th");
      who.tabIndex = -1;
      who.focus({ preventScroll: true });
      tr.classList.remove("flash");
      void tr.offsetWidth; // restart the highlight
      tr.classList.add("flash");
    }
  }

  draw(animate, changed = null) {
    const b = this.board;
    if (!b.rows.length) {
      clear(this.el, h("p", { class: "empty" }, "Nobody is on the board yet."));
      this.trs.clear();
      return;
    }
    const before = new Map();
    if (animate && !this.reduced) for (const [id, tr] of this.trs) before.set(id, tr.getBoundingClientRect().top);
    const windowed = this.windowed();
    const pages = pagesFor(windowed ? b.total : b.rows.length);
    this.page = Math.min(this.page, pages);
    const start = windowed ? b.from || 0 : (this.page - 1) * PAGE_SIZE;
    const slice = windowed ? b.rows : b.rows.slice(start, start + PAGE_SIZE);
    const ioi = b.scoring === "ioi";
    const problems = b.problems;
    this.trs = new Map();
    const built = new Map();
    const trs = slice.map((r) => {
      const was = this.built.get(r.user_id);
      if (was && was.row === r) {
        // Unchanged but for its rank, perhaps: a row moved past it.
        if (was.tr.dataset.rank !== String(r.rank)) {
          was.tr.dataset.rank = String(r.rank);
          was.tr.firstChild.textContent = String(r.rank);
        }
        was.tr.classList.remove("changed");
        built.set(r.user_id, was);
        this.trs.set(r.user_id, was.tr);
        return was.tr;
      }
      const tr = h("tr", { dataset: { user: r.user_id, rank: r.rank }, class: r.user_id === this.me ? "me" : null },
        h("td", { class: "num rank" }, String(r.rank)),
        h("th", { scope: "row", class: "who-cell" }, r.display_name || r.username,
          r.user_id === this.me ? h("span", { class: "sr-only" }, " (you)") : null),
        h("td", { class: "num" }, String(ioi ? r.score : r.solved)), ioi ? null : h("td", { class: "num" }, String(r.penalty)),
        problems.map((p, i) => cellView((r.cells || [])[i], ioi, p.label)));
      if (r.user_id === changed) tr.classList.add("changed");
      built.set(r.user_id, { row: r, tr });
      this.trs.set(r.user_id, tr);
      return tr;
    });
    this.built = built;
    const table = this.table || (this.table = h("table", { class: "board" }, h("caption", { class: "sr-only" }), h("tbody")));
    table.caption.textContent = `Scoreboard, rows ${start + 1} to ${start + slice.length} of ${windowed ? b.total : b.rows.length}`;
    if (!this.thead) {
      this.thead = this.head(problems, ioi);
      table.tHead?.remove();
      table.querySelector("colgroup")?.remove();
      table.caption.after(this.cols(problems, ioi), this.thead);
      // A fixed layout: the widths come from the columns, not from every
      // row's content, so a moved row costs little layout. Narrow screens
      // scroll the table sideways rather than squeeze it (CSSOM, for the CSP).
      table.style.minWidth = `${(ioi ? 18 : 23) + 4.2 * problems.length}rem`;
    }
    reorder(table.tBodies[0], trs);
    const mine = this.myIndex();
    // The navigation is redrawn; the table stays in place (moving it out
    // and back would restyle every row and lose the reader's scroll).
    if (!this.wrap) {
      this.nav = h("div", { class: "board-nav" });
      this.wrap = h("div", { class: "table-wrap board-wrap" }, table);
    }
    const myRank = mine >= 0 ? `#${b.rows[mine].rank}` : windowed && this.myPos != null ? `row ${this.myPos + 1}` : null;
    clear(this.nav,
      myRank ? h("button", { type: "button", class: "secondary", id: "jump-to-me", onclick: () => this.jumpToMe() },
        `Jump to me (${myRank})`) : null,
      pages > 1 ? this.pager(pages) : null);
    if (this.wrap.parentNode !== this.el) clear(this.el, this.nav, this.wrap);
    if (before.size) this.glide(before);
  }

  cols(problems, ioi) {
    const col = (cls) => h("col", { class: cls });
    return h("colgroup", {}, col("c-rank"), col("c-who"), col("c-num"), ioi ? null : col("c-pen"),
      problems.map(() => col("c-cell")));
  }

  head(problems, ioi) {
    return h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "num" }, "#"), h("th", { scope: "col" }, "Contestant"),
      h("th", { scope: "col", class: "num" }, ioi ? "Score" : "Solved"), ioi ? null : h("th", { scope: "col", class: "num" }, "Penalty"),
      problems.map((p) => {
        const a = h("a", { href: `#/problem/${encodeURIComponent(p.slug)}?contest=${this.contestId}`, class: "problem-label",
          title: p.name || p.slug }, p.label);
        const color = safeColor(p.color || this.colors.get(p.label));
        // CSSOM, not a style attribute: the CSP allows only the former.
        if (color) { a.style.backgroundColor = color; a.style.color = textOn(color); a.classList.add("colored"); }
        return h("th", { scope: "col", class: "cell" }, a);
      })));
  }

  pager(pages) {
    const btn = (label, page, disabled) => h("button", { type: "button", class: "secondary", disabled: disabled || null,
      onclick: () => this.goTo(page) }, label);
    return h("nav", { class: "pager board-pager", "aria-label": "Scoreboard pages" },
      btn("\u2190 Previous", this.page - 1, this.page <= 1),
      h("span", { class: "page-of", id: "board-page" }, `Page ${this.page} of ${pages}`),
      btn("Next \u2192", this.page + 1, this.page >= pages));
  }

  // The "invert" and "play" of FLIP: each row that moved starts where it was
  // and slides to where it is; a row new to the page fades in.
  // Every position is read before any animation starts: reading after one
  // would force a fresh layout per row.
  glide(before) {
    const moves = [];
    for (const [id, tr] of this.trs) {
      const was = before.get(id);
      moves.push([tr, was === undefined ? null : was - tr.getBoundingClientRect().top]);
    }
    for (const [tr, dy] of moves) {
      if (dy === null) tr.animate([{ opacity: 0 }, { opacity: 1 }], { duration: MOVE_MS });
      else if (Math.abs(dy) >= 1) {
        tr.animate([{ transform: `translateY(${dy}px)` }, { transform: "translateY(0)" }],
          { duration: MOVE_MS, easing: "cubic-bezier(0.2, 0.7, 0.2, 1)" });
      }
    }
  }
}
