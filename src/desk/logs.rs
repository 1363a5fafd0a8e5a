//! `watchdesk logs`: the lines of a LogQL log query from the site's Loki, stored in the cache as
//! they arrive, and from the cache when Loki cannot be reached (the report says so, with the time of
//! the newest cached line). Only an answer that parsed completely is stored.

use super::{Desk, DeskError};
use crate::cache::logs::{CachedLine, LogRetention};
use crate::config::LokiConfig;
use crate::source::logql::LogSelector;
use crate::source::loki::{
    ms_to_ns, ns_to_ms, Direction, LogQuery, LogResult, LokiClient, MAX_LIMIT,
};
use crate::source::{display_url, Labels, SourceError};
use crate::time::{local_hhmm, now_ms, parse_duration_ms, Millis};

/// What to show.
#[derive(Debug, Clone)]
pub struct LogsRequest<'a> {
    pub source: Option<&'a str>,
    /// LogQL: a stream selector and line filters.
    pub query: &'a str,
    /// How far back: `15m`, `-1h`.
    pub since: &'a str,
    /// Most lines (the newest).
    pub limit: usize,
}

/// One line to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: Millis,
    /// `error`, `warn`, `info`, `debug` or `unknown` (from a `level` label, JSON or logfmt field).
    pub level: &'static str,
    pub labels: Labels,
    /// Raw server text: escape it before it reaches a terminal or a page.
    pub line: String,
    pub truncated: bool,
}

impl LogEntry {
    /// The service that wrote the line: its `service`, `job`, `app` or `instance` label ("" if none).
    pub fn who(&self) -> &str {
        ["service", "job", "app", "instance"]
            .iter()
            .find_map(|k| self.labels.get(*k))
            .map_or("", String::as_str)
    }
}

/// The answer of [`Desk::logs`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogsReport {
    pub site: String,
    pub loki: String,
    /// Oldest first.
    pub lines: Vec<LogEntry>,
    /// False: from the cache (stale); `note` says why.
    pub live: bool,
    pub note: Option<String>,
    /// Loki's warnings and the parser's (lines cut, over the limit).
    pub warnings: Vec<String>,
}

pub use crate::source::logql::level_of;

fn entry(labels: Labels, ts_ns: i64, line: String, truncated: bool) -> LogEntry {
    LogEntry {
        at: ns_to_ms(ts_ns),
        level: level_of(&labels, &line),
        labels,
        line,
        truncated,
    }
}

impl Desk {
    /// The newest `limit` lines of `query` over the last `since`, from Loki (and stored in the
    /// cache), or from the cache when Loki cannot be reached or answers badly.
    pub async fn logs(&self, req: &LogsRequest<'_>) -> Result<LogsReport, DeskError> {
        let site = self.pick_source(req.source)?;
        let cfg = self.loki_of(&site)?;
        let since = req
            .since
            .trim()
            .trim_start_matches("now")
            .trim_start_matches('-');
        let span = parse_duration_ms(since).ok_or_else(|| DeskError::BadTime {
            what: "--since",
            input: req.since.to_string(),
        })?;
        let now = now_ms();
        let window = (ms_to_ns(now - span), ms_to_ns(now));
        let what = format!("in the last {}", req.since.trim_start_matches('-'));
        self.fetch_logs(site, &cfg, req.query, window, req.limit, &what)
            .await
    }

    /// The site's Loki, or an error saying how to configure one.
    pub(crate) fn loki_of(&self, site: &str) -> Result<LokiConfig, DeskError> {
        self.cfg
            .sites
            .iter()
            .find(|s| s.name == site)
            .and_then(|s| s.loki.clone())
            .ok_or_else(|| DeskError::SourceSetup {
                name: site.to_string(),
                reason: "it has no Loki: add loki = \"http://…:3100\" to its [[source]] in the \
                         config, or give --loki URL"
                    .into(),
            })
    }

