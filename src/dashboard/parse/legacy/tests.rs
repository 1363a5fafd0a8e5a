//! Old `graph` and `singlestat` panels read as the modern panels Grafana migrates them to.

use crate::dashboard::field::{
    AxisPlacement, ColorMode, DrawStyle, FieldMatcher, LineInterpolation, ShowPoints, SpanNulls,
    StackMode, ThresholdsStyle, Transform,
};
use crate::dashboard::options::{GraphMode, Orientation, StatColorMode, TextMode};
use crate::dashboard::{MappingMatch, Panel, PanelKind};

/// The one panel of a dashboard made of `panel` (JSON of a panel object).
fn one(panel: &str) -> Panel {
    let json = format!(r#"{{"title": "t", "panels": [{panel}]}}"#);
    let (mut d, _) = crate::dashboard::parse(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(d.panels.len(), 1, "{json}");
    d.panels.remove(0)
}

fn graph(fields: &str) -> Panel {
    one(&format!(
        r#"{{"id": 1, "type": "graph", "title": "g", "gridPos": {{"x":0,"y":0,"w":12,"h":8}},
            "targets": [{{"refId": "A", "expr": "up"}}], {fields}}}"#
    ))
}

fn singlestat(fields: &str) -> Panel {
    one(&format!(
        r#"{{"id": 1, "type": "singlestat", "title": "s", "gridPos": {{"x":0,"y":0,"w":6,"h":4}},
            "targets": [{{"refId": "A", "expr": "up"}}], {fields}}}"#
    ))
}

#[track_caller]
fn check_graph(fields: &str, what: &str, ok: impl Fn(&Panel) -> bool) {
    let p = graph(fields);
    assert!(
        ok(&p),
        "{what}: from {fields}\nfield {:#?}\noverrides {:#?}\noptions {:#?}",
        p.field,
        p.overrides,
        p.options.legend
    );
}

#[test]
fn graph_becomes_timeseries() {
    check_graph(r#""lines": true"#, "kind", |p| {
        p.kind == PanelKind::TimeSeries && p.field.draw_style() == DrawStyle::Line
    });
    check_graph(
        r#""lines": true, "stack": true, "percentage": false, "fill": 3"#,
        "stack and fill",
        |p| p.field.stack_mode() == StackMode::Normal && p.field.custom.fill_opacity == Some(30.0),
    );
    check_graph(
        r#""lines": true, "stack": false, "fill": 0"#,
        "no stack",
        |p| p.field.stack_mode() == StackMode::None && p.field.fill() == 0.0,
    );
    check_graph(
        r#""lines": true, "percentage": true, "stack": true"#,
        "percentage is not migrated",
        |p| p.field.stack_mode() == StackMode::Normal,
    );
    check_graph(
        r#""bars": true, "lines": false, "fill": 1"#,
        "bars are solid",
        |p| p.field.draw_style() == DrawStyle::Bars && p.field.custom.fill_opacity == Some(100.0),
    );
    check_graph(
        r#""lines": false, "points": true, "pointradius": 3"#,
        "points",
        |p| {
            p.field.draw_style() == DrawStyle::Points
                && p.field.custom.show_points == Some(ShowPoints::Always)
                && p.field.custom.point_size == Some(8.0)
        },
    );
    check_graph(
        r#""lines": true, "linewidth": 2, "steppedLine": true"#,
        "line",
        |p| {
            p.field.line_width() == 2.0
                && p.field.custom.line_interpolation == Some(LineInterpolation::StepAfter)
                && p.field.custom.show_points == Some(ShowPoints::Never)
        },
    );
    check_graph(
        r#""lines": true, "nullPointMode": "connected""#,
        "connected",
        |p| p.field.custom.span_nulls == Some(SpanNulls::Always),
    );
    check_graph(r#""lines": true, "nullPointMode": "null""#, "null", |p| {
        p.field.custom.span_nulls == Some(SpanNulls::Never)
    });
    check_graph(
        r#""lines": true, "dashes": true, "dashLength": 4, "spaceLength": 2"#,
        "dashes",
        |p| p.field.custom.dash == Some(vec![4.0, 2.0]),
    );
    check_graph(r#""lines": true, "fillGradient": 5"#, "gradient", |p| {
        p.field.custom.gradient_mode.as_deref() == Some("opacity") && p.field.fill() == 0.5
    });
}

