//! What an operator sees of stat, gauge, bar gauge, pie, bar chart, heatmap and timeline panels,
//! drawn from panels parsed out of dashboard JSON, as the app draws them.

use super::super::draw::Rect;
use super::super::theme;
use super::super::{render_svg, ChartSeries, ChartSpec};
use super::*;
use crate::dashboard::Panel;
use crate::time::Millis;
use plotters::prelude::*;

const TO: Millis = 3_600_000;

/// The one panel of a dashboard whose `panels` holds `panel` (a JSON object).
pub(super) fn panel(panel: &str) -> Panel {
    let json = format!(r#"{{"title": "t", "panels": [{panel}]}}"#);
    let (mut d, _) = crate::dashboard::parse(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    d.panels.remove(0)
}

pub(super) use crate::source::labels_of as labels;

/// A series of `p` from query `ref_id`, as the read side makes it (legend, overrides).
pub(super) fn series(p: &Panel, ref_id: &str, l: &[(&str, &str)], values: &[f64]) -> ChartSeries {
    let q = p.targets.iter().find(|q| q.ref_id == ref_id);
    let legend = q.map(|q| q.legend_format.as_str()).unwrap_or("");
    let n = values.len() as i64;
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| (TO - (n - 1 - i as i64) * 60_000, *v))
        .collect();
    crate::view::chart_series(p, ref_id, legend, "expr", labels(l), 60_000, points)
}

pub(super) fn spec(p: &Panel, series: Vec<ChartSeries>, w: u32, h: u32) -> ChartSpec {
    crate::view::spec_of(p, series, (0, TO), (w, h), TO, None)
}

/// The RGB pixels of the drawn panel.
fn raster(s: &ChartSpec) -> Vec<u8> {
    super::super::ensure_font().unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = (s.width, s.height);
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        super::super::draw_panel(&root, s, w, h).unwrap_or_else(|e| panic!("{e}"));
        root.present().unwrap_or_else(|e| panic!("{e}"));
    }
    buf
}

/// Share of the pixels of `r` for which `f(r, g, b)` holds.
fn share(s: &ChartSpec, r: Rect, f: impl Fn(u8, u8, u8) -> bool) -> f64 {
    let px = raster(s);
    let mut hit = 0;
    let mut all = 0;
    for y in r.y..r.bottom() {
        for x in r.x..r.right() {
            let i = ((y as u32 * s.width + x as u32) * 3) as usize;
            all += 1;
            if f(px[i], px[i + 1], px[i + 2]) {
                hit += 1;
            }
        }
    }
    hit as f64 / all.max(1) as f64
}

/// Vermillion, the CRIT colour (Okabe-Ito #d55e00), or a shade of it.
fn crit(r: u8, g: u8, b: u8) -> bool {
    r > 120 && (r as i32 - g as i32) > 50 && (r as i32 - b as i32) > 90
}

const RED_AT_80: &str = r#""thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": null}, {"color": "red", "value": 80}]}"#;

fn stat_panel(options: &str) -> Panel {
    panel(&format!(
        r#"{{"id": 1, "type": "stat", "title": "CPU", "gridPos": {{"x":0,"y":0,"w":6,"h":6}},
            "targets": [{{"refId": "A", "expr": "cpu", "legendFormat": "{{{{instance}}}}"}}],
            "fieldConfig": {{"defaults": {{"unit": "percent", {RED_AT_80}}}}},
            "options": {{{options}}}}}"#
    ))
}

#[track_caller]
fn check_stat_colour(options: &str, word: bool, vermillion: bool) {
    let p = stat_panel(options);
    let s = spec(
        &p,
        vec![series(&p, "A", &[("instance", "a")], &[70.0, 90.0, 95.0])],
        320,
        200,
    );
    let svg = render_svg(&s).to_ascii_lowercase();
    assert_eq!(svg.contains("crit"), word, "state word with {options}");
    assert_eq!(
        svg.contains("#d55e00"),
        vermillion,
        "CRIT colour with {options}"
    );
    assert!(svg.contains("95%"), "the value is shown with {options}");
}

