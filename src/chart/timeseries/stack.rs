//! Stacking, as Grafana's `preparePlotData2` stacks, but on an aligned grid of at most a few
//! buckets per pixel column, never on the raw samples: the series of a group are first put on one
//! time grid ([`align`]) and then accumulated ([`stack`]).

use crate::time::Millis;

/// Series of one stack group on one time grid.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Grid {
    pub times: Vec<Millis>,
    /// Per series, its value in each bucket (NaN: none).
    pub values: Vec<Vec<f64>>,
}

/// One series of a group to align: its points (sorted by time), the sign it is drawn with
/// (−1 for `negative-Y`) and its query step.
pub(super) struct Input<'a> {
    pub points: &'a [(Millis, f64)],
    pub sign: f64,
    pub step_ms: i64,
}

/// Puts the series on one grid over `from..to` (plus a bucket beyond each end, so lines reach the
/// edges). A bucket is the series' step when that is at least a pixel column (the samples keep
/// their own times: Prometheus series of one panel share the step grid), else a pixel column, whose
/// value is the mean of the samples in it, as Grafana's own query step would average them. At most
/// `columns + 3` buckets, whatever the number of samples.
pub(super) fn align(series: &[Input<'_>], from: Millis, to: Millis, columns: u32) -> Grid {
    let span = (to as f64 - from as f64).max(1.0);
    let col = span / columns.max(1) as f64;
    let step = series
        .iter()
        .map(|s| s.step_ms)
        .filter(|s| *s > 0)
        .min()
        .unwrap_or(0) as f64;
    let w = step.max(col);
    // The reference time: the first sample in range when buckets are steps (so samples sit in the
    // middle of their bucket), else the middle of the first column.
    let reference = if step >= col {
        series
            .iter()
            .filter_map(|s| {
                let i = s.points.partition_point(|p| p.0 < from);
                s.points.get(i).map(|p| p.0 as f64)
            })
            .reduce(f64::min)
            .unwrap_or(from as f64)
    } else {
        from as f64 + w / 2.0
    };
    let bucket = |t: f64| ((t - reference) / w).round();
    let first = bucket(from as f64 - w);
    let last = bucket(to as f64 + w);
    let len = ((last - first).max(0.0) as usize + 1).min(columns as usize + 4);
    let times: Vec<Millis> = (0..len)
        .map(|b| (reference + (first + b as f64) * w).round() as Millis)
        .collect();
    let lo = from.saturating_sub(w.ceil() as i64);
    let hi = to.saturating_add(w.ceil() as i64);
    let values = series
        .iter()
        .map(|s| {
            let mut sum = vec![0.0; len];
            let mut n = vec![0u32; len];
            let a = s.points.partition_point(|p| p.0 < lo);
            let b = s.points.partition_point(|p| p.0 <= hi);
            for &(t, v) in s.points.get(a..b).unwrap_or(&[]) {
                if !v.is_finite() {
                    continue;
                }
                let k = bucket(t as f64) - first;
                if k >= 0.0 && (k as usize) < len {
                    let k = k as usize;
                    if let (Some(x), Some(c)) = (sum.get_mut(k), n.get_mut(k)) {
                        *x += v * s.sign;
                        *c += 1;
                    }
                }
            }
            sum.iter()
                .zip(&n)
                .map(|(s, c)| if *c > 0 { s / *c as f64 } else { f64::NAN })
                .collect()
        })
        .collect();
    Grid { times, values }
}

/// The band a stacked series covers: its bottom and top in each bucket (NaN: not drawn there).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Band {
    pub bottom: Vec<f64>,
    pub top: Vec<f64>,
}

