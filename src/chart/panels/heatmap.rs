//! Heatmap panels of Prometheus histogram buckets, as Grafana draws them with `calculate: false`:
//! the buckets sorted by `le` (`+Inf` last) and, for `format: heatmap` queries, de-accumulated
//! (from the top down each bucket minus the one below; what is left under 1e-9 is 0); one ordinal
//! band per bucket, labelled by its upper bound, the lowest bound "0"; cells coloured by Grafana's
//! palette (scheme, default Oranges in 64 steps, or opacity) and cells at or below
//! `filterValues.le` (1e-9) not drawn. Heatmap colours are counts, never states.

use super::super::draw::{text_width, Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::{draw_no_data, format_value, ChartSeries, ChartSpec};
use super::look::{over_panel, scheme_palette};
use super::timeline::time_axis;
use crate::dashboard::QueryFormat;
use crate::time::Millis;
use plotters::prelude::DrawingBackend;

/// The heatmap's data: bucket bounds (bottom up) and, per time column, a value per bucket.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Buckets {
    /// Upper bounds in order; `+Inf` is infinity. `None` for a bucket without a numeric `le`.
    pub bounds: Vec<Option<f64>>,
    pub names: Vec<String>,
    /// Column start times.
    pub times: Vec<Millis>,
    pub col_ms: i64,
    /// `values[column][bucket]`.
    pub values: Vec<Vec<Option<f64>>>,
}

fn le_of(s: &ChartSeries) -> Option<f64> {
    let text = s
        .labels
        .get("le")
        .map(String::as_str)
        .unwrap_or(s.name.as_str());
    match text.trim() {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        t => t.parse::<f64>().ok(),
    }
}

/// Sorts, aligns into `columns` time columns and (for `format: heatmap`) de-accumulates the
/// bucket series of `spec`: the first label set (without `le`) only.
pub(crate) fn buckets(spec: &ChartSpec, columns: i64) -> Option<Buckets> {
    let (from, to) = (spec.from.min(spec.to), spec.from.max(spec.to));
    let group = |s: &ChartSeries| {
        let mut l = s.labels.clone();
        l.remove("le");
        l
    };
    let first = spec.series.first()?;
    let g0 = group(first);
    let mut series: Vec<&ChartSeries> = spec.series.iter().filter(|s| group(s) == g0).collect();
    series.sort_by(|a, b| match (le_of(a), le_of(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
    let accumulate = spec
        .queries
        .iter()
        .any(|q| q.ref_id == first.ref_id && q.format == QueryFormat::Heatmap);
    let step = series
        .iter()
        .map(|s| s.step_ms)
        .filter(|s| *s > 0)
        .min()
        .unwrap_or(15_000);
    let span = to.saturating_sub(from).max(1);
    let col_ms = step.max(span / columns.max(1)).max(1);
    let n_cols = (span / col_ms + 1) as usize;
    let mut sums = vec![vec![(0.0, 0u32); series.len()]; n_cols];
    for (b, s) in series.iter().enumerate() {
        for &(t, v) in &s.points {
            if t < from || t > to || !v.is_finite() {
                continue;
            }
            let c = (t.saturating_sub(from) / col_ms) as usize;
            if let Some(cell) = sums.get_mut(c).and_then(|r| r.get_mut(b)) {
                cell.0 += v;
                cell.1 += 1;
            }
        }
    }
    let mut values: Vec<Vec<Option<f64>>> = sums
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|(s, n)| (n > 0).then(|| s / n as f64))
                .collect()
        })
        .collect();
    if accumulate {
        for col in &mut values {
            for i in (1..col.len()).rev() {
                if let (Some(hi), Some(lo)) = (col[i], col[i - 1]) {
                    let d = hi - lo;
                    col[i] = Some(if d < 1e-9 { 0.0 } else { d });
                }
            }
        }
    }
    Some(Buckets {
        bounds: series.iter().map(|s| le_of(s)).collect(),
        names: series.iter().map(|s| s.name.clone()).collect(),
        times: (0..n_cols as i64)
            .map(|c| from.saturating_add(c.saturating_mul(col_ms)))
            .collect(),
        col_ms,
        values,
    })
}

/// The palette of the heatmap options.
fn palette(spec: &ChartSpec) -> Vec<Rgb> {
    let h = &spec.options.heatmap;
    if h.opacity {
        let fill = theme::parse_color(&h.fill)
            .map(|p| p.rgb)
            .unwrap_or(theme::ORANGE);
        let n = h.steps.clamp(2, 256);
        return (0..n)
            .map(|i| {
                let t = i as f64 / (n - 1) as f64;
                let a = if h.linear { t } else { t.powf(h.exponent) };
                over_panel(fill, a)
            })
            .collect();
    }
    // Grafana falls back to Spectral for a scheme it does not know.
    scheme_palette(&h.scheme, h.steps, h.reverse)
        .or_else(|| scheme_palette("Spectral", h.steps, h.reverse))
        .unwrap_or_default()
}

