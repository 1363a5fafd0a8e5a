//! Downsampled tiers: per series, buckets of `res_ms` with what a line chart needs to stay exact at any
//! zoom (first, last, min, max) plus sum and count for averages.
//!
//! Buckets are kept in blocks of [`BUCKETS_PER_BLOCK`] aligned to `BUCKETS_PER_BLOCK × res_ms`, one row
//! per (series, resolution, block). They are rebuilt from the raw chunks in the same transaction that
//! ingests raw samples, so they always agree with what was ingested; once raw chunks are past their
//! retention, the tiers are what is left. A bucket without raw samples left is kept as it is.

use rusqlite::{params, Transaction};

use super::chunk;
use crate::source::Sample;
use crate::time::Millis;

/// Tier resolutions, finest first.
pub const TIERS: [i64; 2] = [60_000, 600_000];

/// A tier is kept for data of a step only when a bucket spans at least this many steps: a bucket
/// holds six values (about as much as four raw samples cost), so a finer tier would be larger than the
/// raw samples and draw no faster. With the default 15 s step that is the 10 min tier only; with a
/// 1 s step both.
pub const MIN_STEPS_PER_BUCKET: i64 = 8;

/// The tiers kept for data of `step_ms`, finest first.
pub fn tiers_for(step_ms: i64) -> impl Iterator<Item = i64> {
    TIERS
        .into_iter()
        .filter(move |&res| res >= MIN_STEPS_PER_BUCKET.saturating_mul(step_ms.max(1)))
}

/// Buckets per stored block.
pub const BUCKETS_PER_BLOCK: i64 = 120;

const BLOCK_VERSION: u8 = 1;

/// One bucket of a tier, starting at `t`. Only finite values are counted; a bucket has `count >= 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub t: Millis,
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub count: f64,
}

fn floor_to(t: Millis, step: i64) -> Millis {
    t.div_euclid(step).saturating_mul(step)
}

/// The smallest decimal exponent `e` (<= 9) with `v == k / 10^e` exactly for an integer `k`.
fn decimals(v: f64) -> Option<(u32, i64)> {
    (0..=9u32).find_map(|e| {
        let scale = 10f64.powi(e as i32);
        let k = (v * scale).round();
        (k.abs() < 9.0e15 && (k / scale).to_bits() == v.to_bits()).then_some((e, k as i64))
    })
}

/// The sum of short decimals, computed on integers so it is a short decimal itself (a float sum of
/// 0.1s is not, and would cost the tier's value coding its compactness); else the float sum.
fn exact_sum(values: &[f64]) -> f64 {
    let float = || values.iter().sum::<f64>();
    let Some(e) = values
        .iter()
        .map(|v| decimals(*v).map(|d| d.0))
        .try_fold(0u32, |acc, d| d.map(|d| acc.max(d)))
    else {
        return float();
    };
    let scale = 10f64.powi(e as i32);
    let mut total: i64 = 0;
    for v in values {
        let k = (v * scale).round();
        if k.abs() >= 9.0e15 {
            return float();
        }
        match total.checked_add(k as i64) {
            Some(t) if t.abs() < 9_000_000_000_000_000 => total = t,
            _ => return float(),
        }
    }
    total as f64 / scale
}

/// Buckets of `res_ms` over sorted samples; NaN and ±Inf are left out, empty buckets are absent.
pub fn aggregate(samples: &[Sample], res_ms: i64) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let close = |b: &mut Bucket, values: &mut Vec<f64>| {
        b.sum = exact_sum(values);
        values.clear();
    };
    for s in samples.iter().filter(|s| s.v.is_finite()) {
        let t = floor_to(s.t, res_ms);
        match out.last_mut() {
            Some(b) if b.t == t => {
                b.last = s.v;
                b.min = b.min.min(s.v);
                b.max = b.max.max(s.v);
                b.count += 1.0;
            }
            last => {
                if let Some(b) = last {
                    close(b, &mut values);
                }
                out.push(Bucket {
                    t,
                    first: s.v,
                    last: s.v,
                    min: s.v,
                    max: s.v,
                    sum: s.v,
                    count: 1.0,
                })
            }
        }
        values.push(s.v);
    }
    if let Some(b) = out.last_mut() {
        close(b, &mut values);
    }
    out
}

/// Block blob: version byte, then six chunk-coded columns (first, last, min, max, sum, count) over the
/// bucket times, each preceded by its length (u16, big endian).
pub fn encode_block(buckets: &[Bucket]) -> Vec<u8> {
    let cols: [fn(&Bucket) -> f64; 6] = [
        |b| b.first,
        |b| b.last,
        |b| b.min,
        |b| b.max,
        |b| b.sum,
        |b| b.count,
    ];
    let mut out = vec![BLOCK_VERSION];
    for col in cols {
        let samples: Vec<Sample> = buckets
            .iter()
            .map(|b| Sample { t: b.t, v: col(b) })
            .collect();
        let data = chunk::encode(&samples);
        let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(data.get(..usize::from(len)).unwrap_or(&data));
    }
    out
}

