//! Missing history is fetched back from a real Prometheus after the fact: oldest first, in pieces of at
//! most 11,000 points per series, and what Prometheus itself does not have is recorded as a gap.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::Stack;
use watchdesk::cache::Cache;
use watchdesk::config::Settings;
use watchdesk::poller::{Poller, BACKFILL_POINTS};
use watchdesk::source::prometheus::PrometheusClient;
use watchdesk::source::Endpoint;
use watchdesk::source::Site;
use watchdesk::time::now_ms;

const DASH: &str = r#"{"uid":"t","title":"T","time":{"from":"now-1h","to":"now"},
  "panels":[{"id":1,"type":"timeseries","title":"Up","gridPos":{"x":0,"y":0,"w":24,"h":8},
  "targets":[{"refId":"A","expr":"up","legendFormat":"{{job}}"}]}]}"#;

const STEP: i64 = 1_000;

#[test]
fn missing_history_is_backfilled_oldest_first_and_prometheus_gaps_are_recorded() {
    let stack = Stack::start();
    stack.wait_targets_up(3);
    let started = now_ms();
    std::thread::sleep(Duration::from_secs(3));
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let cache = Arc::new(Cache::open_in_memory().expect("cache"));
    let site = Site {
        name: "default".into(),
        prometheus: Arc::new(
            PrometheusClient::new(Endpoint::new(stack.prom_url())).expect("client"),
        ),
        alertmanagers: vec![],
        loki: None,
    };
    let settings = Settings {
        step_ms: STEP,
        scrape_interval_ms: STEP,
        // Four hours at 1 s: more than one piece of 11,000 points.
        backfill_ms: 4 * 3_600_000,
        // Only the newest 5 s are "live"; the rest is left to the backfill.
        live_window_ms: 5_000,
        refresh_ms: 5_000,
        alert_interval_ms: 5_000,
        targets_interval_ms: 30_000,
        max_concurrency: 2,
        retention: watchdesk::cache::Retention::default(),
    };
    let dash = watchdesk::dashboard::parse(DASH).expect("dashboard").0;
    let poller = Poller::new(
        settings,
        cache.clone(),
        vec![Arc::new(site)],
        vec![Arc::new(dash)],
    );
    let site = poller.sites[0].clone();

    let now1 = now_ms();
    let live = rt.block_on(poller.poll_metrics(&site, now1));
    assert!(
        live.errors.is_empty() && live.unreachable.is_none(),
        "{live:?}"
    );
    let floor = now1 - 4 * 3_600_000;
    let holes = cache
        .holes("default", "up", STEP, floor, now1)
        .expect("holes");
    assert_eq!(holes.len(), 1, "one hole before the live window: {holes:?}");
    let hole = holes[0];
    assert!(
        hole.1 - hole.0 > BACKFILL_POINTS * STEP,
        "the hole needs several pieces"
    );

    // One piece: the oldest part of the hole, at most 11,000 points.
    let b = rt.block_on(poller.backfill(&site, now1, 1));
    assert_eq!((b.pieces, b.errors.len()), (1, 0), "{b:?}");
    let after = cache
        .holes("default", "up", STEP, floor, now1)
        .expect("holes");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].1, hole.1, "the newest part is still missing");
    assert_eq!(
        after[0].0 - (hole.0 - hole.0.rem_euclid(STEP)),
        BACKFILL_POINTS * STEP,
        "the oldest 11,000 steps were fetched first"
    );

    // The app is "closed" for a while; Prometheus keeps scraping. The next live round only takes the
    // newest 5 s, the backfill fetches the rest.
    std::thread::sleep(Duration::from_secs(12));
    let now2 = now_ms();
    let live = rt.block_on(poller.poll_metrics(&site, now2));
    assert!(live.errors.is_empty(), "{live:?}");
    let closed = (now1 + STEP, now2 - 6_000);
    let missing = cache
        .read_range("default", "up", Some(STEP), closed.0, closed.1)
        .expect("read");
    assert!(
        missing.is_empty(),
        "nothing of the closed time is cached yet"
    );
    for _ in 0..20 {
        let b = rt.block_on(poller.backfill(&site, now2, 4));
        assert!(b.errors.is_empty() && b.unreachable.is_none(), "{b:?}");
        if b.remaining == 0 {
            break;
        }
    }
    let holes = cache
        .holes("default", "up", STEP, now2 - 4 * 3_600_000, now2)
        .expect("holes");
    assert!(holes.is_empty(), "history complete: {holes:?}");
    let filled = cache
        .read_range("default", "up", Some(STEP), closed.0, closed.1)
        .expect("read");
    let per_series = filled.iter().map(|s| s.samples.len()).max().unwrap_or(0);
    assert!(
        per_series as i64 >= (closed.1 - closed.0) / STEP - 2,
        "the closed time was fetched back ({per_series} samples)"
    );
    // Before the stack started, Prometheus has nothing: recorded as a gap, not interpolated.
    let gaps = cache
        .gaps("default", "up", STEP, floor, now2)
        .expect("gaps");
    assert!(
        !gaps.is_empty(),
        "the time before Prometheus existed is a gap"
    );
    assert!(
        gaps[0].0 <= floor + STEP && gaps[0].1 >= started - 60_000,
        "the gap spans the time Prometheus has no data for: {gaps:?} (started {started})"
    );
    assert!(
        gaps.iter().all(|g| g.1 < closed.0),
        "no gap where Prometheus had data: {gaps:?}"
    );
}
