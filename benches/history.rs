//! History benchmarks (issue #4, figures in BENCHMARKS.md): the cache against a real Prometheus on the
//! same samples, side by side in one run, printed as a markdown table.
//!
//! ```sh
//! cargo bench --bench history                 # defaults: a 30-day month, 3 hours, 5 runs per timing
//! WD_BENCH_DAYS=7 WD_BENCH_HOURS=3 WD_BENCH_RUNS=5 WD_BENCH_BIG=10000000 cargo bench --bench history
//! ```
//!
//! Data: the simulator's own model (`src/bin/vms-sim/model.rs`, compiled into this binary) evaluated
//! every 15 s over the period, i.e. exactly the series and values Prometheus scrapes from `vms-sim`,
//! plus the five series Prometheus adds per target (`up`, `scrape_duration_seconds`...). It is written
//! as OpenMetrics, one file per 2-hour block, turned into TSDB blocks with `promtool tsdb
//! create-blocks-from openmetrics`, and served by `/usr/bin/prometheus` on a free loopback port.
//! The cache is filled from that Prometheus with the engine's own client and `Cache::ingest_range`.
//!
//! Knobs (environment): `WD_BENCH_DAYS` (30), `WD_BENCH_HOURS` (3), `WD_BENCH_RUNS` (5, median of),
//! `WD_BENCH_BIG` (10,000,000 samples for the one-panel drawing test), `WD_BENCH_DIR` (keep the
//! work files there instead of a temp dir), `WD_BENCH_WIDTH` (dashboard width in px, 1600).

#[allow(dead_code, unused_imports)]
#[path = "../src/bin/vms-sim/expo.rs"]
mod expo;
#[allow(dead_code, unused_imports)]
#[path = "../src/bin/vms-sim/history.rs"]
mod history;
#[allow(dead_code, unused_imports)]
#[path = "../src/bin/vms-sim/model.rs"]
mod model;
#[allow(dead_code, unused_imports)]
#[path = "../src/bin/vms-sim/scenario.rs"]
mod scenario;
#[allow(dead_code, unused_imports)]
#[path = "../src/bin/vms-sim/service.rs"]
mod service;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rand::{Rng, SeedableRng};
use watchdesk::cache::Cache;
use watchdesk::config::Settings;
use watchdesk::dashboard::Dashboard;
use watchdesk::plan::PlannedQuery;
use watchdesk::poller::Poller;
use watchdesk::source::prometheus::PrometheusClient;
use watchdesk::source::Site;
use watchdesk::source::{Endpoint, Labels, MetricsSource, RangeSeries, Sample};

const STEP_S: i64 = 15;
const STEP_MS: i64 = STEP_S * 1000;
const SITE: &str = "bench";
const SEED: u64 = 20_250_101;

// ---------------------------------------------------------------------------------------------
// Knobs, report

struct Knobs {
    days: f64,
    hours: f64,
    runs: usize,
    big: usize,
    width: u32,
    dir: Option<PathBuf>,
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .replace('_', "")
            .parse()
            .ok()
            .with_context(|| format!("{name}={v:?} is not a number")),
        Err(_) => Ok(default),
    }
}

impl Knobs {
    fn from_env() -> Result<Knobs> {
        let k = Knobs {
            days: env_num("WD_BENCH_DAYS", 30.0)?,
            hours: env_num("WD_BENCH_HOURS", 3.0)?,
            runs: env_num("WD_BENCH_RUNS", 5usize)?.max(1),
            big: env_num("WD_BENCH_BIG", 10_000_000usize)?.max(10_000),
            width: env_num("WD_BENCH_WIDTH", 1600u32)?.clamp(320, 8000),
            dir: std::env::var_os("WD_BENCH_DIR").map(PathBuf::from),
        };
        if !(k.days > 0.0 && k.hours > 0.0) {
            bail!("WD_BENCH_DAYS and WD_BENCH_HOURS must be positive");
        }
        Ok(k)
    }
}

/// Rows of the final markdown tables, grouped by section.
#[derive(Default)]
struct Report {
    sections: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
    notes: Vec<String>,
}

impl Report {
    fn section(&mut self, title: &str, header: &[&str]) {
        self.sections.push((
            title.to_string(),
            header.iter().map(|s| s.to_string()).collect(),
            Vec::new(),
        ));
    }
    fn row(&mut self, cells: Vec<String>) {
        println!("    {}", cells.join(" | "));
        if let Some(s) = self.sections.last_mut() {
            s.2.push(cells);
        }
    }
    fn print(&self) {
        println!("\n## Results\n");
        let mut sections: Vec<_> = self.sections.iter().collect();
        sections.sort_by(|a, b| a.0.cmp(&b.0));
        for (title, header, rows) in sections {
            println!("### {title}\n");
            println!("| {} |", header.join(" | "));
            println!("|{}|", vec!["---"; header.len()].join("|"));
            for r in rows {
                println!("| {} |", r.join(" | "));
            }
            println!();
        }
        for n in &self.notes {
            println!("- {n}");
        }
    }
}

fn progress(msg: &str) {
    eprintln!("[{}] {msg}", clock());
}

