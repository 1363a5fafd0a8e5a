//! Cache tests: storage, merge rules, alerts, health, and hostile files.

use std::collections::BTreeMap;
use std::path::Path;

use rand::{Rng, SeedableRng};

use super::*;
use crate::source::{Alert, AlertRule, AlertState, RangeSeries, Sample, Target, TargetHealth};
use crate::time::Millis;

const T0: Millis = 1_700_000_000_000;
const STEP: i64 = 15_000;
/// Samples per chunk.
const M: i64 = chunk::MAX_SAMPLES as i64;
const SRC: &str = "prod";
const EXPR: &str = "up";

use crate::source::labels_of as labels;

/// `n` samples on the 15 s grid from index `first`, value `f(index)`.
fn grid(first: i64, n: i64, f: impl Fn(i64) -> f64) -> Vec<Sample> {
    (first..first + n)
        .map(|i| Sample {
            t: T0 + i * STEP,
            v: f(i),
        })
        .collect()
}

fn one(instance: &str, samples: Vec<Sample>) -> RangeSeries {
    RangeSeries {
        labels: labels(&[("instance", instance), ("job", "api")]),
        samples,
    }
}

fn mem() -> Cache {
    Cache::open_in_memory().expect("in-memory cache")
}

fn ingest(cache: &Cache, series: &[RangeSeries]) -> IngestStats {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.samples.iter().map(|x| x.t))
        .fold((T0, T0), |(lo, hi), t| (lo.min(t), hi.max(t)));
    cache
        .ingest_range(SRC, EXPR, STEP, (lo, hi), series)
        .expect("ingest")
}

fn read_all(cache: &Cache) -> Vec<CachedSeries> {
    cache
        .read_range(SRC, EXPR, Some(STEP), i64::MIN, i64::MAX)
        .expect("read")
}

/// (start index, n) of each chunk of every series, checking the storage invariants on the way.
fn layout(cache: &Cache) -> Vec<Vec<(i64, i64)>> {
    let conn = cache.conn();
    let mut st = conn
        .prepare("SELECT series_id, start_ms, end_ms, n FROM chunk ORDER BY series_id, start_ms")
        .expect("prepare");
    let rows: Vec<(i64, i64, i64, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut out: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    let mut prev: Option<(i64, i64)> = None;
    for (sid, start, end, n) in rows {
        assert!(n >= 1 && n <= chunk::MAX_SAMPLES as i64, "chunk size {n}");
        assert!(start <= end);
        if let Some((psid, pend)) = prev {
            assert!(
                psid != sid || pend < start,
                "overlapping chunks in series {sid}"
            );
        }
        prev = Some((sid, end));
        out.entry(sid).or_default().push(((start - T0) / STEP, n));
    }
    out.into_values().collect()
}

fn bits(samples: &[Sample]) -> Vec<(i64, u64)> {
    samples.iter().map(|s| (s.t, s.v.to_bits())).collect()
}

// ---------------------------------------------------------------- metric history

#[test]
fn cache_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Cache>();
}

#[test]
fn ingest_then_read_round_trips_in_chunks_of_max_samples() {
    let cache = mem();
    let samples = grid(0, 2 * M + M / 2, |i| i as f64 * 0.5);
    let stats = ingest(&cache, &[one("a", samples.clone())]);
    assert_eq!(
        stats,
        IngestStats {
            series: 1,
            new_series: 1,
            samples: (2 * M + M / 2) as usize,
            samples_added: (2 * M + M / 2) as usize,
            chunks_written: 3,
            chunks_dropped: 0
        }
    );
    assert_eq!(layout(&cache), vec![vec![(0, M), (M, M), (2 * M, M / 2)]]);
    let got = read_all(&cache);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].labels, labels(&[("instance", "a"), ("job", "api")]));
    assert_eq!(got[0].step_ms, STEP);
    assert_eq!(bits(&got[0].samples), bits(&samples));
}

#[test]
fn appends_fill_the_last_chunk_first() {
    let cache = mem();
    ingest(&cache, &[one("a", grid(0, M / 2, |_| 1.0))]);
    ingest(&cache, &[one("a", grid(M / 2, M, |_| 2.0))]);
    assert_eq!(layout(&cache), vec![vec![(0, M), (M, M / 2)]]);
    ingest(&cache, &[one("a", grid(M + M / 2, 10, |_| 3.0))]);
    assert_eq!(layout(&cache), vec![vec![(0, M), (M, M / 2 + 10)]]);
}

#[test]
fn overlapping_fetch_dedupes_and_new_value_wins() {
    let cache = mem();
    let (a, b) = (M + M / 2, M);
    ingest(&cache, &[one("a", grid(0, a, |_| 1.0))]);
    let stats = ingest(&cache, &[one("a", grid(b, a, |_| 2.0))]);
    assert_eq!(stats.samples_added as i64, b);
    let got = read_all(&cache);
    let s = &got[0].samples;
    assert_eq!(s.len() as i64, a + b);
    assert!(s[..b as usize].iter().all(|x| x.v == 1.0));
    assert!(s[b as usize..].iter().all(|x| x.v == 2.0));
    assert_eq!(
        layout(&cache),
        vec![vec![(0, M), (M, M), (2 * M, a + b - 2 * M)]]
    );
}

#[test]
fn identical_refetch_rewrites_nothing() {
    let cache = mem();
    ingest(&cache, &[one("a", grid(0, 500, |i| (i % 7) as f64))]);
    let stats = ingest(&cache, &[one("a", grid(100, 300, |i| (i % 7) as f64))]);
    assert_eq!((stats.samples_added, stats.chunks_written), (0, 0));
}

#[test]
fn out_of_order_windows_merge_into_place() {
    let cache = mem();
    ingest(&cache, &[one("a", grid(1000, 240, |i| i as f64))]);
    // An older window, then one filling the gap and overlapping both sides.
    ingest(&cache, &[one("a", grid(0, 240, |i| i as f64))]);
    ingest(&cache, &[one("a", grid(200, 900, |i| i as f64))]);
    let got = read_all(&cache);
    let expect = grid(0, 1240, |i| i as f64);
    assert_eq!(bits(&got[0].samples), bits(&expect));
    let chunks = layout(&cache);
    assert_eq!(chunks[0].iter().map(|c| c.1).sum::<i64>(), 1240);
}

#[test]
fn unsorted_input_with_duplicates_keeps_the_last() {
    let cache = mem();
    let s = |i: i64, v: f64| Sample {
        t: T0 + i * STEP,
        v,
    };
    ingest(
        &cache,
        &[one("a", vec![s(3, 3.0), s(1, 1.0), s(3, 33.0), s(2, 2.0)])],
    );
    let got = read_all(&cache);
    assert_eq!(
        bits(&got[0].samples),
        bits(&[s(1, 1.0), s(2, 2.0), s(3, 33.0)])
    );
}

#[test]
fn nan_and_infinities_survive_storage() {
    let cache = mem();
    let stale = f64::from_bits(0x7ff0_0000_0000_0002);
    let samples = vec![
        Sample { t: T0, v: stale },
        Sample {
            t: T0 + STEP,
            v: f64::INFINITY,
        },
        Sample {
            t: T0 + 2 * STEP,
            v: f64::NEG_INFINITY,
        },
        Sample {
            t: T0 + 3 * STEP,
            v: -0.0,
        },
    ];
    ingest(&cache, &[one("a", samples.clone())]);
    assert_eq!(bits(&read_all(&cache)[0].samples), bits(&samples));
}

