//! Time-series panel: lines broken at gaps, M4-reduced, local-time axis, legend, thresholds.

use super::draw::{clip_polyline, fit, text_width, Align, Canvas, Rect};
use super::theme;
use super::{draw_no_data, format_value, m4, parse_color, segments, series_color, ChartSpec};
use crate::time::Millis;
use chrono::{Local, TimeZone};
use plotters::prelude::DrawingBackend;

const AXIS_PX: f64 = 12.0;
const LEGEND_PX: f64 = 12.0;
const LEGEND_LINE: i32 = 18;

/// Draws a time-series panel into `r`; returns the plot area `[left, top, right, bottom]`, so that
/// a UI can map the pointer to a time.
pub(crate) fn draw<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    r: Rect,
) -> Result<Option<[i32; 4]>, String> {
    let (from, to) = time_range(spec);
    // Y range from the finite points inside the time range.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in &spec.series {
        for &(t, v) in &s.points {
            if t >= from && t <= to && v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    let has_data = lo <= hi;

    // Legend at the bottom.
    let max_lines = if r.h > 220 {
        3
    } else if r.h > 120 {
        2
    } else if r.h > 70 {
        1
    } else {
        0
    };
    let legend = layout_legend(spec, r.w, max_lines);
    let legend_h = legend.lines * LEGEND_LINE;
    let (ymin, ymax) = y_range(spec, lo, hi);
    let yticks = nice_ticks(ymin, ymax, ((r.h - legend_h) / 45).clamp(2, 10) as usize);
    // Without data an axis scale would be invented: leave it unlabelled.
    let ylabels = if has_data || spec.min.is_some() || spec.max.is_some() {
        tick_labels(&yticks, spec)
    } else {
        vec![String::new(); yticks.len()]
    };
    let label_w = ylabels
        .iter()
        .map(|l| text_width(l, AXIS_PX))
        .fold(0.0, f64::max)
        .ceil() as i32;
    let plot = Rect::new(
        r.x + label_w + 8,
        r.y + 6,
        r.w - label_w - 14,
        r.h - legend_h - 6 - 22,
    );
    let area = Some([plot.x, plot.y, plot.right(), plot.bottom()]);
    if plot.w < 10 || plot.h < 10 {
        return if has_data {
            Ok(area)
        } else {
            draw_no_data(cv, spec, r).map(|()| area)
        };
    }

    // Grid and axes.
    let ypix = |v: f64| plot.bottom() as f64 - (v - ymin) / (ymax - ymin) * plot.h as f64;
    let xpix = |t: Millis| {
        plot.x as f64 + (t as f64 - from as f64) / (to as f64 - from as f64) * plot.w as f64
    };
    for (v, label) in yticks.iter().zip(&ylabels) {
        let y = ypix(*v).round() as i32;
        cv.line(vec![(plot.x, y), (plot.right(), y)], theme::GRID, 1)?;
        cv.text(
            label,
            plot.x - 6,
            y,
            AXIS_PX,
            theme::MUTED,
            Align::Right,
            false,
        )?;
    }
    for (t, label) in time_ticks(from, to, plot.w) {
        let x = xpix(t).round() as i32;
        cv.line(vec![(x, plot.y), (x, plot.bottom())], theme::GRID, 1)?;
        cv.text(
            &label,
            x,
            plot.bottom() + 12,
            AXIS_PX,
            theme::MUTED,
            Align::Center,
            false,
        )?;
    }
    cv.line(
        vec![(plot.x, plot.bottom()), (plot.right(), plot.bottom())],
        theme::MUTED,
        1,
    )?;

    // Threshold steps as lines, only where the panel asks (`custom.thresholdsStyle`: Grafana's
    // default is off).
    let style = spec.field.thresholds_style();
    let shown: &[super::Threshold] = if style.lines() { &spec.thresholds } else { &[] };
    for t in shown {
        let Some(v) = t.value.filter(|v| v.is_finite()) else {
            continue;
        };
        let v = if spec.thresholds_percentage {
            ymin + (ymax - ymin) * v / 100.0
        } else {
            v
        };
        if v < ymin || v > ymax {
            continue;
        }
        let c = parse_color(&t.color)
            .filter(|p| !p.transparent)
            .map(|p| p.rgb)
            .unwrap_or(theme::MUTED);
        let y = ypix(v).round() as i32;
        if style.dashed() {
            cv.dashed_hline(plot.x, plot.right(), y, cv.data(c), 1)?;
        } else {
            cv.line(vec![(plot.x, y), (plot.right(), y)], cv.data(c), 1)?;
        }
    }

    if !has_data {
        draw_no_data(cv, spec, plot)?;
    }

    // Series.
    let (x0, y0, x1, y1) = (
        plot.x as f64,
        plot.y as f64,
        plot.right() as f64,
        plot.bottom() as f64,
    );
    for (i, s) in spec.series.iter().enumerate() {
        let color = cv.data(series_color(i));
        let pieces = series_pixels(&s.points, s.step_ms, from, to, plot.w as u32);
        match pieces {
            Pixels::Lines(lines) => {
                for line in lines {
                    let px: Vec<(f64, f64)> =
                        line.iter().map(|&(t, v)| (xpix(t), ypix(v))).collect();
                    for piece in clip_polyline(&px, x0, y0, x1, y1) {
                        let pts: Vec<(i32, i32)> = piece
                            .iter()
                            .map(|p| (p.0.round() as i32, p.1.round() as i32))
                            .collect();
                        if pts.len() == 1 {
                            if let Some(&(x, y)) = pts.first() {
                                cv.dot(x, y, 2, color)?;
                            }
                        } else {
                            cv.line(pts, color, 2)?;
                        }
                    }
                }
            }
            Pixels::Envelope(cols) => {
                for (t, lo, hi) in cols {
                    let x = xpix(t);
                    for piece in
                        clip_polyline(&[(x, ypix(hi) - 0.5), (x, ypix(lo) + 0.5)], x0, y0, x1, y1)
                    {
                        let pts: Vec<(i32, i32)> = piece
                            .iter()
                            .map(|p| (p.0.round() as i32, p.1.round() as i32))
                            .collect();
                        cv.line(pts, color, 1)?;
                    }
                }
            }
        }
    }

    // Legend.
    let mut ly = plot.bottom() + 22 + LEGEND_LINE / 2;
    for line in &legend.items {
        let mut x = r.x + 4;
        for item in line {
            match item {
                LegendItem::Series { name, index } => {
                    let c = cv.data(series_color(*index));
                    cv.line(vec![(x, ly), (x + 14, ly)], c, 3)?;
                    cv.text(name, x + 19, ly, LEGEND_PX, theme::TEXT, Align::Left, false)?;
                    x += 19 + text_width(name, LEGEND_PX).ceil() as i32 + 14;
                }
                LegendItem::More(n) => {
                    cv.text(
                        &format!("+{n} more"),
                        x,
                        ly,
                        LEGEND_PX,
                        theme::MUTED,
                        Align::Left,
                        true,
                    )?;
                }
            }
        }
        ly += LEGEND_LINE;
    }
    Ok(area)
}

/// `from..to` with from < to.
pub(crate) fn time_range(spec: &ChartSpec) -> (Millis, Millis) {
    let (a, b) = if spec.from <= spec.to {
        (spec.from, spec.to)
    } else {
        (spec.to, spec.from)
    };
    if a == b {
        (a.saturating_sub(1), b)
    } else {
        (a, b)
    }
}

/// Y axis bounds: spec min/max when valid, else the data range, padded and rounded.
fn y_range(spec: &ChartSpec, lo: f64, hi: f64) -> (f64, f64) {
    let smin = spec.min.filter(|v| v.is_finite());
    let smax = spec.max.filter(|v| v.is_finite());
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (0.0, 1.0) };
    if let Some(m) = smin {
        lo = m;
    }
    if let Some(m) = smax {
        hi = m;
    }
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        if smin.is_none() {
            lo -= pad;
        }
        if smax.is_none() || smin.is_some() {
            hi += pad;
        }
    }
    if !(hi - lo).is_finite() {
        // Values near f64::MAX: keep the axis finite.
        lo = lo.max(-f64::MAX / 4.0);
        hi = hi.min(f64::MAX / 4.0);
    }
    // Round free ends outward to a nice step.
    let step = nice_step((hi - lo) / 5.0);
    if step.is_finite() && step > 0.0 {
        if smin.is_none() {
            let l = (lo / step).floor() * step;
            if l.is_finite() {
                lo = l;
            }
        }
        if smax.is_none() {
            let h = (hi / step).ceil() * step;
            if h.is_finite() {
                hi = h;
            }
        }
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    (lo, hi)
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

/// About `n` round values inside `lo..=hi`.
fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let step = nice_step((hi - lo) / n.max(1) as f64);
    let mut out = Vec::new();
    let mut k = (lo / step).ceil();
    while out.len() < 50 {
        let v = k * step;
        if !v.is_finite() || v > hi + step * 1e-9 {
            break;
        }
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    out
}

/// Tick labels in the panel's unit, with enough decimals to tell them apart.
fn tick_labels(ticks: &[f64], spec: &ChartSpec) -> Vec<String> {
    let fmt = |d: Option<u32>| {
        ticks
            .iter()
            .map(|v| format_value(*v, &spec.unit, d))
            .collect::<Vec<_>>()
    };
    if spec.decimals.is_some() {
        return fmt(spec.decimals);
    }
    let distinct = |l: &[String]| l.windows(2).all(|w| w.first() != w.get(1));
    let auto = fmt(None);
    if distinct(&auto) {
        return auto;
    }
    for d in 1..=6 {
        let l = fmt(Some(d));
        if distinct(&l) {
            return l;
        }
    }
    auto
}

const SEC: i64 = 1000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Tick times and their local-time labels: `HH:MM` up to 2 days, then `Mon 14:00`, then `24 Nov`.
pub(crate) fn time_ticks(from: Millis, to: Millis, width: i32) -> Vec<(Millis, String)> {
    let span = to.saturating_sub(from).max(1);
    let want = (width / 110).max(1) as i64;
    let steps = [
        SEC,
        2 * SEC,
        5 * SEC,
        10 * SEC,
        15 * SEC,
        30 * SEC,
        MIN,
        2 * MIN,
        5 * MIN,
        10 * MIN,
        15 * MIN,
        30 * MIN,
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
        14 * DAY,
        30 * DAY,
        91 * DAY,
        182 * DAY,
        365 * DAY,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| span / s <= want)
        .unwrap_or_else(|| {
            // Beyond a year per tick: whole years.
            (span / want / (365 * DAY) + 1).saturating_mul(365 * DAY)
        });
    // Align to local wall-clock multiples of the step.
    let offset = Local
        .timestamp_millis_opt(from)
        .single()
        .map(|d| d.offset().local_minus_utc() as i64 * 1000)
        .unwrap_or(0);
    let first = match (from.checked_add(offset), step) {
        (Some(l), s) if s > 0 => (l.div_euclid(s) + 1)
            .saturating_mul(s)
            .saturating_sub(offset),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut t = first;
    while t <= to && out.len() < 60 {
        if t >= from {
            if let Some(label) = time_label(t, span, step) {
                out.push((t, label));
            }
        }
        match t.checked_add(step) {
            Some(n) => t = n,
            None => break,
        }
    }
    out
}

fn time_label(t: Millis, span: i64, step: i64) -> Option<String> {
    let d = Local.timestamp_millis_opt(t).single()?;
    let fmt = if span <= 2 * DAY {
        if step < MIN {
            "%H:%M:%S"
        } else {
            "%H:%M"
        }
    } else if step < DAY {
        "%a %H:%M"
    } else if span <= 400 * DAY {
        "%a %d %b"
    } else {
        "%b %Y"
    };
    Some(d.format(fmt).to_string())
}

/// What to draw for one series.
pub(crate) enum Pixels {
    /// Polylines (time, value) that may be joined; never across a gap.
    Lines(Vec<Vec<(Millis, f64)>>),
    /// Too many tiny pieces: a min..max bar per pixel column (time, min, max).
    Envelope(Vec<(Millis, f64, f64)>),
}

/// Splits a series at gaps, M4-reduces each piece to `columns`, keeps one
/// neighbour just outside `from..to` so lines reach the plot edges.
pub(crate) fn series_pixels(
    points: &[(Millis, f64)],
    step_ms: i64,
    from: Millis,
    to: Millis,
    columns: u32,
) -> Pixels {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut total = 0usize;
    for range in segments(points, step_ms) {
        let Some(seg) = points.get(range) else {
            continue;
        };
        let lo = seg.partition_point(|p| p.0 < from);
        let hi = seg.partition_point(|p| p.0 <= to);
        let mut line = Vec::new();
        if let Some(p) = lo.checked_sub(1).and_then(|i| seg.get(i)) {
            line.push(*p);
        }
        if let Some(inner) = seg.get(lo..hi) {
            line.extend(m4(inner, from, to, columns));
        }
        if let Some(p) = seg.get(hi) {
            line.push(*p);
        }
        // A piece entirely outside the range, with no point inside, is not drawn.
        if lo == hi && (lo == 0 || hi >= seg.len()) {
            continue;
        }
        total += line.len();
        lines.push(line);
    }
    if total <= 8 * columns as usize + 16 {
        return Pixels::Lines(lines);
    }
    let mut cols: Vec<Option<(f64, f64)>> = vec![None; columns as usize];
    let span = (to as i128 - from as i128).max(1);
    for &(t, v) in points {
        if t < from || t > to || !v.is_finite() {
            continue;
        }
        let c = (((t as i128 - from as i128) * columns as i128) / span)
            .clamp(0, columns as i128 - 1) as usize;
        if let Some(slot) = cols.get_mut(c) {
            *slot = Some(slot.map_or((v, v), |(a, b)| (a.min(v), b.max(v))));
        }
    }
    let env = cols
        .iter()
        .enumerate()
        .filter_map(|(c, s)| {
            let (a, b) = (*s)?;
            let t = from as i128 + (c as i128 * 2 + 1) * span / (2 * columns as i128);
            Some((t as Millis, a, b))
        })
        .collect();
    Pixels::Envelope(env)
}

/// A legend laid out in lines.
struct Legend {
    lines: i32,
    items: Vec<Vec<LegendItem>>,
}

enum LegendItem {
    Series { name: String, index: usize },
    More(usize),
}

fn layout_legend(spec: &ChartSpec, width: i32, max_lines: i32) -> Legend {
    let n = spec.series.len();
    if max_lines <= 0 || n == 0 || width < 40 {
        return Legend {
            lines: 0,
            items: Vec::new(),
        };
    }
    let max_name = (width as f64 * 0.45).max(30.0);
    let more_w = text_width("+9999 more", LEGEND_PX) as i32 + 4;
    let mut lines: Vec<Vec<LegendItem>> = vec![Vec::new()];
    let mut x = 0;
    for (i, s) in spec.series.iter().enumerate() {
        let raw = if s.name.trim().is_empty() {
            format!("series {}", i + 1)
        } else {
            s.name.clone()
        };
        let name = fit(&raw, LEGEND_PX, max_name);
        let w = 19 + text_width(&name, LEGEND_PX).ceil() as i32 + 14;
        let last_line = lines.len() as i32 == max_lines;
        let is_last_item = i + 1 == n;
        let room = if last_line && !is_last_item {
            width - more_w
        } else {
            width
        };
        if x + w > room && x > 0 {
            if last_line {
                if let Some(l) = lines.last_mut() {
                    l.push(LegendItem::More(n - i));
                }
                break;
            }
            lines.push(Vec::new());
            x = 0;
        }
        if let Some(l) = lines.last_mut() {
            l.push(LegendItem::Series { name, index: i });
        }
        x += w;
    }
    Legend {
        lines: lines.len() as i32,
        items: lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_lines(points: &[(i64, f64)], step: i64, expect_lines: usize) {
        match series_pixels(points, step, 0, 1_000_000, 500) {
            Pixels::Lines(l) => assert_eq!(l.len(), expect_lines, "{l:?}"),
            Pixels::Envelope(_) => panic!("unexpected envelope"),
        }
    }

    #[test]
    fn pixels_break_at_gaps() {
        check_lines(&[], 10_000, 0);
        check_lines(&[(0, 1.0), (10_000, 2.0), (20_000, 3.0)], 10_000, 1);
        check_lines(
            &[(0, 1.0), (10_000, 2.0), (100_000, 3.0), (110_000, 3.0)],
            10_000,
            2,
        );
        check_lines(&[(0, 1.0), (10_000, f64::NAN), (20_000, 3.0)], 10_000, 2);
        // a piece completely before the range is dropped, the neighbour is kept
        check_lines(&[(-50_000, 1.0), (-10_000, 1.0), (0, 2.0)], 10_000, 1);
        check_lines(&[(-90_000, 1.0), (-80_000, 1.0)], 10_000, 0);
    }

    #[test]
    fn many_fragments_become_an_envelope() {
        let p: Vec<(Millis, f64)> = (0..100_000)
            .map(|i| (i * 10, if i % 2 == 0 { 1.0 } else { f64::NAN }))
            .collect();
        match series_pixels(&p, 10, 0, 1_000_000, 100) {
            Pixels::Envelope(e) => assert!(e.len() <= 100),
            Pixels::Lines(l) => panic!("{} lines", l.len()),
        }
    }

    #[track_caller]
    fn check_ticks(lo: f64, hi: f64, n: usize, expect: &[f64]) {
        assert_eq!(nice_ticks(lo, hi, n), expect);
    }

    #[test]
    fn ticks() {
        check_ticks(0.0, 100.0, 5, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check_ticks(0.0, 1.0, 4, &[0.0, 0.25, 0.5, 0.75, 1.0]);
        check_ticks(-1.0, 1.0, 2, &[-1.0, 0.0, 1.0]);
        assert!(nice_ticks(-f64::MAX / 4.0, f64::MAX / 4.0, 5).len() <= 50);
        assert!(time_ticks(0, 1, 0).len() <= 1);
        assert!(time_ticks(0, 3 * HOUR, 660).len() <= 7);
        assert!(time_ticks(0, i64::MAX, 1000).len() <= 60);
        assert!(time_ticks(i64::MIN, i64::MAX, 1000).len() <= 60);
    }
}
