//! The poller: fetches every configured dashboard's queries, the alerts and the target health of every
//! site into the cache, on a schedule, with bounded concurrency and backoff.
//!
//! One site failing never stops another: each site has its own tasks, and a failure is a value that is
//! recorded in the cache's source health, never a reason to stop polling. Every range query — the
//! live window, backfill pieces, an alert rule's expression for the detail view — goes through one
//! fetch→ingest path ([`Poller::fetch_pieces`]), so a cache write problem from any of them reaches
//! the banner ([`Poller::cache_problem`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::{broadcast, watch, Semaphore};

use crate::cache::health::{alertmanager_component, LOKI, PROMETHEUS};
use crate::cache::{AlertChanges, Cache, CacheError, IngestStats, ReportedAlert};
use crate::config::Settings;
use crate::dashboard::Dashboard;
use crate::plan::{self, PlannedQuery, LOKI_KEY};
use crate::source::{Alert, AlertFilter, AlertState, Site, SourceError};
use crate::time::{now_ms, Millis};

/// Points per series and query of one backfill piece (Prometheus refuses more than 11,000).
pub const BACKFILL_POINTS: i64 = crate::source::prometheus::MAX_POINTS_PER_QUERY;

/// What one [`Poller::backfill`] round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackfillReport {
    /// Pieces fetched and stored.
    pub pieces: usize,
    pub samples: usize,
    /// Holes (missing windows) still open after this round.
    pub remaining: usize,
    pub errors: Vec<(String, String)>,
    pub unreachable: Option<String>,
}

/// What changed, for whoever listens (the desk turns these into notifications and UI events).
#[derive(Debug, Clone, PartialEq)]
pub enum PollEvent {
    MetricsUpdated {
        site: String,
        samples: usize,
    },
    AlertsChanged {
        site: String,
        changes: AlertChanges,
    },
    HealthChanged {
        site: String,
        component: String,
        ok: bool,
    },
}

/// The outcome of one metrics round of one site.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsReport {
    pub queries: usize,
    pub fetched: usize,
    pub samples: usize,
    pub up_to_date: usize,
    /// (expression, error) of each failed query.
    pub errors: Vec<(String, String)>,
    /// Set when the source itself could not be reached (as opposed to a bad or slow query).
    pub unreachable: Option<String>,
    /// Set when the site's Loki could not be reached.
    pub loki_unreachable: Option<String>,
    /// Set when answers could not be stored (disk full, read-only file): the source itself is fine.
    pub cache_error: Option<String>,
    /// Queries that answered without a single sample (a Prometheus with seconds of data: `rate()`
    /// needs two scrapes).
    pub empty: usize,
}

/// While some query has no data yet, within this long after start, the metrics loop runs every
/// step (at least every [`WARM_MIN_MS`]) instead of at the dashboard refresh, so a fresh install
/// or a young Prometheus draws within seconds, not after a whole refresh interval.
pub const WARM_UP_MS: i64 = 10 * 60_000;
pub const WARM_MIN_MS: i64 = 5_000;

/// Why a poll of alerts or targets failed. The cache keeps the last good data either way.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PollError {
    #[error("no Alertmanager of {site} answered: {errors}")]
    AlertmanagersDown { site: String, errors: String },
    #[error("{answered} of {total} Alertmanagers answered; {errors}")]
    Partial {
        answered: usize,
        total: usize,
        errors: String,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("no source named {0:?}")]
    NoSuchSource(String),
    #[error("cache housekeeping stopped: {0}")]
    Housekeeping(String),
}

/// The outcome of [`Poller::poll_once`] for one site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteReport {
    pub site: String,
    pub metrics: MetricsReport,
    pub alerts: Result<usize, PollError>,
    pub targets: Result<usize, PollError>,
}

impl SiteReport {
    /// True when every part of the round worked.
    pub fn ok(&self) -> bool {
        self.metrics.errors.is_empty()
            && self.metrics.unreachable.is_none()
            && self.metrics.loki_unreachable.is_none()
            && self.alerts.is_ok()
            && self.targets.is_ok()
    }
}

/// One range query to fetch and store: `[from, to]` of `expr` at `step`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Piece {
    pub from: Millis,
    pub to: Millis,
    pub expr: String,
    pub step: i64,
    /// A backfill piece that closes its hole.
    pub closes: bool,
}

/// Why a piece was not stored.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The source failed (see [`is_down`]).
    Source(SourceError),
    /// The answer could not be stored (disk full, read-only…).
    Cache(CacheError),
    /// Not asked: the source was found down earlier in the round.
    Skipped,
}

/// How [`Poller::fetch_pieces`] stores what it fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Each answer as soon as it arrives; a server found down skips the rest.
    Live,
    /// Oldest piece first, once all arrived.
    Oldest,
}

/// A piece, its answer (`None`: skipped) and the request's latency in ms.
type FetchedRaw = (
    Piece,
    Option<Result<crate::source::Answer<Vec<crate::source::RangeSeries>>, SourceError>>,
    i64,
);

/// A piece as fetched: what was stored, or why not, and how long the request took.
pub struct Fetched {
    pub piece: Piece,
    pub result: Result<IngestStats, FetchError>,
    pub latency_ms: i64,
}

