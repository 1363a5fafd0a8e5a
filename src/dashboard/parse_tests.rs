//! Parser tests on fixture dashboards, error cases, and never-panic checks.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::*;

const CLASSIC: &str = include_str!("fixtures/classic.json");
const V2: &str = include_str!("fixtures/v2.json");

#[track_caller]
fn ok(json: &str) -> (Dashboard, Vec<Issue>) {
    match parse(json) {
        Ok(x) => x,
        Err(e) => panic!("parse failed: {e}"),
    }
}

#[track_caller]
fn panel(d: &Dashboard, id: i64) -> &Panel {
    match d.panel(id) {
        Some(p) => p,
        None => panic!("no panel {id}"),
    }
}

#[track_caller]
fn var<'a>(d: &'a Dashboard, name: &str) -> &'a Variable {
    match d.variable(name) {
        Some(v) => v,
        None => panic!("no variable {name}"),
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Every issue as `(kind, panel id, message)`, to compare with an expected list of substrings.
#[track_caller]
fn check_issues(issues: &[Issue], expect: &[(IssueKind, Option<i64>, &str)]) {
    let got: Vec<String> = issues.iter().map(|i| format!("{:?} {i}", i.kind)).collect();
    assert_eq!(issues.len(), expect.len(), "issues: {got:#?}");
    for (i, (kind, id, text)) in issues.iter().zip(expect) {
        assert_eq!(i.kind, *kind, "{i}");
        assert_eq!(i.panel.as_ref().map(|p| p.0), *id, "{i}");
        assert!(i.message.contains(text), "{i:?} should contain {text:?}");
    }
}

#[test]
fn classic_header_and_variables() {
    let (d, _) = ok(CLASSIC);
    assert_eq!(d.uid, "rta-test");
    assert_eq!(d.title, "RTA test");
    assert_eq!(d.tags, s(&["cctv", "vms"]));
    assert_eq!(
        (d.time_from.as_str(), d.time_to.as_str()),
        ("now-3h", "now")
    );
    assert_eq!(d.refresh, Some(30_000));
    assert_eq!(d.timezone, "browser");

    let names: Vec<&str> = d.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["job", "instance", "env", "iv", "cluster", "filter", "ds", "weird"]
    );
    let job = var(&d, "job");
    assert_eq!(job.kind, VarKind::Query);
    assert_eq!(job.query, "label_values(up, job)");
    assert_eq!(job.label, "Job");
    assert_eq!(job.current, s(&["go-api"]));
    assert_eq!(job.sort, 1);
    let inst = var(&d, "instance");
    assert_eq!(inst.current, s(&["$__all"]));
    assert!(inst.multi && inst.include_all);
    assert_eq!(inst.all_value.as_deref(), Some(".*"));
    assert_eq!(inst.regex.as_deref(), Some("/(.*):\\d+/"));
    let env = var(&d, "env");
    assert_eq!(env.options, s(&["prod", "stage,old"]));
    assert_eq!(env.current, s(&["prod"]));
    assert_eq!(var(&d, "iv").options, s(&["1m", "5m", "10m", "30m"]));
    let cluster = var(&d, "cluster");
    assert_eq!(
        (cluster.current.clone(), cluster.hide),
        (s(&["rta-1"]), VarHide::Variable)
    );
    assert_eq!(var(&d, "filter").current, s(&[""]));
    assert_eq!(var(&d, "ds").kind, VarKind::Datasource);
    assert_eq!(var(&d, "weird").kind, VarKind::Unknown("snapshot".into()));
    assert_eq!(var(&d, "weird").kind.as_str(), "snapshot");
}