#[test]
fn stat_colour_modes() {
    // Grafana leaves a `none` panel uncoloured: never a state word or a threshold colour, even
    // in its sparkline.
    check_stat_colour(r#""colorMode": "none""#, false, false);
    check_stat_colour(r#""colorMode": "none", "graphMode": "area""#, false, false);
    check_stat_colour(r#""colorMode": "value", "graphMode": "none""#, true, true);
    check_stat_colour(
        r#""colorMode": "background_solid", "graphMode": "none""#,
        true,
        true,
    );
    check_stat_colour(r#""graphMode": "none""#, true, true);
}

#[test]
fn stat_background_fills_the_tile() {
    let inner = Rect::new(20, 50, 280, 120);
    let fill = |mode: &str| {
        let p = stat_panel(&format!(r#""colorMode": "{mode}", "graphMode": "none""#));
        let s = spec(&p, vec![series(&p, "A", &[], &[95.0])], 320, 200);
        share(&s, inner, crit)
    };
    assert!(
        fill("background") > 0.6,
        "gradient background: {}",
        fill("background")
    );
    assert!(fill("background_solid") > 0.6, "solid background");
    assert!(
        fill("value") < 0.2,
        "value mode colours only the text: {}",
        fill("value")
    );
    assert!(fill("none") < 0.01, "none colours nothing");
}

#[test]
fn stat_sparkline_only_in_area_mode() {
    let area = |options: &str| {
        let p = stat_panel(options);
        let values: Vec<f64> = (0..60).map(|i| 90.0 + (i % 7) as f64).collect();
        let s = spec(&p, vec![series(&p, "A", &[], &values)], 320, 240);
        render_svg(&s).matches("<polygon").count()
    };
    assert!(area(r#""graphMode": "area""#) >= 1);
    assert_eq!(area(r#""graphMode": "none""#), 0);
}

#[track_caller]
fn check_text_mode(mode: &str, shows_value: bool, shows_name: bool) {
    let p = stat_panel(&format!(r#""textMode": "{mode}", "graphMode": "none""#));
    let s = spec(
        &p,
        vec![series(&p, "A", &[("instance", "cam-gw-7")], &[42.0])],
        320,
        200,
    );
    let svg = render_svg(&s);
    assert_eq!(
        svg.contains(">42%<") || svg.contains("\n42%\n"),
        shows_value,
        "value, textMode {mode}"
    );
    assert_eq!(
        svg.contains("cam-gw-7"),
        shows_name,
        "name, textMode {mode}"
    );
}

#[test]
fn stat_text_modes() {
    check_text_mode("auto", true, false);
    check_text_mode("value", true, false);
    check_text_mode("value_and_name", true, true);
    check_text_mode("name", false, true);
    check_text_mode("none", false, false);
}

#[test]
fn stat_values_and_fields() {
    let p = stat_panel(r#""reduceOptions": {"values": true, "calcs": [], "limit": 2}"#);
    let s = spec(&p, vec![series(&p, "A", &[], &[1.0, 2.0, 3.0])], 400, 200);
    let vals: Vec<Option<f64>> = field_values(&s).iter().map(|v| v.value).collect();
    assert_eq!(
        vals,
        [Some(1.0), Some(2.0)],
        "one value per point, up to the limit"
    );

    let p = stat_panel(r#""reduceOptions": {"calcs": ["max", "min"], "fields": "/^cam-1$/"}"#);
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("instance", "cam-1")], &[1.0, 5.0]),
            series(&p, "A", &[("instance", "cam-2")], &[7.0, 9.0]),
        ],
        400,
        200,
    );
    let vals: Vec<(String, Option<f64>)> = field_values(&s)
        .into_iter()
        .map(|v| (v.name, v.value))
        .collect();
    assert_eq!(
        vals,
        [
            ("cam-1 Max".to_string(), Some(5.0)),
            ("cam-1 Min".to_string(), Some(1.0))
        ]
    );
}

#[test]
fn per_series_overrides_change_that_series_only() {
    let p = panel(&format!(
        r#"{{"id": 1, "type": "stat", "gridPos": {{"x":0,"y":0,"w":12,"h":6}},
            "targets": [{{"refId": "A", "expr": "x", "legendFormat": "{{{{dev}}}}"}}],
            "fieldConfig": {{"defaults": {{"unit": "percent", {RED_AT_80}}},
              "overrides": [{{"matcher": {{"id": "byName", "options": "disk"}}, "properties": [
                {{"id": "unit", "value": "bytes"}}, {{"id": "decimals", "value": 1}},
                {{"id": "displayName", "value": "Disk free"}},
                {{"id": "thresholds", "value": {{"mode": "absolute", "steps": [{{"color": "green", "value": null}}]}}}}]}}]}},
            "options": {{"graphMode": "none"}}}}"#
    ));
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("dev", "cpu")], &[95.0]),
            series(&p, "A", &[("dev", "disk")], &[2048.0]),
        ],
        600,
        200,
    );
    let vals = field_values(&s);
    let shown: Vec<(String, String, Option<theme::State>)> = vals
        .iter()
        .map(|v| {
            let d = v.look.show(v.value);
            (v.name.clone(), d.text, d.state)
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "cpu".to_string(),
                "95%".to_string(),
                Some(theme::State::Crit)
            ),
            (
                "Disk free".to_string(),
                "2.0 KiB".to_string(),
                Some(theme::State::Ok)
            ),
        ]
    );
}

fn gauge_panel(options: &str) -> Panel {
    panel(&format!(
        r#"{{"id": 1, "type": "gauge", "gridPos": {{"x":0,"y":0,"w":6,"h":8}},
            "targets": [{{"refId": "A", "expr": "x"}}],
            "fieldConfig": {{"defaults": {{"min": 0, "max": 100, {RED_AT_80}}}}},
            "options": {{{options}}}}}"#
    ))
}

#[test]
fn gauge_threshold_markers_and_labels() {
    let draw = |options: &str| {
        let p = gauge_panel(options);
        render_svg(&spec(&p, vec![series(&p, "A", &[], &[40.0])], 300, 260)).to_ascii_lowercase()
    };
    // Value 40 is green: vermillion can only come from the red band of the outer ring.
    assert!(draw("").contains("#d55e00"), "markers are shown by default");
    assert!(!draw(r#""showThresholdMarkers": false"#).contains("#d55e00"));
    assert!(
        draw(r#""showThresholdLabels": true"#).contains(">80<")
            || draw(r#""showThresholdLabels": true"#).contains("\n80\n")
    );
    assert!(!draw("").contains("\n80\n"), "no labels by default");
}

#[test]
fn gauge_range_is_the_data_range_without_min_and_max() {
    let p = panel(
        r#"{"id": 1, "type": "gauge", "pluginVersion": "10.0.0", "gridPos": {"x":0,"y":0,"w":6,"h":8},
        "targets": [{"refId": "A", "expr": "x"}]}"#,
    );
    let s = spec(
        &p,
        vec![series(&p, "A", &[], &[10.0, 30.0, 20.0])],
        300,
        260,
    );
    let v = &field_values(&s)[0];
    assert_eq!(
        (v.look.lo, v.look.hi),
        (10.0, 30.0),
        "Grafana's global min/max"
    );
    assert_eq!(v.look.fraction(20.0), 0.5);
}

fn bar_panel(options: &str) -> Panel {
    panel(&format!(
        r#"{{"id": 1, "type": "bargauge", "gridPos": {{"x":0,"y":0,"w":12,"h":8}},
            "targets": [{{"refId": "A", "expr": "x", "legendFormat": "{{{{disk}}}}"}}],
            "fieldConfig": {{"defaults": {{"min": 0, "max": 100, {RED_AT_80}}}}},
            "options": {{{options}}}}}"#
    ))
}

fn bars(options: &str, w: u32, h: u32) -> String {
    let p = bar_panel(options);
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("disk", "sda")], &[50.0]),
            series(&p, "A", &[("disk", "sdb")], &[90.0]),
        ],
        w,
        h,
    );
    render_svg(&s).to_ascii_lowercase()
}

