//! Acknowledging from the command line against a real Alertmanager: the silence it makes, how
//! `alerts` shows it, un-acknowledging, and an acknowledgement queued while Alertmanager is down.

mod common;

use std::time::Duration;

use common::{get, wait_for, Stack};
use watchdesk::time::now_ms;

fn silences(stack: &Stack) -> Vec<serde_json::Value> {
    let body = get(&format!("{}/api/v2/silences", stack.am_url())).expect("silences");
    serde_json::from_str::<Vec<serde_json::Value>>(&body).expect("silences JSON")
}

fn post_service_down(stack: &Stack, instance: &str) {
    stack.post_alert(
        serde_json::json!({"alertname": "ServiceDown", "severity": "critical", "job": "go-api", "instance": instance}),
        serde_json::json!({"summary": format!("go-api is down on {instance}")}),
    );
}

#[test]
fn ack_makes_a_silence_unack_expires_it_and_a_queued_ack_arrives_later() {
    let mut stack = Stack::start();
    post_service_down(&stack, "10.0.0.1:8080");
    post_service_down(&stack, "10.0.0.2:8080");
    wait_for("both alerts in the cache", Duration::from_secs(30), || {
        let _ = stack.watchdesk(&["poll", "--once"]);
        let (_, out, _) = stack.watchdesk(&["alerts"]);
        (out.matches("ServiceDown").count() >= 2).then_some(())
    });

    let before = now_ms();
    let (ok, out, err) = stack.watchdesk(&[
        "ack",
        "ServiceDown",
        "--instance",
        "10.0.0.1:8080",
        "--for",
        "1h",
        "--comment",
        "on it",
        "--author",
        "sam",
    ]);
    assert!(ok, "ack failed:\n{out}\n{err}");
    assert!(out.contains("acknowledged") && out.contains("sam"), "{out}");

    let s = silences(&stack);
    let ours: Vec<_> = s
        .iter()
        .filter(|s| s["status"]["state"] == "active")
        .collect();
    assert_eq!(ours.len(), 1, "{s:?}");
    let sil = ours[0];
    assert_eq!(sil["createdBy"], "sam");
    assert_eq!(sil["comment"], "[ack] on it");
    let mut matchers: Vec<(String, String)> = sil["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        vec![
            ("alertname".to_string(), "ServiceDown".to_string()),
            ("instance".to_string(), "10.0.0.1:8080".to_string())
        ],
        "default scope: alertname + instance"
    );
    let ends = chrono::DateTime::parse_from_rfc3339(sil["endsAt"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert!(
        (ends - (before + 3_600_000)).abs() < 120_000,
        "ends about an hour from now ({ends} vs {before})"
    );

    // The list shows who acknowledged which alert; the other instance is not acknowledged.
    let (_, out, _) = stack.watchdesk(&["poll", "--once"]);
    let _ = out;
    let (ok, out, _) = stack.watchdesk(&["alerts"]);
    assert!(ok);
    assert_eq!(out.matches("acknowledged by sam").count(), 1, "{out}");
    let (_, json, _) = stack.watchdesk(&["alerts", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let acked: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["acknowledgement"].is_null())
        .collect();
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0]["labels"]["instance"], "10.0.0.1:8080");
    assert_eq!(acked[0]["state"], "silenced");

    // The shift log has it: fired, then silenced by the acknowledgement; and as CSV for handover.
    let (ok, log, _) = stack.watchdesk(&["history", "--since", "-1h"]);
    assert!(ok);
    assert!(
        log.lines()
            .any(|l| l.contains("fired") && l.contains("ServiceDown"))
            && log
                .lines()
                .any(|l| l.contains("silenced") && l.contains("ServiceDown")),
        "{log}"
    );
    let (ok, csv, _) = stack.watchdesk(&["history", "--since", "-1h", "--csv"]);
    assert!(ok);
    assert!(
        csv.starts_with("time,source,alertname,event,fingerprint,detail\n"),
        "{csv}"
    );
    assert!(csv.lines().skip(1).all(|l| l.starts_with('"')), "{csv}");

    // Un-acknowledge: Alertmanager's silence is expired.
    let (ok, out, err) = stack.watchdesk(&["unack", "ServiceDown", "--instance", "10.0.0.1:8080"]);
    assert!(ok, "unack failed:\n{out}\n{err}");
    assert!(
        silences(&stack)
            .iter()
            .all(|s| s["status"]["state"] == "expired"),
        "{:?}",
        silences(&stack)
    );

    // Alertmanager down: the acknowledgement is queued, shown as pending, and sent when it returns.
    stack.stop_alertmanager();
    let (ok, out, err) = stack.watchdesk(&[
        "ack",
        "ServiceDown",
        "--instance",
        "10.0.0.2:8080",
        "--for",
        "30m",
        "--comment",
        "night shift",
        "--author",
        "kim",
    ]);
    assert!(ok, "a queued ack is not an error:\n{out}\n{err}");
    assert!(out.contains("queued"), "{out}");
    let (_, out, _) = stack.watchdesk(&["alerts"]);
    assert!(out.contains("acknowledgement by kim queued"), "{out}");
    stack.start_alertmanager();
    let (_, _, _) = stack.watchdesk(&["poll", "--once"]);
    let active: Vec<_> = silences(&stack)
        .into_iter()
        .filter(|s| s["status"]["state"] == "active")
        .collect();
    assert_eq!(
        active.len(),
        1,
        "the queued acknowledgement arrived: {active:?}"
    );
    assert_eq!(active[0]["createdBy"], "kim");
    let (_, out, _) = stack.watchdesk(&["alerts"]);
    assert!(!out.contains("queued"), "the queue is empty again: {out}");
}

