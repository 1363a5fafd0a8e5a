//! The axes of a time series: the local-time x axis, and one y axis per Grafana scale (series
//! share an axis when their unit, min/max, soft min/max, placement, log scale and label agree), each
//! ranged as uPlot ranges it, with its own unit's tick labels.

use super::super::draw::text_width;
use super::super::format_value;
use crate::time::Millis;
use chrono::{Local, TimeZone};

pub(super) const AXIS_PX: f64 = 12.0;

/// Where a y axis is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Left,
    Right,
    /// A scale without ticks or labels (`axisPlacement: hidden`).
    Hidden,
}

/// One y scale and its axis.
#[derive(Debug, Clone)]
pub(super) struct Axis {
    /// Grafana's scale key: series with the same key share the axis.
    pub key: String,
    pub unit: String,
    pub decimals: Option<u32>,
    pub hard_min: Option<f64>,
    pub hard_max: Option<f64>,
    pub soft_min: Option<f64>,
    pub soft_max: Option<f64>,
    pub log: Option<f64>,
    pub centered_zero: bool,
    pub label: Option<String>,
    pub side: Side,
    /// A percent stack is drawn on it: the range is 0..1 (or -1..1).
    pub percent: bool,
    /// Extent of what is drawn on it.
    pub lo: f64,
    pub hi: f64,
    /// The range, ticks and labels (after [`Axis::finish`]).
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
    pub labels: Vec<String>,
    /// Pixels taken beside the plot.
    pub width: i32,
}

impl Axis {
    pub fn new(key: String, unit: String, side: Side) -> Axis {
        Axis {
            key,
            unit,
            decimals: None,
            hard_min: None,
            hard_max: None,
            soft_min: None,
            soft_max: None,
            log: None,
            centered_zero: false,
            label: None,
            side,
            percent: false,
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            min: 0.0,
            max: 1.0,
            ticks: Vec::new(),
            labels: Vec::new(),
            width: 0,
        }
    }

    pub fn has_data(&self) -> bool {
        self.lo <= self.hi
    }

    /// Widens the extent by `v` (on a log scale only positive values count).
    pub fn include(&mut self, v: f64) {
        if v.is_finite() && (self.log.is_none() || v > 0.0) {
            self.lo = self.lo.min(v);
            self.hi = self.hi.max(v);
        }
    }

    /// Range, ticks (about one per 45 px of `plot_h`) and labels.
    pub fn finish(&mut self, plot_h: i32) {
        let (min, max) = self.range();
        self.min = min;
        self.max = max;
        self.ticks = match self.log {
            Some(base) => log_ticks(min, max, base),
            None => y_ticks(min, max, plot_h, binary_unit(&self.unit)),
        };
        let labelled = self.has_data() || self.hard_min.is_some() || self.hard_max.is_some();
        // Without data an axis scale would be invented: leave it unlabelled.
        self.labels = if labelled {
            tick_labels(&self.ticks, &self.unit, self.decimals)
        } else {
            vec![String::new(); self.ticks.len()]
        };
        let label_w = self
            .labels
            .iter()
            .map(|l| text_width(l, AXIS_PX))
            .fold(0.0, f64::max)
            .ceil() as i32;
        let title = self.label.as_deref().is_some_and(|l| !l.trim().is_empty());
        self.width = match self.side {
            Side::Hidden => 0,
            _ => label_w + 8 + if title { 16 } else { 0 },
        };
    }

    /// The axis range: hard min/max as set, a percent stack 0..1, else uPlot's `rangeNum` (10 %
    /// padding, snapped to 0 when the padding would cross it) or `rangeLog` (whole powers).
    pub fn range(&self) -> (f64, f64) {
        // A log scale has no place for 0 or below: such a limit is left out.
        let log = self.log.is_some();
        let hard_min = self
            .hard_min
            .filter(|v| v.is_finite() && (!log || *v > 0.0));
        let hard_max = self
            .hard_max
            .filter(|v| v.is_finite() && (!log || *v > 0.0));
        let (mut lo, mut hi) = if self.has_data() {
            (self.lo, self.hi)
        } else {
            (0.0, 1.0)
        };
        if let Some(s) = self.soft_min.filter(|v| v.is_finite()) {
            lo = lo.min(s);
        }
        if let Some(s) = self.soft_max.filter(|v| v.is_finite()) {
            hi = hi.max(s);
        }
        let (mut min, mut max) = if self.percent {
            (
                if lo < 0.0 { -1.0 } else { 0.0 },
                if hi > 0.0 || lo >= 0.0 { 1.0 } else { 0.0 },
            )
        } else if let Some(base) = self.log {
            range_log(hard_min.unwrap_or(lo), hard_max.unwrap_or(hi), base)
        } else {
            range_num(hard_min.unwrap_or(lo), hard_max.unwrap_or(hi))
        };
        if self.decimals == Some(0) && self.log.is_none() {
            min = min.floor();
            max = max.ceil();
        }
        if let Some(m) = hard_min {
            min = m;
        }
        if let Some(m) = hard_max {
            max = m;
        }
        if self.centered_zero && self.log.is_none() {
            let m = min.abs().max(max.abs());
            (min, max) = (-m, m);
        }
        if !(max - min).is_finite() {
            // Values near f64::MAX: keep the axis finite.
            min = min.max(-f64::MAX / 4.0);
            max = max.min(f64::MAX / 4.0);
        }
        if max.partial_cmp(&min) != Some(std::cmp::Ordering::Greater) {
            if min.is_finite() && min != 0.0 {
                let pad = min.abs() * 0.1;
                (min, max) = (min - pad, min + pad);
            } else {
                (min, max) = (0.0, 1.0);
            }
        }
        (min, max)
    }

