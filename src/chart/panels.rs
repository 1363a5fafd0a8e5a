//! Stat, gauge, bar gauge, table, alert list, text and "not supported" panels.

use super::draw::{fit, size_to_fit, text_width, text_width_bold, Align, Canvas, DResult, Rect};
use super::theme::{self, Rgb, State};
use super::{
    draw_no_data, format_value, no_value_text, parse_color, reduce, threshold_state, value_color,
    AlertRow, ChartSpec,
};

use plotters::prelude::DrawingBackend;

/// Tile background, a little lighter than the panel.
const TILE: Rgb = Rgb(0x1f, 0x23, 0x2a);

/// One reduced series: legend name and value (None = no data).
struct Reduced {
    name: String,
    value: Option<f64>,
}

fn reduced(spec: &ChartSpec) -> Vec<Reduced> {
    let calc = if spec.reduce.trim().is_empty() {
        "lastNotNull"
    } else {
        spec.reduce.as_str()
    };
    spec.series
        .iter()
        .enumerate()
        .map(|(i, s)| Reduced {
            name: if s.name.trim().is_empty() && spec.series.len() > 1 {
                format!("series {}", i + 1)
            } else {
                s.name.clone()
            },
            value: reduce(&s.points, calc),
        })
        .collect()
}

/// Colour, text and state of a reduced value (grey "No data" when missing).
fn value_look(spec: &ChartSpec, v: Option<f64>) -> (Rgb, String, Option<State>) {
    if let Some(m) = crate::dashboard::ValueMapping::find(&spec.mappings, v) {
        let (mut rgb, mut text, mut state) = match v {
            Some(x) if !x.is_nan() => (
                value_color(x, spec),
                format_value(x, &spec.unit, spec.decimals),
                threshold_state(x, spec),
            ),
            _ => (theme::NO_DATA, no_value_text(spec), Some(State::NoData)),
        };
        if let Some(t) = &m.text {
            text = t.clone();
        }
        if let Some(c) = m.color.as_deref().and_then(parse_color) {
            if !c.transparent {
                rgb = c.rgb;
                state = c.state.or(state);
            }
        }
        return (rgb, text, state);
    }
    match v {
        Some(v) if !v.is_nan() => (
            value_color(v, spec),
            format_value(v, &spec.unit, spec.decimals),
            threshold_state(v, spec),
        ),
        _ => (theme::NO_DATA, no_value_text(spec), Some(State::NoData)),
    }
}

fn state_label(s: State) -> String {
    format!("{} {}", s.symbol(), s.word())
}

/// Splits `r` into a grid of `n` tiles, as close to `aspect` (w/h) as possible.
fn grid(r: Rect, n: usize, aspect: f64, gap: i32) -> Vec<Rect> {
    let n = n.max(1);
    let mut best = (1usize, f64::MIN);
    for cols in 1..=n {
        let rows = n.div_ceil(cols);
        let tw = (r.w - gap * (cols as i32 - 1)) as f64 / cols as f64;
        let th = (r.h - gap * (rows as i32 - 1)) as f64 / rows as f64;
        let score = (tw / aspect).min(th);
        if score > best.1 {
            best = (cols, score);
        }
    }
    let cols = best.0 as i32;
    let rows = n.div_ceil(best.0) as i32;
    let tw = (r.w - gap * (cols - 1)) / cols.max(1);
    let th = (r.h - gap * (rows - 1)) / rows.max(1);
    (0..n as i32)
        .map(|i| {
            Rect::new(
                r.x + (i % cols) * (tw + gap),
                r.y + (i / cols) * (th + gap),
                tw,
                th,
            )
        })
        .collect()
}

/// How many tiles fit with at least `min_h` pixels each; the rest is summarised.
fn cap_tiles(r: Rect, n: usize, min_w: i32, min_h: i32) -> usize {
    let max = ((r.w / min_w.max(1)).max(1) * (r.h / min_h.max(1)).max(1)) as usize;
    n.min(max.max(1))
}

