//! Grafana dashboard JSON (classic model) -> [`Dashboard`]. Never panics; every degradation is an
//! [`Issue`].

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{
    Dashboard, DatasourceRef, GridPos, MappingMatch, Panel, PanelKind, Query, Row, ThresholdStep,
    Thresholds, ValueMapping, VarHide, VarKind, Variable,
};
use super::{template, v2, DashboardError, Issue, IssueKind};

/// Parses a Grafana dashboard: its JSON model, the API export wrapper `{"dashboard": {...},
/// "meta": ...}`, or Grafana 12's v2 resource. Errors only when the text is not JSON or not a
/// dashboard; everything else is reported in the returned issues.
pub fn parse(json: &str) -> Result<(Dashboard, Vec<Issue>), DashboardError> {
    let root: Value = serde_json::from_str(json).map_err(|e| DashboardError::NotJson {
        reason: e.to_string(),
    })?;
    let mut issues = Vec::new();
    let dash = locate(&root, &mut issues)?;
    let dashboard = parse_classic(&dash, &mut issues);
    Ok((dashboard, issues))
}

/// Finds the dashboard object: unwraps the API export, converts v2, rejects other JSON.
fn locate<'a>(root: &'a Value, issues: &mut Vec<Issue>) -> Result<Cow<'a, Value>, DashboardError> {
    let Some(obj) = root.as_object() else {
        return Err(DashboardError::NotDashboard {
            reason: format!("the top level is {}, not an object", type_name(root)),
        });
    };
    let inner = match obj.get("dashboard") {
        Some(d) if d.is_object() => d,
        _ => root,
    };
    if v2::is_v2(inner) {
        return Ok(Cow::Owned(v2::to_classic(inner, issues)));
    }
    const MARKERS: [&str; 5] = ["panels", "rows", "templating", "schemaVersion", "title"];
    if MARKERS.iter().any(|k| inner.get(k).is_some()) {
        Ok(Cow::Borrowed(inner))
    } else {
        Err(DashboardError::NotDashboard {
            reason: "it has none of panels, rows, templating, schemaVersion or title".into(),
        })
    }
}

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Typed field reader that reports wrong types as issues, for one panel (or the dashboard).
pub(super) struct Ctx<'a> {
    pub issues: &'a mut Vec<Issue>,
    pub panel: Option<(i64, String)>,
}

