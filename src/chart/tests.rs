//! Rendering tests: no panics, escaping, gaps, PNG output, thresholds.

use super::*;
use crate::severity::Severity;

const EVIL: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "</text><script>alert(1)</script>",
    "\"><svg onload=alert(1)>",
    "a\u{0}b\u{1b}[31m\u{FFFF}",
];

fn series(name: &str, points: Vec<(Millis, f64)>) -> ChartSeries {
    ChartSeries {
        name: name.into(),
        step_ms: 15_000,
        points,
        ..Default::default()
    }
}

fn wave(n: i64, step: i64) -> Vec<(Millis, f64)> {
    (0..n)
        .map(|i| (i * step, 50.0 + 40.0 * ((i as f64) / 20.0).sin()))
        .collect()
}

fn spec(kind: ChartKind) -> ChartSpec {
    ChartSpec {
        kind,
        title: "CPU usage".into(),
        width: 640,
        height: 320,
        from: 0,
        to: 3_600_000,
        unit: "percent".into(),
        thresholds: vec![
            Threshold {
                value: None,
                color: "green".into(),
            },
            Threshold {
                value: Some(60.0),
                color: "orange".into(),
            },
            Threshold {
                value: Some(80.0),
                color: "red".into(),
            },
        ],
        series: vec![
            series("go-api", wave(240, 15_000)),
            series(
                "vms-service",
                wave(240, 15_000)
                    .into_iter()
                    .map(|(t, v)| (t, v / 2.0))
                    .collect(),
            ),
        ],
        alerts: vec![
            AlertRow {
                severity: Severity::Critical,
                name: "ServiceDown".into(),
                summary: "go-api is down".into(),
                state: "active".into(),
                since: 1_000,
                labels: "go-api".into(),
            },
            AlertRow {
                severity: Severity::Unknown,
                name: "Mystery".into(),
                summary: "no severity label".into(),
                state: "active".into(),
                since: 2_000,
                labels: "x".into(),
            },
            AlertRow {
                severity: Severity::Warning,
                name: "HighCPUUsage".into(),
                summary: "CPU 85%".into(),
                state: "suppressed".into(),
                since: 3_000,
                labels: "cadvisor".into(),
            },
        ],
        now: 3_600_000,
        ..ChartSpec::default()
    }
}

fn all_kinds() -> Vec<ChartKind> {
    vec![
        ChartKind::TimeSeries,
        ChartKind::Stat,
        ChartKind::Gauge,
        ChartKind::BarGauge,
        ChartKind::Table,
        ChartKind::AlertList,
        ChartKind::Text("hello <b>world</b>\nsecond line".into()),
        ChartKind::Unsupported("heatmap".into()),
        ChartKind::Heatmap,
        ChartKind::PieChart,
        ChartKind::StateTimeline,
        ChartKind::StatusHistory,
        ChartKind::BarChart,
    ]
}

#[track_caller]
fn check_svg_ok(s: &ChartSpec) -> String {
    let svg = render_svg(s);
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(!svg.contains("chart error"), "{svg}");
    svg
}

#[test]
fn every_kind_renders() {
    for kind in all_kinds() {
        let svg = check_svg_ok(&spec(kind.clone()));
        assert!(svg.contains("CPU usage"), "{kind:?}");
    }
}

