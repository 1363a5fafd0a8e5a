//! The notification policy, data-driven: alerts in, notifications out.

use super::*;
use crate::cache::ReportedAlert;
use crate::config::SiteConfig;
use crate::source::{Alert, AlertState, Endpoint, Labels, SilenceState};

/// An alert from a one-line spec: `"<name> <severity> <instance> [silenced|acked]"`; `-` is a
/// missing severity label. Its fingerprint is name + instance.
fn spec(s: &str) -> (ReportedAlert, bool) {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let (name, sev, inst) = (parts[0], parts[1], parts[2]);
    let flag = parts.get(3).copied().unwrap_or("");
    let mut labels = Labels::new();
    labels.insert("alertname".into(), name.into());
    if sev != "-" {
        labels.insert("severity".into(), sev.into());
    }
    labels.insert("instance".into(), inst.into());
    labels.insert("job".into(), "svc".into());
    let silenced = flag == "silenced";
    (
        ReportedAlert {
            alert: Alert {
                fingerprint: format!("{name}@{inst}"),
                labels,
                annotations: Labels::new(),
                starts_at: 1,
                updated_at: None,
                ends_at: None,
                generator_url: None,
                receivers: vec![],
                state: if silenced {
                    AlertState::Suppressed
                } else {
                    AlertState::Active
                },
                silenced_by: if silenced { vec!["m1".into()] } else { vec![] },
                inhibited_by: vec![],
            },
            reported_by: vec![],
        },
        flag == "acked",
    )
}

/// Runs `rounds` (the alerts firing, and when `due` runs) on a fresh cache and checks the titles
/// notified in the last round.
#[track_caller]
fn check_with(policy: &Policy, rounds: &[(&[&str], Millis)], expect: &[&str]) {
    let c = Cache::open_in_memory().unwrap();
    let mut last = Vec::new();
    for (alerts, now) in rounds {
        let specs: Vec<(ReportedAlert, bool)> = alerts.iter().map(|s| spec(s)).collect();
        // "acked": an acknowledgement silence just accepted, before Alertmanager reports the
        // alert silenced (it is still active in the cache).
        let acks: Vec<Silence> = specs
            .iter()
            .filter(|(_, acked)| *acked)
            .map(|(r, _)| Silence {
                id: format!("ack-{}", r.alert.fingerprint),
                state: SilenceState::Active,
                matchers: crate::ack::default_matchers(&r.alert.labels),
                starts_at: *now,
                ends_at: now + 3_600_000,
                updated_at: None,
                created_by: "sam".into(),
                comment: format!("{}looking", crate::ack::ACK_PREFIX),
            })
            .collect();
        c.replace_silences("s", &acks).unwrap();
        let reported: Vec<ReportedAlert> = specs.into_iter().map(|(r, _)| r).collect();
        c.sync_alerts("s", &reported, true, *now).unwrap();
        last = due(&c, policy, *now).unwrap();
    }
    let titles: Vec<&str> = last.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, expect, "rounds {rounds:?}");
}

#[track_caller]
fn check(rounds: &[(&[&str], Millis)], expect: &[&str]) {
    check_with(&Policy::default(), rounds, expect)
}

const MIN: Millis = 60_000;

#[test]
fn policy_cases() {
    // New alerts: critical only by default; aliases map through the one Severity.
    check(&[(&["A critical x"], 0)], &["CRITICAL A"]);
    check(&[(&["A page x"], 0)], &["CRITICAL A"]);
    check(&[(&["A warning x"], 0)], &[]);
    check(&[(&["A - x"], 0)], &[]);
    check(&[(&["Watchdog critical x"], 0)], &[]);
    // Once per alert; again only for an unacknowledged critical one after notify_repeat (5 min).
    check(&[(&["A critical x"], 0), (&["A critical x"], MIN)], &[]);
    check(
        &[(&["A critical x"], 0), (&["A critical x"], 5 * MIN)],
        &["CRITICAL A"],
    );
    check(
        &[(&["A page x"], 0), (&["A page x"], 5 * MIN)],
        &["CRITICAL A"],
    );
    // Silenced or acknowledged: not notified, and the repeats stop at once.
    check(&[(&["A critical x silenced"], 0)], &[]);
    check(&[(&["A critical x acked"], 0)], &[]);
    check(
        &[(&["A critical x"], 0), (&["A critical x acked"], 5 * MIN)],
        &[],
    );
    // Gone: resolved, once, for what was notified.
    check(&[(&["A critical x"], 0), (&[], MIN)], &["RESOLVED A"]);
    check(&[(&["A warning x"], 0), (&[], MIN)], &[]);
    check(
        &[(&["A critical x", "B critical y"], 0), (&[], MIN)],
        &["RESOLVED 2 alerts"],
    );
    // Arriving together: one per group.
    check(
        &[(&["A critical x", "A critical y", "B critical z"], 0)],
        &["CRITICAL A on 2 instances", "CRITICAL B"],
    );
}

