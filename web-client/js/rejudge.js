// SPDX-License-Identifier: MIT
// Rejudges in the console: start one (a submission, a problem of a contest,
// or a whole contest), the list of batches, and a batch's report: which
// verdicts changed (old -> new) and the board rows whose standing changed,
// refreshed while submissions are still being judged again.

import { h, clear, errorBox } from "./dom.js";
import { loading } from "./views.js";
import { orgFrame, orgError } from "./org.js";

const REFRESH_MS = 2000;

/* --- pure helpers (tests/browser/unit.mjs) --------------------------------- */

// The request for the form's choice; throws an Error naming what is missing.
export function rejudgeRequest({ scope, submission, contest, problem }) {
  const num = (v, what) => {
    const n = Number(String(v ?? "").trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: a positive number is needed`);
    return n;
  };
  if (scope === "submission") return { submission: num(submission, "Submission") };
  const r = { contest: num(contest, "Contest") };
  if (scope === "problem") {
    const p = String(problem ?? "").trim();
    if (!p) throw new Error("Problem: give its label or slug");
    r.problem = p;
  }
  return r;
}

// "AC", "WA", "PA (40)" or "pending". Pass/fail problems score 0 or 1,
// which says nothing the verdict does not.
export function verdictText(verdict, score) {
  if (!verdict) return "pending";
  return score != null && score !== 0 && score !== 1 ? `${verdict} (${score})` : verdict;
}

// A standing as one line: "rank 3 · 2 solved · 45 min" (ICPC) or "rank 3 · 140 points".
export function standingText(st, scoring) {
  if (!st) return "\u2014";
  // The report does not name the scoring: points show when there are any.
  return scoring === "ioi" || (scoring == null && st.score) ? `rank ${st.rank} \u00b7 ${st.score} points`
    : `rank ${st.rank} \u00b7 ${st.solved} solved \u00b7 ${st.penalty} min`;
}

export function batchWhat(b) {
  if (b.scope === "submission") return `submission #${b.submission_id}`;
  if (b.scope === "contest_problem") return `problem ${b.problem} of contest ${b.contest_id}`;
  if (b.scope === "problem") return `problem ${b.problem}`;
  return `contest ${b.contest_id}`;
}

/* --- the start form and the list -------------------------------------------- */

export function rejudgesView(ctx, main, params) {
  const contest = Number(params.get("contest")) || null;
  const body = orgFrame(main, contest ? `Rejudges \u00b7 contest ${contest}` : "Rejudges", "rejudges");
  let alive = true;

  const radios = ["submission", "problem", "contest"].map((v) => h("input", { type: "radio", name: "rj-scope",
    id: `rj-scope-${v}`, value: v, checked: v === (contest ? "problem" : "submission") }));
  const label = { submission: "One submission", problem: "A problem of a contest", contest: "A whole contest" };
  const sub = h("input", { id: "rj-submission", type: "number", min: 1, inputmode: "numeric" });
  const cont = h("input", { id: "rj-contest", type: "number", min: 1, inputmode: "numeric", value: contest ?? "" });
  const prob = h("input", { id: "rj-problem", placeholder: "A or pair-sum" });
  const msg = h("div", { class: "form-msg", "aria-live": "polite" });
  const go = h("button", { type: "submit", id: "rj-start" }, "Rejudge");
  const fields = {
    submission: h("div", { class: "field" }, h("label", { for: "rj-submission" }, "Submission id"), sub),
    contest: h("div", { class: "field" }, h("label", { for: "rj-contest" }, "Contest id"), cont),
    problem: h("div", { class: "field" }, h("label", { for: "rj-problem" }, "Problem (label or slug)"), prob),
  };
  const scope = () => radios.find((r) => r.checked).value;
  const showFields = () => {
    const s = scope();
    fields.submission.hidden = s !== "submission";
    fields.contest.hidden = s === "submission";
    fields.problem.hidden = s !== "problem";
  };
  for (const r of radios) r.addEventListener("change", showFields);
  showFields();
  const form = h("form", { class: "filters rejudge-form", "aria-labelledby": "rj-title", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(msg);
    let req;
    try {
      req = rejudgeRequest({ scope: scope(), submission: sub.value, contest: cont.value, problem: prob.value });
    } catch (err) {
      clear(msg, errorBox(err));
      return;
    }
    go.disabled = true;
    try {
      const r = await ctx.live.request("rejudge", req);
      ctx.notice(`Rejudge ${r.rejudge_id}: ${r.submissions} submission${r.submissions === 1 ? "" : "s"} queued again.`);
      location.hash = `#/org/rejudge/${r.rejudge_id}`;
    } catch (err) {
      clear(msg, errorBox(err, "Not rejudged"));
    } finally {
      go.disabled = false;
    }
  } },
    h("fieldset", { class: "scope" }, h("legend", {}, "What to judge again"),
      radios.map((r) => h("label", { for: r.id, class: "check" }, r, ` ${label[r.value]}`))),
    fields.submission, fields.contest, fields.problem, h("div", { class: "field actions" }, go));

  const listBox = h("div", { id: "rj-list" }, loading("the rejudges"));
  clear(body, h("h3", { id: "rj-title" }, "Start a rejudge"),
    h("p", { class: "muted" }, "Submissions are judged again at the lowest priority; the new verdict replaces the old one and the board follows."),
    form, msg, h("h3", {}, "Batches"), listBox);

  ctx.live.request("rejudges.list", contest ? { contest } : {}).then((data) => {
    if (!alive) return;
    const rows = data.rejudges || [];
    if (!rows.length) { clear(listBox, h("p", { class: "empty" }, "No rejudges yet.")); return; }
    clear(listBox, h("div", { class: "table-wrap" }, h("table", { class: "rejudges" },
      h("thead", {}, h("tr", {}, ["#", "What", "Requested", "By", "Done", "Changed"].map((t) =>
        h("th", { scope: "col", class: ["#", "Done", "Changed"].includes(t) ? "num" : null }, t)))),
      h("tbody", {}, rows.map((b) => h("tr", { dataset: { rejudge: b.rejudge_id } },
        h("td", { class: "num" }, h("a", { href: `#/org/rejudge/${b.rejudge_id}` }, b.rejudge_id)),
        h("td", {}, h("a", { href: `#/org/rejudge/${b.rejudge_id}` }, batchWhat(b))),
        h("td", {}, new Date(b.created_at_ms).toLocaleString()),
        h("td", {}, b.requested_by?.username || b.origin || ""),
        h("td", { class: "num" }, `${b.counts.done}/${b.counts.submissions}`),
        h("td", { class: "num" }, b.counts.changed)))))));
  }).catch((err) => { if (alive) orgError(ctx, listBox, err, "the rejudges"); });
  return () => { alive = false; };
}

/* --- one batch's report ------------------------------------------------------- */

function changesTable(rows, scoring, caption) {
  if (!rows || !rows.length) return h("p", { class: "empty" }, `${caption}: no row changed.`);
  return h("div", { class: "table-wrap" }, h("table", { class: "board-changes" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Contestant"), h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"))),
    h("tbody", {}, rows.map((r) => h("tr", { dataset: { user: r.user_id } },
      h("td", {}, r.display_name || r.username),
      h("td", {}, standingText(r.before, scoring)),
      h("td", {}, standingText(r.after, scoring)))))));
}

