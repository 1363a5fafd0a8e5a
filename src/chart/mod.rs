//! Chart drawing with plotters: every dashboard panel, from cached data only, to SVG or PNG.
//!
//! Dark control-room theme, colour-blind-safe state colours that always come
//! with a state word, M4 downsampling before drawing, lines broken at gaps.
//! All text from servers is escaped (plotters' SVG backend escapes `<>&"'`,
//! and control characters are replaced before they reach it).

pub mod color;
mod draw;
mod m4;
mod panels;
mod reduce;
pub mod theme;
mod timeseries;
mod units;

pub use color::{classic, grafana_color, series_colors, Rgba};
pub use m4::{m4, segments};
pub use panels::logs::rows_that_fit as log_rows_that_fit;
pub use panels::{format_age, severity_state, sort_alerts};
pub use reduce::{calc_name, reduce};
pub use theme::{parse_color, ParsedColor, Rgb, State, FONT};
pub use units::format_value;

use crate::time::Millis;
use draw::{Align, Canvas, DResult, Rect};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Largest width or height drawn, in pixels (bigger requests are clamped).
pub const MAX_SIZE: u32 = 8192;

/// Everything needed to draw one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub title: String,
    /// Pixels.
    pub width: u32,
    pub height: u32,
    pub from: Millis,
    pub to: Millis,
    /// Grafana unit id (`""` = none).
    pub unit: String,
    pub decimals: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub thresholds: Vec<Threshold>,
    /// Threshold values are percentages of `min..max` (default 0..100).
    pub thresholds_percentage: bool,
    /// Value mappings ("1" -> "UP"): text and colour instead of the formatted value.
    pub mappings: Vec<crate::dashboard::ValueMapping>,
    /// Grafana calc used by stat, gauge, bar gauge and table (see [`reduce`]).
    pub reduce: String,
    pub series: Vec<ChartSeries>,
    /// Rows of an alert list panel.
    pub alerts: Vec<AlertRow>,
    /// Lines of a logs panel (any order: the panel sorts them).
    pub logs: Vec<LogRow>,
    /// Data is not current, e.g. "offline — showing data up to 14:02": drawn as a banner.
    pub stale: Option<String>,
    /// Text when there is no data (default "No data").
    pub no_value: Option<String>,
    /// Current time, for "since 5 min".
    pub now: Millis,
    /// The panel's options (legend, stat, gauge, bar gauge…), with Grafana's defaults.
    pub options: crate::dashboard::options::PanelOptions,
    /// The panel's field defaults (each series has its resolved config in [`ChartSeries::config`]).
    pub field: crate::dashboard::field::FieldConfig,
    /// The panel's overrides, for fields made after the series (table columns).
    pub overrides: Vec<crate::dashboard::field::Override>,
    /// The panel's queries (refId, `format`, `instant`): how results become table frames.
    pub queries: Vec<crate::dashboard::Query>,
    /// The transformations a table applies to its frames.
    pub transformations: Vec<crate::dashboard::transform::Transformation>,
}

impl Default for ChartSpec {
    fn default() -> Self {
        ChartSpec {
            kind: ChartKind::TimeSeries,
            title: String::new(),
            width: 800,
            height: 400,
            from: 0,
            to: 3_600_000,
            unit: String::new(),
            decimals: None,
            min: None,
            max: None,
            thresholds: Vec::new(),
            thresholds_percentage: false,
            mappings: Vec::new(),
            reduce: "lastNotNull".into(),
            series: Vec::new(),
            alerts: Vec::new(),
            logs: Vec::new(),
            stale: None,
            no_value: None,
            now: 0,
            options: Default::default(),
            field: Default::default(),
            overrides: Vec::new(),
            queries: Vec::new(),
            transformations: Vec::new(),
        }
    }
}

/// Panel type.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    TimeSeries,
    Stat,
    Gauge,
    BarGauge,
    Table,
    AlertList,
    /// A text panel with its content (drawn as plain text).
    Text(String),
    Heatmap,
    PieChart,
    StateTimeline,
    StatusHistory,
    BarChart,
    /// Log lines ([`ChartSpec::logs`]).
    Logs,
    /// A Grafana panel type Watchdesk does not draw: shown as a "not supported" box.
    Unsupported(String),
}

