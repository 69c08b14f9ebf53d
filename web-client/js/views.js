// SPDX-License-Identifier: MIT
// The pages: problem list, problem, my submissions, sign in, sign up.
// Each view is render(ctx, main, params) and returns a cleanup function.

import { h, clear, fmtTime, fmtMs, fmtKb, errorBox } from "./dom.js";
import { renderMarkdown, typesetMath, splitSamples, stripTitle } from "./markdown.js";
import { judgingView } from "./judging.js";
import { loadDraft, saveDraft } from "./drafts.js";
import { createEditor } from "./editor.js";

export const LANGUAGES = [
  { id: "c", label: "C", ext: [".c"] },
  { id: "cpp", label: "C++", ext: [".cpp", ".cc", ".cxx", ".c++", ".hpp"] },
  { id: "python", label: "Python 3", ext: [".py"] },
  { id: "java", label: "Java", ext: [".java"] },
];
const SOURCE_MAX_BYTES = 64 * 1024;
const PAGE_SIZE = 20;

// The submissions made on a problem page survive re-renders (reconnects,
// resyncs, sign-in); drafts live in localStorage (drafts.js).
const recent = new Map(); // slug -> [submission id, newest first]
const DRAFT_SAVE_MS = 300;

export function loading(what) {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), ` Loading ${what}\u2026`);
}

export function setTitle(text) {
  document.title = text ? `${text} \u00b7 Gavel` : "Gavel";
}

// A submission status that follows the tracker while it is on the page.
function liveJudging(ctx, id, opts) {
  const holder = h("div", { class: "judging-holder", "aria-live": "polite" });
  const draw = () => clear(holder, judgingView(ctx.tracker.entry(id), opts));
  draw();
  // Unsubscribed by the router when the view goes away.
  ctx.track(ctx.tracker.subscribe((e) => {
    if (e.id === Number(id)) draw();
  }));
  return holder;
}

/* --- problem list --------------------------------------------------------- */

const SORTS = [
  { id: "name", label: "Name" },
  { id: "difficulty", label: "Difficulty" },
  { id: "likes", label: "Likes" },
  { id: "solves", label: "Solves" },
];

function listQuery(params) {
  const q = {};
  const dmin = parseInt(params.get("min"), 10);
  const dmax = parseInt(params.get("max"), 10);
  if (Number.isFinite(dmin)) q.difficulty_min = dmin;
  if (Number.isFinite(dmax)) q.difficulty_max = dmax;
  const sort = params.get("sort");
  if (SORTS.some((s) => s.id === sort)) q.sort = sort;
  const order = params.get("order");
  if (order === "asc" || order === "desc") q.order = order;
  const page = parseInt(params.get("page"), 10);
  q.page = Number.isFinite(page) && page > 0 ? page : 1;
  q.page_size = PAGE_SIZE;
  return q;
}

function listHash(q) {
  const p = new URLSearchParams();
  if (q.difficulty_min != null) p.set("min", q.difficulty_min);
  if (q.difficulty_max != null) p.set("max", q.difficulty_max);
  if (q.sort) p.set("sort", q.sort);
  if (q.order) p.set("order", q.order);
  if (q.page && q.page > 1) p.set("page", q.page);
  const s = p.toString();
  return `#/problems${s ? `?${s}` : ""}`;
}

