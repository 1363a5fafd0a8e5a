// The state shared by the views. Everything else is kept by the module it belongs to.

export const VIEWS = ['dashboard', 'alerts', 'alert', 'shiftlog'];

export const state = {
  // what is shown (persisted with save_view): view, dashboard uid, the open alert, time range, auto-refresh
  view: { view: 'dashboard', dashboard: null, source: null, fingerprint: null, from: 'now-6h', to: 'now', refresh_ms: null },
  dashboards: [], // [{uid, title}] from app_state
  sources: [], // configured source (site) names
  user: '', // OS user name from app_state: default author of acknowledgements
  alerts: null, // the last answer of the `alerts` command {alerts, counts, health}; null until loaded
  health: [], // [{source, component, ok, unreachable, last_success, last_error, latency_ms}]
  worst: null, // overall state from `status`: critical | warning | ok | stale
  wall: false, // a wall window (ui/wall.js)
  wallScale: 1, // the wall scale of this window's screen (1: none)
};

// The alerts listed now, in the engine's order (empty until loaded).
export function currentAlerts() {
  const r = state.alerts;
  return r && Array.isArray(r.alerts) ? r.alerts : [];
}

// Any source unreachable?
export function healthDown() {
  return state.health.some((h) => h && h.unreachable);
}
