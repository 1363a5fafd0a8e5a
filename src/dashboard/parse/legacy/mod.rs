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

mod graph;
mod singlestat;

/// The modern panel for an old `graph` or `singlestat` panel, or a stat, gauge or bar gauge saved
/// by an older Grafana; `None` when there is nothing to migrate.
pub(super) fn migrate(p: &Value) -> Option<Value> {
    match p.get("type")?.as_str()? {
        "graph" => Some(graph::graph(p)),
        "singlestat" | "grafana-singlestat-panel" => Some(singlestat::singlestat(p)),
        "stat" | "gauge" | "bargauge" => singlestat::single_stat_family(p),
        _ => None,
    }
}

pub(super) fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
        _ => false,
    }
}

pub(super) fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) if !s.trim().is_empty() => {
            s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
        }
        _ => None,
    }
}

pub(super) fn num_json(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// The panel with a new type, field config and options (the old keys stay: nothing reads them).
pub(super) fn rebuilt(
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

#[cfg(test)]
mod tests;
