// Watchdesk desktop UI: start-up, views, wiring, keys. Plain ES modules, no framework, no build step.
//
// SECURITY: everything that comes from the monitoring servers (alert names, labels, annotations, panel titles,
// legends, errors) is inserted with textContent / createTextNode / setAttribute on inert attributes only.
// Never innerHTML. Panel SVGs are shown through <img src="blob:…">, never parsed into the DOM.
// Links from servers go through the `open_link` command, never <a href> or window.open.
import { EVENTS } from './events.js';
import { $, el } from './dom.js';
import { str, hms, ago } from './format.js';
import { hasBridge, invoke, listen, setError, onErrorsChange, saveView, keepViewUnsaved } from './ipc.js';
import { state, VIEWS } from './state.js';
import { initTopBar, syncTopBar, fillDashboardSelect, closeVarPopover, isCustomOpen, closeCustom } from './topbar.js';
import { initDashboard, loadDashboard, setVariable, renderAllPanels, refreshVisiblePanels, renderDirtyOnScreen, goToPanel, dashboardTick, restartAutoRefresh } from './dashboard.js';
import { hideHover } from './hover.js';
import { initAlerts, refreshAlerts, renderAlerts, setGroup, escapeFilter } from './alerts.js';
import { initDetail, loadDetail, showDetailLoading } from './detail.js';
import { stopLogs } from './logs.js';
import { initAckDialog, isAckDialogOpen, closeAckDialog } from './ackdialog.js';
import { initShiftLog, loadShiftLog } from './shiftlog.js';
import { refreshStatus, renderErrorLine, downKey } from './status.js';
import { initAutostart } from './autostart.js';
import { startWall } from './wall.js';

// A wall window (`watchdesk-app --wall`): the engine's wall decides what it shows.
const WALL = new URLSearchParams(window.location.search).has('wall');

// ---------------------------------------------------------------- views
function showView(name) {
  state.view.view = name;
  for (const v of VIEWS) $('view-' + v).hidden = v !== name;
  document.body.classList.toggle('v-dashboard', name === 'dashboard');
  $('nav-dashboard').classList.toggle('active', name === 'dashboard');
  $('nav-alerts').classList.toggle('active', name === 'alerts' || name === 'alert');
  $('nav-shiftlog').classList.toggle('active', name === 'shiftlog');
  if (name !== 'dashboard') hideHover();
  if (name !== 'alert') stopLogs();
  if (name === 'dashboard') renderDirtyOnScreen(); // panels that changed while another view was shown
}

// A list view: no alert is open any more.
function showListView(name) {
  showView(name);
  state.view.source = null;
  state.view.fingerprint = null;
  saveView(state.view);
}

function goDashboard() {
  showListView('dashboard');
  $('main').scrollTop = 0;
}

function goAlerts(group) {
  if (group !== undefined) setGroup(group);
  showListView('alerts');
  renderAlerts();
  $('main').scrollTop = 0;
}

function goShiftLog() {
  showListView('shiftlog');
  $('main').scrollTop = 0;
  loadShiftLog();
}

function openAlert(source, fingerprint) {
  state.view.source = source;
  state.view.fingerprint = fingerprint;
  showView('alert');
  saveView(state.view);
  showDetailLoading();
  $('main').scrollTop = 0;
  loadDetail();
}

// An acknowledgement changed: refresh now so the result shows without waiting for the alerts event.
function afterAckChange() {
  refreshAlerts();
  if (state.view.view === 'alert') loadDetail();
}

function setRange(from, to) {
  const v = state.view;
  v.from = from;
  v.to = to;
  closeCustom();
  syncTopBar(v);
  saveView(v);
  renderAllPanels();
}

// ---------------------------------------------------------------- wiring
function wire() {
  onErrorsChange(renderErrorLine);
  initTopBar({
    range: setRange,
    refresh(ms) {
      state.view.refresh_ms = ms;
      restartAutoRefresh();
      saveView(state.view);
    },
    dashboard(uid) {
      if (uid === state.view.dashboard) return;
      state.view.dashboard = uid;
      loadDashboard(uid, true);
      saveView(state.view);
    },
    variable: setVariable,
  });
  initDashboard();
  initAlerts({ openAlert });
  initDetail({
    goToPanel: (uid, panelId) => goToPanel(uid, panelId, () => showListView('dashboard')),
    afterAckChange,
  });
  initAckDialog({ afterChange: afterAckChange });
  initShiftLog({ openAlert });
  $('nav-dashboard').addEventListener('click', goDashboard);
  $('nav-alerts').addEventListener('click', () => goAlerts());
  $('nav-shiftlog').addEventListener('click', goShiftLog);
  $('detail-back').addEventListener('click', () => goAlerts());
  $('main').addEventListener('scroll', hideHover, { passive: true });
}