#[test]
fn no_panics_on_odd_specs() {
    type Mutation = Box<dyn Fn(&mut ChartSpec)>;
    let mutations: Vec<Mutation> = vec![
        Box::new(|s| s.width = 0),
        Box::new(|s| s.height = 0),
        Box::new(|s| {
            s.width = 1;
            s.height = 1
        }),
        Box::new(|s| {
            s.width = 30;
            s.height = 20
        }),
        Box::new(|s| {
            s.width = 120;
            s.height = 45
        }),
        Box::new(|s| s.width = u32::MAX),
        Box::new(|s| std::mem::swap(&mut s.from, &mut s.to)),
        Box::new(|s| s.to = s.from),
        Box::new(|s| {
            s.from = i64::MIN;
            s.to = i64::MAX
        }),
        Box::new(|s| s.series.clear()),
        Box::new(|s| s.alerts.clear()),
        Box::new(|s| s.series = vec![series("one", vec![(1_000, 5.0)])]),
        Box::new(|s| s.series = vec![series("nan", vec![(0, f64::NAN), (15_000, f64::NAN)])]),
        Box::new(|s| {
            s.series = vec![series(
                "inf",
                vec![
                    (0, f64::INFINITY),
                    (15_000, f64::NEG_INFINITY),
                    (30_000, 1.0),
                ],
            )]
        }),
        Box::new(|s| {
            s.series = vec![series(
                "huge",
                vec![
                    (0, f64::MAX),
                    (15_000, -f64::MAX),
                    (30_000, f64::MIN_POSITIVE),
                ],
            )]
        }),
        Box::new(|s| s.series = vec![series("flat", vec![(0, 7.0), (15_000, 7.0)])]),
        Box::new(|s| {
            s.series = vec![series(
                "unsorted",
                vec![(30_000, 1.0), (0, 2.0), (15_000, 3.0), (15_000, 4.0)],
            )]
        }),
        Box::new(|s| s.series = vec![series("", vec![(i64::MIN, 1.0), (i64::MAX, 2.0)])]),
        Box::new(|s| {
            s.series = (0..200)
                .map(|i| {
                    series(
                        &format!("series number {i} with a long name"),
                        wave(50, 60_000),
                    )
                })
                .collect()
        }),
        Box::new(|s| s.series = vec![series(&"x".repeat(10_000), wave(10, 1000))]),
        Box::new(|s| {
            s.min = Some(f64::NAN);
            s.max = Some(f64::INFINITY)
        }),
        Box::new(|s| {
            s.min = Some(100.0);
            s.max = Some(0.0)
        }),
        Box::new(|s| {
            s.min = Some(5.0);
            s.max = Some(5.0)
        }),
        Box::new(|s| s.decimals = Some(u32::MAX)),
        Box::new(|s| s.thresholds_percentage = true),
        Box::new(|s| {
            s.thresholds = vec![
                Threshold {
                    value: Some(f64::NAN),
                    color: "nonsense".into(),
                },
                Threshold {
                    value: Some(f64::INFINITY),
                    color: "".into(),
                },
            ]
        }),
        Box::new(|s| s.unit = "dtdurations".into()),
        Box::new(|s| s.reduce = "count".into()),
        Box::new(|s| s.stale = Some(String::new())),
        Box::new(|s| s.no_value = Some("   ".into())),
        Box::new(|s| s.title = "\u{202e}é😀𝕏\t\r\n".repeat(50)),
        Box::new(|s| {
            s.now = i64::MIN;
            for a in &mut s.alerts {
                a.since = i64::MAX;
            }
        }),
        Box::new(|s| {
            s.alerts = (0..500)
                .map(|i| AlertRow {
                    severity: [
                        Severity::Critical,
                        Severity::Warning,
                        Severity::Unknown,
                        Severity::Info,
                    ][i % 4],
                    name: format!("A{i}"),
                    ..Default::default()
                })
                .collect()
        }),
    ];
    for kind in all_kinds() {
        for (i, m) in mutations.iter().enumerate() {
            let mut s = spec(kind.clone());
            m(&mut s);
            let svg = render_svg(&s);
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{kind:?} mutation {i}"
            );
            assert!(!svg.contains("chart error"), "{kind:?} mutation {i}: {svg}");
        }
    }
}

