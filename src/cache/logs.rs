//! Log lines from a site's Loki, so `watchdesk logs` (and later the alert detail) shows what was
//! seen when Loki or the network is gone. Lines are deduplicated by (stream, timestamp, line): the
//! same window fetched again adds nothing. Each answer is ingested in one transaction, and only an
//! answer that parsed completely reaches here (a bad answer never touches the cache). Retention: an
//! age and a size cap in bytes of line text ([`Cache::prune_logs`]), oldest lines first.
//!
//! Lines are stored compressed, in blocks of consecutive lines of one stream (`log_block`, codec in
//! [`super::logblock`]): sorted by (timestamp, line) without duplicates, and the blocks of a stream
//! never overlap in time (they may share a timestamp at their boundary). An answer is merged into
//! the blocks its lines fall in, so deduplication stays exact; lines that are all already there
//! write nothing. A damaged block is skipped with a warning and left as it is (never merged into,
//! dropped by retention once all its time is past).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::logblock::{self, BLOCK_BYTES, BLOCK_LINES};
use super::{labels_json, parse_labels, Cache, CacheError};
use crate::source::loki::{cut, LogLine, LogStream, MAX_LINE_BYTES};
use crate::source::Labels;
use crate::time::Millis;

/// Deflate level of the blocks. BENCHMARKS.md "Logs": on the simulator's lines level 1 gives 12 bytes
/// a line in the file against 10 at level 6, and its reads take about a sixth less CPU; the cap is on
/// the line text, not the file, so the faster read wins.
const LEVEL: u32 = 1;

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

/// A block's row without its data: id, start, end (`None` when damaged), lines, bytes of text.
type BlockMeta = (i64, Option<i64>, Option<i64>, i64, i64);

/// A stored block: its row and, when it decoded, its lines.
struct StoredBlock {
    id: i64,
    start_ns: i64,
    end_ns: i64,
    lines: Vec<LogLine>,
}

fn order(a: &LogLine, b: &LogLine) -> std::cmp::Ordering {
    (a.ts_ns, a.line.as_str()).cmp(&(b.ts_ns, b.line.as_str()))
}

/// Decodes block `id` of `stream_id`; a damaged one is `None`, with a warning.
fn decode_or_warn(stream_id: i64, id: i64, data: &[u8]) -> Option<logblock::Block> {
    match logblock::decode(data) {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::warn!(stream_id, block_id = id, reason = %e,
                "skipping a damaged cached log block (its lines cannot be shown; it goes with retention)");
            None
        }
    }
}

/// The decodable blocks of `stream_id` with a line in `[lo, hi]`, in time order.
fn blocks_in(
    tx: &Transaction<'_>,
    stream_id: i64,
    (lo, hi): (i64, i64),
) -> rusqlite::Result<Vec<StoredBlock>> {
    let mut st = tx.prepare_cached(
        "SELECT id, start_ns, end_ns, data FROM log_block
         WHERE stream_id = ?1 AND end_ns >= ?2 AND start_ns <= ?3 ORDER BY end_ns",
    )?;
    let mut rows = st.query(params![stream_id, lo, hi])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let (Ok(start_ns), Ok(end_ns)) = (r.get::<_, i64>(1), r.get::<_, i64>(2)) else {
            tracing::warn!(
                stream_id,
                block_id = id,
                "skipping a cached log block without its times"
            );
            continue;
        };
        let Ok(data) = r.get_ref(3)?.as_blob() else {
            tracing::warn!(
                stream_id,
                block_id = id,
                "skipping a cached log block that is not a blob"
            );
            continue;
        };
        if let Some(b) = decode_or_warn(stream_id, id, data) {
            out.push(StoredBlock {
                id,
                start_ns,
                end_ns,
                lines: b.into_lines(),
            });
        }
    }
    Ok(out)
}

/// Writes `lines` (sorted, without duplicates) of `stream_id` as blocks of at most [`BLOCK_BYTES`]
/// of text and [`BLOCK_LINES`] lines; returns how many blocks.
fn write_blocks(tx: &Transaction<'_>, stream_id: i64, lines: &[LogLine]) -> rusqlite::Result<u64> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO log_block (stream_id, start_ns, end_ns, n, bytes, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut blocks = 0;
    let mut rest = lines;
    while !rest.is_empty() {
        let mut bytes = 0usize;
        let mut n = 0;
        while n < rest.len()
            && n < BLOCK_LINES
            && (n == 0 || bytes + rest[n].line.len() <= BLOCK_BYTES)
        {
            bytes += rest[n].line.len();
            n += 1;
        }
        let (block, tail) = rest.split_at(n);
        ins.execute(params![
            stream_id,
            block[0].ts_ns,
            block[n - 1].ts_ns,
            n as i64,
            bytes as i64,
            logblock::encode(block, LEVEL)
        ])?;
        blocks += 1;
        rest = tail;
    }
    Ok(blocks)
}

