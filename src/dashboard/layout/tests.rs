//! Layout, data-driven: a dashboard in, the grid out.

use super::*;
use crate::dashboard::template::VarValue;

fn dash(json: &str) -> Dashboard {
    crate::dashboard::parse(json).expect("parses").0
}

fn vars(name: &str, values: &[&str]) -> VarValues {
    let mut v = VarValues::default();
    v.insert(
        name,
        VarValue {
            values: values.iter().map(|s| s.to_string()).collect(),
            options: values.iter().map(|s| s.to_string()).collect(),
            ..VarValue::default()
        },
    );
    v
}

/// (title, x, y, w, h) of every placed item; rows as `# title` (`#+` when collapsed).
fn grid(
    d: &Dashboard,
    collapsed: &dyn Fn(usize) -> Option<bool>,
) -> Vec<(String, u32, u32, u32, u32)> {
    layout(d, collapsed)
        .into_iter()
        .map(|i| {
            let name = match &i.kind {
                ItemKind::Row {
                    title, collapsed, ..
                } => format!("#{}{title}", if *collapsed { "+" } else { "" }),
                ItemKind::Panel { id } => d
                    .panels
                    .iter()
                    .find(|p| p.id == *id)
                    .map(|p| p.title.clone())
                    .unwrap_or_default(),
            };
            (name, i.grid.x, i.grid.y, i.grid.w, i.grid.h)
        })
        .collect()
}

fn panel(id: i64, title: &str, x: u32, y: u32, w: u32, h: u32, extra: &str) -> String {
    format!(
        r#"{{"id":{id},"type":"timeseries","title":"{title}","gridPos":{{"x":{x},"y":{y},"w":{w},"h":{h}}}{extra}}}"#
    )
}

fn row(title: &str, y: u32, collapsed: bool, children: &[String], extra: &str) -> String {
    format!(
        r#"{{"type":"row","title":"{title}","collapsed":{collapsed},"gridPos":{{"x":0,"y":{y},"w":24,"h":1}},"panels":[{}]{extra}}}"#,
        children.join(",")
    )
}

