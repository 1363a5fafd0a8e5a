//! Acknowledgements: an acknowledgement is an Alertmanager silence made from Watchdesk, with default
//! matchers alertname + instance, a duration, an author and a comment. Its comment starts with
//! [`ACK_PREFIX`], which tells it apart from a maintenance silence made elsewhere. When no
//! Alertmanager of the site answers, it is queued in the cache and sent when one does.

use crate::cache::acks::{AckAction, PendingAck};
use crate::cache::Cache;
use crate::source::matcher::silence_matches;
use crate::source::{Labels, Matcher, NewSilence, Silence, SilenceState, Site};
use crate::time::Millis;

/// The comment prefix of silences that are acknowledgements.
pub const ACK_PREFIX: &str = "[ack] ";

/// An acknowledgement as the operator sees it: "acknowledged by Sam, 10 min ago, until 04:00".
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub silence_id: String,
    pub by: String,
    pub at: Millis,
    pub until: Millis,
    pub comment: String,
}

pub fn is_ack(s: &Silence) -> bool {
    s.comment.starts_with(ACK_PREFIX)
}

/// alertname + instance (when the alert has them).
pub fn default_matchers(labels: &Labels) -> Vec<Matcher> {
    ["alertname", "instance"]
        .iter()
        .filter_map(|k| {
            labels.get(*k).map(|v| Matcher {
                name: k.to_string(),
                value: v.clone(),
                is_regex: false,
                is_equal: true,
            })
        })
        .collect()
}

fn active(s: &Silence, now: Millis) -> bool {
    s.state == SilenceState::Active
        || (s.starts_at <= now && now < s.ends_at && s.state != SilenceState::Expired)
}

/// The acknowledgement of an alert: the newest active ack silence matching its labels.
pub fn ack_of(labels: &Labels, silences: &[Silence], now: Millis) -> Option<Ack> {
    silences
        .iter()
        .filter(|s| is_ack(s) && active(s, now) && silence_matches(s, labels))
        .max_by_key(|s| s.starts_at)
        .map(|s| Ack {
            silence_id: s.id.clone(),
            by: s.created_by.clone(),
            at: s.starts_at,
            until: s.ends_at,
            comment: s.comment.trim_start_matches(ACK_PREFIX).to_string(),
        })
}

/// Active silences matching an alert that are not acknowledgements (maintenance windows).
pub fn maintenance_of<'a>(
    labels: &Labels,
    silences: &'a [Silence],
    now: Millis,
) -> Vec<&'a Silence> {
    silences
        .iter()
        .filter(|s| !is_ack(s) && active(s, now) && silence_matches(s, labels))
        .collect()
}

/// Whether an acknowledgement of this alert is queued (no Alertmanager accepted it yet).
pub fn pending_for(source: &str, labels: &Labels, pending: &[PendingAck]) -> bool {
    pending.iter().any(|p| {
        p.source == source
            && p.action == AckAction::Ack
            && !p.matchers.is_empty()
            && p.matchers
                .iter()
                .all(|m| crate::source::matcher::matcher_matches(m, labels))
    })
}

/// What became of an (un)acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Accepted by an Alertmanager (the silence id).
    Sent(String),
    /// No Alertmanager answered: kept in the cache, sent when one does.
    Queued { id: i64, reason: String },
}

/// The shortest and longest acknowledgement. Longer is a maintenance window: make that a silence in
/// Alertmanager, where everyone sees it as one.
pub const MIN_ACK_MS: i64 = 60_000;
pub const MAX_ACK_MS: i64 = 7 * 86_400_000;

/// Why an (un)acknowledgement was not made. Nothing is queued or sent in these cases.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    #[error("an acknowledgement is for one alert: it needs alertname=\"…\" (and usually instance); for a wider silence, such as a maintenance window, use Alertmanager")]
    NeedsAlertname,
    #[error("an acknowledgement lasts between 1 min and 7 days, not {0}; for longer, make a maintenance silence in Alertmanager")]
    Duration(String),
    #[error("an acknowledgement needs an author (--author NAME, or the name field)")]
    NoAuthor,
    #[error("the site {0:?} has no Alertmanager configured, so nothing can be acknowledged there")]
    NoAlertmanager(String),
    #[error("Alertmanager refused the acknowledgement: {0}")]
    Refused(String),
    #[error("the acknowledgement could not be kept: {0}")]
    Cache(#[from] crate::cache::CacheError),
}

