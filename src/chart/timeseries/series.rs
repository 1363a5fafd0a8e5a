//! One series' points for the pixels: split where its line breaks (gaps and NaN, unless
//! `spanNulls` connects them), M4-reduced, and its line shaped (`lineInterpolation`).

use super::super::{m4, segments};
use crate::dashboard::field::{LineInterpolation, SpanNulls};
use crate::time::Millis;
use std::ops::Range;

/// What to draw for one series.
pub(crate) enum Pixels {
    /// Polylines (time, value) that may be joined; never across a gap.
    Lines(Vec<Vec<(Millis, f64)>>),
    /// Too many tiny pieces: a min..max bar per pixel column (time, min, max).
    Envelope(Vec<(Millis, f64, f64)>),
}

/// The runs of `points` a line may join: broken at NaN and at gaps wider than 1.5 steps (Grafana's
/// inserted nulls), except that `spanNulls` connects every gap (`Always`) or those up to a length.
pub(super) fn runs(points: &[(Millis, f64)], step_ms: i64, span: SpanNulls) -> Vec<Range<usize>> {
    let segs = segments(points, step_ms);
    if span == SpanNulls::Never {
        return segs;
    }
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in segs {
        let joined = match out.last_mut() {
            Some(prev) => {
                let a = prev.end.checked_sub(1).and_then(|i| points.get(i));
                let b = points.get(r.start);
                let dt = match (a, b) {
                    (Some(a), Some(b)) => b.0 as i128 - a.0 as i128,
                    _ => -1,
                };
                let ok = dt > 0
                    && match span {
                        SpanNulls::Always => true,
                        SpanNulls::UpTo(ms) => dt <= ms as i128,
                        SpanNulls::Never => false,
                    };
                if ok {
                    prev.end = r.end;
                }
                ok
            }
            None => false,
        };
        if !joined {
            out.push(r);
        }
    }
    out
}

