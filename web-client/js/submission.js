// SPDX-License-Identifier: MIT
// The submission page, #/submission/<id>: its source, the compiler's output,
// every test's verdict, time and memory (the input and expected output of
// sample tests only: the server never sends a secret test's data), the live
// progress while it is judged, and "submit again". The server lets its author
// and organizers read it; anyone else sees its `forbidden`.

import { h, clear, fmtMs, fmtKb, fmtTime, errorBox } from "./dom.js";
import { judgingView, verdictBadge, VERDICT_NAMES } from "./judging.js";
import { saveDraft } from "./drafts.js";
import { loading, setTitle, retryButton, LANGUAGES } from "./views.js";
import { unsubscribe } from "./contests.js";
import { sourceViewer } from "./editor.js";

// One row per test, from the stored rows (names, sample flags, wall time)
// and the tracker's live results (which may be ahead of them while judging).
// `samples` maps a sample's name to its {input, answer} from problem.get.
export function testRows(entry, stored = [], samples = new Map()) {
  const byNum = new Map();
  for (const [i, t] of stored.entries()) {
    const n = Number(t.test ?? i + 1);
    byNum.set(n, { n, name: t.name ?? String(n), sample: !!t.sample, verdict: t.verdict || null,
      cpuMs: t.cpu_ms ?? null, wallMs: t.wall_ms ?? null, memoryKb: t.memory_kb ?? null });
  }
  for (const [n, r] of entry?.results || []) {
    const row = byNum.get(n) || { n, name: String(n), sample: false, wallMs: null };
    byNum.set(n, { ...row, verdict: row.verdict || r.verdict, cpuMs: row.cpuMs ?? r.cpuMs, memoryKb: row.memoryKb ?? r.memoryKb });
  }
  const total = Math.max(entry?.tests || 0, ...byNum.keys(), 0);
  const rows = [];
  for (let n = 1; n <= total; n++) {
    const row = byNum.get(n) || { n, name: String(n), sample: false, verdict: null, cpuMs: null, wallMs: null, memoryKb: null };
    const data = row.sample ? samples.get(row.name) : null;
    rows.push({ ...row, input: data?.input ?? null, answer: data?.answer ?? null });
  }
  return rows;
}

const languageLabel = (id) => LANGUAGES.find((l) => l.id === id)?.label || id || "";

export function submissionView(ctx, main, params, id) {
  setTitle(`Submission #${id}`);
  let alive = true;
  let row = null;
  let samples = new Map();
  clear(main, loading(`submission #${id}`));

  const status = h("div", { class: "sub-status", "aria-live": "polite" });
  const compileBox = h("div", {});
  const testsBox = h("div", { class: "tests-box" });

  const drawStatus = () => {
    const e = ctx.tracker.entry(id);
    clear(status, judgingView(e, { detailed: false }));
  };
  const drawCompile = () => {
    const out = row?.compile_output;
    const e = ctx.tracker.entry(id);
    clear(compileBox, out ? h("section", { class: "compile", "aria-labelledby": "compile-title" },
      h("details", { open: e.verdict === "CE" },
        h("summary", { id: "compile-title" }, e.verdict === "CE" ? "Compilation error: the compiler said" : "Compiler output"),
        h("pre", { class: "compile-output" }, h("code", {}, out)))) : null);
  };
  const drawTests = () => {
    const e = ctx.tracker.entry(id);
    const rows = testRows(e, row?.tests || [], samples);
    if (!rows.length) {
      clear(testsBox, h("p", { class: "muted", id: "tests-empty" },
        e.verdict === "CE" ? "No test was run: the source did not compile."
          : e.verdict ? "No test results were recorded." : "Waiting for the first test\u2026"));
      return;
    }
    const done = rows.filter((r) => r.verdict).length;
    clear(testsBox,
      e.verdict ? null : h("progress", { max: rows.length, value: done, "aria-label": `${done} of ${rows.length} tests run` }),
      h("div", { class: "table-wrap" }, h("table", { class: "tests" },
        h("caption", { class: "sr-only" }, `Tests: ${done} of ${rows.length} run`),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col", class: "num" }, "#"), h("th", { scope: "col" }, "Test"),
          h("th", { scope: "col" }, "Verdict"), h("th", { scope: "col", class: "num" }, "Time"),
          h("th", { scope: "col", class: "num" }, "Memory"))),
        h("tbody", {}, rows.map((r) => testRow(r, !!e.verdict))))));
  };
  const draw = () => { drawStatus(); drawTests(); drawCompile(); };

  // The stored row once judged: every test (coalesced pushes may have
  // skipped some) and the compiler's output.
  let refetched = false;
  const fetchRow = () => ctx.live.request("submission.get", { submission: id }).then((r) => {
    if (!alive) return;
    row = r;
    ctx.tracker.seed({ ...r, id });
    draw();
  });
  ctx.track(ctx.tracker.subscribe((e) => {
    if (!alive || e.id !== id) return;
    draw();
    if (e.verdict && row && !row.verdict && !refetched) {
      refetched = true;
      fetchRow().catch(() => { /* the live rows stay */ });
    }
  }));

  // Subscribing makes the judging pushes come here for an organizer too.
  Promise.all([
    ctx.live.request("subscribe", { topic: "submission", submission: id }).catch(() => null),
    ctx.live.request("submission.get", { submission: id }),
  ]).then(async ([, r]) => {
    if (!alive) return;
    row = r;
    ctx.tracker.seed({ ...r, id });
    // The samples' data, public on the problem page, for the sample rows.
    if ((r.tests || []).some((t) => t.sample) || !r.verdict) {
      const p = await ctx.live.request("problem.get", { slug: r.problem }).catch(() => null);
      for (const s of p?.samples || []) samples.set(s.name, s);
    }
    if (!alive) return;
    render(ctx, main, r, id, { status, compileBox, testsBox });
    draw();
    if (r.verdict === null && ctx.tracker.entry(id).verdict) { refetched = true; fetchRow().catch(() => {}); }
  }).catch((err) => {
    if (!alive) return;
    const what = err.code === "forbidden" ? "This submission is not yours"
      : err.code === "not_found" ? "No such submission" : "Could not load the submission";
    clear(main, h("section", { class: "card" }, h("h2", {}, `Submission #${id}`), errorBox(err, what),
      h("p", {}, h("a", { href: "#/submissions" }, "\u2190 My submissions"), " ",
        err.code === "forbidden" || err.code === "not_found" ? null : retryButton(ctx))));
  });
  return () => {
    alive = false;
    unsubscribe(ctx, { topic: "submission", submission: id });
  };
}

