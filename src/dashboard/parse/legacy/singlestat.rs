//! `singlestat` → `stat` or `gauge` (`SingleStatBaseOptions.ts` `migrateFromAngularSinglestat`,
//! `StatMigrations.ts`, `GaugeMigrations.ts`), and what Grafana does to stat, gauge and bar gauge
//! panels saved by older versions (`sharedSingleStatMigrationHandler`).

use serde_json::{json, Map, Value};

use super::{num_json, number, rebuilt, truthy};

/// JavaScript's `parseFloat` of a `pluginVersion` (`"7.3.5"` -> 7.3; `"v13"` -> NaN); a missing
/// one is Grafana's `6.1`.
fn plugin_version(p: &Value) -> f64 {
    let Some(v) = p.get("pluginVersion").and_then(Value::as_str) else {
        return 6.1;
    };
    let v = v.trim_start();
    let mut end = 0;
    let mut dot = false;
    for (i, c) in v.char_indices() {
        if c.is_ascii_digit() || (c == '.' && !dot) {
            dot |= c == '.';
            end = i + 1;
        } else {
            break;
        }
    }
    v[..end]
        .trim_end_matches('.')
        .parse::<f64>()
        .unwrap_or(f64::NAN)
}

/// `sharedSingleStatMigrationHandler`: what Grafana does to a stat, gauge or bar gauge saved by an
/// older version (or with no `pluginVersion`, which Grafana reads as 6.1) when it loads it. Before 7.0: `options.fieldOptions` moved to the field config and `reduceOptions`. Before 7.1:
/// `title` became `displayName`. Before 8.0: `percent` ranges 0–100 and `percentunit` 0–1 unless
/// min/max are set.
pub(super) fn single_stat_family(p: &Value) -> Option<Value> {
    let mut out = p.as_object()?.clone();
    let version = plugin_version(p);
    // NaN (an unreadable version) is not older than anything, as in JavaScript.
    if version.is_nan() || version >= 8.0 {
        return None;
    }
    // A saved panel without options gets `{}` (PanelModel's default) before this runs.
    let mut options = p
        .get("options")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut fc = p
        .get("fieldConfig")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut defaults = fc
        .get("defaults")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut overrides = fc
        .get("overrides")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if version < 7.0 {
        if let Some(Value::Object(fo)) = options.remove("fieldOptions") {
            if let Some(d) = fo.get("defaults").and_then(Value::as_object) {
                for (k, v) in d {
                    defaults.insert(k.clone(), v.clone());
                }
            }
            let steps = fo
                .get("thresholds")
                .or_else(|| fo.get("defaults").and_then(|d| d.get("thresholds")));
            if let Some(Value::Array(steps)) = steps {
                let mut steps = steps.clone();
                if let Some(first) = steps.first_mut().and_then(Value::as_object_mut) {
                    first.insert("value".into(), Value::Null);
                }
                defaults.insert(
                    "thresholds".into(),
                    json!({"mode": "absolute", "steps": steps}),
                );
            }
            if let Some(m) = fo.get("mappings").filter(|m| m.is_array()) {
                defaults.insert("mappings".into(), m.clone());
            }
            if let Some(Value::Array(o)) = fo.get("overrides") {
                overrides.extend(o.iter().cloned());
            }
            let mut reduce = Map::new();
            for k in ["values", "limit", "calcs"] {
                if let Some(v) = fo.get(k) {
                    reduce.insert(k.into(), v.clone());
                }
            }
            options.insert("reduceOptions".into(), Value::Object(reduce));
        }
    }
    if version < 7.1 {
        if let Some(t) = defaults.remove("title").filter(|t| !t.is_null()) {
            defaults.insert("displayName".into(), t);
        }
    }
    let unit = defaults.get("unit").and_then(Value::as_str).unwrap_or("");
    let top = match unit {
        "percent" => Some(100),
        "percentunit" => Some(1),
        _ => None,
    };
    if let Some(top) = top {
        if number(defaults.get("min")).is_none() {
            defaults.insert("min".into(), json!(0));
        }
        if number(defaults.get("max")).is_none() {
            defaults.insert("max".into(), json!(top));
        }
    }
    fc.insert("defaults".into(), Value::Object(defaults));
    fc.insert("overrides".into(), Value::Array(overrides));
    out.insert("fieldConfig".into(), Value::Object(fc));
    out.insert("options".into(), Value::Object(options));
    Some(Value::Object(out))
}

/// Grafana's reducer for a singlestat `valueName`: its id or alias, else `mean`.
fn singlestat_calc(name: Option<&str>) -> &'static str {
    match name.unwrap_or("") {
        "current" | "lastNotNull" => "lastNotNull",
        "last" => "last",
        "first" => "first",
        "firstNotNull" => "firstNotNull",
        "min" => "min",
        "max" => "max",
        "total" | "sum" => "sum",
        "count" => "count",
        "delta" => "delta",
        "diff" => "diff",
        "range" => "range",
        _ => "mean",
    }
}

