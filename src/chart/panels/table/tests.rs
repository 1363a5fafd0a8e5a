//! Tables: Prometheus table frames, Grafana's transformations, and the drawn grid.

use super::super::tests::{panel, series, spec};
use super::*;
use crate::chart::render_svg;

fn table_panel(targets: &str, rest: &str) -> crate::dashboard::Panel {
    panel(&format!(
        r#"{{"id": 1, "type": "table", "title": "T", "gridPos": {{"x":0,"y":0,"w":24,"h":10}},
            "targets": [{targets}] {rest}}}"#
    ))
}

const TWO_INSTANT: &str = r#"{"refId": "A", "expr": "up", "format": "table", "instant": true},
    {"refId": "B", "expr": "scrape_duration_seconds", "format": "table", "instant": true}"#;

fn names(f: &Frame) -> Vec<String> {
    f.names()
}

/// The cells of column `name`, as text.
fn column(f: &Frame, name: &str) -> Vec<String> {
    let i = f
        .find(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", f.names()));
    f.fields[i].values.iter().map(Cell::key).collect()
}

#[test]
fn an_instant_table_query_has_a_column_per_label_and_value() {
    let p = table_panel(
        r#"{"refId": "A", "expr": "up", "format": "table", "instant": true}"#,
        "",
    );
    let s = spec(
        &p,
        vec![
            series(
                &p,
                "A",
                &[("__name__", "up"), ("job", "nvr"), ("instance", "a:1")],
                &[0.0, 1.0],
            ),
            series(&p, "A", &[("__name__", "up"), ("job", "vms")], &[1.0, 0.0]),
        ],
        900,
        300,
    );
    let f = table_frames(&s);
    assert_eq!(f.len(), 1, "one frame per query");
    assert_eq!(
        names(&f[0]),
        ["Time", "__name__", "instance", "job", "Value"]
    );
    assert_eq!(
        column(&f[0], "Value"),
        ["1", "0"],
        "the newest value of each series"
    );
    assert_eq!(
        column(&f[0], "instance"),
        ["a:1", ""],
        "a missing label is empty"
    );
    let svg = render_svg(&s);
    assert!(
        svg.contains("instance") && svg.contains("a:1"),
        "drawn as columns"
    );
    assert!(!svg.contains("{job="), "not a label set in one cell");
}

#[test]
fn two_queries_merge_into_one_row_per_label_set() {
    let p = table_panel(
        TWO_INSTANT,
        r#", "transformations": [{"id": "merge", "options": {}}]"#,
    );
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("job", "nvr")], &[1.0]),
            series(&p, "A", &[("job", "vms")], &[0.0]),
            series(&p, "B", &[("job", "vms")], &[0.25]),
            series(&p, "B", &[("job", "nvr")], &[0.5]),
        ],
        900,
        300,
    );
    let f = table_frames(&s);
    assert_eq!(f.len(), 1);
    assert_eq!(names(&f[0]), ["Time", "job", "Value #A", "Value #B"]);
    assert_eq!(column(&f[0], "job"), ["nvr", "vms"]);
    assert_eq!(column(&f[0], "Value #A"), ["1", "0"]);
    assert_eq!(
        column(&f[0], "Value #B"),
        ["0.5", "0.25"],
        "joined on the labels, not the order"
    );
}

#[test]
fn without_a_transformation_the_first_frame_is_shown() {
    let p = table_panel(TWO_INSTANT, "");
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("job", "nvr")], &[1.0]),
            series(&p, "B", &[("job", "nvr")], &[0.5]),
        ],
        900,
        300,
    );
    assert_eq!(table_frames(&s).len(), 2);
    let svg = render_svg(&s);
    assert!(svg.contains("Value #A") && !svg.contains("Value #B"));
    assert!(
        svg.contains("(1 of 2)"),
        "the frame selector says there is more"
    );
}

/// (refId, labels, values) of one series.
type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [f64]);

