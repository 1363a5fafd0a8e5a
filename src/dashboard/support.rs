//! What Watchdesk draws of each panel kind's options, so that what it does not draw is said
//! (`watchdesk check`, a note on the panel in the app) instead of drawing a panel as if complete.
//!
//! When drawing code learns an option, its path goes into [`IMPLEMENTED`]. A path is matched as a
//! prefix (`options.legend.` covers every legend option). An option whose value is Grafana's
//! "nothing" (null, false, 0, "", "none", "off", "auto", an empty list or object) changes nothing
//! and is never reported.

use serde_json::Value;

/// (panel type, option path prefix) pairs that are drawn. `*` is any panel type.
pub const IMPLEMENTED: &[(&str, &str)] = &[
    // Standard options every kind reads.
    ("*", "fieldConfig.defaults.unit"),
    ("*", "fieldConfig.defaults.decimals"),
    ("*", "fieldConfig.defaults.min"),
    ("*", "fieldConfig.defaults.max"),
    ("*", "fieldConfig.defaults.noValue"),
    ("*", "fieldConfig.defaults.displayName"),
    ("*", "fieldConfig.defaults.thresholds"),
    ("*", "fieldConfig.defaults.mappings"),
    ("*", "fieldConfig.defaults.links"),
    ("*", "fieldConfig.defaults.color.mode"),
    ("*", "fieldConfig.defaults.color.fixedColor"),
    ("*", "fieldConfig.defaults.color.seriesBy"),
    ("*", "fieldConfig.defaults.custom.hideFrom"),
    ("*", "options.tooltip"),
    // Grafana 10.4's `unitScale: true`: values in the unit's scaled form (1.5 GiB, 2 s), which is
    // how Watchdesk always formats units.
    ("*", "fieldConfig.defaults.unitScale"),
    // The app shows the title and description itself; links open from the panel menu.
    ("*", "options.content"),
    ("*", "options.mode"),
    // Time series (and the old graph, migrated): the legend and every `custom` option drawn.
    ("timeseries", "options.legend.showLegend"),
    ("timeseries", "options.legend.displayMode"),
    // A leftover of the old graph legend that jsonnet libraries still write: Grafana's time series
    // ignores it (`displayMode` decides), and so does Watchdesk.
    ("timeseries", "options.legend.asTable"),
    ("timeseries", "options.legend.placement"),
    ("timeseries", "options.legend.calcs"),
    ("timeseries", "options.legend.sortBy"),
    ("timeseries", "options.legend.sortDesc"),
    ("timeseries", "options.legend.width"),
    ("timeseries", "fieldConfig.defaults.custom.drawStyle"),
    (
        "timeseries",
        "fieldConfig.defaults.custom.lineInterpolation",
    ),
    ("timeseries", "fieldConfig.defaults.custom.lineWidth"),
    ("timeseries", "fieldConfig.defaults.custom.lineStyle"),
    ("timeseries", "fieldConfig.defaults.custom.fillOpacity"),
    ("timeseries", "fieldConfig.defaults.custom.showPoints"),
    ("timeseries", "fieldConfig.defaults.custom.pointSize"),
    ("timeseries", "fieldConfig.defaults.custom.spanNulls"),
    ("timeseries", "fieldConfig.defaults.custom.stacking"),
    ("timeseries", "fieldConfig.defaults.custom.transform"),
    ("timeseries", "fieldConfig.defaults.custom.axisPlacement"),
    ("timeseries", "fieldConfig.defaults.custom.axisLabel"),
    ("timeseries", "fieldConfig.defaults.custom.axisSoftMin"),
    ("timeseries", "fieldConfig.defaults.custom.axisSoftMax"),
    ("timeseries", "fieldConfig.defaults.custom.axisCenteredZero"),
    (
        "timeseries",
        "fieldConfig.defaults.custom.scaleDistribution",
    ),
    ("timeseries", "fieldConfig.defaults.custom.thresholdsStyle"),
    ("graph", "options.legend.showLegend"),
    // Stat (and the old singlestat, migrated to stat or gauge by the parser).
    ("stat", "options.reduceOptions.calcs"),
    ("stat", "options.reduceOptions.fields"),
    ("stat", "options.reduceOptions.values"),
    ("stat", "options.reduceOptions.limit"),
    ("stat", "options.colorMode"),
    ("stat", "options.textMode"),
    ("stat", "options.text"),
    ("stat", "options.graphMode"),
    ("stat", "options.justifyMode"),
    ("stat", "options.orientation"),
    ("stat", "options.wideLayout"),
    ("singlestat", "options.reduceOptions.calcs"),
    // Gauge and bar gauge.
    ("gauge", "options.reduceOptions.calcs"),
    ("gauge", "options.reduceOptions.fields"),
    ("gauge", "options.reduceOptions.values"),
    ("gauge", "options.reduceOptions.limit"),
    ("gauge", "options.showThresholdMarkers"),
    ("gauge", "options.showThresholdLabels"),
    ("gauge", "options.orientation"),
    ("gauge", "options.text"),
    ("bargauge", "options.reduceOptions.calcs"),
    ("bargauge", "options.reduceOptions.fields"),
    ("bargauge", "options.reduceOptions.values"),
    ("bargauge", "options.reduceOptions.limit"),
    ("bargauge", "options.displayMode"),
    ("bargauge", "options.showUnfilled"),
    ("bargauge", "options.orientation"),
    ("bargauge", "options.valueMode"),
    ("bargauge", "options.namePlacement"),
    ("bargauge", "options.text"),
    // Tables (transformations are reported one by one by the parser).
    ("table", "options.showHeader"),
    ("table", "options.cellHeight"),
    ("table", "options.sortBy"),
    ("table", "options.frameIndex"),
    ("table", "fieldConfig.defaults.custom.width"),
    ("table", "fieldConfig.defaults.custom.align"),
    ("table", "fieldConfig.defaults.custom.hidden"),
    ("table", "fieldConfig.defaults.custom.cellOptions.type"),
    ("table", "fieldConfig.defaults.custom.cellOptions.mode"),
    ("table", "fieldConfig.defaults.custom.displayMode"),
    // Interactive only (filter and inspect buttons): nothing to draw.
    ("table", "fieldConfig.defaults.custom.filterable"),
    ("table", "fieldConfig.defaults.custom.inspect"),
    ("table", "options.filterable"),
    ("table", "options.showSearch"),
    // Pie chart.
    ("piechart", "options.reduceOptions.calcs"),
    ("piechart", "options.reduceOptions.fields"),
    ("piechart", "options.reduceOptions.values"),
    ("piechart", "options.reduceOptions.limit"),
    ("piechart", "options.pieType"),
    ("piechart", "options.displayLabels"),
    ("piechart", "options.legend.showLegend"),
    ("piechart", "options.legend.placement"),
    ("piechart", "options.legend.values"),
    // State timeline and status history.
    ("state-timeline", "options.mergeValues"),
    ("state-timeline", "options.showValue"),
    ("state-timeline", "options.rowHeight"),
    ("state-timeline", "options.alignValue"),
    ("state-timeline", "options.legend.showLegend"),
    ("state-timeline", "fieldConfig.defaults.custom.fillOpacity"),
    ("state-timeline", "fieldConfig.defaults.custom.lineWidth"),
    ("status-history", "options.showValue"),
    ("status-history", "options.rowHeight"),
    ("status-history", "options.colWidth"),
    ("status-history", "options.legend.showLegend"),
    ("status-history", "fieldConfig.defaults.custom.fillOpacity"),
    ("status-history", "fieldConfig.defaults.custom.lineWidth"),
    // Heatmap (rows of buckets; `calculate: true` is reported).
    ("heatmap", "options.color"),
    ("heatmap", "options.filterValues"),
    ("heatmap", "options.cellGap"),
    ("heatmap", "options.yAxis.unit"),
    ("heatmap", "options.yAxis.decimals"),
    ("heatmap", "options.yAxis.reverse"),
    // Bucket bands are ordinal: Grafana ignores an axis min/max there too.
    ("heatmap", "options.yAxis.min"),
    ("heatmap", "options.yAxis.max"),
    ("heatmap", "options.legend.show"),
    ("heatmap", "options.rowsFrame.layout"),
    // Cell values are not drawn in the cells; `showValue: always` is reported.
    ("heatmap", "options.cellValues"),
    // Only read with `calculate: true`, which is reported.
    ("heatmap", "options.calculation"),
    // Bar chart.
    ("barchart", "options.orientation"),
    ("barchart", "options.showValue"),
    ("barchart", "options.barWidth"),
    ("barchart", "options.reduceOptions.calcs"),
    // Logs: one row per line (wrapLogMessage, log details and dedup are reported).
    ("logs", "options.showTime"),
    ("logs", "options.showLabels"),
    ("logs", "options.sortOrder"),
    // Our own alert list reads the alert list itself.
    ("alertlist", "options."),
    ("text", "options."),
];