export function problemsView(ctx, main, params) {
  setTitle("Problems");
  const q = listQuery(params);
  const results = h("div", { class: "results" }, loading("problems"));

  const minInput = h("input", { id: "f-min", type: "number", min: 800, max: 3500, step: 100, inputmode: "numeric", value: q.difficulty_min ?? "" });
  const maxInput = h("input", { id: "f-max", type: "number", min: 800, max: 3500, step: 100, inputmode: "numeric", value: q.difficulty_max ?? "" });
  const sortSel = h("select", { id: "f-sort" }, h("option", { value: "" }, "Default"),
    SORTS.map((s) => h("option", { value: s.id, selected: q.sort === s.id }, s.label)));
  const orderSel = h("select", { id: "f-order" },
    h("option", { value: "" }, "Default"),
    h("option", { value: "asc", selected: q.order === "asc" }, "Ascending"),
    h("option", { value: "desc", selected: q.order === "desc" }, "Descending"));
  const form = h("form", { class: "filters", "aria-label": "Filter and sort problems", onsubmit: (ev) => {
    ev.preventDefault();
    const n = (el) => (el.value === "" ? null : Number(el.value));
    location.hash = listHash({ difficulty_min: n(minInput), difficulty_max: n(maxInput),
      sort: sortSel.value || null, order: orderSel.value || null, page: 1 });
  } },
    h("div", { class: "field" }, h("label", { for: "f-min" }, "Difficulty from"), minInput),
    h("div", { class: "field" }, h("label", { for: "f-max" }, "to"), maxInput),
    h("div", { class: "field" }, h("label", { for: "f-sort" }, "Sort by"), sortSel),
    h("div", { class: "field" }, h("label", { for: "f-order" }, "Order"), orderSel),
    h("div", { class: "field actions" }, h("button", { type: "submit" }, "Apply"),
      h("a", { href: "#/problems", class: "button secondary" }, "Reset")));

  clear(main, h("section", { class: "card", "aria-labelledby": "problems-title" },
    h("h2", { id: "problems-title" }, "Problems"), form, results));

  let alive = true;
  ctx.live.request("problems.list", q).then((data) => {
    if (!alive) return;
    const rows = data.problems || [];
    const total = Number(data.total ?? rows.length);
    const page = Number(data.page ?? q.page);
    const pageSize = Number(data.page_size ?? q.page_size);
    const pages = Math.max(1, Math.ceil(total / pageSize));
    if (!rows.length) {
      clear(results, h("p", { class: "empty" }, total ? "No problems on this page." : "No problems match these filters."));
      return;
    }
    const sortHeader = (id, label, numeric) => {
      const active = (q.sort || "") === id;
      const order = active ? q.order || (numeric ? "desc" : "asc") : null;
      const next = active ? (order === "asc" ? "desc" : "asc") : numeric ? "desc" : "asc";
      return h("th", { scope: "col", class: numeric ? "num" : null, "aria-sort": active ? (order === "asc" ? "ascending" : "descending") : null },
        h("a", { href: listHash({ ...q, sort: id, order: next, page: 1 }), title: `Sort by ${label.toLowerCase()}` },
          label, active ? (order === "asc" ? " \u25b2" : " \u25bc") : ""));
    };
    const table = h("table", { class: "problems" },
      h("caption", { class: "sr-only" }, `Problems, page ${page} of ${pages}`),
      h("thead", {}, h("tr", {},
        sortHeader("name", "Name", false), sortHeader("difficulty", "Difficulty", true),
        sortHeader("solves", "Solves", true), h("th", { scope: "col", class: "num" }, "Submissions"),
        sortHeader("likes", "Likes", true), h("th", { scope: "col" }, "Status"))),
      h("tbody", {}, rows.map((p) => h("tr", { dataset: { slug: p.slug } },
        h("td", {}, h("a", { href: `#/problem/${encodeURIComponent(p.slug)}` }, p.name || p.slug)),
        h("td", { class: "num" }, p.difficulty ?? "\u2014"),
        h("td", { class: "num" }, p.solves ?? 0),
        h("td", { class: "num" }, p.submissions ?? 0),
        h("td", { class: "num" }, p.liked ? h("span", { class: "liked", title: "You like this" }, `\u2665 ${p.likes ?? 0}`) : String(p.likes ?? 0)),
        h("td", {}, p.status === "solved" ? h("span", { class: "status solved" }, "\u2713 Solved")
          : p.status === "attempted" ? h("span", { class: "status attempted" }, "Attempted") : "")))));
    const pager = h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? h("a", { href: listHash({ ...q, page: page - 1 }), rel: "prev" }, "\u2190 Previous") : h("span", { class: "disabled" }, "\u2190 Previous"),
      h("span", { class: "page-of" }, `Page ${page} of ${pages} \u00b7 ${total} problem${total === 1 ? "" : "s"}`),
      page < pages ? h("a", { href: listHash({ ...q, page: page + 1 }), rel: "next" }, "Next \u2192") : h("span", { class: "disabled" }, "Next \u2192"));
    clear(results, h("div", { class: "table-wrap" }, table), pager);
  }).catch((err) => {
    if (alive) clear(results, errorBox(err, "Could not load the problems"), retryButton(ctx));
  });
  return () => { alive = false; };
}

