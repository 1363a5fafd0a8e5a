// The alert list, its summary chips and the Alerts badge (and the window title).
// The engine sorts the list, removes the Watchdog heartbeat and counts (`alerts` command: {alerts,
// counts, health}); the UI filters by the operator's text and group, and groups rows by alertname
// for display, keeping the engine's order.
import { $, el, clear, button, text } from './dom.js';
import { str, duration, ago, fullTime, hhmm } from './format.js';
import { invoke, setError } from './ipc.js';
import { state, currentAlerts, healthDown } from './state.js';
import { sevLook, sevBadge } from './severity.js';
import { stateWord, isFiring, isResolvedUnacked, ackOf, isPendingAck, isMaintenance, canAck, ackText, ackTitle, alertSummary } from './alertstate.js';
import { renderHealth } from './status.js';
import { openAckDialog, loadAuthor } from './ackdialog.js';

const COUNT_KEYS = ['critical', 'warning', 'info', 'unknown', 'firing', 'acknowledged', 'silenced', 'pending', 'resolved'];

let hooks = { openAlert() {} };
let filter = ''; // the operator's text filter
let group = ''; // the alertname group shown alone, '' for all
let busy = false;
let again = false;
let drawnKey = null; // what the list shows now (redrawn only when it changes)

// hooks: {openAlert(source, fingerprint)}
export function initAlerts(h) {
  hooks = h;
  const f = $('alert-filter');
  f.addEventListener('input', () => { filter = f.value; renderAlerts(); });
  $('group-filter').addEventListener('change', () => { group = $('group-filter').value; renderAlerts(); });
  $('filter-clear').addEventListener('click', () => {
    filter = ''; group = '';
    f.value = ''; $('group-filter').value = '';
    renderAlerts();
  });
}

// Shows one alertname group only ('' for all).
export function setGroup(g) {
  group = g || '';
  $('group-filter').value = group;
}

// Escape in the filter field clears it; true if it did.
export function escapeFilter() {
  if (document.activeElement !== $('alert-filter') || !filter) return false;
  $('alert-filter').value = '';
  filter = '';
  renderAlerts();
  return true;
}

export async function refreshAlerts() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const r = await invoke('alerts');
    state.alerts = r || { alerts: [], counts: null };
    if (r && Array.isArray(r.health) && r.health.length) { state.health = r.health; renderHealth(); }
    renderAlerts();
  } catch (e) {
    setError('alerts', e.message);
  } finally {
    busy = false;
    if (again) { again = false; refreshAlerts(); }
  }
}

// The engine's counts, every number present; null when the answer has none.
function countsOf(r) {
  const c = r && r.counts;
  if (!c || typeof c !== 'object') return null;
  const out = { worst: c.worst ? str(c.worst) : null };
  for (const k of COUNT_KEYS) out[k] = Number(c[k]) || 0;
  return out;
}

function alertHaystack(a) {
  const parts = [a.alertname, a.severity, a.severity_label, a.state, a.summary, a.source];
  for (const o of [a.labels, a.annotations]) {
    if (o && typeof o === 'object') for (const k of Object.keys(o)) parts.push(k + '=' + str(o[k]));
  }
  return parts.map(str).join('\n').toLowerCase();
}

function updateBadge(c) {
  const badge = $('alert-badge');
  if (!c) {
    // counts missing: unknown, never "0" (that would look healthy)
    badge.className = 'badge badge-unknown';
    badge.textContent = '?';
    badge.setAttribute('title', 'no alert counts from the engine');
    document.title = 'Watchdesk';
    return;
  }
  const look = sevLook(c.worst || 'none');
  badge.className = 'badge badge-' + (c.firing ? look.cls : 'none');
  badge.textContent = c.firing ? look.sym + ' ' + c.firing : '0';
  badge.setAttribute('title', c.firing + ' firing (' + c.critical + ' critical, ' + c.warning + ' warning, ' + c.unknown + ' unknown, ' + c.info + ' info), ' +
    c.acknowledged + ' acknowledged, ' + c.silenced + ' silenced or inhibited' + (c.pending ? ', ' + c.pending + ' acknowledgement(s) pending' : '') +
    (c.resolved ? ', ' + c.resolved + ' resolved, not acknowledged' : ''));
  document.title = c.firing ? '(' + c.firing + ') Watchdesk' : 'Watchdesk';
}

function renderSummary(c) {
  const box = $('alert-summary');
  clear(box);
  if (!c) return;
  const chip = (cls, sym, word, n) => {
    const d = el('span', 'sumchip ' + cls + (n === 0 ? ' zero' : ''));
    d.appendChild(el('span', 'sym', sym));
    d.appendChild(el('span', 'w', word));
    d.appendChild(el('span', 'n', n));
    return d;
  };
  for (const sev of ['critical', 'warning', 'unknown', 'info']) {
    const look = sevLook(sev);
    box.appendChild(chip(look.cls, look.sym, look.long, c[sev])); // info counts "none" too
  }
  const t = chip('total', '', 'FIRING', c.firing);
  t.appendChild(el('span', 'w', '+ ' + c.acknowledged + ' acknowledged · ' + c.silenced + ' silenced/inhibited' +
    (c.pending ? ' · ' + c.pending + ' ack pending' : '') + (c.resolved ? ' · ' + c.resolved + ' resolved, not acknowledged' : '')));
  box.appendChild(t);
}

