//! The community dashboards of tests/dashboards/ (see SOURCES.md), as operators already have them:
//! every one parses, lays out without overlaps, draws every panel, never colours a panel Grafana
//! leaves uncoloured, and — against real servers from Debian (Prometheus, node exporter, Redis and
//! its exporter, PostgreSQL and its exporter) — draws data. Prints a table per dashboard (panels,
//! drawn, with data, options ignored), kept in docs/corpus.md.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use watchdesk::cache::Cache;
use watchdesk::config::{Config, Overrides, Settings};
use watchdesk::dashboard::layout::{self, ItemKind};
use watchdesk::dashboard::{self, Dashboard, PanelKind};
use watchdesk::source::{RangeSeries, Sample};

fn corpus() -> Vec<(String, PathBuf)> {
    let dir = common::repo().join("tests/dashboards");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("tests/dashboards")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                p.clone(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 12, "the corpus has {} dashboards", out.len());
    out
}

fn load(path: &Path) -> Dashboard {
    let text = std::fs::read_to_string(path).unwrap();
    dashboard::parse(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .0
}

fn settings() -> Settings {
    Settings::from_config(&Config::from_toml("", None, &Overrides::default()).unwrap())
}

fn overlaps(a: &dashboard::GridPos, b: &dashboard::GridPos) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// No two things on a corpus dashboard's grid overlap, and every panel is placed exactly once
/// (every row open), after repeats and Grafana's compaction.
#[test]
fn corpus_dashboards_lay_out_without_overlaps() {
    for (name, path) in corpus() {
        let d = load(&path);
        let vars = watchdesk::plan::offline_vars(&d, &Default::default());
        let e = layout::expand(&d, &vars);
        let items = layout::layout(&e, &|_| Some(false));
        for (i, a) in items.iter().enumerate() {
            for b in &items[i + 1..] {
                assert!(
                    !overlaps(&a.grid, &b.grid),
                    "{name}: {:?} overlaps {:?}",
                    a,
                    b
                );
            }
        }
        let placed: Vec<i64> = items
            .iter()
            .filter_map(|i| match i.kind {
                ItemKind::Panel { id } => Some(id),
                _ => None,
            })
            .collect();
        assert_eq!(placed.len(), e.panels.len(), "{name}: every panel placed");
        let mut ids = placed.clone();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), placed.len(), "{name}: no panel placed twice");
    }
}

