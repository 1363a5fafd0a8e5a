//! Crash safety: the poller (`watchdesk poll`) is killed with SIGKILL at random moments while it
//! ingests, many times in a row. Every time, the cache passes `PRAGMA integrity_check`, nothing that
//! had been committed is missing, and every window the cache says it fetched holds all its samples
//! (a fetch is committed whole or not at all).
//!
//! The Prometheus here is a stand-in that answers any range with a full grid of samples, so that each
//! run has a lot to ingest (a real one would hold only seconds of data in a fresh test).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::Rng;

mod common;

use watchdesk::cache::Cache;

const SERIES: usize = 60;

/// Answers query_range with SERIES series on the requested grid; other API calls with empty data.
fn fake_prometheus() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut sock) = conn else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                // Read the head and the body (Content-Length).
                let (head, body) = loop {
                    let Ok(n) = sock.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_string();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        while buf.len() < i + 4 + len {
                            let Ok(n) = sock.read(&mut chunk) else { return };
                            if n == 0 {
                                break;
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                        let body = String::from_utf8_lossy(&buf[i + 4..]).to_string();
                        break (head, body);
                    }
                };
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let json = if path.contains("query_range") {
                    let form: BTreeMap<String, String> =
                        url::form_urlencoded::parse(body.as_bytes())
                            .into_owned()
                            .collect();
                    let f = |k: &str| {
                        form.get(k)
                            .and_then(|v| v.parse::<f64>().ok())
                            .unwrap_or(0.0)
                    };
                    let (start, end, step) = (f("start"), f("end"), f("step").max(1.0));
                    let mut out = String::from(
                        r#"{"status":"success","data":{"resultType":"matrix","result":["#,
                    );
                    for s in 0..SERIES {
                        if s > 0 {
                            out.push(',');
                        }
                        out.push_str(&format!(r#"{{"metric":{{"job":"j{s}"}},"values":["#));
                        let mut t = start;
                        let mut first = true;
                        while t <= end {
                            if !first {
                                out.push(',');
                            }
                            first = false;
                            out.push_str(&format!(
                                "[{t},\"{}\"]",
                                (t / 60.0).sin() * 100.0 + s as f64
                            ));
                            t += step;
                        }
                        out.push_str("]}");
                    }
                    out.push_str("]}}");
                    out
                } else if path.contains("targets") {
                    r#"{"status":"success","data":{"activeTargets":[],"droppedTargets":[]}}"#.into()
                } else if path.contains("rules") {
                    r#"{"status":"success","data":{"groups":[]}}"#.into()
                } else {
                    r#"{"status":"success","data":[]}"#.into()
                };
                let _ = write!(
                    sock,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                    json.len()
                );
            });
        }
    });
    format!("http://{addr}")
}

/// A dashboard of `n` panels, each with its own expression, so that each run has new backfills.
fn dashboard(n: usize, run: usize) -> String {
    let panels: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{},"type":"timeseries","title":"p{i}","gridPos":{{"x":0,"y":{},"w":24,"h":8}},
                "targets":[{{"refId":"A","expr":"up{{run=\"{run}\",panel=\"{i}\"}}"}}]}}"#,
                i + 1,
                i * 8
            )
        })
        .collect();
    format!(
        r#"{{"uid":"crash","title":"crash","time":{{"from":"now-24h","to":"now"}},"refresh":"5s","panels":[{}]}}"#,
        panels.join(",")
    )
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    until: i64,
    samples: u64,
}

#[test]
fn sigkill_during_ingest_never_corrupts_or_loses_committed_data() {
    let prom = fake_prometheus();
    let dir = tempfile::tempdir().unwrap();
    let cache_path = dir.path().join("cache.db");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "step = \"15s\"\nbackfill = \"24h\"\nalert_interval = \"60s\"\nmax_concurrency = 4\n",
    )
    .unwrap();
    let mut rng = rand::thread_rng();
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    // The kill delay adapts so that kills keep landing inside ingest, whatever the machine's speed:
    // runs that had committed everything shorten it, runs that had committed nothing lengthen it.
    let (mut lo, mut hi) = (20u64, 700u64);
    let mut killed_mid_ingest = 0;
    let mut runs = 0;
    for run in 0..40 {
        if run >= 20 && killed_mid_ingest >= 5 {
            break;
        }
        runs += 1;
        let dash = dir.path().join(format!("dash{run}.json"));
        std::fs::write(&dash, dashboard(8, run)).unwrap();
        let mut child = Command::new(common::watchdesk_bin())
            .args([
                "--config",
                cfg.to_str().unwrap(),
                "--prometheus",
                &prom,
                "--cache",
                cache_path.to_str().unwrap(),
                "--dashboard",
                dash.to_str().unwrap(),
                "poll",
            ])
            .env("RUST_LOG", "watchdesk=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start watchdesk poll");
        std::thread::sleep(Duration::from_millis(rng.gen_range(lo..hi)));
        // SIGKILL: no destructor, no flush, like a power cut of the process.
        child.kill().unwrap();
        child.wait().unwrap();

        let (cache, note) = Cache::open(&cache_path).expect("the cache opens after a kill");
        assert!(
            note.is_none(),
            "run {run}: the cache had to be moved aside: {note:?}"
        );
        assert_eq!(cache.integrity_check().unwrap(), "ok", "run {run}");
        let queries = cache.cached_queries().unwrap();
        let mut this_run_complete = true;
        for q in &queries {
            // Everything committed before is still there.
            if let Some(prev) = seen.get(&q.expr) {
                assert!(
                    q.fetched_until >= prev.until,
                    "run {run}: {} went back",
                    q.expr
                );
                assert!(
                    q.samples >= prev.samples,
                    "run {run}: {} lost samples",
                    q.expr
                );
            }
            // The window said to be fetched holds every sample of it, in every series.
            let series = cache
                .read_range(
                    "default",
                    &q.expr,
                    Some(q.step_ms),
                    q.fetched_from,
                    q.fetched_until,
                )
                .unwrap();
            let expected = ((q.fetched_until - q.fetched_from) / q.step_ms + 1) as usize;
            assert_eq!(series.len(), SERIES, "run {run}: {}", q.expr);
            for s in &series {
                assert_eq!(
                    s.samples.len(),
                    expected,
                    "run {run}: {} {:?} is not whole",
                    q.expr,
                    s.labels
                );
            }
            seen.insert(
                q.expr.clone(),
                Seen {
                    until: q.fetched_until,
                    samples: q.samples,
                },
            );
        }
        let this_run = queries
            .iter()
            .filter(|q| q.expr.contains(&format!("run=\"{run}\"")))
            .count();
        // Some of this run's queries committed and some not: the kill landed during ingest.
        if this_run > 0 && this_run < 8 {
            this_run_complete = false;
        } else if this_run == 8 {
            hi = (hi * 2 / 3).max(lo + 20);
        } else {
            lo = (lo * 3 / 2).min(hi.saturating_sub(20)).max(5);
        }
        if !this_run_complete {
            killed_mid_ingest += 1;
        }
    }
    // The kills must really have hit ingest, or the test proves nothing.
    assert!(
        killed_mid_ingest >= 3,
        "only {killed_mid_ingest} of {runs} kills interrupted an ingest; make the work heavier"
    );
    eprintln!(
        "{killed_mid_ingest} of {runs} kills interrupted an ingest; the cache was whole every time"
    );
}