/// Splits a series into its runs, M4-reduces each to `columns`, keeps one neighbour just outside
/// `from..to` so lines reach the plot edges.
pub(crate) fn series_pixels(
    points: &[(Millis, f64)],
    step_ms: i64,
    span: SpanNulls,
    from: Millis,
    to: Millis,
    columns: u32,
) -> Pixels {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut total = 0usize;
    for range in runs(points, step_ms, span) {
        let Some(seg) = points.get(range) else {
            continue;
        };
        let lo = seg.partition_point(|p| p.0 < from);
        let hi = seg.partition_point(|p| p.0 <= to);
        // A piece entirely outside the range, with no point inside, is not drawn.
        if lo == hi && (lo == 0 || hi >= seg.len()) {
            continue;
        }
        let mut line = Vec::new();
        let finite = |p: &&(Millis, f64)| p.1.is_finite();
        if let Some(p) = seg.get(..lo).and_then(|s| s.iter().rev().find(finite)) {
            line.push(*p);
        }
        if let Some(inner) = seg.get(lo..hi) {
            line.extend(m4(inner, from, to, columns));
        }
        if let Some(p) = seg.get(hi..).and_then(|s| s.iter().find(finite)) {
            line.push(*p);
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

/// The drawn path through pixel points (x increasing): straight, in steps, or a monotone cubic
/// (uPlot's `spline`), sampled every few pixels.
pub(super) fn shape(pts: &[(f64, f64)], interp: LineInterpolation) -> Vec<(f64, f64)> {
    if pts.len() < 2 {
        return pts.to_vec();
    }
    let mut out = Vec::with_capacity(pts.len() * 2);
    match interp {
        LineInterpolation::Linear => return pts.to_vec(),
        LineInterpolation::StepAfter => {
            for w in pts.windows(2) {
                if let [a, b] = w {
                    out.push(*a);
                    out.push((b.0, a.1));
                }
            }
        }
        LineInterpolation::StepBefore => {
            for w in pts.windows(2) {
                if let [a, b] = w {
                    out.push(*a);
                    out.push((a.0, b.1));
                }
            }
        }
        LineInterpolation::Smooth => return monotone(pts),
    }
    if let Some(l) = pts.last() {
        out.push(*l);
    }
    out
}

/// Fritsch–Carlson monotone cubic through `pts`, as Hermite pieces sampled about every 3 px.
fn monotone(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = pts.len();
    let slope = |i: usize| -> f64 {
        match (pts.get(i), pts.get(i + 1)) {
            (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) / (b.0 - a.0),
            _ => 0.0,
        }
    };
    let d: Vec<f64> = (0..n.saturating_sub(1)).map(slope).collect();
    let mut m: Vec<f64> = (0..n)
        .map(|i| {
            let a = i.checked_sub(1).and_then(|j| d.get(j)).copied();
            let b = d.get(i).copied();
            match (a, b) {
                (Some(a), Some(b)) if a * b > 0.0 => (a + b) / 2.0,
                (Some(_), Some(_)) => 0.0,
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => 0.0,
            }
        })
        .collect();
    for (i, &dk) in d.iter().enumerate() {
        if dk == 0.0 {
            if let Some(x) = m.get_mut(i) {
                *x = 0.0;
            }
            if let Some(x) = m.get_mut(i + 1) {
                *x = 0.0;
            }
            continue;
        }
        let (a, b) = (
            m.get(i).copied().unwrap_or(0.0) / dk,
            m.get(i + 1).copied().unwrap_or(0.0) / dk,
        );
        let h = a * a + b * b;
        if h > 9.0 {
            let t = 3.0 / h.sqrt();
            if let Some(x) = m.get_mut(i) {
                *x = t * a * dk;
            }
            if let Some(x) = m.get_mut(i + 1) {
                *x = t * b * dk;
            }
        }
    }
    let mut out = Vec::with_capacity(n * 2);
    for i in 0..n.saturating_sub(1) {
        let (Some(p), Some(q)) = (pts.get(i), pts.get(i + 1)) else {
            continue;
        };
        out.push(*p);
        let dx = q.0 - p.0;
        let k = ((dx / 3.0) as usize).clamp(1, 16);
        let (m0, m1) = (
            m.get(i).copied().unwrap_or(0.0),
            m.get(i + 1).copied().unwrap_or(0.0),
        );
        for j in 1..k {
            let t = j as f64 / k as f64;
            let (t2, t3) = (t * t, t * t * t);
            let y = (2.0 * t3 - 3.0 * t2 + 1.0) * p.1
                + (t3 - 2.0 * t2 + t) * dx * m0
                + (-2.0 * t3 + 3.0 * t2) * q.1
                + (t3 - t2) * dx * m1;
            out.push((p.0 + t * dx, y));
        }
    }
    if let Some(l) = pts.last() {
        out.push(*l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_lines(points: &[(i64, f64)], step: i64, span: SpanNulls, expect_lines: usize) {
        match series_pixels(points, step, span, 0, 1_000_000, 500) {
            Pixels::Lines(l) => assert_eq!(l.len(), expect_lines, "{l:?}"),
            Pixels::Envelope(_) => panic!("unexpected envelope"),
        }
    }

    #[test]
    fn pixels_break_at_gaps_unless_spanned() {
        let never = SpanNulls::Never;
        check_lines(&[], 10_000, never, 0);
        check_lines(&[(0, 1.0), (10_000, 2.0), (20_000, 3.0)], 10_000, never, 1);
        let gap = [(0, 1.0), (10_000, 2.0), (100_000, 3.0), (110_000, 3.0)];
        check_lines(&gap, 10_000, never, 2);
        check_lines(&gap, 10_000, SpanNulls::Always, 1);
        check_lines(&gap, 10_000, SpanNulls::UpTo(90_000), 1);
        check_lines(&gap, 10_000, SpanNulls::UpTo(60_000), 2);
        let nan = [(0, 1.0), (10_000, f64::NAN), (20_000, 3.0)];
        check_lines(&nan, 10_000, never, 2);
        check_lines(&nan, 10_000, SpanNulls::Always, 1);
        // a piece completely before the range is dropped, the neighbour is kept
        check_lines(
            &[(-50_000, 1.0), (-10_000, 1.0), (0, 2.0)],
            10_000,
            never,
            1,
        );
        check_lines(&[(-90_000, 1.0), (-80_000, 1.0)], 10_000, never, 0);
    }

    #[test]
    fn many_fragments_become_an_envelope() {
        let p: Vec<(Millis, f64)> = (0..100_000)
            .map(|i| (i * 10, if i % 2 == 0 { 1.0 } else { f64::NAN }))
            .collect();
        match series_pixels(&p, 10, SpanNulls::Never, 0, 1_000_000, 100) {
            Pixels::Envelope(e) => assert!(e.len() <= 100),
            Pixels::Lines(l) => panic!("{} lines", l.len()),
        }
    }

    #[track_caller]
    fn check_shape(interp: LineInterpolation, expect: &[(f64, f64)]) {
        let pts = [(0.0, 10.0), (2.0, 20.0), (3.0, 5.0)];
        assert_eq!(shape(&pts, interp), expect, "{interp:?}");
    }

    #[test]
    fn interpolations() {
        let lin = [(0.0, 10.0), (2.0, 20.0), (3.0, 5.0)];
        check_shape(LineInterpolation::Linear, &lin);
        check_shape(
            LineInterpolation::StepAfter,
            &[
                (0.0, 10.0),
                (2.0, 10.0),
                (2.0, 20.0),
                (3.0, 20.0),
                (3.0, 5.0),
            ],
        );
        check_shape(
            LineInterpolation::StepBefore,
            &[
                (0.0, 10.0),
                (0.0, 20.0),
                (2.0, 20.0),
                (2.0, 5.0),
                (3.0, 5.0),
            ],
        );
        // Smooth passes through every point and never overshoots between monotone ones.
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64 * 30.0, (i * i) as f64)).collect();
        let s = shape(&pts, LineInterpolation::Smooth);
        assert!(pts.iter().all(|p| s.contains(p)));
        assert!(s.windows(2).all(|w| w[1].1 >= w[0].1 - 1e-9), "{s:?}");
    }
}
