//! Templating variables.

use serde_json::Value;

use super::super::model::{VarHide, VarKind, Variable};
use super::super::{template, IssueKind};
use super::*;

pub(super) fn parse_variables(c: &mut Ctx, d: &Value) -> Vec<Variable> {
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

pub(super) fn parse_variable(c: &mut Ctx, v: &Value, name: String) -> Variable {
    let what = |f: &str| format!("variable ${name}: {f}");
    let ty = c.str(v.get("type"), &what("type")).unwrap_or_default();
    let kind = VarKind::parse(&ty);
    if let VarKind::Unknown(t) = &kind {
        c.issue(
            IssueKind::Unsupported,
            format!("variable ${name}: type {t:?} is not supported; its saved value is used"),
        );
    }
    let loki = kind == VarKind::Query && super::panel::parse_ds(v.get("datasource")).is_loki();
    let query = match v.get("query") {
        // Grafana's Loki variable editor: {type: 1, label, stream} lists a label's values.
        Some(Value::Object(o)) if loki && o.get("query").is_none() => {
            let label = o.get("label").and_then(Value::as_str).unwrap_or_default();
            let stream = o.get("stream").and_then(Value::as_str).unwrap_or_default();
            match (o.get("type").and_then(Value::as_u64), stream.trim()) {
                (Some(1), "") => format!("label_values({label})"),
                (Some(1), s) => format!("label_values({s}, {label})"),
                _ => String::new(),
            }
        }
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
        VarKind::Adhoc => {
            // The saved filters: `[{key, operator, value}]`, kept as `key op "value"`.
            current = c
                .arr(v.get("filters"), &what("filters"))
                .iter()
                .filter_map(|f| {
                    let key = f.get("key").and_then(Value::as_str)?;
                    let op = f.get("operator").and_then(Value::as_str).unwrap_or("=");
                    let value = f.get("value").and_then(Value::as_str).unwrap_or("");
                    super::super::adhoc::Filter::parse(&format!(
                        "{key}{op}\"{}\"",
                        value.replace('"', "\\\"")
                    ))
                    .map(|f| f.text())
                })
                .collect();
            options = Vec::new();
        }
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
        loki,
        name,
    }
}

/// A string or an array of strings (numbers converted silently: Grafana saves both).
pub(super) fn string_list(c: &mut Ctx, v: Option<&Value>, what: &str) -> Vec<String> {
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
pub(super) fn sort_code(s: &str) -> u8 {
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