#[test]
fn graph_axes() {
    check_graph(
        r#""lines": true, "yaxes": [{"format": "bytes", "min": "0", "max": 100, "logBase": 2, "show": true, "label": "B", "decimals": 1}, {"format": "short", "show": true}]"#,
        "left axis",
        |p| {
            p.unit == "bytes"
                && p.min == Some(0.0)
                && p.max == Some(100.0)
                && p.decimals == Some(1)
                && p.field.custom.log_base == Some(2.0)
                && p.field.custom.axis_label.as_deref() == Some("B")
                && p.field.custom.axis_placement == Some(AxisPlacement::Auto)
        },
    );
    check_graph(
        r#""lines": true, "yaxes": [{"format": "s", "show": false, "logBase": 1}]"#,
        "hidden axis",
        |p| {
            p.field.custom.axis_placement == Some(AxisPlacement::Hidden)
                && p.field.custom.log_base.is_none()
        },
    );
    check_graph(
        r#""lines": true, "yaxes": [{"format": "bytes", "show": true}, {"format": "percent", "show": true, "min": 0}],
           "seriesOverrides": [{"alias": "Load", "yaxis": 2}]"#,
        "second axis",
        |p| {
            let o = &p.overrides[0];
            o.matcher == FieldMatcher::ByName("Load".into())
                && o.config.unit.as_deref() == Some("percent")
                && o.config.min == Some(0.0)
                && o.config.custom.axis_placement.is_none()
        },
    );
}

#[test]
fn graph_series_overrides_and_colours() {
    check_graph(
        r#""lines": true, "seriesOverrides": [{"alias": "/Tx/", "transform": "negative-Y"}]"#,
        "negative-Y by regex",
        |p| {
            p.overrides.len() == 1
                && p.overrides[0].matcher == FieldMatcher::ByRegexp("/Tx/".into())
                && p.overrides[0].config.custom.transform == Some(Transform::NegativeY)
        },
    );
    check_graph(
        r##""lines": true, "seriesOverrides": [{"alias": "errors", "color": "#F2495C", "linewidth": 3, "stack": false, "bars": true}]"##,
        "by name, several properties",
        |p| {
            let c = &p.overrides[0].config;
            p.overrides[0].matcher == FieldMatcher::ByName("errors".into())
                && c.color.as_ref().is_some_and(|c| {
                    c.mode == ColorMode::Fixed && c.fixed.as_deref() == Some("#F2495C")
                })
                && c.custom.line_width == Some(3.0)
                && c.stack_mode() == StackMode::None
                && c.custom.draw_style == Some(DrawStyle::Bars)
                && c.custom.fill_opacity == Some(100.0)
        },
    );
    check_graph(
        r##""lines": true, "aliasColors": {"eth0": "#7EB26D"}, "seriesOverrides": [{"alias": "/eth/", "color": "red"}, {"zindex": 3}]"##,
        "aliasColors come before seriesOverrides; an override without alias is skipped",
        |p| {
            p.overrides.len() == 2
                && p.overrides[0].matcher == FieldMatcher::ByName("eth0".into())
                && p.overrides[1].matcher == FieldMatcher::ByRegexp("/eth/".into())
        },
    );
}