#[test]
fn bar_gauge_modes() {
    let track = theme::TRACK.hex();
    assert!(
        bars("", 500, 200).contains(&track),
        "the unfilled track is drawn by default"
    );
    assert!(!bars(r#""showUnfilled": false"#, 500, 200).contains(&track));
    let cells = |o: &str| bars(o, 500, 200).matches("<rect").count();
    assert!(
        cells(r#""displayMode": "lcd""#) > cells(r#""displayMode": "basic""#) + 10,
        "lcd draws cells"
    );
    // basic: the bar at 35% over the panel, a solid 2 px edge in the value colour.
    let basic = bars(r#""displayMode": "basic""#, 500, 200);
    assert!(
        basic.contains(&look::over_panel(theme::CRIT, 0.35).hex()),
        "{basic}"
    );
    assert!(bars("", 500, 200).contains("crit"), "a red bar says CRIT");
    assert!(
        bars("", 500, 200).contains("\n90 ✖ crit\n"),
        "value and state word"
    );
    assert!(
        !bars(r#""valueMode": "hidden""#, 500, 200).contains("\n90 "),
        "no value text"
    );
}

#[test]
fn bar_gauge_orientation() {
    // Horizontal rows stack the names at the left edge; vertical columns centre them under bars.
    let x_of = |svg: &str, name: &str| -> Option<f64> {
        let line = svg
            .lines()
            .find(|l| l.contains("<text") && svg_text_after(svg, l) == name)?;
        let x = line.split("x=\"").nth(1)?.split('"').next()?;
        x.parse().ok()
    };
    let wide = bars("", 600, 200);
    let tall = bars("", 200, 400);
    let (a, b) = (x_of(&wide, "sda"), x_of(&wide, "sdb"));
    assert!(
        a.zip(b).is_some_and(|(a, b)| b > a + 100.0),
        "auto is vertical in a wide panel: {a:?} {b:?}"
    );
    let (a, b) = (x_of(&tall, "sda"), x_of(&tall, "sdb"));
    assert!(
        a.zip(b).is_some_and(|(a, b)| a == b),
        "auto is horizontal in a tall panel: {a:?} {b:?}"
    );
    let forced = bars(r#""orientation": "horizontal""#, 600, 200);
    let (a, b) = (x_of(&forced, "sda"), x_of(&forced, "sdb"));
    assert!(a.zip(b).is_some_and(|(a, b)| a == b), "explicit horizontal");
}

/// The text content following a `<text …>` line of plotters' SVG.
fn svg_text_after(svg: &str, line: &str) -> String {
    let mut lines = svg.lines().skip_while(|l| *l != line);
    lines.next();
    lines.next().unwrap_or("").trim().to_string()
}

#[test]
fn pie_slices_sum_to_the_whole() {
    let p = panel(
        r#"{"id": 1, "type": "piechart", "gridPos": {"x":0,"y":0,"w":8,"h":8},
            "targets": [{"refId": "A", "expr": "x", "legendFormat": "{{zone}}"}],
            "options": {"legend": {"showLegend": true, "values": ["percent"]}, "pieType": "donut"}}"#,
    );
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("zone", "north")], &[10.0]),
            series(&p, "A", &[("zone", "south")], &[30.0]),
            series(&p, "A", &[("zone", "east")], &[60.0]),
            series(&p, "A", &[("zone", "gone")], &[f64::NAN]),
        ],
        400,
        300,
    );
    let parts = piechart::slices(&s);
    let names: Vec<&str> = parts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["east", "south", "north"],
        "largest first, no slice without a value"
    );
    assert!((parts.iter().map(|s| s.share).sum::<f64>() - 1.0).abs() < 1e-12);
    let svg = render_svg(&s);
    for pct in ["60%", "30%", "10%"] {
        assert!(svg.contains(pct), "legend percent {pct}");
    }
    assert_ne!(parts[0].color, parts[1].color, "palette colours");
}

