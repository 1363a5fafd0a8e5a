//! Chunk rows as stored, checked when read; damaged ones are handed back to the backfill, which
//! fetches their window again (a damaged file never leaves a permanent gap).

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::chunk;
use super::Cache;
use crate::source::Sample;
use crate::time::Millis;

/// A chunk row as stored.
pub(super) struct ChunkRow {
    pub(super) id: i64,
    pub(super) start: Millis,
    /// `None` when the cell does not hold an integer.
    pub(super) end: Option<Millis>,
    pub(super) n: i64,
    pub(super) data: Vec<u8>,
    /// Why the row itself is unreadable (a cell of the wrong type: a damaged or edited file).
    pub(super) unreadable: Option<String>,
}

impl ChunkRow {
    /// A damaged chunk already handed back to the backfill (see [`hand_back`]): its samples are
    /// gone, its window is no longer covered; the next ingest over it drops the row.
    pub(super) fn is_handed_back(&self) -> bool {
        self.unreadable.is_none() && self.n == 0 && self.data.is_empty()
    }
}

/// Decodes a chunk and checks it against its row: count, first and last time, strictly rising times.
pub(super) fn decode_checked(row: &ChunkRow) -> Result<Vec<Sample>, String> {
    if let Some(why) = &row.unreadable {
        return Err(why.clone());
    }
    if row.is_handed_back() {
        return Err("a damaged chunk waiting to be fetched again".to_owned());
    }
    let samples = chunk::decode(&row.data).map_err(|e| e.to_string())?;
    let rising = samples.windows(2).all(|w| match w {
        [a, b] => a.t < b.t,
        _ => true,
    });
    let first = samples.first().map(|s| s.t);
    let last = samples.last().map(|s| s.t);
    if samples.len() as i64 != row.n || first != Some(row.start) || last != row.end || !rising {
        return Err(format!(
            "chunk header says {} samples from {} to {:?}, data has {} from {first:?} to {last:?}",
            row.n,
            row.start,
            row.end,
            samples.len()
        ));
    }
    Ok(samples)
}

/// An integer cell, or a finite real one truncated; `None` for text, blobs and NULL (a damaged or
/// edited file). Used where a chunk row is only located, never trusted.
pub(super) fn int_cell(v: rusqlite::types::ValueRef<'_>) -> Option<i64> {
    match v {
        rusqlite::types::ValueRef::Integer(i) => Some(i),
        rusqlite::types::ValueRef::Real(f) if f.is_finite() => Some(f as i64),
        _ => None,
    }
}

pub(super) fn chunk_rows<P: rusqlite::Params>(
    tx: &Transaction<'_>,
    sql: &str,
    params: P,
) -> rusqlite::Result<Vec<ChunkRow>> {
    use rusqlite::types::ValueRef;
    let int = |v: ValueRef<'_>| match v {
        ValueRef::Integer(i) => Some(i),
        _ => None,
    };
    let mut st = tx.prepare_cached(sql)?;
    let rows = st.query_map(params, |r| {
        // `id` is the rowid, always an integer. A cell of the wrong type elsewhere makes that chunk
        // unreadable (a damaged or edited file); the others are not.
        let id: i64 = r.get(0)?;
        let start_ref = r.get_ref(1)?;
        let start_int = int(start_ref);
        let start = int_cell(start_ref).unwrap_or(i64::MIN);
        let end = int(r.get_ref(2)?);
        let n = int(r.get_ref(3)?);
        let data = match r.get_ref(4)? {
            ValueRef::Blob(b) => Some(b.to_vec()),
            _ => None,
        };
        let unreadable = (start_int.is_none() || end.is_none() || n.is_none() || data.is_none())
            .then(|| "a cell of the chunk row has the wrong type".to_owned());
        Ok(ChunkRow {
            id,
            start,
            end,
            n: n.unwrap_or(-1),
            data: data.unwrap_or_default(),
            unreadable,
        })
    })?;
    rows.collect()
}

/// A damaged chunk met by a read, to hand back to the backfill (see [`hand_back`]).
pub(super) struct Damaged {
    pub(super) series_id: i64,
    pub(super) chunk_id: i64,
}