/// Stat panel: one tile per series with the reduced value large, coloured, with its state word.
pub(crate) fn stat<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let mut vals = reduced(spec);
    if vals.is_empty() {
        vals.push(Reduced {
            name: String::new(),
            value: None,
        });
    }
    let shown = cap_tiles(r, vals.len(), 90, 60);
    let hidden = vals.len() - shown;
    let tiles = grid(r, if hidden > 0 { shown } else { vals.len() }, 2.2, 6);
    let count = tiles.len();
    for (k, (tile, rv)) in tiles.into_iter().zip(&vals).enumerate() {
        if hidden > 0 && k + 1 == count {
            cv.fill(tile, TILE)?;
            let msg = format!("+{} more", hidden + 1);
            cv.text_fit(
                &msg,
                tile.cx(),
                tile.cy(),
                16.0,
                theme::MUTED,
                Align::Center,
                true,
                tile.w - 8,
            )?;
            continue;
        }
        stat_tile(cv, spec, tile, rv)?;
    }
    Ok(())
}

fn stat_tile<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    t: Rect,
    rv: &Reduced,
) -> DResult {
    let (color, text, state) = value_look(spec, rv.value);
    let color = cv.data(color);
    cv.fill(t, TILE)?;
    cv.fill(Rect::new(t.x, t.y, 6.min(t.w), t.h), color)?;
    let inner = Rect::new(t.x + 10, t.y + 4, t.w - 14, t.h - 8);
    let mut top = inner.y;
    if !rv.name.trim().is_empty() && inner.h > 50 {
        let px = (inner.h as f64 * 0.14).clamp(11.0, 16.0);
        cv.text_fit(
            &rv.name,
            inner.cx(),
            top + px as i32,
            px,
            theme::MUTED,
            Align::Center,
            false,
            inner.w,
        )?;
        top += (px * 1.8) as i32;
    }
    let avail = Rect::new(inner.x, top, inner.w, inner.bottom() - top);
    let has_state = state.is_some() && avail.h > 40;
    let value_h = if has_state {
        avail.h as f64 * 0.6
    } else {
        avail.h as f64 * 0.8
    };
    let px = size_to_fit(&text, avail.w as f64 * 0.92, value_h.clamp(8.0, 120.0));
    let word_px = (px * 0.32).clamp(11.0, 26.0);
    let block = px + if has_state { word_px * 1.6 } else { 0.0 };
    let vy = avail.y + ((avail.h as f64 - block) / 2.0 + px / 2.0) as i32;
    cv.text_fit(
        &text,
        avail.cx(),
        vy,
        px,
        color,
        Align::Center,
        true,
        avail.w,
    )?;
    if let (true, Some(s)) = (has_state, state) {
        let wy = vy + (px / 2.0 + word_px) as i32;
        cv.text_fit(
            &state_label(s),
            avail.cx(),
            wy,
            word_px,
            color,
            Align::Center,
            true,
            avail.w,
        )?;
    }
    Ok(())
}

