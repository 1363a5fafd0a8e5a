//! Data reduction before drawing: M4 downsampling and line segmentation at gaps.
//!
//! M4 (Jugel et al., PVLDB 7(10), 2014) keeps the first, last, minimum and
//! maximum point of every pixel column, which draws the same line as the raw
//! data while handing the renderer at most 4 points per column.

use crate::time::Millis;
use std::ops::Range;

/// M4-reduces `points` (sorted by time) to at most 4 points per pixel column
/// of the range `from..=to` split into `columns` columns.
///
/// Points outside `from..=to` are dropped; non-finite values are dropped
/// (split the series with [`segments`] first to keep breaks). Single pass, O(n).
pub fn m4(points: &[(Millis, f64)], from: Millis, to: Millis, columns: u32) -> Vec<(Millis, f64)> {
    let columns = columns.max(1) as i128;
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    let span = (to as i128 - from as i128).max(1);
    let mut out = Vec::new();
    let mut cur: Option<Bucket> = None;
    for (i, &(t, v)) in points.iter().enumerate() {
        if t < from || t > to || !v.is_finite() {
            continue;
        }
        let col = (((t as i128 - from as i128) * columns) / span).min(columns - 1);
        match cur.as_mut() {
            Some(b) if b.col == col => b.add(i, v),
            _ => {
                if let Some(b) = cur.take() {
                    b.emit(points, &mut out);
                }
                cur = Some(Bucket::new(col, i, v));
            }
        }
    }
    if let Some(b) = cur {
        b.emit(points, &mut out);
    }
    out
}

/// First, min, max and last point of one pixel column (indices into the input).
struct Bucket {
    col: i128,
    first: usize,
    last: usize,
    min: (usize, f64),
    max: (usize, f64),
}

impl Bucket {
    fn new(col: i128, i: usize, v: f64) -> Self {
        Bucket {
            col,
            first: i,
            last: i,
            min: (i, v),
            max: (i, v),
        }
    }
    fn add(&mut self, i: usize, v: f64) {
        self.last = i;
        if v < self.min.1 {
            self.min = (i, v);
        }
        if v > self.max.1 {
            self.max = (i, v);
        }
    }
    fn emit(&self, points: &[(Millis, f64)], out: &mut Vec<(Millis, f64)>) {
        let mut idx = [self.first, self.min.0, self.max.0, self.last];
        idx.sort_unstable();
        let mut prev = None;
        for i in idx {
            if prev == Some(i) {
                continue;
            }
            prev = Some(i);
            if let Some(p) = points.get(i) {
                out.push(*p);
            }
        }
    }
}

/// Splits `points` into runs that may be joined by a line: a run ends at a
/// non-finite value, at a timestamp that does not increase, or at a gap wider
/// than 1.5 × `step_ms` (or 2 × the median spacing when `step_ms` <= 0).
/// Returns index ranges of finite points; a line must never cross between runs.
pub fn segments(points: &[(Millis, f64)], step_ms: i64) -> Vec<Range<usize>> {
    let max_gap: i128 = if step_ms > 0 {
        (step_ms as i128 * 3 + 1) / 2
    } else {
        median_spacing(points)
            .map(|m| m as i128 * 2)
            .unwrap_or(i128::MAX)
    };
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut prev_t: Millis = 0;
    for (i, &(t, v)) in points.iter().enumerate() {
        if !v.is_finite() {
            if let Some(s) = start.take() {
                out.push(s..i);
            }
            continue;
        }
        if let Some(s) = start {
            let dt = t as i128 - prev_t as i128;
            if dt <= 0 || dt > max_gap {
                out.push(s..i);
                start = Some(i);
            }
        } else {
            start = Some(i);
        }
        prev_t = t;
    }
    if let Some(s) = start {
        out.push(s..points.len());
    }
    out
}

