//! Grafana's transformations on table frames (`packages/grafana-data/src/transformations/
//! transformers/*`), in the panel's order. Fields are matched by display name, as Grafana does.

use super::frame::{Cell, Field, Frame, Kind};
use crate::chart::{calc_name, reduce};
use crate::dashboard::field::FieldMatcher;
use crate::dashboard::transform::{Calc, GroupField, Operand, Transformation};
use crate::source::Labels;
use std::collections::{BTreeSet, HashMap};

/// Applies every transformation in order.
pub(crate) fn apply(mut frames: Vec<Frame>, ts: &[Transformation]) -> Vec<Frame> {
    for t in ts {
        frames = apply_one(frames, t);
    }
    frames
}

fn apply_one(frames: Vec<Frame>, t: &Transformation) -> Vec<Frame> {
    match t {
        Transformation::Organize {
            exclude,
            index,
            rename,
        } => frames
            .into_iter()
            .map(|f| organize(f, exclude, index, rename))
            .collect(),
        Transformation::Merge => merge(frames),
        Transformation::JoinByField { field, inner } => {
            join(frames, field.as_deref().unwrap_or("Time"), *inner)
        }
        Transformation::Reduce {
            reducers,
            reduce_fields,
            include_time,
            labels_to_fields,
        } => {
            if *reduce_fields {
                frames
                    .into_iter()
                    .map(|f| reduce_fields_of(f, reducers, *include_time))
                    .collect()
            } else {
                vec![series_to_rows_reduced(&frames, reducers, *labels_to_fields)]
            }
        }
        Transformation::LabelsToFields {
            rows,
            keep,
            value_label,
        } => frames
            .into_iter()
            .map(|f| labels_to_fields(f, *rows, keep.as_deref(), value_label.as_deref()))
            .collect(),
        Transformation::SeriesToRows => series_to_rows(&frames),
        Transformation::FilterFieldsByName {
            include_names,
            include_pattern,
            exclude_names,
            exclude_pattern,
        } => frames
            .into_iter()
            .map(|mut f| {
                let names = f.names();
                let re = |p: &Option<String>, n: &str| {
                    p.as_ref()
                        .is_some_and(|p| FieldMatcher::ByRegexp(p.clone()).matches(&fref(n)))
                };
                let has_include = !include_names.is_empty() || include_pattern.is_some();
                let keep: Vec<bool> = names
                    .iter()
                    .map(|n| {
                        let inc =
                            !has_include || include_names.contains(n) || re(include_pattern, n);
                        let exc = exclude_names.contains(n) || re(exclude_pattern, n);
                        inc && !exc
                    })
                    .collect();
                let mut k = keep.iter();
                f.fields.retain(|_| *k.next().unwrap_or(&true));
                f
            })
            .collect(),
        Transformation::CalculateField {
            alias,
            replace,
            calc,
        } => frames
            .into_iter()
            .map(|f| calculate(f, alias.as_deref(), *replace, calc))
            .collect(),
        Transformation::GroupBy { fields } => {
            frames.into_iter().map(|f| group_by(f, fields)).collect()
        }
        Transformation::SortBy { field, desc } => frames
            .into_iter()
            .map(|mut f| {
                if let Some(i) = f.find(field) {
                    let vals = f.fields[i].values.clone();
                    let mut order: Vec<usize> = (0..f.rows()).collect();
                    order.sort_by(|&a, &b| {
                        let (x, y) = (
                            vals.get(a).unwrap_or(&Cell::Null),
                            vals.get(b).unwrap_or(&Cell::Null),
                        );
                        if *desc {
                            y.cmp_sort(x)
                        } else {
                            x.cmp_sort(y)
                        }
                    });
                    f.reorder(&order);
                }
                f
            })
            .collect(),
    }
}

fn fref(name: &str) -> crate::dashboard::field::FieldRef<'_> {
    static EMPTY: std::sync::OnceLock<Labels> = std::sync::OnceLock::new();
    crate::dashboard::field::FieldRef {
        name,
        ref_id: "",
        labels: EMPTY.get_or_init(Labels::new),
    }
}

