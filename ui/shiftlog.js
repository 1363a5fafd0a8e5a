// The shift log: what happened since a time (shift_log), newest first; Export CSV (export_shift_log).
import { $, el, clear } from './dom.js';
import { str, fullTime } from './format.js';
import { invoke, setError } from './ipc.js';
import { state } from './state.js';

let hooks = { openAlert() {} };
let drawnKey = null;

// hooks: {openAlert(source, fingerprint)}
export function initShiftLog(h) {
  hooks = h;
  $('shift-since').addEventListener('change', () => {
    $('shift-time').hidden = $('shift-since').value !== 'time';
    loadShiftLog();
  });
  $('shift-time').addEventListener('change', loadShiftLog);
  $('shift-export').addEventListener('click', exportShiftLog);
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
export async function loadShiftLog() {
  if (state.view.view !== 'shiftlog') return;
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
  if (key === drawnKey && box.firstChild) return;
  drawnKey = key;
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
    const open = () => hooks.openAlert(str(e.source), str(e.fingerprint));
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
