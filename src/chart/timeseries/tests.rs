//! Drawn time series, read back from the SVG: what an operator would notice.

use super::super::{
    render_svg, render_svg_with_plot, ChartKind, ChartSeries, ChartSpec, Threshold,
};
use crate::dashboard::field::{
    AxisPlacement, ColorMode, Custom, FieldColor, FieldConfig, HideFrom, StackMode, Stacking,
    ThresholdsStyle, Transform,
};
use crate::dashboard::options::LegendOptions;
use crate::time::Millis;
use std::collections::HashMap;

/// One SVG element: its tag, attributes and text.
#[derive(Debug)]
pub(super) struct El {
    tag: String,
    attrs: HashMap<String, String>,
    text: String,
}

impl El {
    fn attr(&self, k: &str) -> &str {
        self.attrs.get(k).map(String::as_str).unwrap_or("")
    }
    fn num(&self, k: &str) -> f64 {
        self.attr(k).parse().unwrap_or(f64::NAN)
    }
    pub(super) fn points(&self) -> Vec<(f64, f64)> {
        self.attr("points")
            .split_whitespace()
            .filter_map(|p| {
                let (x, y) = p.split_once(',')?;
                Some((x.parse().ok()?, y.parse().ok()?))
            })
            .collect()
    }
}

pub(super) fn elements(svg: &str) -> Vec<El> {
    let re = regex::Regex::new(r#"([a-zA-Z-]+)="([^"]*)""#).unwrap();
    svg.split('<')
        .skip(1)
        .filter(|c| !c.starts_with('/'))
        .map(|chunk| {
            let (head, text) = chunk.split_once('>').unwrap_or((chunk, ""));
            let tag = head.split_whitespace().next().unwrap_or("").to_string();
            let attrs = re
                .captures_iter(head)
                .map(|c| (c[1].to_string(), c[2].to_string()))
                .collect();
            El {
                tag,
                attrs,
                text: text.trim().to_string(),
            }
        })
        .collect()
}

/// The series polylines of a colour (`#RRGGBB` as plotters writes it).
pub(super) fn lines_of<'a>(els: &'a [El], color: &str) -> Vec<&'a El> {
    els.iter()
        .filter(|e| e.tag == "polyline" && e.attr("stroke").eq_ignore_ascii_case(color))
        .collect()
}

fn texts(els: &[El]) -> Vec<&str> {
    els.iter()
        .filter(|e| e.tag == "text")
        .map(|e| e.text.as_str())
        .collect()
}

fn flat(v: f64) -> Vec<(Millis, f64)> {
    (0..=240).map(|i| (i * 15_000, v)).collect()
}

fn wave(phase: f64, base: f64) -> Vec<(Millis, f64)> {
    (0..=240)
        .map(|i| (i * 15_000, base + 10.0 * ((i as f64) / 15.0 + phase).sin()))
        .collect()
}

fn series(name: &str, points: Vec<(Millis, f64)>, config: FieldConfig) -> ChartSeries {
    ChartSeries {
        name: name.into(),
        step_ms: 15_000,
        points,
        config,
        ..Default::default()
    }
}

fn spec(series: Vec<ChartSeries>) -> ChartSpec {
    ChartSpec {
        kind: ChartKind::TimeSeries,
        width: 800,
        height: 400,
        from: 0,
        to: 3_600_000,
        series,
        ..ChartSpec::default()
    }
}

fn fixed(color: &str) -> FieldConfig {
    FieldConfig {
        color: Some(FieldColor {
            mode: ColorMode::Fixed,
            fixed: Some(color.into()),
            series_by: None,
        }),
        ..FieldConfig::default()
    }
}

fn with(mut c: FieldConfig, f: impl FnOnce(&mut Custom)) -> FieldConfig {
    f(&mut c.custom);
    c
}

