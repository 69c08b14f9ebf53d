// SPDX-License-Identifier: MIT
// Clarifications: the contestant's panel on the contest page (ask, read
// one's own and the public ones, answers pushed live) and the jury's queue
// in the console (unanswered first, answer privately or to everyone,
// broadcast). Both start from the contest snapshot's `clarifications` and
// keep the newest state per clarification_id from `contest.clarification`
// pushes (docs/PROTOCOL.md).

import { h, clear, errorBox } from "./dom.js";
import { loading } from "./views.js";
import { orgFrame, orgError, phaseBadge } from "./org.js";
import { unsubscribe } from "./contests.js";

export const CLAR_TEXT_MAX = 2000;

/* --- pure helpers (tests/browser/unit.mjs) --------------------------------- */

// Upserts `c` into `list` (by clarification_id) and returns
// {list, previous}. A push lacks the reader-specific `mine`, so fields the
// push does not carry are kept from the state we had.
export function mergeClar(list, c) {
  const at = list.findIndex((x) => x.clarification_id === c.clarification_id);
  const previous = at >= 0 ? list[at] : null;
  const merged = { ...(previous || {}), ...c };
  const out = list.slice();
  if (at >= 0) out[at] = merged; else out.push(merged);
  return { list: out, previous };
}

// True when this state of a clarification brings an answer the reader had
// not seen (a first answer, or a corrected one).
export function isNewAnswer(previous, c) {
  return !!c.answer && (!previous || previous.answer !== c.answer);
}

export const isOpen = (c) => !!c.question && !c.answer;

// The jury's order: unanswered questions oldest first (who waited longest
// on top), then everything answered or broadcast, newest first.
export function juryOrder(list) {
  const open = list.filter(isOpen).sort((a, b) => (a.asked_at_ms ?? 0) - (b.asked_at_ms ?? 0) || a.clarification_id - b.clarification_id);
  const done = list.filter((c) => !isOpen(c)).sort((a, b) =>
    (b.answered_at_ms ?? b.asked_at_ms ?? 0) - (a.answered_at_ms ?? a.asked_at_ms ?? 0) || b.clarification_id - a.clarification_id);
  return { open, done };
}

// What a clarification is about: "Problem A" or "General".
export const clarSubject = (c) => (c.problem ? `Problem ${c.problem}` : "General");

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "");

// One clarification as text blocks (question, answer) for either side.
function clarBody(c, { jury = false } = {}) {
  const tags = [h("span", { class: "clar-subject" }, clarSubject(c))];
  if (!c.question) tags.push(h("span", { class: "badge clar-tag" }, "broadcast"));
  else if (c.public) tags.push(h("span", { class: "badge clar-tag" }, "public"));
  else tags.push(h("span", { class: "badge clar-tag private" }, jury || c.mine ? "private" : ""));
  if (jury && c.user_id) tags.push(h("span", { class: "muted" }, c.username || `user #${c.user_id}`));
  if (c.mine) tags.push(h("span", { class: "muted" }, "your question"));
  return [
    h("div", { class: "clar-meta" }, tags, h("time", { class: "muted" }, time(c.asked_at_ms || c.answered_at_ms))),
    c.question ? h("p", { class: "clar-q" }, h("span", { class: "sr-only" }, "Question: "), c.question) : null,
    c.answer ? h("p", { class: "clar-a" }, h("strong", {}, c.question ? "Answer: " : "Announcement: "), c.answer)
      : h("p", { class: "clar-a muted" }, "Not answered yet."),
  ];
}

function problemSelect(id, problems, { withGeneral = true } = {}) {
  return h("select", { id },
    withGeneral ? h("option", { value: "" }, "General (the whole contest)") : null,
    (problems || []).map((p) => h("option", { value: p.label }, `Problem ${p.label}${p.slug ? ` (${p.slug})` : ""}`)));
}

/* --- the contestant's panel ------------------------------------------------- */