fn board(items: &[String]) -> String {
    format!(r#"{{"title":"t","panels":[{}]}}"#, items.join(","))
}

const NONE: &dyn Fn(usize) -> Option<bool> = &|_| None;

#[track_caller]
fn check(
    json: &str,
    v: &VarValues,
    collapsed: &dyn Fn(usize) -> Option<bool>,
    expect: &[(&str, u32, u32, u32, u32)],
) {
    let d = expand(&dash(json), v);
    let got = grid(&d, collapsed);
    let want: Vec<(String, u32, u32, u32, u32)> = expect
        .iter()
        .map(|(t, x, y, w, h)| (t.to_string(), *x, *y, *w, *h))
        .collect();
    assert_eq!(got, want, "{json}");
}

#[test]
fn gaps_close_upwards() {
    let none = VarValues::default();
    check(
        &board(&[
            panel(1, "a", 0, 0, 12, 4, ""),
            panel(2, "b", 0, 10, 12, 4, ""),
        ]),
        &none,
        NONE,
        &[("a", 0, 0, 12, 4), ("b", 0, 4, 12, 4)],
    );
    // Side by side stays side by side; an item never moves above one that sorts before it.
    check(
        &board(&[
            panel(1, "a", 0, 0, 12, 8, ""),
            panel(2, "b", 12, 0, 12, 4, ""),
            panel(3, "c", 12, 9, 12, 4, ""),
        ]),
        &none,
        NONE,
        &[("a", 0, 0, 12, 8), ("b", 12, 0, 12, 4), ("c", 12, 4, 12, 4)],
    );
    // Overlapping panels are pushed below what they collide with.
    check(
        &board(&[
            panel(1, "a", 0, 0, 24, 4, ""),
            panel(2, "b", 6, 2, 6, 4, ""),
        ]),
        &none,
        NONE,
        &[("a", 0, 0, 24, 4), ("b", 6, 4, 6, 4)],
    );
}

#[test]
fn rows_collapse_and_their_panels_follow_them() {
    let none = VarValues::default();
    let json = board(&[
        panel(1, "top", 0, 0, 24, 4, ""),
        row("Open", 4, false, &[], ""),
        panel(2, "in open", 0, 5, 12, 6, ""),
        row(
            "Shut",
            11,
            true,
            &[
                panel(3, "in shut", 0, 40, 12, 6, ""),
                panel(4, "beside", 12, 40, 12, 6, ""),
            ],
            "",
        ),
        row("Last", 12, false, &[], ""),
        panel(5, "in last", 0, 13, 24, 3, ""),
    ]);
    check(
        &json,
        &none,
        NONE,
        &[
            ("top", 0, 0, 24, 4),
            ("#Open", 0, 4, 24, 1),
            ("in open", 0, 5, 12, 6),
            ("#+Shut", 0, 11, 24, 1),
            ("#Last", 0, 12, 24, 1),
            ("in last", 0, 13, 24, 3),
        ],
    );
    // Expanded by the operator: its panels right under it, the rows below move down.
    check(
        &json,
        &none,
        &|i| (i == 1).then_some(false),
        &[
            ("top", 0, 0, 24, 4),
            ("#Open", 0, 4, 24, 1),
            ("in open", 0, 5, 12, 6),
            ("#Shut", 0, 11, 24, 1),
            ("in shut", 0, 12, 12, 6),
            ("beside", 12, 12, 12, 6),
            ("#Last", 0, 18, 24, 1),
            ("in last", 0, 19, 24, 3),
        ],
    );
    // Collapsed by the operator.
    check(
        &json,
        &none,
        &|i| (i == 0).then_some(true),
        &[
            ("top", 0, 0, 24, 4),
            ("#+Open", 0, 4, 24, 1),
            ("#+Shut", 0, 5, 24, 1),
            ("#Last", 0, 6, 24, 1),
            ("in last", 0, 7, 24, 3),
        ],
    );
}

#[test]
fn repeated_panels_appear_once_per_value_with_the_value_in_the_title() {
    let three = vars("instance", &["a", "b", "c"]);
    let json = board(&[panel(
        1,
        "CPU $instance",
        0,
        0,
        8,
        5,
        r#","repeat":"instance""#,
    )]);
    check(
        &json,
        &three,
        NONE,
        &[
            ("CPU a", 0, 0, 8, 5),
            ("CPU b", 8, 0, 8, 5),
            ("CPU c", 16, 0, 8, 5),
        ],
    );
    // Five values, maxPerRow 4 (the default): w = 6, four on the first line, one below.
    let five = vars("instance", &["a", "b", "c", "d", "e"]);
    check(
        &json,
        &five,
        NONE,
        &[
            ("CPU a", 0, 0, 6, 5),
            ("CPU b", 6, 0, 6, 5),
            ("CPU c", 12, 0, 6, 5),
            ("CPU d", 18, 0, 6, 5),
            ("CPU e", 0, 5, 6, 5),
        ],
    );
    // Vertical: same width and x, one under the other; what was below moves down.
    let vjson = board(&[
        panel(
            1,
            "${instance}",
            4,
            0,
            10,
            3,
            r#","repeat":"instance","repeatDirection":"v""#,
        ),
        panel(2, "below", 0, 3, 24, 2, ""),
    ]);
    check(
        &vjson,
        &three,
        NONE,
        &[
            ("a", 4, 0, 10, 3),
            ("b", 4, 3, 10, 3),
            ("c", 4, 6, 10, 3),
            ("below", 0, 9, 24, 2),
        ],
    );
    // No value selected: the panel once, its title as written.
    check(
        &json,
        &VarValues::default(),
        NONE,
        &[("CPU $instance", 0, 0, 8, 5)],
    );
}

#[test]
fn repeated_rows_copy_their_panels() {
    let two = vars("host", &["h1", "h2"]);
    let json = board(&[
        row("Host $host", 0, false, &[], r#","repeat":"host""#),
        panel(1, "load on $host", 0, 1, 24, 4, ""),
    ]);
    check(
        &json,
        &two,
        NONE,
        &[
            ("#Host h1", 0, 0, 24, 1),
            ("load on h1", 0, 1, 24, 4),
            ("#Host h2", 0, 5, 24, 1),
            ("load on h2", 0, 6, 24, 4),
        ],
    );
    let d = expand(&dash(&json), &two);
    let ids: Vec<i64> = d.panels.iter().map(|p| p.id).collect();
    assert_eq!(ids[0], 1, "the first copy keeps the panel's id");
    assert!(ids[1] > CLONE_ID_BASE, "{ids:?}");
    assert_eq!(
        d.panels[1].scoped.get("host").map(String::as_str),
        Some("h2")
    );
    assert_eq!(
        expand(&dash(&json), &two).panels[1].id,
        ids[1],
        "copies keep their ids from one expansion to the next"
    );
    assert_eq!(
        expand(&d, &two).panels.len(),
        d.panels.len(),
        "an expanded dashboard expands to itself"
    );
}

#[test]
fn titles_interpolate_variables() {
    let v = vars("job", &["node"]);
    let none = BTreeMap::new();
    assert_eq!(interpolate_title("CPU of $job", &v, &none), "CPU of node");
    assert_eq!(interpolate_title("${job:raw} load", &v, &none), "node load");
    assert_eq!(interpolate_title("[[job]]", &v, &none), "node");
    assert_eq!(
        interpolate_title("$unknown stays", &v, &none),
        "$unknown stays"
    );
    assert_eq!(interpolate_title("cost $5", &v, &none), "cost $5");
    let two = vars("job", &["a", "b"]);
    assert_eq!(interpolate_title("$job", &two, &none), "a + b");
    let mut scoped = BTreeMap::new();
    scoped.insert("job".to_string(), "mine".to_string());
    assert_eq!(interpolate_title("$job", &two, &scoped), "mine");
}

/// Every dashboard of the corpus (tests/dashboards/), parsed, with its file name.
fn corpus() -> Vec<(String, Dashboard)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboards");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/dashboards")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let json = std::fs::read_to_string(&f).expect("read");
            (
                f.file_name().unwrap().to_string_lossy().to_string(),
                dash(&json),
            )
        })
        .collect()
}

