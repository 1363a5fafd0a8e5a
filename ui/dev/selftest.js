// DEVELOPMENT ONLY: scripted checks of the real UI (../index.html's markup, ../main.js) against the mock
// bridge (dev/selftest.html; mock.js runs first). A module: it brings the app in through load-app.js.
// Run headless: chromium --headless --no-sandbox --allow-file-access-from-files --virtual-time-budget=60000
//   --dump-dom file:///…/ui/dev/selftest.html   (or serve ui/ over http on a loopback port)
// Result: <pre id="selftest-result"> with PASS/FAIL lines; document.title starts with "SELFTEST".
import { EVENTS } from '../events.js';
import { indexCsp } from './load-app.js';

{
  const results = [];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const $ = (s) => document.querySelector(s);
  const $$ = (s) => Array.from(document.querySelectorAll(s));
  function check(name, ok, extra) { results.push((ok ? 'PASS ' : 'FAIL ') + name + (extra !== undefined ? '  [' + extra + ']' : '')); }
  function calls(cmd) { return window.__mock.calls.filter((c) => c[0] === cmd); }
  function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })); }

  async function run() {
    try { localStorage.removeItem('watchdesk.ackAuthor'); } catch (e) { /* ignore */ }
    await sleep(1500);
    const xssTitle = () => document.title.indexOf('XSS') >= 0;

    // --- the page: the real index.html's markup and module, under the app's CSP
    const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    check('dev page CSP = the app\'s except connect-src', csp === indexCsp.replace(/connect-src [^;]*/, "connect-src 'self'") && /script-src 'self'(;|$)/.test(indexCsp) && !/unsafe/.test(indexCsp), indexCsp);
    check('markup from index.html', $('#view-shiftlog') !== null && $('#nav-shiftlog') !== null && $$('#app').length === 1);
    check('listens through EVENTS', window.__mock.listening().sort().join(',') === [EVENTS.data, EVENTS.alerts, EVENTS.health, EVENTS.navigate].sort().join(','), window.__mock.listening().join(','));

    // --- dashboard
    check('dashboard view shown', !$('#view-dashboard').hidden);
    check('11 panels placed', $$('.panel').length === 11, $$('.panel').length);
    const imgs = $$('.panel-body img');
    check('panel images are blob: URLs', imgs.length > 0 && imgs.filter((i) => !i.hidden).every((i) => i.src.startsWith('blob:')), imgs.filter((i) => !i.hidden).length + ' shown');
    const rp = calls('render_panel');
    check('render_panel passes integer CSS sizes', rp.length > 0 && rp.every((c) => Number.isInteger(c[1].width) && Number.isInteger(c[1].height)), rp.length + ' calls');
    check('title counts firing alerts (engine counts)', document.title === '(18) Watchdesk', document.title);
    const badge = $('#alert-badge');
    check('badge: worst firing and count from the engine', badge.className === 'badge badge-crit' && badge.textContent === '▲ 18', badge.className + ' ' + badge.textContent);
    check('badge title from the engine counts', badge.getAttribute('title') === '18 firing (8 critical, 7 warning, 2 unknown, 1 info), 1 acknowledged, 3 silenced or inhibited, 1 acknowledgement(s) pending, 1 resolved, not acknowledged', badge.getAttribute('title'));
    // hhmm() puts the date before the time when it is not today: the mock's times are "now minus
    // …", so just after midnight they are yesterday's (the self-test failed at 00:06).
    check('offline banner visible', !$('#offline-banner').hidden && /OFFLINE — showing data up to (\d{4}-\d\d-\d\d )?\d\d:\d\d/.test($('#offline-text').textContent));
    check('a persistent warning (TLS checks off) is in the error line', !$('#error-line').hidden && /insecure_skip_verify/.test($('#error-line').textContent), $('#error-line').textContent);
    check('status bar: grey NO DATA for unreachable', $$('.src-state.down').some((e) => /NO DATA/.test(e.textContent)));

    // --- start at login (the shell's autostart / set_autostart commands)
    const auto = $('#autostart');
    check('start at login: shows the shell\'s setting', !!auto && !auto.disabled && auto.checked === false && calls('autostart').length === 1);
    auto.click();
    await sleep(300);
    check('start at login: a click asks the shell to switch it on', calls('set_autostart').length === 1 && calls('set_autostart')[0][1].enabled === true && auto.checked === true);
    auto.click();
    await sleep(300);
    check('start at login: and off again', calls('set_autostart').length === 2 && calls('set_autostart')[1][1].enabled === false && auto.checked === false);
    check('status bar never green for down source', !$$('.src.down .src-state.ok').length);

    // --- hover on a timeseries panel
    const p2 = $$('.panel')[1];
    const body = p2.querySelector('.panel-body');
    const r = body.getBoundingClientRect();
    body.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 3, bubbles: true }));
    await sleep(300);
    check('crosshair shown', !p2.querySelector('.crosshair').hidden);
    check('tooltip shows values', !$('#tooltip').hidden && $$('#tooltip .tt-row').length === 3, $('#tooltip').textContent);
    const pv = calls('panel_values');
    check('panel_values at a time inside the range', pv.length >= 1 && pv[0][1].at > Date.now() - 6.1 * 36e5 && pv[0][1].at < Date.now(), pv.length);
    // a burst of moves: at most one in flight
    for (let i = 0; i < 30; i++) body.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width / 2 + i, clientY: r.top + r.height / 3, bubbles: true }));
    await sleep(400);
    const pv2 = calls('panel_values').length - pv.length;
    check('panel_values throttled (30 moves)', pv2 <= 3, pv2 + ' calls');
    body.dispatchEvent(new MouseEvent('mouseleave', { bubbles: true }));
    await sleep(50);
    check('tooltip hidden on leave', $('#tooltip').hidden);

    // --- panels below the fold render when scrolled to
    const lastImg = $$('.panel')[10].querySelector('img');
    const hiddenBefore = lastImg.hidden;
    $('#main').scrollTop = 10000;
    $('#main').dispatchEvent(new Event('scroll'));
    await sleep(300);
    // (a drawing is swapped in as a new <img> once decoded: look the panel's image up again)
    const lastAfter = $$('.panel')[10].querySelector('img');
    check('below-the-fold panel renders on scroll', hiddenBefore && !lastAfter.hidden && lastAfter.src.startsWith('blob:'));
    $('#main').scrollTop = 0;
    $('#main').dispatchEvent(new Event('scroll'));
    await sleep(100);

    // --- range change
    const before = calls('render_panel').length;
    $$('#range-buttons button').find((b) => b.textContent === '1h').click();
    await sleep(500);
    const after = calls('render_panel').slice(before);
    check('range 1h re-renders with now-1h', after.length > 0 && after.every((c) => c[1].from === 'now-1h'), after.length);
    const sv = calls('save_view');
    check('save_view after range change', sv.length > 0 && sv[sv.length - 1][1].view.from === 'now-1h');

    // --- the data event re-renders visible panels only
    const visible = $$('.panel').filter((p) => { const b = p.getBoundingClientRect(); const m = $('#main').getBoundingClientRect(); return b.bottom > m.top - 200 && b.top < m.bottom + 200; }).length;
    const b2 = calls('render_panel').length;
    window.__mock.emit(EVENTS.data, { site: 'rta-main' });
    await sleep(500);
    const n2 = calls('render_panel').length - b2;
    check('data event re-renders visible panels only', n2 > 0 && n2 <= visible && n2 < 11, n2 + ' of ' + visible + ' visible');

    // --- custom range
    $('#custom-toggle').click();
    check('custom range box opens', !$('#custom-range').hidden && $('#custom-from').value.length === 16);
    $('#custom-from').value = '2025-01-02T03:00';
    $('#custom-to').value = '2025-01-01T03:00';
    $('#custom-apply').click();
    check('custom range rejects from >= to', /before/.test($('#custom-error').textContent));
    $('#custom-to').value = '2025-01-02T09:30';
    const b0 = calls('render_panel').length;
    $('#custom-apply').click();
    await sleep(400);
    const cr = calls('render_panel').slice(b0);
    check('custom range renders with ms strings', cr.length > 0 && cr.every((c) => c[1].from === String(new Date('2025-01-02T03:00').getTime()) && /^\d+$/.test(c[1].to)), cr.length && cr[0][1].from + '..' + cr[0][1].to);
    check('custom button active', $('#custom-toggle').classList.contains('active') && !$$('#range-buttons button.active').length);
    $$('#range-buttons button').find((b) => b.textContent === '6h').click();
    await sleep(300);

    // --- variable
    const siteSel = $('#vars select');
    siteSel.value = 'rta-dr';
    siteSel.dispatchEvent(new Event('change'));
    await sleep(700);
    const sv2 = calls('set_variable');
    check('set_variable called', sv2.length === 1 && sv2[0][1].name === 'site' && sv2[0][1].values[0] === 'rta-dr');
    check('stale panels marked grey STALE', $$('.panel.stale').length > 0 && $$('.panel-stale').some((e) => !e.hidden), $$('.panel.stale').length);
    siteSel.value = 'rta-main';
    siteSel.dispatchEvent(new Event('change'));
    await sleep(500);

    // --- alerts view
    $('#nav-alerts').click();
    await sleep(200);
    check('alerts view shown', !$('#view-alerts').hidden);
    const rows = $$('.arow');
    check('23 alerts listed (the engine\'s list, as it comes)', rows.length === 23, rows.length);
    check('unknown severity shown and counted', $$('.arow .sev-unknown').length === 2 && /UNKNOWN\s*2/.test($('.sumchip.unknown').textContent));
    check('first row is critical', rows[0].querySelector('.sev-crit') !== null);
    await orderAndCountChecks();
    check('no injected elements', !document.querySelector('#alert-list img, #alert-list script, #alert-list svg, #alert-list a'));
    check('XSS shown literally', $('#alert-list').textContent.indexOf('<img src=x onerror=') >= 0);
    check('group header text', $$('.agroup-head').some((h) => /ServiceDown\s*— 3 alerts/.test(h.textContent)));

    // filter
    const f = $('#alert-filter');
    f.value = 'valkey';
    f.dispatchEvent(new Event('input'));
    await sleep(50);
    check('text filter', $$('.arow').length === 3, $$('.arow').length);
    f.value = '';
    f.dispatchEvent(new Event('input'));

    // navigate event with a group
    window.__mock.emit(EVENTS.navigate, { view: 'alerts', group: 'ServiceDown' });
    await sleep(50);
    check('navigate event: group filter', $$('.agroup').length === 1 && $$('.arow').length === 3 && $('#group-filter').value === 'ServiceDown');
    $('#filter-clear').click();

    // --- detail via click, Escape back
    $$('.arow')[0].click();
    await sleep(300);
    check('detail view opens on click', !$('#view-alert').hidden && $('.dname') !== null, $('.dname') && $('.dname').textContent);
    key('Escape');
    await sleep(100);
    check('Escape returns to list', !$('#view-alerts').hidden);

    // --- XSS alert detail via the navigate event
    const xss = window.__mock.alerts.find((a) => a.alertname.startsWith('XSSProbe'));
    window.__mock.emit(EVENTS.navigate, { view: 'alert', source: xss.source, fingerprint: xss.fingerprint });
    await sleep(400);
    check('navigate event opens the alert', !$('#view-alert').hidden && $('.dname').textContent === xss.alertname);
    check('detail: no injected elements', !document.querySelector('#detail script, #detail a, #detail svg, #detail img:not(.chart-box img)'));
    check('detail: description literal', $('#detail').textContent.indexOf('</text><script>') >= 0);
    check('detail: javascript: runbook not a button', !$$('#detail button').some((b) => /runbook/i.test(b.textContent)));
    check('detail: chart is a blob image', $('.chart-box img') && $('.chart-box img').src.startsWith('blob:'));

    // --- the logs of the alert's service
    const sdLogs = window.__mock.alerts.find((a) => a.alertname === 'ServiceDown' && a.source === 'rta-main');
    openFromMock(sdLogs);
    await sleep(500);
    const logRows = () => $$('.logs-card .logline');
    check('logs: the service\'s lines in the detail', logRows().length >= 20, logRows().length);
    check('logs: level as word and colour', logRows().some((r) => r.classList.contains('lv-error') && /ERROR/.test(r.textContent)) && logRows().some((r) => /INFO/.test(r.textContent)));
    const L = $('.logs-list'), st = $('.logs-start');
    check('logs: opened at the alert\'s start (the lines before and after it in view)', L && st && L.scrollTop > 0 && st.offsetTop >= L.scrollTop && st.offsetTop <= L.scrollTop + L.clientHeight, L && st && [L.scrollTop, L.clientHeight, st.offsetTop].join(' '));
    check('logs: the alert start is marked among the lines', $('.logs-start') !== null && /alert started/.test($('.logs-start').textContent));
    check('logs: markup in a line stays text', !document.querySelector('.logs-card img, .logs-card script') && $('.logs-card').textContent.indexOf('<img src=x') >= 0);
    check('logs: live, no stale note', $('.logs-note').textContent === '');
    const fbox = $('.logs-filter');
    fbox.value = '/"attempt":1[01]/';
    fbox.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await sleep(300);
    const lastLogs = calls('alert_logs').slice(-1)[0];
    check('logs: the filter is sent as typed', lastLogs && lastLogs[1].filter === '/"attempt":1[01]/', lastLogs && JSON.stringify(lastLogs[1]));
    check('logs: the filter narrows the lines', logRows().length === 2, logRows().length);
    logRows()[0].click();
    await sleep(300);
    check('logs: a chosen line is shown among the lines around it', logRows().length >= 20 && $('.logline.chosen') !== null && /"attempt":10/.test($('.logline.chosen').textContent) && fbox.value === '');
    fbox.value = '/(unclosed/';
    fbox.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await sleep(300);
    check('logs: a bad regex is said, not shown as no lines', /not a valid regular expression/.test($('.logs-note').textContent), $('.logs-note').textContent);
    const drAlert = window.__mock.alerts.find((a) => a.source === 'rta-dr');
    openFromMock(drAlert);
    await sleep(500);
    check('logs: from the cache when Loki is unreachable, marked stale', /STALE/.test($('.logs-note').textContent) && /cached lines/.test($('.logs-note').textContent) && $('.logs-filter').value === '', $('.logs-note').textContent);

    // --- runbook
    const sd = window.__mock.alerts[0];
    openFromMock(sd);
    await sleep(400);
    const rb = $$('#detail button').find((b) => /runbook/i.test(b.textContent));
    if (rb) rb.click();
    await sleep(100);
    check('runbook via open_link', window.__mock.links.length === 1 && /^https:/.test(window.__mock.links[0]), window.__mock.links.join(','));

    // --- related panel -> dashboard
    const rel = $$('.related button')[0];
    rel.click();
    await sleep(600);
    check('related panel opens dashboard', !$('#view-dashboard').hidden && $$('.panel.highlight').length === 1);

    await ackChecks();

    // --- auto-refresh
    $('#refresh-select').value = '10000';
    $('#refresh-select').dispatchEvent(new Event('change'));
    const b3 = calls('render_panel').length;
    const clocks = [];
    for (let i = 0; i < 12; i++) { await sleep(1000); clocks.push($('#clock').textContent.slice(-2)); }
    check('auto-refresh 10 s re-renders', calls('render_panel').length > b3, (calls('render_panel').length - b3) + ' clock ' + clocks.join(',') + ' view ' + $('#view-dashboard').hidden + ' vis ' + $$('.panel').length);

    check('no XSS executed', !xssTitle(), document.title);
    const pre = document.createElement('pre');
    pre.id = 'selftest-result';
    pre.textContent = results.join('\n');
    document.body.appendChild(pre);
    const fails = results.filter((x) => x.startsWith('FAIL')).length;
    document.title = 'SELFTEST ' + (fails ? fails + ' FAILED' : 'OK') + ' (' + results.length + ' checks)';
  }
  async function ackChecks() {
    const A = window.__mock.alerts;
    const rowOf = (a) => $('.arow[data-fp="' + a.fingerprint + '"]');
    const stateOf = (a) => (rowOf(a) ? rowOf(a).querySelector('.a-state').textContent : '(no row)');
    const keyOn = (node, k, extra) => node.dispatchEvent(new KeyboardEvent('keydown', Object.assign({ key: k, bubbles: true, cancelable: true }, extra || {})));
    $('#nav-alerts').click();
    await sleep(200);

    // --- list: acknowledged / maintenance / pending
    const acked = A.find((a) => a.ack);
    const maint = A.find((a) => a.alertname === 'HighCPUUsage' && a.state === 'silenced' && !a.ack);
    const pend = A.find((a) => a.pending_ack);
    check('ack: acknowledged row text', /^✔ ACK by Sam · 10 min ago · until (\d{4}-\d\d-\d\d )?\d\d:\d\d$/.test(stateOf(acked)), stateOf(acked));
    check('ack: maintenance row distinct', /‖ silenced \(maintenance\)/.test(stateOf(maint)) && !/ACK/.test(stateOf(maint)) && !rowOf(maint).classList.contains('acked'), stateOf(maint));
    check('ack: pending row', /◷ ack pending/.test(stateOf(pend)) && !rowOf(pend).querySelector('.ack-btn'), stateOf(pend));
    const grp = $$('.agroup').find((g) => g.querySelector('.agroup-name').textContent === 'HighCPUUsage');
    const order = $$('.agroup').length && grp ? Array.from(grp.querySelectorAll('.arow')).map((r) => r.classList.contains('acked') ? 'ack' : r.querySelector('.st-maint') ? 'maint' : 'firing').join(',') : '';
    check('ack: acknowledged sorts after firing of same severity', order === 'firing,firing,ack,maint', order);
    const firingNoPend = A.filter((a) => a.state === 'firing' && !a.pending_ack && !a.ack).length;
    const resolvedRows = A.filter((a) => a.state === 'resolved, not acknowledged').length;
    check('ack: ACK button on every firing (and resolved) row only', $$('.arow .ack-btn').length === firingNoPend + resolvedRows, $$('.arow .ack-btn').length + ' of ' + firingNoPend + ' + ' + resolvedRows);
    check('ack: summary counts acknowledged apart', /1 acknowledged · 3 silenced\/inhibited · 1 ack pending/.test($('.sumchip.total').textContent), $('.sumchip.total').textContent);

    // --- dialog
    const tgt = A[1]; // ServiceDown valkey-exporter
    rowOf(tgt).querySelector('.ack-btn').click();
    await sleep(50);
    check('ack dialog: opens, focus in comment, list stays', $('.modal') !== null && document.activeElement === $('#ack-comment') && !$('#view-alerts').hidden);
    const chipTexts = () => $$('.modal .chip-text').map((c) => c.textContent).join(' ');
    check('ack dialog: default matchers alertname + instance', chipTexts() === 'alertname=ServiceDown instance=valkey-exporter:9121', chipTexts());
    check('ack dialog: 1h default', $('.dur.active') && $('.dur.active').textContent === '1h' && /until (\d{4}-\d\d-\d\d )?\d\d:\d\d/.test($('.mnote.until').textContent));
    check('ack dialog: author = OS user', $('#ack-author').value === 'mrivera', $('#ack-author').value);
    const addOpts = () => $$('.modal select.chip-add option').map((o) => o.value).filter(Boolean).join(',');
    check('ack dialog: add-label lists the other labels', addOpts() === 'job,severity', addOpts());
    keyOn($('#ack-comment'), 'Enter');
    await sleep(50);
    check('ack dialog: comment required', calls('ack').length === 0 && /comment is required/.test($('.mmsg').textContent), $('.mmsg').textContent);
    // widen: drop instance, then put it back through the select
    check('ack dialog: the alertname matcher cannot be removed (an ack names its alert)', $$('.modal .chip-x').length === 1 && /remove matcher instance/.test($$('.modal .chip-x')[0].getAttribute('aria-label')));
    $$('.modal .chip-x')[0].click();
    check('ack dialog: remove instance widens', chipTexts() === 'alertname=ServiceDown' && /matches 3 alerts/.test($('.modal .mnote').textContent), $('.modal .mnote').textContent);
    const sel = $('.modal select.chip-add');
    sel.value = 'instance';
    sel.dispatchEvent(new Event('change'));
    check('ack dialog: add label back', chipTexts() === 'alertname=ServiceDown instance=valkey-exporter:9121' && /this alert/.test($('.modal .mnote').textContent), chipTexts());
    $$('.dur').find((l) => l.textContent === '30m').click();
    await sleep(20);
    check('ack dialog: pick 30m', $('.dur.active').textContent === '30m');
    const author = 'Sam <img src=x onerror="document.title=\'XSS EXECUTED\'">';
    const comment = 'valkey restart </text><script>document.title=\'XSS EXECUTED\'</script>';
    $('#ack-author').value = author;
    $('#ack-comment').value = comment;
    keyOn($('#ack-comment'), 'Enter', { shiftKey: true });
    await sleep(50);
    check('ack dialog: Shift+Enter does not submit', calls('ack').length === 0);
    keyOn($('#ack-comment'), 'Enter');
    await sleep(300);
    const ac = calls('ack');
    const want = { source: tgt.source, fingerprint: tgt.fingerprint, matchers: [{ name: 'alertname', value: 'ServiceDown' }, { name: 'instance', value: 'valkey-exporter:9121' }], durationMs: 30 * 60e3, author, comment };
    check('ack: one call with {source, fingerprint, matchers, durationMs, author, comment}', ac.length === 1 && JSON.stringify(ac[0][1]) === JSON.stringify(want), ac.length && JSON.stringify(ac[0][1]));
    check('ack dialog: shows acknowledged', /^✔ Acknowledged\./.test($('.mmsg').textContent), $('.mmsg').textContent);
    check('ack: row shows ACK by author (literal)', /✔ ACK by Sam <img src=x onerror=/.test(stateOf(tgt)), stateOf(tgt));
    check('ack: no injected elements', !document.querySelector('#alert-list img, #alert-list script, .modal img, .modal script'));
    key('Escape');
    await sleep(50);
    check('ack dialog: Escape closes, list stays', $('.modal') === null && !$('#view-alerts').hidden);

    // --- author remembered, Escape inside the dialog, queued when Alertmanager is down
    const api = A.find((a) => a.alertname === 'HighAPIErrorRate');
    rowOf(api).querySelector('.ack-btn').click();
    await sleep(50);
    check('ack dialog: author remembered', $('#ack-author').value === author, $('#ack-author').value);
    keyOn($('#ack-author'), 'Escape');
    await sleep(20);
    check('ack dialog: Escape from a field closes', $('.modal') === null && !$('#view-alerts').hidden);
    window.__mock.health[1].unreachable = true;
    rowOf(api).querySelector('.ack-btn').click();
    await sleep(50);
    $('#ack-comment').value = 'looking at it';
    $$('.modal button').find((b) => b.textContent === 'Acknowledge').click();
    await sleep(300);
    window.__mock.health[1].unreachable = false;
    check('ack dialog: queued result', /◷ Queued: Alertmanager unreachable, will be sent when it returns/.test($('.mmsg').textContent), $('.mmsg').textContent);
    key('Escape');
    await sleep(50);
    check('ack: queued row shows pending', /◷ ack pending/.test(stateOf(api)), stateOf(api));

    // --- error from the shell: shown, dialog stays editable
    const core = window.__TAURI__.core;
    const orig = core.invoke;
    core.invoke = (cmd, args) => (cmd === 'ack' ? Promise.reject('alertmanager said 400: bad matcher') : orig(cmd, args));
    const other = A.find((a) => a.alertname === 'APIHighLatency');
    rowOf(other).querySelector('.ack-btn').click();
    await sleep(50);
    $('#ack-comment').value = 'x';
    keyOn($('#ack-comment'), 'Enter');
    await sleep(100);
    core.invoke = orig;
    check('ack dialog: error shown', /◆ Not acknowledged: alertmanager said 400/.test($('.mmsg').textContent) && !$('#ack-comment').disabled, $('.mmsg').textContent);
    key('Escape');
    await sleep(20);

    // --- detail: acknowledged alert, un-acknowledge
    const sid = acked.ack.silence_id;
    openFromMock(acked);
    await sleep(400);
    const line = $('.dack.acked');
    check('detail: ack line', line && /^✔ Acknowledged by Sam 10 min ago, until (\d{4}-\d\d-\d\d )?\d\d:\d\d — Re-index running/.test(line.textContent), line && line.textContent);
    const un = $$('#detail .dack-btn').find((b) => b.textContent === 'Un-acknowledge');
    check('detail: Un-acknowledge button', !!un && !$$('#detail button').some((b) => b.textContent === 'Acknowledge…'));
    if (un) un.click();
    await sleep(400);
    const uc = calls('unack');
    check('unack: {source, silenceId}', uc.length === 1 && JSON.stringify(uc[0][1]) === JSON.stringify({ source: acked.source, silenceId: sid }), uc.length && JSON.stringify(uc[0][1]));
    check('detail: after un-ack shows Acknowledge… and the result', $$('#detail button').some((b) => b.textContent === 'Acknowledge…') && !$('.dack') && /Un-acknowledged/.test($('.dack-result').textContent), $('.dack-result') && $('.dack-result').textContent);
    // dialog from the detail: Escape closes the dialog, not the detail
    $$('#detail button').find((b) => b.textContent === 'Acknowledge…').click();
    await sleep(50);
    check('detail: Acknowledge… opens the dialog', $('.modal') !== null && /name=metadata-service/.test($$('.modal select.chip-add option').map((o) => o.textContent).join(' ')));
    key('Escape');
    await sleep(50);
    check('detail: Escape closes only the dialog', $('.modal') === null && !$('#view-alert').hidden);

    // --- detail: maintenance silence and pending acknowledgement
    openFromMock(A.find((a) => a.alertname === 'ServiceDown' && a.state === 'silenced' && !a.ack));
    await sleep(400);
    check('detail: maintenance silence', /SILENCED \(maintenance\)/.test($('.dstate').textContent) && $('.dack.maint') !== null && !$$('#detail .dack-btn').length, $('.dstate') && $('.dstate').textContent + ' / ' + $$('#detail .dack-btn').length + ' / ' + $('.dname').textContent);
    openFromMock(pend);
    await sleep(400);
    check('detail: pending acknowledgement', $('.dack.pending') && /will be sent when Alertmanager returns/.test($('.dack.pending').textContent) && !$$('#detail .dack-btn').length);
    openFromMock(A.find((a) => a.alertname === 'CameraFeedFlapping'));
    await sleep(400);
    check('detail: unknown severity with its title', $('.dhead').classList.contains('s-unknown') && $('.dhead .sev').getAttribute('title') === 'no severity label');
    openFromMock({ source: 'rta-main', fingerprint: 'resolved-0001' });
    await sleep(400);
    check('detail: an alert that is gone shows its rule\'s severity', $('.dresolved') !== null && $('.dhead .sev-crit') !== null && $('.dname').textContent === 'HighMemoryUsage');
    $('#nav-dashboard').click();
    await sleep(300);
  }

  // The list is the engine's: its order (grouped by alertname, each group where its first member is)
  // and its counts, never re-sorted, re-counted or filtered by the UI.
  const fps = () => $$('.arow').map((r) => r.dataset.fp);
  function grouped(list) {
    const names = [];
    const by = new Map();
    for (const a of list) {
      if (!by.has(a.alertname)) { by.set(a.alertname, []); names.push(a.alertname); }
      by.get(a.alertname).push(a.fingerprint);
    }
    return names.flatMap((n) => by.get(n));
  }
  async function answerWith(order, counts) {
    window.__mock.answer.order = order;
    window.__mock.answer.counts = counts;
    window.__mock.emit(EVENTS.alerts, {});
    await sleep(300);
  }
  async function orderAndCountChecks() {
    const A = window.__mock.alerts;
    const engine = window.__mock.engineOrder(A);
    check('order: rows in the engine\'s order, grouped by alertname', fps().join() === grouped(engine).join(), fps().length);
    const warnGroup = $$('.agroup').find((g) => g.querySelector('.agroup-name').textContent === 'PostgreSQLHighConnections');
    check('order: ack pending before resolved-not-acknowledged (oldest first)', warnGroup && $$('.agroup').indexOf(warnGroup) < $$('.agroup').findIndex((g) => g.querySelector('.agroup-name').textContent === 'RecorderDiskLatency'));
    const chips = () => $$('.sumchip').map((c) => c.querySelector('.n').textContent).join(',');
    check('summary chips from the engine counts', chips() === '8,7,2,1,18' && /CRITICAL/.test($('.sumchip.crit').textContent) && /INFO/.test($('.sumchip.info').textContent), chips());

    // raw severity labels: titles, and the text filter finds them
    const sevOf = (name) => { const r = $$('.arow').find((x) => x.querySelector('.a-name').textContent === name); return r ? r.querySelector('.sev') : null; };
    check('severity: no label -> UNKNOWN, "no severity label"', sevOf('CameraFeedFlapping').className === 'sev sev-unknown' && sevOf('CameraFeedFlapping').getAttribute('title') === 'no severity label');
    check('severity: unrecognised label -> UNKNOWN with the raw value', sevOf('NVRFanSpeedLow').className === 'sev sev-unknown' && sevOf('NVRFanSpeedLow').getAttribute('title') === 'severity "urgent-ish"', sevOf('NVRFanSpeedLow').getAttribute('title'));
    check('severity: engine alias major -> CRIT, raw value in the title', sevOf('DiskSMARTWarning').textContent === '▲ CRIT' && sevOf('DiskSMARTWarning').getAttribute('title') === 'severity "major"');
    check('severity: canonical label has no title', sevOf('MinIOStorageFull').getAttribute('title') === null);
    const f = $('#alert-filter');
    f.value = 'urgent-ish';
    f.dispatchEvent(new Event('input'));
    await sleep(50);
    check('filter matches the raw severity label', $$('.arow').length === 1 && $('.arow .a-name').textContent === 'NVRFanSpeedLow', $$('.arow').length);
    f.value = '';
    f.dispatchEvent(new Event('input'));

    // an order the old UI sort would change (info first, newest first) and counts that are not the list's
    await answerWith((list) => list.slice().reverse(), (c) => Object.assign({}, c, { critical: 42, firing: 99, worst: 'warning' }));
    const rev = engine.slice().reverse();
    check('order: a reversed engine list is shown reversed (no UI re-sort)', fps().join() === grouped(rev).join() && $('.arow .a-name').textContent === 'HighRequestRate', $('.arow .a-name').textContent);
    check('counts: badge and title follow the engine, not the list', $('#alert-badge').textContent === '◆ 99' && $('#alert-badge').className === 'badge badge-warn' && document.title === '(99) Watchdesk' && /CRITICAL\s*42/.test($('.sumchip.crit').textContent), $('#alert-badge').textContent + ' ' + document.title);
    // the hidden-alert rule is the engine's: a Watchdog in its answer is listed
    const wd = Object.assign({}, A[0], { alertname: 'Watchdog', fingerprint: 'watchdog-0001', severity: 'none', severity_label: 'none' });
    await answerWith((list) => list.concat([wd]), null);
    check('no UI hidden-alert rule (a Watchdog the engine sends is listed)', fps().includes('watchdog-0001') && $('.arow[data-fp="watchdog-0001"] .sev').className === 'sev sev-none');
    // nothing at all, all sources up: green OK; zero counts: badge 0
    const saved = window.__mock.health.map((h) => Object.assign({}, h));
    window.__mock.health.forEach((h) => { h.unreachable = false; h.ok = true; });
    await answerWith(() => [], (c) => Object.assign({}, c, { critical: 0, warning: 0, info: 0, unknown: 0, firing: 0, worst: null }));
    check('empty list: OK — no active alerts, badge 0', /no active alerts/.test($('#alert-list').textContent) && $('#alert-badge').textContent === '0' && $('#alert-badge').className === 'badge badge-none' && document.title === 'Watchdesk', $('#alert-list').textContent);
    window.__mock.health.forEach((h, i) => Object.assign(h, saved[i]));
    // counts missing: unknown, never a healthy-looking 0
    await answerWith(null, () => undefined);
    check('counts missing: badge ?', $('#alert-badge').textContent === '?' && $$('.arow').length === 23, $('#alert-badge').textContent);
    await answerWith(null, null);
    check('back to the engine\'s answer', fps().join() === grouped(engine).join() && $('#alert-badge').textContent === '▲ 18');

    // resolved, not acknowledged: its ACK records a local acknowledgement (no dialog), then it is gone
    const res = A.find((a) => a.state === 'resolved, not acknowledged');
    const rr = $('.arow[data-fp="' + res.fingerprint + '"]');
    check('resolved row: "was active", resolved time, ACK', rr && rr.classList.contains('resolved-unacked') && /✓ resolved (\d{4}-\d\d-\d\d )?\d\d:\d\d, not acknowledged/.test(rr.textContent) && /was active 55 min/.test(rr.textContent) && rr.querySelector('.ack-btn'), rr && rr.textContent);
    rr.querySelector('.ack-btn').click();
    await sleep(400);
    const ar = calls('ack_resolved');
    check('ack_resolved: {source, fingerprint, author, comment}', ar.length === 1 && JSON.stringify(ar[0][1]) === JSON.stringify({ source: res.source, fingerprint: res.fingerprint, author: 'mrivera', comment: '' }), ar.length && JSON.stringify(ar[0][1]));
    check('resolved row gone, counts from the engine', !$('.arow[data-fp="' + res.fingerprint + '"]') && $$('.arow').length === 22 && !/resolved/.test($('#alert-badge').getAttribute('title')), $$('.arow').length);
    check('no modal for a resolved ACK', $('.modal') === null);

    // the shift log (what the desktop test reads: #shift-list .srow, .s-kind, #shift-export, #shift-result)
    $('#nav-shiftlog').click();
    await sleep(300);
    const srows = $$('#shift-list .srow:not(.shead)');
    const times = srows.map((r) => r.querySelector('.s-time').textContent);
    check('shift log: newest first, the acknowledgement on top', srows.length > 20 && times.every((t, i) => i === 0 || t <= times[i - 1]) && srows[0].querySelector('.s-kind').textContent === 'acknowledged' && /RecorderDiskLatency/.test(srows[0].textContent), srows.length + ' ' + (srows[0] && srows[0].textContent));
    check('shift log: fired shows the instance, markup stays text', srows.some((r) => /instance recording-service:9104/.test(r.textContent)) && !document.querySelector('#shift-list b, #shift-list img, #shift-list script'));
    $('#shift-export').click();
    await sleep(300);
    check('shift log: export shows the path', !$('#shift-result').hidden && /\.csv$/.test($('#shift-result').textContent), $('#shift-result').textContent);
    $('#nav-alerts').click();
    await sleep(200);

    // --- rows: the engine's layout, headers that collapse and expand
    $('#nav-dashboard').click();
    await sleep(100);
    const sel = $('#dash-select');
    sel.value = 'node';
    sel.dispatchEvent(new Event('change'));
    await sleep(400);
    const rowBtn = () => $('.grid-row');
    check('rows: a collapsed row shows its header and panel count, not its panels', !!rowBtn() && /Network/.test(rowBtn().textContent) && /\(1 panels\)/.test(rowBtn().textContent) && $$('.panel').length === 2, $$('.panel').length + ' ' + (rowBtn() && rowBtn().textContent));
    check('rows: a panel using ignored options is marked partial', $$('.panel-partial').length === 1 && /options\.legend\.calcs/.test($('.panel-partial').getAttribute('title')));
    rowBtn().click();
    await sleep(400);
    const rc = calls('set_row_collapsed');
    check('rows: expanding asks the engine (remembered there)', rc.length === 1 && rc[0][1].uid === 'node' && rc[0][1].index === 0 && rc[0][1].collapsed === false, JSON.stringify(rc));
    check('rows: expanded, its panel is placed under the header', $$('.panel').length === 3 && rowBtn().getAttribute('aria-expanded') === 'true', $$('.panel').length);
    // --- the panel menu: save as PNG/SVG/CSV
    $$('.panel-menu-btn')[0].click();
    check('panel menu opens with PNG, SVG and CSV', $$('.panel-menu-list').filter((l) => !l.hidden).length === 1 && $$('.panel-menu-item').slice(0, 3).map((i) => i.dataset.format).join() === 'png,svg,csv');
    $$('.panel-menu-item')[2].click();
    await sleep(100);
    const ex = calls('export_panel');
    check('panel menu: CSV export asks the engine and says where it went', ex.length === 1 && ex[0][1].format === 'csv' && ex[0][1].panelId === 1 && /panel-1\.csv/.test($('#error-line').textContent), JSON.stringify(ex) + ' ' + $('#error-line').textContent);
    sel.value = 'rta-overview';
    sel.dispatchEvent(new Event('change'));
    await sleep(300);
    $('#nav-alerts').click();
    await sleep(200);
  }

  function openFromMock(a) {
    window.__mock.emit(EVENTS.navigate, { view: 'alert', source: a.source, fingerprint: a.fingerprint });
  }
  run().catch((e) => {
    const pre = document.createElement('pre');
    pre.id = 'selftest-result';
    pre.textContent = results.join('\n') + '\nERROR ' + (e && e.stack || e);
    document.body.appendChild(pre);
    document.title = 'SELFTEST ERROR';
  });
}