export function rejudgeReportView(ctx, main, id) {
  const body = orgFrame(main, `Rejudge ${id}`, "rejudges", h("p", {}, h("a", { href: "#/org/rejudges" }, "\u2190 All rejudges")));
  clear(body, loading("the report"));
  let alive = true;
  let timer = null;

  const draw = (r) => {
    const c = r.counts;
    const pending = c.pending > 0;
    const scoring = null;
    const subs = r.submissions || [];
    clear(body,
      h("p", { id: "rj-summary", role: "status" }, h("strong", {}, batchWhat(r)), ` \u00b7 ${c.done} of ${c.submissions} judged again \u00b7 `,
        h("strong", {}, `${c.changed} verdict${c.changed === 1 ? "" : "s"} changed`),
        pending ? h("span", { class: "progress" }, " \u00b7 ", h("span", { class: "spinner", "aria-hidden": "true" }), " still judging, refreshing") : " \u00b7 complete"),
      h("h3", {}, "Verdicts"),
      subs.length ? h("div", { class: "table-wrap" }, h("table", { class: "rejudge-items" },
        h("thead", {}, h("tr", {}, ["Submission", "Contestant", "Problem", "Old", "", "New"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, subs.map((s) => h("tr", { class: s.changed ? "changed" : null, dataset: { submission: s.submission_id, status: s.status } },
          h("td", {}, `#${s.submission_id}`),
          h("td", {}, s.username),
          h("td", {}, s.label ? `${s.label} (${s.problem})` : s.problem),
          h("td", {}, h("span", { class: `verdict v-${s.old_verdict || "none"}` }, verdictText(s.old_verdict, s.old_score))),
          h("td", { "aria-label": "to" }, "\u2192"),
          h("td", {}, h("span", { class: `verdict v-${s.new_verdict || "none"}` }, verdictText(s.new_verdict, s.new_score)),
            s.changed ? h("strong", { class: "changed-mark" }, " changed") : "")))))) : h("p", { class: "empty" }, "No submissions."),
      r.board ? [
        h("h3", {}, "Board changes"),
        changesTable(r.board.public, scoring, "Public board (what contestants see; the freeze may hide some)"),
        changesTable(r.board.jury, scoring, "Jury board"),
      ] : null);
    clearTimeout(timer);
    if (pending) timer = setTimeout(load, REFRESH_MS);
  };

  const load = () => ctx.live.request("rejudge.report", { rejudge: id }).then((r) => { if (alive) draw(r); })
    .catch((err) => { if (alive) orgError(ctx, body, err, `rejudge ${id}`); });
  load();
  return () => { alive = false; clearTimeout(timer); };
}