export function retryButton(ctx) {
  return h("button", { type: "button", class: "secondary", onclick: () => ctx.rerender() }, "Try again");
}

/* --- problem page --------------------------------------------------------- */

function storedLanguage() {
  let v = null;
  try { v = localStorage.getItem("gavel.language"); } catch { /* private mode */ }
  return LANGUAGES.some((l) => l.id === v) ? v : "cpp";
}

function guessLanguage(name) {
  const lower = name.toLowerCase();
  return LANGUAGES.find((l) => l.ext.some((e) => lower.endsWith(e)))?.id || null;
}

export function problemView(ctx, main, params, slug) {
  setTitle(slug);
  let alive = true;
  clear(main, loading("the problem"));
  ctx.live.request("problem.get", { slug }).then((p) => {
    if (!alive) return;
    setTitle(p.name || slug);
    const contest = parseInt(params.get("contest"), 10);
    renderProblem(ctx, main, p, Number.isFinite(contest) && contest > 0 ? contest : null);
  }).catch((err) => {
    if (!alive) return;
    clear(main, h("section", { class: "card" }, h("h2", {}, slug),
      errorBox(err, err.code === "not_found" ? "No such problem" : "Could not load the problem"),
      h("p", {}, h("a", { href: "#/problems" }, "\u2190 All problems"), " ", retryButton(ctx))));
  });
  return () => { alive = false; };
}

