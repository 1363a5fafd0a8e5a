//! `transformations` into [`Transformation`]s. Ids Watchdesk does not apply (and disabled ones,
//! which Grafana skips too) are left out; the unknown ones are returned as paths for the panel's
//! `ignored` list, so `watchdesk check` and the app say the table is shown without them.

use serde_json::Value;

use super::super::transform::{Calc, GroupField, Operand, Transformation};

fn s(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// `{name: true}` maps (organize's `excludeByName`): the names set to true, sorted.
fn true_keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter(|(_, b)| b.as_bool() == Some(true))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn operand(v: Option<&Value>) -> Option<Operand> {
    match v? {
        Value::String(n) => Some(match n.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Operand::Fixed(f),
            _ => Operand::Field(n.clone()),
        }),
        Value::Number(n) => n.as_f64().map(Operand::Fixed),
        o @ Value::Object(_) => {
            if let Some(f) = o.get("fixed") {
                let t = match f {
                    Value::String(t) => t.trim().parse::<f64>().ok(),
                    x => x.as_f64(),
                };
                return t.filter(|x| x.is_finite()).map(Operand::Fixed);
            }
            let m = o.get("matcher")?;
            s(m.get("options")).map(Operand::Field)
        }
        _ => None,
    }
}

fn calc(o: Option<&Value>) -> Option<Calc> {
    let get = |k: &str| o.and_then(|o| o.get(k));
    Some(
        match get("mode").and_then(Value::as_str).unwrap_or("reduceRow") {
            "reduceRow" => {
                let r = get("reduce");
                Calc::ReduceRow {
                    reducer: s(r.and_then(|r| r.get("reducer"))).unwrap_or_else(|| "sum".into()),
                    include: r
                        .and_then(|r| r.get("include"))
                        .map(|i| names(Some(i)))
                        .filter(|n| !n.is_empty()),
                }
            }
            "binary" => {
                let b = get("binary");
                Calc::Binary {
                    left: operand(b.and_then(|b| b.get("left")))?,
                    op: s(b.and_then(|b| b.get("operator"))).unwrap_or_else(|| "+".into()),
                    right: operand(b.and_then(|b| b.get("right")))?,
                }
            }
            "index" => Calc::Index {
                percentile: get("index")
                    .and_then(|i| i.get("asPercentile"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            "unary" => {
                let u = get("unary");
                Calc::Unary {
                    op: s(u.and_then(|u| u.get("operator"))).unwrap_or_else(|| "abs".into()),
                    field: s(u.and_then(|u| u.get("fieldName")))?,
                }
            }
            "cumulativeFunctions" => {
                let c = get("cumulative");
                Calc::Cumulative {
                    reducer: s(c.and_then(|c| c.get("reducer"))).unwrap_or_else(|| "sum".into()),
                    field: s(c.and_then(|c| c.get("field")))?,
                }
            }
            _ => return None,
        },
    )
}

/// The transformations Watchdesk applies, and the `transformations[i].<id>` paths it does not.
pub(super) fn parse_transformations(v: Option<&Value>) -> (Vec<Transformation>, Vec<String>) {
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    let Some(list) = v.and_then(Value::as_array) else {
        return (out, ignored);
    };
    for (i, t) in list.iter().enumerate() {
        if t.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let id = t.get("id").and_then(Value::as_str).unwrap_or("");
        let o = t.get("options");
        let get = |k: &str| o.and_then(|o| o.get(k));
        let parsed = match id {
            "organize" => Some(Transformation::Organize {
                exclude: true_keys(get("excludeByName")),
                index: get("indexByName")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, n)| n.as_i64().map(|n| (k.clone(), n)))
                            .collect()
                    })
                    .unwrap_or_default(),
                rename: get("renameByName")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, n)| n.as_str().map(|n| (k.clone(), n.to_string())))
                            .filter(|(_, n)| !n.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            "merge" => Some(Transformation::Merge),
            "joinByField" | "seriesToColumns" => {
                let mode = s(get("mode")).unwrap_or_default();
                (mode != "outerTabular").then(|| Transformation::JoinByField {
                    field: s(get("byField")).filter(|f| !f.is_empty()),
                    inner: mode == "inner",
                })
            }
            "reduce" => {
                let mut reducers = names(get("reducers"));
                if reducers.is_empty() {
                    reducers.push("lastNotNull".into());
                }
                Some(Transformation::Reduce {
                    reducers,
                    reduce_fields: s(get("mode")).as_deref() == Some("reduceFields"),
                    include_time: get("includeTimeField").and_then(Value::as_bool) == Some(true),
                    labels_to_fields: get("labelsToFields").and_then(Value::as_bool) == Some(true),
                })
            }
            "labelsToFields" => Some(Transformation::LabelsToFields {
                rows: s(get("mode")).as_deref() == Some("rows"),
                keep: get("keepLabels")
                    .map(|k| names(Some(k)))
                    .filter(|k| !k.is_empty()),
                value_label: s(get("valueLabel")).filter(|l| !l.is_empty()),
            }),
            "seriesToRows" => Some(Transformation::SeriesToRows),
            "filterFieldsByName" => {
                let side = |k: &str| o.and_then(|o| o.get(k));
                Some(Transformation::FilterFieldsByName {
                    include_names: names(side("include").and_then(|x| x.get("names"))),
                    include_pattern: s(side("include").and_then(|x| x.get("pattern")))
                        .filter(|p| !p.is_empty()),
                    exclude_names: names(side("exclude").and_then(|x| x.get("names"))),
                    exclude_pattern: s(side("exclude").and_then(|x| x.get("pattern")))
                        .filter(|p| !p.is_empty()),
                })
            }
            "calculateField" => calc(o).map(|c| Transformation::CalculateField {
                alias: s(get("alias")).filter(|a| !a.is_empty()),
                replace: get("replaceFields").and_then(Value::as_bool) == Some(true),
                calc: c,
            }),
            "groupBy" => get("fields").and_then(Value::as_object).map(|m| {
                let fields = m
                    .iter()
                    .filter_map(|(k, f)| {
                        let op = f.get("operation").and_then(Value::as_str)?;
                        let g = match op {
                            "groupby" => GroupField::GroupBy,
                            "aggregate" => GroupField::Aggregate(names(f.get("aggregations"))),
                            _ => return None,
                        };
                        Some((k.clone(), g))
                    })
                    .collect();
                Transformation::GroupBy { fields }
            }),
            "sortBy" => get("sort")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|f| {
                    Some(Transformation::SortBy {
                        field: s(f.get("field"))?,
                        desc: f.get("desc").and_then(Value::as_bool) == Some(true),
                    })
                }),
            _ => None,
        };
        match parsed {
            Some(t) => out.push(t),
            None => ignored.push(format!(
                "transformations[{i}].{}",
                if id.is_empty() { "?" } else { id }
            )),
        }
    }
    (out, ignored)
}