/// Merges `incoming` (sorted, without duplicates) into the blocks of `stream_id`; returns how many
/// lines were new. Only the blocks the new lines fall in are rewritten (or, when they fall in none,
/// the not yet full block just before them, so small answers do not make small blocks).
fn merge_lines(
    tx: &Transaction<'_>,
    stream_id: i64,
    mut incoming: Vec<LogLine>,
) -> rusqlite::Result<usize> {
    let (Some(first), Some(last)) = (incoming.first(), incoming.last()) else {
        return Ok(0);
    };
    let stored = blocks_in(tx, stream_id, (first.ts_ns, last.ts_ns))?;
    incoming.retain(|l| {
        !stored.iter().any(|b| {
            b.start_ns <= l.ts_ns
                && l.ts_ns <= b.end_ns
                && b.lines.binary_search_by(|x| order(x, l)).is_ok()
        })
    });
    let (Some(lo), Some(hi)) = (
        incoming.first().map(|l| l.ts_ns),
        incoming.last().map(|l| l.ts_ns),
    ) else {
        return Ok(0);
    };
    let added = incoming.len();
    let mut rewrite: Vec<StoredBlock> = stored
        .into_iter()
        .filter(|b| b.end_ns >= lo && b.start_ns <= hi)
        .collect();
    if rewrite.is_empty() {
        // A cell of the wrong type (a damaged file) makes the block "full": it is left alone.
        let before: Option<BlockMeta> = tx
            .prepare_cached(
                "SELECT id, start_ns, end_ns, n, bytes FROM log_block
                 WHERE stream_id = ?1 AND end_ns < ?2 ORDER BY end_ns DESC LIMIT 1",
            )?
            .query_row(params![stream_id, lo], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1).ok(),
                    r.get(2).ok(),
                    r.get(3).unwrap_or(i64::MAX),
                    r.get(4).unwrap_or(i64::MAX),
                ))
            })
            .optional()?;
        if let Some((id, Some(start_ns), Some(end_ns), n, bytes)) = before {
            if (n as usize) < BLOCK_LINES && (bytes.max(0) as usize) < BLOCK_BYTES {
                rewrite = blocks_in(tx, stream_id, (end_ns, end_ns))?
                    .into_iter()
                    .filter(|b| b.id == id && b.start_ns == start_ns)
                    .collect();
            }
        }
    }
    let mut del = tx.prepare_cached("DELETE FROM log_block WHERE id = ?1")?;
    let mut merged = incoming;
    for b in rewrite {
        del.execute([b.id])?;
        merged.extend(b.lines);
    }
    merged.sort_unstable_by(order);
    write_blocks(tx, stream_id, &merged)?;
    Ok(added)
}