impl Ctx<'_> {
    pub fn issue(&mut self, kind: IssueKind, message: String) {
        self.issues.push(Issue {
            kind,
            panel: self.panel.clone(),
            message,
        });
    }

    fn wrong(&mut self, what: &str, v: &Value, expected: &str, used: &str) {
        self.issue(
            IssueKind::Invalid,
            format!("{what} is {}, expected {expected}; {used}", type_name(v)),
        );
    }

    /// A string; numbers and booleans are converted (and reported).
    pub fn str(&mut self, v: Option<&Value>, what: &str) -> Option<String> {
        match v? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            x @ (Value::Number(_) | Value::Bool(_)) => {
                let s = x.to_string();
                self.wrong(what, x, "a string", &format!("used \"{s}\""));
                Some(s)
            }
            x => {
                self.wrong(what, x, "a string", "ignored");
                None
            }
        }
    }

    /// A non-empty string (`""` counts as absent).
    pub fn nonempty(&mut self, v: Option<&Value>, what: &str) -> Option<String> {
        self.str(v, what).filter(|s| !s.trim().is_empty())
    }

    /// A finite number; numeric strings are converted (and reported), `""` is absent.
    pub fn num(&mut self, v: Option<&Value>, what: &str) -> Option<f64> {
        match v? {
            Value::Null => None,
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.is_finite() => Some(f),
                _ => {
                    self.issue(
                        IssueKind::Invalid,
                        format!("{what} is not a finite number; ignored"),
                    );
                    None
                }
            },
            Value::String(s) if s.trim().is_empty() => None,
            x @ Value::String(s) => match s.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => {
                    self.wrong(what, x, "a number", &format!("used {f}"));
                    Some(f)
                }
                _ => {
                    self.wrong(what, x, "a number", "ignored");
                    None
                }
            },
            x => {
                self.wrong(what, x, "a number", "ignored");
                None
            }
        }
    }

    /// An integer (rounded, and reported, when fractional; saturating when huge).
    pub fn int(&mut self, v: Option<&Value>, what: &str) -> Option<i64> {
        if let Some(i) = v.and_then(Value::as_i64) {
            return Some(i);
        }
        let f = self.num(v, what)?;
        if f.fract() != 0.0 {
            self.issue(
                IssueKind::Invalid,
                format!("{what} is {f}, expected a whole number; rounded"),
            );
        }
        // `as` saturates: no overflow on absurd values.
        Some(f.round() as i64)
    }

    /// A boolean; `"true"`/`"false"` and 0/1 are converted (and reported).
    pub fn bool(&mut self, v: Option<&Value>, what: &str) -> Option<bool> {
        match v? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            x => {
                let b = match x {
                    Value::String(s) if s == "true" => Some(true),
                    Value::String(s) if s == "false" || s.is_empty() => Some(false),
                    Value::Number(n) => n.as_f64().map(|f| f != 0.0),
                    _ => None,
                };
                match b {
                    Some(b) => self.wrong(what, x, "a boolean", &format!("used {b}")),
                    None => self.wrong(what, x, "a boolean", "ignored"),
                }
                b
            }
        }
    }

    /// An array's items; anything else but null is reported and read as empty.
    pub fn arr<'v>(&mut self, v: Option<&'v Value>, what: &str) -> &'v [Value] {
        match v {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(x) => {
                self.wrong(what, x, "an array", "ignored");
                &[]
            }
        }
    }

    /// An object; anything else but null is reported and read as absent.
    pub fn obj<'v>(&mut self, v: Option<&'v Value>, what: &str) -> Option<&'v Value> {
        match v? {
            Value::Null => None,
            x @ Value::Object(_) => Some(x),
            x => {
                self.wrong(what, x, "an object", "ignored");
                None
            }
        }
    }
}

fn parse_classic(d: &Value, issues: &mut Vec<Issue>) -> Dashboard {
    let mut c = Ctx {
        issues,
        panel: None,
    };
    let uid = c.str(d.get("uid"), "dashboard uid").unwrap_or_default();
    let title = c.str(d.get("title"), "dashboard title").unwrap_or_default();
    let mut tags = Vec::new();
    for t in c.arr(d.get("tags"), "tags") {
        if let Some(s) = c.str(Some(t), "a tag") {
            tags.push(s);
        }
    }
    let time = c.obj(d.get("time"), "time");
    let time_from = c
        .nonempty(time.and_then(|t| t.get("from")), "time.from")
        .unwrap_or_else(|| "now-6h".into());
    let time_to = c
        .nonempty(time.and_then(|t| t.get("to")), "time.to")
        .unwrap_or_else(|| "now".into());
    let refresh = parse_refresh(&mut c, d.get("refresh"));
    let timezone = c.str(d.get("timezone"), "timezone").unwrap_or_default();
    let variables = parse_variables(&mut c, d);

    let mut rows = Vec::new();
    let mut flat: Vec<(Option<String>, &Value)> = Vec::new();
    let old_rows;
    let list: &[Value] = if d.get("panels").is_none() && d.get("rows").is_some() {
        old_rows = convert_old_rows(&mut c, d.get("rows"));
        &old_rows
    } else {
        c.arr(d.get("panels"), "panels")
    };
    flatten(&mut c, list, &mut flat, &mut rows);

    let mut ids = IdAlloc {
        seen: BTreeSet::new(),
        next: flat
            .iter()
            .filter_map(|(_, p)| p.get("id").and_then(Value::as_i64))
            .max()
            .unwrap_or(0)
            .saturating_add(1)
            .max(1),
    };
    let mut panels = Vec::new();
    let mut bottom = 0u32;
    for (row, p) in flat {
        if let Some(panel) = parse_panel(c.issues, p, row, &mut ids, bottom) {
            bottom = bottom.max(panel.grid.y.saturating_add(panel.grid.h));
            panels.push(panel);
        }
    }
    Dashboard {
        uid,
        title,
        tags,
        time_from,
        time_to,
        refresh,
        timezone,
        variables,
        panels,
        rows,
    }
}