/// Whether an error means the server (not one query) cannot be used: no connection, TLS, refused
/// credentials, an HTML page or a proxy error instead of the API. A timeout is one slow query, not a
/// dead server: the other queries of the round still go out.
pub fn is_down(e: &SourceError) -> bool {
    e.is_unreachable() && !matches!(e, SourceError::Timeout { .. })
}

pub struct Poller {
    pub settings: Settings,
    pub cache: Arc<Cache>,
    pub sites: Vec<Arc<Site>>,
    pub dashboards: Vec<Arc<Dashboard>>,
    events: broadcast::Sender<PollEvent>,
    /// Why the last write to the cache failed (disk full, read-only), until one succeeds.
    cache_problem: std::sync::Mutex<Option<String>>,
    /// (site, LogQL) of each logs panel query: until when its lines were fetched.
    logs_until: std::sync::Mutex<BTreeMap<(String, String), Millis>>,
}

fn align_down(t: Millis, step: i64) -> Millis {
    t - t.rem_euclid(step.max(1))
}

/// Backoff after `failures` consecutive failures: doubling from `period`, capped at
/// max(period, 60 s) (so a recovered source is seen soon), with ±20 % jitter so that many
/// consoles do not hammer a recovering server in step.
pub fn backoff(period_ms: i64, failures: u32) -> Duration {
    let cap = period_ms.max(60_000);
    let base = period_ms.saturating_mul(1i64 << failures.min(16)).min(cap);
    let jitter: f64 = rand::thread_rng().gen_range(0.8..1.2);
    Duration::from_millis((base as f64 * jitter).max(250.0) as u64)
}

