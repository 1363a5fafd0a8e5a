//! Dashboards: which ones there are, their variables and the operator's choices, panels drawn from
//! the cache, hover values. Drawing never touches the network.

use std::sync::Arc;

use super::{Desk, DeskError, DeskEvent};
use crate::chart::ChartSpec;
use crate::dashboard::{Dashboard, Panel, PanelKind, VarHide};
use crate::time::{now_ms, parse_time, Millis};

/// A time range an operator asked for, parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Millis,
    pub to: Millis,
    /// When it was parsed ("now" of `now-6h`).
    pub now: Millis,
}

impl TimeRange {
    /// `from`/`to` as the UI and the command line write them: `now-6h`, `-15m`, `now`, RFC 3339, ms.
    pub fn parse(from: &str, to: &str) -> Result<TimeRange, DeskError> {
        let now = now_ms();
        let f = parse_time(from, now).ok_or_else(|| DeskError::BadTime {
            what: "from",
            input: from.chars().take(64).collect(),
        })?;
        let t = parse_time(to, now).ok_or_else(|| DeskError::BadTime {
            what: "to",
            input: to.chars().take(64).collect(),
        })?;
        if t <= f {
            return Err(DeskError::BadRange);
        }
        Ok(TimeRange {
            from: f,
            to: t,
            now,
        })
    }
}

/// One variable as the variable bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableView {
    pub name: String,
    /// Grafana's type: `query`, `custom`, `textbox`, `adhoc` (filters as `key op "value"`)…
    pub kind: String,
    pub label: String,
    pub options: Vec<String>,
    pub current: Vec<String>,
    pub multi: bool,
    pub include_all: bool,
}

/// A dashboard with its variables as the operator last chose them.
#[derive(Debug, Clone)]
pub struct DashboardView {
    pub key: String,
    /// Repeated panels and rows expanded, titles interpolated.
    pub dash: Arc<Dashboard>,
    /// The grid: row headers and the panels of expanded rows, compacted as Grafana does.
    pub layout: Vec<crate::dashboard::layout::Item>,
    pub variables: Vec<VariableView>,
    /// What the dashboard uses that Watchdesk does not (yet) draw.
    pub issues: Vec<String>,
}

/// The key a row's collapsed state is kept under: its (interpolated) title and which occurrence
/// of that title it is.
fn row_key(d: &Dashboard, index: usize) -> String {
    let title = d.rows.get(index).map(|r| r.title.as_str()).unwrap_or("");
    let nth = d.rows[..index.min(d.rows.len())]
        .iter()
        .filter(|r| r.title == title)
        .count();
    format!("{title}#{nth}")
}

/// A panel drawn for a UI: the SVG, the plot area (time series) and the stale banner, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelImage {
    pub svg: String,
    pub plot: Option<[i32; 4]>,
    pub from: Millis,
    pub to: Millis,
    pub stale: Option<String>,
}

impl Desk {
    /// Every dashboard: (key, title), in the configured order (the wall's copies are not listed).
    pub fn dashboards(&self) -> Vec<(String, String)> {
        self.dashboards
            .iter()
            .filter(|d| !d.wall_copy)
            .map(|d| (crate::plan::dashboard_key(&d.dash), d.dash.title.clone()))
            .collect()
    }

    /// The dashboard stored under `key` (its uid, else its title); the first one for "".
    pub fn dashboard(&self, key: &str) -> Result<&Arc<Dashboard>, DeskError> {
        self.dashboards
            .iter()
            .find(|d| crate::plan::dashboard_key(&d.dash) == key || d.dash.title == key)
            .or_else(|| self.dashboards.first().filter(|_| key.is_empty()))
            .map(|d| &d.dash)
            .ok_or_else(|| DeskError::NoSuchDashboard(key.to_string()))
    }

    /// Dashboard `key` with its repeats expanded and titles interpolated for the cached variable
    /// values (kept while the values stay the same: drawing a panel does not expand it again).
    pub fn expanded(&self, key: &str) -> Result<Arc<Dashboard>, DeskError> {
        let d = self.dashboard(key)?.clone();
        let site = self.pick_source(None)?;
        let vars = crate::plan::cached_vars(&self.cache, &site, &d);
        let dkey = crate::plan::dashboard_key(&d);
        let mut memo = self.expanded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((v, e)) = memo.get(&dkey) {
            if *v == vars {
                return Ok(e.clone());
            }
        }
        let e = Arc::new(crate::dashboard::layout::expand(&d, &vars));
        memo.insert(dkey, (vars, e.clone()));
        Ok(e)
    }

