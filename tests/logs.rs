//! `watchdesk logs` (issue #13): the simulator's stand-in Loki (no real Loki can be installed
//! here) serves the service-down scenario's error lines, `watchdesk logs` prints them and caches
//! them; with the simulator stopped the same lines come from the cache and the output says so.
//! Hostile lines from a stub on loopback are printed as text, bounded, and a bad answer leaves the
//! cache as it was.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{watchdesk_bin, Stack};

const ERRORS: &str = r#"{service="go-api", level="error"} |= "error""#;

/// Panel 1 mixes a Prometheus query and a LogQL metric query (Grafana's `-- Mixed --`); panel 2
/// is Prometheus only; panel 3 is a logs panel whose stream selector uses a Loki query variable.
const MIXED: &str = r#"{"uid": "mixed", "title": "Mixed", "time": {"from": "now-15m", "to": "now"},
 "panels": [
  {"id": 1, "type": "timeseries", "title": "Targets and log lines",
   "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
   "datasource": {"type": "datasource", "uid": "-- Mixed --"},
   "targets": [
    {"refId": "A", "datasource": {"type": "prometheus", "uid": "prom"}, "expr": "sum(up)",
     "legendFormat": "targets up"},
    {"refId": "B", "datasource": {"type": "loki", "uid": "loki"}, "queryType": "range",
     "expr": "sum by (level) (count_over_time({service=\"go-api\"} [$__auto]))",
     "legendFormat": "{{level}} lines"}]},
  {"id": 2, "type": "timeseries", "title": "Targets",
   "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
   "datasource": {"type": "prometheus", "uid": "prom"},
   "targets": [{"refId": "A", "expr": "sum(up)", "legendFormat": "targets up"}]},
  {"id": 3, "type": "logs", "title": "API errors",
   "gridPos": {"x": 0, "y": 8, "w": 24, "h": 8},
   "datasource": {"type": "loki", "uid": "loki"},
   "options": {"showTime": true, "sortOrder": "Descending"},
   "targets": [{"refId": "A", "expr": "{service=\"go-api\", level=\"$lvl\"} |= \"upstream\""}]}],
 "templating": {"list": [
  {"name": "lvl", "type": "query", "datasource": {"type": "loki", "uid": "loki"},
   "query": {"type": 1, "label": "level", "stream": "{service=\"go-api\"}"},
   "current": {"text": "error", "value": "error"}}]}}"#;

