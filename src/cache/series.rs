//! Metric history: cached range queries, their series and sample chunks.
//!
//! Chunks of one series never overlap in time and hold at most [`chunk::MAX_SAMPLES`] samples sorted by
//! time. An ingest decodes only the chunks its samples touch (plus the series' unfilled chunk just before
//! them), merges, re-chunks, and rewrites only the chunks whose bytes changed.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::chunk::{self, MAX_SAMPLES};
use super::damage::{chunk_rows, decode_checked, int_cell, uncover, ChunkRow, Damaged};
use super::{labels_json, parse_labels, Cache, CacheError};
use crate::source::{Labels, RangeSeries, Sample};
use crate::time::Millis;

/// What one [`Cache::ingest_range`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestStats {
    /// Series with at least one sample in the answer.
    pub series: usize,
    /// Of those, series not seen before for this query.
    pub new_series: usize,
    /// Samples in the answer.
    pub samples: usize,
    /// Timestamps that were not cached before (the rest replaced or equalled cached values).
    pub samples_added: usize,
    /// Chunk rows inserted or rewritten.
    pub chunks_written: usize,
    /// Damaged chunks found in the way and dropped (their samples were unreadable anyway).
    pub chunks_dropped: usize,
}

/// Cached samples of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedSeries {
    pub labels: Labels,
    /// The query step these samples were fetched with.
    pub step_ms: i64,
    /// Sorted by time, one sample per timestamp.
    pub samples: Vec<Sample>,
}

/// One cached range query, for `watchdesk cache ls` and the poller's planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedQuery {
    pub source: String,
    pub expr: String,
    pub step_ms: i64,
    /// The covered window: the union of every ingested window (gaps inside are not tracked).
    pub fetched_from: Millis,
    pub fetched_until: Millis,
    pub series: u64,
    pub samples: u64,
    pub last_ingest_at: Millis,
}

/// Sorts by time and keeps the last sample of each timestamp (stable sort: later input wins).
fn sort_dedupe(samples: &mut Vec<Sample>) {
    samples.sort_by_key(|s| s.t);
    let mut out: Vec<Sample> = Vec::with_capacity(samples.len());
    for s in samples.drain(..) {
        match out.last_mut() {
            Some(last) if last.t == s.t => *last = s,
            _ => out.push(s),
        }
    }
    *samples = out;
}

/// The start of the series' last chunk that starts at or before `t`, and whether it must be merged
/// with samples from `t` on (it reaches `t`, or it has room left).
fn predecessor(
    tx: &Transaction<'_>,
    series_id: i64,
    t: Millis,
) -> rusqlite::Result<Option<(Millis, bool)>> {
    tx.prepare_cached(
        "SELECT start_ms, end_ms, n FROM chunk WHERE series_id = ?1 AND start_ms <= ?2
         ORDER BY start_ms DESC LIMIT 1",
    )?
    .query_row(params![series_id, t], |r| {
        let start = int_cell(r.get_ref(0)?).unwrap_or(t);
        // A damaged row (a cell of the wrong type) is merged, which drops it.
        let merge = match (int_cell(r.get_ref(1)?), int_cell(r.get_ref(2)?)) {
            (Some(end), Some(n)) => end >= t || n < MAX_SAMPLES as i64,
            _ => true,
        };
        Ok((start, merge))
    })
    .optional()
}