/// Grafana's defaults of options panels often write out: set to these, they change nothing.
const DEFAULTS: &[(&str, &str)] = &[
    ("custom.lineWidth", "1"),
    ("custom.pointSize", "5"),
    ("custom.pointSize", "4"),
    ("custom.barWidthFactor", "0.6"),
    ("custom.lineStyle.fill", "\"solid\""),
    ("custom.drawStyle", "\"line\""),
    ("custom.axisColorMode", "\"text\""),
    ("custom.axisGridShow", "true"),
    ("custom.stacking.group", "\"A\""),
    ("custom.scaleDistribution.type", "\"linear\""),
    ("custom.cellOptions.type", "\"auto\""),
    ("custom.inspect", "false"),
    ("custom.filterable", "false"),
    ("options.legend.placement", "\"bottom\""),
    ("options.legend.displayMode", "\"list\""),
    ("options.legend.showLegend", "true"),
    ("options.wideLayout", "true"),
    ("options.showUnfilled", "true"),
    ("options.showThresholdMarkers", "true"),
    ("options.displayMode", "\"gradient\""),
    ("options.valueMode", "\"color\""),
    ("options.namePlacement", "\"auto\""),
    ("options.sizing", "\"auto\""),
    ("options.minVizWidth", "8"),
    ("options.minVizWidth", "75"),
    ("options.minVizHeight", "16"),
    ("options.minVizHeight", "75"),
    ("options.maxVizHeight", "300"),
    ("options.reduceOptions.values", "false"),
    ("options.colorMode", "\"value\""),
    ("options.textMode", "\"auto\""),
    ("options.showHeader", "true"),
    ("options.footer.show", "false"),
    ("options.yAxis.axisPlacement", "\"left\""),
    ("options.exemplars.color", "\"rgba(255,0,255,0.7)\""),
    ("options.rowHeight", "0.9"),
    ("options.colWidth", "0.9"),
    ("options.mergeValues", "true"),
    ("options.pieType", "\"pie\""),
    // Grafana writes it out on every logs panel; the details are a click in Grafana's view.
    ("options.enableLogDetails", "true"),
    // Read only with showPercentChange, which is reported.
    ("options.percentChangeColorMode", "\"standard\""),
];