/// Removes `[start, end]` (and a step either side, so that [`Cache::holes`] lists it) from the
/// covered windows of the series' query: the backfill fetches it again. `end: None` (unknown) means
/// up to the series' next chunk, or the end of what was fetched.
pub(super) fn uncover(
    tx: &Transaction<'_>,
    series_id: i64,
    start: Millis,
    end: Option<Millis>,
) -> rusqlite::Result<()> {
    let Some((qid, step, until)) = tx
        .prepare_cached(
            "SELECT q.id, q.step_ms, q.fetched_until FROM series s JOIN query q ON q.id = s.query_id
             WHERE s.id = ?1",
        )?
        .query_row([series_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })
        .optional()?
    else {
        return Ok(());
    };
    let step = step.max(1);
    let end = match end {
        Some(e) => e,
        None => tx
            .prepare_cached(
                "SELECT min(start_ms) FROM chunk WHERE series_id = ?1 AND start_ms > ?2",
            )?
            .query_row(params![series_id, start], |r| Ok(int_cell(r.get_ref(0)?)))?
            .map_or(until, |next| next.saturating_sub(step)),
    }
    .max(start);
    let (lo, hi) = (start.saturating_sub(step), end.saturating_add(step));
    let windows: Vec<(Millis, Millis)> = tx
        .prepare_cached(
            "SELECT from_ms, to_ms FROM coverage WHERE query_id = ?1 AND from_ms <= ?3 AND to_ms >= ?2",
        )?
        .query_map(params![qid, lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (f, t) in windows {
        tx.prepare_cached("DELETE FROM coverage WHERE query_id = ?1 AND from_ms = ?2")?
            .execute(params![qid, f])?;
        let keep = |a: Millis, b: Millis| -> rusqlite::Result<()> {
            if a <= b {
                tx.prepare_cached(
                    "INSERT INTO coverage (query_id, from_ms, to_ms) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![qid, a, b])?;
            }
            Ok(())
        };
        keep(f, lo.saturating_sub(step))?;
        keep(hi.saturating_add(step), t)?;
    }
    Ok(())
}

/// Hands damaged chunks back to the backfill, in the write transaction `tx`: each one that is still
/// damaged becomes an empty marker row (so reads do not report it again; the next ingest over it
/// drops it) and its window leaves the query's coverage, so `holes()` lists it and the backfill
/// fetches it again. Returns how many were handed back.
pub(super) fn hand_back(tx: &Transaction<'_>, damaged: &[Damaged]) -> rusqlite::Result<usize> {
    let mut done = 0;
    for d in damaged {
        // Looked at again: an ingest may have rewritten the chunk since the read saw it.
        let rows = chunk_rows(
            tx,
            "SELECT id, start_ms, end_ms, n, data FROM chunk WHERE id = ?1 AND series_id = ?2",
            params![d.chunk_id, d.series_id],
        )?;
        let Some(row) = rows.first() else { continue };
        if row.is_handed_back() || decode_checked(row).is_ok() {
            continue;
        }
        // A start that is not a number sorts after every number, so no range read selects such a
        // row; a fractional one is taken as it is.
        let start = row.start;
        uncover(tx, d.series_id, start, row.end)?;
        tx.prepare_cached(
            "UPDATE chunk SET start_ms = ?2, end_ms = ?3, n = 0, data = x'' WHERE id = ?1",
        )?
        .execute(params![
            d.chunk_id,
            start,
            row.end.unwrap_or(start).max(start)
        ])?;
        done += 1;
    }
    Ok(done)
}

impl Cache {
    /// Hands the damaged chunks a read met back to the backfill (see [`hand_back`]), in a write
    /// transaction of its own. A read-only cache only skips them; a failure is logged, never the
    /// read's error.
    pub(super) fn hand_back_damaged(&self, damaged: &[Damaged]) {
        if damaged.is_empty() || self.read_only {
            return;
        }
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<usize> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = hand_back(&tx, damaged)?;
            tx.commit()?;
            Ok(n)
        };
        match run(&mut conn) {
            Ok(n) if n > 0 => tracing::warn!(
                chunks = n,
                "damaged cache chunks removed; their windows are fetched again"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot hand damaged cache chunks back to the backfill")
            }
        }
    }
}
