//! The alert workflow at the notification daemon, on a real X server, D-Bus session and dunst,
//! against the real stack: an alert storm of 300 alerts is ONE summary notification; restarting
//! the app notifies nothing again; Prometheus stopping (so the always-firing Watchdog alert stops
//! arriving at Alertmanager) is a "monitoring pipeline broken" notification. Notifications are
//! counted on the bus (`dbus-monitor`), not in the app.
//!
//! Also prints (does not assert) the notification latency (alert POSTed to Alertmanager ->
//! notification on the bus) and the storm handling time. Run through `scripts/with-desktop.sh`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::app::{require_desktop, time_until_notified, App};
use common::{wait_for, NotifyLog, Stack};

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

/// The stack's app arguments plus a config with a short Watchdog grace, so the dead man's switch
/// is judged within the test.
fn app_args(stack: &Stack) -> Vec<String> {
    let cfg = stack.dir.path().join("app-config.toml");
    // notify_repeat is long so that a legitimate repeat cannot look like a duplicate here.
    std::fs::write(&cfg, "watchdog_grace = \"15s\"\nnotify_repeat = \"30m\"\n")
        .expect("app config");
    let mut args = stack.app_args();
    args.extend(["--config".to_string(), cfg.display().to_string()]);
    args
}

/// Whether the Watchdog heartbeat is in the cache (the app's alert rounds run), as the CLI says.
fn heartbeat_cached(stack: &Stack) -> bool {
    let (_, out, _) = stack.watchdesk(&["alerts"]);
    out.contains("heartbeat: the Watchdog alert of default arrives")
}

/// How many current alerts named `name` the cache holds (read with the CLI, as the app wrote it).
fn cached(stack: &Stack, name: &str) -> usize {
    let (_, out, _) = stack.watchdesk(&["alerts", "--json"]);
    serde_json::from_str::<Vec<serde_json::Value>>(&out)
        .map(|v| v.iter().filter(|a| a["alertname"] == name).count())
        .unwrap_or(0)
}

#[test]
fn storm_is_one_summary_restart_repeats_nothing_and_a_silent_watchdog_is_a_broken_pipeline() {
    require_desktop();
    let mut stack = Stack::start();
    stack.wait_targets_up(3);
    // The Watchdog alert arrives at Alertmanager (real Prometheus rule evaluation).
    wait_for(
        "the Watchdog alert in Alertmanager",
        Duration::from_secs(60),
        || {
            let body = common::get(&format!("{}/api/v2/alerts", stack.am_url()))?;
            body.contains("\"Watchdog\"").then_some(())
        },
    );
    let notes = NotifyLog::start(&stack.dir.path().join("notify.log"));
    let args = app_args(&stack);
    let mut app = App::start(APP, &args, &stack.dir.path().join("app1.log"));
    // The app's engine has synced the alerts once (the Watchdog is in its cache).
    wait_for(
        "the app's first alert round",
        Duration::from_secs(90),
        || heartbeat_cached(&stack).then_some(()),
    );
    std::thread::sleep(Duration::from_secs(3));

    // Latency of one alert: POST to Alertmanager -> notification on the bus.
    stack.post_alert(
        serde_json::json!({"alertname": "LatencyProbe", "severity": "critical", "job": "go-api", "instance": "10.1.0.1:8080"}),
        serde_json::json!({"summary": "latency probe"}),
    );
    let latency = time_until_notified(&notes, "LatencyProbe", Duration::from_secs(60));
    eprintln!(
        "FIGURE notification latency (alert POSTed to Alertmanager -> Notify on the bus, alert_interval 5s): {} ms",
        latency.as_millis()
    );

    // (i) A storm: 300 new critical alerts within one second -> exactly one summary.
    let storm: Vec<serde_json::Value> = (0..300)
        .map(|i| {
            serde_json::json!({
                "labels": {"alertname": "StormProbe", "severity": "critical", "job": "recording-service",
                           "instance": format!("10.2.{}.{}:9200", i / 250, i % 250)},
                "annotations": {"summary": format!("storm member {i}")}
            })
        })
        .collect();
    let t0 = Instant::now();
    stack.post_alerts_to(&stack.am_url(), &serde_json::Value::Array(storm));
    let posted = t0.elapsed();
    let storm_time = time_until_notified(&notes, "StormProbe", Duration::from_secs(90));
    let storm_seen = Instant::now();
    eprintln!(
        "FIGURE storm handling (300 alerts POSTed in {} ms -> the summary notification on the bus): {} ms",
        posted.as_millis(),
        storm_time.as_millis()
    );
    // The app's cache has every one of them, and the app is still running.
    wait_for(
        "the 300 storm alerts in the app's cache",
        Duration::from_secs(60),
        || (cached(&stack, "StormProbe") == 300).then_some(()),
    );
    assert!(app.alive(), "the app survived the storm");
    // Later rounds add nothing: still one.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(
        notes.count_notify("StormProbe"),
        1,
        "one summary for the storm, no notification per alert or group"
    );
    assert_eq!(notes.count_notify("alert storm: 300 new alerts"), 1);
    assert_eq!(notes.count_notify("LatencyProbe"), 1);

    // (iii) The app restarts: nothing is notified again (what was notified is in the cache).
    drop(app);
    let app_log = stack.dir.path().join("app2.log");
    let mut app = App::start(APP, &args, &app_log);
    // New alerts right after a storm are folded into its summary (for 30 s after the last
    // round that brought new ones): wait until that is over.
    if let Some(rest) = Duration::from_secs(36).checked_sub(storm_seen.elapsed()) {
        std::thread::sleep(rest);
    }
    // The restarted app does notify (so the silence below is not that of a dead app): a new
    // alert reaches the daemon; by then it has run its alert rounds over the old ones too.
    stack.post_alert(
        serde_json::json!({"alertname": "AfterRestart", "severity": "critical", "job": "go-api", "instance": "10.1.0.2:8080"}),
        serde_json::json!({"summary": "new after the restart"}),
    );
    time_until_notified(&notes, "AfterRestart", Duration::from_secs(90));
    std::thread::sleep(Duration::from_secs(6));
    assert!(app.alive(), "the app runs after the restart");
    assert_eq!(
        notes.count_notify("StormProbe"),
        1,
        "no duplicate storm notification after a restart"
    );
    assert_eq!(
        notes.count_notify("LatencyProbe"),
        1,
        "no duplicate notification after a restart"
    );

    // (ii) Prometheus stops: the always-firing Watchdog alert stops arriving at Alertmanager
    // (which still answers) -> "monitoring pipeline broken", once.
    stack.stop_prometheus();
    let t0 = Instant::now();
    time_until_notified(
        &notes,
        "monitoring pipeline of default broken",
        Duration::from_secs(180),
    );
    eprintln!(
        "FIGURE Watchdog stop (Prometheus stopped) -> pipeline notification with watchdog_grace 15s: {} ms",
        t0.elapsed().as_millis()
    );
    std::thread::sleep(Duration::from_secs(10));
    assert_eq!(
        notes.count_notify("monitoring pipeline of default broken"),
        1,
        "the broken pipeline is notified once"
    );
    assert!(app.alive());
    drop(app);
}
