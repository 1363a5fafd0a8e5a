//! Stat, gauge, bar gauge, table, alert list, text and "not supported" panels: one file per kind,
//! the shared value reduction and tile layout here.

mod alertlist;
mod bargauge;
mod gauge;
mod stat;
mod table;
mod text;

pub(crate) use alertlist::alert_list;
pub use alertlist::{format_age, severity_state, sort_alerts};
pub(crate) use bargauge::bar_gauge;
pub(crate) use gauge::gauge;
pub(crate) use stat::stat;
pub(crate) use table::table;
pub(crate) use text::{text, unsupported};

use super::draw::Rect;
use super::theme::{self, Rgb, State};
use super::{
    format_value, no_value_text, parse_color, reduce, threshold_state, value_color, ChartSpec,
};

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

/// Colour, text and state of a reduced value (grey "No data" when missing). A stat panel with
/// `colorMode: none` shows the value in the text colour and no state word: Grafana leaves such a
/// panel uncoloured, so a threshold must never turn it into an alarm here.
fn value_look(spec: &ChartSpec, v: Option<f64>) -> (Rgb, String, Option<State>) {
    let (rgb, text, state) = coloured_look(spec, v);
    let uncoloured = matches!(spec.kind, super::ChartKind::Stat)
        && spec.options.stat.color_mode == crate::dashboard::options::StatColorMode::None;
    if uncoloured {
        let plain = if state == Some(State::NoData) {
            theme::NO_DATA
        } else {
            theme::TEXT
        };
        return (plain, text, None);
    }
    (rgb, text, state)
}

fn coloured_look(spec: &ChartSpec, v: Option<f64>) -> (Rgb, String, Option<State>) {
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