/// Merges sorted, deduplicated `new` samples into the series' chunks.
fn merge_into_series(
    tx: &Transaction<'_>,
    series_id: i64,
    new: &[Sample],
    stats: &mut IngestStats,
) -> rusqlite::Result<()> {
    let (Some(first), Some(last)) = (new.first(), new.last()) else {
        return Ok(());
    };
    let lo = match predecessor(tx, series_id, first.t)? {
        Some((start, true)) => start,
        _ => first.t,
    };
    let old = chunk_rows(
        tx,
        "SELECT id, start_ms, end_ms, n, data FROM chunk
         WHERE series_id = ?1 AND start_ms >= ?2 AND start_ms <= ?3 ORDER BY start_ms",
        params![series_id, lo, last.t],
    )?;
    let mut kept: Vec<&ChunkRow> = Vec::with_capacity(old.len());
    let mut merged: Vec<Sample> = Vec::new();
    for row in &old {
        match decode_checked(row) {
            Ok(samples) => {
                merged.extend(samples);
                kept.push(row);
            }
            Err(reason) => {
                tracing::warn!(series_id, chunk_id = row.id, %reason,
                    "dropping a damaged cache chunk; its window is fetched again");
                // What the new samples do not cover is fetched back by the backfill.
                uncover(tx, series_id, row.start, row.end)?;
                tx.prepare_cached("DELETE FROM chunk WHERE id = ?1")?
                    .execute([row.id])?;
                stats.chunks_dropped += 1;
            }
        }
    }
    let before = merged.len();
    merged.extend_from_slice(new);
    sort_dedupe(&mut merged);
    stats.samples_added += merged.len().saturating_sub(before);

    let mut reuse = kept.iter();
    for piece in merged.chunks(MAX_SAMPLES) {
        let (Some(a), Some(b)) = (piece.first(), piece.last()) else {
            continue;
        };
        let data = chunk::encode(piece);
        let n = piece.len() as i64;
        match reuse.next() {
            Some(row)
                if row.start == a.t && row.end == Some(b.t) && row.n == n && row.data == data => {}
            Some(row) => {
                tx.prepare_cached(
                    "UPDATE chunk SET start_ms = ?2, end_ms = ?3, n = ?4, data = ?5 WHERE id = ?1",
                )?
                .execute(params![row.id, a.t, b.t, n, data])?;
                stats.chunks_written += 1;
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO chunk (series_id, start_ms, end_ms, n, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![series_id, a.t, b.t, n, data])?;
                stats.chunks_written += 1;
            }
        }
    }
    for row in reuse {
        tx.prepare_cached("DELETE FROM chunk WHERE id = ?1")?
            .execute([row.id])?;
    }
    Ok(())
}

/// (id, labels JSON) of every series of a query, sorted by labels; a row of the wrong type is skipped.
fn series_of(tx: &Transaction<'_>, qid: i64) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut st =
        tx.prepare_cached("SELECT id, labels FROM series WHERE query_id = ?1 ORDER BY labels")?;
    let rows = st.query_map([qid], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.filter_map(|r| match r {
        Ok(x) => Some(Ok(x)),
        Err(rusqlite::Error::InvalidColumnType(..)) => None,
        Err(e) => Some(Err(e)),
    })
    .collect()
}

/// The samples of every series of query `qid` in [from, to] that has some there: raw samples, or with
/// `tier: Some(res)` the buckets of that tier as first/min/max/last points, the older parts the tier
/// no longer holds from coarser tiers, and parts without any tier from the raw chunks.
fn read_series(
    tx: &Transaction<'_>,
    qid: i64,
    step_ms: i64,
    tier: Option<i64>,
    (from, to): (Millis, Millis),
    damaged: &mut Vec<Damaged>,
) -> rusqlite::Result<Vec<CachedSeries>> {
    let mut out = Vec::new();
    for (series_id, labels_text) in series_of(tx, qid)? {
        let Some(labels) = parse_labels(&labels_text) else {
            tracing::warn!(series_id, "skipping a cached series with unreadable labels");
            continue;
        };
        // Newest part first from the chosen tier, then older parts from coarser ones.
        let mut parts: Vec<Vec<Sample>> = Vec::new();
        let mut until = to;
        if let Some(res) = tier {
            for r in super::tier::tiers_for(step_ms).filter(|&r| r >= res) {
                if until < from {
                    break;
                }
                let buckets = super::tier::read(tx, series_id, r, from, until)?;
                if let Some(first) = buckets.first() {
                    let first_t = first.t;
                    parts.push(
                        buckets
                            .iter()
                            .flat_map(|b| super::tier::as_points(b, r))
                            .filter(|p| p.t <= until)
                            .collect(),
                    );
                    until = first_t - 1;
                }
            }
        }
        if until >= from {
            parts.push(raw_samples_noting(tx, series_id, from, until, damaged)?);
        }
        let samples: Vec<Sample> = parts.into_iter().rev().flatten().collect();
        if !samples.is_empty() {
            out.push(CachedSeries {
                labels,
                step_ms: tier.map_or(step_ms, |res| (res / 4).max(step_ms)),
                samples,
            });
        }
    }
    Ok(out)
}

fn query_id(
    tx: &Transaction<'_>,
    source: &str,
    expr: &str,
    step_ms: i64,
) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached("SELECT id FROM query WHERE source = ?1 AND expr = ?2 AND step_ms = ?3")?
        .query_row(params![source, expr, step_ms], |r| r.get(0))
        .optional()
}