#[test]
fn classic_panels_and_rows() {
    let (d, _) = ok(CLASSIC);
    let ids: Vec<(i64, Option<&str>)> = d.panels.iter().map(|p| (p.id, p.row.as_deref())).collect();
    assert_eq!(
        ids,
        [
            (1, None),
            (2, None),
            (3, None),
            (5, Some("Streams")),
            (6, Some("Streams")),
            (8, Some("Logs and more")),
            (9, Some("Logs and more")),
            (13, Some("Logs and more")),
            (10, Some("Logs and more")),
            (11, Some("Logs and more")),
            (12, Some("Logs and more")),
        ]
    );
    assert_eq!(
        d.rows,
        [
            Row {
                title: "Streams".into(),
                collapsed: false,
                y: 8,
                repeat: None,
                scoped: Default::default(),
            },
            Row {
                title: "Logs and more".into(),
                collapsed: true,
                y: 17,
                repeat: None,
                scoped: Default::default(),
            },
        ]
    );

    let stat = panel(&d, 1);
    assert_eq!(stat.kind, PanelKind::Stat);
    assert_eq!(
        stat.grid,
        GridPos {
            x: 0,
            y: 0,
            w: 6,
            h: 4
        }
    );
    assert_eq!((stat.unit.as_str(), stat.decimals), ("none", Some(0)));
    assert_eq!((stat.min, stat.max), (Some(0.0), None));
    assert_eq!(stat.no_value.as_deref(), Some("no data"));
    assert_eq!(stat.reduce, "mean");
    assert_eq!(stat.overrides.len(), 1);
    assert!(!stat.thresholds.percentage);
    let steps: Vec<(Option<f64>, &str)> = stat
        .thresholds
        .steps
        .iter()
        .map(|t| (t.value, t.color.as_str()))
        .collect();
    assert_eq!(steps, [(Some(11.0), "red"), (Some(13.0), "green")]);
    let q = &stat.targets;
    assert_eq!(q.len(), 1);
    assert!(q.iter().all(|q| q.instant && !q.hide && q.is_runnable()));
    assert_eq!(q.first().map(|q| q.legend_format.as_str()), Some("{{job}}"));
    assert_eq!(
        stat.raw.get("options").and_then(|o| o.get("colorMode")),
        Some(&Value::from("background"))
    );

    let graph = panel(&d, 2);
    assert_eq!(
        (graph.kind.clone(), graph.kind.as_str()),
        (PanelKind::TimeSeries, "timeseries")
    );
    assert_eq!(graph.unit, "reqps");
    assert_eq!(
        graph.targets.len(),
        1,
        "hidden empty and expr-less targets are dropped"
    );
    assert_eq!(
        graph.targets.first().and_then(|t| t.interval.as_deref()),
        Some("30s")
    );

    let single = panel(&d, 3);
    assert_eq!(single.kind, PanelKind::Stat);
    assert_eq!(
        (single.unit.as_str(), single.reduce.as_str()),
        ("percent", "mean")
    );
    assert_eq!(single.thresholds.color_for(85.0), Some("orange"));
    assert_eq!(single.thresholds.color_for(95.0), Some("red"));
    assert_eq!(single.thresholds.color_for(-5.0), Some("green"));
    assert_eq!(single.targets.first().map(|t| t.ref_id.as_str()), Some("A"));

    let ts = panel(&d, 5);
    assert_eq!(
        (ts.interval.as_deref(), ts.max_data_points),
        (Some("15s"), Some(500))
    );
    assert!(ts.targets.iter().all(|t| !t.instant));
    assert_eq!(ts.reduce, "lastNotNull");

    assert_eq!(panel(&d, 6).kind, PanelKind::PieChart);
    assert_eq!(panel(&d, 6).kind.as_str(), "piechart");
    // A LogQL metric query in a time series panel runs against the site's Loki.
    let loki = panel(&d, 8);
    assert_eq!(loki.targets.len(), 1);
    assert!(loki.targets.iter().all(|t| t.is_runnable() && t.is_loki()));
    assert_eq!(
        panel(&d, 9).kind,
        PanelKind::Text {
            content: "# Call the NOC".into()
        }
    );
    let dup = panel(&d, 13);
    assert_eq!(
        (dup.title.as_str(), dup.kind.clone()),
        ("Dup id", PanelKind::Gauge)
    );
    assert_eq!(
        dup.grid,
        GridPos {
            x: 0,
            y: 26,
            w: 24,
            h: 1
        }
    );
    let table = panel(&d, 10);
    assert_eq!(table.kind, PanelKind::Table);
    assert_eq!(
        table.grid,
        GridPos {
            x: 0,
            y: 27,
            w: 24,
            h: 8
        }
    );
    let strings = panel(&d, 11);
    assert_eq!(strings.kind, PanelKind::BarGauge);
    assert_eq!(
        strings.grid,
        GridPos {
            x: 2,
            y: 40,
            w: 4,
            h: 4
        }
    );
    assert_eq!((strings.max, strings.max_data_points), (Some(100.0), None));
    assert_eq!(strings.unit, "5");
    assert_eq!(
        strings.targets.iter().filter(|t| t.is_runnable()).count(),
        1
    );
    assert_eq!(panel(&d, 12).kind, PanelKind::AlertList);
}

