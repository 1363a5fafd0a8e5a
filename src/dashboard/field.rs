//! Grafana's field config: the standard options (unit, decimals, min/max, display name, colour,
//! thresholds, mappings) and the visualisation's `custom` options (draw style, stacking, fill,
//! axes, hide-from…), as `fieldConfig.defaults` sets them and `fieldConfig.overrides` changes them
//! for the fields (series) their matcher selects. [`resolve`] gives one series its config:
//! defaults, then every matching override in order (a later one wins), as Grafana's
//! `applyFieldOverrides` does.
//!
//! Every option is optional: unset means "Grafana's default" (see the accessors).

use super::model::{Thresholds, ValueMapping};

/// The standard and custom options of a field; `None` = not set here.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldConfig {
    /// A template: `${__field.labels.x}`, `${__field.name}`, `${__series.name}`.
    pub display_name: Option<String>,
    pub unit: Option<String>,
    pub decimals: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub no_value: Option<String>,
    pub color: Option<FieldColor>,
    pub thresholds: Option<Thresholds>,
    pub mappings: Option<Vec<ValueMapping>>,
    pub custom: Custom,
}

/// `fieldConfig.*.color`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldColor {
    pub mode: ColorMode,
    /// `fixedColor` (a Grafana colour name or `#rrggbb`).
    pub fixed: Option<String>,
    /// `seriesBy` of by-value modes: the calc (`last`, `min`, `max`) a series is coloured by.
    pub series_by: Option<String>,
}

/// How a field is coloured (`color.mode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColorMode {
    Fixed,
    /// The fixed colour and its 10 shades, by series index.
    Shades,
    /// The colour of the active threshold (Grafana's default when no mode is set).
    Thresholds,
    /// Grafana's classic palette by series index.
    PaletteClassic,
    /// The classic palette by a hash of the display name.
    PaletteClassicByName,
    /// `continuous-GrYlRd` and the like: the value's position between min and max.
    Continuous(String),
    /// A mode Watchdesk does not know (drawn as the classic palette).
    Other(String),
}

impl ColorMode {
    pub fn parse(s: &str) -> ColorMode {
        match s {
            "fixed" => ColorMode::Fixed,
            "shades" => ColorMode::Shades,
            "thresholds" => ColorMode::Thresholds,
            "palette-classic" => ColorMode::PaletteClassic,
            "palette-classic-by-name" => ColorMode::PaletteClassicByName,
            s if s.starts_with("continuous-") => {
                ColorMode::Continuous(s.trim_start_matches("continuous-").to_string())
            }
            other => ColorMode::Other(other.to_string()),
        }
    }
}

/// How a time series is drawn (`custom.drawStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DrawStyle {
    #[default]
    Line,
    Bars,
    Points,
}

/// `custom.lineInterpolation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineInterpolation {
    #[default]
    Linear,
    Smooth,
    StepBefore,
    StepAfter,
}

/// `custom.showPoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowPoints {
    /// Points where the data is sparse.
    #[default]
    Auto,
    Always,
    Never,
}

/// `custom.stacking.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StackMode {
    #[default]
    None,
    Normal,
    Percent,
}

/// `custom.stacking`: series of one group (and axis) stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stacking {
    pub mode: StackMode,
    pub group: String,
}

/// `custom.axisPlacement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AxisPlacement {
    /// The first axis left, others right.
    #[default]
    Auto,
    Left,
    Right,
    Hidden,
}

/// `custom.transform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Drawn mirrored below zero (Tx of a network panel).
    NegativeY,
    /// The first value drawn as a flat line.
    Constant,
}

/// `custom.thresholdsStyle.mode`: how thresholds show on a time series (default off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThresholdsStyle {
    #[default]
    Off,
    Line,
    Dashed,
    Area,
    LineAndArea,
    DashedAndArea,
    /// The series itself is coloured by thresholds.
    Series,
}