fn parse_refresh(c: &mut Ctx, v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Bool(false) | Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => match crate::time::parse_duration_ms(s) {
            Some(0) => None,
            Some(ms) => Some(ms),
            None => {
                c.issue(
                    IssueKind::Invalid,
                    format!("refresh {s:?} is not a duration such as \"30s\"; auto-refresh is off"),
                );
                None
            }
        },
        x => {
            c.wrong(
                "refresh",
                x,
                "a duration string or false",
                "auto-refresh is off",
            );
            None
        }
    }
}

/// Orders panels with their row titles: expanded rows own the top-level panels that follow them,
/// collapsed rows own the panels inside them.
fn flatten<'v>(
    c: &mut Ctx,
    list: &'v [Value],
    out: &mut Vec<(Option<String>, &'v Value)>,
    rows: &mut Vec<Row>,
) {
    let mut current: Option<String> = None;
    for p in list {
        if p.get("type").and_then(Value::as_str) != Some("row") {
            out.push((current.clone(), p));
            continue;
        }
        let title = c.str(p.get("title"), "row title").unwrap_or_default();
        let collapsed = c.bool(p.get("collapsed"), "row collapsed").unwrap_or(false);
        let y = p
            .get("gridPos")
            .and_then(|g| g.get("y"))
            .and_then(Value::as_f64)
            .map(|y| y.clamp(0.0, f64::from(GridPos::MAX_Y)) as u32)
            .unwrap_or(0);
        rows.push(Row {
            title: title.clone(),
            collapsed,
            y,
        });
        for child in c.arr(p.get("panels"), "row panels") {
            if child.get("type").and_then(Value::as_str) == Some("row") {
                c.issue(
                    IssueKind::Invalid,
                    format!("row {title:?} contains another row; the inner row is ignored"),
                );
                continue;
            }
            out.push((Some(title.clone()), child));
        }
        current = Some(title);
    }
}

