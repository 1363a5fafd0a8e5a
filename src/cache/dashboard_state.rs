//! A dashboard's state on a site, in tables of their own: the operator's variable selections, the
//! query plans the poller fetched (so drawing later uses the very same expressions, offline too),
//! the variable options last resolved, and which rows are collapsed.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{Cache, CacheError};
use crate::time::Millis;

/// One target of one panel with its variables resolved: what the poller fetched, so that drawing
/// later uses the very same expressions, offline too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedQuery {
    pub panel_id: i64,
    pub ref_id: String,
    /// PromQL with every variable substituted: the key of the cached history.
    pub expr: String,
    pub legend: String,
    pub step_ms: i64,
}

impl Cache {
    /// The template variable values the operator chose for a dashboard on a site (empty: defaults).
    pub fn var_selection(
        &self,
        source: &str,
        dashboard: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<BTreeMap<String, Vec<String>>> {
            let mut st = conn.prepare_cached(
                "SELECT name, value FROM var_selection WHERE source = ?1 AND dashboard = ?2
                 ORDER BY name, pos",
            )?;
            let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let rows = st.query_map(params![source, dashboard], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (name, value) = row?;
                out.entry(name).or_default().push(value);
            }
            Ok(out)
        };
        run().map_err(self.err("read the variable selections"))
    }

    pub fn set_var_selection(
        &self,
        source: &str,
        dashboard: &str,
        sel: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached("DELETE FROM var_selection WHERE source = ?1 AND dashboard = ?2")?
                .execute(params![source, dashboard])?;
            for (name, values) in sel {
                for (pos, v) in values.iter().enumerate() {
                    tx.prepare_cached(
                        "INSERT INTO var_selection (source, dashboard, name, pos, value)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![source, dashboard, name, pos as i64, v])?;
                }
            }
            tx.commit()
        };
        run(&mut conn).map_err(self.err("save the variable selection"))
    }

    /// The plan stored by the last poll of a dashboard on a site, if any.
    pub fn query_plan(
        &self,
        source: &str,
        dashboard: &str,
    ) -> Result<Option<Vec<PlannedQuery>>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Option<Vec<PlannedQuery>>> {
            let planned: Option<i64> = conn
                .prepare_cached(
                    "SELECT planned_at FROM dashboard_plan WHERE source = ?1 AND dashboard = ?2",
                )?
                .query_row(params![source, dashboard], |r| r.get(0))
                .optional()?;
            if planned.is_none() {
                return Ok(None);
            }
            let mut st = conn.prepare_cached(
                "SELECT panel_id, ref_id, expr, legend, step_ms FROM query_plan
                 WHERE source = ?1 AND dashboard = ?2 ORDER BY pos",
            )?;
            let rows = st.query_map(params![source, dashboard], |r| {
                Ok(PlannedQuery {
                    panel_id: r.get(0)?,
                    ref_id: r.get(1)?,
                    expr: r.get(2)?,
                    legend: r.get(3)?,
                    step_ms: r.get(4)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map(Some)
        };
        run().map_err(self.err("read a query plan"))
    }

    /// Replaces the plan of a dashboard on a site (one transaction).
    pub fn store_query_plan(
        &self,
        source: &str,
        dashboard: &str,
        plan: &[PlannedQuery],
        now: Millis,
    ) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached(
                "INSERT INTO dashboard_plan (source, dashboard, planned_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source, dashboard) DO UPDATE SET planned_at = excluded.planned_at",
            )?
            .execute(params![source, dashboard, now])?;
            tx.prepare_cached("DELETE FROM query_plan WHERE source = ?1 AND dashboard = ?2")?
                .execute(params![source, dashboard])?;
            for (pos, q) in plan.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO query_plan (source, dashboard, pos, panel_id, ref_id, expr, legend, step_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    source,
                    dashboard,
                    pos as i64,
                    q.panel_id,
                    q.ref_id,
                    q.expr,
                    q.legend,
                    q.step_ms
                ])?;
            }
            tx.commit()
        };
        run(&mut conn).map_err(self.err("store a query plan"))
    }

    /// The options of each variable of a dashboard as the poller last resolved them on a site.
    pub fn resolved_vars(
        &self,
        source: &str,
        dashboard: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<BTreeMap<String, Vec<String>>> {
            let mut st = conn.prepare_cached(
                "SELECT name, value FROM resolved_var WHERE source = ?1 AND dashboard = ?2
                 ORDER BY name, pos",
            )?;
            let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let rows = st.query_map(params![source, dashboard], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (name, value) = row?;
                out.entry(name).or_default().push(value);
            }
            Ok(out)
        };
        run().map_err(self.err("read the resolved variables"))
    }

    /// Replaces the resolved options of a dashboard's variables on a site (only those given: a
    /// variable whose options could not be listed keeps its last ones).
    pub fn store_resolved_vars(
        &self,
        source: &str,
        dashboard: &str,
        options: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (name, values) in options {
                tx.prepare_cached(
                    "DELETE FROM resolved_var WHERE source = ?1 AND dashboard = ?2 AND name = ?3",
                )?
                .execute(params![source, dashboard, name])?;
                for (pos, v) in values.iter().enumerate() {
                    tx.prepare_cached(
                        "INSERT INTO resolved_var (source, dashboard, name, pos, value)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![source, dashboard, name, pos as i64, v])?;
                }
            }
            tx.commit()
        };
        run(&mut conn).map_err(self.err("store the resolved variables"))
    }

    /// Rows of a dashboard the operator collapsed (true) or expanded (false), by row key.
    pub fn row_states(&self, dashboard: &str) -> Result<BTreeMap<String, bool>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<BTreeMap<String, bool>> {
            let mut st = conn
                .prepare_cached("SELECT row_key, collapsed FROM row_state WHERE dashboard = ?1")?;
            let rows = st.query_map([dashboard], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        run().map_err(self.err("read the row states"))
    }

    pub fn set_row_state(
        &self,
        dashboard: &str,
        row_key: &str,
        collapsed: bool,
    ) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO row_state (dashboard, row_key, collapsed) VALUES (?1, ?2, ?3)
             ON CONFLICT (dashboard, row_key) DO UPDATE SET collapsed = excluded.collapsed",
        )
        .and_then(|mut st| st.execute(params![dashboard, row_key, collapsed]))
        .map(|_| ())
        .map_err(self.err("save a row state"))
    }
}