/// Whether `v` at `path` is a default written out.
fn is_default(path: &str, v: &Value) -> bool {
    let text = v.to_string();
    DEFAULTS
        .iter()
        .any(|(p, d)| path.ends_with(p) && *d == text)
}

/// Whether a value changes nothing (Grafana's off/empty/default-ish values).
fn is_nothing(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => matches!(
            s.as_str(),
            "" | "none" | "off" | "auto" | "hidden" | "single" | "linear" | "normal" | "never"
        ),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn implemented(ty: &str, path: &str) -> bool {
    IMPLEMENTED.iter().any(|(k, p)| {
        (*k == "*" || *k == ty)
            && (path == *p
                || path.starts_with(&format!("{p}."))
                || (p.ends_with('.') && path.starts_with(p)))
    })
}

/// Every leaf path of `v` under `prefix` whose value is not "nothing".
fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                leaves(&format!("{prefix}.{k}"), x, out);
            }
        }
        // Thresholds, mappings, calcs…: a list is one option.
        x if !is_nothing(x) && !is_default(prefix, x) => out.push(prefix.to_string()),
        _ => {}
    }
}

/// The options a panel of type `ty` sets that Watchdesk does not draw, as paths
/// (`options.legend.calcs`, `fieldConfig.defaults.custom.fillOpacity`), sorted.
pub fn ignored_options(ty: &str, panel: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    if let Some(o) = panel.get("options") {
        leaves("options", o, &mut paths);
    }
    if let Some(d) = panel.get("fieldConfig").and_then(|f| f.get("defaults")) {
        leaves("fieldConfig.defaults", d, &mut paths);
    }
    let mut out: Vec<String> = paths.into_iter().filter(|p| !implemented(ty, p)).collect();
    out.sort();
    out.dedup();
    out
}