/// One threshold step: from `value` (None = base, minus infinity) upwards, `color` applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub value: Option<f64>,
    /// Grafana colour: a name (`green`, `dark-red`...), `#rrggbb`, `rgb(...)`.
    pub color: String,
}

/// One series: legend name, query step (0 = unknown) and points sorted by time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartSeries {
    pub name: String,
    pub step_ms: i64,
    pub points: Vec<(Millis, f64)>,
    /// The query (target) it came from.
    pub ref_id: String,
    pub labels: crate::source::Labels,
    /// Its field config: the panel's defaults with every matching override applied.
    pub config: crate::dashboard::field::FieldConfig,
}

/// One line of a logs panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogRow {
    pub at: Millis,
    /// `error`, `warn`, `info`, `debug` or `unknown`.
    pub level: &'static str,
    /// `k=v` of the stream labels not every shown line shares.
    pub labels: String,
    /// Raw server text (the drawing escapes it).
    pub line: String,
}

/// One row of an alert list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertRow {
    pub severity: crate::severity::Severity,
    pub name: String,
    pub summary: String,
    /// Alertmanager state: `active`, `suppressed` (silenced/acknowledged), `unprocessed`, `resolved`.
    pub state: String,
    pub since: Millis,
    /// Short label text such as the instance (`go-api`).
    pub labels: String,
}

/// Why a PNG could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("no usable TrueType font found for PNG charts (tried {tried}): install fonts-dejavu-core (Debian/Ubuntu: apt install fonts-dejavu-core) or set WATCHDESK_FONT to a .ttf file")]
    NoFont { tried: String },
    #[error("drawing the chart failed: {0}; this is a bug in Watchdesk, please report it with the dashboard JSON")]
    Draw(String),
    #[error("writing the PNG through the temporary directory {dir} failed: {reason}; check that it exists, is writable and has free space (or set TMPDIR)")]
    Encode { dir: PathBuf, reason: String },
}

/// The threshold step that applies to `value`, in percentage mode relative to
/// `spec.min..spec.max` (default 0..100). `None` for NaN or no thresholds.
pub fn threshold_step(value: f64, spec: &ChartSpec) -> Option<&Threshold> {
    if value.is_nan() {
        return None;
    }
    let v = if spec.thresholds_percentage {
        let lo = spec.min.filter(|m| m.is_finite()).unwrap_or(0.0);
        let hi = spec.max.filter(|m| m.is_finite()).unwrap_or(100.0);
        if hi > lo {
            (value - lo) / (hi - lo) * 100.0
        } else {
            0.0
        }
    } else {
        value
    };
    let mut best: Option<(&Threshold, f64)> = None;
    for t in &spec.thresholds {
        let start = match t.value {
            None => f64::NEG_INFINITY,
            Some(x) if x.is_nan() => continue,
            Some(x) => x,
        };
        if v >= start && best.is_none_or(|(_, b)| start >= b) {
            best = Some((t, start));
        }
    }
    best.map(|(t, _)| t)
}

/// The colour for `value`: its threshold step's colour, grey for NaN (no data),
/// sky blue when no threshold applies. Always `#rrggbb`.
pub fn threshold_color(value: f64, spec: &ChartSpec) -> String {
    value_color(value, spec).hex()
}

fn value_color(value: f64, spec: &ChartSpec) -> Rgb {
    if value.is_nan() {
        return theme::NO_DATA;
    }
    match threshold_step(value, spec) {
        Some(t) => parse_color(&t.color)
            .filter(|p| !p.transparent)
            .map(|p| p.rgb)
            .unwrap_or(theme::TEXT),
        None => theme::INFO,
    }
}

/// The state a Grafana colour stands for (green = OK, yellow/orange = WARN, red = CRIT).
pub fn state_of_color(color: &str) -> Option<State> {
    parse_color(color).and_then(|p| p.state)
}

/// The state of `value`: NO DATA for NaN, else the state of its threshold colour
/// (`None` when thresholds use colours without a state meaning, e.g. blue).
pub fn threshold_state(value: f64, spec: &ChartSpec) -> Option<State> {
    if value.is_nan() {
        return Some(State::NoData);
    }
    threshold_step(value, spec).and_then(|t| state_of_color(&t.color))
}

