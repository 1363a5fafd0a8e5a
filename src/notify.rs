//! Which alerts deserve a desktop notification, decided once per alert fingerprint and remembered in
//! the cache, so that neither a restart of the app nor of Alertmanager repeats a notification.
//! Knows nothing of notification daemons: the desktop shell shows what [`due`] returns.

use crate::cache::{Cache, CacheError, CachedAlert};
use crate::source::AlertState;
use crate::time::Millis;

/// Notification settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Severities that notify (default: critical only). `"unknown"` matches a missing severity.
    pub severities: Vec<String>,
    /// No notifications before this time (the tray's "mute for 15 min").
    pub muted_until: Option<Millis>,
    /// A critical alert still firing and not acknowledged (not silenced) is notified again after
    /// this long; 0 = never again.
    pub critical_repeat_ms: i64,
    /// A notified alert that resolves is notified as resolved.
    pub resolved: bool,
    /// Quiet rules: an alert matching every matcher of one rule raises no notification (it is still
    /// listed and counted).
    pub quiet: Vec<Vec<crate::source::Matcher>>,
    /// Severities whose notification asks the daemon for a sound (default: critical).
    pub sound: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            severities: vec!["critical".into()],
            muted_until: None,
            critical_repeat_ms: 5 * 60_000,
            resolved: true,
            quiet: Vec::new(),
            sound: vec!["critical".into()],
        }
    }
}

impl Policy {
    /// The policy of a configuration (not muted).
    pub fn from_config(cfg: &crate::config::Config) -> Policy {
        Policy {
            severities: cfg.notify_severities.clone(),
            muted_until: None,
            critical_repeat_ms: cfg.notify_repeat_ms,
            resolved: true,
            quiet: cfg.quiet.clone(),
            sound: cfg.notify_sound.clone(),
        }
    }

    /// Whether a notification of this severity asks for a sound. Pipeline notifications
    /// ("monitoring pipeline broken") are critical; "resolved" and "info" ones never sound unless
    /// configured.
    pub fn sound_for(&self, severity: &str) -> bool {
        let sev = if severity.is_empty() {
            "unknown"
        } else {
            severity
        };
        self.sound.iter().any(|s| s == sev)
    }

    fn wants(&self, a: &CachedAlert) -> bool {
        if self.quiet.iter().any(|rule| {
            !rule.is_empty()
                && rule
                    .iter()
                    .all(|m| crate::ack::matcher_matches(m, &a.labels))
        }) {
            return false;
        }
        let sev = if a.severity.is_empty() {
            "unknown"
        } else {
            a.severity.as_str()
        };
        self.severities.iter().any(|s| s == sev)
    }
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub severity: String,
    pub summary: String,
    pub body: String,
    /// `watchdesk://alert/<source>/<fingerprint>`: opens the alert's detail view.
    pub link: String,
}

fn meta_key(source: &str, fingerprint: &str) -> String {
    format!("notified/{source}/{fingerprint}")
}

/// A deep link into the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Alert { source: String, fingerprint: String },
    Alerts { group: Option<String> },
}

fn pct_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn alert_link(source: &str, fingerprint: &str) -> String {
    format!(
        "watchdesk://alert/{}/{}",
        pct_encode(source),
        pct_encode(fingerprint)
    )
}