#[test]
fn read_range_is_inclusive_at_chunk_boundaries() {
    let cache = mem();
    ingest(&cache, &[one("a", grid(0, 3 * M, |i| i as f64))]);
    let at = |i: i64| T0 + i * STEP;
    #[track_caller]
    fn check(cache: &Cache, from: Millis, to: Millis, expect: Option<(f64, f64, usize)>) {
        let got = cache
            .read_range(SRC, EXPR, Some(STEP), from, to)
            .expect("read");
        let summary = got.first().map(|s| {
            let first = s.samples.first().map_or(-1.0, |x| x.v);
            let last = s.samples.last().map_or(-1.0, |x| x.v);
            (first, last, s.samples.len())
        });
        assert_eq!(summary, expect, "from {from} to {to}");
    }
    let m = M as f64;
    check(&cache, at(0), at(0), Some((0.0, 0.0, 1)));
    check(&cache, at(M - 1), at(M), Some((m - 1.0, m, 2)));
    check(&cache, at(M), at(M), Some((m, m, 1)));
    check(&cache, at(M - 1), at(M - 1), Some((m - 1.0, m - 1.0, 1)));
    check(
        &cache,
        at(M - 20),
        at(2 * M + 10),
        Some((m - 20.0, 2.0 * m + 10.0, M as usize + 31)),
    );
    check(&cache, at(M - 1) + 1, at(M) - 1, None);
    check(
        &cache,
        at(3 * M - 1),
        i64::MAX,
        Some((3.0 * m - 1.0, 3.0 * m - 1.0, 1)),
    );
    check(&cache, i64::MIN, at(0), Some((0.0, 0.0, 1)));
    check(&cache, at(3 * M), at(3 * M + 40), None);
    check(&cache, at(-50), at(-1), None);
    check(&cache, at(10), at(5), None);
}

#[test]
fn step_none_reads_the_finest_step() {
    let cache = mem();
    let coarse = vec![one("a", vec![Sample { t: T0, v: 60.0 }])];
    let fine = vec![one("a", vec![Sample { t: T0, v: 15.0 }])];
    cache
        .ingest_range(SRC, EXPR, 60_000, (T0, T0), &coarse)
        .expect("ingest");
    cache
        .ingest_range(SRC, EXPR, 15_000, (T0, T0), &fine)
        .expect("ingest");
    let got = cache.read_range(SRC, EXPR, None, T0, T0).expect("read");
    assert_eq!((got[0].step_ms, got[0].samples[0].v), (15_000, 15.0));
    let got = cache
        .read_range(SRC, EXPR, Some(60_000), T0, T0)
        .expect("read");
    assert_eq!(got[0].samples[0].v, 60.0);
    assert!(cache
        .read_range(SRC, "other", None, T0, T0)
        .expect("read")
        .is_empty());
    assert!(cache
        .read_range("other", EXPR, Some(STEP), T0, T0)
        .expect("read")
        .is_empty());
}

#[test]
fn windows_widen_and_empty_answers_are_recorded() {
    let cache = mem();
    assert_eq!(cache.fetched_until(SRC, EXPR, STEP).expect("read"), None);
    cache
        .ingest_range(SRC, EXPR, STEP, (T0 + 100, T0 + 200), &[])
        .expect("ingest");
    assert_eq!(
        cache.fetched_until(SRC, EXPR, STEP).expect("read"),
        Some(T0 + 200)
    );
    cache
        .ingest_range(SRC, EXPR, STEP, (T0 + 150, T0 + 50), &[])
        .expect("ingest");
    let q = cache.cached_queries().expect("list");
    assert_eq!(q.len(), 1);
    assert_eq!(
        (
            q[0].fetched_from,
            q[0].fetched_until,
            q[0].series,
            q[0].samples
        ),
        (T0 + 50, T0 + 200, 0, 0)
    );
    assert!(read_all(&cache).is_empty());
}

#[test]
fn many_series_are_kept_apart() {
    let cache = mem();
    let series: Vec<RangeSeries> = (0..300)
        .map(|k| {
            one(
                &format!("host-{k:03}"),
                grid(0, 250, move |i| (k * 1000 + i) as f64),
            )
        })
        .collect();
    let stats = ingest(&cache, &series);
    assert_eq!(
        (stats.series, stats.new_series, stats.samples),
        (300, 300, 75_000)
    );
    let again = ingest(&cache, &series[..10]);
    assert_eq!(again.new_series, 0);
    let got = read_all(&cache);
    assert_eq!(got.len(), 300);
    for (k, s) in got.iter().enumerate() {
        assert_eq!(s.labels.get("instance"), Some(&format!("host-{k:03}")));
        assert_eq!(s.samples.len(), 250);
        assert_eq!(s.samples[7].v, (k * 1000 + 7) as f64);
    }
    let stats = cache.stats().expect("stats");
    assert_eq!(
        (stats.series, stats.chunks, stats.samples),
        (300, 300 * ((250 + M - 1) / M) as u64, 75_000)
    );
    let per_sample = stats.chunk_bytes as f64 / stats.samples as f64;
    assert!(per_sample < 3.0, "{per_sample} bytes/sample");
    let q = cache.cached_queries().expect("list");
    assert_eq!((q[0].series, q[0].samples), (300, 75_000));
}

#[test]
fn random_ingests_match_a_simple_model() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    for _ in 0..15 {
        let cache = mem();
        let mut model: BTreeMap<i64, u64> = BTreeMap::new();
        for _ in 0..25 {
            let first = rng.gen_range(-200..1500);
            let n = rng.gen_range(1..400);
            let jitter = rng.gen_bool(0.3);
            let mut samples: Vec<Sample> = Vec::new();
            for i in first..first + n {
                if rng.gen_bool(0.9) {
                    samples.push(Sample {
                        t: T0 + i * STEP + if jitter { rng.gen_range(0..STEP) } else { 0 },
                        v: f64::from(rng.gen_range(0..50u8)),
                    });
                }
            }
            if rng.gen_bool(0.5) {
                samples.reverse();
            }
            let mut latest: BTreeMap<i64, u64> = BTreeMap::new();
            for s in &samples {
                latest.insert(s.t, s.v.to_bits());
            }
            model.extend(latest);
            cache
                .ingest_range(SRC, EXPR, STEP, (T0, T0), &[one("a", samples)])
                .expect("ingest");
            layout(&cache);
        }
        let got = read_all(&cache);
        let want: Vec<(i64, u64)> = model.into_iter().collect();
        assert_eq!(bits(&got[0].samples), want);
    }
}

#[test]
fn damaged_chunks_are_skipped_on_read_and_dropped_on_ingest() {
    let cache = mem();
    ingest(&cache, &[one("a", grid(0, 3 * M, |i| i as f64))]);
    {
        let conn = cache.conn();
        conn.execute(
            "UPDATE chunk SET data = x'01ffff' WHERE start_ms = ?1",
            [T0 + M * STEP],
        )
        .expect("damage");
        conn.execute(
            "UPDATE chunk SET n = 7 WHERE start_ms = ?1",
            [T0 + 2 * M * STEP],
        )
        .expect("damage");
    }
    let got = read_all(&cache);
    assert_eq!(got[0].samples.len() as i64, M);
    let stats = ingest(&cache, &[one("a", grid(M - 20, M + 40, |i| i as f64))]);
    assert_eq!(stats.chunks_dropped, 2);
    assert_eq!(read_all(&cache)[0].samples.len() as i64, 2 * M + 20);
}

