// SPDX-License-Identifier: MIT
// Plagiarism in the console (#/org/plag/CONTEST): a button computes the
// report from the fingerprints gavel-judge stored (plag.report), the ranked
// pairs of submissions to each problem, and an opened pair shows both
// sources side by side (submission.get) with each matched region in one
// colour on both sides; the organizer marks the pair cleared or confirmed
// (plag.review) and the mark is in every later report. Clusters (connected
// groups of submissions whose pairs reach the cluster threshold) are listed
// above the pairs, each with its members and its strongest pairs, any of
// which opens like a row of the pairs' table.

import { h, clear, errorBox } from "./dom.js";
import { loading } from "./views.js";
import { orgFrame, orgError } from "./org.js";

const PAGE = 100;

/* --- pure helpers (tests/browser/unit.mjs) --------------------------------- */

// The request for the form; throws an Error naming what is wrong.
export function plagRequest(contest, { problem, minSimilarity }) {
  const r = { contest };
  const p = String(problem ?? "").trim();
  if (p) r.problem = p;
  const s = String(minSimilarity ?? "").trim();
  if (s) {
    const x = Number(s) / 100;
    if (!Number.isFinite(x) || x < 0 || x > 1) throw new Error("Minimum similarity: a percentage from 0 to 100");
    r.min_similarity = x;
  }
  return r;
}

// For each line 1..nlines of one side, the index of the first region that
// covers it, or -1. `side` is "left" or "right".
export function lineRegions(regions, side, nlines) {
  const out = new Array(nlines).fill(-1);
  (regions || []).forEach((g, i) => {
    const [from, to] = g[side];
    for (let l = Math.max(1, from); l <= Math.min(to, nlines); l++) if (out[l - 1] < 0) out[l - 1] = i;
  });
  return out;
}

export const pct = (x) => `${(100 * x).toFixed(1)}%`;

// A region's colour: distinct hues, the same on both sides.
// The lightness comes from the theme (--region-l in style.css): pastel
// behind dark text, deep behind light text.
export const regionColor = (i) => `hsl(${(i * 137) % 360}, 75%, var(--region-l, 84%))`;

// A cluster's rows for the view: its strongest pairs that the reply lists
// (indices into report.pairs; a cluster may name pairs past the reply's
// cut, which are left out), strongest first, at most `max`.
export function clusterPairs(report, cluster, max = 5) {
  const n = report?.pairs?.length ?? 0;
  return (cluster?.pairs || []).filter((i) => Number.isInteger(i) && i >= 0 && i < n)
    .sort((a, b) => report.pairs[b].similarity - report.pairs[a].similarity || a - b)
    .slice(0, max);
}

export function markText(mark) {
  if (!mark) return "not reviewed";
  return mark.by ? `${mark.status} by ${mark.by}` : mark.status;
}

/* --- the page ----------------------------------------------------------------- */

// The server's Content-Security-Policy (libwebsockets' best-practice
// headers: style-src 'self') drops style attributes, so the colours and
// bars are set through the CSSOM, which it allows.
function styled(el, props) {
  Object.assign(el.style, props);
  return el;
}

function sourcePane(title, src, regions, side, onRegion) {
  const lines = String(src ?? "").split("\n");
  const owner = lineRegions(regions, side, lines.length);
  const code = h("div", { class: "plag-code", dataset: { side } }, lines.map((text, i) => {
    const g = owner[i];
    const ln = h("div", {
      class: g >= 0 ? "ln m" : "ln",
      dataset: g >= 0 ? { region: g, line: i + 1 } : { line: i + 1 },
      onclick: g >= 0 ? () => onRegion(g) : null,
    }, h("span", { class: "no" }, i + 1), text);
    return g >= 0 ? styled(ln, { background: regionColor(g) }) : ln;
  }));
  return [h("div", { class: "plag-pane" }, h("h4", {}, title), code), code];
}

