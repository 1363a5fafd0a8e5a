// The "Logs" card of the alert detail: the lines of the alert's service from a few minutes before it
// started until it resolved (or now, polled every few seconds while it fires: each answer covers the
// whole window, so the list resumes after a disconnect where it stopped). A filter (text, or /regex/);
// a click on a line shows the lines around it (the filter cleared, the line kept in view and marked).
// Lines are server text: inserted as text only (the engine already escaped control characters).
import { el, clear, button } from './dom.js';
import { str, hms, fullTime } from './format.js';
import { invoke } from './ipc.js';

const POLL_MS = 5000;
const LEVELS = {
  error: { cls: 'lv-error', word: '✖ ERROR' },
  warn: { cls: 'lv-warn', word: '▲ WARN' },
  info: { cls: 'lv-info', word: '● INFO' },
  debug: { cls: 'lv-debug', word: '· DEBUG' },
  unknown: { cls: 'lv-unknown', word: '? —' },
};

// One card, kept across the detail's redraws (they come with every alerts event).
let cardEl = null;
let key = null; // source + fingerprint the card shows
let filter = '';
let chosen = null; // {at, line} of the line shown in its context
let centre = false; // the chosen line is still to be brought into view
let startsAt = 0;
let timer = null;
let loading = false;
let last = null; // the last answer drawn (JSON), to redraw only on change
// Where the list is scrolled: kept across the detail's redraws (a re-attached element forgets it).
// null: not yet placed (the first lines are shown at the alert's start); 'end': follows new lines.
let scroll = null;

function makeCard() {
  const c = el('section', 'dcard wide logs-card');
  c.appendChild(el('h2', '', 'Logs of the service'));
  const bar = el('div', 'logs-bar');
  const input = el('input', 'logs-filter');
  input.type = 'text';
  input.placeholder = 'filter: text, or /regex/';
  input.setAttribute('aria-label', 'Filter log lines: text they contain, or /regular expression/');
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { filter = input.value; chosen = null; scroll = null; load(true); }
  });
  bar.appendChild(input);
  bar.appendChild(button('Filter', 'tbbtn', () => { filter = input.value; chosen = null; scroll = null; load(true); }));
  bar.appendChild(button('Clear', 'tbbtn', () => { input.value = ''; filter = ''; chosen = null; scroll = null; load(true); }));
  bar.appendChild(el('span', 'logs-query mono'));
  c.appendChild(bar);
  c.appendChild(el('div', 'logs-note'));
  const list = el('div', 'logs-list');
  list.addEventListener('scroll', () => {
    if (!list.isConnected || list.clientHeight === 0) return;
    scroll = list.scrollTop + list.clientHeight >= list.scrollHeight - 4 ? 'end' : list.scrollTop;
  });
  c.appendChild(list);
  return c;
}

// The list scrolled as the operator left it; at first, the alert's start a third down the list.
function placeScroll() {
  const list = cardEl.querySelector('.logs-list');
  const chosenRow = list.querySelector('.logline.chosen');
  if (chosenRow && centre && list.clientHeight > 0) {
    centre = false;
    list.scrollTop = Math.max(0, chosenRow.offsetTop - list.clientHeight / 2);
  } else if (scroll === 'end') {
    list.scrollTop = list.scrollHeight;
  } else if (scroll === null) {
    const start = list.querySelector('.logs-start');
    if (start && list.clientHeight > 0) list.scrollTop = Math.max(0, start.offsetTop - list.clientHeight / 3);
  } else {
    list.scrollTop = scroll;
  }
}

// The card for this alert (a new alert starts with no filter); starts its polling.
export function logsCard(source, fingerprint, alertStartsAt) {
  const k = str(source) + '\u0000' + str(fingerprint);
  if (!cardEl) cardEl = makeCard();
  startsAt = Number(alertStartsAt) || 0;
  if (k !== key) {
    key = k;
    filter = '';
    chosen = null;
    last = null;
    scroll = null;
    cardEl.querySelector('.logs-filter').value = '';
    clear(cardEl.querySelector('.logs-list'));
    cardEl.querySelector('.logs-list').appendChild(el('div', 'none', 'Loading logs…'));
    setNote('', '');
    load(true);
  }
  if (!timer) timer = setInterval(() => load(false), POLL_MS);
  requestAnimationFrame(placeScroll);
  return cardEl;
}

// Leaving the alert: no more polling.
export function stopLogs() {
  if (timer) { clearInterval(timer); timer = null; }
  key = null;
}

function setNote(cls, msg) {
  const n = cardEl.querySelector('.logs-note');
  n.className = 'logs-note' + (cls ? ' ' + cls : '');
  n.textContent = msg;
}

async function load(force) {
  if (!key || loading) return;
  if (!force && last && !last.open) return; // resolved: the window is closed, nothing new comes
  const [source, fingerprint] = key.split('\u0000');
  const asked = key;
  loading = true;
  try {
    const d = await invoke('alert_logs', { source, fingerprint, filter });
    if (asked !== key) return;
    const j = JSON.stringify(d);
    if (!force && last && last.json === j) return;
    last = { json: j, open: !!d.open };
    draw(d);
  } catch (e) {
    if (asked !== key) return;
    last = null;
    clear(cardEl.querySelector('.logs-list'));
    setNote('logs-unavailable', '◆ Cannot show the logs: ' + e.message);
  } finally {
    loading = false;
  }
}

function draw(d) {
  cardEl.querySelector('.logs-query').textContent = str(d.query) + '   ' + fullTime(Number(d.from)) + ' → ' + (d.open ? 'now (live)' : fullTime(Number(d.to)));
  if (!d.live) setNote('logs-stale', '○ STALE — ' + str(d.note));
  else if (Array.isArray(d.warnings) && d.warnings.length) setNote('logs-warn', '▲ ' + d.warnings.join(' · '));
  else setNote('', '');
  const list = cardEl.querySelector('.logs-list');
  clear(list);
  const lines = Array.isArray(d.lines) ? d.lines : [];
  if (lines.length === 0) {
    list.appendChild(el('div', 'none', filter ? 'No line of the service matches the filter in this window.' : 'No log lines of the service in this window.'));
    return;
  }
  let marked = false;
  for (const l of lines) {
    const at = Number(l.at);
    if (!marked && startsAt > 0 && at >= startsAt) {
      list.appendChild(el('div', 'logs-start', '━━ alert started ' + hms(startsAt) + ' ━━'));
      marked = true;
    }
    const lv = LEVELS[l.level] || LEVELS.unknown;
    const row = el('div', 'logline ' + lv.cls);
    row.appendChild(el('span', 'll-at mono', hms(at) + '.' + String(((at % 1000) + 1000) % 1000).padStart(3, '0')));
    row.appendChild(el('span', 'll-level', lv.word));
    row.appendChild(el('span', 'll-who mono', str(l.who)));
    const t = el('span', 'll-text mono', str(l.line));
    if (l.cut) t.appendChild(el('span', 'll-cut', ' [… cut]'));
    row.appendChild(t);
    row.title = 'Show the lines around this one';
    row.addEventListener('click', () => {
      chosen = { at, line: str(l.line) };
      centre = true;
      if (filter) {
        filter = '';
        cardEl.querySelector('.logs-filter').value = '';
        load(true);
      } else {
        draw(d);
      }
    });
    if (chosen && chosen.at === at && chosen.line === str(l.line)) row.classList.add('chosen');
    list.appendChild(row);
  }
  if (!marked && startsAt > 0) list.appendChild(el('div', 'logs-start', '━━ alert started ' + hms(startsAt) + ' ━━'));
  placeScroll();
}
