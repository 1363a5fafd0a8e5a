// The dashboard's top bar: dashboard choice, template variables, time range (presets and custom),
// auto-refresh. A view only: what a choice does is the callbacks' business (see initTopBar).
import { $, el, clear, button, text } from './dom.js';
import { str, duration, toLocalInput, relToMs, rangeLabel } from './format.js';

export const RANGES = ['5m', '15m', '1h', '6h', '12h', '24h', '2d', '7d', '30d'];

let on = { range() {}, refresh() {}, dashboard() {}, variable() {} };
let openPop = null; // the open multi-value variable popover
let current = { from: 'now-6h', to: 'now' }; // the view's range, where the custom inputs start

// hooks: {range(from, to), refresh(ms|null), dashboard(uid), variable(name, values)}
export function initTopBar(hooks) {
  on = hooks;
  const rb = $('range-buttons');
  for (const r of RANGES) {
    const b = button(r, '', () => on.range('now-' + r, 'now'));
    b.dataset.range = 'now-' + r;
    b.setAttribute('title', 'Last ' + r);
    rb.appendChild(b);
  }
  $('custom-toggle').addEventListener('click', toggleCustom);
  $('custom-cancel').addEventListener('click', closeCustom);
  $('custom-apply').addEventListener('click', applyCustom);
  $('refresh-select').addEventListener('change', () => {
    const v = $('refresh-select').value;
    on.refresh(v === '' ? null : Number(v));
  });
  $('dash-select').addEventListener('change', () => {
    const uid = $('dash-select').value;
    if (uid) on.dashboard(uid);
  });
  document.addEventListener('click', () => closeVarPopover());
}

// Shows the view's range and refresh; view: {from, to, refresh_ms}
export function syncTopBar(view) {
  current = { from: view.from, to: view.to };
  document.querySelectorAll('#range-buttons button').forEach((b) => {
    b.classList.toggle('active', view.to === 'now' && b.dataset.range === view.from);
  });
  const isPreset = view.to === 'now' && RANGES.some((r) => 'now-' + r === view.from);
  $('custom-toggle').classList.toggle('active', !isPreset);
  const sel = $('refresh-select');
  const val = view.refresh_ms ? String(view.refresh_ms) : '';
  if (val && !Array.from(sel.options).some((o) => o.value === val)) {
    const o = el('option', '', duration(view.refresh_ms));
    o.value = val;
    sel.appendChild(o);
  }
  sel.value = val;
  $('dash-range').textContent = rangeLabel(view.from, view.to);
}

export function fillDashboardSelect(dashboards, selected) {
  const sel = $('dash-select');
  clear(sel);
  for (const d of dashboards) {
    const o = el('option', '', d.title || d.uid);
    o.value = d.uid;
    sel.appendChild(o);
  }
  if (selected) sel.value = selected;
}

export function selectDashboard(uid) {
  $('dash-select').value = uid;
}

// ---------------------------------------------------------------- custom range
export function isCustomOpen() { return !$('custom-range').hidden; }

export function closeCustom() {
  $('custom-range').hidden = true;
  $('custom-toggle').setAttribute('aria-expanded', 'false');
}

function toggleCustom() {
  const box = $('custom-range');
  if (!box.hidden) { closeCustom(); return; }
  let f = relToMs(current.from), t = relToMs(current.to);
  if (!isFinite(f)) f = Date.now() - 6 * 36e5;
  if (!isFinite(t)) t = Date.now();
  $('custom-from').value = toLocalInput(f);
  $('custom-to').value = toLocalInput(t);
  $('custom-error').textContent = '';
  box.hidden = false;
  $('custom-toggle').setAttribute('aria-expanded', 'true');
  $('custom-from').focus();
}

function applyCustom() {
  const f = new Date($('custom-from').value).getTime();
  const t = new Date($('custom-to').value).getTime();
  if (!isFinite(f) || !isFinite(t)) { $('custom-error').textContent = 'Enter both dates.'; return; }
  if (f >= t) { $('custom-error').textContent = '"From" must be before "To".'; return; }
  on.range(String(f), String(t));
}

// ---------------------------------------------------------------- template variables
// Closes the variable popover; true if one was open.
export function closeVarPopover() {
  if (!openPop) return false;
  openPop.remove();
  openPop = null;
  return true;
}

function varLabelText(v, values) {
  if (!values || values.length === 0) return 'None';
  if (v.include_all && values.some((x) => x === '$__all' || x === 'All')) return 'All';
  return values.join(' + ');
}

