// SPDX-License-Identifier: MIT
// The live connection: gavel.v1 over one WebSocket at /ws.
//
// - Reconnects by itself with jittered exponential backoff (0.5 s doubling
//   to 15 s), so a restarted server is not hit by every browser at once.
// - On every (re)connect it sends `hello {token}` first, then, when it has
//   seen any push, `resume {last_event_id}`; only then are queued requests
//   sent. A `{resync:true}` reply or a `{"type":"resync"}` push fires a
//   "resync" event: whoever shows live data refetches it.
// - request(type, fields) returns a promise of the reply's `data`; an error
//   reply rejects with a GavelError carrying `code`, `message` and, for
//   rate_limited, `retryAfterMs`.
// Events fired (EventTarget): "state" {state, detail}, "hello" {user},
// "push" {event, eventId, data}, "resync", "rtt" {ms}.

const PROTOCOL = "gavel.v1";
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 15000;
const PING_EVERY_MS = 15000;
const REQUEST_TIMEOUT_MS = 20000;

export class GavelError extends Error {
  constructor(code, message, extra = {}) {
    super(message || code);
    this.code = code;
    this.retryAfterMs = extra.retry_after_ms ?? extra.retryAfterMs ?? null;
  }
  // The text shown to people: "code: message" plus when to retry.
  describe() {
    let text = `${this.message}`;
    if (this.code && !text.startsWith(this.code)) text = `${this.code}: ${text}`;
    if (this.code === "rate_limited" && this.retryAfterMs != null) {
      const s = Math.max(1, Math.ceil(this.retryAfterMs / 1000));
      const at = new Date(Date.now() + this.retryAfterMs).toLocaleTimeString();
      // The server's message may already say "retry in 55 s": add the clock time.
      text += /retry|try again/i.test(this.message) ? ` (at ${at})` : ` (you can try again in ${s} s, at ${at})`;
    }
    return text;
  }
}

// Stream entry ids ("<ms>-<seq>") in order; false when either is unusable.
export function eventIdAfter(a, b) {
  const pa = /^(\d+)-(\d+)$/.exec(String(a));
  const pb = /^(\d+)-(\d+)$/.exec(String(b));
  if (!pa || !pb) return true;
  const ma = BigInt(pa[1]), mb = BigInt(pb[1]);
  if (ma !== mb) return ma > mb;
  return BigInt(pa[2]) > BigInt(pb[2]);
}

export class Live extends EventTarget {
  constructor(url, { getToken = () => null, WebSocketImpl = globalThis.WebSocket } = {}) {
    super();
    this.url = url;
    this.getToken = getToken;
    this.WebSocketImpl = WebSocketImpl;
    this.ws = null;
    this.state = "idle"; // connecting | handshake | open | closed
    this.attempt = 0;
    this.nextId = 1;
    this.inflight = new Map(); // request id -> {type, fields, resolve, reject, timer}
    this.queue = []; // requests waiting for the connection
    this.lastEventId = null; // the newest event id seen: where a resume starts
    this.seen = new Set();
    this.seenOrder = [];
    this.lastResume = null; // {from, replayed, resync} of the last resume: for diagnostics
    this.user = null;
    this.retryTimer = null;
    this.pingTimer = null;
    this.retryAt = null;
  }

