//! Value formatting for Grafana unit ids (`bytes`, `percent`, `s`, `reqps`...).

/// Formats `v` for display in unit `unit` (a Grafana unit id, `""` = none).
///
/// `decimals` fixes the number of decimals; `None` gives three significant
/// digits with trailing zeros trimmed. NaN gives `NaN`, infinities `+Inf`/`-Inf`.
/// An unknown unit id is appended as a suffix, so nothing is silently hidden.
pub fn format_value(v: f64, unit: &str, decimals: Option<u32>) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let d = decimals.map(|d| d.min(12));
    let unit = unit.trim();
    match unit {
        "" | "none" => plain(v, d),
        "short" => scaled(v, d, 1000.0, &["", " k", " M", " G", " T", " P", " E"], ""),
        "percent" => format!("{}%", plain(v, d)),
        "percentunit" => format!("{}%", plain(v * 100.0, d)),
        "bytes" => scaled(
            v,
            d,
            1024.0,
            &[" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"],
            "",
        ),
        "decbytes" => scaled(
            v,
            d,
            1000.0,
            &[" B", " kB", " MB", " GB", " TB", " PB", " EB"],
            "",
        ),
        "bits" => scaled(
            v,
            d,
            1024.0,
            &[" b", " Kib", " Mib", " Gib", " Tib", " Pib", " Eib"],
            "",
        ),
        "decbits" => scaled(
            v,
            d,
            1000.0,
            &[" b", " kb", " Mb", " Gb", " Tb", " Pb", " Eb"],
            "",
        ),
        "bps" => scaled(
            v,
            d,
            1000.0,
            &[" bps", " kbps", " Mbps", " Gbps", " Tbps", " Pbps"],
            "",
        ),
        "binbps" => scaled(
            v,
            d,
            1024.0,
            &[" b/s", " Kib/s", " Mib/s", " Gib/s", " Tib/s"],
            "",
        ),
        "Bps" | "decBps" => scaled(
            v,
            d,
            1000.0,
            &[" B/s", " kB/s", " MB/s", " GB/s", " TB/s", " PB/s"],
            "",
        ),
        "binBps" => scaled(
            v,
            d,
            1024.0,
            &[" B/s", " KiB/s", " MiB/s", " GiB/s", " TiB/s", " PiB/s"],
            "",
        ),
        "reqps" => count(v, d, " req/s"),
        "rps" => count(v, d, " rd/s"),
        "wps" => count(v, d, " wr/s"),
        "ops" => count(v, d, " ops/s"),
        "iops" => count(v, d, " io/s"),
        "opm" => count(v, d, " ops/min"),
        "reqpm" | "rpm" => count(v, d, " req/min"),
        "hertz" => scaled(v, d, 1000.0, &[" Hz", " kHz", " MHz", " GHz", " THz"], ""),
        "celsius" => format!("{}°C", plain(v, d)),
        "fahrenheit" => format!("{}°F", plain(v, d)),
        "s" => seconds(v, d),
        "ms" => {
            if v.abs() < 1000.0 {
                format!("{} ms", plain(v, d))
            } else {
                seconds(v / 1000.0, d)
            }
        }
        "µs" | "us" => {
            if v.abs() < 1000.0 {
                format!("{} µs", plain(v, d))
            } else if v.abs() < 1e6 {
                format!("{} ms", plain(v / 1e3, d))
            } else {
                seconds(v / 1e6, d)
            }
        }
        "ns" => {
            if v.abs() < 1000.0 {
                format!("{} ns", plain(v, d))
            } else if v.abs() < 1e6 {
                format!("{} µs", plain(v / 1e3, d))
            } else if v.abs() < 1e9 {
                format!("{} ms", plain(v / 1e6, d))
            } else {
                seconds(v / 1e9, d)
            }
        }
        "dtdurations" => duration_words(v),
        "dtdurationms" => duration_words(v / 1000.0),
        other => {
            if let Some(s) = other.strip_prefix("suffix:") {
                format!("{}{}", plain(v, d), s)
            } else if let Some(p) = other.strip_prefix("prefix:") {
                format!("{}{}", p, plain(v, d))
            } else {
                format!("{} {}", plain(v, d), other)
            }
        }
    }
}