#[track_caller]
fn check_palette(n: usize, expect: &[&str]) {
    let s = spec(
        (0..n)
            .map(|i| {
                series(
                    &format!("s{i}"),
                    wave(i as f64, 50.0),
                    FieldConfig::default(),
                )
            })
            .collect(),
    );
    let els = elements(&render_svg(&s));
    for (i, c) in expect.iter().enumerate() {
        assert!(
            !lines_of(&els, c).is_empty(),
            "series {i} is not drawn in {c}"
        );
    }
}

#[test]
fn series_take_grafanas_classic_palette_in_order() {
    check_palette(
        6,
        &[
            "#73BF69", "#FADE2A", "#5794F2", "#FF9830", "#F2495C", "#B877D9",
        ],
    );
    // The hover uses the same colours as the lines.
    let s = spec(
        (0..3)
            .map(|i| series("x", flat(i as f64), FieldConfig::default()))
            .collect(),
    );
    let hex: Vec<String> = super::series_colors(&s.series)
        .iter()
        .map(|c| c.hex())
        .collect();
    assert_eq!(hex, ["#73bf69", "#fade2a", "#5794f2"]);
}

#[test]
fn an_overrides_fixed_colour_wins() {
    let s = spec(vec![
        series("Busy User", wave(0.0, 50.0), fixed("#0A437C")),
        series("Idle", wave(1.0, 20.0), fixed("dark-red")),
    ]);
    let els = elements(&render_svg(&s));
    assert!(!lines_of(&els, "#0A437C").is_empty());
    assert!(
        !lines_of(&els, "#C4162A").is_empty(),
        "dark-red is Grafana's #C4162A"
    );
    assert!(lines_of(&els, "#73BF69").is_empty(), "no palette colour");
}

fn percent_stack() -> FieldConfig {
    with(fixed("#000001"), |c| {
        c.stacking = Some(Stacking {
            mode: StackMode::Percent,
            group: "A".into(),
        });
        c.fill_opacity = Some(40.0);
    })
}

#[test]
fn a_percent_stack_tops_out_at_100_percent_at_every_x() {
    let colors = ["#000001", "#000002", "#000003"];
    let s = spec(
        colors
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut cfg = percent_stack();
                cfg.color = fixed(c).color;
                series(
                    &format!("mode {i}"),
                    wave(i as f64, 20.0 + 10.0 * i as f64),
                    cfg,
                )
            })
            .collect(),
    );
    let (svg, plot) = render_svg_with_plot(&s);
    let [_, top, _, bottom] = plot.unwrap();
    let els = elements(&svg);
    let top_line = lines_of(&els, "#000003");
    assert!(!top_line.is_empty());
    for l in &top_line {
        for (_, y) in l.points() {
            assert!(
                (y - top as f64).abs() <= 1.0,
                "top of the stack at y {y}, plot top {top}"
            );
        }
    }
    // The lower bands lie strictly inside the plot, ordered.
    let low = lines_of(&els, "#000001");
    let mid = lines_of(&els, "#000002");
    let (lp, mp) = (low[0].points(), mid[0].points());
    assert!(lp
        .iter()
        .zip(&mp)
        .all(|(a, b)| a.1 > b.1 && a.1 < bottom as f64));
    let t = texts(&els);
    assert!(t.contains(&"100%") && t.contains(&"0%"), "{t:?}");
    // Filled: translucent polygons.
    assert!(els
        .iter()
        .any(|e| e.tag == "polygon" && e.attr("fill") == "#000001" && e.num("opacity") < 0.5));
}

