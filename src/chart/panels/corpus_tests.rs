//! Panels of the public dashboard corpus (`tests/dashboards/`, see its SOURCES.md) drawn from
//! synthetic series: what Grafana would show for that JSON.

use super::super::{render_png, render_svg, ChartSeries, ChartSpec};
use super::tests::{series, spec};
use crate::dashboard::field::{FieldMatcher, StackMode, Transform};
use crate::dashboard::{Dashboard, Panel, PanelKind};

fn corpus(file: &str) -> Dashboard {
    let path = format!("{}/tests/dashboards/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    crate::dashboard::parse(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .0
}

fn by_id(d: &Dashboard, id: i64) -> Panel {
    d.panel(id)
        .cloned()
        .unwrap_or_else(|| panic!("no panel {id} in {}", d.title))
}

fn by_title(d: &Dashboard, title: &str) -> Panel {
    d.panels
        .iter()
        .find(|p| p.title.trim() == title)
        .cloned()
        .unwrap_or_else(|| panic!("no panel {title:?} in {}", d.title))
}

const FILES: &[&str] = &[
    "alertmanager-mixin-overview.json",
    "blackbox-exporter-mixin.json",
    "cilium-overview.json",
    "dockprom-docker-containers.json",
    "grafana-prometheus-2-stats.json",
    "grafana-prometheus-stats.json",
    "kubernetes-mixin-k8s-resources-cluster.json",
    "kubernetes-mixin-k8s-resources-pod.json",
    "minio-dashboard.json",
    "node-exporter-full-old.json",
    "node-exporter-full.json",
    "node-mixin-cluster-rsrc-use.json",
    "node-mixin-nodes.json",
    "postgres-exporter-overview.json",
    "prometheus-mixin-overview.json",
    "redis-exporter-0.3x.json",
    "redis-exporter.json",
    "thanos-query.json",
    "unbound-full.json",
    "victoriametrics-alert-statistics.json",
    "victoriametrics-single-node.json",
];

#[test]
fn every_corpus_panel_is_drawn_as_its_kind() {
    for f in FILES {
        let d = corpus(f);
        for p in &d.panels {
            assert!(
                !matches!(p.kind, PanelKind::Unsupported(_)),
                "{f}: panel {} {:?} is {:?}",
                p.id,
                p.title,
                p.kind
            );
            let raw = p.raw.get("type").and_then(|t| t.as_str()).unwrap_or("");
            if raw == "graph" {
                assert_eq!(p.kind, PanelKind::TimeSeries, "{f}: {}", p.title);
            }
            if raw == "singlestat" {
                assert!(
                    matches!(p.kind, PanelKind::Stat | PanelKind::Gauge),
                    "{f}: {}",
                    p.title
                );
            }
        }
    }
}

#[test]
fn node_exporter_old_graphs_are_migrated() {
    let d = corpus("node-exporter-full-old.json");
    let net = by_id(&d, 74);
    assert_eq!(net.title, "Network Traffic Basic");
    assert_eq!(net.unit, "bytes");
    assert_eq!(net.field.custom.fill_opacity, Some(40.0), "fill 4");
    let tx = net
        .overrides
        .iter()
        .find(|o| o.matcher == FieldMatcher::ByRegexp("/.*trans.*/".into()))
        .unwrap_or_else(|| panic!("{:#?}", net.overrides));
    assert_eq!(tx.config.custom.transform, Some(Transform::NegativeY));
    let aliases = net
        .overrides
        .iter()
        .filter(|o| matches!(o.matcher, FieldMatcher::ByName(_)))
        .count();
    assert_eq!(aliases, 23, "one fixed colour per aliasColors entry");
    // The old graph's legend and tooltip.
    assert!(net.options.legend.show && !net.options.legend.table);
    let stacked = d
        .panels
        .iter()
        .filter(|p| p.raw.get("stack").and_then(|s| s.as_bool()) == Some(true))
        .collect::<Vec<_>>();
    assert!(!stacked.is_empty());
    assert!(stacked
        .iter()
        .all(|p| p.field.stack_mode() == StackMode::Normal));
}

#[test]
fn node_exporter_old_singlestats() {
    let d = corpus("node-exporter-full-old.json");
    let cpu = by_id(&d, 20);
    assert_eq!(
        (cpu.title.as_str(), &cpu.kind),
        ("CPU Busy", &PanelKind::Gauge)
    );
    assert_eq!(
        (cpu.min, cpu.max, cpu.unit.as_str()),
        (Some(0.0), Some(100.0), "percent")
    );
    assert_eq!(cpu.reduce, "lastNotNull", "valueName current");
    let steps: Vec<Option<f64>> = cpu.thresholds.steps.iter().map(|s| s.value).collect();
    assert_eq!(steps, [None, Some(85.0), Some(95.0)]);
    let s = spec(&cpu, vec![series(&cpu, "A", &[], &[40.0, 97.0])], 300, 240);
    let svg = render_svg(&s);
    assert!(
        svg.contains("97%") && svg.contains("CRIT"),
        "97% is past the 95 step"
    );
}

#[test]
fn uncoloured_singlestats_stay_uncoloured() {
    // redis 0.3x "Uptime": colorValue and colorBackground false, thresholds "" : Grafana draws it
    // in the text colour.
    let d = corpus("redis-exporter-0.3x.json");
    let up = by_title(&d, "Uptime");
    assert_eq!(up.kind, PanelKind::Stat);
    assert_eq!(
        up.options.stat.color_mode,
        crate::dashboard::options::StatColorMode::None
    );
    let s = spec(
        &up,
        vec![series(&up, "A", &[], &[86_400.0, 90_000.0])],
        300,
        160,
    );
    let svg = render_svg(&s);
    assert!(
        !svg.contains("CRIT") && !svg.contains("OK"),
        "no state word"
    );
    let none = spec(&up, vec![], 300, 160);
    assert!(render_svg(&none).contains("N/A") || render_svg(&none).contains("No data"));
}

/// Series for each of `queries` (refIds A, B, …) with one `label=value` each and a value.
fn table_series(p: &Panel, label: &str, rows: &[(&str, &[f64])]) -> Vec<ChartSeries> {
    let mut out = Vec::new();
    for (v, values) in rows {
        for (q, x) in p.targets.iter().zip(values.iter()) {
            out.push(series(p, &q.ref_id, &[(label, v)], &[*x]));
        }
    }
    out
}

#[test]
fn kubernetes_mixin_quota_table_joins_seven_queries() {
    let d = corpus("kubernetes-mixin-k8s-resources-cluster.json");
    let p = by_id(&d, 8);
    assert_eq!(p.transformations.len(), 2, "joinByField and organize");
    assert!(p.ignored.is_empty(), "{:?}", p.ignored);
    let s = spec(
        &p,
        table_series(
            &p,
            "namespace",
            &[
                ("monitoring", &[12.0, 4.0, 0.5, 1.0, 0.5, 2.0, 0.25]),
                ("default", &[3.0, 1.0, 0.1, 0.2, 0.5, 0.0, f64::NAN]),
            ],
        ),
        1400,
        300,
    );
    let frames = super::table::table_frames(&s);
    assert_eq!(frames.len(), 1);
    assert_eq!(
        frames[0].names(),
        [
            "Namespace",
            "Pods",
            "Workloads",
            "CPU Usage",
            "CPU Requests",
            "CPU Requests %",
            "CPU Limits",
            "CPU Limits %"
        ]
    );
    let svg = render_svg(&s);
    assert!(svg.contains("monitoring") && svg.contains("default"));
    assert!(
        svg.contains("\n25%\n"),
        "the /%/ override makes CPU Limits % a percentunit"
    );
}

#[test]
fn node_mixin_disk_table_groups_merges_and_calculates() {
    let d = corpus("node-mixin-nodes.json");
    let p = by_title(&d, "Disk Space Usage");
    assert!(p.ignored.is_empty(), "{:?}", p.ignored);
    let gib = 1024.0 * 1024.0 * 1024.0;
    let s = spec(
        &p,
        table_series(
            &p,
            "mountpoint",
            &[
                ("/var", &[100.0 * gib, 10.0 * gib]),
                ("/", &[50.0 * gib, 40.0 * gib]),
            ],
        ),
        700,
        250,
    );
    let f = super::table::table_frames(&s);
    assert_eq!(
        f[0].names(),
        ["Mounted on", "Size", "Available", "Used", "Used, %"]
    );
    let svg = render_svg(&s);
    assert!(
        svg.contains("90%") && svg.contains("20%"),
        "Used, % is (size - avail) / size"
    );
    let at = |t: &str| svg.find(t).unwrap_or(usize::MAX);
    assert!(at("\n/\n") < at("\n/var\n"), "sorted by Mounted on");
}

#[test]
fn victoriametrics_alert_table_organizes_and_sorts() {
    let d = corpus("victoriametrics-alert-statistics.json");
    let p = by_title(&d, "FIRING over time by group");
    let s = spec(
        &p,
        vec![
            series(
                &p,
                "A",
                &[("group", "vmalert-a"), ("alertname", "X")],
                &[3.0],
            ),
            series(
                &p,
                "A",
                &[("group", "vmalert-b"), ("alertname", "Y")],
                &[9.0],
            ),
        ],
        600,
        300,
    );
    let f = super::table::table_frames(&s);
    assert_eq!(f[0].names(), ["Group", "Count"]);
    let svg = render_svg(&s);
    assert!(
        svg.find("vmalert-b") < svg.find("vmalert-a"),
        "Count, descending"
    );
}

/// Cumulative bucket counters of one histogram, as `rate(x_bucket)` returns them.
fn buckets(p: &Panel, les: &[&str], n: usize) -> Vec<ChartSeries> {
    les.iter()
        .enumerate()
        .map(|(i, le)| {
            let values: Vec<f64> = (0..n)
                .map(|t| {
                    let spread = 1.0 + (t as f64 / 9.0).sin() * 0.5;
                    (0..=i)
                        .map(|k| 10.0 * (-((k as f64 - 6.0 * spread).powi(2)) / 6.0).exp())
                        .sum()
                })
                .collect();
            series(p, "A", &[("le", le)], &values)
        })
        .collect()
}

#[test]
fn unbound_response_time_heatmap() {
    let d = corpus("unbound-full.json");
    let p = by_title(&d, "Response time");
    assert_eq!(p.kind, PanelKind::Heatmap);
    let h = &p.options.heatmap;
    assert_eq!(
        (h.scheme.as_str(), h.steps, h.cell_gap, h.show_legend),
        ("Spectral", 128, 2, false)
    );
    assert_eq!(h.y_unit.as_deref(), Some("s"));
    assert!(p.ignored.is_empty(), "{:?}", p.ignored);
    let les = [
        "3.2e-05", "6.4e-05", "0.000128", "0.000256", "0.000512", "0.001024", "0.002048",
        "0.004096", "0.008192", "0.016384",
    ];
    let s = spec(&p, buckets(&p, &les, 60), 800, 330);
    let b = super::heatmap::buckets(&s, 400).unwrap_or_else(|| panic!("buckets"));
    assert_eq!(b.bounds.len(), les.len());
    let col = b
        .values
        .iter()
        .rev()
        .find(|c| c.iter().all(Option::is_some))
        .cloned()
        .unwrap_or_default();
    assert!(
        col.iter().flatten().all(|v| *v >= 0.0 && *v <= 10.0),
        "de-accumulated: {col:?}"
    );
}

#[test]
fn victoriametrics_firing_timeline() {
    let d = corpus("victoriametrics-alert-statistics.json");
    let p = by_id(&d, 7);
    assert_eq!(p.kind, PanelKind::StateTimeline);
    assert!(p.options.timeline.merge_values);
    assert!(p.ignored.is_empty(), "{:?}", p.ignored);
    let s = spec(
        &p,
        vec![
            series(
                &p,
                "A",
                &[("alertname", "DiskFull")],
                &[0.0, 0.0, 3.0, 3.0, 6.0, 0.0],
            ),
            series(&p, "A", &[("alertname", "Quiet")], &[0.0; 6]),
        ],
        900,
        200,
    );
    let svg = render_svg(&s);
    assert!(svg.contains("DiskFull") && svg.contains("Quiet"));
}

#[test]
fn minio_capacity_donut() {
    let d = corpus("minio-dashboard.json");
    let p = by_title(&d, "Capacity");
    assert_eq!(p.kind, PanelKind::PieChart);
    assert!(p.options.pie.donut);
    let s = spec(
        &p,
        vec![series(&p, "A", &[], &[3e12]), series(&p, "B", &[], &[1e12])],
        400,
        300,
    );
    let parts = super::piechart::slices(&s);
    let names: Vec<&str> = parts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Used", "Free"]);
    assert_eq!(parts[0].share, 0.75);
    let orange = crate::chart::parse_color("orange").map(|c| c.rgb);
    assert_eq!(
        Some(parts[0].color),
        orange,
        "the Used override's fixed colour"
    );
    assert!(render_svg(&s).contains("75%"));
}

/// Writes PNGs of corpus panels with synthetic series to /tmp/wd-panels, to look at next to
/// Grafana (`cargo test -p watchdesk --lib write_corpus_samples -- --ignored`).
#[test]
#[ignore]
fn write_corpus_samples() {
    let dir = std::path::Path::new("/tmp/wd-panels");
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    let wave = |n: usize, base: f64, amp: f64| -> Vec<f64> {
        (0..n)
            .map(|i| base + amp * (i as f64 / 7.0).sin())
            .collect()
    };
    let mut out: Vec<(&str, ChartSpec)> = Vec::new();

    let old = corpus("node-exporter-full-old.json");
    let cpu = by_id(&old, 20);
    out.push((
        "old-singlestat-gauge-cpu-busy",
        spec(
            &cpu,
            vec![series(&cpu, "A", &[], &wave(60, 80.0, 15.0))],
            260,
            200,
        ),
    ));
    let k8s = corpus("kubernetes-mixin-k8s-resources-cluster.json");
    let q = by_id(&k8s, 8);
    let rows: Vec<(String, Vec<f64>)> = ["monitoring", "default", "kube-system", "cctv-recording"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.to_string(),
                vec![
                    12.0 + i as f64,
                    4.0,
                    0.5 * (i + 1) as f64,
                    1.0 + i as f64,
                    0.2 * (i + 1) as f64,
                    2.0,
                    0.3 * i as f64,
                ],
            )
        })
        .collect();
    let borrowed: Vec<(&str, &[f64])> = rows
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    out.push((
        "k8s-cpu-quota-table",
        spec(&q, table_series(&q, "namespace", &borrowed), 1300, 220),
    ));
    let nodes = corpus("node-mixin-nodes.json");
    let disk = by_title(&nodes, "Disk Space Usage");
    let gib = 1024.0 * 1024.0 * 1024.0;
    out.push((
        "node-mixin-disk-table",
        spec(
            &disk,
            table_series(
                &disk,
                "mountpoint",
                &[
                    ("/", &[50.0 * gib, 40.0 * gib]),
                    ("/var", &[100.0 * gib, 8.0 * gib]),
                    ("/boot", &[1.0 * gib, 0.7 * gib]),
                ],
            ),
            640,
            230,
        ),
    ));
    let unbound = corpus("unbound-full.json");
    let heat = by_title(&unbound, "Response time");
    let les = [
        "3.2e-05", "6.4e-05", "0.000128", "0.000256", "0.000512", "0.001024", "0.002048",
        "0.004096", "0.008192", "0.016384", "0.032768", "0.065536",
    ];
    out.push((
        "unbound-heatmap",
        spec(&heat, buckets(&heat, &les, 60), 640, 330),
    ));
    let mut oranges = heat.clone();
    oranges.options.heatmap = Default::default();
    out.push((
        "unbound-heatmap-default-oranges",
        spec(&oranges, buckets(&oranges, &les, 60), 640, 330),
    ));
    let vm = corpus("victoriametrics-alert-statistics.json");
    let tl = by_id(&vm, 7);
    let firing = |v: &[f64]| v.to_vec();
    out.push((
        "vm-state-timeline",
        spec(
            &tl,
            vec![
                series(
                    &tl,
                    "A",
                    &[("alertname", "RecordingStalled")],
                    &firing(&[0., 0., 1., 1., 1., 3., 3., 6., 6., 0., 0., 0.]),
                ),
                series(
                    &tl,
                    "A",
                    &[("alertname", "CameraOffline")],
                    &firing(&[2., 2., 2., 2., 0., 0., 0., 1., 1., 1., 1., 1.]),
                ),
                series(
                    &tl,
                    "A",
                    &[("alertname", "DiskAlmostFull")],
                    &firing(&[0.; 12]),
                ),
            ],
            900,
            200,
        ),
    ));
    let minio = corpus("minio-dashboard.json");
    let pie = by_title(&minio, "Capacity");
    out.push((
        "minio-capacity-donut",
        spec(
            &pie,
            vec![
                series(&pie, "A", &[], &[3.2e12]),
                series(&pie, "B", &[], &[1.1e12]),
            ],
            420,
            300,
        ),
    ));
    let sizes = by_title(&minio, "Object Size Distribution");
    let dist: Vec<ChartSeries> = [
        "LESS_THAN_1024_B",
        "BETWEEN_1024_B_AND_1_MB",
        "BETWEEN_1_MB_AND_10_MB",
        "BETWEEN_10_MB_AND_64_MB",
        "GREATER_THAN_512_MB",
    ]
    .iter()
    .enumerate()
    .map(|(i, r)| {
        series(
            &sizes,
            "A",
            &[("range", r)],
            &[[120.0, 900.0, 400.0, 60.0, 5.0][i]],
        )
    })
    .collect();
    out.push(("minio-object-size-lcd", spec(&sizes, dist, 500, 260)));
    let redis = corpus("redis-exporter-0.3x.json");
    let up = by_title(&redis, "Uptime");
    out.push((
        "redis-uptime-uncoloured",
        spec(&up, vec![series(&up, "A", &[], &[1.0e6])], 260, 160),
    ));
    let mem = by_title(&redis, "Memory Usage");
    out.push((
        "redis-memory-gauge",
        spec(&mem, vec![series(&mem, "A", &[], &[88.0])], 260, 200),
    ));
    let dock = corpus("dockprom-docker-containers.json");
    let graph = by_title(&old, "Network Traffic Basic");
    let tx: Vec<ChartSeries> = ["eth0", "lo"]
        .iter()
        .flat_map(|dev| {
            let graph = &graph;
            [("A", "recv"), ("B", "trans")]
                .into_iter()
                .map(move |(r, _)| {
                    series(
                        graph,
                        r,
                        &[("device", dev)],
                        &(0..120)
                            .map(|i| 2e6 + 1e6 * (i as f64 / 9.0).sin().abs())
                            .collect::<Vec<_>>(),
                    )
                })
        })
        .collect();
    out.push(("old-graph-network-traffic", spec(&graph, tx, 800, 300)));
    let blackbox = corpus("blackbox-exporter-mixin.json");
    if let Some(st) = blackbox.panels.iter().find(|p| p.kind == PanelKind::Stat) {
        out.push((
            "blackbox-stat",
            spec(
                st,
                vec![series(
                    st,
                    &st.targets[0].ref_id,
                    &[("instance", "https://vms.example")],
                    &wave(60, 1.0, 0.0),
                )],
                300,
                140,
            ),
        ));
    }
    let _ = dock;
    // Stat colour modes side by side, and the other kinds from small panels.
    for mode in ["value", "background", "background_solid", "none"] {
        let p = super::tests::panel(&format!(
            r#"{{"id": 1, "type": "stat", "title": "Recorder CPU ({mode})", "gridPos": {{"x":0,"y":0,"w":12,"h":6}},
                "targets": [{{"refId": "A", "expr": "x", "legendFormat": "{{{{host}}}}"}}],
                "fieldConfig": {{"defaults": {{"unit": "percent", "thresholds": {{"mode": "absolute", "steps": [
                    {{"color": "green", "value": null}}, {{"color": "orange", "value": 60}}, {{"color": "red", "value": 80}}]}}}}}},
                "options": {{"colorMode": "{mode}"}}}}"#
        ));
        let s = spec(
            &p,
            vec![
                series(&p, "A", &[("host", "nvr-1")], &wave(60, 40.0, 10.0)),
                series(&p, "A", &[("host", "nvr-2")], &wave(60, 70.0, 5.0)),
                series(&p, "A", &[("host", "nvr-3")], &wave(60, 90.0, 4.0)),
            ],
            600,
            170,
        );
        out.push((Box::leak(format!("stat-{mode}").into_boxed_str()), s));
    }
    for mode in ["gradient", "basic", "lcd"] {
        let p = super::tests::panel(&format!(
            r#"{{"id": 1, "type": "bargauge", "title": "Disk ({mode})", "gridPos": {{"x":0,"y":0,"w":12,"h":6}},
                "targets": [{{"refId": "A", "expr": "x", "legendFormat": "{{{{disk}}}}"}}],
                "fieldConfig": {{"defaults": {{"unit": "percent", "min": 0, "max": 100, "thresholds": {{"mode": "absolute", "steps": [
                    {{"color": "green", "value": null}}, {{"color": "orange", "value": 60}}, {{"color": "red", "value": 80}}]}}}}}},
                "options": {{"displayMode": "{mode}"}}}}"#
        ));
        let vals = [35.0, 72.0, 93.0];
        let ser = ["sda", "sdb", "sdc"]
            .iter()
            .zip(vals)
            .map(|(d, v)| series(&p, "A", &[("disk", d)], &[v]))
            .collect();
        out.push((
            Box::leak(format!("bargauge-{mode}-vertical").into_boxed_str()),
            spec(&p, ser, 500, 220),
        ));
        let ser = ["sda", "sdb", "sdc"]
            .iter()
            .zip(vals)
            .map(|(d, v)| series(&p, "A", &[("disk", d)], &[v]))
            .collect();
        out.push((
            Box::leak(format!("bargauge-{mode}-horizontal").into_boxed_str()),
            spec(&p, ser, 300, 360),
        ));
    }
    let hist = super::tests::panel(
        r#"{"id": 1, "type": "status-history", "title": "Camera up", "gridPos": {"x":0,"y":0,"w":12,"h":6},
            "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{cam}}"}],
            "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}, "mappings": [{"type": "value", "options": {
              "0": {"text": "DOWN", "color": "red"}, "1": {"text": "UP", "color": "green"}}}]}}}"#,
    );
    let cams = ["cam-01", "cam-02"]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            series(
                &hist,
                "A",
                &[("cam", c)],
                &(0..12)
                    .map(|k| if (k + i * 5) % 7 == 3 { 0.0 } else { 1.0 })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let mut h = spec(&hist, cams, 700, 180);
    h.from = h.to - 12 * 60_000;
    out.push(("status-history", h));
    let bc = super::tests::panel(
        r#"{"id": 1, "type": "barchart", "title": "Streams per site", "gridPos": {"x":0,"y":0,"w":12,"h":6},
            "targets": [{"refId": "A", "expr": "x", "legendFormat": "{{site}}"}]}"#,
    );
    let sites = ["depot", "hq", "north", "south"]
        .iter()
        .zip([12.0, 48.0, 7.0, 25.0])
        .map(|(n, v)| series(&bc, "A", &[("site", n)], &[v]))
        .collect();
    out.push(("barchart", spec(&bc, sites, 500, 240)));
    for (name, mut s) in out {
        if name == "vm-state-timeline" {
            s.from = s.to - 12 * 60_000;
        }
        let png = render_png(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap_or_else(|e| panic!("{e}"));
    }
}
