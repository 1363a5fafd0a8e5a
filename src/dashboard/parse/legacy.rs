//! Grafana's migrations of the old Angular panels, done on the JSON before the panel is read, so
//! the rest of the engine only ever sees modern panels:
//!
//! * `graph` → `timeseries` (`public/app/plugins/panel/timeseries/migrations.ts`,
//!   `graphToTimeseriesOptions`): draw style, fill, line width, points, steps, dashes, stacking,
//!   null handling, the y axes, legend and tooltip, `aliasColors`, `seriesOverrides` (a second y
//!   axis included) and thresholds;
//! * `singlestat` → `stat`, or `gauge` when its gauge was shown (`SingleStatBaseOptions.ts`
//!   `migrateFromAngularSinglestat`, `StatMigrations.ts`, `GaugeMigrations.ts`).
//!
//! What Grafana drops (`prefix`/`postfix`, `hiddenSeries`, font sizes) is dropped here too.

use serde_json::{json, Map, Value};

/// The modern panel for an old `graph` or `singlestat` panel, or a stat, gauge or bar gauge saved
/// by an older Grafana; `None` when there is nothing to migrate.
pub(super) fn migrate(p: &Value) -> Option<Value> {
    match p.get("type")?.as_str()? {
        "graph" => Some(graph(p)),
        "singlestat" | "grafana-singlestat-panel" => Some(singlestat(p)),
        "stat" | "gauge" | "bargauge" => single_stat_family(p),
        _ => None,
    }
}

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
fn single_stat_family(p: &Value) -> Option<Value> {
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

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
        _ => false,
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) if !s.trim().is_empty() => {
            s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
        }
        _ => None,
    }
}

fn num_json(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// The panel with a new type, field config and options (the old keys stay: nothing reads them).
fn rebuilt(
    p: &Value,
    ty: &str,
    defaults: Map<String, Value>,
    overrides: Vec<Value>,
    options: Value,
) -> Value {
    let mut out = p.as_object().cloned().unwrap_or_default();
    out.insert("type".into(), json!(ty));
    out.insert(
        "fieldConfig".into(),
        json!({"defaults": Value::Object(defaults), "overrides": overrides}),
    );
    out.insert("options".into(), options);
    Value::Object(out)
}

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

fn graph(p: &Value) -> Value {
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

fn singlestat(p: &Value) -> Value {
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

    #[test]
    fn regex_aliases() {
        assert!(alias_is_regex("/Tx/"));
        assert!(alias_is_regex("/.*trans.*/i"));
        assert!(!alias_is_regex("Tx"));
        assert!(!alias_is_regex("/Tx"));
        assert!(!alias_is_regex("/a/x"));
    }
}

#[cfg(test)]
#[path = "legacy_tests.rs"]
mod migration_tests;
