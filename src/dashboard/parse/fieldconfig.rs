//! `fieldConfig` (defaults and overrides) and `options` into the typed model (`field.rs`,
//! `options.rs`). What a panel sets that Watchdesk does not draw is reported, per option, as an
//! [`IssueKind::Ignored`] issue (see `support.rs`), so no dashboard is shown as if complete.

use serde_json::Value;

use super::super::field::{
    AxisPlacement, ColorMode, Custom, DrawStyle, FieldColor, FieldConfig, FieldMatcher, HideFrom,
    LineInterpolation, Override, ShowPoints, SpanNulls, StackMode, Stacking, ThresholdsStyle,
    Transform,
};
use super::super::options::{
    BarDisplay, GraphMode, Orientation, PanelOptions, StatColorMode, TextMode,
};
use super::super::IssueKind;
use super::*;

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Applies one field property (`unit`, `custom.fillOpacity`, …) to `cfg`. Returns false when the
/// property is not one Watchdesk reads.
fn apply(c: &mut Ctx, cfg: &mut FieldConfig, id: &str, v: &Value) -> bool {
    let what = format!("fieldConfig {id}");
    match id {
        "displayName" | "displayNameFromDS" => cfg.display_name = c.str(Some(v), &what),
        "unit" => cfg.unit = c.str(Some(v), &what),
        "decimals" => cfg.decimals = c.int(Some(v), &what).map(|d| d.clamp(0, 20) as u32),
        "min" => cfg.min = c.num(Some(v), &what),
        "max" => cfg.max = c.num(Some(v), &what),
        "noValue" => cfg.no_value = c.str(Some(v), &what),
        "color" => {
            cfg.color = v.get("mode").and_then(s).map(|m| FieldColor {
                mode: ColorMode::parse(m),
                fixed: v.get("fixedColor").and_then(s).map(str::to_string),
                series_by: v.get("seriesBy").and_then(s).map(str::to_string),
            })
        }
        "thresholds" => {
            let t = parse_thresholds(c, Some(v));
            cfg.thresholds = Some(t);
        }
        "mappings" => cfg.mappings = Some(parse_mappings(c, Some(v))),
        "custom" => {
            let Some(o) = v.as_object() else {
                return true;
            };
            for (k, x) in o {
                apply(c, cfg, &format!("custom.{k}"), x);
            }
        }
        _ => return apply_custom(c, &mut cfg.custom, id, v),
    }
    true
}