#[test]
fn retention_drops_old_chunks_keeps_tiers_and_respects_the_cap() {
    let cache = mem();
    ingest(&cache, &[one("a", grid(0, 3 * M, |i| i as f64))]);
    let now = T0 + (M + M / 2) * STEP;
    let r = Retention {
        raw_ms: 0,
        tier_ms: [DAY, DAY],
        events_ms: DAY,
        max_bytes: u64::MAX,
    };
    let p = cache.enforce_retention(&r, now).expect("prune");
    assert_eq!(p.chunks, 1);
    assert!(!p.cap_hit);
    assert_eq!(read_all(&cache)[0].samples.len() as i64, 2 * M);
    // The tiers still hold the whole range: a wide chart draws it all.
    let (wide, res) = cache
        .read_chart(SRC, EXPR, STEP, T0, T0 + 3 * M * STEP, 1)
        .expect("read chart");
    assert_eq!(res, Resolution::Tier(600_000));
    let first = wide[0].samples.first().expect("points").t;
    assert_eq!(
        first,
        T0 - T0 % 600_000,
        "the pruned raw range is still drawn from the tier"
    );
    // A tiny cap drops history younger than its retention, oldest first, keeping the last hour.
    let r = Retention {
        max_bytes: 1,
        ..Retention::default()
    };
    let now = T0 + (2 * M + 10) * STEP + 3_600_000;
    let p = cache.enforce_retention(&r, now).expect("cap");
    assert!(p.cap_hit);
    let left = cache
        .read_range(SRC, EXPR, Some(STEP), T0, T0 + 4 * M * STEP)
        .expect("read");
    assert_eq!(
        left[0].samples.len() as i64,
        M,
        "the chunk ending in the last hour is kept"
    );
    assert_eq!(left[0].samples[0].t, T0 + 2 * M * STEP);
}

const DAY: i64 = 86_400_000;

#[test]
fn a_spike_stays_visible_when_a_long_range_is_drawn_from_tiers() {
    let cache = mem();
    let n = 3 * 5_760; // three days at 15 s
    let spike = 1_234;
    ingest(
        &cache,
        &[one(
            "a",
            grid(0, n, |i| if i == spike { 99.5 } else { (i % 7) as f64 }),
        )],
    );
    let (from, to) = (T0, T0 + n * STEP);
    let (wide, res) = cache
        .read_chart(SRC, EXPR, STEP, from, to, 100)
        .expect("read");
    assert_eq!(res, Resolution::Tier(600_000));
    let pts = &wide[0].samples;
    assert!(
        pts.len() <= 4 * (n as usize * 15 / 600 + 2),
        "{} points",
        pts.len()
    );
    let max = pts.iter().map(|p| p.v).fold(f64::MIN, f64::max);
    assert_eq!(max, 99.5, "the one-sample spike survives downsampling");
    let min = pts.iter().map(|p| p.v).fold(f64::MAX, f64::min);
    assert_eq!(min, 0.0);
    // A narrow range is raw samples.
    let (near, res) = cache
        .read_chart(SRC, EXPR, STEP, from, from + 3_600_000, 1000)
        .expect("read");
    assert_eq!(res, Resolution::Raw);
    assert_eq!(near[0].samples.len(), 241);
    // Data at 1 s has a 1-minute tier too; it agrees with the raw samples.
    let fine: Vec<Sample> = (0..7_200)
        .map(|i| Sample {
            t: T0 + i * 1_000,
            v: if i == 4_321 {
                -7.25
            } else {
                (i % 13) as f64 * 0.5
            },
        })
        .collect();
    cache
        .ingest_range(SRC, "fine", 1_000, (T0, T0 + 7_199_000), &[one("a", fine)])
        .expect("ingest");
    let (mid, res) = cache
        .read_chart(SRC, "fine", 1_000, T0, T0 + 7_200_000, 100)
        .expect("read");
    assert_eq!(res, Resolution::Tier(60_000));
    assert!(mid[0].samples.len() <= 4 * 121, "{}", mid[0].samples.len());
    let min = mid[0].samples.iter().map(|p| p.v).fold(f64::MAX, f64::min);
    let max = mid[0].samples.iter().map(|p| p.v).fold(f64::MIN, f64::max);
    assert_eq!((min, max), (-7.25, 6.0));
}

#[test]
fn a_missing_bucket_is_a_gap_in_the_tier_too() {
    let cache = mem();
    // 2 hours, then nothing for 30 minutes, then 2 hours.
    let mut samples = grid(0, 480, |_| 1.0);
    samples.extend(grid(600, 480, |_| 2.0));
    ingest(&cache, &[one("a", samples)]);
    let (s, _) = cache
        .read_chart(SRC, EXPR, STEP, T0, T0 + 1080 * STEP, 100)
        .expect("read");
    let step = s[0].step_ms;
    let breaks = s[0]
        .samples
        .windows(2)
        .filter(|w| w[1].t - w[0].t > step * 3 / 2)
        .count();
    assert_eq!(
        breaks, 1,
        "one break where the data stops, no line across it"
    );
}

#[test]
fn holes_are_what_was_never_fetched_and_gaps_what_prometheus_lacked() {
    let cache = mem();
    let w = |a: i64, b: i64| (T0 + a * STEP, T0 + b * STEP);
    cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            w(0, 100),
            &[one("a", grid(0, 101, |_| 1.0))],
        )
        .expect("ingest");
    cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            w(200, 300),
            &[one("a", grid(200, 101, |_| 1.0))],
        )
        .expect("ingest");
    let holes = cache
        .holes(SRC, EXPR, STEP, T0, T0 + 400 * STEP)
        .expect("holes");
    assert_eq!(holes, vec![w(101, 199), w(301, 400)]);
    // Backfilling the first hole: Prometheus answers, but has nothing from 120 to 180.
    let mut back = grid(101, 19, |_| 1.0);
    back.extend(grid(181, 19, |_| 1.0));
    cache
        .ingest_range(SRC, EXPR, STEP, w(101, 199), &[one("a", back)])
        .expect("backfill");
    let holes = cache
        .holes(SRC, EXPR, STEP, T0, T0 + 300 * STEP)
        .expect("holes");
    assert!(holes.is_empty(), "{holes:?}");
    let gaps = cache
        .gaps(SRC, EXPR, STEP, T0, T0 + 300 * STEP)
        .expect("gaps");
    assert_eq!(gaps, vec![w(120, 180)]);
}

#[test]
fn disk_full_keeps_what_was_committed_and_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let (cache, _) = Cache::open(&path).expect("open");
    cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            (T0, T0 + 99 * STEP),
            &[one("a", grid(0, 100, |i| i as f64))],
        )
        .expect("ingest");
    let pages: i64 = cache
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("pages");
    // The "disk" is full: SQLite may not grow the file any more.
    cache
        .conn()
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
        .expect("limit");
    let many: Vec<RangeSeries> = (0..200)
        .map(|i| {
            one(
                &format!("cam-{i}"),
                grid(100, 500, |j| (j * i) as f64 * 0.37),
            )
        })
        .collect();
    let err = cache
        .ingest_range(SRC, EXPR, STEP, (T0 + 100 * STEP, T0 + 599 * STEP), &many)
        .expect_err("the disk is full");
    assert!(matches!(err, CacheError::DiskFull { .. }), "{err:?}");
    assert!(err.to_string().contains("free some space"), "{err}");
    // Everything committed before is intact and readable.
    assert_eq!(cache.integrity_check().expect("check"), "ok");
    let got = read_all(&cache);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].samples.len(), 100);
    // Space again: the same ingest works.
    cache
        .conn()
        .query_row("PRAGMA max_page_count = 1000000", [], |_| Ok(()))
        .expect("unlimit");
    cache
        .ingest_range(SRC, EXPR, STEP, (T0 + 100 * STEP, T0 + 599 * STEP), &many)
        .expect("ingest after space was freed");
    assert_eq!(read_all(&cache).len(), 201);
}

// ---------------------------------------------------------------- alerts