#[test]
fn a_negative_y_series_lies_below_zero() {
    let neg = with(fixed("#00000B"), |c| {
        c.transform = Some(Transform::NegativeY)
    });
    let mut s = spec(vec![
        series("Rx eth0", wave(0.0, 50.0), fixed("#00000A")),
        series("Tx eth0", wave(1.0, 50.0), neg),
    ]);
    s.min = Some(-100.0);
    s.max = Some(100.0);
    let (svg, plot) = render_svg_with_plot(&s);
    let [_, top, _, bottom] = plot.unwrap();
    let zero = (top + bottom) as f64 / 2.0;
    let els = elements(&svg);
    let rx: Vec<(f64, f64)> = lines_of(&els, "#00000A")
        .iter()
        .flat_map(|e| e.points())
        .collect();
    let tx: Vec<(f64, f64)> = lines_of(&els, "#00000B")
        .iter()
        .flat_map(|e| e.points())
        .collect();
    assert!(!rx.is_empty() && !tx.is_empty());
    assert!(rx.iter().all(|p| p.1 < zero), "Rx above zero");
    assert!(tx.iter().all(|p| p.1 > zero), "Tx below zero");
}

#[test]
fn hide_from_viz_and_legend() {
    let hide = |h: HideFrom, c: &str| with(fixed(c), |x| x.hide_from = Some(h));
    let s = spec(vec![
        series("shown", wave(0.0, 50.0), fixed("#00000A")),
        series(
            "not drawn",
            wave(1.0, 50.0),
            hide(
                HideFrom {
                    viz: true,
                    ..HideFrom::default()
                },
                "#00000B",
            ),
        ),
        series(
            "not listed",
            wave(2.0, 50.0),
            hide(
                HideFrom {
                    legend: true,
                    ..HideFrom::default()
                },
                "#00000C",
            ),
        ),
    ]);
    let els = elements(&render_svg(&s));
    assert!(!lines_of(&els, "#00000A").is_empty());
    assert!(
        lines_of(&els, "#00000B").is_empty(),
        "hideFrom.viz is not drawn"
    );
    assert!(
        !lines_of(&els, "#00000C").is_empty(),
        "hideFrom.legend is drawn"
    );
    let t = texts(&els);
    assert!(t.contains(&"shown") && t.contains(&"not drawn"), "{t:?}");
    assert!(!t.contains(&"not listed"), "{t:?}");
}

#[test]
fn a_second_unit_gets_a_right_axis_with_its_own_ticks() {
    let bytes = FieldConfig {
        unit: Some("bytes".into()),
        ..fixed("#00000B")
    };
    let mut s = spec(vec![
        series("cpu", wave(0.0, 50.0), fixed("#00000A")),
        series("mem", wave(1.0, 5e9), bytes),
    ]);
    s.unit = "percent".into();
    let (svg, plot) = render_svg_with_plot(&s);
    let [left, _, right, _] = plot.unwrap();
    let els = elements(&svg);
    let labels: Vec<&El> = els.iter().filter(|e| e.tag == "text").collect();
    assert!(
        labels
            .iter()
            .any(|e| e.text.ends_with('%') && e.num("x") < left as f64),
        "percent ticks on the left"
    );
    assert!(
        labels
            .iter()
            .any(|e| e.text.ends_with("GiB") && e.num("x") > right as f64),
        "bytes ticks on the right"
    );
    assert!(!labels
        .iter()
        .any(|e| e.text.ends_with("GiB") && e.num("x") < left as f64));
    // An explicit placement moves it.
    let mut s2 = s.clone();
    s2.series[1].config.custom.axis_placement = Some(AxisPlacement::Hidden);
    let els = elements(&render_svg(&s2));
    assert!(
        !texts(&els).iter().any(|t| t.ends_with("GiB")),
        "a hidden axis has no labels"
    );
}

fn legend(table: bool, calcs: &[&str]) -> LegendOptions {
    LegendOptions {
        table,
        calcs: calcs.iter().map(|c| c.to_string()).collect(),
        ..LegendOptions::default()
    }
}

