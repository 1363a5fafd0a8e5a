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
