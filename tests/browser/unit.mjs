// SPDX-License-Identifier: MIT
// unit.mjs - the web client's logic without a browser (node, no packages):
// the Markdown renderer's escaping and rules, the live connection's
// handshake, reconnect with backoff, resume and dedupe against a fake
// WebSocket, the judging tracker, and the organizer console's pure parts
// (the reveal's steps, clarification merging and order, rejudge requests,
// plagiarism's report request and regions, formatting). Exits non-zero on failure.
import assert from "node:assert/strict";
import { renderMarkdown, escapeHtml, texOf, typesetMath, splitSamples, stripTitle } from "../../web-client/js/markdown.js";
import { Live, GavelError, eventIdAfter } from "../../web-client/js/live.js";
import { Tracker, progressText } from "../../web-client/js/judging.js";
import { rankRows, fmtCountdown } from "../../web-client/js/contests.js";
import { isOrganizer, errorLine, lineRange, isoSeconds, hms, contestTemplate } from "../../web-client/js/org.js";
import { mergeClar, isNewAnswer, juryOrder, clarSubject } from "../../web-client/js/clar.js";
import { applyStep, boardAt, cellText, stepText } from "../../web-client/js/reveal.js";
import { rejudgeRequest, verdictText, standingText, batchWhat } from "../../web-client/js/rejudge.js";
import { fmtAge, pageCount } from "../../web-client/js/ops.js";
import { plagRequest, lineRegions, markText, pct, clusterPairs } from "../../web-client/js/plag.js";
import { loadDraft, saveDraft, draftKey, MAX_DRAFTS } from "../../web-client/js/drafts.js";
import { testRows } from "../../web-client/js/submission.js";
import { pageOf, pagesFor, safeColor, textOn, PAGE_SIZE, placeRow } from "../../web-client/js/board.js";

let n = 0;
const tests = [];
const test = (name, fn) => tests.push([name, fn]);

/* --- markdown ------------------------------------------------------------- */

