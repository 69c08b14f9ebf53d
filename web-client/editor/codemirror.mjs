// SPDX-License-Identifier: MIT
// The entry of vendor/codemirror.js: CodeMirror 6 with the C/C++, Python and
// Java modes, bundled by esbuild (scripts/build-web). js/editor.js imports
// the bundle and falls back to a textarea when it is not there.
//
// The server's CSP (style-src 'self') refuses <style> elements, which is how
// CodeMirror injects its styles into a document. Inside a shadow root it
// uses a constructable stylesheet (adoptedStyleSheets) instead, which the
// CSP allows: so each editor lives in the shadow root of a host element, and
// its look (border, focus ring) is in the theme below rather than in
// style.css, whose rules do not reach into the shadow tree. Colours come
// from the page's CSS variables (--fg, --cm-*...), which do inherit into it,
// so the editor follows the light and dark themes.

import { EditorView, basicSetup } from "codemirror";
import { EditorState, Compartment } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { HighlightStyle, syntaxHighlighting, indentUnit } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { cpp } from "@codemirror/lang-cpp";
import { python } from "@codemirror/lang-python";
import { java } from "@codemirror/lang-java";

const MODES = { c: cpp, cpp, python, java };

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.modifier, t.definitionKeyword, t.moduleKeyword], color: "var(--cm-keyword)" },
  { tag: [t.typeName, t.className, t.namespace, t.standard(t.typeName)], color: "var(--cm-type)" },
  { tag: [t.string, t.special(t.string), t.character], color: "var(--cm-string)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--cm-number)" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: [t.processingInstruction, t.meta, t.macroName], color: "var(--cm-meta)" },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.function(t.variableName))], color: "var(--cm-function)" },
  { tag: t.invalid, color: "var(--bad)" },
]);

const theme = EditorView.theme({
  "&": { color: "var(--fg)", backgroundColor: "var(--card)", fontSize: "0.9rem", border: "1px solid var(--border)",
    borderRadius: "6px", maxHeight: "70vh", textAlign: "left" },
  "&.cm-focused": { outline: "3px solid #7aa2ff", outlineOffset: "1px", borderColor: "var(--accent)" },
  ".cm-scroller": { overflow: "auto" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", caretColor: "var(--fg)" },
  ".cm-gutters": { backgroundColor: "var(--code-bg)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "var(--cm-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--cm-active-line)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--cm-selection)" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--cm-bracket)", outline: "1px solid var(--accent)" },
  ".cm-cursor": { borderLeftColor: "var(--fg)" },
});

function modeOf(language) {
  return (MODES[language] || cpp)();
}

// make(parent, {doc, language, readOnly, label, onChange, onSubmit}) -> the
// editor's small interface (the same as the textarea fallback's).
export function make(parent, { doc = "", language = "cpp", readOnly = false, label = "Source code", onChange, onSubmit } = {}) {
  const mode = new Compartment();
  const extensions = [
    // Ctrl-Enter (Cmd-Enter) first: the default keymap would insert a line.
    keymap.of([{ key: "Mod-Enter", preventDefault: true, run: () => { if (!readOnly) onSubmit?.(); return !readOnly; } }]),
    basicSetup,
    mode.of(modeOf(language)),
    syntaxHighlighting(highlight),
    theme,
    indentUnit.of("    "),
    EditorState.tabSize.of(4),
    EditorView.contentAttributes.of({ "aria-label": label }),
  ];
  if (readOnly) {
    // Read-only, yet focusable: a keyboard user reaches the source with
    // Tab, moves through it and selects from it (editable(false) would
    // take it out of the tab order).
    extensions.push(EditorState.readOnly.of(true),
      EditorView.contentAttributes.of({ "aria-readonly": "true" }));
  } else {
    // Tab indents (Escape then Tab leaves the editor, as CodeMirror documents).
    extensions.push(keymap.of([indentWithTab]),
      EditorView.updateListener.of((u) => { if (u.docChanged) onChange?.(); }));
  }
  if (!readOnly) {
    extensions.push(EditorView.theme({ ".cm-content, .cm-gutter": { minHeight: "18rem" } }));
  }
  const host = document.createElement("div");
  host.className = readOnly ? "cm-host cm-host-readonly" : "cm-host";
  parent.append(host);
  const root = host.attachShadow({ mode: "open" });
  const view = new EditorView({ doc, extensions, parent: root, root });
  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    setLanguage: (id) => view.dispatch({ effects: mode.reconfigure(modeOf(id)) }),
    focus: () => view.focus(),
    destroy: () => { view.destroy(); host.remove(); },
  };
}
