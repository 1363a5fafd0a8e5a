//! Grafana dashboard JSON (classic model) -> [`Dashboard`]. Never panics; every degradation is an
//! [`Issue`].

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{Dashboard, GridPos, Row};
use super::{v2, DashboardError, Issue, IssueKind};

mod fieldconfig;
mod fields;
mod legacy;
mod panel;
mod transform;
mod vars;
mod viz;

use fields::{parse_mappings, parse_thresholds};
use panel::parse_panel;
use vars::parse_variables;

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
    let mut flat: Vec<(Option<usize>, &Value)> = Vec::new();
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
        let row = row.map(|i| {
            (
                i,
                rows.get(i)
                    .map(|r: &Row| r.title.clone())
                    .unwrap_or_default(),
            )
        });
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

/// Orders panels with their rows (an index in `rows`): expanded rows own the top-level panels that
/// follow them, collapsed rows own the panels inside them.
fn flatten<'v>(
    c: &mut Ctx,
    list: &'v [Value],
    out: &mut Vec<(Option<usize>, &'v Value)>,
    rows: &mut Vec<Row>,
) {
    let mut current: Option<usize> = None;
    for p in list {
        if p.get("type").and_then(Value::as_str) != Some("row") {
            out.push((current, p));
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
        let repeat = c.nonempty(p.get("repeat"), "row repeat");
        rows.push(Row {
            title: title.clone(),
            collapsed,
            y,
            repeat,
            scoped: Default::default(),
        });
        let index = rows.len() - 1;
        for child in c.arr(p.get("panels"), "row panels") {
            if child.get("type").and_then(Value::as_str) == Some("row") {
                c.issue(
                    IssueKind::Invalid,
                    format!("row {title:?} contains another row; the inner row is ignored"),
                );
                continue;
            }
            out.push((Some(index), child));
        }
        current = Some(index);
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
