//! Each visualisation's own `options` (bar gauge, table, pie chart, state timeline and status
//! history, heatmap, bar chart), with Grafana's defaults for what is unset.

use serde_json::Value;

use super::super::options::{BarValueMode, NamePlacement, Orientation, PanelOptions, ShowValue};

fn get<'a>(v: Option<&'a Value>, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v?;
    for p in path {
        cur = cur.get(*p)?;
    }
    Some(cur)
}

fn text<'a>(v: Option<&'a Value>, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

/// A number, or a numeric string (Grafana's editors save both).
fn num(v: Option<&Value>, path: &[&str]) -> Option<f64> {
    match get(v, path)? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn strings(v: Option<&Value>, path: &[&str]) -> Vec<String> {
    get(v, path)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn show_value(v: Option<&Value>) -> ShowValue {
    match text(v, &["showValue"]) {
        Some("always") => ShowValue::Always,
        Some("never") => ShowValue::Never,
        _ => ShowValue::Auto,
    }
}

/// Fills the kind-specific parts of `o` from `options` (`v`).
pub(super) fn kind_options(o: &mut PanelOptions, v: Option<&Value>) {
    let mut calcs = strings(v, &["reduceOptions", "calcs"]);
    calcs.retain(|c| !c.trim().is_empty());
    if !calcs.is_empty() {
        o.reduce.calcs = calcs;
    }
    if let Some(b) = get(v, &["wideLayout"]).and_then(Value::as_bool) {
        o.stat.wide_layout = b;
    }
    o.bar_gauge.value_mode = match text(v, &["valueMode"]) {
        Some("text") => BarValueMode::Text,
        Some("hidden") => BarValueMode::Hidden,
        _ => BarValueMode::Color,
    };
    o.bar_gauge.name_placement = match text(v, &["namePlacement"]) {
        Some("top") => NamePlacement::Top,
        Some("left") => NamePlacement::Left,
        Some("hidden") => NamePlacement::Hidden,
        _ => NamePlacement::Auto,
    };

    if let Some(b) = get(v, &["showHeader"]).and_then(Value::as_bool) {
        o.table.show_header = b;
    }
    o.table.row_height = match text(v, &["cellHeight"]) {
        Some("md") => 36,
        Some("lg") => 44,
        _ => 28,
    };
    o.table.sort_by = get(v, &["sortBy"])
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let name = s.get("displayName").and_then(Value::as_str)?;
                    let desc = s.get("desc").and_then(Value::as_bool).unwrap_or(false);
                    Some((name.to_string(), desc))
                })
                .collect()
        })
        .unwrap_or_default();
    o.table.frame_index = get(v, &["frameIndex"])
        .and_then(Value::as_u64)
        .map(|n| n.min(10_000) as usize)
        .unwrap_or(0);

    o.pie.donut = text(v, &["pieType"]) == Some("donut");
    o.pie.labels = strings(v, &["displayLabels"]);
    o.pie.legend_values = strings(v, &["legend", "values"]);

    let t = &mut o.timeline;
    if let Some(b) = get(v, &["mergeValues"]).and_then(Value::as_bool) {
        t.merge_values = b;
    }
    t.show_value = show_value(v);
    if let Some(h) = num(v, &["rowHeight"]) {
        t.row_height = h.clamp(0.05, 1.0);
    }
    if let Some(w) = num(v, &["colWidth"]) {
        t.col_width = w.clamp(0.05, 1.0);
    }
    if let Some(a) = text(v, &["alignValue"]) {
        t.align_value = a.to_string();
    }

    let h = &mut o.heatmap;
    h.opacity = text(v, &["color", "mode"]) == Some("opacity");
    if let Some(s) = text(v, &["color", "scheme"]).filter(|s| !s.is_empty()) {
        h.scheme = s.to_string();
    }
    if let Some(f) = text(v, &["color", "fill"]).filter(|s| !s.is_empty()) {
        h.fill = f.to_string();
    }
    h.linear = text(v, &["color", "scale"]) == Some("linear");
    if let Some(e) = num(v, &["color", "exponent"]) {
        h.exponent = e.clamp(0.01, 10.0);
    }
    if let Some(s) = num(v, &["color", "steps"]) {
        h.steps = s.clamp(2.0, 256.0) as u32;
    }
    h.reverse = get(v, &["color", "reverse"]).and_then(Value::as_bool) == Some(true);
    h.min = num(v, &["color", "min"]);
    h.max = num(v, &["color", "max"]);
    if let Some(f) = get(v, &["filterValues"]) {
        h.hide_le = num(Some(f), &["le"]);
    }
    if let Some(g) = num(v, &["cellGap"]) {
        h.cell_gap = g.clamp(0.0, 25.0) as u32;
    }
    h.y_unit = text(v, &["yAxis", "unit"]).map(str::to_string);
    h.y_decimals = num(v, &["yAxis", "decimals"]).map(|d| d.clamp(0.0, 20.0) as u32);
    h.y_reverse = get(v, &["yAxis", "reverse"]).and_then(Value::as_bool) == Some(true);
    if let Some(b) = get(v, &["legend", "show"]).and_then(Value::as_bool) {
        h.show_legend = b;
    }

    let b = &mut o.bar_chart;
    b.show_value = show_value(v);
    b.orientation = match text(v, &["orientation"]) {
        Some("horizontal") => Orientation::Horizontal,
        Some("vertical") => Orientation::Vertical,
        _ => Orientation::Auto,
    };
    if let Some(w) = num(v, &["barWidth"]) {
        b.bar_width = w.clamp(0.05, 1.0);
    }
}