/// Raw samples of a series with `from <= t <= to` (damaged chunks skipped), sorted.
pub(super) fn raw_samples(
    tx: &Transaction<'_>,
    series_id: i64,
    from: Millis,
    to: Millis,
) -> rusqlite::Result<Vec<Sample>> {
    raw_samples_noting(tx, series_id, from, to, &mut Vec::new())
}

/// [`raw_samples`], noting the damaged chunks in `damaged` (not the ones already handed back).
fn raw_samples_noting(
    tx: &Transaction<'_>,
    series_id: i64,
    from: Millis,
    to: Millis,
    damaged: &mut Vec<Damaged>,
) -> rusqlite::Result<Vec<Sample>> {
    let lo = predecessor(tx, series_id, from)?.map_or(from, |(start, _)| start);
    let rows = chunk_rows(
        tx,
        "SELECT id, start_ms, end_ms, n, data FROM chunk
         WHERE series_id = ?1 AND start_ms >= ?2 AND start_ms <= ?3 ORDER BY start_ms",
        params![series_id, lo, to],
    )?;
    let mut samples = Vec::new();
    for row in rows.iter().filter(|r| r.end.is_none_or(|e| e >= from)) {
        match decode_checked(row) {
            Ok(s) => samples.extend(s.into_iter().filter(|s| s.t >= from && s.t <= to)),
            Err(_) if row.is_handed_back() => {}
            Err(reason) => {
                tracing::warn!(
                    series_id, chunk_id = row.id, %reason,
                    "skipping a damaged cache chunk; it is fetched again"
                );
                damaged.push(Damaged {
                    series_id,
                    chunk_id: row.id,
                });
            }
        }
    }
    // Chunks never overlap, so this is a linear pass; it also guards a hand-edited file.
    sort_dedupe(&mut samples);
    Ok(samples)
}