#[test]
fn graph_legend_tooltip_thresholds() {
    check_graph(
        r#""lines": true, "legend": {"show": true, "alignAsTable": true, "rightSide": true, "values": true,
            "avg": true, "current": true, "max": true, "min": false, "total": false, "sideWidth": 300}"#,
        "legend",
        |p| {
            let l = &p.options.legend;
            l.show
                && l.table
                && l.right
                && l.width == Some(300.0)
                && l.calcs == ["mean", "lastNotNull", "max"]
        },
    );
    check_graph(
        r#""lines": true, "legend": {"show": false, "values": false, "max": true}"#,
        "hidden legend",
        |p| !p.options.legend.show && p.options.legend.calcs.is_empty(),
    );
    check_graph(
        r#""lines": true, "thresholds": [{"op": "gt", "value": 90, "colorMode": "critical", "fill": true, "line": true},
            {"op": "gt", "value": 80, "colorMode": "warning", "fill": true}]"#,
        "gt thresholds",
        |p| {
            let steps: Vec<(Option<f64>, &str)> = p
                .thresholds
                .steps
                .iter()
                .map(|s| (s.value, s.color.as_str()))
                .collect();
            steps
                == [
                    (None, "transparent"),
                    (Some(80.0), "orange"),
                    (Some(90.0), "red"),
                ]
                && p.field.thresholds_style() == ThresholdsStyle::LineAndArea
        },
    );
    check_graph(
        r#""lines": true, "thresholds": [{"op": "lt", "value": 10, "colorMode": "critical", "line": true}]"#,
        "lt threshold",
        |p| {
            let steps: Vec<(Option<f64>, &str)> = p
                .thresholds
                .steps
                .iter()
                .map(|s| (s.value, s.color.as_str()))
                .collect();
            steps == [(None, "red"), (Some(10.0), "transparent")]
                && p.field.thresholds_style() == ThresholdsStyle::Line
        },
    );
    check_graph(
        r#""lines": true, "thresholds": []"#,
        "no thresholds: none drawn",
        |p| p.thresholds.steps.is_empty() && p.field.thresholds_style() == ThresholdsStyle::Off,
    );
}

#[track_caller]
fn check_stat(fields: &str, what: &str, ok: impl Fn(&Panel) -> bool) {
    let p = singlestat(fields);
    assert!(
        ok(&p),
        "{what}: from {fields}\n{:#?}\n{:#?}",
        p.field,
        p.options.stat
    );
}

#[test]
fn singlestat_becomes_stat() {
    check_stat(r#""valueName": "avg""#, "avg is mean", |p| {
        p.kind == PanelKind::Stat && p.reduce == "mean"
    });
    check_stat(r#""valueName": "current""#, "current", |p| {
        p.reduce == "lastNotNull"
    });
    check_stat(r#""valueName": "total""#, "total", |p| p.reduce == "sum");
    check_stat("\"title2\": 1", "no valueName: mean", |p| {
        p.reduce == "mean"
    });
    check_stat(
        r#""thresholds": "80,90", "colors": ["green", "orange", "red"], "colorValue": true"#,
        "thresholds and colours",
        |p| {
            p.thresholds.color_for(85.0) == Some("orange")
                && p.thresholds.color_for(95.0) == Some("red")
                && p.thresholds.color_for(-1.0) == Some("green")
                && p.options.stat.color_mode == StatColorMode::Value
        },
    );
    check_stat(
        r#""thresholds": "", "colors": ["green", "red"]"#,
        "empty thresholds: none",
        |p| p.thresholds.steps.is_empty(),
    );
    check_stat(
        r#""colorBackground": true, "colorValue": true"#,
        "background wins",
        |p| p.options.stat.color_mode == StatColorMode::Background,
    );
    check_stat(
        r#""colorBackground": false, "colorValue": false, "thresholds": "1,2", "colors": ["a","b","c"]"#,
        "neither: uncoloured",
        |p| p.options.stat.color_mode == StatColorMode::None,
    );
    check_stat(r#""valueName": "name""#, "name", |p| {
        p.options.stat.text_mode == TextMode::Name
    });
    check_stat(r#""sparkline": {"show": true}"#, "sparkline", |p| {
        p.options.stat.graph_mode == GraphMode::Area
    });
    check_stat(r#""sparkline": {"show": false}"#, "no sparkline", |p| {
        p.options.stat.graph_mode == GraphMode::None
    });
    check_stat(
        r#""format": "bytes", "decimals": 2, "nullText": "n/a", "prefix": "$", "postfix": "/s""#,
        "format",
        |p| p.unit == "bytes" && p.decimals == Some(2) && p.no_value.as_deref() == Some("n/a"),
    );
    check_stat(r#""tableColumn": "instance""#, "tableColumn", |p| {
        p.options.reduce.fields == "/^instance$/"
    });
    check_stat(r#""anything": 1"#, "orientation", |p| {
        p.options.stat.orientation == Orientation::Horizontal
    });
}