// A panel that lives as long as the contest page: the page keeps the element
// across redraws (so a question being typed survives pushes) and calls
// update() with each snapshot and push() with each clarification event.
export function clarPanel(ctx, contestId) {
  let list = [];
  let problems = [];
  let canAsk = false;
  const fresh = new Set();
  const items = h("ul", { class: "clar-list", id: "clar-list" });
  const news = h("p", { class: "clar-news", id: "clar-news", role: "status", "aria-live": "polite" });
  const select = problemSelect("clar-problem", []);
  const text = h("textarea", { id: "clar-text", rows: 3, maxlength: CLAR_TEXT_MAX, required: true });
  const msg = h("div", { class: "form-msg", "aria-live": "polite" });
  const ask = h("button", { type: "submit", id: "clar-ask" }, "Ask");
  const form = h("form", { class: "clar-form", "aria-labelledby": "clar-form-title", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(msg);
    const t = text.value.trim();
    if (!t) { clear(msg, errorBox("Write a question first.")); return; }
    ask.disabled = true;
    try {
      const fields = { contest: contestId, text: t };
      if (select.value) fields.problem = select.value;
      const r = await ctx.live.request("clar.ask", fields);
      text.value = "";
      clear(msg, h("p", { class: "ok" }, "Sent. The answer appears here as soon as the jury gives it."));
      // The push may have come first (without `mine`, which is the
      // reader's); else show the question now, unanswered.
      const known = list.some((c) => c.clarification_id === r.clarification_id);
      list = mergeClar(list, known ? { clarification_id: r.clarification_id, mine: true }
        : { clarification_id: r.clarification_id, problem: fields.problem, public: false,
          question: t, asked_at_ms: Date.now(), mine: true }).list;
      draw();
    } catch (err) {
      clear(msg, errorBox(err, "Not sent"));
    } finally {
      ask.disabled = false;
    }
  } },
    h("h4", { id: "clar-form-title" }, "Ask the jury"),
    h("div", { class: "field" }, h("label", { for: "clar-problem" }, "About"), select),
    h("div", { class: "field" }, h("label", { for: "clar-text" }, "Question"), text),
    h("div", { class: "actions" }, ask), msg);
  const el = h("section", { class: "card clar-panel", "aria-labelledby": "clar-title" },
    h("h3", { id: "clar-title" }, "Clarifications"), news, form, items);

  function draw() {
    form.hidden = !canAsk;
    const shown = [...list].sort((a, b) => b.clarification_id - a.clarification_id);
    if (!shown.length) { clear(items, h("li", { class: "empty" }, "No clarifications yet.")); return; }
    clear(items, shown.map((c) => h("li", { class: `clar${fresh.has(c.clarification_id) ? " fresh" : ""}`,
      dataset: { clar: c.clarification_id, answered: c.answer ? "yes" : "no" } }, clarBody(c))));
  }

  return {
    el,
    // From each snapshot: the list as the server has it, the problem set,
    // and whether this reader may ask now (registered, running).
    update(snapshot, { registered, phase, signedIn, jury }) {
      list = (snapshot || []).slice();
      canAsk = signedIn && registered && !jury && (phase === "running" || phase === "frozen");
      draw();
    },
    setProblems(ps) {
      problems = ps || [];
      const keep = select.value;
      clear(select, [...problemSelect("x", problems).children]);
      select.value = keep;
    },
    push(data) {
      const { list: next, previous } = mergeClar(list, data);
      list = next;
      if (isNewAnswer(previous, data)) {
        fresh.add(data.clarification_id);
        const mine = previous?.mine || data.mine;
        clear(news, h("strong", {}, mine ? "The jury answered your question: " : "New clarification: "), data.answer);
        ctx.notice?.(`${mine ? "Your question was answered" : "New clarification"} (${clarSubject(data)}).`);
      }
      draw();
    },
  };
}

/* --- the jury's queue ------------------------------------------------------- */