// `contest`: the id when the page was opened from a contest (the submit
// then counts for it), else null.
function renderProblem(ctx, main, p, contest) {
  const slug = p.slug;
  const signedIn = !!ctx.session.user;

  // Like button.
  let liked = !!p.liked;
  let likes = Number(p.likes ?? 0);
  const likeMsg = h("span", { class: "like-msg", role: "status" });
  const likeBtn = h("button", { type: "button", class: "like", "aria-pressed": String(liked), disabled: !signedIn,
    title: signedIn ? "" : "Sign in to like problems" });
  const likesDd = h("dd", { id: "likes-count" }, String(likes));
  const drawLike = () => {
    likesDd.textContent = String(likes);
    likeBtn.setAttribute("aria-pressed", String(liked));
    clear(likeBtn, h("span", { "aria-hidden": "true" }, liked ? "\u2665" : "\u2661"), ` ${liked ? "Liked" : "Like"} \u00b7 ${likes}`);
  };
  drawLike();
  likeBtn.addEventListener("click", async () => {
    likeBtn.disabled = true;
    likeMsg.textContent = "";
    try {
      const r = await ctx.live.request("problem.like", { slug, like: !liked });
      liked = !!r.liked;
      likes = Number(r.likes ?? likes);
      drawLike();
    } catch (err) {
      clear(likeMsg, errorBox(err));
    } finally {
      likeBtn.disabled = false;
    }
  });

  // Samples: the package's, once, each part with a copy button.
  const samples = (p.samples || []).map((s, i) => {
    const name = String(s.name || i + 1).replace(/^.*\//, "");
    return h("figure", { class: "sample", dataset: { sample: name } },
      h("figcaption", {}, `Sample ${name}`, s.truncated ? h("span", { class: "muted" }, " (cut at 16 KiB)") : null),
      h("div", { class: "sample-io" },
        samplePart("Input", s.input ?? "", `sample ${name} input`),
        samplePart("Output", s.answer ?? "", `sample ${name} output`)));
  });

  // Submit form.
  let language = storedLanguage();
  const langSel = h("select", { id: "language", name: "language", required: true },
    LANGUAGES.map((l) => h("option", { value: l.id, selected: language === l.id }, l.label)));
  const source = h("textarea", { id: "source", name: "source", rows: 14, spellcheck: "false", autocomplete: "off",
    autocapitalize: "off", "aria-describedby": "source-hint", placeholder: "Paste your solution here" });
  source.value = loadDraft(slug, language) ?? "";
  const editorBox = h("div", { class: "editor-box" }, source);
  const fileInput = h("input", { id: "source-file", type: "file", accept: ".c,.cpp,.cc,.cxx,.py,.java,.txt" });
  const submitBtn = h("button", { type: "submit", disabled: !signedIn }, "Submit");
  const formMsg = h("div", { class: "form-msg", role: "status", "aria-live": "polite" });
  const recentList = h("ol", { class: "recent", reversed: true, "aria-label": "Your submissions on this page" });

  // Saved a moment after typing stops, and at once when the page goes.
  let saveTimer = null;
  const saveNow = () => { clearTimeout(saveTimer); saveTimer = null; saveDraft(slug, language, editor.getValue()); };
  const onChange = () => { clearTimeout(saveTimer); saveTimer = setTimeout(saveNow, DRAFT_SAVE_MS); };
  window.addEventListener("pagehide", saveNow);
  ctx.track(() => { if (saveTimer) saveNow(); window.removeEventListener("pagehide", saveNow); });
  const editor = createEditor(editorBox, source, { language, onChange, onSubmit: () => form.requestSubmit() });

  // Another language opens its own draft; without one the text stays and
  // becomes that language's draft.
  const switchLanguage = (next) => {
    if (next === language) return;
    saveNow();
    language = next;
    try { localStorage.setItem("gavel.language", next); } catch { /* private mode */ }
    const other = loadDraft(slug, next);
    if (other != null) editor.setValue(other);
    editor.setLanguage(next);
    saveNow();
  };
  langSel.addEventListener("change", () => switchLanguage(langSel.value));
  fileInput.addEventListener("change", async () => {
    const f = fileInput.files && fileInput.files[0];
    if (!f) return;
    if (f.size > SOURCE_MAX_BYTES) {
      clear(formMsg, errorBox(`${f.name} is ${Math.ceil(f.size / 1024)} KiB; sources may be at most 64 KiB`));
      return;
    }
    const text = await f.text();
    const lang = guessLanguage(f.name);
    if (lang) { langSel.value = lang; switchLanguage(lang); }
    editor.setValue(text);
    saveNow();
    clear(formMsg);
  });

  const addRecent = (id) => {
    const e = ctx.tracker.entry(id);
    const details = h("div", { class: "details" });
    recentList.prepend(h("li", { class: "recent-item", dataset: { submission: id } },
      h("div", { class: "recent-head" }, h("a", { href: `#/submission/${id}`, class: "sub-link" }, h("strong", {}, `Submission #${id}`)),
        h("span", { class: "muted" }, ` \u00b7 ${LANGUAGES.find((l) => l.id === e.language)?.label || e.language || ""}`)),
      liveJudging(ctx, id, { detailed: true }), details));
    // Once judged: the stored result (every test, even those whose progress
    // pushes were coalesced away) and the compiler's output.
    let fetched = false;
    const fetchDetails = (entry) => {
      if (fetched || entry.id !== Number(id) || !entry.verdict) return;
      fetched = true;
      ctx.live.request("submission.get", { submission: Number(id) }).then((row) => {
        ctx.tracker.seed({ ...row, id: Number(id) });
        if (row.compile_output) {
          clear(details, h("details", { open: entry.verdict === "CE" },
            h("summary", {}, "Compiler output"), h("pre", { class: "compile-output" }, h("code", {}, row.compile_output))));
        }
      }).catch(() => { /* the live result stays as it is */ });
    };
    ctx.track(ctx.tracker.subscribe(fetchDetails));
    fetchDetails(e);
  };
  for (const id of [...(recent.get(slug) || [])].reverse()) addRecent(id);

  const form = h("form", { class: "submit-form", "aria-labelledby": "submit-title", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(formMsg);
    const text = editor.getValue();
    if (!text.trim()) { clear(formMsg, errorBox("The source is empty: paste or load a solution first.")); editor.focus(); return; }
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > SOURCE_MAX_BYTES) { clear(formMsg, errorBox(`The source is ${Math.ceil(bytes / 1024)} KiB; at most 64 KiB is accepted.`)); return; }
    submitBtn.disabled = true;
    submitBtn.textContent = "Submitting\u2026";
    try {
      saveNow();
      const fields = { problem: slug, language: langSel.value, source: text };
      if (contest) fields.contest = contest;
      const r = await ctx.live.request("submit", fields);
      const id = r.submission_id ?? r.id;
      ctx.tracker.seed({ id, status: r.status || "queued", problem: slug, language: langSel.value });
      const list = recent.get(slug) || [];
      list.unshift(id);
      recent.set(slug, list);
      addRecent(id);
      clear(formMsg, h("p", { class: "ok" }, `Submitted as #${id}; the verdict appears below as tests finish.`));
    } catch (err) {
      clear(formMsg, errorBox(err, "Not submitted"));
    } finally {
      submitBtn.disabled = !ctx.session.user;
      submitBtn.textContent = "Submit";
    }
  } },
    h("h3", { id: "submit-title" }, contest ? "Submit a solution to the contest" : "Submit a solution"),
    signedIn ? null : h("p", { class: "notice" }, h("a", { href: `#/signin?next=${encodeURIComponent(`#/problem/${slug}`)}` }, "Sign in"),
      " or ", h("a", { href: "#/signup" }, "sign up"), " to submit."),
    h("div", { class: "row" },
      h("div", { class: "field" }, h("label", { for: "language" }, "Language"), langSel),
      h("div", { class: "field" }, h("label", { for: "source-file" }, "Load from a file"), fileInput)),
    h("div", { class: "field" }, h("label", { for: "source", id: "source-label" }, "Source code"), editorBox,
      h("small", { id: "source-hint", class: "muted" }, "At most 64 KiB; Ctrl-Enter submits; Tab indents (Esc, then Tab, leaves the editor). Your draft is kept in this browser for each language. Loading a file picks the language from its extension.")),
    h("div", { class: "actions" }, submitBtn),
    formMsg);

  // The statement's own copy of the samples gives way to the package's.
  let md = stripTitle(p.statement_md || "", p.name);
  let notes = null;
  if (samples.length) {
    const split = splitSamples(md);
    md = split.body;
    if (split.notes) {
      notes = h("div", { class: "statement sample-notes" });
      notes.innerHTML = renderMarkdown(split.notes, { headingOffset: 3 }); // escaped by renderMarkdown
    }
  }
  const statement = h("article", { class: "statement", "aria-label": "Statement" });
  statement.innerHTML = renderMarkdown(md, { headingOffset: 2 }); // escaped by renderMarkdown
  Promise.all([typesetMath(statement), notes ? typesetMath(notes) : 0])
    .then(([a, b]) => { statement.dataset.math = a + b ? "katex" : "source"; });

  clear(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, contest
      ? h("a", { href: `#/contest/${contest}` }, "\u2190 Contest")
      : h("a", { href: "#/problems" }, "\u2190 Problems")),
    h("section", { class: "card problem", "aria-labelledby": "problem-title" },
      h("header", { class: "problem-head" },
        h("h2", { id: "problem-title" }, p.name || slug),
        h("div", { class: "like-box" }, likeBtn, likeMsg)),
      h("dl", { class: "limits" },
        fact("Time limit", fmtMs(p.time_limit_ms)), fact("Memory limit", fmtKb(p.memory_limit_kb)),
        fact("Difficulty", p.difficulty ?? "\u2014"),
        fact("Solves", `${p.solves ?? 0} of ${p.submissions ?? 0} submissions`, `${p.solves ?? 0}`),
        h("div", {}, h("dt", {}, "Likes"), likesDd)),
      statement,
      samples.length ? h("section", { class: "samples", "aria-labelledby": "samples-title" },
        h("h3", { id: "samples-title" }, "Samples"), samples, notes) : null),
    h("section", { class: "card" }, form, recentList));
}