    /// The pixel row of `v` in a plot from `top` to `bottom`; NaN where the scale has no place for it.
    pub fn px(&self, v: f64, top: f64, bottom: f64) -> f64 {
        let f = match self.log {
            Some(base) => {
                if v <= 0.0 || self.min <= 0.0 {
                    return f64::NAN;
                }
                let l = |x: f64| x.ln() / base.ln();
                (l(v) - l(self.min)) / (l(self.max) - l(self.min))
            }
            None => (v - self.min) / (self.max - self.min),
        };
        bottom - f * (bottom - top)
    }
}

/// uPlot's `rangeNum` with Grafana's y config (`pad: 0.1`, soft 0 in mode 3).
pub(super) fn range_num(lo: f64, hi: f64) -> (f64, f64) {
    let mut delta = hi - lo;
    let scalar = lo.abs().max(hi.abs());
    if scalar == 0.0 {
        // All zero: the line along the bottom of a 0..1 axis.
        return (0.0, 1.0);
    }
    if delta < 1e-24 || (scalar.log10() - delta.log10()).abs() > 10.0 {
        delta = 0.0;
    }
    let nz = if delta != 0.0 {
        delta
    } else if scalar != 0.0 {
        scalar
    } else {
        1e3
    };
    let base = 10f64.powf(nz.log10().floor());
    let incr = base / 10.0;
    let pad = |v: f64| {
        nz * if delta == 0.0 {
            if v == 0.0 {
                0.1
            } else {
                1.0
            }
        } else {
            0.1
        }
    };
    let new_min = ((lo - pad(lo)) / incr).floor() * incr;
    let new_max = ((hi + pad(hi)) / incr).ceil() * incr;
    // Soft 0, mode 3: the range stops at 0 when the padding would take it past 0.
    let min = if lo >= 0.0 && new_min <= 0.0 {
        0.0
    } else {
        new_min
    };
    let max = if hi <= 0.0 && new_max >= 0.0 {
        0.0
    } else {
        new_max
    };
    (min, max)
}

/// uPlot's `rangeLog` with whole powers of `base`.
fn range_log(lo: f64, hi: f64, base: f64) -> (f64, f64) {
    let base = if base > 1.0 && base.is_finite() {
        base
    } else {
        10.0
    };
    let (mut lo, mut hi) = (lo.max(f64::MIN_POSITIVE), hi.max(f64::MIN_POSITIVE));
    if lo == hi {
        lo /= base;
        hi *= base;
    }
    let l = |x: f64| x.ln() / base.ln();
    let min = base.powf(l(lo).floor());
    let max = base.powf(l(hi).ceil());
    if max > min {
        (min, max)
    } else {
        (min, min * base)
    }
}

