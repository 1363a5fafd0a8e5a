// The dashboard: the grid of panels, each drawn by the engine as an SVG (render_panel) and shown as
// <img src="blob:…">. Only panels on screen are drawn; the others when scrolled into view.
import { $, el, clear, text, svgUrl } from './dom.js';
import { str } from './format.js';
import { invoke, setError, saveView } from './ipc.js';
import { state } from './state.js';
import { onHover, hideHover, hoveredPanel } from './hover.js';
import { syncTopBar, buildVariables, selectDashboard } from './topbar.js';

const RESIZE_DEBOUNCE_MS = 250;
const GRID_ROW_PX = 30; // Grafana: one gridPos.h unit
const GRID_COLS = 24;
const PANEL_GAP = 8;

let dash = null; // the dashboard model shown (`dashboard` command)
const panels = new Map(); // panel id -> record
let loadSeq = 0;
let lastAutoRefresh = 0;
let highlight = null; // {rec, until}: the panel a "related panel" link went to
let resizeTimer = null;

// Visibility is computed from geometry when needed (no IntersectionObserver: it only reports on rendered
// frames, and a panel must never miss a refresh because a callback came late). 200 px margin preloads.
function onScreen(rec) {
  if (rec.dead || state.view.view !== 'dashboard') return false;
  const m = $('main').getBoundingClientRect();
  const b = rec.el.getBoundingClientRect();
  return b.width > 0 && b.bottom > m.top - 200 && b.top < m.bottom + 200;
}

export function renderDirtyOnScreen() {
  panels.forEach((rec) => { if (rec.dirty && onScreen(rec)) renderPanel(rec); });
}

export function initDashboard() {
  $('main').addEventListener('scroll', renderDirtyOnScreen, { passive: true });
  window.addEventListener('resize', renderDirtyOnScreen);
  const obs = new ResizeObserver(() => {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      resizeTimer = null;
      panels.forEach((rec) => {
        const { w, h } = bodySize(rec);
        if (w < 8 || h < 8) return;
        if (!rec.size || rec.size.w !== w || rec.size.h !== h) {
          rec.dirty = true;
          renderPanel(rec);
        }
      });
    }, RESIZE_DEBOUNCE_MS);
  });
  obs.observe($('grid'));
  window.addEventListener('resize', () => { hideHover(); });
}

function panelSignature(d) {
  return JSON.stringify([(d.panels || []).map((p) => [p.id, p.kind, p.title]), d.layout || []]);
}

// Opens dashboard `uid`. adoptDefaults: take its time range and refresh into the view;
// keepGridIfSame: after a variable change, redraw in place when the panels did not change.
export async function loadDashboard(uid, adoptDefaults, keepGridIfSame) {
  if (!uid) { renderNoDashboard('No dashboard configured.'); return; }
  const seq = ++loadSeq;
  let d;
  try {
    d = await invoke('dashboard', { uid });
  } catch (e) {
    if (seq !== loadSeq) return;
    setError('dashboard', e.message);
    renderNoDashboard('Cannot open dashboard: ' + e.message);
    return;
  }
  if (seq !== loadSeq) return;
  const same = keepGridIfSame && dash && dash.uid === d.uid && panelSignature(dash) === panelSignature(d);
  dash = d;
  const v = state.view;
  if (adoptDefaults) {
    if (d.from) v.from = d.from;
    if (d.to) v.to = d.to;
    v.refresh_ms = d.refresh_ms || null;
    saveView(v);
  }
  $('dash-title').textContent = d.title || d.uid;
  const issues = Array.isArray(d.issues) ? d.issues : [];
  const iss = $('dash-issues');
  iss.hidden = issues.length === 0;
  iss.textContent = issues.length ? '◆ ' + issues.length + (issues.length === 1 ? ' issue' : ' issues') + ' in dashboard' : '';
  iss.setAttribute('title', issues.map(str).join('\n'));
  selectDashboard(d.uid);
  syncTopBar(v);
  buildVariables(d.variables || []);
  if (same) renderAllPanels();
  else buildGrid();
}

