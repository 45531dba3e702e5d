// The operator terminal: every tap becomes an entry with a key made here, kept in IndexedDB
// until the server has answered for it, so nothing is lost while the Wi-Fi is down and a
// resend is stored once (the server keys each record on its source and instant).
"use strict";

(function () {
  const body = document.body;
  const api = body.dataset.api;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const CACHE = "pabrik-terminal-v1";
  const DB_NAME = "pabrik-terminal";
  const STORE = "queue";
  let sending = false;

  // The tablet's clock may be wrong: entries carry the server's time, learnt when a page loads
  // from the server (a page reloaded from the cache repeats an instant already seen).
  const serverNow = Number(body.dataset.serverNow);
  let skew = Number(localStorage.getItem("pabrik.terminal.skew") || 0);
  if (String(serverNow) !== localStorage.getItem("pabrik.terminal.serverNow")) {
    skew = serverNow - Date.now();
    localStorage.setItem("pabrik.terminal.serverNow", String(serverNow));
    localStorage.setItem("pabrik.terminal.skew", String(skew));
  }

  function deviceId() {
    let id = localStorage.getItem("pabrik.terminal.device");
    if (!id) {
      id = self.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
      localStorage.setItem("pabrik.terminal.device", id);
    }
    return id;
  }

  // Strictly increasing per device, so two taps in one millisecond are two records.
  function nextInstant() {
    const last = Number(localStorage.getItem("pabrik.terminal.last") || 0);
    const ts = Math.max(Date.now() + skew, last + 1);
    localStorage.setItem("pabrik.terminal.last", String(ts));
    return ts;
  }

  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function withStore(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result && result.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  const keep = (item) => withStore("readwrite", (s) => s.put(item));
  const forget = (key) => withStore("readwrite", (s) => s.delete(key));
  const queued = () => withStore("readonly", (s) => s.getAll());

  async function show() {
    const items = await queued();
    const n = items.length;
    document.documentElement.dataset.queue = String(n);
    document.querySelectorAll("[data-queue-count]").forEach((el) => { el.textContent = String(n); el.hidden = n === 0; });
    document.querySelectorAll("[data-queue-waiting]").forEach((el) => { el.hidden = n === 0; });
    document.querySelectorAll("[data-queue-clear]").forEach((el) => { el.hidden = n !== 0; });
    document.querySelectorAll("[data-offline]").forEach((el) => { el.hidden = navigator.onLine; });
  }

  async function post(path, payload) {
    return fetch(api + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload),
    });
  }

  // A refused item (bad data) is dropped and counted; a lost session or server keeps it.
  function settled(status) {
    return status < 500 && status !== 401 && status !== 403 && status !== 429 && status !== 408;
  }

  async function flush() {
    if (sending) return;
    sending = true;
    try {
      const items = await queued();
      const entries = items.filter((i) => i.path === "/entries");
      if (entries.length) {
        const r = await post("/entries", { entries: entries.map((i) => i.payload) });
        if (r.ok || settled(r.status)) {
          for (const item of entries) await forget(item.key);
        }
      }
      for (const item of items.filter((i) => i.path !== "/entries")) {
        const r = await post(item.path, item.payload);
        if (r.ok || settled(r.status)) await forget(item.key);
      }
    } catch (err) {
      // Unreachable: everything stays queued for the next try.
    } finally {
      sending = false;
      await show();
    }
  }

  async function enqueue(path, payload) {
    await keep({ key: payload.key, path: path, payload: payload });
    await show();
    flush();
  }

  function entry(section, kind, extra) {
    const ts = nextInstant();
    return Object.assign(
      { key: deviceId() + "-" + ts, machine_id: section.dataset.machine, ts: new Date(ts).toISOString(), kind: kind },
      extra
    );
  }

  function onState(section, button) {
    const state = button.dataset.state;
    const product = button.dataset.product || section.dataset.product;
    if (button.dataset.product) section.dataset.product = button.dataset.product;
    enqueue("/entries", entry(section, "state", {
      state: state, reason: button.dataset.reason || null, product_id: product || null,
    }));
    const label = section.querySelector("[data-current-state]");
    if (label) label.textContent = button.textContent.trim();
    const since = section.querySelector("[data-in-state]");
    if (since) since.textContent = since.dataset.zero || "0";
    const now = section.querySelector(".now");
    if (now) now.className = "now state-" + state;
    section.querySelectorAll(".panel").forEach((p) => { p.hidden = true; });
  }

  function bump(section, field, n) {
    const el = section.querySelector("[data-entered-" + field + "]");
    if (el) el.textContent = String(Number(el.textContent) + n);
  }

  function scrapReason(section) {
    const select = section.querySelector("[data-scrap-reason]");
    return select && select.value ? select.value : null;
  }

  function onCount(section, button) {
    const field = button.dataset.count;
    const n = Number(button.dataset.n);
    const extra = { good: 0, scrap: 0, product_id: section.dataset.product || null };
    extra[field] = n;
    if (field === "scrap") extra.scrap_reason = scrapReason(section);
    enqueue("/entries", entry(section, "count", extra));
    bump(section, field, n);
  }

  function onTotal(section, form, event) {
    event.preventDefault();
    const field = form.dataset.total;
    const value = Number(form.elements.total.value);
    if (!Number.isInteger(value) || value < 0) return;
    // A typed total sets one figure of the shift; the other is left as it is.
    const extra = { product_id: section.dataset.product || null };
    extra[field] = value;
    if (field === "scrap") extra.scrap_reason = scrapReason(section);
    const item = entry(section, "total", extra);
    enqueue("/entries", item);
    form.reset();
  }

  function onNote(section, form, event) {
    event.preventDefault();
    const ts = nextInstant();
    enqueue("/handover", {
      key: deviceId() + "-" + ts, scope_id: section.dataset.machine,
      ts: new Date(ts).toISOString(), text: form.elements.text.value,
    });
    form.reset();
  }

  // A double tap (a second tap on the same button within DOUBLE_TAP_MS) counts once.
  const DOUBLE_TAP_MS = 250;
  let lastTap = { button: null, at: 0 };

  function doubleTap(button) {
    const at = performance.now();
    const again = lastTap.button === button && at - lastTap.at < DOUBLE_TAP_MS;
    lastTap = { button: button, at: at };
    return again;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const section = button && button.closest("[data-machine]");
    if (!section || button.type === "submit") return;
    if (doubleTap(button)) return;
    if (button.dataset.open) {
      const panel = document.getElementById(button.dataset.open);
      section.querySelectorAll(".panel").forEach((p) => { if (p !== panel) p.hidden = true; });
      panel.hidden = !panel.hidden;
    } else if (button.dataset.state) {
      onState(section, button);
    } else if (button.dataset.count) {
      onCount(section, button);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const section = form.closest("[data-machine]");
    if (!section) return;
    if (form.dataset.total) onTotal(section, form, event);
    else if (form.hasAttribute("data-handover")) onNote(section, form, event);
  });

  async function offlineReady() {
    if (!("serviceWorker" in navigator)) return;
    await navigator.serviceWorker.register(body.dataset.worker, { scope: body.dataset.scope });
    await navigator.serviceWorker.ready;
    if (navigator.onLine) {
      const cache = await caches.open(CACHE);
      await cache.addAll([location.href].concat(body.dataset.assets.split(" ")));
    }
    document.documentElement.dataset.offlineReady = "1";
  }

  // A terminal stays open all shift: refresh the state, time in state and shift figures each
  // minute, unless the operator is in the middle of something or entries still wait.
  async function refresh() {
    const busy = document.activeElement && document.activeElement.matches("input, textarea, select");
    const open = Array.from(document.querySelectorAll(".panel")).some((p) => !p.hidden);
    const waiting = (await queued()).length > 0;
    if (navigator.onLine && !busy && !open && !waiting) location.reload();
  }

  window.addEventListener("online", flush);
  setInterval(refresh, 60000);
  window.addEventListener("offline", show);
  setInterval(flush, 5000);
  show().then(flush);
  offlineReady().catch(() => { document.documentElement.dataset.offlineReady = "0"; });
})();