#[test]
fn bar_chart_one_bar_per_series() {
    let p = panel(
        r#"{"id": 1, "type": "barchart", "gridPos": {"x":0,"y":0,"w":12,"h":8},
            "targets": [{"refId": "A", "expr": "x", "legendFormat": "{{site}}"}]}"#,
    );
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("site", "depot")], &[3.0]),
            series(&p, "A", &[("site", "hq")], &[7.0]),
        ],
        500,
        250,
    );
    let svg = render_svg(&s);
    assert!(svg.contains("depot") && svg.contains("hq"));
    let bar_fill = |c: theme::Rgb| {
        svg.to_ascii_lowercase()
            .contains(&format!("fill=\"{}\"", c.hex()))
    };
    assert!(bar_fill(crate::chart::classic(0)) && bar_fill(crate::chart::classic(1)));
}

fn heat_panel(format: &str) -> Panel {
    panel(&format!(
        r#"{{"id": 1, "type": "heatmap", "gridPos": {{"x":0,"y":0,"w":12,"h":8}},
            "targets": [{{"refId": "A", "expr": "rate(x_bucket[5m])", "format": "{format}", "legendFormat": "{{{{le}}}}"}}]}}"#
    ))
}

#[test]
fn heatmap_de_accumulates_prometheus_buckets() {
    let p = heat_panel("heatmap");
    let cumulative = |le: &str, v: f64| series(&p, "A", &[("le", le)], &[v, v]);
    let s = spec(
        &p,
        vec![
            cumulative("+Inf", 10.0),
            cumulative("0.5", 6.0),
            cumulative("10", 9.0),
            cumulative("0.1", 6.0),
        ],
        600,
        300,
    );
    let b = heatmap::buckets(&s, 300).unwrap_or_else(|| panic!("buckets"));
    assert_eq!(
        b.bounds,
        [Some(0.1), Some(0.5), Some(10.0), Some(f64::INFINITY)],
        "sorted by le"
    );
    let last = b
        .values
        .iter()
        .rev()
        .find(|c| c.iter().any(Option::is_some))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        last,
        [Some(6.0), Some(0.0), Some(3.0), Some(1.0)],
        "each bucket minus the one below"
    );
    let svg = render_svg(&s);
    assert!(svg.contains("+Inf"), "the top band is labelled by its le");

    // Without format heatmap the rows are drawn as they come (Grafana does not subtract them).
    let p = heat_panel("time_series");
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("le", "1")], &[4.0]),
            series(&p, "A", &[("le", "2")], &[5.0]),
        ],
        600,
        300,
    );
    let b = heatmap::buckets(&s, 300).unwrap_or_else(|| panic!("buckets"));
    let last = b
        .values
        .iter()
        .rev()
        .find(|c| c.iter().any(Option::is_some))
        .cloned()
        .unwrap_or_default();
    assert_eq!(last, [Some(4.0), Some(5.0)]);
}