export function juryClarView(ctx, main, id) {
  const body = orgFrame(main, `Clarifications \u00b7 contest ${id}`, "contests",
    h("p", {}, h("a", { href: `#/org/contest/${id}` }, "\u2190 Contest ", id)));
  clear(body, loading("the clarifications"));
  let alive = true;
  let list = [];
  let problems = [];
  const nodes = new Map(); // clarification_id -> {li, view}
  const openList = h("ol", { class: "clar-list", id: "clar-open" });
  const doneList = h("ol", { class: "clar-list", id: "clar-done" });
  const counts = h("p", { class: "muted", id: "clar-counts", role: "status" });
  const head = h("p", {});

  function answerForm(c) {
    const fid = `ans-${c.clarification_id}`;
    const area = h("textarea", { id: fid, rows: 2, maxlength: 2000, required: true });
    const pub = h("input", { type: "checkbox", id: `${fid}-public` });
    const msg = h("span", { role: "status" });
    const btn = h("button", { type: "submit" }, "Answer");
    return h("form", { class: "clar-answer", onsubmit: async (ev) => {
      ev.preventDefault();
      if (!area.value.trim()) return;
      btn.disabled = true;
      clear(msg);
      try {
        await ctx.live.request("clar.answer", { clarification: c.clarification_id, text: area.value.trim(), public: pub.checked });
        area.value = "";
        clear(msg, h("span", { class: "ok" }, "Sent."));
      } catch (err) {
        clear(msg, errorBox(err, "Not answered"));
      } finally {
        btn.disabled = false;
      }
    } },
      h("label", { for: fid }, c.answer ? "Correct the answer" : "Answer"), area,
      h("div", { class: "actions" },
        h("label", { for: `${fid}-public`, class: "check" }, pub, " To everyone (the question becomes public)"), btn, msg));
  }

  // Updates one item in place, so a half-written answer elsewhere survives.
  function place(c) {
    let n = nodes.get(c.clarification_id);
    const open = isOpen(c);
    if (!n) {
      const view = h("div", { class: "clar-view" });
      const li = h("li", { class: "clar", dataset: { clar: c.clarification_id } }, view);
      n = { li, view, form: null, open: null };
      nodes.set(c.clarification_id, n);
    }
    clear(n.view, clarBody(c, { jury: true }));
    n.li.dataset.answered = open ? "no" : "yes";
    if (c.question && !n.form) {
      n.form = open ? answerForm(c) : h("details", {}, h("summary", {}, "Answer again"), answerForm(c));
      n.li.append(n.form);
    }
    if (n.open !== open) {
      // Moved between the lists: waiting ones at the end (oldest on top),
      // answered ones on top (newest first).
      if (open) openList.append(n.li);
      else {
        if (n.form && n.open === true) { n.form.remove(); n.form = h("details", {}, h("summary", {}, "Answer again"), answerForm(c)); n.li.append(n.form); }
        doneList.prepend(n.li);
      }
      n.open = open;
    }
  }

  function drawCounts() {
    const { open, done } = juryOrder(list);
    counts.textContent = `${open.length} waiting for an answer \u00b7 ${done.length} answered or broadcast`;
    openList.hidden = !open.length;
  }

  function broadcastForm() {
    const sel = problemSelect("bc-problem", problems);
    const area = h("textarea", { id: "bc-text", rows: 2, maxlength: 2000, required: true });
    const msg = h("span", { role: "status" });
    const btn = h("button", { type: "submit", id: "bc-send" }, "Broadcast");
    return h("form", { class: "clar-form", onsubmit: async (ev) => {
      ev.preventDefault();
      if (!area.value.trim()) return;
      btn.disabled = true;
      clear(msg);
      try {
        const fields = { contest: id, text: area.value.trim() };
        if (sel.value) fields.problem = sel.value;
        await ctx.live.request("clar.broadcast", fields);
        area.value = "";
        clear(msg, h("span", { class: "ok" }, "Broadcast sent."));
      } catch (err) {
        clear(msg, errorBox(err, "Not sent"));
      } finally {
        btn.disabled = false;
      }
    } },
      h("h3", {}, "Broadcast to everyone"),
      h("div", { class: "field" }, h("label", { for: "bc-problem" }, "About"), sel),
      h("div", { class: "field" }, h("label", { for: "bc-text" }, "Text"), area),
      h("div", { class: "actions" }, btn, msg));
  }

  const onPush = (ev) => {
    const { event, data } = ev.detail;
    if (!alive || event !== "contest.clarification" || data?.contest_id !== id) return;
    list = mergeClar(list, data).list;
    place(list.find((c) => c.clarification_id === data.clarification_id));
    drawCounts();
  };
  ctx.live.addEventListener("push", onPush);

  // contest.definition first: it is for organizers only, so anyone else
  // gets the server's refusal here rather than the public clarifications.
  // Then the contest subscription: its snapshot the list, and the jury's pushes.
  ctx.live.request("contest.definition", { contest: id })
    .then(() => ctx.live.request("subscribe", { topic: "contest", contest: id })).then((snap) => {
    if (!alive) return;
    if (!snap.clarifications) throw Object.assign(new Error("the snapshot has no clarifications"), { code: "internal" });
    problems = snap.scoreboard?.problems || [];
    for (const c of snap.clarifications) list = mergeClar(list, c).list;
    clear(head, h("strong", {}, snap.contest.title), " ", phaseBadge(snap.contest.phase));
    const { open, done } = juryOrder(list);
    for (const c of open) place(c);
    for (const c of [...done].reverse()) place(c);
    drawCounts();
    clear(body, head, counts,
      h("h3", {}, "Waiting for an answer"), openList,
      h("h3", {}, "Answered and broadcast"), doneList,
      broadcastForm());
  }).catch((err) => { if (alive) orgError(ctx, body, err, "the clarifications"); });

  return () => { alive = false; ctx.live.removeEventListener("push", onPush); unsubscribe(ctx, { topic: "contest", contest: id }); };
}