/// Adds [from, to] to the query's covered windows, merging windows that overlap or touch (within
/// one step).
fn add_coverage(
    tx: &Transaction<'_>,
    qid: i64,
    from: Millis,
    to: Millis,
    step_ms: i64,
) -> rusqlite::Result<()> {
    let slack = step_ms.max(1);
    let touching: Vec<(Millis, Millis)> = tx
        .prepare_cached(
            "SELECT from_ms, to_ms FROM coverage WHERE query_id = ?1 AND from_ms <= ?3 AND to_ms >= ?2",
        )?
        .query_map(
            params![qid, from.saturating_sub(slack), to.saturating_add(slack)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let lo = touching.iter().map(|w| w.0).fold(from, Millis::min);
    let hi = touching.iter().map(|w| w.1).fold(to, Millis::max);
    for (f, _) in &touching {
        tx.prepare_cached("DELETE FROM coverage WHERE query_id = ?1 AND from_ms = ?2")?
            .execute(params![qid, f])?;
    }
    tx.prepare_cached("INSERT INTO coverage (query_id, from_ms, to_ms) VALUES (?1, ?2, ?3)")?
        .execute(params![qid, lo, hi])?;
    Ok(())
}

/// Where samples come from for a chart read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Raw samples as fetched.
    Raw,
    /// Buckets of this many milliseconds (first, min, max, last each).
    Tier(i64),
}

impl Cache {
    /// The end of the covered window of a cached query, `None` if never fetched.
    pub fn fetched_until(
        &self,
        source: &str,
        expr: &str,
        step_ms: i64,
    ) -> Result<Option<Millis>, CacheError> {
        let conn = self.reader();
        conn.prepare_cached(
            "SELECT fetched_until FROM query WHERE source = ?1 AND expr = ?2 AND step_ms = ?3",
        )
        .and_then(|mut st| {
            st.query_row(params![source, expr, step_ms], |r| r.get(0))
                .optional()
        })
        .map_err(self.err("read the cached window"))
    }

    /// One transaction: upsert each series by its label set, merge samples into its chunks (same
    /// timestamp: the new value wins; out of order is fine), widen the query's covered window to
    /// include `window`. An empty `series` still records the window as fetched.
    pub fn ingest_range(
        &self,
        source: &str,
        expr: &str,
        step_ms: i64,
        window: (Millis, Millis),
        series: &[RangeSeries],
    ) -> Result<IngestStats, CacheError> {
        let (from, until) = (window.0.min(window.1), window.0.max(window.1));
        let now = crate::time::now_ms();
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<IngestStats> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let qid: i64 = tx
                .prepare_cached(
                    "INSERT INTO query (source, expr, step_ms, fetched_from, fetched_until, last_ingest_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (source, expr, step_ms) DO UPDATE SET
                         fetched_from = min(fetched_from, excluded.fetched_from),
                         fetched_until = max(fetched_until, excluded.fetched_until),
                         last_ingest_at = excluded.last_ingest_at
                     RETURNING id",
                )?
                .query_row(params![source, expr, step_ms, from, until, now], |r| {
                    r.get(0)
                })?;
            let mut stats = IngestStats::default();
            for s in series {
                if s.samples.is_empty() {
                    continue;
                }
                stats.series += 1;
                stats.samples += s.samples.len();
                let labels = labels_json(&s.labels);
                let existing: Option<i64> = tx
                    .prepare_cached("SELECT id FROM series WHERE query_id = ?1 AND labels = ?2")?
                    .query_row(params![qid, labels], |r| r.get(0))
                    .optional()?;
                let series_id = match existing {
                    Some(id) => id,
                    None => {
                        stats.new_series += 1;
                        tx.prepare_cached("INSERT INTO series (query_id, labels) VALUES (?1, ?2)")?
                            .execute(params![qid, labels])?;
                        tx.last_insert_rowid()
                    }
                };
                let mut samples = s.samples.clone();
                sort_dedupe(&mut samples);
                merge_into_series(&tx, series_id, &samples, &mut stats)?;
                if let (Some(a), Some(b)) = (samples.first(), samples.last()) {
                    super::tier::rebuild(&tx, series_id, step_ms, a.t, b.t)?;
                }
            }
            add_coverage(&tx, qid, from, until, step_ms)?;
            tx.commit()?;
            Ok(stats)
        };
        run(&mut conn).map_err(self.err("store fetched samples"))
    }

    /// Samples with `from <= t <= to` of every series of that query that has some there (series
    /// without samples in the range are left out), sorted by labels. `step_ms: None` = the finest step
    /// cached for `(source, expr)`. A damaged chunk is skipped with a warning; the rest is returned.
    pub fn read_range(
        &self,
        source: &str,
        expr: &str,
        step_ms: Option<i64>,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<CachedSeries>, CacheError> {
        if from > to {
            return Ok(Vec::new());
        }
        let mut damaged = Vec::new();
        let mut conn = self.reader();
        let mut run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<Vec<CachedSeries>> {
            let tx = conn.transaction()?;
            let step = match step_ms {
                Some(s) => Some(s),
                None => tx
                    .prepare_cached(
                        "SELECT min(step_ms) FROM query WHERE source = ?1 AND expr = ?2",
                    )?
                    .query_row(params![source, expr], |r| r.get::<_, Option<i64>>(0))?,
            };
            let Some(step) = step else {
                return Ok(Vec::new());
            };
            let Some(qid) = query_id(&tx, source, expr, step)? else {
                return Ok(Vec::new());
            };
            read_series(&tx, qid, step, None, (from, to), &mut damaged)
        };
        let read = run(&mut conn);
        drop(conn);
        self.hand_back_damaged(&damaged);
        read.map_err(self.err("read cached samples"))
    }

    /// What a chart of `width` pixels needs of [from, to]: raw samples when they are about as dense as
    /// the pixels, else the coarsest tier no wider than a pixel column, expanded to first, min, max and
    /// last per bucket (at most 4 points per bucket, and buckets are at most a column wide, so the cost
    /// follows the width, not the samples in range). Older parts that the chosen tier no longer holds come
    /// from a coarser tier, and parts without any tier (a cache from before tiers) from the raw chunks.
    /// The returned `step_ms` is the point spacing a gap is measured against.
    pub fn read_chart(
        &self,
        source: &str,
        expr: &str,
        step_ms: i64,
        from: Millis,
        to: Millis,
        width: u32,
    ) -> Result<(Vec<CachedSeries>, Resolution), CacheError> {
        let Some(res) = super::tier::pick(step_ms, from, to, width) else {
            return Ok((
                self.read_range(source, expr, Some(step_ms), from, to)?,
                Resolution::Raw,
            ));
        };
        if from > to {
            return Ok((Vec::new(), Resolution::Tier(res)));
        }
        let mut damaged = Vec::new();
        let mut conn = self.reader();
        let mut run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<Vec<CachedSeries>> {
            let tx = conn.transaction()?;
            let Some(qid) = query_id(&tx, source, expr, step_ms)? else {
                return Ok(Vec::new());
            };
            read_series(&tx, qid, step_ms, Some(res), (from, to), &mut damaged)
        };
        let read = run(&mut conn);
        drop(conn);
        self.hand_back_damaged(&damaged);
        let series = read.map_err(self.err("read cached samples"))?;
        Ok((series, Resolution::Tier(res)))
    }

    /// The windows of [from, to] that were never asked of Prometheus for this query (holes between
    /// covered windows, and before or after them), oldest first.
    pub fn holes(
        &self,
        source: &str,
        expr: &str,
        step_ms: i64,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(Millis, Millis)>, CacheError> {
        let conn = self.reader();
        let covered: Vec<(Millis, Millis)> = conn
            .prepare_cached(
                "SELECT c.from_ms, c.to_ms FROM coverage c JOIN query q ON q.id = c.query_id
                 WHERE q.source = ?1 AND q.expr = ?2 AND q.step_ms = ?3 AND c.to_ms >= ?4 AND c.from_ms <= ?5
                 ORDER BY c.from_ms",
            )
            .and_then(|mut st| {
                st.query_map(params![source, expr, step_ms, from, to], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.err("read the covered windows"))?;
        let mut holes = Vec::new();
        let mut at = from;
        for (f, t) in covered {
            if f > at + step_ms {
                holes.push((at, f - step_ms));
            }
            at = at.max(t + step_ms);
        }
        if at <= to {
            holes.push((at, to));
        }
        Ok(holes)
    }

    /// Spans of [from, to] that were fetched but where Prometheus had no sample of this query at all
    /// (longer than two steps): gaps the source itself has, drawn as gaps.
    pub fn gaps(
        &self,
        source: &str,
        expr: &str,
        step_ms: i64,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(Millis, Millis)>, CacheError> {
        let mut times: Vec<Millis> = self
            .read_range(source, expr, Some(step_ms), from, to)?
            .iter()
            .flat_map(|s| s.samples.iter().map(|x| x.t))
            .collect();
        times.sort_unstable();
        times.dedup();
        let holes = self.holes(source, expr, step_ms, from, to)?;
        let mut covered: Vec<(Millis, Millis)> = Vec::new();
        let mut at = from;
        for (f, t) in holes.iter().copied().chain([(to + step_ms, to + step_ms)]) {
            if f > at {
                covered.push((at, (f - step_ms).min(to)));
            }
            at = t + step_ms;
        }
        let mut gaps = Vec::new();
        for (cf, ct) in covered {
            let mut prev = cf - step_ms;
            for &t in times.iter().filter(|&&t| t >= cf && t <= ct) {
                if t - prev > 2 * step_ms {
                    gaps.push((prev + step_ms, t - step_ms));
                }
                prev = t;
            }
            if ct - prev > 2 * step_ms {
                gaps.push((prev + step_ms, ct));
            }
        }
        Ok(gaps)
    }

    /// Every cached query with its covered window and sizes.
    pub fn cached_queries(&self) -> Result<Vec<CachedQuery>, CacheError> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<CachedQuery>> {
            let mut st = conn.prepare_cached(
                "SELECT q.source, q.expr, q.step_ms, q.fetched_from, q.fetched_until, q.last_ingest_at,
                        (SELECT count(*) FROM series s WHERE s.query_id = q.id),
                        (SELECT coalesce(sum(c.n), 0) FROM series s JOIN chunk c ON c.series_id = s.id
                          WHERE s.query_id = q.id)
                 FROM query q ORDER BY q.source, q.expr, q.step_ms",
            )?;
            let rows = st.query_map([], |r| {
                Ok(CachedQuery {
                    source: r.get(0)?,
                    expr: r.get(1)?,
                    step_ms: r.get(2)?,
                    fetched_from: r.get(3)?,
                    fetched_until: r.get(4)?,
                    last_ingest_at: r.get(5)?,
                    series: r.get::<_, i64>(6)?.max(0) as u64,
                    samples: r.get::<_, i64>(7)?.max(0) as u64,
                })
            })?;
            rows.collect()
        };
        run().map_err(self.err("list cached queries"))
    }
}