/// Drops the lines older than `cutoff_ns`: whole blocks, and the older part of a block across it.
/// A damaged block across it stays until all its time is past. Returns the lines dropped.
fn drop_before(tx: &Transaction<'_>, cutoff_ns: i64) -> rusqlite::Result<u64> {
    let whole: i64 = tx.query_row(
        "SELECT coalesce(sum(n), 0) FROM log_block WHERE end_ns < ?1",
        [cutoff_ns],
        |r| r.get(0),
    )?;
    tx.execute("DELETE FROM log_block WHERE end_ns < ?1", [cutoff_ns])?;
    // A block whose times are not integers (a damaged file) can be neither read nor aged: it goes
    // with the next retention pass, said once.
    let untimed = tx.execute(
        "DELETE FROM log_block WHERE typeof(start_ns) != 'integer' OR typeof(end_ns) != 'integer'",
        [],
    )?;
    if untimed > 0 {
        tracing::warn!(
            blocks = untimed,
            "dropped cached log blocks whose times are damaged (their lines could not be shown)"
        );
    }
    let mut dropped = whole.max(0) as u64;
    let across: Vec<(i64, Option<i64>)> = tx
        .prepare_cached("SELECT id, stream_id FROM log_block WHERE end_ns >= ?1 AND start_ns < ?1")?
        .query_map([cutoff_ns], |r| Ok((r.get(0)?, r.get(1).ok())))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, stream_id) in across {
        let Some(stream_id) = stream_id else {
            continue;
        };
        let data: Vec<u8> =
            match tx.query_row("SELECT data FROM log_block WHERE id = ?1", [id], |r| {
                r.get::<_, Vec<u8>>(0)
            }) {
                Ok(d) => d,
                Err(rusqlite::Error::InvalidColumnType(..)) => continue,
                Err(e) => return Err(e),
            };
        let Some(b) = decode_or_warn(stream_id, id, &data) else {
            continue;
        };
        let n = b.len();
        let kept: Vec<LogLine> = b
            .into_lines()
            .into_iter()
            .filter(|l| l.ts_ns >= cutoff_ns)
            .collect();
        dropped += (n - kept.len()) as u64;
        tx.execute("DELETE FROM log_block WHERE id = ?1", [id])?;
        write_blocks(tx, stream_id, &kept)?;
    }
    Ok(dropped)
}

/// Migration 9's data step: moves every line of the old `log_line` table into blocks, then drops
/// it. Returns (lines moved, blocks written, lines left out: of the wrong type, or of no stream).
pub(super) fn move_lines_into_blocks(tx: &Transaction<'_>) -> rusqlite::Result<(u64, u64, u64)> {
    let orphans: i64 = tx.query_row(
        "SELECT count(*) FROM log_line WHERE stream_id NOT IN (SELECT id FROM log_stream)",
        [],
        |r| r.get(0),
    )?;
    let (mut moved, mut blocks, mut skipped) = (0u64, 0u64, orphans.max(0) as u64);
    {
        // Along the primary key: (stream, time, line) is the blocks' order, and one block at a time
        // is held in memory.
        let mut st = tx.prepare(
            "SELECT stream_id, ts_ns, line, truncated FROM log_line
             WHERE stream_id IN (SELECT id FROM log_stream) ORDER BY stream_id, ts_ns, line",
        )?;
        let mut rows = st.query([])?;
        let mut stream: Option<i64> = None;
        let mut block: Vec<LogLine> = Vec::new();
        let mut bytes = 0usize;
        loop {
            let row = rows.next()?;
            let next = match row {
                Some(r) => match (
                    r.get::<_, i64>(0),
                    r.get::<_, i64>(1),
                    r.get::<_, String>(2),
                    r.get::<_, i64>(3),
                ) {
                    (Ok(s), Ok(ts_ns), Ok(line), Ok(t)) => Some((s, ts_ns, line, t != 0)),
                    _ => {
                        skipped += 1;
                        continue;
                    }
                },
                None => None,
            };
            let full = match &next {
                Some((s, _, line, _)) => {
                    Some(*s) != stream
                        || block.len() >= BLOCK_LINES
                        || bytes + line.len() > BLOCK_BYTES
                }
                None => true,
            };
            if full && !block.is_empty() {
                if let Some(s) = stream {
                    blocks += write_blocks(tx, s, &block)?;
                    moved += block.len() as u64;
                }
                block.clear();
                bytes = 0;
            }
            let Some((s, ts_ns, line, truncated)) = next else {
                break;
            };
            stream = Some(s);
            bytes += line.len();
            block.push(LogLine {
                ts_ns,
                line,
                truncated,
            });
        }
    }
    tx.execute_batch("DROP TABLE log_line")?;
    Ok((moved, blocks, skipped))
}