#[test]
fn a_table_legend_shows_the_calcs_columns_and_values() {
    let ms = FieldConfig {
        unit: Some("ms".into()),
        ..FieldConfig::default()
    };
    let mut s = spec(vec![
        series(
            "api",
            (0..=240).map(|i| (i * 15_000, (i % 13) as f64)).collect(),
            ms.clone(),
        ),
        series("db", flat(3.0), ms),
    ]);
    s.options.legend = legend(true, &["min", "max", "mean", "lastNotNull"]);
    let t: Vec<String> = texts(&elements(&render_svg(&s)))
        .iter()
        .map(|t| t.to_string())
        .collect();
    for want in [
        "Min", "Max", "Mean", "Last *", "api", "db", "12 ms", "0 ms", "3 ms",
    ] {
        assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
    }
    // Sorted by a column, descending.
    s.options.legend.sort_by = Some("Max".into());
    s.options.legend.sort_desc = false;
    let els = elements(&render_svg(&s));
    let y = |name: &str| {
        els.iter()
            .find(|e| e.tag == "text" && e.text == name)
            .map(|e| e.num("y"))
            .unwrap()
    };
    assert!(
        y("db") < y("api"),
        "ascending by Max: db (3) above api (12)"
    );
}

#[test]
fn a_list_legend_appends_the_calcs() {
    let mut s = spec(vec![series(
        "api",
        flat(12.0),
        FieldConfig {
            unit: Some("ms".into()),
            ..FieldConfig::default()
        },
    )]);
    s.options.legend = legend(false, &["max"]);
    let t = texts(&elements(&render_svg(&s))).join("|");
    assert!(t.contains("api  Max: 12 ms"), "{t}");
    s.options.legend.show = false;
    assert!(
        !texts(&elements(&render_svg(&s))).contains(&"api"),
        "hidden legend"
    );
}

#[track_caller]
fn check_more(table: bool, right: bool, n: usize) {
    let mut s = spec(
        (0..n)
            .map(|i| {
                series(
                    &format!("interface number {i}"),
                    flat(i as f64),
                    FieldConfig::default(),
                )
            })
            .collect(),
    );
    s.options.legend = legend(table, if table { &["max"] } else { &[] });
    s.options.legend.right = right;
    let els = elements(&render_svg(&s));
    let t = texts(&els);
    let listed = t
        .iter()
        .filter(|x| x.starts_with("interface number"))
        .count();
    let more: usize = t
        .iter()
        .find_map(|x| x.strip_prefix('+').and_then(|r| r.strip_suffix(" more")))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(listed > 0, "table {table} right {right}: nothing listed");
    assert_eq!(
        listed + more,
        n,
        "table {table} right {right}: {listed} listed + {more} more"
    );
    assert!(more > 0, "table {table} right {right}: all {n} fit?");
}

#[test]
fn long_legends_say_how_many_are_left_out() {
    for (table, right) in [(false, false), (true, false), (false, true), (true, true)] {
        check_more(table, right, 60);
    }
}

fn thresholds_spec(style: Option<ThresholdsStyle>) -> ChartSpec {
    let mut s = spec(vec![series(
        "cpu",
        wave(0.0, 50.0),
        with(fixed("#00000A"), |c| c.thresholds_style = style),
    )]);
    s.thresholds = vec![
        Threshold {
            value: None,
            color: "green".into(),
        },
        Threshold {
            value: Some(55.0),
            color: "red".into(),
        },
    ];
    s
}

#[test]
fn thresholds_draw_only_as_asked() {
    let red_line = |els: &[El]| !lines_of(els, "#F2495C").is_empty();
    let band = |els: &[El], c: &str| {
        els.iter().any(|e| {
            e.tag == "rect" && e.attr("fill") == c && (e.num("opacity") - 0.15).abs() < 1e-6
        })
    };
    let off = elements(&render_svg(&thresholds_spec(None)));
    assert!(!red_line(&off) && !band(&off, "#F2495C"), "off by default");
    let off = elements(&render_svg(&thresholds_spec(Some(ThresholdsStyle::Off))));
    assert!(!red_line(&off) && !band(&off, "#73BF69"));
    let line = elements(&render_svg(&thresholds_spec(Some(ThresholdsStyle::Line))));
    assert!(red_line(&line) && !band(&line, "#F2495C"));
    let dashed = elements(&render_svg(&thresholds_spec(Some(ThresholdsStyle::Dashed))));
    assert!(lines_of(&dashed, "#F2495C").len() > 5, "dashes");
    let area = elements(&render_svg(&thresholds_spec(Some(ThresholdsStyle::Area))));
    assert!(band(&area, "#F2495C") && band(&area, "#73BF69") && !red_line(&area));
    let both = elements(&render_svg(&thresholds_spec(Some(
        ThresholdsStyle::LineAndArea,
    ))));
    assert!(band(&both, "#F2495C") && red_line(&both));
}

