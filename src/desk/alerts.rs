//! The alert list (what is listed, in which order, how it is counted), an alert's detail view and
//! the overall state of the desk (tray colour, window title). The same list for every front door:
//! `watchdesk alerts`, the app's list, its badge and the alert-list panels.

use super::{Desk, DeskError, PanelImage};
use crate::ack::Ack;
use crate::cache::{AlertEvent, CachedAlert};
use crate::chart::AlertRow;
use crate::notify::HEARTBEAT;
use crate::severity::Severity;
use crate::source::{AlertRule, AlertState, Labels, Target};
use crate::time::{now_ms, Millis};

/// The state word of an alert that resolved while nobody had acknowledged it.
pub const RESOLVED_UNACKED: &str = "resolved, not acknowledged";

/// One alert as the operator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedAlert {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub severity: Severity,
    /// The raw `severity` label, "" when missing.
    pub severity_label: String,
    /// `firing`, `silenced`, `inhibited`, `suppressed`, `unprocessed` or [`RESOLVED_UNACKED`].
    pub state: &'static str,
    pub starts_at: Millis,
    /// Set for [`RESOLVED_UNACKED`].
    pub resolved_at: Option<Millis>,
    pub summary: String,
    pub labels: Labels,
    pub annotations: Labels,
    /// Acknowledged from Watchdesk (a silence with the ack mark).
    pub ack: Option<Ack>,
    /// An acknowledgement is queued: no Alertmanager accepted it yet.
    pub pending_ack: bool,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    /// The Alertmanagers (URLs) that reported it.
    pub reported_by: Vec<String>,
}

impl ListedAlert {
    /// Firing and nobody acknowledged it: needs attention.
    pub fn is_firing(&self) -> bool {
        self.state == "firing" && self.ack.is_none()
    }

    /// The order inside a severity: firing, then waiting (ack queued, resolved but not
    /// acknowledged), then acknowledged, then silenced or inhibited.
    fn attention(&self) -> u8 {
        if self.state == RESOLVED_UNACKED {
            1
        } else if self.ack.is_some() {
            2
        } else if self.state == "firing" {
            u8::from(self.pending_ack)
        } else {
            3
        }
    }
}

/// The state word operators read: firing, silenced, inhibited.
pub fn state_word(a: &CachedAlert) -> &'static str {
    match a.state {
        AlertState::Suppressed if !a.silenced_by.is_empty() => "silenced",
        AlertState::Suppressed if !a.inhibited_by.is_empty() => "inhibited",
        AlertState::Suppressed => "suppressed",
        AlertState::Active => "firing",
        AlertState::Unprocessed => "unprocessed",
    }
}

/// The counts of a list: firing alerts by severity (`none` counted with info), and the rest apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    /// Missing or unrecognised severity: counted, never dropped.
    pub unknown: usize,
    /// critical + warning + info + unknown.
    pub firing: usize,
    pub acknowledged: usize,
    /// Silenced or inhibited without an acknowledgement (maintenance and the like).
    pub silenced: usize,
    /// With an acknowledgement queued (also counted as firing).
    pub pending: usize,
    /// Resolved while nobody had acknowledged them.
    pub resolved: usize,
    /// The most severe severity among the firing alerts.
    pub worst: Option<Severity>,
}

impl Counts {
    pub fn of(alerts: &[ListedAlert]) -> Counts {
        let mut c = Counts::default();
        for a in alerts {
            if a.pending_ack {
                c.pending += 1;
            }
            if a.state == RESOLVED_UNACKED {
                c.resolved += 1;
            } else if a.ack.is_some() {
                c.acknowledged += 1;
            } else if a.state == "firing" {
                c.firing += 1;
                match a.severity {
                    Severity::Critical => c.critical += 1,
                    Severity::Warning => c.warning += 1,
                    Severity::Info | Severity::None => c.info += 1,
                    Severity::Unknown => c.unknown += 1,
                }
                c.worst = Some(c.worst.map_or(a.severity, |w| w.min(a.severity)));
            } else {
                c.silenced += 1;
            }
        }
        c
    }
}

/// The alerts of the chosen sources, sorted, with their counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertList {
    pub alerts: Vec<ListedAlert>,
    pub counts: Counts,
}