impl Cache {
    /// Stores the lines of one answer of `source`'s Loki in one transaction; returns how many were
    /// new. Records `now` as the time Loki last answered. A line over [`MAX_LINE_BYTES`] (which the
    /// Loki client never gives) is cut and marked truncated.
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
                let mut lines = s.lines.clone();
                for l in &mut lines {
                    l.truncated |= cut(&mut l.line, MAX_LINE_BYTES);
                }
                // Sorted, and the first of equal (timestamp, line) kept, as the blocks hold them.
                lines.sort_by(order);
                lines.dedup_by(|b, a| order(a, b).is_eq());
                added += merge_lines(&tx, id, lines)?;
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
    /// newest first, at most `limit`. A stream with unreadable labels and a damaged block are
    /// skipped, with a warning.
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
            if streams.is_empty() || limit == 0 || from_ns > to_ns {
                return Ok(out);
            }
            // The blocks of every stream of the source, newest end first; once `limit` lines are
            // kept, a block that ends before the oldest kept line cannot add one, and the read
            // stops. Memory: `limit` lines plus one block.
            let mut blocks = conn.prepare_cached(
                "SELECT b.id, b.stream_id, b.end_ns FROM log_block b
                 JOIN log_stream s ON s.id = b.stream_id
                 WHERE s.source = ?1 AND b.end_ns >= ?2 AND b.start_ns <= ?3
                 ORDER BY b.end_ns DESC",
            )?;
            let mut data = conn.prepare_cached("SELECT data FROM log_block WHERE id = ?1")?;
            let mut rows = blocks.query(params![source, from_ns, to_ns])?;
            let mut floor = from_ns;
            while let Some(r) = rows.next()? {
                let (Ok(id), Ok(stream_id), Ok(end_ns)) =
                    (r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2))
                else {
                    continue;
                };
                if end_ns < floor {
                    break;
                }
                let Some(labels) = streams.get(&stream_id) else {
                    continue;
                };
                let block = data.query_row([id], |r| {
                    Ok(r.get_ref(0)?
                        .as_blob()
                        .ok()
                        .and_then(|d| decode_or_warn(stream_id, id, d)))
                })?;
                let Some(block) = block else {
                    continue;
                };
                for i in (0..block.len()).rev() {
                    let Some((ts_ns, line, truncated)) = block.get(i) else {
                        continue;
                    };
                    if ts_ns > to_ns {
                        continue;
                    }
                    if ts_ns < floor {
                        break;
                    }
                    if keep(line) {
                        out.push(CachedLine {
                            labels: labels.clone(),
                            ts_ns,
                            line: line.to_string(),
                            truncated,
                        });
                    }
                }
                if out.len() >= limit {
                    out.select_nth_unstable_by_key(limit - 1, |l| std::cmp::Reverse(l.ts_ns));
                    out.truncate(limit);
                    floor = out.iter().map(|l| l.ts_ns).min().unwrap_or(from_ns);
                }
            }
            out.sort_by_key(|l| std::cmp::Reverse(l.ts_ns));
            out.truncate(limit);
            Ok(out)
        };
        run().map_err(self.err("read log lines"))
    }

    /// Drops lines older than `r.max_age_ms`, then, while the line text is over `r.max_bytes`, about
    /// the oldest tenth of the lines; streams left without lines go too. Returns the lines dropped.
    pub fn prune_logs(&self, r: &LogRetention, now: Millis) -> Result<u64, CacheError> {
        let mut conn = self.conn();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<u64> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let cutoff = now.saturating_sub(r.max_age_ms).saturating_mul(1_000_000);
            let mut dropped = drop_before(&tx, cutoff)?;
            // The blocks know their bytes and lines: the size is a sum over blocks, not lines.
            for _ in 0..20 {
                let (bytes, n): (i64, i64) = tx.query_row(
                    "SELECT coalesce(sum(bytes), 0), coalesce(sum(n), 0) FROM log_block",
                    [],
                    |x| Ok((x.get(0)?, x.get(1)?)),
                )?;
                if (bytes.max(0) as u64) <= r.max_bytes || n <= 0 {
                    break;
                }
                let Some(at) = tenth_oldest(&tx, (n / 10).max(1))? else {
                    break;
                };
                dropped += drop_before(&tx, at.saturating_add(1))?;
            }
            tx.execute(
                "DELETE FROM log_stream WHERE NOT EXISTS
                 (SELECT 1 FROM log_block WHERE log_block.stream_id = log_stream.id)",
                [],
            )?;
            tx.commit()?;
            Ok(dropped)
        };
        run(&mut conn).map_err(self.err("drop old log lines"))
    }
}

