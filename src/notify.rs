//! Which desktop notifications are due, decided from the cache, never from a notification daemon:
//! each decision is recorded (notification marks, the storm window, pipeline flags) before it is
//! returned, so neither a restart of the app nor of Alertmanager repeats a notification.
//!
//! [`due`] covers alerts (new ones; critical ones nobody acknowledged again every `notify_repeat`;
//! alerts arriving together as one; a storm as one summary; "resolved" for notified alerts that are
//! gone). [`pipeline_due`] covers the monitoring itself. The desk's notification clock
//! (`desk::notifications`) calls both on every alerts change and on a timer, so repeats happen while
//! nothing changes. The desktop shell only displays what they return.

use std::collections::{HashMap, HashSet};

use crate::cache::{Cache, CacheError, CachedAlert, NotifyMark, PipelineFlag};
use crate::severity::Severity;
use crate::source::{AlertState, Matcher, Silence};
use crate::time::Millis;

/// The always-firing heartbeat alert (a dead man's switch): not an operator alert, so it is neither
/// listed, counted nor notified; its absence is ("monitoring pipeline broken").
pub const HEARTBEAT: &str = "Watchdog";

/// Notification settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Severities that notify (default: critical only).
    pub severities: Vec<Severity>,
    /// No notifications before this time (the tray's "mute for 15 min").
    pub muted_until: Option<Millis>,
    /// A critical alert still firing that nobody acknowledged is notified again after this long;
    /// 0 = never again.
    pub critical_repeat_ms: i64,
    /// A notified alert that resolves is notified as resolved.
    pub resolved: bool,
    /// Quiet rules: an alert matching every matcher of one rule raises no notification (it is still
    /// listed and counted).
    pub quiet: Vec<Vec<Matcher>>,
    /// Severities whose notification asks the daemon for a sound (default: critical).
    pub sound: Vec<Severity>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            severities: vec![Severity::Critical],
            muted_until: None,
            critical_repeat_ms: 5 * 60_000,
            resolved: true,
            quiet: Vec::new(),
            sound: vec![Severity::Critical],
        }
    }
}

/// Severity words of the config (`"critical"`, `"unknown"`, or an alias such as `"page"`).
fn levels(words: &[String]) -> Vec<Severity> {
    let mut v: Vec<Severity> = words.iter().map(|w| Severity::from_label(w)).collect();
    v.sort();
    v.dedup();
    v
}

impl Policy {
    /// The policy of a configuration (not muted).
    pub fn from_config(cfg: &crate::config::Config) -> Policy {
        Policy {
            severities: levels(&cfg.notify_severities),
            muted_until: None,
            critical_repeat_ms: cfg.notify_repeat_ms,
            resolved: true,
            quiet: cfg.quiet.clone(),
            sound: levels(&cfg.notify_sound),
        }
    }

    /// Whether a notification asks for a sound: its severity is in `notify_sound` ("resolved" and
    /// "reachable again" never sound).
    pub fn sound_for(&self, n: &Notification) -> bool {
        !matches!(n.kind, NoteKind::Resolved | NoteKind::Recovered)
            && self.sound.contains(&n.severity)
    }

    pub fn is_muted(&self, now: Millis) -> bool {
        self.muted_until.is_some_and(|t| now < t)
    }

    fn wants(&self, a: &CachedAlert) -> bool {
        if a.alertname == HEARTBEAT {
            return false;
        }
        if self.quiet.iter().any(|rule| {
            !rule.is_empty()
                && rule
                    .iter()
                    .all(|m| crate::source::matcher::matcher_matches(m, &a.labels))
        }) {
            return false;
        }
        self.severities.contains(&a.severity())
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// One new alert (it can be acknowledged from the notification).
    Alert,
    /// A critical alert still firing that nobody acknowledged.
    Repeat,
    /// Alerts of one group that arrived together ("ServiceDown on 7 instances").
    Group,
    /// More than [`STORM`] new alerts at once: one summary.
    Storm,
    /// Notified alerts that are gone.
    Resolved,
    /// The monitoring itself: a source unreachable for long, the Watchdog heartbeat missing.
    Pipeline,
    /// The monitoring is back.
    Recovered,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub kind: NoteKind,
    pub source: String,
    /// The one alert it is about; empty for groups, summaries and pipeline notes.
    pub fingerprint: String,
    /// What it is about: an alert name, "ServiceDown on 7 instances", "alert storm: 300 new alerts".
    pub alertname: String,
    pub severity: Severity,
    /// "CRITICAL ServiceDown", "RESOLVED ServiceDown".
    pub title: String,
    pub summary: String,
    pub body: String,
    /// `watchdesk://alert/<source>/<fingerprint>` (opens the alert's detail) or
    /// `watchdesk://alerts[/<group>]` (the filtered list).
    pub link: String,
}

impl Notification {
    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: NoteKind,
        source: &str,
        fingerprint: &str,
        subject: String,
        severity: Severity,
        summary: String,
        body: String,
        link: String,
    ) -> Notification {
        let word = match kind {
            NoteKind::Resolved => "RESOLVED".to_string(),
            _ => severity.as_str().to_uppercase(),
        };
        Notification {
            kind,
            source: source.to_string(),
            fingerprint: fingerprint.to_string(),
            title: format!("{word} {subject}"),
            alertname: subject,
            severity,
            summary,
            body,
            link,
        }
    }

