//! `watchdesk alerts`: the desk's alert list as a table (or JSON), with the sources' state.

use std::process::ExitCode;

use anyhow::Result;

use watchdesk::desk::{self, Desk, ListedAlert};
use watchdesk::text::for_terminal as safe;
use watchdesk::time::{human_duration, local_datetime, now_ms, to_rfc3339};

fn alert_json(a: &ListedAlert) -> serde_json::Value {
    serde_json::json!({
        "source": a.source,
        "fingerprint": a.fingerprint,
        "alertname": a.alertname,
        "severity": a.severity.as_str(),
        "severityLabel": a.severity_label,
        "state": a.state,
        "startsAt": to_rfc3339(a.starts_at),
        "resolvedAt": a.resolved_at.map(to_rfc3339),
        "labels": a.labels,
        "annotations": a.annotations,
        "silencedBy": a.silenced_by,
        "inhibitedBy": a.inhibited_by,
        "reportedBy": a.reported_by,
        "acknowledgement": a.ack.as_ref().map(|k| serde_json::json!({
            "by": k.by,
            "at": to_rfc3339(k.at),
            "until": to_rfc3339(k.until),
            "comment": k.comment,
            "silenceId": k.silence_id,
        })),
        "acknowledgementQueued": a.pending_ack,
    })
}

pub fn alerts(d: &Desk, source: Option<&str>, json: bool) -> Result<ExitCode> {
    let list = d.alerts(source)?;
    if json {
        let arr: Vec<serde_json::Value> = list.alerts.iter().map(alert_json).collect();
        outln!("{}", serde_json::to_string_pretty(&arr)?);
        return Ok(ExitCode::SUCCESS);
    }
    let now = now_ms();
    for site in d.pick_sources(source)? {
        // One member of an HA cluster down: the list is still complete from the others.
        let (down, members) = d.alertmanagers_down(&site);
        if members > 0 && !down.is_empty() {
            outln!(
                "warning: {} of {members} Alertmanagers of {site} unreachable: {} ({})",
                down.len(),
                down.join(", "),
                if down.len() < members {
                    "degraded: the list comes from the members that answer"
                } else {
                    "showing the last known alerts"
                }
            );
        }
        match d.heartbeat(&site) {
            Some(true) => outln!("heartbeat: the Watchdog alert of {site} arrives (the alerting pipeline works)"),
            Some(false) => outln!("heartbeat: the Watchdog alert of {site} is missing: Prometheus rules or the path to Alertmanager may be down"),
            None => {}
        }
        for h in d.health().into_iter().filter(|h| h.source == site) {
            if h.consecutive_failures > 0 {
                outln!(
                    "! {site} {}: unreachable since {} failed polls; last good data {}: {}",
                    h.component,
                    h.consecutive_failures,
                    h.last_success
                        .map(local_datetime)
                        .unwrap_or_else(|| "never".into()),
                    safe(&h.last_error.unwrap_or_default())
                );
            }
        }
    }
    for p in &d.cache().pending_acks(None)? {
        outln!(
            "! acknowledgement by {} queued since {} (not yet accepted by an Alertmanager{})",
            safe(&p.created_by),
            local_datetime(p.queued_at),
            p.last_error
                .as_ref()
                .map(|e| format!(": {}", safe(e)))
                .unwrap_or_default()
        );
    }
    if list.alerts.is_empty() {
        outln!("no current alerts");
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:<9} {:<10} {:<28} {:<10} {:<26} {:<12} SUMMARY",
        "SEVERITY",
        "STATE",
        "ALERT",
        "SOURCE",
        "INSTANCE",
        "SINCE"
    );
    for a in &list.alerts {
        let resolved = a.state == desk::RESOLVED_UNACKED;
        outln!(
            "{:<9} {:<10} {:<28} {:<10} {:<26} {:<12} {}",
            a.severity.as_str(),
            if resolved { "resolved" } else { a.state },
            safe(&a.alertname),
            safe(&a.source),
            safe(a.labels.get("instance").map(String::as_str).unwrap_or("-")),
            human_duration(now - a.starts_at),
            safe(&a.summary)
        );
        if let Some(k) = &a.ack {
            outln!(
                "          acknowledged by {}, {} ago, until {}: {}",
                safe(&k.by),
                human_duration(now - k.at),
                local_datetime(k.until),
                safe(&k.comment)
            );
        }
        if let Some(at) = a.resolved_at {
            outln!(
                "          {} (resolved {} ago): watchdesk ack {}",
                desk::RESOLVED_UNACKED,
                human_duration(now - at),
                safe(&a.fingerprint)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
