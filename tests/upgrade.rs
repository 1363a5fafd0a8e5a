//! Upgrading a cache written by the previous version (tests/fixtures/cache-v4.db, made by 652700f):
//! the state it kept as JSON strings in a key/value table moves into tables of its own, nothing is
//! lost, and no alert is notified again after the upgrade.

use watchdesk::cache::{Cache, PipelineFlag};
use watchdesk::config::SiteConfig;
use watchdesk::notify::{due, pipeline_due, PipelineLimits, Policy};
use watchdesk::source::Endpoint;

/// When the fixture's notifications were made.
const MADE_AT: i64 = 1_764_000_100_000;

fn upgraded() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cache-v4.db"),
        &path,
    )
    .expect("copy the fixture");
    let (cache, note) = Cache::open(&path).expect("open and upgrade");
    assert_eq!(
        note, None,
        "an older cache is upgraded in place, not moved aside"
    );
    (dir, cache)
}

#[test]
fn an_upgrade_keeps_every_mark_and_setting() {
    let (_dir, c) = upgraded();
    let marks = c.notify_marks().unwrap();
    let names: Vec<(&str, &str, i64)> = marks
        .iter()
        .map(|m| (m.alertname.as_str(), m.severity.as_str(), m.notified_at))
        .collect();
    assert_eq!(
        names,
        [
            ("ServiceDown", "critical", MADE_AT),
            ("HighCPUUsage", "critical", MADE_AT)
        ],
        "{marks:?}"
    );
    assert_eq!(marks[0].instance, "go-api:9201");
    assert_eq!(c.storm_until().unwrap(), Some(MADE_AT + 30_000));
    assert_eq!(c.muted_until().unwrap(), Some(MADE_AT + 900_000));
    assert_eq!(
        c.pipeline_flag("default", PipelineFlag::Unreachable, "prometheus")
            .unwrap(),
        Some(MADE_AT)
    );
    assert_eq!(
        c.pipeline_flag("default", PipelineFlag::WatchdogSeen, "")
            .unwrap(),
        Some(MADE_AT)
    );
    let view = c.saved_view().unwrap().expect("saved view");
    assert_eq!(
        (view.view.as_str(), view.from.as_str()),
        ("alerts", "now-1h")
    );
    assert_eq!(view.refresh_ms, Some(30_000));
    let sel = c.var_selection("default", "rta-overview").unwrap();
    assert_eq!(sel.get("job").cloned(), Some(vec!["go-api".to_string()]));
    let plan = c
        .query_plan("default", "rta-overview")
        .unwrap()
        .expect("plan");
    assert_eq!(plan.len(), 16);
    assert_eq!(plan[0].expr, "min by (job) (up{job=~\".*\"})");
    assert_eq!(plan[0].legend, "{{job}}");
    assert_eq!(c.alerts_synced_at("default").unwrap(), Some(MADE_AT));
    // The alerts, their history and the health are where they were.
    assert_eq!(c.current_alerts(None).unwrap().len(), 4);
    assert!(!c.health().unwrap().is_empty());
}

/// Regression guard for the upgrade: marks lost in the migration would notify every current alert
/// again at the first start of the new version.
#[test]
fn no_alert_is_notified_again_after_the_upgrade() {
    let (_dir, c) = upgraded();
    let not_muted = Policy::default();
    let notes = due(&c, &not_muted, MADE_AT + 60_000).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    let sites = vec![SiteConfig {
        name: "default".into(),
        prometheus: Endpoint::new("http://127.0.0.1:9090"),
        alertmanagers: vec![Endpoint::new("http://127.0.0.1:9093")],
        loki: None,
    }];
    let notes = pipeline_due(
        &c,
        &sites,
        PipelineLimits::default(),
        &not_muted,
        MADE_AT + 600_000,
    )
    .unwrap();
    assert!(
        notes.is_empty(),
        "Prometheus' unreachable notification was made before the upgrade: {notes:?}"
    );
}