    /// A single alert, which the notification's "Acknowledge 1 h" action can acknowledge.
    pub fn can_acknowledge(&self) -> bool {
        matches!(self.kind, NoteKind::Alert | NoteKind::Repeat) && !self.fingerprint.is_empty()
    }
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

fn group_link(alertname: &str) -> String {
    format!("watchdesk://alerts/{}", pct_encode(alertname))
}

const LIST_LINK: &str = "watchdesk://alerts";

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

/// More new alerts than this in one round is a storm: one summary notification.
pub const STORM: usize = 20;

/// After a storm, new alerts are folded into its summary until this long passes without any.
pub const STORM_WINDOW_MS: i64 = 30_000;

/// Whether an alert is acknowledged (an ack silence in the cache, or one queued): acknowledging
/// stops its repeats at once, before the next alerts round reports it silenced.
struct Acks {
    silences: HashMap<String, Vec<Silence>>,
    pending: Vec<crate::cache::acks::PendingAck>,
}

impl Acks {
    fn load(cache: &Cache) -> Result<Acks, CacheError> {
        let mut silences: HashMap<String, Vec<Silence>> = HashMap::new();
        for (source, s) in cache.silences(None)? {
            silences.entry(source).or_default().push(s);
        }
        Ok(Acks {
            silences,
            pending: cache.pending_acks(None)?,
        })
    }