fn clock() -> String {
    let t = watchdesk::time::now_ms() / 1000;
    format!("{:02}:{:02}:{:02}", (t / 3600) % 24, (t / 60) % 60, t % 60)
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn self_peak_rss() -> String {
    status_kib("self", "VmHWM:").map_or("n/a".into(), |k| mib(k * 1024))
}

// ---------------------------------------------------------------------------------------------
// Prometheus

fn require(path: &str, package: &str) -> Result<PathBuf> {
    let p = PathBuf::from(path);
    if p.is_file() {
        return Ok(p);
    }
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
    if let (Some(name), Some(paths)) = (name, std::env::var_os("PATH")) {
        for dir in std::env::split_paths(&paths) {
            if dir.join(&name).is_file() {
                return Ok(dir.join(&name));
            }
        }
    }
    bail!(
        "{path} is not installed: install the Debian package `{package}` \
         (`sudo apt-get install {package}`, or scripts/install-deps.sh), then run the bench again"
    )
}

fn free_port() -> Result<u16> {
    let mut rng = rand::thread_rng();
    for _ in 0..1000 {
        let p = rng.gen_range(20_000..32_000);
        if TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return Ok(p);
        }
    }
    bail!("no free loopback port between 20000 and 32000")
}

struct Prometheus {
    child: Child,
    url: String,
    data: PathBuf,
}

