// SPDX-License-Identifier: MIT
// The code editor of the problem page and the read-only source viewer.
// Both start as plain elements (a textarea, a <pre>) that work on their own;
// CodeMirror, when its bundle loads, takes over later (see upgrade below).

import { h, clear } from "./dom.js";

// createEditor(box, textarea, {language, onChange, onSubmit}): the textarea
// is already in `box`. Returns {getValue, setValue, setLanguage, focus}.
export function createEditor(box, textarea, { language, onChange, onSubmit }) {
  textarea.addEventListener("input", () => onChange?.());
  textarea.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      onSubmit?.();
    }
  });
  box.dataset.editor = "textarea";
  // On the element too, for the browser test and the console.
  return (box.gavelEditor = {
    getValue: () => textarea.value,
    setValue: (text) => { textarea.value = text; },
    setLanguage: () => {},
    focus: () => textarea.focus(),
  });
}

export function sourceViewer(box, source, language) {
  clear(box, h("pre", { class: "source", dataset: { language } }, h("code", {}, source)));
}