// A variable changed in the top bar.
export async function setVariable(name, values) {
  if (!dash) return;
  const uid = dash.uid;
  try {
    await invoke('set_variable', { uid, name, values });
  } catch (e) {
    setError('set_variable', e.message);
    return;
  }
  // Options of dependent variables and repeated panels may change: reload the model, keep the grid if unchanged.
  await loadDashboard(uid, false, true);
}

function renderNoDashboard(msg) {
  destroyPanels();
  const g = $('grid');
  clear(g);
  g.style.height = '';
  g.appendChild(el('div', 'grid-empty', msg));
}

function destroyPanels() {
  panels.forEach((rec) => {
    if (rec.blobUrl) URL.revokeObjectURL(rec.blobUrl);
    rec.dead = true;
  });
  panels.clear();
  hideHover();
}

// The grid as the engine laid it out (rows, repeats, Grafana's compaction): row headers that
// collapse and expand (remembered by the engine), and the panels of the expanded rows.
function buildGrid() {
  destroyPanels();
  const g = $('grid');
  clear(g);
  const byId = new Map(((dash && dash.panels) || []).map((p) => [p.id, p]));
  const items = (dash && Array.isArray(dash.layout)) ? dash.layout : [];
  if (items.length === 0) {
    g.style.height = '';
    g.appendChild(el('div', 'grid-empty', 'This dashboard has no panels.'));
    return;
  }
  let maxY = 0;
  for (const it of items) {
    const gp = it.grid || {};
    let x = Number(gp.x), y = Number(gp.y), w = Number(gp.w), h = Number(gp.h);
    if (!isFinite(w) || w <= 0) w = 12;
    if (!isFinite(h) || h <= 0) h = 8;
    if (!isFinite(x) || x < 0) x = 0;
    if (!isFinite(y) || y < 0) y = maxY;
    w = Math.min(w, GRID_COLS);
    x = Math.min(x, GRID_COLS - w);
    maxY = Math.max(maxY, y + h);
    if (it.kind === 'row') {
      g.appendChild(rowHeader(it, y));
      continue;
    }
    const p = byId.get(it.id);
    if (!p) continue;
    const rec = panelBox(p, x, y, w, h);
    g.appendChild(rec.el);
    panels.set(p.id, rec);
  }
  g.style.height = (maxY * GRID_ROW_PX) + 'px';
  renderDirtyOnScreen();
}

let menusWired = false;
function closePanelMenus() {
  document.querySelectorAll('.panel-menu-list').forEach((l) => { l.hidden = true; });
}

// The panel menu: save the drawing (SVG, PNG) or the data (CSV) to the download folder.
function panelMenu(p) {
  const wrap = el('span', 'panel-menu');
  const b = el('button', 'panel-menu-btn', '⋮');
  b.type = 'button';
  b.setAttribute('aria-label', 'Panel menu: save as PNG, SVG or CSV');
  b.setAttribute('title', 'Save as PNG, SVG or CSV');
  const list = el('div', 'panel-menu-list');
  list.hidden = true;
  for (const [fmt, label] of [['png', 'Save as PNG'], ['svg', 'Save as SVG'], ['csv', 'Save data as CSV']]) {
    const item = el('button', 'panel-menu-item', label);
    item.type = 'button';
    item.dataset.format = fmt;
    item.addEventListener('click', async (e) => {
      e.stopPropagation();
      list.hidden = true;
      const rec = panels.get(p.id);
      const size = (rec && rec.size) || { w: 800, h: 400 };
      try {
        const r = await invoke('export_panel', { uid: dash.uid, panelId: p.id, format: fmt, from: state.view.from, to: state.view.to, width: size.w, height: size.h });
        setError('export', null);
        setError('saved', 'saved ' + str(r && r.path));
        setTimeout(() => setError('saved', null), 8000);
      } catch (err) {
        setError('export', err.message);
      }
    });
    list.appendChild(item);
  }
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    const open = list.hidden;
    closePanelMenus();
    list.hidden = !open;
  });
  if (!menusWired) {
    menusWired = true;
    document.addEventListener('click', closePanelMenus);
  }
  wrap.appendChild(b);
  wrap.appendChild(list);
  return wrap;
}