  setState(state, detail = "") {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, detail, retryAt: this.retryAt } }));
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    this.setState("connecting");
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url, PROTOCOL);
    } catch (err) {
      this.scheduleRetry(String(err));
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => this.onOpen(ws));
    ws.addEventListener("message", (ev) => this.onMessage(ev.data));
    ws.addEventListener("close", (ev) => this.onClose(ws, ev));
  }

  // Drop the connection now and connect again at once (after sign-in or out).
  reconnect() {
    this.attempt = 0;
    if (this.ws) {
      const ws = this.ws;
      this.teardown(ws, "reconnecting");
      try { ws.close(1000, "reconnect"); } catch { /* already closing */ }
    }
    this.connect();
  }

  async onOpen(ws) {
    if (ws !== this.ws) return;
    this.setState("handshake");
    // Pushes may start as soon as hello has named the user: resume from
    // what we had seen before this connection, not from those.
    const resumeFrom = this.lastEventId;
    try {
      const token = this.getToken();
      const hello = await this.send("hello", token ? { token } : {});
      this.user = hello?.user ?? null;
      this.dispatchEvent(new CustomEvent("hello", { detail: { user: this.user, server: hello?.server, hadToken: !!token } }));
      if (resumeFrom) {
        try {
          const r = await this.send("resume", { last_event_id: resumeFrom });
          this.lastResume = { from: resumeFrom, replayed: r?.replayed ?? null, resync: !!r?.resync };
          if (r && r.resync) this.dispatchEvent(new Event("resync"));
        } catch (err) {
          // A server that cannot resume: refetch to be safe.
          console.warn("gavel: resume failed", err);
          this.lastResume = { from: resumeFrom, error: err.code || String(err) };
          this.dispatchEvent(new Event("resync"));
        }
      }
    } catch (err) {
      if (ws !== this.ws) return;
      console.warn("gavel: hello failed", err);
      // Keep going unauthenticated; the server said why.
    }
    if (ws !== this.ws || ws.readyState !== 1) return;
    this.attempt = 0;
    this.setState("open");
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) this.transmit(q);
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    this.ping();
  }

  async ping() {
    if (this.state !== "open") return;
    const t0 = performance.now();
    try {
      await this.send("ping", {});
      this.dispatchEvent(new CustomEvent("rtt", { detail: { ms: performance.now() - t0 } }));
    } catch { /* the close handler reports it */ }
  }

  // A request; waits for the connection (and its hello) when there is none.
  request(type, fields = {}) {
    return new Promise((resolve, reject) => {
      const q = { type, fields, resolve, reject, timer: null };
      q.timer = setTimeout(() => {
        this.queue = this.queue.filter((x) => x !== q);
        this.forget(q);
        reject(new GavelError("timeout", `the server did not answer '${type}' within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      if (this.state === "open") this.transmit(q);
      else this.queue.push(q);
    });
  }

  // Sends now, bypassing the queue (the handshake's own requests).
  send(type, fields) {
    return new Promise((resolve, reject) => {
      const q = { type, fields, resolve, reject, timer: null };
      q.timer = setTimeout(() => {
        this.forget(q);
        reject(new GavelError("timeout", `the server did not answer '${type}'`));
      }, REQUEST_TIMEOUT_MS);
      this.transmit(q);
    });
  }

  // Every request gets an id of ours ("c7"), which the reply echoes; the
  // object a request is about travels in a named field (submission.get
  // {submission}), never in `id`.
  transmit(q) {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) {
      this.queue.push(q);
      return;
    }
    const id = `c${this.nextId++}`;
    this.inflight.set(id, q);
    try {
      ws.send(JSON.stringify({ ...q.fields, type: q.type, id }));
    } catch (err) {
      this.forget(q);
      clearTimeout(q.timer);
      q.reject(new GavelError("disconnected", `could not send: ${err}`));
    }
  }

  // The request waiting for the reply with this id, taken off the map.
  take(id) {
    const q = typeof id === "string" ? this.inflight.get(id) : undefined;
    if (!q) return null;
    this.inflight.delete(id);
    return q;
  }

  forget(q) {
    for (const [id, other] of this.inflight) {
      if (other === q) this.inflight.delete(id);
    }
  }

  onMessage(raw) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      console.warn("gavel: a message that is not JSON", raw);
      return;
    }
    if (!msg || typeof msg !== "object") return;
    switch (msg.type) {
      case "ok":
      case "pong": {
        const q = this.take(msg.id);
        if (!q) return;
        clearTimeout(q.timer);
        q.resolve(msg.type === "pong" ? {} : msg.data ?? {});
        return;
      }
      case "error": {
        const err = new GavelError(msg.code || "error", msg.message || "the server refused the request", msg);
        const q = msg.id != null ? this.take(msg.id) : null;
        if (!q) {
          console.warn(`gavel: server error ${err.describe()}`);
          this.dispatchEvent(new CustomEvent("servererror", { detail: err }));
          return;
        }
        clearTimeout(q.timer);
        q.reject(err);
        return;
      }
      case "event": {
        const eventId = msg.event_id != null ? String(msg.event_id) : null;
        if (eventId) {
          // Around a resume an event may come twice; replayed events may
          // come after newer live ones, so dedupe by id, not by order.
          if (this.seen.has(eventId)) return;
          this.seen.add(eventId);
          this.seenOrder.push(eventId);
          if (this.seenOrder.length > 2000) this.seen.delete(this.seenOrder.shift());
          if (!this.lastEventId || eventIdAfter(eventId, this.lastEventId)) this.lastEventId = eventId;
        }
        this.dispatchEvent(new CustomEvent("push", { detail: { event: msg.event, eventId, data: msg.data ?? {} } }));
        return;
      }
      case "resync":
        this.dispatchEvent(new Event("resync"));
        return;
      default:
        console.warn("gavel: unexpected message", msg);
    }
  }

  teardown(ws, why) {
    if (ws !== this.ws) return;
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.ws = null;
    for (const q of this.inflight.values()) {
      clearTimeout(q.timer);
      q.reject(new GavelError("disconnected", `the connection dropped before the server answered (${why}); try again`));
    }
    this.inflight.clear();
  }

  onClose(ws, ev) {
    if (ws !== this.ws) return;
    const reason = ev.reason ? `${ev.code} ${ev.reason}` : `code ${ev.code}`;
    this.teardown(ws, reason);
    this.scheduleRetry(reason);
  }

  scheduleRetry(reason) {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.setState("closed", reason);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
