// The crosshair and the values tooltip over a time-series panel. The engine answers with the
// values at the time under the pointer (panel_values); at most one request is in flight.
import { $, el, clear } from './dom.js';
import { str, fullTime, hms } from './format.js';
import { invoke } from './ipc.js';

// rec: the panel under the pointer; q: {uid, from, to} of what it shows
const hover = { rec: null, q: null, at: 0, x: 0, y: 0, busy: false, again: false };

function isTimeseries(rec) {
  const k = str(rec.p.kind).toLowerCase();
  return k === 'timeseries' || k === 'graph' || k === 'time_series' || k === 'time-series';
}

export function hoveredPanel() { return hover.rec; }

// A pointer move over a panel body. q: {uid, from, to}
export function onHover(rec, ev, q) {
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
  hover.q = q;
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
  const q = hover.q;
  if (!rec || !q) return;
  hover.busy = true;
  const at = hover.at;
  try {
    const res = await invoke('panel_values', { uid: q.uid, panelId: rec.p.id, from: q.from, to: q.to, at });
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

export function hideHover() {
  if (hover.rec) hover.rec.cross.hidden = true;
  hover.rec = null;
  hover.again = false;
  $('tooltip').hidden = true;
}
