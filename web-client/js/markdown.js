// SPDX-License-Identifier: MIT
// A small, safe Markdown renderer for problem statements.
//
// Safety comes first and is structural: the whole input is HTML-escaped
// before any Markdown rule runs, and the rules only ever wrap escaped text in
// a fixed set of tags (h1-h6, p, pre, code, em, strong, ul, ol, li, span,
// table parts). No attribute ever carries statement text except a code
// block's language, which is reduced to [a-z0-9+#-]. There are no links, images or raw HTML.
//
// Supported: ATX headings (# .. ######), paragraphs, fenced code blocks
// (``` or ~~~), inline code, **strong**, *em* and _em_, unordered (- * +) and
// ordered (1.) lists, pipe tables. $math$ and $$math$$ stay as escaped text
// wrapped in <span class="math"> (class "math display" for $$), so that
// emphasis rules never touch them; typesetMath() then renders them with
// KaTeX, and without KaTeX the TeX source stays readable.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// Inline rules on already-escaped text. Code spans and math are cut out
// first, so that their contents are never read as emphasis.
function inline(text) {
  const out = [];
  // `code` | $$math$$ | $math$ (no newline inside single-dollar math)
  const re = /(`+)([^]*?[^`])\1(?!`)|\$\$([^]+?)\$\$|\$([^$\n]+?)\$/g;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    out.push(emphasis(text.slice(last, m.index)));
    if (m[1] !== undefined) {
      out.push(`<code>${m[2].trim() || m[2]}</code>`);
    } else {
      out.push(`<span class="math${m[3] !== undefined ? " display" : ""}">${m[0]}</span>`);
    }
    last = re.lastIndex;
  }
  out.push(emphasis(text.slice(last)));
  return out.join("");
}

function emphasis(s) {
  return s
    .replace(/\*\*(?=\S)([^]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/__(?=\S)([^]*?\S)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?![*\w])/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_(?=\S)([^_]*?\S)_(?![_\w])/g, "$1<em>$2</em>");
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)\s*$/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/;
const BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
const ORDERED = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const TABLE_ROW = /^ {0,3}\|.*\|\s*$/;
const TABLE_RULE = /^ {0,3}\|?(\s*:?-+:?\s*\|)+(\s*:?-+:?\s*)?\|?\s*$/;

// The cells of a pipe-table row ("\|" is a literal bar).
function cells(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => inline(c.trim().replace(/\\\|/g, "|")));
}

function table(head, rule, body) {
  const align = rule.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => {
    c = c.trim();
    return c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : null;
  });
  const cell = (tag, text, i) => `<${tag}${align[i] ? ` class="${align[i]}"` : ""}>${text}</${tag}>`;
  const rows = body.map((r) => `<tr>${cells(r).map((c, i) => cell("td", c, i)).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table><thead><tr>${cells(head).map((c, i) => cell("th", c, i)).join("")}</tr></thead>` +
    `<tbody>${rows}</tbody></table></div>`;
}

// headingOffset shifts heading levels (a statement's "#" under the page's
// own h2 becomes an h3 with an offset of 2); levels stop at h6.
export function renderMarkdown(src, { headingOffset = 0 } = {}) {
  const lines = escapeHtml(String(src ?? "").replace(/\r\n?/g, "\n")).split("\n");
  const html = [];
  let para = [];
  let list = null; // { tag, items: [[line, ...], ...], start }

  const flushPara = () => {
    if (para.length) html.push(`<p>${inline(para.join("\n"))}</p>`);
    para = [];
  };
  const flushList = () => {
    if (!list) return;
    const start = list.tag === "ol" && list.start !== 1 ? ` start="${list.start}"` : "";
    const items = list.items.map((it) => `<li>${inline(it.join("\n"))}</li>`).join("");
    html.push(`<${list.tag}${start}>${items}</${list.tag}>`);
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flushPara();
      flushList();
      const marker = fence[1];
      const lang = fence[2].toLowerCase().replace(/[^a-z0-9+#-]/g, "");
      const body = [];
      i++;
      while (i < lines.length) {
        const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]);
        if (close && close[1][0] === marker[0] && close[1].length >= marker.length) break;
        body.push(lines[i]);
        i++;
      }
      const cls = lang ? ` class="lang-${lang}"` : "";
      html.push(`<pre><code${cls}>${body.join("\n")}${body.length ? "\n" : ""}</code></pre>`);
      continue;
    }
    if (/^\s*$/.test(line)) {
      flushPara();
      // A blank line inside a list ends the item's paragraph but not the list
      // unless the next line is not an item.
      if (list) {
        const next = lines[i + 1] ?? "";
        const tag = BULLET.test(next) ? "ul" : ORDERED.test(next) ? "ol" : null;
        if (tag !== list.tag && !/^ {2,}\S/.test(next)) flushList();
      }
      continue;
    }
    if (TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? "") && !list) {
      flushPara();
      const head = line;
      const rule = lines[++i];
      const body = [];
      while (i + 1 < lines.length && TABLE_ROW.test(lines[i + 1])) body.push(lines[++i]);
      html.push(table(head, rule, body));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushPara();
      flushList();
      const level = Math.min(6, heading[1].length + headingOffset);
      html.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    if (bullet || ordered) {
      flushPara();
      const tag = bullet ? "ul" : "ol";
      if (list && list.tag !== tag) flushList();
      if (!list) list = { tag, items: [], start: ordered ? Number(ordered[1]) : 1 };
      list.items.push([bullet ? bullet[1] : ordered[2]]);
      continue;
    }
    if (list && /^\s+\S/.test(line)) {
      // A continuation line of the current list item.
      list.items[list.items.length - 1].push(line.trim());
      continue;
    }
    flushList();
    para.push(line.trim());
  }
  flushPara();
  flushList();
  return html.join("\n");
}

/* --- the samples section ---------------------------------------------------- */

const SAMPLES_HEADING = /^ {0,3}(#{1,6})[ \t]+(samples?|examples?|sample tests?|sample (input|output)s?)[ \t:]*#*[ \t]*$/i;

// A statement usually repeats its samples under a "Samples" heading, and the
// page shows the package's samples (with copy buttons) anyway: this cuts
// that section out. What it says besides the data (a note on other correct
// answers, say) is kept as `notes`, without the "Input:"/"Output:" labels
// and code blocks. Headings inside fenced code never count.
export function splitSamples(md) {
  const lines = String(md ?? "").replace(/\r\n?/g, "\n").split("\n");
  const body = [];
  const notes = [];
  let level = 0; // > 0 while inside the samples section
  let fence = null;
  for (const line of lines) {
    const f = FENCE.exec(line);
    if (fence) {
      if (/^ {0,3}(`{3,}|~{3,})\s*$/.test(line) && line.trim()[0] === fence[0] && line.trim().length >= fence.length) fence = null;
      if (!level) body.push(line);
      continue;
    }
    if (f) {
      fence = f[1];
      if (!level) body.push(line);
      continue;
    }
    const head = HEADING.exec(line);
    if (level && head && head[1].length <= level) level = 0;
    const sh = SAMPLES_HEADING.exec(line);
    if (!level && sh) { level = sh[1].length; continue; }
    if (!level) { body.push(line); continue; }
    if (/^\s*(sample\s+)?(input|output|answer)( \d+)?\s*:?\s*$/i.test(line)) continue;
    notes.push(line);
  }
  const trim = (a) => a.join("\n").replace(/^\s+|\s+$/g, "");
  return { body: trim(body), notes: trim(notes) };
}