/// Gauge bounds: spec min/max, else 0..100 (percent), 0..1 (percentunit), else 0..nice max of the values.
fn value_range(spec: &ChartSpec, vals: &[Reduced]) -> (f64, f64) {
    let dmax = vals
        .iter()
        .filter_map(|v| v.value)
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let dmin = vals
        .iter()
        .filter_map(|v| v.value)
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let lo = spec
        .min
        .filter(|v| v.is_finite())
        .unwrap_or(if dmin.is_finite() && dmin < 0.0 {
            dmin
        } else {
            0.0
        });
    let hi = spec
        .max
        .filter(|v| v.is_finite())
        .unwrap_or(match spec.unit.as_str() {
            "percent" => 100.0,
            "percentunit" => 1.0,
            _ if dmax.is_finite() && dmax > lo => nice_ceil(dmax),
            _ => lo + 100.0,
        });
    if hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

fn nice_ceil(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    v
}

fn fraction(v: f64, lo: f64, hi: f64) -> f64 {
    let f = (v - lo) / (hi - lo);
    if f.is_finite() {
        f.clamp(0.0, 1.0)
    } else if f == f64::INFINITY {
        1.0
    } else {
        0.0
    }
}

/// Threshold steps as (from, to, colour) value bands inside `lo..hi`.
fn bands(spec: &ChartSpec, lo: f64, hi: f64) -> Vec<(f64, f64, Rgb)> {
    let mut steps: Vec<(f64, Rgb)> = spec
        .thresholds
        .iter()
        .filter_map(|t| {
            let start = match t.value {
                None => f64::NEG_INFINITY,
                Some(v) if v.is_nan() => return None,
                Some(v) if spec.thresholds_percentage => lo + (hi - lo) * v / 100.0,
                Some(v) => v,
            };
            let c = parse_color(&t.color)
                .filter(|p| !p.transparent)
                .map(|p| p.rgb)?;
            Some((start, c))
        })
        .collect();
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = Vec::new();
    for (i, (start, c)) in steps.iter().enumerate() {
        let end = steps.get(i + 1).map(|s| s.0).unwrap_or(f64::INFINITY);
        let (a, b) = (start.max(lo), end.min(hi));
        if b > a {
            out.push((a, b, *c));
        }
    }
    out
}

/// Gauge panel: a 240° arc per series from min to max, threshold bands outside, value inside.
pub(crate) fn gauge<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let mut vals = reduced(spec);
    if vals.is_empty() {
        vals.push(Reduced {
            name: String::new(),
            value: None,
        });
    }
    let (lo, hi) = value_range(spec, &vals);
    let shown = cap_tiles(r, vals.len(), 110, 90);
    let hidden = vals.len() - shown;
    let tiles = grid(r, shown, 1.3, 8);
    let count = tiles.len();
    for (k, (tile, rv)) in tiles.into_iter().zip(&vals).enumerate() {
        if hidden > 0 && k + 1 == count {
            let msg = format!("+{} more", hidden + 1);
            cv.text_fit(
                &msg,
                tile.cx(),
                tile.cy(),
                16.0,
                theme::MUTED,
                Align::Center,
                true,
                tile.w - 8,
            )?;
            continue;
        }
        gauge_tile(cv, spec, tile, rv, lo, hi)?;
    }
    Ok(())
}

