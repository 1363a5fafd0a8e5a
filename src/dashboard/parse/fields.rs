//! Field options: value mappings and thresholds (and the legacy singlestat's).

use serde_json::Value;

use super::super::model::{MappingMatch, ThresholdStep, Thresholds, ValueMapping};
use super::super::IssueKind;
use super::*;

/// Grafana 7+ mappings (`{type: "value"|"range"|"special", options}`) and the older flat form
/// (`{type: 1, value: "0", text: "DOWN"}` / `{type: 2, from, to, text}`).
pub(super) fn parse_mappings(c: &mut Ctx, v: Option<&Value>) -> Vec<ValueMapping> {
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

pub(super) fn parse_thresholds(c: &mut Ctx, v: Option<&Value>) -> Thresholds {
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
pub(super) fn singlestat_thresholds(p: &Value) -> Thresholds {
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

pub(super) fn singlestat_reducer(value_name: Option<&str>) -> &'static str {
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