#[test]
fn server_text_is_escaped() {
    for evil in EVIL {
        let mut s = spec(ChartKind::TimeSeries);
        s.title = evil.to_string();
        s.stale = Some(evil.to_string());
        s.no_value = Some(evil.to_string());
        s.unit = evil.to_string();
        for se in &mut s.series {
            se.name = evil.to_string();
        }
        for a in &mut s.alerts {
            a.name = evil.to_string();
            a.summary = evil.to_string();
            a.labels = evil.to_string();
        }
        s.thresholds.push(Threshold {
            value: Some(1.0),
            color: evil.to_string(),
        });
        let mut kinds = all_kinds();
        kinds.push(ChartKind::Text(evil.to_string()));
        kinds.push(ChartKind::Unsupported(evil.to_string()));
        for kind in kinds {
            s.kind = kind.clone();
            let svg = render_svg(&s);
            let lower = svg.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{kind:?}: {svg}");
            assert!(!lower.contains("<img"), "{kind:?}");
            for tag in lower.split('<').skip(1).filter_map(|t| t.split('>').next()) {
                assert!(
                    !tag.contains("onerror") && !tag.contains("onload"),
                    "{kind:?}: <{tag}>"
                );
            }
            assert!(
                !svg.chars().any(|c| c.is_control() && c != '\n'),
                "{kind:?}: control char"
            );
            assert_eq!(lower.matches("<svg").count(), 1, "{kind:?}");
        }
    }
    // The text is still there, escaped.
    let mut s = spec(ChartKind::TimeSeries);
    s.title = "<img src=x onerror=alert(1)>".into();
    assert!(render_svg(&s).contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn gap_breaks_the_svg_line() {
    let count_paths = |points: Vec<(Millis, f64)>| {
        let mut s = spec(ChartKind::TimeSeries);
        s.thresholds.clear();
        s.series = vec![series("a", points)];
        let svg = render_svg(&s);
        // the series line is the first palette colour, Grafana's green
        svg.lines()
            .filter(|l| l.contains("<polyline") && l.contains("stroke=\"#73BF69\""))
            .count()
    };
    let joined: Vec<(Millis, f64)> = (0..100)
        .map(|i| (i * 15_000, 1.0 + (i % 3) as f64))
        .collect();
    let mut gapped = joined.clone();
    gapped.retain(|p| !(600_000..900_000).contains(&p.0));
    let mut nan = joined.clone();
    if let Some(p) = nan.get_mut(50) {
        p.1 = f64::NAN;
    }
    assert_eq!(count_paths(joined), 1);
    assert_eq!(count_paths(gapped), 2);
    assert_eq!(count_paths(nan), 2);
}

#[test]
fn huge_series_is_reduced() {
    let pts: Vec<(Millis, f64)> = (0..1_000_000).map(|i| (i * 3, (i % 1000) as f64)).collect();
    let mut s = spec(ChartKind::TimeSeries);
    s.series = vec![ChartSeries {
        name: "big".into(),
        step_ms: 3,
        points: pts,
        ..Default::default()
    }];
    let svg = render_svg(&s);
    assert!(svg.len() < 400_000, "svg of {} bytes", svg.len());
}

#[test]
fn no_data_is_grey_not_green() {
    for kind in [
        ChartKind::TimeSeries,
        ChartKind::Stat,
        ChartKind::Gauge,
        ChartKind::BarGauge,
        ChartKind::Table,
    ] {
        let mut s = spec(kind.clone());
        s.series.clear();
        let svg = render_svg(&s);
        assert!(svg.contains("No data"), "{kind:?}");
        assert!(
            !svg.contains(&theme::OK.hex().to_uppercase()) && !svg.contains(&theme::OK.hex()),
            "{kind:?} shows green"
        );
        s.no_value = Some("offline".into());
        assert!(render_svg(&s).contains("offline"), "{kind:?}");
    }
}

#[test]
fn stale_banner_and_state_words() {
    let mut s = spec(ChartKind::Stat);
    s.stale = Some("offline — showing data up to 14:02".into());
    let svg = render_svg(&s);
    assert!(svg.contains("showing data up to 14:02"));
    let s = spec(ChartKind::Stat);
    let svg = render_svg(&s);
    // go-api last value ~ 50 + 40 sin(239/20) -> state word present
    assert!(svg.contains("OK") || svg.contains("WARN") || svg.contains("CRIT"));
    let svg = render_svg(&spec(ChartKind::AlertList));
    for word in [
        "CRIT",
        "UNKNOWN",
        "WARN",
        "SILENCED",
        "Mystery",
        "since 59 min",
    ] {
        assert!(svg.contains(word), "{word}");
    }
}

#[track_caller]
fn check_threshold(v: f64, pct: bool, expect_color: &str, expect_state: Option<State>) {
    let mut s = spec(ChartKind::Stat);
    s.thresholds_percentage = pct;
    s.min = Some(0.0);
    s.max = Some(200.0);
    assert_eq!(threshold_color(v, &s), expect_color, "value {v}");
    assert_eq!(threshold_state(v, &s), expect_state, "value {v}");
}

#[test]
fn thresholds() {
    check_threshold(10.0, false, "#009e73", Some(State::Ok));
    check_threshold(60.0, false, "#e69f00", Some(State::Warn));
    check_threshold(79.9, false, "#e69f00", Some(State::Warn));
    check_threshold(80.0, false, "#d55e00", Some(State::Crit));
    check_threshold(-1e300, false, "#009e73", Some(State::Ok));
    check_threshold(f64::INFINITY, false, "#d55e00", Some(State::Crit));
    check_threshold(f64::NAN, false, "#8e939c", Some(State::NoData));
    // percentage of 0..200: 130 = 65 %
    check_threshold(130.0, true, "#e69f00", Some(State::Warn));
    check_threshold(100.0, true, "#009e73", Some(State::Ok));
    let mut s = spec(ChartKind::Stat);
    s.thresholds.clear();
    assert_eq!(threshold_color(5.0, &s), theme::INFO.hex());
    assert_eq!(threshold_state(5.0, &s), None);
    assert_eq!(state_of_color("dark-red"), Some(State::Crit));
    assert_eq!(state_of_color("blue"), None);
}

#[test]
fn png_has_signature_and_content() {
    let png = match render_png(&spec(ChartKind::TimeSeries)) {
        Ok(p) => p,
        Err(ChartError::NoFont { .. }) => return, // no font on this machine: nothing to test
        Err(e) => panic!("{e}"),
    };
    assert_eq!(png.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]));
    assert!(png.len() > 5_000, "{} bytes", png.len());
    for kind in all_kinds() {
        let mut s = spec(kind);
        s.width = 3;
        s.height = 2;
        assert!(render_png(&s).is_ok());
    }
}

