//! A panel's `options` as Grafana's visualisations read them, with Grafana's defaults: the legend
//! and tooltip of time series, the reduce options of stat/gauge/bar gauge/pie, and each kind's own.

/// `options.legend`.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendOptions {
    pub show: bool,
    pub table: bool,
    /// Placed right of the plot (else below it).
    pub right: bool,
    /// Reducer ids shown per series (`min`, `max`, `mean`, `lastNotNull`…).
    pub calcs: Vec<String>,
    /// A column title ("Max", "Last *", "Name") to sort by.
    pub sort_by: Option<String>,
    pub sort_desc: bool,
    /// Width in px when placed right.
    pub width: Option<f64>,
}

impl Default for LegendOptions {
    fn default() -> Self {
        LegendOptions {
            show: true,
            table: false,
            right: false,
            calcs: Vec::new(),
            sort_by: None,
            sort_desc: false,
            width: None,
        }
    }
}

/// `options.reduceOptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceOptions {
    /// Reducer ids; Grafana's default is `lastNotNull`.
    pub calcs: Vec<String>,
    /// One value per row (every point) instead of one per series.
    pub values: bool,
    /// `""` numeric fields, `/.*/` all, else a regex on display names.
    pub fields: String,
    pub limit: Option<u32>,
}

impl Default for ReduceOptions {
    fn default() -> Self {
        ReduceOptions {
            calcs: vec!["lastNotNull".into()],
            values: false,
            fields: String::new(),
            limit: None,
        }
    }
}

/// `options.colorMode` of stat panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatColorMode {
    /// The value's text in the value colour (Grafana's default).
    #[default]
    Value,
    Background,
    BackgroundSolid,
    /// No colour at all: the value in the text colour, and no state word.
    None,
}

/// `options.graphMode` of stat panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphMode {
    /// A sparkline (Grafana's default).
    #[default]
    Area,
    None,
}

/// `options.textMode` of stat panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextMode {
    /// The name only when several values are shown.
    #[default]
    Auto,
    Value,
    ValueAndName,
    Name,
    None,
}

/// `options.orientation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Auto,
    Horizontal,
    Vertical,
}

/// Stat panel options.
#[derive(Debug, Clone, PartialEq)]
pub struct StatOptions {
    pub color_mode: StatColorMode,
    pub graph_mode: GraphMode,
    pub text_mode: TextMode,
    /// `justifyMode: center` (else auto).
    pub center: bool,
    pub orientation: Orientation,
    /// `wideLayout`: name left and value right in wide tiles (Grafana's default).
    pub wide_layout: bool,
}

impl Default for StatOptions {
    fn default() -> Self {
        StatOptions {
            color_mode: StatColorMode::default(),
            graph_mode: GraphMode::default(),
            text_mode: TextMode::default(),
            center: false,
            orientation: Orientation::default(),
            wide_layout: true,
        }
    }
}

/// Gauge options.
#[derive(Debug, Clone, PartialEq)]
pub struct GaugeOptions {
    pub show_threshold_markers: bool,
    pub show_threshold_labels: bool,
}

impl Default for GaugeOptions {
    fn default() -> Self {
        GaugeOptions {
            show_threshold_markers: true,
            show_threshold_labels: false,
        }
    }
}

/// `options.displayMode` of bar gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BarDisplay {
    #[default]
    Gradient,
    Basic,
    Lcd,
}

/// `options.valueMode` of bar gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BarValueMode {
    /// The value in its colour (Grafana's default).
    #[default]
    Color,
    /// The value in the text colour.
    Text,
    Hidden,
}

/// `options.namePlacement` of bar gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NamePlacement {
    #[default]
    Auto,
    Top,
    Left,
    Hidden,
}

/// Bar gauge options.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGaugeOptions {
    pub display: BarDisplay,
    pub show_unfilled: bool,
    pub orientation: Orientation,
    pub value_mode: BarValueMode,
    pub name_placement: NamePlacement,
}

impl Default for BarGaugeOptions {
    fn default() -> Self {
        BarGaugeOptions {
            display: BarDisplay::default(),
            show_unfilled: true,
            orientation: Orientation::Auto,
            value_mode: BarValueMode::default(),
            name_placement: NamePlacement::default(),
        }
    }
}

