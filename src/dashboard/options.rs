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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatOptions {
    pub color_mode: StatColorMode,
    pub graph_mode: GraphMode,
    pub text_mode: TextMode,
    /// `justifyMode: center` (else auto).
    pub center: bool,
    pub orientation: Orientation,
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

/// Bar gauge options.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGaugeOptions {
    pub display: BarDisplay,
    pub show_unfilled: bool,
    pub orientation: Orientation,
}

impl Default for BarGaugeOptions {
    fn default() -> Self {
        BarGaugeOptions {
            display: BarDisplay::default(),
            show_unfilled: true,
            orientation: Orientation::Auto,
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
}