#[test]
fn classic_issues() {
    let (_, issues) = ok(CLASSIC);
    use IssueKind::*;
    check_issues(
        &issues,
        &[
            (Unsupported, None, "type \"snapshot\" is not supported"),
            (Invalid, Some(1), "threshold step 3 has no value"),
            (Missing, Some(2), "query C has no PromQL expr"),
            (Duplicate, Some(13), "repeats id 5; renumbered 13"),
            (Invalid, Some(13), "w=30 h=-3 does not fit"),
            (Missing, Some(10), "no gridPos"),
            (Invalid, Some(11), "gridPos.x is a string"),
            (NotPrometheus, Some(11), "uses a __expr__ data source"),
            (Invalid, Some(11), "maxDataPoints is a string"),
            (Invalid, Some(11), "unit is a number"),
            (
                Invalid,
                Some(11),
                "max is a string, expected a number; used 100",
            ),
        ],
    );
    let shown = issues
        .iter()
        .map(ToString::to_string)
        .find(|m| m.contains("__expr__"));
    assert_eq!(
        shown.as_deref(),
        Some("panel 11 \"Strings\": query B uses a __expr__ data source; Watchdesk runs Prometheus and Loki queries only, so it is kept but not run")
    );
}

#[test]
fn export_wrapper() {
    let wrapped = format!("{{\"meta\": {{\"slug\": \"x\"}}, \"dashboard\": {CLASSIC}}}");
    let (a, ia) = ok(&wrapped);
    let (b, ib) = ok(CLASSIC);
    assert_eq!(a, b);
    assert_eq!(ia, ib);
}

#[track_caller]
fn check_err(json: &str, expect: &str) {
    match parse(json) {
        Ok(_) => panic!("{json:?} should fail"),
        Err(e) => assert!(e.to_string().contains(expect), "{json:?}: {e}"),
    }
}