/// Parses `watchdesk://alert/<source>/<fingerprint>` or `watchdesk://alerts[/<group>]`.
pub fn parse_link(link: &str) -> Option<Link> {
    let rest = link.trim().strip_prefix("watchdesk://")?;
    let rest = rest.trim_end_matches('/');
    let parts: Vec<String> = rest
        .split('/')
        .map(|p| {
            url::form_urlencoded::parse(format!("x={p}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    match parts.as_slice() {
        [kind, source, fp] if kind == "alert" && !source.is_empty() && !fp.is_empty() => {
            Some(Link::Alert {
                source: source.clone(),
                fingerprint: fp.clone(),
            })
        }
        [kind] if kind == "alerts" => Some(Link::Alerts { group: None }),
        [kind, group] if kind == "alerts" => Some(Link::Alerts {
            group: Some(group.clone()),
        }),
        _ => None,
    }
}

/// The alerts that are firing, wanted by the policy and not notified before; each is marked as
/// notified in the cache before it is returned (at most once, even across restarts).
/// Marks of alerts that are gone are removed, so a later re-fire notifies again.
pub fn due(cache: &Cache, policy: &Policy, now: Millis) -> Result<Vec<Notification>, CacheError> {
    let alerts = cache.current_alerts(None)?;
    let mut out = Vec::new();
    let muted = policy.muted_until.is_some_and(|t| now < t);
    for a in &alerts {
        if a.state != AlertState::Active || !policy.wants(a) {
            continue;
        }
        let key = meta_key(&a.source, &a.fingerprint);
        let mut repeat = false;
        if let Some(last) = cache.get_meta(&key)? {
            // Already notified: again only for a critical alert nobody acknowledged (an acknowledged
            // or silenced alert is not Active, so it never gets here).
            let last: Millis = mark_time(&last).unwrap_or(now);
            let due_again = policy.critical_repeat_ms > 0
                && a.severity == "critical"
                && now - last >= policy.critical_repeat_ms;
            if !due_again {
                continue;
            }
            repeat = true;
        }
        // Marked even while muted: a muted alert is not notified later in a burst.
        cache.set_meta(&key, &mark(now, a))?;
        if muted {
            continue;
        }
        let summary = a.annotations.get("summary").cloned().unwrap_or_default();
        let mut body = if repeat {
            format!(
                "still firing since {}, not acknowledged\n{summary}",
                crate::time::local_hhmm(a.starts_at)
            )
        } else {
            summary.clone()
        };
        if let Some(inst) = a.labels.get("instance") {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(inst);
        }
        out.push((
            a.labels.get("job").cloned().unwrap_or_default(),
            a.labels.get("instance").cloned().unwrap_or_default(),
            Notification {
                source: a.source.clone(),
                fingerprint: a.fingerprint.clone(),
                alertname: a.alertname.clone(),
                severity: if a.severity.is_empty() {
                    "unknown".into()
                } else {
                    a.severity.clone()
                },
                summary,
                body,
                link: alert_link(&a.source, &a.fingerprint),
            },
        ));
    }
    let resolved = forget_gone(cache, &alerts)?;
    // A storm that spans several alert rounds stays one summary: while one is on (and as long as
    // new alerts keep arriving), the newcomers are folded into it; they are in the alert list.
    let storm_until: Option<Millis> = cache.get_meta(STORM_KEY)?.and_then(|v| v.parse().ok());
    let in_storm = storm_until.is_some_and(|t| now < t);
    if out.len() > STORM || (in_storm && !out.is_empty()) {
        cache.set_meta(STORM_KEY, &(now + STORM_WINDOW_MS).to_string())?;
    }
    let mut notes = if in_storm && !out.is_empty() {
        tracing::info!(
            "{} more new alerts during an alert storm: folded into its summary",
            out.len()
        );
        Vec::new()
    } else {
        group(out)
    };
    if policy.resolved && !muted {
        notes.extend(resolved_notes(resolved));
    }
    Ok(notes)
}

/// What is remembered of a notified alert: when, and enough to say "resolved" after it is gone.
fn mark(now: Millis, a: &CachedAlert) -> String {
    serde_json::json!({
        "t": now,
        "name": a.alertname,
        "instance": a.labels.get("instance").cloned().unwrap_or_default(),
        "severity": a.severity,
    })
    .to_string()
}

/// The time of a mark (older marks were the bare time).
fn mark_time(v: &str) -> Option<Millis> {
    v.parse().ok().or_else(|| {
        serde_json::from_str::<serde_json::Value>(v)
            .ok()?
            .get("t")?
            .as_i64()
    })
}

fn resolved_notes(gone: Vec<(String, serde_json::Value)>) -> Vec<Notification> {
    let named: Vec<(String, String, String, String)> = gone
        .into_iter()
        .filter_map(|(source, v)| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let name = s("name");
            (!name.is_empty()).then(|| (source, name, s("instance"), s("severity")))
        })
        .collect();
    match named.len() {
        0 => Vec::new(),
        1 => {
            let (source, name, instance, _) = named.into_iter().next().unwrap_or_default();
            vec![Notification {
                source,
                fingerprint: String::new(),
                alertname: name,
                severity: "resolved".into(),
                summary: instance.clone(),
                body: instance,
                link: "watchdesk://alerts".into(),
            }]
        }
        n => {
            let mut names: Vec<String> = named.iter().map(|x| x.1.clone()).collect();
            names.sort();
            names.dedup();
            vec![Notification {
                source: named[0].0.clone(),
                fingerprint: String::new(),
                alertname: format!("{n} alerts"),
                severity: "resolved".into(),
                summary: names.join(", "),
                body: names.join(", "),
                link: "watchdesk://alerts".into(),
            }]
        }
    }
}

/// More new alerts than this in one round is a storm: one summary notification.
pub const STORM: usize = 20;

/// After a storm, new alerts are folded into its summary until this long passes without any.
pub const STORM_WINDOW_MS: i64 = 30_000;

const STORM_KEY: &str = "notify/storm_until";

fn sev_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "warning" => 1,
        "unknown" => 2,
        _ => 3,
    }
}

