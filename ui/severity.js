// How a severity looks: the one place that knows the word, the symbol and the CSS class of each of
// the engine's canonical severities. The engine maps the label values (page, high, major, minor…)
// to these words; the UI never interprets a label value itself.
import { el } from './dom.js';
import { str } from './format.js';

const LOOK = {
  critical: { word: 'CRIT', long: 'CRITICAL', sym: '▲', cls: 'crit' },
  warning: { word: 'WARN', long: 'WARNING', sym: '◆', cls: 'warn' },
  unknown: { word: 'UNKNOWN', long: 'UNKNOWN', sym: '?', cls: 'unknown' },
  info: { word: 'INFO', long: 'INFO', sym: '■', cls: 'info' },
  none: { word: 'NONE', long: 'NONE', sym: '□', cls: 'none' },
};

// The look of a canonical severity word; anything else looks unknown (shown, never hidden).
export function sevLook(sev) {
  return LOOK[str(sev)] || LOOK.unknown;
}

export function isSeverityWord(s) {
  return Object.prototype.hasOwnProperty.call(LOOK, str(s));
}

// Title with the raw `severity` label where it helps: always on unknown, and when it is an alias.
function labelTitle(sev, label) {
  const raw = str(label);
  if (!isSeverityWord(sev) || sev === 'unknown') return raw === '' ? 'no severity label' : 'severity "' + raw + '"';
  if (raw !== '' && raw !== sev) return 'severity "' + raw + '"';
  return null;
}

// "▲ CRIT" badge of a canonical severity, the raw label value in its title.
export function sevBadge(sev, label) {
  const k = sevLook(sev);
  const b = el('span', 'sev sev-' + k.cls, k.sym + ' ' + k.word);
  const t = labelTitle(str(sev), label);
  if (t) b.setAttribute('title', t);
  return b;
}