/// Stacks `values` (series × buckets) in order. A series without a value where another of the
/// group has one adds nothing there; where none has one the stack breaks. `percent`: every band
/// divided by the total of its bucket (0..1, or 0..-1 for a downward group, `dir` = −1).
pub(super) fn stack(values: &[Vec<f64>], percent: bool, dir: f64) -> Vec<Band> {
    let len = values.iter().map(Vec::len).max().unwrap_or(0);
    let any: Vec<bool> = (0..len)
        .map(|b| {
            values
                .iter()
                .any(|v| v.get(b).is_some_and(|x| x.is_finite()))
        })
        .collect();
    let mut accum = vec![0.0; len];
    let mut bands: Vec<Band> = values
        .iter()
        .map(|v| {
            let mut bottom = vec![f64::NAN; len];
            let mut top = vec![f64::NAN; len];
            for b in 0..len {
                if !any.get(b).copied().unwrap_or(false) {
                    continue;
                }
                let (Some(acc), Some(lo), Some(hi)) =
                    (accum.get_mut(b), bottom.get_mut(b), top.get_mut(b))
                else {
                    continue;
                };
                *lo = *acc;
                if let Some(x) = v.get(b).filter(|x| x.is_finite()) {
                    *acc += x;
                }
                *hi = *acc;
            }
            Band { bottom, top }
        })
        .collect();
    if percent {
        for band in &mut bands {
            for (b, total) in accum.iter().enumerate() {
                for x in [band.bottom.get_mut(b), band.top.get_mut(b)]
                    .into_iter()
                    .flatten()
                {
                    if x.is_finite() {
                        *x = if *total == 0.0 {
                            0.0
                        } else {
                            dir * (*x / total)
                        };
                    }
                }
            }
        }
    }
    bands
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: f64 = f64::NAN;

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9)
    }

    #[track_caller]
    fn check(values: &[&[f64]], percent: bool, dir: f64, tops: &[&[f64]]) {
        let v: Vec<Vec<f64>> = values.iter().map(|v| v.to_vec()).collect();
        let bands = stack(&v, percent, dir);
        for (i, (band, want)) in bands.iter().zip(tops).enumerate() {
            assert!(
                same(&band.top, want),
                "series {i}: top {:?}, want {want:?}",
                band.top
            );
        }
        // Each band starts where the one below it ends.
        for w in bands.windows(2) {
            if let [a, b] = w {
                assert!(same(&a.top, &b.bottom), "{:?} / {:?}", a.top, b.bottom);
            }
        }
    }

    #[test]
    fn normal_and_percent_stacks() {
        check(
            &[&[1.0, 2.0], &[3.0, 2.0]],
            false,
            1.0,
            &[&[1.0, 2.0], &[4.0, 4.0]],
        );
        // A missing value adds nothing where another series has one; no value at all breaks.
        check(
            &[&[1.0, N, N], &[3.0, 2.0, N]],
            false,
            1.0,
            &[&[1.0, 0.0, N], &[4.0, 2.0, N]],
        );
        // Percent: the top series ends at 100 % at every x.
        check(
            &[&[1.0, 30.0, 0.0], &[3.0, 10.0, 0.0]],
            true,
            1.0,
            &[&[0.25, 0.75, 0.0], &[1.0, 1.0, 0.0]],
        );
        // Downward (negative-Y) groups stack below zero.
        check(&[&[-1.0], &[-3.0]], true, -1.0, &[&[-0.25], &[-1.0]]);
        check(&[&[-1.0], &[-3.0]], false, -1.0, &[&[-1.0], &[-4.0]]);
        check(&[], false, 1.0, &[]);
    }

    #[test]
    fn percent_stack_sums_to_one_at_every_bucket() {
        let values: Vec<Vec<f64>> = (0..6)
            .map(|s| {
                (0..500)
                    .map(|b| ((b * 7 + s * 13) % 17) as f64 + 0.5)
                    .collect()
            })
            .collect();
        let bands = stack(&values, true, 1.0);
        let top = bands.last().map(|b| b.top.clone()).unwrap_or_default();
        assert_eq!(top.len(), 500);
        assert!(top.iter().all(|t| (t - 1.0).abs() < 1e-12), "{top:?}");
    }

    #[test]
    fn align_on_steps_and_on_columns() {
        // Two series on the same 10 s grid: one bucket per sample, values kept.
        let a: Vec<(Millis, f64)> = (0..=10).map(|i| (i * 10_000, 1.0)).collect();
        let b: Vec<(Millis, f64)> = (0..=10).map(|i| (i * 10_000, 2.0)).collect();
        let g = align(
            &[
                Input {
                    points: &a,
                    sign: 1.0,
                    step_ms: 10_000,
                },
                Input {
                    points: &b,
                    sign: -1.0,
                    step_ms: 10_000,
                },
            ],
            0,
            100_000,
            1000,
        );
        let inside: Vec<usize> = (0..g.times.len())
            .filter(|&i| g.times.get(i).is_some_and(|t| (0..=100_000).contains(t)))
            .collect();
        assert_eq!(inside.len(), 11, "{:?}", g.times);
        for i in inside {
            assert_eq!(g.values.first().and_then(|v| v.get(i)), Some(&1.0));
            assert_eq!(
                g.values.get(1).and_then(|v| v.get(i)),
                Some(&-2.0),
                "signed"
            );
        }
        // A million samples over 100 columns: at most columns + 4 buckets, means kept.
        let big: Vec<(Millis, f64)> = (0..1_000_000).map(|i| (i, (i % 2) as f64)).collect();
        let g = align(
            &[Input {
                points: &big,
                sign: 1.0,
                step_ms: 1,
            }],
            0,
            1_000_000,
            100,
        );
        assert!(g.times.len() <= 104, "{}", g.times.len());
        let mid = g
            .values
            .first()
            .and_then(|v| v.get(50))
            .copied()
            .unwrap_or(N);
        assert!((mid - 0.5).abs() < 1e-3, "{mid}");
    }
}