fn alert(fp: &str, name: &str, severity: Option<&str>, starts_at: Millis) -> ReportedAlert {
    let mut l = labels(&[("alertname", name), ("instance", "cam-01")]);
    if let Some(s) = severity {
        l.insert("severity".into(), s.into());
    }
    ReportedAlert {
        alert: Alert {
            fingerprint: fp.into(),
            labels: l,
            annotations: labels(&[("summary", "down")]),
            starts_at,
            updated_at: Some(starts_at),
            ends_at: None,
            generator_url: Some("http://prom/graph".into()),
            receivers: vec!["ops".into()],
            state: AlertState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
        },
        reported_by: vec!["http://am1:9093".into()],
    }
}

fn silenced(mut a: ReportedAlert, ids: &[&str]) -> ReportedAlert {
    a.alert.silenced_by = ids.iter().map(|s| s.to_string()).collect();
    a.alert.state = AlertState::Suppressed;
    a
}

/// (fingerprint, kind, at, detail) of every event since 0.
fn events(cache: &Cache) -> Vec<(String, String, Millis, String)> {
    cache
        .alert_events(None, None, 0)
        .expect("events")
        .into_iter()
        .map(|e| (e.fingerprint, e.kind, e.at, e.detail))
        .collect()
}

fn ev(fp: &str, kind: &str, at: Millis, detail: &str) -> (String, String, Millis, String) {
    (fp.into(), kind.into(), at, detail.into())
}

#[test]
fn alert_lifecycle_produces_events() {
    let cache = mem();
    let a = alert("f1", "ServiceDown", Some("critical"), 1000);
    let b = alert("f2", "HighCPUUsage", None, 1500);

    let ch = cache
        .sync_alerts(SRC, &[a.clone(), b.clone()], true, 2000)
        .expect("sync");
    assert_eq!(ch.fired, vec!["f1", "f2"]);
    let cur = cache.current_alerts(Some(SRC)).expect("current");
    assert_eq!(cur.len(), 2);
    let f2 = cur.iter().find(|c| c.fingerprint == "f2").expect("f2 kept");
    assert_eq!(
        (f2.severity_label.as_str(), f2.alertname.as_str()),
        ("", "HighCPUUsage")
    );
    assert_eq!(
        (f2.first_seen, f2.last_seen, f2.starts_at),
        (2000, 2000, 1500)
    );
    assert_eq!(f2.reported_by, vec!["http://am1:9093"]);

    // Silenced (acknowledged), then the silence is replaced, then it ends.
    let ch = cache
        .sync_alerts(
            SRC,
            &[silenced(a.clone(), &["s2", "s1"]), b.clone()],
            true,
            3000,
        )
        .expect("sync");
    assert_eq!(
        ch,
        AlertChanges {
            fired: vec![],
            resolved: vec![],
            changed: vec!["f1".into()]
        }
    );
    cache
        .sync_alerts(
            SRC,
            &[silenced(a.clone(), &["s1", "s2"]), b.clone()],
            true,
            3500,
        )
        .expect("sync");
    cache
        .sync_alerts(SRC, &[silenced(a.clone(), &["s3"]), b.clone()], true, 4000)
        .expect("sync");
    cache
        .sync_alerts(SRC, &[a.clone(), b.clone()], true, 5000)
        .expect("sync");

    // Not every Alertmanager answered: nothing is resolved.
    let ch = cache
        .sync_alerts(SRC, std::slice::from_ref(&b), false, 6000)
        .expect("sync");
    assert_eq!(ch, AlertChanges::default());
    assert_eq!(cache.current_alerts(None).expect("current").len(), 2);

    // Complete answer without f1: resolved now.
    let ch = cache
        .sync_alerts(SRC, std::slice::from_ref(&b), true, 7000)
        .expect("sync");
    assert_eq!(ch.resolved, vec!["f1"]);
    assert_eq!(cache.current_alerts(None).expect("current").len(), 1);

    let a_labels = labels_json(&a.alert.labels);
    let b_labels = labels_json(&b.alert.labels);
    assert_eq!(
        events(&cache),
        vec![
            ev("f1", "fired", 1000, &a_labels),
            ev("f2", "fired", 1500, &b_labels),
            ev("f1", "silenced", 3000, "s1,s2"),
            ev("f1", "silenced", 4000, "s3"),
            ev("f1", "unsilenced", 5000, "s3"),
            ev("f1", "resolved", 7000, ""),
        ]
    );
    let only_f1 = cache
        .alert_events(Some(SRC), Some("f1"), 3500)
        .expect("events");
    assert_eq!(
        only_f1.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["silenced", "unsilenced", "resolved"]
    );
    assert_eq!(only_f1[0].alertname, "ServiceDown");
    assert!(cache
        .alert_events(Some("other"), None, 0)
        .expect("events")
        .is_empty());
}

#[test]
fn alert_updates_without_state_change_make_no_events() {
    let cache = mem();
    let a = alert("f1", "ServiceDown", Some("warning"), 1000);
    cache
        .sync_alerts(SRC, std::slice::from_ref(&a), true, 2000)
        .expect("sync");
    let mut a2 = a.clone();
    a2.alert.labels.insert("severity".into(), "critical".into());
    a2.alert
        .annotations
        .insert("summary".into(), "still down".into());
    a2.reported_by.push("http://am2:9093".into());
    let ch = cache.sync_alerts(SRC, &[a2], true, 3000).expect("sync");
    assert_eq!(ch, AlertChanges::default());
    let cur = cache.current_alerts(None).expect("current");
    assert_eq!(cur[0].severity_label, "critical");
    assert_eq!(
        cur[0].annotations.get("summary").map(String::as_str),
        Some("still down")
    );
    assert_eq!((cur[0].first_seen, cur[0].last_seen), (2000, 3000));
    assert_eq!(cur[0].reported_by.len(), 2);
    assert_eq!(events(&cache).len(), 1);
}

#[test]
fn alert_inhibition_and_new_episodes() {
    let cache = mem();
    let a = alert("f1", "ServiceDown", Some("critical"), 1000);
    let mut inh = a.clone();
    inh.alert.inhibited_by = vec!["f9".into()];
    let ch = cache
        .sync_alerts(SRC, &[inh.clone()], true, 2000)
        .expect("sync");
    assert_eq!(ch.fired, vec!["f1"]);
    cache
        .sync_alerts(SRC, std::slice::from_ref(&a), true, 3000)
        .expect("sync");
    // Same fingerprint, later starts_at: it resolved and fired again between two polls.
    let again = alert("f1", "ServiceDown", Some("critical"), 9000);
    let ch = cache
        .sync_alerts(SRC, &[again], true, 10_000)
        .expect("sync");
    assert_eq!(ch.fired, vec!["f1"]);
    let kinds: Vec<String> = events(&cache).into_iter().map(|e| e.1).collect();
    assert_eq!(kinds, ["fired", "inhibited", "uninhibited", "fired"]);
    assert_eq!(
        cache.current_alerts(None).expect("current")[0].first_seen,
        10_000
    );
}

#[test]
fn alerts_of_other_sources_are_untouched() {
    let cache = mem();
    cache
        .sync_alerts("a", &[alert("f1", "X", None, 1)], true, 10)
        .expect("sync");
    cache
        .sync_alerts("b", &[alert("f1", "X", None, 1)], true, 10)
        .expect("sync");
    let ch = cache.sync_alerts("a", &[], true, 20).expect("sync");
    assert_eq!(ch.resolved, vec!["f1"]);
    let left = cache.current_alerts(None).expect("current");
    assert_eq!(
        left.iter().map(|a| a.source.as_str()).collect::<Vec<_>>(),
        ["b"]
    );
    assert_eq!(cache.current_alerts(Some("a")).expect("current").len(), 0);
}

