//! Every panel kind but time series: one file (or folder) per kind; the display processor
//! (`display.rs`), colour arithmetic (`look.rs`), the values of the single-value kinds and the
//! repeater layout here.

mod alertlist;
mod barchart;
mod bargauge;
pub(crate) mod display;
mod gauge;
mod heatmap;
pub mod logs;
pub(crate) mod look;
mod piechart;
mod stat;
mod table;
mod text;
mod timeline;

pub(crate) use alertlist::alert_list;
pub use alertlist::{format_age, severity_state, sort_alerts};
pub(crate) use barchart::bar_chart;
pub(crate) use bargauge::bar_gauge;
pub(crate) use gauge::gauge;
pub(crate) use heatmap::heatmap;
pub(crate) use logs::logs;
pub(crate) use piechart::pie_chart;
pub(crate) use stat::stat;
pub(crate) use table::table;
pub(crate) use text::{text, unsupported};
pub(crate) use timeline::timeline;

use super::draw::Rect;
use super::theme::{Rgb, State};
use super::{calc_name, reduce, ChartSpec};
use crate::dashboard::field::FieldMatcher;
use display::{data_range, Look};

/// Tile background, a little lighter than the panel.
const TILE: Rgb = Rgb(0x1f, 0x23, 0x2a);

/// Grafana's `DEFAULT_FIELD_DISPLAY_VALUES_LIMIT`.
const DEFAULT_LIMIT: usize = 25;

/// One value a stat, gauge, bar gauge, pie or bar chart shows (Grafana's `FieldDisplay`).
#[derive(Debug, Clone)]
pub(crate) struct FieldValue {
    pub name: String,
    /// `None`: no value.
    pub value: Option<f64>,
    pub look: Look,
    /// The series it reduces (for a sparkline); `None` in `values: true` mode.
    pub series: Option<usize>,
}

/// The calcs a panel reduces with (`reduceOptions.calcs`, else the panel's reducer).
fn calcs(spec: &ChartSpec) -> Vec<String> {
    let c = &spec.options.reduce.calcs;
    if c.len() > 1 {
        c.clone()
    } else if spec.reduce.trim().is_empty() {
        vec!["lastNotNull".into()]
    } else {
        vec![spec.reduce.clone()]
    }
}

/// Grafana's `getFieldDisplayValues`: one value per series and calc (or, with `values: true`, one
/// per point), for the series `reduceOptions.fields` selects, at most `limit`.
pub(crate) fn field_values(spec: &ChartSpec) -> Vec<FieldValue> {
    let data = data_range(spec);
    let ro = &spec.options.reduce;
    let limit = ro.limit.map(|l| l.max(1) as usize).unwrap_or(DEFAULT_LIMIT);
    let fields = ro.fields.trim();
    let matcher = (!fields.is_empty() && fields != "/.*/")
        .then(|| FieldMatcher::ByRegexp(fields.to_string()));
    let calcs = calcs(spec);
    let mut out = Vec::new();
    for (i, s) in spec.series.iter().enumerate() {
        if s.config.hide_from().viz {
            continue;
        }
        let name = if s.name.trim().is_empty() && spec.series.len() > 1 {
            format!("series {}", i + 1)
        } else {
            s.name.clone()
        };
        if let Some(m) = &matcher {
            let f = crate::dashboard::field::FieldRef {
                name: &name,
                ref_id: &s.ref_id,
                labels: &s.labels,
            };
            if !m.matches(&f) {
                continue;
            }
        }
        if ro.values {
            for (j, p) in s.points.iter().enumerate() {
                if out.len() >= limit {
                    return out;
                }
                out.push(FieldValue {
                    name: name.clone(),
                    value: Some(p.1).filter(|v| !v.is_nan()),
                    look: Look::new(spec, &s.config, j, data).named(&name),
                    series: None,
                });
            }
            continue;
        }
        for calc in &calcs {
            if out.len() >= limit {
                return out;
            }
            let title = if calcs.len() > 1 {
                format!("{name} {}", calc_name(calc))
            } else {
                name.clone()
            };
            out.push(FieldValue {
                name: title,
                value: reduce(&s.points, calc),
                look: Look::new(spec, &s.config, i, data).named(&name),
                series: Some(i),
            });
        }
    }
    out
}

/// The "No data" value of a panel without values.
pub(crate) fn no_data_value(spec: &ChartSpec) -> FieldValue {
    FieldValue {
        name: String::new(),
        value: None,
        look: Look::new(spec, &spec.field, 0, data_range(spec)),
        series: None,
    }
}

fn state_label(s: State) -> String {
    format!("{} {}", s.symbol(), s.word())
}

/// Grafana's `calculateGridDimensions` (VizRepeater's auto grid): near-square cells, the last row's
/// cells widened to fill it.
fn grid(r: Rect, n: usize, gap: i32) -> Vec<Rect> {
    let n = n.max(1);
    let (w, h) = (r.w.max(1) as f64, r.h.max(1) as f64);
    let mut best = (1usize, f64::MIN);
    for cols in 1..=n {
        let rows = n.div_ceil(cols);
        let size = (w / cols as f64).min(h / rows as f64);
        if size > best.1 + 1e-9 {
            best = (cols, size);
        }
    }
    let cols = best.0;
    let rows = n.div_ceil(cols);
    let th = (r.h - gap * (rows as i32 - 1)) / rows.max(1) as i32;
    let mut out = Vec::with_capacity(n);
    for row in 0..rows {
        let in_row = if row + 1 == rows {
            n - cols * (rows - 1)
        } else {
            cols
        };
        let tw = (r.w - gap * (in_row as i32 - 1)) / in_row.max(1) as i32;
        for c in 0..in_row {
            out.push(Rect::new(
                r.x + c as i32 * (tw + gap),
                r.y + row as i32 * (th + gap),
                tw,
                th,
            ));
        }
    }
    out
}

/// `n` cells in a column (`vertical: false`) or a row, `gap` apart.
fn line_of(r: Rect, n: usize, vertical: bool, gap: i32) -> Vec<Rect> {
    let n = n.max(1) as i32;
    if vertical {
        let w = (r.w - gap * (n - 1)) / n;
        (0..n)
            .map(|i| Rect::new(r.x + i * (w + gap), r.y, w, r.h))
            .collect()
    } else {
        let h = (r.h - gap * (n - 1)) / n;
        (0..n)
            .map(|i| Rect::new(r.x, r.y + i * (h + gap), r.w, h))
            .collect()
    }
}

/// How many cells of at least `min_w`×`min_h` fit; the rest is summarised as "+N more".
fn cap_tiles(r: Rect, n: usize, min_w: i32, min_h: i32) -> usize {
    let max = ((r.w / min_w.max(1)).max(1) * (r.h / min_h.max(1)).max(1)) as usize;
    n.min(max.max(1))
}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;