/// Heatmap panel.
pub(crate) fn heatmap<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let h = &spec.options.heatmap;
    let legend_h = if h.show_legend && r.h > 120 { 22 } else { 0 };
    let axis_h = 18;
    let unit = h.y_unit.clone().unwrap_or_else(|| spec.unit.clone());
    let label = |b: &Option<f64>, name: &str| match b {
        Some(v) if v.is_infinite() => "+Inf".to_string(),
        Some(v) => format_value(*v, &unit, h.y_decimals),
        None => name.to_string(),
    };
    let Some(data) = buckets(spec, (r.w / 2).max(1) as i64) else {
        return draw_no_data(cv, spec, r);
    };
    let cells: Vec<f64> = data
        .values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .filter(|v| h.hide_le.is_none_or(|le| *v > le))
        .collect();
    if cells.is_empty() || data.bounds.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let mut labels: Vec<String> = vec![if data.bounds[0].is_some() {
        "0".into()
    } else {
        String::new()
    }];
    labels.extend(
        data.bounds
            .iter()
            .zip(&data.names)
            .map(|(b, n)| label(b, n)),
    );
    let label_w = labels
        .iter()
        .map(|l| text_width(l, 11.0))
        .fold(0.0, f64::max)
        .ceil() as i32
        + 8;
    let plot = Rect::new(
        r.x + label_w,
        r.y + 4,
        r.w - label_w,
        r.h - axis_h - legend_h - 4,
    );
    if plot.w < 10 || plot.h < 10 {
        return draw_no_data(cv, spec, r);
    }
    let n = data.bounds.len() as i32;
    let band = plot.h as f64 / n as f64;
    let band_y = |i: i32| {
        let k = if h.y_reverse { i } else { n - i };
        plot.y + (k as f64 * band).round() as i32
    };
    // Y labels at the band boundaries, thinned to fit.
    let every = ((14.0 / band).ceil() as usize).max(1);
    for (i, l) in labels.iter().enumerate() {
        if i % every == 0 || i == labels.len() - 1 {
            let y = band_y(i as i32);
            cv.text(
                l,
                plot.x - 4,
                y.clamp(plot.y + 5, plot.bottom() - 5),
                11.0,
                theme::MUTED,
                Align::Right,
                false,
            )?;
        }
    }
    let lo = h
        .min
        .unwrap_or_else(|| cells.iter().copied().fold(f64::INFINITY, f64::min));
    let hi = h
        .max
        .unwrap_or_else(|| cells.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let pal = palette(spec);
    let color = |v: f64| {
        let steps = pal.len().max(1);
        let f = if hi > lo { (v - lo) / (hi - lo) } else { 1.0 };
        let i = ((steps as f64 * f).floor() as usize).min(steps - 1);
        pal.get(i).copied().unwrap_or(theme::ORANGE)
    };
    let (from, to) = (spec.from.min(spec.to), spec.from.max(spec.to));
    let span = (to as f64 - from as f64).max(1.0);
    let x_of =
        |t: Millis| plot.x + ((t as f64 - from as f64) / span * plot.w as f64).round() as i32;
    let gap = h.cell_gap as i32;
    for (c, col) in data.values.iter().enumerate() {
        let t = data.times[c];
        let (x0, x1) = (x_of(t), x_of(t.saturating_add(data.col_ms).min(to)));
        for (b, v) in col.iter().enumerate() {
            let Some(v) = v.filter(|v| h.hide_le.is_none_or(|le| *v > le)) else {
                continue;
            };
            let (ya, yb) = (band_y(b as i32 + 1), band_y(b as i32));
            let (top, bottom) = (ya.min(yb), ya.max(yb));
            let cell = Rect::new(x0, top, (x1 - x0 - gap).max(1), (bottom - top - gap).max(1));
            cv.fill(cell, cv.data(color(v)))?;
        }
    }
    time_axis(cv, plot, from, to)?;
    if legend_h > 0 {
        let y = plot.bottom() + axis_h + 4;
        let lw = (plot.w / 3).clamp(60, 240);
        let lx = plot.right() - lw;
        let n = pal.len().max(1) as i32;
        for (i, c) in pal.iter().enumerate() {
            let i = i as i32;
            cv.fill(
                Rect::new(lx + lw * i / n, y + 4, (lw / n).max(1) + 1, 8),
                *c,
            )?;
        }
        let fmt = |v: f64| format_value(v, "", spec.decimals);
        cv.text(
            &fmt(lo),
            lx - 6,
            y + 8,
            11.0,
            theme::MUTED,
            Align::Right,
            false,
        )?;
        cv.text(
            &fmt(hi),
            lx + lw + 6,
            y + 8,
            11.0,
            theme::MUTED,
            Align::Left,
            false,
        )?;
    }
    Ok(())
}