impl ThresholdsStyle {
    pub fn parse(s: &str) -> Option<ThresholdsStyle> {
        Some(match s {
            "off" => ThresholdsStyle::Off,
            "line" => ThresholdsStyle::Line,
            "dashed" => ThresholdsStyle::Dashed,
            "area" => ThresholdsStyle::Area,
            "line+area" => ThresholdsStyle::LineAndArea,
            "dashed+area" => ThresholdsStyle::DashedAndArea,
            "series" => ThresholdsStyle::Series,
            _ => return None,
        })
    }
    pub fn lines(self) -> bool {
        matches!(
            self,
            ThresholdsStyle::Line
                | ThresholdsStyle::Dashed
                | ThresholdsStyle::LineAndArea
                | ThresholdsStyle::DashedAndArea
        )
    }
    pub fn dashed(self) -> bool {
        matches!(
            self,
            ThresholdsStyle::Dashed | ThresholdsStyle::DashedAndArea
        )
    }
    pub fn area(self) -> bool {
        matches!(
            self,
            ThresholdsStyle::Area | ThresholdsStyle::LineAndArea | ThresholdsStyle::DashedAndArea
        )
    }
}

/// `custom.hideFrom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HideFrom {
    pub legend: bool,
    pub tooltip: bool,
    pub viz: bool,
}

/// `custom.spanNulls`: connect over missing points (true), or over gaps up to this long (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanNulls {
    Never,
    Always,
    UpTo(i64),
}

/// The visualisation's own options (`fieldConfig.*.custom`). Unset = Grafana's default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Custom {
    pub draw_style: Option<DrawStyle>,
    pub line_interpolation: Option<LineInterpolation>,
    pub line_width: Option<f64>,
    /// 0..=100.
    pub fill_opacity: Option<f64>,
    pub gradient_mode: Option<String>,
    pub show_points: Option<ShowPoints>,
    pub point_size: Option<f64>,
    pub span_nulls: Option<SpanNulls>,
    pub stacking: Option<Stacking>,
    pub axis_placement: Option<AxisPlacement>,
    pub axis_label: Option<String>,
    pub axis_soft_min: Option<f64>,
    pub axis_soft_max: Option<f64>,
    pub axis_centered_zero: Option<bool>,
    /// The log base of a log scale (`scaleDistribution: {type: log, log: 2|10}`); `Some(None)`
    /// would be linear, kept as `None`.
    pub log_base: Option<f64>,
    pub transform: Option<Transform>,
    pub thresholds_style: Option<ThresholdsStyle>,
    pub hide_from: Option<HideFrom>,
    /// Dash lengths of `lineStyle` (`[]` = solid).
    pub dash: Option<Vec<f64>>,
    /// Tables: `left`, `right`, `center`, `auto`.
    pub align: Option<String>,
    /// Tables: fixed column width in px.
    pub width: Option<f64>,
    /// Tables: `cellOptions.type` (`color-background`, `color-text`, `gauge`…).
    pub cell_type: Option<String>,
    /// Tables: the column is hidden (`custom.hidden`).
    pub hidden: Option<bool>,
    /// Tables: `cellOptions.mode` (`basic`/`gradient` backgrounds, `basic`/`gradient`/`lcd` gauges).
    pub cell_mode: Option<String>,
}

macro_rules! take {
    ($dst:expr, $src:expr, $($f:ident),+) => {{
        $(if $src.$f.is_some() { $dst.$f = $src.$f.clone(); })+
    }};
}

impl FieldConfig {
    /// Overlays `o` on `self`: what `o` sets wins.
    pub fn merge(&mut self, o: &FieldConfig) {
        take!(
            self,
            o,
            display_name,
            unit,
            decimals,
            min,
            max,
            no_value,
            color,
            thresholds,
            mappings
        );
        let (c, oc) = (&mut self.custom, &o.custom);
        take!(
            c,
            oc,
            draw_style,
            line_interpolation,
            line_width,
            fill_opacity,
            gradient_mode,
            show_points,
            point_size,
            span_nulls,
            stacking,
            axis_placement,
            axis_label,
            axis_soft_min,
            axis_soft_max,
            axis_centered_zero,
            log_base,
            transform,
            thresholds_style,
            hide_from,
            dash,
            align,
            width,
            cell_type,
            hidden,
            cell_mode
        );
    }

