// Watchdesk desktop UI. Plain ES2020, no framework, no build step.
//
// SECURITY: everything that comes from the monitoring servers (alert names, labels, annotations, panel titles,
// legends, errors) is inserted with textContent / createTextNode / setAttribute on inert attributes only.
// Never innerHTML. Panel SVGs are shown through <img src="blob:…">, never parsed into the DOM.
// Links from servers go through the `open_link` command, never <a href> or window.open.
'use strict';

(function () {
  // ---------------------------------------------------------------- constants
  const RANGES = ['5m', '15m', '1h', '6h', '12h', '24h', '2d', '7d', '30d'];
  const RANGE_WORDS = { m: 'minutes', h: 'hours', d: 'days' };
  const SEV = {
    crit: { word: 'CRIT', sym: '▲', rank: 0 },
    warn: { word: 'WARN', sym: '◆', rank: 1 },
    unknown: { word: 'UNKNOWN', sym: '?', rank: 2 },
    info: { word: 'INFO', sym: '■', rank: 3 },
    none: { word: 'NONE', sym: '□', rank: 4 },
  };
  const HIDDEN_ALERTS = new Set(['Watchdog']); // always-firing heartbeat, not an operator alert
  const RESIZE_DEBOUNCE_MS = 250;
  const GRID_ROW_PX = 30; // Grafana: one gridPos.h unit
  const GRID_COLS = 24;
  const PANEL_GAP = 8;
  const ACK_DURATIONS = [['15m', 15 * 6e4], ['30m', 30 * 6e4], ['1h', 36e5], ['2h', 2 * 36e5], ['4h', 4 * 36e5], ['8h', 8 * 36e5], ['24h', 24 * 36e5]];
  const ACK_DEFAULT_MS = 36e5;
  const AUTHOR_KEY = 'watchdesk.ackAuthor';

  // ---------------------------------------------------------------- state
  const S = {
    view: { view: 'dashboard', dashboard: null, source: null, fingerprint: null, from: 'now-6h', to: 'now', refresh_ms: null },
    dashboards: [],
    sources: [],
    dash: null,
    panels: new Map(), // panel id -> record
    alerts: null,
    health: [],
    worst: null,
    filter: '',
    group: '',
    lastAutoRefresh: 0,
    highlight: null, // {rec, until}
    errors: new Map(), // key -> message
    alertsBusy: false,
    alertsAgain: false,
    detailBusy: false,
    detailAgain: false,
    detailChartUrl: null,
    detailKey: null,
    alertsKey: null,
    statusBusy: false,
    statusAgain: false,
    dashLoadSeq: 0,
    user: '', // OS user name from app_state: default author of acknowledgements
    ackDlg: null, // the open acknowledge dialog, if any
    ackNote: null, // last un-acknowledge result shown in the detail header {key, cls, text, until}
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- DOM helpers (text only)
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function button(text, cls, onClick) {
    const b = el('button', cls || 'tbbtn', text);
    b.type = 'button';
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }
  function str(v) {
    return v === undefined || v === null ? '' : String(v);
  }

  // ---------------------------------------------------------------- IPC
  function tauri() {
    return window.__TAURI__;
  }
  async function invoke(cmd, args) {
    try {
      const r = await tauri().core.invoke(cmd, args || {});
      setError(cmd, null);
      return r;
    } catch (e) {
      const msg = typeof e === 'string' ? e : (e && e.message) ? e.message : JSON.stringify(e);
      throw new Error(msg);
    }
  }
  function listen(name, cb) {
    try {
      const p = tauri().event.listen(name, (ev) => {
        try { cb((ev && ev.payload) || {}); } catch (e) { console.error(name, e); }
      });
      if (p && p.catch) p.catch((e) => console.error('listen', name, e));
    } catch (e) {
      console.error('listen', name, e);
    }
  }
  function setError(key, msg) {
    if (msg) S.errors.set(key, msg); else S.errors.delete(key);
    const line = $('error-line');
    if (S.errors.size === 0) { line.hidden = true; clear(line); return; }
    clear(line);
    const parts = [];
    S.errors.forEach((m, k) => parts.push(k + ': ' + m));
    line.textContent = '⚠ ' + parts.join('   ·   ');
    line.hidden = false;
  }
  function saveView() {
    const v = S.view;
    const view = {
      view: v.view, dashboard: v.dashboard, source: v.source, fingerprint: v.fingerprint,
      from: v.from, to: v.to, refresh_ms: v.refresh_ms,
    };
    invoke('save_view', { view }).catch((e) => setError('save_view', e.message));
  }

  // ---------------------------------------------------------------- time formatting
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function isToday(d) {
    const n = new Date();
    return d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  }
  function hhmm(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    const d = new Date(ms);
    const t = pad(d.getHours()) + ':' + pad(d.getMinutes());
    if (isToday(d)) return t;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + t;
  }
  function fullTime(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    const d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function hms(ms) {
    const d = new Date(ms);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function duration(ms) {
    if (!isFinite(ms)) return '—';
    if (ms < 0) ms = 0;
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min';
    const h = Math.floor(m / 60);
    if (h < 24) return h + ' h ' + (m % 60) + ' min';
    const d = Math.floor(h / 24);
    return d + ' d ' + (h % 24) + ' h';
  }
  function ago(ms) {
    return duration(Date.now() - ms);
  }
  function toLocalInput(ms) {
    const d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  function relToMs(spec) {
    // "now", "now-6h", or ms since epoch as a string
    const s = str(spec).trim();
    if (/^\d+$/.test(s)) return Number(s);
    const m = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
    if (!m) return NaN;
    if (!m[1]) return Date.now();
    const mult = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2]];
    return Date.now() - Number(m[1]) * mult;
  }
  function rangeLabel() {
    const v = S.view;
    const m = /^now-(\d+)([mhd])$/.exec(v.from);
    if (m && v.to === 'now') {
      const n = Number(m[1]);
      let word = RANGE_WORDS[m[2]];
      if (n === 1) word = word.slice(0, -1);
      return 'Last ' + n + ' ' + word;
    }
    return fullTime(relToMs(v.from)).slice(0, 16) + '  →  ' + (v.to === 'now' ? 'now' : fullTime(relToMs(v.to)).slice(0, 16));
  }

  // ---------------------------------------------------------------- severity
  function sevKey(sev) {
    const s = str(sev).trim().toLowerCase();
    if (s === 'critical') return 'crit';
    if (s === 'warning') return 'warn';
    if (s === 'info') return 'info';
    if (s === 'none') return 'none';
    return 'unknown'; // missing or unrecognised: shown and counted, never hidden
  }
  function sevBadge(sev) {
    const k = sevKey(sev);
    const b = el('span', 'sev sev-' + k, SEV[k].sym + ' ' + SEV[k].word);
    if (k === 'unknown') {
      b.setAttribute('title', str(sev) === '' ? 'no severity label' : 'severity "' + str(sev) + '"');
    }
    return b;
  }
  function stateWord(st) {
    const s = str(st).toLowerCase();
    return s || 'unknown';
  }
  function isFiring(a) { return stateWord(a.state) === 'firing'; }
  // resolved while nobody acknowledged it: listed until an operator acknowledges it (locally)
  function isResolvedUnacked(a) { return stateWord(a.state) === 'resolved, not acknowledged'; }

  // ---------------------------------------------------------------- acknowledgements
  // ack: {by, at, until, comment, silence_id} | null  (a silence made from Watchdesk)
  // pending_ack: an acknowledgement queued locally, sent when Alertmanager answers again
  // silenced without ack: a maintenance (or other) silence made elsewhere
  function ackOf(a) {
    return a && a.ack && typeof a.ack === 'object' ? a.ack : null;
  }
  function isPendingAck(a) { return !!(a && a.pending_ack); }
  function isMaintenance(a) {
    const st = stateWord(a.state);
    return !ackOf(a) && (st === 'silenced' || st === 'suppressed');
  }
  function canAck(a) { return !!a && isFiring(a) && !ackOf(a) && !isPendingAck(a); }
  // attention order inside a severity: firing, firing with a queued ack, acknowledged, silenced/inhibited
  function attention(a) {
    if (isResolvedUnacked(a)) return 1;
    if (ackOf(a)) return 2;
    if (isFiring(a)) return isPendingAck(a) ? 1 : 0;
    return 3;
  }
  function ackAuthor(ack) { return str(ack && ack.by) || 'someone'; }

  // ================================================================ VIEWS
  function showView(name) {
    S.view.view = name;
    for (const v of ['dashboard', 'alerts', 'alert', 'shiftlog']) {
      $('view-' + v).hidden = v !== name;
    }
    document.body.classList.toggle('v-dashboard', name === 'dashboard');
    $('nav-dashboard').classList.toggle('active', name === 'dashboard');
    $('nav-alerts').classList.toggle('active', name === 'alerts' || name === 'alert');
    $('nav-shiftlog').classList.toggle('active', name === 'shiftlog');
    if (name !== 'dashboard') hideHover();
    if (name === 'dashboard') {
      renderDirtyOnScreen(); // panels that changed while another view was shown
    }
  }
  function goDashboard() {
    showView('dashboard');
    S.view.source = null;
    S.view.fingerprint = null;
    saveView();
    $('main').scrollTop = 0;
  }
  function goAlerts(group) {
    if (group !== undefined) {
      S.group = group || '';
      $('group-filter').value = S.group;
    }
    showView('alerts');
    S.view.source = null;
    S.view.fingerprint = null;
    saveView();
    renderAlerts();
    $('main').scrollTop = 0;
  }
  function openAlert(source, fingerprint) {
    S.view.source = source;
    S.view.fingerprint = fingerprint;
    showView('alert');
    saveView();
    clear($('detail'));
    $('detail').appendChild(el('div', 'detail-loading', 'Loading alert…'));
    $('main').scrollTop = 0;
    loadDetail();
  }

  // ================================================================ TOP BAR
  function buildTopBar() {
    const rb = $('range-buttons');
    for (const r of RANGES) {
      const b = button(r, '', () => setRange('now-' + r, 'now'));
      b.dataset.range = 'now-' + r;
      b.setAttribute('title', 'Last ' + r);
      rb.appendChild(b);
    }
    $('custom-toggle').addEventListener('click', toggleCustom);
    $('custom-cancel').addEventListener('click', () => { $('custom-range').hidden = true; $('custom-toggle').setAttribute('aria-expanded', 'false'); });
    $('custom-apply').addEventListener('click', applyCustom);
    $('refresh-select').addEventListener('change', () => {
      const v = $('refresh-select').value;
      S.view.refresh_ms = v === '' ? null : Number(v);
      S.lastAutoRefresh = Date.now();
      saveView();
    });
    $('dash-select').addEventListener('change', () => {
      const uid = $('dash-select').value;
      if (uid && uid !== S.view.dashboard) {
        S.view.dashboard = uid;
        loadDashboard(uid, true);
        saveView();
      }
    });
    $('nav-dashboard').addEventListener('click', goDashboard);
    $('nav-alerts').addEventListener('click', () => goAlerts());
    $('nav-shiftlog').addEventListener('click', goShiftLog);
    $('shift-since').addEventListener('change', () => {
      $('shift-time').hidden = $('shift-since').value !== 'time';
      loadShiftLog();
    });
    $('shift-time').addEventListener('change', loadShiftLog);
    $('shift-export').addEventListener('click', exportShiftLog);
    $('detail-back').addEventListener('click', () => goAlerts());
  }

  function syncTopBar() {
    const v = S.view;
    document.querySelectorAll('#range-buttons button').forEach((b) => {
      b.classList.toggle('active', v.to === 'now' && b.dataset.range === v.from);
    });
    const isPreset = v.to === 'now' && RANGES.some((r) => 'now-' + r === v.from);
    $('custom-toggle').classList.toggle('active', !isPreset);
    const sel = $('refresh-select');
    const val = v.refresh_ms ? String(v.refresh_ms) : '';
    if (val && !Array.from(sel.options).some((o) => o.value === val)) {
      const o = el('option', '', duration(v.refresh_ms));
      o.value = val;
      sel.appendChild(o);
    }
    sel.value = val;
    $('dash-range').textContent = rangeLabel();
  }

  function fillDashboardSelect() {
    const sel = $('dash-select');
    clear(sel);
    for (const d of S.dashboards) {
      const o = el('option', '', d.title || d.uid);
      o.value = d.uid;
      sel.appendChild(o);
    }
    if (S.view.dashboard) sel.value = S.view.dashboard;
  }

  function setRange(from, to) {
    S.view.from = from;
    S.view.to = to;
    $('custom-range').hidden = true;
    $('custom-toggle').setAttribute('aria-expanded', 'false');
    syncTopBar();
    saveView();
    renderAllPanels();
  }
  function toggleCustom() {
    const box = $('custom-range');
    if (!box.hidden) { box.hidden = true; $('custom-toggle').setAttribute('aria-expanded', 'false'); return; }
    let f = relToMs(S.view.from), t = relToMs(S.view.to);
    if (!isFinite(f)) f = Date.now() - 6 * 36e5;
    if (!isFinite(t)) t = Date.now();
    $('custom-from').value = toLocalInput(f);
    $('custom-to').value = toLocalInput(t);
    $('custom-error').textContent = '';
    box.hidden = false;
    $('custom-toggle').setAttribute('aria-expanded', 'true');
    $('custom-from').focus();
  }
  function applyCustom() {
    const f = new Date($('custom-from').value).getTime();
    const t = new Date($('custom-to').value).getTime();
    if (!isFinite(f) || !isFinite(t)) { $('custom-error').textContent = 'Enter both dates.'; return; }
    if (f >= t) { $('custom-error').textContent = '"From" must be before "To".'; return; }
    setRange(String(f), String(t));
  }

  // ---------------------------------------------------------------- template variables
  let openPop = null;
  function closePop() {
    if (openPop) { openPop.remove(); openPop = null; }
  }
  function varLabelText(v, values) {
    if (!values || values.length === 0) return 'None';
    if (v.include_all && values.some((x) => x === '$__all' || x === 'All')) return 'All';
    return values.join(' + ');
  }
  function buildVariables() {
    const box = $('vars');
    clear(box);
    closePop();
    const vars = (S.dash && S.dash.variables) || [];
    for (const v of vars) {
      const wrap = el('div', 'var');
      const id = 'var-' + Math.random().toString(36).slice(2);
      const lab = el('label', 'tb-label', v.label || v.name);
      lab.setAttribute('for', id);
      wrap.appendChild(lab);
      const current = Array.isArray(v.current) ? v.current.map(str) : [];
      if (!v.multi) {
        const sel = el('select');
        sel.id = id;
        if (v.include_all) {
          const o = el('option', '', 'All');
          o.value = '$__all';
          sel.appendChild(o);
        }
        for (const opt of v.options || []) {
          const o = el('option', '', opt);
          o.value = str(opt);
          sel.appendChild(o);
        }
        const cur = current[0];
        if (cur === 'All' && v.include_all) sel.value = '$__all';
        else if (cur !== undefined) {
          if (!Array.from(sel.options).some((o) => o.value === cur)) {
            const o = el('option', '', cur);
            o.value = cur;
            sel.appendChild(o);
          }
          sel.value = cur;
        }
        sel.addEventListener('change', () => setVariable(v.name, [sel.value]));
        wrap.appendChild(sel);
      } else {
        const b = el('button', 'varbtn', varLabelText(v, current));
        b.type = 'button';
        b.id = id;
        b.setAttribute('title', varLabelText(v, current));
        b.addEventListener('click', (ev) => {
          ev.stopPropagation();
          if (openPop && openPop.parentNode === wrap) { closePop(); return; }
          closePop();
          openPop = buildVarPopover(v, current);
          wrap.appendChild(openPop);
        });
        wrap.appendChild(b);
      }
      box.appendChild(wrap);
    }
  }
  function buildVarPopover(v, current) {
    const pop = el('div', 'varpop');
    pop.addEventListener('click', (e) => e.stopPropagation());
    const allSelected = v.include_all && current.some((x) => x === '$__all' || x === 'All');
    const boxes = [];
    let allBox = null;
    if (v.include_all) {
      const l = el('label');
      allBox = el('input');
      allBox.type = 'checkbox';
      allBox.checked = allSelected;
      l.appendChild(allBox);
      l.appendChild(document.createTextNode('All'));
      pop.appendChild(l);
      allBox.addEventListener('change', () => { if (allBox.checked) boxes.forEach((c) => { c.checked = false; }); });
    }
    for (const opt of v.options || []) {
      const l = el('label');
      const c = el('input');
      c.type = 'checkbox';
      c.value = str(opt);
      c.checked = !allSelected && current.includes(str(opt));
      c.addEventListener('change', () => { if (c.checked && allBox) allBox.checked = false; });
      boxes.push(c);
      l.appendChild(c);
      l.appendChild(document.createTextNode(str(opt)));
      pop.appendChild(l);
    }
    const act = el('div', 'varpop-actions');
    act.appendChild(button('Cancel', 'tbbtn', closePop));
    act.appendChild(button('Apply', 'tbbtn primary', () => {
      let vals = boxes.filter((c) => c.checked).map((c) => c.value);
      if (allBox && (allBox.checked || vals.length === 0)) vals = ['$__all'];
      closePop();
      setVariable(v.name, vals);
    }));
    pop.appendChild(act);
    return pop;
  }
  async function setVariable(name, values) {
    if (!S.dash) return;
    const uid = S.dash.uid;
    try {
      await invoke('set_variable', { uid, name, values });
    } catch (e) {
      setError('set_variable', e.message);
      return;
    }
    // Options of dependent variables and repeated panels may change: reload the model, keep the grid if unchanged.
    await loadDashboard(uid, false, true);
  }

  // ================================================================ DASHBOARD
  let resizeObs = null;
  let resizeTimer = null;

  // Visibility is computed from geometry when needed (no IntersectionObserver: it only reports on rendered
  // frames, and a panel must never miss a refresh because a callback came late). 200 px margin preloads.
  function onScreen(rec) {
    if (rec.dead || S.view.view !== 'dashboard') return false;
    const m = $('main').getBoundingClientRect();
    const b = rec.el.getBoundingClientRect();
    return b.width > 0 && b.bottom > m.top - 200 && b.top < m.bottom + 200;
  }
  function renderDirtyOnScreen() {
    S.panels.forEach((rec) => { if (rec.dirty && onScreen(rec)) renderPanel(rec); });
  }

  function setupObservers() {
    $('main').addEventListener('scroll', renderDirtyOnScreen, { passive: true });
    window.addEventListener('resize', renderDirtyOnScreen);
    resizeObs = new ResizeObserver(() => {
      if (resizeTimer) clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        resizeTimer = null;
        S.panels.forEach((rec) => {
          const { w, h } = bodySize(rec);
          if (w < 8 || h < 8) return;
          if (!rec.size || rec.size.w !== w || rec.size.h !== h) {
            rec.dirty = true;
            renderPanel(rec);
          }
        });
      }, RESIZE_DEBOUNCE_MS);
    });
    resizeObs.observe($('grid'));
    window.addEventListener('resize', () => { hideHover(); });
  }

  function panelSignature(d) {
    return JSON.stringify((d.panels || []).map((p) => [p.id, p.kind, p.title, p.grid]));
  }

  async function loadDashboard(uid, adoptDefaults, keepGridIfSame) {
    if (!uid) { renderNoDashboard('No dashboard configured.'); return; }
    const seq = ++S.dashLoadSeq;
    let d;
    try {
      d = await invoke('dashboard', { uid });
    } catch (e) {
      if (seq !== S.dashLoadSeq) return;
      setError('dashboard', e.message);
      renderNoDashboard('Cannot open dashboard: ' + e.message);
      return;
    }
    if (seq !== S.dashLoadSeq) return;
    const same = keepGridIfSame && S.dash && S.dash.uid === d.uid && panelSignature(S.dash) === panelSignature(d);
    S.dash = d;
    if (adoptDefaults) {
      if (d.from) S.view.from = d.from;
      if (d.to) S.view.to = d.to;
      S.view.refresh_ms = d.refresh_ms || null;
      saveView();
    }
    $('dash-title').textContent = d.title || d.uid;
    const issues = Array.isArray(d.issues) ? d.issues : [];
    const iss = $('dash-issues');
    iss.hidden = issues.length === 0;
    iss.textContent = issues.length ? '◆ ' + issues.length + (issues.length === 1 ? ' issue' : ' issues') + ' in dashboard' : '';
    iss.setAttribute('title', issues.map(str).join('\n'));
    $('dash-select').value = d.uid;
    syncTopBar();
    buildVariables();
    if (same) renderAllPanels();
    else buildGrid();
  }

  function renderNoDashboard(msg) {
    destroyPanels();
    const g = $('grid');
    clear(g);
    g.style.height = '';
    g.appendChild(el('div', 'grid-empty', msg));
  }

  function destroyPanels() {
    S.panels.forEach((rec) => {
      if (rec.blobUrl) URL.revokeObjectURL(rec.blobUrl);
      rec.dead = true;
    });
    S.panels.clear();
    hideHover();
  }

  function buildGrid() {
    destroyPanels();
    const g = $('grid');
    clear(g);
    const panels = ((S.dash && S.dash.panels) || []).filter((p) => str(p.kind).toLowerCase() !== 'row');
    if (panels.length === 0) {
      g.style.height = '';
      g.appendChild(el('div', 'grid-empty', 'This dashboard has no panels.'));
      return;
    }
    let maxY = 0;
    let autoY = 0;
    for (const p of panels) {
      const gp = p.grid || {};
      let x = Number(gp.x), y = Number(gp.y), w = Number(gp.w), h = Number(gp.h);
      if (!isFinite(w) || w <= 0) w = 12;
      if (!isFinite(h) || h <= 0) h = 8;
      if (!isFinite(x) || x < 0) x = 0;
      if (!isFinite(y) || y < 0) y = autoY;
      w = Math.min(w, GRID_COLS);
      x = Math.min(x, GRID_COLS - w);
      autoY = Math.max(autoY, y + h);
      maxY = Math.max(maxY, y + h);

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
      const staleTag = el('span', 'panel-stale', '○ STALE');
      staleTag.hidden = true;
      head.appendChild(staleTag);
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
      g.appendChild(box);

      const rec = {
        p, el: box, body, img, cross, staleTag, title,
        seq: 0, inflight: false, pending: false, dirty: true,
        size: null, plot: null, from: 0, to: 0, blobUrl: null, errEl: null, dead: false,
      };
      S.panels.set(p.id, rec);
      body.addEventListener('mousemove', (ev) => onHover(rec, ev));
      body.addEventListener('mouseleave', () => { if (hover.rec === rec) hideHover(); });
    }
    g.style.height = (maxY * GRID_ROW_PX) + 'px';
    renderDirtyOnScreen();
  }

  function bodySize(rec) {
    const r = rec.body.getBoundingClientRect();
    // Whole CSS pixels that land on device-pixel boundaries, so the SVG maps 1:1 and stays crisp.
    const dpr = window.devicePixelRatio || 1;
    const w = Math.floor(Math.floor(r.width * dpr) / dpr);
    const h = Math.floor(Math.floor(r.height * dpr) / dpr);
    return { w, h };
  }

  function renderAllPanels() {
    S.panels.forEach((rec) => {
      rec.dirty = true;
      renderPanel(rec);
    });
    S.lastAutoRefresh = Date.now();
  }
  function refreshVisiblePanels() {
    // wd:data: only what is on screen now; the others redraw when scrolled into view.
    S.panels.forEach((rec) => {
      rec.dirty = true;
      renderPanel(rec);
    });
  }

  async function renderPanel(rec) {
    if (rec.dead || !S.dash) return;
    if (!onScreen(rec)) { rec.dirty = true; return; }
    if (rec.inflight) { rec.pending = true; return; }
    const { w, h } = bodySize(rec);
    if (w < 8 || h < 8) { rec.dirty = true; return; }
    rec.dirty = false;
    rec.inflight = true;
    const seq = ++rec.seq;
    const uid = S.dash.uid;
    const args = { uid, panelId: rec.p.id, from: S.view.from, to: S.view.to, width: w, height: h };
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

  function svgUrl(svg) {
    const blob = new Blob([str(svg)], { type: 'image/svg+xml' });
    return URL.createObjectURL(blob);
  }

  function showPanelSvg(rec, res, w, h) {
    const url = svgUrl(res && res.svg);
    const old = rec.blobUrl;
    rec.blobUrl = url;
    const img = rec.img;
    img.addEventListener('load', () => { if (old) URL.revokeObjectURL(old); }, { once: true });
    img.addEventListener('error', () => { if (old) URL.revokeObjectURL(old); }, { once: true });
    img.src = url;
    img.style.width = w + 'px';
    img.style.height = h + 'px';
    img.hidden = false;
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
    rec.errEl.appendChild(document.createTextNode(msg));
    // keep the last image (if any) underneath: last data stays visible
  }

  // ---------------------------------------------------------------- hover crosshair + tooltip
  const hover = { rec: null, at: 0, x: 0, y: 0, busy: false, again: false };

  function isTimeseries(rec) {
    const k = str(rec.p.kind).toLowerCase();
    return k === 'timeseries' || k === 'graph' || k === 'time_series' || k === 'time-series';
  }

  function onHover(rec, ev) {
    if (!rec.plot || !rec.size || !isTimeseries(rec) || !(rec.to > rec.from)) { if (hover.rec === rec) hideHover(); return; }
    const ir = rec.img.getBoundingClientRect();
    if (ir.width <= 0 || ir.height <= 0) return;
    const sx = ir.width / rec.size.w;
    const sy = ir.height / rec.size.h;
    const x = (ev.clientX - ir.left) / sx;
    const y = (ev.clientY - ir.top) / sy;
    const pl = rec.plot;
    if (x < pl.left || x > pl.right || y < pl.top || y > pl.bottom || pl.right <= pl.left) { hideHover(); return; }
    const at = Math.round(rec.from + (x - pl.left) / (pl.right - pl.left) * (rec.to - rec.from));
    const br = rec.body.getBoundingClientRect();
    const cross = rec.cross;
    cross.style.left = Math.round(ev.clientX - br.left) + 'px';
    cross.style.top = Math.round(ir.top - br.top + pl.top * sy) + 'px';
    cross.style.height = Math.round((pl.bottom - pl.top) * sy) + 'px';
    cross.hidden = false;
    if (hover.rec && hover.rec !== rec) hover.rec.cross.hidden = true;
    const changedPanel = hover.rec !== rec;
    hover.rec = rec;
    hover.at = at;
    hover.x = ev.clientX;
    hover.y = ev.clientY;
    if (changedPanel) showTooltip(at, null);
    else placeTooltip();
    requestValues();
  }

  async function requestValues() {
    if (hover.busy) { hover.again = true; return; }
    const rec = hover.rec;
    if (!rec || !S.dash) return;
    hover.busy = true;
    const at = hover.at;
    try {
      const res = await invoke('panel_values', { uid: S.dash.uid, panelId: rec.p.id, from: S.view.from, to: S.view.to, at });
      if (hover.rec === rec) showTooltip(res && isFinite(res.t) ? res.t : at, (res && res.values) || []);
    } catch (e) {
      if (hover.rec === rec) showTooltip(at, null, e.message);
    } finally {
      hover.busy = false;
      if (hover.again) { hover.again = false; requestValues(); }
    }
  }

  function showTooltip(t, values, err) {
    const tt = $('tooltip');
    clear(tt);
    const span = hover.rec ? hover.rec.to - hover.rec.from : 0;
    tt.appendChild(el('div', 'tt-time', span > 2 * 864e5 ? fullTime(t) : hms(t)));
    if (err) {
      tt.appendChild(el('div', 'tt-empty', err));
    } else if (values === null) {
      tt.appendChild(el('div', 'tt-empty', '…'));
    } else if (values.length === 0) {
      tt.appendChild(el('div', 'tt-empty', '○ no data at this time'));
    } else {
      for (const v of values.slice(0, 20)) {
        const row = el('div', 'tt-row');
        const sw = el('span', 'tt-sw');
        const c = str(v.color);
        if (/^#[0-9a-fA-F]{6}$/.test(c)) sw.style.background = c;
        row.appendChild(sw);
        row.appendChild(el('span', 'tt-name', v.name));
        row.appendChild(el('span', 'tt-val', v.value));
        tt.appendChild(row);
      }
      if (values.length > 20) tt.appendChild(el('div', 'tt-empty', '+ ' + (values.length - 20) + ' more'));
    }
    tt.hidden = false;
    placeTooltip();
  }

  function placeTooltip() {
    const tt = $('tooltip');
    if (tt.hidden) return;
    const r = tt.getBoundingClientRect();
    let x = hover.x + 18;
    let y = hover.y + 18;
    if (x + r.width > window.innerWidth - 8) x = hover.x - r.width - 18;
    if (y + r.height > window.innerHeight - 8) y = window.innerHeight - r.height - 8;
    tt.style.left = Math.max(4, x) + 'px';
    tt.style.top = Math.max(4, y) + 'px';
  }

  function hideHover() {
    if (hover.rec) hover.rec.cross.hidden = true;
    hover.rec = null;
    hover.again = false;
    $('tooltip').hidden = true;
  }

  function goToPanel(uid, panelId) {
    const after = () => {
      showView('dashboard');
      S.view.source = null;
      S.view.fingerprint = null;
      saveView();
      const rec = S.panels.get(panelId);
      if (rec) {
        rec.el.scrollIntoView({ block: 'center' });
        if (S.highlight) S.highlight.rec.el.classList.remove('highlight');
        rec.el.classList.add('highlight');
        S.highlight = { rec, until: Date.now() + 4000 };
      }
    };
    if (!S.dash || S.dash.uid !== uid) {
      S.view.dashboard = uid;
      loadDashboard(uid, false).then(after);
    } else {
      after();
    }
  }

  // ================================================================ ALERTS
  async function refreshAlerts() {
    if (S.alertsBusy) { S.alertsAgain = true; return; }
    S.alertsBusy = true;
    try {
      const r = await invoke('alerts');
      S.alerts = r || { alerts: [] };
      if (r && Array.isArray(r.health) && r.health.length) { S.health = r.health; renderHealth(); }
      renderAlerts();
    } catch (e) {
      setError('alerts', e.message);
    } finally {
      S.alertsBusy = false;
      if (S.alertsAgain) { S.alertsAgain = false; refreshAlerts(); }
    }
  }

  function visibleAlerts() {
    const list = (S.alerts && Array.isArray(S.alerts.alerts)) ? S.alerts.alerts : [];
    return list.filter((a) => a && !HIDDEN_ALERTS.has(str(a.alertname)));
  }

  function sortAlerts(list) {
    // severity, then firing before ack pending before acknowledged before silenced/inhibited, then oldest first
    return list.slice().sort((a, b) =>
      SEV[sevKey(a.severity)].rank - SEV[sevKey(b.severity)].rank ||
      attention(a) - attention(b) ||
      (Number(a.starts_at) || 0) - (Number(b.starts_at) || 0) ||
      str(a.alertname).localeCompare(str(b.alertname)));
  }

  // Like the engine's view::counts: firing alerts only (silenced/inhibited are counted apart), Watchdog excluded,
  // "none" counted with info, missing/unrecognised severity counted as unknown.
  function countAlerts(list) {
    const c = { crit: 0, warn: 0, info: 0, unknown: 0, none: 0, total: list.length, firing: 0, quiet: 0, acked: 0, pending: 0, resolved: 0, worstFiring: null };
    for (const a of list) {
      const k = sevKey(a.severity);
      if (isPendingAck(a)) c.pending++;
      if (isResolvedUnacked(a)) {
        c.resolved++; // resolved, waiting for an acknowledgement: not firing
      } else if (ackOf(a)) {
        c.acked++; // acknowledged: counted apart from firing and from maintenance silences
      } else if (isFiring(a)) {
        c[k]++;
        c.firing++;
        if (!c.worstFiring || SEV[k].rank < SEV[c.worstFiring].rank) c.worstFiring = k;
      } else {
        c.quiet++;
      }
    }
    return c;
  }

  function alertHaystack(a) {
    const parts = [a.alertname, a.severity, sevKey(a.severity) === 'unknown' ? 'unknown' : '', a.state, a.summary, a.source];
    for (const o of [a.labels, a.annotations]) {
      if (o && typeof o === 'object') for (const k of Object.keys(o)) parts.push(k + '=' + str(o[k]));
    }
    return parts.map(str).join('\n').toLowerCase();
  }

  function updateBadge(c) {
    const badge = $('alert-badge');
    const k = c.worstFiring || 'none';
    badge.className = 'badge badge-' + (c.firing ? k : 'none');
    badge.textContent = c.firing ? SEV[k].sym + ' ' + c.firing : '0';
    badge.setAttribute('title', c.firing + ' firing (' + c.crit + ' critical, ' + c.warn + ' warning, ' + c.unknown + ' unknown, ' + (c.info + c.none) + ' info), ' + c.acked + ' acknowledged, ' + c.quiet + ' silenced or inhibited' + (c.pending ? ', ' + c.pending + ' acknowledgement(s) pending' : ''));
    document.title = c.firing ? '(' + c.firing + ') Watchdesk' : 'Watchdesk';
  }

  function renderSummary(c) {
    const box = $('alert-summary');
    clear(box);
    const chip = (cls, sym, word, n) => {
      const d = el('span', 'sumchip ' + cls + (n === 0 ? ' zero' : ''));
      d.appendChild(el('span', 'sym', sym));
      d.appendChild(el('span', 'w', word));
      d.appendChild(el('span', 'n', n));
      return d;
    };
    box.appendChild(chip('crit', SEV.crit.sym, 'CRITICAL', c.crit));
    box.appendChild(chip('warn', SEV.warn.sym, 'WARNING', c.warn));
    box.appendChild(chip('unknown', SEV.unknown.sym, 'UNKNOWN', c.unknown));
    box.appendChild(chip('info', SEV.info.sym, 'INFO', c.info + c.none));
    const t = chip('total', '', 'FIRING', c.firing);
    t.appendChild(el('span', 'w', '+ ' + c.acked + ' acknowledged · ' + c.quiet + ' silenced/inhibited' + (c.pending ? ' · ' + c.pending + ' ack pending' : '') + (c.resolved ? ' · ' + c.resolved + ' resolved, not acknowledged' : '')));
    box.appendChild(t);
  }

  function renderGroupFilter(groups) {
    const sel = $('group-filter');
    const names = groups.map((g) => g.name);
    if (S.group && !names.includes(S.group)) names.push(S.group);
    const want = [''].concat(names);
    const have = Array.from(sel.options).map((o) => o.value);
    if (want.join('\u0000') !== have.join('\u0000')) {
      clear(sel);
      const all = el('option', '', 'All groups');
      all.value = '';
      sel.appendChild(all);
      for (const n of names) {
        const g = groups.find((x) => x.name === n);
        const o = el('option', '', g ? n + ' (' + g.alerts.length + ')' : n + ' (none now)');
        o.value = n;
        sel.appendChild(o);
      }
    }
    sel.value = S.group;
  }

  function renderAlerts() {
    if (!S.alerts) {
      // never loaded: not "no alerts", which would look healthy
      const badge = $('alert-badge');
      badge.className = 'badge badge-unknown';
      badge.textContent = '?';
      if (S.view.view === 'alerts') {
        const list = $('alert-list');
        clear(list);
        list.appendChild(el('div', 'alist-empty', '○ NO DATA — alerts not loaded yet'));
      }
      return;
    }
    const all = sortAlerts(visibleAlerts());
    const c = countAlerts(all);
    updateBadge(c);
    renderSummary(c);

    // groups by alertname, in order of their most severe / oldest member
    const groups = [];
    const byName = new Map();
    for (const a of all) {
      const name = str(a.alertname) || '(no alertname)';
      let g = byName.get(name);
      if (!g) { g = { name, alerts: [] }; byName.set(name, g); groups.push(g); }
      g.alerts.push(a);
    }
    renderGroupFilter(groups);

    if (S.view.view !== 'alerts') { S.alertsKey = null; return; }
    const key = JSON.stringify([all, S.filter, S.group, healthDown()]);
    if (key === S.alertsKey && $('alert-list').firstChild) return; // nothing changed since the last drawing
    S.alertsKey = key;
    const list = $('alert-list');
    const focusedFp = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.fp : null;
    clear(list);

    const terms = S.filter.toLowerCase().split(/\s+/).filter(Boolean);
    const multiSource = new Set(all.map((a) => a.source)).size > 1;
    let shown = 0;
    const hdr = el('div', 'alist-head');
    for (const h of ['Severity', 'Alert', 'Instance / job', 'State / acknowledgement', 'Since', 'Summary']) hdr.appendChild(el('span', h === 'Summary' ? 'h-summary' : '', h));
    list.appendChild(hdr);

    for (const g of groups) {
      if (S.group && g.name !== S.group) continue;
      const rows = terms.length ? g.alerts.filter((a) => { const h = alertHaystack(a); return terms.every((t) => h.includes(t)); }) : g.alerts;
      if (rows.length === 0) continue;
      shown += rows.length;
      const worst = sevKey(g.alerts[0].severity);
      const box = el('div', 'agroup g-' + worst);
      box.setAttribute('role', 'group');
      const head = el('div', 'agroup-head');
      head.appendChild(sevBadge(g.alerts[0].severity));
      const n = rows.length;
      const countText = n === g.alerts.length ? n + (n === 1 ? ' alert' : ' alerts') : n + ' of ' + g.alerts.length + ' alerts';
      head.appendChild(el('span', 'agroup-name', g.name));
      head.appendChild(el('span', 'agroup-count', '— ' + countText));
      const acked = rows.filter((a) => ackOf(a)).length;
      const firing = rows.filter((a) => isFiring(a) && !ackOf(a)).length;
      const resolved = rows.filter((a) => isResolvedUnacked(a)).length;
      const quiet = rows.length - firing - acked - resolved;
      const jobs = Array.from(new Set(rows.map((a) => str(a.labels && a.labels.job)).filter(Boolean)));
      let meta = firing + ' firing' + (acked ? ' · ' + acked + ' acknowledged' : '') + (quiet ? ' · ' + quiet + ' silenced/inhibited' : '') + (resolved ? ' · ' + resolved + ' resolved, not acknowledged' : '');
      if (jobs.length) meta += ' · job: ' + jobs.slice(0, 6).join(', ') + (jobs.length > 6 ? ' …' : '');
      const jm = el('span', 'agroup-jobs', meta);
      jm.setAttribute('title', meta);
      head.appendChild(jm);
      if (!S.group) {
        head.appendChild(button('Only this group', 'tbbtn agroup-only', () => {
          S.group = g.name;
          $('group-filter').value = g.name;
          renderAlerts();
        }));
      }
      box.appendChild(head);
      for (const a of rows) box.appendChild(alertRow(a, multiSource));
      list.appendChild(box);
    }

    if (shown === 0) {
      hdr.remove();
      if (all.length === 0) {
        const e = el('div', 'alist-empty good');
        if (healthDown()) {
          e.className = 'alist-empty';
          e.textContent = '○ NO DATA — no alerts received, but a source is unreachable. Alerts may be missing.';
        } else {
          e.appendChild(el('span', 'sym', '● '));
          e.appendChild(document.createTextNode('OK — no active alerts'));
        }
        list.appendChild(e);
      } else {
        list.appendChild(el('div', 'alist-empty', 'No alert matches the filter (' + all.length + ' hidden by the filter).'));
      }
    }
    if (focusedFp) {
      const again = list.querySelector('.arow[data-fp="' + CSS.escape(focusedFp) + '"]');
      if (again) again.focus();
    }
  }

  function alertRow(a, multiSource) {
    const k = sevKey(a.severity);
    const st = stateWord(a.state);
    const ack = ackOf(a);
    const row = el('div', 'arow s-' + k + (st === 'firing' && !ack ? '' : ' muted') + (ack ? ' acked' : '') + (isResolvedUnacked(a) ? ' resolved-unacked' : ''));
    row.setAttribute('role', 'listitem');
    row.tabIndex = 0;
    row.dataset.fp = str(a.fingerprint);
    row.appendChild(sevBadge(a.severity));
    const name = el('span', 'a-name', a.alertname || '(no alertname)');
    name.setAttribute('title', str(a.alertname));
    row.appendChild(name);
    const where = el('span', 'a-where');
    const inst = str(a.labels && a.labels.instance);
    const job = str(a.labels && a.labels.job);
    where.appendChild(document.createTextNode(inst || '—'));
    if (job) where.appendChild(el('span', 'a-job', ' · ' + job));
    if (multiSource && a.source) { where.appendChild(el('br')); where.appendChild(el('span', 'a-source', '@ ' + a.source)); }
    where.setAttribute('title', (inst ? 'instance=' + inst : '') + (job ? '  job=' + job : '') + (a.source ? '  source=' + a.source : ''));
    row.appendChild(where);
    row.appendChild(stateCell(a));
    // A resolved alert shows how long it was active, not a clock still counting from its start.
    const resolvedAt = isResolvedUnacked(a) ? Number(a.resolved_at) : 0;
    const since = el('span', 'a-since', resolvedAt > 0
      ? 'was active ' + duration(Math.max(0, resolvedAt - Number(a.starts_at)))
      : 'since ' + ago(Number(a.starts_at)));
    if (resolvedAt <= 0) {
      since.dataset.since = String(Number(a.starts_at));
      since.dataset.prefix = 'since ';
    }
    since.setAttribute('title', 'started ' + fullTime(Number(a.starts_at)) + (resolvedAt > 0 ? ', resolved ' + fullTime(resolvedAt) : ''));
    row.appendChild(since);
    const summary = str(a.summary) || str(a.annotations && a.annotations.summary);
    const sm = el('span', 'a-summary', summary);
    sm.setAttribute('title', summary);
    row.appendChild(sm);
    const open = () => openAlert(a.source, a.fingerprint);
    row.addEventListener('click', open);
    row.addEventListener('keydown', (e) => {
      if (e.target !== row) return; // keys on the ACK button belong to the button
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
      else if ((e.key === 'a' || e.key === 'A') && !e.ctrlKey && !e.metaKey && !e.altKey && canAck(a)) { e.preventDefault(); openAckDialog(a, row); }
    });
    if (canAck(a)) row.setAttribute('title', 'Enter: open · A: acknowledge');
    return row;
  }

  // "✔ ACK by Sam · 10 min ago · until 04:00" (live "ago"), with the comment in the tooltip
  function ackText(ack, long) {
    const wrap = el('span', long ? 'ack-text long' : 'ack-text');
    wrap.appendChild(document.createTextNode(long ? '✔ Acknowledged by ' : '✔ ACK by '));
    wrap.appendChild(el('b', 'ack-by', ackAuthor(ack)));
    const at = Number(ack.at);
    const until = Number(ack.until);
    if (isFinite(at) && at > 0) {
      const ag = el('span', 'ack-ago', (long ? ' ' : ' · ') + ago(at) + ' ago');
      ag.dataset.since = String(at);
      ag.dataset.prefix = long ? ' ' : ' · ';
      ag.dataset.suffix = ' ago';
      wrap.appendChild(ag);
    }
    if (isFinite(until) && until > 0) {
      wrap.appendChild(document.createTextNode((long ? ', until ' : ' · until ') + hhmm(until)));
      if (until < Date.now()) wrap.appendChild(document.createTextNode(' (expired)'));
    }
    return wrap;
  }
  function ackTitle(ack) {
    return 'Acknowledged by ' + ackAuthor(ack) +
      (ack.at ? ' at ' + fullTime(Number(ack.at)) : '') +
      (ack.until ? ', until ' + fullTime(Number(ack.until)) : '') +
      (ack.comment ? '\n“' + str(ack.comment) + '”' : '') +
      (ack.silence_id ? '\nsilence ' + str(ack.silence_id) : '');
  }

  function stateCell(a) {
    const st = stateWord(a.state);
    const ack = ackOf(a);
    const cell = el('span', 'a-state');
    if (ack) {
      cell.classList.add('st-acked');
      cell.appendChild(ackText(ack, false));
      cell.setAttribute('title', ackTitle(ack) + '\nAlertmanager state: ' + st);
    } else if (isResolvedUnacked(a)) {
      cell.classList.add('st-resolved-unacked');
      const at = Number(a.resolved_at);
      cell.appendChild(el('span', 'st-word', '✓ resolved' + (isFinite(at) && at > 0 ? ' ' + hhmm(at) : '') + ', not acknowledged'));
      cell.setAttribute('title', 'Resolved while nobody had acknowledged it. It stays listed until an operator acknowledges it (recorded in Watchdesk with your name; no silence is needed).');
      const b = button('ACK', 'tbbtn ack-btn', async (e) => {
        e.stopPropagation();
        b.disabled = true;
        try {
          await invoke('ack_resolved', { source: str(a.source), fingerprint: str(a.fingerprint), author: loadAuthor(), comment: '' });
          refreshAlerts();
        } catch (err) {
          b.disabled = false;
          setError('ack_resolved', 'Acknowledge ' + str(a.alertname) + ': ' + err.message);
        }
      });
      b.setAttribute('title', 'Acknowledge this resolved alert as ' + (loadAuthor() || 'you'));
      b.setAttribute('aria-label', 'Acknowledge resolved ' + str(a.alertname) + ' ' + str(a.labels && a.labels.instance));
      cell.appendChild(b);
      return cell;
    } else if (isMaintenance(a)) {
      cell.classList.add('st-maint');
      cell.appendChild(el('span', 'maint-text', '‖ silenced (maintenance)'));
      cell.setAttribute('title', 'Silenced by a silence not made from Watchdesk (maintenance). Alertmanager state: ' + st);
    } else {
      cell.classList.add('st-' + st);
      cell.appendChild(el('span', 'st-word', (st === 'firing' ? '● ' : '◌ ') + st));
    }
    if (isPendingAck(a)) {
      const p = el('span', 'ack-pending', '◷ ack pending');
      p.setAttribute('title', 'Acknowledgement queued in Watchdesk: no Alertmanager answered. It will be sent when Alertmanager returns.');
      cell.appendChild(p);
    } else if (canAck(a)) {
      const b = button('ACK', 'tbbtn ack-btn', (e) => { e.stopPropagation(); openAckDialog(a, b); });
      b.setAttribute('title', 'Acknowledge this alert (creates an Alertmanager silence)');
      b.setAttribute('aria-label', 'Acknowledge ' + str(a.alertname) + ' ' + str(a.labels && a.labels.instance));
      cell.appendChild(b);
    }
    return cell;
  }

  // ================================================================ SHIFT LOG
  function goShiftLog() {
    showView('shiftlog');
    S.view.source = null;
    S.view.fingerprint = null;
    saveView();
    $('main').scrollTop = 0;
    loadShiftLog();
  }
  // "now-8h", or the last time the chosen time of day has passed (22:00 -> yesterday 22:00 at 06:00)
  function shiftSince() {
    const v = $('shift-since').value;
    if (v !== 'time') return { since: v, label: 'in ' + $('shift-since').selectedOptions[0].textContent };
    const m = /^(\d{1,2}):(\d{2})$/.exec(str($('shift-time').value));
    const d = new Date();
    if (m) d.setHours(Number(m[1]), Number(m[2]), 0, 0); else d.setHours(22, 0, 0, 0);
    if (d.getTime() > Date.now()) d.setDate(d.getDate() - 1);
    return { since: String(d.getTime()), label: 'since ' + fullTime(d.getTime()).slice(0, 16) };
  }
  async function loadShiftLog() {
    if (S.view.view !== 'shiftlog') return;
    const { since, label } = shiftSince();
    try {
      const list = await invoke('shift_log', { since });
      renderShiftLog(Array.isArray(list) ? list : [], label);
      setError('shift_log', null);
    } catch (e) {
      setError('shift_log', 'Shift log: ' + e.message);
    }
  }
  const EVENT_WORDS = { fired: 'fired', resolved: 'resolved', silenced: 'silenced', unsilenced: 'unsilenced', inhibited: 'inhibited', uninhibited: 'uninhibited', acknowledged: 'acknowledged' };
  function renderShiftLog(list, label) {
    const box = $('shift-list');
    const key = JSON.stringify(list);
    $('shift-count').textContent = '— ' + list.length + (list.length === 1 ? ' event' : ' events') + ' ' + label + ', newest first';
    if (key === S.shiftKey && box.firstChild) return;
    S.shiftKey = key;
    clear(box);
    const head = el('div', 'srow shead');
    head.setAttribute('role', 'row');
    for (const h of ['Time', 'Event', 'Alert', 'Source', 'Detail']) head.appendChild(el('span', '', h));
    box.appendChild(head);
    if (list.length === 0) {
      box.appendChild(el('div', 'alist-empty', 'Nothing happened ' + label + '.'));
      return;
    }
    for (const e of list) {
      const row = el('div', 'srow');
      row.setAttribute('role', 'row');
      row.tabIndex = 0;
      row.appendChild(el('span', 's-time', fullTime(Number(e.at))));
      const kind = str(e.kind);
      row.appendChild(el('span', 's-kind k-' + kind.replace(/[^a-z]/g, ''), EVENT_WORDS[kind] || kind));
      const name = el('span', 's-name', str(e.alertname) || '(no alertname)');
      name.setAttribute('title', str(e.alertname));
      row.appendChild(name);
      row.appendChild(el('span', 's-source', str(e.source)));
      // "fired" carries the labels as JSON: show the instance instead
      let detail = str(e.detail);
      if (kind === 'fired' && detail.startsWith('{')) {
        try { const l = JSON.parse(detail); detail = l && l.instance ? 'instance ' + str(l.instance) : ''; } catch (x) { /* keep the text */ }
      }
      const d = el('span', 's-detail' + (/^rebuilt from Prometheus/.test(detail) ? ' s-rebuilt' : ''), detail);
      d.setAttribute('title', str(e.detail));
      row.appendChild(d);
      const open = () => openAlert(str(e.source), str(e.fingerprint));
      row.addEventListener('click', open);
      row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); open(); } });
      box.appendChild(row);
    }
  }
  async function exportShiftLog() {
    const out = $('shift-result');
    const { since } = shiftSince();
    const btn = $('shift-export');
    btn.disabled = true;
    try {
      const r = await invoke('export_shift_log', { since });
      out.className = 'shift-result ok';
      out.textContent = '✔ ' + Number(r && r.events) + ' events saved as CSV: ' + str(r && r.path);
    } catch (e) {
      out.className = 'shift-result err';
      out.textContent = '◆ Export failed: ' + e.message;
    } finally {
      out.hidden = false;
      btn.disabled = false;
    }
  }

  // ================================================================ ALERT DETAIL
  async function loadDetail() {
    if (S.view.view !== 'alert') return;
    if (S.detailBusy) { S.detailAgain = true; return; }
    S.detailBusy = true;
    const src = S.view.source, fp = S.view.fingerprint;
    try {
      const d = await invoke('alert_detail', { source: src, fingerprint: fp });
      if (S.view.view === 'alert' && S.view.source === src && S.view.fingerprint === fp) {
        // wd:alerts comes every few seconds: redraw (and reload the chart) only when something changed
        const key = src + '\u0000' + fp + '\u0000' + JSON.stringify(d);
        if (key !== S.detailKey || !document.querySelector('#detail .dcard')) {
          S.detailKey = key;
          renderDetail(d || {});
        }
      }
    } catch (e) {
      if (S.view.view === 'alert') {
        const box = $('detail');
        clear(box);
        box.appendChild(el('div', 'detail-loading', '◆ Cannot load this alert: ' + e.message));
      }
    } finally {
      S.detailBusy = false;
      if (S.detailAgain) { S.detailAgain = false; loadDetail(); }
    }
  }

  function card(title, wide) {
    const c = el('section', 'dcard' + (wide ? ' wide' : ''));
    if (title) c.appendChild(el('h2', '', title));
    return c;
  }
  function kvTable(obj) {
    const keys = obj && typeof obj === 'object' ? Object.keys(obj).sort() : [];
    if (keys.length === 0) return el('div', 'none', 'none');
    const t = el('table', 'kv');
    const tb = el('tbody');
    for (const k of keys) {
      const tr = el('tr');
      tr.appendChild(el('th', '', k));
      tr.appendChild(el('td', '', str(obj[k])));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    return t;
  }
  function isRunbookKey(k) { return /runbook/i.test(k); }
  function safeHttpUrl(u) {
    const s = str(u).trim();
    if (!/^https?:\/\/[^\s]+$/i.test(s)) return null;
    try { const x = new URL(s); return (x.protocol === 'http:' || x.protocol === 'https:') ? s : null; } catch (e) { return null; }
  }

  function renderDetail(d) {
    const box = $('detail');
    const scroll = $('main').scrollTop;
    clear(box);
    const a = d.alert || null;
    const rule = d.rule || null;
    const history = Array.isArray(d.history) ? d.history.slice().sort((x, y) => (Number(y.at) || 0) - (Number(x.at) || 0)) : [];

    // -- header
    const sev = a ? a.severity : (rule && rule.labels ? rule.labels.severity : '');
    const k = sevKey(sev);
    const head = card(null, true);
    head.classList.add('dhead', 's-' + k);
    head.appendChild(sevBadge(sev));
    head.appendChild(el('h1', 'dname', (a && a.alertname) || (rule && rule.name) || '(unknown alert)'));
    if (a) {
      const st = stateWord(a.state);
      const ack = ackOf(a);
      if (ack) head.appendChild(el('span', 'dstate st-acked', '✔ ACKNOWLEDGED'));
      else if (isMaintenance(a)) head.appendChild(el('span', 'dstate st-maint', '‖ SILENCED (maintenance)'));
      else if (isResolvedUnacked(a)) head.appendChild(el('span', 'dstate st-resolved-unacked', '✓ RESOLVED' + (Number(a.resolved_at) > 0 ? ' ' + hhmm(Number(a.resolved_at)) : '') + ', NOT ACKNOWLEDGED'));
      else head.appendChild(el('span', 'dstate st-' + st, (st === 'firing' ? '● ' : '◌ ') + st.toUpperCase()));
      if (a.source) head.appendChild(el('span', 'dsource', '@ ' + a.source));
      head.appendChild(detailAckActions(a));
      const ackLine = detailAckLine(a);
      if (ackLine) head.appendChild(ackLine);
      const times = el('div', 'dtimes');
      times.appendChild(document.createTextNode('Started '));
      times.appendChild(el('b', '', fullTime(Number(a.starts_at))));
      const resolvedAt = isResolvedUnacked(a) ? Number(a.resolved_at) : 0;
      if (resolvedAt > 0) {
        // Over: how long it was active, not a clock that keeps counting.
        times.appendChild(document.createTextNode('  ·  resolved '));
        times.appendChild(el('b', '', fullTime(resolvedAt)));
        times.appendChild(document.createTextNode(' after '));
        times.appendChild(el('b', '', duration(Math.max(0, resolvedAt - Number(a.starts_at)))));
      } else {
        times.appendChild(document.createTextNode('  ·  active for '));
        const dur = el('b', '', ago(Number(a.starts_at)));
        dur.dataset.since = String(Number(a.starts_at));
        dur.dataset.prefix = '';
        times.appendChild(dur);
      }
      head.appendChild(times);
      const summary = str(a.summary) || str(a.annotations && a.annotations.summary);
      if (summary) head.appendChild(el('div', 'dsummary', summary));
    } else {
      head.classList.add('resolved');
      const resolved = history.find((h) => str(h.kind).toLowerCase() === 'resolved');
      head.appendChild(el('div', 'dresolved', '● RESOLVED — this alert is no longer active' + (resolved ? ' (resolved ' + fullTime(Number(resolved.at)) + ')' : '') + '.'));
    }
    box.appendChild(head);

    // -- annotations
    const ann = (a && a.annotations) || (rule && rule.annotations) || {};
    const annCard = card('Annotations');
    const annKeys = Object.keys(ann);
    const order = ['summary', 'description'].filter((x) => annKeys.includes(x)).concat(annKeys.filter((x) => x !== 'summary' && x !== 'description' && !isRunbookKey(x)).sort());
    for (const key of order) {
      const b = el('div', 'ann-block');
      b.appendChild(el('div', 'ann-key', key));
      b.appendChild(el('div', 'ann-val', str(ann[key])));
      annCard.appendChild(b);
    }
    for (const key of annKeys.filter(isRunbookKey)) {
      const url = safeHttpUrl(ann[key]);
      const b = el('div', 'ann-block runbook');
      b.appendChild(el('div', 'ann-key', key));
      if (url) {
        b.appendChild(button('Open runbook ↗', 'tbbtn primary', () => {
          invoke('open_link', { url }).catch((e) => setError('open_link', e.message));
        }));
        b.appendChild(el('span', 'runbook-url', url));
      } else {
        b.appendChild(el('div', 'ann-val', str(ann[key]) + '   (not an http/https link, not opened)'));
      }
      annCard.appendChild(b);
    }
    if (annKeys.length === 0) annCard.appendChild(el('div', 'none', 'none'));
    box.appendChild(annCard);

    // -- labels
    const labCard = card('Labels');
    labCard.appendChild(kvTable(a ? a.labels : (rule && rule.labels)));
    box.appendChild(labCard);

    // -- rule and chart
    const ruleCard = card('Rule expression and chart', true);
    if (rule) {
      const meta = 'rule ' + str(rule.name) + (rule.duration_s ? '  ·  for ' + duration(Number(rule.duration_s) * 1000) : '');
      ruleCard.appendChild(el('div', 'rule-meta', meta));
      ruleCard.appendChild(el('pre', 'expr', str(rule.query)));
    } else {
      ruleCard.appendChild(el('div', 'none', 'Rule not found in the cached rules of this source.'));
    }
    if (S.detailChartUrl) { URL.revokeObjectURL(S.detailChartUrl); S.detailChartUrl = null; }
    if (d.chart && d.chart.svg) {
      const cb = el('div', 'chart-box');
      const img = el('img');
      img.alt = 'chart of the rule expression around the alert start';
      S.detailChartUrl = svgUrl(d.chart.svg);
      img.src = S.detailChartUrl;
      cb.appendChild(img);
      ruleCard.appendChild(cb);
      if (d.chart.stale) ruleCard.appendChild(el('div', 'chart-note', '○ STALE — ' + str(d.chart.stale)));
    } else if (rule) {
      ruleCard.appendChild(el('div', 'none', 'No chart for this expression.'));
    }
    box.appendChild(ruleCard);

    // -- targets
    const tCard = card('Target health', true);
    const targets = Array.isArray(d.targets) ? d.targets : [];
    if (targets.length === 0) {
      tCard.appendChild(el('div', 'none', 'No scrape targets match this alert.'));
    } else {
      const t = el('table', 'tbl');
      const th = el('tr');
      for (const h of ['Instance', 'Job', 'Health', 'Last scrape', 'Last error']) th.appendChild(el('th', '', h));
      const thead = el('thead'); thead.appendChild(th); t.appendChild(thead);
      const tb = el('tbody');
      for (const x of targets) {
        const tr = el('tr');
        tr.appendChild(el('td', 'mono', x.instance));
        tr.appendChild(el('td', 'mono', x.job));
        const h = str(x.health).toLowerCase();
        const word = h === 'up' ? '● UP' : h === 'down' ? '▲ DOWN' : '? UNKNOWN';
        tr.appendChild(el('td', 'nowrap ' + (h === 'up' ? 'h-up' : h === 'down' ? 'h-down' : 'h-unknown'), word));
        const ls = el('td', 'mono nowrap', x.last_scrape ? hms(Number(x.last_scrape)) + ' (' + ago(Number(x.last_scrape)) + ' ago)' : '—');
        tr.appendChild(ls);
        tr.appendChild(el('td', '', x.last_error || ''));
        tb.appendChild(tr);
      }
      t.appendChild(tb);
      tCard.appendChild(t);
    }
    box.appendChild(tCard);

    // -- related panels
    const rCard = card('Related panels', true);
    const related = Array.isArray(d.related) ? d.related : [];
    if (related.length === 0) {
      rCard.appendChild(el('div', 'none', 'No dashboard panel uses this metric.'));
    } else {
      const ul = el('ul', 'related');
      for (const r of related) {
        const li = el('li');
        const dash = S.dashboards.find((x) => x.uid === r.uid);
        li.appendChild(button('▦ ' + str(r.title) + (dash ? '  —  ' + str(dash.title) : ''), 'tbbtn', () => goToPanel(r.uid, r.panel_id)));
        ul.appendChild(li);
      }
      rCard.appendChild(ul);
    }
    box.appendChild(rCard);

    // -- history
    const hCard = card('History of this alert', true);
    if (history.length === 0) {
      hCard.appendChild(el('div', 'none', 'No recorded events.'));
    } else {
      const ul = el('ul', 'hist');
      for (const h of history) {
        const li = el('li');
        li.appendChild(el('span', 'h-at', fullTime(Number(h.at))));
        const kind = str(h.kind).toLowerCase();
        li.appendChild(el('span', 'h-kind hk-' + kind.replace(/[^a-z]/g, ''), kind));
        li.appendChild(el('span', 'h-detail', h.detail || ''));
        ul.appendChild(li);
      }
      hCard.appendChild(ul);
    }
    box.appendChild(hCard);
    $('main').scrollTop = scroll;
  }

  // header buttons: "Acknowledge…" on firing alerts, "Un-acknowledge" on acknowledged ones
  function detailAckActions(a) {
    const box = el('span', 'dack-actions');
    const ack = ackOf(a);
    const result = el('span', 'dack-result');
    result.setAttribute('role', 'status');
    const note = S.ackNote;
    const noteKey = str(a.source) + '\u0000' + str(a.fingerprint);
    if (note && note.key === noteKey && Date.now() < note.until) {
      result.className = 'dack-result ' + note.cls;
      result.textContent = note.text;
    }
    if (isResolvedUnacked(a)) {
      const b = button('Acknowledge (resolved)', 'tbbtn dack-btn primary', async () => {
        b.disabled = true;
        result.className = 'dack-result';
        result.textContent = 'Recording…';
        try {
          const r = await invoke('ack_resolved', { source: str(a.source), fingerprint: str(a.fingerprint), author: loadAuthor(), comment: '' });
          showAckResult(result, r, 'acknowledged', noteKey);
          afterAckChange();
        } catch (e) {
          b.disabled = false;
          result.className = 'dack-result err';
          result.textContent = '◆ Not acknowledged: ' + e.message;
        }
      });
      b.setAttribute('title', 'It resolved while nobody had acknowledged it: record your acknowledgement (no silence is needed)');
      box.appendChild(b);
      box.appendChild(result);
      return box;
    }
    if (ack && str(ack.silence_id)) {
      const b = button('Un-acknowledge', 'tbbtn dack-btn', async () => {
        b.disabled = true;
        result.className = 'dack-result';
        result.textContent = 'Sending…';
        try {
          const r = await invoke('unack', { source: a.source, silenceId: str(ack.silence_id) });
          showAckResult(result, r, 'un-acknowledged', noteKey);
        } catch (e) {
          result.className = 'dack-result err';
          result.textContent = '◆ Not un-acknowledged: ' + e.message;
          S.ackNote = { key: noteKey, cls: 'err', text: result.textContent, until: Date.now() + 60000 };
          b.disabled = false;
        }
        afterAckChange();
      });
      b.setAttribute('title', 'Expire the acknowledgement silence ' + str(ack.silence_id) + ': every alert it covers becomes active again.');
      box.appendChild(b);
    } else if (canAck(a)) {
      const b = button('Acknowledge…', 'tbbtn primary dack-btn', () => openAckDialog(a, b));
      b.setAttribute('title', 'Acknowledge: an Alertmanager silence with a scope, a duration, an author and a comment');
      box.appendChild(b);
    }
    box.appendChild(result);
    return box;
  }

  // "✔ Acknowledged by Sam 10 min ago, until 04:00 — comment" / maintenance silence / pending acknowledgement
  function detailAckLine(a) {
    const ack = ackOf(a);
    if (ack) {
      const line = el('div', 'dack acked');
      line.appendChild(ackText(ack, true));
      if (str(ack.comment)) {
        line.appendChild(document.createTextNode(' — '));
        line.appendChild(el('span', 'dack-comment', str(ack.comment)));
      }
      line.setAttribute('title', ackTitle(ack));
      if (isPendingAck(a)) line.appendChild(el('span', 'ack-pending', '◷ change pending'));
      return line;
    }
    if (isPendingAck(a)) {
      return el('div', 'dack pending', '◷ Acknowledgement pending — queued in Watchdesk because no Alertmanager answered; it will be sent when Alertmanager returns.');
    }
    if (isMaintenance(a)) {
      return el('div', 'dack maint', '‖ Silenced by a maintenance silence (not acknowledged from Watchdesk). Notifications are muted until that silence ends.');
    }
    return null;
  }

  function showAckResult(node, r, doneWord, noteKey) {
    const status = str(r && r.status).toLowerCase();
    const detail = str(r && r.detail);
    if (status === 'queued') {
      node.className = 'dack-result queued';
      node.textContent = '◷ Queued: Alertmanager unreachable, will be sent when it returns' + (detail ? ' (' + detail + ')' : '') + '.';
    } else {
      node.className = 'dack-result ok';
      node.textContent = '✔ ' + doneWord.charAt(0).toUpperCase() + doneWord.slice(1) + (detail ? ' — ' + detail : '') + '.';
    }
    // the header is redrawn when the alert changes: keep the result visible for a minute
    S.ackNote = { key: noteKey, cls: node.className.replace('dack-result ', ''), text: node.textContent, until: Date.now() + 60000 };
  }
  function afterAckChange() {
    // the shell also emits wd:alerts; refresh now so the result shows without waiting for it
    refreshAlerts();
    if (S.view.view === 'alert') loadDetail();
  }

  // ================================================================ ACKNOWLEDGE DIALOG
  function loadAuthor() {
    let v = '';
    try { v = str(window.localStorage.getItem(AUTHOR_KEY)); } catch (e) { v = ''; }
    return v || S.user || '';
  }
  function saveAuthor(v) {
    try { window.localStorage.setItem(AUTHOR_KEY, v); } catch (e) { /* storage unavailable: keep the default */ }
  }
  function matchesAll(a, matchers, source) {
    if (str(a.source) !== str(source)) return false;
    const l = a.labels || {};
    return matchers.every((m) => {
      const v = l[m.name] === undefined && m.name === 'alertname' ? a.alertname : l[m.name];
      return v !== undefined && v !== null && str(v) === m.value;
    });
  }

  function openAckDialog(a, opener) {
    closeAckDialog();
    const labels = Object.assign({}, a.labels || {});
    if (labels.alertname === undefined && a.alertname) labels.alertname = str(a.alertname);
    const D = {
      alert: a,
      opener: opener || null,
      matchers: [],
      durationMs: ACK_DEFAULT_MS,
      busy: false,
      done: false,
    };
    for (const n of ['alertname', 'instance']) {
      if (labels[n] !== undefined && str(labels[n]) !== '') D.matchers.push({ name: n, value: str(labels[n]) });
    }

    const back = el('div', 'modal-back');
    const dlg = el('div', 'modal');
    dlg.setAttribute('role', 'dialog');
    dlg.setAttribute('aria-modal', 'true');
    dlg.setAttribute('aria-labelledby', 'ack-title');
    back.appendChild(dlg);

    const title = el('h2', 'modal-title');
    title.id = 'ack-title';
    title.appendChild(document.createTextNode('Acknowledge '));
    title.appendChild(el('span', 'modal-alert', str(a.alertname) || '(no alertname)'));
    dlg.appendChild(title);
    const sub = el('div', 'modal-sub');
    sub.appendChild(sevBadge(a.severity));
    sub.appendChild(el('span', 'mono', str(labels.instance) || '—'));
    if (a.source) sub.appendChild(el('span', 'muted', '@ ' + str(a.source)));
    dlg.appendChild(sub);

    // -- scope
    const scope = el('div', 'mfield');
    scope.appendChild(el('div', 'mlabel', 'Scope (matchers)'));
    const chips = el('div', 'chips');
    scope.appendChild(chips);
    const addSel = el('select', 'chip-add');
    addSel.setAttribute('aria-label', 'add a label matcher');
    scope.appendChild(addSel);
    const scopeNote = el('div', 'mnote');
    scope.appendChild(scopeNote);
    dlg.appendChild(scope);

    // -- duration
    const durF = el('div', 'mfield');
    const durLab = el('div', 'mlabel', 'Duration');
    durLab.id = 'ack-dur-label';
    durF.appendChild(durLab);
    const durRow = el('div', 'durs');
    durRow.setAttribute('role', 'radiogroup');
    durRow.setAttribute('aria-labelledby', 'ack-dur-label');
    const untilNote = el('span', 'mnote until');
    const durLabels = [];
    for (const [word, ms] of ACK_DURATIONS) {
      const lab = el('label', 'dur');
      const r = el('input');
      r.type = 'radio';
      r.name = 'ack-duration';
      r.value = String(ms);
      r.checked = ms === D.durationMs;
      r.addEventListener('change', () => { if (r.checked) { D.durationMs = ms; syncDur(); } });
      lab.appendChild(r);
      lab.appendChild(document.createTextNode(word));
      durLabels.push([lab, ms]);
      durRow.appendChild(lab);
    }
    durF.appendChild(durRow);
    durF.appendChild(untilNote);
    dlg.appendChild(durF);

    // -- author
    const authF = el('div', 'mfield');
    const authLab = el('label', 'mlabel', 'Author');
    authLab.setAttribute('for', 'ack-author');
    authF.appendChild(authLab);
    const author = el('input', 'minput');
    author.type = 'text';
    author.id = 'ack-author';
    author.autocomplete = 'off';
    author.spellcheck = false;
    author.value = loadAuthor();
    authF.appendChild(author);
    dlg.appendChild(authF);

    // -- comment
    const comF = el('div', 'mfield');
    const comLab = el('label', 'mlabel', 'Comment (required)');
    comLab.setAttribute('for', 'ack-comment');
    comF.appendChild(comLab);
    const comment = el('textarea', 'minput');
    comment.id = 'ack-comment';
    comment.rows = 3;
    comment.placeholder = 'What is being done, e.g. "on-site tech restarting the recorder, ticket 4711"';
    comF.appendChild(comment);
    dlg.appendChild(comF);

    const msg = el('div', 'mmsg');
    msg.setAttribute('role', 'status');
    msg.setAttribute('aria-live', 'polite');
    dlg.appendChild(msg);

    const actions = el('div', 'mactions');
    actions.appendChild(el('span', 'mhint', 'Enter: acknowledge · Shift+Enter: new line · Esc: cancel'));
    const cancel = button('Cancel', 'tbbtn', () => closeAckDialog());
    const submit = button('Acknowledge', 'tbbtn primary', () => submitAck());
    actions.appendChild(cancel);
    actions.appendChild(submit);
    dlg.appendChild(actions);

    function syncDur() {
      for (const [lab, ms] of durLabels) lab.classList.toggle('active', ms === D.durationMs);
      untilNote.textContent = 'until ' + hhmm(Date.now() + D.durationMs);
    }
    function renderScope() {
      clear(chips);
      for (const m of D.matchers) {
        const c = el('span', 'chip');
        c.appendChild(el('span', 'chip-text', m.name + '=' + m.value));
        const x = button('✕', 'chip-x', () => {
          D.matchers = D.matchers.filter((y) => y !== m);
          renderScope();
          addSel.focus();
        });
        x.setAttribute('aria-label', 'remove matcher ' + m.name);
        x.setAttribute('title', 'remove ' + m.name + ' (widens the scope)');
        c.appendChild(x);
        chips.appendChild(c);
      }
      if (D.matchers.length === 0) chips.appendChild(el('span', 'chip-none', 'no matcher'));
      clear(addSel);
      const first = el('option', '', '+ add label…');
      first.value = '';
      addSel.appendChild(first);
      const used = new Set(D.matchers.map((m) => m.name));
      const rest = Object.keys(labels).filter((n) => !used.has(n) && !n.startsWith('__')).sort();
      for (const n of rest) {
        const o = el('option', '', n + '=' + str(labels[n]));
        o.value = n;
        addSel.appendChild(o);
      }
      addSel.disabled = rest.length === 0;
      addSel.value = '';
      // how many of the alerts shown now this scope covers
      clear(scopeNote);
      scopeNote.className = 'mnote';
      if (D.matchers.length === 0) {
        scopeNote.classList.add('warn');
        scopeNote.textContent = '◆ Add at least one matcher.';
        return;
      }
      const all = (S.alerts && Array.isArray(S.alerts.alerts)) ? S.alerts.alerts : [a];
      const n = all.filter((x) => x && matchesAll(x, D.matchers, a.source)).length;
      if (n > 1) {
        scopeNote.classList.add('warn');
        scopeNote.textContent = '◆ Wider scope: matches ' + n + ' alerts shown now (and any new alert with these labels).';
      } else {
        scopeNote.textContent = 'Matches ' + (n === 1 ? 'this alert' : n + ' alerts shown now') + ' (and it again if it re-fires within the duration).';
      }
    }
    function setMsg(cls, text) {
      msg.className = 'mmsg' + (cls ? ' ' + cls : '');
      msg.textContent = text;
    }
    async function submitAck() {
      if (D.busy) return;
      if (D.done) { closeAckDialog(); return; }
      const who = author.value.trim();
      const why = comment.value.trim();
      if (D.matchers.length === 0) { setMsg('err', '◆ Add at least one matcher.'); addSel.focus(); return; }
      if (!who) { setMsg('err', '◆ Enter an author.'); author.focus(); return; }
      if (!why) { setMsg('err', '◆ A comment is required: say what is being done.'); comment.focus(); return; }
      D.busy = true;
      submit.disabled = true;
      setMsg('', 'Sending…');
      saveAuthor(who);
      try {
        const r = await invoke('ack', {
          source: a.source,
          fingerprint: a.fingerprint,
          matchers: D.matchers.map((m) => ({ name: m.name, value: m.value })),
          durationMs: D.durationMs,
          author: who,
          comment: why,
        });
        const status = str(r && r.status).toLowerCase();
        const detail = str(r && r.detail);
        if (status === 'queued') setMsg('queued', '◷ Queued: Alertmanager unreachable, will be sent when it returns.' + (detail ? '  ' + detail : ''));
        else setMsg('ok', '✔ Acknowledged.' + (detail ? '  ' + detail : ''));
        D.done = true;
        for (const x of dlg.querySelectorAll('input, textarea, select, .chip-x')) x.disabled = true;
        cancel.hidden = true;
        submit.textContent = 'Close';
        submit.disabled = false;
        submit.focus();
        afterAckChange();
      } catch (e) {
        setMsg('err', '◆ Not acknowledged: ' + e.message);
        submit.disabled = false;
      } finally {
        D.busy = false;
      }
    }

    addSel.addEventListener('change', () => {
      const n = addSel.value;
      if (!n) return;
      D.matchers.push({ name: n, value: str(labels[n]) });
      renderScope();
      addSel.focus();
    });
    dlg.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeAckDialog(); return; }
      if (e.key === 'Enter' && !e.shiftKey && !e.altKey) {
        const t = e.target;
        const tag = t && t.tagName;
        if (tag === 'BUTTON' || tag === 'SELECT') { e.stopPropagation(); return; } // their own Enter
        e.preventDefault();
        e.stopPropagation();
        submitAck();
        return;
      }
      if (e.key === 'Tab') {
        // keep focus inside the dialog
        const f = Array.from(dlg.querySelectorAll('button, input, select, textarea')).filter((x) => !x.disabled && !x.hidden && x.offsetParent !== null &&
          !(x.type === 'radio' && !x.checked));
        if (f.length === 0) return;
        const i = f.indexOf(document.activeElement);
        if (e.shiftKey && (i <= 0)) { e.preventDefault(); f[f.length - 1].focus(); }
        else if (!e.shiftKey && i === f.length - 1) { e.preventDefault(); f[0].focus(); }
      }
    });
    // a click outside closes only when nothing typed would be lost
    back.addEventListener('mousedown', (e) => { if (e.target === back && !D.busy && (D.done || !comment.value.trim())) closeAckDialog(); });

    D.el = back;
    S.ackDlg = D;
    renderScope();
    syncDur();
    document.body.appendChild(back);
    hideHover();
    comment.focus();
  }

  function closeAckDialog() {
    const D = S.ackDlg;
    if (!D) return;
    S.ackDlg = null;
    D.el.remove();
    let target = D.opener && D.opener.isConnected ? D.opener : null;
    if (!target && D.alert) target = document.querySelector('.arow[data-fp="' + CSS.escape(str(D.alert.fingerprint)) + '"]');
    if (target) target.focus();
  }

  // ================================================================ HEALTH / STATUS BAR
  async function refreshStatus() {
    if (S.statusBusy) { S.statusAgain = true; return; }
    S.statusBusy = true;
    try {
      const r = await invoke('status');
      S.health = (r && Array.isArray(r.health)) ? r.health : [];
      S.worst = r ? r.worst : null;
      // Disk full or a read-only cache file: new data is not kept, what is cached stays on screen.
      setError('history cache', r && r.cache_problem ? str(r.cache_problem) : null);
      renderHealth();
    } catch (e) {
      setError('status', e.message);
    } finally {
      S.statusBusy = false;
      if (S.statusAgain) { S.statusAgain = false; refreshStatus(); }
    }
  }

  function healthDown() {
    return S.health.some((h) => h && h.unreachable);
  }

  function renderHealth() {
    // One entry per source (site): worst state of its components, oldest "last good data", latencies.
    const box = $('status-sources');
    clear(box);
    const bySource = new Map();
    for (const h of S.health) {
      if (!h) continue;
      const k = str(h.source);
      if (!bySource.has(k)) bySource.set(k, []);
      bySource.get(k).push(h);
    }
    for (const s of S.sources) if (!bySource.has(str(s))) bySource.set(str(s), []);
    bySource.forEach((comps, source) => {
      const down = comps.filter((h) => h.unreachable);
      const bad = comps.filter((h) => !h.unreachable && !h.ok);
      const item = el('div', 'src' + (down.length || comps.length === 0 ? ' down' : ''));
      item.appendChild(el('span', 'src-name', source));
      let cls, word;
      if (comps.length === 0) { cls = 'down'; word = '? UNKNOWN'; }
      else if (down.length === comps.length) { cls = 'down'; word = '○ NO DATA'; }
      else if (down.length) { cls = 'err'; word = '◆ DEGRADED'; }
      else if (bad.length) { cls = 'err'; word = '◆ ERROR'; }
      else { cls = 'ok'; word = '● OK'; }
      item.appendChild(el('span', 'src-state ' + cls, word));
      if (comps.length) {
        const lasts = comps.map((h) => Number(h.last_success)).filter((x) => isFinite(x) && x > 0);
        const last = el('span', 'src-last');
        last.appendChild(document.createTextNode('last good data '));
        last.appendChild(el('b', '', lasts.length === comps.length ? hhmm(Math.min.apply(null, lasts)) : 'never'));
        item.appendChild(last);
        const parts = comps.map((h) => {
          const c = str(h.component) || 'source';
          if (h.unreachable) return c + ' unreachable';
          if (!h.ok) return c + ' error';
          return c + (h.latency_ms !== null && h.latency_ms !== undefined ? ' ' + Math.round(Number(h.latency_ms)) + ' ms' : '');
        });
        item.appendChild(el('span', 'src-lat', parts.join(' · ')));
      } else {
        item.appendChild(el('span', 'src-last', 'no status yet'));
      }
      const tip = comps.map((h) => str(h.component) + ': ' + (h.unreachable ? 'unreachable' : h.ok ? 'ok' : 'error') +
        ', last good data ' + (h.last_success ? fullTime(Number(h.last_success)) : 'never') +
        (h.last_error ? '\nlast error: ' + str(h.last_error) : '')).join('\n');
      item.setAttribute('title', tip || source);
      box.appendChild(item);
    });

    const w = str(S.worst) || (healthDown() ? 'stale' : '');
    const wEl = $('status-worst');
    const words = { critical: '▲ CRITICAL', warning: '◆ WARNING', ok: '● OK', stale: '○ STALE' };
    wEl.className = 'status-worst' + (w ? ' w-' + w : '');
    wEl.textContent = words[w] || '? UNKNOWN';
    wEl.setAttribute('title', 'overall state');

    // offline banner: data sources down -> OFFLINE (cached data shown); one member of an HA
    // Alertmanager cluster down while another answers -> a warning only (the list stays complete).
    const down = S.health.filter((h) => h && h.unreachable);
    const banner = $('offline-banner');
    if (down.length === 0) { banner.hidden = true; banner.classList.remove('degraded'); return; }
    const isAm = (h) => str(h.component).startsWith('alertmanager');
    const amOkIn = (src) => S.health.some((h) => h && isAm(h) && str(h.source) === str(src) && !h.unreachable);
    const serious = down.filter((h) => !isAm(h) || !amOkIn(h.source));
    const t = $('offline-text');
    clear(t);
    if (serious.length === 0) {
      const names = Array.from(new Set(down.map((h) => str(h.source) + ' ' + str(h.component))));
      t.appendChild(document.createTextNode('DEGRADED — an Alertmanager of the cluster is unreachable; alerts come from the others'));
      t.appendChild(el('span', 'offline-detail', '   unreachable: ' + names.join(', ')));
      banner.classList.add('degraded');
      banner.hidden = false;
      return;
    }
    banner.classList.remove('degraded');
    const lasts = serious.map((h) => Number(h.last_success)).filter((x) => isFinite(x) && x > 0);
    const upTo = lasts.length ? Math.min.apply(null, lasts) : null;
    t.appendChild(document.createTextNode(upTo ? 'OFFLINE — showing data up to ' + hhmm(upTo) : 'OFFLINE — no data received yet'));
    const names = Array.from(new Set(down.map((h) => str(h.source) + (h.component ? ' ' + str(h.component) : ''))));
    const det = el('span', 'offline-detail', '   unreachable: ' + names.join(', '));
    t.appendChild(det);
    banner.hidden = false;
  }

  // ================================================================ clock tick (1 s): clock, "since" texts, auto-refresh
  function tick() {
    const now = Date.now();
    $('clock').textContent = hms(now);
    document.querySelectorAll('[data-since]').forEach((e) => {
      const t = Number(e.dataset.since);
      if (isFinite(t) && t > 0) e.textContent = (e.dataset.prefix || '') + ago(t) + (e.dataset.suffix || '');
    });
    if (S.view.view === 'dashboard' && S.view.refresh_ms && now - S.lastAutoRefresh >= S.view.refresh_ms) {
      S.lastAutoRefresh = now;
      refreshVisiblePanels();
    }
    if (S.highlight && now > S.highlight.until) {
      S.highlight.rec.el.classList.remove('highlight');
      S.highlight = null;
    }
  }

  // ================================================================ keyboard, global events
  function setupKeys() {
    document.addEventListener('keydown', (e) => {
      if (S.ackDlg) {
        // the dialog handles its own keys; nothing behind it reacts while it is open
        if (e.key === 'Escape') { e.preventDefault(); closeAckDialog(); }
        return;
      }
      if (e.key === 'Escape') {
        if (openPop) { closePop(); return; }
        if (!$('custom-range').hidden) { $('custom-range').hidden = true; return; }
        if (S.view.view === 'alert') { e.preventDefault(); goAlerts(); return; }
        if (S.view.view === 'alerts' && document.activeElement === $('alert-filter') && S.filter) {
          $('alert-filter').value = ''; S.filter = ''; renderAlerts(); return;
        }
      }
      if (e.key === '/' && S.view.view === 'alerts' && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
        e.preventDefault();
        $('alert-filter').focus();
      }
    });
    document.addEventListener('click', () => closePop());
    $('alert-filter').addEventListener('input', () => { S.filter = $('alert-filter').value; renderAlerts(); });
    $('group-filter').addEventListener('change', () => { S.group = $('group-filter').value; renderAlerts(); });
    $('filter-clear').addEventListener('click', () => {
      S.filter = ''; S.group = '';
      $('alert-filter').value = ''; $('group-filter').value = '';
      renderAlerts();
    });
    $('main').addEventListener('scroll', hideHover, { passive: true });
  }

  function downKey() {
    return (S.health || []).filter((h) => h && h.unreachable)
      .map((h) => str(h.source) + ' ' + str(h.component)).sort().join('|');
  }

  function setupEvents() {
    listen('wd:data', () => refreshVisiblePanels());
    listen('wd:alerts', () => {
      refreshAlerts();
      if (S.view.view === 'alert') loadDetail();
      if (S.view.view === 'shiftlog') loadShiftLog();
    });
    listen('wd:health', async () => {
      // When a source goes down or comes back, panels redraw: stale data is greyed, never green.
      const before = downKey();
      await refreshStatus();
      if (downKey() !== before) refreshVisiblePanels();
    });
    listen('wd:navigate', (p) => {
      if (p.view === 'alert' && p.fingerprint) openAlert(p.source || null, p.fingerprint);
      else if (p.view === 'alerts') goAlerts(p.group || '');
      else if (p.view === 'dashboard') goDashboard();
    });
  }

  // ================================================================ start
  async function start() {
    if (!tauri() || !tauri().core || !tauri().event) {
      document.body.appendChild(el('div', 'offline-banner', 'Watchdesk UI: the desktop shell is not available (window.__TAURI__ missing).'));
      return;
    }
    buildTopBar();
    setupKeys();
    setupObservers();
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
    S.dashboards = Array.isArray(st.dashboards) ? st.dashboards : [];
    S.sources = Array.isArray(st.sources) ? st.sources : [];
    S.user = str(st.user);
    const v = st.view || {};
    S.view = {
      view: ['dashboard', 'alerts', 'alert', 'shiftlog'].includes(v.view) ? v.view : 'dashboard',
      dashboard: v.dashboard || (S.dashboards[0] && S.dashboards[0].uid) || null,
      source: v.source || null,
      fingerprint: v.fingerprint || null,
      from: v.from || 'now-6h',
      to: v.to || 'now',
      refresh_ms: v.refresh_ms || null,
    };
    if (S.view.view === 'alert' && !S.view.fingerprint) S.view.view = 'alerts';
    if (S.dashboards.length && !S.dashboards.some((d) => d.uid === S.view.dashboard)) S.view.dashboard = S.dashboards[0].uid;
    fillDashboardSelect();
    syncTopBar();

    refreshStatus();
    refreshAlerts();
    const initial = S.view.view;
    showView(initial);
    if (initial === 'alert') openAlert(S.view.source, S.view.fingerprint);
    if (initial === 'shiftlog') loadShiftLog();
    await loadDashboard(S.view.dashboard, false);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
