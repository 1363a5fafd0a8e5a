// The status bar (one entry per source, overall state), the offline banner and the error line.
import { $, el, clear, text } from './dom.js';
import { str, hhmm, fullTime } from './format.js';
import { invoke, setError } from './ipc.js';
import { state, healthDown } from './state.js';

let busy = false;
let again = false;

export async function refreshStatus() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const r = await invoke('status');
    state.health = (r && Array.isArray(r.health)) ? r.health : [];
    state.worst = r ? r.worst : null;
    // Disk full or a read-only cache file: new data is not kept, what is cached stays on screen.
    setError('history cache', r && r.cache_problem ? str(r.cache_problem) : null);
    // What holds for as long as the app runs: a cache moved aside or read-only, a source that could
    // not be set up, TLS certificate checks switched off.
    const warnings = (r && Array.isArray(r.warnings)) ? r.warnings.map(str).filter((w) => w) : [];
    setError('warning', warnings.length ? warnings.join('   ·   ') : null);
    renderHealth();
  } catch (e) {
    setError('status', e.message);
  } finally {
    busy = false;
    if (again) { again = false; refreshStatus(); }
  }
}

// Which components are down, as one string: a change means the panels need redrawing.
export function downKey() {
  return (state.health || []).filter((h) => h && h.unreachable)
    .map((h) => str(h.source) + ' ' + str(h.component)).sort().join('|');
}

// parts: ["key: message", …]
export function renderErrorLine(parts) {
  const line = $('error-line');
  clear(line);
  if (parts.length === 0) { line.hidden = true; return; }
  line.textContent = '⚠ ' + parts.join('   ·   ');
  line.hidden = false;
}

export function renderHealth() {
  renderSources();
  renderWorst();
  renderBanner();
}

// One entry per source (site): worst state of its components, oldest "last good data", latencies.
function renderSources() {
  const box = $('status-sources');
  clear(box);
  const bySource = new Map();
  for (const h of state.health) {
    if (!h) continue;
    const k = str(h.source);
    if (!bySource.has(k)) bySource.set(k, []);
    bySource.get(k).push(h);
  }
  for (const s of state.sources) if (!bySource.has(str(s))) bySource.set(str(s), []);
  bySource.forEach((comps, source) => {
    const down = comps.filter((h) => h.unreachable);
    const bad = comps.filter((h) => !h.unreachable && !h.ok);
    const item = el('div', 'src' + (down.length || comps.length === 0 ? ' down' : ''));
    item.appendChild(el('span', 'src-name', source));
    let cls, word;
    if (comps.length === 0) { cls = 'down'; word = '? UNKNOWN'; }
    else if (down.length === comps.length) { cls = 'down'; word = '○ NO DATA'; }
    else if (down.length) { cls = 'err'; word = '◆ DEGRADED'; }
    else if (bad.length) { cls = 'err'; word = '◆ ERROR'; }
    else { cls = 'ok'; word = '● OK'; }
    item.appendChild(el('span', 'src-state ' + cls, word));
    if (comps.length) {
      const lasts = comps.map((h) => Number(h.last_success)).filter((x) => isFinite(x) && x > 0);
      const last = el('span', 'src-last');
      last.appendChild(text('last good data '));
      last.appendChild(el('b', '', lasts.length === comps.length ? hhmm(Math.min.apply(null, lasts)) : 'never'));
      item.appendChild(last);
      const parts = comps.map((h) => {
        const c = str(h.component) || 'source';
        if (h.unreachable) return c + ' unreachable';
        if (!h.ok) return c + ' error';
        return c + (h.latency_ms !== null && h.latency_ms !== undefined ? ' ' + Math.round(Number(h.latency_ms)) + ' ms' : '');
      });
      item.appendChild(el('span', 'src-lat', parts.join(' · ')));
    } else {
      item.appendChild(el('span', 'src-last', 'no status yet'));
    }
    const tip = comps.map((h) => str(h.component) + ': ' + (h.unreachable ? 'unreachable' : h.ok ? 'ok' : 'error') +
      ', last good data ' + (h.last_success ? fullTime(Number(h.last_success)) : 'never') +
      (h.last_error ? '\nlast error: ' + str(h.last_error) : '')).join('\n');
    item.setAttribute('title', tip || source);
    box.appendChild(item);
  });
}

function renderWorst() {
  const w = str(state.worst) || (healthDown() ? 'stale' : '');
  const wEl = $('status-worst');
  const words = { critical: '▲ CRITICAL', warning: '◆ WARNING', ok: '● OK', stale: '○ STALE' };
  wEl.className = 'status-worst' + (w ? ' w-' + w : '');
  wEl.textContent = words[w] || '? UNKNOWN';
  wEl.setAttribute('title', 'overall state');
}

// Data sources down -> OFFLINE (cached data shown); one member of an HA Alertmanager cluster down
// while another answers -> a warning only (the list stays complete).
function renderBanner() {
  const health = state.health;
  const down = health.filter((h) => h && h.unreachable);
  const banner = $('offline-banner');
  if (down.length === 0) { banner.hidden = true; banner.classList.remove('degraded'); return; }
  const isAm = (h) => str(h.component).startsWith('alertmanager');
  const amOkIn = (src) => health.some((h) => h && isAm(h) && str(h.source) === str(src) && !h.unreachable);
  const serious = down.filter((h) => !isAm(h) || !amOkIn(h.source));
  const t = $('offline-text');
  clear(t);
  if (serious.length === 0) {
    const names = Array.from(new Set(down.map((h) => str(h.source) + ' ' + str(h.component))));
    t.appendChild(text('DEGRADED — an Alertmanager of the cluster is unreachable; alerts come from the others'));
    t.appendChild(el('span', 'offline-detail', '   unreachable: ' + names.join(', ')));
    banner.classList.add('degraded');
    banner.hidden = false;
    return;
  }
  banner.classList.remove('degraded');
  const lasts = serious.map((h) => Number(h.last_success)).filter((x) => isFinite(x) && x > 0);
  const upTo = lasts.length ? Math.min.apply(null, lasts) : null;
  t.appendChild(text(upTo ? 'OFFLINE — showing data up to ' + hhmm(upTo) : 'OFFLINE — no data received yet'));
  const names = Array.from(new Set(down.map((h) => str(h.source) + (h.component ? ' ' + str(h.component) : ''))));
  t.appendChild(el('span', 'offline-detail', '   unreachable: ' + names.join(', ')));
  banner.hidden = false;
}