fn gauge_tile<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    t: Rect,
    rv: &Reduced,
    lo: f64,
    hi: f64,
) -> DResult {
    let (color, text, state) = value_look(spec, rv.value);
    let color = cv.data(color);
    let mut top = t.y;
    let name_px = 13.0;
    if !rv.name.trim().is_empty() && t.h > 60 {
        cv.text_fit(
            &rv.name,
            t.cx(),
            top + 9,
            name_px,
            theme::MUTED,
            Align::Center,
            false,
            t.w,
        )?;
        top += 20;
    }
    let avail_h = (t.bottom() - top) as f64;
    let radius = (t.w as f64 / 2.0 - 4.0).min(avail_h / 1.55 - 2.0);
    if radius < 12.0 {
        return cv.text_fit(&text, t.cx(), t.cy(), 13.0, color, Align::Center, true, t.w);
    }
    let cx = t.cx() as f64;
    let cy = top as f64 + 2.0 + radius;
    let arc = |f0: f64, f1: f64, r0: f64, r1: f64| -> Vec<(i32, i32)> {
        let a0 = 210f64 - 240.0 * f0;
        let a1 = 210f64 - 240.0 * f1;
        let n = (((a0 - a1).abs() / 3.0).ceil() as usize).max(1);
        let mut pts = Vec::with_capacity(2 * n + 2);
        for i in 0..=n {
            let a = (a0 + (a1 - a0) * i as f64 / n as f64).to_radians();
            pts.push((
                (cx + r1 * a.cos()).round() as i32,
                (cy - r1 * a.sin()).round() as i32,
            ));
        }
        for i in (0..=n).rev() {
            let a = (a0 + (a1 - a0) * i as f64 / n as f64).to_radians();
            pts.push((
                (cx + r0 * a.cos()).round() as i32,
                (cy - r0 * a.sin()).round() as i32,
            ));
        }
        pts
    };
    let band_w = (radius * 0.07).max(3.0);
    let bar_r1 = radius - band_w - 3.0;
    let bar_r0 = bar_r1 - (radius * 0.2).max(6.0);
    cv.polygon(arc(0.0, 1.0, bar_r0, bar_r1), theme::TRACK)?;
    let has_value = rv.value.is_some_and(|v| !v.is_nan());
    for (a, b, c) in bands(spec, lo, hi) {
        // Without a value the scale is greyed: a no-data gauge must not look healthy.
        let c = if has_value {
            c
        } else {
            c.mix(theme::TRACK, 0.7)
        };
        cv.polygon(
            arc(
                fraction(a, lo, hi),
                fraction(b, lo, hi),
                radius - band_w,
                radius,
            ),
            cv.data(c),
        )?;
    }
    if let Some(v) = rv.value.filter(|v| !v.is_nan()) {
        let f = fraction(v, lo, hi);
        if f > 0.0 {
            cv.polygon(arc(0.0, f, bar_r0, bar_r1), color)?;
        }
    }
    let inner_w = bar_r0 * 1.7;
    let px = size_to_fit(&text, inner_w, (radius * 0.42).clamp(8.0, 90.0));
    cv.text_fit(
        &text,
        cx as i32,
        cy as i32,
        px,
        color,
        Align::Center,
        true,
        (bar_r0 * 2.0) as i32,
    )?;
    if let Some(s) = state {
        let wp = (px * 0.4).clamp(10.0, 22.0);
        let wy = cy + px * 0.5 + wp * 1.1;
        cv.text_fit(
            &state_label(s),
            cx as i32,
            wy as i32,
            wp,
            color,
            Align::Center,
            true,
            (bar_r0 * 1.8) as i32,
        )?;
    }
    // Min and max under the arc ends.
    let end_y = (cy + radius * 0.5 + 10.0) as i32;
    if end_y + 6 <= t.bottom() + 4 {
        let lx = (cx - radius * 0.87) as i32;
        let rx = (cx + radius * 0.87) as i32;
        cv.text(
            &format_value(lo, &spec.unit, spec.decimals),
            lx,
            end_y,
            11.0,
            theme::MUTED,
            Align::Center,
            false,
        )?;
        cv.text(
            &format_value(hi, &spec.unit, spec.decimals),
            rx,
            end_y,
            11.0,
            theme::MUTED,
            Align::Center,
            false,
        )?;
    }
    Ok(())
}

