//! Read side: turns cached history into what a panel draws, from the cache alone (no network).
//! Used by `watchdesk render` and by the desktop app.

use crate::cache::health::PROMETHEUS;
use crate::cache::{Cache, CachedAlert, SourceHealth};
use crate::chart::{ChartKind, ChartSeries, ChartSpec, Threshold};
use crate::config::Settings;
use crate::dashboard::field::{self, FieldRef};
use crate::dashboard::{Dashboard, Panel, PanelKind};
use crate::plan::PlannedQuery;
use crate::time::{local_hhmm, Millis};

/// What the read side cannot do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    #[error("dashboard {dashboard:?} has no panel {panel_id} (it may have changed since the view was opened: reload it)")]
    NoPanel { dashboard: String, panel_id: i64 },
}

/// Pixel size of a panel on a dashboard `width` pixels wide (Grafana: 24 columns, 30 px per row unit).
pub fn panel_size(p: &Panel, dashboard_width: u32) -> (u32, u32) {
    let w = (dashboard_width as f64 * p.grid.w as f64 / 24.0).round() as u32;
    let h = p.grid.h.max(1) * 30;
    (w.max(120), h.max(90))
}

/// The health of a site's Prometheus as the cache last recorded it.
pub fn prometheus_health(cache: &Cache, site: &str) -> Option<SourceHealth> {
    cache
        .health()
        .ok()?
        .into_iter()
        .find(|h| h.source == site && h.component == PROMETHEUS)
}

/// "offline — showing data up to 14:02" when the site's Prometheus is not answering, else None.
pub fn stale_banner(cache: &Cache, site: &str) -> Option<String> {
    banner_of(prometheus_health(cache, site)?, "")
}

fn banner_of(h: SourceHealth, who: &str) -> Option<String> {
    if h.consecutive_failures == 0 {
        return None;
    }
    Some(match h.last_success {
        Some(t) => format!("{who}offline — showing data up to {}", local_hhmm(t)),
        None => format!("{who}offline — no data received yet"),
    })
}

/// The stale banner of a panel: its Prometheus's, and "Loki offline — …" when it has LogQL
/// queries and the site's Loki is not answering.
pub fn panel_stale(
    cache: &Cache,
    site: &str,
    panel_id: i64,
    plan: &[PlannedQuery],
) -> Option<String> {
    let mine = || plan.iter().filter(|q| q.panel_id == panel_id);
    let loki = mine().any(|q| crate::plan::loki_query(&q.expr).is_some());
    let prom = mine().any(|q| crate::plan::loki_query(&q.expr).is_none()) || !loki;
    let health = || cache.health().ok().unwrap_or_default().into_iter();
    let mut out = Vec::new();
    if prom {
        out.extend(stale_banner(cache, site));
    }
    if loki {
        out.extend(
            health()
                .find(|h| h.source == site && h.component == crate::cache::health::LOKI)
                .and_then(|h| banner_of(h, "Loki ")),
        );
    }
    (!out.is_empty()).then(|| out.join("; "))
}

fn chart_kind(k: &PanelKind) -> ChartKind {
    match k {
        PanelKind::TimeSeries => ChartKind::TimeSeries,
        PanelKind::Stat => ChartKind::Stat,
        PanelKind::Gauge => ChartKind::Gauge,
        PanelKind::BarGauge => ChartKind::BarGauge,
        PanelKind::Table => ChartKind::Table,
        PanelKind::AlertList => ChartKind::AlertList,
        PanelKind::Text { content } => ChartKind::Text(content.clone()),
        PanelKind::Heatmap => ChartKind::Heatmap,
        PanelKind::PieChart => ChartKind::PieChart,
        PanelKind::StateTimeline => ChartKind::StateTimeline,
        PanelKind::StatusHistory => ChartKind::StatusHistory,
        PanelKind::BarChart => ChartKind::BarChart,
        PanelKind::Logs => ChartKind::Logs,
        PanelKind::Unsupported(t) => ChartKind::Unsupported(t.clone()),
    }
}

/// How far back an instant query sees a series (Prometheus' default lookback delta).
const LOOKBACK_MS: i64 = 5 * 60_000;

