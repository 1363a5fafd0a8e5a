//! Silences (a snapshot per source) and the queue of acknowledgements waiting for an Alertmanager.

use rusqlite::{params, TransactionBehavior};

use super::{Cache, CacheError};
use crate::source::{Matcher, Silence, SilenceState};
use crate::time::Millis;

/// An acknowledgement or un-acknowledgement an Alertmanager has not accepted yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAck {
    pub id: i64,
    pub source: String,
    pub action: AckAction,
    pub matchers: Vec<Matcher>,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub created_by: String,
    pub comment: String,
    pub queued_at: Millis,
    pub attempts: u32,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckAction {
    /// Create a silence.
    Ack,
    /// Expire the silence with this id.
    Unack { silence_id: String },
}

fn matchers_json(m: &[Matcher]) -> String {
    let v: Vec<serde_json::Value> = m
        .iter()
        .map(|m| {
            serde_json::json!({"name": m.name, "value": m.value, "isRegex": m.is_regex, "isEqual": m.is_equal})
        })
        .collect();
    serde_json::Value::Array(v).to_string()
}

fn parse_matchers(s: &str) -> Vec<Matcher> {
    let v: serde_json::Value = serde_json::from_str(s).unwrap_or_default();
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    Some(Matcher {
                        name: m.get("name")?.as_str()?.to_string(),
                        value: m.get("value")?.as_str()?.to_string(),
                        is_regex: m.get("isRegex").and_then(|b| b.as_bool()).unwrap_or(false),
                        is_equal: m.get("isEqual").and_then(|b| b.as_bool()).unwrap_or(true),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn state_str(s: SilenceState) -> &'static str {
    s.as_str()
}

fn parse_state(s: &str) -> SilenceState {
    match s {
        "active" => SilenceState::Active,
        "pending" => SilenceState::Pending,
        _ => SilenceState::Expired,
    }
}

impl Cache {
    /// Replaces the silences of `source` with what its Alertmanager reported.
    pub fn replace_silences(&self, source: &str, silences: &[Silence]) -> Result<(), CacheError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.err("store silences"))?;
        tx.execute("DELETE FROM silence WHERE source = ?1", [source])
            .map_err(self.err("store silences"))?;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO silence (source, id, state, matchers, starts_at, ends_at,
                        updated_at, created_by, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(self.err("store silences"))?;
            for s in silences {
                st.execute(params![
                    source,
                    s.id,
                    state_str(s.state),
                    matchers_json(&s.matchers),
                    s.starts_at,
                    s.ends_at,
                    s.updated_at,
                    s.created_by,
                    s.comment
                ])
                .map_err(self.err("store silences"))?;
            }
        }
        tx.commit().map_err(self.err("store silences"))
    }

    /// Adds or updates one silence of `source` (an acknowledgement just accepted, or one just
    /// expired), so that the list shows it before the next alerts round.
    pub fn put_silence(&self, source: &str, s: &Silence) -> Result<(), CacheError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT OR REPLACE INTO silence (source, id, state, matchers, starts_at, ends_at,
                updated_at, created_by, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .and_then(|mut st| {
            st.execute(params![
                source,
                s.id,
                state_str(s.state),
                matchers_json(&s.matchers),
                s.starts_at,
                s.ends_at,
                s.updated_at,
                s.created_by,
                s.comment
            ])
        })
        .map(|_| ())
        .map_err(self.err("store a silence"))
    }

    /// Silences of `source` (all sources when `None`), as (source, silence).
    pub fn silences(&self, source: Option<&str>) -> Result<Vec<(String, Silence)>, CacheError> {
        let conn = self.reader();
        let mut st = conn
            .prepare_cached(
                "SELECT source, id, state, matchers, starts_at, ends_at, updated_at, created_by, comment
                 FROM silence WHERE ?1 IS NULL OR source = ?1 ORDER BY source, starts_at",
            )
            .map_err(self.err("read silences"))?;
        let rows = st
            .query_map([source], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Silence {
                        id: r.get(1)?,
                        state: parse_state(&r.get::<_, String>(2)?),
                        matchers: parse_matchers(&r.get::<_, String>(3)?),
                        starts_at: r.get(4)?,
                        ends_at: r.get(5)?,
                        updated_at: r.get(6)?,
                        created_by: r.get(7)?,
                        comment: r.get(8)?,
                    },
                ))
            })
            .map_err(self.err("read silences"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(self.err("read silences"))
    }

    /// Queues an (un)acknowledgement; returns its id.
    pub fn queue_ack(&self, p: &PendingAck) -> Result<i64, CacheError> {
        let conn = self.conn();
        let (action, silence_id) = match &p.action {
            AckAction::Ack => ("ack", None),
            AckAction::Unack { silence_id } => ("unack", Some(silence_id.as_str())),
        };
        conn.prepare_cached(
            "INSERT INTO pending_ack (source, action, silence_id, matchers, starts_at, ends_at,
                created_by, comment, queued_at, attempts, last_error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .and_then(|mut st| {
            st.execute(params![
                p.source,
                action,
                silence_id,
                matchers_json(&p.matchers),
                p.starts_at,
                p.ends_at,
                p.created_by,
                p.comment,
                p.queued_at,
                p.attempts,
                p.last_error
            ])
        })
        .map_err(self.err("queue an acknowledgement"))?;
        Ok(conn.last_insert_rowid())
    }

    /// Queued (un)acknowledgements, oldest first.
    pub fn pending_acks(&self, source: Option<&str>) -> Result<Vec<PendingAck>, CacheError> {
        let conn = self.reader();
        let mut st = conn
            .prepare_cached(
                "SELECT id, source, action, silence_id, matchers, starts_at, ends_at, created_by,
                        comment, queued_at, attempts, last_error
                 FROM pending_ack WHERE ?1 IS NULL OR source = ?1 ORDER BY id",
            )
            .map_err(self.err("read queued acknowledgements"))?;
        let rows = st
            .query_map([source], |r| {
                let action: String = r.get(2)?;
                let silence_id: Option<String> = r.get(3)?;
                Ok(PendingAck {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    action: match (action.as_str(), silence_id) {
                        ("unack", Some(id)) => AckAction::Unack { silence_id: id },
                        _ => AckAction::Ack,
                    },
                    matchers: parse_matchers(&r.get::<_, String>(4)?),
                    starts_at: r.get(5)?,
                    ends_at: r.get(6)?,
                    created_by: r.get(7)?,
                    comment: r.get(8)?,
                    queued_at: r.get(9)?,
                    attempts: r.get::<_, i64>(10)?.clamp(0, u32::MAX as i64) as u32,
                    last_error: r.get(11)?,
                })
            })
            .map_err(self.err("read queued acknowledgements"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(self.err("read queued acknowledgements"))
    }

    /// An Alertmanager accepted it: it leaves the queue.
    pub fn ack_sent(&self, id: i64) -> Result<(), CacheError> {
        self.conn()
            .prepare_cached("DELETE FROM pending_ack WHERE id = ?1")
            .and_then(|mut st| st.execute([id]))
            .map(|_| ())
            .map_err(self.err("update the acknowledgement queue"))
    }

    /// Another failed attempt: kept, with the error for the operator.
    pub fn ack_failed(&self, id: i64, error: &str) -> Result<(), CacheError> {
        self.conn()
            .prepare_cached(
                "UPDATE pending_ack SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            )
            .and_then(|mut st| st.execute(params![id, error]))
            .map(|_| ())
            .map_err(self.err("update the acknowledgement queue"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex: false,
            is_equal: true,
        }
    }

    #[test]
    fn silences_and_queue_round_trip() {
        let c = Cache::open_in_memory().unwrap();
        let s = Silence {
            id: "abc".into(),
            state: SilenceState::Active,
            matchers: vec![m("alertname", "ServiceDown"), m("instance", "x:1")],
            starts_at: 1000,
            ends_at: 2000,
            updated_at: Some(1000),
            created_by: "sam".into(),
            comment: "[ack] on it".into(),
        };
        c.replace_silences("a", std::slice::from_ref(&s)).unwrap();
        c.replace_silences("b", &[]).unwrap();
        assert_eq!(
            c.silences(Some("a")).unwrap(),
            vec![("a".to_string(), s.clone())]
        );
        c.replace_silences("a", &[]).unwrap();
        assert!(c.silences(None).unwrap().is_empty());

        let p = PendingAck {
            id: 0,
            source: "a".into(),
            action: AckAction::Ack,
            matchers: s.matchers.clone(),
            starts_at: 1,
            ends_at: 2,
            created_by: "sam".into(),
            comment: "c".into(),
            queued_at: 1,
            attempts: 0,
            last_error: None,
        };
        let id = c.queue_ack(&p).unwrap();
        let id2 = c
            .queue_ack(&PendingAck {
                action: AckAction::Unack {
                    silence_id: "abc".into(),
                },
                ..p.clone()
            })
            .unwrap();
        c.ack_failed(id, "connection refused").unwrap();
        let q = c.pending_acks(Some("a")).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].attempts, 1);
        assert_eq!(q[0].last_error.as_deref(), Some("connection refused"));
        assert_eq!(q[0].matchers, p.matchers);
        assert_eq!(
            q[1].action,
            AckAction::Unack {
                silence_id: "abc".into()
            }
        );
        c.ack_sent(id).unwrap();
        c.ack_sent(id2).unwrap();
        assert!(c.pending_acks(None).unwrap().is_empty());
    }
}