/// Schema < 16 dashboards: `rows: [{title, height, panels: [{span}]}]` -> grid panels and row
/// panels, as Grafana's migration does (span in 12 columns, height in px).
fn convert_old_rows(c: &mut Ctx, rows: Option<&Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut y: i64 = 0;
    for row in c.arr(rows, "rows") {
        let height = match row.get("height") {
            Some(Value::String(s)) => s.trim_end_matches("px").trim().parse::<f64>().ok(),
            Some(v) => v.as_f64(),
            None => None,
        }
        .unwrap_or(250.0);
        let h = ((height / f64::from(GridPos::UNIT_PX)).ceil() as i64).clamp(1, 200);
        let title = row.get("title").and_then(Value::as_str).unwrap_or("");
        let show_title = row
            .get("showTitle")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if show_title || !title.is_empty() {
            out.push(
                serde_json::json!({"type": "row", "title": title, "collapsed": false,
                "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}}),
            );
            y += 1;
        }
        let mut x: i64 = 0;
        for p in row
            .get("panels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let span = p.get("span").and_then(Value::as_f64).unwrap_or(12.0);
            let w = ((span * 2.0).round() as i64).clamp(1, 24);
            if x + w > 24 {
                x = 0;
                y += h;
            }
            let mut p = p.clone();
            if let Some(o) = p.as_object_mut() {
                o.insert(
                    "gridPos".into(),
                    serde_json::json!({"x": x, "y": y, "w": w, "h": h}),
                );
            }
            out.push(p);
            x += w;
        }
        y += h;
    }
    out
}

struct IdAlloc {
    seen: BTreeSet<i64>,
    next: i64,
}

impl IdAlloc {
    fn fresh(&mut self) -> i64 {
        // Past i64::MAX the search goes on from 1 (ids are few, so a free one is near).
        while self.seen.contains(&self.next) {
            self.next = self.next.checked_add(1).unwrap_or(1);
        }
        let id = self.next;
        self.seen.insert(id);
        id
    }
}

fn parse_panel(
    issues: &mut Vec<Issue>,
    p: &Value,
    row: Option<String>,
    ids: &mut IdAlloc,
    bottom: u32,
) -> Option<Panel> {
    let mut c = Ctx {
        issues,
        panel: None,
    };
    if !p.is_object() {
        c.issue(
            IssueKind::Invalid,
            format!("a panel is {}, not an object; skipped", type_name(p)),
        );
        return None;
    }
    let title = c.str(p.get("title"), "panel title").unwrap_or_default();
    let (id, problem) = match c.int(p.get("id"), &format!("id of panel {title:?}")) {
        Some(id) if ids.seen.insert(id) => (id, None),
        Some(dup) => {
            let id = ids.fresh();
            let msg = format!("panel {title:?} repeats id {dup}; renumbered {id}");
            (id, Some((IssueKind::Duplicate, msg)))
        }
        None => {
            let id = ids.fresh();
            let msg = format!("panel {title:?} has no id; numbered {id}");
            (id, Some((IssueKind::Missing, msg)))
        }
    };
    c.panel = Some((id, title.clone()));
    if let Some((kind, msg)) = problem {
        c.issue(kind, msg);
    }

    let ty = c.str(p.get("type"), "type").unwrap_or_default();
    let options = c.obj(p.get("options"), "options");
    let kind = match PanelKind::from_type(&ty) {
        Some(PanelKind::Text { .. }) => PanelKind::Text {
            content: c
                .str(
                    options.and_then(|o| o.get("content")).or(p.get("content")),
                    "options.content",
                )
                .unwrap_or_default(),
        },
        Some(k) => k,
        None => {
            let msg = if let Some(lib) = p.get("libraryPanel") {
                let name = lib.get("name").and_then(Value::as_str).unwrap_or("?");
                format!("not supported: library panel {name:?} is not embedded. Export the dashboard with \"Export for sharing externally\"")
            } else if ty.is_empty() {
                "not supported: the panel has no type".to_string()
            } else {
                format!("not supported: {ty}")
            };
            c.issue(IssueKind::Unsupported, msg);
            PanelKind::Unsupported(ty.clone())
        }
    };
    if let Some(rep) = c.nonempty(p.get("repeat"), "repeat") {
        c.issue(
            IssueKind::Unsupported,
            format!("repeating by ${rep} is not supported; the panel is shown once, with all selected values"),
        );
    }
    if !c
        .arr(p.get("transformations"), "transformations")
        .is_empty()
    {
        c.issue(
            IssueKind::Unsupported,
            "transformations are not supported; the query results are shown as they are".into(),
        );
    }

    let description = c
        .str(p.get("description"), "description")
        .unwrap_or_default();
    let datasource = parse_ds(p.get("datasource"));
    let grid = parse_grid(&mut c, p.get("gridPos"), bottom);
    let mut targets = Vec::new();
    for (i, t) in c.arr(p.get("targets"), "targets").iter().enumerate() {
        if let Some(q) = parse_target(&mut c, t, i, &datasource) {
            targets.push(q);
        }
    }
    let interval = c.nonempty(p.get("interval"), "interval");
    let max_data_points = c
        .int(p.get("maxDataPoints"), "maxDataPoints")
        .and_then(|n| match u32::try_from(n) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                c.issue(
                    IssueKind::Invalid,
                    format!("maxDataPoints {n} is out of range; the panel width is used"),
                );
                None
            }
        });

    let field_config = c.obj(p.get("fieldConfig"), "fieldConfig");
    let defaults = c.obj(
        field_config.and_then(|f| f.get("defaults")),
        "fieldConfig.defaults",
    );
    let dget = |k: &str| defaults.and_then(|d| d.get(k));
    let legacy = matches!(ty.as_str(), "graph" | "singlestat" | "table-old");
    let mut unit = c.str(dget("unit"), "unit").unwrap_or_default();
    if unit.is_empty() && legacy {
        let old = p
            .get("yaxes")
            .and_then(|y| y.get(0))
            .and_then(|y| y.get("format"))
            .or(p.get("format"));
        unit = old.and_then(Value::as_str).unwrap_or("").to_string();
    }
    let decimals = c.int(dget("decimals"), "decimals").map(|d| {
        let clamped = d.clamp(0, 20);
        if clamped != d {
            c.issue(
                IssueKind::Invalid,
                format!("decimals {d} is out of range; {clamped} is used"),
            );
        }
        clamped as u32
    });
    let min = c.num(dget("min"), "min");
    let max = c.num(dget("max"), "max");
    let no_value = c.str(dget("noValue"), "noValue");
    let mut thresholds = parse_thresholds(&mut c, dget("thresholds"));
    if thresholds.steps.is_empty() && ty == "singlestat" {
        thresholds = singlestat_thresholds(p);
    }
    let mappings = parse_mappings(&mut c, dget("mappings"));
    let calcs = c.arr(
        options
            .and_then(|o| o.get("reduceOptions"))
            .and_then(|r| r.get("calcs")),
        "options.reduceOptions.calcs",
    );
    let mut reduce = calcs
        .first()
        .and_then(|v| c.nonempty(Some(v), "options.reduceOptions.calcs"))
        .unwrap_or_default();
    if reduce.is_empty() && ty == "singlestat" {
        reduce = singlestat_reducer(p.get("valueName").and_then(Value::as_str)).to_string();
    }
    if reduce.is_empty() {
        reduce = "lastNotNull".into();
    }
    let overrides = c
        .arr(
            field_config.and_then(|f| f.get("overrides")),
            "fieldConfig.overrides",
        )
        .to_vec();

    Some(Panel {
        id,
        title,
        description,
        kind,
        grid,
        row,
        datasource,
        targets,
        interval,
        max_data_points,
        unit,
        decimals,
        min,
        max,
        no_value,
        thresholds,
        mappings,
        reduce,
        overrides,
        raw: p.clone(),
    })
}