#[test]
fn errors() {
    check_err("", "not valid JSON");
    check_err("{", "not valid JSON");
    check_err("<html>", "not valid JSON");
    check_err("[]", "top level is an array");
    check_err("42", "top level is a number");
    check_err("null", "top level is null");
    check_err("{}", "not a Grafana dashboard");
    check_err(r#"{"status":"success","data":{}}"#, "JSON Model");
    check_err(r#"{"dashboard": 5}"#, "not a Grafana dashboard");
}

#[track_caller]
fn check_min(json: &str, f: impl Fn(&Dashboard) -> bool, issues: usize) {
    let (d, i) = ok(json);
    assert!(f(&d), "{json}: {d:#?}");
    assert_eq!(i.len(), issues, "{json}: {i:#?}");
}

#[test]
fn small_cases() {
    check_min(
        r#"{"title": "t"}"#,
        |d| d.panels.is_empty() && d.refresh.is_none() && d.time_from == "now-6h",
        0,
    );
    check_min(
        r#"{"panels": [], "refresh": false}"#,
        |d| d.refresh.is_none(),
        0,
    );
    check_min(
        r#"{"panels": [], "refresh": ""}"#,
        |d| d.refresh.is_none(),
        0,
    );
    check_min(
        r#"{"panels": [], "refresh": "1m"}"#,
        |d| d.refresh == Some(60_000),
        0,
    );
    check_min(
        r#"{"panels": [], "refresh": "soon"}"#,
        |d| d.refresh.is_none(),
        1,
    );
    check_min(
        r#"{"panels": [], "refresh": 5}"#,
        |d| d.refresh.is_none(),
        1,
    );
    check_min(r#"{"panels": {}}"#, |d| d.panels.is_empty(), 1);
    check_min(r#"{"panels": [1, null]}"#, |d| d.panels.is_empty(), 2);
    check_min(
        r#"{"panels": [], "tags": ["a", 1, {}]}"#,
        |d| d.tags == s(&["a", "1"]),
        2,
    );
    check_min(
        r#"{"panels": [], "time": {"from": 5}}"#,
        |d| d.time_from == "5",
        1,
    );
    check_min(
        r#"{"panels": [{"type": "stat", "gridPos": {"x":0,"y":0,"w":1,"h":1}}, {"type": "stat", "gridPos": {"x":0,"y":0,"w":1,"h":1}}]}"#,
        |d| d.panels.iter().map(|p| p.id).collect::<Vec<_>>() == [1, 2],
        2,
    );
    check_min(
        r#"{"panels": [{"id": 1.5, "type": "stat", "gridPos": {"x":0,"y":0,"w":1,"h":1}}]}"#,
        |d| d.panels.first().map(|p| p.id) == Some(2),
        1,
    );
    check_min(
        r#"{"panels": [{"id": 9e300, "type": "stat", "gridPos": {"x":1e300,"y":-1e300,"w":1,"h":1}}]}"#,
        |d| {
            d.panels.first().map(|p| (p.id, p.grid))
                == Some((
                    i64::MAX,
                    GridPos {
                        x: 23,
                        y: 0,
                        w: 1,
                        h: 1,
                    },
                ))
        },
        1,
    );
    check_min(
        r#"{"panels": [{"id": 1, "libraryPanel": {"uid": "u", "name": "Shared CPU"}, "gridPos": {"x":0,"y":0,"w":1,"h":1}}]}"#,
        |d| d.panels.first().map(|p| p.kind.clone()) == Some(PanelKind::Unsupported(String::new())),
        1,
    );
    check_min(
        r#"{"panels": [{"id": 1, "type": "timeseries", "repeat": "instance", "gridPos": {"x":0,"y":0,"w":1,"h":1}}]}"#,
        // Repeats are expanded by the layout now: parsed, not reported.
        |d| {
            d.panels.len() == 1
                && d.panels[0].repeat.as_ref().map(|r| r.var.as_str()) == Some("instance")
        },
        0,
    );
    check_min(
        r#"{"panels": [{"type": "row", "title": "r", "collapsed": true, "panels": [{"type": "row"}]}]}"#,
        |d| d.panels.is_empty() && d.rows.len() == 1,
        1,
    );
    check_min(
        r#"{"templating": {"list": [{"name": "a", "type": "custom", "query": "x"}, {"name": "a", "type": "custom"}, {"type": "custom"}, 3]}}"#,
        |d| d.variables.len() == 1,
        3,
    );
    check_min(
        r#"{"templating": {"list": [{"name": "a", "type": "query", "query": "label_values(x)", "regex": "/(/"}]}}"#,
        |d| d.variables.len() == 1,
        1,
    );
    check_min(
        r#"{"templating": {"list": [{"name": "a", "type": "custom", "query": "", "options": [{"value": "x"}, {"value": 2}], "current": {"value": ["x", 2]}}]}}"#,
        |d| {
            d.variables
                .first()
                .map(|v| (v.options.clone(), v.current.clone()))
                == Some((s(&["x", "2"]), s(&["x", "2"])))
        },
        0,
    );
}

#[test]
fn old_rows_schema() {
    let json = r#"{"title": "old", "schemaVersion": 14, "rows": [
        {"title": "A", "showTitle": true, "height": "300px", "panels": [
            {"id": 1, "type": "graph", "span": 6, "lines": true, "targets": [{"expr": "up"}]},
            {"id": 2, "type": "singlestat", "span": 6},
            {"id": 3, "type": "graph", "span": 12, "lines": true}]},
        {"height": 150, "panels": [{"id": 4, "type": "text", "content": "hi", "span": 4}]}]}"#;
    let (d, issues) = ok(json);
    assert!(issues.is_empty(), "{issues:?}");
    let got: Vec<(i64, GridPos, Option<&str>)> = d
        .panels
        .iter()
        .map(|p| (p.id, p.grid, p.row.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                GridPos {
                    x: 0,
                    y: 1,
                    w: 12,
                    h: 10
                },
                Some("A")
            ),
            (
                2,
                GridPos {
                    x: 12,
                    y: 1,
                    w: 12,
                    h: 10
                },
                Some("A")
            ),
            (
                3,
                GridPos {
                    x: 0,
                    y: 11,
                    w: 24,
                    h: 10
                },
                Some("A")
            ),
            (
                4,
                GridPos {
                    x: 0,
                    y: 21,
                    w: 8,
                    h: 5
                },
                Some("A")
            ),
        ]
    );
    assert_eq!(
        panel(&d, 4).kind,
        PanelKind::Text {
            content: "hi".into()
        }
    );
}

#[test]
fn v2_schema() {
    let (d, issues) = ok(V2);
    assert_eq!((d.uid.as_str(), d.title.as_str()), ("v2dash", "V2 board"));
    assert_eq!(d.refresh, Some(60_000));
    assert_eq!(
        (d.time_from.as_str(), d.timezone.as_str()),
        ("now-1h", "utc")
    );
    let names: Vec<(&str, &VarKind)> = d
        .variables
        .iter()
        .map(|v| (v.name.as_str(), &v.kind))
        .collect();
    assert_eq!(names, [("job", &VarKind::Query), ("env", &VarKind::Custom)]);
    assert_eq!(var(&d, "job").query, "label_values(up, job)");
    assert_eq!(var(&d, "job").hide, VarHide::Label);
    assert_eq!(var(&d, "job").sort, 1);
    assert_eq!(var(&d, "env").options, s(&["a", "b"]));
    let got: Vec<(i64, &str, GridPos, Option<&str>)> = d
        .panels
        .iter()
        .map(|p| (p.id, p.kind.as_str(), p.grid, p.row.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                "timeseries",
                GridPos {
                    x: 0,
                    y: 1,
                    w: 12,
                    h: 8
                },
                Some("Top")
            ),
            (
                2,
                "stat",
                GridPos {
                    x: 12,
                    y: 1,
                    w: 12,
                    h: 8
                },
                Some("Top")
            ),
            (
                3,
                "timeseries",
                GridPos {
                    x: 0,
                    y: 10,
                    w: 24,
                    h: 6
                },
                Some("Logs")
            ),
        ]
    );
    let p1 = panel(&d, 1);
    assert_eq!(p1.unit, "reqps");
    let t = p1.targets.first();
    assert_eq!(
        t.map(|t| (t.ref_id.as_str(), t.expr.as_str(), t.legend_format.as_str())),
        Some(("A", "rate(x[5m])", "{{job}}"))
    );
    assert_eq!(p1.interval.as_deref(), Some("30s"));
    assert!(panel(&d, 3).targets.iter().all(|t| t.is_log_query()));
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        issues
            .first()
            .map(|i| (i.kind, i.message.contains("LogQL log query"))),
        Some((IssueKind::Unsupported, true))
    );
}

