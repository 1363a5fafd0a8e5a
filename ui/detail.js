// The alert detail view: header with state and acknowledgement, annotations (runbook links through
// open_link), labels, the rule and its chart, target health, related panels, history.
import { $, el, clear, button, text, svgUrl } from './dom.js';
import { str, hhmm, fullTime, hms, duration, ago } from './format.js';
import { invoke, setError } from './ipc.js';
import { state } from './state.js';
import { sevLook, sevBadge, isSeverityWord } from './severity.js';
import { stateWord, isResolvedUnacked, ackOf, isPendingAck, isMaintenance, canAck, ackText, ackTitle, alertSummary } from './alertstate.js';
import { openAckDialog, loadAuthor } from './ackdialog.js';
import { logsCard, stopLogs } from './logs.js';

let hooks = { goToPanel() {}, afterAckChange() {} };
let busy = false;
let again = false;
let drawnKey = null; // what is drawn now: redrawn (and the chart reloaded) only when it changes
let chartUrl = null; // blob: URL of the rule chart
let ackNote = null; // last (un-)acknowledge result shown in the header {key, cls, text, until}

// hooks: {goToPanel(uid, panelId), afterAckChange()}
export function initDetail(h) { hooks = h; }

// Shows "Loading alert…" until loadDetail() draws it.
export function showDetailLoading() {
  clear($('detail'));
  $('detail').appendChild(el('div', 'detail-loading', 'Loading alert…'));
}

// The alert's canonical severity (from the engine); an alert that is gone has only its rule's raw
// label: shown as that severity when it is a canonical word, else as unknown with the raw value.
function severityOf(a, rule) {
  if (a) return { sev: a.severity, label: a.severity_label };
  const raw = str(rule && rule.labels && rule.labels.severity);
  const sev = rule && isSeverityWord(rule.severity) ? rule.severity : raw;
  return { sev: isSeverityWord(sev) ? sev : 'unknown', label: raw };
}

export async function loadDetail() {
  const v = state.view;
  if (v.view !== 'alert') return;
  if (busy) { again = true; return; }
  busy = true;
  const src = v.source, fp = v.fingerprint;
  try {
    const d = await invoke('alert_detail', { source: src, fingerprint: fp });
    if (v.view === 'alert' && v.source === src && v.fingerprint === fp) {
      // the alerts event comes every few seconds: redraw (and reload the chart) only when something changed
      const key = src + '\u0000' + fp + '\u0000' + JSON.stringify(d);
      if (key !== drawnKey || !document.querySelector('#detail .dcard')) {
        drawnKey = key;
        renderDetail(d || {});
      }
    }
  } catch (e) {
    if (v.view === 'alert') {
      const box = $('detail');
      clear(box);
      box.appendChild(el('div', 'detail-loading', '◆ Cannot load this alert: ' + e.message));
    }
  } finally {
    busy = false;
    if (again) { again = false; loadDetail(); }
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
  const { sev, label } = severityOf(a, rule);
  const head = card(null, true);
  head.classList.add('dhead', 's-' + sevLook(sev).cls);
  head.appendChild(sevBadge(sev, label));
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
    times.appendChild(text('Started '));
    times.appendChild(el('b', '', fullTime(Number(a.starts_at))));
    const resolvedAt = isResolvedUnacked(a) ? Number(a.resolved_at) : 0;
    if (resolvedAt > 0) {
      // Over: how long it was active, not a clock that keeps counting.
      times.appendChild(text('  ·  resolved '));
      times.appendChild(el('b', '', fullTime(resolvedAt)));
      times.appendChild(text(' after '));
      times.appendChild(el('b', '', duration(Math.max(0, resolvedAt - Number(a.starts_at)))));
    } else {
      times.appendChild(text('  ·  active for '));
      const dur = el('b', '', ago(Number(a.starts_at)));
      dur.dataset.since = String(Number(a.starts_at));
      dur.dataset.prefix = '';
      times.appendChild(dur);
    }
    head.appendChild(times);
    const summary = alertSummary(a);
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
  if (chartUrl) { URL.revokeObjectURL(chartUrl); chartUrl = null; }
  if (d.chart && d.chart.svg) {
    const cb = el('div', 'chart-box');
    const img = el('img');
    img.alt = 'chart of the rule expression around the alert start';
    chartUrl = svgUrl(d.chart.svg);
    img.src = chartUrl;
    cb.appendChild(img);
    ruleCard.appendChild(cb);
    if (d.chart.stale) ruleCard.appendChild(el('div', 'chart-note', '○ STALE — ' + str(d.chart.stale)));
  } else if (rule) {
    ruleCard.appendChild(el('div', 'none', 'No chart for this expression.'));
  }
  box.appendChild(ruleCard);

  // -- logs of the alert's service (kept across redraws; polls while the alert fires)
  if (a) box.appendChild(logsCard(a.source || state.view.source, a.fingerprint || state.view.fingerprint, a.starts_at));
  else stopLogs();

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
      const dash = state.dashboards.find((x) => x.uid === r.uid);
      li.appendChild(button('▦ ' + str(r.title) + (dash ? '  —  ' + str(dash.title) : ''), 'tbbtn', () => hooks.goToPanel(r.uid, r.panel_id)));
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
  const note = ackNote;
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
        hooks.afterAckChange();
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
        ackNote = { key: noteKey, cls: 'err', text: result.textContent, until: Date.now() + 60000 };
        b.disabled = false;
      }
      hooks.afterAckChange();
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
      line.appendChild(text(' — '));
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
  ackNote = { key: noteKey, cls: node.className.replace('dack-result ', ''), text: node.textContent, until: Date.now() + 60000 };
}