    /// Collapses or expands row `index` of dashboard `key` (kept in the cache).
    pub fn set_row_collapsed(
        &self,
        key: &str,
        index: usize,
        collapsed: bool,
    ) -> Result<(), DeskError> {
        let d = self.expanded(key)?;
        if index >= d.rows.len() {
            return Err(DeskError::NoSuchDashboard(format!("{key} row {index}")));
        }
        self.cache.set_row_state(
            &crate::plan::dashboard_key(&d),
            &row_key(&d, index),
            collapsed,
        )?;
        Ok(())
    }

    /// The grid of an expanded dashboard, with the operator's collapsed rows (`all_open`: every
    /// row expanded, for drawing every panel to files).
    pub fn layout_of(&self, d: &Dashboard, all_open: bool) -> Vec<crate::dashboard::layout::Item> {
        let states = self
            .cache
            .row_states(&crate::plan::dashboard_key(d))
            .unwrap_or_default();
        crate::dashboard::layout::layout(d, &|i| {
            if all_open {
                Some(false)
            } else {
                states.get(&row_key(d, i)).copied()
            }
        })
    }

    /// The loaded dashboards with where they came from and what they use that is not drawn.
    pub fn loaded_dashboards(&self) -> &[super::LoadedDashboard] {
        &self.dashboards
    }

    /// A dashboard with its variables: options and current values as the poller last resolved
    /// them, without network.
    pub fn dashboard_view(&self, key: &str) -> Result<DashboardView, DeskError> {
        let source = self.dashboard(key)?.clone();
        let d = self.expanded(key)?;
        let site = self.pick_source(None)?;
        let vars = crate::plan::cached_vars(&self.cache, &site, &source);
        let variables = d
            .variables
            .iter()
            .filter(|v| !matches!(v.hide, VarHide::Variable))
            .map(|v| {
                let val = vars.get(&v.name);
                VariableView {
                    name: v.name.clone(),
                    kind: v.kind.as_str().to_string(),
                    label: v.label.clone(),
                    options: val
                        .map(|x| x.options.clone())
                        .filter(|o| !o.is_empty())
                        .unwrap_or_else(|| v.options.clone()),
                    current: val.map(|x| x.selection()).unwrap_or_default(),
                    multi: v.multi,
                    include_all: v.include_all,
                }
            })
            .collect();
        let issues = self
            .dashboards
            .iter()
            .find(|l| Arc::ptr_eq(&l.dash, &source))
            .map(|l| l.issues.iter().map(|i| i.to_string()).collect())
            .unwrap_or_default();
        Ok(DashboardView {
            key: crate::plan::dashboard_key(&d),
            layout: self.layout_of(&d, false),
            dash: d,
            variables,
            issues,
        })
    }

    /// Stores the operator's choice for a variable and fetches the panels' new queries at once, so
    /// that the panels follow the choice.
    pub async fn set_variable(
        &self,
        key: &str,
        name: &str,
        values: Vec<String>,
    ) -> Result<(), DeskError> {
        let d = self.dashboard(key)?.clone();
        let site = self.pick_source(None)?;
        let mut sel = crate::plan::load_selection(&self.cache, &site, &d);
        sel.insert(name.to_string(), values);
        crate::plan::store_selection(&self.cache, &site, &d, &sel)?;
        if let Ok(s) = self.site(&site) {
            self.poller.poll_metrics(&s, now_ms()).await;
        }
        self.emit(DeskEvent::Data { site });
        Ok(())
    }

    /// Everything panel `panel` of `d` needs to be drawn at `width`×`height` on `site`, from the
    /// cache alone.
    pub fn panel_spec(
        &self,
        site: &str,
        d: &Dashboard,
        panel: &Panel,
        range: TimeRange,
        width: u32,
        height: u32,
    ) -> ChartSpec {
        let plan = crate::plan::plan_for(&self.cache, site, d, &self.settings);
        let mut spec = crate::view::panel_spec(
            &self.cache,
            site,
            d,
            panel,
            &plan,
            range.from,
            range.to,
            width,
            height,
            range.now,
        );
        if matches!(panel.kind, PanelKind::AlertList) {
            spec.alerts = self.alert_rows(site);
        }
        spec
    }