#[track_caller]
fn check_transform(transformations: &str, targets: &str, data: &[Row], expect: &[(&str, &[&str])]) {
    let p = table_panel(
        targets,
        &format!(r#", "transformations": {transformations}"#),
    );
    let series = data.iter().map(|(r, l, v)| series(&p, r, l, v)).collect();
    let s = spec(&p, series, 900, 300);
    let f = table_frames(&s);
    let f = f.first().unwrap_or_else(|| panic!("no frame"));
    let got: Vec<String> = f.names();
    let want: Vec<String> = expect.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(got, want, "columns after {transformations}");
    for (n, vals) in expect {
        assert_eq!(column(f, n), *vals, "column {n} after {transformations}");
    }
}

const RANGE: &str = r#"{"refId": "A", "expr": "x", "legendFormat": "{{cam}}"}"#;

#[test]
fn transformations() {
    let two: &[Row] = &[
        ("A", &[("cam", "c1")], &[1.0, 5.0, 3.0]),
        ("A", &[("cam", "c2")], &[2.0, 2.0]),
    ];
    check_transform(
        r#"[{"id": "reduce", "options": {"reducers": ["max", "lastNotNull"]}}]"#,
        RANGE,
        two,
        &[
            ("Field", &["c1", "c2"]),
            ("Max", &["5", "2"]),
            ("Last *", &["3", "2"]),
        ],
    );
    check_transform(
        r#"[{"id": "reduce", "options": {"reducers": ["mean"], "labelsToFields": true}}]"#,
        RANGE,
        two,
        &[
            ("Field", &["Value", "Value"]),
            ("cam", &["c1", "c2"]),
            ("Mean", &["3", "2"]),
        ],
    );
    check_transform(
        r#"[{"id": "seriesToRows", "options": {}}]"#,
        RANGE,
        &[
            ("A", &[("cam", "c1")], &[1.0, 2.0]),
            ("A", &[("cam", "c2")], &[7.0]),
        ],
        &[
            ("Time", &["3600000", "3600000", "3540000"]),
            ("Metric", &["c1", "c2", "c1"]),
            ("Value", &["2", "7", "1"]),
        ],
    );
    check_transform(
        r#"[{"id": "labelsToFields", "options": {}}, {"id": "merge", "options": {}}]"#,
        r#"{"refId": "A", "expr": "x", "instant": true, "legendFormat": "{{cam}}"}"#,
        two,
        &[
            ("Time", &["3600000", "3600000"]),
            ("Value", &["3", "2"]),
            ("cam", &["c1", "c2"]),
        ],
    );
    check_transform(
        r#"[{"id": "labelsToFields", "options": {"valueLabel": "cam"}}]"#,
        r#"{"refId": "A", "expr": "x", "instant": true, "legendFormat": "{{cam}}"}"#,
        two,
        &[("Time", &["3600000"]), ("c1", &["3"])],
    );
    check_transform(
        r#"[{"id": "merge"}, {"id": "filterFieldsByName", "options": {"include": {"names": ["job", "Value #B"]}}}]"#,
        TWO_INSTANT,
        &[
            ("A", &[("job", "nvr")], &[1.0]),
            ("B", &[("job", "nvr")], &[0.5]),
        ],
        &[("job", &["nvr"]), ("Value #B", &["0.5"])],
    );
    check_transform(
        r#"[{"id": "merge"}, {"id": "filterFieldsByName", "options": {"exclude": {"pattern": "Value.*|Time"}}}]"#,
        TWO_INSTANT,
        &[
            ("A", &[("job", "nvr")], &[1.0]),
            ("B", &[("job", "nvr")], &[0.5]),
        ],
        &[("job", &["nvr"])],
    );
    check_transform(
        r#"[{"id": "merge"}, {"id": "calculateField", "options": {"mode": "binary", "alias": "ratio",
            "binary": {"left": "Value #B", "operator": "/", "right": "Value #A"}, "replaceFields": true}}]"#,
        TWO_INSTANT,
        &[
            ("A", &[("job", "nvr")], &[4.0]),
            ("B", &[("job", "nvr")], &[1.0]),
        ],
        &[("Time", &["3600000"]), ("ratio", &["0.25"])],
    );
    check_transform(
        r#"[{"id": "merge"}, {"id": "calculateField", "options": {"mode": "reduceRow", "reduce": {"reducer": "sum"}}},
            {"id": "organize", "options": {"excludeByName": {"Time": true}, "renameByName": {"job": "Job"}, "indexByName": {"Total": 0}}}]"#,
        TWO_INSTANT,
        &[
            ("A", &[("job", "nvr")], &[4.0]),
            ("B", &[("job", "nvr")], &[1.0]),
        ],
        &[
            ("Total", &["5"]),
            ("Job", &["nvr"]),
            ("Value #A", &["4"]),
            ("Value #B", &["1"]),
        ],
    );
    check_transform(
        r#"[{"id": "groupBy", "options": {"fields": {"job": {"operation": "groupby"},
            "Value": {"operation": "aggregate", "aggregations": ["sum", "count"]}}}},
            {"id": "sortBy", "options": {"sort": [{"field": "Value (sum)", "desc": true}]}}]"#,
        r#"{"refId": "A", "expr": "x", "format": "table", "instant": true}"#,
        &[
            ("A", &[("job", "nvr"), ("i", "1")], &[1.0]),
            ("A", &[("job", "vms"), ("i", "2")], &[5.0]),
            ("A", &[("job", "nvr"), ("i", "3")], &[2.0]),
        ],
        &[
            ("job", &["vms", "nvr"]),
            ("Value (sum)", &["5", "3"]),
            ("Value (count)", &["1", "2"]),
        ],
    );
    check_transform(
        r#"[{"id": "joinByField", "options": {"byField": "job", "mode": "outer"}}]"#,
        TWO_INSTANT,
        &[
            ("A", &[("job", "vms")], &[1.0]),
            ("A", &[("job", "nvr")], &[0.0]),
            ("B", &[("job", "nvr")], &[0.5]),
        ],
        &[
            ("job", &["nvr", "vms"]),
            ("Time 1", &["3600000", "3600000"]),
            ("Value #A", &["0", "1"]),
            ("Time 2", &["3600000", ""]),
            ("Value #B", &["0.5", ""]),
        ],
    );
}