fn apply_custom(c: &mut Ctx, k: &mut Custom, id: &str, v: &Value) -> bool {
    let what = format!("fieldConfig {id}");
    match id {
        "custom.drawStyle" => {
            k.draw_style = s(v).map(|d| match d {
                "bars" => DrawStyle::Bars,
                "points" => DrawStyle::Points,
                _ => DrawStyle::Line,
            })
        }
        "custom.lineInterpolation" => {
            k.line_interpolation = s(v).map(|d| match d {
                "smooth" => LineInterpolation::Smooth,
                "stepBefore" => LineInterpolation::StepBefore,
                "stepAfter" => LineInterpolation::StepAfter,
                _ => LineInterpolation::Linear,
            })
        }
        "custom.lineWidth" => k.line_width = c.num(Some(v), &what),
        "custom.fillOpacity" => k.fill_opacity = c.num(Some(v), &what),
        "custom.gradientMode" => k.gradient_mode = s(v).map(str::to_string),
        "custom.showPoints" => {
            k.show_points = s(v).map(|d| match d {
                "always" => ShowPoints::Always,
                "never" => ShowPoints::Never,
                _ => ShowPoints::Auto,
            })
        }
        "custom.pointSize" => k.point_size = c.num(Some(v), &what),
        "custom.spanNulls" => {
            k.span_nulls = match v {
                Value::Bool(true) => Some(SpanNulls::Always),
                Value::Bool(false) => Some(SpanNulls::Never),
                Value::Number(n) => n.as_f64().map(|ms| SpanNulls::UpTo(ms.max(0.0) as i64)),
                _ => None,
            }
        }
        "custom.stacking" => {
            k.stacking = v.get("mode").and_then(s).map(|m| Stacking {
                mode: match m {
                    "normal" => StackMode::Normal,
                    "percent" => StackMode::Percent,
                    _ => StackMode::None,
                },
                // Grafana keys stacks by the group as written: `false` is a group of its own.
                group: match v.get("group") {
                    None | Some(Value::Null) => "A".to_string(),
                    Some(Value::String(g)) => g.clone(),
                    Some(other) => other.to_string(),
                },
            })
        }
        "custom.axisPlacement" => {
            k.axis_placement = s(v).map(|d| match d {
                "left" => AxisPlacement::Left,
                "right" => AxisPlacement::Right,
                "hidden" => AxisPlacement::Hidden,
                _ => AxisPlacement::Auto,
            })
        }
        "custom.axisLabel" => k.axis_label = s(v).map(str::to_string),
        "custom.axisSoftMin" => k.axis_soft_min = c.num(Some(v), &what),
        "custom.axisSoftMax" => k.axis_soft_max = c.num(Some(v), &what),
        "custom.axisCenteredZero" => k.axis_centered_zero = v.as_bool(),
        "custom.scaleDistribution" => {
            k.log_base = match v.get("type").and_then(s) {
                Some("log") => Some(v.get("log").and_then(Value::as_f64).unwrap_or(10.0)),
                _ => None,
            }
        }
        "custom.transform" => {
            k.transform = match s(v) {
                Some("negative-Y") => Some(Transform::NegativeY),
                Some("constant") => Some(Transform::Constant),
                _ => None,
            }
        }
        "custom.thresholdsStyle" => {
            k.thresholds_style = v.get("mode").and_then(s).and_then(ThresholdsStyle::parse)
        }
        "custom.hideFrom" => {
            let b = |n: &str| v.get(n).and_then(Value::as_bool).unwrap_or(false);
            k.hide_from = Some(HideFrom {
                legend: b("legend"),
                tooltip: b("tooltip"),
                viz: b("viz") || b("graph"),
            })
        }
        "custom.lineStyle" => {
            k.dash = Some(match v.get("fill").and_then(s) {
                Some("dash") | Some("dot") | Some("square") => v
                    .get("dash")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .filter(|d: &Vec<f64>| !d.is_empty())
                    .unwrap_or_else(|| vec![10.0, 10.0]),
                _ => Vec::new(),
            })
        }
        "custom.align" => k.align = s(v).map(str::to_string),
        "custom.width" => k.width = c.num(Some(v), &what),
        "custom.hidden" => k.hidden = v.as_bool(),
        "custom.cellOptions" => {
            k.cell_type = v.get("type").and_then(s).map(str::to_string);
            k.cell_mode = v.get("mode").and_then(s).map(str::to_string);
        }
        "custom.displayMode" => {
            // Tables before cellOptions (Grafana's table migration).
            let (t, m) = match s(v).unwrap_or("auto") {
                "color-background" => ("color-background", Some("gradient")),
                "color-background-solid" => ("color-background", Some("basic")),
                "color-text" => ("color-text", None),
                "gradient-gauge" => ("gauge", Some("gradient")),
                "lcd-gauge" => ("gauge", Some("lcd")),
                "basic" => ("gauge", Some("basic")),
                other => (other, None),
            };
            k.cell_type = Some(t.to_string());
            k.cell_mode = m.map(str::to_string);
        }
        _ => return false,
    }
    true
}

/// `fieldConfig.defaults`.
pub(super) fn field_defaults(c: &mut Ctx, v: Option<&Value>) -> FieldConfig {
    let mut cfg = FieldConfig::default();
    if let Some(o) = v.and_then(Value::as_object) {
        for (k, x) in o {
            apply(c, &mut cfg, k, x);
        }
    }
    cfg
}

/// `fieldConfig.overrides`; matchers Watchdesk does not know are reported.
pub(super) fn field_overrides(c: &mut Ctx, v: Option<&Value>) -> Vec<Override> {
    let mut out = Vec::new();
    for (i, o) in c.arr(v, "fieldConfig.overrides").iter().enumerate() {
        let m = o.get("matcher");
        let id = m.and_then(|m| m.get("id")).and_then(s).unwrap_or("");
        let opt = m.and_then(|m| m.get("options"));
        let text = opt.and_then(s).unwrap_or("").to_string();
        let matcher = match id {
            "byName" => FieldMatcher::ByName(text),
            "byRegexp" => FieldMatcher::ByRegexp(text),
            "byFrameRefID" => FieldMatcher::ByFrameRefId(text),
            "byType" => FieldMatcher::ByType(text),
            "byNames" => FieldMatcher::ByNames {
                names: opt
                    .and_then(|o| o.get("names"))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(s).map(str::to_string).collect())
                    .unwrap_or_default(),
                exclude: opt.and_then(|o| o.get("mode")).and_then(s) == Some("exclude"),
            },
            other => {
                c.issue(
                    IssueKind::Ignored,
                    format!("override {} matches fields {other:?}, which Watchdesk does not understand; it is ignored", i + 1),
                );
                FieldMatcher::Other(other.to_string())
            }
        };
        let mut config = FieldConfig::default();
        for p in c.arr(o.get("properties"), "override properties") {
            let Some(pid) = p.get("id").and_then(s) else {
                continue;
            };
            let value = p.get("value").unwrap_or(&Value::Null);
            if !apply(c, &mut config, pid, value) && !value.is_null() {
                c.issue(
                    IssueKind::Ignored,
                    format!("override {} sets {pid}, which is not drawn", i + 1),
                );
            }
        }
        out.push(Override { matcher, config });
    }
    out
}