/// Checks what an acknowledgement may be: one alert's matchers, 1 min..7 days, an author.
pub fn check_ack(matchers: &[Matcher], duration_ms: i64, author: &str) -> Result<(), AckError> {
    let names_alert = matchers
        .iter()
        .any(|m| m.name == "alertname" && m.is_equal && !m.is_regex && !m.value.is_empty());
    if !names_alert {
        return Err(AckError::NeedsAlertname);
    }
    if !(MIN_ACK_MS..=MAX_ACK_MS).contains(&duration_ms) {
        return Err(AckError::Duration(crate::time::human_duration(duration_ms)));
    }
    if author.trim().is_empty() {
        return Err(AckError::NoAuthor);
    }
    Ok(())
}

/// Sends to the first member that answers; `Err` for a refusal (bad matchers...), `Ok(None)` when
/// no member could be reached.
async fn send(site: &Site, p: &PendingAck) -> Result<Option<String>, AckError> {
    if site.alertmanagers.is_empty() {
        return Err(AckError::NoAlertmanager(site.name.clone()));
    }
    let mut last = String::new();
    for am in &site.alertmanagers {
        let res = match &p.action {
            AckAction::Ack => {
                am.create_silence(&NewSilence {
                    id: None,
                    matchers: p.matchers.clone(),
                    starts_at: p.starts_at,
                    ends_at: p.ends_at,
                    created_by: p.created_by.clone(),
                    comment: p.comment.clone(),
                })
                .await
            }
            AckAction::Unack { silence_id } => am
                .expire_silence(silence_id)
                .await
                .map(|_| silence_id.clone()),
        };
        match res {
            Ok(id) => return Ok(Some(id)),
            Err(e) if e.is_unreachable() => last = e.to_string(),
            Err(e) => return Err(AckError::Refused(e.to_string())),
        }
    }
    tracing::info!("{}: acknowledgement queued: {last}", site.name);
    Ok(None)
}

/// The silence an accepted (un)acknowledgement made, as the next alerts round will see it.
fn as_silence(p: &PendingAck, id: &str) -> Option<Silence> {
    match &p.action {
        AckAction::Ack => Some(Silence {
            id: id.to_string(),
            state: SilenceState::Active,
            matchers: p.matchers.clone(),
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            updated_at: Some(p.queued_at),
            created_by: p.created_by.clone(),
            comment: p.comment.clone(),
        }),
        AckAction::Unack { .. } => None,
    }
}

async fn send_or_queue(cache: &Cache, site: &Site, p: PendingAck) -> Result<Outcome, AckError> {
    match send(site, &p).await? {
        Some(id) => {
            remember(cache, site, &p, &id);
            Ok(Outcome::Sent(id))
        }
        None => {
            let id = cache.queue_ack(&p)?;
            Ok(Outcome::Queued {
                id,
                reason: "no Alertmanager of the site answered; it is sent when one does".into(),
            })
        }
    }
}

/// Keeps what an Alertmanager accepted in the cache at once, so the list (and the notification
/// clock, which stops repeating an acknowledged alert) sees it before the next alerts round.
fn remember(cache: &Cache, site: &Site, p: &PendingAck, id: &str) {
    let res = match (&p.action, as_silence(p, id)) {
        (_, Some(s)) => cache.put_silence(&site.name, &s),
        (AckAction::Unack { silence_id }, None) => cache
            .silences(Some(&site.name))
            .map(|all| {
                all.into_iter()
                    .map(|(_, s)| s)
                    .find(|s| &s.id == silence_id)
            })
            .and_then(|found| match found {
                Some(mut s) => {
                    s.state = SilenceState::Expired;
                    s.ends_at = s.ends_at.min(p.queued_at);
                    cache.put_silence(&site.name, &s)
                }
                None => Ok(()),
            }),
        _ => Ok(()),
    };
    if let Err(e) = res {
        tracing::warn!(
            "{}: the acknowledgement is sent but not yet in the cache: {e}",
            site.name
        );
    }
}

/// Acknowledges: creates a silence `matchers` from `now` for `duration_ms`.
pub async fn acknowledge(
    cache: &Cache,
    site: &Site,
    matchers: Vec<Matcher>,
    duration_ms: i64,
    author: &str,
    comment: &str,
    now: Millis,
) -> Result<Outcome, AckError> {
    check_ack(&matchers, duration_ms, author)?;
    let p = PendingAck {
        id: 0,
        source: site.name.clone(),
        action: AckAction::Ack,
        matchers,
        starts_at: now,
        ends_at: now.saturating_add(duration_ms),
        created_by: author.trim().to_string(),
        comment: format!("{ACK_PREFIX}{}", comment.trim()),
        queued_at: now,
        attempts: 0,
        last_error: None,
    };
    send_or_queue(cache, site, p).await
}

