//! Real corpus dashboards' time-series panels drawn with synthetic series, to look at next to what
//! Grafana draws for the same JSON: `cargo test -p watchdesk --lib corpus_samples -- --ignored`
//! writes PNGs to /tmp/ts-samples.

use super::super::{
    render_png, render_svg_with_plot, ChartKind, ChartSeries, ChartSpec, Threshold,
};
use super::tests::{elements, lines_of};
use crate::dashboard::field::{self, FieldRef};
use crate::dashboard::field::{ColorMode, FieldColor, StackMode};
use crate::dashboard::Panel;
use crate::dashboard::PanelKind;
use crate::source::Labels;
use crate::time::Millis;

fn panel(file: &str, id: i64) -> Panel {
    let path = format!("{}/tests/dashboards/{file}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(path).unwrap();
    let (d, _) = crate::dashboard::parse(&json).unwrap();
    d.panels.into_iter().find(|p| p.id == id).unwrap()
}

/// One series per (target, label set), valued by `value(name, i)`, 6 h at 1 min.
fn spec(p: &Panel, labels: &[&[(&str, &str)]], value: &dyn Fn(&str, i64) -> f64) -> ChartSpec {
    let to: Millis = 1_700_000_000_000;
    let from = to - 6 * 3_600_000;
    let mut series = Vec::new();
    for q in &p.targets {
        for set in labels {
            let l: Labels = set
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let legend = crate::dashboard::legend_or_expr(&q.legend_format, &l, &q.expr);
            let f = FieldRef {
                name: &legend,
                ref_id: &q.ref_id,
                labels: &l,
            };
            let config = field::resolve(&p.field, &p.overrides, &f);
            let name = match config.display_name.as_deref() {
                Some(t) if !t.trim().is_empty() => field::display_name(t, &f),
                _ => legend.clone(),
            };
            let points = (0..=360)
                .map(|i| (from + i * 60_000, value(&name, i)))
                .collect();
            series.push(ChartSeries {
                name,
                step_ms: 60_000,
                points,
                ref_id: q.ref_id.clone(),
                labels: l,
                config,
            });
        }
    }
    let (width, height) = crate::view::panel_size(p, 1600);
    ChartSpec {
        kind: ChartKind::TimeSeries,
        title: p.title.clone(),
        width,
        height,
        from,
        to,
        unit: p.unit.clone(),
        decimals: p.decimals,
        min: p.min,
        max: p.max,
        thresholds: p
            .thresholds
            .steps
            .iter()
            .map(|s| Threshold {
                value: s.value,
                color: s.color.clone(),
            })
            .collect(),
        thresholds_percentage: p.thresholds.percentage,
        series,
        now: to,
        options: p.options.clone(),
        field: p.field.clone(),
        ..ChartSpec::default()
    }
}

fn wave(i: i64, period: f64, phase: f64) -> f64 {
    ((i as f64) / period + phase).sin()
}

#[test]
#[ignore]
fn corpus_samples() {
    let dir = std::path::Path::new("/tmp/ts-samples");
    std::fs::create_dir_all(dir).unwrap();
    let ne = "node-exporter-full.json";
    let one: &[&[(&str, &str)]] = &[&[]];
    let mut out: Vec<(&str, ChartSpec)> = Vec::new();
    out.push((
        "cpu-basic",
        spec(&panel(ne, 77), one, &|n, i| match n {
            "Busy System" => 0.08 + 0.03 * wave(i, 20.0, 0.0),
            "Busy User" => 0.25 + 0.1 * wave(i, 30.0, 1.0),
            "Busy Iowait" => 0.03,
            "Busy IRQs" => 0.01,
            "Busy Other" => 0.02,
            _ => 0.6 - 0.1 * wave(i, 30.0, 1.0),
        }),
    ));
    out.push((
        "memory-basic",
        spec(&panel(ne, 78), one, &|n, i| {
            let gib = 1024.0 * 1024.0 * 1024.0;
            match n {
                "Total" => 16.0 * gib,
                "Used" => (6.0 + wave(i, 40.0, 0.0)) * gib,
                "Cache + Buffer" => 5.0 * gib,
                "Free" => (5.0 - wave(i, 40.0, 0.0)) * gib,
                _ => 0.5 * gib,
            }
        }),
    ));
    out.push((
        "network-basic",
        spec(
            &panel(ne, 74),
            &[&[("device", "eth0")], &[("device", "lo")]],
            &|n, i| {
                let base = if n.contains("eth0") { 40e6 } else { 5e6 };
                base * (1.0 + 0.5 * wave(i, 25.0, if n.starts_with("Tx") { 2.0 } else { 0.0 }))
            },
        ),
    ));
    out.push((
        "cpu-table-legend",
        spec(&panel(ne, 3), one, &|n, i| {
            let k = (n.len() % 7) as f64;
            (0.02 + 0.01 * k) * (1.2 + wave(i, 15.0 + k, k))
        }),
    ));
    out.push((
        "disk-io-right-axis",
        spec(
            &panel("node-mixin-nodes.json", 8),
            &[&[("device", "sda")], &[("device", "nvme0n1")]],
            &|n, i| {
                if n.ends_with("io time") {
                    0.2 + 0.15 * wave(i, 20.0, 1.0)
                } else {
                    30e6 * (1.0 + 0.6 * wave(i, 12.0, n.len() as f64))
                }
            },
        ),
    ));
    out.push((
        "k8s-cpu-throttling",
        spec(
            &panel("kubernetes-mixin-k8s-resources-pod.json", 2),
            &[&[("container", "app")], &[("container", "sidecar")]],
            &|n, i| {
                if n.contains("app") {
                    0.3 + 0.1 * wave(i, 20.0, 0.0)
                } else {
                    0.05 + 0.03 * wave(i, 9.0, 2.0)
                }
            },
        ),
    ));
    out.push((
        "vm-slow-inserts",
        spec(
            &panel("victoriametrics-single-node.json", 68),
            one,
            &|_, i| (0.08 + 0.06 * wave(i, 30.0, 0.0)).max(0.0),
        ),
    ));
    // Many interfaces: the list wraps to the lines it has, then says how many are left out.
    let devs: Vec<String> = (0..20).map(|k| format!("veth{k:02}a7f3")).collect();
    let sets: Vec<Vec<(&str, &str)>> = devs.iter().map(|d| vec![("device", d.as_str())]).collect();
    let refs: Vec<&[(&str, &str)]> = sets.iter().map(Vec::as_slice).collect();
    let mut many = spec(&panel(ne, 74), &refs, &|n, i| {
        1e6 * (n.len() as f64 + wave(i, 20.0, n.len() as f64))
    });
    many.height = 300;
    out.push(("network-many-interfaces", many));
    // The alert detail's rule chart: the rule's threshold dashed, the series in the palette.
    let mut rule = spec(&panel(ne, 74), &[&[("device", "eth0")]], &|_, i| {
        0.8 + 0.3 * wave(i, 40.0, 0.0)
    });
    rule.series.truncate(1);
    rule.series[0].config = Default::default();
    rule.title = "HighErrorRate — rate(errors[5m])".into();
    rule.thresholds = vec![
        Threshold {
            value: None,
            color: "green".into(),
        },
        Threshold {
            value: Some(1.0),
            color: "red".into(),
        },
    ];
    rule.field = crate::dashboard::field::FieldConfig {
        custom: crate::dashboard::field::Custom {
            thresholds_style: Some(crate::dashboard::field::ThresholdsStyle::Dashed),
            ..Default::default()
        },
        ..Default::default()
    };
    rule.options = Default::default();
    rule.unit = String::new();
    rule.stale = Some("offline — showing data up to 14:02".into());
    out.push(("rule-chart-stale", rule));
    for (name, s) in out {
        std::fs::write(dir.join(format!("{name}.png")), render_png(&s).unwrap()).unwrap();
        std::fs::write(
            dir.join(format!("{name}.svg")),
            super::super::render_svg(&s),
        )
        .unwrap();
    }
}

/// Every time-series panel of every corpus dashboard (tests/dashboards/), with its file.
fn corpus_timeseries() -> Vec<(String, Panel)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboards");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let (d, _) = crate::dashboard::parse(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for p in d.panels {
            if matches!(p.kind, PanelKind::TimeSeries) {
                out.push((name.clone(), p));
            }
        }
    }
    out
}