/// The series of instant queries as Prometheus' instant query gives them, from the range the poller
/// fetched: the newest value of each, all at one evaluation time (the newest sample of the panel),
/// and no series that ended more than the lookback before it.
pub fn instant_values(panel: &Panel, series: &mut Vec<ChartSeries>) {
    let instant = |s: &ChartSeries| {
        panel
            .targets
            .iter()
            .any(|q| q.instant && q.ref_id == s.ref_id)
    };
    let last = |s: &ChartSeries| s.points.iter().rev().find(|p| !p.1.is_nan()).copied();
    let Some(at) = series
        .iter()
        .filter(|s| instant(s))
        .filter_map(|s| last(s).map(|p| p.0))
        .max()
    else {
        return;
    };
    series
        .retain(|s| !instant(s) || last(s).is_some_and(|p| p.0 >= at.saturating_sub(LOOKBACK_MS)));
    for s in series.iter_mut().filter(|s| instant(s)) {
        if let Some((_, v)) = last(s) {
            s.points = vec![(at, v)];
        }
    }
}

/// One series of `panel` from query `ref_id`: named by the legend format (or the display name its
/// config sets), with its config (the panel's defaults and the overrides that match it).
pub fn chart_series(
    panel: &Panel,
    ref_id: &str,
    legend_format: &str,
    expr: &str,
    labels: crate::source::Labels,
    step_ms: i64,
    points: Vec<(Millis, f64)>,
) -> ChartSeries {
    let legend = crate::dashboard::legend_or_expr(legend_format, &labels, expr);
    let f = FieldRef {
        name: &legend,
        ref_id,
        labels: &labels,
    };
    let config = field::resolve(&panel.field, &panel.overrides, &f);
    let name = match config.display_name.as_deref() {
        Some(t) if !t.trim().is_empty() => field::display_name(t, &f),
        _ => legend.clone(),
    };
    ChartSeries {
        name,
        step_ms,
        points,
        ref_id: ref_id.to_string(),
        labels,
        config,
    }
}

/// The series of one panel in [from, to], named by their legend format. With `width` (a time-series
/// panel being drawn), long ranges come from the downsampled tiers ([`Cache::read_chart`]), so the
/// cost follows the pixels; without it (values, hover), raw samples.
pub fn panel_series(
    cache: &Cache,
    site: &str,
    panel: &Panel,
    plan: &[PlannedQuery],
    from: Millis,
    to: Millis,
    width: Option<u32>,
) -> Vec<ChartSeries> {
    let mut out = Vec::new();
    for q in plan.iter().filter(|q| q.panel_id == panel.id) {
        let read = match width {
            Some(w) => cache
                .read_chart(site, &q.expr, q.step_ms, from, to, w)
                .map(|(s, _)| s),
            None => cache.read_range(site, &q.expr, Some(q.step_ms), from, to),
        };
        match read {
            Ok(series) => {
                for s in series {
                    let points = s.samples.iter().map(|x| (x.t, x.v)).collect();
                    out.push(chart_series(
                        panel, &q.ref_id, &q.legend, &q.expr, s.labels, s.step_ms, points,
                    ));
                }
            }
            Err(e) => tracing::warn!("panel {}: cannot read {}: {e}", panel.title, q.expr),
        }
    }
    out
}

/// The series of a stat, gauge, bar gauge or table panel, which show one value per series: for the
/// last value (the default calc) the newest hour of raw samples is enough (the whole range only when
/// that is empty); other calcs read the range at ~1000 points, from the tiers when it is long.
fn reduced_series(
    cache: &Cache,
    site: &str,
    panel: &Panel,
    plan: &[PlannedQuery],
    from: Millis,
    to: Millis,
    width: u32,
) -> Vec<ChartSeries> {
    let last = matches!(panel.reduce.trim(), "" | "lastNotNull" | "last" | "current")
        && panel.options.reduce.calcs.len() <= 1
        && !panel.options.reduce.values;
    // A sparkline, and the data range of a gauge without min and max, span the whole range.
    let whole = match panel.kind {
        PanelKind::Stat => {
            panel.options.stat.graph_mode == crate::dashboard::options::GraphMode::Area
        }
        PanelKind::Gauge | PanelKind::BarGauge => panel.min.is_none() || panel.max.is_none(),
        _ => false,
    };
    if whole {
        return panel_series(
            cache,
            site,
            panel,
            plan,
            from,
            to,
            Some(width.clamp(100, 2000)),
        );
    }
    if last {
        let recent = panel_series(cache, site, panel, plan, from.max(to - 3_600_000), to, None);
        if !recent.is_empty() || to - from <= 3_600_000 {
            return recent;
        }
    }
    panel_series(cache, site, panel, plan, from, to, Some(1000))
}

