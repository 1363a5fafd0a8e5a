//! One panel: its kind, grid position, targets and options.

use serde_json::Value;

use super::super::model::{DatasourceRef, GridPos, Panel, PanelKind, Query, QueryFormat};
use super::super::IssueKind;
use super::*;

pub(super) fn parse_panel(
    issues: &mut Vec<Issue>,
    original: &Value,
    row: Option<(usize, String)>,
    ids: &mut IdAlloc,
    bottom: u32,
) -> Option<Panel> {
    let mut c = Ctx {
        issues,
        panel: None,
    };
    if !original.is_object() {
        c.issue(
            IssueKind::Invalid,
            format!("a panel is {}, not an object; skipped", type_name(original)),
        );
        return None;
    }
    // Old Angular panels (graph, singlestat) are migrated as Grafana migrates them.
    let migrated = super::legacy::migrate(original);
    let p = migrated.as_ref().unwrap_or(original);
    let title = c.str(p.get("title"), "panel title").unwrap_or_default();
    let (id, problem) = match c.int(p.get("id"), &format!("id of panel {title:?}")) {
        Some(id) if ids.seen.insert(id) => (id, None),
        Some(dup) => {
            let id = ids.fresh();
            let msg = format!("panel {title:?} repeats id {dup}; renumbered {id}");
            (id, Some((IssueKind::Duplicate, msg)))
        }
        None => {
            let id = ids.fresh();
            let msg = format!("panel {title:?} has no id; numbered {id}");
            (id, Some((IssueKind::Missing, msg)))
        }
    };
    c.panel = Some((id, title.clone()));
    if let Some((kind, msg)) = problem {
        c.issue(kind, msg);
    }

    let ty = c.str(p.get("type"), "type").unwrap_or_default();
    let options = c.obj(p.get("options"), "options");
    let kind = match PanelKind::from_type(&ty) {
        Some(PanelKind::Text { .. }) => PanelKind::Text {
            content: c
                .str(
                    options.and_then(|o| o.get("content")).or(p.get("content")),
                    "options.content",
                )
                .unwrap_or_default(),
        },
        Some(k) => k,
        None => {
            let msg = if let Some(lib) = p.get("libraryPanel") {
                let name = lib.get("name").and_then(Value::as_str).unwrap_or("?");
                format!("not supported: library panel {name:?} is not embedded. Export the dashboard with \"Export for sharing externally\"")
            } else if ty.is_empty() {
                "not supported: the panel has no type".to_string()
            } else {
                format!("not supported: {ty}")
            };
            c.issue(IssueKind::Unsupported, msg);
            PanelKind::Unsupported(ty.clone())
        }
    };
    let repeat = c.nonempty(p.get("repeat"), "repeat").map(|var| {
        let max = c
            .int(p.get("maxPerRow"), "maxPerRow")
            .unwrap_or(4)
            .clamp(1, 24) as u32;
        super::super::model::Repeat {
            var: var.trim_start_matches('$').to_string(),
            vertical: p.get("repeatDirection").and_then(Value::as_str) == Some("v"),
            max_per_row: max,
        }
    });
    let _ = c.arr(p.get("transformations"), "transformations");
    let (transformations, skipped) =
        super::transform::parse_transformations(p.get("transformations"));

    let description = c
        .str(p.get("description"), "description")
        .unwrap_or_default();
    let datasource = parse_ds(p.get("datasource"));
    let grid = parse_grid(&mut c, p.get("gridPos"), bottom);
    let mut targets = Vec::new();
    for (i, t) in c.arr(p.get("targets"), "targets").iter().enumerate() {
        if let Some(q) = parse_target(&mut c, t, i, &datasource) {
            targets.push(q);
        }
    }
    let logs = kind == PanelKind::Logs;
    for q in targets
        .iter()
        .filter(|q| q.is_runnable() && logs != q.is_log_query())
    {
        if logs {
            c.issue(
                IssueKind::Unsupported,
                format!(
                    "query {} is not a LogQL log query (a logs panel shows the lines of a stream \
                     selector such as {{job=\"x\"}} |= \"error\"); it is not run",
                    q.ref_id
                ),
            );
            continue;
        }
        c.issue(
            IssueKind::Unsupported,
            format!(
                "query {} is a LogQL log query (lines, not numbers), which a {ty} panel cannot \
                 draw; it is not run. Use a metric query such as sum(count_over_time(…[1m]))",
                q.ref_id
            ),
        );
    }
    let interval = c.nonempty(p.get("interval"), "interval");
    let max_data_points = c
        .int(p.get("maxDataPoints"), "maxDataPoints")
        .and_then(|n| match u32::try_from(n) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                c.issue(
                    IssueKind::Invalid,
                    format!("maxDataPoints {n} is out of range; the panel width is used"),
                );
                None
            }
        });

    let field_config = c.obj(p.get("fieldConfig"), "fieldConfig");
    let defaults = c.obj(
        field_config.and_then(|f| f.get("defaults")),
        "fieldConfig.defaults",
    );
    let dget = |k: &str| defaults.and_then(|d| d.get(k));
    let mut unit = c.str(dget("unit"), "unit").unwrap_or_default();
    if unit.is_empty() && ty == "table-old" {
        unit = p
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
    }
    let decimals = c.int(dget("decimals"), "decimals").map(|d| {
        let clamped = d.clamp(0, 20);
        if clamped != d {
            c.issue(
                IssueKind::Invalid,
                format!("decimals {d} is out of range; {clamped} is used"),
            );
        }
        clamped as u32
    });
    let min = c.num(dget("min"), "min");
    let max = c.num(dget("max"), "max");
    let no_value = c.str(dget("noValue"), "noValue");
    let thresholds = parse_thresholds(&mut c, dget("thresholds"));
    let mappings = parse_mappings(&mut c, dget("mappings"));
    let calcs = c.arr(
        options
            .and_then(|o| o.get("reduceOptions"))
            .and_then(|r| r.get("calcs")),
        "options.reduceOptions.calcs",
    );
    let mut reduce = calcs
        .first()
        .and_then(|v| c.nonempty(Some(v), "options.reduceOptions.calcs"))
        .unwrap_or_default();
    if reduce.is_empty() {
        reduce = "lastNotNull".into();
    }
    // The defaults were read (and their problems reported) above; read them again whole, quietly.
    let field = {
        let mut quiet = Vec::new();
        let mut qc = Ctx {
            issues: &mut quiet,
            panel: c.panel.clone(),
        };
        super::fieldconfig::field_defaults(&mut qc, defaults)
    };
    let overrides =
        super::fieldconfig::field_overrides(&mut c, field_config.and_then(|f| f.get("overrides")));
    let panel_options = super::fieldconfig::panel_options(&mut c, options, &reduce);
    let mut ignored = super::super::support::ignored_options(&ty, p);
    ignored.extend(skipped);
    for (i, o) in c
        .arr(
            field_config.and_then(|f| f.get("overrides")),
            "fieldConfig.overrides",
        )
        .iter()
        .enumerate()
    {
        for prop in c.arr(o.get("properties"), "override properties") {
            let id = prop.get("id").and_then(Value::as_str).unwrap_or("");
            let value = prop.get("value").unwrap_or(&Value::Null);
            if !id.is_empty() && !value.is_null() {
                for part in super::super::support::ignored_property(&ty, id, value) {
                    ignored.push(format!("fieldConfig.overrides[{i}].{part}"));
                }
            }
        }
    }
    if !ignored.is_empty() {
        c.issue(
            IssueKind::Ignored,
            format!("not drawn yet: {}", ignored.join(", ")),
        );
    }

    Some(Panel {
        id,
        title,
        description,
        kind,
        grid,
        row_index: row.as_ref().map(|(i, _)| *i),
        row: row.map(|(_, t)| t),
        repeat,
        scoped: Default::default(),
        repeat_of: None,
        datasource,
        targets,
        interval,
        max_data_points,
        unit,
        decimals,
        min,
        max,
        no_value,
        thresholds,
        mappings,
        reduce,
        field,
        overrides,
        options: panel_options,
        transformations,
        ignored,
        raw: original.clone(),
    })
}

