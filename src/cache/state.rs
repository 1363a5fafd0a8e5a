//! The desk's own state, in tables of their own (migration 5; before, JSON strings in a key/value
//! table): notification marks, the storm window and the mute, the monitoring-pipeline flags, the
//! saved view and the alert-sync marks. A dashboard's own state (variable selections, query plans,
//! resolved variables, collapsed rows) is in `dashboard_state.rs`.
//!
//! Each is written before it takes effect (a notification is marked before it is shown), so neither
//! a crash nor an upgrade repeats or forgets anything.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{Cache, CacheError};
use crate::time::Millis;

/// An alert that was notified: when, and enough to say "resolved" once it is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyMark {
    pub source: String,
    pub fingerprint: String,
    pub notified_at: Millis,
    pub alertname: String,
    pub instance: String,
    /// The canonical severity word at the time (`critical`, `warning`…).
    pub severity: String,
}

/// The kinds of monitoring-pipeline flag (see `notify::pipeline_due`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineFlag {
    /// A source component unreachable for long was notified (component = its health component).
    Unreachable,
    /// The Watchdog heartbeat was last seen at (component = "").
    WatchdogSeen,
    /// "monitoring pipeline broken" was notified (component = "").
    WatchdogMissing,
}

impl PipelineFlag {
    fn as_str(self) -> &'static str {
        match self {
            PipelineFlag::Unreachable => "unreachable",
            PipelineFlag::WatchdogSeen => "watchdog_seen",
            PipelineFlag::WatchdogMissing => "watchdog_missing",
        }
    }
}

/// The view the app showed last, restored at the next start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedView {
    /// `dashboard`, `alerts`, `alert`, `shiftlog`.
    pub view: String,
    pub dashboard: String,
    pub source: Option<String>,
    pub fingerprint: Option<String>,
    pub from: String,
    pub to: String,
    pub refresh_ms: Option<i64>,
}