/// Every prefix of a real dashboard parses or fails cleanly.
#[test]
fn never_panics_on_prefixes() {
    for text in [CLASSIC, V2] {
        let mut end = 0;
        while end <= text.len() {
            if text.is_char_boundary(end) {
                let _ = parse(text.get(..end).unwrap_or(""));
            }
            end += 1;
        }
    }
}

fn random_value(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..12) {
        0 => Value::Null,
        1 => Value::Bool(rng.gen()),
        2 => Value::from(rng.gen::<i64>()),
        3 => Value::from(-1),
        4 => Value::from(1e300),
        5 => Value::from(rng.gen::<f64>() * 100.0),
        6 => Value::from(""),
        7 => Value::from("row"),
        8 => Value::from("$__all"),
        9 => serde_json::json!([1, "a", null, {"type": "row"}]),
        10 => serde_json::json!({"type": "row", "panels": [{}], "x": "y"}),
        _ => Value::from("label_values(up{a=\"(\"}, b)"),
    }
}

/// Replaces one random node of `v` (visiting it with probability ~1/count).
fn mutate(v: &mut Value, rng: &mut StdRng) {
    let children = match v {
        Value::Array(a) if !a.is_empty() => a.len(),
        Value::Object(o) if !o.is_empty() => o.len(),
        _ => 0,
    };
    if children == 0 || rng.gen_ratio(1, 6) {
        *v = random_value(rng);
        return;
    }
    let i = rng.gen_range(0..children);
    match v {
        Value::Array(a) => {
            if let Some(c) = a.get_mut(i) {
                mutate(c, rng);
            }
        }
        Value::Object(o) => {
            if let Some((_, c)) = o.iter_mut().nth(i) {
                mutate(c, rng);
            }
        }
        _ => {}
    }
}