pub(super) fn parse_ds(v: Option<&Value>) -> DatasourceRef {
    match v {
        Some(Value::String(s)) => DatasourceRef {
            kind: None,
            uid: Some(s.clone()),
        },
        Some(Value::Object(o)) => DatasourceRef {
            kind: o.get("type").and_then(Value::as_str).map(str::to_string),
            uid: o.get("uid").and_then(Value::as_str).map(str::to_string),
        },
        _ => DatasourceRef::default(),
    }
}

fn parse_grid(c: &mut Ctx, v: Option<&Value>, bottom: u32) -> GridPos {
    let Some(g) = c.obj(v, "gridPos") else {
        c.issue(
            IssueKind::Missing,
            "no gridPos; placed full width below the panels before it".into(),
        );
        return GridPos {
            x: 0,
            y: bottom,
            w: GridPos::COLUMNS,
            h: 8,
        };
    };
    let mut field = |k: &str, default: i64| -> i64 {
        match c.int(g.get(k), &format!("gridPos.{k}")) {
            Some(n) => n,
            None => {
                c.issue(
                    IssueKind::Missing,
                    format!("gridPos.{k} is missing; {default} is used"),
                );
                default
            }
        }
    };
    let (x, y, w, h) = (
        field("x", 0),
        field("y", bottom.into()),
        field("w", 12),
        field("h", 8),
    );
    let cols = i64::from(GridPos::COLUMNS);
    let cx = x.clamp(0, cols - 1);
    let cw = w.clamp(1, cols - cx);
    let cy = y.clamp(0, i64::from(GridPos::MAX_Y));
    let ch = h.clamp(1, i64::from(GridPos::MAX_H));
    if (cx, cy, cw, ch) != (x, y, w, h) {
        c.issue(
            IssueKind::Invalid,
            format!("gridPos x={x} y={y} w={w} h={h} does not fit the 24-column grid; used x={cx} y={cy} w={cw} h={ch}"),
        );
    }
    // The clamps above bound every value to u32 range.
    GridPos {
        x: cx as u32,
        y: cy as u32,
        w: cw as u32,
        h: ch as u32,
    }
}

