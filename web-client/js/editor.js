// SPDX-License-Identifier: MIT
// The code editor of the problem page and the read-only source viewer.
// Both start as plain elements (a textarea, a <pre>) that work on their own;
// CodeMirror 6 (vendor/codemirror.js, bundled at build time by
// scripts/build-web) takes over when it loads. Without the bundle (npm was
// not there at build time, or the file fails to load) the plain elements
// stay, with a note.

import { h, clear } from "./dom.js";

const BUNDLE = "../vendor/codemirror.js";
let bundle = null;

// The bundle's module, or null; loaded once.
export function loadCodeMirror() {
  if (!bundle) {
    bundle = import(BUNDLE).catch((err) => {
      console.warn(`the code editor (${BUNDLE}) did not load: a plain text box instead (${err?.message || err})`);
      return null;
    });
  }
  return bundle;
}

const isSubmitKey = (ev) => ev.key === "Enter" && (ev.ctrlKey || ev.metaKey);

// createEditor(box, textarea, {language, onChange, onSubmit}): the textarea
// is already in `box`. Returns {getValue, setValue, setLanguage, focus,
// ready}; `ready` resolves to "codemirror" or "textarea". The interface is
// also on box.gavelEditor, for the browser test and the console.
export function createEditor(box, textarea, { language, onChange, onSubmit }) {
  let cm = null;
  let lang = language;
  textarea.addEventListener("input", () => onChange?.());
  textarea.addEventListener("keydown", (ev) => {
    if (isSubmitKey(ev)) {
      ev.preventDefault();
      onSubmit?.();
    }
  });
  box.dataset.editor = "textarea";
  const api = {
    getValue: () => (cm ? cm.getValue() : textarea.value),
    setValue: (text) => { if (cm) cm.setValue(text); else textarea.value = text; },
    setLanguage: (id) => { lang = id; cm?.setLanguage(id); },
    focus: () => (cm ? cm.focus() : textarea.focus()),
  };
  api.ready = loadCodeMirror().then((mod) => {
    if (!mod) return fallback(box);
    if (!box.isConnected) return "gone"; // the page was left meanwhile
    try {
      cm = mod.make(box, { doc: textarea.value, language: lang, label: label(textarea)?.textContent || "Source code",
        onChange, onSubmit });
    } catch (err) {
      console.warn("the code editor failed to start: a plain text box instead", err);
      return fallback(box);
    }
    // The textarea stays in the form, hidden, so the label still names a
    // field; the label moves focus into the editor.
    textarea.hidden = true;
    label(textarea)?.addEventListener("click", (ev) => { ev.preventDefault(); cm.focus(); });
    box.dataset.editor = "codemirror";
    return "codemirror";
  });
  box.gavelEditor = api;
  return api;
}

function label(textarea) {
  return textarea.id ? document.querySelector(`label[for="${textarea.id}"]`) : null;
}

function fallback(box) {
  if (!box.querySelector(".editor-note")) {
    box.append(h("small", { class: "editor-note muted" }, "The code editor could not be loaded; this is a plain text box (Ctrl-Enter still submits)."));
  }
  return "textarea";
}

// A read-only, highlighted view of a source; a <pre> until (or unless)
// CodeMirror is there.
export function sourceViewer(box, source, language) {
  clear(box, h("pre", { class: "source", dataset: { language } }, h("code", {}, source)));
  return loadCodeMirror().then((mod) => {
    if (!mod) return "pre";
    try {
      const view = h("div", { class: "source-view" });
      mod.make(view, { doc: source, language, readOnly: true, label: "Source code (read-only)" });
      clear(box, view);
      box.dataset.editor = "codemirror";
      return "codemirror";
    } catch (err) {
      console.warn("the source viewer failed to start", err);
      return "pre";
    }
  });
}
