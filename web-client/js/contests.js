// SPDX-License-Identifier: MIT
// Contests: the list, and one contest's live page (countdown, registration,
// problems, scoreboard, announcements, clarifications). The board and the announcements
// arrive with the subscription's snapshot; contest.scoreboard and
// contest.announcement pushes keep them current (docs/PROTOCOL.md).

import { h, clear, errorBox } from "./dom.js";
import { loading, setTitle, retryButton } from "./views.js";
import { clarPanel } from "./clar.js";
import { isOrganizer } from "./org.js";
import { Board, PAGE_SIZE, rankRows } from "./board.js";

const PHASE_TEXT = { scheduled: "Starts in", running: "Ends in", frozen: "Ends in (scoreboard frozen)", ended: "Ended", finalized: "Final standings" };

export function fmtCountdown(ms) {
  if (ms == null || ms < 0) return "";
  const s = Math.ceil(ms / 1000);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return `${d ? `${d}d ` : ""}${pad(hh)}:${pad(mm)}:${pad(ss)}`;
}

function phaseBadge(phase) {
  return h("span", { class: `badge phase-${phase}`, dataset: { phase } }, phase);
}

/* --- the list -------------------------------------------------------------- */

export function contestsView(ctx, main) {
  setTitle("Contests");
  const results = h("div", { class: "results" }, loading("contests"));
  clear(main, h("section", { class: "card", "aria-labelledby": "contests-title" },
    h("h2", { id: "contests-title" }, "Contests"), results));
  let alive = true;
  // Watching the list: its snapshot now, and each contest's phase change
  // as it happens (a start, an end) redraws it.
  const refresh = () => ctx.live.request("subscribe", { topic: "contests" }).then(draw).catch((err) => {
    if (alive) clear(results, errorBox(err, "Could not load the contests"), retryButton(ctx));
  });
  const onPush = (ev) => { if (alive && ev.detail.event === "contest.phase") refresh(); };
  ctx.live.addEventListener("push", onPush);
  const draw = (data) => {
    if (!alive) return;
    const rows = data.contests || [];
    if (!rows.length) { clear(results, h("p", { class: "empty" }, "No contests yet.")); return; }
    clear(results, h("div", { class: "table-wrap" }, h("table", { class: "contests" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Contest"), h("th", { scope: "col" }, "Phase"),
        h("th", { scope: "col" }, "Starts"), h("th", { scope: "col" }, "Ends"),
        h("th", { scope: "col", class: "num" }, "Participants"), h("th", { scope: "col" }, ""))),
      h("tbody", {}, rows.map((c) => h("tr", { dataset: { contest: c.id } },
        h("td", {}, h("a", { href: `#/contest/${c.id}` }, c.title)),
        h("td", {}, phaseBadge(c.phase)),
        h("td", {}, new Date(c.starts_at_ms).toLocaleString()),
        h("td", {}, new Date(c.ends_at_ms).toLocaleString()),
        h("td", { class: "num" }, c.participants ?? 0),
        h("td", {}, c.registered ? h("span", { class: "status solved" }, "\u2713 Registered") : "")))))));
  };
  refresh();
  return () => { alive = false; ctx.live.removeEventListener("push", onPush); unsubscribe(ctx, { topic: "contests" }); };
}

// A page that goes away stops its pushes: the server holds at most 8
// contest subscriptions per connection, and a console visits many contests.
// Requests run in order, so a next page's subscribe is never undone.
export function unsubscribe(ctx, what) {
  ctx.live.request("unsubscribe", what).catch(() => { /* gone with the connection anyway */ });
}

/* --- one contest ------------------------------------------------------------ */

// Ranking lives with the board (board.js); re-exported for older callers.
export { rankRows };

