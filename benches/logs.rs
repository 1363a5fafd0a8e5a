//! Log cache benchmarks (issue #13, figures in BENCHMARKS.md "Logs"): bytes per log line in the cache
//! and the time to show 10,000 cached lines, next to the size of the same lines as raw text, as gzip
//! (what a log store's compressed chunks come near) and as Loki's `query_range` JSON.
//!
//! ```sh
//! cargo bench --bench logs                     # 100,000 lines, 5 runs per timing
//! WD_BENCH_LINES=1000000 WD_BENCH_RUNS=5 cargo bench --bench logs
//! ```
//!
//! Data: the lines the simulator's stand-in Loki writes (`src/bin/vms-sim/loki.rs`): every service's
//! zerolog JSON line every 10 s and nginx access lines every 5 s, 9 streams, ingested as Loki answers
//! of 5,000 lines (`Cache::ingest_logs`, one transaction each). No Loki can be installed here, so there
//! is no Loki to time side by side; the reference sizes are computed from the same lines.

use std::io::Write;
use std::time::Instant;

use watchdesk::cache::Cache;
use watchdesk::source::logql::LogSelector;
use watchdesk::source::loki::{LogLine, LogStream};
use watchdesk::source::Labels;
use watchdesk::text::for_terminal;

const NS: i64 = 1_000_000_000;
const SERVICES: [&str; 8] = [
    "go-api",
    "vms-service",
    "storage-service",
    "recording-service",
    "metadata-service",
    "stream-counter",
    "playback-service",
    "livekit",
];
const PATHS: [&str; 4] = [
    "/api/v1/streams",
    "/api/v1/reservations",
    "/api/v1/playback/session",
    "/healthz",
];

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn labels(job: &str, port: u16) -> Labels {
    [
        ("job", job.to_string()),
        ("service", job.to_string()),
        ("instance", format!("127.0.0.1:{port}")),
        ("level", "info".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn rfc3339(ns: i64) -> String {
    chrono::DateTime::from_timestamp(ns.div_euclid(NS), 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// `n` lines in time order, as (stream index, line), from `start_ns`.
fn generate(n: usize, start_ns: i64) -> Vec<(usize, LogLine)> {
    let mut out = Vec::with_capacity(n);
    let mut t = start_ns - start_ns.rem_euclid(10 * NS);
    while out.len() < n {
        let sec = t / NS;
        if t % (10 * NS) == 0 {
            for (i, s) in SERVICES.iter().enumerate() {
                let path = PATHS[((sec / 10) as usize + i) % 4];
                out.push((
                    i,
                    LogLine {
                        ts_ns: t + i as i64 * 1_000_000,
                        line: format!(
                            r#"{{"level":"info","service":"{s}","time":"{}","method":"GET","path":"{path}","status":200,"duration_ms":{},"message":"request handled"}}"#,
                            rfc3339(t),
                            5 + (sec + i as i64).rem_euclid(37)
                        ),
                        truncated: false,
                    },
                ));
            }
        }
        let app = SERVICES[(sec / 5) as usize % 3];
        out.push((
            SERVICES.len(),
            LogLine {
                ts_ns: t + 500_000_000,
                line: format!(
                    r#"127.0.0.1 - - [{}] "GET /{app}{} HTTP/1.1" 200 {} "-" "watchdesk-operator/1.0""#,
                    chrono::DateTime::from_timestamp(sec, 0)
                        .map(|d| d.format("%d/%b/%Y:%H:%M:%S +0000").to_string())
                        .unwrap_or_default(),
                    PATHS[(sec as usize / 5) % 4],
                    120 + sec.rem_euclid(900)
                ),
                truncated: false,
            },
        ));
        t += 5 * NS;
    }
    out.truncate(n);
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn file_bytes(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("db-wal");
    std::fs::metadata(path).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
}

fn main() {
    let n = env_num("WD_BENCH_LINES", 100_000);
    let runs = env_num("WD_BENCH_RUNS", 5).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("logs.db");
    let stream_labels: Vec<Labels> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| labels(s, 9201 + i as u16))
        .chain(std::iter::once(labels("nginx", 80)))
        .collect();
    let now_ms = watchdesk::time::now_ms();
    let start_ns = (now_ms - 3 * 86_400_000) * 1_000_000;
    let lines = generate(n, start_ns);
    let raw: usize = lines.iter().map(|(_, l)| l.line.len() + 1).sum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for (_, l) in &lines {
        gz.write_all(l.line.as_bytes()).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    let gz = gz.finish().unwrap().len();
    // Per-row compression, the alternative to blocks: each line deflated on its own.
    let per_row: usize = lines
        .iter()
        .map(|(_, l)| {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(l.line.as_bytes()).unwrap();
            z.finish().unwrap().len()
        })
        .sum();

    // Ingest as Loki answers of 5,000 lines (per stream, in time order).
    let (cache, _) = Cache::open(&path).expect("open the cache");
    let empty = {
        drop(cache);
        checkpoint(&path);
        file_bytes(&path)
    };
    let (cache, _) = Cache::open(&path).expect("open the cache");
    let mut json_bytes = 0usize;
    let t0 = Instant::now();
    // One Loki answer: the lines of `chunk`, grouped by stream.
    let answer = |chunk: &[(usize, LogLine)]| -> Vec<LogStream> {
        let mut streams: Vec<LogStream> = stream_labels
            .iter()
            .map(|l| LogStream {
                labels: l.clone(),
                lines: Vec::new(),
            })
            .collect();
        for (i, l) in chunk {
            streams[*i].lines.push(l.clone());
        }
        streams.retain(|s| !s.lines.is_empty());
        streams
    };
    for chunk in lines.chunks(5000) {
        let streams = answer(chunk);
        json_bytes += loki_json(&streams).len();
        cache
            .ingest_logs("rta", &streams, now_ms)
            .expect("ingest log lines");
    }
    let ingest_s = t0.elapsed().as_secs_f64();
    // Fetching the same window again adds nothing (deduplicated).
    let again = {
        let streams = answer(&lines[..5000.min(lines.len())]);
        cache.ingest_logs("rta", &streams, now_ms).expect("ingest")
    };
    drop(cache);
    checkpoint(&path);
    let full = file_bytes(&path);
    let per_line = (full - empty) as f64 / n as f64;

    // Show 10,000 lines from the cache: the read path of `watchdesk logs` offline (selector, line
    // filter, newest first) and the terminal formatting of each line.
    let (cache, _) = Cache::open(&path).expect("reopen the cache");
    let window = (start_ns, now_ms * 1_000_000);
    let show = |q: &str, limit: usize| -> (usize, f64) {
        let sel = LogSelector::parse(q).expect("query");
        let mut times = Vec::new();
        let mut shown = 0;
        for _ in 0..=runs {
            let t = Instant::now();
            let got = cache
                .read_logs("rta", window, limit, &|l| sel.selects(l), &|line| {
                    sel.keeps(line)
                })
                .expect("read");
            let mut out = String::with_capacity(got.len() * 200);
            for l in got.iter().rev() {
                out.push_str(&for_terminal(&l.line));
                out.push('\n');
            }
            shown = got.len();
            std::hint::black_box(&out);
            times.push(t.elapsed().as_secs_f64());
        }
        times.remove(0); // warm-up
        (shown, median(times))
    };
    let (all_n, all_s) = show(r#"{job=~".+"}"#, 10_000);
    let (one_n, one_s) = show(r#"{service="go-api"}"#, 10_000);
    let (flt_n, flt_s) = show(r#"{job="nginx"} |= "reservations""#, 10_000);

    println!("## Logs in the cache ({n} lines, 9 streams)\n");
    println!("| what | bytes per line |");
    println!("|---|---|");
    println!(
        "| the lines as raw text (reference) | {:.0} |",
        raw as f64 / n as f64
    );
    println!(
        "| the same as Loki's `query_range` JSON, in answers of 5,000 (reference) | {:.0} |",
        json_bytes as f64 / n as f64
    );
    println!(
        "| the same gzipped (reference: what compressed log chunks come near) | {:.0} |",
        gz as f64 / n as f64
    );
    println!(
        "| each line zlib-compressed on its own (reference: per-row compression, before SQLite's ~37 bytes a row) | {:.0} |",
        per_row as f64 / n as f64
    );
    println!("| Watchdesk's cache file (SQLite, after a checkpoint) | {per_line:.0} |");
    println!(
        "\ningest: {n} lines in {:.2} s ({:.0} lines/s, answers of 5,000); the first answer again: {again} lines added\n",
        ingest_s,
        n as f64 / ingest_s
    );
    println!("| show from the cache (read, filter, format for the terminal) | lines | median of {runs} |");
    println!("|---|---|---|");
    println!(
        "| every stream, newest 10,000 | {all_n} | {:.1} ms |",
        all_s * 1e3
    );
    println!(
        "| one service's stream, newest 10,000 | {one_n} | {:.1} ms |",
        one_s * 1e3
    );
    println!(
        "| nginx lines containing \"reservations\", newest 10,000 | {flt_n} | {:.1} ms |",
        flt_s * 1e3
    );
}

fn checkpoint(path: &std::path::Path) {
    let c = rusqlite::Connection::open(path).expect("open for checkpoint");
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
}

/// Loki's `query_range` answer for these streams (the size a client downloads).
fn loki_json(streams: &[LogStream]) -> String {
    let result: Vec<serde_json::Value> = streams
        .iter()
        .map(|s| {
            serde_json::json!({
                "stream": s.labels,
                "values": s.lines.iter().map(|l| [l.ts_ns.to_string(), l.line.clone()]).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({"status": "success", "data": {"resultType": "streams", "result": result}})
        .to_string()
}
