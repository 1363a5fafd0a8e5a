//! The release figures of BENCHMARKS.md, on the release build that scripts/package.sh made (one
//! build for the packages and the figures); scripts/test.sh runs this with `--ignored` under
//! scripts/with-desktop.sh. It asserts what was drawn, never how fast: the figures are printed
//! (and written to target/release-figures.md).
//!
//! - the reference stack as `scripts/demo.sh` starts it (`deploy/run-stack.sh`, a day of simulated
//!   history imported), polled once into a cache by the release command line (a warm cache);
//! - cold start: the release app launched by WebDriver, until the RTA overview's panels are drawn
//!   (from the launch, and from the app's own process start);
//! - idle memory (RSS and PSS, the app and its WebKit processes) against an empty Tauri 2 window
//!   (`examples/empty_window.rs`) on the same display;
//! - package sizes.

#![cfg(target_os = "linux")]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::app::DRAWN_PANELS;
use common::procs;
use common::webdriver::Driver;
use common::{free_port, require_bin, wait_for};

fn release(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("target"));
    let p = target.join("release").join(name);
    assert!(
        p.is_file(),
        "{} is not built: run scripts/package.sh first (its release build includes the \
         empty-window example; scripts/test.sh does it)",
        p.display()
    );
    p
}

/// deploy/run-stack.sh on free ports in its own process group, stopped when dropped.
struct RunStack {
    child: Child,
    prom: u16,
    am: u16,
    import_line: String,
}

impl RunStack {
    fn start(dir: &Path) -> RunStack {
        use std::os::unix::process::CommandExt;
        let (prom, am, node, sim) = (free_port(), free_port(), free_port(), free_port());
        let mut child = Command::new("bash")
            .arg(common::repo().join("deploy/run-stack.sh"))
            .env("PROM_PORT", prom.to_string())
            .env("AM_PORT", am.to_string())
            .env("NODE_PORT", node.to_string())
            .env("SIM_BASE_PORT", sim.to_string())
            .env("STACK_DIR", dir)
            .env("VMS_SIM", release("vms-sim"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("start deploy/run-stack.sh");
        // Its output is read to the end (a closed pipe would stop the script), echoed to stderr.
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                eprintln!("{line}");
                let _ = tx.send(line);
            }
        });
        let mut import_line = String::new();
        for line in rx.iter() {
            if line.contains("simulated history") {
                import_line = line.clone();
            }
            if line.starts_with("run-stack: ready") {
                break;
            }
        }
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "deploy/run-stack.sh stopped before it was ready (logs in {})",
            dir.display()
        );
        RunStack {
            child,
            prom,
            am,
            import_line,
        }
    }
}

