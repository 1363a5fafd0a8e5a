//! The poller: fetches every configured dashboard's queries, the alerts and the target health of every
//! site into the cache, on a schedule, with bounded concurrency and backoff.
//!
//! One site failing never stops another: each site has its own tasks, and a failure is a value that is
//! recorded in the cache's source health, never a reason to stop polling.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::{broadcast, watch, Semaphore};

use crate::cache::{AlertChanges, Cache, ReportedAlert};
use crate::config::{Config, SiteConfig};
use crate::dashboard::Dashboard;
use crate::plan::{self, PlannedQuery};
use crate::source::alertmanager::AlertmanagerClient;
use crate::source::prometheus::PrometheusClient;
use crate::source::{Alert, AlertFilter, AlertSource, AlertState, MetricsSource, SourceError};
use crate::time::{now_ms, Millis};

/// The health component name of a site's Prometheus.
pub const PROMETHEUS: &str = "prometheus";

/// The health component name of one Alertmanager.
pub fn alertmanager_component(url: &str) -> String {
    format!("alertmanager {url}")
}

/// One site's clients.
pub struct Site {
    pub name: String,
    pub prometheus: Arc<dyn MetricsSource>,
    pub alertmanagers: Vec<Arc<dyn AlertSource>>,
}

impl Site {
    pub fn connect(cfg: &SiteConfig) -> Result<Site, SourceError> {
        let prometheus: Arc<dyn MetricsSource> =
            Arc::new(PrometheusClient::new(cfg.prometheus.clone())?);
        let mut alertmanagers: Vec<Arc<dyn AlertSource>> = Vec::new();
        for ep in &cfg.alertmanagers {
            alertmanagers.push(Arc::new(AlertmanagerClient::new(ep.clone())?));
        }
        Ok(Site {
            name: cfg.name.clone(),
            prometheus,
            alertmanagers,
        })
    }
}

/// Timing and limits of the poller (from [`Config`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub step_ms: i64,
    pub scrape_interval_ms: i64,
    /// How far back history is fetched (first start, and after the app was closed or offline).
    pub backfill_ms: i64,
    /// The newest part fetched first on each round; older missing history is backfilled after it.
    pub live_window_ms: i64,
    pub refresh_ms: i64,
    pub alert_interval_ms: i64,
    pub targets_interval_ms: i64,
    pub max_concurrency: usize,
    pub retention: crate::cache::Retention,
}

/// The newest hour is fetched first; anything older that is missing is backfilled after it.
pub const LIVE_WINDOW_MS: i64 = 3_600_000;

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

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        Settings {
            step_ms: c.step_ms,
            scrape_interval_ms: c.scrape_interval_ms,
            backfill_ms: c.backfill_ms,
            live_window_ms: LIVE_WINDOW_MS.min(c.backfill_ms),
            refresh_ms: c.refresh_ms,
            alert_interval_ms: c.alert_interval_ms,
            targets_interval_ms: c.targets_interval_ms,
            max_concurrency: c.max_concurrency,
            retention: c.retention,
        }
    }
}

/// What changed, for whoever listens (the desktop shell turns these into UI events).
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
    /// Set when the source itself could not be reached (as opposed to a bad query).
    pub unreachable: Option<String>,
    /// Set when answers could not be stored (disk full, read-only file): the source itself is fine.
    pub cache_error: Option<String>,
}

/// The outcome of [`Poller::poll_once`] for one site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteReport {
    pub site: String,
    pub metrics: MetricsReport,
    pub alerts: Result<usize, String>,
    pub targets: Result<usize, String>,
}

impl SiteReport {
    /// True when every part of the round worked.
    pub fn ok(&self) -> bool {
        self.metrics.errors.is_empty()
            && self.metrics.unreachable.is_none()
            && self.alerts.is_ok()
            && self.targets.is_ok()
    }
}