/// Random type substitutions anywhere in real dashboards never panic; variables resolve too.
#[test]
fn never_panics_on_mutations() {
    let mut rng = StdRng::seed_from_u64(7);
    for text in [CLASSIC, V2] {
        let base: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => panic!("fixture: {e}"),
        };
        for _ in 0..1500 {
            let mut v = base.clone();
            for _ in 0..rng.gen_range(1..4) {
                mutate(&mut v, &mut rng);
            }
            if let Ok((d, _)) = parse(&v.to_string()) {
                let vars = VarValues::default();
                let interp = Interp::new(vars, 3_600_000, 800, 0, 15_000);
                for p in &d.panels {
                    for t in &p.targets {
                        let _ = interp.interpolate(&t.expr);
                        let _ = legend(&t.legend_format, &Default::default());
                    }
                }
                for var in &d.variables {
                    let _ = parse_var_query(&var.query);
                    if let Some(r) = &var.regex {
                        let _ = apply_regex(r, &var.options);
                    }
                }
            }
        }
    }
}

/// The shipped RTA overview loads with every panel supported.
#[test]
fn rta_overview_is_fully_supported() {
    let (d, issues) = ok(include_str!("../../deploy/dashboards/rta-overview.json"));
    let unsupported: Vec<String> = issues
        .iter()
        .filter(|i| i.kind == IssueKind::Unsupported)
        .map(ToString::to_string)
        .collect();
    assert!(unsupported.is_empty(), "{unsupported:#?}");
    assert_eq!(d.panels.len(), 11);
    assert!(d
        .panels
        .iter()
        .all(|p| !matches!(p.kind, PanelKind::Unsupported(_))));
}