#[test]
fn policy_cases_with_settings() {
    let with_warnings = Policy {
        severities: vec![Severity::Critical, Severity::Warning, Severity::Unknown],
        ..Policy::default()
    };
    check_with(&with_warnings, &[(&["A warning x"], 0)], &["WARNING A"]);
    check_with(&with_warnings, &[(&["A - x"], 0)], &["UNKNOWN A"]);
    check_with(&with_warnings, &[(&["A minor x"], 0)], &["WARNING A"]);
    // Warnings are notified once, never repeated.
    check_with(
        &with_warnings,
        &[(&["A warning x"], 0), (&["A warning x"], 60 * MIN)],
        &[],
    );
    let never_again = Policy {
        critical_repeat_ms: 0,
        ..Policy::default()
    };
    check_with(
        &never_again,
        &[(&["A critical x"], 0), (&["A critical x"], 60 * MIN)],
        &[],
    );
    let quiet = Policy {
        quiet: vec![vec![crate::source::matcher::parse_matcher(
            "instance=\"x\"",
        )
        .unwrap()]],
        ..Policy::default()
    };
    check_with(
        &quiet,
        &[(&["A critical x", "A critical y"], 0)],
        &["CRITICAL A"],
    );
    let muted = Policy {
        muted_until: Some(10 * MIN),
        ..Policy::default()
    };
    check_with(&muted, &[(&["A critical x"], 0)], &[]);
    // Marked while muted: not notified in a burst when the mute ends (only when a repeat is due).
    let short_mute = Policy {
        muted_until: Some(MIN),
        ..Policy::default()
    };
    check_with(
        &short_mute,
        &[(&["A critical x"], 0), (&["A critical x"], 2 * MIN)],
        &[],
    );
    check_with(
        &short_mute,
        &[(&["A critical x"], 0), (&["A critical x"], 5 * MIN)],
        &["CRITICAL A"],
    );
}

#[test]
fn a_restart_reads_the_same_marks() {
    let c = Cache::open_in_memory().unwrap();
    let (a, _) = spec("A critical x");
    c.sync_alerts("s", &[a], true, 0).unwrap();
    let p = Policy::default();
    assert_eq!(due(&c, &p, 1_000).unwrap().len(), 1);
    // A second app (or the same after a restart) deciding on the same cache: nothing new.
    assert!(due(&c, &p, 2_000).unwrap().is_empty());
    let n = due(&c, &p, 1_000 + p.critical_repeat_ms).unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NoteKind::Repeat);
    assert!(n[0].body.starts_with("still firing since"), "{}", n[0].body);
    assert!(n[0].can_acknowledge());
}

#[test]
fn a_storm_over_several_rounds_is_one_summary() {
    let c = Cache::open_in_memory().unwrap();
    let alert = |i: usize| spec(&format!("StormProbe critical 10.0.0.{i}:80")).0;
    let p = Policy::default();
    let first: Vec<_> = (0..150).map(alert).collect();
    c.sync_alerts("s", &first, true, 0).unwrap();
    let n = due(&c, &p, 1_000).unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].alertname, "alert storm: 150 new alerts");
    assert_eq!(n[0].kind, NoteKind::Storm);
    assert!(!n[0].can_acknowledge());
    // The rest of the storm arrives in the next rounds: folded, not notified.
    let all: Vec<_> = (0..300).map(alert).collect();
    c.sync_alerts("s", &all[..290], true, 5_000).unwrap();
    assert!(due(&c, &p, 6_000).unwrap().is_empty());
    c.sync_alerts("s", &all, true, 30_000).unwrap();
    assert!(
        due(&c, &p, 31_000).unwrap().is_empty(),
        "the window runs on while alerts keep arriving"
    );
    // Quiet for the window: a new alert is notified on its own again.
    let mut more = all.clone();
    more.push(alert(999));
    c.sync_alerts("s", &more, true, 31_000 + STORM_WINDOW_MS)
        .unwrap();
    let n = due(&c, &p, 31_000 + STORM_WINDOW_MS).unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].fingerprint, "StormProbe@10.0.0.999:80");
}

