// DEVELOPMENT ONLY: a fake window.__TAURI__ with realistic data, for ui/dev/mock.html and selftest.html.
// A classic script, run before the UI's modules. Not shipped in the app; the app never loads ui/dev.
// It answers as the engine does: `alerts` is {alerts (sorted, Watchdog removed), counts, health}, each alert
// with its canonical `severity` and the raw `severity_label`.
// Open mock.html#dashboard | #alerts | #alert | #alert-xss | #alert-unknown | #alert-resolved
//   | #alert-acked | #alert-maint | #alert-pending | #ack-dialog (list with the acknowledge dialog open) | #shiftlog
//   | #healthy | #offline-site | #hover
// Test helpers: window.__mock.emit(name, payload), window.__mock.calls (log of invokes), window.__mock.links,
//   window.__mock.answer: {order(list) -> list, counts(counts) -> counts} to bend the `alerts` answer (checks
//   that the UI shows the engine's order and counts as they come). Event names: window.__mock.events() (EVENTS).
'use strict';

(function () {
  const NOW = Date.now();
  const MIN = 60e3, HOUR = 36e5;
  const SITE_A = 'rta-main';
  const SITE_B = 'rta-dr';

  // XSS canaries: if any of these ever execute, the page title becomes "XSS EXECUTED".
  const XSS_IMG = '<img src=x onerror="document.title=\'XSS EXECUTED\'">';
  const XSS_SCRIPT = '</text><script>document.title=\'XSS EXECUTED\'</script>';

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  // ------------------------------------------------------------ dashboards
  const DASHES = [
    { uid: 'rta-overview', title: 'RTA CCTV System Overview' },
    { uid: 'node', title: 'Node resources' },
  ];
  const PANELS = {
    'rta-overview': [
      { id: 1, title: 'System health status (all services)', kind: 'stat', description: 'up{} of every scrape target', grid: { x: 0, y: 0, w: 24, h: 5 } },
      { id: 2, title: 'Active stream reservations by source', kind: 'timeseries', description: 'sum by (source) (vms_stream_reservations_active)', grid: { x: 0, y: 5, w: 12, h: 8 } },
      { id: 3, title: 'API request rate and error rate', kind: 'timeseries', description: '', grid: { x: 12, y: 5, w: 12, h: 8 } },
      { id: 4, title: 'LiveKit streaming (rooms, participants, bandwidth)', kind: 'timeseries', description: '', grid: { x: 0, y: 13, w: 12, h: 8 } },
      { id: 5, title: 'Playback cache hit rate', kind: 'gauge', description: 'good > 70 %, warning 50-70 %, critical < 50 %', grid: { x: 12, y: 13, w: 6, h: 8 } },
      { id: 6, title: 'Database connection pool', kind: 'bargauge', description: '', grid: { x: 18, y: 13, w: 6, h: 8 } },
      { id: 7, title: 'MinIO storage usage', kind: 'gauge', description: '', grid: { x: 0, y: 21, w: 6, h: 8 } },
      { id: 8, title: 'CPU usage by container', kind: 'timeseries', description: '', grid: { x: 6, y: 21, w: 9, h: 8 } },
      { id: 9, title: 'Memory usage by container', kind: 'timeseries', description: '', grid: { x: 15, y: 21, w: 9, h: 8 } },
      { id: 10, title: 'Playback transmux performance', kind: 'piechart', description: '', grid: { x: 0, y: 29, w: 8, h: 8 } },
      { id: 11, title: 'Recent alerts', kind: 'alertlist', description: '', grid: { x: 8, y: 29, w: 16, h: 8 } },
    ],
    node: [
      { id: 1, title: 'CPU busy', kind: 'timeseries', description: '', grid: { x: 0, y: 0, w: 12, h: 9 }, ignored: ['options.legend.calcs'] },
      { id: 2, title: 'Disk usage', kind: 'bargauge', description: '', grid: { x: 12, y: 0, w: 12, h: 9 } },
      { id: 3, title: 'Network traffic', kind: 'timeseries', description: '', grid: { x: 0, y: 10, w: 24, h: 8 } },
    ],
  };
  // Rows of the mock dashboards, laid out as the engine does: a header, then (expanded) its panels.
  const ROWS = { node: [{ title: 'Network', panels: [3], collapsed: true }] };
  function layoutOf(uid) {
    const rows = ROWS[uid] || [];
    const inRow = new Set(rows.flatMap((r) => r.panels));
    const out = [];
    let bottom = 0;
    for (const p of PANELS[uid]) {
      if (inRow.has(p.id)) continue;
      out.push({ kind: 'panel', id: p.id, grid: p.grid });
      bottom = Math.max(bottom, p.grid.y + p.grid.h);
    }
    rows.forEach((r, i) => {
      out.push({ kind: 'row', row: i, title: r.title, collapsed: r.collapsed, panels: r.panels.length, grid: { x: 0, y: bottom, w: 24, h: 1 } });
      bottom += 1;
      if (r.collapsed) return;
      for (const id of r.panels) {
        const p = PANELS[uid].find((x) => x.id === id);
        out.push({ kind: 'panel', id, grid: Object.assign({}, p.grid, { y: bottom }) });
        bottom += p.grid.h;
      }
    });
    return out;
  }
  const VARS = {
    'rta-overview': [
      { name: 'site', label: 'Site', options: [SITE_A, SITE_B], current: [SITE_A], multi: false, include_all: false },
      { name: 'service', label: 'Service', options: ['go-api', 'vms-service', 'storage-service', 'recording-service', 'metadata-service', 'stream-counter', 'playback-service', 'livekit'], current: ['$__all'], multi: true, include_all: true },
    ],
    node: [],
  };

  // ------------------------------------------------------------ series (deterministic functions of time)
  const SERIES = {
    2: [['camera-pool-A', 120, 30, 1.0], ['camera-pool-B', 80, 20, 1.7], ['mobile', 35, 12, 2.3]],
    3: [['requests/s', 420, 90, 0.8], ['errors/s', 6, 5, 3.1]],
    4: [['rooms', 42, 8, 1.2], ['participants', 160, 40, 0.9], ['bandwidth Mb/s', 310, 60, 0.5]],
    8: [['go-api', 38, 14, 1.1], ['vms-service', 55, 20, 0.7], ['recording-service', 71, 16, 2.0], ['playback-service', 44, 12, 1.4], ['livekit', 62, 18, 0.6]],
    9: [['go-api', 45, 6, 0.4], ['vms-service', 63, 8, 0.9], ['recording-service', 82, 5, 1.3], ['postgres', 58, 4, 0.2]],
  };
  const COLORS = ['#56b4e9', '#e69f00', '#009e73', '#f0e442', '#cc79a7', '#d55e00', '#3d8fd6', '#bbbbbb'];
  function val(s, t) {
    const [, base, amp, ph] = s;
    const x = t / (40 * MIN);
    return Math.max(0, base + amp * Math.sin(x + ph) + amp * 0.35 * Math.sin(x * 3.7 + ph * 2));
  }
  // site B (unreachable) has no data after this time
  const DR_LAST = NOW - 23 * MIN;

  function parseTime(s, now) {
    s = String(s);
    if (/^\d+$/.test(s)) return Number(s);
    const m = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
    if (!m) return now;
    if (!m[1]) return now;
    return now - Number(m[1]) * { s: 1e3, m: MIN, h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR }[m[2]];
  }
  function fmtTime(t, span) {
    const d = new Date(t);
    const p = (n) => (n < 10 ? '0' : '') + n;
    if (span > 2 * 24 * HOUR) return p(d.getMonth() + 1) + '-' + p(d.getDate());
    return p(d.getHours()) + ':' + p(d.getMinutes());
  }

  // ------------------------------------------------------------ hand-drawn SVGs (what plotters would return)
  function svgOpen(w, h) {
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" viewBox="0 0 ' + w + ' ' + h + '">' +
      '<rect width="100%" height="100%" fill="#181b1f"/>';
  }
  const FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"';

  function svgTimeseries(pid, w, h, from, to) {
    const series = SERIES[pid] || SERIES[2];
    const legendH = 22;
    const plot = { left: 56, top: 10, right: w - 12, bottom: h - 26 - legendH };
    let out = svgOpen(w, h);
    const vals = [];
    const N = Math.max(20, Math.min(300, Math.floor((plot.right - plot.left) / 3)));
    let max = 0;
    for (const s of series) {
      const pts = [];
      for (let i = 0; i <= N; i++) {
        const t = from + (to - from) * i / N;
        const v = val(s, t);
        pts.push([t, v]);
        if (v > max) max = v;
      }
      vals.push(pts);
    }
    max = Math.ceil(max * 1.1 / 10) * 10 || 10;
    const X = (t) => plot.left + (t - from) / (to - from) * (plot.right - plot.left);
    const Y = (v) => plot.bottom - v / max * (plot.bottom - plot.top);
    for (let i = 0; i <= 4; i++) {
      const v = max * i / 4;
      const y = Y(v).toFixed(1);
      out += '<line x1="' + plot.left + '" x2="' + plot.right + '" y1="' + y + '" y2="' + y + '" stroke="#2f333b"/>';
      out += '<text x="' + (plot.left - 6) + '" y="' + (Number(y) + 4) + '" text-anchor="end" fill="#a8b0ba" font-size="11" ' + FONT + '>' + Math.round(v) + '</text>';
    }
    for (let i = 0; i <= 6; i++) {
      const t = from + (to - from) * i / 6;
      const x = X(t).toFixed(1);
      out += '<line x1="' + x + '" x2="' + x + '" y1="' + plot.top + '" y2="' + plot.bottom + '" stroke="#2f333b"/>';
      out += '<text x="' + x + '" y="' + (plot.bottom + 15) + '" text-anchor="middle" fill="#a8b0ba" font-size="11" ' + FONT + '>' + fmtTime(t, to - from) + '</text>';
    }
    vals.forEach((pts, i) => {
      const d = pts.filter((p) => p[0] <= NOW).map((p, j) => (j ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1)).join(' ');
      out += '<path d="' + d + '" fill="none" stroke="' + COLORS[i % COLORS.length] + '" stroke-width="2"/>';
    });
    let lx = plot.left;
    series.forEach((s, i) => {
      out += '<rect x="' + lx + '" y="' + (h - 16) + '" width="12" height="4" fill="' + COLORS[i % COLORS.length] + '"/>';
      out += '<text x="' + (lx + 16) + '" y="' + (h - 10) + '" fill="#e8eaed" font-size="12" ' + FONT + '>' + esc(s[0]) + '</text>';
      lx += 30 + s[0].length * 7.5;
    });
    return { svg: out + '</svg>', plot };
  }

  function svgStat(w, h) {
    const svcs = ['go-api', 'vms-service', 'storage-service', 'recording-service', 'metadata-service', 'stream-counter', 'playback-service', 'livekit', 'postgres', 'valkey', 'minio', 'node', 'cadvisor'];
    const down = { 'recording-service': 1, valkey: 1 };
    let out = svgOpen(w, h);
    const n = svcs.length;
    const cw = (w - 8) / n;
    svcs.forEach((s, i) => {
      const x = 4 + i * cw;
      const isDown = !!down[s];
      out += '<rect x="' + (x + 2) + '" y="6" width="' + (cw - 4) + '" height="' + (h - 12) + '" rx="3" fill="' + (isDown ? '#D55E00' : '#009E73') + '"/>';
      out += '<text x="' + (x + cw / 2) + '" y="' + (h / 2 - 4) + '" text-anchor="middle" fill="#fff" font-size="22" font-weight="bold" ' + FONT + '>' + (isDown ? '▲ DOWN' : '● UP') + '</text>';
      out += '<text x="' + (x + cw / 2) + '" y="' + (h / 2 + 20) + '" text-anchor="middle" fill="#fff" font-size="12" ' + FONT + '>' + esc(s) + '</text>';
    });
    return out + '</svg>';
  }

  function svgGauge(w, h, value, unit, warn, crit, inverted) {
    let out = svgOpen(w, h);
    const cx = w / 2, cy = h * 0.62, r = Math.min(w * 0.38, h * 0.48);
    const arc = (a0, a1, color, sw) => {
      const p = (a) => [cx + r * Math.cos(Math.PI * (1 - a)), cy - r * Math.sin(Math.PI * (1 - a))];
      const [x0, y0] = p(a0), [x1, y1] = p(a1);
      return '<path d="M' + x0.toFixed(1) + ' ' + y0.toFixed(1) + ' A' + r + ' ' + r + ' 0 0 1 ' + x1.toFixed(1) + ' ' + y1.toFixed(1) + '" fill="none" stroke="' + color + '" stroke-width="' + sw + '"/>';
    };
    let state = 'ok';
    if (inverted) { if (value < crit) state = 'crit'; else if (value < warn) state = 'warn'; }
    else { if (value > crit) state = 'crit'; else if (value > warn) state = 'warn'; }
    const color = { ok: '#009E73', warn: '#E69F00', crit: '#D55E00' }[state];
    const word = { ok: '● OK', warn: '◆ WARN', crit: '▲ CRIT' }[state];
    out += arc(0, 1, '#2a2e36', 18);
    out += arc(0, Math.min(1, value / 100), color, 18);
    out += '<text x="' + cx + '" y="' + (cy - 4) + '" text-anchor="middle" fill="#e8eaed" font-size="' + Math.round(r * 0.42) + '" font-weight="bold" ' + FONT + '>' + value.toFixed(1) + esc(unit) + '</text>';
    out += '<text x="' + cx + '" y="' + (cy + 22) + '" text-anchor="middle" fill="' + color + '" font-size="15" font-weight="bold" ' + FONT + '>' + word + '</text>';
    return out + '</svg>';
  }

  function svgBars(w, h, rows) {
    let out = svgOpen(w, h);
    const rh = Math.min(34, (h - 10) / rows.length);
    rows.forEach((r, i) => {
      const y = 8 + i * rh;
      out += '<text x="8" y="' + (y + rh * 0.45) + '" fill="#e8eaed" font-size="12" ' + FONT + '>' + esc(r[0]) + '</text>';
      out += '<rect x="8" y="' + (y + rh * 0.55) + '" width="' + (w - 80) + '" height="' + (rh * 0.35) + '" fill="#2a2e36"/>';
      const c = r[1] > 85 ? '#D55E00' : r[1] > 70 ? '#E69F00' : '#56B4E9';
      out += '<rect x="8" y="' + (y + rh * 0.55) + '" width="' + ((w - 80) * r[1] / 100).toFixed(1) + '" height="' + (rh * 0.35) + '" fill="' + c + '"/>';
      out += '<text x="' + (w - 8) + '" y="' + (y + rh * 0.85) + '" text-anchor="end" fill="#e8eaed" font-size="13" font-weight="bold" ' + FONT + '>' + r[1] + ' %</text>';
    });
    return out + '</svg>';
  }

  function svgUnsupported(w, h, type) {
    let out = svgOpen(w, h);
    out += '<rect x="6" y="6" width="' + (w - 12) + '" height="' + (h - 12) + '" fill="none" stroke="#8e939c" stroke-dasharray="6 4"/>';
    out += '<text x="' + w / 2 + '" y="' + h / 2 + '" text-anchor="middle" fill="#a8b0ba" font-size="15" ' + FONT + '>not supported: ' + esc(type) + '</text>';
    return out + '</svg>';
  }

  function svgAlertList(w, h) {
    let out = svgOpen(w, h);
    const list = engineOrder(ALERTS).slice(0, Math.floor((h - 10) / 24));
    list.forEach((a, i) => {
      const y = 22 + i * 24;
      const sev = a.severity === 'critical' ? ['▲ CRIT', '#D55E00'] : a.severity === 'warning' ? ['◆ WARN', '#E69F00'] : ['? UNKNOWN', '#8e939c'];
      out += '<text x="10" y="' + y + '" fill="' + sev[1] + '" font-size="13" font-weight="bold" ' + FONT + '>' + sev[0] + '</text>';
      out += '<text x="110" y="' + y + '" fill="#e8eaed" font-size="13" ' + FONT + '>' + esc(a.alertname + '  ' + (a.labels.instance || '')) + '</text>';
    });
    return out + '</svg>';
  }

  function renderPanel(args) {
    const panels = PANELS[args.uid] || [];
    const p = panels.find((x) => x.id === args.panelId);
    if (!p) throw 'no panel ' + args.panelId + ' in dashboard ' + args.uid;
    const now = Date.now();
    const from = parseTime(args.from, now), to = parseTime(args.to, now);
    const w = args.width, h = args.height;
    const site = (VARS[args.uid] || []).find((v) => v.name === 'site');
    const stale = site && site.current[0] === SITE_B ? 'offline — showing data up to ' + fmtTime(DR_LAST, 0) : null;
    let svg, plot = null;
    if (p.kind === 'timeseries') ({ svg, plot } = svgTimeseries(args.uid === 'node' ? 8 : p.id, w, h, from, to));
    else if (p.kind === 'stat') svg = svgStat(w, h);
    else if (p.id === 5) svg = svgGauge(w, h, 63.4, ' %', 70, 50, true);
    else if (p.id === 7) svg = svgGauge(w, h, 87.2, ' %', 70, 85, false);
    else if (p.kind === 'bargauge') svg = svgBars(w, h, [['active', 62], ['idle', 21], ['waiting', 9], ['max used', 88]]);
    else if (p.kind === 'alertlist') svg = svgAlertList(w, h);
    else svg = svgUnsupported(w, h, p.kind);
    return { svg, plot, from, to, stale };
  }

  function panelValues(args) {
    const pid = args.uid === 'node' ? 8 : args.panelId;
    const series = SERIES[pid] || [];
    const t = Math.round(args.at / 15000) * 15000;
    return {
      t,
      values: series.map((s, i) => ({ name: s[0], value: val(s, t).toFixed(1) + (pid === 8 || pid === 9 ? ' %' : ''), color: COLORS[i % COLORS.length] })),
    };
  }

  // ------------------------------------------------------------ alerts
  // What the engine does with a `severity` label (src/severity.rs), for the labels used here.
  const SEVERITY_OF = { critical: 'critical', page: 'critical', major: 'critical', warning: 'warning', minor: 'warning', info: 'info', none: 'none' };
  let fpn = 0;
  function alert(alertname, severity, state, agoMin, labels, summary, description, extra) {
    fpn++;
    const ann = Object.assign({ summary }, description ? { description } : {}, extra || {});
    const lab = Object.assign({ alertname }, severity ? { severity } : {}, labels);
    return {
      source: labels.__source || SITE_A,
      fingerprint: ('000000000000' + (0xa1b2c3d4 * fpn).toString(16)).slice(-16),
      alertname,
      severity: SEVERITY_OF[String(severity || '').toLowerCase()] || 'unknown',
      severity_label: severity || '',
      state,
      starts_at: NOW - agoMin * MIN,
      summary,
      labels: lab,
      annotations: ann,
      ack: null,
      pending_ack: false,
      resolved_at: null,
    };
  }
  const RB = { runbook_url: 'https://wiki.example.org/runbooks/service-down' };
  const ALERTS = [
    alert('ServiceDown', 'critical', 'firing', 12, { instance: 'recording-service:9104', job: 'recording-service' }, 'recording-service is down', 'The target recording-service:9104 has not answered scrapes for more than 1 minute.\nRecordings are NOT being written.', RB),
    alert('ServiceDown', 'critical', 'firing', 9, { instance: 'valkey-exporter:9121', job: 'valkey-exporter' }, 'valkey-exporter is down', 'No scrape answer for 1 minute.', RB),
    alert('ServiceDown', 'critical', 'silenced', 140, { instance: 'metadata-service:9105', job: 'metadata-service' }, 'metadata-service is down', 'Maintenance window.', RB),
    alert('ValkeyDown', 'critical', 'inhibited', 9, { instance: 'valkey:6379', job: 'valkey-exporter' }, 'Valkey is unreachable', 'valkey_up == 0', {}),
    alert('HighAPIErrorRate', 'critical', 'firing', 31, { instance: 'go-api:8080', job: 'go-api' }, 'API error rate 7.2 % (> 5 %)', 'Share of 5xx responses over 5 minutes is 7.2 %.', { runbook_url: 'https://wiki.example.org/runbooks/api-errors' }),
    alert('MinIOStorageFull', 'critical', 'firing', 64, { instance: 'minio:9000', job: 'minio' }, 'MinIO disk usage 87 % (> 85 %)', 'Bucket recordings is filling up; about 9 h left at the current rate.', {}),
    alert('PlaybackCacheLowHitRate', 'critical', 'firing', 4, { instance: 'playback-service:9107', job: 'playback-service' }, 'Playback cache hit rate 46 % (< 50 %)', '', {}),
    alert('APIHighLatency', 'page', 'firing', 2, { instance: 'go-api:8080', job: 'go-api' }, 'API p95 latency 1.4 s (> 1 s)', '', {}),
    alert('XSSProbe' + XSS_IMG, 'critical', 'firing', 7,
      { instance: XSS_IMG, job: XSS_SCRIPT, team: '"><svg onload="document.title=\'XSS EXECUTED\'">' },
      XSS_SCRIPT + ' summary ' + XSS_IMG,
      'Description with markup: ' + XSS_IMG + '\n' + XSS_SCRIPT + '\n<a href="javascript:document.title=\'XSS EXECUTED\'">click</a>',
      { runbook_url: 'javascript:document.title=\'XSS EXECUTED\'', dashboard: XSS_IMG }),
    alert('StreamCountDropping', 'warning', 'firing', 18, { instance: 'stream-counter:9106', job: 'stream-counter' }, 'Active streams dropped 22 % in 10 min', '', {}),
    alert('HighCPUUsage', 'warning', 'firing', 44, { instance: 'cadvisor:8080', job: 'cadvisor', name: 'recording-service' }, 'CPU of recording-service 74 %', '', {}),
    alert('HighCPUUsage', 'warning', 'firing', 21, { instance: 'cadvisor:8080', job: 'cadvisor', name: 'livekit' }, 'CPU of livekit 68 %', '', {}),
    alert('HighCPUUsage', 'warning', 'silenced', 300, { instance: 'cadvisor:8080', job: 'cadvisor', name: 'ffmpeg-worker-3' }, 'CPU of ffmpeg-worker-3 79 %', '', {}),
    alert('HighCPUUsage', 'warning', 'silenced', 25, { instance: 'cadvisor:8080', job: 'cadvisor', name: 'metadata-service' }, 'CPU of metadata-service 77 %', '', {}),
    alert('RecordingQueueBacklog', 'warning', 'firing', 26, { instance: 'recording-service:9104', job: 'recording-service' }, 'Recording queue has 412 pending segments', '', {}),
    alert('SlowPlaybackTransmux', 'warning', 'firing', 53, { instance: 'playback-service:9107', job: 'playback-service' }, 'Transmux p95 3.8 s', '', {}),
    alert('PostgreSQLHighConnections', 'warning', 'firing', 95, { instance: 'postgres-exporter:9187', job: 'postgres-exporter', __source: SITE_B }, '84 of 100 connections in use', '', {}),
    alert('CacheEvictionRate', 'minor', 'firing', 3, { instance: 'valkey-exporter:9121', job: 'valkey-exporter' }, 'Valkey evicts 230 keys/s', '', {}),
    alert('CameraFeedFlapping', '', 'firing', 15, { instance: 'vms-service:9101', job: 'vms-service', camera: 'CAM-0412 Harbour gate' }, 'Camera CAM-0412 reconnected 9 times in 15 min', 'This rule has no severity label: it must show as UNKNOWN.', {}),
    alert('DiskSMARTWarning', 'major', 'firing', 240, { instance: 'node-exporter:9100', job: 'node-exporter', device: 'sdb' }, 'SMART reallocated sectors rising on sdb', 'Severity "major": the engine maps it to critical.', {}),
    alert('NVRFanSpeedLow', 'urgent-ish', 'firing', 48, { instance: 'nvr-07:9100', job: 'node-exporter' }, 'Fan 2 of NVR-07 at 900 rpm', 'Severity "urgent-ish" is not one the engine knows: UNKNOWN.', {}),
    alert('RecorderDiskLatency', 'warning', 'resolved, not acknowledged', 70, { instance: 'recording-service:9104', job: 'recording-service' }, 'Write latency of the recording disk 180 ms', 'Resolved while nobody acknowledged it.', {}),
    alert('HighRequestRate', 'info', 'firing', 33, { instance: 'go-api:8080', job: 'go-api' }, 'Request rate 1.6× the weekly average', '', {}),
    // (the Watchdog heartbeat is in the cache, never in the engine's answer: not listed here)
  ];
  ALERTS.forEach((a) => { delete a.labels.__source; });
  // examples: one acknowledged from Watchdesk, one acknowledgement queued (site B's Alertmanager is down);
  // ServiceDown metadata-service and HighCPUUsage ffmpeg-worker-3 are silenced by maintenance silences (ack null)
  let silenceN = 0;
  function silenceId() { silenceN++; return 'b3c0ffee-' + String(1000 + silenceN) + '-4d2a-9e51-7f0a1c2d3e4f'; }
  (function () {
    const acked = ALERTS.find((a) => a.alertname === 'HighCPUUsage' && a.labels.name === 'metadata-service');
    acked.ack = { by: 'Sam', at: NOW - 10 * MIN, until: NOW + 50 * MIN, comment: 'Re-index running after the 2.14 upgrade, CPU expected high until it finishes. Ticket OPS-4711.', silence_id: silenceId() };
    const pend = ALERTS.find((a) => a.alertname === 'PostgreSQLHighConnections');
    pend.pending_ack = true;
    ALERTS.find((a) => a.alertname === 'RecorderDiskLatency').resolved_at = NOW - 15 * MIN;
  })();
  const USER = 'mrivera'; // the OS user name the shell reports

  // ------------------------------------------------------------ what the engine computes (the `alerts` contract)
  const RANK = { critical: 0, warning: 1, unknown: 2, info: 3, none: 4 };
  function attention(a) {
    if (a.state === 'resolved, not acknowledged') return 1;
    if (a.ack) return 2;
    if (a.state === 'firing') return a.pending_ack ? 1 : 0;
    return 3;
  }
  // severity, then firing / ack pending or resolved-not-acknowledged / acknowledged / silenced-inhibited, then oldest
  function engineOrder(list) {
    return list.slice().sort((a, b) => RANK[a.severity] - RANK[b.severity] || attention(a) - attention(b) ||
      a.starts_at - b.starts_at || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  }
  function counts(list) {
    const c = { critical: 0, warning: 0, info: 0, unknown: 0, firing: 0, acknowledged: 0, silenced: 0, pending: 0, resolved: 0, worst: null };
    for (const a of list) {
      if (a.pending_ack) c.pending++;
      if (a.ack) c.acknowledged++;
      else if (a.state === 'silenced' || a.state === 'inhibited') c.silenced++;
      if (a.state === 'resolved, not acknowledged') c.resolved++;
      if (a.state !== 'firing' || a.ack) continue;
      const k = a.severity === 'none' ? 'info' : a.severity;
      c[k]++;
      c.firing++;
      if (c.worst === null || RANK[k] < RANK[c.worst]) c.worst = k;
    }
    return c;
  }
  const answer = { order: null, counts: null }; // test hooks (window.__mock.answer)
  function alertsAnswer() {
    let list = engineOrder(ALERTS);
    let c = counts(list);
    if (answer.order) list = answer.order(list);
    if (answer.counts) c = answer.counts(c);
    return { alerts: list, counts: c, health: HEALTH };
  }

  // ------------------------------------------------------------ health
  const HEALTH = [
    { source: SITE_A, component: 'prometheus', ok: true, unreachable: false, last_success: NOW - 4000, last_error: null, latency_ms: 38 },
    { source: SITE_A, component: 'alertmanager', ok: true, unreachable: false, last_success: NOW - 2000, last_error: null, latency_ms: 12 },
    { source: SITE_B, component: 'prometheus', ok: false, unreachable: true, last_success: DR_LAST, last_error: 'connect to 10.20.0.5:9090: connection refused (is Prometheus running? check the site address in watchdesk.toml)', latency_ms: null },
    { source: SITE_B, component: 'alertmanager', ok: false, unreachable: true, last_success: DR_LAST + 40000, last_error: 'timed out after 5 s', latency_ms: null },
  ];

  // An alert's logs as the engine answers them: its service's lines around the start, the filter
  // applied; hostile lines (markup, an escaped ANSI sequence) among them; a DR-site alert from the cache.
  function alertLogs(args) {
    const a = ALERTS.find((x) => x.fingerprint === args.fingerprint && (!args.source || x.source === args.source));
    if (!a) throw 'the alert ' + args.fingerprint + ' is not in the current alerts (it may have resolved): reload the list';
    const job = a.labels.job || a.labels.instance;
    if (!job) throw 'the logs of ' + a.alertname + ': this alert has none of the labels that name its service\'s log streams (job, instance, service)';
    const start = a.starts_at;
    const lines = [];
    for (let t = start - 5 * MIN; t < start; t += 20e3) lines.push({ at: t, level: 'info', who: job, line: '{"level":"info","service":"' + job + '","message":"request handled","path":"/api/v1/streams","status":200}', cut: false });
    lines.push({ at: start - 4e3, level: 'warn', who: job, line: '{"level":"warn","service":"' + job + '","message":"slow upstream","duration_ms":2150}', cut: false });
    lines.push({ at: start, level: 'error', who: job, line: '{"level":"error","service":"' + job + '","error":"context deadline exceeded","message":"health check failed, shutting down"}', cut: false });
    lines.push({ at: start + 1e3, level: 'error', who: job, line: XSS_IMG + ' \\e]0;pwned\\a ' + XSS_SCRIPT, cut: false });
    for (let k = 2; k < 12; k++) lines.push({ at: start + k * 1e3, level: 'error', who: job, line: '{"level":"error","service":"' + job + '","error":"dial tcp 127.0.0.1:5432: connect: connection refused","attempt":' + k + ',"message":"upstream unavailable"}', cut: k === 11 });
    let f = String(args.filter || '').trim();
    let keep = () => true;
    if (f.length >= 2 && f[0] === '/' && f[f.length - 1] === '/') {
      let re;
      try { re = new RegExp(f.slice(1, -1)); } catch (e) { throw 'the logs of ' + a.alertname + ': the filter ' + JSON.stringify(f) + ': ' + JSON.stringify(f.slice(1, -1)) + ' is not a valid regular expression'; }
      keep = (l) => re.test(l.line);
    } else if (f) keep = (l) => l.line.includes(f);
    const stale = a.source === SITE_B;
    return {
      query: '{job="' + job + '"' + (a.labels.instance ? ', instance="' + a.labels.instance + '"' : '') + '}' + (f ? ' |= "' + f + '"' : ''),
      from: start - 5 * MIN, to: Date.now(), open: true, live: !stale,
      note: stale ? 'Loki at http://dr-loki:3100 unreachable: connection refused; showing 16 cached lines up to ' + fmtTime(DR_LAST, 0) : null,
      warnings: [], lines: lines.filter(keep),
    };
  }

  function detail(args) {
    const a = ALERTS.find((x) => x.fingerprint === args.fingerprint && (!args.source || x.source === args.source));
    if (!a && args.fingerprint !== 'resolved-0001') throw 'no such alert';
    const name = a ? a.alertname : 'HighMemoryUsage';
    const start = a ? a.starts_at : NOW - 3 * HOUR;
    const query = {
      ServiceDown: 'up{job=~"go-api|vms-service|storage-service|recording-service|metadata-service|stream-counter|playback-service|livekit|.*-exporter"} == 0',
      HighAPIErrorRate: 'sum(rate(http_requests_total{job="go-api",code=~"5.."}[5m]))\n  / sum(rate(http_requests_total{job="go-api"}[5m])) * 100 > 5',
    }[name] || 'avg by (instance) (rate(process_cpu_seconds_total[5m])) * 100 > 80';
    const from = start - 30 * MIN, to = Math.min(Date.now(), start + 60 * MIN);
    const chart = svgTimeseries(3, 900, 260, from, to);
    const hist = [
      { kind: 'fired', at: start, detail: 'by ' + (a ? a.source : SITE_A) + ' alertmanager' },
    ];
    if (a && a.ack) hist.push({ kind: 'acknowledged', at: a.ack.at, detail: 'by ' + a.ack.by + ' until ' + fmtTime(a.ack.until, 0) + ': "' + a.ack.comment + '"' });
    if (a && a.state === 'silenced' && !a.ack) hist.push({ kind: 'silenced', at: start + 20 * MIN, detail: 'maintenance by sam: "disk swap on metadata host" until 18:00' });
    if (!a) hist.push({ kind: 'resolved', at: NOW - 40 * MIN, detail: 'lasted 2 h 20 min' });
    hist.push({ kind: 'fired', at: start - 26 * HOUR, detail: 'overnight' }, { kind: 'resolved', at: start - 25 * HOUR, detail: 'lasted 58 min' });
    return {
      alert: a || null,
      rule: { name, query, duration_s: 60, labels: { severity: a ? a.severity_label : 'critical' }, annotations: a ? a.annotations : { summary: 'Memory of a container above 90 %' } },
      chart: { svg: chart.svg, stale: a && a.source === SITE_B ? 'offline — showing data up to ' + fmtTime(DR_LAST, 0) : null },
      related: [{ uid: 'rta-overview', panel_id: 8, title: 'CPU usage by container' }, { uid: 'rta-overview', panel_id: 1, title: 'System health status (all services)' }],
      targets: [
        { instance: a ? (a.labels.instance || '') : 'cadvisor:8080', job: a ? (a.labels.job || '') : 'cadvisor', health: a && a.alertname === 'ServiceDown' ? 'down' : 'up', last_error: a && a.alertname === 'ServiceDown' ? 'Get "http://' + a.labels.instance + '/metrics": dial tcp: connection refused' : null, last_scrape: Date.now() - 11000 },
        { instance: 'node-exporter:9100', job: 'node-exporter', health: 'unknown', last_error: null, last_scrape: null },
      ],
      history: hist,
    };
  }

  // ------------------------------------------------------------ view from the URL hash
  function initialView() {
    const h = (location.hash || '').replace('#', '');
    const v = { view: 'dashboard', dashboard: 'rta-overview', source: null, fingerprint: null, from: 'now-6h', to: 'now', refresh_ms: null };
    if (h === 'alerts' || h === 'ack-dialog') v.view = 'alerts';
    if (h === 'shiftlog') v.view = 'shiftlog';
    if (h.startsWith('alert-') || h === 'alert') {
      v.view = 'alert';
      let a = ALERTS[0];
      if (h === 'alert-xss') a = ALERTS.find((x) => x.alertname.startsWith('XSSProbe'));
      if (h === 'alert-unknown') a = ALERTS.find((x) => x.severity === 'unknown' && x.severity_label === '');
      if (h === 'alert-acked') a = ALERTS.find((x) => x.ack);
      if (h === 'alert-maint') a = ALERTS.find((x) => x.state === 'silenced' && !x.ack);
      if (h === 'alert-pending') a = ALERTS.find((x) => x.pending_ack);
      if (h === 'alert-resolved') { v.source = SITE_A; v.fingerprint = 'resolved-0001'; return v; }
      v.source = a.source;
      v.fingerprint = a.fingerprint;
    }
    if (h === 'offline-site') VARS['rta-overview'][0].current = [SITE_B];
    if (h === 'healthy') {
      // all sources up, no alerts: the only state that may look green
      ALERTS.length = 0;
      HEALTH.forEach((x) => { x.ok = true; x.unreachable = false; x.last_success = NOW - 3000; x.last_error = null; x.latency_ms = 25; });
      v.view = 'alerts';
    }
    return v;
  }

  // ------------------------------------------------------------ acknowledgements (what the shell does)
  function amDown(source) {
    return HEALTH.some((h) => h.source === source && h.component === 'alertmanager' && h.unreachable);
  }
  // The UI's event names, from the one place that defines them (a module: imported, not copied).
  const EVENTS = import('../events.js').then((m) => m.EVENTS);
  function emitAlertsSoon() { EVENTS.then((E) => setTimeout(() => window.__mock.emit(E.alerts, {}), 30)); }
  function matching(source, matchers) {
    return ALERTS.filter((a) => a.source === source && matchers.every((m) => String(a.labels[m.name]) === m.value));
  }
  function ack(args) {
    // args {source, fingerprint, matchers: [{name, value}], durationMs, author, comment}
    const keys = Object.keys(args).sort().join(',');
    if (keys !== 'author,comment,durationMs,fingerprint,matchers,source') throw 'ack: unexpected arguments ' + keys;
    if (!Array.isArray(args.matchers) || args.matchers.length === 0) throw 'ack: at least one matcher is required';
    if (!args.matchers.every((m) => m && typeof m.name === 'string' && typeof m.value === 'string' && Object.keys(m).length === 2)) throw 'ack: matchers must be {name, value}';
    if (!(Number.isInteger(args.durationMs) && args.durationMs > 0)) throw 'ack: durationMs must be a positive integer';
    if (!String(args.author || '').trim()) throw 'ack: author is required';
    if (!String(args.comment || '').trim()) throw 'ack: comment is required';
    if (!ALERTS.some((a) => a.source === args.source && a.fingerprint === args.fingerprint)) throw 'ack: no alert ' + args.fingerprint + ' on ' + args.source;
    const hit = matching(args.source, args.matchers);
    if (amDown(args.source)) {
      hit.forEach((a) => { a.pending_ack = true; });
      emitAlertsSoon();
      return { status: 'queued', detail: args.source + ' alertmanager unreachable (timed out after 5 s); 1 acknowledgement queued' };
    }
    const now = Date.now();
    const id = silenceId();
    hit.forEach((a) => {
      a.state = 'silenced';
      a.pending_ack = false;
      a.ack = { by: args.author, at: now, until: now + args.durationMs, comment: args.comment, silence_id: id };
    });
    emitAlertsSoon();
    return { status: 'sent', detail: 'silence ' + id + ' on ' + args.source + ' covers ' + hit.length + (hit.length === 1 ? ' alert' : ' alerts') };
  }
  function unack(args) {
    const keys = Object.keys(args).sort().join(',');
    if (keys !== 'silenceId,source') throw 'unack: unexpected arguments ' + keys;
    const hit = ALERTS.filter((a) => a.source === args.source && a.ack && a.ack.silence_id === args.silenceId);
    if (hit.length === 0) throw 'unack: no silence ' + args.silenceId + ' on ' + args.source;
    if (amDown(args.source)) {
      hit.forEach((a) => { a.pending_ack = true; });
      emitAlertsSoon();
      return { status: 'queued', detail: args.source + ' alertmanager unreachable; expiry queued' };
    }
    hit.forEach((a) => { a.ack = null; a.state = 'firing'; a.pending_ack = false; });
    emitAlertsSoon();
    return { status: 'sent', detail: 'silence ' + args.silenceId + ' expired' };
  }

  function ackResolved(args) {
    const keys = Object.keys(args).sort().join(',');
    if (keys !== 'author,comment,fingerprint,source') throw 'ack_resolved: unexpected arguments ' + keys;
    const i = ALERTS.findIndex((a) => a.source === args.source && a.fingerprint === args.fingerprint && a.state === 'resolved, not acknowledged');
    if (i < 0) throw 'this alert is no longer in the resolved, not acknowledged list (someone acknowledged it, or it fires again)';
    const a = ALERTS[i];
    ALERTS.splice(i, 1);
    LOG.unshift({ at: Date.now(), source: a.source, alertname: a.alertname, kind: 'acknowledged', fingerprint: a.fingerprint, detail: 'by ' + (args.author || USER) + ' (resolved)' });
    emitAlertsSoon();
    return { status: 'local', detail: 'acknowledged by ' + (args.author || USER) };
  }

  // ------------------------------------------------------------ shift log (newest first)
  const LOG = [];
  (function () {
    for (const a of ALERTS) {
      LOG.push({ at: a.starts_at, source: a.source, alertname: a.alertname, kind: 'fired', fingerprint: a.fingerprint, detail: JSON.stringify(a.labels) });
      if (a.ack) LOG.push({ at: a.ack.at, source: a.source, alertname: a.alertname, kind: 'acknowledged', fingerprint: a.fingerprint, detail: 'by ' + a.ack.by + ': "' + a.ack.comment + '"' });
      if (a.resolved_at) LOG.push({ at: a.resolved_at, source: a.source, alertname: a.alertname, kind: 'resolved', fingerprint: a.fingerprint, detail: 'lasted ' + Math.round((a.resolved_at - a.starts_at) / MIN) + ' min' });
    }
    LOG.push({ at: NOW - 5 * HOUR, source: SITE_A, alertname: 'HighMemoryUsage', kind: 'resolved', fingerprint: 'resolved-0001', detail: 'rebuilt from Prometheus ALERTS history' });
    LOG.sort((x, y) => y.at - x.at);
  })();
  function shiftLog(args) {
    const since = parseTime(args.since, Date.now());
    return LOG.filter((e) => e.at >= since);
  }

  // ------------------------------------------------------------ the fake bridge
  const listeners = {};
  const calls = [];
  const links = [];
  let saved = null;
  let autostart = false;
  function handle(cmd, args) {
    switch (cmd) {
      case 'app_state': return { dashboards: DASHES, sources: [SITE_A, SITE_B], view: saved || initialView(), user: USER };
      case 'save_view': saved = args.view; return null;
      case 'dashboard': {
        const panels = PANELS[args.uid];
        if (!panels) throw 'unknown dashboard ' + args.uid;
        const d = DASHES.find((x) => x.uid === args.uid);
        return { uid: d.uid, title: d.title, from: 'now-6h', to: 'now', refresh_ms: 30000, variables: VARS[args.uid], panels, layout: layoutOf(args.uid), issues: args.uid === 'rta-overview' ? ['panel 10 "Playback transmux performance": panel type "piechart" is not supported'] : [] };
      }
      case 'export_panel': return { path: '/home/mrivera/Downloads/panel-' + args.panelId + '.' + args.format, events: 0 };
      case 'set_row_collapsed': {
        const r = (ROWS[args.uid] || [])[args.index];
        if (!r) throw 'no row ' + args.index;
        r.collapsed = !!args.collapsed;
        return null;
      }
      case 'set_variable': {
        const v = (VARS[args.uid] || []).find((x) => x.name === args.name);
        if (!v) throw 'no variable ' + args.name;
        v.current = args.values.slice();
        return null;
      }
      case 'render_panel': return renderPanel(args);
      case 'panel_values': return panelValues(args);
      case 'alerts': return alertsAnswer();
      case 'alert_detail': return detail(args);
      case 'alert_logs': return alertLogs(args);
      case 'status': return { health: HEALTH, worst: ALERTS.length ? 'critical' : 'ok', cache_problem: null, warnings: ['TLS certificate checks are off for https://mon.example/ (insecure_skip_verify): anyone on the network path can read and forge its data'] };
      case 'ack_resolved': return ackResolved(args);
      case 'shift_log': return shiftLog(args).slice(0, 500);
      case 'export_shift_log': return { path: '/home/' + USER + '/Downloads/watchdesk-shift-log.csv', events: shiftLog(args).length };
      case 'open_link': links.push(args.url); console.log('open_link', args.url); return null;
      case 'ack': return ack(args);
      case 'unack': return unack(args);
      case 'autostart': return autostart;
      case 'set_autostart': autostart = !!args.enabled; return autostart;
      default: throw 'unknown command ' + cmd;
    }
  }

  window.__TAURI__ = {
    core: {
      invoke(cmd, args) {
        calls.push([cmd, args]);
        return new Promise((resolve, reject) => {
          setTimeout(() => {
            try { resolve(JSON.parse(JSON.stringify(handle(cmd, args || {})))); } catch (e) { reject(typeof e === 'string' ? e : String(e)); }
          }, 10 + Math.random() * 40);
        });
      },
    },
    event: {
      listen(name, cb) {
        (listeners[name] = listeners[name] || []).push(cb);
        return Promise.resolve(() => { listeners[name] = listeners[name].filter((x) => x !== cb); });
      },
    },
  };
  if (location.hash === '#hover') {
    // screenshot aid: keep hovering the second panel (headless screenshots fire a resize, which hides tooltips)
    const move = () => {
      const body = document.querySelectorAll('.panel-body')[1];
      if (!body) return;
      const r = body.getBoundingClientRect();
      body.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width * 0.6, clientY: r.top + r.height / 3, bubbles: true }));
    };
    setTimeout(move, 2000);
    window.addEventListener('resize', () => setTimeout(move, 0));
  }
  if (location.hash === '#ack-dialog') {
    // screenshot aid: open the acknowledge dialog of the first ServiceDown row, drop nothing, type a comment
    setTimeout(() => {
      const b = document.querySelector('.arow .ack-btn');
      if (!b) return;
      b.click();
      const c = document.getElementById('ack-comment');
      if (c) c.value = 'Recorder host rebooting, on-site tech informed (ticket OPS-4802)';
    }, 1500);
  }
  window.__mock = {
    calls, links, alerts: ALERTS, health: HEALTH, answer, engineOrder,
    events() { return EVENTS; },
    listening() { return Object.keys(listeners).filter((k) => listeners[k].length); },
    emit(name, payload) { (listeners[name] || []).forEach((cb) => cb({ event: name, id: 0, payload })); },
  };
})();