/// Everything a panel needs to be drawn at `width`×`height` for [from, to], from the cache alone.
#[allow(clippy::too_many_arguments)]
pub fn panel_spec(
    cache: &Cache,
    site: &str,
    _dash: &Dashboard,
    panel: &Panel,
    plan: &[PlannedQuery],
    from: Millis,
    to: Millis,
    width: u32,
    height: u32,
    now: Millis,
) -> ChartSpec {
    if panel.kind == PanelKind::Logs {
        let stale = panel_stale(cache, site, panel.id, plan);
        let mut spec = spec_of(panel, Vec::new(), (from, to), (width, height), now, stale);
        let (rows, problem) = log_rows(cache, site, panel.id, plan, (from, to), height);
        spec.logs = rows;
        if spec.logs.is_empty() {
            spec.no_value = problem.or(spec.no_value);
        }
        return spec;
    }
    let series = if !crate::plan::needs_queries(&panel.kind) {
        Vec::new()
    } else if matches!(
        panel.kind,
        PanelKind::TimeSeries
            | PanelKind::Heatmap
            | PanelKind::StateTimeline
            | PanelKind::StatusHistory
    ) {
        panel_series(cache, site, panel, plan, from, to, Some(width))
    } else {
        reduced_series(cache, site, panel, plan, from, to, width)
    };
    let stale = panel_stale(cache, site, panel.id, plan);
    spec_of(panel, series, (from, to), (width, height), now, stale)
}

/// The cached lines of a logs panel's queries in `[from, to]`, as many as a panel `height` pixels
/// high shows (the newest), with the labels that not every line shares; and, when a query cannot
/// be read from the cache, why.
fn log_rows(
    cache: &Cache,
    site: &str,
    panel_id: i64,
    plan: &[PlannedQuery],
    (from, to): (Millis, Millis),
    height: u32,
) -> (Vec<crate::chart::LogRow>, Option<String>) {
    use crate::source::logql::{level_of, LogSelector};
    use crate::source::loki::ms_to_ns;
    let limit = crate::chart::log_rows_that_fit(height);
    let mut problem = None;
    let mut lines = Vec::new();
    for q in plan.iter().filter(|q| q.panel_id == panel_id) {
        let Some(logql) = crate::plan::log_query(&q.expr) else {
            continue;
        };
        let sel = match LogSelector::parse(logql) {
            Ok(s) => s,
            Err(e) => {
                problem = Some(format!("cannot be shown from the cache: {e}"));
                continue;
            }
        };
        match cache.read_logs(
            site,
            (ms_to_ns(from), ms_to_ns(to)),
            limit,
            &|l| sel.selects(l),
            &|line| sel.keeps(line),
        ) {
            Ok(l) => lines.extend(l),
            Err(e) => problem = Some(e.to_string()),
        }
    }
    lines.sort_by(|a, b| b.ts_ns.cmp(&a.ts_ns).then_with(|| a.line.cmp(&b.line)));
    lines.dedup_by(|a, b| a.ts_ns == b.ts_ns && a.line == b.line && a.labels == b.labels);
    lines.truncate(limit);
    // Labels every shown line has, with the same value, say nothing (Grafana's "unique labels").
    let common: Vec<(&String, &String)> = match lines.first() {
        Some(first) => first
            .labels
            .iter()
            .filter(|(k, v)| lines.iter().all(|l| l.labels.get(*k) == Some(*v)))
            .collect(),
        None => Vec::new(),
    };
    let rows = lines
        .iter()
        .map(|l| crate::chart::LogRow {
            at: crate::source::loki::ns_to_ms(l.ts_ns),
            level: level_of(&l.labels, &l.line),
            labels: l
                .labels
                .iter()
                .filter(|(k, v)| !common.contains(&(*k, *v)))
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
            line: l.line.clone(),
        })
        .collect();
    (rows, problem)
}