/// Writes samples to /tmp/chart-samples (run with `--ignored` to look at them).
#[test]
#[ignore]
fn write_samples() {
    let dir = std::path::Path::new("/tmp/chart-samples");
    std::fs::create_dir_all(dir).unwrap();
    let now = crate::time::now_ms();
    let from = now - 6 * 3_600_000;
    let mk = |i: i64, phase: f64, amp: f64, base: f64| -> Vec<(Millis, f64)> {
        (0..1440)
            .map(|k| {
                let t = from + k * 15_000;
                let v = base
                    + amp * ((k as f64) / 60.0 + phase).sin()
                    + ((k * 7919 + i) % 13) as f64 * 0.12;
                (t, v)
            })
            .filter(|(t, _)| {
                !(from + 3_600_000 * 2..from + 3_600_000 * 2 + 900_000).contains(t) || i != 0
            })
            .collect()
    };
    let mut base = spec(ChartKind::TimeSeries);
    base.from = from;
    base.to = now;
    base.now = now;
    base.width = 900;
    base.height = 360;
    base.title = "CPU usage by container".into();
    base.series = [
        "go-api",
        "vms-service",
        "storage-service",
        "recording-service",
        "playback-service",
        "livekit",
        "postgres",
        "valkey",
        "minio",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| ChartSeries {
        name: format!("{{container=\"{n}\"}}"),
        step_ms: 15_000,
        points: mk(i as i64, i as f64, 8.0 + i as f64, 20.0 + 7.0 * i as f64),
        ..Default::default()
    })
    .collect();
    for a in &mut base.alerts {
        a.since = now - a.since * 300;
    }
    let mut samples: Vec<(&str, ChartSpec)> = Vec::new();
    samples.push(("timeseries", base.clone()));
    let mut stale = base.clone();
    stale.stale = Some("offline — showing data up to 14:02".into());
    stale.title = "<img src=x onerror=alert(1)> API error rate".into();
    samples.push(("timeseries_stale", stale));
    let mut stat = base.clone();
    stat.kind = ChartKind::Stat;
    stat.title = "Service health".into();
    stat.series.truncate(4);
    stat.series.push(ChartSeries {
        name: "minio".into(),
        step_ms: 15_000,
        points: vec![],
        ..Default::default()
    });
    stat.width = 700;
    stat.height = 240;
    samples.push(("stat", stat.clone()));
    let mut one = stat.clone();
    one.series.truncate(1);
    one.width = 260;
    one.height = 180;
    one.title = "API p95".into();
    samples.push(("stat_one", one));
    let mut gauge = stat.clone();
    gauge.kind = ChartKind::Gauge;
    gauge.title = "Memory usage".into();
    gauge.series.truncate(3);
    samples.push(("gauge", gauge));
    let mut bars = base.clone();
    bars.kind = ChartKind::BarGauge;
    bars.title = "Disk usage".into();
    bars.height = 300;
    samples.push(("bargauge", bars));
    let mut table = base.clone();
    table.kind = ChartKind::Table;
    table.title = "Database pool".into();
    samples.push(("table", table));
    let mut alerts = base.clone();
    alerts.kind = ChartKind::AlertList;
    alerts.title = "Recent alerts".into();
    samples.push(("alerts", alerts));
    let mut text = base.clone();
    text.kind = ChartKind::Text("Operator notes\nCall the on-call engineer at <b>ext 4411</b> if recording stops for more than 5 minutes. This line is long enough to wrap across the panel width to check wrapping.".into());
    text.height = 200;
    samples.push(("text", text));
    let mut unsup = base.clone();
    unsup.kind = ChartKind::Unsupported("heatmap".into());
    unsup.height = 200;
    unsup.width = 400;
    samples.push(("unsupported", unsup));
    let mut gap = base.clone();
    gap.title = "Active stream reservations (gap 17 min, NaN at 2/3)".into();
    gap.unit = "short".into();
    gap.thresholds.clear();
    gap.width = 600;
    gap.height = 260;
    gap.from = now - 3_600_000;
    gap.series = vec![ChartSeries {
        name: "reservations".into(),
        step_ms: 15_000,
        points: (0..240)
            .filter(|k| !(80..150).contains(k))
            .map(|k| {
                (
                    gap.from + k * 15_000,
                    if k == 200 {
                        f64::NAN
                    } else {
                        1200.0 + 300.0 * (k as f64 / 25.0).sin()
                    },
                )
            })
            .collect(),
        ..Default::default()
    }];
    samples.push(("gap", gap));
    let mut empty = base.clone();
    empty.series.clear();
    empty.title = "Stream reservations".into();
    samples.push(("nodata", empty));
    for (name, s) in samples {
        std::fs::write(dir.join(format!("{name}.svg")), render_svg(&s)).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), render_png(&s).unwrap()).unwrap();
    }
}