/// `organize`: drop, reorder, rename.
fn organize(
    mut f: Frame,
    exclude: &[String],
    index: &[(String, i64)],
    rename: &[(String, String)],
) -> Frame {
    let names = f.names();
    let mut fields: Vec<(String, Field)> = names
        .into_iter()
        .zip(std::mem::take(&mut f.fields))
        .filter(|(n, _)| !exclude.contains(n))
        .collect();
    let idx = |n: &str| {
        index
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, i)| *i)
            .unwrap_or(i64::MAX)
    };
    fields.sort_by_key(|(n, _)| idx(n));
    f.fields = fields
        .into_iter()
        .map(|(n, mut field)| {
            if let Some((_, new)) = rename.iter().find(|(k, _)| *k == n) {
                field.display = Some(new.clone());
            } else if field.display.is_none() && n != field.name {
                // Keep the numbered name (`Time 1`) it was known by.
                field.display = Some(n);
            }
            field
        })
        .collect();
    f
}

/// `merge`: one table; rows agreeing on the fields every frame has are combined.
fn merge(frames: Vec<Frame>) -> Vec<Frame> {
    if frames.len() < 2 {
        return frames;
    }
    let mut out: Vec<Field> = Vec::new();
    for fr in &frames {
        for fd in &fr.fields {
            if !out.iter().any(|o| o.name == fd.name) {
                let mut c = fd.clone();
                c.values.clear();
                out.push(c);
            }
        }
    }
    let last = frames.last().map(|f| &f.fields[..]).unwrap_or(&[]);
    let keys: Vec<&str> = last
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| {
            frames
                .iter()
                .all(|fr| fr.fields.iter().any(|f| f.name == *n))
        })
        .collect();
    type Row = HashMap<String, Cell>;
    let mut order: Vec<String> = Vec::new();
    let mut by_key: HashMap<String, Vec<Row>> = HashMap::new();
    for fr in &frames {
        for r in 0..fr.rows() {
            let cell = |n: &str| {
                fr.fields
                    .iter()
                    .find(|f| f.name == n)
                    .and_then(|f| f.values.get(r))
                    .cloned()
                    .unwrap_or(Cell::Null)
            };
            let key: Vec<String> = keys.iter().map(|k| cell(k).key()).collect();
            let key = key.join("\u{1f}");
            let value: Row = fr
                .fields
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        f.values.get(r).cloned().unwrap_or(Cell::Null),
                    )
                })
                .collect();
            let Some(rows) = by_key.get_mut(&key) else {
                order.push(key.clone());
                by_key.insert(key, vec![value]);
                continue;
            };
            let mut merged = false;
            for existing in rows.iter_mut() {
                let ok = value.iter().all(|(k, v)| match existing.get(k) {
                    None | Some(Cell::Null) => true,
                    Some(e) => e == v,
                });
                if ok {
                    merged = true;
                    for (k, v) in &value {
                        existing.insert(k.clone(), v.clone());
                    }
                }
            }
            if !merged {
                rows.push(value);
            }
        }
    }
    for k in &order {
        for row in by_key.get(k).into_iter().flatten() {
            for f in &mut out {
                f.values
                    .push(row.get(&f.name).cloned().unwrap_or(Cell::Null));
            }
        }
    }
    vec![Frame {
        name: String::new(),
        ref_id: String::new(),
        fields: out,
    }]
}

/// `joinByField`: one frame, one row per value of `by` (outer: every value; inner: those in
/// every frame), sorted; the join field first, then every other field of each frame in order.
fn join(frames: Vec<Frame>, by: &str, inner: bool) -> Vec<Frame> {
    let with: Vec<(usize, &Frame)> = frames
        .iter()
        .filter_map(|f| f.find(by).map(|i| (i, f)))
        .collect();
    if with.len() < 2 && frames.len() < 2 {
        return frames;
    }
    let mut keys: Vec<Cell> = Vec::new();
    for (i, f) in &with {
        for c in &f.fields[*i].values {
            if !keys.contains(c) {
                keys.push(c.clone());
            }
        }
    }
    if inner {
        keys.retain(|k| with.iter().all(|(i, f)| f.fields[*i].values.contains(k)));
    }
    keys.sort_by(|a, b| a.cmp_sort(b));
    let Some(&(i0, f0)) = with.first() else {
        return frames;
    };
    let mut key_field = f0.fields[i0].clone();
    key_field.values = keys.clone();
    let mut fields = vec![key_field];
    for (i, f) in &with {
        let rows: Vec<Option<usize>> = keys
            .iter()
            .map(|k| f.fields[*i].values.iter().position(|c| c == k))
            .collect();
        for (j, fd) in f.fields.iter().enumerate() {
            if j == *i {
                continue;
            }
            let mut c = fd.clone();
            c.values = rows
                .iter()
                .map(|r| {
                    r.and_then(|r| fd.values.get(r).cloned())
                        .unwrap_or(Cell::Null)
                })
                .collect();
            fields.push(c);
        }
    }
    vec![Frame {
        name: f0.name.clone(),
        ref_id: String::new(),
        fields,
    }]
}

