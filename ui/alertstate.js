// What an alert's state and acknowledgement mean for the operator (AlertDto from the engine).
//   ack: {by, at, until, comment, silence_id} | null  (a silence made from Watchdesk)
//   pending_ack: an acknowledgement queued locally, sent when Alertmanager answers again
//   silenced without ack: a maintenance (or other) silence made elsewhere
//   state "resolved, not acknowledged": resolved while nobody acknowledged it; listed until someone does
import { el, text } from './dom.js';
import { str, ago, hhmm, fullTime } from './format.js';

export function stateWord(st) {
  return str(st).toLowerCase() || 'unknown';
}
export function isFiring(a) { return stateWord(a.state) === 'firing'; }
export function isResolvedUnacked(a) { return stateWord(a.state) === 'resolved, not acknowledged'; }
export function ackOf(a) {
  return a && a.ack && typeof a.ack === 'object' ? a.ack : null;
}
export function isPendingAck(a) { return !!(a && a.pending_ack); }
export function isMaintenance(a) {
  const st = stateWord(a.state);
  return !ackOf(a) && (st === 'silenced' || st === 'suppressed');
}
export function canAck(a) { return !!a && isFiring(a) && !ackOf(a) && !isPendingAck(a); }
export function ackAuthor(ack) { return str(ack && ack.by) || 'someone'; }
export function alertSummary(a) { return str(a.summary) || str(a.annotations && a.annotations.summary); }

// "✔ ACK by Sam · 10 min ago · until 04:00" (live "ago"); long: "✔ Acknowledged by Sam 10 min ago, until 04:00"
export function ackText(ack, long) {
  const wrap = el('span', long ? 'ack-text long' : 'ack-text');
  wrap.appendChild(text(long ? '✔ Acknowledged by ' : '✔ ACK by '));
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
    wrap.appendChild(text((long ? ', until ' : ' · until ') + hhmm(until)));
    if (until < Date.now()) wrap.appendChild(text(' (expired)'));
  }
  return wrap;
}

export function ackTitle(ack) {
  return 'Acknowledged by ' + ackAuthor(ack) +
    (ack.at ? ' at ' + fullTime(Number(ack.at)) : '') +
    (ack.until ? ', until ' + fullTime(Number(ack.until)) : '') +
    (ack.comment ? '\n“' + str(ack.comment) + '”' : '') +
    (ack.silence_id ? '\nsilence ' + str(ack.silence_id) : '');
}