#[test]
fn a_storm_is_one_summary_with_its_worst_severity() {
    let mut items: Vec<Item> = (0..300)
        .map(|i| item("ServiceDown", &format!("10.0.0.{i}:80"), Severity::Critical))
        .collect();
    items.push(item("HighLatency", "x", Severity::Warning));
    let out = group(items);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].alertname, "alert storm: 301 new alerts");
    assert_eq!(out[0].severity, Severity::Critical);
    assert!(
        out[0].summary.starts_with("ServiceDown ×300"),
        "{}",
        out[0].summary
    );
    assert_eq!(out[0].link, "watchdesk://alerts");
}

fn item(name: &str, inst: &str, sev: Severity) -> Item {
    Item {
        job: "go-api".into(),
        instance: inst.into(),
        note: Notification::new(
            NoteKind::Alert,
            "s",
            &format!("{name}{inst}"),
            name.into(),
            sev,
            String::new(),
            String::new(),
            alert_link("s", &format!("{name}{inst}")),
        ),
    }
}

#[test]
fn alerts_arriving_together_are_grouped() {
    let mut minio = item("ServiceDown", "m:1", Severity::Critical);
    minio.job = "minio".into();
    let out = group(vec![
        item("ServiceDown", "a:1", Severity::Critical),
        item("ServiceDown", "b:1", Severity::Critical),
        minio,
        item("HighCPUUsage", "h:1", Severity::Critical),
    ]);
    let names: Vec<&str> = out.iter().map(|x| x.alertname.as_str()).collect();
    assert_eq!(
        names,
        vec!["ServiceDown on 2 instances", "ServiceDown", "HighCPUUsage"]
    );
    assert_eq!(out[0].link, "watchdesk://alerts/ServiceDown");
    assert_eq!(out[0].body, "a:1, b:1");
    assert_eq!(
        parse_link(&out[0].link),
        Some(Link::Alerts {
            group: Some("ServiceDown".into())
        })
    );
    assert!(
        out[1].link.starts_with("watchdesk://alert/"),
        "a single alert opens its detail"
    );
}

#[test]
fn sound_per_severity() {
    let n = |sev: Severity, kind: NoteKind| {
        Notification::new(
            kind,
            "s",
            "f",
            "A".into(),
            sev,
            String::new(),
            String::new(),
            String::new(),
        )
    };
    let p = Policy::default();
    assert!(p.sound_for(&n(Severity::Critical, NoteKind::Alert)));
    assert!(!p.sound_for(&n(Severity::Warning, NoteKind::Alert)));
    assert!(!p.sound_for(&n(Severity::Critical, NoteKind::Resolved)));
    assert!(!p.sound_for(&n(Severity::Info, NoteKind::Recovered)));
    let p = Policy {
        sound: vec![Severity::Warning, Severity::Unknown],
        ..Policy::default()
    };
    assert!(!p.sound_for(&n(Severity::Critical, NoteKind::Alert)));
    assert!(p.sound_for(&n(Severity::Warning, NoteKind::Alert)));
    assert!(p.sound_for(&n(Severity::Unknown, NoteKind::Alert)));
    let p = Policy {
        sound: vec![],
        ..Policy::default()
    };
    assert!(
        !p.sound_for(&n(Severity::Critical, NoteKind::Alert)),
        "sound off for all"
    );
}

#[track_caller]
fn check_link(input: &str, expect: Option<Link>) {
    assert_eq!(parse_link(input), expect, "{input}");
}

#[test]
fn links() {
    check_link(
        "watchdesk://alert/default/abc123",
        Some(Link::Alert {
            source: "default".into(),
            fingerprint: "abc123".into(),
        }),
    );
    check_link(
        &alert_link("site a/b", "f"),
        Some(Link::Alert {
            source: "site a/b".into(),
            fingerprint: "f".into(),
        }),
    );
    check_link("watchdesk://alerts", Some(Link::Alerts { group: None }));
    check_link(
        "watchdesk://alerts/ServiceDown",
        Some(Link::Alerts {
            group: Some("ServiceDown".into()),
        }),
    );
    check_link("watchdesk://alert/x", None);
    check_link("https://evil/alert/a/b", None);
    check_link("watchdesk://", None);
    check_link("watchdesk://alert//", None);
}

// ---------------------------------------------------------------- the monitoring pipeline

fn site() -> Vec<SiteConfig> {
    vec![SiteConfig {
        name: "s".into(),
        prometheus: Endpoint::new("http://p:9090"),
        alertmanagers: vec![Endpoint::new("http://a:9093")],
        loki: None,
    }]
}

fn watchdog() -> ReportedAlert {
    let (mut a, _) = spec("Watchdog none -");
    a.alert.labels.remove("instance");
    a
}

