// SPDX-License-Identifier: MIT
// A small, safe Markdown renderer for problem statements.
//
// Safety comes first and is structural: the whole input is HTML-escaped
// before any Markdown rule runs, and the rules only ever wrap escaped text in
// a fixed set of tags (h1-h6, p, pre, code, em, strong, ul, ol, li, span).
// No attribute ever carries statement text except a code block's language,
// which is reduced to [a-z0-9+#-]. There are no links, images or raw HTML.
//
// Supported: ATX headings (# .. ######), paragraphs, fenced code blocks
// (``` or ~~~), inline code, **strong**, *em* and _em_, unordered (- * +) and
// ordered (1.) lists. $math$ and $$math$$ are left as text (wrapped in
// <span class="math"> so that emphasis rules never touch them).

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
      out.push(`<span class="math">${m[0]}</span>`);
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