function rowHeader(it, y) {
  const collapsed = !!it.collapsed;
  const b = el('button', 'grid-row' + (collapsed ? ' collapsed' : ''));
  b.type = 'button';
  b.style.top = (y * GRID_ROW_PX) + 'px';
  b.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
  b.appendChild(el('span', 'grid-row-arrow', collapsed ? '▸' : '▾'));
  b.appendChild(el('span', 'grid-row-title', str(it.title) || '(row)'));
  if (collapsed) b.appendChild(el('span', 'grid-row-count', '(' + Number(it.panels || 0) + ' panels)'));
  b.addEventListener('click', async () => {
    if (!dash) return;
    const uid = dash.uid;
    try {
      await invoke('set_row_collapsed', { uid, index: Number(it.row), collapsed: !collapsed });
    } catch (e) {
      setError('set_row_collapsed', e.message);
      return;
    }
    await loadDashboard(uid, false, true);
  });
  return b;
}

function panelBox(p, x, y, w, h) {
  const box = el('div', 'panel');
  box.style.left = 'calc(' + (x / GRID_COLS * 100) + '% + ' + (PANEL_GAP / 2) + 'px)';
  box.style.width = 'calc(' + (w / GRID_COLS * 100) + '% - ' + PANEL_GAP + 'px)';
  box.style.top = (y * GRID_ROW_PX + PANEL_GAP / 2) + 'px';
  box.style.height = (h * GRID_ROW_PX - PANEL_GAP) + 'px';

  const head = el('div', 'panel-head');
  const title = el('div', 'panel-title', p.title || '');
  title.setAttribute('title', str(p.title));
  head.appendChild(title);
  if (p.description) {
    const info = el('span', 'panel-info', 'i');
    info.setAttribute('title', str(p.description));
    head.appendChild(info);
  }
  if (Array.isArray(p.ignored) && p.ignored.length) {
    // Honest about what is not drawn: the panel uses options Watchdesk ignores (yet).
    const part = el('span', 'panel-partial', '◐ partial');
    part.setAttribute('title', 'Not drawn yet: ' + p.ignored.map(str).join(', '));
    head.appendChild(part);
  }
  const staleTag = el('span', 'panel-stale', '○ STALE');
  staleTag.hidden = true;
  head.appendChild(staleTag);
  head.appendChild(panelMenu(p));
  box.appendChild(head);

  const body = el('div', 'panel-body loading');
  const img = el('img');
  img.alt = '';
  img.draggable = false;
  img.hidden = true;
  body.appendChild(img);
  const cross = el('div', 'crosshair');
  cross.hidden = true;
  body.appendChild(cross);
  box.appendChild(body);

  const rec = {
    p, el: box, body, img, cross, staleTag, title,
    seq: 0, inflight: false, pending: false, dirty: true,
    size: null, plot: null, from: 0, to: 0, blobUrl: null, errEl: null, dead: false,
  };
  body.addEventListener('mousemove', (ev) => {
    if (dash) onHover(rec, ev, { uid: dash.uid, from: state.view.from, to: state.view.to });
  });
  body.addEventListener('mouseleave', () => { if (hoveredPanel() === rec) hideHover(); });
  return rec;
}

function bodySize(rec) {
  const r = rec.body.getBoundingClientRect();
  // Whole CSS pixels that land on device-pixel boundaries, so the SVG maps 1:1 and stays crisp.
  const dpr = window.devicePixelRatio || 1;
  // A wall window with the wall scale draws smaller and shows it stretched: bigger text, thicker lines.
  const k = state.wallScale || 1;
  const w = Math.floor(Math.floor(r.width * dpr) / dpr / k);
  const h = Math.floor(Math.floor(r.height * dpr) / dpr / k);
  return { w, h };
}

// Every panel again (range or variable changed): those on screen now, the others when scrolled to.
export function renderAllPanels() {
  refreshVisiblePanels();
  lastAutoRefresh = Date.now();
}

// New data (the data event, auto-refresh, a source down or back): the same, without resetting the refresh clock.
export function refreshVisiblePanels() {
  panels.forEach((rec) => {
    rec.dirty = true;
    renderPanel(rec);
  });
}