    /// Panel `panel_id` of dashboard `key` drawn for the app (the title is the UI's own).
    pub fn render_panel(
        &self,
        key: &str,
        panel_id: i64,
        range: TimeRange,
        width: u32,
        height: u32,
    ) -> Result<PanelImage, DeskError> {
        let d = self.dashboard(key)?;
        let site = self.pick_source(None)?;
        let panel = d
            .panel(panel_id)
            .ok_or_else(|| crate::view::ViewError::NoPanel {
                dashboard: d.title.clone(),
                panel_id,
            })?;
        let mut spec = self.panel_spec(
            &site,
            d,
            panel,
            range,
            width.clamp(16, 8192),
            height.clamp(16, 8192),
        );
        spec.title.clear();
        let (svg, plot) = crate::chart::render_svg_with_plot(&spec);
        Ok(PanelImage {
            svg,
            plot,
            from: range.from,
            to: range.to,
            stale: spec.stale,
        })
    }

    /// The value of each series of a panel nearest to `at`: (sample time, [(name, value, colour)]).
    pub fn panel_values(
        &self,
        key: &str,
        panel_id: i64,
        range: TimeRange,
        at: Millis,
    ) -> Result<(Millis, Vec<crate::view::HoverValue>), DeskError> {
        let d = self.expanded(key)?;
        let site = self.pick_source(None)?;
        Ok(crate::view::panel_values(
            &self.cache,
            &site,
            &d,
            panel_id,
            range.from,
            range.to,
            at,
            &self.settings,
        )?)
    }

    /// "offline — showing data up to 14:02" when the site's Prometheus is not answering.
    pub fn stale_banner(&self, site: &str) -> Option<String> {
        crate::view::stale_banner(&self.cache, site)
    }
}

/// What a panel is exported as (Grafana's panel menu: save the image, download the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Svg,
    Png,
    /// The panel's series over the range, raw samples, one column per series.
    Csv,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "svg" => Some(ExportFormat::Svg),
            "png" => Some(ExportFormat::Png),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }
    fn ext(self) -> &'static str {
        match self {
            ExportFormat::Svg => "svg",
            ExportFormat::Png => "png",
            ExportFormat::Csv => "csv",
        }
    }
}

/// The panel's series as CSV: `time` then one column per series (quoted, formula-safe), a row per
/// timestamp any series has.
pub fn series_csv(series: &[crate::chart::ChartSeries]) -> String {
    use crate::history::csv_field;
    let mut times: Vec<Millis> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    times.sort_unstable();
    times.dedup();
    let mut out = String::from("\"time\"");
    for s in series {
        out.push(',');
        out.push_str(&csv_field(&s.name));
    }
    out.push('\n');
    let maps: Vec<std::collections::HashMap<Millis, f64>> = series
        .iter()
        .map(|s| s.points.iter().copied().collect())
        .collect();
    for t in times {
        out.push_str(&csv_field(&crate::time::to_rfc3339(t)));
        for m in &maps {
            out.push(',');
            if let Some(v) = m.get(&t) {
                out.push_str(&v.to_string());
            }
        }
        out.push('\n');
    }
    out
}

impl Desk {
    /// Writes panel `panel_id` of dashboard `key` over `range` into `dir` as SVG, PNG (at
    /// `width`×`height`) or CSV, under a new file name; returns where.
    #[allow(clippy::too_many_arguments)]
    pub fn export_panel(
        &self,
        key: &str,
        panel_id: i64,
        range: TimeRange,
        width: u32,
        height: u32,
        format: ExportFormat,
        dir: &std::path::Path,
    ) -> Result<std::path::PathBuf, DeskError> {
        let d = self.expanded(key)?;
        let site = self.pick_source(None)?;
        let panel = d
            .panel(panel_id)
            .ok_or_else(|| crate::view::ViewError::NoPanel {
                dashboard: d.title.clone(),
                panel_id,
            })?;
        let (w, h) = (width.clamp(120, 8192), height.clamp(90, 8192));
        let bytes = match format {
            ExportFormat::Csv => {
                let plan = crate::plan::plan_for(&self.cache, &site, &d, &self.settings);
                let series = crate::view::panel_series(
                    &self.cache,
                    &site,
                    panel,
                    &plan,
                    range.from,
                    range.to,
                    None,
                );
                series_csv(&series).into_bytes()
            }
            ExportFormat::Svg => {
                crate::chart::render_svg(&self.panel_spec(&site, &d, panel, range, w, h))
                    .into_bytes()
            }
            ExportFormat::Png => crate::chart::render_png(
                &self.panel_spec(&site, &d, panel, range, w, h),
            )
            .map_err(|e| DeskError::Io {
                what: "cannot draw the panel as PNG".into(),
                reason: e.to_string(),
            })?,
        };
        let slug: String = panel
            .title
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let slug = if slug.is_empty() {
            "panel".to_string()
        } else {
            slug.chars().take(48).collect()
        };
        let base = format!("{slug}-{}", super::file_stamp(crate::time::now_ms()));
        super::write_new(dir, &base, format.ext(), &bytes)
    }
}
