//! Log lines from a site's Loki, so `watchdesk logs` (and later the alert detail) shows what was
//! seen when Loki or the network is gone. Lines are deduplicated by (stream, timestamp, line): the
//! same window fetched again adds nothing. Each answer is ingested in one transaction, and only an
//! answer that parsed completely reaches here (a bad answer never touches the cache). Retention: an
//! age and a size cap in bytes of line text ([`Cache::prune_logs`]), oldest lines first.

use std::collections::HashMap;

use rusqlite::{params, TransactionBehavior};

use super::{labels_json, parse_labels, Cache, CacheError};
use crate::source::loki::LogStream;
use crate::source::Labels;
use crate::time::Millis;

/// A cached line with its stream's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedLine {
    pub labels: Labels,
    pub ts_ns: i64,
    pub line: String,
    pub truncated: bool,
}

/// How long log lines are kept and how many bytes of line text at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRetention {
    pub max_age_ms: i64,
    pub max_bytes: u64,
}

impl Default for LogRetention {
    fn default() -> Self {
        LogRetention {
            max_age_ms: 7 * 86_400_000,
            max_bytes: 256 << 20,
        }
    }
}

impl Cache {
    /// Stores the lines of one answer of `source`'s Loki in one transaction; returns how many were
    /// new. Records `now` as the time Loki last answered.
    pub fn ingest_logs(
        &self,
        source: &str,
        streams: &[LogStream],
        now: Millis,
    ) -> Result<usize, CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<usize> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut added = 0;
            for s in streams {
                let labels = labels_json(&s.labels);
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO log_stream (source, labels) VALUES (?1, ?2)",
                )?
                .execute(params![source, labels])?;
                let id: i64 = tx
                    .prepare_cached("SELECT id FROM log_stream WHERE source = ?1 AND labels = ?2")?
                    .query_row(params![source, labels], |r| r.get(0))?;
                let mut ins = tx.prepare_cached(
                    "INSERT OR IGNORE INTO log_line (stream_id, ts_ns, line, truncated)
                     VALUES (?1, ?2, ?3, ?4)",
                )?;
                for l in &s.lines {
                    added += ins.execute(params![id, l.ts_ns, l.line, l.truncated])?;
                }
            }
            tx.prepare_cached(
                "INSERT INTO log_fetch (source, fetched_at) VALUES (?1, ?2)
                 ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at",
            )?
            .execute(params![source, now])?;
            tx.commit()?;
            Ok(added)
        };
        run(&mut conn).map_err(self.err("store log lines"))
    }

    /// When `source`'s Loki last answered a log query.
    pub fn logs_fetched_at(&self, source: &str) -> Result<Option<Millis>, CacheError> {
        let conn = self.reader();
        let r = conn.query_row(
            "SELECT fetched_at FROM log_fetch WHERE source = ?1",
            [source],
            |r| r.get(0),
        );
        match r {
            Ok(t) => Ok(Some(t)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(self.err("read when logs were fetched")(e)),
        }
    }

    /// Cached lines of `source` in `[from_ns, to_ns]` whose stream `select`s and that pass `keep`,
    /// newest first, at most `limit`. A stream with unreadable labels is skipped.
    pub fn read_logs(
        &self,
        source: &str,
        (from_ns, to_ns): (i64, i64),
        limit: usize,
        select: &dyn Fn(&Labels) -> bool,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<CachedLine>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<CachedLine>> {
            let mut streams: HashMap<i64, Labels> = HashMap::new();
            let mut st = conn.prepare("SELECT id, labels FROM log_stream WHERE source = ?1")?;
            let rows = st.query_map([source], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (id, text) = row?;
                match parse_labels(&text) {
                    Some(l) if select(&l) => {
                        streams.insert(id, l);
                    }
                    Some(_) => {}
                    None => {
                        tracing::warn!(id, "skipping a cached log stream with unreadable labels")
                    }
                }
            }
            let mut out: Vec<CachedLine> = Vec::new();
            if streams.is_empty() || limit == 0 {
                return Ok(out);
            }
            // Stream by stream along the primary key (stream, time), newest first; once `limit`
            // lines are kept, a line older than the oldest kept cannot get in, so later streams are
            // read only down to it and memory stays within twice the limit.
            let mut st = conn.prepare_cached(
                "SELECT ts_ns, line, truncated FROM log_line
                 WHERE stream_id = ?1 AND ts_ns BETWEEN ?2 AND ?3 ORDER BY ts_ns DESC",
            )?;
            let mut ids: Vec<i64> = streams.keys().copied().collect();
            ids.sort_unstable();
            let mut floor = from_ns;
            for id in ids {
                let labels = &streams[&id];
                let mut rows = st.query(params![id, floor, to_ns])?;
                let mut n = 0;
                while let Some(r) = rows.next()? {
                    // A row of the wrong type (a damaged file) is skipped, not fatal.
                    let (Ok(ts_ns), Ok(line)) = (r.get::<_, i64>(0), r.get::<_, String>(1)) else {
                        continue;
                    };
                    if !keep(&line) {
                        continue;
                    }
                    out.push(CachedLine {
                        labels: labels.clone(),
                        ts_ns,
                        line,
                        truncated: r.get::<_, bool>(2).unwrap_or(false),
                    });
                    n += 1;
                    if n >= limit {
                        break;
                    }
                }
                if out.len() >= limit {
                    out.sort_by_key(|l| std::cmp::Reverse(l.ts_ns));
                    out.truncate(limit);
                    floor = out.last().map_or(from_ns, |l| l.ts_ns);
                }
            }
            out.sort_by_key(|l| std::cmp::Reverse(l.ts_ns));
            out.truncate(limit);
            Ok(out)
        };
        run().map_err(self.err("read log lines"))
    }

    /// Drops lines older than `r.max_age_ms`, then, while the line text is over `r.max_bytes`, the
    /// oldest tenth of the lines; streams left without lines go too. Returns the lines dropped.
    pub fn prune_logs(&self, r: &LogRetention, now: Millis) -> Result<u64, CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<u64> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let cutoff = now.saturating_sub(r.max_age_ms).saturating_mul(1_000_000);
            // Along the primary key (stream, time): no index on time alone, which would hold every
            // line's text a second time.
            let mut dropped = tx.execute(
                "DELETE FROM log_line WHERE stream_id IN (SELECT id FROM log_stream) AND ts_ns < ?1",
                [cutoff],
            )? as u64;
            // Counting the line text reads every line: only when the whole file could be over.
            let file: i64 = tx.query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |x| x.get(0),
            )?;
            let rounds = if (file.max(0) as u64) > r.max_bytes {
                20
            } else {
                0
            };
            for _ in 0..rounds {
                let (bytes, n): (i64, i64) = tx.query_row(
                    "SELECT coalesce(sum(length(CAST(line AS BLOB))), 0), count(*) FROM log_line",
                    [],
                    |x| Ok((x.get(0)?, x.get(1)?)),
                )?;
                if (bytes.max(0) as u64) <= r.max_bytes || n == 0 {
                    break;
                }
                let at: i64 = tx.query_row(
                    "SELECT ts_ns FROM log_line ORDER BY ts_ns LIMIT 1 OFFSET ?1",
                    [(n / 10).max(1) - 1],
                    |x| x.get(0),
                )?;
                dropped += tx.execute("DELETE FROM log_line WHERE ts_ns <= ?1", [at])? as u64;
            }
            tx.execute(
                "DELETE FROM log_stream WHERE NOT EXISTS
                 (SELECT 1 FROM log_line WHERE log_line.stream_id = log_stream.id)",
                [],
            )?;
            tx.commit()?;
            Ok(dropped)
        };
        run(&mut conn).map_err(self.err("drop old log lines"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::loki::LogLine;

    fn stream(job: &str, lines: &[(i64, &str)]) -> LogStream {
        LogStream {
            labels: [("job".to_string(), job.to_string())].into(),
            lines: lines
                .iter()
                .map(|(t, l)| LogLine {
                    ts_ns: *t,
                    line: l.to_string(),
                    truncated: false,
                })
                .collect(),
        }
    }

    #[test]
    fn lines_are_deduplicated_read_newest_first_and_pruned() {
        let c = Cache::open_in_memory().unwrap();
        let now = 1_700_000_000_000;
        let ns = |ms: i64| ms * 1_000_000;
        let a = stream("a", &[(ns(now - 3000), "one"), (ns(now - 2000), "two")]);
        let b = stream("b", &[(ns(now - 1000), "three \u{1b}[2J")]);
        assert_eq!(c.ingest_logs("s", &[a.clone(), b], now).unwrap(), 3);
        // The same window again adds nothing; the same timestamp with another line does.
        let mut a2 = a.clone();
        a2.lines[0].line = "one bis".into();
        assert_eq!(c.ingest_logs("s", &[a, a2], now + 5).unwrap(), 1);
        assert_eq!(c.logs_fetched_at("s").unwrap(), Some(now + 5));
        assert_eq!(c.logs_fetched_at("other").unwrap(), None);
        let all = c
            .read_logs("s", (0, i64::MAX), 10, &|_| true, &|_| true)
            .unwrap();
        let lines: Vec<&str> = all.iter().map(|l| l.line.as_str()).collect();
        assert_eq!(lines[0], "three \u{1b}[2J");
        assert_eq!(all.len(), 4);
        let only_a = c
            .read_logs("s", (0, i64::MAX), 10, &|l| l["job"] == "a", &|l| {
                l.contains("one")
            })
            .unwrap();
        assert_eq!(only_a.len(), 2);
        assert!(c
            .read_logs("other", (0, i64::MAX), 10, &|_| true, &|_| true)
            .unwrap()
            .is_empty());
        // Age first, then the size cap.
        let r = LogRetention {
            max_age_ms: 2500,
            max_bytes: 1 << 20,
        };
        assert_eq!(c.prune_logs(&r, now).unwrap(), 2);
        let r = LogRetention {
            max_age_ms: 1 << 40,
            max_bytes: 5,
        };
        assert!(c.prune_logs(&r, now).unwrap() >= 1);
        let left = c
            .read_logs("s", (0, i64::MAX), 10, &|_| true, &|_| true)
            .unwrap();
        assert!(left.len() <= 1, "{left:?}");
    }

    #[test]
    fn the_newest_lines_over_several_streams_are_the_newest_of_all() {
        let c = Cache::open_in_memory().unwrap();
        // Interleaved: stream a at even, b at odd, c at every third nanosecond.
        let mk = |job: &str, f: &dyn Fn(i64) -> bool| {
            let ls: Vec<(i64, String)> = (0..300)
                .filter(|t| f(*t))
                .map(|t| (t, format!("{job} {t}")))
                .collect();
            let refs: Vec<(i64, &str)> = ls.iter().map(|(t, l)| (*t, l.as_str())).collect();
            stream(job, &refs)
        };
        let streams = [
            mk("a", &|t| t % 2 == 0),
            mk("b", &|t| t % 2 == 1),
            mk("c", &|t| t % 3 == 0),
        ];
        c.ingest_logs("s", &streams, 1).unwrap();
        let got = c
            .read_logs("s", (10, 280), 7, &|_| true, &|_| true)
            .unwrap();
        let times: Vec<i64> = got.iter().map(|l| l.ts_ns).collect();
        assert_eq!(times, vec![280, 279, 279, 278, 277, 276, 276], "{got:?}");
        let filtered = c
            .read_logs("s", (0, 299), 2, &|l| l["job"] != "b", &|l| {
                l.ends_with('0')
            })
            .unwrap();
        let lines: Vec<&str> = filtered.iter().map(|l| l.line.as_str()).collect();
        assert_eq!(lines, vec!["a 290", "a 280"]);
    }
}