#[test]
fn alerts_without_fingerprint_are_keyed_by_labels() {
    let cache = mem();
    let a = alert("", "X", None, 1);
    let mut b = alert("", "Y", None, 1);
    b.alert.labels.insert("instance".into(), "cam-02".into());
    let ch = cache.sync_alerts(SRC, &[a, b], true, 10).expect("sync");
    assert_eq!(ch.fired.len(), 2);
    assert!(ch.fired.iter().all(|f| f.starts_with("labels:")));
}

/// Hardening #14.5: alerts were keyed by their fingerprint alone (or their labels when it was
/// empty), and the HA merge by fingerprint: of four alerts, two sharing a fingerprint and two
/// without one, two vanished. Distinct label sets now always get distinct keys, independent of the
/// order, and the same alert reported twice is still one.
#[test]
fn alerts_sharing_or_missing_a_fingerprint_never_collapse() {
    let cache = mem();
    let with = |fp: &str, instance: &str| {
        let mut a = alert(fp, "CameraDown", Some("critical"), 1000);
        a.alert.labels.insert("instance".into(), instance.into());
        a
    };
    let genuine = {
        let mut a = with("", "cam-05");
        a.alert.fingerprint = a.alert.labels_fingerprint();
        a
    };
    // An impostor with the genuine alert's fingerprint, and one more pair sharing a made-up one.
    let impostor = with(&genuine.alert.fingerprint, "cam-06");
    let mut list = vec![
        with("dup", "cam-01"),
        with("dup", "cam-02"),
        with("", "cam-03"),
        with("", "cam-04"),
        impostor,
        genuine.clone(),
    ];
    let ch = cache.sync_alerts(SRC, &list, true, 2000).expect("sync");
    assert_eq!(ch.fired.len(), 6, "{:?}", ch.fired);
    let current = cache.current_alerts(Some(SRC)).expect("current");
    let mut instances: Vec<&str> = current
        .iter()
        .map(|a| a.labels["instance"].as_str())
        .collect();
    instances.sort_unstable();
    assert_eq!(
        instances,
        ["cam-01", "cam-02", "cam-03", "cam-04", "cam-05", "cam-06"]
    );
    assert!(
        current
            .iter()
            .any(|a| a.fingerprint == genuine.alert.fingerprint && a.labels["instance"] == "cam-05"),
        "the alert whose labels give the fingerprint keeps it"
    );
    // Another order, and every alert reported twice (two Alertmanagers): the same keys.
    list.reverse();
    let twice: Vec<ReportedAlert> = list.iter().chain(&list).cloned().collect();
    let ch = cache.sync_alerts(SRC, &twice, true, 3000).expect("sync");
    assert_eq!(
        ch,
        AlertChanges::default(),
        "nothing fired or resolved again"
    );
    assert_eq!(cache.current_alerts(Some(SRC)).expect("current").len(), 6);
}

/// Hardening #14.6: an alert whose startsAt was not a time is kept with a guessed start (its
/// updatedAt, or when it was read), which moves with every poll: it must not make a new episode
/// (a new "fired" and notification) each time.
#[test]
fn a_guessed_start_never_makes_a_new_episode() {
    let cache = mem();
    let guessed = |at: Millis| {
        let mut a = alert("g1", "CameraDown", Some("critical"), at);
        a.alert.annotations.insert(
            crate::source::NOTE_ANNOTATION.into(),
            "startsAt \"x\" is not a time".into(),
        );
        a
    };
    let ch = cache
        .sync_alerts(SRC, &[guessed(5000)], true, 5000)
        .expect("sync");
    assert_eq!(ch.fired, vec!["g1"]);
    let ch = cache
        .sync_alerts(SRC, &[guessed(9000)], true, 9000)
        .expect("sync");
    assert_eq!(ch, AlertChanges::default());
    let cur = cache.current_alerts(Some(SRC)).expect("current");
    assert_eq!(cur[0].starts_at, 5000, "the first guess is kept");
    let fired = events(&cache).iter().filter(|e| e.1 == "fired").count();
    assert_eq!(fired, 1);
}

// ---------------------------------------------------------------- health, snapshots, meta

#[test]
fn health_tracks_failures_and_recovery() {
    let cache = mem();
    let comp = "alertmanager http://am1:9093";
    cache
        .record_success(SRC, "prometheus", 1000, 42)
        .expect("ok");
    cache
        .record_failure(SRC, comp, 1000, "connection refused", true)
        .expect("fail");
    cache
        .record_failure(SRC, comp, 2000, "timeout", true)
        .expect("fail");
    let h = cache.health().expect("health");
    assert_eq!(h.len(), 2);
    let am = h.iter().find(|x| x.component == comp).expect("am");
    assert_eq!(
        (
            am.last_success,
            am.last_attempt,
            am.last_error.as_deref(),
            am.last_error_at
        ),
        (None, 2000, Some("timeout"), Some(2000))
    );
    assert_eq!(
        (am.consecutive_failures, am.unreachable, am.latency_ms),
        (2, true, None)
    );
    cache.record_success(SRC, comp, 3000, 12).expect("ok");
    let h = cache.health().expect("health");
    let am = h.iter().find(|x| x.component == comp).expect("am");
    assert_eq!(
        (
            am.last_success,
            am.last_error.as_deref(),
            am.last_error_at,
            am.consecutive_failures,
            am.unreachable,
            am.latency_ms
        ),
        (Some(3000), None, Some(2000), 0, false, Some(12))
    );
    cache
        .record_failure(SRC, "prometheus", 4000, "HTTP 500", false)
        .expect("fail");
    let h = cache.health().expect("health");
    let p = h
        .iter()
        .find(|x| x.component == "prometheus")
        .expect("prom");
    assert_eq!(
        (p.last_success, p.unreachable, p.consecutive_failures),
        (Some(1000), false, 1)
    );
}

#[test]
fn targets_and_rules_are_replaced_per_source() {
    let cache = mem();
    let target = |job: &str, health| Target {
        labels: labels(&[("job", job)]),
        scrape_pool: job.into(),
        scrape_url: format!("http://{job}:8080/metrics"),
        health,
        last_error: String::new(),
        last_scrape: Some(T0),
        last_scrape_duration_s: 0.25,
    };
    let t1 = vec![
        target("go-api", TargetHealth::Up),
        target("minio", TargetHealth::Down),
    ];
    cache.replace_targets("a", &t1, T0).expect("store");
    cache
        .replace_targets("b", &[target("x", TargetHealth::Unknown)], T0)
        .expect("store");
    cache.replace_targets("a", &t1[1..], T0).expect("store");
    let got = cache.targets(None).expect("read");
    assert_eq!(
        got,
        vec![
            ("a".to_string(), t1[1].clone()),
            ("b".to_string(), target("x", TargetHealth::Unknown))
        ]
    );

    let rule = AlertRule {
        group: "vms".into(),
        file: "rules.yml".into(),
        name: "ServiceDown".into(),
        query: "up == 0".into(),
        duration_s: 60.0,
        labels: labels(&[("severity", "critical")]),
        annotations: labels(&[("summary", "down")]),
        state: "firing".into(),
        health: "ok".into(),
        last_error: None,
    };
    cache
        .replace_rules("a", &[rule.clone(), rule.clone()])
        .expect("store");
    cache
        .replace_rules("a", std::slice::from_ref(&rule))
        .expect("store");
    assert_eq!(
        cache.rules(Some("a")).expect("read"),
        vec![("a".to_string(), rule)]
    );
    assert!(cache.rules(Some("b")).expect("read").is_empty());
}