#[test]
fn heatmap_hides_empty_cells_and_uses_oranges() {
    let p = panel(
        r#"{"id": 1, "type": "heatmap", "gridPos": {"x":0,"y":0,"w":12,"h":8}, "options": {"legend": {"show": false}},
            "targets": [{"refId": "A", "expr": "x", "format": "heatmap", "legendFormat": "{{le}}"}]}"#,
    );
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("le", "1")], &[0.0, 0.0]),
            series(&p, "A", &[("le", "+Inf")], &[5.0, 5.0]),
        ],
        600,
        300,
    );
    let svg = render_svg(&s).to_ascii_lowercase();
    let pal = look::scheme_palette("Oranges", 64, false).unwrap_or_default();
    // Every cell holds 5 (the max) or 0 (hidden): only the lightest orange is drawn.
    assert!(
        svg.contains(&pal[63].hex()),
        "the highest count in the palette's top colour"
    );
    assert!(!svg.contains(&pal[0].hex()), "zero cells are not drawn");
}

#[test]
fn state_timeline_colours_by_mapping_and_merges() {
    let p = panel(
        r#"{"id": 1, "type": "state-timeline", "gridPos": {"x":0,"y":0,"w":24,"h":6},
            "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{job}}"}],
            "fieldConfig": {"defaults": {"color": {"mode": "thresholds"},
              "mappings": [{"type": "value", "options": {"0": {"text": "DOWN", "color": "red"}, "1": {"text": "UP", "color": "green"}}}]}},
            "options": {"showValue": "always", "legend": {"showLegend": false}}}"#,
    );
    let mut s = spec(
        &p,
        vec![series(
            &p,
            "A",
            &[("job", "nvr")],
            &[1.0, 1.0, 1.0, 0.0, 0.0, 1.0],
        )],
        900,
        200,
    );
    (s.from, s.to) = (TO - 6 * 60_000, TO + 60_000);
    let svg = render_svg(&s);
    assert_eq!(
        svg.matches("DOWN").count(),
        1,
        "two equal samples are one band"
    );
    assert_eq!(svg.matches("UP").count(), 2);
    assert!(
        svg.contains("✖"),
        "a red band says so by shape, not colour alone"
    );
}

