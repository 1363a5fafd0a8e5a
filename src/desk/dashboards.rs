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
    pub dash: Arc<Dashboard>,
    pub variables: Vec<VariableView>,
    /// What the dashboard uses that Watchdesk does not (yet) draw.
    pub issues: Vec<String>,
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
    /// Every dashboard: (key, title), in the configured order.
    pub fn dashboards(&self) -> Vec<(String, String)> {
        self.dashboards
            .iter()
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

    /// The loaded dashboards with where they came from and what they use that is not drawn.
    pub fn loaded_dashboards(&self) -> &[super::LoadedDashboard] {
        &self.dashboards
    }

    /// A dashboard with its variables: options and current values as the poller last resolved
    /// them, without network.
    pub fn dashboard_view(&self, key: &str) -> Result<DashboardView, DeskError> {
        let d = self.dashboard(key)?.clone();
        let site = self.pick_source(None)?;
        let sel = crate::plan::load_selection(&self.cache, &site, &d);
        let vars = crate::plan::offline_vars(&d, &sel);
        let variables = d
            .variables
            .iter()
            .filter(|v| !matches!(v.hide, VarHide::Variable))
            .map(|v| {
                let val = vars.get(&v.name);
                VariableView {
                    name: v.name.clone(),
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
            .find(|l| Arc::ptr_eq(&l.dash, &d))
            .map(|l| l.issues.iter().map(|i| i.to_string()).collect())
            .unwrap_or_default();
        Ok(DashboardView {
            key: crate::plan::dashboard_key(&d),
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
        let d = self.dashboard(key)?;
        let site = self.pick_source(None)?;
        Ok(crate::view::panel_values(
            &self.cache,
            &site,
            d,
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
