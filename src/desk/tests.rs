//! The desk's use cases on an in-memory cache: the one alert list, its counts and order, and the
//! notification clock.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::cache::ReportedAlert;
use crate::source::{Alert, AlertState, Labels, Silence, SilenceState};

fn config() -> Config {
    Config::from_toml("", None, &Overrides::default()).expect("default config")
}

fn desk() -> Desk {
    let cache = Arc::new(Cache::open_in_memory().expect("cache"));
    Desk::from_parts(config(), cache, Vec::new(), Vec::new(), Vec::new())
}

fn alert(name: &str, sev: &str, inst: &str, starts_at: i64) -> ReportedAlert {
    let mut labels = Labels::new();
    labels.insert("alertname".into(), name.into());
    if !sev.is_empty() {
        labels.insert("severity".into(), sev.into());
    }
    labels.insert("instance".into(), inst.into());
    ReportedAlert {
        alert: Alert {
            fingerprint: format!("{name}@{inst}"),
            labels,
            annotations: Labels::new(),
            starts_at,
            updated_at: None,
            ends_at: None,
            generator_url: None,
            receivers: vec![],
            state: AlertState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
        },
        reported_by: vec![],
    }
}

fn ack_silence(a: &ReportedAlert, now: i64) -> Silence {
    Silence {
        id: format!("s-{}", a.alert.fingerprint),
        state: SilenceState::Active,
        matchers: crate::ack::default_matchers(&a.alert.labels),
        starts_at: now,
        ends_at: now + 3_600_000,
        updated_at: None,
        created_by: "sam".into(),
        comment: "[ack] on it".into(),
    }
}

/// Regression: the app hid the Watchdog heartbeat but `watchdesk alerts` listed it; both now read
/// this one list.
#[test]
fn the_cli_and_the_app_listed_different_alerts() {
    let d = desk();
    let now = crate::time::now_ms();
    let site = d.sources()[0].clone();
    let acked = alert("Acked", "critical", "a", 5);
    d.cache
        .sync_alerts(
            &site,
            &[
                alert("Watchdog", "none", "", 1),
                alert("Info", "info", "i", 1),
                alert("Odd", "urgent-ish", "o", 1),
                alert("Paged", "page", "p", 9),
                alert("Old", "critical", "c", 2),
                acked.clone(),
                alert("Warn", "warning", "w", 1),
            ],
            true,
            now,
        )
        .unwrap();
    d.cache
        .replace_silences(&site, &[ack_silence(&acked, now)])
        .unwrap();
    let list = d.alerts(None).unwrap();
    let names: Vec<&str> = list.alerts.iter().map(|a| a.alertname.as_str()).collect();
    assert_eq!(
        names,
        ["Old", "Paged", "Acked", "Warn", "Odd", "Info"],
        "severity, then attention (acknowledged after firing), then oldest first; no heartbeat"
    );
    assert_eq!(list.alerts[1].severity, crate::severity::Severity::Critical);
    assert_eq!(list.alerts[1].severity_label, "page");
    let c = list.counts;
    assert_eq!(
        (
            c.critical,
            c.warning,
            c.unknown,
            c.info,
            c.firing,
            c.acknowledged
        ),
        (2, 1, 1, 1, 5, 1)
    );
    assert_eq!(c.worst, Some(crate::severity::Severity::Critical));
    assert_eq!(d.overall().0, Overall::Critical);
}

/// Regression: the notification policy only ran when alerts changed, so "repeat until
/// acknowledged" never repeated a steady alert in the app. The clock now decides on a timer too,
/// and acknowledging stops the repeats at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steady_unacknowledged_critical_alert_was_notified_only_once() {
    let d = Arc::new(desk());
    d.policy.lock().unwrap().critical_repeat_ms = 1_000;
    let site = d.sources()[0].clone();
    let a = alert("ServiceDown", "critical", "go-api:9201", 1);
    d.cache
        .sync_alerts(&site, std::slice::from_ref(&a), true, crate::time::now_ms())
        .unwrap();
    let mut events = d.take_notifications().expect("the queue");
    let (stop_tx, stop) = watch::channel(false);
    let clock = tokio::spawn(d.clone().notification_clock(stop));
    let count = |events: &mut mpsc::UnboundedReceiver<Vec<Notification>>, n: &mut usize| {
        while let Ok(v) = events.try_recv() {
            *n += v.iter().filter(|x| x.alertname == "ServiceDown").count();
        }
    };
    let mut notified = 0;
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    count(&mut events, &mut notified);
    assert!(
        notified >= 3,
        "notified {notified} times in 4.5 s with a 1 s repeat"
    );
    // Acknowledged (the silence is in the cache; Alertmanager has not reported it yet).
    d.cache
        .replace_silences(&site, &[ack_silence(&a, crate::time::now_ms())])
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    count(&mut events, &mut notified);
    let before = notified;
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    count(&mut events, &mut notified);
    assert_eq!(notified, before, "no repeat after the acknowledgement");
    let _ = stop_tx.send(true);
    let _ = clock.await;
}

#[test]
fn a_mute_is_kept_across_a_restart() {
    let cache = Arc::new(Cache::open_in_memory().unwrap());
    let d = Desk::from_parts(config(), cache.clone(), vec![], vec![], vec![]);
    d.mute_for(60_000).unwrap();
    assert!(d.policy().is_muted(crate::time::now_ms()));
    let again = Desk::from_parts(config(), cache, vec![], vec![], vec![]);
    assert!(again.policy().is_muted(crate::time::now_ms()));
    again.mute_for(0).unwrap();
    assert!(!again.policy().is_muted(crate::time::now_ms()));
}

/// Regression: two shift-log exports in the same second overwrote each other.
#[test]
fn two_shift_log_exports_in_the_same_second_overwrote_each_other() {
    let d = desk();
    let dir = tempfile::tempdir().unwrap();
    let a = d.export_shift_log("-1h", dir.path()).unwrap();
    let b = d.export_shift_log("-1h", dir.path()).unwrap();
    assert_ne!(a.path, b.path);
    assert!(a.path.is_file() && b.path.is_file());
}

#[test]
fn times_are_checked() {
    assert!(matches!(
        TimeRange::parse("now", "now-1h"),
        Err(DeskError::BadRange)
    ));
    assert!(matches!(
        TimeRange::parse("yesterday-ish", "now"),
        Err(DeskError::BadTime { what: "from", .. })
    ));
    assert!(TimeRange::parse("now-6h", "now").is_ok());
}
