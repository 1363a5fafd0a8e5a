//! Retention and the size cap: history past its age goes, and over the cap the oldest goes first
//! (never the last hour, never alerts, acknowledgements or health).

use rusqlite::Connection;

use super::CacheError;
use super::{tier, Cache};
use crate::time::Millis;

/// How long history is kept and how large the cache file may grow. Enforced in the background by
/// [`Cache::enforce_retention`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Raw samples as fetched.
    pub raw_ms: i64,
    /// Per tier of [`tier::TIERS`] (1 min, 10 min).
    pub tier_ms: [i64; 2],
    /// Alert events (the shift log).
    pub events_ms: i64,
    /// Bytes of used pages; over it, the oldest history goes first (raw, then 1 min, then 10 min).
    pub max_bytes: u64,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: i64 = 86_400_000;
        Retention {
            raw_ms: 14 * DAY,
            tier_ms: [14 * DAY, 90 * DAY],
            events_ms: 90 * DAY,
            max_bytes: 2 << 30,
        }
    }
}

/// What [`Cache::enforce_retention`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PruneStats {
    pub chunks: u64,
    pub rollups: u64,
    pub alert_events: u64,
    /// The size cap was reached and history younger than its retention was dropped.
    pub cap_hit: bool,
    /// Bytes in use afterwards (pages holding data; freed pages are reused, the file does not shrink).
    pub used_bytes: u64,
}

impl Cache {
    /// Retention: drops raw chunks, tier blocks and alert events past their age in `r`, then, while
    /// the used size is over `r.max_bytes`, the oldest quarter of what is left (raw first, then the
    /// 1 min tier, then the 10 min tier; the last hour is always kept). Current alerts, targets, rules,
    /// health and pending acknowledgements are never touched. Each step is one transaction.
    pub fn enforce_retention(&self, r: &Retention, now: Millis) -> Result<PruneStats, CacheError> {
        let mut conn = self.conn();
        let mut stats = PruneStats::default();
        let tiers = tier::TIERS;
        let span = |res: i64| res * tier::BUCKETS_PER_BLOCK;
        let run = |conn: &mut Connection, stats: &mut PruneStats| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            stats.chunks +=
                tx.execute("DELETE FROM chunk WHERE end_ms < ?1", [now - r.raw_ms])? as u64;
            for (res, keep) in tiers.iter().zip(r.tier_ms) {
                stats.rollups += tx.execute(
                    "DELETE FROM rollup WHERE res_ms = ?1 AND start_ms + ?2 <= ?3",
                    [*res, span(*res), now - keep],
                )? as u64;
            }
            stats.alert_events +=
                tx.execute("DELETE FROM alert_event WHERE at < ?1", [now - r.events_ms])? as u64;
            // What is older than every kept history is no longer covered: backfill may fetch it again.
            let oldest = now - r.raw_ms.max(r.tier_ms[0]).max(r.tier_ms[1]);
            tx.execute("DELETE FROM coverage WHERE to_ms < ?1", [oldest])?;
            tx.execute(
                "UPDATE coverage SET from_ms = ?1 WHERE from_ms < ?1 AND NOT EXISTS
                 (SELECT 1 FROM coverage c2 WHERE c2.query_id = coverage.query_id AND c2.from_ms = ?1)",
                [oldest],
            )?;
            tx.execute(
                "UPDATE query SET fetched_from = min(?1, fetched_until) WHERE fetched_from < ?1",
                [oldest],
            )?;
            tx.commit()
        };
        run(&mut conn, &mut stats).map_err(self.err("drop history past its retention"))?;
        let used = |conn: &Connection| -> rusqlite::Result<u64> {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |x| x.get(0))?;
            let free: i64 = conn.query_row("PRAGMA freelist_count", [], |x| x.get(0))?;
            let size: i64 = conn.query_row("PRAGMA page_size", [], |x| x.get(0))?;
            Ok((pages - free).max(0) as u64 * size.max(0) as u64)
        };
        // Over the cap: the oldest quarter of each kind in turn, until under it or an hour is left.
        let shrink = |conn: &mut Connection, stats: &mut PruneStats| -> rusqlite::Result<()> {
            let kinds: [(&str, &str, Option<i64>); 3] = [
                (
                    "SELECT min(start_ms) FROM chunk",
                    "DELETE FROM chunk WHERE end_ms < ?1",
                    None,
                ),
                (
                    "SELECT min(start_ms) FROM rollup WHERE res_ms = ?1",
                    "DELETE FROM rollup WHERE res_ms = ?2 AND start_ms + ?3 <= ?1",
                    Some(tiers[0]),
                ),
                (
                    "SELECT min(start_ms) FROM rollup WHERE res_ms = ?1",
                    "DELETE FROM rollup WHERE res_ms = ?2 AND start_ms + ?3 <= ?1",
                    Some(tiers[1]),
                ),
            ];
            let last_hour = now - 3_600_000;
            for (oldest_sql, delete_sql, res) in kinds {
                let oldest: Option<i64> = match res {
                    None => conn.query_row(oldest_sql, [], |x| x.get(0))?,
                    Some(res) => conn.query_row(oldest_sql, [res], |x| x.get(0))?,
                };
                let Some(oldest) = oldest.filter(|&t| t < last_hour) else {
                    continue;
                };
                for quarter in 1..=4 {
                    stats.used_bytes = used(conn)?;
                    if stats.used_bytes <= r.max_bytes {
                        return Ok(());
                    }
                    let cutoff = oldest + (last_hour - oldest) / 4 * quarter;
                    stats.cap_hit = true;
                    let n = match res {
                        None => conn.execute(delete_sql, [cutoff])?,
                        Some(res) => conn.execute(delete_sql, [cutoff, res, span(res)])?,
                    };
                    match res {
                        None => stats.chunks += n as u64,
                        Some(_) => stats.rollups += n as u64,
                    }
                }
            }
            stats.used_bytes = used(conn)?;
            Ok(())
        };
        shrink(&mut conn, &mut stats).map_err(self.err("keep the cache under its size cap"))?;
        // Give freed pages back to the file system when they are a good part of the file (files made
        // before auto_vacuum keep them for reuse).
        let vacuum = |conn: &Connection| -> rusqlite::Result<()> {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |x| x.get(0))?;
            let free: i64 = conn.query_row("PRAGMA freelist_count", [], |x| x.get(0))?;
            if free > 256 && free * 10 > pages {
                // Each step frees one page: run the statement to the end.
                let mut st = conn.prepare("PRAGMA incremental_vacuum")?;
                let mut rows = st.query([])?;
                while rows.next()?.is_some() {}
            }
            Ok(())
        };
        vacuum(&conn).map_err(self.err("return freed space to the disk"))?;
        if stats.cap_hit {
            tracing::warn!(
                used = stats.used_bytes,
                cap = r.max_bytes,
                "history cache reached its size cap; the oldest history was dropped early"
            );
        }
        Ok(stats)
    }
}