#[test]
fn service_down_error_lines_and_loki_panels_live_then_from_the_cache() {
    let mut stack = Stack::start();
    stack.scenario("service-down?service=go-api");
    // A few seconds of the burst (one error line a second).
    std::thread::sleep(Duration::from_secs(4));
    let loki = stack.loki_url();
    let (ok, out, err) = stack.watchdesk(&["--loki", &loki, "logs", ERRORS, "--since", "5m"]);
    assert!(ok, "stdout: {out}\nstderr: {err}");
    let live: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("upstream unavailable"))
        .collect();
    assert!(live.len() >= 2, "the burst's error lines:\n{out}");
    assert!(
        live.iter()
            .all(|l| l.contains(" error ") && l.contains("go-api")),
        "{out}"
    );
    assert!(
        !out.contains("cached"),
        "live lines are not marked stale:\n{out}"
    );
    // The routine lines of another service are not selected.
    assert!(!out.contains("vms-service"), "{out}");

    // A dashboard with LogQL metric queries, one panel mixing Prometheus and Loki.
    let dash = stack.dir.path().join("mixed.json");
    std::fs::write(&dash, MIXED).unwrap();
    let dash = dash.to_str().unwrap();
    let render = |stack: &Stack, dir: &str| {
        let (ok, out, err) =
            stack.watchdesk(&["--loki", &loki, "--dashboard", dash, "poll", "--once"]);
        let out_dir = stack.dir.path().join(dir);
        let (rendered, rout, rerr) = stack.watchdesk(&[
            "--dashboard",
            dash,
            "render",
            "--from",
            "-15m",
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert!(
            rendered,
            "render: {rout}
{rerr}"
        );
        let svg = |id: &str| {
            std::fs::read_dir(out_dir.join("mixed"))
                .unwrap()
                .filter_map(|e| e.ok())
                .find(|e| e.file_name().to_string_lossy().ends_with(id))
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .unwrap_or_else(|| panic!("no SVG of panel {id}: {rout}"))
        };
        (
            ok,
            format!("{out}{err}"),
            svg("-targets-and-log-lines.svg"),
            svg("-targets.svg"),
            svg("-api-errors.svg"),
        )
    };
    // Until the first scrape and the first step of the burst are in.
    let mut last = String::new();
    let (mixed, prom_only, logs) = common::wait_for(
        "the mixed panel's Prometheus series and Loki's error and info line counts",
        Duration::from_secs(90),
        || {
            let (ok, polled, mixed, prom_only, logs) = render(&stack, "live");
            assert!(ok, "poll with Loki queries: {polled}");
            let names = legend(&mixed);
            last = format!("{names:?}");
            eprintln!("mixed panel legend: {last}");
            (["targets up", "error lines", "info lines"]
                .iter()
                .all(|n| names.iter().any(|t| t.trim() == *n))
                && logs.contains("upstream unavailable"))
            .then_some((mixed, prom_only, logs))
        },
    );
    assert!(
        !mixed.contains("offline") && !prom_only.contains("offline"),
        "{last}"
    );
    // The variable lists the levels of go-api's streams from Loki (Prometheus has no such label).
    let (cache, _) = watchdesk::cache::Cache::open(&stack.cache_path()).unwrap();
    let vars = cache.resolved_vars("default", "mixed").unwrap();
    assert_eq!(
        vars.get("lvl").map(Vec::as_slice),
        Some(&["error".to_string(), "info".to_string()][..]),
        "{vars:?}"
    );
    drop(cache);
    // The logs panel: go-api's error lines with their time and level, no other service's.
    let shown = legend(&logs);
    assert!(
        shown.iter().any(|t| t.trim() == "error")
            && !logs.contains("request handled")
            && !logs.contains("vms-service"),
        "{shown:?}"
    );

    stack.stop_sim();
    // Loki gone: the Loki panel is drawn from the cache and says Loki is offline; the
    // Prometheus panel is not stale, and the poll says what failed.
    // (The next round with a step to fetch asks Loki.)
    let (polled, mixed, prom_only, logs) = common::wait_for(
        "a poll round that asks the stopped Loki",
        Duration::from_secs(60),
        || {
            let (ok, polled, mixed, prom_only, logs) = render(&stack, "offline");
            eprintln!("poll with Loki stopped: {ok} {polled}");
            (!ok).then_some((polled, mixed, prom_only, logs))
        },
    );
    assert!(
        polled.contains("Loki unreachable"),
        "says what failed: {polled}"
    );
    assert!(
        mixed.contains("error lines") && mixed.contains("Loki offline — showing data up to"),
        "cached counts, marked stale"
    );
    assert!(
        !prom_only.contains("offline"),
        "a Prometheus panel is not stale because Loki is down"
    );
    assert!(
        logs.contains("upstream unavailable") && logs.contains("Loki offline — showing data up to"),
        "the logs panel shows the cached lines, marked stale"
    );

    let (ok, cached, err) = stack.watchdesk(&["--loki", &loki, "logs", ERRORS, "--since", "5m"]);
    assert!(ok, "stdout: {cached}\nstderr: {err}");
    let first = cached.lines().next().unwrap_or_default();
    assert!(
        first.contains("unreachable") && first.contains("cached lines up to"),
        "says it is the cache: {first}"
    );
    let n = cached
        .lines()
        .filter(|l| l.contains("upstream unavailable"))
        .count();
    assert!(n >= live.len(), "the same lines from the cache:\n{cached}");
    for l in &live {
        assert!(cached.contains(l), "{l} missing offline:\n{cached}");
    }
    // Line filters are applied to the cached lines too.
    let (ok, none, _) = stack.watchdesk(&[
        "--loki",
        &loki,
        "logs",
        r#"{service="go-api"} |= "no such text""#,
        "--since",
        "5m",
    ]);
    assert!(ok);
    assert!(none.contains("no cached lines"), "{none}");
}

#[test]
fn an_alerts_logs_are_its_services_lines_around_its_start() {
    let mut stack = Stack::start();
    stack.wait_targets_up(14);
    let loki = stack.loki_url();
    stack.scenario("service-down?service=go-api");
    // Prometheus fires ServiceDown after 30 s of up == 0; Watchdesk learns it from Alertmanager.
    common::wait_for("ServiceDown in Watchdesk", Duration::from_secs(150), || {
        let _ = stack.watchdesk(&["poll", "--once"]);
        let (_, out, _) = stack.watchdesk(&["alerts"]);
        out.contains("ServiceDown").then_some(())
    });
    let (ok, out, err) = stack.watchdesk(&["--loki", &loki, "logs", "--alert", "ServiceDown"]);
    assert!(ok, "stdout: {out}\nstderr: {err}");
    let head = out.lines().next().unwrap_or_default();
    assert!(
        head.starts_with(r#"{job="go-api", instance="127.0.0.1:"#) && head.contains("still firing"),
        "the query made from the alert's labels: {head}"
    );
    let lines: Vec<&str> = out.lines().skip(1).collect();
    let errors = lines
        .iter()
        .filter(|l| l.contains(" error ") && l.contains("upstream unavailable"))
        .count();
    let before = lines
        .iter()
        .filter(|l| l.contains(" info ") && l.contains("request handled"))
        .count();
    assert!(
        errors >= 10 && before >= 3,
        "the burst of error lines and the routine lines before it:\n{out}"
    );
    assert!(
        lines.iter().all(|l| l.contains("go-api")),
        "only the alert's service:\n{out}"
    );
    // The operator's filter narrows it (text, or /regex/).
    let (ok, filtered, _) = stack.watchdesk(&[
        "--loki",
        &loki,
        "logs",
        "--alert",
        "ServiceDown",
        r#"/"attempt":[0-9]+/"#,
    ]);
    assert!(ok);
    let kept: Vec<&str> = filtered.lines().skip(1).collect();
    assert!(
        !kept.is_empty() && kept.iter().all(|l| l.contains("\"attempt\":")),
        "{filtered}"
    );

    // Loki gone: the same lines from the cache, saying so.
    stack.stop_sim();
    // No dashboard here queries Loki, yet a poll round asks it (the alert's logs come from it):
    // a dead Loki is said, never taken for a healthy one.
    let (ok, polled, _) = stack.watchdesk(&["--loki", &loki, "poll", "--once"]);
    assert!(
        !ok && polled.contains("Loki unreachable"),
        "a poll round with the Loki down: {polled}"
    );
    let (ok, cached, err) = stack.watchdesk(&["--loki", &loki, "logs", "--alert", "ServiceDown"]);
    assert!(ok, "stdout: {cached}\nstderr: {err}");
    assert!(
        cached
            .lines()
            .nth(1)
            .unwrap_or_default()
            .contains("unreachable")
            && cached.contains("(stale: from the cache)"),
        "{cached}"
    );
    let offline = cached
        .lines()
        .filter(|l| l.contains(" error ") && l.contains("upstream unavailable"))
        .count();
    assert!(offline >= errors, "the error lines offline:\n{cached}");
}

/// The text of an SVG's `<text>` elements.
fn legend(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once('<')))
        .map(|(t, _)| t)
        .collect()
}

