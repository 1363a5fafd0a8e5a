//! Acknowledging: which alerts an "ack" names, what silence it becomes, and un-acknowledging. An
//! acknowledgement is an Alertmanager silence (`ack.rs`); an alert that resolved while nobody
//! acknowledged it is acknowledged locally (no silence is needed for an alert that is gone).

use super::{Desk, DeskError, DeskEvent};
use crate::ack::{self, Outcome};
use crate::cache::CachedAlert;
use crate::source::{Matcher, SilenceState};
use crate::time::now_ms;

/// What `watchdesk ack <name|fingerprint>` did.
#[derive(Debug, Clone, PartialEq)]
pub struct AckReport {
    /// Resolved-unacknowledged alerts acknowledged locally: (alertname, instance, resolved at).
    pub resolved: Vec<(String, String, i64)>,
    /// The silence made for the firing ones (if any fire): its matchers and what became of it.
    pub silence: Option<(Vec<Matcher>, Outcome)>,
    /// How the targets were found, for the operator: "ServiceDown fires on 3 instances:
    /// acknowledging all of them (use --instance to narrow)".
    pub note: Option<String>,
    pub until: i64,
}

/// The alert an acknowledgement names on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedAck<'a> {
    pub source: Option<&'a str>,
    /// An alert name (e.g. ServiceDown) or a fingerprint.
    pub alert: &'a str,
    pub instance: Option<&'a str>,
}

fn eq(name: &str, value: &str) -> Matcher {
    Matcher {
        name: name.into(),
        value: value.into(),
        is_regex: false,
        is_equal: true,
    }
}

impl Desk {
    /// The current alerts of `site` an argument names: a fingerprint, or a name (and instance).
    fn named(&self, site: &str, n: &NamedAck<'_>) -> Result<Vec<CachedAlert>, DeskError> {
        let all = self.cache.current_alerts(Some(site))?;
        if let Some(a) = all.iter().find(|a| a.fingerprint == n.alert) {
            return Ok(vec![a.clone()]);
        }
        Ok(all
            .into_iter()
            .filter(|a| a.alertname == n.alert)
            .filter(|a| {
                n.instance.is_none() || a.labels.get("instance").map(String::as_str) == n.instance
            })
            .collect())
    }

    /// After an (un)acknowledgement: the alerts of the site are polled again and the list is told.
    async fn after_ack(&self, site: &str) {
        if let Ok(s) = self.site(site) {
            if let Err(e) = self.poller.poll_alerts(&s, now_ms()).await {
                tracing::info!("{site}: alerts after an acknowledgement: {e}");
            }
        }
        self.emit(DeskEvent::Alerts {
            site: Some(site.to_string()),
        });
    }

    /// `watchdesk ack`: acknowledges the alerts an argument names. One firing alert: its
    /// alertname + instance; several: every instance of the name (or the one `--instance` gives).
    /// Resolved-unacknowledged ones with that name are acknowledged locally.
    pub async fn acknowledge_named(
        &self,
        n: NamedAck<'_>,
        duration_ms: i64,
        author: &str,
        comment: &str,
    ) -> Result<AckReport, DeskError> {
        let site = self.pick_source(n.source)?;
        let now = now_ms();
        let mut report = AckReport {
            resolved: Vec::new(),
            silence: None,
            note: None,
            until: now.saturating_add(duration_ms),
        };
        let found = self.named(&site, &n)?;
        let resolved: Vec<_> = self
            .cache
            .resolved_unacknowledged(Some(&site))?
            .into_iter()
            .filter(|r| {
                r.fingerprint == n.alert
                    || (r.alertname == n.alert
                        && (n.instance.is_none()
                            || r.labels.get("instance").map(String::as_str) == n.instance))
            })
            .collect();
        if found.is_empty() && !resolved.is_empty() {
            if author.trim().is_empty() {
                return Err(ack::AckError::NoAuthor.into());
            }
            report.resolved = self.ack_resolved_ones(&site, &resolved, author, comment, now)?;
            self.emit(DeskEvent::Alerts {
                site: Some(site.clone()),
            });
            return Ok(report);
        }
        let matchers = match (found.as_slice(), n.instance) {
            ([one], _) => ack::default_matchers(&one.labels),
            (_, Some(i)) => vec![eq("alertname", n.alert), eq("instance", i)],
            (many, None) => {
                report.note = Some(if many.len() > 1 {
                    format!(
                        "{} fires on {} instances: acknowledging all of them (use --instance to narrow)",
                        n.alert,
                        many.len()
                    )
                } else {
                    format!(
                        "{} is not in the cache's current alerts: acknowledging by name",
                        n.alert
                    )
                });
                vec![eq("alertname", n.alert)]
            }
        };
        let site_clients = self.site(&site)?;
        let outcome = ack::acknowledge(
            &self.cache,
            &site_clients,
            matchers.clone(),
            duration_ms,
            author,
            comment,
            now,
        )
        .await?;
        report.silence = Some((matchers, outcome));
        // Resolved ones of the same name are acknowledged too.
        report.resolved = self.ack_resolved_ones(&site, &resolved, author, comment, now)?;
        self.after_ack(&site).await;
        Ok(report)
    }

