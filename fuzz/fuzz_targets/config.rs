//! The config loader never panics on any text, and what it accepts is within its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchdesk::config::{Config, Overrides, MAX_QUIET_RULES};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = Config::from_toml(text, None, &Overrides::default()) {
        assert!((1_000..=3_600_000).contains(&c.step_ms));
        assert!(c.alert_interval_ms >= 1_000 && c.refresh_ms >= 1_000);
        assert!(c.quiet.len() <= MAX_QUIET_RULES);
        for s in &c.sites {
            for ep in std::iter::once(&s.prometheus).chain(&s.alertmanagers) {
                assert!(ep.timeout.as_secs() >= 1 && ep.timeout.as_secs() <= 600);
            }
        }
    }
});