/// Like [`render_svg`], plus the plot area `[left, top, right, bottom]` in pixels of a time series
/// panel, so that a UI can map the pointer to a time.
pub fn render_svg_with_plot(spec: &ChartSpec) -> (String, Option<[i32; 4]>) {
    let (w, h) = clamp_size(spec);
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut buf = String::new();
        let res = {
            let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
            let r = draw_panel(&root, spec, w, h);
            let p = root.present().map_err(|e| e.to_string());
            r.and_then(|plot| p.map(|()| plot))
        };
        res.map(|plot| (buf, plot))
    }));
    match drawn {
        Ok(Ok((svg, plot))) => (svg, plot),
        Ok(Err(e)) => (fallback_svg(w, h, &format!("chart error: {e}")), None),
        Err(_) => (
            fallback_svg(w, h, "chart error: internal error while drawing"),
            None,
        ),
    }
}

/// Draws the panel as an SVG document. Never fails: problems become a drawn message.
pub fn render_svg(spec: &ChartSpec) -> String {
    render_svg_with_plot(spec).0
}

/// Draws the panel as PNG bytes. Needs a TrueType font on the system (see [`ChartError::NoFont`]).
pub fn render_png(spec: &ChartSpec) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let (w, h) = clamp_size(spec);
    let dir = PrivateTempDir::create()?;
    let path = dir.path.join("chart.png");
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || -> Result<(), ChartError> {
            let root = BitMapBackend::new(&path, (w, h)).into_drawing_area();
            draw_panel(&root, spec, w, h).map_err(ChartError::Draw)?;
            root.present().map_err(|e| ChartError::Encode {
                dir: dir.path.clone(),
                reason: e.to_string(),
            })
        },
    ));
    match drawn {
        Ok(r) => r?,
        Err(_) => return Err(ChartError::Draw("internal error while drawing".into())),
    }
    std::fs::read(&path).map_err(|e| ChartError::Encode {
        dir: dir.path.clone(),
        reason: e.to_string(),
    })
}

/// A directory only this process can use, removed on drop.
struct PrivateTempDir {
    path: PathBuf,
}

impl PrivateTempDir {
    fn create() -> Result<Self, ChartError> {
        let base = std::env::temp_dir();
        let mut last = String::new();
        for _ in 0..8 {
            let name = format!(
                "watchdesk-chart-{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            );
            let path = base.join(name);
            // Only Unix sets a mode on it.
            #[cfg_attr(not(unix), allow(unused_mut))]
            let mut b = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            match b.create(&path) {
                Ok(()) => return Ok(PrivateTempDir { path }),
                Err(e) => last = e.to_string(),
            }
        }
        Err(ChartError::Encode {
            dir: base,
            reason: last,
        })
    }
}

impl Drop for PrivateTempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Font files tried for PNG text, in order (after `$WATCHDESK_FONT`).
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "C:\\Windows\\Fonts\\DejaVuSans.ttf",
    "C:\\Windows\\Fonts\\verdana.ttf",
    "C:\\Windows\\Fonts\\segoeui.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
    "/System/Library/Fonts/Supplemental/Verdana.ttf",
    "/Library/Fonts/Arial.ttf",
];

/// Registers a system TTF under [`FONT`] once per process (plotters keeps `'static` font data).
fn ensure_font() -> Result<(), ChartError> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    let r = RESULT.get_or_init(|| {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(p) = std::env::var_os("WATCHDESK_FONT") {
            candidates.push(PathBuf::from(p));
        }
        candidates.extend(FONT_PATHS.iter().map(PathBuf::from));
        for path in &candidates {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_err() {
                continue;
            }
            // Bold: the matching bold file when present, else plotters falls back to normal.
            let bold = path
                .to_string_lossy()
                .replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf");
            if bold != path.to_string_lossy() {
                if let Ok(b) = std::fs::read(&bold) {
                    let b: &'static [u8] = Box::leak(b.into_boxed_slice());
                    let _ = plotters::style::register_font(FONT, FontStyle::Bold, b);
                }
            }
            return Ok(());
        }
        Err(candidates
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "))
    });
    r.clone().map_err(|tried| ChartError::NoFont { tried })
}

fn clamp_size(spec: &ChartSpec) -> (u32, u32) {
    (
        spec.width.clamp(1, MAX_SIZE),
        spec.height.clamp(1, MAX_SIZE),
    )
}