/// Decodes a block; a damaged one is an error (skipped by readers), never a panic.
pub fn decode_block(data: &[u8]) -> Result<Vec<Bucket>, String> {
    let (&version, mut rest) = data.split_first().ok_or("empty tier block")?;
    if version != BLOCK_VERSION {
        return Err(format!("tier block version {version} is unknown"));
    }
    let mut cols: Vec<Vec<Sample>> = Vec::with_capacity(6);
    for _ in 0..6 {
        let (len, tail) = rest.split_at_checked(2).ok_or("tier block ends early")?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let (col, tail) = tail.split_at_checked(len).ok_or("tier block ends early")?;
        cols.push(chunk::decode(col).map_err(|e| e.to_string())?);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err("tier block has trailing bytes".into());
    }
    let n = cols[0].len();
    if cols.iter().any(|c| c.len() != n) {
        return Err("tier block columns differ in length".into());
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = cols[0][i].t;
        if cols.iter().any(|c| c[i].t != t) || out.last().is_some_and(|b: &Bucket| b.t >= t) {
            return Err("tier block times disagree".into());
        }
        out.push(Bucket {
            t,
            first: cols[0][i].v,
            last: cols[1][i].v,
            min: cols[2][i].v,
            max: cols[3][i].v,
            sum: cols[4][i].v,
            count: cols[5][i].v,
        });
    }
    Ok(out)
}

/// Rebuilds the buckets of every tier that overlap [lo, hi] from the raw chunks of `series_id`.
pub(super) fn rebuild(
    tx: &Transaction<'_>,
    series_id: i64,
    step_ms: i64,
    lo: Millis,
    hi: Millis,
) -> rusqlite::Result<()> {
    if tiers_for(step_ms).next().is_none() {
        return Ok(());
    }
    let coarsest = TIERS[TIERS.len() - 1];
    let from = floor_to(lo, coarsest);
    let to = floor_to(hi, coarsest).saturating_add(coarsest - 1);
    let raw = super::series::raw_samples(tx, series_id, from, to)?;
    for res in tiers_for(step_ms) {
        let b0 = floor_to(lo, res);
        let b1 = floor_to(hi, res);
        let fresh: Vec<Bucket> = aggregate(&raw, res)
            .into_iter()
            .filter(|b| b.t >= b0 && b.t <= b1)
            .collect();
        let span = res * BUCKETS_PER_BLOCK;
        let mut block = floor_to(b0, span);
        while block <= b1 {
            let old: Vec<Bucket> = tx
                .prepare_cached(
                    "SELECT data FROM rollup WHERE series_id = ?1 AND res_ms = ?2 AND start_ms = ?3",
                )?
                .query_map(params![series_id, res, block], |r| r.get::<_, Vec<u8>>(0))?
                .filter_map(|d| d.ok())
                .find_map(|d| decode_block(&d).ok())
                .unwrap_or_default();
            let block_end = block.saturating_add(span);
            let mut merged: Vec<Bucket> = old
                .into_iter()
                .filter(|b| {
                    // Keep an old bucket unless raw samples for it were just aggregated.
                    !(b.t >= b0 && b.t <= b1 && fresh.iter().any(|f| f.t == b.t))
                })
                .chain(
                    fresh
                        .iter()
                        .filter(|b| b.t >= block && b.t < block_end)
                        .copied(),
                )
                .collect();
            merged.sort_by_key(|b| b.t);
            if merged.is_empty() {
                tx.prepare_cached(
                    "DELETE FROM rollup WHERE series_id = ?1 AND res_ms = ?2 AND start_ms = ?3",
                )?
                .execute(params![series_id, res, block])?;
            } else {
                tx.prepare_cached(
                    "INSERT INTO rollup (series_id, res_ms, start_ms, n, data) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (series_id, res_ms, start_ms) DO UPDATE SET n = excluded.n, data = excluded.data",
                )?
                .execute(params![
                    series_id,
                    res,
                    block,
                    merged.len() as i64,
                    encode_block(&merged)
                ])?;
            }
            block = block_end;
        }
    }
    Ok(())
}