function pairView(ctx, box, pair, contest, onMarked) {
  let alive = true;
  clear(box, loading("the two sources"));
  const get = (id) => ctx.live.request("submission.get", { submission: id });
  Promise.all([get(pair.left_id), get(pair.right_id)]).then(([l, r]) => {
    if (!alive) return;
    const panes = {};
    const scrollTo = (g, except) => {
      for (const side of ["left", "right"]) {
        if (side === except) continue;
        const el = panes[side].querySelector(`[data-region="${g}"]`);
        if (el) panes[side].scrollTop = el.offsetTop - panes[side].offsetTop - 20;
      }
    };
    const [lp, lc] = sourcePane(`${pair.left} (${pair.left_language})`, l.source, pair.regions, "left", (g) => scrollTo(g, "left"));
    const [rp, rc] = sourcePane(`${pair.right} (${pair.right_language})`, r.source, pair.regions, "right", (g) => scrollTo(g, "right"));
    panes.left = lc;
    panes.right = rc;
    const note = h("input", { id: "plag-note", maxlength: 2000, placeholder: "Note (optional)", value: pair.mark?.note ?? "" });
    const msg = h("div", { class: "form-msg", "aria-live": "polite" });
    const markLine = h("p", { id: "plag-mark", role: "status" }, `Review: ${markText(pair.mark)}`);
    // Focus moves to the opened pair, so a keyboard user lands on it.
    const title = h("h3", { id: "plag-pair-title", tabindex: -1 }, `${pair.left} \u2194 ${pair.right}`);
    const mark = (status) => async () => {
      clear(msg);
      try {
        await ctx.live.request("plag.review", { contest, left: pair.left_id, right: pair.right_id, status, note: note.value });
        pair.mark = status === "none" ? null : { status, by: ctx.session?.user?.username ?? null, at_ms: Date.now(), note: note.value || null };
        clear(markLine, `Review: ${markText(pair.mark)}`);
        onMarked();
      } catch (err) {
        clear(msg, errorBox(err, "Not marked"));
      }
    };
    clear(box,
      title,
      h("p", {}, `${pair.group} \u00b7 similarity ${pct(pair.similarity)} \u00b7 coverage ${pct(pair.left_coverage)} / ${pct(pair.right_coverage)} \u00b7 longest shared fragment ${pair.longest} tokens`),
      h("div", { class: "plag-regions" }, pair.regions.map((g, i) => styled(h("button", {
        type: "button", class: "plag-region", onclick: () => scrollTo(i, null),
      }, `lines ${g.left[0]}\u2013${g.left[1]} \u2194 ${g.right[0]}\u2013${g.right[1]}`), { background: regionColor(i) }))),
      markLine,
      h("div", { class: "plag-actions" }, note,
        h("button", { type: "button", id: "plag-confirm", onclick: mark("confirmed") }, "Confirm copying"),
        h("button", { type: "button", id: "plag-clear", onclick: mark("cleared") }, "Clear"),
        h("button", { type: "button", id: "plag-unmark", class: "secondary", onclick: mark("none") }, "Remove mark")),
      msg,
      h("div", { class: "plag-panes" }, lp, rp));
    title.focus?.({ preventScroll: true });
  }).catch((err) => { if (alive) clear(box, errorBox(err, "Could not load the sources")); });
  return () => { alive = false; };
}

