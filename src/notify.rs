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
        out.push(Notification {
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
        });
    }
    forget_gone(cache, &alerts)?;
    Ok(out)
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
