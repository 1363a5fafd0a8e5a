//! `graph` → `timeseries` (`public/app/plugins/panel/timeseries/migrations.ts`,
//! `graphToTimeseriesOptions`).

use serde_json::{json, Map, Value};

use super::{num_json, number, rebuilt, truthy};

/// `getFieldConfigFromOldAxis`: unit, decimals, min, max and the axis' custom options.
fn old_axis(a: Option<&Value>) -> Map<String, Value> {
    let mut m = Map::new();
    let Some(a) = a.filter(|a| a.is_object()) else {
        return m;
    };
    let mut custom = Map::new();
    let shown = truthy(a.get("show"));
    custom.insert(
        "axisPlacement".into(),
        json!(if shown { "auto" } else { "hidden" }),
    );
    if let Some(l) = a
        .get("label")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
    {
        custom.insert("axisLabel".into(), json!(l));
    }
    if let Some(log) = number(a.get("logBase")).filter(|l| *l == 2.0 || *l == 10.0) {
        custom.insert(
            "scaleDistribution".into(),
            json!({"type": "log", "log": num_json(log)}),
        );
    }
    if let Some(f) = a.get("format").filter(|f| !f.is_null()) {
        m.insert("unit".into(), f.clone());
    }
    for k in ["decimals", "min", "max"] {
        if let Some(n) = number(a.get(k)) {
            m.insert(k.into(), num_json(n));
        }
    }
    m.insert("custom".into(), Value::Object(custom));
    m
}

/// `fillY2DynamicValues`: what the second axis sets differently from the first.
fn y2_properties(y1: &Map<String, Value>, y2: &Map<String, Value>, props: &mut Vec<Value>) {
    for (k, v) in y2 {
        if k != "custom" && y1.get(k) != Some(v) {
            props.push(json!({"id": k, "value": v}));
        }
    }
    let empty = Map::new();
    let c1 = y1
        .get("custom")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(c2) = y2.get("custom").and_then(Value::as_object) {
        for (k, v) in c2 {
            if c1.get(k) != Some(v) {
                props.push(json!({"id": format!("custom.{k}"), "value": v}));
            }
        }
    }
}

/// Whether a graph alias is a regex (`/re/flags` and the other delimiters Grafana accepts).
fn alias_is_regex(a: &str) -> bool {
    let mut it = a.chars();
    let Some(d) = it.next() else {
        return false;
    };
    if !"/~@;%#'".contains(d) {
        return false;
    }
    let rest: String = it.collect();
    match rest.rfind(d) {
        Some(i) => rest[i + 1..].chars().all(|c| "gimsuy".contains(c)),
        None => false,
    }
}

/// The panel's dash setting: (fill, dash length, space length); overrides start from it.
type Dash = (String, f64, f64);

fn panel_dash(p: &Value) -> Dash {
    let fill = if truthy(p.get("dashes")) {
        "dash"
    } else {
        "solid"
    };
    (
        fill.into(),
        number(p.get("dashLength")).unwrap_or(10.0),
        number(p.get("spaceLength")).unwrap_or(10.0),
    )
}

