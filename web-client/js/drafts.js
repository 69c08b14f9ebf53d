// SPDX-License-Identifier: MIT
// Drafts of solutions, one per problem and language, kept in localStorage so
// that a reload, a crash or "submit again" finds the code where it was left.
// Pure over a Storage-like object (getItem/setItem/removeItem) so that the
// node unit test can drive it with a Map.

const PREFIX = "gavel.draft.";
// localStorage is a few MiB per origin; sources are at most 64 KiB, and a
// contestant rarely has more than a few dozen drafts. Past this many the
// oldest are dropped so that a full store never breaks saving.
export const MAX_DRAFTS = 60;

export function draftKey(slug, language) {
  // ":" never survives encodeURIComponent, so no slug can reach into the language.
  return `${PREFIX}${encodeURIComponent(slug)}:${encodeURIComponent(language)}`;
}

function storage(store) {
  if (store) return store;
  try { return globalThis.localStorage || null; } catch { return null; }
}

export function loadDraft(slug, language, store) {
  const s = storage(store);
  if (!s) return null;
  try {
    const v = JSON.parse(s.getItem(draftKey(slug, language)) || "null");
    return v && typeof v.source === "string" ? v.source : null;
  } catch {
    return null;
  }
}

// An empty source removes the draft: nothing to come back to.
export function saveDraft(slug, language, source, store, now = Date.now()) {
  const s = storage(store);
  if (!s) return false;
  const key = draftKey(slug, language);
  try {
    if (!source) {
      s.removeItem(key);
      return true;
    }
    s.setItem(key, JSON.stringify({ source, at: now }));
    prune(s);
    return true;
  } catch {
    return false; // quota or private mode: the editor still works, unsaved
  }
}

function keysOf(s) {
  if (typeof s.key === "function" && typeof s.length === "number") {
    const out = [];
    for (let i = 0; i < s.length; i++) out.push(s.key(i));
    return out;
  }
  return typeof s.keys === "function" ? [...s.keys()] : [];
}

function prune(s) {
  const drafts = keysOf(s).filter((k) => k && k.startsWith(PREFIX)).map((k) => {
    let at = 0;
    try { at = Number(JSON.parse(s.getItem(k)).at) || 0; } catch { /* unreadable: oldest */ }
    return { k, at };
  });
  if (drafts.length <= MAX_DRAFTS) return;
  drafts.sort((a, b) => a.at - b.at);
  for (const d of drafts.slice(0, drafts.length - MAX_DRAFTS)) s.removeItem(d.k);
}
