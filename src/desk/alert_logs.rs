//! An alert's logs, for its detail view: the lines of the alert's service (a stream selector made
//! from the alert's labels through the site's `loki_labels`) from a few minutes before the alert
//! started until it resolved, or until now while it fires; narrowed by the operator's filter. Each
//! call asks Loki for the whole window again, so a view that polls it resumes after a disconnect
//! from where its lines stopped; when Loki cannot be reached the lines come from the cache, and
//! the report says so ([`Desk::fetch_logs`]).

use super::logs::LogsReport;
use super::{Desk, DeskError};
use crate::source::logql::{quote, LogSelector};
use crate::source::loki::ms_to_ns;
use crate::source::Labels;
use crate::time::{now_ms, Millis};

/// How long before an alert started its logs begin: the lines that led to it.
pub const LEAD_MS: Millis = 5 * 60_000;

/// What to show.
#[derive(Debug, Clone)]
pub struct AlertLogsRequest<'a> {
    pub source: Option<&'a str>,
    /// The alert's fingerprint, or its name when only one current alert has it.
    pub alert: &'a str,
    /// Empty; text a line must contain; or `/regex/` a line must match.
    pub filter: &'a str,
    /// Most lines (the newest).
    pub limit: usize,
}

/// The answer of [`Desk::alert_logs`].
#[derive(Debug, Clone, PartialEq)]
pub struct AlertLogs {
    /// The LogQL asked, to show (and to copy into `watchdesk logs`).
    pub query: String,
    pub from: Millis,
    pub to: Millis,
    /// The window ends now (the alert still fires): a view polls for new lines.
    pub open: bool,
    pub report: LogsReport,
}

/// The LogQL of an alert's logs: its values of the mapped labels as stream matchers, then the
/// filter. The error says why there is none (no mapped label on the alert, a bad regex).
pub fn alert_query(
    mapping: &[(String, String)],
    labels: &Labels,
    filter: &str,
) -> Result<String, String> {
    let mut matchers: Vec<String> = Vec::new();
    for (alert_label, stream_label) in mapping {
        if let Some(v) = labels.get(alert_label).filter(|v| !v.is_empty()) {
            let m = format!("{stream_label}={}", quote(v));
            if !matchers.contains(&m) {
                matchers.push(m);
            }
        }
    }
    if matchers.is_empty() {
        let names: Vec<&str> = mapping.iter().map(|(a, _)| a.as_str()).collect();
        return Err(format!(
            "this alert has none of the labels that name its service's log streams ({}): map \
             one of its labels with loki_labels = {{ <alert label> = \"<stream label>\" }} in its \
             [[source]]",
            names.join(", ")
        ));
    }
    let mut q = format!("{{{}}}", matchers.join(", "));
    let f = filter.trim();
    if f.len() >= 2 && f.starts_with('/') && f.ends_with('/') {
        q.push_str(&format!(" |~ {}", quote(&f[1..f.len() - 1])));
    } else if !f.is_empty() {
        q.push_str(&format!(" |= {}", quote(f)));
    }
    // The cache reader evaluates the same query offline: it must understand it.
    LogSelector::parse(&q).map_err(|e| format!("the filter {f:?}: {e}"))?;
    Ok(q)
}

impl Desk {
    /// The logs of a current alert (firing, or resolved and not yet acknowledged).
    pub async fn alert_logs(&self, req: &AlertLogsRequest<'_>) -> Result<AlertLogs, DeskError> {
        let site = self.pick_source(req.source)?;
        let all = self.alerts(Some(&site))?.alerts;
        let mut named: Vec<_> = all.iter().filter(|a| a.fingerprint == req.alert).collect();
        if named.is_empty() {
            named = all.iter().filter(|a| a.alertname == req.alert).collect();
        }
        let alert = match named.as_slice() {
            [one] => (*one).clone(),
            [] => return Err(DeskError::NoSuchAlert(req.alert.to_string())),
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|a| {
                        let who = ["instance", "job"]
                            .iter()
                            .find_map(|k| a.labels.get(*k))
                            .map(|v| format!(" ({v})"))
                            .unwrap_or_default();
                        format!("{}{who}", a.fingerprint)
                    })
                    .collect();
                return Err(DeskError::Io {
                    what: format!("the logs of {}", req.alert),
                    reason: format!(
                        "{} current alerts have this name: give one's fingerprint: {}",
                        many.len(),
                        list.join(", ")
                    ),
                });
            }
        };
        let cfg = self.loki_of(&site)?;
        let query = alert_query(&cfg.labels, &alert.labels, req.filter).map_err(|reason| {
            DeskError::Io {
                what: format!("the logs of {}", alert.alertname),
                reason,
            }
        })?;
        let now = now_ms();
        let from = alert.starts_at.saturating_sub(LEAD_MS).min(now - LEAD_MS);
        let (to, open) = match alert.resolved_at {
            Some(r) if r > from => (r.min(now), false),
            _ => (now, true),
        };
        let span = format!("since {}", crate::time::local_hhmm(from));
        let report = self
            .fetch_logs(
                site,
                &cfg,
                &query,
                (ms_to_ns(from), ms_to_ns(to)),
                req.limit,
                &span,
            )
            .await?;
        Ok(AlertLogs {
            query,
            from,
            to,
            open,
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::labels_of as labels;
    fn default_mapping() -> Vec<(String, String)> {
        ["job", "instance", "service"]
            .iter()
            .map(|l| (l.to_string(), l.to_string()))
            .collect()
    }

    #[test]
    fn an_alerts_labels_make_its_stream_selector() {
        let a = labels(&[
            ("alertname", "ServiceDown"),
            ("job", "go-api"),
            ("instance", "127.0.0.1:9201"),
            ("severity", "critical"),
        ]);
        assert_eq!(
            alert_query(&default_mapping(), &a, "").unwrap(),
            r#"{job="go-api", instance="127.0.0.1:9201"}"#
        );
        assert_eq!(
            alert_query(&default_mapping(), &a, "  timeout ").unwrap(),
            r#"{job="go-api", instance="127.0.0.1:9201"} |= "timeout""#
        );
        assert_eq!(
            alert_query(&default_mapping(), &a, "/err(or)?s? \"x\"/").unwrap(),
            r#"{job="go-api", instance="127.0.0.1:9201"} |~ "err(or)?s? \"x\"""#
        );
        let mapped = vec![("instance".to_string(), "host".to_string())];
        assert_eq!(
            alert_query(&mapped, &a, "").unwrap(),
            r#"{host="127.0.0.1:9201"}"#
        );
    }

    #[test]
    fn an_alert_without_mapped_labels_says_how_to_map_one() {
        let e = alert_query(
            &default_mapping(),
            &labels(&[("alertname", "Watchdog")]),
            "",
        )
        .unwrap_err();
        assert!(
            e.contains("job, instance, service") && e.contains("loki_labels"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_filter_regex_is_named() {
        let a = labels(&[("job", "go-api")]);
        let e = alert_query(&default_mapping(), &a, "/(unclosed/").unwrap_err();
        assert!(e.contains("(unclosed"), "{e}");
    }

    #[test]
    fn quotes_and_backslashes_in_label_values_stay_inside_the_string() {
        let a = labels(&[("job", r#"a"b\c}"#)]);
        let q = alert_query(&default_mapping(), &a, "").unwrap();
        let sel = LogSelector::parse(&q).unwrap();
        assert!(sel.selects(&labels(&[("job", r#"a"b\c}"#)])), "{q}");
        assert!(!sel.selects(&labels(&[("job", "a")])), "{q}");
    }
}