fn series_override(
    o: &Value,
    yaxes: &[Value],
    y1: &Map<String, Value>,
    base_dash: &Dash,
    fill_below: &mut bool,
) -> Option<Value> {
    let alias = o
        .get("alias")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())?;
    let obj = o.as_object()?;
    let mut props: Vec<Value> = Vec::new();
    let mut dash: Option<(String, f64, f64)> = None;
    for (k, v) in obj {
        match k.as_str() {
            "alias" | "$$hashKey" => {}
            "yaxis" if number(Some(v)) == Some(2.0) => {
                y2_properties(y1, &old_axis(yaxes.get(1)), &mut props);
            }
            "fill" => {
                if let Some(f) = number(Some(v)) {
                    props.push(json!({"id": "custom.fillOpacity", "value": num_json(f * 10.0)}));
                }
            }
            "fillBelowTo" => {
                *fill_below = true;
                props.push(json!({"id": "custom.fillBelowTo", "value": v}));
            }
            "fillGradient" if truthy(Some(v)) => {
                props.push(json!({"id": "custom.fillGradient", "value": "opacity"}));
                if let Some(f) = number(Some(v)) {
                    props.push(json!({"id": "custom.fillOpacity", "value": num_json(f * 10.0)}));
                }
            }
            "points" => props.push(json!({"id": "custom.showPoints",
                "value": if truthy(Some(v)) { "always" } else { "never" }})),
            "bars" if truthy(Some(v)) => {
                props.push(json!({"id": "custom.drawStyle", "value": "bars"}));
                props.push(json!({"id": "custom.fillOpacity", "value": 100}));
            }
            "bars" => props.push(json!({"id": "custom.drawStyle", "value": "line"})),
            "lines" if truthy(Some(v)) => {
                props.push(json!({"id": "custom.drawStyle", "value": "line"}))
            }
            "lines" => props.push(json!({"id": "custom.lineWidth", "value": 0})),
            "linewidth" => props.push(json!({"id": "custom.lineWidth", "value": v})),
            "pointradius" => {
                if let Some(r) = number(Some(v)) {
                    props.push(json!({"id": "custom.pointSize", "value": num_json(2.0 + 2.0 * r)}));
                }
            }
            "dashLength" | "spaceLength" | "dashes" => {
                let d = dash.get_or_insert_with(|| base_dash.clone());
                match k.as_str() {
                    "dashLength" => d.1 = number(Some(v)).unwrap_or(d.1),
                    "spaceLength" => d.2 = number(Some(v)).unwrap_or(d.2),
                    _ => d.0 = if truthy(Some(v)) { "dash" } else { "solid" }.into(),
                }
            }
            "stack" => {
                let group = v.as_str().unwrap_or("A");
                props.push(json!({"id": "custom.stacking", "value": {
                    "mode": if truthy(Some(v)) { "normal" } else { "none" }, "group": group}}));
            }
            "color" => {
                props.push(json!({"id": "color", "value": {"mode": "fixed", "fixedColor": v}}))
            }
            "transform" => {
                props.push(json!({"id": "custom.transform",
                "value": if v.as_str() == Some("negative-Y") { "negative-Y" } else { "constant" }}))
            }
            // Grafana logs and skips every other key (`legend`, `zindex`, `hiddenSeries`…).
            _ => {}
        }
    }
    if let Some((fill, len, space)) = dash {
        props.push(json!({"id": "custom.lineStyle", "value": {"fill": fill,
            "dash": [num_json(len), num_json(space)]}}));
    }
    let matcher = if alias_is_regex(alias) {
        "byRegexp"
    } else {
        "byName"
    };
    (!props.is_empty())
        .then(|| json!({"matcher": {"id": matcher, "options": alias}, "properties": props}))
}

fn threshold_color(t: &Value) -> Value {
    match t.get("colorMode").and_then(Value::as_str) {
        Some("warning") => json!("orange"),
        Some("custom") => t
            .get("fillColor")
            .filter(|c| truthy(Some(c)))
            .or(t.get("lineColor"))
            .cloned()
            .unwrap_or(json!("red")),
        _ => json!("red"),
    }
}

/// The graph's `thresholds[]` as steps and a thresholds style.
fn graph_thresholds(list: &[Value]) -> Option<(Vec<Value>, &'static str)> {
    let mut sorted: Vec<&Value> = list
        .iter()
        .filter(|t| number(t.get("value")).is_some())
        .collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(|a, b| {
        let (x, y) = (number(a.get("value")), number(b.get("value")));
        x.unwrap_or(0.0).total_cmp(&y.unwrap_or(0.0))
    });
    let (mut area, mut line) = (false, false);
    let mut steps: Vec<(Option<f64>, Value)> = Vec::new();
    for (i, t) in sorted.iter().enumerate() {
        let v = number(t.get("value"));
        let next = sorted.get(i + 1);
        area |= truthy(t.get("fill"));
        line |= truthy(t.get("line"));
        match t.get("op").and_then(Value::as_str) {
            Some("gt") => steps.push((v, threshold_color(t))),
            Some("lt") => {
                if steps.is_empty() {
                    steps.push((None, threshold_color(t)));
                }
                let color = match next {
                    Some(n) if n.get("op").and_then(Value::as_str) == Some("lt") => {
                        threshold_color(n)
                    }
                    _ => json!("transparent"),
                };
                steps.push((v, color));
            }
            _ => {}
        }
    }
    if steps.first().is_some_and(|s| s.0.is_some()) {
        steps.insert(0, (None, json!("transparent")));
    }
    let mode = match (line, area) {
        (true, true) => "line+area",
        (_, true) => "area",
        _ => "line",
    };
    let steps = steps
        .into_iter()
        .map(|(v, c)| json!({"value": v.map(num_json), "color": c}))
        .collect();
    Some((steps, mode))
}