test("markdown escapes HTML before any rule", () => {
  const out = renderMarkdown('<script>alert(1)</script> <img src=x onerror="y"> & \'q\'');
  assert.ok(!out.includes("<script") && !out.includes("<img"), out);
  assert.ok(out.includes("&lt;script&gt;") && out.includes("&amp;") && out.includes("&quot;y&quot;") && out.includes("&#39;q&#39;"));
});
test("markdown: headings, paragraphs, lists, code, emphasis", () => {
  const out = renderMarkdown("# Title\n\nSome *em* and **strong** and `a<b`.\nsecond line\n\n- one\n- two _x_\n\n3. c\n4. d\n\n```python\nprint(a*b*c)\n```\n");
  assert.match(out, /<h1>Title<\/h1>/);
  assert.match(out, /<p>Some <em>em<\/em> and <strong>strong<\/strong> and <code>a&lt;b<\/code>\.\nsecond line<\/p>/);
  assert.match(out, /<ul><li>one<\/li><li>two <em>x<\/em><\/li><\/ul>/);
  assert.match(out, /<ol start="3"><li>c<\/li><li>d<\/li><\/ol>/);
  assert.match(out, /<pre><code class="lang-python">print\(a\*b\*c\)\n<\/code><\/pre>/);
});
test("markdown leaves $math$ as text, untouched by emphasis", () => {
  const out = renderMarkdown("Let $a_i * b_j$ and $$x_1 * y_2$$ hold, $1 \\le n$.");
  assert.ok(out.includes('<span class="math">$a_i * b_j$</span>'), out);
  assert.ok(out.includes('<span class="math display">$$x_1 * y_2$$</span>'), out);
  assert.ok(!out.includes("<em>"), out);
});
test("texOf strips the dollars; typesetMath without KaTeX keeps the source", async () => {
  assert.equal(texOf("$a_1$"), "a_1");
  assert.equal(texOf("$$ \\sum x $$"), "\\sum x");
  assert.equal(texOf("$x"), "$x");
  assert.equal(await typesetMath({ querySelectorAll: () => [] }), 0);
});
test("markdown pipe tables, cells escaped and inline-rendered", () => {
  const out = renderMarkdown("| Group | Points | Limit |\n|---|--:|:-:|\n| 1 | 20 | $n \\le 10$ <b> |\n| 2 | 30 | *all* |\n\nafter");
  assert.match(out, /<thead><tr><th>Group<\/th><th class="right">Points<\/th><th class="center">Limit<\/th><\/tr><\/thead>/);
  assert.ok(out.includes('<td class="center"><span class="math">$n \\le 10$</span> &lt;b&gt;</td>'), out);
  assert.ok(out.includes("<em>all</em>") && out.includes("<p>after</p>"), out);
  assert.ok(!renderMarkdown("a | b\nc | d").includes("<table"), "no table without a rule line");
});
test("markdown: a code block's language cannot inject attributes", () => {
  const out = renderMarkdown('```c"onmouseover="x\nint a;\n```');
  assert.ok(!/onmouseover="/.test(out), out);
});
test("markdown heading offset stops at h6", () => {
  assert.equal(renderMarkdown("# A\n##### B", { headingOffset: 2 }), "<h3>A</h3>\n<h6>B</h6>");
});
test("escapeHtml", () => assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"));

/* --- the live connection against a fake WebSocket -------------------------- */

class FakeWS {
  static all = [];
  constructor(url, proto) {
    this.url = url; this.proto = proto; this.readyState = 0; this.sent = []; this.listeners = {};
    FakeWS.all.push(this);
  }
  addEventListener(t, fn) { (this.listeners[t] ||= []).push(fn); }
  emit(t, ev = {}) { for (const fn of this.listeners[t] || []) fn(ev); }
  open() { this.readyState = 1; this.emit("open"); }
  send(s) { this.sent.push(JSON.parse(s)); }
  reply(obj) { this.emit("message", { data: JSON.stringify(obj) }); }
  close(code = 1006, reason = "") { this.readyState = 3; this.emit("close", { code, reason }); }
  last(type) { return [...this.sent].reverse().find((m) => m.type === type); }
}
const tick = () => new Promise((r) => setTimeout(r, 0));

test("hello carries the token; requests wait for it; errors carry code and retry_after_ms", async () => {
  FakeWS.all = [];
  const live = new Live("ws://x/ws", { getToken: () => "tok", WebSocketImpl: FakeWS });
  live.connect();
  const ws = FakeWS.all[0];
  assert.equal(ws.proto, "gavel.v1");
  const p = live.request("problems.list", { page: 1 });
  ws.open();
  const hello = ws.sent[0];
  assert.deepEqual([hello.type, hello.token], ["hello", "tok"]);
  assert.equal(ws.sent.length, 1, "nothing before the hello reply");
  ws.reply({ type: "ok", id: hello.id, data: { user: { id: 1, username: "u" }, server: { version: "t" } } });
  await tick();
  const list = ws.last("problems.list");
  assert.equal(list.page, 1);
  ws.reply({ type: "ok", id: list.id, data: { problems: [], total: 0 } });
  assert.deepEqual(await p, { problems: [], total: 0 });
  const s = live.request("submit", { problem: "x", language: "c", source: "s" });
  await tick();
  ws.reply({ type: "error", id: ws.last("submit").id, code: "rate_limited", message: "slow down", retry_after_ms: 12000 });
  await assert.rejects(s, (err) => err instanceof GavelError && err.code === "rate_limited" && err.retryAfterMs === 12000 &&
    /rate_limited: slow down \(you can try again in 12 s, at /.test(err.describe()));
  live.ws = null; clearTimeout(live.retryTimer); clearInterval(live.pingTimer);
});

test("reconnects with backoff, re-sends hello, resumes from the last event; dedupes replays", async () => {
  FakeWS.all = [];
  const live = new Live("ws://x/ws", { getToken: () => null, WebSocketImpl: FakeWS });
  const states = [];
  const pushes = [];
  let resyncs = 0;
  live.addEventListener("state", (e) => states.push(e.detail.state));
  live.addEventListener("push", (e) => pushes.push(e.detail.eventId));
  live.addEventListener("resync", () => resyncs++);
  live.connect();
  let ws = FakeWS.all[0];
  ws.open();
  ws.reply({ type: "ok", id: ws.sent[0].id, data: { user: null } });
  await tick();
  ws.reply({ type: "event", event: "judging.test", event_id: "100-0", data: { submission_id: 1, test: 1, tests: 2, verdict: "AC" } });
  ws.reply({ type: "event", event: "judging.test", event_id: "100-1", data: { submission_id: 1, test: 2, tests: 2, verdict: "AC" } });
  const inflight = live.request("problem.get", { slug: "a" });
  await tick();
  ws.close(1006, "");
  await assert.rejects(inflight, (e) => e.code === "disconnected");
  assert.equal(live.state, "closed");
  assert.ok(live.retryAt > Date.now() && live.retryAt <= Date.now() + 500, "first retry within 0.5 s");
  await new Promise((r) => setTimeout(r, 550));
  ws = FakeWS.all[1];
  assert.ok(ws, "a new connection");
  ws.open();
  assert.equal(ws.sent[0].type, "hello", "hello first on the new connection");
  ws.reply({ type: "ok", id: ws.sent[0].id, data: { user: null } });
  // A live event between hello and the resume reply, then the replay.
  ws.reply({ type: "event", event: "judging.verdict", event_id: "100-5", data: { submission_id: 1, verdict: "AC" } });
  await tick();
  const resume = ws.last("resume");
  assert.equal(resume.last_event_id, "100-1", "resume from the last event seen before the drop");
  ws.reply({ type: "event", event: "judging.state", event_id: "100-3", data: { submission_id: 2, state: "running" } });
  ws.reply({ type: "event", event: "judging.verdict", event_id: "100-5", data: { submission_id: 1, verdict: "AC" } });
  ws.reply({ type: "ok", id: resume.id, data: { replayed: 2 } });
  await tick();
  assert.deepEqual(pushes, ["100-0", "100-1", "100-5", "100-3"], "the duplicate 100-5 is dropped, the older replay kept");
  assert.equal(live.lastEventId, "100-5");
  assert.equal(live.state, "open");
  // A resync push and a {resync:true} reply both ask the page to refetch.
  ws.reply({ type: "resync" });
  assert.equal(resyncs, 1);
  ws.close(1008, "outgoing queue full");
  await new Promise((r) => setTimeout(r, 1050));
  ws = FakeWS.all[2];
  ws.open();
  ws.reply({ type: "ok", id: ws.sent[0].id, data: { user: null } });
  await tick();
  ws.reply({ type: "ok", id: ws.last("resume").id, data: { resync: true } });
  await tick();
  assert.equal(resyncs, 2);
  assert.ok(states.includes("connecting") && states.includes("closed") && states.includes("open"));
  live.ws = null; clearTimeout(live.retryTimer); clearInterval(live.pingTimer);
});

test("submission.get names its submission in a field; the request id is ours", async () => {
  FakeWS.all = [];
  const live = new Live("ws://x/ws", { WebSocketImpl: FakeWS });
  live.connect();
  const ws = FakeWS.all[0];
  ws.open();
  ws.reply({ type: "ok", id: ws.sent[0].id, data: { user: null } });
  await tick();
  const a = live.request("problems.list", {});
  const b = live.request("submission.get", { submission: 1 });
  const c = live.request("submission.get", { submission: 1 });
  await tick();
  const list = ws.last("problems.list");
  const gets = ws.sent.filter((m) => m.type === "submission.get");
  assert.equal(typeof list.id, "string", "generated ids are strings");
  assert.equal(gets.length, 2);
  assert.ok(gets.every((m) => m.submission === 1 && typeof m.id === "string"), JSON.stringify(gets));
  assert.notEqual(gets[0].id, gets[1].id, "two requests for one submission have their own ids");
  // Replies in any order reach their own requests.
  ws.reply({ type: "ok", id: gets[1].id, data: { verdict: "WA" } });
  ws.reply({ type: "ok", id: list.id, data: { problems: [] } });
  ws.reply({ type: "ok", id: gets[0].id, data: { verdict: "AC" } });
  assert.deepEqual(await b, { verdict: "AC" });
  assert.deepEqual(await c, { verdict: "WA" });
  assert.deepEqual(await a, { problems: [] });
  live.ws = null; clearTimeout(live.retryTimer); clearInterval(live.pingTimer);
});

test("backoff grows and is capped at 15 s", () => {
  const live = new Live("ws://x/ws", { WebSocketImpl: FakeWS });
  const delays = [];
  for (let i = 0; i < 10; i++) { live.scheduleRetry("x"); delays.push(live.retryAt - Date.now()); clearTimeout(live.retryTimer); }
  assert.ok(delays[0] <= 500 && delays[3] >= 2000 && delays[9] <= 15000 && delays[9] >= 7500, delays.join(","));
});

test("event ids compare as <ms>-<seq>", () => {
  assert.ok(eventIdAfter("1764100000000-10", "1764100000000-9"));
  assert.ok(!eventIdAfter("1764100000000-1", "1764100000001-0"));
});

/* --- tracker -------------------------------------------------------------- */

test("scoreboard rows re-rank after a pushed row (ICPC and IOI ties)", () => {
  const row = (user_id, solved, penalty, times) => ({ user_id, solved, penalty, score: 0, rank: 0,
    cells: times.map((t) => (t == null ? { solved: false } : { solved: true, time_min: t })) });
  const rows = [row(1, 1, 30, [30, null]), row(2, 2, 100, [40, 60]), row(3, 1, 30, [30, null]), row(4, 2, 100, [20, 70])];
  rankRows(rows, "icpc");
  // Equal solved and penalty: the earlier last solve ranks first (60 < 70).
  assert.deepEqual(rows.map((r) => [r.user_id, r.rank]), [[2, 1], [4, 2], [1, 3], [3, 3]]);
  const ioi = [{ user_id: 5, score: 50 }, { user_id: 6, score: 80 }, { user_id: 7, score: 50 }];
  rankRows(ioi, "ioi");
  assert.deepEqual(ioi.map((r) => [r.user_id, r.rank]), [[6, 1], [5, 2], [7, 2]]);
});
test("contest countdown text", () => {
  assert.equal(fmtCountdown(0), "00:00:00");
  assert.equal(fmtCountdown(1), "00:00:01");
  assert.equal(fmtCountdown(3723000), "01:02:03");
  assert.equal(fmtCountdown(90061000), "1d 01:01:01");
  assert.equal(fmtCountdown(-1), "");
});
test("tracker: progress text, late and replayed events", () => {
  const t = new Tracker();
  t.seed({ id: 5, status: "queued" });
  t.push("judging.state", { submission_id: 5, state: "compiling" });
  assert.equal(progressText(t.get(5)), "compiling");
  t.push("judging.test", { submission_id: 5, test: 3, tests: 8, verdict: "AC" });
  assert.equal(progressText(t.get(5)), "test 3/8 AC");
  t.push("judging.test", { submission_id: 5, test: 2, tests: 8, verdict: "AC" });
  t.push("judging.state", { submission_id: 5, state: "compiling" });
  assert.equal(progressText(t.get(5)), "test 3/8 AC", "older events do not move it back");
  t.seed({ id: 5, status: "queued" });
  assert.equal(progressText(t.get(5)), "test 3/8 AC", "a stale submit reply does not either");
  t.push("judging.verdict", { submission_id: 5, verdict: "WA", max_time_ms: 9, max_memory_kb: 100 });
  t.push("judging.test", { submission_id: 5, test: 4, tests: 8, verdict: "WA" });
  assert.equal(progressText(t.get(5)), "WA");
  assert.equal(t.get(5).results.size, 2);
});

/* --- the organizer console ------------------------------------------------- */

test("console: who sees the Organize link", () => {
  assert.ok(isOrganizer({ role: "organizer" }) && isOrganizer({ role: "admin" }) && isOrganizer({ role: "jury" }));
  assert.ok(!isOrganizer({ role: "contestant" }) && !isOrganizer(null));
});

test("console: a refusal's line selects that line of the definition", () => {
  assert.equal(errorLine("invalid: contest.yaml:5: freeze: unknown key"), 5);
  assert.equal(errorLine("contest.yaml: slug: a contest 'x' exists already"), null);
  const text = "name: X\nslug: x\nfreeze: 1\n";
  assert.deepEqual(lineRange(text, 3), [16, 25]);
  assert.equal(text.slice(...lineRange(text, 3)), "freeze: 1");
  assert.deepEqual(lineRange(text, 99), [26, 26], "past the end: the last (empty) line");
});

test("console: times in definitions", () => {
  assert.equal(isoSeconds(Date.UTC(2026, 11, 5, 18, 0, 7, 950)), "2026-12-05T18:00:07Z");
  assert.equal(hms(35000), "0:00:35");
  assert.equal(hms(5 * 3600 * 1000 + 61000), "5:01:01");
  const t = contestTemplate(Date.UTC(2026, 0, 1, 10, 40));
  assert.match(t, /^start_time: 2026-01-01T12:00:00Z /m, "the next full hour at least 30 min away");
  assert.match(t, /^problems:\n  - slug: /m);
});

test("clarifications: merge keeps the reader's fields, spots new answers", () => {
  let { list, previous } = mergeClar([], { clarification_id: 4, question: "Q?", public: false, mine: true, asked_at_ms: 1 });
  assert.equal(previous, null);
  const push = { clarification_id: 4, question: "Q?", answer: "No.", public: false, asked_at_ms: 1, answered_at_ms: 2 };
  ({ list, previous } = mergeClar(list, push));
  assert.equal(list.length, 1);
  assert.equal(list[0].mine, true, "a push has no 'mine': kept");
  assert.equal(list[0].answer, "No.");
  assert.ok(isNewAnswer(previous, push));
  assert.ok(!isNewAnswer(list[0], push), "the same answer twice is not news");
  assert.ok(isNewAnswer(list[0], { ...push, answer: "No: 1 <= n." }), "a corrected answer is");
  assert.ok(!isNewAnswer(null, { clarification_id: 5, question: "?" }));
  assert.equal(clarSubject({ problem: "B" }), "Problem B");
  assert.equal(clarSubject({}), "General");
});

test("clarifications: the jury's order, unanswered oldest first", () => {
  const list = [
    { clarification_id: 1, question: "a", answer: "x", asked_at_ms: 10, answered_at_ms: 50 },
    { clarification_id: 2, question: "b", asked_at_ms: 30 },
    { clarification_id: 3, answer: "broadcast", answered_at_ms: 60 },
    { clarification_id: 4, question: "c", asked_at_ms: 20 },
  ];
  const { open, done } = juryOrder(list);
  assert.deepEqual(open.map((c) => c.clarification_id), [4, 2]);
  assert.deepEqual(done.map((c) => c.clarification_id), [3, 1]);
});

// A frozen ICPC board of three, and the server's steps for it (cst_reveal:
// lowest row's leftmost pending cell first).
function revealFixture() {
  const cell = (label, o = {}) => ({ label, solved: false, first: false, tries: 0, pending: 0, score: 0, ...o });
  const row = (user_id, username, solved, penalty, cells) => ({ user_id, username, display_name: username, solved, penalty, score: 0, cells });
  const frozen = { scoring: "icpc", penalty_minutes: 20, frozen: true, problems: [{ label: "A", slug: "a" }, { label: "B", slug: "b" }],
    rows: [
      { rank: 1, ...row(1, "alice", 1, 10, [cell("A", { solved: true, first: true, tries: 1, time_min: 10 }), cell("B", { pending: 1 })]) },
      { rank: 2, ...row(2, "bob", 1, 20, [cell("A", { solved: true, tries: 1, time_min: 20 }), cell("B", { tries: 1, pending: 1 })]) },
      { rank: 3, ...row(3, "carol", 0, 0, [cell("A", { pending: 1 }), cell("B")]) },
    ] };
  const steps = [
    { step: 1, user_id: 3, username: "carol", label: "A", before: cell("A", { pending: 1 }),
      after: cell("A", { solved: true, tries: 1, time_min: 150 }), rank_before: 3, rank_after: 3, solved: 1, penalty: 150, score: 0 },
    { step: 2, user_id: 2, username: "bob", label: "B", before: cell("B", { tries: 1, pending: 1 }),
      after: cell("B", { solved: true, first: true, tries: 2, time_min: 160 }), rank_before: 2, rank_after: 1, solved: 2, penalty: 200, score: 0 },
    { step: 3, user_id: 1, username: "alice", label: "B", before: cell("B", { pending: 1 }),
      after: cell("B", { tries: 1 }), rank_before: 2, rank_after: 2, solved: 1, penalty: 10, score: 0 },
  ];
  const final = { ...frozen, frozen: false, rows: [
    { rank: 1, ...row(2, "bob", 2, 200, [cell("A", { solved: true, tries: 1, time_min: 20 }), cell("B", { solved: true, first: true, tries: 2, time_min: 160 })]) },
    { rank: 2, ...row(1, "alice", 1, 10, [cell("A", { solved: true, first: true, tries: 1, time_min: 10 }), cell("B", { tries: 1 })]) },
    { rank: 3, ...row(3, "carol", 1, 150, [cell("A", { solved: true, tries: 1, time_min: 150 }), cell("B")]) },
  ] };
  return { contest_id: 9, frozen, steps, final };
}

test("reveal: each step changes one cell, rows re-rank, the last step is the final board", () => {
  const r = revealFixture();
  let b = boardAt(r, 0);
  assert.deepEqual(b.rows.map((x) => x.username), ["alice", "bob", "carol"]);
  for (const [i, st] of r.steps.entries()) {
    const before = b;
    b = applyStep(b, st);
    const row = b.rows.find((x) => x.user_id === st.user_id);
    assert.equal(row.rank, st.rank_after, `step ${i + 1}: the row's rank is the server's`);
    // Nothing else but that cell changed.
    for (const other of b.rows) {
      const old = before.rows.find((x) => x.user_id === other.user_id);
      other.cells.forEach((c, p) => {
        if (other.user_id === st.user_id && r.frozen.problems[p].label === st.label) assert.deepEqual(c, st.after);
        else assert.deepEqual(c, old.cells[p]);
      });
    }
    assert.deepEqual(boardAt(r, i + 1).rows.map((x) => x.user_id), b.rows.map((x) => x.user_id), "jumping gives the same board");
  }
  // Applied step by step, the boards end where the server's final board is.
  const strip = (board) => board.rows.map(({ user_id, rank, solved, penalty, cells }) => ({ user_id, rank, solved, penalty, cells }));
  assert.deepEqual(strip(b), strip(r.final));
  assert.deepEqual(strip(boardAt(r, r.steps.length)), strip(r.final));
  assert.deepEqual(r.frozen.rows[2].cells[0], { label: "A", solved: false, first: false, tries: 0, pending: 1, score: 0 }, "the input is not modified");
  assert.throws(() => applyStep(b, { ...r.steps[0], user_id: 99 }), /no row/);
});

test("reveal: cell and step text", () => {
  assert.equal(cellText({ solved: true, tries: 1, time_min: 12 }, "icpc"), "+ 12'");
  assert.equal(cellText({ solved: true, tries: 3, time_min: 12 }, "icpc"), "+2 12'");
  assert.equal(cellText({ tries: 2, pending: 1 }, "icpc"), "\u22122 1?");
  assert.equal(cellText({ tries: 2 }, "icpc"), "\u22122");
  assert.equal(cellText({ tries: 1, score: 70 }, "ioi"), "70");
  const st = revealFixture().steps[1];
  assert.equal(stepText(st, "icpc"), "bob: problem B solved at minute 160; climbs from rank 2 to 1.");
});

test("rejudge: the request for each scope, and the report's text", () => {
  assert.deepEqual(rejudgeRequest({ scope: "submission", submission: " 42 " }), { submission: 42 });
  assert.deepEqual(rejudgeRequest({ scope: "problem", contest: "3", problem: " B " }), { contest: 3, problem: "B" });
  assert.deepEqual(rejudgeRequest({ scope: "contest", contest: 3, problem: "ignored" }), { contest: 3 });
  assert.throws(() => rejudgeRequest({ scope: "submission", submission: "x" }), /Submission/);
  assert.throws(() => rejudgeRequest({ scope: "problem", contest: 3, problem: "" }), /Problem/);
  assert.equal(verdictText(null), "pending");
  assert.equal(verdictText("AC", 1), "AC");
  assert.equal(verdictText("PA", 40), "PA (40)");
  assert.equal(standingText({ rank: 3, solved: 2, penalty: 45, score: 0 }, null), "rank 3 \u00b7 2 solved \u00b7 45 min");
  assert.equal(standingText({ rank: 1, solved: 0, penalty: 0, score: 140 }, null), "rank 1 \u00b7 140 points");
  assert.equal(batchWhat({ scope: "contest_problem", problem: "pair-sum", contest_id: 3 }), "problem pair-sum of contest 3");
  assert.equal(batchWhat({ scope: "submission", submission_id: 7 }), "submission #7");
});

test("plag: a cluster's strongest listed pairs", () => {
  const report = { pairs: [{ similarity: 0.5 }, { similarity: 0.9 }, { similarity: 0.7 }, { similarity: 0.9 }] };
  assert.deepEqual(clusterPairs(report, { pairs: [0, 2, 1, 3] }), [1, 3, 2, 0]);
  assert.deepEqual(clusterPairs(report, { pairs: [0, 2, 1, 3] }, 2), [1, 3]);
  // Pairs past the reply's cut, or nonsense, are left out.
  assert.deepEqual(clusterPairs(report, { pairs: [7, -1, 1.5, 2] }), [2]);
  assert.deepEqual(clusterPairs(report, {}), []);
  assert.deepEqual(clusterPairs({}, { pairs: [0] }), []);
});

test("plag: the report request, regions per line, marks", () => {
  assert.deepEqual(plagRequest(3, { problem: " A ", minSimilarity: "30" }), { contest: 3, problem: "A", min_similarity: 0.3 });
  assert.deepEqual(plagRequest(3, { problem: "", minSimilarity: "" }), { contest: 3 });
  assert.throws(() => plagRequest(3, { minSimilarity: "150" }), /Minimum similarity/);
  assert.throws(() => plagRequest(3, { minSimilarity: "x" }), /Minimum similarity/);
  const regions = [{ left: [2, 3], right: [5, 6] }, { left: [3, 9], right: [1, 1] }];
  assert.deepEqual(lineRegions(regions, "left", 5), [-1, 0, 0, 1, 1]);
  assert.deepEqual(lineRegions(regions, "right", 6), [1, -1, -1, -1, 0, 0]);
  assert.deepEqual(lineRegions([], "left", 2), [-1, -1]);
  assert.equal(markText(null), "not reviewed");
  assert.equal(markText({ status: "confirmed", by: "jury" }), "confirmed by jury");
  assert.equal(markText({ status: "cleared", by: null }), "cleared");
  assert.equal(pct(0.875), "87.5%");
});

test("operations: ages and pages", () => {
  assert.equal(fmtAge(4200), "4 s");
  assert.equal(fmtAge(185000), "3 min 5 s");
  assert.equal(fmtAge(2 * 3600000 + 600000), "2 h 10 min");
  assert.equal(fmtAge(null), "\u2014");
  assert.equal(pageCount(0, 50), 1);
  assert.equal(pageCount(101, 50), 3);
});

test("splitSamples cuts the samples section, keeps its prose as notes", () => {
  const md = "# T\n\nText $n$.\n\n## Samples\n\nInput:\n\n```\n1 2\n## not a heading\n```\n\nOutput:\n\n```\n3\n```\n\nAny order is fine.\n\n## Notes\n\nAfter.";
  const { body, notes } = splitSamples(md);
  assert.equal(notes, "Any order is fine.");
  assert.ok(body.includes("Text $n$.") && body.includes("## Notes\n\nAfter."), body);
  assert.ok(!body.includes("1 2") && !body.includes("Output:"), body);
  assert.deepEqual(splitSamples("# T\n\nno samples"), { body: "# T\n\nno samples", notes: "" });
  const fenced = splitSamples("```\n## Samples\n```\nx");
  assert.ok(fenced.body.includes("## Samples"), "a heading inside code is not one");
  assert.equal(splitSamples("### Example\n\nSample input 1:\n```\nx\n```\n# Next\nk").body, "# Next\nk");
});
test("stripTitle drops only a first heading that repeats the name", () => {
  assert.equal(stripTitle("# Pair Sum\n\nText", "Pair Sum"), "\nText");
  assert.equal(stripTitle("# Other\n\nText", "Pair Sum"), "# Other\n\nText");
  assert.equal(stripTitle("Text\n# Pair Sum", "Pair Sum"), "Text\n# Pair Sum");
});

test("board helpers: pages, colours", () => {
  assert.equal(pageOf(0), 1);
  assert.equal(pageOf(PAGE_SIZE - 1), 1);
  assert.equal(pageOf(PAGE_SIZE), 2);
  assert.equal(pagesFor(0), 1);
  assert.equal(pagesFor(10000), Math.ceil(10000 / PAGE_SIZE));
  assert.equal(safeColor("#a1B2c3"), "#a1B2c3");
  assert.equal(safeColor("red; background:url(x)"), null);
  assert.equal(safeColor(undefined), null);
  assert.equal(textOn("#ffffff"), "#000000");
  assert.equal(textOn("#1e2a78"), "#ffffff");
});
test("rankRows ranks 10 000 rows quickly and keeps ties", () => {
  const rows = [];
  for (let u = 1; u <= 10000; u++) rows.push({ user_id: u, solved: u % 7, penalty: u % 13, cells: [] });
  const t = performance.now();
  rankRows(rows, "icpc");
  rows[9999] = { ...rows[9999], solved: 99 };
  rankRows(rows, "icpc");
  const ms = performance.now() - t;
  assert.equal(rows[0].solved, 99);
  assert.equal(rows[0].rank, 1);
  assert.ok(rows.every((r, i) => i === 0 || r.rank >= rows[i - 1].rank));
  assert.ok(ms < 2000, `${ms} ms`);
});
test("placeRow moves one row and re-ranks as a full sort would", () => {
  const mk = (u, solved, penalty) => ({ user_id: u, solved, penalty, cells: [] });
  const rows = rankRows([mk(1, 3, 10), mk(2, 2, 5), mk(3, 2, 5), mk(4, 1, 0), mk(5, 0, 0)], "icpc");
  assert.deepEqual(rows.map((r) => r.rank), [1, 2, 2, 4, 5]);
  placeRow(rows, mk(5, 2, 5), "icpc");
  assert.deepEqual(rows.map((r) => `${r.user_id}:${r.rank}`), ["1:1", "2:2", "3:2", "5:2", "4:5"]);
  placeRow(rows, mk(1, 0, 0), "icpc");
  assert.deepEqual(rows.map((r) => `${r.user_id}:${r.rank}`), ["2:1", "3:1", "5:1", "4:4", "1:5"]);
  placeRow(rows, mk(6, 9, 0), "icpc");
  assert.deepEqual(rows.map((r) => `${r.user_id}:${r.rank}`), ["6:1", "2:2", "3:2", "5:2", "4:5", "1:6"]);
  const sorted = rankRows(rows.map((r) => ({ ...r })), "icpc");
  assert.deepEqual(sorted.map((r) => `${r.user_id}:${r.rank}`), rows.map((r) => `${r.user_id}:${r.rank}`));
});

test("placeRow in a window of the board ranks from the rows above it", () => {
  const mk = (u, solved, penalty) => ({ user_id: u, solved, penalty, cells: [] });
  // Rows 101..103 of a board (a page fetched with contest.board_window).
  const rows = [mk(7, 3, 10), mk(8, 2, 5), mk(9, 1, 0)];
  rows.forEach((r, i) => { r.rank = 101 + i; });
  placeRow(rows, mk(9, 2, 5), "icpc", 100);
  assert.deepEqual(rows.map((r) => `${r.user_id}:${r.rank}`), ["7:101", "8:102", "9:102"]);
  placeRow(rows, mk(8, 0, 0), "icpc", 100);
  assert.deepEqual(rows.map((r) => `${r.user_id}:${r.rank}`), ["7:101", "9:102", "8:103"]);
});

/* --- drafts and the submission page ---------------------------------------- */

// localStorage's shape over a Map.
function memStore() {
  const m = new Map();
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
    key: (i) => [...m.keys()][i] ?? null,
    get length() { return m.size; },
  };
}

test("drafts: one per problem and language, empty removes, oldest pruned", () => {
  const s = memStore();
  assert.equal(loadDraft("pair-sum", "cpp", s), null);
  assert.ok(saveDraft("pair-sum", "cpp", "int main(){}", s));
  saveDraft("pair-sum", "python", "print(1)", s);
  assert.equal(loadDraft("pair-sum", "cpp", s), "int main(){}");
  assert.equal(loadDraft("pair-sum", "python", s), "print(1)");
  assert.equal(loadDraft("circle-area", "cpp", s), null);
  saveDraft("pair-sum", "cpp", "", s);
  assert.equal(loadDraft("pair-sum", "cpp", s), null);
  assert.notEqual(draftKey("a.b", "c"), draftKey("a", "b.c"));
  s.setItem(draftKey("x", "c"), "{not json");
  assert.equal(loadDraft("x", "c", s), null);
  for (let i = 0; i < MAX_DRAFTS + 5; i++) saveDraft(`p${i}`, "c", `v${i}`, s, 1000 + i);
  assert.ok(s.length <= MAX_DRAFTS, `${s.length} drafts`);
  assert.equal(loadDraft(`p${MAX_DRAFTS + 4}`, "c", s), `v${MAX_DRAFTS + 4}`);
  assert.equal(loadDraft("p0", "c", s), null);
  const full = { ...memStore(), setItem() { throw new Error("QuotaExceededError"); } };
  assert.equal(saveDraft("a", "c", "x", full), false);
});

test("testRows: stored rows, live results ahead of them, sample data only for samples", () => {
  const t = new Tracker();
  t.push("judging.test", { submission_id: 5, test: 1, tests: 4, verdict: "AC", cpu_ms: 3, memory_kb: 900 });
  t.push("judging.test", { submission_id: 5, test: 3, tests: 4, verdict: "WA", cpu_ms: 7, memory_kb: 950 });
  let rows = testRows(t.get(5), [], new Map());
  assert.equal(rows.length, 4);
  assert.deepEqual(rows.map((r) => r.verdict), ["AC", null, "WA", null]);
  assert.equal(rows[2].cpuMs, 7);
  const samples = new Map([["1", { input: "1\n", answer: "3.14\n" }], ["big", { input: "x", answer: "y" }]]);
  const stored = [
    { test: 1, name: "1", sample: true, verdict: "AC", cpu_ms: 3, wall_ms: 5, memory_kb: 900 },
    { test: 2, name: "big", sample: false, verdict: "AC", cpu_ms: 4, wall_ms: 6, memory_kb: 901 },
  ];
  rows = testRows(t.get(5), stored, samples);
  assert.equal(rows[0].input, "1\n");
  assert.equal(rows[0].answer, "3.14\n");
  assert.equal(rows[1].input, null, "a secret test never shows data, even under a sample's name");
  assert.equal(rows[1].wallMs, 6);
  assert.equal(rows[2].verdict, "WA");
  assert.deepEqual(testRows(null, [], new Map()), []);
});

for (const [name, fn] of tests) {
  try {
    await fn();
    n++;
    console.log(`ok - ${name}`);
  } catch (err) {
    console.log(`not ok - ${name}\n${err.stack}`);
    process.exit(1);
  }
}
console.log(`${n} passed`);
process.exit(0);