#[test]
fn styles_lines_bars_points_and_dashes() {
    let style = |f: &dyn Fn(&mut Custom)| {
        let mut c = fixed("#00000A");
        f(&mut c.custom);
        elements(&render_svg(&spec(vec![series("x", wave(0.0, 50.0), c)])))
    };
    let els = style(&|_| {});
    let plain = lines_of(&els, "#00000A");
    assert_eq!(plain.len(), 1, "one solid line");
    assert_eq!(
        plain[0].attr("stroke-width"),
        "1",
        "Grafana's default width"
    );
    let els = style(&|c| c.line_width = Some(3.0));
    assert_eq!(lines_of(&els, "#00000A")[0].attr("stroke-width"), "3");
    let els = style(&|c| c.dash = Some(vec![10.0, 10.0]));
    assert!(lines_of(&els, "#00000A").len() > 10, "dashes");
    let els = style(&|c| {
        c.draw_style = Some(crate::dashboard::field::DrawStyle::Bars);
        c.fill_opacity = Some(80.0);
    });
    assert!(
        els.iter()
            .filter(|e| e.tag == "rect" && e.attr("fill") == "#00000A")
            .count()
            > 100,
        "a bar per point"
    );
    let els = style(&|c| c.draw_style = Some(crate::dashboard::field::DrawStyle::Points));
    assert!(lines_of(&els, "#00000A").is_empty());
    assert!(
        els.iter()
            .filter(|e| e.tag == "circle" && e.attr("fill") == "#00000A")
            .count()
            > 100
    );
    let els = style(&|c| {
        c.line_interpolation = Some(crate::dashboard::field::LineInterpolation::StepAfter)
    });
    let pts = lines_of(&els, "#00000A")[0].points();
    assert!(
        pts.windows(2).all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1),
        "steps are horizontal or vertical"
    );
}

#[test]
fn span_nulls_joins_gaps() {
    let mut pts = wave(0.0, 50.0);
    pts.retain(|p| !(600_000..900_000).contains(&p.0));
    let count = |span: Option<crate::dashboard::field::SpanNulls>| {
        let c = with(fixed("#00000A"), |c| c.span_nulls = span);
        lines_of(
            &elements(&render_svg(&spec(vec![series("x", pts.clone(), c)]))),
            "#00000A",
        )
        .len()
    };
    use crate::dashboard::field::SpanNulls;
    assert_eq!(count(None), 2, "a gap breaks the line");
    assert_eq!(count(Some(SpanNulls::Always)), 1);
    assert_eq!(count(Some(SpanNulls::UpTo(600_000))), 1);
    assert_eq!(count(Some(SpanNulls::UpTo(60_000))), 2);
}

#[test]
fn log_scale_ticks_at_powers() {
    let c = with(fixed("#00000A"), |c| c.log_base = Some(10.0));
    let pts: Vec<(Millis, f64)> = (1..=240)
        .map(|i| (i * 15_000, (i * i * i) as f64))
        .collect();
    let t: Vec<String> = texts(&elements(&render_svg(&spec(vec![series("x", pts, c)]))))
        .iter()
        .map(|s| s.to_string())
        .collect();
    for want in ["1", "10", "100", "1000"] {
        assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
    }
    assert!(!t.iter().any(|x| x == "500"), "no linear ticks: {t:?}");
}