/// Hardening #14.12 (found while writing the property tests below): two panels with the id i64::MAX made the
/// id allocator loop forever (`saturating_add` stays at i64::MAX, which is taken).
#[test]
fn duplicate_panel_ids_at_i64_max_do_not_hang() {
    let json = r#"{"title":"t","panels":[
        {"id":9223372036854775807,"type":"text","title":"a"},
        {"id":9223372036854775807,"type":"text","title":"b"},
        {"type":"text","title":"c"}]}"#;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ =
            tx.send(parse(json).map(|(d, _)| d.panels.iter().map(|p| p.id).collect::<Vec<_>>()));
    });
    let ids = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("parse must not hang")
        .expect("parse");
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], i64::MAX);
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{ids:?}");
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// Any JSON, biased to what breaks parsers: numbers at the edges of i64/u64/f64, strings that
    /// look like durations, variables and panel types.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            prop_oneof![
                Just(i64::MAX),
                Just(i64::MIN),
                Just(0),
                Just(-1),
                Just(1),
                any::<i64>()
            ]
            .prop_map(Value::from),
            prop_oneof![Just(u64::MAX), any::<u64>()].prop_map(Value::from),
            prop_oneof![
                Just(1e300),
                Just(-1e300),
                Just(f64::MIN_POSITIVE),
                any::<f64>()
            ]
            .prop_map(Value::from),
            prop_oneof![
                Just("row".to_string()),
                Just("timeseries".to_string()),
                Just("stat".to_string()),
                Just("$__all".to_string()),
                Just("now-1e300y".to_string()),
                Just("label_values(up, job)".to_string()),
                Just("${a:regex}[[b]]$__interval".to_string()),
                "[a-z$\\[\\]{}():,*.|=~\"\\\\/ -]{0,24}",
                ".{0,12}",
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("id".to_string()),
                        Just("type".to_string()),
                        Just("panels".to_string()),
                        Just("targets".to_string()),
                        Just("gridPos".to_string()),
                        Just("templating".to_string()),
                        Just("list".to_string()),
                        Just("options".to_string()),
                        Just("expr".to_string()),
                        Just("interval".to_string()),
                        "[a-zA-Z]{1,8}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Replaces the node at `path` (each index picks a child; stops at a leaf) with `with`.
    fn replace_at(v: &mut Value, path: &[prop::sample::Index], with: Value) {
        let Some((first, rest)) = path.split_first() else {
            *v = with;
            return;
        };
        match v {
            Value::Array(a) if !a.is_empty() => {
                let i = first.index(a.len());
                replace_at(&mut a[i], rest, with);
            }
            Value::Object(o) if !o.is_empty() => {
                let i = first.index(o.len());
                if let Some((_, c)) = o.iter_mut().nth(i) {
                    replace_at(c, rest, with);
                }
            }
            _ => *v = with,
        }
    }

    fn use_everything(d: &Dashboard, interp: &Interp) {
        for p in &d.panels {
            for t in &p.targets {
                let _ = interp.interpolate(&t.expr);
                let _ = legend(&t.legend_format, &Default::default());
            }
        }
        for var in &d.variables {
            let _ = parse_var_query(&var.query);
            if let Some(r) = &var.regex {
                let _ = apply_regex(r, &var.options);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        /// Hardening #14.12: arbitrary JSON and arbitrary text never make `parse` panic or hang.
        #[test]
        fn parse_never_panics_on_arbitrary_json(v in json(), text in ".{0,64}") {
            let _ = parse(&v.to_string());
            let _ = parse(&text);
            let wrapped = serde_json::json!({"title": "t", "panels": [v.clone()], "templating": {"list": [v]}});
            if let Ok((d, _)) = parse(&wrapped.to_string()) {
                use_everything(&d, &Interp::new(VarValues::default(), 3_600_000, 800, 0, 15_000));
            }
        }

        /// Hardening #14.12: real dashboards (classic and v2) with up to four nodes replaced by
        /// arbitrary JSON never make `parse`, interpolation, legends or variable regexes panic.
        #[test]
        fn parse_never_panics_on_mutated_dashboards(
            which in any::<bool>(),
            edits in prop::collection::vec(
                (prop::collection::vec(any::<prop::sample::Index>(), 0..8), json()),
                1..4,
            ),
        ) {
            let mut v: Value = serde_json::from_str(if which { CLASSIC } else { V2 })
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (path, with) in edits {
                replace_at(&mut v, &path, with);
            }
            if let Ok((d, _)) = parse(&v.to_string()) {
                use_everything(&d, &Interp::new(VarValues::default(), 3_600_000, 800, 0, 15_000));
            }
        }
    }
}

/// A logs panel shows its LogQL log queries (planned under the Loki key, to the log cache); a
/// metric query in it, or a log query in a time series panel, is reported and not run.
#[test]
fn logs_panels_plan_their_log_queries_and_report_the_others() {
    let (d, issues) = ok(r#"{"uid": "l", "panels": [
      {"id": 1, "type": "logs", "title": "Errors", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
       "datasource": {"type": "loki", "uid": "l"},
       "options": {"showTime": true, "sortOrder": "Ascending", "enableLogDetails": true},
       "targets": [{"refId": "A", "expr": "{job=\"$job\"} |= \"error\""},
                   {"refId": "B", "expr": "rate({job=\"x\"}[1m])"}]},
      {"id": 2, "type": "timeseries", "title": "Lines", "gridPos": {"x": 0, "y": 8, "w": 24, "h": 8},
       "datasource": {"type": "loki", "uid": "l"},
       "targets": [{"refId": "A", "expr": "{job=\"x\"}"}]}],
      "templating": {"list": [{"name": "job", "type": "custom", "query": "go-api",
        "current": {"text": "go-api", "value": "go-api"}}]}}"#);
    let logs = panel(&d, 1);
    assert_eq!(logs.kind, PanelKind::Logs);
    assert!(logs.options.logs.show_time && !logs.options.logs.newest_first);
    let unsupported: Vec<String> = issues
        .iter()
        .filter(|i| i.kind == IssueKind::Unsupported)
        .map(ToString::to_string)
        .collect();
    assert_eq!(unsupported.len(), 2, "{unsupported:?}");
    assert!(unsupported[0].contains("query B is not a LogQL log query"));
    assert!(unsupported[1].contains("query A is a LogQL log query"));
    let cfg = crate::config::Config::from_toml("", None, &Default::default()).unwrap();
    let plan = crate::plan::plan(
        &d,
        &crate::plan::offline_vars(&d, &Default::default()),
        &crate::config::Settings::from_config(&cfg),
    );
    let keys: Vec<(i64, &str)> = plan.iter().map(|q| (q.panel_id, q.expr.as_str())).collect();
    assert_eq!(keys, [(1, "[loki] {job=\"go-api\"} |= \"error\"")]);
    assert_eq!(
        crate::plan::log_query(&plan[0].expr),
        Some("{job=\"go-api\"} |= \"error\"")
    );
}

/// Grafana's Loki variable editor saves `{type: 1, label, stream}`: read as `label_values`, listed
/// by the site's Loki.
#[test]
fn loki_query_variables_are_label_values_of_the_loki() {
    let (d, _) = ok(r#"{"uid": "v", "panels": [], "templating": {"list": [
      {"name": "lvl", "type": "query", "datasource": {"type": "loki", "uid": "l"},
       "query": {"type": 1, "label": "level", "stream": "{job=\"x\"}", "refId": "Loki"}},
      {"name": "job", "type": "query", "datasource": {"type": "loki", "uid": "l"},
       "query": "label_values(job)"},
      {"name": "inst", "type": "query", "query": "label_values(up, instance)"}]}}"#);
    let v = |n| var(&d, n);
    assert!(v("lvl").loki && v("lvl").query == "label_values({job=\"x\"}, level)");
    assert!(v("job").loki && v("job").query == "label_values(job)");
    assert!(!v("inst").loki);
}
