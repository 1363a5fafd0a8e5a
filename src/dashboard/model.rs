//! The engine's own dashboard model. Built from Grafana JSON by [`super::parse`]; the rest of the
//! engine reads only these types.

/// A dashboard: header, template variables and the flat list of its panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Start of the default time range, Grafana syntax (`now-6h`); see [`crate::time::parse_time`].
    pub time_from: String,
    /// End of the default time range (`now`).
    pub time_to: String,
    /// Auto-refresh period; `None` when the dashboard does not refresh by itself.
    pub refresh: Option<i64>,
    /// `""`/`"browser"` (local time), `"utc"`, or an IANA name.
    pub timezone: String,
    pub variables: Vec<Variable>,
    /// Every real panel once, rows flattened away (see [`Panel::row`] and [`Dashboard::rows`]).
    pub panels: Vec<Panel>,
    /// The rows (section headers), in layout order. They are not in `panels`.
    pub rows: Vec<Row>,
}

impl Dashboard {
    /// The panel with this id.
    pub fn panel(&self, id: i64) -> Option<&Panel> {
        self.panels.iter().find(|p| p.id == id)
    }

    /// The template variable with this name.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }
}

/// A row header: a collapsible section. Its panels name it in [`Panel::row`] and
/// [`Panel::row_index`].
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub title: String,
    /// Collapsed in the JSON (the operator's choice in the app overrides it).
    pub collapsed: bool,
    pub y: u32,
    /// Repeated once per value of this variable (`repeat`).
    pub repeat: Option<String>,
    /// Repeat clones: the variable's value for this copy (`{var: value}`), see `layout::expand`.
    pub scoped: std::collections::BTreeMap<String, String>,
}

/// `repeat`, `repeatDirection` and `maxPerRow` of a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub var: String,
    /// `repeatDirection: "v"`: copies stacked vertically (else side by side).
    pub vertical: bool,
    /// Copies per line when side by side (Grafana's default 4).
    pub max_per_row: u32,
}

/// A panel position on Grafana's grid: 24 columns; one height unit is [`GridPos::UNIT_PX`] pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPos {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl GridPos {
    /// Grid columns.
    pub const COLUMNS: u32 = 24;
    /// Pixels per height unit.
    pub const UNIT_PX: u32 = 30;
    /// Largest accepted height (units); taller panels are clamped.
    pub const MAX_H: u32 = 200;
    /// Largest accepted row position (units).
    pub const MAX_Y: u32 = 100_000;
}

impl Default for GridPos {
    /// Grafana's default size for a new panel.
    fn default() -> Self {
        GridPos {
            x: 0,
            y: 0,
            w: 12,
            h: 8,
        }
    }
}

/// What a panel draws.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelKind {
    /// `timeseries`, and the old `graph`.
    TimeSeries,
    /// `stat`, and the old `singlestat`.
    Stat,
    Gauge,
    BarGauge,
    /// `table`, and the old `table-old`.
    Table,
    AlertList,
    /// `text`: markdown/HTML content.
    Text {
        content: String,
    },
    /// `heatmap`: Prometheus histogram buckets over time.
    Heatmap,
    /// `piechart`: pie or donut, one slice per series.
    PieChart,
    /// `state-timeline`: one band row per series, equal values merged.
    StateTimeline,
    /// `status-history`: one cell per sample and series.
    StatusHistory,
    /// `barchart`: one bar per series (reduced).
    BarChart,
    /// `logs`: the lines of LogQL log queries.
    Logs,
    /// Any other type: shown as a "not supported: <type>" box.
    Unsupported(String),
}

impl PanelKind {
    /// Grafana's type name (the current one for migrated types).
    pub fn as_str(&self) -> &str {
        match self {
            PanelKind::TimeSeries => "timeseries",
            PanelKind::Stat => "stat",
            PanelKind::Gauge => "gauge",
            PanelKind::BarGauge => "bargauge",
            PanelKind::Table => "table",
            PanelKind::AlertList => "alertlist",
            PanelKind::Text { .. } => "text",
            PanelKind::Heatmap => "heatmap",
            PanelKind::PieChart => "piechart",
            PanelKind::StateTimeline => "state-timeline",
            PanelKind::StatusHistory => "status-history",
            PanelKind::BarChart => "barchart",
            PanelKind::Logs => "logs",
            PanelKind::Unsupported(t) => t,
        }
    }