function testRow(r, finished) {
  const verdict = r.verdict ? verdictBadge(r.verdict) : h("span", { class: "muted" }, finished ? "not run" : "\u2026");
  const name = r.sample ? h("span", {}, r.name, " ", h("span", { class: "tag" }, "sample")) : r.name;
  const tr = h("tr", { dataset: { test: r.n, verdict: r.verdict || "" } },
    h("td", { class: "num" }, String(r.n)),
    h("td", {}, name, r.input != null ? sampleDetails(r) : null),
    h("td", {}, verdict, r.verdict && VERDICT_NAMES[r.verdict] ? h("span", { class: "sr-only" }, ` ${VERDICT_NAMES[r.verdict]}`) : null),
    h("td", { class: "num", title: r.wallMs != null ? `wall ${fmtMs(r.wallMs)}` : null }, r.verdict ? fmtMs(r.cpuMs) : "\u2014"),
    h("td", { class: "num" }, r.verdict ? fmtKb(r.memoryKb) : "\u2014"));
  return tr;
}

function sampleDetails(r) {
  return h("details", { class: "sample-data" }, h("summary", {}, "Input and expected output"),
    h("div", { class: "sample-io" },
      h("div", {}, h("h4", {}, "Input"), h("pre", {}, h("code", {}, r.input))),
      h("div", {}, h("h4", {}, "Expected output"), h("pre", {}, h("code", {}, r.answer ?? "")))));
}

function render(ctx, main, r, id, parts) {
  const problemHref = `#/problem/${encodeURIComponent(r.problem)}${r.contest_id ? `?contest=${r.contest_id}` : ""}`;
  const again = h("button", { type: "button", id: "submit-again", disabled: typeof r.source !== "string" }, "Submit again");
  again.addEventListener("click", () => {
    // The editor opens on the draft of this problem and language.
    saveDraft(r.problem, r.language, r.source);
    try { localStorage.setItem("gavel.language", r.language); } catch { /* private mode */ }
    location.hash = problemHref;
  });
  const source = h("div", { class: "source-box" });
  clear(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/submissions" }, "\u2190 My submissions")),
    h("section", { class: "card submission", "aria-labelledby": "submission-title" },
      h("header", { class: "problem-head" },
        h("h2", { id: "submission-title" }, `Submission #${id}`),
        h("div", { class: "actions" }, again)),
      h("p", { class: "meta-line" },
        h("a", { href: problemHref }, r.problem), " \u00b7 ", languageLabel(r.language), " \u00b7 ",
        h("time", {}, fmtTime(r.created_at)),
        r.contest_id ? [" \u00b7 ", h("a", { href: `#/contest/${r.contest_id}` }, `contest ${r.contest_id}`)] : null,
        ctx.session.user && r.user_id !== ctx.session.user.id ? ` \u00b7 user ${r.user_id}` : null),
      parts.status, parts.compileBox,
      h("h3", {}, "Tests"), parts.testsBox),
    h("section", { class: "card", "aria-labelledby": "source-title" },
      h("h3", { id: "source-title" }, "Source"), source));
  sourceViewer(source, r.source ?? "", r.language);
}
