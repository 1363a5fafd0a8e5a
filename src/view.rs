//! Read side: turns cached history into what a panel draws, from the cache alone (no network).
//! Used by `watchdesk render` and by the desktop app.

use crate::cache::{Cache, CachedAlert, SourceHealth};
use crate::chart::{AlertRow, ChartKind, ChartSeries, ChartSpec, Threshold};
use crate::dashboard::{Dashboard, Panel, PanelKind};
use crate::plan::PlannedQuery;
use crate::poller::PROMETHEUS;
use crate::source::AlertState;
use crate::time::{local_hhmm, Millis};

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
    let h = prometheus_health(cache, site)?;
    if h.consecutive_failures == 0 {
        return None;
    }
    Some(match h.last_success {
        Some(t) => format!("offline — showing data up to {}", local_hhmm(t)),
        None => "offline — no data received yet".to_string(),
    })
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
        PanelKind::Unsupported(t) => ChartKind::Unsupported(t.clone()),
    }
}

/// The series of one panel in [from, to], named by their legend format.
pub fn panel_series(
    cache: &Cache,
    site: &str,
    panel: &Panel,
    plan: &[PlannedQuery],
    from: Millis,
    to: Millis,
) -> Vec<ChartSeries> {
    let mut out = Vec::new();
    for q in plan.iter().filter(|q| q.panel_id == panel.id) {
        match cache.read_range(site, &q.expr, Some(q.step_ms), from, to) {
            Ok(series) => {
                for s in series {
                    out.push(ChartSeries {
                        name: crate::dashboard::legend(&q.legend, &s.labels),
                        step_ms: s.step_ms,
                        points: s.samples.iter().map(|x| (x.t, x.v)).collect(),
                    });
                }
            }
            Err(e) => tracing::warn!("panel {}: cannot read {}: {e}", panel.title, q.expr),
        }
    }
    out
}

fn severity_rank(sev: &str) -> u8 {
    match sev {
        "critical" => 0,
        "warning" => 1,
        "info" => 3,
        "none" => 4,
        _ => 2, // unknown or missing: between warning and info, never hidden
    }
}

/// Current alerts, most severe first, then oldest first.
pub fn sorted_alerts(mut alerts: Vec<CachedAlert>) -> Vec<CachedAlert> {
    alerts.sort_by(|a, b| {
        severity_rank(&a.severity)
            .cmp(&severity_rank(&b.severity))
            .then(a.starts_at.cmp(&b.starts_at))
            .then(a.alertname.cmp(&b.alertname))
    });
    alerts
}

/// The state word operators read: firing, silenced, inhibited.
pub fn alert_state_word(a: &CachedAlert) -> &'static str {
    match a.state {
        AlertState::Suppressed if !a.silenced_by.is_empty() => "silenced",
        AlertState::Suppressed if !a.inhibited_by.is_empty() => "inhibited",
        AlertState::Suppressed => "suppressed",
        AlertState::Active => "firing",
        AlertState::Unprocessed => "unprocessed",
    }
}

fn alert_rows(cache: &Cache, site: &str) -> Vec<AlertRow> {
    let alerts = cache.current_alerts(Some(site)).unwrap_or_default();
    sorted_alerts(alerts)
        .into_iter()
        .filter(|a| a.alertname != "Watchdog")
        .map(|a| {
            let where_ = ["instance", "job"]
                .iter()
                .filter_map(|k| a.labels.get(*k).map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(" ");
            AlertRow {
                severity: a.severity.clone(),
                name: a.alertname.clone(),
                summary: a.annotations.get("summary").cloned().unwrap_or_default(),
                state: alert_state_word(&a).to_string(),
                since: a.starts_at,
                labels: where_,
            }
        })
        .collect()
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
    let kind = chart_kind(&panel.kind);
    let series = if crate::plan::needs_queries(&panel.kind) {
        panel_series(cache, site, panel, plan, from, to)
    } else {
        Vec::new()
    };
    let alerts = if matches!(panel.kind, PanelKind::AlertList) {
        alert_rows(cache, site)
    } else {
        Vec::new()
    };
    ChartSpec {
        kind,
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
        alerts,
        stale: stale_banner(cache, site),
        no_value: panel.no_value.clone(),
        now,
    }
}