    pub fn color_mode(&self) -> ColorMode {
        self.color
            .as_ref()
            .map(|c| c.mode.clone())
            .unwrap_or(ColorMode::Thresholds)
    }
    pub fn draw_style(&self) -> DrawStyle {
        self.custom.draw_style.unwrap_or_default()
    }
    pub fn line_width(&self) -> f64 {
        self.custom.line_width.unwrap_or(1.0).clamp(0.0, 10.0)
    }
    /// 0..=1.
    pub fn fill(&self) -> f64 {
        (self.custom.fill_opacity.unwrap_or(0.0) / 100.0).clamp(0.0, 1.0)
    }
    pub fn stack_mode(&self) -> StackMode {
        self.custom
            .stacking
            .as_ref()
            .map(|s| s.mode)
            .unwrap_or_default()
    }
    pub fn stack_group(&self) -> &str {
        self.custom
            .stacking
            .as_ref()
            .map(|s| s.group.as_str())
            .unwrap_or("A")
    }
    pub fn thresholds_style(&self) -> ThresholdsStyle {
        self.custom.thresholds_style.unwrap_or_default()
    }
    pub fn hide_from(&self) -> HideFrom {
        self.custom.hide_from.unwrap_or_default()
    }
    pub fn negative_y(&self) -> bool {
        self.custom.transform == Some(Transform::NegativeY)
    }
}

/// What a field (series) is, for override matchers and display-name templates.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef<'a> {
    /// The display name (the legend, after `legendFormat`).
    pub name: &'a str,
    /// The query's refId.
    pub ref_id: &'a str,
    pub labels: &'a crate::source::Labels,
}

/// Which fields an override applies to (`matcher.id` and `options`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldMatcher {
    ByName(String),
    /// Grafana regex: `/re/flags` or a bare pattern (anchored as Grafana does).
    ByRegexp(String),
    ByNames {
        names: Vec<String>,
        exclude: bool,
    },
    ByFrameRefId(String),
    /// `number`, `string`, `time`, `boolean`: every series Watchdesk draws is a number field.
    ByType(String),
    /// Not understood: matches nothing, reported.
    Other(String),
}

impl FieldMatcher {
    pub fn matches(&self, f: &FieldRef<'_>) -> bool {
        match self {
            FieldMatcher::ByName(n) => n == f.name,
            FieldMatcher::ByRegexp(re) => grafana_regex_matches(re, f.name),
            FieldMatcher::ByNames { names, exclude } => {
                names.iter().any(|n| n == f.name) != *exclude
            }
            FieldMatcher::ByFrameRefId(r) => r == f.ref_id,
            FieldMatcher::ByType(t) => t == "number",
            FieldMatcher::Other(_) => false,
        }
    }
}

/// Grafana's field-name regex: `/pattern/flags` or a bare pattern matched against the whole name.
fn grafana_regex_matches(re: &str, name: &str) -> bool {
    let (pattern, flags) = match re
        .strip_prefix('/')
        .and_then(|r| r.rfind('/').map(|i| (r, i)))
    {
        Some((r, i)) => (r[..i].to_string(), &r[i + 1..]),
        None => (format!("^(?:{re})$"), ""),
    };
    let mut b = regex::RegexBuilder::new(&pattern);
    b.case_insensitive(flags.contains('i'))
        .multi_line(flags.contains('m'))
        .dot_matches_new_line(flags.contains('s'))
        .size_limit(1 << 20);
    b.build().is_ok_and(|r| r.is_match(name))
}

/// One `fieldConfig.overrides` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub matcher: FieldMatcher,
    /// The properties it sets.
    pub config: FieldConfig,
}

/// The config of one field: `defaults`, then every override whose matcher selects it, in order.
pub fn resolve(defaults: &FieldConfig, overrides: &[Override], f: &FieldRef<'_>) -> FieldConfig {
    let mut c = defaults.clone();
    for o in overrides.iter().filter(|o| o.matcher.matches(f)) {
        c.merge(&o.config);
    }
    c
}