/// Bar gauge panel: one horizontal bar per series with name, value and state word.
pub(crate) fn bar_gauge<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let vals = reduced(spec);
    if vals.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let (lo, hi) = value_range(spec, &vals);
    let row_h = (r.h / vals.len() as i32).clamp(22, 44);
    let fit_rows = (r.h / row_h).max(1) as usize;
    let (shown, hidden) = if vals.len() > fit_rows {
        (fit_rows - 1, vals.len() - fit_rows + 1)
    } else {
        (vals.len(), 0)
    };
    let name_w = (r.w as f64 * 0.28) as i32;
    let value_w = (r.w as f64 * 0.24).clamp(60.0, 200.0) as i32;
    let px = (row_h as f64 * 0.45).clamp(11.0, 16.0);
    for (i, rv) in vals.iter().take(shown).enumerate() {
        let y = r.y + i as i32 * row_h;
        let cy = y + row_h / 2;
        let (color, text, state) = value_look(spec, rv.value);
        let color = cv.data(color);
        cv.text_fit(
            &rv.name,
            r.x,
            cy,
            px,
            theme::TEXT,
            Align::Left,
            false,
            name_w - 8,
        )?;
        let bar = Rect::new(
            r.x + name_w,
            y + row_h / 5,
            r.w - name_w - value_w - 8,
            row_h - 2 * (row_h / 5),
        );
        cv.fill(bar, theme::TRACK)?;
        if let Some(v) = rv.value.filter(|v| !v.is_nan()) {
            let fw = (bar.w as f64 * fraction(v, lo, hi)).round() as i32;
            cv.fill(Rect::new(bar.x, bar.y, fw, bar.h), color)?;
        }
        let label = match state {
            Some(s) => format!("{text}  {}", s.word()),
            None => text,
        };
        cv.text_fit(
            &label,
            r.right(),
            cy,
            px,
            color,
            Align::Right,
            true,
            value_w,
        )?;
    }
    if hidden > 0 {
        let y = r.y + shown as i32 * row_h + row_h / 2;
        cv.text(
            &format!("+{hidden} more"),
            r.x,
            y,
            px,
            theme::MUTED,
            Align::Left,
            true,
        )?;
    }
    Ok(())
}

/// Table panel: series name, reduced value, state.
pub(crate) fn table<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let vals = reduced(spec);
    if vals.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let px = 13.0;
    let row_h = 24;
    let value_w = (r.w as f64 * 0.25).clamp(70.0, 180.0) as i32;
    let state_w = if r.w > 300 { 90 } else { 0 };
    let name_w = r.w - value_w - state_w;
    let vx = r.x + name_w + value_w - 8;
    let sx = r.x + name_w + value_w + 8;
    cv.text(
        "Series",
        r.x + 6,
        r.y + row_h / 2,
        px,
        theme::MUTED,
        Align::Left,
        true,
    )?;
    cv.text(
        "Value",
        vx,
        r.y + row_h / 2,
        px,
        theme::MUTED,
        Align::Right,
        true,
    )?;
    if state_w > 0 {
        cv.text(
            "State",
            sx,
            r.y + row_h / 2,
            px,
            theme::MUTED,
            Align::Left,
            true,
        )?;
    }
    cv.line(
        vec![(r.x, r.y + row_h), (r.right(), r.y + row_h)],
        theme::GRID,
        1,
    )?;
    let rows_fit = ((r.h - row_h) / row_h).max(0) as usize;
    let (shown, hidden) = if vals.len() > rows_fit {
        (
            rows_fit.saturating_sub(1),
            vals.len() - rows_fit.saturating_sub(1),
        )
    } else {
        (vals.len(), 0)
    };
    for (i, rv) in vals.iter().take(shown).enumerate() {
        let y = r.y + (i as i32 + 1) * row_h;
        if i % 2 == 1 {
            cv.fill(Rect::new(r.x, y, r.w, row_h), TILE)?;
        }
        let cy = y + row_h / 2;
        let (color, text, state) = value_look(spec, rv.value);
        let color = cv.data(color);
        cv.text_fit(
            &rv.name,
            r.x + 6,
            cy,
            px,
            theme::TEXT,
            Align::Left,
            false,
            name_w - 12,
        )?;
        let value_color = if state.is_some() { color } else { theme::TEXT };
        cv.text_fit(
            &text,
            vx,
            cy,
            px,
            value_color,
            Align::Right,
            true,
            value_w - 8,
        )?;
        if let (true, Some(s)) = (state_w > 0, state) {
            cv.text_fit(
                &state_label(s),
                sx,
                cy,
                px,
                color,
                Align::Left,
                true,
                state_w - 8,
            )?;
        }
    }
    if hidden > 0 {
        let y = r.y + (shown as i32 + 1) * row_h + row_h / 2;
        if y < r.bottom() + row_h / 2 {
            cv.text(
                &format!("+{hidden} more rows"),
                r.x + 6,
                y,
                px,
                theme::MUTED,
                Align::Left,
                true,
            )?;
        }
    }
    Ok(())
}