    /// Maps a Grafana panel type; `None` for types Watchdesk does not draw.
    pub fn from_type(t: &str) -> Option<PanelKind> {
        Some(match t {
            "timeseries" | "graph" => PanelKind::TimeSeries,
            "stat" | "singlestat" => PanelKind::Stat,
            "gauge" => PanelKind::Gauge,
            "bargauge" => PanelKind::BarGauge,
            "table" | "table-old" => PanelKind::Table,
            "alertlist" => PanelKind::AlertList,
            "text" => PanelKind::Text {
                content: String::new(),
            },
            "heatmap" => PanelKind::Heatmap,
            "piechart" => PanelKind::PieChart,
            "state-timeline" => PanelKind::StateTimeline,
            "status-history" => PanelKind::StatusHistory,
            "barchart" => PanelKind::BarChart,
            "logs" => PanelKind::Logs,
            _ => return None,
        })
    }
}

/// A data source reference (`{"type": "prometheus", "uid": "..."}`, or an old plain name).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatasourceRef {
    /// Plugin type (`prometheus`, `loki`, ...); `None` when only a name or a variable is given.
    pub kind: Option<String>,
    /// Uid, old-style name, or `${DS_PROMETHEUS}`.
    pub uid: Option<String>,
}

impl DatasourceRef {
    /// True unless the reference names a plugin type other than Prometheus. A missing type or a
    /// variable (`${DS}`) counts as Prometheus: Watchdesk talks to one Prometheus per site.
    pub fn is_prometheus(&self) -> bool {
        match &self.kind {
            None => true,
            Some(k) => {
                k == "prometheus" || k.ends_with("-prometheus-datasource") || k == "datasource"
            }
        }
    }

    /// The reference names Loki (its LogQL goes to the site's Loki).
    pub fn is_loki(&self) -> bool {
        self.kind.as_deref() == Some("loki")
    }
}

/// One query of a panel (a Grafana "target").
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub ref_id: String,
    /// PromQL, with template variables not yet interpolated.
    pub expr: String,
    /// `{{label}}` template, `""`/`__auto` for the series notation; see [`super::legend`].
    pub legend_format: String,
    /// Instant query (one value per series) instead of a range query.
    pub instant: bool,
    /// Disabled by the author: not fetched, not drawn.
    pub hide: bool,
    /// Minimum step for this query (`"1m"`, `"$__interval"`...), before interpolation.
    pub interval: Option<String>,
    /// The target's own data source, else the panel's.
    pub datasource: DatasourceRef,
    /// `format`: how Grafana turns the result into frames (time series, a table, heatmap rows).
    pub format: QueryFormat,
}

/// A target's `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryFormat {
    /// One frame per series (Grafana's default).
    #[default]
    TimeSeries,
    /// One frame per query: `Time`, a column per label, `Value` (`Value #A` with several queries).
    Table,
    /// Histogram buckets sorted by `le` and de-accumulated.
    Heatmap,
}

impl Query {
    /// Whether Watchdesk can run this query: PromQL against the site's Prometheus, or LogQL
    /// against its Loki.
    pub fn is_runnable(&self) -> bool {
        !self.hide
            && !self.expr.trim().is_empty()
            && (self.datasource.is_prometheus() || self.datasource.is_loki())
    }

    /// A LogQL query (the target's data source is Loki).
    pub fn is_loki(&self) -> bool {
        self.datasource.is_loki()
    }

    /// A LogQL log query (lines, not numbers: it starts with its stream selector), which only a
    /// logs panel shows.
    pub fn is_log_query(&self) -> bool {
        self.is_loki() && self.expr.trim_start().starts_with('{')
    }
}

/// Colour steps. A step applies from its value upwards; the first has no value (-inf).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Thresholds {
    /// Values are percentages of min..max instead of absolute values.
    pub percentage: bool,
    /// Sorted by value, the `None` (-inf) step first.
    pub steps: Vec<ThresholdStep>,
}