impl Drop for RunStack {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// (RSS, PSS) in KiB of a process and all its descendants, from /proc, and each process's
/// `name PSS` for the notes.
fn memory_of_tree(root: u32) -> (u64, u64, String) {
    let (mut rss, mut pss, mut each) = (0, 0, Vec::new());
    for pid in procs::tree(root) {
        let field = procs::smaps(pid);
        rss += field("Rss:");
        pss += field("Pss:");
        each.push(format!("{} {}", procs::name(pid), mib(field("Pss:"))));
    }
    each.sort();
    (rss, pss, each.join(", "))
}

/// Waits (at most 30 s, then SIGKILL) until no process runs `exe`.
fn wait_until_gone(exe: &Path) {
    let t0 = Instant::now();
    while !procs::running(exe).is_empty() {
        if t0.elapsed() > Duration::from_secs(30) {
            for pid in procs::running(exe) {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
            std::thread::sleep(Duration::from_secs(1));
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A WebDriver session on `app`, retried once after the previous app is gone: under load a session
/// can time out (CI once waited 60 s for one). A figure is then missing, never a failed run.
fn session_on(app: &Path, args: &[String], log: &Path) -> Option<Driver> {
    for attempt in 0..2 {
        match Driver::try_start(app, args, log) {
            Ok(d) => return Some(d),
            Err(e) => {
                eprintln!("launch attempt {attempt}: {e}");
                let _ = Command::new("pkill")
                    .args(["-f", &app.display().to_string()])
                    .status();
                wait_until_gone(app);
            }
        }
    }
    None
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// Idle memory of a program: started, left 30 s to draw and settle, then read three times 5 s
/// apart (the last is reported).
fn idle_memory(bin: &Path, args: &[String], log: &Path) -> (u64, u64, String) {
    let mut app = common::app::App::start(&bin.display().to_string(), args, log);
    std::thread::sleep(Duration::from_secs(30));
    let mut m = (0, 0, String::new());
    for _ in 0..3 {
        assert!(
            app.alive(),
            "{} exited; log {}",
            bin.display(),
            log.display()
        );
        m = memory_of_tree(app.pid());
        std::thread::sleep(Duration::from_secs(5));
    }
    m
}

#[test]
#[ignore = "needs the release build of scripts/package.sh and a display: scripts/test.sh runs it"]
fn release_figures() {
    common::app::require_desktop();
    require_bin("promtool", "prometheus");
    let app = release("watchdesk-app");
    let cli = release("watchdesk");
    let empty = release("examples/empty_window");
    let work = tempfile::tempdir().expect("temp dir");
    // The release app's own files (window state, WebKit data) go to a home of its own.
    std::env::set_var("HOME", work.path());
    for v in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"] {
        std::env::remove_var(v);
    }
    let mut report = String::new();

    // The demo's stack, with its day of history; the cache filled by one poll.
    let stack_dir = work.path().join("stack");
    let t0 = Instant::now();
    let stack = RunStack::start(&stack_dir);
    let stack_ready = t0.elapsed();
    let cache = work.path().join("cache.db");
    let prom = format!("http://127.0.0.1:{}", stack.prom);
    let am = format!("http://127.0.0.1:{}", stack.am);
    let t1 = Instant::now();
    wait_for(
        "a first poll of the stack",
        Duration::from_secs(120),
        || {
            let out = Command::new(&cli)
                .args(["--prometheus", &prom, "--alertmanager", &am, "--cache"])
                .arg(&cache)
                .args(["poll", "--once"])
                .env("RUST_LOG", "warn")
                .output()
                .ok()?;
            out.status.success().then_some(())
        },
    );
    let polled = t1.elapsed();
    writeln!(
        report,
        "| reference stack (deploy/run-stack.sh) ready, history import included | {:.1} s | {} |",
        stack_ready.as_secs_f64(),
        stack.import_line.trim_start_matches("run-stack: ")
    )
    .unwrap();
    writeln!(
        report,
        "| first `watchdesk poll --once` (24 h backfilled into an empty cache) | {:.1} s | |",
        polled.as_secs_f64()
    )
    .unwrap();
    let args = vec![
        "--prometheus".to_string(),
        prom.clone(),
        "--alertmanager".into(),
        am.clone(),
        "--cache".into(),
        cache.display().to_string(),
    ];

    // Cold start from the warm cache: one warm-up run, then the median of three.
    let mut launch = Vec::new();
    let mut in_page = Vec::new();
    let mut in_process = Vec::new();
    for run in 0..4 {
        let t = Instant::now();
        let Some(driver) = session_on(&app, &args, &work.path().join(format!("driver{run}.log")))
        else {
            continue;
        };
        let session = t.elapsed();
        // The app's own process start, read while it runs: launch to drawn without the time
        // WebKitWebDriver takes to start before it starts the app.
        let launched = procs::tree(driver.pid());
        let app_started = procs::running(&app)
            .into_iter()
            .find(|p| launched.contains(p))
            .and_then(procs::started);
        let (drawn, page_ms, drawn_at) = loop {
            let v = driver.exec(&format!(
                "const n = (function(){{ {DRAWN_PANELS} }})(); \
                 return n >= 10 ? [performance.now(), performance.timeOrigin + performance.now()] : 0"
            ));
            let page_ms = v[0].as_f64().unwrap_or(0.0);
            if page_ms > 0.0 {
                break (t.elapsed(), page_ms, v[1].as_f64().unwrap_or(0.0));
            }
            assert!(
                t.elapsed() < Duration::from_secs(90),
                "the RTA overview was not drawn within 90 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let from_process = app_started
            .map(|st| drawn_at - st.as_secs_f64() * 1000.0)
            .filter(|ms| *ms > 0.0);
        eprintln!(
            "cold start run {run}: WebDriver session {} ms, 10 panels drawn {} ms after launch, {} ms after the app's process started, {page_ms:.0} ms after the page's start",
            session.as_millis(),
            drawn.as_millis(),
            from_process.map_or("?".to_string(), |ms| format!("{ms:.0}"))
        );
        if run > 0 {
            launch.push(drawn);
            in_page.push(page_ms);
            if let Some(ms) = from_process {
                in_process.push(ms);
            }
        }
        // The next launch must not find this one still closing: the single-instance plugin would
        // hand it over and exit, and the new WebDriver session would wait for a window forever.
        drop(driver);
        wait_until_gone(&app);
    }
    launch.sort();
    in_page.sort_by(|a, b| a.total_cmp(b));
    let mid = launch.len() / 2;
    match (launch.get(mid), in_page.get(mid)) {
        (Some(l), Some(p)) => writeln!(
            report,
            "| cold start, warm cache: launch (WebDriver new session) to 10 RTA panels drawn, median of {} | {} ms | {p:.0} ms of it from the page's start to drawn |",
            launch.len(),
            l.as_millis()
        ),
        _ => writeln!(
            report,
            "| cold start, warm cache, RTA overview | not measured | no WebDriver session could be made |"
        ),
    }
    .unwrap();
    in_process.sort_by(|a, b| a.total_cmp(b));
    if let Some(ms) = in_process.get(in_process.len() / 2) {
        writeln!(
            report,
            "| cold start, warm cache: the app's process start to 10 RTA panels drawn (as from the menu: WebKitWebDriver's own start left out), median of {} | {ms:.0} ms | the process's start from /proc, to 10 ms |",
            in_process.len()
        )
        .unwrap();
    }

    // Node Exporter Full (125 panels, most in collapsed rows) opened cold from a warm cache of its
    // own: launch to every panel on screen drawn (or its error shown). A figure, never a failure.
    let nef = common::repo().join("tests/dashboards/node-exporter-full.json");
    let nef_cache = work.path().join("nef.db");
    let nef_args = vec![
        "--prometheus".to_string(),
        prom.clone(),
        "--alertmanager".into(),
        am.clone(),
        "--cache".into(),
        nef_cache.display().to_string(),
        "--dashboard".into(),
        nef.display().to_string(),
    ];
    let polled = Command::new(&cli)
        .args(&nef_args)
        .args(["poll", "--once"])
        .env("RUST_LOG", "warn")
        .status()
        .is_ok_and(|s| s.success());
    let mut nef_runs = Vec::new();
    for run in 0..4 {
        if !polled {
            break;
        }
        let t = Instant::now();
        let Some(driver) = session_on(&app, &nef_args, &work.path().join(format!("nef{run}.log")))
        else {
            continue;
        };
        let done = loop {
            let v = driver.exec(
                "const ps = Array.from(document.querySelectorAll('.panel')).filter(p => { \
                   const r = p.getBoundingClientRect(); return r.height > 0 && r.top < innerHeight && r.bottom > 0; }); \
                 return ps.length > 0 && ps.every(p => !p.querySelector('.panel-body.loading')) \
                   ? [ps.length, performance.now()] : 0",
            );
            if let Some(a) = v.as_array() {
                break Some((
                    t.elapsed(),
                    a[0].as_u64().unwrap_or(0),
                    a[1].as_f64().unwrap_or(0.0),
                ));
            }
            if t.elapsed() > Duration::from_secs(60) {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        eprintln!("Node Exporter Full cold open run {run}: {done:?}");
        drop(driver);
        wait_until_gone(&app);
        match done {
            Some(d) if run > 0 => nef_runs.push(d),
            Some(_) => {}
            None => break,
        }
    }
    nef_runs.sort_by_key(|d| d.0);
    match nef_runs.get(1) {
        Some((launch, panels, page_ms)) if nef_runs.len() == 3 => writeln!(
            report,
            "| cold start, warm cache: launch to Node Exporter Full's {panels} panels on screen drawn, median of 3 | {} ms | {page_ms:.0} ms of it from the page's start to drawn |",
            launch.as_millis()
        ),
        _ => writeln!(
            report,
            "| cold start, Node Exporter Full | not measured | {} |",
            if polled { "not every panel on screen was drawn within 60 s" } else { "its first poll failed" }
        ),
    }
    .unwrap();

    // Idle memory: the app on the dashboard against an empty Tauri window.
    let (a_rss, a_pss, a_n) = idle_memory(&app, &args, &work.path().join("app-idle.log"));
    wait_until_gone(&app);
    let (e_rss, e_pss, e_n) = idle_memory(&empty, &[], &work.path().join("empty-idle.log"));
    writeln!(
        report,
        "| idle memory, Watchdesk on the RTA overview | PSS {} | RSS {}; PSS of each: {a_n} |",
        mib(a_pss),
        mib(a_rss)
    )
    .unwrap();
    writeln!(
        report,
        "| idle memory, empty Tauri 2 window | PSS {} | RSS {}; PSS of each: {e_n} |",
        mib(e_pss),
        mib(e_rss)
    )
    .unwrap();
    writeln!(
        report,
        "| ratio Watchdesk / empty window | PSS {:.2}× | RSS {:.2}× |",
        a_pss as f64 / e_pss.max(1) as f64,
        a_rss as f64 / e_rss.max(1) as f64
    )
    .unwrap();

    // Package sizes.
    let bundle = app.parent().unwrap().join("bundle");
    for (dir, ext) in [("deb", "deb"), ("rpm", "rpm")] {
        for e in std::fs::read_dir(bundle.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = e.path();
            if p.extension().is_some_and(|x| x == ext) {
                let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                let installed = if ext == "deb" {
                    Command::new("dpkg-deb")
                        .args(["-f"])
                        .arg(&p)
                        .arg("Installed-Size")
                        .output()
                        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                        .map(|k| {
                            format!(
                                "installed {} MiB",
                                k.parse::<f64>().unwrap_or(0.0) as u64 / 1024
                            )
                        })
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                writeln!(
                    report,
                    "| package {} | {:.1} MiB | {installed} |",
                    p.file_name().unwrap().to_string_lossy(),
                    size as f64 / 1048576.0
                )
                .unwrap();
            }
        }
    }
    for bin in [&app, &cli] {
        let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
        writeln!(
            report,
            "| binary {} | {:.1} MiB | |",
            bin.file_name().unwrap().to_string_lossy(),
            size as f64 / 1048576.0
        )
        .unwrap();
    }
    drop(stack);
    let table = format!("| what | figure | note |\n|---|---|---|\n{report}");
    eprintln!("\n{table}");
    let _ = std::fs::write(app.parent().unwrap().join("../release-figures.md"), &table);
}
