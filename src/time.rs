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

/// Parses a Prometheus/Grafana duration such as `30s`, `5m`, `1h30m`, `2d`, `1w`, `250ms`, `1y`.
/// Returns milliseconds. A bare number is seconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some((secs * 1000.0).round() as i64);
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
        let n: i64 = s[start..i].parse().ok()?;
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = match &s[ustart..i] {
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
/// (rounding is ignored), RFC 3339, or Unix seconds.
pub fn parse_time(s: &str, now: Millis) -> Option<Millis> {
    let s = s.trim();
    if s == "now" {
        return Some(now);
    }
    let rel = s.strip_prefix("now").unwrap_or(s);
    let rel = rel.split('/').next().unwrap_or(rel);
    if let Some(d) = rel.strip_prefix('-') {
        return parse_duration_ms(d).map(|d| now - d);
    }
    if let Some(d) = rel.strip_prefix('+') {
        return parse_duration_ms(d).map(|d| now + d);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() {
            return Some((secs * 1000.0) as i64);
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
}