fn points(f: &Field) -> Vec<(i64, f64)> {
    f.values
        .iter()
        .enumerate()
        .map(|(i, c)| (i as i64, c.num().unwrap_or(f64::NAN)))
        .collect()
}

fn num_field(name: &str, values: Vec<Option<f64>>) -> Field {
    Field::new(
        name,
        Kind::Number,
        values
            .into_iter()
            .map(|v| v.map_or(Cell::Null, Cell::Num))
            .collect(),
    )
}

/// `reduce` in `seriesToRows` mode: `Field`, then one column per reducer, a row per field.
fn series_to_rows_reduced(frames: &[Frame], reducers: &[String], labels: bool) -> Frame {
    let mut names = Vec::new();
    let mut label_rows: Vec<Labels> = Vec::new();
    let mut calcs: Vec<Vec<Option<f64>>> = vec![Vec::new(); reducers.len()];
    for fr in frames {
        let display = fr.names();
        for (fd, d) in fr.fields.iter().zip(display) {
            if fd.kind != Kind::Number {
                continue;
            }
            names.push(Cell::Text(if labels { fd.name.clone() } else { d }));
            label_rows.push(fd.labels.clone());
            let p = points(fd);
            for (k, r) in reducers.iter().enumerate() {
                calcs[k].push(reduce(&p, r));
            }
        }
    }
    let mut fields = vec![Field::new("Field", Kind::Text, names)];
    if labels {
        let keys: BTreeSet<&String> = label_rows
            .iter()
            .flat_map(|l| l.keys())
            .filter(|k| *k != "__name__")
            .collect();
        for k in keys {
            let v = label_rows
                .iter()
                .map(|l| l.get(k).map_or(Cell::Null, |v| Cell::Text(v.clone())))
                .collect();
            fields.push(Field::new(k, Kind::Text, v));
        }
    }
    for (k, r) in reducers.iter().enumerate() {
        fields.push(num_field(&calc_name(r), std::mem::take(&mut calcs[k])));
    }
    Frame {
        name: String::new(),
        ref_id: String::new(),
        fields,
    }
}

/// `reduce` in `reduceFields` mode: each frame keeps its fields, reduced to one row.
fn reduce_fields_of(mut f: Frame, reducers: &[String], include_time: bool) -> Frame {
    let mut out = Vec::new();
    for fd in f.fields.drain(..) {
        match fd.kind {
            Kind::Time if !include_time => {}
            Kind::Number | Kind::Time => {
                let p = points(&fd);
                for r in reducers {
                    let mut c = fd.clone();
                    let v = reduce(&p, r);
                    c.values = vec![match (fd.kind, v) {
                        (Kind::Time, Some(t)) => Cell::Time(t as i64),
                        (_, v) => v.map_or(Cell::Null, Cell::Num),
                    }];
                    if reducers.len() > 1 {
                        c.labels.insert("reducer".into(), calc_name(r));
                        c.display = c.display.map(|d| format!("{d} {}", calc_name(r)));
                    }
                    out.push(c);
                }
            }
            Kind::Text => {
                let mut c = fd.clone();
                c.values = fd.values.last().cloned().into_iter().collect();
                out.push(c);
            }
        }
    }
    f.fields = out;
    f
}