/// Data-driven over the corpus: every repeated panel appears once per selected value, with the
/// value in its title wherever the title names the variable, and the copies never overlap.
#[test]
fn every_corpus_repeated_panel_appears_once_per_value() {
    let mut checked = 0;
    for (file, d) in corpus() {
        for p in &d.panels {
            let Some(rep) = &p.repeat else { continue };
            let var = rep
                .var
                .trim_start_matches('$')
                .trim_matches(|c| c == '{' || c == '}');
            let values = ["value-one", "value-two", "value-three"];
            let e = expand(&d, &vars(var, &values));
            let copies: Vec<&Panel> = e
                .panels
                .iter()
                .filter(|q| q.id == p.id || q.repeat_of == Some(p.id))
                .collect();
            assert_eq!(
                copies.len(),
                3,
                "{file} panel {} \"{}\" repeats on ${var}: one copy per value",
                p.id,
                p.title
            );
            if p.title.contains(var) {
                for v in values {
                    assert!(
                        copies.iter().any(|c| c.title.contains(v)),
                        "{file} panel \"{}\": a copy titled with {v}: {:?}",
                        p.title,
                        copies.iter().map(|c| &c.title).collect::<Vec<_>>()
                    );
                }
            }
            for (i, a) in copies.iter().enumerate() {
                for b in &copies[i + 1..] {
                    let (a, b) = (a.grid, b.grid);
                    let apart = a.x + a.w <= b.x
                        || b.x + b.w <= a.x
                        || a.y + a.h <= b.y
                        || b.y + b.h <= a.y;
                    assert!(
                        apart,
                        "{file} panel \"{}\": copies overlap: {a:?} {b:?}",
                        p.title
                    );
                }
            }
            checked += 1;
        }
    }
    // Repeated rows: the row once per value, each of its panels in every copy.
    for (file, d) in corpus() {
        for (ri, r) in d.rows.iter().enumerate() {
            let Some(var) = r.repeat.as_deref() else {
                continue;
            };
            let var = var.trim_start_matches('$');
            let e = expand(&d, &vars(var, &["value-one", "value-two", "value-three"]));
            let rows = e.rows.iter().filter(|x| x.scoped.contains_key(var)).count();
            assert_eq!(rows, 3, "{file} row \"{}\" repeats on ${var}", r.title);
            for p in d.panels.iter().filter(|p| p.row_index == Some(ri)) {
                let n = e
                    .panels
                    .iter()
                    .filter(|q| q.id == p.id || q.repeat_of == Some(p.id))
                    .count();
                assert_eq!(
                    n, 3,
                    "{file} panel \"{}\" in every copy of its row",
                    p.title
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "the corpus has repeated panels and rows ({checked} checked)"
    );
}

/// Data-driven over the corpus: a `legendFormat` label the series lacks prints the label's name
/// (Grafana's legend), never "series N" and never an empty name.
#[test]
fn every_corpus_legend_prints_the_name_of_a_missing_label() {
    let none = crate::source::Labels::default();
    let re = regex::Regex::new(r"\{\{\s*([^{}\s]+)\s*\}\}").unwrap();
    let mut checked = 0;
    for (file, d) in corpus() {
        for p in &d.panels {
            for q in &p.targets {
                let names: Vec<&str> = re
                    .captures_iter(&q.legend_format)
                    .filter_map(|c| c.get(1).map(|m| m.as_str()))
                    .collect();
                if names.is_empty() {
                    continue;
                }
                let shown = crate::dashboard::legend(&q.legend_format, &none);
                for n in names {
                    assert!(
                        shown.contains(n),
                        "{file} panel \"{}\": legend {:?} without labels is {shown:?}",
                        p.title,
                        q.legend_format
                    );
                }
                assert!(!shown.trim().is_empty() && !shown.starts_with("series "));
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 300,
        "the corpus has legend formats ({checked} checked)"
    );
}