/// `thresholds: "80,90"` with `colors: [c0, c1, c2]`: one more colour than levels.
fn singlestat_steps(p: &Value) -> Option<Vec<Value>> {
    let levels = p
        .get("thresholds")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())?;
    let colors = p.get("colors").and_then(Value::as_array)?;
    let levels: Vec<Option<f64>> = levels
        .split(',')
        .map(|l| l.trim().parse::<f64>().ok())
        .collect();
    let mut steps = Vec::new();
    for (i, c) in colors.iter().enumerate() {
        if i == 0 {
            steps.push(json!({"value": null, "color": c}));
        } else if let Some(Some(v)) = levels.get(i - 1) {
            steps.push(json!({"value": num_json(*v), "color": c}));
        }
    }
    Some(steps)
}

/// The colour of the step that `text`, read as a number, falls in (Grafana colours old mappings so).
fn step_color(steps: &[Value], text: &str) -> Option<Value> {
    let v = text.trim().parse::<f64>().ok()?;
    steps
        .iter()
        .rev()
        .find(|s| number(s.get("value")).is_none_or(|t| v >= t))
        .and_then(|s| s.get("color").cloned())
}

/// `valueMaps` / `rangeMaps` as modern mappings.
fn singlestat_mappings(p: &Value, steps: &[Value]) -> Vec<Value> {
    let list = |k: &str| {
        p.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (values, ranges) = (list("valueMaps"), list("rangeMaps"));
    let kind = match number(p.get("mappingType")) {
        Some(t) => t as i64,
        None if !values.is_empty() => 1,
        None if !ranges.is_empty() => 2,
        None => 0,
    };
    let text_of = |m: &Value| match m.get("text") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let result = |t: &str| {
        let mut r = json!({"text": t});
        if let Some(c) = step_color(steps, t) {
            r["color"] = c;
        }
        r
    };
    let null_map =
        |t: &str| json!({"type": "special", "options": {"match": "null", "result": result(t)}});
    let mut out = Vec::new();
    let mut value_opts = Map::new();
    if kind == 1 {
        for m in &values {
            let t = text_of(m);
            match m.get("value") {
                Some(Value::String(v)) if v == "null" => out.push(null_map(&t)),
                Some(Value::String(v)) => {
                    value_opts.insert(v.clone(), result(&t));
                }
                Some(Value::Number(n)) => {
                    value_opts.insert(n.to_string(), result(&t));
                }
                _ => {}
            }
        }
    } else if kind == 2 {
        for m in &ranges {
            let t = text_of(m);
            let is_null = |k: &str| m.get(k).and_then(Value::as_str) == Some("null");
            if is_null("from") && is_null("to") {
                out.push(null_map(&t));
            } else {
                out.push(
                    json!({"type": "range", "options": {"from": number(m.get("from")).map(num_json),
                    "to": number(m.get("to")).map(num_json), "result": result(&t)}}),
                );
            }
        }
    }
    if !value_opts.is_empty() {
        out.insert(
            0,
            json!({"type": "value", "options": Value::Object(value_opts)}),
        );
    }
    out
}

pub(super) fn singlestat(p: &Value) -> Value {
    let gauge = p.get("gauge").filter(|g| truthy(g.get("show")));
    let mut d = Map::new();
    if let Some(f) = p
        .get("format")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
    {
        d.insert("unit".into(), json!(f));
    }
    if let Some(t) = p
        .get("nullText")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        d.insert("noValue".into(), json!(t));
    }
    if let Some(n) = number(p.get("decimals")) {
        d.insert("decimals".into(), num_json(n));
    }
    let steps = singlestat_steps(p);
    if let Some(s) = &steps {
        d.insert("thresholds".into(), json!({"mode": "absolute", "steps": s}));
    }
    let mappings = singlestat_mappings(p, steps.as_deref().unwrap_or(&[]));
    if !mappings.is_empty() {
        d.insert("mappings".into(), Value::Array(mappings));
    }
    if let Some(g) = gauge {
        for (from, to) in [("minValue", "min"), ("maxValue", "max")] {
            if let Some(n) = number(g.get(from)) {
                d.insert(to.into(), num_json(n));
            }
        }
    }
    let value_name = p.get("valueName").and_then(Value::as_str);
    let mut reduce = json!({"calcs": [singlestat_calc(value_name)], "values": false});
    if let Some(col) = p
        .get("tableColumn")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
    {
        reduce["fields"] = json!(format!("/^{col}$/"));
    }
    let mut options = json!({"reduceOptions": reduce, "orientation": "horizontal"});
    if let Some(g) = gauge {
        options["showThresholdMarkers"] = json!(truthy(g.get("thresholdMarkers")));
        options["showThresholdLabels"] = json!(truthy(g.get("thresholdLabels")));
        return rebuilt(p, "gauge", d, Vec::new(), options);
    }
    let spark = p.get("sparkline").is_some_and(|s| truthy(s.get("show")));
    options["graphMode"] = json!(if spark { "area" } else { "none" });
    if truthy(p.get("colorBackground")) {
        options["colorMode"] = json!("background");
    } else if truthy(p.get("colorValue")) {
        options["colorMode"] = json!("value");
    } else {
        options["colorMode"] = json!("none");
        if value_name == Some("name") {
            options["textMode"] = json!("name");
        }
    }
    rebuilt(p, "stat", d, Vec::new(), options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_versions_read_as_javascript_does() {
        let v = |s: &str| plugin_version(&json!({ "pluginVersion": s }));
        assert_eq!(v("7.3.5"), 7.3);
        assert_eq!(v("10"), 10.0);
        assert!(v("v13.0.0").is_nan());
        assert_eq!(plugin_version(&json!({})), 6.1);
    }
}