#[test]
fn status_history_draws_every_sample() {
    let p = panel(
        r#"{"id": 1, "type": "status-history", "gridPos": {"x":0,"y":0,"w":24,"h":6},
            "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{job}}"}],
            "fieldConfig": {"defaults": {"color": {"mode": "thresholds"},
              "thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": null}, {"color": "green", "value": 1}]}}},
            "options": {"showValue": "always"}}"#,
    );
    let mut s = spec(
        &p,
        vec![series(&p, "A", &[("job", "nvr")], &[1.0, 1.0, 1.0])],
        900,
        200,
    );
    (s.from, s.to) = (TO - 3 * 60_000, TO + 60_000);
    let svg = render_svg(&s);
    assert_eq!(svg.matches("✔").count(), 3, "one cell per sample");
}

#[test]
fn grid_is_near_square_and_fills_the_last_row() {
    let g = grid(Rect::new(0, 0, 300, 200), 5, 0);
    assert_eq!(g.len(), 5);
    assert_eq!((g[0].w, g[0].h), (100, 100), "3 columns of squares");
    assert_eq!(g[3].w, 150, "the last row's two cells share its width");
    let one = grid(Rect::new(0, 0, 300, 200), 1, 3);
    assert_eq!((one[0].w, one[0].h), (300, 200));
}

#[test]
fn new_kinds_degrade_like_the_others() {
    for ty in [
        "heatmap",
        "piechart",
        "state-timeline",
        "status-history",
        "barchart",
        "table",
    ] {
        let p = panel(&format!(
            r#"{{"id": 1, "type": "{ty}", "title": "<b>t</b>", "gridPos": {{"x":0,"y":0,"w":12,"h":8}},
                "targets": [{{"refId": "A", "expr": "x", "legendFormat": "{{{{n}}}}"}}]}}"#
        ));
        let mut s = spec(&p, vec![], 500, 250);
        let svg = render_svg(&s);
        assert!(svg.contains("No data"), "{ty} without series");
        assert!(
            svg.contains("&lt;b&gt;t&lt;/b&gt;"),
            "{ty} escapes its title"
        );
        s.series = vec![series(
            &p,
            "A",
            &[("n", "<script>x</script>"), ("le", "1")],
            &[1.0, 2.0],
        )];
        s.stale = Some("offline — showing data up to 14:02".into());
        let svg = render_svg(&s);
        assert!(svg.contains("STALE"), "{ty} shows the stale banner");
        assert!(!svg.contains("<script>"), "{ty} escapes series names");
    }
}

/// The font size of the SVG text that reads `text`.
fn font_px_of(svg: &str, text: &str) -> f64 {
    let at = svg
        .find(&format!(">{text}<"))
        .or_else(|| svg.find(&format!("\n{text}\n")))
        .unwrap_or_else(|| panic!("{text} drawn: {svg}"));
    let open = svg[..at].rfind("<text").expect("a text element");
    let head = &svg[open..at];
    let k = head.find("font-size=\"").expect("font-size") + 11;
    head[k..]
        .split(|c: char| c != '.' && !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

/// Node Exporter Full's top row has stats two grid units high ("CPU Cores", "RAM Total",
/// "Uptime"): in the app their body is about 26 px high. The value was drawn 1 px high (the padding
/// took the whole body), an unreadable dot where Grafana shows "8" or "24 GiB".
#[test]
fn a_stat_two_grid_units_high_was_drawn_one_pixel_high() {
    let p = panel(
        r#"{"id": 1, "type": "stat", "title": "RAM Total", "gridPos": {"x":0,"y":0,"w":2,"h":2},
            "targets": [{"refId": "A", "expr": "mem"}],
            "fieldConfig": {"defaults": {"unit": "bytes"}},
            "options": {"colorMode": "none", "graphMode": "none"}}"#,
    );
    for (w, h) in [(120, 26), (230, 26), (120, 40)] {
        let mut s = spec(
            &p,
            vec![series(&p, "A", &[], &[24.0 * 1024.0 * 1024.0 * 1024.0])],
            w,
            h,
        );
        s.title = String::new();
        let svg = render_svg(&s);
        let px = font_px_of(&svg, "24 GiB");
        assert!(
            px >= 14.0,
            "at {w}x{h} the value is {px} px high, too small to read"
        );
    }
}