// The variables of a dashboard model (d.variables): a select each, a checkbox popover when multi.
export function buildVariables(vars) {
  const box = $('vars');
  clear(box);
  closeVarPopover();
  for (const v of vars || []) {
    const wrap = el('div', 'var');
    const id = 'var-' + Math.random().toString(36).slice(2);
    const lab = el('label', 'tb-label', v.label || v.name);
    lab.setAttribute('for', id);
    wrap.appendChild(lab);
    const cur = Array.isArray(v.current) ? v.current.map(str) : [];
    if (v.kind === 'textbox') wrap.appendChild(textbox(v, cur, id));
    else if (v.kind === 'adhoc') wrap.appendChild(adhocFilters(v, cur, id));
    else if (!v.multi) wrap.appendChild(singleSelect(v, cur, id));
    else {
      const b = el('button', 'varbtn', varLabelText(v, cur));
      b.type = 'button';
      b.id = id;
      b.setAttribute('title', varLabelText(v, cur));
      b.addEventListener('click', (ev) => {
        ev.stopPropagation();
        if (openPop && openPop.parentNode === wrap) { closeVarPopover(); return; }
        closeVarPopover();
        openPop = varPopover(v, cur);
        wrap.appendChild(openPop);
      });
      wrap.appendChild(b);
    }
    box.appendChild(wrap);
  }
}

// A textbox variable: the typed text, applied on Enter or when the field is left.
function textbox(v, cur, id) {
  const inp = el('input', 'vartext');
  inp.type = 'text';
  inp.id = id;
  inp.value = cur[0] || '';
  inp.spellcheck = false;
  const apply = () => { if (inp.value !== (cur[0] || '')) on.variable(v.name, [inp.value]); };
  inp.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
  inp.addEventListener('change', apply);
  return inp;
}

// Ad hoc filters: one chip per `key op "value"` (removable), and a field to add one.
function adhocFilters(v, cur, id) {
  const box = el('span', 'adhoc');
  for (const f of cur) {
    const chip = el('span', 'chip');
    chip.appendChild(el('span', 'chip-text', f));
    const x = button('✕', 'chip-x', () => on.variable(v.name, cur.filter((y) => y !== f)));
    x.setAttribute('aria-label', 'remove filter ' + f);
    chip.appendChild(x);
    box.appendChild(chip);
  }
  const inp = el('input', 'vartext');
  inp.type = 'text';
  inp.id = id;
  inp.placeholder = 'label="value"';
  inp.spellcheck = false;
  inp.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    const t = inp.value.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)/.test(t)) {
      inp.setCustomValidity('write it like job="node" or instance=~"10\\..*"');
      inp.reportValidity();
      return;
    }
    inp.setCustomValidity('');
    on.variable(v.name, cur.concat([t]));
  });
  box.appendChild(inp);
  return box;
}

function singleSelect(v, cur, id) {
  const sel = el('select');
  sel.id = id;
  if (v.include_all) {
    const o = el('option', '', 'All');
    o.value = '$__all';
    sel.appendChild(o);
  }
  for (const opt of v.options || []) {
    const o = el('option', '', opt);
    o.value = str(opt);
    sel.appendChild(o);
  }
  const first = cur[0];
  if (first === 'All' && v.include_all) sel.value = '$__all';
  else if (first !== undefined) {
    if (!Array.from(sel.options).some((o) => o.value === first)) {
      const o = el('option', '', first);
      o.value = first;
      sel.appendChild(o);
    }
    sel.value = first;
  }
  sel.addEventListener('change', () => on.variable(v.name, [sel.value]));
  return sel;
}

function varPopover(v, cur) {
  const pop = el('div', 'varpop');
  pop.addEventListener('click', (e) => e.stopPropagation());
  const allSelected = v.include_all && cur.some((x) => x === '$__all' || x === 'All');
  const boxes = [];
  let allBox = null;
  if (v.include_all) {
    const l = el('label');
    allBox = el('input');
    allBox.type = 'checkbox';
    allBox.checked = allSelected;
    l.appendChild(allBox);
    l.appendChild(text('All'));
    pop.appendChild(l);
    allBox.addEventListener('change', () => { if (allBox.checked) boxes.forEach((c) => { c.checked = false; }); });
  }
  for (const opt of v.options || []) {
    const l = el('label');
    const c = el('input');
    c.type = 'checkbox';
    c.value = str(opt);
    c.checked = !allSelected && cur.includes(str(opt));
    c.addEventListener('change', () => { if (c.checked && allBox) allBox.checked = false; });
    boxes.push(c);
    l.appendChild(c);
    l.appendChild(text(str(opt)));
    pop.appendChild(l);
  }
  const act = el('div', 'varpop-actions');
  act.appendChild(button('Cancel', 'tbbtn', closeVarPopover));
  act.appendChild(button('Apply', 'tbbtn primary', () => {
    let vals = boxes.filter((c) => c.checked).map((c) => c.value);
    if (allBox && (allBox.checked || vals.length === 0)) vals = ['$__all'];
    closeVarPopover();
    on.variable(v.name, vals);
  }));
  pop.appendChild(act);
  return pop;
}