/// Units Grafana ticks at powers of two (`IEC_UNITS`).
fn binary_unit(unit: &str) -> bool {
    matches!(
        unit,
        "bytes"
            | "bits"
            | "kbytes"
            | "mbytes"
            | "gbytes"
            | "tbytes"
            | "pbytes"
            | "binBps"
            | "binbps"
            | "KiBs"
            | "Kibits"
            | "MiBs"
            | "Mibits"
            | "GiBs"
            | "Gibits"
            | "TiBs"
            | "Tibits"
            | "PiBs"
            | "Pibits"
    )
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
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

/// Ticks of a y axis `plot_h` pixels high, as uPlot spaces them: the finest round step at least
/// 30 px apart (at least two ticks when the axis has room for them).
fn y_ticks(lo: f64, hi: f64, plot_h: i32, binary: bool) -> Vec<f64> {
    // `nice_ticks` takes a count: its step is the roundest one at least (hi - lo) / count.
    let mut k = (plot_h / 30).max(1) as usize;
    loop {
        let t = nice_ticks(lo, hi, k, binary);
        if t.len() >= 2 || k >= 40 {
            return t;
        }
        k *= 2;
    }
}

/// About `n` round values inside `lo..=hi` (powers of two apart for binary units).
pub(super) fn nice_ticks(lo: f64, hi: f64, n: usize, binary: bool) -> Vec<f64> {
    let raw = (hi - lo) / n.max(1) as f64;
    let step = if binary && raw >= 1.0 && raw.is_finite() {
        2f64.powf(raw.log2().ceil())
    } else {
        nice_step(raw)
    };
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

/// Whole powers of `base` in `lo..=hi`; for base 10 over less than three decades, also 2× and 5×.
fn log_ticks(lo: f64, hi: f64, base: f64) -> Vec<f64> {
    let base = if base > 1.0 { base } else { 10.0 };
    let l = |x: f64| x.ln() / base.ln();
    let (a, b) = (l(lo).ceil() as i32, l(hi).floor() as i32);
    let mut out = Vec::new();
    for e in a.saturating_sub(1)..=b {
        let p = base.powi(e);
        let mults: &[f64] = if base == 10.0 && b - a < 3 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        for m in mults {
            let v = p * m;
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) && out.len() < 50 {
                out.push(v);
            }
        }
    }
    out
}

/// Tick labels in `unit`, with enough decimals to tell them apart.
pub(super) fn tick_labels(ticks: &[f64], unit: &str, decimals: Option<u32>) -> Vec<String> {
    let fmt = |d: Option<u32>| {
        ticks
            .iter()
            .map(|v| format_value(*v, unit, d))
            .collect::<Vec<_>>()
    };
    if decimals.is_some() {
        return fmt(decimals);
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

/// `from..to` with from < to.
pub(crate) fn time_range(spec: &super::ChartSpec) -> (Millis, Millis) {
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

pub(super) const SEC: i64 = 1000;
pub(super) const MIN: i64 = 60 * SEC;
pub(super) const HOUR: i64 = 60 * MIN;
pub(super) const DAY: i64 = 24 * HOUR;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_ticks(lo: f64, hi: f64, n: usize, expect: &[f64]) {
        assert_eq!(nice_ticks(lo, hi, n, false), expect);
    }

    #[test]
    fn ticks() {
        check_ticks(0.0, 100.0, 5, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check_ticks(0.0, 1.0, 4, &[0.0, 0.25, 0.5, 0.75, 1.0]);
        check_ticks(-1.0, 1.0, 2, &[-1.0, 0.0, 1.0]);
        assert!(nice_ticks(-f64::MAX / 4.0, f64::MAX / 4.0, 5, false).len() <= 50);
        // bytes tick at powers of two
        let gib = 1024.0 * 1024.0 * 1024.0;
        assert_eq!(
            nice_ticks(0.0, 16.0 * gib, 4, true),
            vec![0.0, 4.0 * gib, 8.0 * gib, 12.0 * gib, 16.0 * gib]
        );
        assert_eq!(log_ticks(1.0, 1000.0, 10.0).first(), Some(&1.0));
        assert!(log_ticks(1.0, 1e6, 10.0).contains(&1e3));
        assert!(time_ticks(0, 1, 0).len() <= 1);
        assert!(time_ticks(0, 3 * HOUR, 660).len() <= 7);
        assert!(time_ticks(0, i64::MAX, 1000).len() <= 60);
        assert!(time_ticks(i64::MIN, i64::MAX, 1000).len() <= 60);
    }

    #[track_caller]
    fn check_range(lo: f64, hi: f64, expect: (f64, f64)) {
        let got = range_num(lo, hi);
        assert!(
            (got.0 - expect.0).abs() < 1e-9 && (got.1 - expect.1).abs() < 1e-9,
            "{lo}..{hi}: {got:?}"
        );
    }

    #[test]
    fn ranges_as_uplot() {
        // 10 % padding; snapped to 0 when the padding crosses it.
        check_range(3.0, 97.0, (0.0, 107.0));
        check_range(40.0, 60.0, (38.0, 62.0));
        check_range(-50.0, -10.0, (-54.0, -6.0));
        check_range(-50.0, -1.0, (-55.0, 0.0));
        check_range(5.0, 5.0, (0.0, 10.0));
        check_range(0.0, 0.0, (0.0, 1.0));
        let mut a = Axis::new("k".into(), "".into(), Side::Left);
        a.include(20.0);
        a.include(30.0);
        a.hard_min = Some(0.0);
        assert_eq!(a.range().0, 0.0, "a hard min is the axis minimum");
        a.soft_max = Some(100.0);
        assert!(a.range().1 >= 100.0, "a soft max is included");
        a.percent = true;
        assert_eq!(a.range(), (0.0, 1.0));
        let mut l = Axis::new("k".into(), "".into(), Side::Left);
        l.log = Some(10.0);
        l.include(3.0);
        l.include(4000.0);
        assert_eq!(l.range(), (1.0, 10_000.0));
        l.hard_min = Some(0.0);
        assert_eq!(l.range().0, 1.0, "a log scale ignores a minimum of 0");
    }
}