#[test]
fn unknown_transformations_are_reported_and_left_out() {
    let json = r#"{"title": "t", "panels": [{"id": 1, "type": "table", "gridPos": {"x":0,"y":0,"w":12,"h":8},
        "targets": [{"refId": "A", "expr": "up", "format": "table", "instant": true}],
        "transformations": [{"id": "partitionByValues", "options": {}}, {"id": "merge"},
                            {"id": "sortBy", "disabled": true, "options": {"sort": [{"field": "x"}]}}]}]}"#;
    let (d, issues) = crate::dashboard::parse(json).unwrap_or_else(|e| panic!("{e}"));
    let p = &d.panels[0];
    assert_eq!(
        p.transformations,
        [crate::dashboard::transform::Transformation::Merge]
    );
    assert!(
        p.ignored
            .contains(&"transformations[0].partitionByValues".to_string()),
        "{:?}",
        p.ignored
    );
    assert!(
        issues
            .iter()
            .any(|i| i.kind == crate::dashboard::IssueKind::Ignored
                && i.message.contains("partitionByValues")),
        "{issues:?}"
    );
}

fn coloured_table(cell: &str, sort_by: &str) -> String {
    let p = table_panel(
        r#"{"refId": "A", "expr": "temp", "format": "table", "instant": true}"#,
        &format!(
            r#", "fieldConfig": {{"defaults": {{"thresholds": {{"mode": "absolute", "steps": [{{"color": "green", "value": null}}, {{"color": "red", "value": 80}}]}}}},
                "overrides": [{{"matcher": {{"id": "byName", "options": "Value"}}, "properties": [{cell}]}},
                              {{"matcher": {{"id": "byName", "options": "Time"}}, "properties": [{{"id": "custom.hidden", "value": true}}]}}]}},
              "options": {{"sortBy": [{{"displayName": "{sort_by}", "desc": true}}]}}"#
        ),
    );
    let s = spec(
        &p,
        vec![
            series(&p, "A", &[("cam", "low")], &[20.0]),
            series(&p, "A", &[("cam", "hot")], &[95.0]),
            series(&p, "A", &[("cam", "mid")], &[50.0]),
        ],
        600,
        300,
    );
    render_svg(&s)
}

#[test]
fn plain_cells_stay_plain_and_coloured_cells_say_their_state() {
    let plain = coloured_table(r#"{"id": "unit", "value": "celsius"}"#, "Value");
    assert!(
        !plain.contains("CRIT"),
        "a plain cell never shows a state word"
    );
    assert!(
        !plain.to_ascii_lowercase().contains("#d55e00"),
        "nor a threshold colour"
    );
    let bg = coloured_table(
        r#"{"id": "custom.cellOptions", "value": {"type": "color-background"}}"#,
        "Value",
    );
    assert!(bg.contains("CRIT") && bg.to_ascii_lowercase().contains("#d55e00"));
    let text = coloured_table(
        r#"{"id": "custom.cellOptions", "value": {"type": "color-text"}}"#,
        "Value",
    );
    assert!(text.contains("CRIT"));
    let gauge = coloured_table(
        r#"{"id": "custom.cellOptions", "value": {"type": "gauge", "mode": "basic"}}"#,
        "Value",
    );
    assert!(gauge.contains("CRIT"));
}

#[test]
fn columns_follow_their_overrides_and_the_sort() {
    // sortBy names the column as displayed.
    let svg = coloured_table(
        r#"{"id": "displayName", "value": "Temperature"}, {"id": "custom.width", "value": 120}"#,
        "Temperature",
    );
    assert!(!svg.contains("\nTime\n"), "a hidden column is not drawn");
    assert!(
        svg.contains("\nTemperature\n"),
        "the override's display name heads the column"
    );
    let at = |t: &str| svg.find(&format!("\n{t}\n")).unwrap_or(usize::MAX);
    assert!(
        at("hot") < at("mid") && at("mid") < at("low"),
        "sorted by Value, descending"
    );
}