async function renderPanel(rec) {
  if (rec.dead || !dash) return;
  if (!onScreen(rec)) { rec.dirty = true; return; }
  if (rec.inflight) { rec.pending = true; return; }
  const { w, h } = bodySize(rec);
  if (w < 8 || h < 8) { rec.dirty = true; return; }
  rec.dirty = false;
  rec.inflight = true;
  const seq = ++rec.seq;
  const args = { uid: dash.uid, panelId: rec.p.id, from: state.view.from, to: state.view.to, width: w, height: h };
  try {
    const res = await invoke('render_panel', args);
    if (rec.dead || seq !== rec.seq) return;
    showPanelSvg(rec, res, w, h);
    setError('render_panel', null);
  } catch (e) {
    if (rec.dead) return;
    showPanelError(rec, e.message);
  } finally {
    rec.inflight = false;
    if (!rec.dead && rec.pending) {
      rec.pending = false;
      renderPanel(rec);
    }
  }
}

function showPanelSvg(rec, res, w, h) {
  const url = svgUrl(res && res.svg);
  const old = rec.blobUrl;
  rec.blobUrl = url;
  // Double-buffered: the new drawing is decoded off screen and swapped in once loaded, so a redraw
  // (a source going down, a refresh) never blanks a panel on a wall screen.
  const next = el('img');
  next.alt = '';
  next.draggable = false;
  next.style.width = w + 'px';
  next.style.height = h + 'px';
  const swap = () => {
    if (rec.blobUrl === url && !rec.dead) {
      rec.img.replaceWith(next);
      rec.img = next;
    }
    if (old) URL.revokeObjectURL(old);
  };
  next.addEventListener('load', swap, { once: true });
  next.addEventListener('error', swap, { once: true });
  next.src = url;
  rec.img.style.width = w + 'px';
  rec.img.style.height = h + 'px';
  rec.body.classList.remove('loading');
  if (rec.errEl) { rec.errEl.remove(); rec.errEl = null; }
  rec.size = { w, h };
  rec.plot = res && res.plot ? res.plot : null;
  rec.from = Number(res && res.from);
  rec.to = Number(res && res.to);
  const stale = res && res.stale ? str(res.stale) : '';
  rec.staleTag.hidden = !stale;
  rec.staleTag.setAttribute('title', stale);
  rec.el.classList.toggle('stale', !!stale);
}

function showPanelError(rec, msg) {
  rec.body.classList.remove('loading');
  if (!rec.errEl) {
    rec.errEl = el('div', 'panel-error');
    rec.body.appendChild(rec.errEl);
  }
  clear(rec.errEl);
  rec.errEl.appendChild(el('strong', '', '◆ Cannot draw this panel'));
  rec.errEl.appendChild(text(msg));
  // keep the last image (if any) underneath: last data stays visible
}

// A "related panel" link: opens dashboard uid if needed, show() brings the dashboard view up,
// then the panel is scrolled to and highlighted for a few seconds.
export async function goToPanel(uid, panelId, show) {
  if (!dash || dash.uid !== uid) {
    state.view.dashboard = uid;
    await loadDashboard(uid, false);
  }
  show();
  const rec = panels.get(panelId);
  if (rec) {
    rec.el.scrollIntoView({ block: 'center' });
    if (highlight) highlight.rec.el.classList.remove('highlight');
    rec.el.classList.add('highlight');
    highlight = { rec, until: Date.now() + 4000 };
  }
}

// Every second: auto-refresh when due, the highlight's end.
export function dashboardTick(now) {
  const v = state.view;
  if (v.view === 'dashboard' && v.refresh_ms && now - lastAutoRefresh >= v.refresh_ms) {
    lastAutoRefresh = now;
    refreshVisiblePanels();
  }
  if (highlight && now > highlight.until) {
    highlight.rec.el.classList.remove('highlight');
    highlight = null;
  }
}

// The auto-refresh period starts again (the operator chose a new one).
export function restartAutoRefresh() {
  lastAutoRefresh = Date.now();
}