/// A Loki stand-in on loopback that answers every request with the current `body`.
fn stub(body: Arc<Mutex<Vec<u8>>>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let b = body.lock().unwrap().clone();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&b);
        }
    });
    url
}

fn hostile_answer() -> Vec<u8> {
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let t = |back_s: i64| (now_ns - back_s * 1_000_000_000).to_string();
    let huge = "A".repeat(1 << 20);
    let mut b = format!(
        r#"{{"status":"success","data":{{"resultType":"streams","result":[{{"stream":{{"service":"<script>alert(1)</script>","level":"error"}},"values":[["{}","\u001b]0;pwned\u0007\u001b[2J<b>bold</b> <script>x()</script>"],["{}","{huge}"],["{}","bad "#,
        t(30),
        t(20),
        t(10)
    )
    .into_bytes();
    b.extend_from_slice(&[0xff, 0xfe]);
    b.extend_from_slice(br#"\u001b utf8"]]}]}}"#);
    b
}

fn run(loki: &str, cache: &std::path::Path) -> (bool, Vec<u8>, String) {
    let out = Command::new(watchdesk_bin())
        .args(["--prometheus", "http://127.0.0.1:1", "--loki", loki])
        .args(["--cache", &cache.display().to_string()])
        .args(["logs", "{level=\"error\"}", "--since", "5m"])
        .env("RUST_LOG", "watchdesk=warn")
        .output()
        .expect("run watchdesk");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn hostile_lines_are_text_bounded_and_a_bad_answer_keeps_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.db");
    let body = Arc::new(Mutex::new(hostile_answer()));
    let loki = stub(body.clone());
    let (ok, out, err) = run(&loki, &cache);
    assert!(ok, "{err}");
    assert!(
        !out.contains(&0x1b) && !out.contains(&0x07),
        "no raw ESC or BEL reaches the terminal"
    );
    let text = String::from_utf8(out).expect("the output is UTF-8");
    assert!(
        text.contains("\\e]0;pwned\\u{7}\\e[2J<b>bold</b>"),
        "{text}"
    );
    assert!(text.contains("<script>"), "markup is printed as text");
    assert!(
        text.contains("bad \u{fffd}\u{fffd}\\e utf8"),
        "invalid UTF-8 shown as U+FFFD: {text}"
    );
    assert!(
        text.contains("cut at 64 KiB"),
        "the 1 MB line is cut and says so"
    );
    assert!(
        text.len() < 70 * 1024,
        "bounded output: {} bytes",
        text.len()
    );
    assert_eq!(text.lines().count(), 3, "{}", &text[..text.len().min(2000)]);

    // A truncated answer: an error, the cached lines shown (saying so), the cache untouched.
    let good = body.lock().unwrap().clone();
    *body.lock().unwrap() = good[..good.len() / 2].to_vec();
    let (ok, out2, err) = run(&loki, &cache);
    assert!(ok, "{err}");
    let text2 = String::from_utf8(out2).unwrap();
    let first = text2.lines().next().unwrap_or_default();
    assert!(
        first.contains("answered badly") && first.contains("3 cached lines"),
        "{first}"
    );
    assert_eq!(
        text2.lines().skip(1).collect::<Vec<_>>(),
        text.lines().collect::<Vec<_>>()
    );
}