/// The worst current state, for the tray icon and the window title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Overall {
    Ok,
    /// A source is unreachable or could not be set up: grey, never green.
    Stale,
    Warning,
    Critical,
}

impl Overall {
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Ok => "ok",
            Overall::Stale => "stale",
            Overall::Warning => "warning",
            Overall::Critical => "critical",
        }
    }
}

/// Everything the alert detail view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDetail {
    /// `None` when the alert is neither current nor resolved-unacknowledged; the history still shows it.
    pub alert: Option<ListedAlert>,
    pub rule: Option<AlertRule>,
    /// The rule's expression charted around the alert's start, with its threshold.
    pub chart: Option<PanelImage>,
    /// (dashboard key, panel id, panel title) of panels showing the same metrics or job.
    pub related: Vec<(String, i64, String)>,
    /// Targets of the alert's instance, else of its job.
    pub targets: Vec<Target>,
    pub history: Vec<AlertEvent>,
}

/// Sorts most severe first, then by attention, then oldest first.
fn sort(alerts: &mut [ListedAlert]) {
    alerts.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.attention().cmp(&b.attention()))
            .then(a.starts_at.cmp(&b.starts_at))
            .then(a.alertname.cmp(&b.alertname))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
}

impl Desk {
    /// The alerts of `source` (every configured source when `None`): current ones except the
    /// heartbeat, with their acknowledgements, plus those that resolved while nobody acknowledged
    /// them (unless `keep_resolved_unacknowledged` is off); sorted and counted.
    pub fn alerts(&self, source: Option<&str>) -> Result<AlertList, DeskError> {
        let sources = self.pick_sources(source)?;
        let now = now_ms();
        let silences = self.cache.silences(None)?;
        let pending = self.cache.pending_acks(None)?;
        let mut out = Vec::new();
        for site in &sources {
            let site_silences: Vec<_> = silences
                .iter()
                .filter(|(s, _)| s == site)
                .map(|(_, s)| s.clone())
                .collect();
            for a in self.cache.current_alerts(Some(site))? {
                if a.alertname == HEARTBEAT {
                    continue;
                }
                let ack = crate::ack::ack_of(&a.labels, &site_silences, now);
                let pending_ack = crate::ack::pending_for(&a.source, &a.labels, &pending);
                out.push(ListedAlert {
                    severity: a.severity(),
                    state: state_word(&a),
                    summary: a.annotations.get("summary").cloned().unwrap_or_default(),
                    source: a.source,
                    fingerprint: a.fingerprint,
                    alertname: a.alertname,
                    severity_label: a.severity_label,
                    starts_at: a.starts_at,
                    resolved_at: None,
                    labels: a.labels,
                    annotations: a.annotations,
                    ack,
                    pending_ack,
                    silenced_by: a.silenced_by,
                    inhibited_by: a.inhibited_by,
                    reported_by: a.reported_by,
                });
            }
            if self.cfg.keep_resolved_unacknowledged {
                for r in self.cache.resolved_unacknowledged(Some(site))? {
                    out.push(ListedAlert {
                        severity: r.severity(),
                        state: RESOLVED_UNACKED,
                        summary: r.annotations.get("summary").cloned().unwrap_or_default(),
                        source: r.source,
                        fingerprint: r.fingerprint,
                        alertname: r.alertname,
                        severity_label: r.severity_label,
                        starts_at: r.starts_at,
                        resolved_at: Some(r.resolved_at),
                        labels: r.labels,
                        annotations: r.annotations,
                        ack: None,
                        pending_ack: false,
                        silenced_by: Vec::new(),
                        inhibited_by: Vec::new(),
                        reported_by: r.reported_by,
                    });
                }
            }
        }
        sort(&mut out);
        let counts = Counts::of(&out);
        Ok(AlertList {
            alerts: out,
            counts,
        })
    }

    /// Critical > warning (or unknown severity) > stale (a source unreachable or not set up) > ok.
    pub fn overall(&self) -> (Overall, Counts) {
        let c = self.alerts(None).map(|l| l.counts).unwrap_or_default();
        let stale =
            !self.unpolled.is_empty() || self.health().iter().any(|h| h.consecutive_failures > 0);
        let o = if c.critical > 0 {
            Overall::Critical
        } else if c.warning > 0 || c.unknown > 0 {
            Overall::Warning
        } else if stale {
            Overall::Stale
        } else {
            Overall::Ok
        };
        (o, c)
    }