#[test]
fn desk_state_round_trips() {
    let cache = mem();
    assert_eq!(cache.muted_until().expect("get"), None);
    cache.set_muted_until(Some(1)).expect("set");
    cache.set_muted_until(Some(2)).expect("set");
    assert_eq!(cache.muted_until().expect("get"), Some(2));
    cache.set_storm_until(7).expect("set");
    assert_eq!(
        cache.muted_until().expect("get"),
        Some(2),
        "columns are apart"
    );
    assert_eq!(cache.storm_until().expect("get"), Some(7));
    let mut sel = std::collections::BTreeMap::new();
    sel.insert("job".to_string(), vec!["b".to_string(), "a".to_string()]);
    cache.set_var_selection("s", "d", &sel).expect("set");
    assert_eq!(
        cache.var_selection("s", "d").expect("get"),
        sel,
        "order kept"
    );
    assert!(cache.var_selection("s", "other").expect("get").is_empty());
    assert_eq!(cache.query_plan("s", "d").expect("get"), None);
    cache.store_query_plan("s", "d", &[], 1).expect("set");
    assert_eq!(
        cache.query_plan("s", "d").expect("get"),
        Some(vec![]),
        "an empty plan is a plan"
    );
}

// ---------------------------------------------------------------- files: open, damage, crash, errors

fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// Files in `dir` whose name starts with `prefix`.
fn files_like(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn open_creates_folders_and_keeps_data_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a/b/cache.db");
    let (cache, note) = Cache::open(&path).expect("open");
    assert_eq!(note, None);
    assert_eq!(cache.path(), Some(path.as_path()));
    assert!(!cache.is_read_only());
    ingest(&cache, &[one("a", grid(0, 130, |i| i as f64))]);
    cache.set_alerts_synced_at("rta", 42).expect("state");
    drop(cache);
    let (cache, note) = Cache::open(&path).expect("reopen");
    assert_eq!(note, None);
    assert_eq!(read_all(&cache)[0].samples.len(), 130);
    assert_eq!(cache.alerts_synced_at("rta").expect("state"), Some(42));
    let journal: String = cache
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(journal, "wal");
    assert!(cache.stats().expect("stats").file_bytes > 0);
}

#[track_caller]
fn check_moved_aside(dir: &Path, path: &Path, original: &[u8], tag: &str, reason_has: &str) {
    let (cache, note) = Cache::open(path).expect("open must recover");
    let note = note.expect("a note about the moved file");
    assert!(note.reason.contains(reason_has), "reason {:?}", note.reason);
    let name = note
        .moved_aside
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        name.starts_with(&format!("cache.db.{tag}-")),
        "moved to {name}"
    );
    assert_eq!(
        std::fs::read(&note.moved_aside).expect("moved file kept"),
        original
    );
    assert!(note
        .to_string()
        .contains(&note.moved_aside.display().to_string()));
    // The fresh cache works.
    ingest(&cache, &[one("a", grid(0, 3, |i| i as f64))]);
    assert_eq!(read_all(&cache)[0].samples.len(), 3);
    assert_eq!(files_like(dir, &format!("cache.db.{tag}-")).len(), 1);
}

#[test]
fn random_bytes_file_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let bytes: Vec<u8> = (0..10_000).map(|_| rng.gen()).collect();
    let path = file_with(dir.path(), "cache.db", &bytes);
    check_moved_aside(dir.path(), &path, &bytes, "corrupt", "not a database");
}

#[test]
fn truncated_cache_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("full.db");
    {
        let (cache, _) = Cache::open(&src).expect("open");
        let series: Vec<RangeSeries> = (0..200)
            .map(|k| one(&format!("h{k}"), grid(0, 300, |i| i as f64)))
            .collect();
        ingest(&cache, &series);
        cache
            .conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
    }
    let full = std::fs::read(&src).expect("read");
    let half = full.get(..full.len() / 2).expect("half");
    let path = file_with(dir.path(), "cache.db", half);
    check_moved_aside(dir.path(), &path, half, "corrupt", "");
}

#[test]
fn newer_schema_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    {
        let conn = Connection::open(&path).expect("sqlite");
        conn.execute_batch("CREATE TABLE future(x); PRAGMA user_version = 99;")
            .expect("setup");
    }
    let bytes = std::fs::read(&path).expect("read");
    check_moved_aside(dir.path(), &path, &bytes, "newer-v99", "newer Watchdesk");
}

#[test]
fn foreign_database_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    {
        let conn = Connection::open(&path).expect("sqlite");
        conn.execute_batch("CREATE TABLE notes(x); INSERT INTO notes VALUES (1);")
            .expect("setup");
    }
    let bytes = std::fs::read(&path).expect("read");
    check_moved_aside(
        dir.path(),
        &path,
        &bytes,
        "corrupt",
        "not a Watchdesk cache",
    );
}

#[test]
fn empty_file_becomes_a_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = file_with(dir.path(), "cache.db", b"");
    let (_cache, note) = Cache::open(&path).expect("open");
    assert_eq!(note, None);
}

#[test]
fn committed_data_survives_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let (cache, _) = Cache::open(&path).expect("open");
    ingest(&cache, &[one("a", grid(0, 200, |i| i as f64))]);
    cache
        .sync_alerts(SRC, &[alert("f1", "X", None, 1)], true, 2)
        .expect("sync");
    // Snapshot the files as a kill -9 would leave them: the connection is still open, nothing
    // checkpointed.
    let crash = dir.path().join("crashed");
    std::fs::create_dir(&crash).expect("mkdir");
    for suffix in ["", "-wal", "-shm"] {
        let from = dir.path().join(format!("cache.db{suffix}"));
        if from.exists() {
            std::fs::copy(&from, crash.join(format!("cache.db{suffix}"))).expect("copy");
        }
    }
    assert!(
        crash.join("cache.db-wal").exists(),
        "data should still be in the WAL"
    );
    // And a drop without close on the original.
    std::mem::forget(cache);
    for p in [crash.join("cache.db"), path] {
        let (cache, note) = Cache::open(&p).expect("reopen");
        assert_eq!(note, None);
        assert_eq!(read_all(&cache)[0].samples.len(), 200);
        assert_eq!(cache.current_alerts(None).expect("alerts").len(), 1);
    }
}

