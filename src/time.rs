//! Time helpers: the engine counts milliseconds since the Unix epoch (UTC) everywhere.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The longest duration accepted anywhere (config, command line, dashboards): 100 years of 365
/// days. Longer ones are refused rather than wrapped around.
pub const MAX_DURATION_MS: i64 = 100 * 365 * 86_400_000;

/// The earliest time accepted: the Unix epoch (1970-01-01T00:00:00Z).
pub const MIN_TIME_MS: Millis = 0;

/// The latest time accepted: 9999-12-31T23:59:59.999Z.
pub const MAX_TIME_MS: Millis = 253_402_300_799_999;

/// Parses a Prometheus/Grafana duration such as `30s`, `5m`, `1h30m`, `2d`, `1w`, `250ms`, `1y`.
/// Returns milliseconds. A bare number is seconds. `None` when it is not a duration or is longer
/// than [`MAX_DURATION_MS`] (100 years).
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        let ms = (secs * 1000.0).round();
        // Also refuses NaN, infinities and negative numbers.
        if (0.0..=MAX_DURATION_MS as f64).contains(&ms) {
            return Some(ms as i64);
        }
        return None;
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: i64 = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return None;
        }
        let n: i64 = s.get(start..i)?.parse().ok()?;
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = match s.get(ustart..i)? {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "y" => 365 * 86_400_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        if total > MAX_DURATION_MS {
            return None;
        }
    }
    Some(total)
}

/// Formats milliseconds as the shortest Prometheus duration (`90000` -> `1m30s`).
pub fn format_duration_ms(ms: i64) -> String {
    if ms <= 0 {
        return "0s".into();
    }
    let units = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let mut rest = ms;
    let mut out = String::new();
    for (name, size) in units {
        if rest >= size {
            out.push_str(&format!("{}{}", rest / size, name));
            rest %= size;
        }
    }
    out
}

/// Parses a time given on the command line or in a dashboard: `now`, `now-6h`, `-6h`, `now-1d/d`
/// (rounding is ignored), RFC 3339, or Unix seconds. The result always lies within
/// [`MIN_TIME_MS`]..=[`MAX_TIME_MS`] (years 1970 to 9999): a relative time past a bound is that
/// bound (`now-100y` is "since 1970"), an absolute time outside them is `None`, and so is an offset
/// longer than [`MAX_DURATION_MS`].
pub fn parse_time(s: &str, now: Millis) -> Option<Millis> {
    let s = s.trim();
    let now = now.clamp(MIN_TIME_MS, MAX_TIME_MS);
    if s == "now" {
        return Some(now);
    }
    let in_range = |t: Millis| (MIN_TIME_MS..=MAX_TIME_MS).contains(&t).then_some(t);
    let bounded = |t: Millis| t.clamp(MIN_TIME_MS, MAX_TIME_MS);
    let rel = s.strip_prefix("now").unwrap_or(s);
    let rel = rel.split('/').next().unwrap_or(rel);
    if let Some(d) = rel.strip_prefix('-') {
        return parse_duration_ms(d).map(|d| bounded(now.saturating_sub(d)));
    }
    if let Some(d) = rel.strip_prefix('+') {
        return parse_duration_ms(d).map(|d| bounded(now.saturating_add(d)));
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return in_range(dt.timestamp_millis());
    }
    if let Ok(secs) = s.parse::<f64>() {
        let ms = secs * 1000.0;
        // Also refuses NaN and infinities.
        if (MIN_TIME_MS as f64..=MAX_TIME_MS as f64).contains(&ms) {
            return Some(ms as i64);
        }
    }
    None
}

/// RFC 3339 in UTC with milliseconds, as Alertmanager and Prometheus accept.
pub fn to_rfc3339(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parses RFC 3339; Alertmanager's zero time `0001-01-01T00:00:00Z` becomes `None`.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    let ms = dt.timestamp_millis();
    if ms <= 0 {
        None
    } else {
        Some(ms)
    }
}

/// Local wall-clock `HH:MM` for "last good data 14:02" messages.
pub fn local_hhmm(ms: Millis) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms) {
        chrono::LocalResult::Single(t) => t.format("%H:%M").to_string(),
        _ => "--:--".into(),
    }
}

/// Local `YYYY-MM-DD HH:MM:SS`.
pub fn local_datetime(ms: Millis) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms) {
        chrono::LocalResult::Single(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => "----".into(),
    }
}