    /// Acknowledges resolved-unacknowledged alerts locally: (alertname, instance, resolved at) of
    /// those still in that list.
    fn ack_resolved_ones(
        &self,
        site: &str,
        resolved: &[crate::cache::alerts::ResolvedAlert],
        author: &str,
        comment: &str,
        now: i64,
    ) -> Result<Vec<(String, String, i64)>, DeskError> {
        let mut out = Vec::new();
        for r in resolved {
            if self
                .cache
                .acknowledge_resolved(site, &r.fingerprint, author.trim(), comment, now)?
            {
                out.push((
                    r.alertname.clone(),
                    r.labels.get("instance").cloned().unwrap_or_default(),
                    r.resolved_at,
                ));
            }
        }
        Ok(out)
    }

    /// The app's acknowledge dialog: a silence with the operator's chosen `matchers` (name = value).
    pub async fn acknowledge(
        &self,
        source: &str,
        fingerprint: &str,
        matchers: Vec<(String, String)>,
        duration_ms: i64,
        author: &str,
        comment: &str,
    ) -> Result<Outcome, DeskError> {
        let site = self.site(source)?;
        let matchers = matchers.iter().map(|(n, v)| eq(n, v)).collect();
        let o = ack::acknowledge(
            &self.cache,
            &site,
            matchers,
            duration_ms,
            author,
            comment,
            now_ms(),
        )
        .await?;
        tracing::info!("{source}/{fingerprint} acknowledged by {author}: {o:?}");
        self.after_ack(source).await;
        Ok(o)
    }

    /// A notification's "Acknowledge 1 h" action: alertname + instance, by the OS user.
    pub async fn acknowledge_from_notification(
        &self,
        source: &str,
        fingerprint: &str,
    ) -> Result<Outcome, DeskError> {
        let alert = self
            .cache
            .current_alerts(Some(source))?
            .into_iter()
            .find(|a| a.fingerprint == fingerprint)
            .ok_or_else(|| DeskError::NoSuchAlert(fingerprint.to_string()))?;
        let site = self.site(source)?;
        let o = ack::acknowledge(
            &self.cache,
            &site,
            ack::default_matchers(&alert.labels),
            3_600_000,
            &super::os_user(),
            "acknowledged from the desktop notification",
            now_ms(),
        )
        .await?;
        tracing::info!(
            "acknowledged {} from the notification: {o:?}",
            alert.alertname
        );
        self.after_ack(source).await;
        Ok(o)
    }

    /// The app's "un-acknowledge": expires the acknowledgement silence `silence_id`.
    pub async fn unacknowledge(
        &self,
        source: &str,
        silence_id: &str,
        author: &str,
    ) -> Result<Outcome, DeskError> {
        let site = self.site(source)?;
        let o = ack::unacknowledge(&self.cache, &site, silence_id, author, now_ms()).await?;
        self.after_ack(source).await;
        Ok(o)
    }

    /// `watchdesk unack`: expires the acknowledgements of the alerts an argument names (or, when
    /// they resolved since, the acknowledgements whose alertname matcher names it).
    pub async fn unacknowledge_named(
        &self,
        n: NamedAck<'_>,
        author: &str,
    ) -> Result<Vec<(String, Outcome)>, DeskError> {
        let site = self.pick_source(n.source)?;
        let clients = self.site(&site)?;
        // Fresh silences when an Alertmanager answers; else what the cache last saw.
        for am in &clients.alertmanagers {
            if let Ok(s) = am.silences().await {
                self.cache.replace_silences(&site, &s)?;
                break;
            }
        }
        let silences: Vec<_> = self
            .cache
            .silences(Some(&site))?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let now = now_ms();
        let found = self.named(&site, &n)?;
        let mut ids: Vec<String> = found
            .iter()
            .filter_map(|a| ack::ack_of(&a.labels, &silences, now))
            .map(|a| a.silence_id)
            .collect();
        if found.is_empty() {
            ids = silences
                .iter()
                .filter(|s| ack::is_ack(s) && s.state == SilenceState::Active)
                .filter(|s| {
                    s.matchers
                        .iter()
                        .any(|m| m.name == "alertname" && m.value == n.alert)
                })
                .map(|s| s.id.clone())
                .collect();
        }
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Err(DeskError::NotAcknowledged(n.alert.to_string()));
        }
        let mut out = Vec::new();
        for id in ids {
            let o = ack::unacknowledge(&self.cache, &clients, &id, author, now).await?;
            out.push((id, o));
        }
        self.after_ack(&site).await;
        Ok(out)
    }

    /// Acknowledges an alert that resolved while nobody had: recorded in the cache (by whom, when,
    /// the comment in its history). `false` when it is no longer in that list.
    pub fn acknowledge_resolved(
        &self,
        source: &str,
        fingerprint: &str,
        author: &str,
        comment: &str,
    ) -> Result<bool, DeskError> {
        let author = if author.trim().is_empty() {
            super::os_user()
        } else {
            author.trim().to_string()
        };
        let found = self.cache.acknowledge_resolved(
            source,
            fingerprint,
            &author,
            comment.trim(),
            now_ms(),
        )?;
        if found {
            tracing::info!("{source}/{fingerprint} (resolved) acknowledged by {author}");
            self.emit(DeskEvent::Alerts {
                site: Some(source.to_string()),
            });
        }
        Ok(found)
    }
}