/// Median of positive spacings between consecutive finite points, estimated on
/// at most ~10k evenly spread pairs so that huge series stay O(n).
fn median_spacing(points: &[(Millis, f64)]) -> Option<i64> {
    let n = points.len();
    if n < 2 {
        return None;
    }
    let stride = (n / 10_000).max(1);
    let mut diffs: Vec<i64> = (1..n)
        .step_by(stride)
        .filter_map(|i| {
            let a = points.get(i - 1)?;
            let b = points.get(i)?;
            let d = b.0.checked_sub(a.0)?;
            (d > 0 && a.1.is_finite() && b.1.is_finite()).then_some(d)
        })
        .collect();
    if diffs.is_empty() {
        return None;
    }
    let mid = diffs.len() / 2;
    let (_, m, _) = diffs.select_nth_unstable(mid);
    Some(*m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(i64, f64)]) -> Vec<(Millis, f64)> {
        v.to_vec()
    }

    #[track_caller]
    fn check_m4(input: &[(i64, f64)], from: i64, to: i64, cols: u32, expect: &[(i64, f64)]) {
        assert_eq!(m4(&pts(input), from, to, cols), pts(expect));
    }

    #[test]
    fn m4_exact_small() {
        check_m4(&[], 0, 10, 5, &[]);
        check_m4(&[(1, 1.0)], 0, 10, 5, &[(1, 1.0)]);
        // one column: first, min, max, last in time order
        check_m4(
            &[(0, 5.0), (1, 9.0), (2, 1.0), (3, 4.0), (4, 6.0)],
            0,
            4,
            1,
            &[(0, 5.0), (1, 9.0), (2, 1.0), (4, 6.0)],
        );
        // two columns of 5 ms
        check_m4(
            &[(0, 1.0), (1, 3.0), (2, 2.0), (5, 7.0), (6, 0.0), (9, 8.0)],
            0,
            10,
            2,
            &[(0, 1.0), (1, 3.0), (2, 2.0), (5, 7.0), (6, 0.0), (9, 8.0)],
        );
        // out of range and non-finite points dropped
        check_m4(
            &[(-5, 1.0), (1, f64::NAN), (2, 2.0), (20, 3.0)],
            0,
            10,
            10,
            &[(2, 2.0)],
        );
        // from > to is accepted
        check_m4(&[(1, 1.0), (2, 2.0)], 10, 0, 1, &[(1, 1.0), (2, 2.0)]);
        // zero columns treated as one
        check_m4(
            &[(1, 1.0), (2, 2.0), (3, 0.5)],
            0,
            3,
            0,
            &[(1, 1.0), (2, 2.0), (3, 0.5)],
        );
    }

    #[test]
    fn m4_bounds_and_extremes() {
        let n = 100_000;
        let p: Vec<(Millis, f64)> = (0..n).map(|i| (i, ((i * 7919) % 1000) as f64)).collect();
        for cols in [1u32, 7, 100, 999, 5000] {
            let r = m4(&p, 0, n - 1, cols);
            assert!(r.len() <= 4 * cols as usize, "cols {cols}: {}", r.len());
            assert_eq!(r.first(), p.first());
            assert_eq!(r.last(), p.last());
            let max = r.iter().map(|x| x.1).fold(f64::MIN, f64::max);
            let min = r.iter().map(|x| x.1).fold(f64::MAX, f64::min);
            assert_eq!((min, max), (0.0, 999.0));
            assert!(r.windows(2).all(|w| w[0].0 < w[1].0), "sorted by time");
        }
    }

    #[test]
    fn m4_ten_million_is_fast() {
        let p: Vec<(Millis, f64)> = (0..10_000_000i64)
            .map(|i| (i * 1000, (i % 97) as f64))
            .collect();
        let t = std::time::Instant::now();
        let segs = segments(&p, 1000);
        let r = m4(&p, 0, 10_000_000_000, 1920);
        assert_eq!(segs.len(), 1);
        assert!(r.len() <= 4 * 1920);
        assert!(t.elapsed().as_secs_f64() < 5.0, "took {:?}", t.elapsed());
    }

    #[track_caller]
    fn check_seg(input: &[(i64, f64)], step: i64, expect: &[Range<usize>]) {
        assert_eq!(segments(&pts(input), step), expect.to_vec());
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn gaps_break_lines() {
        let nan = f64::NAN;
        check_seg(&[], 10, &[]);
        check_seg(&[(0, 1.0)], 10, &[0..1]);
        check_seg(&[(0, 1.0), (10, 1.0), (20, 1.0)], 10, &[0..3]);
        check_seg(&[(0, 1.0), (10, 1.0), (15, 1.0)], 10, &[0..3]);
        // 15 = 1.5 step still joined, 16 is a gap
        check_seg(&[(0, 1.0), (15, 1.0), (31, 1.0)], 10, &[0..2, 2..3]);
        check_seg(
            &[(0, 1.0), (10, 1.0), (60, 1.0), (70, 1.0)],
            10,
            &[0..2, 2..4],
        );
        check_seg(&[(0, 1.0), (10, nan), (20, 1.0)], 10, &[0..1, 2..3]);
        check_seg(
            &[(0, f64::INFINITY), (10, 2.0), (20, f64::NEG_INFINITY)],
            10,
            &[1..2],
        );
        check_seg(&[(0, nan), (10, nan)], 10, &[]);
        // time going backwards or repeating breaks too
        check_seg(
            &[(0, 1.0), (10, 1.0), (5, 1.0), (5, 2.0)],
            10,
            &[0..2, 2..3, 3..4],
        );
        // step 0: 2 x median spacing (10) = 20
        check_seg(
            &[
                (0, 1.0),
                (10, 1.0),
                (20, 1.0),
                (40, 1.0),
                (61, 1.0),
                (71, 1.0),
            ],
            0,
            &[0..4, 4..6],
        );
        check_seg(&[(0, 1.0), (1000, 1.0)], 0, &[0..2]);
    }
}