    fn acknowledged(&self, a: &CachedAlert, now: Millis) -> bool {
        let silences = self
            .silences
            .get(&a.source)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        crate::ack::ack_of(&a.labels, silences, now).is_some()
            || crate::ack::pending_for(&a.source, &a.labels, &self.pending)
    }
}

/// A new or repeated notification of one alert, before grouping.
struct Item {
    job: String,
    instance: String,
    note: Notification,
}

/// The alerts that are firing, wanted by the policy and not notified before (or due again); each is
/// marked as notified in the cache before it is returned (at most once, even across restarts).
/// Marks of alerts that are gone are removed, and notified as resolved, so a later re-fire notifies
/// again.
pub fn due(cache: &Cache, policy: &Policy, now: Millis) -> Result<Vec<Notification>, CacheError> {
    let alerts = cache.current_alerts(None)?;
    let marks: HashMap<(String, String), NotifyMark> = cache
        .notify_marks()?
        .into_iter()
        .map(|m| ((m.source.clone(), m.fingerprint.clone()), m))
        .collect();
    let acks = Acks::load(cache)?;
    let muted = policy.is_muted(now);
    let mut items = Vec::new();
    let mut set = Vec::new();
    for a in &alerts {
        if a.state != AlertState::Active || !policy.wants(a) || acks.acknowledged(a, now) {
            continue;
        }
        let severity = a.severity();
        let kind = match marks.get(&(a.source.clone(), a.fingerprint.clone())) {
            None => NoteKind::Alert,
            Some(m) => {
                // Already notified: again only for a critical alert nobody acknowledged.
                let due_again = policy.critical_repeat_ms > 0
                    && severity == Severity::Critical
                    && now.saturating_sub(m.notified_at) >= policy.critical_repeat_ms;
                if !due_again {
                    continue;
                }
                NoteKind::Repeat
            }
        };
        // Marked even while muted: a muted alert is not notified later in a burst.
        set.push(NotifyMark {
            source: a.source.clone(),
            fingerprint: a.fingerprint.clone(),
            notified_at: now,
            alertname: a.alertname.clone(),
            instance: a.labels.get("instance").cloned().unwrap_or_default(),
            severity: severity.as_str().to_string(),
        });
        if muted {
            continue;
        }
        let summary = a.annotations.get("summary").cloned().unwrap_or_default();
        let mut body = if kind == NoteKind::Repeat {
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
        items.push(Item {
            job: a.labels.get("job").cloned().unwrap_or_default(),
            instance: a.labels.get("instance").cloned().unwrap_or_default(),
            note: Notification::new(
                kind,
                &a.source,
                &a.fingerprint,
                a.alertname.clone(),
                severity,
                summary,
                body,
                alert_link(&a.source, &a.fingerprint),
            ),
        });
    }
    let current: HashSet<(&str, &str)> = alerts
        .iter()
        .map(|a| (a.source.as_str(), a.fingerprint.as_str()))
        .collect();
    let gone: Vec<NotifyMark> = marks
        .into_values()
        .filter(|m| !current.contains(&(m.source.as_str(), m.fingerprint.as_str())))
        .collect();
    let forget: Vec<(String, String)> = gone
        .iter()
        .map(|m| (m.source.clone(), m.fingerprint.clone()))
        .collect();
    cache.update_notify_marks(&set, &forget)?;
    // A storm that spans several alert rounds stays one summary: while one is on (and as long as
    // new alerts keep arriving), the newcomers are folded into it; they are in the alert list.
    let in_storm = cache.storm_until()?.is_some_and(|t| now < t);
    if items.len() > STORM || (in_storm && !items.is_empty()) {
        cache.set_storm_until(now.saturating_add(STORM_WINDOW_MS))?;
    }
    let mut notes = if in_storm && !items.is_empty() {
        tracing::info!(
            "{} more new alerts during an alert storm: folded into its summary",
            items.len()
        );
        Vec::new()
    } else {
        group(items)
    };
    if policy.resolved && !muted {
        notes.extend(resolved_notes(gone));
    }
    Ok(notes)
}

fn resolved_notes(mut gone: Vec<NotifyMark>) -> Vec<Notification> {
    gone.retain(|m| !m.alertname.is_empty());
    gone.sort_by(|a, b| (&a.source, &a.alertname).cmp(&(&b.source, &b.alertname)));
    match gone.len() {
        0 => Vec::new(),
        1 => {
            let m = &gone[0];
            vec![Notification::new(
                NoteKind::Resolved,
                &m.source,
                "",
                m.alertname.clone(),
                Severity::parse_word(&m.severity).unwrap_or(Severity::Unknown),
                m.instance.clone(),
                m.instance.clone(),
                LIST_LINK.into(),
            )]
        }
        n => {
            let mut names: Vec<String> = gone.iter().map(|m| m.alertname.clone()).collect();
            names.dedup();
            let worst = gone
                .iter()
                .filter_map(|m| Severity::parse_word(&m.severity))
                .min()
                .unwrap_or(Severity::Unknown);
            vec![Notification::new(
                NoteKind::Resolved,
                &gone[0].source,
                "",
                format!("{n} alerts"),
                worst,
                names.join(", "),
                names.join(", "),
                LIST_LINK.into(),
            )]
        }
    }
}

/// Alerts that arrive together for the same group (source, alertname, job) become one notification
/// ("ServiceDown on 7 instances"); a storm becomes one summary. Respecting grouping: one instance
/// down should not produce twenty notifications.
fn group(items: Vec<Item>) -> Vec<Notification> {
    if items.len() > STORM {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for i in &items {
            *counts.entry(i.note.alertname.as_str()).or_default() += 1;
        }
        let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
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
            .map(|i| i.note.severity)
            .min()
            .unwrap_or(Severity::Unknown);
        return vec![Notification::new(
            NoteKind::Storm,
            &items[0].note.source,
            "",
            format!("alert storm: {} new alerts", items.len()),
            worst,
            body.join(", "),
            body.join("\n"),
            LIST_LINK.into(),
        )];
    }
    // (source, alertname, job) -> [(instance, notification)], in order of arrival.
    let mut order: Vec<(String, String, String)> = Vec::new();
    let mut groups: HashMap<(String, String, String), Vec<(String, Notification)>> = HashMap::new();
    for i in items {
        let key = (i.note.source.clone(), i.note.alertname.clone(), i.job);
        let entry = groups.entry(key.clone()).or_default();
        if entry.is_empty() {
            order.push(key);
        }
        entry.push((i.instance, i.note));
    }
    order
        .into_iter()
        .filter_map(|key| {
            let mut v = groups.remove(&key)?;
            let (source, alertname, job) = key;
            if v.len() == 1 {
                return v.pop().map(|(_, n)| n);
            }
            let mut body = v
                .iter()
                .take(4)
                .map(|(i, _)| i.clone())
                .collect::<Vec<_>>()
                .join(", ");
            if v.len() > 4 {
                body.push_str(&format!(" and {} more", v.len() - 4));
            }
            let worst = v
                .iter()
                .map(|(_, n)| n.severity)
                .min()
                .unwrap_or(Severity::Unknown);
            Some(Notification::new(
                NoteKind::Group,
                &source,
                "",
                format!("{alertname} on {} instances", v.len()),
                worst,
                if job.is_empty() {
                    String::new()
                } else {
                    format!("job {job}")
                },
                body,
                group_link(&alertname),
            ))
        })
        .collect()
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

fn pipeline_note(source: &str, kind: NoteKind, title: String, body: String) -> Notification {
    let severity = if kind == NoteKind::Recovered {
        Severity::Info
    } else {
        Severity::Critical
    };
    Notification::new(
        kind,
        source,
        "",
        title,
        severity,
        body.clone(),
        body,
        LIST_LINK.into(),
    )
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
    let health = cache.health_of(&crate::config::health_keys(sites))?;
    for site in sites {
        // Sources unreachable for too long, and back again.
        for h in health.iter().filter(|h| h.source == site.name) {
            let flag = cache.pipeline_flag(&h.source, PipelineFlag::Unreachable, &h.component)?;
            let down_since = h.last_success.unwrap_or(h.last_attempt);
            let down = h.consecutive_failures > 0
                && now.saturating_sub(down_since) >= limits.unreachable_ms;
            if down && flag.is_none() {
                cache.set_pipeline_flag(&h.source, PipelineFlag::Unreachable, &h.component, now)?;
                out.push(pipeline_note(
                    &site.name,
                    NoteKind::Pipeline,
                    format!("{} {} unreachable", site.name, h.component),
                    format!(
                        "no answer since {}: {}",
                        crate::time::local_hhmm(down_since),
                        h.last_error.clone().unwrap_or_default()
                    ),
                ));
            } else if flag.is_some() && h.consecutive_failures == 0 {
                cache.clear_pipeline_flag(&h.source, PipelineFlag::Unreachable, &h.component)?;
                out.push(pipeline_note(
                    &site.name,
                    NoteKind::Recovered,
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
        let present = cache
            .current_alerts(Some(&site.name))?
            .iter()
            .any(|a| a.alertname == HEARTBEAT);
        if present {
            cache.set_pipeline_flag(&site.name, PipelineFlag::WatchdogSeen, "", now)?;
            if cache
                .pipeline_flag(&site.name, PipelineFlag::WatchdogMissing, "")?
                .is_some()
            {
                cache.clear_pipeline_flag(&site.name, PipelineFlag::WatchdogMissing, "")?;
                out.push(pipeline_note(
                    &site.name,
                    NoteKind::Recovered,
                    format!("monitoring pipeline of {} restored", site.name),
                    "the Watchdog alert arrives again".into(),
                ));
            }
            continue;
        }
        let seen = match cache.pipeline_flag(&site.name, PipelineFlag::WatchdogSeen, "")? {
            Some(t) => t,
            None => {
                // Never seen yet: start counting now, so a fresh install does not alarm at once.
                cache.set_pipeline_flag(&site.name, PipelineFlag::WatchdogSeen, "", now)?;
                now
            }
        };
        if now.saturating_sub(seen) >= limits.watchdog_grace_ms
            && cache
                .pipeline_flag(&site.name, PipelineFlag::WatchdogMissing, "")?
                .is_none()
        {
            cache.set_pipeline_flag(&site.name, PipelineFlag::WatchdogMissing, "", now)?;
            out.push(pipeline_note(
                &site.name,
                NoteKind::Pipeline,
                format!("monitoring pipeline of {} broken", site.name),
                format!(
                    "the always-firing Watchdog alert has not arrived since {}: Prometheus rules or \
                     the path to Alertmanager may be down, and other alerts would not arrive either",
                    crate::time::local_hhmm(seen)
                ),
            ));
        }
    }
    if policy.is_muted(now) {
        return Ok(Vec::new());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