impl Thresholds {
    /// The colour for `v` (absolute mode; for percentage mode pass the percentage), or `None` without
    /// steps or for NaN.
    pub fn color_for(&self, v: f64) -> Option<&str> {
        if v.is_nan() {
            return None;
        }
        self.steps
            .iter()
            .rev()
            .find(|s| s.value.is_none_or(|t| v >= t))
            .map(|s| s.color.as_str())
    }
}

/// One threshold step.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdStep {
    /// Lower bound; `None` = minus infinity (the base colour).
    pub value: Option<f64>,
    /// Grafana colour: a name (`green`, `dark-red`) or `#rrggbb`/`rgba(...)`.
    pub color: String,
}

/// One panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Unique within the dashboard (duplicates are renumbered and reported).
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: PanelKind,
    pub grid: GridPos,
    /// Title of the row the panel belongs to.
    pub row: Option<String>,
    /// Index in [`Dashboard::rows`] of the row the panel belongs to.
    pub row_index: Option<usize>,
    /// Repeated once per value of a variable.
    pub repeat: Option<Repeat>,
    /// Repeat clones: the repeat variable's value for this copy, used in its queries and title.
    pub scoped: std::collections::BTreeMap<String, String>,
    /// Repeat clones: the id of the panel they copy.
    pub repeat_of: Option<i64>,
    pub datasource: DatasourceRef,
    pub targets: Vec<Query>,
    /// Minimum query interval (`"30s"`, `"$inter"`), before interpolation.
    pub interval: Option<String>,
    pub max_data_points: Option<u32>,
    /// Grafana unit id (`percent`, `bytes`, `reqps`, `s`...); `""` for none.
    pub unit: String,
    pub decimals: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Text shown when there is no data.
    pub no_value: Option<String>,
    pub thresholds: Thresholds,
    /// `fieldConfig.defaults.mappings`: value -> text/colour ("0" -> "DOWN", red).
    pub mappings: Vec<ValueMapping>,
    /// Reducer of stat/gauge panels (`lastNotNull`, `mean`, `max`...).
    pub reduce: String,
    /// `fieldConfig.defaults`, every option (the fields above are its most used ones, with
    /// Grafana's defaults applied).
    pub field: super::field::FieldConfig,
    /// `fieldConfig.overrides`, in order.
    pub overrides: Vec<super::field::Override>,
    /// `options`, with Grafana's defaults.
    pub options: super::options::PanelOptions,
    /// `transformations` Watchdesk applies, in order (the others are in `ignored`).
    pub transformations: Vec<super::transform::Transformation>,
    /// Options this panel sets that Watchdesk does not draw (paths such as
    /// `options.legend.calcs`): listed by `watchdesk check`, noted on the panel in the app.
    pub ignored: Vec<String>,
    /// The panel's whole JSON, so nothing is lost.
    pub raw: serde_json::Value,
}

/// A template variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    /// Display label; `""` means show the name.
    pub label: String,
    pub kind: VarKind,
    /// The definition: a PromQL helper for `query`, `a,b : c` for `custom`, `1m,5m` for `interval`,
    /// the value for `constant`/`textbox`, the plugin type for `datasource`.
    pub query: String,
    /// Current value(s) saved in the dashboard; may be `["$__all"]`.
    pub current: Vec<String>,
    /// Known option values (for `query` variables: as saved, refreshed by
    /// [`super::resolve_variables`]).
    pub options: Vec<String>,
    pub multi: bool,
    pub include_all: bool,
    /// Custom value for "All" (e.g. `.*`); `None` = all options as a regex alternation.
    pub all_value: Option<String>,
    /// Grafana regex (`/pattern/flags` or bare) applied to query results.
    pub regex: Option<String>,
    /// Sort of query results, Grafana's codes: 0 none, 1/2 alphabetical asc/desc, 3/4 numerical,
    /// 5/6 case-insensitive, 7/8 natural.
    pub sort: u8,
    pub hide: VarHide,
    /// A query variable of a Loki data source: its values are listed by the site's Loki.
    pub loki: bool,
}

/// Kind of template variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarKind {
    Custom,
    Constant,
    Interval,
    Query,
    Datasource,
    Textbox,
    Adhoc,
    Unknown(String),
}

