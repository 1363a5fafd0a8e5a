// The acknowledge dialog: an Alertmanager silence with a scope (label matchers), a duration, an
// author and a comment, sent with the `ack` command (queued by the engine when Alertmanager is down).
import { el, clear, button, text } from './dom.js';
import { str, hhmm } from './format.js';
import { invoke } from './ipc.js';
import { state, currentAlerts } from './state.js';
import { sevBadge } from './severity.js';
import { hideHover } from './hover.js';

const ACK_DURATIONS = [['15m', 15 * 6e4], ['30m', 30 * 6e4], ['1h', 36e5], ['2h', 2 * 36e5], ['4h', 4 * 36e5], ['8h', 8 * 36e5], ['24h', 24 * 36e5]];
const ACK_DEFAULT_MS = 36e5;
const AUTHOR_KEY = 'watchdesk.ackAuthor';

let open = null; // the open dialog, if any
let hooks = { afterChange() {} };

// hooks: {afterChange()}: an acknowledgement was sent or queued
export function initAckDialog(h) { hooks = h; }

export function isAckDialogOpen() { return !!open; }

// The author of acknowledgements: the last one typed, else the OS user.
export function loadAuthor() {
  let v = '';
  try { v = str(window.localStorage.getItem(AUTHOR_KEY)); } catch (e) { v = ''; }
  return v || state.user || '';
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

export function openAckDialog(a, opener) {
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
  title.appendChild(text('Acknowledge '));
  title.appendChild(el('span', 'modal-alert', str(a.alertname) || '(no alertname)'));
  dlg.appendChild(title);
  const sub = el('div', 'modal-sub');
  sub.appendChild(sevBadge(a.severity, a.severity_label));
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
    lab.appendChild(text(word));
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
      if (m.name === 'alertname') {
        // An acknowledgement is for one alert (the engine refuses one without its name); a wider
        // silence, such as a maintenance window, belongs in Alertmanager.
        c.setAttribute('title', 'an acknowledgement names its alert; for a wider silence use Alertmanager');
        chips.appendChild(c);
        continue;
      }
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
    const all = state.alerts ? currentAlerts() : [a];
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
      hooks.afterChange();
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
  open = D;
  renderScope();
  syncDur();
  document.body.appendChild(back);
  hideHover();
  comment.focus();
}

export function closeAckDialog() {
  const D = open;
  if (!D) return;
  open = null;
  D.el.remove();
  let target = D.opener && D.opener.isConnected ? D.opener : null;
  if (!target && D.alert) target = document.querySelector('.arow[data-fp="' + CSS.escape(str(D.alert.fingerprint)) + '"]');
  if (target) target.focus();
}