/// The state an alert's severity label stands for; anything unknown or empty is UNKNOWN.
pub fn severity_state(severity: &str) -> State {
    match severity.trim().to_ascii_lowercase().as_str() {
        "critical" | "crit" | "page" | "error" | "high" | "disaster" | "emergency" | "fatal" => {
            State::Crit
        }
        "warning" | "warn" | "medium" | "average" => State::Warn,
        "info" | "informational" | "notice" | "low" | "none" => State::Info,
        _ => State::Unknown,
    }
}

/// "just now", "45 s", "5 min", "3 h 20 min", "2 d 4 h"; "—" for unknown or future times.
pub fn format_age(ms: i64) -> String {
    if ms < 0 {
        return "—".into();
    }
    let s = ms / 1000;
    match s {
        0..=9 => "just now".into(),
        10..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => {
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{} h", s / 3600)
            } else {
                format!("{} h {} min", s / 3600, m)
            }
        }
        _ => {
            let h = (s % 86_400) / 3600;
            if h == 0 {
                format!("{} d", s / 86_400)
            } else {
                format!("{} d {} h", s / 86_400, h)
            }
        }
    }
}

fn is_silenced(a: &AlertRow) -> bool {
    matches!(
        a.state.trim().to_ascii_lowercase().as_str(),
        "suppressed" | "silenced" | "acknowledged" | "acked"
    )
}

/// Alert rows sorted by severity (CRIT, WARN, UNKNOWN, INFO), then newest first.
pub fn sort_alerts(alerts: &[AlertRow]) -> Vec<&AlertRow> {
    let mut rows: Vec<&AlertRow> = alerts.iter().collect();
    rows.sort_by(|a, b| {
        severity_state(&a.severity)
            .cmp(&severity_state(&b.severity))
            .then(b.since.cmp(&a.since))
            .then(a.name.cmp(&b.name))
    });
    rows
}