/// The spec of `panel` drawn from `series` (as [`chart_series`] makes them), without the cache.
/// The series of instant queries become what an instant query returns (see [`instant_values`]).
pub fn spec_of(
    panel: &Panel,
    mut series: Vec<ChartSeries>,
    (from, to): (Millis, Millis),
    (width, height): (u32, u32),
    now: Millis,
    stale: Option<String>,
) -> ChartSpec {
    if !matches!(panel.kind, PanelKind::TimeSeries) {
        instant_values(panel, &mut series);
    }
    ChartSpec {
        kind: chart_kind(&panel.kind),
        title: panel.title.clone(),
        width,
        height,
        from,
        to,
        unit: panel.unit.clone(),
        decimals: panel.decimals,
        min: panel.min,
        max: panel.max,
        thresholds: panel
            .thresholds
            .steps
            .iter()
            .map(|s| Threshold {
                value: s.value,
                color: s.color.clone(),
            })
            .collect(),
        thresholds_percentage: panel.thresholds.percentage,
        mappings: panel.mappings.clone(),
        reduce: panel.reduce.clone(),
        series,
        // An alert list panel's rows are the desk's alert list (`desk::alerts`), filled in there.
        alerts: Vec::new(),
        logs: Vec::new(),
        stale,
        no_value: panel.no_value.clone(),
        now,
        options: panel.options.clone(),
        field: panel.field.clone(),
        overrides: panel.overrides.clone(),
        queries: panel.targets.clone(),
        transformations: panel.transformations.clone(),
    }
}

/// Everything the alert detail view shows, from the cache alone.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDetail {
    /// `None` when the alert is no longer current (resolved); the history still shows it.
    pub alert: Option<CachedAlert>,
    pub rule: Option<crate::source::AlertRule>,
    pub history: Vec<crate::cache::AlertEvent>,
    /// Targets of the alert's instance, else of its job.
    pub targets: Vec<crate::source::Target>,
    /// (dashboard uid, panel id, panel title) of panels that show the same metrics or job.
    pub related: Vec<(String, i64, String)>,
}

/// The comparison at the end of a rule expression: `rate(x[5m]) > 0.05` -> (`rate(x[5m])`, 0.05).
pub fn split_threshold(query: &str) -> (String, Option<f64>) {
    let re = regex::Regex::new(
        r"^(?s)(.*?)\s*(>=|<=|==|!=|>|<)\s*(bool\s+)?([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$",
    );
    if let Ok(re) = re {
        if let Some(c) = re.captures(query.trim()) {
            let lhs = c.get(1).map(|m| m.as_str().trim()).unwrap_or("");
            let v = c.get(4).and_then(|m| m.as_str().parse::<f64>().ok());
            if !lhs.is_empty() && v.is_some() {
                let lhs = strip_outer_parens(lhs);
                return (lhs.to_string(), v);
            }
        }
    }
    (query.to_string(), None)
}

/// `(a / b)` -> `a / b`, but `(a) > (b)` stays as it is.
fn strip_outer_parens(s: &str) -> &str {
    let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) else {
        return s;
    };
    let mut depth = 0i32;
    for c in inner.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return s;
                }
            }
            _ => {}
        }
    }
    if depth == 0 {
        inner
    } else {
        s
    }
}