/// A stat panel with `colorMode: none` (Node Exporter Full's "RAM Total", "RootFS Total",
/// "Uptime"…) is drawn without threshold colour and without a state word, whatever its value:
/// Grafana shows it uncoloured, so it must never look like an alarm here.
#[test]
fn a_stat_with_color_mode_none_never_shows_a_state_word_or_a_threshold_colour() {
    let mut checked = 0;
    for (name, path) in corpus() {
        let d = load(&path);
        let vars = watchdesk::plan::offline_vars(&d, &Default::default());
        let e = layout::expand(&d, &vars);
        let plan = watchdesk::plan::plan(&e, &vars, &settings());
        let cache = Cache::open_in_memory().unwrap();
        let now = watchdesk::time::now_ms();
        let t0 = now - now.rem_euclid(15_000) - 600_000;
        for p in &e.panels {
            let none = p.raw.pointer("/options/colorMode").and_then(|v| v.as_str()) == Some("none");
            if p.kind != PanelKind::Stat || !none {
                continue;
            }
            // Values far above and below every threshold.
            for (k, q) in plan.iter().filter(|q| q.panel_id == p.id).enumerate() {
                let v = if k % 2 == 0 { 9.9e12 } else { -9.9e12 };
                let series = RangeSeries {
                    labels: [("instance".to_string(), "a:9100".to_string())].into(),
                    samples: (0..=40)
                        .map(|i| Sample {
                            t: t0 + i * 15_000,
                            v,
                        })
                        .collect(),
                };
                cache
                    .ingest_range("default", &q.expr, q.step_ms, (t0, t0 + 600_000), &[series])
                    .unwrap();
            }
            let spec = watchdesk::view::panel_spec(
                &cache,
                "default",
                &e,
                p,
                &plan,
                t0,
                t0 + 600_000,
                300,
                150,
                now,
            );
            let svg = watchdesk::chart::render_svg(&spec);
            for word in ["CRIT", "WARN", "OK<", " OK", "NO DATA"] {
                assert!(
                    !svg.contains(word),
                    "{name}: panel {:?} (colorMode none) shows {word:?}",
                    p.title
                );
            }
            for step in &p.thresholds.steps {
                if let Some(c) = watchdesk::chart::parse_color(&step.color) {
                    let hex = c.rgb.hex().to_lowercase();
                    assert!(
                        !svg.to_lowercase().contains(&hex),
                        "{name}: panel {:?} (colorMode none) is drawn in its threshold colour {}",
                        p.title,
                        step.color
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "only {checked} stat panels with colorMode none in the corpus"
    );
}

/// Every corpus dashboard polled and drawn against the real servers: all panels drawn, and the
/// dashboards for the exporters here draw data. Prints the table kept in docs/corpus.md.
#[test]
fn corpus_dashboards_draw_against_real_servers() {
    let mut stack = common::Stack::start();
    stack.start_full_node_exporter();
    stack.start_redis();
    stack.start_postgres();
    common::wait_for(
        "node, redis and postgres targets up",
        Duration::from_secs(90),
        || {
            let body = common::get(&format!("{}/api/v1/targets?state=active", stack.prom_url()))?;
            [
                "\"job\":\"node\"",
                "\"job\":\"redis\"",
                "\"job\":\"postgres\"",
            ]
            .iter()
            .all(|j| body.contains(j))
            .then_some(())
        },
    );
    // Rates need two scrapes within their window.
    std::thread::sleep(Duration::from_secs(25));
    let cfg = stack.dir.path().join("corpus.toml");
    std::fs::write(
        &cfg,
        "backfill = \"15m\"\nscrape_interval = \"1s\"\nstep = \"15s\"\n",
    )
    .unwrap();
    let mut table = vec![
        "| dashboard | panels | drawn | with data | options ignored |".to_string(),
        "|---|---:|---:|---:|---:|".to_string(),
    ];
    let mut with_data_of = std::collections::BTreeMap::new();
    for (name, path) in corpus() {
        let cache = stack.dir.path().join(format!("{name}.db"));
        let common_args = |cmd: &str| -> Vec<String> {
            vec![
                "--config".into(),
                cfg.display().to_string(),
                "--prometheus".into(),
                stack.prom_url(),
                "--alertmanager".into(),
                stack.am_url(),
                "--cache".into(),
                cache.display().to_string(),
                "--dashboard".into(),
                path.display().to_string(),
                cmd.into(),
            ]
        };
        let poll = common_args("poll");
        let mut args: Vec<&str> = poll.iter().map(String::as_str).collect();
        args.push("--once");
        let (_, out, err) = cli(&args);
        let outdir = stack.dir.path().join("out").join(&name);
        let render = common_args("render");
        let mut args: Vec<&str> = render.iter().map(String::as_str).collect();
        let o = outdir.display().to_string();
        args.extend(["--from", "-10m", "--out", &o]);
        let (ok, rout, rerr) = cli(&args);
        assert!(ok, "{name}: render failed: {rout}{rerr}\npoll: {out}{err}");
        let svgs: Vec<String> = walk(&outdir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let d = load(&path);
        let vars = {
            let c = Arc::new(Cache::open(&cache).unwrap().0);
            watchdesk::plan::cached_vars(&c, "default", &d)
        };
        let e = layout::expand(&d, &vars);
        let drawable = e.panels.len();
        let with_data = svgs
            .iter()
            .filter(|s| !s.contains("No data") && !s.contains("not supported"))
            .count();
        let ignored: usize = e.panels.iter().map(|p| p.ignored.len()).sum();
        assert_eq!(
            svgs.len(),
            drawable,
            "{name}: every panel is drawn (unsupported ones as a box)"
        );
        table.push(format!(
            "| {name} | {drawable} | {} | {with_data} | {ignored} |",
            svgs.len()
        ));
        with_data_of.insert(name, (with_data, drawable));
    }
    let text = table.join("\n");
    println!("{text}");
    let _ = std::fs::create_dir_all(common::repo().join("target"));
    let _ = std::fs::write(common::repo().join("target/corpus-table.md"), &text);
    // The exporters running here: their dashboards draw data.
    for (name, at_least) in [
        ("node-exporter-full", 0.4),
        ("redis-exporter", 0.3),
        ("postgres-exporter-overview", 0.3),
    ] {
        let (with, all) = with_data_of[name];
        assert!(
            with as f64 >= at_least * all as f64,
            "{name}: only {with} of {all} panels drew data against the real exporters\n{text}"
        );
    }
}

/// The `watchdesk` command line with exactly these arguments: (ok, stdout, stderr).
fn cli(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(common::watchdesk_bin())
        .args(args)
        .env("RUST_LOG", "watchdesk=warn")
        .output()
        .expect("run watchdesk");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