/// Alert list panel: a summary line, then one row per alert.
pub(crate) fn alert_list<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    r: Rect,
) -> DResult {
    if spec.alerts.is_empty() {
        let msg = spec
            .no_value
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("No alerts");
        let px = size_to_fit(msg, r.w as f64 * 0.8, 20.0);
        return cv.text_fit(
            msg,
            r.cx(),
            r.cy(),
            px,
            theme::NO_DATA,
            Align::Center,
            true,
            r.w,
        );
    }
    let rows = sort_alerts(&spec.alerts);
    let px = 14.0;
    let row_h = 30;
    // Summary: counts per state, silenced apart.
    let mut summary = Vec::new();
    for st in [State::Crit, State::Warn, State::Unknown, State::Info] {
        let n = rows
            .iter()
            .filter(|a| severity_state(&a.severity) == st && !is_silenced(a))
            .count();
        if n > 0 {
            summary.push((format!("{n} {}", st.word()), st.color()));
        }
    }
    let silenced = rows.iter().filter(|a| is_silenced(a)).count();
    if silenced > 0 {
        summary.push((format!("{silenced} silenced"), theme::MUTED));
    }
    let mut x = r.x;
    for (s, c) in &summary {
        cv.text(s, x, r.y + 9, px, cv.data(*c), Align::Left, true)?;
        x += text_width_bold(s, px) as i32 + 18;
    }
    let top = r.y + 22;
    let rows_fit = ((r.bottom() - top) / row_h).max(0) as usize;
    let (shown, hidden) = if rows.len() > rows_fit {
        (
            rows_fit.saturating_sub(1),
            rows.len() - rows_fit.saturating_sub(1),
        )
    } else {
        (rows.len(), 0)
    };
    // Columns: stripe, severity word, name, labels, since, summary (dropped when narrow).
    let sev_w = 118;
    let since_w = if r.w > 360 { 124 } else { 0 };
    let rest = r.w - 8 - sev_w - since_w;
    let (name_w, labels_w, sum_w) = if r.w > 700 {
        (
            (rest as f64 * 0.38) as i32,
            (rest as f64 * 0.17) as i32,
            rest - (rest as f64 * 0.55) as i32,
        )
    } else if r.w > 450 {
        (
            (rest as f64 * 0.55) as i32,
            rest - (rest as f64 * 0.55) as i32,
            0,
        )
    } else {
        (rest, 0, 0)
    };
    for (i, a) in rows.iter().take(shown).enumerate() {
        let y = top + i as i32 * row_h;
        let cy = y + row_h / 2;
        let st = severity_state(&a.severity);
        let silenced = is_silenced(a);
        let resolved = a.state.trim().eq_ignore_ascii_case("resolved");
        let muted = silenced || resolved;
        let c = cv.data(if muted {
            st.color().mix(theme::NO_DATA, 0.6)
        } else {
            st.color()
        });
        if i % 2 == 1 {
            cv.fill(Rect::new(r.x, y, r.w, row_h), TILE)?;
        }
        cv.fill(Rect::new(r.x, y + 3, 5, row_h - 6), c)?;
        let mut x = r.x + 12;
        cv.text(
            &format!("{} {}", st.symbol(), st.word()),
            x,
            cy,
            px,
            c,
            Align::Left,
            true,
        )?;
        x += sev_w - 4;
        let name_c = if muted { theme::MUTED } else { theme::TEXT };
        let mut name = if a.name.trim().is_empty() {
            "(unnamed alert)".to_string()
        } else {
            a.name.clone()
        };
        if silenced {
            name.insert_str(0, "SILENCED · ");
        } else if resolved {
            name.insert_str(0, "RESOLVED · ");
        }
        cv.text_fit(&name, x, cy, px, name_c, Align::Left, true, name_w - 10)?;
        x += name_w;
        if labels_w > 0 {
            cv.text_fit(
                &a.labels,
                x,
                cy,
                px,
                theme::MUTED,
                Align::Left,
                false,
                labels_w - 10,
            )?;
            x += labels_w;
        }
        if since_w > 0 {
            let since = if a.since > 0 {
                format!("since {}", format_age(spec.now.saturating_sub(a.since)))
            } else {
                "since —".into()
            };
            cv.text_fit(
                &since,
                x,
                cy,
                px,
                theme::MUTED,
                Align::Left,
                false,
                since_w - 8,
            )?;
            x += since_w;
        }
        if sum_w > 0 {
            cv.text_fit(&a.summary, x, cy, px, name_c, Align::Left, false, sum_w - 4)?;
        }
    }
    if hidden > 0 {
        let more: Vec<&&AlertRow> = rows.iter().skip(shown).collect();
        let crit = more
            .iter()
            .filter(|a| severity_state(&a.severity) == State::Crit)
            .count();
        let msg = if crit > 0 {
            format!("+{hidden} more alerts ({crit} CRIT)")
        } else {
            format!("+{hidden} more alerts")
        };
        let y = top + shown as i32 * row_h + row_h / 2;
        let c = if crit > 0 {
            cv.data(theme::CRIT)
        } else {
            theme::MUTED
        };
        cv.text_fit(&msg, r.x + 12, y, px, c, Align::Left, true, r.w - 12)?;
    }
    Ok(())
}

/// Text panel: the content as plain, wrapped text.
pub(crate) fn text<DB: DrawingBackend>(cv: &Canvas<DB>, content: &str, r: Rect) -> DResult {
    let px = 14.0;
    let line_h = 20;
    let max_lines = (r.h / line_h).max(1) as usize;
    let lines = wrap(content, px, r.w as f64);
    let n = lines.len();
    for (i, line) in lines.iter().take(max_lines).enumerate() {
        let y = r.y + i as i32 * line_h + line_h / 2;
        let s = if i + 1 == max_lines && n > max_lines {
            format!("{line} …")
        } else {
            line.clone()
        };
        cv.text_fit(&s, r.x, y, px, theme::TEXT, Align::Left, false, r.w)?;
    }
    Ok(())
}

