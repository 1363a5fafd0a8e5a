//! Source health (per component) and the target and rule snapshots.

use rusqlite::{params, TransactionBehavior};

use super::{labels_json, parse_labels, Cache, CacheError};
use crate::source::{AlertRule, Target, TargetHealth};
use crate::time::Millis;

/// The health component name of a site's Prometheus.
pub const PROMETHEUS: &str = "prometheus";
/// The health component of a site's Loki, recorded when its dashboards' LogQL queries are polled.
pub const LOKI: &str = "loki";

/// The health component name of one Alertmanager of a site.
pub fn alertmanager_component(url: &str) -> String {
    format!("alertmanager {url}")
}

/// Health of one component of a source: "prometheus", or "alertmanager <url>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    pub source: String,
    pub component: String,
    pub last_success: Option<Millis>,
    pub last_attempt: Millis,
    /// The last error, cleared by a success.
    pub last_error: Option<String>,
    /// When the last error happened (kept after a success).
    pub last_error_at: Option<Millis>,
    /// Latency of the last success.
    pub latency_ms: Option<i64>,
    pub consecutive_failures: u32,
    /// The last attempt could not reach the server: show grey / "no data", never green.
    pub unreachable: bool,
}

impl Cache {
    /// A request to `component` of `source` succeeded at `at`.
    pub fn record_success(
        &self,
        source: &str,
        component: &str,
        at: Millis,
        latency_ms: i64,
    ) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO health (source, component, last_success, last_attempt, latency_ms,
                                 consecutive_failures, unreachable)
             VALUES (?1, ?2, ?3, ?3, ?4, 0, 0)
             ON CONFLICT (source, component) DO UPDATE SET
                 last_success = max(coalesce(last_success, excluded.last_success), excluded.last_success),
                 last_attempt = max(last_attempt, excluded.last_attempt),
                 last_error = NULL, latency_ms = excluded.latency_ms,
                 consecutive_failures = 0, unreachable = 0",
        )
        .and_then(|mut st| st.execute(params![source, component, at, latency_ms.max(0)]))
        .map(|_| ())
        .map_err(self.err("record a source success"))
    }

    /// A request to `component` of `source` failed at `at`; `unreachable` when the server was not
    /// there at all (see `SourceError::is_unreachable`).
    pub fn record_failure(
        &self,
        source: &str,
        component: &str,
        at: Millis,
        error: &str,
        unreachable: bool,
    ) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO health (source, component, last_attempt, last_error, last_error_at,
                                 consecutive_failures, unreachable)
             VALUES (?1, ?2, ?3, ?4, ?3, 1, ?5)
             ON CONFLICT (source, component) DO UPDATE SET
                 last_attempt = max(last_attempt, excluded.last_attempt),
                 last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                 consecutive_failures = min(consecutive_failures + 1, 4294967295),
                 unreachable = excluded.unreachable",
        )
        .and_then(|mut st| st.execute(params![source, component, at, error, unreachable]))
        .map(|_| ())
        .map_err(self.err("record a source failure"))
    }

    /// Health of every component seen, by source then component.
    pub fn health(&self) -> Result<Vec<SourceHealth>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<SourceHealth>> {
            let mut st = conn.prepare_cached(
                "SELECT source, component, last_success, last_attempt, last_error, last_error_at,
                        latency_ms, consecutive_failures, unreachable
                 FROM health ORDER BY source, component",
            )?;
            let rows = st.query_map([], |r| {
                Ok(SourceHealth {
                    source: r.get(0)?,
                    component: r.get(1)?,
                    last_success: r.get(2)?,
                    last_attempt: r.get(3)?,
                    last_error: r.get(4)?,
                    last_error_at: r.get(5)?,
                    latency_ms: r.get(6)?,
                    consecutive_failures: u32::try_from(r.get::<_, i64>(7)?.max(0))
                        .unwrap_or(u32::MAX),
                    unreachable: r.get(8)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(self.err("read source health"))
    }

    /// The health of the given (source, component) pairs only (a cache may remember servers it no
    /// longer polls); a component never polled yet is absent.
    pub fn health_of(&self, wanted: &[(String, String)]) -> Result<Vec<SourceHealth>, CacheError> {
        let all = self.health()?;
        Ok(all
            .into_iter()
            .filter(|h| {
                wanted
                    .iter()
                    .any(|(s, c)| *s == h.source && *c == h.component)
            })
            .collect())
    }

    /// Replaces the target snapshot of `source` (one transaction).
    pub fn replace_targets(
        &self,
        source: &str,
        targets: &[Target],
        now: Millis,
    ) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached("DELETE FROM target WHERE source = ?1")?
                .execute([source])?;
            for (pos, t) in targets.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO target (source, pos, labels, scrape_pool, scrape_url, health,
                         last_error, last_scrape, last_scrape_duration_s, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    source,
                    pos as i64,
                    labels_json(&t.labels),
                    t.scrape_pool,
                    t.scrape_url,
                    t.health.as_str(),
                    t.last_error,
                    t.last_scrape,
                    // SQLite stores NaN as NULL; keep the column NOT NULL-safe.
                    if t.last_scrape_duration_s.is_finite() {
                        t.last_scrape_duration_s
                    } else {
                        0.0
                    },
                    now,
                ])?;
            }
            tx.commit()
        };
        run(&mut conn).map_err(self.err("store scrape targets"))
    }

    /// The last target snapshot, of one source or all, as (source, target).
    pub fn targets(&self, source: Option<&str>) -> Result<Vec<(String, Target)>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<(String, Target)>> {
            let mut st = conn.prepare_cached(
                "SELECT source, labels, scrape_pool, scrape_url, health, last_error, last_scrape,
                        last_scrape_duration_s
                 FROM target WHERE ?1 IS NULL OR source = ?1 ORDER BY source, pos",
            )?;
            let rows = st.query_map([source], |r| {
                Ok((
                    r.get(0)?,
                    Target {
                        labels: parse_labels(&r.get::<_, String>(1)?).unwrap_or_default(),
                        scrape_pool: r.get(2)?,
                        scrape_url: r.get(3)?,
                        health: TargetHealth::parse(&r.get::<_, String>(4)?),
                        last_error: r.get(5)?,
                        last_scrape: r.get(6)?,
                        last_scrape_duration_s: r.get::<_, Option<f64>>(7)?.unwrap_or(0.0),
                    },
                ))
            })?;
            rows.collect()
        };
        run().map_err(self.err("read scrape targets"))
    }

    /// Replaces the alerting-rule snapshot of `source` (one transaction).
    pub fn replace_rules(&self, source: &str, rules: &[AlertRule]) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached("DELETE FROM rule WHERE source = ?1")?
                .execute([source])?;
            for (pos, rule) in rules.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO rule (source, pos, grp, file, name, query, duration_s, labels,
                         annotations, state, health, last_error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?
                .execute(params![
                    source,
                    pos as i64,
                    rule.group,
                    rule.file,
                    rule.name,
                    rule.query,
                    if rule.duration_s.is_finite() {
                        rule.duration_s
                    } else {
                        0.0
                    },
                    labels_json(&rule.labels),
                    labels_json(&rule.annotations),
                    rule.state,
                    rule.health,
                    rule.last_error,
                ])?;
            }
            tx.commit()
        };
        run(&mut conn).map_err(self.err("store alerting rules"))
    }

    /// The last rule snapshot, of one source or all, as (source, rule).
    pub fn rules(&self, source: Option<&str>) -> Result<Vec<(String, AlertRule)>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<(String, AlertRule)>> {
            let mut st = conn.prepare_cached(
                "SELECT source, grp, file, name, query, duration_s, labels, annotations, state, health,
                        last_error
                 FROM rule WHERE ?1 IS NULL OR source = ?1 ORDER BY source, pos",
            )?;
            let rows = st.query_map([source], |r| {
                Ok((
                    r.get(0)?,
                    AlertRule {
                        group: r.get(1)?,
                        file: r.get(2)?,
                        name: r.get(3)?,
                        query: r.get(4)?,
                        duration_s: r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
                        labels: parse_labels(&r.get::<_, String>(6)?).unwrap_or_default(),
                        annotations: parse_labels(&r.get::<_, String>(7)?).unwrap_or_default(),
                        state: r.get(8)?,
                        health: r.get(9)?,
                        last_error: r.get(10)?,
                    },
                ))
            })?;
            rows.collect()
        };
        run().map_err(self.err("read alerting rules"))
    }
}