impl VarKind {
    /// Grafana's type name.
    pub fn as_str(&self) -> &str {
        match self {
            VarKind::Custom => "custom",
            VarKind::Constant => "constant",
            VarKind::Interval => "interval",
            VarKind::Query => "query",
            VarKind::Datasource => "datasource",
            VarKind::Textbox => "textbox",
            VarKind::Adhoc => "adhoc",
            VarKind::Unknown(t) => t,
        }
    }

    /// Parses Grafana's type name.
    pub fn parse(t: &str) -> VarKind {
        match t {
            "custom" => VarKind::Custom,
            "constant" => VarKind::Constant,
            "interval" => VarKind::Interval,
            "query" => VarKind::Query,
            "datasource" => VarKind::Datasource,
            "textbox" => VarKind::Textbox,
            "adhoc" => VarKind::Adhoc,
            other => VarKind::Unknown(other.to_string()),
        }
    }
}

/// Where a variable shows in the variable bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VarHide {
    #[default]
    Visible,
    /// Shown without its label.
    Label,
    /// Not shown at all (still interpolated).
    Variable,
}

/// What a value mapping matches.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingMatch {
    /// The value, compared as a number when both are numbers, else as text.
    Value(String),
    /// `from <= v <= to`; a missing end is open.
    Range { from: Option<f64>, to: Option<f64> },
    /// No value (null) or NaN.
    NullOrNan,
}

/// One Grafana value mapping: shows `text` (and `color`) instead of the formatted value.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMapping {
    pub matches: MappingMatch,
    pub text: Option<String>,
    pub color: Option<String>,
}

impl ValueMapping {
    /// The first mapping that matches `v` (`None` = no value).
    pub fn find(mappings: &[ValueMapping], v: Option<f64>) -> Option<&ValueMapping> {
        mappings.iter().find(|m| match (&m.matches, v) {
            (MappingMatch::NullOrNan, None) => true,
            (MappingMatch::NullOrNan, Some(x)) => x.is_nan(),
            (MappingMatch::Value(s), Some(x)) => match s.trim().parse::<f64>() {
                Ok(n) => n == x,
                Err(_) => false,
            },
            (MappingMatch::Range { from, to }, Some(x)) => {
                !x.is_nan() && from.is_none_or(|f| x >= f) && to.is_none_or(|t| x <= t)
            }
            _ => false,
        })
    }
}

#[cfg(test)]
mod mapping_tests {
    use super::*;

    #[track_caller]
    fn check(json: &str, v: Option<f64>, expect: Option<&str>) {
        let dash = format!(
            r#"{{"panels":[{{"id":1,"type":"stat","gridPos":{{"x":0,"y":0,"w":6,"h":4}},
            "fieldConfig":{{"defaults":{{"mappings":{json}}}}}}}]}}"#
        );
        let (d, _) = crate::dashboard::parse(&dash).unwrap();
        let got = ValueMapping::find(&d.panels[0].mappings, v).and_then(|m| m.text.clone());
        assert_eq!(got.as_deref(), expect, "{json} with {v:?}");
    }

    #[test]
    fn value_range_special_and_legacy_mappings() {
        let modern = r#"[{"type":"value","options":{"0":{"text":"DOWN","color":"red"},"1":{"text":"UP","color":"green"}}},
            {"type":"range","options":{"from":2,"to":10,"result":{"text":"MANY"}}},
            {"type":"special","options":{"match":"null","result":{"text":"NO DATA"}}}]"#;
        check(modern, Some(0.0), Some("DOWN"));
        check(modern, Some(1.0), Some("UP"));
        check(modern, Some(5.0), Some("MANY"));
        check(modern, Some(11.0), None);
        check(modern, None, Some("NO DATA"));
        check(modern, Some(f64::NAN), Some("NO DATA"));
        check(
            r#"[{"type":1,"value":"0","text":"OFF"}]"#,
            Some(0.0),
            Some("OFF"),
        );
        check(
            r#"[{"type":2,"from":"0","to":"5","text":"LOW"}]"#,
            Some(3.0),
            Some("LOW"),
        );
        check(r#"[{"type":"regex"}]"#, Some(1.0), None);
        check(r#""garbage""#, Some(1.0), None);
    }
}