function renderGroupFilter(groups) {
  const sel = $('group-filter');
  const names = groups.map((g) => g.name);
  if (group && !names.includes(group)) names.push(group);
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
  sel.value = group;
}

// Groups by alertname, in the order of their first member in the engine's list.
function groupByName(all) {
  const groups = [];
  const byName = new Map();
  for (const a of all) {
    const name = str(a.alertname) || '(no alertname)';
    let g = byName.get(name);
    if (!g) { g = { name, alerts: [] }; byName.set(name, g); groups.push(g); }
    g.alerts.push(a);
  }
  return groups;
}

export function renderAlerts() {
  if (!state.alerts) {
    // never loaded: not "no alerts", which would look healthy
    const badge = $('alert-badge');
    badge.className = 'badge badge-unknown';
    badge.textContent = '?';
    if (state.view.view === 'alerts') {
      const list = $('alert-list');
      clear(list);
      list.appendChild(el('div', 'alist-empty', '○ NO DATA — alerts not loaded yet'));
    }
    return;
  }
  const all = currentAlerts().filter(Boolean);
  const c = countsOf(state.alerts);
  updateBadge(c);
  renderSummary(c);
  const groups = groupByName(all);
  renderGroupFilter(groups);

  if (state.view.view !== 'alerts') { drawnKey = null; return; }
  const down = healthDown();
  const key = JSON.stringify([all, filter, group, down]);
  const list = $('alert-list');
  if (key === drawnKey && list.firstChild) return; // nothing changed since the last drawing
  drawnKey = key;
  const focusedFp = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.fp : null;
  clear(list);

  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const multiSource = new Set(all.map((a) => a.source)).size > 1;
  let shown = 0;
  const hdr = el('div', 'alist-head');
  for (const h of ['Severity', 'Alert', 'Instance / job', 'State / acknowledgement', 'Since', 'Summary']) hdr.appendChild(el('span', h === 'Summary' ? 'h-summary' : '', h));
  list.appendChild(hdr);

  for (const g of groups) {
    if (group && g.name !== group) continue;
    const rows = terms.length ? g.alerts.filter((a) => { const h = alertHaystack(a); return terms.every((t) => h.includes(t)); }) : g.alerts;
    if (rows.length === 0) continue;
    shown += rows.length;
    list.appendChild(groupBox(g, rows, multiSource));
  }

  if (shown === 0) {
    hdr.remove();
    if (all.length === 0) {
      const e = el('div', 'alist-empty good');
      if (down) {
        e.className = 'alist-empty';
        e.textContent = '○ NO DATA — no alerts received, but a source is unreachable. Alerts may be missing.';
      } else {
        e.appendChild(el('span', 'sym', '● '));
        e.appendChild(text('OK — no active alerts'));
      }
      list.appendChild(e);
    } else {
      list.appendChild(el('div', 'alist-empty', 'No alert matches the filter (' + all.length + ' hidden by the filter).'));
    }
  }
  if (focusedFp) {
    const back = list.querySelector('.arow[data-fp="' + CSS.escape(focusedFp) + '"]');
    if (back) back.focus();
  }
}

// One alertname group: the look of its first (most severe) member, what its shown rows are.
function groupBox(g, rows, multiSource) {
  const first = g.alerts[0];
  const box = el('div', 'agroup g-' + sevLook(first.severity).cls);
  box.setAttribute('role', 'group');
  const head = el('div', 'agroup-head');
  head.appendChild(sevBadge(first.severity, first.severity_label));
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
  if (!group) {
    head.appendChild(button('Only this group', 'tbbtn agroup-only', () => {
      setGroup(g.name);
      renderAlerts();
    }));
  }
  box.appendChild(head);
  for (const a of rows) box.appendChild(alertRow(a, multiSource));
  return box;
}

function alertRow(a, multiSource) {
  const st = stateWord(a.state);
  const ack = ackOf(a);
  const row = el('div', 'arow s-' + sevLook(a.severity).cls + (st === 'firing' && !ack ? '' : ' muted') + (ack ? ' acked' : '') + (isResolvedUnacked(a) ? ' resolved-unacked' : ''));
  row.setAttribute('role', 'listitem');
  row.tabIndex = 0;
  row.dataset.fp = str(a.fingerprint);
  row.appendChild(sevBadge(a.severity, a.severity_label));
  const name = el('span', 'a-name', a.alertname || '(no alertname)');
  name.setAttribute('title', str(a.alertname));
  row.appendChild(name);
  const where = el('span', 'a-where');
  const inst = str(a.labels && a.labels.instance);
  const job = str(a.labels && a.labels.job);
  where.appendChild(text(inst || '—'));
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
  const summary = alertSummary(a);
  const sm = el('span', 'a-summary', summary);
  sm.setAttribute('title', summary);
  row.appendChild(sm);
  const open = () => hooks.openAlert(a.source, a.fingerprint);
  row.addEventListener('click', open);
  row.addEventListener('keydown', (e) => {
    if (e.target !== row) return; // keys on the ACK button belong to the button
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
    else if ((e.key === 'a' || e.key === 'A') && !e.ctrlKey && !e.metaKey && !e.altKey && canAck(a)) { e.preventDefault(); openAckDialog(a, row); }
  });
  if (canAck(a)) row.setAttribute('title', 'Enter: open · A: acknowledge');
  return row;
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
    resolvedCell(cell, a);
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

// "✓ resolved 14:05, not acknowledged" with its ACK button (a local acknowledgement, no silence)
function resolvedCell(cell, a) {
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
}
