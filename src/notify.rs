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
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            severities: vec!["critical".into()],
            muted_until: None,
        }
    }
}

impl Policy {
    fn wants(&self, a: &CachedAlert) -> bool {
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
        if cache.get_meta(&key)?.is_some() {
            continue;
        }
        // Marked even while muted: a muted alert is not notified later in a burst.
        cache.set_meta(&key, &now.to_string())?;
        if muted {
            continue;
        }
        let summary = a.annotations.get("summary").cloned().unwrap_or_default();
        let mut body = summary.clone();
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
    forget_gone(cache, &alerts)?;
    Ok(group(out))
}

/// More new alerts than this in one round is a storm: one summary notification.
pub const STORM: usize = 20;

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

fn forget_gone(cache: &Cache, current: &[CachedAlert]) -> Result<(), CacheError> {
    let keys = cache.meta_keys("notified/")?;
    for k in keys {
        let still = current
            .iter()
            .any(|a| meta_key(&a.source, &a.fingerprint) == k);
        if !still {
            cache.delete_meta(&k)?;
        }
    }
    Ok(())
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