/// "3 min", "2 h 5 min", "4 d 1 h": how long ago / how long, for people.
pub fn human_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 86_400 {
        let m = (s % 3600) / 60;
        if m == 0 {
            format!("{} h", s / 3600)
        } else {
            format!("{} h {} min", s / 3600, m)
        }
    } else {
        let h = (s % 86_400) / 3600;
        if h == 0 {
            format!("{} d", s / 86_400)
        } else {
            format!("{} d {} h", s / 86_400, h)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_dur(input: &str, expect: Option<i64>) {
        assert_eq!(parse_duration_ms(input), expect, "input {input:?}");
    }

    #[test]
    fn durations() {
        check_dur("30s", Some(30_000));
        check_dur("1h30m", Some(5_400_000));
        check_dur("250ms", Some(250));
        check_dur("2d", Some(172_800_000));
        check_dur("15", Some(15_000));
        check_dur("1.5", Some(1_500));
        check_dur("", None);
        check_dur("5x", None);
        check_dur("m", None);
        check_dur("-5s", None);
        check_dur("99999999999999999999d", None);
        assert_eq!(format_duration_ms(90_000), "1m30s");
        assert_eq!(format_duration_ms(15_000), "15s");
    }

    #[test]
    fn times() {
        let now = 1_700_000_000_000;
        assert_eq!(parse_time("now", now), Some(now));
        assert_eq!(parse_time("now-6h", now), Some(now - 6 * 3_600_000));
        assert_eq!(parse_time("-15m", now), Some(now - 900_000));
        assert_eq!(parse_time("now-1d/d", now), Some(now - 86_400_000));
        assert_eq!(
            parse_time("2023-11-14T22:13:20Z", now),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_time("garbage", now), None);
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(human_duration(125_000), "2 min");
        assert_eq!(human_duration(3_900_000), "1 h 5 min");
    }

    /// Hardening #14.1: `step = "1e12"`, `--to +9223372036854775807ms`, `history --since …` and
    /// `ack --for 1e300` were parsed without bounds and then added or multiplied unchecked: a panic
    /// in debug builds, a wrapped-around time in release builds.
    #[test]
    fn unbounded_durations_and_times_are_refused_not_wrapped() {
        check_dur("1e12", None);
        check_dur("1e300", None);
        check_dur("inf", None);
        check_dur("NaN", None);
        check_dur("9223372036854775807ms", None);
        check_dur("100y", Some(MAX_DURATION_MS));
        check_dur("100y1ms", None);
        check_dur("5000w", Some(5000 * 7 * 86_400_000));
        check_dur("53000w", None);
        let now = 1_700_000_000_000;
        assert_eq!(parse_time("+9223372036854775807ms", now), None);
        assert_eq!(parse_time("now+1e300", now), None);
        assert_eq!(parse_time("1e300", now), None);
        assert_eq!(parse_time("-1e300", now), None);
        assert_eq!(parse_time("now-100y", now), Some(MIN_TIME_MS), "since 1970");
        assert_eq!(parse_time("now+100y", MAX_TIME_MS - 5), Some(MAX_TIME_MS));
        assert_eq!(parse_time("now", i64::MAX), Some(MAX_TIME_MS));
        assert_eq!(parse_time("-5m", i64::MIN), Some(MIN_TIME_MS));
        assert_eq!(parse_time("+5m", i64::MAX), Some(MAX_TIME_MS));
        assert_eq!(parse_time("1850-01-01T00:00:00Z", now), None);
        assert_eq!(
            parse_time("9999-12-31T23:59:59.999Z", now),
            Some(MAX_TIME_MS)
        );
        assert_eq!(parse_time("253402300800", now), None, "year 10000");
        assert_eq!(parse_time("1700000000", now), Some(now));
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        /// Text that looks like durations and times, so the search reaches the arithmetic.
        fn time_like() -> impl Strategy<Value = String> {
            prop_oneof![
                ".*",
                "(now)?[+-]?([0-9]{1,22}(ms|s|m|h|d|w|y)){1,4}(/[dhwMy])?",
                "(now)?[+-]?[0-9]{0,20}(\\.[0-9]{0,20})?(e[+-]?[0-9]{1,4})?",
                "[+-]?[0-9]{1,6}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            /// Hardening #14.1: parsing never panics and never leaves the bounds.
            #[test]
            fn durations_and_times_stay_within_bounds(s in time_like(), now in any::<i64>()) {
                if let Some(d) = parse_duration_ms(&s) {
                    prop_assert!((0..=MAX_DURATION_MS).contains(&d), "{s:?} -> {d}");
                }
                if let Some(t) = parse_time(&s, now) {
                    prop_assert!((MIN_TIME_MS..=MAX_TIME_MS).contains(&t), "{s:?} at {now} -> {t}");
                }
                let _ = parse_rfc3339(&s);
            }
        }
    }
}