/// Alerts that arrive together for the same group (source, alertname, job) become one notification
/// ("ServiceDown on 7 instances"); a storm becomes one summary. Respecting grouping: one instance
/// down should not produce twenty notifications.
fn group(items: Vec<(String, String, Notification)>) -> Vec<Notification> {
    if items.len() > STORM {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for (_, _, n) in &items {
            match counts.iter_mut().find(|(k, _)| *k == n.alertname) {
                Some((_, c)) => *c += 1,
                None => counts.push((n.alertname.clone(), 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut body: Vec<String> = counts
            .iter()
            .take(5)
            .map(|(k, c)| format!("{k} ×{c}"))
            .collect();
        if counts.len() > 5 {
            body.push(format!("and {} more kinds", counts.len() - 5));
        }
        let worst = items
            .iter()
            .map(|(_, _, n)| n.severity.as_str())
            .min_by_key(|s| sev_rank(s))
            .unwrap_or("unknown")
            .to_string();
        return vec![Notification {
            source: items[0].2.source.clone(),
            fingerprint: String::new(),
            alertname: format!("alert storm: {} new alerts", items.len()),
            severity: worst,
            summary: body.join(", "),
            body: body.join("\n"),
            link: "watchdesk://alerts".into(),
        }];
    }
    // (source, alertname, job) -> [(instance, notification)]
    type Group = ((String, String, String), Vec<(String, Notification)>);
    let mut groups: Vec<Group> = Vec::new();
    for (job, instance, n) in items {
        let key = (n.source.clone(), n.alertname.clone(), job);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push((instance, n)),
            None => groups.push((key, vec![(instance, n)])),
        }
    }
    groups
        .into_iter()
        .map(|((source, alertname, job), mut v)| {
            if v.len() == 1 {
                return v.remove(0).1;
            }
            let instances: Vec<String> = v.iter().map(|(i, _)| i.clone()).collect();
            let mut body = instances
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if instances.len() > 4 {
                body.push_str(&format!(" and {} more", instances.len() - 4));
            }
            let worst = v
                .iter()
                .map(|(_, n)| n.severity.as_str())
                .min_by_key(|s| sev_rank(s))
                .unwrap_or("unknown")
                .to_string();
            Notification {
                link: format!(
                    "watchdesk://alerts/{}",
                    url::form_urlencoded::byte_serialize(alertname.as_bytes()).collect::<String>()
                ),
                alertname: format!("{alertname} on {} instances", v.len()),
                summary: if job.is_empty() {
                    String::new()
                } else {
                    format!("job {job}")
                },
                body,
                severity: worst,
                fingerprint: String::new(),
                source,
            }
        })
        .collect()
}

/// Removes the marks of alerts that are gone and returns them as (source, mark).
fn forget_gone(
    cache: &Cache,
    current: &[CachedAlert],
) -> Result<Vec<(String, serde_json::Value)>, CacheError> {
    let keys = cache.meta_keys("notified/")?;
    let mut gone = Vec::new();
    for k in keys {
        let still = current
            .iter()
            .any(|a| meta_key(&a.source, &a.fingerprint) == k);
        if !still {
            let v = cache.get_meta(&k)?.unwrap_or_default();
            cache.delete_meta(&k)?;
            let source = k
                .strip_prefix("notified/")
                .and_then(|r| r.rsplit_once('/'))
                .map(|(s, _)| s.to_string())
                .unwrap_or_default();
            gone.push((source, serde_json::from_str(&v).unwrap_or_default()));
        }
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(name: &str, job: &str, inst: &str, sev: &str) -> (String, String, Notification) {
        (
            job.into(),
            inst.into(),
            Notification {
                source: "s".into(),
                fingerprint: format!("{name}{inst}"),
                alertname: name.into(),
                severity: sev.into(),
                summary: String::new(),
                body: String::new(),
                link: alert_link("s", &format!("{name}{inst}")),
            },
        )
    }

    #[test]
    fn once_per_alert_and_again_only_for_unacknowledged_criticals() {
        use crate::cache::ReportedAlert;
        use crate::source::{Alert, AlertState, Labels};
        let c = Cache::open_in_memory().unwrap();
        let alert = |fp: &str, sev: &str, state: AlertState| {
            let mut labels = Labels::new();
            labels.insert("alertname".into(), format!("A{fp}"));
            labels.insert("severity".into(), sev.into());
            ReportedAlert {
                alert: Alert {
                    fingerprint: fp.into(),
                    labels,
                    annotations: Labels::new(),
                    starts_at: 1,
                    updated_at: None,
                    ends_at: None,
                    generator_url: None,
                    receivers: vec![],
                    state,
                    silenced_by: if state == AlertState::Suppressed {
                        vec!["s1".into()]
                    } else {
                        vec![]
                    },
                    inhibited_by: vec![],
                },
                reported_by: vec![],
            }
        };
        let p = Policy {
            severities: vec!["critical".into(), "warning".into()],
            ..Policy::default()
        };
        c.sync_alerts(
            "s",
            &[
                alert("1", "critical", AlertState::Active),
                alert("2", "warning", AlertState::Active),
            ],
            true,
            0,
        )
        .unwrap();
        assert_eq!(due(&c, &p, 1_000).unwrap().len(), 2);
        assert!(
            due(&c, &p, 2_000).unwrap().is_empty(),
            "no repeat within the interval"
        );
        let again = due(&c, &p, 1_000 + p.critical_repeat_ms).unwrap();
        assert_eq!(again.len(), 1, "the critical one, not the warning");
        assert!(again[0].body.starts_with("still firing since"));
        // Acknowledged (silenced): never again.
        c.sync_alerts(
            "s",
            &[
                alert("1", "critical", AlertState::Suppressed),
                alert("2", "warning", AlertState::Active),
            ],
            true,
            0,
        )
        .unwrap();
        assert!(due(&c, &p, 10 * p.critical_repeat_ms).unwrap().is_empty());
        // A restart reads the same marks: nothing new.
        assert!(due(&c, &p, 10 * p.critical_repeat_ms + 1)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_storm_over_several_rounds_is_one_summary() {
        use crate::cache::ReportedAlert;
        use crate::source::{Alert, AlertState, Labels};
        let c = Cache::open_in_memory().unwrap();
        let alert = |i: usize| {
            let mut labels = Labels::new();
            labels.insert("alertname".into(), "StormProbe".into());
            labels.insert("severity".into(), "critical".into());
            labels.insert("instance".into(), format!("10.0.0.{i}:80"));
            ReportedAlert {
                alert: Alert {
                    fingerprint: format!("f{i}"),
                    labels,
                    annotations: Labels::new(),
                    starts_at: 1,
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
        };
        let p = Policy::default();
        let first: Vec<_> = (0..150).map(alert).collect();
        c.sync_alerts("s", &first, true, 0).unwrap();
        let n = due(&c, &p, 1_000).unwrap();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].alertname, "alert storm: 150 new alerts");
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
        assert_eq!(n[0].fingerprint, "f999");
    }

    #[test]
    fn alerts_arriving_together_are_grouped() {
        let out = group(vec![
            n("ServiceDown", "go-api", "a:1", "critical"),
            n("ServiceDown", "go-api", "b:1", "critical"),
            n("ServiceDown", "minio", "m:1", "critical"),
            n("HighCPUUsage", "node", "h:1", "critical"),
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
    fn a_storm_is_one_summary() {
        let mut items: Vec<_> = (0..300)
            .map(|i| {
                n(
                    "ServiceDown",
                    "recording-service",
                    &format!("10.0.0.{i}:80"),
                    "critical",
                )
            })
            .collect();
        items.push(n("HighLatency", "go-api", "x", "warning"));
        let out = group(items);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].alertname, "alert storm: 301 new alerts");
        assert_eq!(out[0].severity, "critical");
        assert!(
            out[0].summary.starts_with("ServiceDown ×300"),
            "{}",
            out[0].summary
        );
        assert_eq!(out[0].link, "watchdesk://alerts");
    }

    #[test]
    fn sound_per_severity() {
        let p = Policy::default();
        assert!(p.sound_for("critical"), "critical sounds by default");
        assert!(!p.sound_for("warning") && !p.sound_for("resolved") && !p.sound_for("info"));
        let p = Policy {
            sound: vec!["warning".into(), "unknown".into()],
            ..Policy::default()
        };
        assert!(!p.sound_for("critical"));
        assert!(p.sound_for("warning"));
        assert!(p.sound_for(""), "a missing severity is \"unknown\"");
        let p = Policy {
            sound: vec![],
            ..Policy::default()
        };
        assert!(!p.sound_for("critical"), "sound off for all");
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
}

/// How long the monitoring pipeline may be silent before the operator is told.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PipelineLimits {
    /// The always-firing Watchdog alert missing this long (while Alertmanager answers): broken.
    pub watchdog_grace_ms: i64,
    /// A source component unreachable this long is notified, and so is its recovery.
    pub unreachable_ms: i64,
}

impl Default for PipelineLimits {
    fn default() -> Self {
        PipelineLimits {
            watchdog_grace_ms: 3 * 60_000,
            unreachable_ms: 2 * 60_000,
        }
    }
}

impl PipelineLimits {
    /// `watchdog_grace` and `unreachable_after` of a configuration.
    pub fn from_config(cfg: &crate::config::Config) -> PipelineLimits {
        PipelineLimits {
            watchdog_grace_ms: cfg.watchdog_grace_ms,
            unreachable_ms: cfg.unreachable_after_ms,
        }
    }
}

fn pipeline_note(source: &str, severity: &str, title: String, body: String) -> Notification {
    Notification {
        source: source.to_string(),
        fingerprint: String::new(),
        alertname: title,
        severity: severity.into(),
        summary: body.clone(),
        body,
        link: "watchdesk://alerts".into(),
    }
}

/// Notifications about the monitoring itself: a dead man's switch on the always-firing `Watchdog`
/// alert ("monitoring pipeline broken" although nothing else fires), and sources unreachable for
/// longer than a limit, and their recovery. Each state change is notified once (flags in the cache).
pub fn pipeline_due(
    cache: &Cache,
    sites: &[crate::config::SiteConfig],
    limits: PipelineLimits,
    policy: &Policy,
    now: Millis,
) -> Result<Vec<Notification>, CacheError> {
    let mut out = Vec::new();
    let muted = policy.muted_until.is_some_and(|t| now < t);
    let health = crate::view::current_health(cache, sites);
    for site in sites {
        // Sources unreachable for too long, and back again.
        for h in health.iter().filter(|h| h.source == site.name) {
            let flag = format!("pipeline/unreachable/{}/{}", h.source, h.component);
            let was = cache.get_meta(&flag)?.is_some();
            let down_since = h.last_success.unwrap_or(h.last_attempt);
            let down = h.consecutive_failures > 0 && now - down_since >= limits.unreachable_ms;
            if down && !was {
                cache.set_meta(&flag, &now.to_string())?;
                out.push(pipeline_note(
                    &site.name,
                    "critical",
                    format!("{} {} unreachable", site.name, h.component),
                    format!(
                        "no answer since {}: {}",
                        crate::time::local_hhmm(down_since),
                        h.last_error.clone().unwrap_or_default()
                    ),
                ));
            } else if was && h.consecutive_failures == 0 {
                cache.delete_meta(&flag)?;
                out.push(pipeline_note(
                    &site.name,
                    "info",
                    format!("{} {} reachable again", site.name, h.component),
                    "data is current again".into(),
                ));
            }
        }
        // The dead man's switch: only judged while an Alertmanager of the site answers.
        let am_ok = health.iter().any(|h| {
            h.source == site.name
                && h.component.starts_with("alertmanager")
                && h.consecutive_failures == 0
        });
        if site.alertmanagers.is_empty() || !am_ok {
            continue;
        }
        let seen_key = format!("pipeline/watchdog_seen/{}", site.name);
        let flag = format!("pipeline/watchdog_missing/{}", site.name);
        let present = cache
            .current_alerts(Some(&site.name))?
            .iter()
            .any(|a| a.alertname == "Watchdog");
        if present {
            cache.set_meta(&seen_key, &now.to_string())?;
            if cache.get_meta(&flag)?.is_some() {
                cache.delete_meta(&flag)?;
                out.push(pipeline_note(
                    &site.name,
                    "info",
                    format!("monitoring pipeline of {} restored", site.name),
                    "the Watchdog alert arrives again".into(),
                ));
            }
            continue;
        }
        let seen: Millis = match cache.get_meta(&seen_key)?.and_then(|v| v.parse().ok()) {
            Some(t) => t,
            None => {
                // Never seen yet: start counting now, so a fresh install does not alarm at once.
                cache.set_meta(&seen_key, &now.to_string())?;
                now
            }
        };
        if now - seen >= limits.watchdog_grace_ms && cache.get_meta(&flag)?.is_none() {
            cache.set_meta(&flag, &now.to_string())?;
            out.push(pipeline_note(
                &site.name,
                "critical",
                format!("monitoring pipeline of {} broken", site.name),
                format!(
                    "the always-firing Watchdog alert has not arrived since {}: Prometheus rules or \
                     the path to Alertmanager may be down, and other alerts would not arrive either",
                    crate::time::local_hhmm(seen)
                ),
            ));
        }
    }
    if muted {
        return Ok(Vec::new());
    }
    Ok(out)
}

#[cfg(test)]
mod pipeline_tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::source::{Alert, AlertState, Endpoint, Labels};

    fn site() -> Vec<SiteConfig> {
        vec![SiteConfig {
            name: "s".into(),
            prometheus: Endpoint::new("http://p:9090"),
            alertmanagers: vec![Endpoint::new("http://a:9093")],
        }]
    }

    fn watchdog() -> crate::cache::ReportedAlert {
        let mut labels = Labels::new();
        labels.insert("alertname".into(), "Watchdog".into());
        crate::cache::ReportedAlert {
            alert: Alert {
                fingerprint: "w".into(),
                labels,
                annotations: Labels::new(),
                starts_at: 1,
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

    fn titles(v: &[Notification]) -> Vec<String> {
        v.iter().map(|n| n.alertname.clone()).collect()
    }

    #[test]
    fn watchdog_missing_is_a_broken_pipeline_once_and_its_return_is_told() {
        let c = Cache::open_in_memory().unwrap();
        let l = PipelineLimits::default();
        let p = Policy::default();
        let am = "alertmanager http://a:9093";
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
        assert_eq!(n[0].severity, "critical");
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
    }
}