pub(in crate::dashboard) fn parse_ds(v: Option<&Value>) -> DatasourceRef {
    match v {
        Some(Value::String(s)) => DatasourceRef {
            kind: None,
            uid: Some(s.clone()),
        },
        Some(Value::Object(o)) => DatasourceRef {
            kind: o.get("type").and_then(Value::as_str).map(str::to_string),
            uid: o.get("uid").and_then(Value::as_str).map(str::to_string),
        },
        _ => DatasourceRef::default(),
    }
}

pub(super) fn parse_grid(c: &mut Ctx, v: Option<&Value>, bottom: u32) -> GridPos {
    let Some(g) = c.obj(v, "gridPos") else {
        c.issue(
            IssueKind::Missing,
            "no gridPos; placed full width below the panels before it".into(),
        );
        return GridPos {
            x: 0,
            y: bottom,
            w: GridPos::COLUMNS,
            h: 8,
        };
    };
    let mut field = |k: &str, default: i64| -> i64 {
        match c.int(g.get(k), &format!("gridPos.{k}")) {
            Some(n) => n,
            None => {
                c.issue(
                    IssueKind::Missing,
                    format!("gridPos.{k} is missing; {default} is used"),
                );
                default
            }
        }
    };
    let (x, y, w, h) = (
        field("x", 0),
        field("y", bottom.into()),
        field("w", 12),
        field("h", 8),
    );
    let cols = i64::from(GridPos::COLUMNS);
    let cx = x.clamp(0, cols - 1);
    let cw = w.clamp(1, cols - cx);
    let cy = y.clamp(0, i64::from(GridPos::MAX_Y));
    let ch = h.clamp(1, i64::from(GridPos::MAX_H));
    if (cx, cy, cw, ch) != (x, y, w, h) {
        c.issue(
            IssueKind::Invalid,
            format!("gridPos x={x} y={y} w={w} h={h} does not fit the 24-column grid; used x={cx} y={cy} w={cw} h={ch}"),
        );
    }
    // The clamps above bound every value to u32 range.
    GridPos {
        x: cx as u32,
        y: cy as u32,
        w: cw as u32,
        h: ch as u32,
    }
}