    /// The newest `limit` lines of `query` in `window` (ns), from Loki and stored in the cache, or
    /// from the cache (saying so) when Loki cannot be reached or answers badly. `span` words the
    /// window for the note ("in the last 15m").
    pub(crate) async fn fetch_logs(
        &self,
        site: String,
        cfg: &LokiConfig,
        query: &str,
        window: (i64, i64),
        limit: usize,
        span: &str,
    ) -> Result<LogsReport, DeskError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let now = now_ms();
        let loki = display_url(&cfg.endpoint.url);
        let client = LokiClient::new(&cfg.endpoint, cfg.tenant.as_deref()).map_err(|e| {
            DeskError::SourceSetup {
                name: site.clone(),
                reason: e.to_string(),
            }
        })?;
        let q = LogQuery {
            query: query.to_string(),
            start_ns: window.0,
            end_ns: window.1,
            limit,
            direction: Direction::Backward,
        };
        let failure = match client.query_range(&q).await {
            Ok(answer) => {
                let LogResult::Streams(streams) = answer.data else {
                    return Err(DeskError::Io {
                        what: "logs".into(),
                        reason: "this is a LogQL metric query (it answers series, not lines); \
                                 watchdesk logs shows log queries like {job=\"go-api\"} |= \"error\""
                            .into(),
                    });
                };
                let mut warnings = answer.warnings;
                if let Err(e) = self.cache.ingest_logs(&site, &streams, now) {
                    warnings.push(format!("the lines are not cached: {e}"));
                } else if let Err(e) = self.cache.prune_logs(&LogRetention::default(), now) {
                    warnings.push(format!("old log lines could not be dropped: {e}"));
                }
                let mut lines: Vec<LogEntry> = streams
                    .into_iter()
                    .flat_map(|s| {
                        let labels = s.labels;
                        s.lines
                            .into_iter()
                            .map(move |l| entry(labels.clone(), l.ts_ns, l.line, l.truncated))
                    })
                    .collect();
                lines.sort_by_key(|l| l.at);
                return Ok(LogsReport {
                    site,
                    loki,
                    lines,
                    live: true,
                    note: None,
                    warnings,
                });
            }
            // A wrong query is the operator's to fix, not a reason to show old lines.
            Err(e @ (SourceError::Api { .. } | SourceError::Config { .. })) => {
                return Err(DeskError::Io {
                    what: format!("Loki at {loki}"),
                    reason: e.to_string(),
                })
            }
            Err(e) => e,
        };
        let selector = LogSelector::parse(query).map_err(|reason| DeskError::Io {
            what: format!("Loki at {loki} unreachable: {failure}; the cache"),
            reason,
        })?;
        let cached: Vec<CachedLine> =
            self.cache
                .read_logs(&site, window, limit, &|l| selector.selects(l), &|line| {
                    selector.keeps(line)
                })?;
        let mut lines: Vec<LogEntry> = cached
            .into_iter()
            .map(|c| entry(c.labels, c.ts_ns, c.line, c.truncated))
            .collect();
        lines.reverse();
        let fetched = self.cache.logs_fetched_at(&site)?;
        let what = if failure.is_unreachable() {
            "unreachable"
        } else {
            "answered badly"
        };
        let note = match lines.last() {
            Some(l) => format!(
                "Loki at {loki} {what}: {failure}; showing {} cached lines up to {}{}",
                lines.len(),
                local_hhmm(l.at),
                fetched
                    .map(|t| format!(" (last fetched {})", local_hhmm(t)))
                    .unwrap_or_default()
            ),
            None => {
                format!("Loki at {loki} {what}: {failure}; no cached lines for this query {span}")
            }
        };
        Ok(LogsReport {
            site,
            loki,
            lines,
            live: false,
            note: Some(note),
            warnings: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::labels_of as labels;

    #[test]
    fn level_words() {
        assert_eq!(level_of(&labels(&[("level", "ERROR")]), "x"), "error");
        assert_eq!(
            level_of(&Labels::new(), r#"{"level":"warn","message":"slow"}"#),
            "warn"
        );
        assert_eq!(level_of(&Labels::new(), "ts=1 level=debug msg=x"), "debug");
        assert_eq!(
            level_of(
                &Labels::new(),
                r#"127.0.0.1 - - [01/Dec/2026:14:02:00 +0000] "GET /api HTTP/1.1" 503 12 "-" "curl""#
            ),
            "error"
        );
        assert_eq!(level_of(&Labels::new(), "just text é"), "unknown");
        assert_eq!(level_of(&Labels::new(), &"é".repeat(3000)), "unknown");
    }
}