fn parse_target(c: &mut Ctx, t: &Value, i: usize, panel_ds: &DatasourceRef) -> Option<Query> {
    if !t.is_object() {
        c.issue(
            IssueKind::Invalid,
            format!(
                "query {} is {}, not an object; skipped",
                i + 1,
                type_name(t)
            ),
        );
        return None;
    }
    let ref_id = c
        .nonempty(t.get("refId"), "refId")
        .unwrap_or_else(|| default_ref_id(i));
    let datasource = match t.get("datasource") {
        Some(v) if !v.is_null() => parse_ds(Some(v)),
        _ => panel_ds.clone(),
    };
    let hide = c.bool(t.get("hide"), "hide").unwrap_or(false);
    let expr = c.str(t.get("expr"), "expr").unwrap_or_default();
    if !datasource.is_prometheus() {
        let kind = datasource.kind.as_deref().unwrap_or("?");
        c.issue(
            IssueKind::NotPrometheus,
            format!("query {ref_id} uses a {kind} data source; Watchdesk only runs Prometheus queries, so it is kept but not run"),
        );
    } else if expr.trim().is_empty() {
        if !hide {
            c.issue(
                IssueKind::Missing,
                format!("query {ref_id} has no PromQL expr; skipped"),
            );
        }
        return None;
    }
    let instant = c.bool(t.get("instant"), "instant").unwrap_or(false)
        && c.bool(t.get("range"), "range") != Some(true);
    Some(Query {
        ref_id,
        expr,
        legend_format: c
            .str(t.get("legendFormat"), "legendFormat")
            .unwrap_or_default(),
        instant,
        hide,
        interval: c.nonempty(t.get("interval"), "interval"),
        datasource,
    })
}

/// `A`, `B`, ... `Z`, `AA`, ... like Grafana's refIds.
fn default_ref_id(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Grafana 7+ mappings (`{type: "value"|"range"|"special", options}`) and the older flat form
/// (`{type: 1, value: "0", text: "DOWN"}` / `{type: 2, from, to, text}`).
fn parse_mappings(c: &mut Ctx, v: Option<&Value>) -> Vec<ValueMapping> {
    let num = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let text_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    for m in c.arr(v, "mappings").iter() {
        let result = |r: Option<&Value>| {
            let r = r.cloned().unwrap_or(Value::Null);
            (
                r.get("text").and_then(text_of).filter(|t| !t.is_empty()),
                r.get("color").and_then(Value::as_str).map(str::to_string),
            )
        };
        match m.get("type") {
            Some(Value::String(t)) if t == "value" => {
                if let Some(Value::Object(opts)) = m.get("options") {
                    for (k, r) in opts {
                        let (text, color) = result(Some(r));
                        out.push(ValueMapping {
                            matches: MappingMatch::Value(k.clone()),
                            text,
                            color,
                        });
                    }
                }
            }
            Some(Value::String(t)) if t == "range" => {
                let o = m.get("options");
                let (text, color) = result(o.and_then(|o| o.get("result")));
                out.push(ValueMapping {
                    matches: MappingMatch::Range {
                        from: num(o.and_then(|o| o.get("from"))),
                        to: num(o.and_then(|o| o.get("to"))),
                    },
                    text,
                    color,
                });
            }
            Some(Value::String(t)) if t == "special" => {
                let o = m.get("options");
                let (text, color) = result(o.and_then(|o| o.get("result")));
                match o.and_then(|o| o.get("match")).and_then(Value::as_str) {
                    Some("null" | "nan" | "null+nan") => out.push(ValueMapping {
                        matches: MappingMatch::NullOrNan,
                        text,
                        color,
                    }),
                    other => c.issue(
                        IssueKind::Unsupported,
                        format!("value mapping special match {other:?} is not supported"),
                    ),
                }
            }
            Some(Value::Number(n)) if n.as_i64() == Some(1) => {
                if let Some(val) = m.get("value").and_then(text_of) {
                    out.push(ValueMapping {
                        matches: MappingMatch::Value(val),
                        text: m.get("text").and_then(text_of),
                        color: None,
                    });
                }
            }
            Some(Value::Number(n)) if n.as_i64() == Some(2) => out.push(ValueMapping {
                matches: MappingMatch::Range {
                    from: num(m.get("from")),
                    to: num(m.get("to")),
                },
                text: m.get("text").and_then(text_of),
                color: None,
            }),
            other => c.issue(
                IssueKind::Unsupported,
                format!("value mapping of type {other:?} is not supported"),
            ),
        }
    }
    out
}

fn parse_thresholds(c: &mut Ctx, v: Option<&Value>) -> Thresholds {
    let Some(t) = c.obj(v, "thresholds") else {
        return Thresholds::default();
    };
    let percentage = c.str(t.get("mode"), "thresholds.mode").as_deref() == Some("percentage");
    let mut steps = Vec::new();
    for (i, s) in c.arr(t.get("steps"), "thresholds.steps").iter().enumerate() {
        let color = c
            .nonempty(s.get("color"), "threshold color")
            .unwrap_or_else(|| "green".into());
        let value = c.num(s.get("value"), "threshold value");
        if value.is_none() && i > 0 {
            c.issue(
                IssueKind::Invalid,
                format!(
                    "threshold step {} has no value (only the first may be -inf); ignored",
                    i + 1
                ),
            );
            continue;
        }
        steps.push(ThresholdStep { value, color });
    }
    steps.sort_by(|a, b| match (a.value, b.value) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(&y),
    });
    Thresholds { percentage, steps }
}

