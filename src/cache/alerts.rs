//! Alerts: the current state per (source, fingerprint) and an event history Alertmanager does not keep.

use std::collections::HashMap;

use rusqlite::{params, Transaction, TransactionBehavior};

use super::{labels_json, parse_labels, parse_strings, strings_json, Cache, CacheError};
use crate::source::{Alert, AlertState, Labels};
use crate::time::Millis;

/// Event kinds stored in [`AlertEvent::kind`].
pub mod kind {
    /// First seen (at = the alert's `starts_at`); detail = its labels as JSON.
    pub const FIRED: &str = "fired";
    /// Gone from every Alertmanager of the source (at = the sync time).
    pub const RESOLVED: &str = "resolved";
    /// Now silenced; detail = the silence ids, comma-separated.
    pub const SILENCED: &str = "silenced";
    /// No longer silenced; detail = the silence ids it had.
    pub const UNSILENCED: &str = "unsilenced";
    /// Now inhibited; detail = the inhibiting alerts' fingerprints.
    pub const INHIBITED: &str = "inhibited";
    /// No longer inhibited; detail = the fingerprints it had.
    pub const UNINHIBITED: &str = "uninhibited";
    /// A resolved alert acknowledged in Watchdesk (no silence); detail = "by NAME: comment".
    pub const ACKNOWLEDGED: &str = "acknowledged";
}

/// An alert that resolved while nobody had acknowledged it ("resolved, not acknowledged").
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedAlert {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    /// The `severity` label, "" when missing (see [`ResolvedAlert::severity`]).
    pub severity_label: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: Millis,
    pub resolved_at: Millis,
    pub reported_by: Vec<String>,
}

/// An alert as the poller saw it, with the Alertmanagers (URLs) that reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedAlert {
    pub alert: Alert,
    pub reported_by: Vec<String>,
}

/// Fingerprints whose state changed in one [`Cache::sync_alerts`] (for notifications).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertChanges {
    pub fired: Vec<String>,
    pub resolved: Vec<String>,
    /// Silenced, unsilenced, inhibited or uninhibited.
    pub changed: Vec<String>,
}

/// A current alert from the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedAlert {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    /// The `severity` label, "" when missing: such alerts are kept and shown, never dropped (see
    /// [`CachedAlert::severity`]).
    pub severity_label: String,
    pub state: AlertState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: Millis,
    pub updated_at: Option<Millis>,
    pub ends_at: Option<Millis>,
    pub generator_url: Option<String>,
    pub receivers: Vec<String>,
    pub reported_by: Vec<String>,
    /// When this cache first saw this episode of the alert.
    pub first_seen: Millis,
    /// The last sync that reported it.
    pub last_seen: Millis,
}

impl CachedAlert {
    /// Its severity level, from the `severity` label.
    pub fn severity(&self) -> crate::severity::Severity {
        crate::severity::Severity::from_label(&self.severity_label)
    }
}

impl ResolvedAlert {
    /// Its severity level, from the `severity` label.
    pub fn severity(&self) -> crate::severity::Severity {
        crate::severity::Severity::from_label(&self.severity_label)
    }
}

/// One entry of the alert history. See [`kind`] for `kind` and `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    pub id: i64,
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub kind: String,
    pub at: Millis,
    pub detail: String,
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    v
}

struct Previous {
    alertname: String,
    silenced_by: Vec<String>,
    inhibited_by: Vec<String>,
    starts_at: Millis,
    first_seen: Millis,
}

fn add_event(
    tx: &Transaction<'_>,
    source: &str,
    fingerprint: &str,
    alertname: &str,
    kind: &str,
    at: Millis,
    detail: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO alert_event (source, fingerprint, alertname, kind, at, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![source, fingerprint, alertname, kind, at, detail])?;
    Ok(())
}

/// Events for a change of a set (silences or inhibitors): `on` when it becomes non-empty or changes,
/// `off` when it empties.
fn set_change(
    old: &[String],
    new: &[String],
    on: &'static str,
    off: &'static str,
) -> Option<(&'static str, String)> {
    if old == new {
        None
    } else if new.is_empty() {
        Some((off, old.join(",")))
    } else {
        Some((on, new.join(",")))
    }
}

