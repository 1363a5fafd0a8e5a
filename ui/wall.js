// A wall window (index.html?wall=1, opened by `watchdesk-app --wall`): shows what the engine's wall
// says for this screen (`wall_screen`, then every `wd:wall` event) with the normal views — a
// dashboard at its playlist entry's range and variables, the alert list, or an alarm's detail under
// a banner — plus the counts and the stale banner. Keyboard only, no cursor; nothing is saved as the
// operator's view. Server text is inserted as text only.
import { EVENTS } from './events.js';
import { $ } from './dom.js';
import { hms } from './format.js';
import { invoke, listen, setError } from './ipc.js';
import { state } from './state.js';
import { loadDashboard, renderAllPanels } from './dashboard.js';
import { refreshAlerts, renderAlerts } from './alerts.js';
import { loadDetail, showDetailLoading } from './detail.js';

// The wall scale: panels are drawn this much smaller and shown stretched, so their text and lines
// come out this much bigger (the charts are SVG: they stay sharp).
export const WALL_SCALE = 1.5;

// key -> wall command (the engine's `Command`); "pause" resumes when the screen is paused.
const KEYS = {
  ' ': 'pause', p: 'pause', P: 'pause', Pause: 'pause',
  ArrowRight: 'next', PageDown: 'next', n: 'next', N: 'next',
  ArrowLeft: 'previous', PageUp: 'previous', b: 'previous', B: 'previous',
  a: 'alerts', A: 'alerts',
  Escape: 'leave', q: 'leave', Q: 'leave',
};

let hooks = null;
let current = null; // the last screen view
let shownKey = ''; // what the views show now
let shownWhat = ''; // its words, for the title
let seq = 0;

export function startWall(h) {
  hooks = h;
  state.wall = true;
  document.body.classList.add('wall');
  $('wallbar').hidden = false;
  document.addEventListener('keydown', onKey, true);
  // The shell sends each window its own screen, but a page's listener hears every window's: keep
  // this window's (its monitor is known from `wall_screen`).
  listen(EVENTS.wall, (s) => { if (current && s.monitor === current.monitor) apply(s); });
  const clock = () => { $('wall-clock').textContent = hms(Date.now()); };
  clock();
  setInterval(clock, 1000);
  listen(EVENTS.alerts, () => { if (current) renderBar(current); });
  invoke('wall_screen')
    .then((s) => { if (s) apply(s); })
    .catch((e) => setError('wall_screen', e.message));
}

function onKey(e) {
  let cmd = KEYS[e.key];
  if (!cmd) return;
  e.preventDefault();
  e.stopPropagation();
  if (cmd === 'pause' && current && current.paused) cmd = 'resume';
  invoke('wall_command', { cmd }).catch((err) => setError('wall_command', err.message));
}

function count(id, n, word) {
  const e = $(id);
  e.textContent = n + ' ' + word;
  e.classList.toggle('zero', !n);
}

function renderBar(s) {
  const c = s.counts || {};
  count('wall-crit', c.critical || 0, 'critical');
  count('wall-warn', c.warning || 0, 'warning');
  count('wall-unknown', c.unknown || 0, 'unknown');
  count('wall-acked', c.acknowledged || 0, 'acknowledged');
  $('wall-pos').textContent = s.show === 'dashboard' && s.of > 1 ? (s.position + 1) + ' / ' + s.of : '';
  $('wall-paused').hidden = !s.paused;
  // Whose playlist this is when it moved here, and the playlists waiting for their monitor.
  const moved = [];
  if (s.moved_from) moved.push('Showing ' + s.moved_from);
  for (const w of s.waiting || []) moved.push('Waiting: ' + w);
  $('wall-moved').textContent = moved.join(' · ');
  const stale = $('wall-stale');
  stale.hidden = !s.stale;
  stale.textContent = s.stale ? '○ ' + s.stale : '';
  const alarm = $('wall-alarm');
  alarm.hidden = s.show !== 'alarm';
  alarm.textContent = s.alarm ? s.alarm.banner : '';
}

// The window's title says what the page shows (the shell makes it the window's title).
function setTitle(s, what) {
  shownWhat = what;
  const parts = ['Watchdesk wall ' + s.monitor + ': ' + what];
  if (s.show === 'dashboard' && s.of > 1) parts.push('(' + (s.position + 1) + '/' + s.of + ')');
  if (s.paused) parts.push('paused');
  // A playlist moved here from a monitor that is not connected, or one waiting for its monitor,
  // is said (as the bar does).
  const moved = $('wall-moved').textContent;
  if (moved) parts.push('— ' + moved);
  document.title = parts.join(' ');
}

function apply(s) {
  current = s;
  state.wallScale = s.scale ? WALL_SCALE : 1;
  document.body.classList.toggle('wall-scale', !!s.scale);
  renderBar(s);
  const key = JSON.stringify([s.show, s.dashboard, s.from, s.to, s.vars, s.alarm && [s.alarm.source, s.alarm.fingerprint]]);
  if (key === shownKey) {
    setTitle(s, shownWhat); // same content; paused or the position may have changed
    return;
  }
  shownKey = key;
  const mine = ++seq;
  if (s.show === 'dashboard') showDashboard(s, mine);
  else if (s.show === 'alerts') {
    hooks.showView('alerts');
    refreshAlerts().then(renderAlerts);
    setTitle(s, 'alerts');
  } else if (s.alarm) {
    state.view.source = s.alarm.source;
    state.view.fingerprint = s.alarm.fingerprint;
    hooks.showView('alert');
    showDetailLoading();
    loadDetail();
    setTitle(s, s.alarm.banner);
  }
}

async function showDashboard(s, mine) {
  const v = state.view;
  // A playlist may name a dashboard by its title: the views know it by its uid.
  const known = state.dashboards.find((d) => d.uid === s.dashboard) || state.dashboards.find((d) => d.title === s.dashboard);
  const uid = known ? known.uid : s.dashboard;
  v.dashboard = uid;
  v.from = s.from || 'now-6h';
  v.to = s.to || 'now';
  v.refresh_ms = null; // panels redraw on every new data (wd:data)
  // An entry with variable values names the engine's copy of the dashboard that carries them:
  // the operator's selection in the normal window is not touched.
  hooks.showView('dashboard');
  await loadDashboard(uid, false);
  if (mine !== seq) return;
  renderAllPanels();
  $('main').scrollTop = 0;
  setTitle(s, $('dash-title').textContent || uid);
}