#[test]
fn an_alert_resolved_unacknowledged_stays_listed_until_acknowledged_locally() {
    let stack = Stack::start();
    let ends = chrono::Utc::now() + chrono::Duration::seconds(8);
    let body = serde_json::json!([{
        "labels": {"alertname": "ResolveProbe", "severity": "critical", "job": "go-api", "instance": "10.0.0.9:8080"},
        "annotations": {"summary": "resolves by itself"},
        "endsAt": ends.to_rfc3339(),
    }]);
    stack.post_alerts_to(&stack.am_url(), &body);
    let (_, _, _) = stack.watchdesk(&["poll", "--once"]);
    let (_, json, _) = stack.watchdesk(&["alerts", "--json"]);
    let v: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let a = v
        .iter()
        .find(|a| a["alertname"] == "ResolveProbe")
        .unwrap_or_else(|| panic!("ResolveProbe firing: {json}"));
    assert_eq!(a["state"], "firing");
    // Our fingerprint of the labels is Alertmanager's (the history rebuilt from Prometheus'
    // ALERTS series relies on it).
    let labels: watchdesk::source::Labels = serde_json::from_value(a["labels"].clone()).unwrap();
    assert_eq!(
        watchdesk::history::fingerprint(&labels),
        a["fingerprint"].as_str().unwrap()
    );

    // It resolves (its endsAt passes) while nobody acknowledged it: still listed, as such.
    let out = wait_for(
        "ResolveProbe resolved, not acknowledged",
        Duration::from_secs(60),
        || {
            let _ = stack.watchdesk(&["poll", "--once"]);
            let (_, out, _) = stack.watchdesk(&["alerts"]);
            out.contains("resolved, not acknowledged").then_some(out)
        },
    );
    assert!(out.contains("ResolveProbe"), "{out}");
    let (_, json, _) = stack.watchdesk(&["alerts", "--json"]);
    let v: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let a: Vec<_> = v
        .iter()
        .filter(|a| a["alertname"] == "ResolveProbe")
        .collect();
    assert_eq!(a.len(), 1, "{json}");
    assert_eq!(a[0]["state"], "resolved, not acknowledged");
    assert!(a[0]["resolvedAt"].is_string());

    // The setting turns the list off.
    let cfg = stack.dir.path().join("off.toml");
    std::fs::write(&cfg, "keep_resolved_unacknowledged = false\n").unwrap();
    let (ok, out, err) = stack.watchdesk(&["--config", cfg.to_str().unwrap(), "alerts"]);
    assert!(ok, "{out}\n{err}");
    assert!(!out.contains("ResolveProbe"), "{out}");

    // Acknowledged: a local acknowledgement (no silence for an alert that is gone), then gone
    // from the list, with who in the shift log.
    let (ok, out, err) = stack.watchdesk(&[
        "ack",
        "ResolveProbe",
        "--comment",
        "camera back",
        "--author",
        "kim",
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("acknowledged ResolveProbe") && out.contains("kim"),
        "{out}"
    );
    assert!(silences(&stack).is_empty(), "{:?}", silences(&stack));
    let (_, out, _) = stack.watchdesk(&["alerts"]);
    assert!(!out.contains("ResolveProbe"), "{out}");
    let (_, log, _) = stack.watchdesk(&["history", "--since", "-1h"]);
    assert!(
        log.lines().any(|l| l.contains("acknowledged")
            && l.contains("ResolveProbe")
            && l.contains("by kim")
            && l.contains("camera back")),
        "{log}"
    );
}