/// The panel's series (one per target), each with its own fixed colour `#0000NN` so its line can
/// be found in the SVG; everything else as the panel's config resolves it.
fn coloured(p: &Panel, value: &dyn Fn(&str, i64) -> f64) -> (ChartSpec, Vec<String>) {
    let one: &[&[(&str, &str)]] = &[&[]];
    let mut s = spec(p, one, value);
    let mut colors = Vec::new();
    for (i, series) in s.series.iter_mut().enumerate() {
        let c = format!("#0000{:02X}", i + 1);
        series.config.color = Some(FieldColor {
            mode: ColorMode::Fixed,
            fixed: Some(c.clone()),
            series_by: None,
        });
        colors.push(c);
    }
    (s, colors)
}

/// Data-driven over the corpus: in every panel that stacks series as percentages, the top of each
/// stack group lies on the top of the plot (100 %) at every x.
#[test]
fn every_corpus_percent_stack_sums_to_100_percent() {
    let mut checked = 0;
    for (file, p) in corpus_timeseries() {
        let (s, colors) = coloured(&p, &|n, i| 1.0 + (n.len() % 5) as f64 + wave(i, 20.0, 0.5));
        let stacked: Vec<usize> = (0..s.series.len())
            .filter(|&i| {
                let c = &s.series[i].config;
                c.custom
                    .stacking
                    .as_ref()
                    .is_some_and(|st| st.mode == StackMode::Percent)
                    && !c.hide_from().viz
                    && !c.negative_y()
            })
            .collect();
        let Some(&top) = stacked.last() else {
            continue;
        };
        let (svg, plot) = render_svg_with_plot(&s);
        let [_, plot_top, _, _] = plot.expect("a plot area");
        let els = elements(&svg);
        let line = lines_of(&els, &colors[top]);
        assert!(
            !line.is_empty(),
            "{file} panel {} \"{}\": top line drawn",
            p.id,
            p.title
        );
        for l in line {
            for (x, y) in l.points() {
                assert!(
                    (y - plot_top as f64).abs() <= 1.5,
                    "{file} panel {} \"{}\": the percent stack's top is at y {y} (x {x}), \
                     the plot's top (100 %) at {plot_top}",
                    p.id,
                    p.title
                );
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the corpus has percent stacks ({checked} checked)"
    );
}

/// Data-driven over the corpus: with every value positive, each series with the negative-Y
/// transform (Tx mirrored under Rx) lies below every other series of its panel.
#[test]
fn every_corpus_negative_y_series_lies_below_the_others() {
    let mut checked = 0;
    for (file, p) in corpus_timeseries() {
        let (s, colors) = coloured(&p, &|_, i| 1000.0 * (2.0 + wave(i, 25.0, 0.0)));
        let visible = |i: usize| !s.series[i].config.hide_from().viz;
        let (neg, pos): (Vec<usize>, Vec<usize>) = (0..s.series.len())
            .filter(|&i| visible(i))
            .partition(|&i| s.series[i].config.negative_y());
        if neg.is_empty() || pos.is_empty() {
            continue;
        }
        let (svg, _) = render_svg_with_plot(&s);
        let els = elements(&svg);
        let ys = |set: &[usize]| -> Vec<f64> {
            set.iter()
                .flat_map(|&i| lines_of(&els, &colors[i]))
                .flat_map(|l| l.points())
                .map(|p| p.1)
                .collect()
        };
        let (low, high) = (ys(&neg), ys(&pos));
        assert!(
            !low.is_empty() && !high.is_empty(),
            "{file} panel {}: lines drawn",
            p.id
        );
        let lowest_positive = high.iter().cloned().fold(f64::MIN, f64::max);
        let highest_negative = low.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            highest_negative > lowest_positive,
            "{file} panel {} \"{}\": a negative-Y series reaches y {highest_negative}, above a \
             positive series at y {lowest_positive}",
            p.id,
            p.title
        );
        checked += 1;
    }
    assert!(
        checked >= 20,
        "the corpus has negative-Y panels ({checked} checked)"
    );
}