// The problem set as the page shows it: from the start's contest.phase push
// (label, slug, colour) until a snapshot's board has it.
function problemList(problems, contestId) {
  if (!problems.length) return h("p", { class: "empty", id: "no-problems" }, "The problems appear here when the contest starts.");
  return h("ol", { class: "contest-problems", id: "contest-problems" }, problems.map((p) => {
    const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    // CSSOM, not a style attribute: the CSP allows only the former.
    if (/^#[0-9a-fA-F]{6}$/.test(p.color || "")) swatch.style.backgroundColor = p.color;
    return h("li", { dataset: { label: p.label } }, swatch, h("strong", {}, p.label), " ",
      h("a", { href: `#/problem/${encodeURIComponent(p.slug)}?contest=${contestId}` }, p.name || p.slug));
  }));
}

export function contestView(ctx, main, params, id) {
  setTitle(`Contest ${id}`);
  clear(main, loading("the contest"));
  let alive = true;
  let tick = null;
  let state = null; // {contest, registered, scoreboard, announcements, receivedAt}
  let colors = new Map(); // label -> colour, from the start's push

  // The page is built once; pushes redraw its parts, so a question being
  // typed in the clarifications panel survives board updates.
  const clar = clarPanel(ctx, id);
  const countdown = h("span", { class: "countdown", id: "countdown" });
  const headBox = h("section", { class: "card contest", "aria-labelledby": "contest-title" });
  const problemsBox = h("div", { "aria-live": "polite" });
  const annBox = h("div");
  const boardHead = h("div");
  const boardBox = h("div");
  const boardSection = h("section", { class: "card", "aria-labelledby": "board-title" }, boardHead, boardBox);
  const board = new Board(boardBox, { me: ctx.session.user?.id, contestId: id, colors,
    fetch: (from, count) => ctx.live.request("contest.board_window", { contest: id, from, count }) });
  const layout = [
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/contests" }, "\u2190 Contests")),
    headBox,
    h("section", { class: "card", "aria-labelledby": "problems-title" }, h("h3", { id: "problems-title" }, "Problems"), problemsBox),
    annBox,
    clar.el,
    boardSection,
  ];

  const onPush = (ev) => {
    const { event, data } = ev.detail;
    if (!state || !data || data.contest_id !== id) return;
    if (event === "contest.scoreboard" && data.row) {
      const wasFrozen = !!state.scoreboard.frozen;
      board.update(data.row, data.frozen);
      state.scoreboard = board.board;
      if (wasFrozen !== !!data.frozen) drawBoardHead();
    } else if (event === "contest.phase") {
      // The start carries the problem set: show it with this push, then
      // take the snapshot that follows for the rest (board, registration).
      if (Array.isArray(data.problems) && data.problems.length) {
        for (const p of data.problems) if (p.color) colors.set(p.label, p.color);
        state.contest = { ...state.contest, phase: data.phase, next_change_in_ms: -1 };
        clear(problemsBox, problemList(data.problems, id));
        drawHead();
      }
      load();
    } else if (event === "contest.announcement") {
      if (!state.announcements.some((a) => a.announcement_id === data.announcement_id)) {
        state.announcements.push({ announcement_id: data.announcement_id, text: data.text, created_at_ms: data.created_at_ms });
        drawAnnouncements();
      }
    } else if (event === "contest.clarification") {
      clar.push(data);
    }
  };
  ctx.live.addEventListener("push", onPush);

  // The board's first page and my rows only: other pages are fetched when
  // asked for (a large open contest is never loaded whole).
  const load = () => ctx.live.request("subscribe", { topic: "contest", contest: id, window: PAGE_SIZE, radius: 0 }).then((data) => {
    if (!alive) return;
    state = { ...data, receivedAt: Date.now() };
    state.scoreboard = { ...(data.scoreboard || {}), contest_id: id };
    state.myPos = data.my_rows && data.my_rows.rows && data.my_rows.rows.length ? data.my_rows.from : null;
    state.announcements = data.announcements || [];
    setTitle(data.contest.title);
    draw();
  }).catch((err) => {
    if (!alive) return;
    clear(main, h("section", { class: "card" }, h("h2", {}, `Contest ${id}`),
      errorBox(err, err.code === "not_found" ? "No such contest" : "Could not load the contest"),
      h("p", {}, h("a", { href: "#/contests" }, "\u2190 All contests"), " ", retryButton(ctx))));
  });

  const drawCountdown = () => {
    if (!state) return;
    const c = state.contest;
    const left = c.next_change_in_ms < 0 ? null : c.next_change_in_ms - (Date.now() - state.receivedAt);
    countdown.textContent = left == null ? "" : fmtCountdown(Math.max(0, left));
    countdown.dataset.left = left == null ? "" : String(Math.max(0, Math.ceil(left / 1000)));
    // The phase changes by the clock: the server says what it became (a
    // contest.phase push); ask again in case that push was missed.
    if (left != null && left <= 0 && alive) {
      clearInterval(tick);
      tick = null;
      setTimeout(() => { if (alive) load().then(() => { if (!tick) tick = setInterval(drawCountdown, 1000); }); }, 1000);
    }
  };

  function drawHead() {
    const c = state.contest;
    const signedIn = !!ctx.session.user;
    const regMsg = h("span", { role: "status" });
    const canRegister = signedIn && !state.registered && (c.phase === "scheduled" || c.phase === "running" || c.phase === "frozen");
    const regBtn = canRegister ? h("button", { type: "button", id: "register", onclick: async () => {
      regBtn.disabled = true;
      try {
        await ctx.live.request("contest.register", { contest: id });
        await load();
      } catch (err) {
        clear(regMsg, errorBox(err, "Not registered"));
        regBtn.disabled = false;
      }
    } }, "Register") : null;
    clear(headBox,
      h("header", { class: "problem-head" }, h("h2", { id: "contest-title" }, c.title), phaseBadge(c.phase)),
      h("p", { class: "clock" }, PHASE_TEXT[c.phase] || c.phase, " ", countdown),
      h("p", {}, state.registered ? h("span", { class: "status solved", id: "registered" }, "\u2713 You are registered")
        : signedIn ? regBtn : h("span", {}, h("a", { href: `#/signin?next=${encodeURIComponent(`#/contest/${id}`)}` }, "Sign in"), " to register."),
        regMsg));
    drawCountdown();
  }

  function drawAnnouncements() {
    clear(annBox, state.announcements.length ? h("section", { class: "card", "aria-labelledby": "ann-title" },
      h("h3", { id: "ann-title" }, "Announcements"),
      h("ul", { class: "announcements", "aria-live": "polite" }, [...state.announcements].reverse().map((a) =>
        h("li", { dataset: { announcement: a.announcement_id } }, h("time", { class: "muted" }, new Date(a.created_at_ms).toLocaleTimeString()), " ", a.text)))) : null);
  }

  // While frozen, a banner says why cells show "?" rather than verdicts.
  function drawBoardHead() {
    const b = state.scoreboard;
    const freezeAt = state.contest.freezes_at_ms;
    clear(boardHead,
      h("h3", { id: "board-title" }, "Scoreboard", b.frozen ? h("span", { class: "badge phase-frozen" }, " frozen") : ""),
      b.frozen ? h("p", { class: "frozen-banner", id: "frozen-banner", role: "status" },
        h("strong", {}, "The scoreboard is frozen"),
        freezeAt ? ` since ${new Date(freezeAt).toLocaleTimeString()}` : "",
        ": submissions made since then show as pending (?) until the final standings are published.") : null);
  }

  function drawBoard() {
    drawBoardHead();
    board.colors = colors;
    board.set(state.scoreboard, state.myPos);
  }

  function draw() {
    if (!main.contains(headBox)) clear(main, ...layout);
    drawHead();
    const problems = (state.scoreboard.problems || []).map((p) => ({ ...p, color: p.color || colors.get(p.label) }));
    // A snapshot taken just before the start has none yet: keep what the
    // push showed rather than blanking it.
    if (problems.length || !problemsBox.querySelector("#contest-problems")) clear(problemsBox, problemList(problems, id));
    clar.setProblems(problems);
    clar.update(state.clarifications, { registered: state.registered, phase: state.contest.phase,
      signedIn: !!ctx.session.user, jury: isOrganizer(ctx.session.user) });
    drawAnnouncements();
    drawBoard();
  }

  load().then(() => { if (alive) tick = setInterval(drawCountdown, 1000); });
  return () => {
    alive = false;
    clearInterval(tick);
    ctx.live.removeEventListener("push", onPush);
    unsubscribe(ctx, { topic: "contest", contest: id });
  };
}