/// About the timestamp of the `k`-th oldest line: blocks by their end, the line within the block
/// where the count reaches `k` (its end when it does not decode). Never later than that block's end,
/// so dropping up to it drops the oldest lines and at least that block.
fn tenth_oldest(tx: &Transaction<'_>, k: i64) -> rusqlite::Result<Option<i64>> {
    let mut st =
        tx.prepare_cached("SELECT id, stream_id, end_ns, n FROM log_block ORDER BY end_ns")?;
    let mut rows = st.query([])?;
    let mut seen = 0i64;
    while let Some(r) = rows.next()? {
        // A cell of the wrong type (a damaged file): no stream to name, no lines counted.
        let id: i64 = r.get(0)?;
        let Ok(end_ns) = r.get::<_, i64>(2) else {
            continue;
        };
        let (stream_id, n) = (
            r.get::<_, i64>(1).unwrap_or(0),
            r.get::<_, i64>(3).unwrap_or(0).max(0),
        );
        if seen + n < k {
            seen += n;
            continue;
        }
        let data: Option<Vec<u8>> = tx
            .query_row("SELECT data FROM log_block WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .ok();
        let at = data
            .and_then(|d| decode_or_warn(stream_id, id, &d))
            .and_then(|b| b.get((k - seen - 1).max(0) as usize).map(|(ts, ..)| ts))
            .unwrap_or(end_ns);
        return Ok(Some(at.min(end_ns)));
    }
    Ok(None)
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

#[cfg(test)]
mod block_tests {
    use super::*;

    fn lines(job: &str, range: std::ops::Range<i64>, f: &dyn Fn(i64) -> String) -> LogStream {
        LogStream {
            labels: [("job".to_string(), job.to_string())].into(),
            lines: range
                .map(|t| LogLine {
                    ts_ns: t,
                    line: f(t),
                    truncated: t % 11 == 0,
                })
                .collect(),
        }
    }

    fn all(c: &Cache) -> Vec<CachedLine> {
        c.read_logs("s", (i64::MIN, i64::MAX), usize::MAX, &|_| true, &|_| true)
            .unwrap()
    }

    fn blocks(c: &Cache) -> i64 {
        c.conn()
            .query_row("SELECT count(*) FROM log_block", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_window_fetched_again_adds_nothing_across_many_blocks() {
        let c = Cache::open_in_memory().unwrap();
        let long = |t: i64| format!("{t} {}", "x".repeat(200));
        let a = lines("a", 0..5000, &long);
        assert_eq!(
            c.ingest_logs("s", std::slice::from_ref(&a), 1).unwrap(),
            5000
        );
        assert!(blocks(&c) > 5, "several blocks: {}", blocks(&c));
        // Again, in pieces that cross block boundaries, reversed, and with a line of its own.
        assert_eq!(c.ingest_logs("s", std::slice::from_ref(&a), 2).unwrap(), 0);
        let mut piece = lines("a", 1000..3000, &long);
        piece.lines.reverse();
        assert_eq!(c.ingest_logs("s", &[piece], 3).unwrap(), 0);
        // A different line at a timestamp already held, in the middle of a block, is kept.
        let other = lines("a", 2500..2501, &|_| "another line at the same ns".into());
        assert_eq!(c.ingest_logs("s", &[other.clone(), other], 4).unwrap(), 1);
        let got = all(&c);
        assert_eq!(got.len(), 5001);
        let at: Vec<&str> = got
            .iter()
            .filter(|l| l.ts_ns == 2500)
            .map(|l| l.line.as_str())
            .collect();
        assert_eq!(at.len(), 2, "{at:?}");
        // Every line as it came, newest first.
        let mut want: Vec<(i64, String, bool)> = a
            .lines
            .iter()
            .map(|l| (l.ts_ns, l.line.clone(), l.truncated))
            .collect();
        want.push((2500, "another line at the same ns".into(), false));
        let mut have: Vec<(i64, String, bool)> = got
            .into_iter()
            .map(|l| (l.ts_ns, l.line, l.truncated))
            .collect();
        want.sort();
        have.sort();
        assert_eq!(have, want);
    }

    #[test]
    fn small_answers_fill_the_last_block_instead_of_making_small_ones() {
        let c = Cache::open_in_memory().unwrap();
        for i in 0..100 {
            let s = lines("a", i * 10..i * 10 + 10, &|t| format!("line {t}"));
            assert_eq!(c.ingest_logs("s", &[s], 1).unwrap(), 10);
        }
        assert_eq!(blocks(&c), 1);
        assert_eq!(all(&c).len(), 1000);
    }

    #[test]
    fn newest_lines_of_one_stream_are_read_across_blocks_with_a_limit() {
        let c = Cache::open_in_memory().unwrap();
        let a = lines("a", 0..10_000, &|t| format!("a {t}"));
        let b = lines("b", 5_000..6_000, &|t| format!("b {t}"));
        c.ingest_logs("s", &[a, b], 1).unwrap();
        let got = c
            .read_logs("s", (0, 8_999), 3000, &|l| l["job"] == "a", &|_| true)
            .unwrap();
        let times: Vec<i64> = got.iter().map(|l| l.ts_ns).collect();
        assert_eq!(times, (6_000..9_000).rev().collect::<Vec<_>>());
        let both = c
            .read_logs("s", (0, 5_999), 4, &|_| true, &|l| l.ends_with('9'))
            .unwrap();
        let lines: Vec<&str> = both.iter().map(|l| l.line.as_str()).collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            &lines[..2]
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            &["a 5999", "b 5999"].into_iter().collect()
        );
    }

    /// A damaged block (bit rot, a bad disk) must not panic, fail the read or lose the rest of the
    /// cache: it is skipped with a warning, new lines still go in, and retention still drops it.
    #[test]
    fn a_corrupt_log_block_is_skipped_not_fatal() {
        let c = Cache::open_in_memory().unwrap();
        let a = lines("a", 0..100, &|t| format!("a {t}"));
        let b = lines("b", 0..100, &|t| format!("b {t}"));
        c.ingest_logs("s", &[a, b], 1).unwrap();
        let n = c
            .conn()
            .execute(
                "UPDATE log_block SET data = substr(data, 1, 10) || zeroblob(20)
                 WHERE stream_id = (SELECT id FROM log_stream WHERE labels LIKE '%\"a\"%')",
                [],
            )
            .unwrap();
        assert_eq!(n, 1);
        let got = all(&c);
        assert_eq!(got.len(), 100);
        assert!(got.iter().all(|l| l.line.starts_with("b ")));
        // Lines of the damaged stream's time still go in (the damaged block is left as it is).
        let more = lines("a", 50..150, &|t| format!("a {t}"));
        assert_eq!(c.ingest_logs("s", &[more], 2).unwrap(), 100);
        assert_eq!(all(&c).len(), 200);
        // A blob of the wrong type is skipped too.
        c.conn()
            .execute(
                "UPDATE log_block SET data = 'text' WHERE id = (SELECT min(id) FROM log_block)",
                [],
            )
            .unwrap();
        assert!(all(&c).len() >= 100);
        // Cells of the wrong type (an edited or damaged file): skipped, and nothing fails.
        c.conn()
            .execute(
                "UPDATE log_block SET n = 'x', bytes = 'y', end_ns = 'z'
                 WHERE id = (SELECT max(id) FROM log_block)",
                [],
            )
            .unwrap();
        all(&c);
        let more = lines("b", 150..160, &|t| format!("b {t}"));
        c.ingest_logs("s", &[more], 3).unwrap();
        let r = LogRetention {
            max_age_ms: 1 << 40,
            max_bytes: 100,
        };
        c.prune_logs(&r, 1).unwrap();
        // Retention drops everything by age, damaged blocks included.
        let r = LogRetention {
            max_age_ms: 0,
            max_bytes: 1 << 30,
        };
        c.prune_logs(&r, 1).unwrap();
        assert!(all(&c).is_empty());
        assert_eq!(blocks(&c), 0);
    }

    #[test]
    fn the_size_cap_drops_the_oldest_lines_first() {
        let c = Cache::open_in_memory().unwrap();
        let a = lines("a", 0..4000, &|t| format!("a {t:>20}"));
        let b = lines("b", 2000..6000, &|t| format!("b {t:>20}"));
        c.ingest_logs("s", &[a, b], 1).unwrap();
        let r = LogRetention {
            max_age_ms: 1 << 40,
            max_bytes: 3000 * 22,
        };
        let dropped = c.prune_logs(&r, 1).unwrap();
        let left = all(&c);
        assert_eq!(left.len() as u64, 8000 - dropped);
        let bytes: usize = left.iter().map(|l| l.line.len()).sum();
        assert!(bytes <= 3000 * 22, "{bytes}");
        assert!(
            left.len() >= 2000,
            "about a tenth at a time: {}",
            left.len()
        );
        // Oldest first: everything left is newer than everything dropped.
        let oldest_left = left.iter().map(|l| l.ts_ns).min().unwrap();
        assert_eq!(
            left.len(),
            (oldest_left..6000)
                .map(|t| 1 + i64::from(t < 4000))
                .sum::<i64>() as usize
        );
    }
}