impl Prometheus {
    fn start(bin: &Path, data: &Path, work: &Path, name: &str) -> Result<Prometheus> {
        let port = free_port()?;
        let cfg = work.join(format!("{name}.yml"));
        // No scrape jobs: the TSDB holds exactly the imported blocks.
        std::fs::write(
            &cfg,
            "global:\n  scrape_interval: 15s\nscrape_configs: []\n",
        )?;
        let log = std::fs::File::create(work.join(format!("{name}.log")))?;
        let child = Command::new(bin)
            .args([
                format!("--config.file={}", cfg.display()),
                format!("--storage.tsdb.path={}", data.display()),
                "--storage.tsdb.retention.time=10y".to_string(),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let p = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            data: data.to_path_buf(),
        };
        let t0 = Instant::now();
        loop {
            if http_get(&format!("{}/-/ready", p.url)).is_some() {
                return Ok(p);
            }
            if t0.elapsed() > Duration::from_secs(120) {
                bail!(
                    "Prometheus did not become ready in 120 s; see {}",
                    work.join(format!("{name}.log")).display()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn rss(&self) -> String {
        let pid = self.pid();
        match (status_kib(&pid, "VmRSS:"), status_kib(&pid, "VmHWM:")) {
            (Some(r), Some(h)) => format!("{} (peak {})", mib(r * 1024), mib(h * 1024)),
            _ => "n/a".into(),
        }
    }

    fn metric(&self, name: &str) -> Option<f64> {
        let body = http_get(&format!("{}/metrics", self.url))?;
        body.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }

    /// Waits until the background compaction has run once and the block directory is stable, so that
    /// the TSDB is measured as a long-running Prometheus would hold it.
    fn wait_compacted(&self) -> Result<()> {
        let t0 = Instant::now();
        while self
            .metric("prometheus_tsdb_compactions_triggered_total")
            .unwrap_or(0.0)
            < 1.0
        {
            if t0.elapsed() > Duration::from_secs(300) {
                bail!("Prometheus did not start a compaction within 300 s");
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        let mut last = (usize::MAX, 0u64);
        let mut stable_since = Instant::now();
        loop {
            let now = tsdb_size(&self.data)?;
            let busy = std::fs::read_dir(&self.data)?
                .flatten()
                .any(|e| e.file_name().to_string_lossy().contains(".tmp"));
            let key = (now.blocks, now.bytes);
            if key != last || busy {
                last = key;
                stable_since = Instant::now();
            } else if stable_since.elapsed() > Duration::from_secs(8) {
                return Ok(());
            }
            if t0.elapsed() > Duration::from_secs(900) {
                bail!("Prometheus' compaction did not settle within 900 s");
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(url: &str) -> Option<String> {
    use std::io::Read;
    let rest = url.strip_prefix("http://")?;
    let (hostport, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}")))?;
    let mut s = std::net::TcpStream::connect(hostport).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    if !text.starts_with("HTTP/1.1 200") && !text.starts_with("HTTP/1.0 200") {
        return None;
    }
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

#[derive(Debug, Clone, Copy, Default)]
struct TsdbSize {
    blocks: usize,
    /// chunks/ + index of every block
    bytes: u64,
    /// the whole data directory (WAL, lock, queries.active...)
    dir_bytes: u64,
    samples: u64,
    series_max: u64,
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return std::fs::metadata(p).map_or(0, |m| m.len());
    };
    rd.flatten()
        .map(|e| {
            let path = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => dir_bytes(&path),
                _ => e.metadata().map_or(0, |m| m.len()),
            }
        })
        .sum()
}

fn tsdb_size(data: &Path) -> Result<TsdbSize> {
    let mut s = TsdbSize {
        dir_bytes: dir_bytes(data),
        ..Default::default()
    };
    for e in std::fs::read_dir(data)?.flatten() {
        let meta_path = e.path().join("meta.json");
        let name = e.file_name().to_string_lossy().into_owned();
        if name.contains(".tmp") || !meta_path.is_file() {
            continue;
        }
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&meta_path)?)
                .with_context(|| format!("{} is not JSON", meta_path.display()))?;
        s.blocks += 1;
        s.samples += meta["stats"]["numSamples"].as_u64().unwrap_or(0);
        s.series_max = s
            .series_max
            .max(meta["stats"]["numSeries"].as_u64().unwrap_or(0));
        s.bytes += dir_bytes(&e.path().join("chunks"))
            + std::fs::metadata(e.path().join("index")).map_or(0, |m| m.len());
    }
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Synthetic data: the simulator's model, scraped every 15 s

/// One raw series of the generated data set.
struct SeriesInfo {
    name: String,
    job: String,
}

struct Generated {
    series: Vec<SeriesInfo>,
    samples: u64,
    /// first and last sample time (ms)
    from: i64,
    to: i64,
    elapsed: Duration,
}

/// Generates `[from_s, to_s]` at 15 s into one OpenMetrics file per 2-hour block and converts each
/// into a TSDB block in `data` with promtool (in a second thread, while the next file is written).
fn generate(
    from_s: i64,
    to_s: i64,
    work: &Path,
    data: &Path,
    promtool: &Path,
) -> Result<Generated> {
    let t0 = Instant::now();
    std::fs::create_dir_all(data)?;
    // Two promtool processes: promtool (≈300k samples/s) is slower than the generator.
    let (tx, rx) = std::sync::mpsc::sync_channel::<PathBuf>(2);
    let rx = Arc::new(std::sync::Mutex::new(rx));
    let converters: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            let promtool = promtool.to_path_buf();
            let data_dir = data.to_path_buf();
            std::thread::spawn(move || -> Result<Duration> {
                let mut busy = Duration::ZERO;
                loop {
                    let next = rx.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.recv();
                    let Ok(file) = next else {
                        return Ok(busy);
                    };
                    let tp = Instant::now();
                    let out = Command::new(&promtool)
                        .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
                        .arg(&file)
                        .arg(&data_dir)
                        .output()
                        .with_context(|| format!("cannot run {}", promtool.display()))?;
                    if !out.status.success() {
                        bail!(
                            "promtool failed on {}: {}{}",
                            file.display(),
                            String::from_utf8_lossy(&out.stdout),
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                    std::fs::remove_file(&file)?;
                    busy += tp.elapsed();
                }
            })
        })
        .collect();

    // The simulator's own writer (`vms-sim history`), in UTC, one file per 2-hour block.
    let mut hist = history::History::new(SEED, 0, from_s, |si| format!("127.0.0.1:{}", 9201 + si));
    let samples = history::write_blocks(&mut hist, from_s, to_s, STEP_S, work, |path| {
        tx.send(path)
            .map_err(|_| std::io::Error::other("the promtool thread stopped"))
    })?;
    let series: Vec<SeriesInfo> = hist
        .series
        .iter()
        .map(|(name, job)| SeriesInfo {
            name: name.clone(),
            job: job.clone(),
        })
        .collect();
    let t = from_s + (to_s - from_s).div_euclid(STEP_S) * STEP_S + STEP_S;
    drop(tx);
    let gen_done = t0.elapsed();
    let mut promtool_busy = Duration::ZERO;
    for c in converters {
        promtool_busy += c
            .join()
            .map_err(|_| anyhow::anyhow!("a promtool thread panicked"))??;
    }
    progress(&format!(
        "generation {:.1} s (promtool busy {:.1} s), promtool done {:.1} s later",
        gen_done.as_secs_f64(),
        promtool_busy.as_secs_f64(),
        (t0.elapsed() - gen_done).as_secs_f64()
    ));
    Ok(Generated {
        series,
        samples,
        from: from_s * 1000,
        to: (t - STEP_S) * 1000,
        elapsed: t0.elapsed(),
    })
}

// ---------------------------------------------------------------------------------------------
// Cache side

fn client(url: &str) -> Result<Arc<PrometheusClient>> {
    let mut ep = Endpoint::new(url);
    ep.timeout = Duration::from_secs(300);
    ep.max_body_bytes = 1 << 30;
    Ok(Arc::new(PrometheusClient::new(ep)?))
}

struct RawIngest {
    samples: u64,
    fetch: Duration,
    ingest: Duration,
    chunk_bytes: u64,
    file_bytes: u64,
    parts: Vec<(String, u64)>,
    series: u64,
    queries: u64,
    ingests: u64,
}

/// `[from, to]` on the `step` grid in windows of at most 11,000 points, oldest first.
fn pieces(from: i64, to: i64, step: i64) -> Vec<(i64, i64)> {
    let per = watchdesk::source::prometheus::MAX_POINTS_PER_QUERY;
    let mut out = Vec::new();
    let mut a = from;
    while a <= to {
        let b = (a + (per - 1) * step).min(to);
        out.push((a, b));
        a = b + step;
    }
    out
}

fn label_escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Fetches every raw series back from Prometheus at step 15 s (one query per metric name and job)
/// and ingests each answer into a fresh cache file; times the ingest alone.
fn fetch_and_ingest_raw(
    rt: &tokio::runtime::Runtime,
    prom: &PrometheusClient,
    gen: &Generated,
    cache_path: &Path,
) -> Result<RawIngest> {
    let (cache, _) = Cache::open(cache_path)?;
    let mut groups: BTreeMap<(&str, &str), ()> = BTreeMap::new();
    for s in &gen.series {
        groups.insert((&s.name, &s.job), ());
    }
    let mut r = RawIngest {
        samples: 0,
        fetch: Duration::ZERO,
        ingest: Duration::ZERO,
        chunk_bytes: 0,
        file_bytes: 0,
        parts: Vec::new(),
        series: gen.series.len() as u64,
        queries: 0,
        ingests: 0,
    };
    for (name, job) in groups.keys() {
        let expr = format!(
            "{{__name__=\"{}\",job=\"{}\"}}",
            label_escape(name),
            label_escape(job)
        );
        // Pieces of at most 11,000 points per series, oldest first, as the poller backfills.
        for (a, b) in pieces(gen.from, gen.to, STEP_MS) {
            let t0 = Instant::now();
            let answer = rt
                .block_on(prom.query_range(&expr, a, b, STEP_MS))
                .with_context(|| format!("query_range {expr}"))?;
            r.fetch += t0.elapsed();
            let t1 = Instant::now();
            let stats = cache.ingest_range(SITE, &expr, STEP_MS, (a, b), &answer.data)?;
            r.ingest += t1.elapsed();
            r.samples += stats.samples as u64;
            r.ingests += 1;
        }
        r.queries += 1;
    }
    let st = cache.stats()?;
    r.chunk_bytes = st.chunk_bytes;
    drop(cache);
    (r.file_bytes, r.parts) = checkpointed_size(cache_path)?;
    Ok(r)
}

struct Live {
    rounds: usize,
    calls: usize,
    samples: u64,
    time: Duration,
}

/// The live path: the dashboard's queries over the hours data set, fetched once, then ingested as
/// the poller would receive them every 30 s (appending to open chunks and tiers), oldest first.
fn live_ingest(
    rt: &tokio::runtime::Runtime,
    prom: &PrometheusClient,
    exprs: &std::collections::BTreeSet<(String, i64)>,
    gen: &Generated,
    cache_path: &Path,
) -> Result<Live> {
    let (cache, _) = Cache::open(cache_path)?;
    let mut answers = Vec::new();
    for (expr, step) in exprs {
        let a = gen.from + (-gen.from).rem_euclid(*step);
        let b = gen.to - gen.to.rem_euclid(*step);
        let ans = rt
            .block_on(prom.query_range(expr, a, b, *step))
            .with_context(|| format!("query_range {expr}"))?;
        answers.push((expr, *step, ans.data));
    }
    let round_ms = 30_000;
    let mut live = Live {
        rounds: 0,
        calls: 0,
        samples: 0,
        time: Duration::ZERO,
    };
    let mut a = gen.from - gen.from.rem_euclid(round_ms);
    while a <= gen.to {
        let b = a + round_ms - 1;
        let mut batch = Vec::new();
        for (expr, step, series) in &answers {
            let slice: Vec<RangeSeries> = series
                .iter()
                .map(|s| RangeSeries {
                    labels: s.labels.clone(),
                    samples: s
                        .samples
                        .iter()
                        .filter(|x| x.t >= a && x.t <= b)
                        .copied()
                        .collect(),
                })
                .collect();
            batch.push((expr, *step, slice));
        }
        let t0 = Instant::now();
        for (expr, step, slice) in &batch {
            live.samples += cache
                .ingest_range(SITE, expr, *step, (a, b), slice)?
                .samples as u64;
            live.calls += 1;
        }
        live.time += t0.elapsed();
        live.rounds += 1;
        a += round_ms;
    }
    Ok(live)
}

/// Checkpoints the WAL into the main file (as a closed, idle cache is) and returns the file size and
/// the bytes per table/index (SQLite's dbstat), largest first.
fn checkpointed_size(p: &Path) -> Result<(u64, Vec<(String, u64)>)> {
    let conn = rusqlite::Connection::open(p)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let mut parts = Vec::new();
    if let Ok(mut st) =
        conn.prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
    {
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for r in rows.flatten() {
            parts.push((r.0, r.1.max(0) as u64));
        }
    }
    drop(conn);
    Ok((file_and_wal(p), parts))
}

fn breakdown(parts: &[(String, u64)], total: u64) -> String {
    parts
        .iter()
        .filter(|(_, b)| *b * 50 >= total)
        .map(|(n, b)| format!("{n} {:.0} %", *b as f64 * 100.0 / total.max(1) as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

fn file_and_wal(p: &Path) -> u64 {
    let mut wal = p.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(p).map_or(0, |m| m.len())
        + std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len())
}

fn bench_settings(backfill_ms: i64) -> Result<Settings> {
    let cfg = watchdesk::config::Config::from_toml(
        "step = \"15s\"\nscrape_interval = \"15s\"\n",
        None,
        &watchdesk::config::Overrides::default(),
    )
    .map_err(|e| anyhow::anyhow!("bench config: {e}"))?;
    Ok(Settings {
        step_ms: STEP_MS,
        scrape_interval_ms: STEP_MS,
        backfill_ms,
        max_concurrency: 2,
        ..Settings::from_config(&cfg)
    })
}

fn load_dashboard() -> Result<Dashboard> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/dashboards/rta-overview.json");
    let (d, _) = watchdesk::dashboard::load(&path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(d)
}

fn grafana_step_ms(range_ms: i64) -> i64 {
    let s = (range_ms + 999_999) / 1_000_000; // range/1000 in seconds, rounded up
    s.max(STEP_S) * 1000
}

// ---------------------------------------------------------------------------------------------
// main

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and a
    // test run must not start a 7-minute benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        println!("history bench: not run (start it with `cargo bench --bench history`)");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("history bench failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let knobs = Knobs::from_env()?;
    let prometheus = require("/usr/bin/prometheus", "prometheus")?;
    let promtool = require("/usr/bin/promtool", "prometheus")?;
    let tmp;
    let work = match &knobs.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile::Builder::new().prefix("wd-bench-").tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut report = Report::default();
    let version = Command::new(&prometheus)
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    println!(
        "# Watchdesk history bench: {} days + {} hours at 15 s, {} runs, {} samples in the big panel; {version}; work dir {}",
        knobs.days,
        knobs.hours,
        knobs.runs,
        thousands(knobs.big as u64),
        work.display()
    );

    let now_s = watchdesk::time::now_ms() / 1000;
    let end_s = now_s - now_s.rem_euclid(STEP_S);
    let month_span_s = (knobs.days * 86_400.0) as i64;
    let hours_span_s = (knobs.hours * 3600.0) as i64;

    // --- 1a: the synthetic month -------------------------------------------------------------
    progress(&format!(
        "generating {} days of the simulator's series and converting them with promtool",
        knobs.days
    ));
    let month_data = work.join("prom-month");
    let month = generate(
        end_s - month_span_s + STEP_S,
        end_s,
        &work,
        &month_data,
        &promtool,
    )?;
    progress(&format!(
        "{} series, {} samples in {:.0} s",
        month.series.len(),
        thousands(month.samples),
        month.elapsed.as_secs_f64()
    ));
    let imported = tsdb_size(&month_data)?;
    let prom = Prometheus::start(&prometheus, &month_data, &work, "prometheus-month")?;
    progress("Prometheus is up; waiting for its first compaction of the imported 2 h blocks");
    prom.wait_compacted()?;
    let compacted = tsdb_size(&month_data)?;
    progress(&format!("compacted: {} blocks", compacted.blocks));
    let pclient = client(&prom.url)?;
    progress("fetching the raw series back at step 15 s and ingesting them into the cache");
    let raw = fetch_and_ingest_raw(&rt, &pclient, &month, &work.join("raw-month.db"))?;

    report.section(
        "1. Bytes per sample, same samples",
        &["data set", "store", "samples", "bytes", "bytes/sample"],
    );
    let label_month = format!(
        "{} days, {} series (synthetic, simulator model)",
        knobs.days,
        month.series.len()
    );
    let bps = |b: u64, n: u64| format!("{:.3}", b as f64 / n.max(1) as f64);
    report.row(vec![
        label_month.clone(),
        format!(
            "Prometheus TSDB, {} blocks after compaction (chunks + index)",
            compacted.blocks
        ),
        thousands(compacted.samples),
        thousands(compacted.bytes),
        bps(compacted.bytes, compacted.samples),
    ]);
    report.row(vec![
        label_month.clone(),
        format!(
            "Prometheus TSDB as imported, {} blocks of 2 h (chunks + index)",
            imported.blocks
        ),
        thousands(imported.samples),
        thousands(imported.bytes),
        bps(imported.bytes, imported.samples),
    ]);
    report.row(vec![
        label_month.clone(),
        "Prometheus data directory after compaction (blocks + WAL + everything)".into(),
        thousands(compacted.samples),
        thousands(compacted.dir_bytes),
        bps(compacted.dir_bytes, compacted.samples),
    ]);
    report.row(vec![
        label_month.clone(),
        "Watchdesk cache, chunk data only".into(),
        thousands(raw.samples),
        thousands(raw.chunk_bytes),
        bps(raw.chunk_bytes, raw.samples),
    ]);
    report.row(vec![
        label_month.clone(),
        format!(
            "Watchdesk cache, whole SQLite file ({})",
            breakdown(&raw.parts, raw.file_bytes)
        ),
        thousands(raw.samples),
        thousands(raw.file_bytes),
        bps(raw.file_bytes, raw.samples),
    ]);
    if raw.samples != compacted.samples {
        report.notes.push(format!(
            "sample counts differ: TSDB {} vs cache {} (query_range at step 15 s should return every sample)",
            compacted.samples, raw.samples
        ));
    }
    let month_prom_rss = prom.rss();

    // --- 3 + 5: the rta-overview dashboard over the month ---------------------------------------
    progress("polling the rta-overview dashboard's query plan over the month into a second cache");
    let dash = Arc::new(load_dashboard()?);
    let dash_path = work.join("dashboard-month.db");
    let (dcache, _) = Cache::open(&dash_path)?;
    let dcache = Arc::new(dcache);
    let settings = bench_settings(month_span_s * 1000)?;
    let site = Arc::new(Site {
        name: SITE.to_string(),
        prometheus: pclient.clone(),
        alertmanagers: Vec::new(),
        loki: None,
    });
    let poller = Poller::new(
        settings.clone(),
        dcache.clone(),
        vec![site.clone()],
        vec![dash.clone()],
    );
    // The poller's plan (variables resolved against Prometheus, stored in the cache), then every
    // planned query fetched over the whole period in 11,000-point pieces and ingested, as its
    // backfill does.
    let plan: Vec<PlannedQuery> = rt.block_on(poller.plan_site(&site));
    if watchdesk::plan::load(&dcache, SITE, &dash).is_none() {
        bail!("the poller stored no query plan");
    }
    let distinct: std::collections::BTreeSet<(String, i64)> =
        plan.iter().map(|q| (q.expr.clone(), q.step_ms)).collect();
    let t0 = Instant::now();
    let mut dash_samples = 0u64;
    let mut dash_ingest = Duration::ZERO;
    for (expr, step) in &distinct {
        let end = end_s * 1000 - (end_s * 1000).rem_euclid(*step);
        let start = end - month_span_s * 1000 + step;
        for (a, b) in pieces(start, end, *step) {
            let answer = rt
                .block_on(pclient.query_range(expr, a, b, *step))
                .with_context(|| format!("query_range {expr}"))?;
            let t1 = Instant::now();
            dash_samples += dcache
                .ingest_range(SITE, expr, *step, (a, b), &answer.data)?
                .samples as u64;
            dash_ingest += t1.elapsed();
        }
    }
    let poll_time = t0.elapsed();
    progress(&format!(
        "{} queries, {} samples in {:.1} s",
        distinct.len(),
        thousands(dash_samples),
        poll_time.as_secs_f64()
    ));

    report.section(
        "3. Drawing every rta-overview panel vs Prometheus answering the same query_range requests",
        &[
            "range",
            "Prometheus step",
            "Prometheus: HTTP answer received",
            "Prometheus: answer parsed by the engine's client",
            "cache: all panels read + drawn (SVG)",
            "points drawn from cache",
            "cache faster by",
        ],
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    let end_ms = end_s * 1000;
    let ranges: Vec<(&str, i64)> = [
        ("1 h", 3_600_000i64),
        ("24 h", 86_400_000),
        ("7 d", 7 * 86_400_000),
        ("30 d", 30 * 86_400_000),
    ]
    .into_iter()
    .filter(|(_, r)| *r <= month_span_s * 1000)
    .collect();
    for (label, range) in &ranges {
        let from = end_ms - range;
        let step = grafana_step_ms(*range);
        let start = from - from.rem_euclid(step);
        let exprs: Vec<&str> = plan.iter().map(|q| q.expr.as_str()).collect();
        let mut t_http = Vec::new();
        let mut t_client = Vec::new();
        let mut t_cache = Vec::new();
        let mut points = 0usize;
        for run in 0..=knobs.runs {
            // run 0 warms caches (page cache, SQLite, Prometheus' postings) and is not counted
            let t0 = Instant::now();
            for e in &exprs {
                let form = [
                    ("query", e.to_string()),
                    ("start", watchdesk::source::prometheus::fmt_secs(start)),
                    ("end", watchdesk::source::prometheus::fmt_secs(end_ms)),
                    ("step", watchdesk::source::prometheus::fmt_secs(step)),
                ];
                let body = rt.block_on(async {
                    let r = http
                        .post(format!("{}/api/v1/query_range", prom.url))
                        .form(&form)
                        .send()
                        .await?;
                    let status = r.status();
                    let b = r.bytes().await?;
                    Ok::<_, reqwest::Error>((status, b))
                })?;
                if !body.0.is_success() {
                    bail!(
                        "Prometheus answered {} to {e}: {}",
                        body.0,
                        String::from_utf8_lossy(&body.1)
                    );
                }
            }
            let d_http = t0.elapsed();
            let t0 = Instant::now();
            for e in &exprs {
                rt.block_on(pclient.query_range(e, start, end_ms, step))
                    .with_context(|| format!("query_range {e}"))?;
            }
            let d_client = t0.elapsed();
            let t0 = Instant::now();
            let mut pts = 0usize;
            for panel in &dash.panels {
                let (w, h) = watchdesk::view::panel_size(panel, knobs.width);
                let spec = watchdesk::view::panel_spec(
                    &dcache, SITE, &dash, panel, &plan, from, end_ms, w, h, end_ms,
                );
                pts += spec.series.iter().map(|s| s.points.len()).sum::<usize>();
                let svg = watchdesk::chart::render_svg(&spec);
                std::hint::black_box(svg);
            }
            let d_cache = t0.elapsed();
            points = pts;
            if run > 0 {
                t_http.push(d_http);
                t_client.push(d_client);
                t_cache.push(d_cache);
            }
        }
        let (h, c, k) = (median(t_http), median(t_client), median(t_cache));
        report.row(vec![
            label.to_string(),
            format!("{} s", step / 1000),
            ms(h),
            ms(c),
            ms(k),
            thousands(points as u64),
            format!("{:.1}×", h.as_secs_f64() / k.as_secs_f64().max(1e-9)),
        ]);
    }
    report.notes.push(format!(
        "section 3: {} panels, {} planned queries (the poller's plan: $__rate_interval for a 15 s step), \
         run one after another; median of {} runs after one warm-up run. Prometheus gets the very \
         expressions the cache holds, at the step Grafana would use for a ~1000 px panel.",
        dash.panels.len(),
        plan.len(),
        knobs.runs
    ));
    let month_prom_rss_after = prom.rss();
    drop(prom);
    let dstats = dcache.stats()?;
    let (dfile, dparts) = checkpointed_size(&dash_path)?;
    // What a console keeps of that month in steady state: the configured retention (raw samples for
    // a while, then the downsampled tiers), as the poller's housekeeping enforces it.
    let pruned = dcache.enforce_retention(&settings.retention, end_ms)?;
    let dstats_kept = dcache.stats()?;
    drop(poller);
    drop(dcache);
    let (dfile_kept, dparts_kept) = checkpointed_size(&dash_path)?;

    // --- 1b: a few hours ---------------------------------------------------------------------
    progress(&format!(
        "generating {} hours and importing them",
        knobs.hours
    ));
    let hours_data = work.join("prom-hours");
    let hours = generate(
        end_s - hours_span_s + STEP_S,
        end_s,
        &work,
        &hours_data,
        &promtool,
    )?;
    let hours_tsdb = tsdb_size(&hours_data)?;
    let prom = Prometheus::start(&prometheus, &hours_data, &work, "prometheus-hours")?;
    let hclient = client(&prom.url)?;
    let hraw = fetch_and_ingest_raw(&rt, &hclient, &hours, &work.join("raw-hours.db"))?;
    let live = live_ingest(
        &rt,
        &hclient,
        &distinct,
        &hours,
        &work.join("live-hours.db"),
    )?;
    drop(prom);
    // back in section 1
    let label_hours = format!(
        "{} hours, {} series (synthetic, simulator model)",
        knobs.hours,
        hours.series.len()
    );
    let rows = vec![
        vec![
            label_hours.clone(),
            format!(
                "Prometheus TSDB, {} blocks of 2 h (chunks + index)",
                hours_tsdb.blocks
            ),
            thousands(hours_tsdb.samples),
            thousands(hours_tsdb.bytes),
            bps(hours_tsdb.bytes, hours_tsdb.samples),
        ],
        vec![
            label_hours.clone(),
            "Watchdesk cache, chunk data only".into(),
            thousands(hraw.samples),
            thousands(hraw.chunk_bytes),
            bps(hraw.chunk_bytes, hraw.samples),
        ],
        vec![
            label_hours,
            format!(
                "Watchdesk cache, whole SQLite file ({})",
                breakdown(&hraw.parts, hraw.file_bytes)
            ),
            thousands(hraw.samples),
            thousands(hraw.file_bytes),
            bps(hraw.file_bytes, hraw.samples),
        ],
    ];
    for r in rows {
        println!("    {}", r.join(" | "));
        report.sections[0].2.push(r);
    }

    // --- 2: ingest throughput ------------------------------------------------------------------
    report.section(
        "2. Ingest into the cache",
        &["what", "samples", "time", "samples/s"],
    );
    for (what, r) in [("month", &raw), ("hours", &hraw)] {
        report.row(vec![
            format!(
                "{what}, raw series: {} series in {} queries, {} ingest_range calls of ≤ 11,000 points per series, fresh cache",
                r.series, r.queries, r.ingests
            ),
            thousands(r.samples),
            ms(r.ingest),
            thousands((r.samples as f64 / r.ingest.as_secs_f64().max(1e-9)) as u64),
        ]);
    }
    report.row(vec![
        format!(
            "month, rta-overview queries ({} distinct, {} series), same pieces",
            distinct.len(),
            dstats.series
        ),
        thousands(dash_samples),
        ms(dash_ingest),
        thousands((dash_samples as f64 / dash_ingest.as_secs_f64().max(1e-9)) as u64),
    ]);
    report.row(vec![
        format!(
            "live polling: {} rounds of 30 s (≈2 samples per series per query), {} rta-overview queries per round, {} ingest_range calls; {:.2} ms per round",
            live.rounds,
            distinct.len(),
            live.calls,
            live.time.as_secs_f64() * 1000.0 / live.rounds.max(1) as f64
        ),
        thousands(live.samples),
        ms(live.time),
        thousands((live.samples as f64 / live.time.as_secs_f64().max(1e-9)) as u64),
    ]);
    report.row(vec![
        "for comparison: fetching the raw month from Prometheus (query_range + JSON parse by the engine's client)".into(),
        thousands(raw.samples),
        ms(raw.fetch),
        thousands((raw.samples as f64 / raw.fetch.as_secs_f64().max(1e-9)) as u64),
    ]);

    // --- 4: one panel, 10 thousand vs 10 million samples --------------------------------------
    progress("one time-series panel: 10 thousand vs many samples in range");
    report.section(
        "4. One time-series panel (10 series), same 30-day range, read + drawn from the cache",
        &[
            "samples in range",
            "step",
            "read + draw (median)",
            "points handed to the chart",
        ],
    );
    big_panel(&knobs, &work, &mut report)?;

    // --- 5: cache size ------------------------------------------------------------------------
    report.section(
        "5. Cache size for the rta-overview dashboard",
        &["what", "value"],
    );
    report.row(vec![
        format!(
            "{} days of every rta-overview query at 15 s (fetched as the poller's backfill does)",
            knobs.days
        ),
        format!(
            "{} file ({} queries, {} series, {} samples, chunk data {}; {})",
            mib(dfile),
            dstats.queries,
            dstats.series,
            thousands(dstats.samples),
            mib(dstats.chunk_bytes),
            breakdown(&dparts, dfile)
        ),
    ]);
    report.row(vec![
        "bytes per sample of that file".into(),
        format!(
            "{:.2} (chunk data alone {:.2})",
            dfile as f64 / dstats.samples.max(1) as f64,
            dstats.chunk_bytes as f64 / dstats.samples.max(1) as f64
        ),
    ]);
    report.row(vec![
        format!(
            "after enforcing the default retention (raw {} d, tiers {} d / {} d): removed {} chunks, {} rollup blocks",
            settings.retention.raw_ms / 86_400_000,
            settings.retention.tier_ms[0] / 86_400_000,
            settings.retention.tier_ms[1] / 86_400_000,
            pruned.chunks,
            pruned.rollups
        ),
        format!(
            "{} in use, file {} (new cache files give freed pages back: auto_vacuum = incremental); {} raw samples left; {}",
            mib(pruned.used_bytes),
            mib(dfile_kept),
            thousands(dstats_kept.samples),
            breakdown(&dparts_kept, dfile_kept)
        ),
    ]);
    report.row(vec![
        "fetching and ingesting the whole month of the dashboard".into(),
        ms(poll_time),
    ]);

    report.section("Memory", &["process", "RSS"]);
    report.row(vec!["bench process, peak (VmHWM)".into(), self_peak_rss()]);
    report.row(vec![
        "Prometheus (month), after compaction".into(),
        month_prom_rss,
    ]);
    report.row(vec![
        "Prometheus (month), after the draw comparison".into(),
        month_prom_rss_after,
    ]);
    report.print();
    Ok(())
}

/// Section 4: the same panel over the same range with 10 thousand and `knobs.big` samples.
fn big_panel(knobs: &Knobs, work: &Path, report: &mut Report) -> Result<()> {
    let series = 10usize;
    let range_ms: i64 = 30 * 86_400_000;
    let path = work.join("big-panel.db");
    let (cache, _) = Cache::open(&path)?;
    let json = r#"{"uid":"bench-big","title":"bench","panels":[
      {"id":1,"type":"timeseries","title":"10k","gridPos":{"x":0,"y":0,"w":12,"h":8},
       "targets":[{"refId":"A","expr":"bench_small","legendFormat":"{{i}}"}]},
      {"id":2,"type":"timeseries","title":"big","gridPos":{"x":0,"y":8,"w":12,"h":8},
       "targets":[{"refId":"A","expr":"bench_big","legendFormat":"{{i}}"}]}]}"#;
    let dpath = work.join("big-panel.json");
    std::fs::write(&dpath, json)?;
    let (dash, _) = watchdesk::dashboard::load(&dpath).map_err(|e| anyhow::anyhow!("{e}"))?;
    let end = (watchdesk::time::now_ms() / 60_000) * 60_000;
    let from = end - range_ms;
    let mut plan = Vec::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for (panel_id, expr, total) in [
        (1i64, "bench_small", 10_000usize),
        (2, "bench_big", knobs.big),
    ] {
        let per = total / series;
        let step = (range_ms / per as i64).max(1);
        plan.push(PlannedQuery {
            panel_id,
            ref_id: "A".into(),
            expr: expr.into(),
            legend: "{{i}}".into(),
            step_ms: step,
        });
        // Ingest in pieces of 11,000 points per series, as the poller does when it backfills.
        let mut done = 0usize;
        let mut state: Vec<f64> = vec![0.0; series];
        while done < per {
            let n = (per - done).min(11_000);
            let data: Vec<RangeSeries> = (0..series)
                .map(|i| {
                    let mut labels = Labels::new();
                    labels.insert("i".into(), format!("s{i}"));
                    let samples = (done..done + n)
                        .map(|k| {
                            let t = end - (per - 1 - k) as i64 * step;
                            let v = if i % 2 == 0 {
                                state[i] += rng.gen_range(0.0..50.0f64).floor();
                                state[i]
                            } else {
                                (((k as f64 / 500.0).sin() * 40.0 + 50.0 + rng.gen::<f64>() * 5.0)
                                    * 100.0)
                                    .round()
                                    / 100.0
                            };
                            Sample { t, v }
                        })
                        .collect();
                    RangeSeries { labels, samples }
                })
                .collect();
            let a = end - (per - 1 - done) as i64 * step;
            let b = end - (per - done - n) as i64 * step;
            cache.ingest_range(SITE, expr, step, (a, b), &data)?;
            done += n;
        }
    }
    watchdesk::plan::store(&cache, SITE, &dash, &plan, watchdesk::time::now_ms())?;
    let settings = bench_settings(range_ms)?;
    for (panel_id, total) in [(1i64, 10_000usize), (2, knobs.big)] {
        let panel = dash.panel(panel_id).context("panel")?;
        let (w, h) = watchdesk::view::panel_size(panel, knobs.width);
        let mut times = Vec::new();
        let mut points = 0;
        for run in 0..=knobs.runs {
            let t0 = Instant::now();
            let r = watchdesk::view::render_panel(
                &cache, SITE, &dash, panel_id, from, end, w, h, end, &settings, true,
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            let d = t0.elapsed();
            std::hint::black_box(r);
            if run > 0 {
                times.push(d);
            }
        }
        let spec =
            watchdesk::view::panel_spec(&cache, SITE, &dash, panel, &plan, from, end, w, h, end);
        points += spec.series.iter().map(|s| s.points.len()).sum::<usize>();
        report.row(vec![
            thousands(total as u64),
            format!(
                "{:.3} s",
                (range_ms / (total / series) as i64) as f64 / 1000.0
            ),
            ms(median(times)),
            thousands(points as u64),
        ]);
    }
    Ok(())
}
