// Gavel web client: the live connection (gavel.v1 over /ws) and /healthz.
// A plain ES module; the server's CSP allows scripts from 'self' only.

const PROTOCOL = "gavel.v1";
const PING_EVERY_MS = 5000;
const HEALTH_EVERY_MS = 3000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 15000;

const $ = (id) => document.getElementById(id);

function setBadge(el, text, cls) {
  el.textContent = text;
  el.className = `badge ${cls}`;
}

// One WebSocket at a time; reconnects with jittered exponential backoff so a
// restarted server is not hit by every browser in the same millisecond.
class Live {
  constructor(url) {
    this.url = url;
    this.ws = null;
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map(); // ping id -> performance.now() when sent
    this.pingTimer = null;
    this.retryTimer = null;
  }

  connect() {
    this.show("connecting");
    $("ws-retry").textContent = "\u2014";
    const ws = new WebSocket(this.url, PROTOCOL);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.show("open");
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    });
    ws.addEventListener("message", (ev) => this.onMessage(ev.data));
    ws.addEventListener("close", (ev) => this.onClose(ev));
  }

  show(state) {
    setBadge($("ws-state"), state, `state-${state}`);
  }

  ping() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const id = this.nextId++;
    this.pending.set(id, performance.now());
    this.ws.send(JSON.stringify({ type: "ping", id }));
  }

  onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn("gavel: a message that is not JSON", data);
      return;
    }
    if (msg.type === "pong" && this.pending.has(msg.id)) {
      const rtt = performance.now() - this.pending.get(msg.id);
      this.pending.delete(msg.id);
      $("ws-rtt").textContent = `${rtt.toFixed(1)} ms`;
    } else if (msg.type === "error") {
      console.warn(`gavel: server error ${msg.code}: ${msg.message}`);
    }
  }

  onClose(ev) {
    clearInterval(this.pingTimer);
    this.pending.clear();
    this.ws = null;
    this.show("closed");
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt++;
    const reason = ev.reason ? ` (${ev.reason})` : "";
    $("ws-retry").textContent = `in ${(delay / 1000).toFixed(1)} s${reason}`;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}

function describeStore(store) {
  if (!store) return { text: "unknown", cls: "down" };
  const since = new Date(store.since_ms).toLocaleTimeString();
  if (store.up) return { text: `up since ${since}`, cls: "up" };
  return { text: `down since ${since}: ${store.error}`, cls: "down" };
}

async function refreshHealth() {
  try {
    // 503 still carries the JSON body: the page shows which store is down.
    const res = await fetch("/healthz", { cache: "no-store" });
    const h = await res.json();
    setBadge($("health-status"), h.status, `status-${h.status}`);
    for (const name of ["postgres", "redis"]) {
      const d = describeStore(h[name]);
      const el = $(`health-${name}`);
      el.textContent = d.text;
      el.className = d.cls;
    }
    $("health-version").textContent = h.version;
  } catch (err) {
    setBadge($("health-status"), "unreachable", "status-unreachable");
  }
}

const scheme = location.protocol === "https:" ? "wss:" : "ws:";
new Live(`${scheme}//${location.host}/ws`).connect();
refreshHealth();
setInterval(refreshHealth, HEALTH_EVERY_MS);
