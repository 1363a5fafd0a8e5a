//! The query plan: which PromQL expressions a dashboard needs for a site, with its template variables
//! resolved. The poller stores the plan in the cache so that panels can be drawn later from the cache
//! alone, with the very expressions that were fetched.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cache::{Cache, CacheError};
use crate::dashboard::{Dashboard, Interp, PanelKind, VarValues};
use crate::poller::Settings;
use crate::time::{parse_duration_ms, parse_time};

/// One target of one panel, ready to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedQuery {
    pub panel_id: i64,
    pub ref_id: String,
    /// PromQL with every variable substituted: the key of the cached history.
    pub expr: String,
    pub legend: String,
    pub step_ms: i64,
}

/// The name a dashboard is stored under: its uid, else its title.
pub fn dashboard_key(d: &Dashboard) -> String {
    if d.uid.is_empty() {
        d.title.clone()
    } else {
        d.uid.clone()
    }
}

/// Whether a panel kind draws query results (an alert list or text panel needs no PromQL).
pub fn needs_queries(kind: &PanelKind) -> bool {
    matches!(
        kind,
        PanelKind::TimeSeries
            | PanelKind::Stat
            | PanelKind::Gauge
            | PanelKind::BarGauge
            | PanelKind::Table
    )
}

/// The dashboard's default time range in ms (`now-6h` .. `now` -> 6 h), for `$__range`.
pub fn default_range_ms(d: &Dashboard) -> i64 {
    let now = 10_000_000_000_000;
    match (parse_time(&d.time_from, now), parse_time(&d.time_to, now)) {
        (Some(f), Some(t)) if t > f => t - f,
        _ => 6 * 3_600_000,
    }
}

pub fn plan(d: &Dashboard, vars: &VarValues, s: &Settings) -> Vec<PlannedQuery> {
    let range_ms = default_range_ms(d);
    let mut out = Vec::new();
    for p in &d.panels {
        if !needs_queries(&p.kind) {
            continue;
        }
        // A panel's min interval ("1m") raises the step of its queries.
        let panel_min = p
            .interval
            .as_deref()
            .and_then(parse_duration_ms)
            .unwrap_or(0);
        for q in &p.targets {
            if !q.is_runnable() {
                // Hidden, empty, or another data source (Loki...): reported by the parser.
                continue;
            }
            let target_min = q
                .interval
                .as_deref()
                .and_then(parse_duration_ms)
                .unwrap_or(0);
            let step = s.step_ms.max(panel_min).max(target_min);
            let interp = Interp {
                vars: vars.clone(),
                interval_ms: step,
                rate_interval_ms: crate::dashboard::rate_interval_ms(step, s.scrape_interval_ms),
                range_ms,
            };
            out.push(PlannedQuery {
                panel_id: p.id,
                ref_id: q.ref_id.clone(),
                expr: interp.interpolate(&q.expr),
                legend: q.legend_format.clone(),
                step_ms: step,
            });
        }
    }
    out
}

fn plan_key(site: &str, d: &Dashboard) -> String {
    format!("plan/{site}/{}", dashboard_key(d))
}

fn selection_key(site: &str, d: &Dashboard) -> String {
    format!("vars/{site}/{}", dashboard_key(d))
}

/// The variable values to use without network: the operator's selection when it is among the
/// dashboard's saved options, else the dashboard's current values.
pub fn offline_vars(d: &Dashboard, selected: &BTreeMap<String, Vec<String>>) -> VarValues {
    use std::future::Future;
    let fut = crate::dashboard::resolve_variables(d, &Offline, selected);
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    // The offline source answers at once, so the future completes on its first poll.
    for _ in 0..1000 {
        if let std::task::Poll::Ready((vars, _)) = fut.as_mut().poll(&mut cx) {
            return vars;
        }
    }
    VarValues::default()
}

/// A source that is never reachable: variable resolution falls back to saved values.
struct Offline;

#[async_trait::async_trait]
impl crate::source::MetricsSource for Offline {
    fn url(&self) -> &str {
        "offline"
    }
    async fn query(
        &self,
        _: &str,
        _: Option<crate::time::Millis>,
    ) -> Result<crate::source::Answer<Vec<crate::source::InstantSample>>, crate::source::SourceError>
    {
        Err(offline())
    }
    async fn query_range(
        &self,
        _: &str,
        _: i64,
        _: i64,
        _: i64,
    ) -> Result<crate::source::Answer<Vec<crate::source::RangeSeries>>, crate::source::SourceError>
    {
        Err(offline())
    }
    async fn targets(&self) -> Result<Vec<crate::source::Target>, crate::source::SourceError> {
        Err(offline())
    }
    async fn rules(&self) -> Result<Vec<crate::source::AlertRule>, crate::source::SourceError> {
        Err(offline())
    }
    async fn alerts(&self) -> Result<Vec<crate::source::PromAlert>, crate::source::SourceError> {
        Err(offline())
    }
    async fn label_values(
        &self,
        _: &str,
        _: &[String],
    ) -> Result<Vec<String>, crate::source::SourceError> {
        Err(offline())
    }
    async fn series(
        &self,
        _: &[String],
        _: Option<i64>,
        _: Option<i64>,
    ) -> Result<Vec<crate::source::Labels>, crate::source::SourceError> {
        Err(offline())
    }
}

fn offline() -> crate::source::SourceError {
    crate::source::SourceError::Unreachable {
        url: "offline".into(),
        reason: "drawing from the cache only".into(),
    }
}

pub fn store(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    plan: &[PlannedQuery],
) -> Result<(), CacheError> {
    let json = serde_json::to_string(plan).unwrap_or_else(|_| "[]".into());
    cache.set_meta(&plan_key(site, d), &json)
}

/// The plan stored by the last poll, if any (a damaged entry counts as none).
pub fn load(cache: &Cache, site: &str, d: &Dashboard) -> Option<Vec<PlannedQuery>> {
    let text = cache.get_meta(&plan_key(site, d)).ok()??;
    serde_json::from_str(&text).ok()
}

/// The template variable values the operator chose for this dashboard (empty: defaults).
pub fn load_selection(cache: &Cache, site: &str, d: &Dashboard) -> BTreeMap<String, Vec<String>> {
    cache
        .get_meta(&selection_key(site, d))
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn store_selection(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    sel: &BTreeMap<String, Vec<String>>,
) -> Result<(), CacheError> {
    let json = serde_json::to_string(sel).unwrap_or_else(|_| "{}".into());
    cache.set_meta(&selection_key(site, d), &json)
}
