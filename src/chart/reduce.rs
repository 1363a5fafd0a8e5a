//! Grafana "calcs": reducing a series to one value for stat, gauge and table panels.

use crate::time::Millis;

/// Reduces a series with a Grafana calc id.
///
/// Supported: `lastNotNull` (also `current`, and the fallback for unknown
/// ids), `last`, `firstNotNull`, `first`, `mean` (`avg`), `max`, `min`,
/// `sum` (`total`), `count`, `delta` (increase with counter resets), `diff`,
/// `range`, and Grafana's other reducers: `countAll`, `median`, `variance`, `stdDev`, `step`,
/// `diffperc`, `logmin`, `changeCount`, `distinctCount`, `allIsZero`/`allIsNull` (1 or 0) and the
/// percentiles `p1`…`p99`. NaN counts as null (Grafana's default `nullValueMode: ignore`). Returns `None` when there is no value.
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
        "countAll" => Some(points.len() as f64),
        "median" => {
            let mut v: Vec<f64> = vals().collect();
            v.sort_by(f64::total_cmp);
            let mid = v.len() / 2;
            match v.len() {
                0 => None,
                n if n % 2 == 0 => Some((v.get(mid - 1)? + v.get(mid)?) / 2.0),
                _ => v.get(mid).copied(),
            }
        }
        "variance" | "stdDev" => {
            let (mut mean, mut sq, mut n) = (0.0, 0.0, 0.0);
            for v in vals() {
                n += 1.0;
                let old = mean;
                mean += (v - old) / n;
                sq += (v - old) * (v - mean);
            }
            let var = if n > 0.0 { sq / n } else { 0.0 };
            Some(if calc.trim() == "stdDev" {
                var.sqrt()
            } else {
                var
            })
        }
        // The smallest change between consecutive values (Grafana's "minimum interval between
        // values" is of the values, not of the timestamps).
        "step" => {
            let v: Vec<f64> = vals().collect();
            v.windows(2)
                .filter_map(|w| Some(w.get(1)? - w.first()?))
                .reduce(f64::min)
        }
        // Newer Grafana multiplies by 100 (older releases gave the fraction).
        "diffperc" => {
            let first = vals().next()?;
            Some((vals().next_back()? - first) / first * 100.0)
        }
        "logmin" => vals().filter(|v| *v > 0.0).reduce(f64::min),
        // Nulls (NaN here) are skipped, as with Grafana's default nullValueMode `ignore`.
        "changeCount" => {
            let v: Vec<f64> = vals().collect();
            Some(v.windows(2).filter(|w| w.first() != w.get(1)).count() as f64)
        }
        "distinctCount" => {
            let mut v: Vec<f64> = vals().collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            Some(v.len() as f64)
        }
        "allIsZero" => Some(f64::from(u8::from(
            vals().next().is_some() && vals().all(|v| v == 0.0),
        ))),
        "allIsNull" => Some(f64::from(u8::from(vals().next().is_none()))),
        c if percentile(c).is_some() => {
            let p = percentile(c)?;
            let mut v: Vec<f64> = vals().collect();
            v.sort_by(f64::total_cmp);
            let i = ((v.len() as f64 - 1.0) * p).round();
            (i >= 0.0).then(|| v.get(i as usize).copied()).flatten()
        }
        _ => vals().next_back(),
    }
}

/// `p1`…`p99` as a fraction.
fn percentile(calc: &str) -> Option<f64> {
    let n: u32 = calc.trim().strip_prefix('p')?.parse().ok()?;
    (1..=99).contains(&n).then(|| n as f64 / 100.0)
}

/// Grafana's display name of a calc (`lastNotNull` → "Last *"), as legends, reduce columns and
/// stat titles head them; an unknown id is shown as it is.
pub fn calc_name(id: &str) -> String {
    let t = match id.trim() {
        "lastNotNull" | "current" => "Last *",
        "last" => "Last",
        "firstNotNull" => "First *",
        "first" => "First",
        "min" => "Min",
        "max" => "Max",
        "mean" | "avg" => "Mean",
        "median" => "Median",
        "variance" => "Variance",
        "stdDev" => "StdDev",
        "sum" | "total" => "Total",
        "count" => "Count",
        "countAll" => "Count all",
        "range" => "Range",
        "delta" => "Delta",
        "step" => "Step",
        "diff" => "Difference",
        "diffperc" => "Difference percent",
        "logmin" => "Min (above zero)",
        "allIsZero" => "All Zeros",
        "allIsNull" => "All Nulls",
        "changeCount" => "Change Count",
        "distinctCount" => "Distinct Count",
        other => {
            if let Some(n) = other
                .strip_prefix('p')
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=99).contains(n))
            {
                let th = match n {
                    4..=20 => "th",
                    _ if n % 10 == 1 => "st",
                    _ if n % 10 == 2 => "nd",
                    _ if n % 10 == 3 => "rd",
                    _ => "th",
                };
                return format!("{n}{th} %");
            }
            other
        }
    };
    t.to_string()
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
        check(&[3.0, 1.0, 2.0, 10.0], "median", Some(2.5));
        check(&[3.0, 1.0, 2.0, 5.0, 4.0], "median", Some(3.0));
        check(&[2.0, 4.0], "variance", Some(1.0));
        check(&[2.0, 4.0], "stdDev", Some(1.0));
        check(&[1.0, 4.0, 6.0], "step", Some(2.0));
        check(&[50.0, 75.0], "diffperc", Some(50.0));
        check(&[-1.0, 0.0, 3.0, 2.0], "logmin", Some(2.0));
        check(&[1.0, 1.0, 2.0, 1.0], "changeCount", Some(2.0));
        check(&[1.0, n, 1.0, n], "changeCount", Some(0.0));
        check(&[1.0, 1.0, 2.0, 1.0], "distinctCount", Some(2.0));
        check(&[1.0, 1.0, 2.0, n], "distinctCount", Some(2.0));
        check(&[0.0, 0.0], "allIsZero", Some(1.0));
        check(&[0.0, n, 0.0], "allIsZero", Some(1.0));
        check(&[n], "allIsNull", Some(1.0));
        check(&[1.0, n, 3.0], "countAll", Some(3.0));
        check(&[1.0, 2.0, 3.0, 4.0, 5.0], "p50", Some(3.0));
        check(&[1.0, 2.0, 3.0, 4.0, 5.0], "p99", Some(5.0));
        check(&[3.0, 1.0, 2.0, 5.0, 4.0], "p90", Some(5.0));
        check(&[], "p50", None);
        for (id, title) in [
            ("lastNotNull", "Last *"),
            ("last", "Last"),
            ("mean", "Mean"),
            ("sum", "Total"),
            ("countAll", "Count all"),
            ("p95", "95th %"),
            ("p1", "1st %"),
            ("p12", "12th %"),
            ("p22", "22nd %"),
            ("weird", "weird"),
        ] {
            assert_eq!(calc_name(id), title, "{id}");
        }
    }
}
