//! Grafana's data frames, as far as tables need them, built from a panel's series the way the
//! Prometheus data source builds them (`result_transformer.ts`):
//!
//! * `format: table`: one frame per query: `Time`, one string column per label (the union, sorted,
//!   `__name__` included, missing values `""`), then `Value` (`Value #<refId>` when the panel has
//!   several table queries); a row per sample (an instant query has one sample per series);
//! * otherwise one frame per series: `Time` and a value field named by the series' display name.

use crate::chart::ChartSpec;
use crate::dashboard::QueryFormat;
use crate::source::Labels;
use crate::time::Millis;
use std::collections::BTreeSet;

/// Rows kept per frame; more would not be read on a panel anyway.
pub(crate) const MAX_ROWS: usize = 10_000;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Num(f64),
    Text(String),
    Time(Millis),
}

impl Cell {
    pub fn num(&self) -> Option<f64> {
        match self {
            Cell::Num(v) if !v.is_nan() => Some(*v),
            Cell::Time(t) => Some(*t as f64),
            _ => None,
        }
    }

    /// The text a join or merge key uses.
    pub fn key(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Num(v) => v.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Time(t) => t.to_string(),
        }
    }

    /// Sort order: numbers and times by value, text by text, nulls last.
    pub fn cmp_sort(&self, other: &Cell) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match (self, other) {
            (Cell::Null, Cell::Null) => Equal,
            (Cell::Null, _) => Greater,
            (_, Cell::Null) => Less,
            (Cell::Text(a), Cell::Text(b)) => a.cmp(b),
            (a, b) => match (a.num(), b.num()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Less,
                (None, Some(_)) => Greater,
                _ => a.key().cmp(&b.key()),
            },
        }
    }
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Time,
    Number,
    Text,
}

/// One field (column).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    /// The display name when it is not the name (a series' legend, a rename).
    pub display: Option<String>,
    pub kind: Kind,
    pub values: Vec<Cell>,
    pub labels: Labels,
    pub ref_id: String,
}

impl Field {
    pub fn new(name: &str, kind: Kind, values: Vec<Cell>) -> Field {
        Field {
            name: name.to_string(),
            display: None,
            kind,
            values,
            labels: Labels::new(),
            ref_id: String::new(),
        }
    }
}

/// One frame (a table).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Frame {
    pub name: String,
    pub ref_id: String,
    pub fields: Vec<Field>,
}

impl Frame {
    pub fn rows(&self) -> usize {
        self.fields
            .iter()
            .map(|f| f.values.len())
            .max()
            .unwrap_or(0)
    }

    /// Each field's display name, duplicates numbered as Grafana does (`Time 1`, `Time 2`).
    pub fn names(&self) -> Vec<String> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if let Some(d) = &f.display {
                    return d.clone();
                }
                let same = |g: &Field| g.display.is_none() && g.name == f.name;
                let dupes = self.fields.iter().filter(|g| same(g)).count();
                if dupes > 1 {
                    let n = self.fields[..=i].iter().filter(|g| same(g)).count();
                    format!("{} {n}", f.name)
                } else {
                    f.name.clone()
                }
            })
            .collect()
    }

    /// The index of the field displayed as `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names().iter().position(|n| n == name)
    }

    /// Keeps only the rows in `order` (indices), in that order.
    pub fn reorder(&mut self, order: &[usize]) {
        for f in &mut self.fields {
            f.values = order
                .iter()
                .map(|&i| f.values.get(i).cloned().unwrap_or(Cell::Null))
                .collect();
        }
    }
}

fn value_cell(v: f64) -> Cell {
    if v.is_nan() {
        Cell::Null
    } else {
        Cell::Num(v)
    }
}

/// The frames of a panel's query results, before transformations.
pub(crate) fn frames(spec: &ChartSpec) -> Vec<Frame> {
    let format = |r: &str| {
        spec.queries
            .iter()
            .find(|q| q.ref_id == r)
            .map(|q| q.format)
            .unwrap_or_default()
    };
    let tables = spec
        .queries
        .iter()
        .filter(|q| q.is_runnable() && q.format == QueryFormat::Table)
        .count();
    // refIds in query order, then any other in order of appearance.
    let mut refs: Vec<&str> = spec.queries.iter().map(|q| q.ref_id.as_str()).collect();
    for s in &spec.series {
        if !refs.contains(&s.ref_id.as_str()) {
            refs.push(&s.ref_id);
        }
    }
    let mut out = Vec::new();
    for r in refs {
        let series: Vec<_> = spec.series.iter().filter(|s| s.ref_id == r).collect();
        if format(r) == QueryFormat::Table {
            if series.is_empty() {
                continue;
            }
            let keys: BTreeSet<&String> = series.iter().flat_map(|s| s.labels.keys()).collect();
            let value_name = if tables > 1 {
                format!("Value #{r}")
            } else {
                "Value".to_string()
            };
            let mut rows: Vec<(Millis, usize, f64)> = series
                .iter()
                .enumerate()
                .flat_map(|(i, s)| s.points.iter().map(move |p| (p.0, i, p.1)))
                .collect();
            rows.sort_by_key(|r| r.0);
            rows.truncate(MAX_ROWS);
            let mut fields = vec![Field::new(
                "Time",
                Kind::Time,
                rows.iter().map(|r| Cell::Time(r.0)).collect(),
            )];
            for k in keys {
                let values = rows
                    .iter()
                    .map(|r| Cell::Text(series[r.1].labels.get(k).cloned().unwrap_or_default()))
                    .collect();
                fields.push(Field::new(k, Kind::Text, values));
            }
            let mut v = Field::new(
                &value_name,
                Kind::Number,
                rows.iter().map(|r| value_cell(r.2)).collect(),
            );
            v.ref_id = r.to_string();
            fields.push(v);
            for f in &mut fields {
                f.ref_id = r.to_string();
            }
            out.push(Frame {
                name: r.to_string(),
                ref_id: r.to_string(),
                fields,
            });
            continue;
        }
        for s in series {
            let pts = &s.points[s.points.len().saturating_sub(MAX_ROWS)..];
            let mut time = Field::new(
                "Time",
                Kind::Time,
                pts.iter().map(|p| Cell::Time(p.0)).collect(),
            );
            time.ref_id = r.to_string();
            let mut v = Field::new(
                "Value",
                Kind::Number,
                pts.iter().map(|p| value_cell(p.1)).collect(),
            );
            v.display = Some(s.name.clone());
            v.labels = s.labels.clone();
            v.ref_id = r.to_string();
            out.push(Frame {
                name: s.name.clone(),
                ref_id: r.to_string(),
                fields: vec![time, v],
            });
        }
    }
    out
}
