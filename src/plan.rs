//! The query plan: which PromQL expressions a dashboard needs for a site, with its template variables
//! resolved. The poller stores the plan in the cache so that panels can be drawn later from the cache
//! alone, with the very expressions that were fetched.

use std::collections::BTreeMap;

use crate::cache::{Cache, CacheError};
use crate::config::Settings;
use crate::dashboard::{Dashboard, Interp, PanelKind, VarValues};
use crate::time::{parse_duration_ms, parse_time, Millis};

pub use crate::cache::PlannedQuery;

/// The name a dashboard is stored under: its uid, else its title.
pub fn dashboard_key(d: &Dashboard) -> String {
    if d.uid.is_empty() {
        d.title.clone()
    } else {
        d.uid.clone()
    }
}

/// The cache key of a LogQL query starts with this: `[` cannot begin PromQL, so a LogQL query and
/// a PromQL query of the same text never share history, and the poller knows where to send it.
pub const LOKI_KEY: &str = "[loki] ";

/// The LogQL of a planned query that goes to the site's Loki (`None`: PromQL).
pub fn loki_query(expr: &str) -> Option<&str> {
    expr.strip_prefix(LOKI_KEY)
}

/// The LogQL of a planned log query (a logs panel's stream selector and filters): its lines go to
/// the log cache, not to the series.
pub fn log_query(expr: &str) -> Option<&str> {
    loki_query(expr).filter(|q| q.trim_start().starts_with('{'))
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
            | PanelKind::Heatmap
            | PanelKind::PieChart
            | PanelKind::StateTimeline
            | PanelKind::StatusHistory
            | PanelKind::BarChart
            | PanelKind::Logs
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

/// The queries of every panel of `d` (repeated panels and rows expanded once per value, each copy
/// with its own value of the repeat variable).
pub fn plan(d: &Dashboard, vars: &VarValues, s: &Settings) -> Vec<PlannedQuery> {
    let range_ms = default_range_ms(d);
    let expanded = crate::dashboard::layout::expand(d, vars);
    // Ad hoc filters go into every selector of every query.
    let filters: Vec<crate::dashboard::adhoc::Filter> = d
        .variables
        .iter()
        .filter(|v| v.kind == crate::dashboard::VarKind::Adhoc)
        .filter_map(|v| vars.get(&v.name))
        .flat_map(|x| x.values.iter())
        .filter_map(|f| crate::dashboard::adhoc::Filter::parse(f))
        .collect();
    let mut out = Vec::new();
    for p in &expanded.panels {
        let vars = scoped_vars(vars, &p.scoped);
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
            // A logs panel shows log queries only; the others draw numbers.
            if !q.is_runnable() || q.is_log_query() != (p.kind == PanelKind::Logs) {
                // Hidden, empty, or another data source (an expression…): reported by the parser.
                continue;
            }
            let target_min = q
                .interval
                .as_deref()
                .and_then(parse_duration_ms)
                .unwrap_or(0);
            let step = s.step_ms.max(panel_min).max(target_min);
            let interp = Interp {
                vars: vars.as_ref().clone(),
                interval_ms: step,
                rate_interval_ms: crate::dashboard::rate_interval_ms(step, s.scrape_interval_ms),
                range_ms,
            };
            let expr = interp.interpolate(&q.expr);
            // Ad hoc filters are Prometheus label filters; a LogQL query keeps its own.
            let expr = if q.is_loki() {
                format!("{LOKI_KEY}{expr}")
            } else {
                crate::dashboard::adhoc::apply(&expr, &filters)
            };
            out.push(PlannedQuery {
                panel_id: p.id,
                ref_id: q.ref_id.clone(),
                expr,
                legend: q.legend_format.clone(),
                step_ms: step,
            });
        }
    }
    out
}

/// `vars` with a repeat copy's own values (one value each) in place of the variables'.
pub fn scoped_vars<'a>(
    vars: &'a VarValues,
    scoped: &BTreeMap<String, String>,
) -> std::borrow::Cow<'a, VarValues> {
    if scoped.is_empty() {
        return std::borrow::Cow::Borrowed(vars);
    }
    let mut v = vars.clone();
    for (name, value) in scoped {
        let mut one = v.get(name).cloned().unwrap_or_default();
        one.values = vec![value.clone()];
        one.all = false;
        v.insert(name.clone(), one);
    }
    std::borrow::Cow::Owned(v)
}

/// The variable values to use without network: the operator's selection when it is among the
/// dashboard's saved options, else the dashboard's current values.
pub fn offline_vars(d: &Dashboard, selected: &BTreeMap<String, Vec<String>>) -> VarValues {
    crate::dashboard::resolve_offline(d, selected)
}

/// Stores the plan the poller is about to fetch.
pub fn store(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    plan: &[PlannedQuery],
    now: Millis,
) -> Result<(), CacheError> {
    cache.store_query_plan(site, &dashboard_key(d), plan, now)
}

/// The plan stored by the last poll, if any (an unreadable one counts as none).
pub fn load(cache: &Cache, site: &str, d: &Dashboard) -> Option<Vec<PlannedQuery>> {
    cache.query_plan(site, &dashboard_key(d)).ok().flatten()
}

/// The template variable values the operator chose for this dashboard (empty: defaults).
pub fn load_selection(cache: &Cache, site: &str, d: &Dashboard) -> BTreeMap<String, Vec<String>> {
    cache
        .var_selection(site, &dashboard_key(d))
        .unwrap_or_default()
}

pub fn store_selection(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    sel: &BTreeMap<String, Vec<String>>,
) -> Result<(), CacheError> {
    cache.set_var_selection(site, &dashboard_key(d), sel)
}

/// The variables of a dashboard on a site without network: the options the poller last listed,
/// the operator's selection, else the dashboard's saved values.
pub fn cached_vars(cache: &Cache, site: &str, d: &Dashboard) -> VarValues {
    let sel = load_selection(cache, site, d);
    let options = cache
        .resolved_vars(site, &dashboard_key(d))
        .unwrap_or_default();
    crate::dashboard::resolve_cached(d, &options, &sel)
}

/// The query plan of a dashboard on a site: the one the poller stored, else one made from the
/// cached variable values (nothing polled yet with this cache).
pub fn plan_for(
    cache: &Cache,
    site: &str,
    d: &Dashboard,
    settings: &Settings,
) -> Vec<PlannedQuery> {
    load(cache, site, d).unwrap_or_else(|| plan(d, &cached_vars(cache, site, d), settings))
}
