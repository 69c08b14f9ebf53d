// SPDX-License-Identifier: MIT
// Live judging state per submission, fed by the pushes
// (judging.state / judging.test / judging.verdict) and by fetched rows.

import { h, fmtMs, fmtKb } from "./dom.js";

export const VERDICT_NAMES = {
  AC: "Accepted",
  WA: "Wrong answer",
  TLE: "Time limit exceeded",
  MLE: "Memory limit exceeded",
  RE: "Run-time error",
  CE: "Compilation error",
  OLE: "Output limit exceeded",
  JE: "Judging error",
};

const STATUS_RANK = { queued: 0, compiling: 1, running: 2, judged: 3 };
const num = (v) => (v === null || v === undefined || v === "" ? null : Number(v));

export class Tracker {
  constructor() {
    this.entries = new Map();
    this.listeners = new Set();
  }

  get(id) {
    return this.entries.get(Number(id)) || null;
  }

  entry(id) {
    id = Number(id);
    let e = this.entries.get(id);
    if (!e) {
      e = { id, status: "queued", test: null, tests: null, lastTestVerdict: null, results: new Map(),
            verdict: null, score: null, maxTimeMs: null, maxMemoryKb: null, history: [] };
      this.entries.set(id, e);
    }
    return e;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(e) {
    for (const fn of this.listeners) {
      try { fn(e); } catch (err) { console.error(err); }
    }
  }

  // A row from submit, submissions.mine or submission.get.
  seed(row) {
    if (!row) return null;
    const id = row.id ?? row.submission_id;
    if (id == null) return null;
    const e = this.entry(id);
    if (row.problem != null) e.problem = row.problem;
    if (row.language != null) e.language = row.language;
    if (row.created_at != null) e.createdAt = row.created_at;
    if (typeof row.compile_output === "string") e.compileOutput = row.compile_output;
    if (e.verdict) {
      // Final already (pushes won the race): only fill in the details.
    } else if (row.verdict) {
      e.status = "judged";
      e.verdict = row.verdict;
      e.score = num(row.score);
      e.maxTimeMs = num(row.max_time_ms);
      e.maxMemoryKb = num(row.max_memory_kb);
    } else if (row.status && (STATUS_RANK[row.status] ?? 0) >= (STATUS_RANK[e.status] ?? 0)) {
      e.status = row.status;
    }
    if (Array.isArray(row.tests)) {
      row.tests.forEach((t, i) => {
        const n = num(t.test ?? t.ordinal ?? t.index) ?? i + 1;
        if (t.verdict) e.results.set(n, { verdict: t.verdict, cpuMs: num(t.cpu_ms), memoryKb: num(t.memory_kb) });
      });
      if (!e.tests && row.tests.length) e.tests = num(row.ntests) ?? row.tests.length;
    }
    this.emit(e);
    return e;
  }

  push(event, data) {
    const id = data?.submission_id;
    if (id == null) return;
    const e = this.entry(id);
    if (e.verdict && event !== "judging.verdict") return; // late progress after the verdict
    if (event === "judging.state") {
      // A replayed older state never moves the status backwards.
      if (e.test == null && (STATUS_RANK[data.state] ?? 0) >= (STATUS_RANK[e.status] ?? 0)) e.status = data.state || e.status;
    } else if (event === "judging.test") {
      const i = num(data.test);
      e.status = "running";
      e.tests = num(data.tests) ?? e.tests;
      if (i != null && (e.test == null || i >= e.test)) {
        e.test = i;
        e.lastTestVerdict = data.verdict || null;
      }
      if (i != null) e.results.set(i, { verdict: data.verdict, cpuMs: num(data.cpu_ms), memoryKb: num(data.memory_kb) });
    } else if (event === "judging.verdict") {
      e.status = "judged";
      e.verdict = data.verdict;
      e.score = num(data.score);
      e.maxTimeMs = num(data.max_time_ms);
      e.maxMemoryKb = num(data.max_memory_kb);
    } else {
      return;
    }
    e.history.push(progressText(e));
    this.emit(e);
  }
}

// "queued", "compiling", "test 3/8 AC", "AC" ...
export function progressText(e) {
  if (!e) return "";
  if (e.verdict) return e.verdict;
  if (e.status === "running" && e.test != null) {
    return `test ${e.test}/${e.tests ?? "?"}${e.lastTestVerdict ? ` ${e.lastTestVerdict}` : ""}`;
  }
  return e.status || "queued";
}

export function verdictBadge(verdict) {
  if (!verdict) return null;
  return h("abbr", { class: `verdict v-${verdict}`, title: VERDICT_NAMES[verdict] || verdict }, verdict);
}

// The status cell/panel of one submission.
export function judgingView(e, { detailed = false } = {}) {
  const root = h("div", { class: "judging", dataset: { submission: e.id, status: e.status } });
  if (e.verdict) {
    root.dataset.verdict = e.verdict;
    root.append(verdictBadge(e.verdict));
    const name = VERDICT_NAMES[e.verdict];
    if (detailed && name) root.append(h("span", { class: "verdict-name" }, name));
    if (e.verdict !== "AC" && e.test != null && e.lastTestVerdict && e.lastTestVerdict !== "AC") {
      root.append(h("span", { class: "muted" }, ` on test ${e.test}`));
    }
    if (e.verdict !== "CE" && (e.maxTimeMs != null || e.maxMemoryKb != null)) {
      root.append(h("span", { class: "usage" }, `${fmtMs(e.maxTimeMs)} \u00b7 ${fmtKb(e.maxMemoryKb)}`));
    }
  } else {
    root.append(h("span", { class: "progress", dataset: { progress: "" } },
      h("span", { class: "spinner", "aria-hidden": "true" }), progressText(e)));
  }
  if (detailed) {
    const chips = [];
    const n = Math.max(e.tests || 0, ...e.results.keys());
    for (let i = 1; i <= n; i++) {
      const r = e.results.get(i);
      const label = r ? `test ${i}/${n} ${r.verdict}` : `test ${i}/${n} ${e.verdict ? "not run" : "not run yet"}`;
      chips.push(h("li", { class: `chip ${r ? `v-${r.verdict}` : "pending"}`, title: r ? `${label}, ${fmtMs(r.cpuMs)}, ${fmtKb(r.memoryKb)}` : label,
        "aria-label": label }, String(i)));
    }
    if (chips.length) root.append(h("ol", { class: "chips", "aria-label": "tests" }, chips));
  }
  return root;
}