pub(super) fn parse_target(
    c: &mut Ctx,
    t: &Value,
    i: usize,
    panel_ds: &DatasourceRef,
) -> Option<Query> {
    if !t.is_object() {
        c.issue(
            IssueKind::Invalid,
            format!(
                "query {} is {}, not an object; skipped",
                i + 1,
                type_name(t)
            ),
        );
        return None;
    }
    let ref_id = c
        .nonempty(t.get("refId"), "refId")
        .unwrap_or_else(|| default_ref_id(i));
    let datasource = match t.get("datasource") {
        Some(v) if !v.is_null() => parse_ds(Some(v)),
        _ => panel_ds.clone(),
    };
    let hide = c.bool(t.get("hide"), "hide").unwrap_or(false);
    let expr = c.str(t.get("expr"), "expr").unwrap_or_default();
    if !datasource.is_prometheus() && !datasource.is_loki() {
        let kind = datasource.kind.as_deref().unwrap_or("?");
        c.issue(
            IssueKind::NotPrometheus,
            format!("query {ref_id} uses a {kind} data source; Watchdesk runs Prometheus and Loki queries only, so it is kept but not run"),
        );
    } else if expr.trim().is_empty() {
        if !hide {
            let lang = if datasource.is_loki() {
                "LogQL"
            } else {
                "PromQL"
            };
            c.issue(
                IssueKind::Missing,
                format!("query {ref_id} has no {lang} expr; skipped"),
            );
        }
        return None;
    }
    // Loki's targets say `queryType: "instant"`; Prometheus's `instant: true`.
    let instant = (c.bool(t.get("instant"), "instant").unwrap_or(false)
        && c.bool(t.get("range"), "range") != Some(true))
        || (datasource.is_loki() && t.get("queryType").and_then(|v| v.as_str()) == Some("instant"));
    Some(Query {
        ref_id,
        expr,
        legend_format: c
            .str(t.get("legendFormat"), "legendFormat")
            .unwrap_or_default(),
        instant,
        hide,
        interval: c.nonempty(t.get("interval"), "interval"),
        datasource,
        format: match t.get("format").and_then(Value::as_str) {
            Some("table") => QueryFormat::Table,
            Some("heatmap") => QueryFormat::Heatmap,
            _ => QueryFormat::TimeSeries,
        },
    })
}

/// `A`, `B`, ... `Z`, `AA`, ... like Grafana's refIds.
pub(super) fn default_ref_id(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_ids() {
        assert_eq!(default_ref_id(0), "A");
        assert_eq!(default_ref_id(25), "Z");
        assert_eq!(default_ref_id(26), "AA");
        assert_eq!(default_ref_id(27), "AB");
    }
}
