// SPDX-License-Identifier: MIT
// Who is signed in. The token lives in localStorage and goes to the server
// in `hello`; signing in or up goes through HTTP first, which also sets the
// HttpOnly session cookie, and falls back to the WebSocket request when the
// server has no HTTP route for it.

import { GavelError } from "./live.js";

const TOKEN_KEY = "gavel.token";

function storage() {
  try { return window.localStorage; } catch { return null; }
}

export class Session extends EventTarget {
  constructor(live) {
    super();
    this.live = live;
    this.user = null;
    this.token = storage()?.getItem(TOKEN_KEY) || null;
  }

  getToken() {
    return this.token;
  }

  setUser(user) {
    const before = this.user?.id ?? this.user?.username ?? null;
    this.user = user || null;
    const after = this.user?.id ?? this.user?.username ?? null;
    this.dispatchEvent(new CustomEvent("change", { detail: { user: this.user, changed: before !== after } }));
  }

  setToken(token) {
    this.token = token || null;
    const s = storage();
    if (!s) return;
    if (token) s.setItem(TOKEN_KEY, token);
    else s.removeItem(TOKEN_KEY);
  }

  // The hello reply on every (re)connect.
  onHello({ user, hadToken }) {
    if (hadToken && !user) {
      // Expired or revoked: forget it, the person signs in again.
      this.setToken(null);
      this.dispatchEvent(new CustomEvent("expired"));
    }
    this.setUser(user);
  }

  async signIn(username, password) {
    return this.authenticate("/api/login", "login", { username, password });
  }

  async signUp(username, password, displayName) {
    const fields = { username, password };
    if (displayName) fields.display_name = displayName;
    return this.authenticate("/api/register", "register", fields);
  }

  async authenticate(path, type, fields) {
    let data = await postJson(path, fields);
    let viaHttp = true;
    if (data === UNSUPPORTED) {
      data = await this.live.request(type, fields);
      viaHttp = false;
    }
    if (!data || !data.token) throw new GavelError("internal", "the server's reply has no session token");
    this.setToken(data.token);
    if (viaHttp) {
      // Tell this connection who we are now.
      try {
        const hello = await this.live.request("hello", { token: data.token });
        this.setUser(hello?.user || data.user);
      } catch {
        this.live.reconnect();
        this.setUser(data.user);
      }
    } else {
      this.setUser(data.user);
    }
    return this.user;
  }

  async signOut() {
    const errors = [];
    try { await this.live.request("logout", {}); } catch (err) { errors.push(err); }
    const http = await postJson("/api/logout", {}).catch((err) => err);
    this.setToken(null);
    this.setUser(null);
    // A fresh connection without the old token or cookie.
    this.live.reconnect();
    if (errors.length && http === UNSUPPORTED) throw errors[0];
  }
}

const UNSUPPORTED = Symbol("unsupported");

// POST a JSON body; the reply's data, a GavelError thrown for an error reply,
// or UNSUPPORTED when the server has no such route.
async function postJson(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
  } catch {
    return UNSUPPORTED; // no HTTP: the WebSocket may still work
  }
  if ([404, 405, 501].includes(res.status)) return UNSUPPORTED;
  let j = null;
  try { j = await res.json(); } catch { /* not JSON */ }
  const err = j && (j.type === "error" ? j : j.error && typeof j.error === "object" ? j.error : !res.ok && j.code ? j : null);
  if (err) {
    const extra = { ...err };
    const ra = res.headers.get("Retry-After");
    if (extra.retry_after_ms == null && ra && /^\d+$/.test(ra)) extra.retry_after_ms = Number(ra) * 1000;
    throw new GavelError(err.code || `http_${res.status}`, err.message || res.statusText, extra);
  }
  if (!j) return UNSUPPORTED; // not our API (a static 403/404 page): use the WebSocket
  if (!res.ok) throw new GavelError(`http_${res.status}`, `the server answered ${res.status} ${res.statusText}`);
  return j.data && typeof j.data === "object" ? j.data : j;
}
