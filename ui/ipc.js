// The desktop shell's bridge (window.__TAURI__, withGlobalTauri): commands, events, and the errors
// they leave for the error line (one message per key, cleared when that command succeeds again).

const errors = new Map(); // key -> message
let onErrors = () => {};

function tauri() {
  return window.__TAURI__;
}

export function hasBridge() {
  const t = tauri();
  return !!(t && t.core && t.event);
}

function message(e) {
  if (typeof e === 'string') return e;
  if (e && e.message) return e.message;
  return JSON.stringify(e);
}

// A command; rejects with an Error whose message is the shell's text.
export async function invoke(cmd, args) {
  let r;
  try {
    r = await tauri().core.invoke(cmd, args || {});
  } catch (e) {
    throw new Error(message(e));
  }
  setError(cmd, null);
  return r;
}

// cb(payload) for every event `name` (one of EVENTS); a throwing callback is logged, never fatal.
export function listen(name, cb) {
  try {
    const p = tauri().event.listen(name, (ev) => {
      try { cb((ev && ev.payload) || {}); } catch (e) { console.error(name, e); }
    });
    if (p && p.catch) p.catch((e) => console.error('listen', name, e));
  } catch (e) {
    console.error('listen', name, e);
  }
}

// An error under `key`, or none (msg null). onErrorsChange(cb) is told the current list.
export function setError(key, msg) {
  if (msg) errors.set(key, msg); else errors.delete(key);
  onErrors(Array.from(errors, ([k, m]) => k + ': ' + m));
}

export function onErrorsChange(cb) {
  onErrors = cb;
}

// A wall window never saves its view: the operator's normal window keeps its own.
let viewSaved = true;
export function keepViewUnsaved() {
  viewSaved = false;
}

// The persisted view (what opens on the next start).
export function saveView(v) {
  if (!viewSaved) return;
  const view = {
    view: v.view, dashboard: v.dashboard, source: v.source, fingerprint: v.fingerprint,
    from: v.from, to: v.to, refresh_ms: v.refresh_ms,
  };
  invoke('save_view', { view }).catch((e) => setError('save_view', e.message));
}