/// Table options.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOptions {
    pub show_header: bool,
    /// Row height in px from `cellHeight` (`sm`, `md`, `lg`).
    pub row_height: i32,
    /// `sortBy`: (column display name, descending), the first one wins.
    pub sort_by: Vec<(String, bool)>,
    /// `frameIndex`: which frame a table of several shows (Grafana shows one at a time).
    pub frame_index: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            show_header: true,
            row_height: 28,
            sort_by: Vec::new(),
            frame_index: 0,
        }
    }
}

/// Pie chart options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PieOptions {
    pub donut: bool,
    /// `displayLabels`: `name`, `value`, `percent` drawn on the slices.
    pub labels: Vec<String>,
    /// `legend.values`: `value`, `percent` in the legend.
    pub legend_values: Vec<String>,
}

/// `showValue` of state timelines, status histories and bar charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowValue {
    /// When it fits.
    #[default]
    Auto,
    Always,
    Never,
}

/// State timeline and status history options.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineOptions {
    /// Consecutive equal values as one band (state timeline).
    pub merge_values: bool,
    pub show_value: ShowValue,
    /// Share of a row the band fills (0..1).
    pub row_height: f64,
    /// Share of a sample's width a cell fills (status history).
    pub col_width: f64,
    /// `alignValue`: `left`, `center`, `right`.
    pub align_value: String,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            merge_values: true,
            show_value: ShowValue::Auto,
            row_height: 0.9,
            col_width: 0.9,
            align_value: "left".into(),
        }
    }
}

/// Heatmap options (`calculate: false`: the rows are buckets).
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapOptions {
    /// `color.mode: opacity` (else `scheme`).
    pub opacity: bool,
    /// d3 scheme name (`Oranges`, `Spectral`…).
    pub scheme: String,
    /// Colour of the opacity mode.
    pub fill: String,
    /// `color.scale: linear` (else exponential, with `exponent`).
    pub linear: bool,
    pub exponent: f64,
    pub steps: u32,
    pub reverse: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Cells at or below this are not drawn (`filterValues.le`).
    pub hide_le: Option<f64>,
    pub cell_gap: u32,
    pub y_unit: Option<String>,
    pub y_decimals: Option<u32>,
    pub y_reverse: bool,
    pub show_legend: bool,
}

impl Default for HeatmapOptions {
    fn default() -> Self {
        HeatmapOptions {
            opacity: false,
            scheme: "Oranges".into(),
            fill: "dark-orange".into(),
            linear: false,
            exponent: 0.5,
            steps: 64,
            reverse: false,
            min: None,
            max: None,
            hide_le: Some(1e-9),
            cell_gap: 1,
            y_unit: None,
            y_decimals: None,
            y_reverse: false,
            show_legend: true,
        }
    }
}

/// Bar chart options.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChartOptions {
    pub show_value: ShowValue,
    pub orientation: Orientation,
    /// Share of a slot a bar fills.
    pub bar_width: f64,
}

impl Default for BarChartOptions {
    fn default() -> Self {
        BarChartOptions {
            show_value: ShowValue::Auto,
            orientation: Orientation::Auto,
            bar_width: 0.97,
        }
    }
}

/// Logs panel options (Grafana's defaults: no time, no labels, newest first).
#[derive(Debug, Clone, PartialEq)]
pub struct LogsOptions {
    pub show_time: bool,
    /// The labels of each line's stream that not every line shares.
    pub show_labels: bool,
    /// `sortOrder: "Descending"` (newest first, the default) or `"Ascending"`.
    pub newest_first: bool,
    pub wrap: bool,
}

impl Default for LogsOptions {
    fn default() -> Self {
        LogsOptions {
            show_time: false,
            show_labels: false,
            newest_first: true,
            wrap: false,
        }
    }
}

/// Everything of `options` Watchdesk reads. The whole object stays in `Panel::raw`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelOptions {
    pub legend: LegendOptions,
    pub reduce: ReduceOptions,
    pub stat: StatOptions,
    pub gauge: GaugeOptions,
    pub bar_gauge: BarGaugeOptions,
    pub table: TableOptions,
    pub pie: PieOptions,
    pub timeline: TimelineOptions,
    pub heatmap: HeatmapOptions,
    pub bar_chart: BarChartOptions,
    pub logs: LogsOptions,
}
