//! Upgrading a cache written by the previous version (tests/fixtures/cache-v4.db, made by 652700f):
//! the state it kept as JSON strings in a key/value table moves into tables of its own, nothing is
//! lost, and no alert is notified again after the upgrade. A cache of version 8 (log lines one row
//! each, made here from the released migrations) has its lines compressed into blocks by migration
//! 9, every line kept.

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

/// A version-8 cache (the released migrations 1 to 8) holding `rows` in its `log_line` table.
fn version_8_cache(path: &std::path::Path, streams: &[&str], rows: &[(usize, i64, String, bool)]) {
    let mut conn = rusqlite::Connection::open(path).expect("create a version-8 cache");
    let conn = conn.transaction().expect("one transaction");
    for sql in &watchdesk::cache::schema::MIGRATIONS[..8] {
        conn.execute_batch(sql).expect("a released migration");
    }
    conn.pragma_update(
        None,
        "application_id",
        watchdesk::cache::schema::APPLICATION_ID,
    )
    .expect("application id");
    conn.pragma_update(None, "user_version", 8)
        .expect("version");
    for (i, labels) in streams.iter().enumerate() {
        conn.execute(
            "INSERT INTO log_stream (id, source, labels) VALUES (?1, 'default', ?2)",
            rusqlite::params![i as i64 + 1, labels],
        )
        .expect("a stream");
    }
    let mut ins = conn
        .prepare("INSERT INTO log_line (stream_id, ts_ns, line, truncated) VALUES (?1, ?2, ?3, ?4)")
        .expect("prepare");
    for (s, ts, line, t) in rows {
        ins.execute(rusqlite::params![*s as i64 + 1, ts, line, t])
            .expect("a line");
    }
    drop(ins);
    conn.commit().expect("commit the version-8 cache");
}

/// Regression guard for migration 9: a line lost or altered while the rows of an older cache are
/// compressed into blocks is history the operator can no longer see offline.
#[test]
fn an_upgrade_keeps_every_cached_log_line_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let streams = [r#"{"job":"go-api"}"#, r#"{"job":"nginx"}"#];
    let mut rows: Vec<(usize, i64, String, bool)> = Vec::new();
    for i in 0..6000i64 {
        let ts = 1_764_000_000_000_000_000 + i * 1_000_000_000;
        rows.push((
            0,
            ts,
            format!(r#"{{"level":"info","n":{i},"msg":"request handled"}}"#),
            false,
        ));
        if i % 3 == 0 {
            rows.push((
                1,
                ts,
                format!("GET /api/v1/streams {i} {}[2J é", '\u{1b}'),
                i % 9 == 0,
            ));
        }
    }
    // Two different lines at the same nanosecond, an empty line and a long cut one.
    rows.push((
        1,
        1_764_000_000_000_000_000,
        "same ns, another line".into(),
        false,
    ));
    rows.push((0, 1_764_000_000_500_000_000, String::new(), false));
    rows.push((0, 1_764_000_000_700_000_000, "x".repeat(64 * 1024), true));
    version_8_cache(&path, &streams, &rows);

    let (cache, note) = Cache::open(&path).expect("open and upgrade");
    assert_eq!(note, None, "upgraded in place, not moved aside");
    let got = cache
        .read_logs(
            "default",
            (i64::MIN, i64::MAX),
            usize::MAX,
            &|_| true,
            &|_| true,
        )
        .expect("read the upgraded lines");
    let mut have: Vec<(usize, i64, String, bool)> = got
        .into_iter()
        .map(|l| {
            let s = usize::from(l.labels["job"] == "nginx");
            (s, l.ts_ns, l.line, l.truncated)
        })
        .collect();
    have.sort();
    rows.sort();
    assert_eq!(have.len(), rows.len());
    assert!(have == rows, "the lines differ after the upgrade");
    // Deduplication holds over the converted blocks: the same lines again add nothing.
    let again: Vec<watchdesk::source::loki::LogStream> = (0..2)
        .map(|s| watchdesk::source::loki::LogStream {
            labels: [("job".to_string(), ["go-api", "nginx"][s].to_string())].into(),
            lines: rows
                .iter()
                .filter(|r| r.0 == s)
                .map(|r| watchdesk::source::loki::LogLine {
                    ts_ns: r.1,
                    line: r.2.clone(),
                    truncated: r.3,
                })
                .collect(),
        })
        .collect();
    assert_eq!(cache.ingest_logs("default", &again, MADE_AT).unwrap(), 0);
    drop(cache);
    // And the upgraded file opens again as it is.
    let (_cache, note) = Cache::open(&path).expect("reopen");
    assert_eq!(note, None);
}
