//! Acknowledgements: an acknowledgement is an Alertmanager silence made from Watchdesk, with default
//! matchers alertname + instance, a duration, an author and a comment. Its comment starts with
//! [`ACK_PREFIX`], which tells it apart from a maintenance silence made elsewhere. When no
//! Alertmanager of the site answers, it is queued in the cache and sent when one does.

use crate::cache::acks::{AckAction, PendingAck};
use crate::cache::Cache;
use crate::poller::Site;
use crate::source::{Labels, Matcher, NewSilence, Silence, SilenceState};
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

/// Whether one matcher matches a label set (a missing label is the empty string, as in Alertmanager).
pub fn matcher_matches(m: &Matcher, labels: &Labels) -> bool {
    let v = labels.get(&m.name).map(String::as_str).unwrap_or("");
    let hit = if m.is_regex {
        regex::Regex::new(&format!("^(?:{})$", m.value))
            .map(|re| re.is_match(v))
            .unwrap_or(false)
    } else {
        v == m.value
    };
    hit == m.is_equal
}

/// Parses a label matcher as Prometheus and Alertmanager write it: `job="go-api"`, `job!="x"`,
/// `alertname=~"High.*"`, `instance!~"10\\..*"` (quotes optional).
pub fn parse_matcher(s: &str) -> Result<Matcher, String> {
    let s = s.trim();
    let ops = ["=~", "!~", "!=", "="];
    let (pos, op) = ops
        .iter()
        .filter_map(|op| s.find(op).map(|p| (p, *op)))
        .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
        .ok_or_else(|| {
            format!("{s:?} is not a matcher; write it like job=\"go-api\" or alertname=~\"High.*\"")
        })?;
    let name = s[..pos].trim();
    let raw = s[pos + op.len()..].trim();
    let value = raw
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(raw)
        .replace("\\\"", "\"");
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{s:?}: {name:?} is not a label name"));
    }
    let is_regex = op.contains('~');
    if is_regex && regex::Regex::new(&value).is_err() {
        return Err(format!(
            "{s:?}: {value:?} is not a valid regular expression"
        ));
    }
    Ok(Matcher {
        name: name.to_string(),
        value,
        is_regex,
        is_equal: !op.starts_with('!'),
    })
}

pub fn silence_matches(s: &Silence, labels: &Labels) -> bool {
    !s.matchers.is_empty() && s.matchers.iter().all(|m| matcher_matches(m, labels))
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

/// What became of an (un)acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Accepted by an Alertmanager (the silence id).
    Sent(String),
    /// No Alertmanager answered: kept in the cache, sent when one does.
    Queued { id: i64, reason: String },
}

/// Sends to the first member that answers; `Err` for a refusal (bad matchers...), `Ok(None)` when
/// no member could be reached.
async fn send(site: &Site, p: &PendingAck) -> Result<Option<String>, String> {
    let mut last = String::from("the site has no Alertmanager configured");
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
            Err(e) => return Err(e.to_string()),
        }
    }
    if site.alertmanagers.is_empty() {
        return Err(last);
    }
    tracing::info!("{}: acknowledgement queued: {last}", site.name);
    Ok(None)
}

async fn send_or_queue(cache: &Cache, site: &Site, p: PendingAck) -> Result<Outcome, String> {
    match send(site, &p).await? {
        Some(id) => Ok(Outcome::Sent(id)),
        None => {
            let id = cache.queue_ack(&p).map_err(|e| e.to_string())?;
            Ok(Outcome::Queued {
                id,
                reason: "no Alertmanager of the site answered; it is sent when one does".into(),
            })
        }
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
) -> Result<Outcome, String> {
    if matchers.is_empty() {
        return Err("an acknowledgement needs at least one matcher (alertname, instance…)".into());
    }
    if duration_ms <= 0 {
        return Err("the acknowledgement must last longer than 0 s".into());
    }
    let author = author.trim();
    if author.is_empty() {
        return Err("an acknowledgement needs an author (--author NAME)".into());
    }
    let p = PendingAck {
        id: 0,
        source: site.name.clone(),
        action: AckAction::Ack,
        matchers,
        starts_at: now,
        ends_at: now + duration_ms,
        created_by: author.to_string(),
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
) -> Result<Outcome, String> {
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
                sent += 1;
            }
            Ok(None) => {
                let _ = cache.ack_failed(p.id, "no Alertmanager answered");
                break; // still down: keep the order, try again next round
            }
            Err(e) => {
                // Refused (e.g. the silence no longer exists): kept with the reason for the operator.
                let _ = cache.ack_failed(p.id, &e);
                if e.contains("not found") {
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

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    #[track_caller]
    fn check(matcher: Matcher, l: &[(&str, &str)], expect: bool) {
        assert_eq!(
            matcher_matches(&matcher, &labels(l)),
            expect,
            "{matcher:?} on {l:?}"
        );
    }

    #[track_caller]
    fn check_parse(input: &str, expect: Option<(&str, &str, bool, bool)>) {
        let got = parse_matcher(input).ok();
        let want = expect.map(|(n, v, r, e)| m(n, v, r, e));
        assert_eq!(got, want, "{input}");
    }

    #[test]
    fn parsing_matchers() {
        check_parse("job=\"go-api\"", Some(("job", "go-api", false, true)));
        check_parse("job != \"go-api\"", Some(("job", "go-api", false, false)));
        check_parse(
            "alertname=~\"High.*\"",
            Some(("alertname", "High.*", true, true)),
        );
        check_parse("instance!~10.*", Some(("instance", "10.*", true, false)));
        check_parse("x=\"a=b\"", Some(("x", "a=b", false, true)));
        check_parse("nonsense", None);
        check_parse("=\"v\"", None);
        check_parse("bad name=\"v\"", None);
        check_parse("a=~\"(\"", None);
    }

    #[test]
    fn matchers() {
        check(m("job", "go-api", false, true), &[("job", "go-api")], true);
        check(m("job", "go-api", false, true), &[("job", "go")], false);
        check(m("job", "go-.*", true, true), &[("job", "go-api")], true);
        check(m("job", "go", true, true), &[("job", "go-api")], false);
        check(m("job", "go-api", false, false), &[("job", "x")], true);
        check(m("job", "", false, true), &[], true);
        check(m("job", "(", true, true), &[("job", "(")], false);
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