impl Cache {
    /// Every notification mark.
    pub fn notify_marks(&self) -> Result<Vec<NotifyMark>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<NotifyMark>> {
            let mut st = conn.prepare_cached(
                "SELECT source, fingerprint, notified_at, alertname, instance, severity
                 FROM notify_mark ORDER BY source, fingerprint",
            )?;
            let rows = st.query_map([], |r| {
                Ok(NotifyMark {
                    source: r.get(0)?,
                    fingerprint: r.get(1)?,
                    notified_at: r.get(2)?,
                    alertname: r.get(3)?,
                    instance: r.get(4)?,
                    severity: r.get(5)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(self.err("read the notification marks"))
    }

    /// Records notifications (new or repeated) and forgets the marks of alerts that are gone, in one
    /// transaction, before anything is shown.
    pub fn update_notify_marks(
        &self,
        set: &[NotifyMark],
        forget: &[(String, String)],
    ) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for m in set {
                tx.prepare_cached(
                    "INSERT INTO notify_mark (source, fingerprint, notified_at, alertname, instance, severity)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (source, fingerprint) DO UPDATE SET
                         notified_at = excluded.notified_at, alertname = excluded.alertname,
                         instance = excluded.instance, severity = excluded.severity",
                )?
                .execute(params![
                    m.source,
                    m.fingerprint,
                    m.notified_at,
                    m.alertname,
                    m.instance,
                    m.severity
                ])?;
            }
            for (source, fp) in forget {
                tx.prepare_cached(
                    "DELETE FROM notify_mark WHERE source = ?1 AND fingerprint = ?2",
                )?
                .execute(params![source, fp])?;
            }
            tx.commit()
        };
        run(&mut conn).map_err(self.err("record notifications"))
    }

    fn desk_value(&self, column: &'static str) -> Result<Option<Millis>, CacheError> {
        let conn = self.reader();
        let sql = match column {
            "storm_until" => "SELECT storm_until FROM desk_state WHERE id = 1",
            _ => "SELECT muted_until FROM desk_state WHERE id = 1",
        };
        conn.prepare_cached(sql)
            .and_then(|mut st| st.query_row([], |r| r.get(0)).optional())
            .map(Option::flatten)
            .map_err(self.err("read the notification state"))
    }

    fn set_desk_value(&self, column: &'static str, v: Option<Millis>) -> Result<(), CacheError> {
        let conn = self.conn();
        let sql = match column {
            "storm_until" => {
                "INSERT INTO desk_state (id, storm_until) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET storm_until = excluded.storm_until"
            }
            _ => {
                "INSERT INTO desk_state (id, muted_until) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET muted_until = excluded.muted_until"
            }
        };
        conn.prepare_cached(sql)
            .and_then(|mut st| st.execute([v]))
            .map(|_| ())
            .map_err(self.err("save the notification state"))
    }

    /// Until when new alerts are folded into the running storm's summary.
    pub fn storm_until(&self) -> Result<Option<Millis>, CacheError> {
        self.desk_value("storm_until")
    }

    pub fn set_storm_until(&self, until: Millis) -> Result<(), CacheError> {
        self.set_desk_value("storm_until", Some(until))
    }

    /// No notifications before this time (the tray's "mute for 15 min").
    pub fn muted_until(&self) -> Result<Option<Millis>, CacheError> {
        self.desk_value("muted_until")
    }

    pub fn set_muted_until(&self, until: Option<Millis>) -> Result<(), CacheError> {
        self.set_desk_value("muted_until", until)
    }

    /// When a pipeline flag was set, if it is.
    pub fn pipeline_flag(
        &self,
        source: &str,
        kind: PipelineFlag,
        component: &str,
    ) -> Result<Option<Millis>, CacheError> {
        let conn = self.reader();
        conn.prepare_cached(
            "SELECT at FROM pipeline_flag WHERE source = ?1 AND kind = ?2 AND component = ?3",
        )
        .and_then(|mut st| {
            st.query_row(params![source, kind.as_str(), component], |r| r.get(0))
                .optional()
        })
        .map_err(self.err("read the monitoring pipeline state"))
    }

    pub fn set_pipeline_flag(
        &self,
        source: &str,
        kind: PipelineFlag,
        component: &str,
        at: Millis,
    ) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO pipeline_flag (source, kind, component, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (source, kind, component) DO UPDATE SET at = excluded.at",
        )
        .and_then(|mut st| st.execute(params![source, kind.as_str(), component, at]))
        .map(|_| ())
        .map_err(self.err("save the monitoring pipeline state"))
    }

    pub fn clear_pipeline_flag(
        &self,
        source: &str,
        kind: PipelineFlag,
        component: &str,
    ) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "DELETE FROM pipeline_flag WHERE source = ?1 AND kind = ?2 AND component = ?3",
        )
        .and_then(|mut st| st.execute(params![source, kind.as_str(), component]))
        .map(|_| ())
        .map_err(self.err("save the monitoring pipeline state"))
    }

    /// The view saved by [`Cache::save_view`], if any.
    pub fn saved_view(&self) -> Result<Option<SavedView>, CacheError> {
        let conn = self.reader();
        conn.prepare_cached(
            "SELECT view, dashboard, source, fingerprint, time_from, time_to, refresh_ms
             FROM saved_view WHERE id = 1",
        )
        .and_then(|mut st| {
            st.query_row([], |r| {
                Ok(SavedView {
                    view: r.get(0)?,
                    dashboard: r.get(1)?,
                    source: r.get(2)?,
                    fingerprint: r.get(3)?,
                    from: r.get(4)?,
                    to: r.get(5)?,
                    refresh_ms: r.get(6)?,
                })
            })
            .optional()
        })
        .map_err(self.err("read the saved view"))
    }

    pub fn save_view(&self, v: &SavedView) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT OR REPLACE INTO saved_view
                 (id, view, dashboard, source, fingerprint, time_from, time_to, refresh_ms)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut st| {
            st.execute(params![
                v.view,
                v.dashboard,
                v.source,
                v.fingerprint,
                v.from,
                v.to,
                v.refresh_ms
            ])
        })
        .map(|_| ())
        .map_err(self.err("save the view"))
    }

    /// When the alerts of a source were last synced (to notice a gap: the app was closed or offline).
    pub fn alerts_synced_at(&self, source: &str) -> Result<Option<Millis>, CacheError> {
        let conn = self.reader();
        conn.prepare_cached("SELECT synced_at FROM alert_sync WHERE source = ?1")
            .and_then(|mut st| st.query_row([source], |r| r.get(0)).optional())
            .map_err(self.err("read the alert sync mark"))
    }

    pub fn set_alerts_synced_at(&self, source: &str, at: Millis) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO alert_sync (source, synced_at) VALUES (?1, ?2)
             ON CONFLICT (source) DO UPDATE SET synced_at = excluded.synced_at",
        )
        .and_then(|mut st| st.execute(params![source, at]))
        .map(|_| ())
        .map_err(self.err("save the alert sync mark"))
    }
}

