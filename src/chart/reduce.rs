//! Grafana "calcs": reducing a series to one value for stat, gauge and table panels.

use crate::time::Millis;

/// Reduces a series with a Grafana calc id.
///
/// Supported: `lastNotNull` (also `current`, and the fallback for unknown
/// ids), `last`, `firstNotNull`, `first`, `mean` (`avg`), `max`, `min`,
/// `sum` (`total`), `count`, `delta` (increase with counter resets), `diff`,
/// `range`. NaN counts as null. Returns `None` when there is no value.
pub fn reduce(points: &[(Millis, f64)], calc: &str) -> Option<f64> {
    let vals = || points.iter().map(|p| p.1).filter(|v| !v.is_nan());
    match calc.trim() {
        "last" => points.last().map(|p| p.1).filter(|v| !v.is_nan()),
        "first" => points.first().map(|p| p.1).filter(|v| !v.is_nan()),
        "firstNotNull" => vals().next(),
        "mean" | "avg" => {
            let (sum, n) = vals().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            (n > 0).then(|| sum / n as f64)
        }
        "max" => vals().reduce(f64::max),
        "min" => vals().reduce(f64::min),
        "sum" | "total" => {
            let mut any = false;
            let s = vals().inspect(|_| any = true).sum::<f64>();
            any.then_some(s)
        }
        "count" => Some(vals().count() as f64),
        "range" => Some(vals().reduce(f64::max)? - vals().reduce(f64::min)?),
        "diff" => Some(vals().next_back()? - vals().next()?),
        "delta" => {
            let mut it = vals();
            let mut prev = it.next()?;
            let mut total = 0.0;
            for v in it {
                total += if v >= prev { v - prev } else { v };
                prev = v;
            }
            Some(total)
        }
        _ => vals().next_back(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(values: &[f64], calc: &str, expect: Option<f64>) {
        let pts: Vec<(Millis, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as i64 * 1000, *v))
            .collect();
        assert_eq!(reduce(&pts, calc), expect, "calc {calc} on {values:?}");
    }

    #[test]
    fn calcs() {
        let n = f64::NAN;
        check(&[], "lastNotNull", None);
        check(&[n, n], "lastNotNull", None);
        check(&[1.0, 2.0, n], "lastNotNull", Some(2.0));
        check(&[1.0, 2.0, n], "current", Some(2.0));
        check(&[1.0, 2.0, n], "nonsense", Some(2.0));
        check(&[1.0, 2.0, n], "last", None);
        check(&[1.0, 2.0, 3.0], "last", Some(3.0));
        check(&[n, 2.0, 3.0], "first", None);
        check(&[n, 2.0, 3.0], "firstNotNull", Some(2.0));
        check(&[1.0, n, 3.0], "mean", Some(2.0));
        check(&[], "mean", None);
        check(&[1.0, 5.0, 3.0], "max", Some(5.0));
        check(&[1.0, 5.0, -3.0], "min", Some(-3.0));
        check(&[1.0, 5.0, n], "sum", Some(6.0));
        check(&[n], "sum", None);
        check(&[1.0, n, 3.0], "count", Some(2.0));
        check(&[], "count", Some(0.0));
        check(&[4.0, 1.0, 9.0], "range", Some(8.0));
        check(&[4.0, 1.0, 9.0], "diff", Some(5.0));
        check(&[10.0, 15.0, 3.0, 5.0], "delta", Some(10.0));
        check(&[7.0], "delta", Some(0.0));
        check(&[1.0, f64::INFINITY], "max", Some(f64::INFINITY));
    }
}