fn titles(v: &[Notification]) -> Vec<String> {
    v.iter().map(|n| n.alertname.clone()).collect()
}

#[test]
fn watchdog_missing_is_a_broken_pipeline_once_and_its_return_is_told() {
    let c = Cache::open_in_memory().unwrap();
    let l = PipelineLimits::default();
    let p = Policy::default();
    let am = "alertmanager http://a:9093/";
    c.record_success("s", am, 0, 1).unwrap();
    c.record_success("s", "prometheus", 0, 1).unwrap();
    c.sync_alerts("s", &[watchdog()], true, 0).unwrap();
    assert!(pipeline_due(&c, &site(), l, &p, 1_000).unwrap().is_empty());
    // Watchdog stops arriving; Alertmanager still answers.
    c.sync_alerts("s", &[], true, 2_000).unwrap();
    c.record_success("s", am, 2_000, 1).unwrap();
    assert!(
        pipeline_due(&c, &site(), l, &p, 60_000).unwrap().is_empty(),
        "grace"
    );
    let n = pipeline_due(&c, &site(), l, &p, 1_000 + l.watchdog_grace_ms).unwrap();
    assert_eq!(titles(&n), vec!["monitoring pipeline of s broken"]);
    assert_eq!(n[0].severity, Severity::Critical);
    assert_eq!(n[0].title, "CRITICAL monitoring pipeline of s broken");
    assert!(
        pipeline_due(&c, &site(), l, &p, 900_000)
            .unwrap()
            .is_empty(),
        "once"
    );
    c.sync_alerts("s", &[watchdog()], true, 950_000).unwrap();
    let n = pipeline_due(&c, &site(), l, &p, 960_000).unwrap();
    assert_eq!(titles(&n), vec!["monitoring pipeline of s restored"]);
}

#[test]
fn a_source_unreachable_for_long_is_notified_and_so_is_its_recovery() {
    let c = Cache::open_in_memory().unwrap();
    let l = PipelineLimits::default();
    let p = Policy::default();
    c.record_success("s", "prometheus", 0, 1).unwrap();
    c.record_failure("s", "prometheus", 10_000, "connection refused", true)
        .unwrap();
    assert!(pipeline_due(&c, &site(), l, &p, 30_000).unwrap().is_empty());
    let n = pipeline_due(&c, &site(), l, &p, l.unreachable_ms + 1).unwrap();
    assert_eq!(titles(&n), vec!["s prometheus unreachable"]);
    assert!(n[0].body.contains("connection refused"));
    assert!(
        pipeline_due(&c, &site(), l, &p, 500_000)
            .unwrap()
            .is_empty(),
        "once"
    );
    c.record_success("s", "prometheus", 600_000, 1).unwrap();
    let n = pipeline_due(&c, &site(), l, &p, 600_001).unwrap();
    assert_eq!(titles(&n), vec!["s prometheus reachable again"]);
    assert_eq!(n[0].title, "INFO s prometheus reachable again");
}

/// Regression: an Alertmanager configured as `http://HOST:80` (or with `user:pass@`, or an upper-
/// case host) was never found in the health table, which holds the normalised, redacted URL the
/// client reports: it looked healthy while dead, and "unreachable" was never notified.
#[test]
fn an_alertmanager_url_written_differently_is_still_seen_unreachable() {
    for configured in [
        "http://A-HOST:80",
        "http://ops:secret@a-host:80/",
        "https://a-host:443",
    ] {
        let c = Cache::open_in_memory().unwrap();
        let sites = vec![SiteConfig {
            name: "s".into(),
            prometheus: Endpoint::new("http://p:9090"),
            alertmanagers: vec![Endpoint::new(configured)],
            loki: None,
        }];
        // What the poller records: the component named after the client's URL.
        let component =
            crate::cache::health::alertmanager_component(&crate::source::display_url(configured));
        c.record_failure("s", &component, 0, "connection refused", true)
            .unwrap();
        let keys = crate::config::health_keys(&sites);
        let h = c.health_of(&keys).unwrap();
        assert_eq!(h.len(), 1, "{configured}: {keys:?}");
        assert!(!component.contains("secret"), "{component}");
        let n = pipeline_due(
            &c,
            &sites,
            PipelineLimits::default(),
            &Policy::default(),
            10 * MIN,
        )
        .unwrap();
        assert_eq!(n.len(), 1, "{configured}: {n:?}");
        assert!(
            n[0].alertname.ends_with("unreachable"),
            "{}",
            n[0].alertname
        );
    }
}