// One fact of the problem's line: "Time limit 1 s".
function fact(label, value, short) {
  return h("div", {}, h("dt", {}, label), h("dd", { title: short ? String(value) : null }, short ?? String(value)));
}

function samplePart(label, text, what) {
  const pre = h("pre", {}, h("code", {}, text));
  const said = h("span", { class: "copy-msg", role: "status" });
  const btn = h("button", { type: "button", class: "copy secondary", "aria-label": `Copy ${what}` }, "Copy");
  btn.addEventListener("click", async () => {
    said.textContent = (await copyText(text, pre)) ? "Copied" : "Select and copy by hand";
    setTimeout(() => { said.textContent = ""; }, 2000);
  });
  return h("div", {}, h("div", { class: "sample-bar" }, h("h4", {}, label), btn, said), pre);
}

// The clipboard API needs a secure context (https or localhost); elsewhere
// the old selection + execCommand way still works.
async function copyText(text, pre) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(pre);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { return document.execCommand("copy"); } catch { return false; } finally { sel.removeAllRanges(); }
  }
}

/* --- my submissions ------------------------------------------------------- */

export function submissionsView(ctx, main, params) {
  setTitle("My submissions");
  if (!ctx.session.user) {
    clear(main, h("section", { class: "card" }, h("h2", {}, "My submissions"),
      h("p", {}, h("a", { href: "#/signin?next=%23%2Fsubmissions" }, "Sign in"), " to see your submissions.")));
    return () => {};
  }
  const page = Math.max(1, parseInt(params.get("page"), 10) || 1);
  const body = h("div", {}, loading("your submissions"));
  clear(main, h("section", { class: "card", "aria-labelledby": "subs-title" }, h("h2", { id: "subs-title" }, "My submissions"), body));
  let alive = true;
  ctx.live.request("submissions.mine", { page }).then((data) => {
    if (!alive) return;
    const rows = data.submissions || [];
    if (!rows.length && page === 1) {
      clear(body, h("p", { class: "empty" }, "No submissions yet. ", h("a", { href: "#/problems" }, "Pick a problem"), "."));
      return;
    }
    for (const r of rows) ctx.tracker.seed(r);
    const table = h("table", { class: "submissions" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "num" }, "#"), h("th", { scope: "col" }, "Problem"), h("th", { scope: "col" }, "Language"),
        h("th", { scope: "col" }, "Submitted"), h("th", { scope: "col" }, "Result"),
        h("th", { scope: "col", class: "num" }, "Time"), h("th", { scope: "col", class: "num" }, "Memory"))),
      h("tbody", {}, rows.map((r) => {
        const timeCell = h("td", { class: "num" }, fmtMs(r.max_time_ms));
        const memCell = h("td", { class: "num" }, fmtKb(r.max_memory_kb));
        const result = liveJudging(ctx, r.id, { detailed: false });
        ctx.track(ctx.tracker.subscribe((e) => {
          if (e.id !== Number(r.id) || !e.verdict) return;
          timeCell.textContent = fmtMs(e.maxTimeMs);
          memCell.textContent = fmtKb(e.maxMemoryKb);
        }));
        return h("tr", { dataset: { submission: r.id } },
          h("td", { class: "num" }, h("a", { href: `#/submission/${r.id}`, "aria-label": `Submission ${r.id}` }, String(r.id))),
          h("td", {}, h("a", { href: `#/problem/${encodeURIComponent(r.problem)}` }, r.problem)),
          h("td", {}, LANGUAGES.find((l) => l.id === r.language)?.label || r.language),
          h("td", {}, fmtTime(r.created_at)),
          h("td", {}, result), timeCell, memCell);
      })));
    const pager = h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? h("a", { href: `#/submissions?page=${page - 1}` }, "\u2190 Newer") : h("span", { class: "disabled" }, "\u2190 Newer"),
      h("span", { class: "page-of" }, `Page ${page}`),
      // A full page (the server's is 50 rows) may have older ones after it.
      rows.length >= Number(data.page_size ?? 50) ? h("a", { href: `#/submissions?page=${page + 1}` }, "Older \u2192")
        : h("span", { class: "disabled" }, "Older \u2192"));
    clear(body, h("div", { class: "table-wrap" }, table), pager);
  }).catch((err) => {
    if (alive) clear(body, errorBox(err, "Could not load your submissions"), retryButton(ctx));
  });
  return () => { alive = false; };
}