/// Old singlestat: `thresholds: "80,90"`, `colors: [ok, warn, crit]`.
fn singlestat_thresholds(p: &Value) -> Thresholds {
    let text = match p.get("thresholds") {
        Some(Value::String(s)) => s.as_str(),
        _ => "",
    };
    let colors: Vec<&str> = p
        .get("colors")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let values: Vec<f64> = text
        .split(',')
        .filter_map(|s| s.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite())
        .collect();
    if values.is_empty() {
        return Thresholds::default();
    }
    let color = |i: usize| colors.get(i).copied().unwrap_or("green").to_string();
    let mut steps = vec![ThresholdStep {
        value: None,
        color: color(0),
    }];
    for (i, v) in values.into_iter().enumerate() {
        steps.push(ThresholdStep {
            value: Some(v),
            color: color(i + 1),
        });
    }
    Thresholds {
        percentage: false,
        steps,
    }
}

fn singlestat_reducer(value_name: Option<&str>) -> &'static str {
    match value_name {
        Some("avg") => "mean",
        Some("min") => "min",
        Some("max") => "max",
        Some("total") => "sum",
        Some("first") => "firstNotNull",
        Some("delta") => "delta",
        Some("diff") => "diff",
        Some("range") => "range",
        Some("count") => "count",
        _ => "lastNotNull",
    }
}

fn parse_variables(c: &mut Ctx, d: &Value) -> Vec<Variable> {
    let templating = c.obj(d.get("templating"), "templating");
    let mut out: Vec<Variable> = Vec::new();
    for v in c.arr(templating.and_then(|t| t.get("list")), "templating.list") {
        if !v.is_object() {
            c.issue(
                IssueKind::Invalid,
                format!(
                    "a template variable is {}, not an object; skipped",
                    type_name(v)
                ),
            );
            continue;
        }
        let Some(name) = c.nonempty(v.get("name"), "variable name") else {
            c.issue(
                IssueKind::Missing,
                "a template variable has no name; skipped".into(),
            );
            continue;
        };
        if out.iter().any(|o| o.name == name) {
            c.issue(
                IssueKind::Duplicate,
                format!("variable ${name} is defined twice; the second is ignored"),
            );
            continue;
        }
        out.push(parse_variable(c, v, name));
    }
    out
}