/// `labelsToFields`.
fn labels_to_fields(
    mut f: Frame,
    rows: bool,
    keep: Option<&[String]>,
    value_label: Option<&str>,
) -> Frame {
    let kept = |k: &str| k != "__name__" && keep.is_none_or(|ks| ks.iter().any(|x| x == k));
    if rows {
        let mut names = Vec::new();
        let mut values = Vec::new();
        for fd in &f.fields {
            for (k, v) in fd.labels.iter().filter(|(k, _)| kept(k)) {
                names.push(Cell::Text(k.clone()));
                values.push(Cell::Text(v.clone()));
            }
        }
        f.fields = vec![
            Field::new("label", Kind::Text, names),
            Field::new("value", Kind::Text, values),
        ];
        return f;
    }
    let n = f.rows();
    let mut out: Vec<Field> = Vec::new();
    for mut fd in std::mem::take(&mut f.fields) {
        if fd.labels.is_empty() {
            out.push(fd);
            continue;
        }
        let labels = std::mem::take(&mut fd.labels);
        fd.display = None;
        if let Some(v) = value_label.and_then(|l| labels.get(l)) {
            fd.name = v.clone();
        }
        out.push(fd);
        for (k, v) in labels
            .iter()
            .filter(|(k, _)| kept(k) && Some(k.as_str()) != value_label)
        {
            if !out.iter().any(|o| o.name == *k) {
                out.push(Field::new(k, Kind::Text, vec![Cell::Text(v.clone()); n]));
            }
        }
    }
    f.fields = out;
    f
}

/// `seriesToRows`: `Time`, `Metric`, `Value`, newest first.
fn series_to_rows(frames: &[Frame]) -> Vec<Frame> {
    let mut rows: Vec<(Cell, String, Cell)> = Vec::new();
    for fr in frames {
        let names = fr.names();
        let time = fr.fields.iter().position(|f| f.kind == Kind::Time);
        let Some(vi) = fr.fields.iter().position(|f| f.kind == Kind::Number) else {
            continue;
        };
        for r in 0..fr.rows() {
            let t = time
                .and_then(|i| fr.fields[i].values.get(r).cloned())
                .unwrap_or(Cell::Null);
            let v = fr.fields[vi].values.get(r).cloned().unwrap_or(Cell::Null);
            rows.push((t, names[vi].clone(), v));
        }
    }
    rows.sort_by(|a, b| b.0.cmp_sort(&a.0));
    let mut time = Field::new("Time", Kind::Time, Vec::new());
    let mut metric = Field::new("Metric", Kind::Text, Vec::new());
    let mut value = Field::new("Value", Kind::Number, Vec::new());
    for (t, m, v) in rows.into_iter().take(super::frame::MAX_ROWS) {
        time.values.push(t);
        metric.values.push(Cell::Text(m));
        value.values.push(v);
    }
    vec![Frame {
        name: String::new(),
        ref_id: String::new(),
        fields: vec![time, metric, value],
    }]
}

fn operand_values(f: &Frame, o: &Operand, n: usize) -> Vec<Option<f64>> {
    match o {
        Operand::Fixed(v) => vec![Some(*v); n],
        Operand::Field(name) => match f.find(name) {
            Some(i) => (0..n)
                .map(|r| f.fields[i].values.get(r).and_then(Cell::num))
                .collect(),
            None => vec![None; n],
        },
    }
}