/* --- sign in / sign up ---------------------------------------------------- */

function nextHash(params) {
  const n = params.get("next");
  return n && n.startsWith("#/") ? n : "#/problems";
}

export function signInView(ctx, main, params) {
  setTitle("Sign in");
  const msg = h("div", { class: "form-msg", "aria-live": "assertive" });
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 32 });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const btn = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "auth", "aria-labelledby": "signin-title", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(msg);
    btn.disabled = true;
    try {
      await ctx.session.signIn(user.value.trim(), pass.value);
      location.hash = nextHash(params);
    } catch (err) {
      clear(msg, errorBox(err, "Sign-in failed"));
      pass.select();
    } finally {
      btn.disabled = false;
    }
  } },
    h("h2", { id: "signin-title" }, "Sign in"),
    h("div", { class: "field" }, h("label", { for: "username" }, "Username"), user),
    h("div", { class: "field" }, h("label", { for: "password" }, "Password"), pass),
    h("div", { class: "actions" }, btn, h("span", { class: "muted" }, " No account? ", h("a", { href: "#/signup" }, "Sign up"))),
    msg);
  clear(main, h("section", { class: "card narrow" }, form));
  user.focus();
  return () => {};
}

export function signUpView(ctx, main, params) {
  setTitle("Sign up");
  const msg = h("div", { class: "form-msg", "aria-live": "assertive" });
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 32,
    pattern: "[A-Za-z0-9_.\\-]{3,32}", "aria-describedby": "username-hint" });
  const display = h("input", { id: "display-name", name: "display_name", autocomplete: "name", maxlength: 64 });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "new-password", required: true,
    minlength: 8, maxlength: 256, "aria-describedby": "password-hint" });
  const btn = h("button", { type: "submit" }, "Create account");
  const form = h("form", { class: "auth", "aria-labelledby": "signup-title", onsubmit: async (ev) => {
    ev.preventDefault();
    clear(msg);
    btn.disabled = true;
    try {
      await ctx.session.signUp(user.value.trim(), pass.value, display.value.trim());
      location.hash = nextHash(params);
    } catch (err) {
      clear(msg, errorBox(err, "Sign-up failed"));
    } finally {
      btn.disabled = false;
    }
  } },
    h("h2", { id: "signup-title" }, "Sign up"),
    h("div", { class: "field" }, h("label", { for: "username" }, "Username"), user,
      h("small", { id: "username-hint", class: "muted" }, "3 to 32 characters: letters, digits, _ . -")),
    h("div", { class: "field" }, h("label", { for: "display-name" }, "Display name (optional)"), display),
    h("div", { class: "field" }, h("label", { for: "password" }, "Password"), pass,
      h("small", { id: "password-hint", class: "muted" }, "At least 8 characters.")),
    h("div", { class: "actions" }, btn, h("span", { class: "muted" }, " Have an account? ", h("a", { href: "#/signin" }, "Sign in"))),
    msg);
  clear(main, h("section", { class: "card narrow" }, form));
  user.focus();
  return () => {};
}

export function notFoundView(ctx, main) {
  setTitle("Not found");
  clear(main, h("section", { class: "card not-found", "aria-labelledby": "nf-title" },
    h("p", { class: "big", "aria-hidden": "true" }, "404"),
    h("h2", { id: "nf-title" }, "Page not found"),
    h("p", {}, "There is no page at ", h("code", {}, location.hash || "/"), "."),
    h("p", {}, h("a", { href: "#/problems", class: "button" }, "Go to the problems"), " ",
      h("a", { href: "#/contests", class: "button secondary" }, "Contests"))));
  return () => {};
}