impl Cache {
    /// Records what the Alertmanagers of `source` report now. A new fingerprint gets "fired" (at =
    /// `starts_at`); silence and inhibition changes get events (at = `now`). When `complete` (every
    /// Alertmanager of the source answered), an alert missing from `alerts` is removed and gets
    /// "resolved"; otherwise nothing is resolved. Label and annotation updates are stored without
    /// events. A fingerprint reported with a later `starts_at` than stored is a new episode: it gets
    /// another "fired".
    pub fn sync_alerts(
        &self,
        source: &str,
        alerts: &[ReportedAlert],
        complete: bool,
        now: Millis,
    ) -> Result<AlertChanges, CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<AlertChanges> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut previous: HashMap<String, Previous> = HashMap::new();
            {
                let mut st = tx.prepare_cached(
                    "SELECT fingerprint, alertname, silenced_by, inhibited_by, starts_at, first_seen
                     FROM alert WHERE source = ?1",
                )?;
                let rows = st.query_map([source], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Previous {
                            alertname: r.get(1)?,
                            silenced_by: sorted(&parse_strings(&r.get::<_, String>(2)?)),
                            inhibited_by: sorted(&parse_strings(&r.get::<_, String>(3)?)),
                            starts_at: r.get(4)?,
                            first_seen: r.get(5)?,
                        },
                    ))
                })?;
                for row in rows {
                    let (fp, prev) = row?;
                    previous.insert(fp, prev);
                }
            }
            // The last report of each alert wins. The key (stored as its fingerprint) tells apart
            // alerts that share a fingerprint or have none (see `alert_keys`).
            let mut order: Vec<String> = Vec::new();
            let mut latest: HashMap<String, &ReportedAlert> = HashMap::new();
            let keys = crate::source::alert_keys(alerts.iter().map(|ra| &ra.alert));
            for (ra, key) in alerts.iter().zip(keys) {
                if latest.insert(key.clone(), ra).is_none() {
                    order.push(key);
                }
            }
            let mut changes = AlertChanges::default();
            for fp in &order {
                let Some(ra) = latest.get(fp) else { continue };
                let a = &ra.alert;
                let name = a.name();
                let silenced = sorted(&a.silenced_by);
                let inhibited = sorted(&a.inhibited_by);
                // Alertmanager keeps starts_at for an episode; a later one (both in server time) is
                // a new episode whose resolution this cache did not see.
                // A guessed start (the source sent no valid startsAt) moves with every poll: it
                // never makes a new episode, and the first guess is kept.
                let guessed = a.start_is_guessed();
                let prev = previous
                    .get(fp)
                    .filter(|p| a.starts_at <= p.starts_at || guessed);
                let starts_at = match prev {
                    Some(p) if guessed => p.starts_at.min(a.starts_at),
                    _ => a.starts_at,
                };
                let first_seen = match prev {
                    None => {
                        add_event(
                            &tx,
                            source,
                            fp,
                            name,
                            kind::FIRED,
                            a.starts_at,
                            &labels_json(&a.labels),
                        )?;
                        let none: Vec<String> = Vec::new();
                        for (k, d) in set_change(&none, &silenced, kind::SILENCED, kind::UNSILENCED)
                            .into_iter()
                            .chain(set_change(
                                &none,
                                &inhibited,
                                kind::INHIBITED,
                                kind::UNINHIBITED,
                            ))
                        {
                            add_event(&tx, source, fp, name, k, now, &d)?;
                        }
                        // A new episode: the previous one's "resolved, not acknowledged" gives way.
                        tx.prepare_cached(
                            "DELETE FROM resolved_alert WHERE source = ?1 AND fingerprint = ?2",
                        )?
                        .execute(params![source, fp])?;
                        changes.fired.push(fp.clone());
                        now
                    }
                    Some(p) => {
                        let mut changed = false;
                        for (k, d) in
                            set_change(&p.silenced_by, &silenced, kind::SILENCED, kind::UNSILENCED)
                                .into_iter()
                                .chain(set_change(
                                    &p.inhibited_by,
                                    &inhibited,
                                    kind::INHIBITED,
                                    kind::UNINHIBITED,
                                ))
                        {
                            add_event(&tx, source, fp, name, k, now, &d)?;
                            changed = true;
                        }
                        if changed {
                            changes.changed.push(fp.clone());
                        }
                        p.first_seen
                    }
                };
                tx.prepare_cached(
                    "INSERT INTO alert (source, fingerprint, alertname, severity, state, silenced_by,
                         inhibited_by, labels, annotations, starts_at, updated_at, ends_at, generator_url,
                         receivers, reported_by, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                     ON CONFLICT (source, fingerprint) DO UPDATE SET
                         alertname = excluded.alertname, severity = excluded.severity,
                         state = excluded.state, silenced_by = excluded.silenced_by,
                         inhibited_by = excluded.inhibited_by, labels = excluded.labels,
                         annotations = excluded.annotations, starts_at = excluded.starts_at,
                         updated_at = excluded.updated_at, ends_at = excluded.ends_at,
                         generator_url = excluded.generator_url, receivers = excluded.receivers,
                         reported_by = excluded.reported_by, first_seen = excluded.first_seen,
                         last_seen = excluded.last_seen",
                )?
                .execute(params![
                    source,
                    fp,
                    name,
                    a.labels.get("severity").map(String::as_str).unwrap_or(""),
                    a.state.as_str(),
                    strings_json(&silenced),
                    strings_json(&inhibited),
                    labels_json(&a.labels),
                    labels_json(&a.annotations),
                    starts_at,
                    a.updated_at,
                    a.ends_at,
                    a.generator_url,
                    strings_json(&a.receivers),
                    strings_json(&ra.reported_by),
                    first_seen,
                    now,
                ])?;
            }
            if complete {
                let mut gone: Vec<(&String, &Previous)> = previous
                    .iter()
                    .filter(|(fp, _)| !latest.contains_key(*fp))
                    .collect();
                gone.sort_by(|a, b| a.0.cmp(b.0));
                for (fp, p) in gone {
                    // Resolved while nobody had acknowledged it (not silenced, in particular not
                    // by an acknowledgement): kept as "resolved, not acknowledged".
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO resolved_alert (source, fingerprint, alertname,
                             severity, labels, annotations, starts_at, resolved_at, reported_by)
                         SELECT source, fingerprint, alertname, severity, labels, annotations,
                             starts_at, ?3, reported_by
                         FROM alert WHERE source = ?1 AND fingerprint = ?2
                             AND silenced_by = '[]' AND alertname != 'Watchdog'",
                    )?
                    .execute(params![source, fp, now])?;
                    tx.prepare_cached("DELETE FROM alert WHERE source = ?1 AND fingerprint = ?2")?
                        .execute(params![source, fp])?;
                    add_event(&tx, source, fp, &p.alertname, kind::RESOLVED, now, "")?;
                    changes.resolved.push(fp.clone());
                }
            }
            tx.commit()?;
            Ok(changes)
        };
        run(&mut conn).map_err(self.err("store alerts"))
    }

    /// Current alerts, of one source or all, newest first within each source.
    pub fn current_alerts(&self, source: Option<&str>) -> Result<Vec<CachedAlert>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<CachedAlert>> {
            let mut st = conn.prepare_cached(
                "SELECT source, fingerprint, alertname, severity, state, silenced_by, inhibited_by,
                        labels, annotations, starts_at, updated_at, ends_at, generator_url, receivers,
                        reported_by, first_seen, last_seen
                 FROM alert WHERE ?1 IS NULL OR source = ?1
                 ORDER BY source, starts_at DESC, fingerprint",
            )?;
            let rows = st.query_map([source], |r| {
                Ok(CachedAlert {
                    source: r.get(0)?,
                    fingerprint: r.get(1)?,
                    alertname: r.get(2)?,
                    severity_label: r.get(3)?,
                    state: AlertState::parse(&r.get::<_, String>(4)?),
                    silenced_by: parse_strings(&r.get::<_, String>(5)?),
                    inhibited_by: parse_strings(&r.get::<_, String>(6)?),
                    labels: parse_labels(&r.get::<_, String>(7)?).unwrap_or_default(),
                    annotations: parse_labels(&r.get::<_, String>(8)?).unwrap_or_default(),
                    starts_at: r.get(9)?,
                    updated_at: r.get(10)?,
                    ends_at: r.get(11)?,
                    generator_url: r.get(12)?,
                    receivers: parse_strings(&r.get::<_, String>(13)?),
                    reported_by: parse_strings(&r.get::<_, String>(14)?),
                    first_seen: r.get(15)?,
                    last_seen: r.get(16)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(self.err("read current alerts"))
    }

    /// Alerts that resolved while nobody had acknowledged them, newest resolution first.
    pub fn resolved_unacknowledged(
        &self,
        source: Option<&str>,
    ) -> Result<Vec<ResolvedAlert>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<ResolvedAlert>> {
            let mut st = conn.prepare_cached(
                "SELECT source, fingerprint, alertname, severity, labels, annotations, starts_at,
                        resolved_at, reported_by
                 FROM resolved_alert WHERE ?1 IS NULL OR source = ?1
                 ORDER BY resolved_at DESC, source, fingerprint",
            )?;
            let rows = st.query_map([source], |r| {
                Ok(ResolvedAlert {
                    source: r.get(0)?,
                    fingerprint: r.get(1)?,
                    alertname: r.get(2)?,
                    severity_label: r.get(3)?,
                    labels: parse_labels(&r.get::<_, String>(4)?).unwrap_or_default(),
                    annotations: parse_labels(&r.get::<_, String>(5)?).unwrap_or_default(),
                    starts_at: r.get(6)?,
                    resolved_at: r.get(7)?,
                    reported_by: parse_strings(&r.get::<_, String>(8)?),
                })
            })?;
            rows.collect()
        };
        run().map_err(self.err("read resolved alerts"))
    }

    /// Acknowledges a resolved alert locally (no Alertmanager silence is needed for an alert that
    /// is gone): it leaves the "resolved, not acknowledged" list and its history gets an
    /// "acknowledged" event with who and when. `Ok(false)` when it was not in that list.
    pub fn acknowledge_resolved(
        &self,
        source: &str,
        fingerprint: &str,
        by: &str,
        comment: &str,
        now: Millis,
    ) -> Result<bool, CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<bool> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let name: Option<String> = tx
                .query_row(
                    "SELECT alertname FROM resolved_alert WHERE source = ?1 AND fingerprint = ?2",
                    params![source, fingerprint],
                    |r| r.get(0),
                )
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?;
            let Some(name) = name else {
                return Ok(false);
            };
            tx.execute(
                "DELETE FROM resolved_alert WHERE source = ?1 AND fingerprint = ?2",
                params![source, fingerprint],
            )?;
            let detail = if comment.trim().is_empty() {
                format!("by {by} (after it resolved)")
            } else {
                format!("by {by} (after it resolved): {comment}")
            };
            add_event(
                &tx,
                source,
                fingerprint,
                &name,
                kind::ACKNOWLEDGED,
                now,
                &detail,
            )?;
            tx.commit()?;
            Ok(true)
        };
        run(&mut conn).map_err(self.err("acknowledge a resolved alert"))
    }

    /// Adds events (e.g. rebuilt from Prometheus) in one transaction; returns how many.
    pub fn add_alert_events(&self, events: &[AlertEvent]) -> Result<usize, CacheError> {
        if events.is_empty() {
            return Ok(0);
        }
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<usize> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for e in events {
                add_event(
                    &tx,
                    &e.source,
                    &e.fingerprint,
                    &e.alertname,
                    &e.kind,
                    e.at,
                    &e.detail,
                )?;
            }
            tx.commit()?;
            Ok(events.len())
        };
        run(&mut conn).map_err(self.err("store alert events"))
    }

    /// Alert history with `at >= since`, oldest first, optionally of one source and/or one fingerprint.
    pub fn alert_events(
        &self,
        source: Option<&str>,
        fingerprint: Option<&str>,
        since: Millis,
    ) -> Result<Vec<AlertEvent>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<AlertEvent>> {
            let mut st = conn.prepare_cached(
                "SELECT id, source, fingerprint, alertname, kind, at, detail FROM alert_event
                 WHERE at >= ?1 AND (?2 IS NULL OR source = ?2) AND (?3 IS NULL OR fingerprint = ?3)
                 ORDER BY at, id",
            )?;
            let rows = st.query_map(params![since, source, fingerprint], |r| {
                Ok(AlertEvent {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    fingerprint: r.get(2)?,
                    alertname: r.get(3)?,
                    kind: r.get(4)?,
                    at: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(self.err("read the alert history"))
    }
}

#[cfg(test)]
mod resolved_tests {
    use super::*;

    fn ra(fp: &str, name: &str, silenced: bool, starts_at: Millis) -> ReportedAlert {
        let mut labels = Labels::new();
        labels.insert("alertname".into(), name.into());
        labels.insert("severity".into(), "critical".into());
        labels.insert("instance".into(), format!("{fp}:80"));
        ReportedAlert {
            alert: Alert {
                fingerprint: fp.into(),
                labels,
                annotations: Labels::new(),
                starts_at,
                updated_at: None,
                ends_at: None,
                generator_url: None,
                receivers: vec![],
                state: if silenced {
                    AlertState::Suppressed
                } else {
                    AlertState::Active
                },
                silenced_by: if silenced {
                    vec!["ack1".into()]
                } else {
                    vec![]
                },
                inhibited_by: vec![],
            },
            reported_by: vec!["http://am".into()],
        }
    }

    fn fps(v: &[ResolvedAlert]) -> Vec<&str> {
        v.iter().map(|r| r.fingerprint.as_str()).collect()
    }

    #[test]
    fn resolved_unacknowledged_alerts_stay_until_acknowledged() {
        let c = Cache::open_in_memory().unwrap();
        c.sync_alerts(
            "s",
            &[
                ra("a", "ServiceDown", false, 10),
                ra("b", "ServiceDown", true, 10),
                ra("w", "Watchdog", false, 10),
            ],
            true,
            100,
        )
        .unwrap();
        // An incomplete round (a member did not answer) resolves nothing.
        c.sync_alerts("s", &[], false, 150).unwrap();
        assert!(c.resolved_unacknowledged(None).unwrap().is_empty());
        c.sync_alerts("s", &[], true, 200).unwrap();
        let r = c.resolved_unacknowledged(Some("s")).unwrap();
        assert_eq!(
            fps(&r),
            vec!["a"],
            "the acknowledged (silenced) one and the Watchdog are not kept"
        );
        assert_eq!(r[0].resolved_at, 200);
        assert_eq!(r[0].starts_at, 10);
        assert_eq!(r[0].labels.get("instance").unwrap(), "a:80");
        assert!(c.resolved_unacknowledged(Some("other")).unwrap().is_empty());

        // Acknowledged locally: gone from the list, an event says by whom.
        assert!(c
            .acknowledge_resolved("s", "a", "sam", "checked the camera", 300)
            .unwrap());
        assert!(c.resolved_unacknowledged(None).unwrap().is_empty());
        assert!(!c.acknowledge_resolved("s", "a", "sam", "", 301).unwrap());
        let ev = c.alert_events(Some("s"), Some("a"), 0).unwrap();
        let last = ev.last().unwrap();
        assert_eq!(last.kind, kind::ACKNOWLEDGED);
        assert_eq!(last.at, 300);
        assert_eq!(last.alertname, "ServiceDown");
        assert!(last.detail.contains("by sam") && last.detail.contains("checked the camera"));
    }

    #[test]
    fn a_new_episode_replaces_the_resolved_one() {
        let c = Cache::open_in_memory().unwrap();
        c.sync_alerts("s", &[ra("a", "X", false, 10)], true, 100)
            .unwrap();
        c.sync_alerts("s", &[], true, 200).unwrap();
        assert_eq!(c.resolved_unacknowledged(None).unwrap().len(), 1);
        c.sync_alerts("s", &[ra("a", "X", false, 250)], true, 260)
            .unwrap();
        assert!(
            c.resolved_unacknowledged(None).unwrap().is_empty(),
            "firing again: listed once, as firing"
        );
        c.sync_alerts("s", &[], true, 300).unwrap();
        assert_eq!(c.resolved_unacknowledged(None).unwrap()[0].resolved_at, 300);
    }
}