/// Whether an override property id (`custom.fillOpacity`, `color`) is drawn for `ty`.
pub fn property_implemented(ty: &str, id: &str) -> bool {
    implemented(ty, &format!("fieldConfig.defaults.{id}"))
}

/// The parts of an override property (`id` set to `value`) that `ty` does not draw, as ids
/// (`custom.cellOptions.applyToRow`); an object value is checked leaf by leaf.
pub fn ignored_property(ty: &str, id: &str, value: &Value) -> Vec<String> {
    if property_implemented(ty, id) {
        return Vec::new();
    }
    let prefix = format!("fieldConfig.defaults.{id}");
    let mut paths = Vec::new();
    match value {
        Value::Object(o) if !o.is_empty() => leaves(&prefix, value, &mut paths),
        _ => paths.push(prefix.clone()),
    }
    paths
        .into_iter()
        .filter(|p| !implemented(ty, p))
        .map(|p| p.trim_start_matches("fieldConfig.defaults.").to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_options_that_change_something_are_reported() {
        let p: Value = serde_json::json!({
            "options": {"legend": {"displayMode": "table", "calcs": ["max"], "showLegend": true},
                        "tooltip": {"mode": "multi"}},
            "fieldConfig": {"defaults": {"unit": "bytes",
                "custom": {"fillOpacity": 10, "gradientMode": "none", "lineWidth": 1,
                           "fillBelowTo": "Max", "stacking": {"mode": "none", "group": "A"}}}}
        });
        let ignored = ignored_options("timeseries", &p);
        assert!(
            ignored.contains(&"fieldConfig.defaults.custom.fillBelowTo".to_string()),
            "{ignored:?}"
        );
        assert!(
            !ignored.iter().any(|x| x.contains("calcs")),
            "legend calcs are drawn: {ignored:?}"
        );
        assert!(
            !ignored.iter().any(|x| x.contains("displayMode")),
            "{ignored:?}"
        );
        assert!(
            !ignored.iter().any(|x| x.contains("tooltip")),
            "{ignored:?}"
        );
        assert!(
            !ignored.iter().any(|x| x.contains("gradientMode")),
            "{ignored:?}"
        );
        assert!(!ignored.iter().any(|x| x.contains("unit")), "{ignored:?}");
        assert!(
            !ignored.iter().any(|x| x.contains("fillOpacity")),
            "{ignored:?}"
        );
        assert!(
            ignored_options("stat", &p)
                .contains(&"fieldConfig.defaults.custom.fillOpacity".to_string()),
            "what time series draw is still reported for other kinds"
        );
        assert!(
            !ignored
                .iter()
                .any(|x| x.contains("stacking") || x.contains("lineWidth")),
            "defaults written out change nothing: {ignored:?}"
        );
    }
}