/// Buckets of `series_id` at `res` that overlap [from, to]; damaged blocks are skipped.
pub(super) fn read(
    tx: &Transaction<'_>,
    series_id: i64,
    res: i64,
    from: Millis,
    to: Millis,
) -> rusqlite::Result<Vec<Bucket>> {
    let span = res * BUCKETS_PER_BLOCK;
    let mut st = tx.prepare_cached(
        "SELECT start_ms, data FROM rollup WHERE series_id = ?1 AND res_ms = ?2
         AND start_ms >= ?3 AND start_ms <= ?4 ORDER BY start_ms",
    )?;
    let rows = st.query_map(params![series_id, res, floor_to(from, span), to], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let Ok((start, data)) = row else {
            tracing::warn!(series_id, "skipping an unreadable tier row");
            continue;
        };
        match decode_block(&data) {
            Ok(b) => out.extend(b.into_iter().filter(|b| b.t + res > from && b.t <= to)),
            Err(reason) => {
                tracing::warn!(series_id, res, start, %reason, "skipping a damaged tier block")
            }
        }
    }
    Ok(out)
}

/// The tier to draw [from, to] at `width` pixels with data of `step_ms`: the coarsest kept tier
/// ([`tiers_for`]) whose buckets are still no wider than a pixel column, or `None` for raw samples
/// (then at most `MIN_STEPS_PER_BUCKET × 4` samples per pixel column reach M4).
pub fn pick(step_ms: i64, from: Millis, to: Millis, width: u32) -> Option<i64> {
    let px = (to.saturating_sub(from)) / i64::from(width.max(1));
    tiers_for(step_ms).filter(|&res| res <= px).last()
}

/// A bucket as the points a line chart needs: first, min, max, last at distinct times inside the
/// bucket, a quarter bucket apart (so a chart that breaks lines at 1.5 spacings breaks at a missing
/// bucket).
pub fn as_points(b: &Bucket, res: i64) -> [Sample; 4] {
    let q = res / 4;
    let (lo, hi) = if b.first <= b.last {
        (b.min, b.max)
    } else {
        (b.max, b.min)
    };
    [
        Sample { t: b.t, v: b.first },
        Sample { t: b.t + q, v: lo },
        Sample {
            t: b.t + 2 * q,
            v: hi,
        },
        Sample {
            t: b.t + 3 * q,
            v: b.last,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: i64, v: f64) -> Sample {
        Sample { t, v }
    }

    #[test]
    fn buckets_keep_first_last_min_max_sum_count() {
        let samples = [
            s(0, 5.0),
            s(15_000, 1.0),
            s(30_000, f64::NAN),
            s(45_000, 9.0),
            s(60_000, 2.0),
        ];
        let b = aggregate(&samples, 60_000);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].first, b[0].last, b[0].min, b[0].max, b[0].sum, b[0].count),
            (5.0, 9.0, 1.0, 9.0, 15.0, 3.0)
        );
        assert_eq!((b[1].t, b[1].count), (60_000, 1.0));
        let back = decode_block(&encode_block(&b)).expect("decode");
        assert_eq!(back, b);
        // Sums of short decimals stay short decimals (0.1 + 0.2 is 0.3, not 0.30000000000000004).
        let d = aggregate(&[s(0, 0.1), s(1, 0.2), s(2, 1.25)], 60_000);
        assert_eq!(d[0].sum.to_bits(), 1.55f64.to_bits());
        let f = aggregate(&[s(0, std::f64::consts::PI), s(1, 1.0)], 60_000);
        assert_eq!(f[0].sum, std::f64::consts::PI + 1.0);
    }

    #[test]
    fn damaged_blocks_are_errors_not_panics() {
        let good = encode_block(&aggregate(&[s(0, 1.0), s(60_000, 2.0)], 60_000));
        for len in 0..good.len() {
            assert!(decode_block(&good[..len]).is_err());
        }
        for bit in 0..good.len() * 8 {
            let mut d = good.clone();
            d[bit / 8] ^= 0x80 >> (bit % 8);
            let _ = decode_block(&d);
        }
    }

    #[test]
    fn tier_follows_pixel_width() {
        let h = 3_600_000;
        let day = 24 * h;
        assert_eq!(pick(15_000, 0, h, 1000), None, "1 h: 3.6 s per pixel, raw");
        assert_eq!(
            pick(15_000, 0, day, 1000),
            None,
            "24 h: 86 s per pixel, raw 15 s"
        );
        assert_eq!(
            pick(1_000, 0, day, 1000),
            Some(60_000),
            "1 s data: the 1 min tier"
        );
        assert_eq!(pick(15_000, 0, 7 * day, 1000), Some(600_000));
        assert_eq!(pick(15_000, 0, 30 * day, 1000), Some(600_000));
        assert_eq!(
            pick(600_000, 0, 30 * day, 1000),
            None,
            "no tier finer than the data"
        );
        assert_eq!(pick(15_000, 0, day, 0), Some(600_000));
        assert_eq!(tiers_for(15_000).collect::<Vec<_>>(), vec![600_000]);
        assert_eq!(tiers_for(1_000).count(), 2);
    }
}