export function plagView(ctx, main, contest) {
  const body = orgFrame(main, `Plagiarism \u00b7 contest ${contest}`, "contests",
    h("p", {}, h("a", { href: `#/org/contest/${contest}` }, "\u2190 The contest")));
  let alive = true;
  let report = null;
  let page = 0;
  let closePair = () => {};

  const prob = h("input", { id: "plag-problem", placeholder: "all, or A or pair-sum" });
  const minSim = h("input", { id: "plag-min", type: "number", min: 0, max: 100, step: 1, value: 30 });
  const go = h("button", { type: "submit", id: "plag-compute" }, "Compute report");
  const msg = h("div", { class: "form-msg", "aria-live": "polite" });
  const summary = h("p", { id: "plag-summary", role: "status" });
  const clusterBox = h("section", { id: "plag-clusters", "aria-labelledby": "plag-clusters-title" });
  const list = h("div", { id: "plag-pairs" });
  const pairBox = h("div", { id: "plag-pair" });

  const drawList = () => {
    const pairs = report.pairs;
    if (!pairs.length) { clear(list, h("p", { class: "empty" }, "No pair reaches the minimum similarity.")); return; }
    const pages = Math.ceil(pairs.length / PAGE);
    const slice = pairs.slice(page * PAGE, (page + 1) * PAGE);
    clear(list,
      h("div", { class: "table-wrap" }, h("table", { class: "plag-pairs" },
        h("thead", {}, h("tr", {}, ["#", "Problem", "Left", "Right", "Similarity", "Longest", "Review", ""].map((t) =>
          h("th", { scope: "col", class: ["#", "Similarity", "Longest"].includes(t) ? "num" : null }, t)))),
        h("tbody", {}, slice.map((p, k) => {
          const i = page * PAGE + k;
          return h("tr", { dataset: { pair: i, left: p.left_id, right: p.right_id }, class: p.mark ? `marked ${p.mark.status}` : null },
            h("td", { class: "num" }, i + 1),
            h("td", {}, p.group),
            h("td", {}, p.left),
            h("td", {}, p.right),
            h("td", { class: "num" }, styled(h("span", { class: "plag-bar" }), { width: `${Math.round(60 * p.similarity)}px` }), ` ${pct(p.similarity)}`),
            h("td", { class: "num" }, p.longest),
            h("td", {}, markText(p.mark)),
            h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => openPair(i) }, "Open")));
        })))),
      pages > 1 ? h("p", { class: "pager" },
        h("button", { type: "button", disabled: page === 0, onclick: () => { page--; drawList(); } }, "Previous"),
        ` page ${page + 1} of ${pages} `,
        h("button", { type: "button", disabled: page + 1 >= pages, onclick: () => { page++; drawList(); } }, "Next")) : null);
  };

  const drawClusters = () => {
    const cs = report.clusters || [];
    if (!cs.length) { clear(clusterBox); return; }
    clear(clusterBox,
      h("h3", { id: "plag-clusters-title" }, `Clusters (${cs.length})`),
      h("p", { class: "muted" }, "Submissions linked by pairs of high similarity; each cluster lists its strongest pairs."),
      h("ol", { class: "plag-clusters" }, cs.map((c, ci) => h("li", { class: "plag-cluster", dataset: { cluster: ci } },
        h("h4", {}, `${c.group} \u00b7 ${c.members.length} submissions \u00b7 up to ${pct(c.similarity)}`),
        h("p", { class: "plag-members" }, h("span", { class: "muted" }, "Members: "), c.members.join(", ")),
        h("ul", { class: "plag-cluster-pairs", "aria-label": `Strongest pairs of cluster ${ci + 1}` },
          clusterPairs(report, c).map((i) => {
            const p = report.pairs[i];
            return h("li", {}, h("button", {
              type: "button", class: "plag-cluster-pair", dataset: { pair: i }, onclick: () => openPair(i),
            }, `${p.left} \u2194 ${p.right}`, h("span", { class: "plag-sim" }, pct(p.similarity)),
            h("span", { class: "muted" }, markText(p.mark))));
          }))))));
  };

  const openPair = (i) => {
    closePair();
    closePair = pairView(ctx, pairBox, report.pairs[i], contest, () => { drawList(); drawClusters(); });
    pairBox.scrollIntoView?.({ block: "start" });
  };

  const form = h("form", { class: "filters plag-form", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(msg);
    let req;
    try {
      req = plagRequest(contest, { problem: prob.value, minSimilarity: minSim.value });
    } catch (err) {
      clear(msg, errorBox(err));
      return;
    }
    go.disabled = true;
    clear(list, loading("the report"));
    clear(clusterBox);
    clear(pairBox);
    closePair();
    try {
      report = await ctx.live.request("plag.report", req);
      if (!alive) return;
      page = 0;
      clear(summary, `${report.files} accepted submissions compared in ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}, `,
        h("strong", {}, `${report.pairs.length} pair${report.pairs.length === 1 ? "" : "s"}`),
        ` from ${pct(report.min_similarity)}, ${report.clusters.length} cluster${report.clusters.length === 1 ? "" : "s"}`,
        report.truncated ? " (only the strongest pairs are listed)" : "",
        report.templates ? ` \u00b7 the template code of the package${report.templates === 1 ? "" : "s"} left out (${report.templates} file${report.templates === 1 ? "" : "s"})` : "",
        report.missing ? h("span", { class: "muted" }, ` \u00b7 ${report.missing} without fingerprints: run gavel plag backfill --contest ${contest}`) : "");
      drawClusters();
      drawList();
    } catch (err) {
      if (alive) orgError(ctx, list, err, "the report");
    } finally {
      go.disabled = false;
    }
  } },
    h("div", { class: "field" }, h("label", { for: "plag-problem" }, "Problem (label or slug)"), prob),
    h("div", { class: "field" }, h("label", { for: "plag-min" }, "Minimum similarity (%)"), minSim),
    h("div", { class: "field actions" }, go));

  clear(body,
    h("p", { class: "muted" }, "Compares the first accepted submission of each contestant per problem, from the fingerprints stored when they were judged. Only organizers see this page."),
    form, msg, summary, clusterBox, list, pairBox);
  return () => { alive = false; closePair(); };
}