fn parse_variable(c: &mut Ctx, v: &Value, name: String) -> Variable {
    let what = |f: &str| format!("variable ${name}: {f}");
    let ty = c.str(v.get("type"), &what("type")).unwrap_or_default();
    let kind = VarKind::parse(&ty);
    match &kind {
        VarKind::Unknown(t) => c.issue(
            IssueKind::Unsupported,
            format!("variable ${name}: type {t:?} is not supported; its saved value is used"),
        ),
        VarKind::Adhoc if !c.arr(v.get("filters"), &what("filters")).is_empty() => c.issue(
            IssueKind::Unsupported,
            format!("variable ${name}: ad hoc filters are not applied to the queries"),
        ),
        _ => {}
    }
    let query = match v.get("query") {
        Some(Value::Object(o)) => c
            .str(o.get("query"), &what("query.query"))
            .unwrap_or_default(),
        q => c.str(q, &what("query")).unwrap_or_default(),
    };
    let label = c.str(v.get("label"), &what("label")).unwrap_or_default();
    let mut current = Vec::new();
    if let Some(cur) = c.obj(v.get("current"), &what("current")) {
        let val = match cur.get("value") {
            Some(Value::Null) | None => cur.get("text"),
            some => some,
        };
        current = string_list(c, val, &what("current.value"));
    }
    let mut options = Vec::new();
    for o in c.arr(v.get("options"), &what("options")) {
        let val = match o {
            Value::Object(_) => o.get("value"),
            other => Some(other),
        };
        options.extend(string_list(c, val, &what("option")));
    }
    match kind {
        VarKind::Custom if !query.trim().is_empty() => options = template::parse_custom(&query),
        VarKind::Interval => {
            options = query
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }
        VarKind::Constant => {
            options = vec![query.clone()];
            current = vec![query.clone()];
        }
        VarKind::Textbox if current.is_empty() => current = vec![query.clone()],
        _ => {}
    }
    let regex = c.nonempty(v.get("regex"), &what("regex"));
    if let Some(r) = &regex {
        if let Err(e) = template::compile_grafana_regex(r) {
            c.issue(IssueKind::Invalid, format!("variable ${name}: {e}"));
        }
    }
    let sort = match v.get("sort") {
        Some(Value::String(s)) => sort_code(s),
        other => c.int(other, &what("sort")).unwrap_or(0).clamp(0, 8) as u8,
    };
    let hide = match v.get("hide") {
        Some(Value::String(s)) => match s.as_str() {
            "hideLabel" => VarHide::Label,
            "hideVariable" => VarHide::Variable,
            _ => VarHide::Visible,
        },
        other => match c.int(other, &what("hide")) {
            Some(1) => VarHide::Label,
            Some(2) => VarHide::Variable,
            _ => VarHide::Visible,
        },
    };
    Variable {
        label,
        kind,
        query,
        current,
        options,
        multi: c.bool(v.get("multi"), &what("multi")).unwrap_or(false),
        include_all: c
            .bool(v.get("includeAll"), &what("includeAll"))
            .unwrap_or(false),
        all_value: c.nonempty(v.get("allValue"), &what("allValue")),
        regex,
        sort,
        hide,
        name,
    }
}

/// A string or an array of strings (numbers converted silently: Grafana saves both).
fn string_list(c: &mut Ctx, v: Option<&Value>, what: &str) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Number(n)) => vec![n.to_string()],
        Some(Value::Bool(b)) => vec![b.to_string()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(x) => {
            c.wrong(what, x, "a string or a list of strings", "ignored");
            Vec::new()
        }
    }
}

/// Grafana v2 sort names -> classic codes.
fn sort_code(s: &str) -> u8 {
    match s {
        "alphabeticalAsc" => 1,
        "alphabeticalDesc" => 2,
        "numericalAsc" => 3,
        "numericalDesc" => 4,
        "alphabeticalCaseInsensitiveAsc" => 5,
        "alphabeticalCaseInsensitiveDesc" => 6,
        "naturalAsc" => 7,
        "naturalDesc" => 8,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_ids() {
        assert_eq!(default_ref_id(0), "A");
        assert_eq!(default_ref_id(25), "Z");
        assert_eq!(default_ref_id(26), "AA");
        assert_eq!(default_ref_id(27), "AB");
    }
}
