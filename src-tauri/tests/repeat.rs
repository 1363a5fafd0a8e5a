//! "Repeat until acknowledged" at the notification daemon: with `notify_repeat = "15s"`, one steady
//! critical alert that nobody acknowledges is notified again and again while nothing changes, and
//! not once more after it is acknowledged. Counted on the D-Bus (`dbus-monitor`), on a real X
//! server with dunst, against real Alertmanager and Prometheus. Run through scripts/with-desktop.sh.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::app::{require_desktop, time_until_notified, App};
use common::{NotifyLog, Stack};

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

/// Regression: `notify::due` only ran when alerts changed, so a critical alert that kept firing
/// unchanged and that nobody acknowledged was notified exactly once in 60 s with a 15 s repeat.
#[test]
fn a_steady_unacknowledged_critical_alert_was_notified_only_once() {
    require_desktop();
    let stack = Stack::start();
    let cfg = stack.dir.path().join("app-config.toml");
    std::fs::write(&cfg, "notify_repeat = \"15s\"\n").expect("app config");
    let mut args = stack.app_args();
    args.extend(["--config".to_string(), cfg.display().to_string()]);
    let notes = NotifyLog::start(&stack.dir.path().join("notify.log"));
    let mut app = App::start(APP, &args, &stack.dir.path().join("app.log"));

    // One critical alert, steady: Alertmanager keeps it firing (resolve_timeout is 5 min).
    stack.post_alert(
        serde_json::json!({"alertname": "RepeatProbe", "severity": "critical", "job": "go-api", "instance": "10.9.0.1:8080"}),
        serde_json::json!({"summary": "repeat probe"}),
    );
    time_until_notified(&notes, "RepeatProbe", Duration::from_secs(90));
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(60));
    let in_60s = notes.count_notify("RepeatProbe");
    eprintln!("FIGURE RepeatProbe notified {in_60s} times in the first ~60 s (notify_repeat 15s)");
    assert!(
        in_60s >= 3,
        "a steady unacknowledged critical alert must repeat every 15 s: {in_60s} notifications in {:?}\n{}",
        t0.elapsed(),
        notes.text()
    );
    assert!(app.alive());

    // Acknowledged (from the command line, on the app's cache): no more repeats.
    let (ok, out, err) = stack.watchdesk(&[
        "ack",
        "RepeatProbe",
        "--for",
        "1h",
        "--comment",
        "on it",
        "--author",
        "sam",
    ]);
    assert!(ok, "watchdesk ack failed: {out}{err}");
    // A repeat that was already on its way when the silence was made may still arrive.
    std::thread::sleep(Duration::from_secs(5));
    let after_ack = notes.count_notify("RepeatProbe");
    std::thread::sleep(Duration::from_secs(40));
    assert_eq!(
        notes.count_notify("RepeatProbe"),
        after_ack,
        "notified again after the acknowledgement:\n{}",
        notes.text()
    );
    assert!(app.alive());
}