pub struct Poller {
    pub settings: Settings,
    pub cache: Arc<Cache>,
    pub sites: Vec<Arc<Site>>,
    pub dashboards: Vec<Arc<Dashboard>>,
    events: broadcast::Sender<PollEvent>,
    /// Why the last write to the cache failed (disk full, read-only), until one succeeds.
    cache_problem: std::sync::Mutex<Option<String>>,
}

fn align_down(t: Millis, step: i64) -> Millis {
    t - t.rem_euclid(step)
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
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PollEvent> {
        self.events.subscribe()
    }

    /// Why new data cannot be stored right now (disk full, read-only cache file), for a banner: what
    /// is cached stays on screen and polling goes on; `None` once a write works again.
    pub fn cache_problem(&self) -> Option<String> {
        self.cache_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Notes the outcome of a write to the cache; returns the error text of a failed one.
    fn stored<T>(&self, res: &Result<T, crate::cache::CacheError>) -> Option<String> {
        use crate::cache::CacheError;
        let mut problem = self.cache_problem.lock().unwrap_or_else(|e| e.into_inner());
        match res {
            Ok(_) => {
                if problem.take().is_some() {
                    tracing::info!("the history cache accepts writes again");
                }
                None
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
                    *problem = Some(msg.clone());
                }
                Some(msg)
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
            let (vars, issues) =
                crate::dashboard::resolve_variables(dash, site.prometheus.as_ref(), &selected)
                    .await;
            for i in issues {
                tracing::debug!("{}: {}: {}", site.name, dash.title, i.message);
            }
            let p = plan::plan(dash, &vars, &self.settings);
            if let Err(e) = plan::store(&self.cache, &site.name, dash, &p) {
                tracing::warn!("cannot store the query plan of {}: {e}", dash.title);
            }
            all.extend(p);
        }
        all
    }

    /// Fetches every planned query of `site` from the last cached sample up to now, at most the live
    /// window ([`Settings::live_window_ms`]) back.
    pub async fn poll_metrics(&self, site: &Site, now: Millis) -> MetricsReport {
        let planned = self.plan_site(site).await;
        // The same expression in several panels is fetched once.
        let exprs: BTreeSet<(String, i64)> =
            planned.into_iter().map(|q| (q.expr, q.step_ms)).collect();
        let mut report = MetricsReport {
            queries: exprs.len(),
            ..Default::default()
        };
        let sem = Arc::new(Semaphore::new(self.settings.max_concurrency));
        let down = Arc::new(AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        for (expr, step) in exprs {
            let end = align_down(now, step);
            // The newest part first; what is older and missing is backfilled by `backfill`.
            let window = self.settings.live_window_ms.min(self.settings.backfill_ms);
            let floor = align_down(now - window, step);
            let start = match self.cache.fetched_until(&site.name, &expr, step) {
                Ok(Some(until)) => (until + step).max(floor),
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
            let sem = sem.clone();
            let down = down.clone();
            let prom = site.prometheus.clone();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                if down.load(Ordering::Relaxed) {
                    return (expr, step, start, end, None, 0);
                }
                let t0 = Instant::now();
                let res = prom.query_range(&expr, start, end, step).await;
                if let Err(e) = &res {
                    if e.is_unreachable() {
                        down.store(true, Ordering::Relaxed);
                    }
                }
                let ms = t0.elapsed().as_millis() as i64;
                (expr, step, start, end, Some(res), ms)
            });
        }
        let mut latencies = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let Ok((expr, step, start, end, res, ms)) = joined else {
                continue;
            };
            match res {
                None => {} // skipped: the source is down
                Some(Ok(answer)) => {
                    latencies.push(ms);
                    for w in &answer.warnings {
                        tracing::info!("{}: warning for {expr}: {w}", site.name);
                    }
                    let stored = self.cache.ingest_range(
                        &site.name,
                        &expr,
                        step,
                        (start, end),
                        &answer.data,
                    );
                    self.stored(&stored);
                    match stored {
                        Ok(stats) => {
                            report.fetched += 1;
                            report.samples += stats.samples;
                        }
                        Err(e) => {
                            report.cache_error.get_or_insert_with(|| e.to_string());
                            report.errors.push((expr, e.to_string()))
                        }
                    }
                }
                Some(Err(e)) => {
                    if e.is_unreachable() {
                        report.unreachable.get_or_insert_with(|| e.to_string());
                    } else {
                        report.errors.push((expr, e.to_string()));
                    }
                }
            }
        }
        let at = now_ms();
        match &report.unreachable {
            Some(msg) => self.record(&site.name, PROMETHEUS, at, Err((msg, true))),
            // Prometheus answered; only storing failed (the banner says so): not its fault.
            None if report.fetched == 0
                && !report.errors.is_empty()
                && report.cache_error.is_none() =>
            {
                let msg = report.errors[0].1.clone();
                self.record(&site.name, PROMETHEUS, at, Err((&msg, false)))
            }
            None => {
                let lat = if latencies.is_empty() {
                    0
                } else {
                    latencies.iter().sum::<i64>() / latencies.len() as i64
                };
                self.record(&site.name, PROMETHEUS, at, Ok(lat))
            }
        }
        if report.samples > 0 {
            self.emit(PollEvent::MetricsUpdated {
                site: site.name.clone(),
                samples: report.samples,
            });
        }
        report
    }

    /// Fetches the alerts of every Alertmanager of `site`, deduplicated by fingerprint, into the cache.
    /// Returns how many alerts are current.
    pub async fn poll_alerts(&self, site: &Site, now: Millis) -> Result<usize, String> {
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
            return Err(errors.join("; "));
        }
        // Silences (acknowledgements among them) from the first member that answers: members of a
        // cluster share them.
        for am in &site.alertmanagers {
            if let Ok(s) = am.silences().await {
                if let Err(e) = self.cache.replace_silences(&site.name, &s) {
                    tracing::warn!("{}: cannot store silences: {e}", site.name);
                }
                break;
            }
        }
        let alerts: Vec<ReportedAlert> = merged.into_values().collect();
        let n = alerts.len();
        match self.cache.sync_alerts(&site.name, &alerts, complete, now) {
            Ok(changes) => {
                if !changes.fired.is_empty()
                    || !changes.resolved.is_empty()
                    || !changes.changed.is_empty()
                {
                    self.emit(PollEvent::AlertsChanged {
                        site: site.name.clone(),
                        changes,
                    });
                }
            }
            Err(e) => return Err(e.to_string()),
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
            Err(format!(
                "{} of {} Alertmanagers answered; {}",
                site.alertmanagers.len() - errors.len(),
                site.alertmanagers.len(),
                errors.join("; ")
            ))
        }
    }

    /// Fetches target health and alerting rules of `site`. Returns the number of targets.
    pub async fn poll_targets(&self, site: &Site, now: Millis) -> Result<usize, String> {
        let targets = site.prometheus.targets().await.map_err(|e| e.to_string())?;
        self.cache
            .replace_targets(&site.name, &targets, now)
            .map_err(|e| e.to_string())?;
        match site.prometheus.rules().await {
            Ok(rules) => self
                .cache
                .replace_rules(&site.name, &rules)
                .map_err(|e| e.to_string())?,
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
        planned.into_iter().map(|q| (q.expr, q.step_ms)).collect()
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
        // (from, to, expr, step, whether the piece closes its hole)
        let mut pieces: Vec<(Millis, Millis, String, i64, bool)> = Vec::new();
        for (expr, step) in exprs.iter().cloned() {
            let floor = align_down(now - self.settings.backfill_ms, step);
            let end = align_down(now, step);
            match self.cache.holes(&site.name, &expr, step, floor, end) {
                Ok(holes) => {
                    report.remaining += holes.len();
                    if let Some(&(from, to)) = holes.first() {
                        let from = align_down(from, step);
                        let end = to.min(from + (BACKFILL_POINTS - 1) * step);
                        pieces.push((from, end, expr, step, end >= to));
                    }
                }
                Err(e) => report.errors.push((expr, e.to_string())),
            }
        }
        pieces.sort();
        pieces.truncate(max_pieces.max(1));
        let sem = Arc::new(Semaphore::new(self.settings.max_concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for (from, to, expr, step, closes) in pieces {
            let sem = sem.clone();
            let prom = site.prometheus.clone();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let res = prom.query_range(&expr, from, to, step).await;
                (from, to, expr, step, closes, res)
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok(x) = joined {
                done.push(x);
            }
        }
        // Stored oldest first, so a crash midway leaves the oldest history filled.
        done.sort_by_key(|d| d.0);
        for (from, to, expr, step, closes, res) in done {
            match res {
                Ok(answer) => {
                    let stored =
                        self.cache
                            .ingest_range(&site.name, &expr, step, (from, to), &answer.data);
                    self.stored(&stored);
                    match stored {
                        Ok(stats) => {
                            report.pieces += 1;
                            if closes {
                                report.remaining = report.remaining.saturating_sub(1);
                            }
                            report.samples += stats.samples;
                        }
                        Err(e) => report.errors.push((expr, e.to_string())),
                    }
                }
                Err(e) if e.is_unreachable() => {
                    report.unreachable.get_or_insert_with(|| e.to_string());
                }
                Err(e) => report.errors.push((expr, e.to_string())),
            }
        }
        if report.samples > 0 {
            self.emit(PollEvent::MetricsUpdated {
                site: site.name.clone(),
                samples: report.samples,
            });
        }
        report
    }

    /// Drops history past its retention and keeps the file under its size cap (in the background).
    pub async fn housekeeping(&self, now: Millis) -> Result<crate::cache::PruneStats, String> {
        let cache = self.cache.clone();
        let r = self.settings.retention;
        tokio::task::spawn_blocking(move || cache.enforce_retention(&r, now))
            .await
            .map_err(|e| format!("housekeeping stopped: {e}"))?
            .map_err(|e| e.to_string())
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
    ) -> Result<usize, String> {
        let site = self
            .sites
            .iter()
            .find(|s| s.name == site)
            .ok_or_else(|| format!("no source named {site:?}"))?;
        let start = align_down(from, step_ms);
        let end = align_down(to, step_ms);
        let answer = site
            .prometheus
            .query_range(expr, start, end, step_ms)
            .await
            .map_err(|e| e.to_string())?;
        self.cache
            .ingest_range(&site.name, expr, step_ms, (start, end), &answer.data)
            .map(|s| s.samples)
            .map_err(|e| e.to_string())
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
                let exprs = self.site_exprs(site).await;
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

    /// Polls until `shutdown` turns true. Each site runs three independent loops.
    pub async fn run(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let mut tasks = tokio::task::JoinSet::new();
        let refresh = self
            .dashboards
            .iter()
            .filter_map(|d| d.refresh)
            .min()
            .unwrap_or(self.settings.refresh_ms)
            .max(5_000);
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
                tasks.spawn(async move {
                    let mut failures = 0u32;
                    loop {
                        let ok = me.run_job(job, &site).await;
                        failures = if ok { 0 } else { failures.saturating_add(1) };
                        let wait = if ok {
                            Duration::from_millis(period as u64)
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

    async fn run_job(&self, job: Job, site: &Site) -> bool {
        let now = now_ms();
        match job {
            Job::Metrics => {
                let r = self.poll_metrics(site, now).await;
                if let Some(e) = &r.unreachable {
                    tracing::warn!("{}: Prometheus unreachable: {e}", site.name);
                }
                for (expr, e) in &r.errors {
                    tracing::warn!("{}: query {expr}: {e}", site.name);
                }
                r.unreachable.is_none()
            }
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
                    tracing::warn!("cache housekeeping: {e}");
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