/// Un-acknowledges: expires the acknowledgement silence `silence_id`.
pub async fn unacknowledge(
    cache: &Cache,
    site: &Site,
    silence_id: &str,
    author: &str,
    now: Millis,
) -> Result<Outcome, AckError> {
    let p = PendingAck {
        id: 0,
        source: site.name.clone(),
        action: AckAction::Unack {
            silence_id: silence_id.to_string(),
        },
        matchers: Vec::new(),
        starts_at: now,
        ends_at: now,
        created_by: author.to_string(),
        comment: String::new(),
        queued_at: now,
        attempts: 0,
        last_error: None,
    };
    send_or_queue(cache, site, p).await
}

/// Sends what is queued for `site`, oldest first. Returns how many were sent.
pub async fn flush(cache: &Cache, site: &Site) -> usize {
    let pending = match cache.pending_acks(Some(&site.name)) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("cannot read queued acknowledgements: {e}");
            return 0;
        }
    };
    let mut sent = 0;
    for p in pending {
        match send(site, &p).await {
            Ok(Some(id)) => {
                tracing::info!("{}: queued acknowledgement sent (silence {id})", site.name);
                let _ = cache.ack_sent(p.id);
                remember(cache, site, &p, &id);
                sent += 1;
            }
            Ok(None) => {
                let _ = cache.ack_failed(p.id, "no Alertmanager answered");
                break; // still down: keep the order, try again next round
            }
            Err(e) => {
                // Refused (e.g. the silence no longer exists): kept with the reason for the operator.
                let msg = e.to_string();
                let _ = cache.ack_failed(p.id, &msg);
                if msg.contains("not found") {
                    let _ = cache.ack_sent(p.id);
                }
            }
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::labels_of as labels;

    fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    /// Regression: `ack` accepted any matchers and any duration (a 100-year silence on
    /// severity="critical" was made as an "acknowledgement").
    #[test]
    fn the_ack_command_accepted_any_matchers_and_any_duration() {
        let one = vec![
            m("alertname", "ServiceDown", false, true),
            m("instance", "a:1", false, true),
        ];
        assert_eq!(check_ack(&one, 3_600_000, "sam"), Ok(()));
        let wide = vec![m("severity", "critical", false, true)];
        assert_eq!(
            check_ack(&wide, 3_600_000, "sam"),
            Err(AckError::NeedsAlertname)
        );
        let regex = vec![m("alertname", ".*", true, true)];
        assert_eq!(
            check_ack(&regex, 3_600_000, "sam"),
            Err(AckError::NeedsAlertname)
        );
        let century = 100 * 365 * 86_400_000i64;
        let err = check_ack(&one, century, "sam").unwrap_err();
        assert!(matches!(err, AckError::Duration(_)), "{err:?}");
        assert!(err.to_string().contains("7 days"), "{err}");
        assert!(matches!(
            check_ack(&one, 0, "sam"),
            Err(AckError::Duration(_))
        ));
        assert!(matches!(
            check_ack(&one, i64::MAX, "sam"),
            Err(AckError::Duration(_))
        ));
        assert_eq!(check_ack(&one, 3_600_000, "  "), Err(AckError::NoAuthor));
    }

    #[test]
    fn acks_are_told_apart_from_maintenance() {
        let l = labels(&[
            ("alertname", "ServiceDown"),
            ("instance", "a:1"),
            ("job", "go-api"),
        ]);
        let mk = |id: &str, comment: &str, ms: Vec<Matcher>| Silence {
            id: id.into(),
            state: SilenceState::Active,
            matchers: ms,
            starts_at: 100,
            ends_at: 10_000,
            updated_at: None,
            created_by: "sam".into(),
            comment: comment.into(),
        };
        let sil = vec![
            mk("1", "[ack] looking", default_matchers(&l)),
            mk(
                "2",
                "maintenance window",
                vec![m("job", "go-api", false, true)],
            ),
            mk("3", "[ack] other", vec![m("instance", "b:1", false, true)]),
        ];
        let a = ack_of(&l, &sil, 500).expect("acknowledged");
        assert_eq!(
            (a.silence_id.as_str(), a.by.as_str(), a.comment.as_str()),
            ("1", "sam", "looking")
        );
        assert_eq!(a.until, 10_000);
        let maint = maintenance_of(&l, &sil, 500);
        assert_eq!(maint.len(), 1);
        assert_eq!(maint[0].id, "2");
        let mut expired = sil.clone();
        expired[0].state = SilenceState::Expired;
        assert!(ack_of(&l, &expired, 500).is_none());
        assert_eq!(default_matchers(&l).len(), 2);
    }
}