/// Word-wraps `s` to `max_w` pixels; very long words are cut.
fn wrap(s: &str, px: f64, max_w: f64) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, px) <= max_w || line.is_empty() {
                line = candidate;
            } else {
                out.push(std::mem::take(&mut line));
                line = word.to_string();
            }
        }
        out.push(fit(&line, px, max_w));
        if out.len() > 500 {
            break;
        }
    }
    out
}

/// "not supported: <type>" box for panel types Watchdesk does not draw.
pub(crate) fn unsupported<DB: DrawingBackend>(cv: &Canvas<DB>, kind: &str, r: Rect) -> DResult {
    let b = r.inset(4);
    let (x0, x1, y0, y1) = (b.x, b.right(), b.y, b.bottom());
    cv.dashed_hline(x0, x1, y0, theme::MUTED, 1)?;
    cv.dashed_hline(x0, x1, y1, theme::MUTED, 1)?;
    cv.line(vec![(x0, y0), (x0, y1)], theme::GRID, 1)?;
    cv.line(vec![(x1, y0), (x1, y1)], theme::GRID, 1)?;
    let kind = if kind.trim().is_empty() {
        "(unknown panel type)"
    } else {
        kind.trim()
    };
    let msg = format!("not supported: {kind}");
    let px = size_to_fit(&msg, b.w as f64 * 0.9, 16.0);
    cv.text_fit(
        &msg,
        b.cx(),
        b.cy() - 8,
        px,
        theme::TEXT,
        Align::Center,
        true,
        b.w - 8,
    )?;
    cv.text_fit(
        "Watchdesk does not draw this panel type",
        b.cx(),
        b.cy() + 14,
        12.0,
        theme::MUTED,
        Align::Center,
        false,
        b.w - 8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_age(ms: i64, expect: &str) {
        assert_eq!(format_age(ms), expect);
    }

    #[test]
    fn ages() {
        check_age(-5, "—");
        check_age(3_000, "just now");
        check_age(45_000, "45 s");
        check_age(300_000, "5 min");
        check_age(3_600_000, "1 h");
        check_age(12_000_000, "3 h 20 min");
        check_age(187_200_000, "2 d 4 h");
    }

    #[track_caller]
    fn check_sev(s: &str, expect: State) {
        assert_eq!(severity_state(s), expect, "{s:?}");
    }

    #[test]
    fn severities() {
        check_sev("critical", State::Crit);
        check_sev(" CRITICAL ", State::Crit);
        check_sev("warning", State::Warn);
        check_sev("info", State::Info);
        check_sev("", State::Unknown);
        check_sev("performance", State::Unknown);
    }

    #[test]
    fn alert_order() {
        let row = |sev: &str, name: &str, since: i64| AlertRow {
            severity: sev.into(),
            name: name.into(),
            since,
            ..Default::default()
        };
        let alerts = vec![
            row("info", "I", 5),
            row("", "U", 5),
            row("warning", "W", 5),
            row("critical", "C-old", 1),
            row("critical", "C-new", 9),
        ];
        let names: Vec<&str> = sort_alerts(&alerts)
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["C-new", "C-old", "W", "U", "I"]);
    }

    #[track_caller]
    fn check_wrap(s: &str, max_w: f64, expect: &[&str]) {
        assert_eq!(wrap(s, 10.0, max_w), expect);
    }

    #[test]
    fn wrapping() {
        check_wrap("aaa bbb ccc", 35.0, &["aaa", "bbb", "ccc"]);
        check_wrap("aaa bbb ccc", 100.0, &["aaa bbb ccc"]);
        check_wrap("one\n\ntwo", 100.0, &["one", "", "two"]);
        check_wrap("", 100.0, &[]);
    }
}