function setupKeys() {
  document.addEventListener('keydown', (e) => {
    if (isAckDialogOpen()) {
      // the dialog handles its own keys; nothing behind it reacts while it is open
      if (e.key === 'Escape') { e.preventDefault(); closeAckDialog(); }
      return;
    }
    const view = state.view.view;
    if (e.key === 'Escape') {
      if (closeVarPopover()) return;
      if (isCustomOpen()) { closeCustom(); return; }
      if (view === 'alert') { e.preventDefault(); goAlerts(); return; }
      if (view === 'alerts' && escapeFilter()) return;
    }
    if (e.key === '/' && view === 'alerts' && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
      e.preventDefault();
      $('alert-filter').focus();
    }
  });
}

function setupEvents() {
  listen(EVENTS.data, () => refreshVisiblePanels());
  listen(EVENTS.alerts, () => {
    refreshAlerts();
    if (state.view.view === 'alert') loadDetail();
    if (state.view.view === 'shiftlog') loadShiftLog();
  });
  listen(EVENTS.health, async () => {
    // When a source goes down or comes back, panels redraw: stale data is greyed, never green.
    const before = downKey();
    await refreshStatus();
    if (downKey() !== before) refreshVisiblePanels();
  });
  listen(EVENTS.navigate, (p) => {
    if (p.view === 'alert' && p.fingerprint) openAlert(p.source || null, p.fingerprint);
    else if (p.view === 'alerts') goAlerts(p.group || '');
    else if (p.view === 'dashboard') goDashboard();
  });
}

// Every second: the clock, the live "since" texts, auto-refresh, highlight.
function tick() {
  const now = Date.now();
  $('clock').textContent = hms(now);
  document.querySelectorAll('[data-since]').forEach((e) => {
    const t = Number(e.dataset.since);
    if (isFinite(t) && t > 0) e.textContent = (e.dataset.prefix || '') + ago(t) + (e.dataset.suffix || '');
  });
  dashboardTick(now);
}

// ---------------------------------------------------------------- start
function restoreView(v) {
  const dashboards = state.dashboards;
  const view = {
    view: VIEWS.includes(v.view) ? v.view : 'dashboard',
    dashboard: v.dashboard || (dashboards[0] && dashboards[0].uid) || null,
    source: v.source || null,
    fingerprint: v.fingerprint || null,
    from: v.from || 'now-6h',
    to: v.to || 'now',
    refresh_ms: v.refresh_ms || null,
  };
  if (view.view === 'alert' && !view.fingerprint) view.view = 'alerts';
  if (dashboards.length && !dashboards.some((d) => d.uid === view.dashboard)) view.dashboard = dashboards[0].uid;
  return view;
}

async function start() {
  if (!hasBridge()) {
    document.body.appendChild(el('div', 'offline-banner', 'Watchdesk UI: the desktop shell is not available (window.__TAURI__ missing).'));
    return;
  }
  if (WALL) keepViewUnsaved();
  wire();
  if (!WALL) setupKeys();
  setupEvents();
  tick();
  setInterval(tick, 1000);

  let st = null;
  try {
    st = await invoke('app_state');
  } catch (e) {
    setError('app_state', e.message);
  }
  st = st || {};
  state.dashboards = Array.isArray(st.dashboards) ? st.dashboards : [];
  state.sources = Array.isArray(st.sources) ? st.sources : [];
  state.user = str(st.user);
  state.view = restoreView(st.view || {});
  fillDashboardSelect(state.dashboards, state.view.dashboard);
  syncTopBar(state.view);

  refreshStatus();
  refreshAlerts();
  if (WALL) {
    startWall({ showView });
    return;
  }
  initAutostart();
  const initial = state.view.view;
  showView(initial);
  if (initial === 'alert') openAlert(state.view.source, state.view.fingerprint);
  if (initial === 'shiftlog') loadShiftLog();
  // A first start (no range saved yet) opens the dashboard at its own time range and refresh, as
  // Grafana opens it; afterwards the operator's last range is kept.
  const savedRange = Boolean(st.view && st.view.from);
  await loadDashboard(state.view.dashboard, !savedRange);
}

// A module runs after the document is parsed; the dev pages import it after inserting the markup.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