pub(super) fn graph(p: &Value) -> Value {
    let fc = p.get("fieldConfig");
    let mut overrides: Vec<Value> = fc
        .and_then(|f| f.get("overrides"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let yaxes: Vec<Value> = p
        .get("yaxes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let axis1 = old_axis(yaxes.first());
    let mut y1: Map<String, Value> = fc
        .and_then(|f| f.get("defaults"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in &axis1 {
        y1.insert(k.clone(), v.clone());
    }
    if let Some(colors) = p.get("aliasColors").and_then(Value::as_object) {
        for (alias, c) in colors {
            if truthy(Some(c)) {
                overrides.push(json!({"matcher": {"id": "byName", "options": alias},
                    "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}));
            }
        }
    }
    let mut fill_below = false;
    let dash = panel_dash(p);
    for o in p
        .get("seriesOverrides")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(rule) = series_override(o, &yaxes, &y1, &dash, &mut fill_below) {
            overrides.push(rule);
        }
    }
    let mut g = y1
        .get("custom")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let style = if truthy(p.get("bars")) {
        "bars"
    } else if truthy(p.get("lines")) {
        "line"
    } else {
        "points"
    };
    g.insert("drawStyle".into(), json!(style));
    if truthy(p.get("points")) {
        g.insert("showPoints".into(), json!("always"));
        if let Some(r) = number(p.get("pointradius")) {
            g.insert("pointSize".into(), num_json(2.0 + 2.0 * r));
        }
    } else if style != "points" {
        g.insert("showPoints".into(), json!("never"));
    }
    if let Some(w) = p.get("linewidth").filter(|w| !w.is_null()) {
        g.insert("lineWidth".into(), w.clone());
    }
    if dash.0 != "solid" {
        g.insert(
            "lineStyle".into(),
            json!({"fill": "dash", "dash": [num_json(dash.1), num_json(dash.2)]}),
        );
    }
    if fill_below {
        g.insert("fillOpacity".into(), json!(35));
    } else if let Some(f) = number(p.get("fill")) {
        g.insert("fillOpacity".into(), num_json(f * 10.0));
    }
    if let Some(f) = number(p.get("fillGradient")).filter(|f| *f > 0.0) {
        g.insert("gradientMode".into(), json!("opacity"));
        g.insert("fillOpacity".into(), num_json(f * 10.0));
    }
    g.insert(
        "spanNulls".into(),
        json!(p.get("nullPointMode").and_then(Value::as_str) == Some("connected")),
    );
    if truthy(p.get("steppedLine")) {
        g.insert("lineInterpolation".into(), json!("stepAfter"));
    }
    if style == "bars" {
        g.insert("fillOpacity".into(), json!(100));
    }
    if truthy(p.get("stack")) {
        g.insert("stacking".into(), json!({"mode": "normal", "group": "A"}));
    }
    if let Some((steps, mode)) = p
        .get("thresholds")
        .and_then(Value::as_array)
        .and_then(|t| graph_thresholds(t))
    {
        g.insert("thresholdsStyle".into(), json!({"mode": mode}));
        y1.insert(
            "thresholds".into(),
            json!({"mode": "absolute", "steps": steps}),
        );
    }
    y1.insert("custom".into(), Value::Object(g));

    let mut legend =
        json!({"displayMode": "list", "showLegend": true, "placement": "bottom", "calcs": []});
    if let Some(l) = p.get("legend").filter(|l| l.is_object()) {
        if truthy(l.get("show")) {
            if truthy(l.get("alignAsTable")) {
                legend["displayMode"] = json!("table");
            }
        } else {
            legend["showLegend"] = json!(false);
        }
        if truthy(l.get("rightSide")) {
            legend["placement"] = json!("right");
        }
        if truthy(l.get("values")) {
            // getReducersFromLegend: the enabled keys that name a reducer, in key order.
            let calcs: Vec<Value> = l
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| truthy(Some(v)))
                .filter_map(|(k, _)| match k.as_str() {
                    "min" => Some("min"),
                    "max" => Some("max"),
                    "avg" => Some("mean"),
                    "current" => Some("lastNotNull"),
                    "total" => Some("sum"),
                    _ => None,
                })
                .map(|c| json!(c))
                .collect();
            legend["calcs"] = Value::Array(calcs);
        }
        if let Some(w) = number(l.get("sideWidth")).filter(|w| *w > 0.0) {
            legend["width"] = num_json(w);
        }
    }
    let mut tooltip = json!({"mode": "single", "sort": "none"});
    if let Some(t) = p.get("tooltip").filter(|t| t.is_object()) {
        if let Some(shared) = t.get("shared").and_then(Value::as_bool) {
            tooltip["mode"] = json!(if shared { "multi" } else { "single" });
            if shared {
                tooltip["sort"] = json!(match number(t.get("sort")) {
                    Some(1.0) => "asc",
                    Some(2.0) => "desc",
                    _ => "none",
                });
            }
        }
    }
    rebuilt(
        p,
        "timeseries",
        y1,
        overrides,
        json!({"legend": legend, "tooltip": tooltip}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_aliases() {
        assert!(alias_is_regex("/Tx/"));
        assert!(alias_is_regex("/.*trans.*/i"));
        assert!(!alias_is_regex("Tx"));
        assert!(!alias_is_regex("/Tx"));
        assert!(!alias_is_regex("/a/x"));
    }
}