#[test]
fn read_only_cache_reads_and_refuses_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    {
        let (cache, _) = Cache::open(&path).expect("open");
        ingest(&cache, &[one("a", grid(0, 10, |i| i as f64))]);
    }
    // Explicit read-only open (works as root too).
    let ro = Cache::open_read_only(&path).expect("open read-only");
    assert!(ro.is_read_only());
    assert_eq!(read_all(&ro)[0].samples.len(), 10);
    let err = ro.set_muted_until(Some(1)).expect_err("write must fail");
    assert!(matches!(err, CacheError::ReadOnly { .. }), "{err:?}");
    let err = ro
        .ingest_range(SRC, EXPR, STEP, (T0, T0), &[])
        .expect_err("write must fail");
    assert!(matches!(err, CacheError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("cache.db") && err.to_string().contains("read-only"));
    drop(ro);

    // chmod 0444 (bites only when not root): open still works, reads work.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let copy = dir.path().join("ro.db");
        std::fs::copy(&path, &copy).expect("copy");
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let (cache, note) = Cache::open(&copy).expect("open read-only file");
        assert_eq!(note, None);
        assert_eq!(read_all(&cache)[0].samples.len(), 10);
        let perms_bite = std::fs::OpenOptions::new().write(true).open(&copy).is_err();
        assert_eq!(cache.is_read_only(), perms_bite);
        if perms_bite {
            let err = cache.set_muted_until(Some(1)).expect_err("write must fail");
            assert!(matches!(err, CacheError::ReadOnly { .. }), "{err:?}");
        }
        drop(cache);

        // A read-only folder (no -wal/-shm can be created): still readable.
        let ro_dir = dir.path().join("ro-dir");
        std::fs::create_dir(&ro_dir).expect("mkdir");
        let inside = ro_dir.join("cache.db");
        std::fs::copy(&path, &inside).expect("copy");
        std::fs::set_permissions(&ro_dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        let perms_bite = std::fs::write(ro_dir.join("probe"), b"").is_err();
        let opened = Cache::open(&inside);
        std::fs::set_permissions(&ro_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let (cache, note) = opened.expect("open in a read-only folder");
        assert_eq!(note, None);
        assert_eq!(read_all(&cache)[0].samples.len(), 10);
        assert_eq!(cache.is_read_only(), perms_bite);
    }

    // The SQLITE_READONLY mapping on a normal connection.
    let cache = mem();
    cache
        .conn()
        .execute_batch("PRAGMA query_only = ON")
        .expect("pragma");
    let err = cache.set_muted_until(Some(1)).expect_err("write must fail");
    assert!(matches!(err, CacheError::ReadOnly { .. }), "{err:?}");
}

#[test]
fn disk_full_is_reported_and_keeps_what_was_cached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let (cache, _) = Cache::open(&path).expect("open");
    ingest(&cache, &[one("keep", grid(0, 100, |i| i as f64))]);
    cache
        .conn()
        .execute_batch("PRAGMA max_page_count = 40")
        .expect("limit");
    let big: Vec<RangeSeries> = (0..500)
        .map(|k| {
            one(
                &format!("h{k}"),
                grid(0, 500, move |i| (i * k) as f64 + 0.1),
            )
        })
        .collect();
    let err = cache
        .ingest_range(SRC, EXPR, STEP, (T0, T0 + 500 * STEP), &big)
        .expect_err("must fill the disk");
    assert!(matches!(err, CacheError::DiskFull { .. }), "{err:?}");
    assert!(err.to_string().contains("free some space"));
    // The failed transaction left nothing half-written.
    let got = read_all(&cache);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].samples.len(), 100);
}

#[test]
fn errors_say_what_failed_and_what_to_do() {
    #[track_caller]
    fn check(err: CacheError, expect: &[&str]) {
        let msg = err.to_string();
        for part in expect {
            assert!(msg.contains(part), "{msg:?} lacks {part:?}");
        }
    }
    let p = || PathBuf::from("/data/cache.db");
    check(
        CacheError::ReadOnly { path: p() },
        &["/data/cache.db", "read-only", "keeps showing"],
    );
    check(
        CacheError::DiskFull { path: p() },
        &["disk full", "/data/cache.db", "free some space"],
    );
    check(
        CacheError::Busy { path: p() },
        &["locked by another program"],
    );
    check(
        CacheError::Open {
            path: p(),
            reason: "denied".into(),
        },
        &["cannot open", "denied", "config"],
    );
    check(
        CacheError::Corrupt {
            path: p(),
            reason: "bad page".into(),
        },
        &["damaged", "bad page", "Restart"],
    );
    check(
        CacheError::CannotMoveAside {
            path: p(),
            reason: "bad".into(),
            move_error: "EACCES".into(),
        },
        &["cannot be moved aside", "EACCES", "yourself"],
    );
    check(
        CacheError::Sqlite {
            op: "store alerts",
            reason: "x".into(),
        },
        &["store alerts failed", "report"],
    );
}

#[test]
fn missing_folder_that_cannot_be_created_is_an_open_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = file_with(dir.path(), "file", b"x");
    let err = Cache::open(&blocker.join("sub/cache.db"))
        .err()
        .expect("must fail");
    assert!(matches!(err, CacheError::Open { .. }), "{err:?}");
}

#[test]
fn reads_do_not_wait_for_a_write_in_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, _) = Cache::open(&dir.path().join("cache.db")).expect("open");
    ingest(&cache, &[one("a", grid(0, 10, |i| i as f64))]);
    let writer = cache.conn();
    writer
        .execute_batch(
            "BEGIN IMMEDIATE; INSERT INTO alert_sync (source, synced_at) VALUES ('x', 1);",
        )
        .expect("begin");
    // The writer's mutex is held and its transaction is open: reads still answer, from the last commit.
    assert_eq!(read_all(&cache)[0].samples.len(), 10);
    assert_eq!(cache.alerts_synced_at("x").expect("state"), None);
    writer.execute_batch("COMMIT").expect("commit");
    drop(writer);
    assert_eq!(cache.alerts_synced_at("x").expect("state"), Some(1));
}

#[test]
fn threads_share_one_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, _) = Cache::open(&dir.path().join("cache.db")).expect("open");
    let cache = std::sync::Arc::new(cache);
    let writer = {
        let cache = cache.clone();
        std::thread::spawn(move || {
            for k in 0..20 {
                ingest(&cache, &[one("a", grid(k * 50, 50, |i| i as f64))]);
            }
        })
    };
    for _ in 0..20 {
        let got = read_all(&cache);
        // Every read sees whole ingests: a multiple of 50 samples, in order.
        let n = got.first().map_or(0, |s| s.samples.len());
        assert_eq!(n % 50, 0);
    }
    writer.join().expect("writer thread");
    assert_eq!(read_all(&cache)[0].samples.len(), 1000);
}

#[test]
fn retention_gives_space_back_to_the_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, _) = Cache::open(&dir.path().join("c.db")).expect("open");
    let series: Vec<RangeSeries> = (0..100)
        .map(|k| {
            one(
                &format!("cam-{k}"),
                grid(0, 2_000, move |i| (i * k) as f64 * 0.37),
            )
        })
        .collect();
    ingest(&cache, &series);
    let pages = |c: &Cache| -> i64 {
        c.conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("pages")
    };
    let before = pages(&cache);
    let r = Retention {
        raw_ms: 0,
        tier_ms: [0, 0],
        events_ms: DAY,
        max_bytes: u64::MAX,
    };
    cache
        .enforce_retention(&r, T0 + 10_000 * STEP)
        .expect("retention");
    let after = pages(&cache);
    assert!(after * 4 < before, "file pages {before} -> {after}");
}

// ---------------------------------------------------------------- hardening (#14)

/// Hardening #14.7: a chunk that did not decode was skipped by reads and dropped by ingests, but
/// its window stayed covered, so the backfill never fetched it again: a permanent gap with only a
/// log line. A read now hands it back (in a write transaction): `holes()` lists its window and the
/// backfill fills it. A read-only cache only skips it.
#[test]
fn a_damaged_chunk_is_fetched_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let (cache, _) = Cache::open(&path).expect("open");
    let w = |a: i64, b: i64| (T0 + a * STEP, T0 + b * STEP);
    let all = w(0, 3 * M - 1);
    cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            all,
            &[one("a", grid(0, 3 * M, |i| i as f64))],
        )
        .expect("ingest");
    let holes = |c: &Cache| c.holes(SRC, EXPR, STEP, all.0, all.1).expect("holes");
    assert!(holes(&cache).is_empty());
    cache
        .conn()
        .execute(
            "UPDATE chunk SET data = x'01ffff' WHERE start_ms = ?1",
            [T0 + M * STEP],
        )
        .expect("damage");

    let ro = Cache::open_read_only(&path).expect("read-only viewer");
    assert_eq!(read_all(&ro)[0].samples.len() as i64, 2 * M);
    drop(ro);
    assert!(
        holes(&cache).is_empty(),
        "a read-only cache changes nothing"
    );

    assert_eq!(read_all(&cache)[0].samples.len() as i64, 2 * M);
    assert_eq!(
        holes(&cache),
        vec![w(M - 1, 2 * M)],
        "the damaged chunk's window (and a step either side) is to be fetched again"
    );
    assert_eq!(read_all(&cache)[0].samples.len() as i64, 2 * M);
    assert_eq!(holes(&cache), vec![w(M - 1, 2 * M)], "handed back once");

    // The backfill fetches the hole: nothing is missing any more.
    let stats = cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            w(M - 1, 2 * M),
            &[one("a", grid(M - 1, M + 2, |i| i as f64))],
        )
        .expect("backfill");
    assert_eq!(
        stats.chunks_dropped, 1,
        "the marker of the damaged chunk goes"
    );
    let got = read_all(&cache);
    assert_eq!(bits(&got[0].samples), bits(&grid(0, 3 * M, |i| i as f64)));
    assert!(holes(&cache).is_empty());
    layout(&cache);
}