/// Migration 5's data step: moves what the key/value table (renamed `legacy_meta` by the migration)
/// held into the tables above, inside the migration's transaction. A moved key is deleted from
/// `legacy_meta`; one that is not recognised, or whose value does not parse, stays there (never
/// read again, never lost). Returns how many keys were moved and how many stayed.
pub(super) fn move_meta(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<(usize, usize)> {
    let rows: Vec<(String, String)> = {
        let mut st = tx.prepare("SELECT key, value FROM legacy_meta ORDER BY key")?;
        let r = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        r.collect::<rusqlite::Result<_>>()?
    };
    // The source names the file knows, to split keys whose parts are joined with '/'; longest
    // first, so that "a/b" wins over "a" for a key "plan/a/b/uid".
    let mut sources: Vec<String> = {
        let mut st = tx.prepare(
            "SELECT source FROM health UNION SELECT source FROM query
             UNION SELECT source FROM alert UNION SELECT source FROM alert_event",
        )?;
        let r = st.query_map([], |r| r.get(0))?;
        r.collect::<rusqlite::Result<_>>()?
    };
    sources.sort_by_key(|s: &String| std::cmp::Reverse(s.len()));
    let split = |rest: &str| -> Option<(String, String)> {
        for s in &sources {
            if let Some(r) = rest
                .strip_prefix(s.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                return Some((s.clone(), r.to_string()));
            }
        }
        rest.split_once('/')
            .map(|(a, b)| (a.to_string(), b.to_string()))
    };
    let int = |v: &str| v.trim().parse::<i64>().ok();
    let json = |v: &str| serde_json::from_str::<serde_json::Value>(v).ok();
    let (mut moved, mut kept) = (0, 0);
    for (key, value) in rows {
        let done: bool = if let Some(rest) = key.strip_prefix("notified/") {
            // A fingerprint never holds a '/': the source is everything before the last one.
            let v = json(&value).unwrap_or_default();
            let at = int(&value).or_else(|| v.get("t").and_then(|t| t.as_i64()));
            match (rest.rsplit_once('/'), at) {
                (Some((source, fp)), Some(at)) => {
                    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                    tx.execute(
                        "INSERT OR REPLACE INTO notify_mark
                             (source, fingerprint, notified_at, alertname, instance, severity)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![source, fp, at, s("name"), s("instance"), s("severity")],
                    )?;
                    true
                }
                _ => false,
            }
        } else if key == "notify/storm_until" || key == "app/muted_until" {
            match int(&value) {
                Some(t) if key == "app/muted_until" => {
                    tx.execute(
                        "INSERT INTO desk_state (id, muted_until) VALUES (1, ?1)
                         ON CONFLICT (id) DO UPDATE SET muted_until = excluded.muted_until",
                        [t],
                    )?;
                    true
                }
                Some(t) => {
                    tx.execute(
                        "INSERT INTO desk_state (id, storm_until) VALUES (1, ?1)
                         ON CONFLICT (id) DO UPDATE SET storm_until = excluded.storm_until",
                        [t],
                    )?;
                    true
                }
                None => false,
            }
        } else if key == "app/view" {
            match json(&value) {
                Some(v) => {
                    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
                    tx.execute(
                        "INSERT OR REPLACE INTO saved_view
                             (id, view, dashboard, source, fingerprint, time_from, time_to, refresh_ms)
                         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            s("view").unwrap_or_else(|| "dashboard".into()),
                            s("dashboard").unwrap_or_default(),
                            s("source"),
                            s("fingerprint"),
                            s("from").unwrap_or_else(|| "now-6h".into()),
                            s("to").unwrap_or_else(|| "now".into()),
                            v.get("refresh_ms").and_then(|x| x.as_i64()),
                        ],
                    )?;
                    true
                }
                None => false,
            }
        } else if let Some(rest) = key.strip_prefix("pipeline/unreachable/") {
            match (split(rest), int(&value)) {
                (Some((source, component)), Some(t)) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO pipeline_flag (source, kind, component, at)
                         VALUES (?1, 'unreachable', ?2, ?3)",
                        params![source, component, t],
                    )?;
                    true
                }
                _ => false,
            }
        } else if let Some((source, kind)) = key
            .strip_prefix("pipeline/watchdog_seen/")
            .map(|s| (s, "watchdog_seen"))
            .or_else(|| {
                key.strip_prefix("pipeline/watchdog_missing/")
                    .map(|s| (s, "watchdog_missing"))
            })
        {
            match int(&value) {
                Some(t) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO pipeline_flag (source, kind, component, at)
                         VALUES (?1, ?2, '', ?3)",
                        params![source, kind, t],
                    )?;
                    true
                }
                None => false,
            }
        } else if let Some(source) = key.strip_prefix("history/alerts_synced/") {
            match int(&value) {
                Some(t) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO alert_sync (source, synced_at) VALUES (?1, ?2)",
                        params![source, t],
                    )?;
                    true
                }
                None => false,
            }
        } else if let Some((source, dash)) = key.strip_prefix("vars/").and_then(split) {
            match serde_json::from_str::<BTreeMap<String, Vec<String>>>(&value) {
                Ok(sel) => {
                    for (name, values) in &sel {
                        for (pos, v) in values.iter().enumerate() {
                            tx.execute(
                                "INSERT OR REPLACE INTO var_selection
                                     (source, dashboard, name, pos, value)
                                 VALUES (?1, ?2, ?3, ?4, ?5)",
                                params![source, dash, name, pos as i64, v],
                            )?;
                        }
                    }
                    true
                }
                Err(_) => false,
            }
        } else if let Some((source, dash)) = key.strip_prefix("plan/").and_then(split) {
            match serde_json::from_str::<Vec<serde_json::Value>>(&value) {
                Ok(plan) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO dashboard_plan (source, dashboard, planned_at)
                         VALUES (?1, ?2, 0)",
                        params![source, dash],
                    )?;
                    for (pos, q) in plan.iter().enumerate() {
                        let s =
                            |k: &str| q.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                        let n = |k: &str| q.get(k).and_then(|x| x.as_i64()).unwrap_or(0);
                        tx.execute(
                            "INSERT OR REPLACE INTO query_plan
                                 (source, dashboard, pos, panel_id, ref_id, expr, legend, step_ms)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            params![
                                source,
                                dash,
                                pos as i64,
                                n("panel_id"),
                                s("ref_id"),
                                s("expr"),
                                s("legend"),
                                n("step_ms")
                            ],
                        )?;
                    }
                    true
                }
                Err(_) => false,
            }
        } else {
            false
        };
        if done {
            tx.execute("DELETE FROM legacy_meta WHERE key = ?1", [&key])?;
            moved += 1;
        } else {
            kept += 1;
        }
    }
    Ok((moved, kept))
}