/// A display-name template for one field: `${__field.labels.x}` (a label), `${__field.labels}`
/// (all, `{a="b", …}`), `${__field.name}` / `${__field.displayName}` / `${__series.name}` (the
/// legend name), `${__field.refId}`. Unknown placeholders are kept.
pub fn display_name(template: &str, f: &FieldRef<'_>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let key = &after[..end];
        let value = match key {
            "__field.name" | "__field.displayName" | "__series.name" => Some(f.name.to_string()),
            "__field.refId" => Some(f.ref_id.to_string()),
            "__field.labels" => Some(
                f.labels
                    .iter()
                    .filter(|(k, _)| *k != "__name__")
                    .map(|(k, v)| format!("{k}=\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .map(|s| format!("{{{s}}}")),
            k => k
                .strip_prefix("__field.labels.")
                .map(|l| f.labels.get(l).cloned().unwrap_or_default()),
        };
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[i..i + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Labels;

    use crate::source::labels_of as labels;

    #[track_caller]
    fn check_match(m: FieldMatcher, name: &str, ref_id: &str, expect: bool) {
        let l = Labels::new();
        let f = FieldRef {
            name,
            ref_id,
            labels: &l,
        };
        assert_eq!(m.matches(&f), expect, "{m:?} on {name:?}/{ref_id}");
    }

    #[test]
    fn matchers() {
        check_match(FieldMatcher::ByName("Tx".into()), "Tx", "A", true);
        check_match(FieldMatcher::ByName("Tx".into()), "Tx eth0", "A", false);
        check_match(
            FieldMatcher::ByRegexp("/.*Tx.*/".into()),
            "eth0 Tx",
            "A",
            true,
        );
        check_match(
            FieldMatcher::ByRegexp("/^tx/i".into()),
            "TX eth0",
            "A",
            true,
        );
        check_match(FieldMatcher::ByRegexp("Tx.*".into()), "eth0 Tx", "A", false);
        check_match(FieldMatcher::ByRegexp("(".into()), "(", "A", false);
        check_match(FieldMatcher::ByFrameRefId("B".into()), "x", "B", true);
        check_match(FieldMatcher::ByType("number".into()), "x", "A", true);
        check_match(FieldMatcher::ByType("time".into()), "x", "A", false);
        check_match(
            FieldMatcher::ByNames {
                names: vec!["a".into()],
                exclude: true,
            },
            "b",
            "A",
            true,
        );
    }

    #[test]
    fn overrides_apply_in_order_and_a_later_one_wins() {
        let defaults = FieldConfig {
            unit: Some("bytes".into()),
            custom: Custom {
                fill_opacity: Some(10.0),
                ..Custom::default()
            },
            ..FieldConfig::default()
        };
        let ov = |m: FieldMatcher, c: FieldConfig| Override {
            matcher: m,
            config: c,
        };
        let overrides = vec![
            ov(
                FieldMatcher::ByRegexp("/Tx/".into()),
                FieldConfig {
                    custom: Custom {
                        transform: Some(Transform::NegativeY),
                        ..Custom::default()
                    },
                    unit: Some("bps".into()),
                    ..FieldConfig::default()
                },
            ),
            ov(
                FieldMatcher::ByName("eth0 Tx".into()),
                FieldConfig {
                    unit: Some("Bps".into()),
                    ..FieldConfig::default()
                },
            ),
        ];
        let l = Labels::new();
        let tx = resolve(
            &defaults,
            &overrides,
            &FieldRef {
                name: "eth0 Tx",
                ref_id: "A",
                labels: &l,
            },
        );
        assert!(tx.negative_y());
        assert_eq!(tx.unit.as_deref(), Some("Bps"), "the later override wins");
        assert_eq!(tx.fill(), 0.1, "defaults not overridden stay");
        let rx = resolve(
            &defaults,
            &overrides,
            &FieldRef {
                name: "eth0 Rx",
                ref_id: "A",
                labels: &l,
            },
        );
        assert!(!rx.negative_y());
        assert_eq!(rx.unit.as_deref(), Some("bytes"));
    }

    #[track_caller]
    fn check_name(template: &str, expect: &str) {
        let l = labels(&[("__name__", "up"), ("instance", "a:1"), ("job", "node")]);
        let f = FieldRef {
            name: "legend",
            ref_id: "A",
            labels: &l,
        };
        assert_eq!(display_name(template, &f), expect, "{template}");
    }

    #[test]
    fn display_name_templates() {
        check_name("${__field.labels.instance}", "a:1");
        check_name(
            "CPU ${__field.labels.job} (${__field.refId})",
            "CPU node (A)",
        );
        check_name("${__field.labels.missing}", "");
        check_name("${__field.name}", "legend");
        check_name("${__field.labels}", "{instance=\"a:1\", job=\"node\"}");
        check_name("${var}", "${var}");
        check_name("plain", "plain");
        check_name("broken ${", "broken ${");
    }
}
