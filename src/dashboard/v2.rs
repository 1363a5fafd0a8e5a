//! Grafana 12's v2 dashboard schema (`apiVersion: dashboard.grafana.app/v2...`, `kind: Dashboard`,
//! `spec.elements` + `spec.layout`) converted to the classic JSON model, which the classic parser
//! then reads. Supports grid and rows layouts, panels, Prometheus queries and variables (v2alpha1
//! and v2beta1 query shapes); other layouts are placed in order and reported.

use serde_json::{json, Map, Value};

use super::{Issue, IssueKind};

/// Whether `v` is a v2 resource or a bare v2 spec.
pub(super) fn is_v2(v: &Value) -> bool {
    let spec = spec_of(v);
    spec.get("elements").is_some_and(Value::is_object)
        || spec.get("layout").is_some_and(Value::is_object)
}

fn spec_of(v: &Value) -> &Value {
    match v.get("spec") {
        Some(s) if s.is_object() && v.get("kind").and_then(Value::as_str) == Some("Dashboard") => s,
        _ => v,
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn kind_spec(v: &Value) -> (&str, &Value) {
    (s(v, "kind"), v.get("spec").unwrap_or(&Value::Null))
}

/// Builds a classic dashboard JSON from a v2 resource.
pub(super) fn to_classic(v: &Value, issues: &mut Vec<Issue>) -> Value {
    let spec = spec_of(v);
    let mut d = Map::new();
    let uid = v
        .get("metadata")
        .and_then(|m| m.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    d.insert("uid".into(), uid);
    for k in ["title", "description", "tags"] {
        if let Some(x) = spec.get(k) {
            d.insert(k.into(), x.clone());
        }
    }
    if let Some(t) = spec.get("timeSettings") {
        d.insert(
            "time".into(),
            json!({"from": t.get("from"), "to": t.get("to")}),
        );
        if let Some(tz) = t.get("timezone") {
            d.insert("timezone".into(), tz.clone());
        }
        if let Some(r) = t.get("autoRefresh") {
            d.insert("refresh".into(), r.clone());
        }
    }
    let vars: Vec<Value> = spec
        .get("variables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(variable)
        .collect();
    d.insert("templating".into(), json!({ "list": vars }));

    let elements = spec.get("elements").and_then(Value::as_object);
    let mut panels = Vec::new();
    let mut placed = std::collections::BTreeSet::new();
    let mut ctx = Layout {
        elements,
        placed: &mut placed,
        issues,
    };
    if let Some(layout) = spec.get("layout") {
        ctx.layout(layout, 0, &mut panels);
    }
    // Elements that no layout item references: append them below, so nothing is lost.
    let mut y = panels
        .iter()
        .filter_map(|p| {
            let g = p.get("gridPos")?;
            Some(g.get("y")?.as_i64()? + g.get("h")?.as_i64()?)
        })
        .max()
        .unwrap_or(0);
    for (name, el) in elements.into_iter().flatten() {
        if !ctx.placed.contains(name.as_str()) {
            panels.push(panel(el, json!({"x": 0, "y": y, "w": 24, "h": 8})));
            y += 8;
        }
    }
    d.insert("panels".into(), Value::Array(panels));
    Value::Object(d)
}

struct Layout<'a> {
    elements: Option<&'a Map<String, Value>>,
    placed: &'a mut std::collections::BTreeSet<String>,
    issues: &'a mut Vec<Issue>,
}

impl Layout<'_> {
    fn layout(&mut self, layout: &Value, y0: i64, out: &mut Vec<Value>) -> i64 {
        let (kind, spec) = kind_spec(layout);
        let mut bottom = y0;
        match kind {
            "GridLayout" => {
                for item in spec
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let (k, it) = kind_spec(item);
                    if k == "GridLayoutRow" {
                        // v2alpha1 rows inside a grid.
                        out.push(json!({"type": "row", "title": s(it, "title"),
                            "collapsed": it.get("collapsed").and_then(Value::as_bool).unwrap_or(false),
                            "gridPos": {"x": 0, "y": it.get("y"), "w": 24, "h": 1}}));
                        let sub =
                            json!({"kind": "GridLayout", "spec": {"items": it.get("elements")}});
                        bottom = bottom.max(self.layout(&sub, y0, out));
                        continue;
                    }
                    let num = |k: &str| it.get(k).and_then(Value::as_i64).unwrap_or(0);
                    let y = y0 + num("y");
                    bottom = bottom.max(y + num("height"));
                    let grid = json!({"x": it.get("x"), "y": y, "w": it.get("width"), "h": it.get("height")});
                    self.place(it, grid, out);
                }
            }
            "RowsLayout" => {
                for row in spec
                    .get("rows")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let (_, r) = kind_spec(row);
                    out.push(json!({"type": "row", "title": s(r, "title"),
                        "collapsed": r.get("collapse").and_then(Value::as_bool).unwrap_or(false),
                        "gridPos": {"x": 0, "y": bottom, "w": 24, "h": 1}}));
                    let start = bottom + 1;
                    bottom = match r.get("layout") {
                        Some(l) => self.layout(l, start, out).max(start),
                        None => start,
                    };
                }
            }
            other => {
                self.issues.push(Issue {
                    kind: IssueKind::Unsupported,
                    panel: None,
                    message: format!("layout {other:?} is not supported; its panels are placed one below the other"),
                });
                let items = spec
                    .get("items")
                    .or(spec.get("tabs"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for item in items {
                    let (_, it) = kind_spec(item);
                    if let Some(l) = it.get("layout") {
                        bottom = self.layout(l, bottom, out);
                    } else {
                        let grid = json!({"x": 0, "y": bottom, "w": 24, "h": 8});
                        bottom += 8;
                        self.place(it, grid, out);
                    }
                }
            }
        }
        bottom
    }

    fn place(&mut self, item: &Value, grid: Value, out: &mut Vec<Value>) {
        let name = item.get("element").map(|e| s(e, "name")).unwrap_or("");
        match self.elements.and_then(|e| e.get(name)) {
            Some(el) => {
                self.placed.insert(name.to_string());
                let mut p = panel(el, grid);
                if let (Some(rep), Some(o)) = (item.get("repeat"), p.as_object_mut()) {
                    o.insert(
                        "repeat".into(),
                        rep.get("value").cloned().unwrap_or(Value::Null),
                    );
                }
                out.push(p);
            }
            None => self.issues.push(Issue {
                kind: IssueKind::Missing,
                panel: None,
                message: format!(
                    "the layout refers to element {name:?}, which is not defined; skipped"
                ),
            }),
        }
    }
}

/// A v2 element (`Panel` or `LibraryPanel`) as a classic panel.
fn panel(el: &Value, grid: Value) -> Value {
    let (kind, spec) = kind_spec(el);
    let mut p = Map::new();
    p.insert("gridPos".into(), grid);
    for k in ["id", "title", "description"] {
        if let Some(x) = spec.get(k) {
            p.insert(k.into(), x.clone());
        }
    }
    if kind == "LibraryPanel" {
        p.insert(
            "libraryPanel".into(),
            spec.get("libraryPanel")
                .cloned()
                .unwrap_or(json!({"name": s(spec, "title")})),
        );
        return Value::Object(p);
    }
    if let Some(viz) = spec.get("vizConfig") {
        // v2beta1: {kind: "VizConfig", group: "timeseries"}; v2alpha1: {kind: "timeseries"}.
        let ty = match s(viz, "kind") {
            "VizConfig" => s(viz, "group"),
            k => k,
        };
        p.insert("type".into(), json!(ty));
        let vs = viz.get("spec").unwrap_or(&Value::Null);
        for k in ["options", "fieldConfig"] {
            if let Some(x) = vs.get(k) {
                p.insert(k.into(), x.clone());
            }
        }
    }
    let data = spec
        .get("data")
        .and_then(|d| d.get("spec"))
        .unwrap_or(&Value::Null);
    if let Some(o) = data.get("queryOptions") {
        for k in ["interval", "maxDataPoints"] {
            if let Some(x) = o.get(k) {
                p.insert(k.into(), x.clone());
            }
        }
    }
    if let Some(t) = data.get("transformations") {
        p.insert("transformations".into(), t.clone());
    }
    let targets: Vec<Value> = data
        .get("queries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|q| {
            let (_, qs) = kind_spec(q);
            let query = qs.get("query").unwrap_or(&Value::Null);
            let ds_type = match s(query, "kind") {
                "DataQuery" => s(query, "group"),
                k => k,
            };
            let mut t = match query.get("spec") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            t.insert(
                "refId".into(),
                qs.get("refId").cloned().unwrap_or(Value::Null),
            );
            t.insert(
                "hide".into(),
                qs.get("hidden").cloned().unwrap_or(Value::Null),
            );
            let uid = qs
                .get("datasource")
                .and_then(|d| d.get("uid"))
                .or(query.get("datasource").and_then(|d| d.get("name")))
                .cloned()
                .unwrap_or(Value::Null);
            if !ds_type.is_empty() {
                t.insert("datasource".into(), json!({"type": ds_type, "uid": uid}));
            }
            Value::Object(t)
        })
        .collect();
    p.insert("targets".into(), Value::Array(targets));
    Value::Object(p)
}

/// A v2 variable (`QueryVariable`, `CustomVariable`...) as a classic one.
fn variable(v: &Value) -> Value {
    let (kind, spec) = kind_spec(v);
    let ty = match kind {
        "QueryVariable" => "query",
        "CustomVariable" => "custom",
        "ConstantVariable" => "constant",
        "IntervalVariable" => "interval",
        "DatasourceVariable" => "datasource",
        "TextVariable" => "textbox",
        "AdhocVariable" => "adhoc",
        other => other,
    };
    let mut out = match spec {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    out.insert("type".into(), json!(ty));
    if ty == "query" {
        // {kind: "prometheus", spec: {query}} or {kind: "DataQuery", group, spec: {query}}.
        let q = spec.get("query").unwrap_or(&Value::Null);
        let text = q
            .get("spec")
            .and_then(|s| s.get("query").or(s.get("expr")))
            .cloned()
            .or_else(|| q.as_str().map(|x| json!(x)))
            .unwrap_or(Value::Null);
        out.insert("query".into(), text);
    }
    if ty == "datasource" {
        if let Some(p) = spec.get("pluginId") {
            out.insert("query".into(), p.clone());
        }
    }
    Value::Object(out)
}