#[test]
fn stat_shows_the_mapped_text_and_colour() {
    use crate::dashboard::{MappingMatch, ValueMapping};
    let mut s = spec(ChartKind::Stat);
    s.series = vec![series("go-api", vec![(s.to - 1000, 0.0)])];
    s.mappings = vec![ValueMapping {
        matches: MappingMatch::Value("0".into()),
        text: Some("DOWN".into()),
        color: Some("red".into()),
    }];
    let svg = check_svg_ok(&s);
    assert!(svg.contains("\nDOWN\n"), "the mapped text is drawn");
    assert!(
        svg.contains("CRIT"),
        "a red mapping reads as CRIT, not only as a colour"
    );
}

/// A logs panel draws server text as text: markup is escaped by the SVG, control characters are
/// shown as escapes (a raw ESC would make the SVG invalid XML), and only the rows that fit are
/// drawn, newest first.
#[test]
fn logs_panel_lines_are_text_newest_first_and_only_what_fits() {
    let mut s = ChartSpec {
        kind: ChartKind::Logs,
        title: "Errors".into(),
        width: 600,
        height: 120,
        ..Default::default()
    };
    s.options.logs.show_time = true;
    s.logs = (0..50)
        .map(|i| LogRow {
            at: 1_700_000_000_000 + i * 1000,
            level: if i % 2 == 0 { "error" } else { "info" },
            labels: String::new(),
            line: format!("line {i} <script>alert(1)</script> \u{1b}[2J"),
        })
        .collect();
    let svg = render_svg(&s);
    assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
    assert!(
        !svg.contains('\u{1b}'),
        "no raw escape character in the SVG"
    );
    assert!(svg.contains("line 49 ") && svg.contains("error") && svg.contains("info"));
    assert!(
        !svg.contains("line 0 "),
        "the oldest lines do not fit in 120 px"
    );
    s.logs.clear();
    assert!(render_svg(&s).contains("No data"));
}
