// Text and time formatting (local time of the control room).

const RANGE_WORDS = { m: 'minutes', h: 'hours', d: 'days' };

export function str(v) {
  return v === undefined || v === null ? '' : String(v);
}

function pad(n) { return n < 10 ? '0' + n : String(n); }

function isToday(d) {
  const n = new Date();
  return d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
}

// "14:05" today, "2025-01-02 14:05" on another day
export function hhmm(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '—';
  const d = new Date(ms);
  const t = pad(d.getHours()) + ':' + pad(d.getMinutes());
  if (isToday(d)) return t;
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + t;
}

export function fullTime(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '—';
  const d = new Date(ms);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

export function hms(ms) {
  const d = new Date(ms);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

export function duration(ms) {
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

export function ago(ms) {
  return duration(Date.now() - ms);
}

// value of an <input type="datetime-local">
export function toLocalInput(ms) {
  const d = new Date(ms);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}

// "now", "now-6h", or ms since epoch as a string -> ms since epoch (NaN if unreadable)
export function relToMs(spec) {
  const s = str(spec).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
  if (!m) return NaN;
  if (!m[1]) return Date.now();
  const mult = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2]];
  return Date.now() - Number(m[1]) * mult;
}

// "Last 6 hours" or "2025-01-02 03:00  →  now"
export function rangeLabel(from, to) {
  const m = /^now-(\d+)([mhd])$/.exec(str(from));
  if (m && to === 'now') {
    const n = Number(m[1]);
    let word = RANGE_WORDS[m[2]];
    if (n === 1) word = word.slice(0, -1);
    return 'Last ' + n + ' ' + word;
  }
  return fullTime(relToMs(from)).slice(0, 16) + '  →  ' + (to === 'now' ? 'now' : fullTime(relToMs(to)).slice(0, 16));
}