/// Hardening #14.7: an ingest that dropped a damaged chunk left the chunk's whole window covered.
/// The part its new samples do not cover is fetched again.
#[test]
fn a_damaged_chunk_dropped_by_an_ingest_is_fetched_again() {
    let cache = mem();
    let w = |a: i64, b: i64| (T0 + a * STEP, T0 + b * STEP);
    cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            w(0, 3 * M - 1),
            &[one("a", grid(0, 3 * M, |i| i as f64))],
        )
        .expect("ingest");
    // A cell of the wrong type, as a damaged or edited file has.
    cache
        .conn()
        .execute(
            "UPDATE chunk SET n = 'many' WHERE start_ms = ?1",
            [T0 + 2 * M * STEP],
        )
        .expect("damage");
    let stats = cache
        .ingest_range(
            SRC,
            EXPR,
            STEP,
            w(2 * M, 2 * M + 9),
            &[one("a", grid(2 * M, 10, |i| i as f64))],
        )
        .expect("ingest over the damaged chunk");
    assert_eq!(stats.chunks_dropped, 1);
    assert_eq!(
        cache
            .holes(SRC, EXPR, STEP, T0, T0 + (3 * M - 1) * STEP)
            .expect("holes"),
        vec![w(2 * M + 10, 3 * M - 1)]
    );
}

/// Hardening #14.3: a FIFO at the cache path hung `Cache::open` forever (SQLite waited for a
/// writer); a device such as /dev/zero is no database either. Both are refused with a clear error.
#[cfg(unix)]
#[test]
fn a_fifo_or_device_at_the_cache_path_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("cache.db");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils) runs");
    assert!(made.success());
    // Run in a thread: without the check this hangs, and the test must fail, not hang.
    let (tx, rx) = std::sync::mpsc::channel();
    let p = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(Cache::open(&p).err().map(|e| e.to_string()));
    });
    let err = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("Cache::open must not hang on a FIFO")
        .expect("a FIFO is refused");
    assert!(
        err.contains("FIFO") && err.contains("not a regular file"),
        "{err}"
    );
    assert!(fifo.exists(), "nothing is moved or deleted");
    let err = Cache::open_read_only(&fifo)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("FIFO"), "{err}");
    let err = Cache::open(Path::new("/dev/zero"))
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("a device"), "{err}");
    // A FIFO as the WAL file would hang the same way.
    let dir2 = tempfile::tempdir().expect("tempdir");
    let path = dir2.path().join("cache.db");
    drop(Cache::open(&path).expect("open"));
    let _ = std::fs::remove_file(dir2.path().join("cache.db-wal"));
    let made = std::process::Command::new("mkfifo")
        .arg(dir2.path().join("cache.db-wal"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let err = Cache::open(&path).err().expect("refused").to_string();
    assert!(err.contains("cache.db-wal"), "{err}");
}

/// A full cache file at `path` made by this build, with an alert, a target and samples.
fn full_cache_file(path: &Path) {
    let (cache, _) = Cache::open(path).expect("open");
    ingest(&cache, &[one("a", grid(0, 10, |i| i as f64))]);
    cache
        .sync_alerts(SRC, &[alert("f1", "X", Some("critical"), 1000)], true, 2000)
        .expect("alerts");
    cache
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
}

/// Hardening #14.9: a schema version of -1, 1 or 3 on a file with the tables of a later version, a
/// dropped table, or text in an integer column made every command fail forever ("table … already
/// exists", "restart Watchdesk"), and `check` said "all ok". Each class is now a damaged file: moved
/// aside (never deleted) with the reason, and a fresh cache is started.
#[test]
fn damaged_schemas_are_moved_aside_with_the_reason() {
    let latest = schema::latest_version();
    let cases: Vec<(String, String, &str)> = vec![
        (
            "negative version".into(),
            "PRAGMA user_version = -1".into(),
            "negative",
        ),
        (
            "version 1 with later tables".into(),
            "PRAGMA user_version = 1".into(),
            "not those of its schema version 1",
        ),
        (
            "an older version with later tables".into(),
            format!("PRAGMA user_version = {}", latest - 1),
            "its tables are not those of its schema version",
        ),
        (
            "a dropped table".into(),
            "DROP TABLE alert_event".into(),
            "table alert_event missing",
        ),
        (
            "an extra column".into(),
            "ALTER TABLE alert ADD COLUMN note TEXT".into(),
            "other columns in table alert",
        ),
        (
            "text in an integer column".into(),
            "UPDATE alert SET starts_at = 'soon'".into(),
            "table alert, column starts_at holds a value of the wrong type",
        ),
        (
            "text in a coverage window".into(),
            "UPDATE coverage SET to_ms = 'later'".into(),
            "table coverage, column to_ms",
        ),
    ];
    for (what, damage, reason) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.db");
        full_cache_file(&path);
        {
            let conn = Connection::open(&path).expect("sqlite");
            conn.execute_batch(&damage).expect(&what);
        }
        let bytes = std::fs::read(&path).expect("read");
        // `check` (a read-only open) reports it instead of "all ok".
        let err = Cache::open_read_only(&path).err().expect(&what);
        assert!(matches!(err, CacheError::Corrupt { .. }), "{what}: {err:?}");
        assert!(err.to_string().contains(reason), "{what}: {err}");
        check_moved_aside(dir.path(), &path, &bytes, "corrupt", reason);
    }
}

/// Hardening #14.9: reading a value of the wrong type was a "history cache: … failed … restart
/// Watchdesk" error forever. It is `Corrupt` now, which `Cache::open` recognises.
#[test]
fn a_value_of_the_wrong_type_is_reported_as_corrupt() {
    let cache = mem();
    cache
        .sync_alerts(SRC, &[alert("f1", "X", None, 1000)], true, 2000)
        .expect("alerts");
    cache
        .conn()
        .execute_batch("UPDATE alert SET first_seen = 'yesterday'")
        .expect("damage");
    let err = cache.current_alerts(None).expect_err("unreadable");
    assert!(matches!(err, CacheError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("Restart Watchdesk"), "{err}");
}

/// Hardening #14.9: a migration that fails on a file fails at every start; it is a damaged file
/// (moved aside with the reason), unless the failure passes (busy, disk full, read-only).
#[test]
fn a_failing_migration_is_a_bad_file_not_an_error_forever() {
    let mut conn = Connection::open_in_memory().expect("memory");
    schema::migrate(&mut conn, 0).expect("migrate");
    let err = conn
        .execute_batch("CREATE TABLE alert (key TEXT)")
        .expect_err("a migration that cannot apply");
    assert!(schema::migration_failure_is_bad(&err), "{err}");
    let busy =
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None);
    assert!(!schema::migration_failure_is_bad(&busy));
    let full =
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
    assert!(!schema::migration_failure_is_bad(&full));
}