impl Poller {
    pub fn new(
        settings: Settings,
        cache: Arc<Cache>,
        sites: Vec<Arc<Site>>,
        dashboards: Vec<Arc<Dashboard>>,
    ) -> Poller {
        let (events, _) = broadcast::channel(256);
        Poller {
            settings,
            cache,
            sites,
            dashboards,
            events,
            cache_problem: std::sync::Mutex::new(None),
            logs_until: std::sync::Mutex::new(BTreeMap::new()),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PollEvent> {
        self.events.subscribe()
    }

    /// The site named `name`.
    pub fn site(&self, name: &str) -> Option<&Arc<Site>> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// Why new data cannot be stored right now (disk full, read-only cache file), for a banner: what
    /// is cached stays on screen and polling goes on; `None` once a write works again.
    pub fn cache_problem(&self) -> Option<String> {
        self.cache_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Notes the outcome of a write to the cache.
    fn stored<T>(&self, res: &Result<T, CacheError>) {
        let mut problem = self.cache_problem.lock().unwrap_or_else(|e| e.into_inner());
        match res {
            Ok(_) => {
                if problem.take().is_some() {
                    tracing::info!("the history cache accepts writes again");
                }
            }
            Err(e) => {
                let msg = e.to_string();
                if matches!(
                    e,
                    CacheError::DiskFull { .. }
                        | CacheError::ReadOnly { .. }
                        | CacheError::Busy { .. }
                ) && problem.as_deref() != Some(msg.as_str())
                {
                    tracing::warn!("{msg}");
                    *problem = Some(msg);
                }
            }
        }
    }

    fn emit(&self, e: PollEvent) {
        // No listener is fine (the command line has none).
        let _ = self.events.send(e);
    }

    fn record(&self, site: &str, component: &str, at: Millis, outcome: Result<i64, (&str, bool)>) {
        let res = match outcome {
            Ok(latency) => self.cache.record_success(site, component, at, latency),
            Err((msg, unreachable)) => {
                self.cache
                    .record_failure(site, component, at, msg, unreachable)
            }
        };
        if let Err(e) = res {
            tracing::warn!("cannot record health of {site}/{component}: {e}");
        }
        self.emit(PollEvent::HealthChanged {
            site: site.to_string(),
            component: component.to_string(),
            ok: outcome.is_ok(),
        });
    }

    /// The queries of every dashboard for `site`, with its template variables resolved against the
    /// source (falling back to the dashboard's current values when the source is down). The plan is
    /// stored in the cache so that drawing works later without network.
    pub async fn plan_site(&self, site: &Site) -> Vec<PlannedQuery> {
        let mut all = Vec::new();
        for dash in &self.dashboards {
            let selected = plan::load_selection(&self.cache, &site.name, dash);
            let (vars, issues) = crate::dashboard::resolve_variables(
                dash,
                site.prometheus.as_ref(),
                site.loki.as_deref(),
                &selected,
            )
            .await;
            // Keep what the source listed, for the variable bar and offline drawing; a variable
            // whose values could not be listed keeps its last list.
            let mut failed = std::collections::BTreeSet::new();
            for i in issues {
                tracing::debug!("{}: {}: {}", site.name, dash.title, i.message);
                if i.kind == crate::dashboard::IssueKind::Source {
                    if let Some(name) = i
                        .message
                        .strip_prefix("variable $")
                        .and_then(|m| m.split(':').next())
                    {
                        failed.insert(name.to_string());
                    }
                }
            }
            let listed: BTreeMap<String, Vec<String>> = dash
                .variables
                .iter()
                .filter(|v| v.kind == crate::dashboard::VarKind::Query && !failed.contains(&v.name))
                .filter_map(|v| {
                    vars.get(&v.name)
                        .map(|x| (v.name.clone(), x.options.clone()))
                })
                .collect();
            if !listed.is_empty() {
                let stored =
                    self.cache
                        .store_resolved_vars(&site.name, &plan::dashboard_key(dash), &listed);
                self.stored(&stored);
            }
            let p = plan::plan(dash, &vars, &self.settings);
            if let Err(e) = plan::store(&self.cache, &site.name, dash, &p, now_ms()) {
                tracing::warn!("cannot store the query plan of {}: {e}", dash.title);
            }
            all.extend(p);
        }
        all
    }

    /// Fetches `pieces` of `site` (at most `max_concurrency` at once) and stores each answer in its
    /// own transaction. [`Fetch::Live`]: each answer is stored as soon as it arrives, and a server
    /// found down skips the pieces not yet asked. [`Fetch::Oldest`]: stored oldest piece first, once
    /// all arrived, so a crash midway leaves the oldest history filled (backfill).
    pub async fn fetch_pieces(&self, site: &Site, pieces: Vec<Piece>, how: Fetch) -> Vec<Fetched> {
        let stop_when_down = how == Fetch::Live;
        let sem = Arc::new(Semaphore::new(self.settings.max_concurrency.max(1)));
        // Prometheus and Loki are down each on its own.
        let prom_down = Arc::new(AtomicBool::new(false));
        let loki_down = Arc::new(AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        for piece in pieces {
            let sem = sem.clone();
            let logql = crate::plan::loki_query(&piece.expr).map(str::to_owned);
            let down = if logql.is_some() {
                loki_down.clone()
            } else {
                prom_down.clone()
            };
            let prom = site.prometheus.clone();
            let loki = site.loki.clone();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                if stop_when_down && down.load(Ordering::Relaxed) {
                    return (piece, None, 0);
                }
                let t0 = Instant::now();
                let res = match (logql, loki) {
                    (None, _) => {
                        prom.query_range(&piece.expr, piece.from, piece.to, piece.step)
                            .await
                    }
                    (Some(q), Some(loki)) => {
                        loki.metric_range(&q, piece.from, piece.to, piece.step)
                            .await
                    }
                    (Some(_), None) => Err(no_loki()),
                };
                if let Err(e) = &res {
                    if is_down(e) {
                        down.store(true, Ordering::Relaxed);
                    }
                }
                (piece, Some(res), t0.elapsed().as_millis() as i64)
            });
        }
        let mut out = Vec::new();
        let mut waiting = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let Ok(x) = joined else { continue };
            match how {
                Fetch::Live => out.push(self.store_piece(site, x)),
                Fetch::Oldest => waiting.push(x),
            }
        }
        waiting.sort_by(|a, b| a.0.cmp(&b.0));
        for x in waiting {
            out.push(self.store_piece(site, x));
        }
        let samples: usize = out
            .iter()
            .filter_map(|f| f.result.as_ref().ok())
            .map(|s| s.samples)
            .sum();
        if samples > 0 {
            self.emit(PollEvent::MetricsUpdated {
                site: site.name.clone(),
                samples,
            });
        }
        out
    }

    /// Stores one fetched piece (the cache's write problems reach the banner).
    fn store_piece(&self, site: &Site, fetched: FetchedRaw) -> Fetched {
        let (piece, res, latency_ms) = fetched;
        let result = match res {
            None => Err(FetchError::Skipped),
            Some(Err(e)) => Err(FetchError::Source(e)),
            Some(Ok(answer)) => {
                for w in &answer.warnings {
                    tracing::info!("{}: warning for {}: {w}", site.name, piece.expr);
                }
                let stored = self.cache.ingest_range(
                    &site.name,
                    &piece.expr,
                    piece.step,
                    (piece.from, piece.to),
                    &answer.data,
                );
                self.stored(&stored);
                stored.map_err(FetchError::Cache)
            }
        };
        Fetched {
            piece,
            result,
            latency_ms,
        }
    }

    /// Fetches every planned query of `site` from the last cached sample up to now, at most the live
    /// window ([`Settings::live_window_ms`]) back.
    pub async fn poll_metrics(&self, site: &Site, now: Millis) -> MetricsReport {
        let planned = self.plan_site(site).await;
        // The same expression in several panels is fetched once; the logs panels' lines apart.
        let (logs, planned): (Vec<_>, Vec<_>) = planned
            .into_iter()
            .partition(|q| plan::log_query(&q.expr).is_some());
        let log_queries: BTreeSet<String> = logs
            .iter()
            .filter_map(|q| plan::log_query(&q.expr).map(str::to_owned))
            .collect();
        let log_queries_n = log_queries.len();
        let exprs: BTreeSet<(String, i64)> =
            planned.into_iter().map(|q| (q.expr, q.step_ms)).collect();
        let mut report = MetricsReport {
            queries: exprs.len(),
            ..Default::default()
        };
        let mut pieces = Vec::new();
        for (expr, step) in exprs {
            let end = align_down(now, step);
            // The newest part first; what is older and missing is backfilled by `backfill`.
            let window = self.settings.live_window_ms.min(self.settings.backfill_ms);
            let floor = align_down(now.saturating_sub(window), step);
            let start = match self.cache.fetched_until(&site.name, &expr, step) {
                Ok(Some(until)) => until.saturating_add(step).max(floor),
                Ok(None) => floor,
                Err(e) => {
                    report.errors.push((expr, e.to_string()));
                    continue;
                }
            };
            if start > end {
                report.up_to_date += 1;
                continue;
            }
            pieces.push(Piece {
                from: start,
                to: end,
                expr,
                step,
                closes: false,
            });
        }
        // Prometheus and Loki each get their own health: a dead Loki is not a dead Prometheus.
        let mut tally: [Tally; 2] = Default::default();
        for p in &pieces {
            tally[usize::from(plan::loki_query(&p.expr).is_some())].asked += 1;
        }
        let (fetched, (log_tally, log_errors)) = tokio::join!(
            self.fetch_pieces(site, pieces, Fetch::Live),
            self.poll_log_queries(site, log_queries.into_iter().collect(), now)
        );
        tally[1].merge(log_tally);
        // A Loki no dashboard queries is still what the alert detail's logs come from: asked for
        // its label names, so its health is known (never green when blind).
        if let (Some(loki), 0) = (site.loki.as_ref(), tally[1].asked) {
            tally[1].asked = 1;
            let t0 = Instant::now();
            match loki.labels(now - 300_000, now).await {
                Ok(_) => tally[1].latencies.push(t0.elapsed().as_millis() as i64),
                Err(e) if is_down(&e) => tally[1].unreachable = Some(e.to_string()),
                Err(e) => {
                    if matches!(e, SourceError::Timeout { .. }) {
                        tally[1].timeouts += 1;
                    }
                    tally[1].first_error = Some(e.to_string());
                }
            }
        }
        report.queries += log_queries_n;
        report.errors.extend(log_errors);
        for f in fetched {
            let t = &mut tally[usize::from(plan::loki_query(&f.piece.expr).is_some())];
            match f.result {
                Ok(stats) => {
                    t.latencies.push(f.latency_ms);
                    report.fetched += 1;
                    report.samples += stats.samples;
                    if stats.samples == 0 {
                        report.empty += 1;
                    }
                }
                Err(FetchError::Skipped) => {}
                Err(FetchError::Cache(e)) => {
                    // The server answered: it is fine, only storing failed (the banner says so).
                    t.latencies.push(f.latency_ms);
                    report.cache_error.get_or_insert_with(|| e.to_string());
                    report.errors.push((f.piece.expr, e.to_string()));
                }
                Err(FetchError::Source(e)) if is_down(&e) => {
                    t.unreachable.get_or_insert_with(|| e.to_string());
                }
                Err(FetchError::Source(e)) => {
                    if matches!(e, SourceError::Timeout { .. }) {
                        t.timeouts += 1;
                    }
                    t.first_error.get_or_insert_with(|| e.to_string());
                    report.errors.push((f.piece.expr, e.to_string()));
                }
            }
        }
        let at = now_ms();
        let [prom, loki] = tally;
        report.unreachable = prom.unreachable.clone().or_else(|| prom.all_timed_out());
        self.record_tally(&site.name, PROMETHEUS, at, &prom);
        if loki.asked > 0 {
            report.loki_unreachable = loki.unreachable.clone();
            self.record_tally(&site.name, LOKI, at, &loki);
        }
        report
    }

    /// Records the health of one server of a metrics round.
    fn record_tally(&self, site: &str, component: &str, at: Millis, t: &Tally) {
        match t.unreachable.clone().or_else(|| t.all_timed_out()) {
            Some(msg) => self.record(site, component, at, Err((&msg, true))),
            // It answered nothing usable (every query refused): not healthy.
            None if t.latencies.is_empty() && t.first_error.is_some() => {
                let msg = t.first_error.clone().unwrap_or_default();
                self.record(site, component, at, Err((&msg, false)))
            }
            None => {
                let lat = if t.latencies.is_empty() {
                    0
                } else {
                    t.latencies.iter().sum::<i64>() / t.latencies.len() as i64
                };
                self.record(site, component, at, Ok(lat))
            }
        }
    }

    /// Fetches the alerts of every Alertmanager of `site`, deduplicated by fingerprint, into the cache.
    /// Returns how many alerts are current.
    pub async fn poll_alerts(&self, site: &Site, now: Millis) -> Result<usize, PollError> {
        if site.alertmanagers.is_empty() {
            return Ok(0);
        }
        // Acknowledgements queued while the Alertmanagers were unreachable go out first.
        crate::ack::flush(&self.cache, site).await;
        let filter = AlertFilter::default();
        let futs = site.alertmanagers.iter().map(|am| {
            let filter = &filter;
            async move {
                let t0 = Instant::now();
                let r = am.alerts(filter).await;
                (am.url().to_string(), r, t0.elapsed().as_millis() as i64)
            }
        });
        let answers = futures_join_all(futs).await;
        let mut merged: BTreeMap<String, ReportedAlert> = BTreeMap::new();
        let mut complete = true;
        let mut errors = Vec::new();
        let at = now_ms();
        for (url, res, ms) in answers {
            let component = alertmanager_component(&url);
            match res {
                Ok(alerts) => {
                    self.record(&site.name, &component, at, Ok(ms));
                    for a in alerts {
                        merge_alert(&mut merged, a, &url);
                    }
                }
                Err(e) => {
                    complete = false;
                    let msg = e.to_string();
                    self.record(&site.name, &component, at, Err((&msg, e.is_unreachable())));
                    errors.push(msg);
                }
            }
        }
        if errors.len() == site.alertmanagers.len() {
            // Nothing answered: keep the last known alerts, shown as stale.
            return Err(PollError::AlertmanagersDown {
                site: site.name.clone(),
                errors: errors.join("; "),
            });
        }
        // Silences (acknowledgements among them) from the first member that answers: members of a
        // cluster share them.
        for am in &site.alertmanagers {
            if let Ok(s) = am.silences().await {
                let stored = self.cache.replace_silences(&site.name, &s);
                self.stored(&stored);
                if let Err(e) = stored {
                    tracing::warn!("{}: cannot store silences: {e}", site.name);
                }
                break;
            }
        }
        let alerts: Vec<ReportedAlert> = merged.into_values().collect();
        let n = alerts.len();
        let synced = self.cache.sync_alerts(&site.name, &alerts, complete, now);
        self.stored(&synced);
        let changes = synced?;
        if !changes.fired.is_empty() || !changes.resolved.is_empty() || !changes.changed.is_empty()
        {
            self.emit(PollEvent::AlertsChanged {
                site: site.name.clone(),
                changes,
            });
        }
        // What was missed while closed or offline, rebuilt from Prometheus' ALERTS (history.rs).
        if let Err(e) =
            crate::history::after_sync(&self.cache, &site.name, site.prometheus.as_ref(), now).await
        {
            tracing::info!("{}: {e}", site.name);
        }
        if errors.is_empty() {
            Ok(n)
        } else {
            Err(PollError::Partial {
                answered: site.alertmanagers.len() - errors.len(),
                total: site.alertmanagers.len(),
                errors: errors.join("; "),
            })
        }
    }

    /// Fetches target health and alerting rules of `site`. Returns the number of targets.
    pub async fn poll_targets(&self, site: &Site, now: Millis) -> Result<usize, PollError> {
        let targets = site.prometheus.targets().await?;
        let stored = self.cache.replace_targets(&site.name, &targets, now);
        self.stored(&stored);
        stored?;
        match site.prometheus.rules().await {
            Ok(rules) => {
                let stored = self.cache.replace_rules(&site.name, &rules);
                self.stored(&stored);
                stored?
            }
            Err(e) => tracing::warn!("{}: cannot read alerting rules: {e}", site.name),
        }
        Ok(targets.len())
    }

    /// Fetches back history that is missing within [`Settings::backfill_ms`] (the app was closed, or
    /// the source unreachable): for each query its oldest hole, in pieces of at most
    /// [`BACKFILL_POINTS`] points per series, oldest first, at most `max_pieces` per call. Live updates
    /// run in their own loop and never wait for this. A window Prometheus answers without samples is
    /// still recorded as fetched: a gap the source itself has ([`Cache::gaps`]), drawn as a gap.
    pub async fn backfill(&self, site: &Site, now: Millis, max_pieces: usize) -> BackfillReport {
        let exprs = self.site_exprs(site).await;
        self.backfill_exprs(site, &exprs, now, max_pieces).await
    }

    /// The distinct (expression, step) pairs of every dashboard's plan on `site`.
    async fn site_exprs(&self, site: &Site) -> BTreeSet<(String, i64)> {
        let planned = self.plan_site(site).await;
        planned
            .into_iter()
            .filter(|q| plan::log_query(&q.expr).is_none())
            .map(|q| (q.expr, q.step_ms))
            .collect()
    }

    /// Fetches the lines of the logs panels' queries of `site` since the last round (at most
    /// [`LOG_LINES`] each, the newest) into the log cache. Each answer is stored in its own
    /// transaction; the outcome goes into the Loki's tally.
    async fn poll_log_queries(
        &self,
        site: &Site,
        queries: Vec<String>,
        now: Millis,
    ) -> (Tally, Vec<(String, String)>) {
        let mut t = Tally::default();
        let mut errors = Vec::new();
        for logql in queries {
            t.asked += 1;
            let Some(loki) = site.loki.as_ref() else {
                let e = no_loki().to_string();
                t.first_error.get_or_insert_with(|| e.clone());
                errors.push((format!("{LOKI_KEY}{logql}"), e));
                continue;
            };
            let key = (site.name.clone(), logql.clone());
            let since = self
                .logs_until
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .copied()
                .unwrap_or(now - self.settings.live_window_ms);
            let q = crate::source::loki::LogQuery {
                query: logql.clone(),
                start_ns: crate::source::loki::ms_to_ns(since),
                end_ns: crate::source::loki::ms_to_ns(now),
                limit: LOG_LINES,
                direction: crate::source::loki::Direction::Backward,
            };
            let t0 = Instant::now();
            match loki.query_range(&q).await {
                Ok(answer) => {
                    t.latencies.push(t0.elapsed().as_millis() as i64);
                    let streams = match answer.data {
                        crate::source::loki::LogResult::Streams(s) => s,
                        crate::source::loki::LogResult::Matrix(_) => Vec::new(),
                    };
                    let stored = self.cache.ingest_logs(&site.name, &streams, now_ms());
                    self.stored(&stored);
                    match stored {
                        // A second of overlap: lines of the same ns are deduplicated.
                        Ok(added) => {
                            if added > 0 {
                                // Views redraw on it (a logs panel too).
                                self.emit(PollEvent::MetricsUpdated {
                                    site: site.name.clone(),
                                    samples: added,
                                });
                            }
                            self.logs_until
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .insert(key, now - 1000);
                        }
                        Err(e) => {
                            tracing::warn!("{}: cannot store the lines of {logql}: {e}", site.name)
                        }
                    }
                }
                Err(e) if is_down(&e) => {
                    t.unreachable.get_or_insert_with(|| e.to_string());
                    break;
                }
                Err(e) => {
                    if matches!(e, SourceError::Timeout { .. }) {
                        t.timeouts += 1;
                    }
                    t.first_error.get_or_insert_with(|| e.to_string());
                    errors.push((format!("{LOKI_KEY}{logql}"), e.to_string()));
                }
            }
        }
        (t, errors)
    }

    /// [`Poller::backfill`] for a known set of queries (a loop of rounds plans once).
    async fn backfill_exprs(
        &self,
        site: &Site,
        exprs: &BTreeSet<(String, i64)>,
        now: Millis,
        max_pieces: usize,
    ) -> BackfillReport {
        let mut report = BackfillReport::default();
        let mut pieces = Vec::new();
        for (expr, step) in exprs.iter().cloned() {
            let floor = align_down(now.saturating_sub(self.settings.backfill_ms), step);
            let end = align_down(now, step);
            match self.cache.holes(&site.name, &expr, step, floor, end) {
                Ok(holes) => {
                    report.remaining += holes.len();
                    if let Some(&(from, to)) = holes.first() {
                        let from = align_down(from, step);
                        let end = to.min(from.saturating_add((BACKFILL_POINTS - 1) * step));
                        pieces.push(Piece {
                            from,
                            to: end,
                            expr,
                            step,
                            closes: end >= to,
                        });
                    }
                }
                Err(e) => report.errors.push((expr, e.to_string())),
            }
        }
        pieces.sort();
        pieces.truncate(max_pieces.max(1));
        for f in self.fetch_pieces(site, pieces, Fetch::Oldest).await {
            match f.result {
                Ok(stats) => {
                    report.pieces += 1;
                    if f.piece.closes {
                        report.remaining = report.remaining.saturating_sub(1);
                    }
                    report.samples += stats.samples;
                }
                // `unreachable` is the Prometheus: a dead Loki is one more failed query.
                Err(FetchError::Source(e))
                    if is_down(&e) && plan::loki_query(&f.piece.expr).is_none() =>
                {
                    report.unreachable.get_or_insert_with(|| e.to_string());
                }
                Err(FetchError::Source(e)) => report.errors.push((f.piece.expr, e.to_string())),
                Err(FetchError::Cache(e)) => report.errors.push((f.piece.expr, e.to_string())),
                Err(FetchError::Skipped) => {}
            }
        }
        report
    }

    /// Drops history past its retention and keeps the file under its size cap (in the background).
    pub async fn housekeeping(&self, now: Millis) -> Result<crate::cache::PruneStats, PollError> {
        let cache = self.cache.clone();
        let r = self.settings.retention;
        tokio::task::spawn_blocking(move || cache.enforce_retention(&r, now))
            .await
            .map_err(|e| PollError::Housekeeping(e.to_string()))?
            .map_err(PollError::Cache)
    }

    /// Fetches one expression over [from, to] into the cache (e.g. an alert rule's expression for the
    /// alert detail view). A failure leaves whatever the cache already had.
    pub async fn fetch_expr(
        &self,
        site: &str,
        expr: &str,
        from: Millis,
        to: Millis,
        step_ms: i64,
    ) -> Result<usize, PollError> {
        let site = self
            .site(site)
            .ok_or_else(|| PollError::NoSuchSource(site.to_string()))?
            .clone();
        let piece = Piece {
            from: align_down(from, step_ms),
            to: align_down(to, step_ms),
            expr: expr.to_string(),
            step: step_ms,
            closes: false,
        };
        let mut done = self.fetch_pieces(&site, vec![piece], Fetch::Oldest).await;
        match done.pop().map(|f| f.result) {
            Some(Ok(stats)) => Ok(stats.samples),
            Some(Err(FetchError::Source(e))) => Err(PollError::Source(e)),
            Some(Err(FetchError::Cache(e))) => Err(PollError::Cache(e)),
            Some(Err(FetchError::Skipped)) | None => Ok(0),
        }
    }

    /// One full round for every site, concurrently: metrics, alerts, targets.
    pub async fn poll_once(&self) -> Vec<SiteReport> {
        let futs = self.sites.iter().map(|site| async move {
            let now = now_ms();
            let (mut metrics, alerts, targets) = tokio::join!(
                self.poll_metrics(site, now),
                self.poll_alerts(site, now),
                self.poll_targets(site, now)
            );
            // Then the missing history, oldest first, until it is complete or the source fails.
            if metrics.unreachable.is_none() {
                let mut exprs = self.site_exprs(site).await;
                if metrics.loki_unreachable.is_some() {
                    exprs.retain(|(e, _)| plan::loki_query(e).is_none());
                }
                for _ in 0..10_000 {
                    let b = self
                        .backfill_exprs(site, &exprs, now, self.settings.max_concurrency)
                        .await;
                    metrics.samples += b.samples;
                    metrics.errors.extend(b.errors.iter().cloned());
                    if b.pieces == 0 || b.remaining == 0 || !b.errors.is_empty() {
                        break;
                    }
                    if let Some(u) = b.unreachable {
                        metrics.unreachable = Some(u);
                        break;
                    }
                }
            }
            SiteReport {
                site: site.name.clone(),
                metrics,
                alerts,
                targets,
            }
        });
        futures_join_all(futs).await
    }

    /// The metrics refresh: the shortest refresh of the dashboards, else the configured one (≥ 5 s).
    pub fn refresh_ms(&self) -> i64 {
        self.dashboards
            .iter()
            .filter_map(|d| d.refresh)
            .min()
            .unwrap_or(self.settings.refresh_ms)
            .max(5_000)
    }

    /// Polls until `shutdown` turns true. Each site runs its own loops.
    pub async fn run(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let mut tasks = tokio::task::JoinSet::new();
        let refresh = self.refresh_ms();
        let housekeeping = Some(self.sites.first().cloned()).flatten();
        for site in &self.sites {
            let chores = (housekeeping.as_ref().is_some_and(|h| Arc::ptr_eq(h, site)))
                .then_some(Job::Housekeeping);
            for job in [Job::Metrics, Job::Alerts, Job::Targets, Job::Backfill]
                .into_iter()
                .chain(chores)
            {
                let period = match job {
                    Job::Metrics => refresh,
                    Job::Alerts => self.settings.alert_interval_ms,
                    Job::Targets => self.settings.targets_interval_ms,
                    Job::Backfill => refresh,
                    Job::Housekeeping => HOUSEKEEPING_MS,
                };
                let me = self.clone();
                let site = site.clone();
                let mut stop = shutdown.clone();
                let started = now_ms();
                let warm = self.settings.step_ms.max(WARM_MIN_MS).min(period.max(1));
                tasks.spawn(async move {
                    let mut failures = 0u32;
                    let mut warming = job_is_metrics(job);
                    loop {
                        let (ok, missing) = me.run_job(job, &site).await;
                        if let Some(m) = missing {
                            warming = m;
                        }
                        failures = if ok { 0 } else { failures.saturating_add(1) };
                        let young = now_ms().saturating_sub(started) < WARM_UP_MS;
                        let wait = if ok && warming && young {
                            Duration::from_millis(warm as u64)
                        } else if ok {
                            Duration::from_millis(period.max(1) as u64)
                        } else {
                            backoff(period, failures)
                        };
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop.changed() => {}
                        }
                        if *stop.borrow() {
                            break;
                        }
                    }
                });
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Runs one round of `job`: (it worked, a metrics round found queries still without data).
    async fn run_job(&self, job: Job, site: &Site) -> (bool, Option<bool>) {
        if let Job::Metrics = job {
            let r = self.poll_metrics(site, now_ms()).await;
            if let Some(e) = &r.unreachable {
                tracing::warn!("{}: Prometheus unreachable: {e}", site.name);
            }
            if let Some(e) = &r.loki_unreachable {
                tracing::warn!("{}: Loki unreachable: {e}", site.name);
            }
            for (expr, e) in &r.errors {
                tracing::warn!("{}: query {expr}: {e}", site.name);
            }
            // Only a round that fetched something tells whether data is still missing.
            return (
                r.unreachable.is_none(),
                (r.fetched > 0).then_some(r.empty > 0),
            );
        }
        (self.run_chore(job, site).await, Some(false))
    }

    async fn run_chore(&self, job: Job, site: &Site) -> bool {
        let now = now_ms();
        match job {
            Job::Metrics => true,
            Job::Alerts => match self.poll_alerts(site, now).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!("{}: alerts: {e}", site.name);
                    false
                }
            },
            Job::Targets => match self.poll_targets(site, now).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!("{}: targets: {e}", site.name);
                    false
                }
            },
            Job::Backfill => {
                // Piece after piece while there is work; live updates run in their own loop.
                let exprs = self.site_exprs(site).await;
                loop {
                    let b = self
                        .backfill_exprs(site, &exprs, now_ms(), self.settings.max_concurrency)
                        .await;
                    for (expr, e) in &b.errors {
                        tracing::warn!("{}: backfill of {expr}: {e}", site.name);
                    }
                    if b.unreachable.is_some() || !b.errors.is_empty() {
                        return false;
                    }
                    if b.pieces == 0 || b.remaining == 0 {
                        return true;
                    }
                }
            }
            Job::Housekeeping => match self.housekeeping(now).await {
                Ok(p) => {
                    if p.chunks + p.rollups + p.alert_events > 0 {
                        tracing::info!(
                            "history past its retention dropped: {} chunks, {} tier blocks, {} alert events",
                            p.chunks,
                            p.rollups,
                            p.alert_events
                        );
                    }
                    true
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    false
                }
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Job {
    Metrics,
    Alerts,
    Targets,
    Backfill,
    Housekeeping,
}

/// What one server did in one metrics round.
#[derive(Default)]
struct Tally {
    asked: usize,
    latencies: Vec<i64>,
    timeouts: usize,
    unreachable: Option<String>,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.asked += o.asked;
        self.latencies.extend(o.latencies);
        self.timeouts += o.timeouts;
        self.unreachable = self.unreachable.take().or(o.unreachable);
        self.first_error = self.first_error.take().or(o.first_error);
    }

    /// Every query timing out is a server that does not answer; one slow query is not.
    fn all_timed_out(&self) -> Option<String> {
        (self.asked > 0 && self.timeouts == self.asked)
            .then(|| self.first_error.clone())
            .flatten()
    }
}

/// Most lines fetched per logs panel query and round (Grafana's default `maxLines`).
pub const LOG_LINES: usize = 1000;

/// A LogQL query on a site without Loki.
fn no_loki() -> SourceError {
    SourceError::Config {
        reason: "a dashboard has a Loki query but this source has no Loki: add loki = \"http://…:3100\" \
                 to its [[source]] in the config, or give --loki URL"
            .into(),
    }
}

fn job_is_metrics(job: Job) -> bool {
    matches!(job, Job::Metrics)
}

/// How often retention and the size cap are enforced.
const HOUSEKEEPING_MS: i64 = 10 * 60_000;

fn state_rank(s: AlertState) -> u8 {
    match s {
        AlertState::Active => 2,
        AlertState::Suppressed => 1,
        AlertState::Unprocessed => 0,
    }
}

/// Merges one Alertmanager's view of an alert into the site's set: the earliest start, the most
/// severe state (active over suppressed), and every member that reported it. The same alert (same
/// key and labels) from several members is one entry; alerts that share a fingerprint (or have
/// none) but not their labels stay apart (the cache then gives each its key, see
/// `source::alert_keys`).
fn merge_alert(merged: &mut BTreeMap<String, ReportedAlert>, a: Alert, url: &str) {
    let key = match merged.get(&a.key()) {
        Some(r) if r.alert.labels != a.labels => a.distinct_key(),
        _ => a.key(),
    };
    match merged.get_mut(&key) {
        None => {
            merged.insert(
                key,
                ReportedAlert {
                    alert: a,
                    reported_by: vec![url.to_string()],
                },
            );
        }
        Some(r) => {
            if a.starts_at < r.alert.starts_at {
                r.alert.starts_at = a.starts_at;
            }
            if state_rank(a.state) > state_rank(r.alert.state) {
                r.alert.state = a.state;
                r.alert.silenced_by = a.silenced_by;
                r.alert.inhibited_by = a.inhibited_by;
            }
            if !r.reported_by.iter().any(|u| u == url) {
                r.reported_by.push(url.to_string());
            }
        }
    }
}

/// `join_all` without the futures crate: runs the futures concurrently and keeps their order.
async fn futures_join_all<F, T>(futs: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    let futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = futs.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                out[*i] = Some(v);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Labels;

    fn alert(fp: &str, start: Millis, state: AlertState) -> Alert {
        Alert {
            fingerprint: fp.into(),
            labels: Labels::new(),
            annotations: Labels::new(),
            starts_at: start,
            updated_at: None,
            ends_at: None,
            generator_url: None,
            receivers: vec![],
            state,
            silenced_by: vec![],
            inhibited_by: vec![],
        }
    }

    #[test]
    fn ha_members_merge_by_fingerprint() {
        let mut m = BTreeMap::new();
        merge_alert(
            &mut m,
            alert("a", 2000, AlertState::Suppressed),
            "http://am1",
        );
        merge_alert(&mut m, alert("a", 1000, AlertState::Active), "http://am2");
        merge_alert(&mut m, alert("b", 5, AlertState::Active), "http://am2");
        assert_eq!(m.len(), 2);
        let a = &m["a"];
        assert_eq!(a.alert.starts_at, 1000, "earliest start wins");
        assert_eq!(a.alert.state, AlertState::Active, "most severe state wins");
        assert_eq!(a.reported_by, vec!["http://am1", "http://am2"]);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b0 = backoff(5_000, 0).as_millis();
        assert!((4_000..=6_000).contains(&b0), "{b0}");
        let b3 = backoff(5_000, 3).as_millis();
        assert!((32_000..=48_000).contains(&b3), "{b3}");
        let b20 = backoff(5_000, 20).as_millis();
        assert!(b20 <= 72_000, "{b20}");
        let slow = backoff(300_000, 4).as_millis();
        assert!(slow <= 360_000, "a long period is its own cap: {slow}");
    }

    #[tokio::test]
    async fn join_all_keeps_order() {
        let v = futures_join_all((0..5).map(|i| async move {
            tokio::time::sleep(Duration::from_millis(50 - i * 10)).await;
            i
        }))
        .await;
        assert_eq!(v, vec![0, 1, 2, 3, 4]);
    }
}
