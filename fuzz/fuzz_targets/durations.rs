//! Durations and times: `parse_duration_ms` and `parse_time` never panic and stay within bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchdesk::time::{
    parse_duration_ms, parse_rfc3339, parse_time, MAX_DURATION_MS, MAX_TIME_MS, MIN_TIME_MS,
};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(d) = parse_duration_ms(s) {
        assert!((0..=MAX_DURATION_MS).contains(&d), "{s:?} -> {d}");
    }
    for now in [1_700_000_000_000, 0, MAX_TIME_MS, i64::MIN, i64::MAX] {
        if let Some(t) = parse_time(s, now) {
            assert!(
                (MIN_TIME_MS..=MAX_TIME_MS).contains(&t),
                "{s:?} at {now} -> {t}"
            );
        }
    }
    let _ = parse_rfc3339(s);
});