    /// The Alertmanagers of `site` that did not answer the last poll (URLs as shown), and how many
    /// the site has: one member of a cluster down is a warning, not a blank list.
    pub fn alertmanagers_down(&self, site: &str) -> (Vec<String>, usize) {
        let members = self
            .cfg
            .sites
            .iter()
            .find(|s| s.name == site)
            .map(|s| s.alertmanagers.len())
            .unwrap_or(0);
        let down = self
            .health()
            .into_iter()
            .filter(|h| h.source == site && h.consecutive_failures > 0)
            .filter_map(|h| {
                h.component
                    .strip_prefix("alertmanager ")
                    .map(str::to_string)
            })
            .collect();
        (down, members)
    }

    /// Whether the heartbeat (Watchdog) of `site` is among its current alerts, as the last alerts
    /// round saw it; `None` when the site has no Alertmanager (nothing to judge).
    pub fn heartbeat(&self, site: &str) -> Option<bool> {
        let has_am = self
            .cfg
            .sites
            .iter()
            .any(|s| s.name == site && !s.alertmanagers.is_empty());
        has_am.then(|| {
            self.cache
                .current_alerts(Some(site))
                .map(|all| all.iter().any(|a| a.alertname == HEARTBEAT))
                .unwrap_or(false)
        })
    }

    /// The rows of an alert-list panel of `site`: the same list as everywhere, without the
    /// resolved-unacknowledged ones (the panel shows what fires).
    pub(super) fn alert_rows(&self, site: &str) -> Vec<AlertRow> {
        let list = self.alerts(Some(site)).unwrap_or_default();
        list.alerts
            .into_iter()
            .filter(|a| a.state != RESOLVED_UNACKED)
            .map(|a| AlertRow {
                severity: a.severity,
                labels: ["instance", "job"]
                    .iter()
                    .filter_map(|k| a.labels.get(*k).map(|v| format!("{k}={v}")))
                    .collect::<Vec<_>>()
                    .join(" "),
                name: a.alertname,
                summary: a.summary,
                state: if a.ack.is_some() {
                    "acknowledged".into()
                } else {
                    a.state.to_string()
                },
                since: a.starts_at,
            })
            .collect()
    }

    /// One alert's detail: the alert (current or resolved-unacknowledged), its rule, the rule's
    /// expression charted around the start (fetched now when the source answers, else from the
    /// cache), related panels, target health and its history.
    pub async fn alert_detail(
        &self,
        source: Option<&str>,
        fingerprint: &str,
    ) -> Result<AlertDetail, DeskError> {
        let source = self.pick_source(source)?;
        let dashboards: Vec<&crate::dashboard::Dashboard> = self
            .dashboards
            .iter()
            .filter(|d| !d.wall_copy)
            .map(|d| d.dash.as_ref())
            .collect();
        let d = crate::view::alert_detail(&self.cache, &dashboards, &source, fingerprint);
        let listed = self
            .alerts(Some(&source))?
            .alerts
            .into_iter()
            .find(|a| a.fingerprint == fingerprint);
        let now = now_ms();
        let chart = match (&d.rule, &listed) {
            (Some(rule), Some(alert)) => {
                let step = self.settings.step_ms;
                let (expr, _) = crate::view::split_threshold(&rule.query);
                let (from, to) = crate::view::rule_window(alert.starts_at, now);
                if let Err(e) = self.poller.fetch_expr(&source, &expr, from, to, step).await {
                    tracing::info!("rule chart for {}: {e}", rule.name);
                }
                let spec = crate::view::rule_chart(
                    &self.cache,
                    &source,
                    rule,
                    &alert.labels,
                    alert.starts_at,
                    step,
                    now,
                    900,
                    260,
                );
                Some(PanelImage {
                    stale: spec.stale.clone(),
                    svg: crate::chart::render_svg(&spec),
                    plot: None,
                    from,
                    to,
                })
            }
            _ => None,
        };
        Ok(AlertDetail {
            alert: listed,
            rule: d.rule,
            chart,
            related: d.related,
            targets: d.targets,
            history: d.history,
        })
    }
}