/// `options`, with Grafana's defaults for what is unset.
pub(super) fn panel_options(c: &mut Ctx, v: Option<&Value>, reduce: &str) -> PanelOptions {
    let mut o = PanelOptions::default();
    let get = |path: &[&str]| {
        let mut cur = v?;
        for p in path {
            cur = cur.get(*p)?;
        }
        Some(cur)
    };
    let text = |path: &[&str]| get(path).and_then(s).map(str::to_string);
    if let Some(l) = get(&["legend"]) {
        let mode = l.get("displayMode").and_then(s).unwrap_or("list");
        o.legend.show = l
            .get("showLegend")
            .and_then(Value::as_bool)
            .unwrap_or(mode != "hidden")
            && mode != "hidden";
        o.legend.table = mode == "table";
        o.legend.right = l.get("placement").and_then(s) == Some("right");
        o.legend.calcs = l
            .get("calcs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(s).map(str::to_string).collect())
            .unwrap_or_default();
        o.legend.sort_by = l
            .get("sortBy")
            .and_then(s)
            .filter(|x| !x.is_empty())
            .map(str::to_string);
        o.legend.sort_desc = l.get("sortDesc").and_then(Value::as_bool).unwrap_or(false);
        o.legend.width = l.get("width").and_then(Value::as_f64);
    }
    o.reduce.calcs = vec![reduce.to_string()];
    if let Some(r) = get(&["reduceOptions"]) {
        o.reduce.values = r.get("values").and_then(Value::as_bool).unwrap_or(false);
        o.reduce.fields = r.get("fields").and_then(s).unwrap_or("").to_string();
        o.reduce.limit = r
            .get("limit")
            .and_then(Value::as_u64)
            .map(|n| n.min(10_000) as u32);
    }
    o.stat.color_mode = match text(&["colorMode"]).as_deref() {
        Some("background") => StatColorMode::Background,
        Some("background_solid") => StatColorMode::BackgroundSolid,
        Some("none") => StatColorMode::None,
        _ => StatColorMode::Value,
    };
    o.stat.graph_mode = match text(&["graphMode"]).as_deref() {
        Some("none") => GraphMode::None,
        _ => GraphMode::Area,
    };
    o.stat.text_mode = match text(&["textMode"]).as_deref() {
        Some("value") => TextMode::Value,
        Some("value_and_name") => TextMode::ValueAndName,
        Some("name") => TextMode::Name,
        Some("none") => TextMode::None,
        _ => TextMode::Auto,
    };
    o.stat.center = text(&["justifyMode"]).as_deref() == Some("center");
    let orientation = match text(&["orientation"]).as_deref() {
        Some("horizontal") => Orientation::Horizontal,
        Some("vertical") => Orientation::Vertical,
        _ => Orientation::Auto,
    };
    o.stat.orientation = orientation;
    o.bar_gauge.orientation = orientation;
    if let Some(b) = get(&["showThresholdMarkers"]).and_then(Value::as_bool) {
        o.gauge.show_threshold_markers = b;
    }
    if let Some(b) = get(&["showThresholdLabels"]).and_then(Value::as_bool) {
        o.gauge.show_threshold_labels = b;
    }
    o.bar_gauge.display = match text(&["displayMode"]).as_deref() {
        Some("basic") => BarDisplay::Basic,
        Some("lcd") => BarDisplay::Lcd,
        _ => BarDisplay::Gradient,
    };
    if let Some(b) = get(&["showUnfilled"]).and_then(Value::as_bool) {
        o.bar_gauge.show_unfilled = b;
    }
    let flag = |k: &str| get(&[k]).and_then(Value::as_bool);
    o.logs.show_time = flag("showTime").unwrap_or(false);
    o.logs.show_labels = flag("showLabels").unwrap_or(false);
    o.logs.wrap = flag("wrapLogMessage").unwrap_or(false);
    o.logs.newest_first = text(&["sortOrder"]).as_deref() != Some("Ascending");
    let _ = c;
    super::viz::kind_options(&mut o, v);
    o
}