/// Metric names in a PromQL expression (identifiers followed by `{`, `[`, `)` or a space that are
/// not functions or keywords).
fn metric_names(expr: &str) -> Vec<String> {
    const NOT_METRICS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "rate",
        "irate",
        "increase",
        "histogram_quantile",
        "le",
        "job",
        "instance",
        "vector",
        "time",
        "abs",
        "clamp_min",
        "clamp_max",
        "topk",
        "bottomk",
        "quantile",
        "stddev",
        "delta",
        "deriv",
        "label_replace",
    ];
    let re = match regex::Regex::new(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|\[|\)|$|\s|==|>|<)") {
        Ok(r) => r,
        Err(_) => return Vec::new(),
    };
    let mut out: Vec<String> = re
        .captures_iter(expr)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .filter(|n| !NOT_METRICS.contains(&n.as_str()) && !n.starts_with("__"))
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn alert_detail(
    cache: &Cache,
    dashboards: &[&Dashboard],
    source: &str,
    fingerprint: &str,
) -> AlertDetail {
    let alert = cache
        .current_alerts(Some(source))
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.fingerprint == fingerprint);
    let history = cache
        .alert_events(Some(source), Some(fingerprint), 0)
        .unwrap_or_default();
    let alertname = alert
        .as_ref()
        .map(|a| a.alertname.clone())
        .or_else(|| history.first().map(|e| e.alertname.clone()))
        .unwrap_or_default();
    let labels = alert.as_ref().map(|a| a.labels.clone()).unwrap_or_default();
    let rule = cache
        .rules(Some(source))
        .unwrap_or_default()
        .into_iter()
        .map(|(_, r)| r)
        .find(|r| r.name == alertname);
    let all_targets: Vec<_> = cache
        .targets(Some(source))
        .unwrap_or_default()
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let by = |key: &str| {
        labels.get(key).map(|v| {
            all_targets
                .iter()
                .filter(|t| t.labels.get(key) == Some(v))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let targets = by("instance")
        .filter(|t| !t.is_empty())
        .or_else(|| by("job"))
        .unwrap_or_default();
    let mut related = Vec::new();
    let metrics = rule
        .as_ref()
        .map(|r| metric_names(&r.query))
        .unwrap_or_default();
    let job = labels.get("job").cloned();
    for d in dashboards {
        let planned = crate::plan::load(cache, source, d).unwrap_or_default();
        for p in &d.panels {
            let exprs: Vec<&str> = planned
                .iter()
                .filter(|q| q.panel_id == p.id)
                .map(|q| q.expr.as_str())
                .collect();
            let hit = exprs.iter().any(|e| {
                metric_names(e).iter().any(|m| metrics.contains(m))
                    || job
                        .as_ref()
                        .is_some_and(|j| e.contains(&format!("job=\"{j}\"")))
            });
            if hit {
                related.push((crate::plan::dashboard_key(d), p.id, p.title.clone()));
            }
        }
    }
    AlertDetail {
        alert,
        rule,
        history,
        targets,
        related,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_split(q: &str, lhs: &str, v: Option<f64>) {
        assert_eq!(split_threshold(q), (lhs.to_string(), v), "{q}");
    }

    #[test]
    fn thresholds_of_rule_expressions() {
        check_split("up == 0", "up", Some(0.0));
        check_split(
            "(sum(rate(a[5m])) / sum(rate(b[5m]))) > 0.05",
            "sum(rate(a[5m])) / sum(rate(b[5m]))",
            Some(0.05),
        );
        check_split("x >= 1e3", "x", Some(1000.0));
        check_split("vector(1)", "vector(1)", None);
        check_split("a > b", "a > b", None);
        check_split("(a) > (b) < 3", "(a) > (b)", Some(3.0));
    }

    #[test]
    fn metric_names_of_expressions() {
        assert_eq!(
            metric_names("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / up"),
            vec!["http_requests_total", "up"]
        );
        assert_eq!(metric_names("up == 0"), vec!["up"]);
    }
}

/// Panel `panel_id` of `d` and the dashboard's query plan on `site`.
fn panel_and_plan<'d>(
    cache: &Cache,
    site: &str,
    d: &'d Dashboard,
    panel_id: i64,
    settings: &Settings,
) -> Result<(&'d Panel, Vec<PlannedQuery>), ViewError> {
    let panel = d.panel(panel_id).ok_or_else(|| ViewError::NoPanel {
        dashboard: d.title.clone(),
        panel_id,
    })?;
    Ok((panel, crate::plan::plan_for(cache, site, d, settings)))
}

/// A panel drawn for a UI: the SVG, the plot area (time series) and the stale banner, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPanel {
    pub svg: String,
    pub plot: Option<[i32; 4]>,
    pub from: Millis,
    pub to: Millis,
    pub stale: Option<String>,
}

/// Draws panel `panel_id` at `width`×`height` for [from, to] from the cache. The panel title is left
/// to the UI (`with_title: false`), which shows it in its own title bar.
#[allow(clippy::too_many_arguments)]
pub fn render_panel(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    panel_id: i64,
    from: Millis,
    to: Millis,
    width: u32,
    height: u32,
    now: Millis,
    settings: &Settings,
    with_title: bool,
) -> Result<RenderedPanel, ViewError> {
    let (panel, plan) = panel_and_plan(cache, site, d, panel_id, settings)?;
    let mut spec = panel_spec(
        cache,
        site,
        d,
        panel,
        &plan,
        from,
        to,
        width.clamp(16, 8192),
        height.clamp(16, 8192),
        now,
    );
    if !with_title {
        spec.title.clear();
    }
    let (svg, plot) = crate::chart::render_svg_with_plot(&spec);
    Ok(RenderedPanel {
        svg,
        plot,
        from,
        to,
        stale: spec.stale,
    })
}

/// One series' value under the pointer: (series name, formatted value, `#rrggbb` colour).
pub type HoverValue = (String, String, String);

/// The value of each series of a panel at the sample nearest to `at` (within two steps): what the
/// hover tooltip shows. Returns the sample time and (name, formatted value, colour).
#[allow(clippy::too_many_arguments)]
pub fn panel_values(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    panel_id: i64,
    from: Millis,
    to: Millis,
    at: Millis,
    settings: &Settings,
) -> Result<(Millis, Vec<HoverValue>), ViewError> {
    let (panel, plan) = panel_and_plan(cache, site, d, panel_id, settings)?;
    // Same series (and so colours) as the chart; a long range reads the tiers, as the chart does.
    let width = (to - from > 6 * 3_600_000).then_some(2000);
    let series = panel_series(cache, site, panel, &plan, from, to, width);
    // One colour function for the line, the legend and the hover.
    let colors = crate::chart::series_colors(&series);
    let mut best_t = at;
    let mut out = Vec::new();
    for (s, color) in series.iter().zip(&colors) {
        if s.config.hide_from().tooltip || s.config.hide_from().viz {
            continue;
        }
        let near = s
            .points
            .iter()
            .min_by_key(|(t, _)| (t - at).abs())
            .filter(|(t, _)| (t - at).abs() <= 2 * s.step_ms.max(1_000));
        if let Some(&(t, v)) = near {
            best_t = t;
            // Each series in its own unit and decimals (an override may set them).
            let unit = s.config.unit.as_deref().unwrap_or(&panel.unit);
            out.push((
                s.name.clone(),
                crate::chart::format_value(v, unit, s.config.decimals.or(panel.decimals)),
                color.hex(),
            ));
        }
    }
    Ok((best_t, out))
}

/// The chart of an alert rule's expression (without its comparison) around the alert's start, with
/// the threshold drawn, from what the cache holds for that expression.
#[allow(clippy::too_many_arguments)]
pub fn rule_chart(
    cache: &Cache,
    site: &str,
    rule: &crate::source::AlertRule,
    alert_labels: &crate::source::Labels,
    starts_at: Millis,
    step_ms: i64,
    now: Millis,
    width: u32,
    height: u32,
) -> crate::chart::ChartSpec {
    let (expr, threshold) = split_threshold(&rule.query);
    let (from, to) = rule_window(starts_at, now);
    let all = cache
        .read_range(site, &expr, Some(step_ms), from, to)
        .unwrap_or_default();
    // The series this alert is about: those whose labels agree with the alert's (an alert carries
    // its series' labels plus alertname, severity...). None agreeing: show them all.
    let agrees = |s: &crate::cache::CachedSeries| {
        s.labels
            .iter()
            .filter(|(k, _)| k.as_str() != "__name__")
            .all(|(k, v)| alert_labels.get(k).is_none_or(|a| a == v))
    };
    let mine: Vec<_> = all.iter().filter(|s| agrees(s)).cloned().collect();
    let series = if mine.is_empty() { all } else { mine }
        .into_iter()
        .map(|s| ChartSeries {
            name: crate::dashboard::legend_or_expr("", &s.labels, &expr),
            step_ms: s.step_ms,
            points: s.samples.iter().map(|x| (x.t, x.v)).collect(),
            labels: s.labels,
            ..Default::default()
        })
        .collect();
    let mut thresholds = vec![Threshold {
        value: None,
        color: "green".into(),
    }];
    if let Some(v) = threshold {
        thresholds.push(Threshold {
            value: Some(v),
            color: "red".into(),
        });
    }
    crate::chart::ChartSpec {
        kind: ChartKind::TimeSeries,
        title: format!("{} — {}", rule.name, expr),
        width,
        height,
        from,
        to,
        thresholds,
        series,
        stale: stale_banner(cache, site),
        now,
        // The rule's threshold is the point of this chart: drawn as a dashed line.
        field: field::FieldConfig {
            custom: field::Custom {
                thresholds_style: Some(field::ThresholdsStyle::Dashed),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The time window of a rule chart: from 30 min before the alert started to now (at most 6 h).
pub fn rule_window(starts_at: Millis, now: Millis) -> (Millis, Millis) {
    let from = (starts_at - 30 * 60_000).max(now - 6 * 3_600_000);
    (from.min(now - 60_000), now)
}