#[test]
fn singlestat_mappings_take_the_threshold_colour_of_their_text() {
    check_stat(
        r#""mappingType": 1, "valueMaps": [{"op": "=", "value": "1", "text": "UP"}, {"op": "=", "value": "0", "text": "5"},
            {"op": "=", "value": "null", "text": "N/A"}], "thresholds": "3", "colors": ["green", "red"]"#,
        "value maps",
        |p| {
            let m = |v: Option<f64>| crate::dashboard::ValueMapping::find(&p.mappings, v);
            m(Some(1.0)).is_some_and(|m| m.text.as_deref() == Some("UP") && m.color.is_none())
                && m(Some(0.0)).is_some_and(|m| m.color.as_deref() == Some("red"))
                && m(None).is_some_and(|m| {
                    m.matches == MappingMatch::NullOrNan && m.text.as_deref() == Some("N/A")
                })
        },
    );
    check_stat(
        r#""mappingType": 2, "rangeMaps": [{"from": "0", "to": "10", "text": "LOW"}, {"from": "null", "to": "null", "text": "N/A"}]"#,
        "range maps",
        |p| {
            let m = |v: Option<f64>| {
                crate::dashboard::ValueMapping::find(&p.mappings, v).and_then(|m| m.text.clone())
            };
            m(Some(5.0)).as_deref() == Some("LOW")
                && m(None).as_deref() == Some("N/A")
                && m(Some(11.0)).is_none()
        },
    );
}

#[test]
fn singlestat_with_a_gauge_becomes_a_gauge() {
    check_stat(
        r#""gauge": {"show": true, "minValue": 0, "maxValue": 100, "thresholdMarkers": true, "thresholdLabels": true}"#,
        "gauge",
        |p| {
            p.kind == PanelKind::Gauge
                && (p.min, p.max) == (Some(0.0), Some(100.0))
                && p.options.gauge.show_threshold_markers
                && p.options.gauge.show_threshold_labels
        },
    );
    check_stat(
        r#""gauge": {"show": false, "minValue": 0, "maxValue": 100}"#,
        "hidden gauge",
        |p| p.kind == PanelKind::Stat && p.max.is_none(),
    );
}

#[test]
fn old_stat_panels_get_grafanas_percent_range() {
    let p = one(
        r#"{"id": 1, "type": "gauge", "pluginVersion": "7.3.5", "gridPos": {"x":0,"y":0,"w":6,"h":4},
            "fieldConfig": {"defaults": {"unit": "percent"}}}"#,
    );
    assert_eq!((p.min, p.max), (Some(0.0), Some(100.0)));
    let p = one(
        r#"{"id": 1, "type": "gauge", "pluginVersion": "9.1.0", "gridPos": {"x":0,"y":0,"w":6,"h":4},
            "fieldConfig": {"defaults": {"unit": "percent"}}}"#,
    );
    assert_eq!((p.min, p.max), (None, None), "8.0 dropped the rule");
    let p = one(
        r#"{"id": 1, "type": "stat", "pluginVersion": "6.5.0", "gridPos": {"x":0,"y":0,"w":6,"h":4},
            "options": {"fieldOptions": {"calcs": ["max"], "defaults": {"unit": "bytes", "title": "Mem"},
              "thresholds": [{"color": "green", "value": 5}, {"color": "red", "value": 80}]}}}"#,
    );
    assert_eq!(p.reduce, "max");
    assert_eq!(p.unit, "bytes");
    assert_eq!(p.field.display_name.as_deref(), Some("Mem"));
    assert_eq!(
        p.thresholds.color_for(-1.0),
        Some("green"),
        "the first step is the base"
    );
    assert_eq!(p.thresholds.color_for(90.0), Some("red"));
}