#[test]
fn a_stacked_month_draws_from_the_pixels() {
    // A million samples per series, stacked: the drawing stays the size of the pixels.
    let big: Vec<(Millis, f64)> = (0..1_000_000).map(|i| (i * 3, (i % 1000) as f64)).collect();
    let c = with(FieldConfig::default(), |c| {
        c.stacking = Some(Stacking {
            mode: StackMode::Normal,
            group: "A".into(),
        });
        c.fill_opacity = Some(30.0);
    });
    let mut s = spec(vec![
        series("a", big.clone(), c.clone()),
        series("b", big, c),
    ]);
    s.series.iter_mut().for_each(|x| x.step_ms = 3);
    let svg = render_svg(&s);
    assert!(svg.len() < 400_000, "svg of {} bytes", svg.len());
}

#[test]
fn server_text_in_axis_labels_and_legends_is_escaped() {
    let evil = "<script>alert(1)</script>";
    let c = FieldConfig {
        unit: Some(evil.into()),
        ..with(FieldConfig::default(), |c| c.axis_label = Some(evil.into()))
    };
    let mut s = spec(vec![series(evil, flat(1.0), c)]);
    s.options.legend = legend(true, &["max"]);
    let svg = render_svg(&s);
    assert!(!svg.to_ascii_lowercase().contains("<script"), "{svg}");
    assert!(svg.contains("&lt;script&gt;"));
}

#[test]
fn every_option_together_at_odd_sizes_and_values_draws() {
    let stacked = |mode| {
        with(FieldConfig::default(), |c| {
            c.stacking = Some(Stacking {
                mode,
                group: "A".into(),
            });
            c.fill_opacity = Some(50.0);
        })
    };
    let right = FieldConfig {
        unit: Some("bytes".into()),
        ..with(FieldConfig::default(), |c| {
            c.axis_placement = Some(AxisPlacement::Right);
            c.log_base = Some(2.0);
            c.axis_label = Some("memory".into());
        })
    };
    let odd: Vec<(Millis, f64)> = vec![
        (0, f64::NAN),
        (15_000, f64::INFINITY),
        (30_000, -f64::MAX),
        (45_000, 0.0),
        (60_000, -5.0),
    ];
    let mut s = spec(vec![
        series("p1", wave(0.0, 50.0), stacked(StackMode::Percent)),
        series("p2", odd.clone(), stacked(StackMode::Percent)),
        series("n1", wave(1.0, -50.0), stacked(StackMode::Normal)),
        series(
            "tx",
            wave(2.0, 5.0),
            with(stacked(StackMode::Normal), |c| {
                c.transform = Some(Transform::NegativeY)
            }),
        ),
        series("log", odd, right),
        series(
            "const",
            wave(3.0, 1.0),
            with(FieldConfig::default(), |c| {
                c.transform = Some(Transform::Constant)
            }),
        ),
    ]);
    s.options.legend = legend(true, &["min", "max", "p95", "stdDev"]);
    s.options.legend.right = true;
    s.options.legend.width = Some(1e9);
    s.thresholds = vec![
        Threshold {
            value: Some(f64::NAN),
            color: "".into(),
        },
        Threshold {
            value: Some(10.0),
            color: "transparent".into(),
        },
    ];
    s.field.custom.thresholds_style = Some(ThresholdsStyle::DashedAndArea);
    for (w, h) in [
        (800, 400),
        (60, 40),
        (120, 90),
        (8192, 30),
        (24, 8192),
        (1, 1),
    ] {
        for right in [true, false] {
            let mut x = s.clone();
            (x.width, x.height) = (w, h);
            x.options.legend.right = right;
            let svg = render_svg(&x);
            assert!(
                svg.trim_end().ends_with("</svg>") && !svg.contains("chart error"),
                "{w}x{h}"
            );
        }
    }
}