/// A minimal hand-written SVG with an escaped message, for when drawing failed.
fn fallback_svg(w: u32, h: u32, msg: &str) -> String {
    let esc: String = draw::clean(msg)
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"{}\"/>\n<text x=\"8\" y=\"20\" font-family=\"{FONT}\" font-size=\"13\" fill=\"{}\">{esc}</text>\n</svg>\n",
        theme::PANEL.hex(),
        theme::TEXT.hex()
    )
}

/// Title, stale banner and the panel body; the plot area of a time series.
fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    w: u32,
    h: u32,
) -> Result<Option<[i32; 4]>, String> {
    let (w, h) = (w as i32, h as i32);
    let cv = Canvas {
        area: root,
        dim: spec.stale.is_some(),
    };
    let full = Rect::new(0, 0, w, h);
    cv.fill(full, theme::PANEL)?;
    if w < 24 || h < 16 {
        return Ok(None);
    }
    let mut y = 0;
    if let Some(stale) = &spec.stale {
        let bh = 22.min(h / 3).max(12);
        cv.fill(Rect::new(0, 0, w, bh), theme::ORANGE)?;
        let msg = if stale.trim().is_empty() {
            "stale data"
        } else {
            stale.as_str()
        };
        let px = (bh as f64 * 0.6).min(13.0);
        cv.text_fit(
            &format!("⚠ STALE — {msg}"),
            8,
            bh / 2,
            px,
            Rgb(0, 0, 0),
            Align::Left,
            true,
            w - 16,
        )?;
        y += bh;
    }
    let title = spec.title.trim();
    if !title.is_empty() && h - y >= 40 {
        let th = 26;
        cv.text_fit(
            title,
            8,
            y + th / 2 + 2,
            15.0,
            theme::TEXT,
            Align::Left,
            true,
            w - 16,
        )?;
        y += th;
    }
    // Small panels (a stat two grid units high has a body of about 26 px in the app) keep their
    // room for the value: margins shrink with the height.
    let (mx, mt, mb) = if h - y < 48 { (4, 1, 1) } else { (8, 4, 6) };
    let body = Rect::new(mx, y + mt, w - 2 * mx, h - y - mt - mb);
    if body.w < 8 || body.h < 8 {
        return Ok(None);
    }
    match &spec.kind {
        ChartKind::TimeSeries => timeseries::draw(&cv, spec, body),
        ChartKind::Stat => panels::stat(&cv, spec, body).map(|()| None),
        ChartKind::Gauge => panels::gauge(&cv, spec, body).map(|()| None),
        ChartKind::BarGauge => panels::bar_gauge(&cv, spec, body).map(|()| None),
        ChartKind::Table => panels::table(&cv, spec, body).map(|()| None),
        ChartKind::AlertList => panels::alert_list(&cv, spec, body).map(|()| None),
        ChartKind::Text(t) => panels::text(&cv, t, body).map(|()| None),
        ChartKind::Heatmap => panels::heatmap(&cv, spec, body).map(|()| None),
        ChartKind::PieChart => panels::pie_chart(&cv, spec, body).map(|()| None),
        ChartKind::StateTimeline | ChartKind::StatusHistory => {
            panels::timeline(&cv, spec, body).map(|()| None)
        }
        ChartKind::BarChart => panels::bar_chart(&cv, spec, body).map(|()| None),
        ChartKind::Logs => panels::logs(&cv, spec, body).map(|()| None),
        ChartKind::Unsupported(t) => panels::unsupported(&cv, t, body).map(|()| None),
    }
}

/// The panel's "no data" text.
pub(crate) fn no_value_text(spec: &ChartSpec) -> String {
    spec.no_value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("No data")
        .to_string()
}

/// Big grey "No data" in `r`, never green.
pub(crate) fn draw_no_data<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    r: Rect,
) -> DResult {
    let msg = no_value_text(spec);
    let px = draw::size_to_fit(&msg, r.w as f64 * 0.8, (r.h as f64 * 0.3).clamp(8.0, 28.0));
    cv.text_fit(
        &msg,
        r.cx(),
        r.cy(),
        px,
        theme::NO_DATA,
        Align::Center,
        true,
        r.w,
    )
}

#[cfg(test)]
mod tests;
