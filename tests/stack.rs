//! End-to-end against the real servers: Prometheus, Alertmanager, node exporter and the simulator.

mod common;

use std::time::Duration;

use common::{wait_for, Stack};
use watchdesk::cache::Cache;
use watchdesk::config::BUILTIN_DASHBOARD;
use watchdesk::dashboard;
use watchdesk::plan;
use watchdesk::time::now_ms;

/// 12 simulator services + node exporter + Prometheus itself.
const TARGETS: usize = 14;

fn rta() -> dashboard::Dashboard {
    dashboard::parse(BUILTIN_DASHBOARD)
        .expect("built-in dashboard")
        .0
}

fn svg_files(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("svg"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_rta_panel_is_cached_and_rendered() {
    let stack = Stack::start();
    stack.wait_targets_up(TARGETS);
    let dash = rta();
    // The cache's grid is 15 s: a rate() panel has its first point once a grid time lies after two
    // scrapes. Poll (incrementally) until every panel has cached series, within a bound.
    let mut panels_with_queries;
    let mut last_missing = Vec::new();
    let t0 = std::time::Instant::now();
    loop {
        let (ok, out, err) = stack.watchdesk(&["poll", "--once"]);
        assert!(ok, "poll --once failed:\n{out}\n{err}");
        let cache = Cache::open(&stack.cache_path()).unwrap().0;
        let planned = plan::load(&cache, "default", &dash).expect("the poll stored a query plan");
        let now = now_ms();
        panels_with_queries = 0;
        last_missing.clear();
        for panel in &dash.panels {
            if !plan::needs_queries(&panel.kind) {
                continue;
            }
            panels_with_queries += 1;
            let queries: Vec<_> = planned.iter().filter(|q| q.panel_id == panel.id).collect();
            let series: usize = queries
                .iter()
                .map(|q| {
                    cache
                        .read_range("default", &q.expr, Some(q.step_ms), now - 3_600_000, now)
                        .unwrap()
                        .iter()
                        .filter(|s| !s.samples.is_empty())
                        .count()
                })
                .sum();
            if series == 0 {
                last_missing.push((
                    panel.title.clone(),
                    queries.iter().map(|q| q.expr.clone()).collect::<Vec<_>>(),
                ));
            }
        }
        if last_missing.is_empty() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "panels without cached series after 2 min of polling: {last_missing:#?}"
        );
        std::thread::sleep(Duration::from_secs(5));
    }
    assert!(
        panels_with_queries >= 9,
        "only {panels_with_queries} data panels"
    );

    // Render every panel, SVG and PNG.
    let out_dir = stack.dir.path().join("render");
    let (ok, out, err) = stack.watchdesk(&[
        "render",
        "--from",
        "-15m",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(ok, "render failed:\n{out}\n{err}");
    let files = svg_files(&out_dir.join("rta-overview"));
    assert_eq!(
        files.len(),
        dash.panels.len(),
        "one SVG per panel: {files:?}"
    );
    for (name, svg) in &files {
        assert!(svg.len() > 500, "{name} is almost empty");
        assert!(
            svg.starts_with("<svg") || svg.contains("<svg"),
            "{name} is not an SVG"
        );
        assert!(
            !svg.contains("No data"),
            "{name} says No data although the cache has data"
        );
    }
    let (ok, out, err) = stack.watchdesk(&[
        "render",
        "--from",
        "-15m",
        "--format",
        "png",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(ok, "render png failed:\n{out}\n{err}");
    let pngs = std::fs::read_dir(out_dir.join("rta-overview"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().and_then(|x| x.to_str()) == Some("png"))
        .filter(|e| e.metadata().map(|m| m.len() > 1000).unwrap_or(false))
        .count();
    assert_eq!(pngs, dash.panels.len(), "one non-trivial PNG per panel");
}

#[test]
fn a_service_down_becomes_a_critical_alert_in_the_cache() {
    let stack = Stack::start();
    stack.wait_targets_up(TARGETS);
    let (ok, out, err) = stack.watchdesk(&["poll", "--once"]);
    assert!(ok, "first poll failed:\n{out}\n{err}");
    let cache_path = stack.cache_path();
    let count_service_down = || {
        let cache = Cache::open(&cache_path).unwrap().0;
        cache
            .current_alerts(Some("default"))
            .unwrap()
            .into_iter()
            .filter(|a| {
                a.alertname == "ServiceDown"
                    && a.labels.get("job").map(String::as_str) == Some("go-api")
            })
            .collect::<Vec<_>>()
    };
    assert!(
        count_service_down().is_empty(),
        "ServiceDown before the service went down"
    );

    stack.scenario("service-down?service=go-api");
    // ServiceDown has `for: 30s`; scrape and evaluation run every second here.
    let alert = wait_for(
        "ServiceDown for go-api in the cache",
        Duration::from_secs(150),
        || {
            let (_, _, _) = stack.watchdesk(&["poll", "--once"]);
            count_service_down().into_iter().next()
        },
    );
    assert_eq!(alert.severity_label, "critical");
    assert!(alert.starts_at > 0 && alert.starts_at <= now_ms());
    let cache = Cache::open(&cache_path).unwrap().0;
    let events = cache
        .alert_events(Some("default"), Some(&alert.fingerprint), 0)
        .unwrap();
    assert!(
        events.iter().any(|e| e.kind == "fired"),
        "the history has a fired event: {events:?}"
    );

    let (ok, out, _) = stack.watchdesk(&["alerts"]);
    assert!(ok);
    let line = out
        .lines()
        .find(|l| l.contains("ServiceDown"))
        .unwrap_or_else(|| panic!("`watchdesk alerts` lists ServiceDown:\n{out}"));
    assert!(line.starts_with("critical"), "{line}");
    let (ok, json, _) = stack.watchdesk(&["alerts", "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).expect("alerts --json is JSON");
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["alertname"] == "ServiceDown" && a["severity"] == "critical"));

    // The service comes back: the alert resolves and the history says so.
    stack.end_scenario("service-down");
    wait_for("ServiceDown to resolve", Duration::from_secs(150), || {
        let _ = stack.watchdesk(&["poll", "--once"]);
        count_service_down().is_empty().then_some(())
    });
    let events = Cache::open(&cache_path)
        .unwrap()
        .0
        .alert_events(Some("default"), Some(&alert.fingerprint), 0)
        .unwrap();
    assert!(events.iter().any(|e| e.kind == "resolved"), "{events:?}");
}

#[test]
fn prometheus_down_renders_from_cache_and_the_gap_is_filled_after() {
    let mut stack = Stack::start();
    stack.wait_targets_up(TARGETS);
    std::thread::sleep(Duration::from_secs(5));
    let (ok, out, err) = stack.watchdesk(&["poll", "--once"]);
    assert!(ok, "poll failed:\n{out}\n{err}");
    let first_poll = now_ms();
    let dash = rta();
    let expr = {
        let cache = Cache::open(&stack.cache_path()).unwrap().0;
        let planned = plan::load(&cache, "default", &dash).unwrap();
        planned
            .iter()
            .find(|q| q.expr.starts_with("up"))
            .or(planned.first())
            .unwrap()
            .clone()
    };
    let until_before = Cache::open(&stack.cache_path())
        .unwrap()
        .0
        .fetched_until("default", &expr.expr, expr.step_ms)
        .unwrap()
        .unwrap();

    // Prometheus keeps scraping for a while after our last poll, then goes away.
    std::thread::sleep(Duration::from_secs(20));
    let stopped_at = now_ms();
    stack.stop_prometheus();

    let (ok, out, _) = stack.watchdesk(&["poll", "--once"]);
    assert!(!ok, "poll must fail while Prometheus is down:\n{out}");
    assert!(out.contains("unreachable"), "{out}");
    let cache = Cache::open(&stack.cache_path()).unwrap().0;
    let h = watchdesk::view::prometheus_health(&cache, "default").expect("health recorded");
    assert!(h.unreachable && h.consecutive_failures >= 1, "{h:?}");
    assert!(h.last_success.is_some());
    drop(cache);

    let out_dir = stack.dir.path().join("offline");
    let (ok, out, err) = stack.watchdesk(&[
        "render",
        "--from",
        "-10m",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(ok, "render must work offline:\n{out}\n{err}");
    assert!(out.contains("offline — showing data up to"), "{out}");
    let files = svg_files(&out_dir.join("rta-overview"));
    assert_eq!(files.len(), dash.panels.len());
    let drawn = files
        .iter()
        .filter(|(_, svg)| svg.contains("offline — showing data up to"))
        .count();
    assert!(drawn >= 9, "data panels carry the offline banner ({drawn})");

    // Prometheus returns (same data dir): the part it scraped after our last poll is fetched back.
    stack.start_prometheus();
    std::thread::sleep(Duration::from_secs(3));
    let (ok, out, err) = stack.watchdesk(&["poll", "--once"]);
    assert!(ok, "poll after the restart failed:\n{out}\n{err}");
    let cache = Cache::open(&stack.cache_path()).unwrap().0;
    let until_after = cache
        .fetched_until("default", &expr.expr, expr.step_ms)
        .unwrap()
        .unwrap();
    assert!(
        until_after > until_before,
        "the covered window moved on after the restart ({until_before} -> {until_after})"
    );
    let series = cache
        .read_range(
            "default",
            &expr.expr,
            Some(expr.step_ms),
            until_before + 1,
            stopped_at - 2_000,
        )
        .unwrap();
    let filled: usize = series.iter().map(|s| s.samples.len()).sum();
    assert!(
        filled > 0,
        "samples between the first poll ({first_poll}) and the stop ({stopped_at}) were fetched back"
    );
    let h = watchdesk::view::prometheus_health(&cache, "default").unwrap();
    assert!(!h.unreachable && h.consecutive_failures == 0, "{h:?}");
}

#[test]
fn check_reports_each_problem() {
    let stack = Stack::start();
    let (ok, out, err) = stack.watchdesk(&["check"]);
    assert!(ok, "check against a working stack:\n{out}\n{err}");
    assert!(out.contains("all ok"), "{out}");

    let bad = stack.dir.path().join("bad.json");
    std::fs::write(&bad, "{\"panels\": [").unwrap();
    let out = std::process::Command::new(common::watchdesk_bin())
        .args([
            "--prometheus",
            &format!("http://127.0.0.1:{}", common::free_port()),
            "--alertmanager",
            &stack.am_url(),
            "--cache",
            stack.cache_path().to_str().unwrap(),
            "--dashboard",
            bad.to_str().unwrap(),
            "check",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "check must fail:\n{text}");
    assert!(
        text.contains("prometheus") && text.contains("FAILED"),
        "{text}"
    );
    assert!(
        text.contains("cannot reach"),
        "says the server is unreachable: {text}"
    );
    assert!(
        text.contains("bad.json") && text.contains("2 problem"),
        "{text}"
    );
}