/// Number without unit scaling: fixed decimals, or three significant digits.
fn plain(v: f64, decimals: Option<u32>) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    if !v.is_finite() {
        return format_value(v, "", None);
    }
    if v.abs() >= 1e15 || (v != 0.0 && v.abs() < 1e-9) {
        return match decimals {
            Some(d) => format!("{:.*e}", d as usize, v),
            None => format!("{:.2e}", v),
        };
    }
    match decimals {
        Some(d) => {
            let s = format!("{:.*}", d as usize, v);
            fix_negative_zero(s)
        }
        None => {
            let mag = if v == 0.0 {
                0
            } else {
                v.abs().log10().floor() as i32
            };
            let d = (2 - mag).clamp(0, 12) as usize;
            let s = format!("{:.*}", d, v);
            fix_negative_zero(trim_zeros(s))
        }
    }
}

fn fix_negative_zero(s: String) -> String {
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Scales by powers of `base` and picks the matching suffix.
fn scaled(v: f64, decimals: Option<u32>, base: f64, suffixes: &[&str], prefix: &str) -> String {
    let mut idx = 0usize;
    let mut x = v;
    while x.abs() >= base && idx + 1 < suffixes.len() {
        x /= base;
        idx += 1;
    }
    let mut text = plain(x, decimals);
    // Rounding can push 999.7 up to "1000": move to the next suffix instead.
    if let Ok(r) = text.parse::<f64>() {
        if r.abs() >= base && idx + 1 < suffixes.len() {
            x /= base;
            idx += 1;
            text = plain(x, decimals);
        }
    }
    let suffix = suffixes.get(idx).copied().unwrap_or("");
    format!("{prefix}{text}{suffix}")
}

/// A count per time unit, with SI (k, M, G) scaling.
fn count(v: f64, decimals: Option<u32>, suffix: &str) -> String {
    let s = scaled(v, decimals, 1000.0, &["", "k", "M", "G", "T", "P"], "");
    format!("{s}{suffix}")
}

/// Seconds, scaled to ms / s / min / hour / day / week / year like Grafana.
fn seconds(v: f64, decimals: Option<u32>) -> String {
    let a = v.abs();
    if a == 0.0 {
        return format!("{} s", plain(0.0, decimals));
    }
    // Grafana's toSeconds: ns below 1 µs, µs below 1 ms, ms below 1 s.
    if a < 1e-6 {
        return format!("{} ns", plain(v * 1e9, decimals));
    }
    if a < 1e-3 {
        return format!("{} µs", plain(v * 1e6, decimals));
    }
    if a < 1.0 {
        return format!("{} ms", plain(v * 1000.0, decimals));
    }
    let steps: [(f64, &str); 6] = [
        (60.0, "s"),
        (3600.0, "min"),
        (86400.0, "hour"),
        (604800.0, "day"),
        (31_536_000.0, "week"),
        (f64::INFINITY, "year"),
    ];
    let divisors = [1.0, 60.0, 3600.0, 86400.0, 604800.0, 31_536_000.0];
    for (i, (limit, name)) in steps.iter().enumerate() {
        if a < *limit {
            let div = divisors.get(i).copied().unwrap_or(1.0);
            return format!("{} {}", plain(v / div, decimals), name);
        }
    }
    format!("{} s", plain(v, decimals))
}

/// Seconds as "2d 3h", "4h 5m", "6m 7s", "8s" (the two largest parts).
fn duration_words(secs: f64) -> String {
    if !secs.is_finite() {
        return format_value(secs, "", None);
    }
    if secs.abs() >= 1e15 {
        return format!("{} s", plain(secs, None));
    }
    let neg = secs < 0.0;
    let mut rest = secs.abs().round() as u64;
    if rest == 0 {
        return if secs.abs() > 0.0 {
            format!("{} ms", plain(secs * 1000.0, None))
        } else {
            "0s".into()
        };
    }
    let units = [
        ("y", 31_536_000u64),
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3_600),
        ("m", 60),
        ("s", 1),
    ];
    let mut parts = Vec::new();
    for (name, size) in units {
        if rest >= size {
            parts.push(format!("{}{}", rest / size, name));
            rest %= size;
        }
        if parts.len() == 2 {
            break;
        }
    }
    let s = parts.join(" ");
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(v: f64, unit: &str, decimals: Option<u32>, expect: &str) {
        assert_eq!(
            format_value(v, unit, decimals),
            expect,
            "value {v} unit {unit:?} decimals {decimals:?}"
        );
    }

    #[test]
    fn units() {
        check(f64::NAN, "bytes", None, "NaN");
        check(f64::INFINITY, "s", None, "+Inf");
        check(f64::NEG_INFINITY, "", None, "-Inf");
        check(0.0, "", None, "0");
        check(-0.0, "", None, "0");
        check(1.0, "", None, "1");
        check(1.5, "none", None, "1.5");
        check(0.123456, "", None, "0.123");
        check(123456.0, "", None, "123456");
        check(-2.345, "", None, "-2.35");
        check(2.0, "", Some(2), "2.00");
        check(-0.001, "", Some(1), "0.0");
        check(1e20, "", None, "1.00e20");
        check(1234.0, "short", None, "1.23 k");
        check(999.7, "short", None, "1 k");
        check(2_500_000.0, "short", None, "2.5 M");
        check(-2_500_000.0, "short", None, "-2.5 M");
        check(42.0, "short", None, "42");
        check(99.5, "percent", None, "99.5%");
        check(99.5, "percent", Some(1), "99.5%");
        check(0.953, "percentunit", None, "95.3%");
        check(1.0, "percentunit", Some(0), "100%");
        check(512.0, "bytes", None, "512 B");
        check(1536.0, "bytes", None, "1.5 KiB");
        check(1_073_741_824.0, "bytes", None, "1 GiB");
        check(1e300, "bytes", None, "8.67e281 EiB");
        check(1500.0, "decbytes", None, "1.5 kB");
        check(2048.0, "bits", None, "2 Kib");
        check(1_200_000.0, "bps", None, "1.2 Mbps");
        check(1_200_000.0, "Bps", None, "1.2 MB/s");
        check(1_048_576.0, "binBps", None, "1 MiB/s");
        check(0.25, "s", None, "250 ms");
        check(3.2e-5, "s", Some(0), "32 µs");
        check(5e-9, "s", None, "5 ns");
        check(30.0, "s", None, "30 s");
        check(90.0, "s", None, "1.5 min");
        check(7200.0, "s", None, "2 hour");
        check(172_800.0, "s", None, "2 day");
        check(0.0, "s", None, "0 s");
        check(250.0, "ms", None, "250 ms");
        check(1500.0, "ms", None, "1.5 s");
        check(12.0, "µs", None, "12 µs");
        check(1500.0, "us", None, "1.5 ms");
        check(999.0, "ns", None, "999 ns");
        check(2_000_000_000.0, "ns", None, "2 s");
        check(93_784.0, "dtdurations", None, "1d 2h");
        check(125.0, "dtdurations", None, "2m 5s");
        check(5000.0, "dtdurationms", None, "5s");
        check(1500.0, "reqps", None, "1.5k req/s");
        check(12.0, "rps", None, "12 rd/s");
        check(3.0, "ops", None, "3 ops/s");
        check(3.0, "iops", None, "3 io/s");
        check(2_400_000_000.0, "hertz", None, "2.4 GHz");
        check(21.5, "celsius", None, "21.5°C");
        check(7.0, "widgets", None, "7 widgets");
        check(7.0, "suffix: cams", None, "7 cams");
        check(7.0, "prefix:$", None, "$7");
    }
}