/// `calculateField`.
fn calculate(mut f: Frame, alias: Option<&str>, replace: bool, calc: &Calc) -> Frame {
    let n = f.rows();
    let names = f.names();
    let (default, values): (String, Vec<Option<f64>>) = match calc {
        Calc::ReduceRow { reducer, include } => {
            let cols: Vec<usize> = f
                .fields
                .iter()
                .enumerate()
                .filter(|(i, fd)| {
                    fd.kind == Kind::Number
                        && include.as_ref().is_none_or(|inc| inc.contains(&names[*i]))
                })
                .map(|(i, _)| i)
                .collect();
            let v = (0..n)
                .map(|r| {
                    let p: Vec<(i64, f64)> = cols
                        .iter()
                        .enumerate()
                        .map(|(k, &c)| {
                            let v = f.fields[c].values.get(r).and_then(Cell::num);
                            (k as i64, v.unwrap_or(f64::NAN))
                        })
                        .collect();
                    reduce(&p, reducer)
                })
                .collect();
            (calc_name(reducer), v)
        }
        Calc::Binary { left, op, right } => {
            let (a, b) = (operand_values(&f, left, n), operand_values(&f, right, n));
            let v = a
                .iter()
                .zip(&b)
                .map(|(x, y)| {
                    let (x, y) = ((*x)?, (*y)?);
                    let r = match op.as_str() {
                        "+" => x + y,
                        "-" => x - y,
                        "*" => x * y,
                        "/" => x / y,
                        "%" => x % y,
                        "^" | "**" => x.powf(y),
                        _ => return None,
                    };
                    Some(r)
                })
                .collect();
            (format!("{} {op} {}", left.label(), right.label()), v)
        }
        Calc::Index { percentile } => {
            let v = (0..n)
                .map(|r| {
                    Some(if *percentile {
                        r as f64 / (n.max(2) - 1) as f64
                    } else {
                        r as f64
                    })
                })
                .collect();
            ("Row".into(), v)
        }
        Calc::Unary { op, field } => {
            let src = operand_values(&f, &Operand::Field(field.clone()), n);
            let v = src
                .iter()
                .map(|x| {
                    let x = (*x)?;
                    Some(match op.as_str() {
                        "abs" => x.abs(),
                        "exp" => x.exp(),
                        "ln" => x.ln(),
                        "floor" => x.floor(),
                        "ceil" => x.ceil(),
                        _ => return None,
                    })
                })
                .collect();
            (format!("{op}({field})"), v)
        }
        Calc::Cumulative { reducer, field } => {
            let src = operand_values(&f, &Operand::Field(field.clone()), n);
            let (mut sum, mut count) = (0.0, 0usize);
            let v = src
                .iter()
                .map(|x| {
                    if let Some(x) = x {
                        sum += x;
                        count += 1;
                    }
                    if count == 0 {
                        return None;
                    }
                    Some(if reducer == "mean" {
                        sum / count as f64
                    } else {
                        sum
                    })
                })
                .collect();
            (
                format!("Cumulative {}", calc_name(reducer).to_lowercase()),
                v,
            )
        }
    };
    let new = num_field(alias.unwrap_or(&default), values);
    if replace {
        f.fields.retain(|fd| fd.kind == Kind::Time);
    }
    f.fields.push(new);
    f
}

/// `groupBy`: one row per distinct combination of the group-by fields, the aggregated fields
/// reduced per group and named `<field> (<calc>)`.
fn group_by(f: Frame, spec: &[(String, GroupField)]) -> Frame {
    let names = f.names();
    let group: Vec<usize> = (0..f.fields.len())
        .filter(|&i| {
            spec.iter()
                .any(|(n, g)| *n == names[i] && *g == GroupField::GroupBy)
        })
        .collect();
    if group.is_empty() {
        return f;
    }
    let mut order: Vec<String> = Vec::new();
    let mut rows: HashMap<String, Vec<usize>> = HashMap::new();
    for r in 0..f.rows() {
        let key: Vec<String> = group
            .iter()
            .map(|&i| f.fields[i].values.get(r).map(Cell::key).unwrap_or_default())
            .collect();
        let key = key.join("\u{1f}");
        if !rows.contains_key(&key) {
            order.push(key.clone());
        }
        rows.entry(key).or_default().push(r);
    }
    let firsts: Vec<usize> = order.iter().map(|k| rows[k][0]).collect();
    let mut out = Vec::new();
    for &i in &group {
        let mut c = f.fields[i].clone();
        c.values = firsts
            .iter()
            .map(|&r| f.fields[i].values.get(r).cloned().unwrap_or(Cell::Null))
            .collect();
        out.push(c);
    }
    for (i, fd) in f.fields.iter().enumerate() {
        let Some((_, GroupField::Aggregate(calcs))) = spec.iter().find(|(n, _)| *n == names[i])
        else {
            continue;
        };
        for calc in calcs {
            let values = order
                .iter()
                .map(|k| {
                    let p: Vec<(i64, f64)> = rows[k]
                        .iter()
                        .map(|&r| {
                            (
                                r as i64,
                                fd.values.get(r).and_then(Cell::num).unwrap_or(f64::NAN),
                            )
                        })
                        .collect();
                    reduce(&p, calc)
                })
                .collect();
            out.push(num_field(&format!("{} ({calc})", names[i]), values));
        }
    }
    Frame {
        name: f.name,
        ref_id: f.ref_id,
        fields: out,
    }
}
