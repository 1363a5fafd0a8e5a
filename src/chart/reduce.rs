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
        "countAll" => Some(points.len() as f64),
        "median" => percentile(vals().collect(), 0.5),
        "variance" => variance(vals()),
        "stdDev" => variance(vals()).map(f64::sqrt),
        "logmin" => vals().filter(|v| *v > 0.0).reduce(f64::min),
        "changeCount" => {
            let v: Vec<f64> = vals().collect();
            Some(v.windows(2).filter(|w| w[0] != w[1]).count() as f64)
        }
        "distinctCount" => {
            let mut v: Vec<f64> = vals().collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            Some(v.len() as f64)
        }
        "allIsZero" => {
            let mut any = false;
            let zero = vals().inspect(|_| any = true).all(|v| v == 0.0);
            Some(if any && zero { 1.0 } else { 0.0 })
        }
        "allIsNull" => Some(if vals().next().is_none() { 1.0 } else { 0.0 }),
        "step" => points
            .windows(2)
            .map(|w| w[1].0 as f64 - w[0].0 as f64)
            .filter(|d| *d > 0.0)
            .reduce(f64::min),
        "diffperc" => {
            let (first, last) = (vals().next()?, vals().next_back()?);
            Some((last - first) / first)
        }
        p if p.len() > 1 && p.starts_with('p') && p[1..].parse::<u32>().is_ok_and(|n| n < 100) => {
            let n = p[1..].parse::<f64>().unwrap_or(50.0);
            percentile(vals().collect(), n / 100.0)
        }
        _ => vals().next_back(),
    }
}

/// Grafana's percentile: `sorted[round((n - 1) * p)]`.
fn percentile(mut v: Vec<f64>, p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v.get(i.min(v.len() - 1)).copied()
}

fn variance(vals: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = vals.collect();
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    Some(v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n)
}

/// Grafana's display name of a calc (`lastNotNull` -> "Last *"), as reduce columns and legends
/// head them; an unknown id is shown as it is.
pub fn calc_name(id: &str) -> String {
    match id.trim() {
        "lastNotNull" | "current" => "Last *",
        "last" => "Last",
        "firstNotNull" => "First *",
        "first" => "First",
        "min" => "Min",
        "max" => "Max",
        "mean" | "avg" => "Mean",
        "median" => "Median",
        "sum" | "total" => "Total",
        "count" => "Count",
        "countAll" => "Count all",
        "range" => "Range",
        "delta" => "Delta",
        "step" => "Step",
        "diff" => "Difference",
        "diffperc" => "Difference percent",
        "logmin" => "Min (above zero)",
        "variance" => "Variance",
        "stdDev" => "StdDev",
        "changeCount" => "Change Count",
        "distinctCount" => "Distinct Count",
        "allIsZero" => "All Zeros",
        "allIsNull" => "All Nulls",
        p if p.len() > 1 && p.starts_with('p') && p[1..].parse::<u32>().is_ok_and(|n| n < 100) => {
            let n = &p[1..];
            let suffix = match n {
                "1" => "st",
                "2" => "nd",
                "3" => "rd",
                _ => "th",
            };
            return format!("{n}{suffix} %");
        }
        other => return other.to_string(),
    }
    .to_string()
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
        check(&[3.0, 1.0, 2.0, 5.0, 4.0], "median", Some(3.0));
        check(&[3.0, 1.0, 2.0, 5.0, 4.0], "p90", Some(5.0));
        check(&[1.0, 1.0, 2.0, 1.0], "changeCount", Some(2.0));
        check(&[1.0, 1.0, 2.0, n], "distinctCount", Some(2.0));
        check(&[0.0, n, 0.0], "allIsZero", Some(1.0));
        check(&[n, n], "allIsNull", Some(1.0));
        check(&[2.0, 4.0], "stdDev", Some(1.0));
        check(&[-1.0, 0.0, 3.0, 2.0], "logmin", Some(2.0));
        assert_eq!(calc_name("lastNotNull"), "Last *");
        assert_eq!(calc_name("p95"), "95th %");
        assert_eq!(calc_name("sum"), "Total");
    }
}