// Drops a first heading that only repeats the problem's name, which the
// page already shows as its title.
export function stripTitle(md, name) {
  const m = /^\s*#{1,2}[ \t]+(.+?)[ \t]*#*[ \t]*(\n|$)/.exec(String(md ?? ""));
  return m && name && m[1].trim().toLowerCase() === String(name).trim().toLowerCase() ? md.slice(m[0].length) : md;
}

/* --- math ------------------------------------------------------------------ */

// KaTeX as its package builds it, copied into vendor/ by scripts/build-web:
// a classic script that defines window.katex. Loaded once, on the first
// statement with math; null when it is not there (the TeX source stays).
const KATEX_DIR = "vendor/katex";
let katexLoad = null;

function loadKatex() {
  if (katexLoad) return katexLoad;
  katexLoad = new Promise((resolve) => {
    if (typeof document === "undefined") { resolve(null); return; }
    if (globalThis.katex) { resolve(globalThis.katex); return; }
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = `${KATEX_DIR}/katex.min.css`;
    document.head.append(css);
    const script = document.createElement("script");
    script.src = `${KATEX_DIR}/katex.min.js`;
    script.onload = () => resolve(globalThis.katex || null);
    script.onerror = () => {
      console.warn("KaTeX is not installed (scripts/build-web): math is shown as TeX source");
      css.remove();
      resolve(null);
    };
    document.head.append(script);
  });
  return katexLoad;
}

// The TeX inside a math span: its text without the $ or $$ around it.
export function texOf(text) {
  const m = /^(\$\$?)([^]*)\1$/.exec(text);
  return m ? m[2].trim() : text;
}

// Renders every .math span under `root` with KaTeX. katex.render builds DOM
// nodes and sets styles through the CSSOM, which the server's CSP (no inline
// styles) allows; renderToString + innerHTML would not. A formula KaTeX
// cannot parse stays as source, marked. Resolves to the number rendered.
export async function typesetMath(root) {
  const spans = [...root.querySelectorAll("span.math:not([data-tex])")];
  if (!spans.length) return 0;
  const katex = await loadKatex();
  if (!katex) {
    for (const el of spans) el.classList.add("math-raw");
    return 0;
  }
  let n = 0;
  for (const el of spans) {
    const tex = texOf(el.textContent);
    el.dataset.tex = tex;
    try {
      katex.render(tex, el, { displayMode: el.classList.contains("display"), throwOnError: true, trust: false,
        strict: "ignore", maxExpand: 1000, maxSize: 50 });
      n++;
    } catch (err) {
      el.classList.add("math-raw");
      el.title = String(err?.message || err);
    }
  }
  return n;
}
