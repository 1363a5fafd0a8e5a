//! The desk: one running Watchdesk — its config, cache, sites, dashboards, poller and notification
//! policy — and the use cases both front doors share. The command line (`src/main.rs`) and the
//! desktop shell (`src-tauri/`) parse arguments, call a method here and format the answer; no
//! decision about what to list, acknowledge, draw or notify is made outside this module.
//!
//! One file per use-case area: `alerts.rs` (list, counts, detail, the heartbeat rule, overall state),
//! `acks.rs` (acknowledging and its targeting), `dashboards.rs` (panels, hover values, variables),
//! `shift_log.rs`, `notifications.rs` (the notification clock), `check.rs` (`watchdesk check`),
//! `logs.rs` (`watchdesk logs`: Loki, else the cache), `wall.rs` (the video wall: rotation, alarm
//! takeover, screens on monitors; a clock-driven state machine the shell only displays).

mod acks;
mod alert_logs;
mod alerts;
mod check;
mod dashboards;
mod login;
mod logs;
mod notifications;
mod shift_log;
mod wall;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc, watch};

use crate::cache::{Cache, CacheError, SourceHealth};
use crate::config::{Config, ConfigError, DashboardRef, Overrides, Settings};
use crate::dashboard::Dashboard;
use crate::notify::{Notification, Policy};
use crate::poller::{PollError, Poller, SiteReport};
use crate::source::Site;
use crate::time::Millis;

pub use acks::{AckReport, NamedAck};
pub use alert_logs::{alert_query, AlertLogs, AlertLogsRequest, LEAD_MS as ALERT_LOGS_LEAD_MS};
pub use alerts::{AlertDetail, AlertList, Counts, ListedAlert, Overall, RESOLVED_UNACKED};
pub use check::{CheckLine, CheckReport};
pub use dashboards::{
    series_csv, DashboardView, ExportFormat, PanelImage, TimeRange, VariableView,
};
pub use login::{LoginReport, LoginRequest, Verified};
pub use logs::{level_of, LogEntry, LogsReport, LogsRequest};
pub use shift_log::Export;
pub use wall::monitors as wall_monitors;
pub use wall::{
    assign, AlarmView, Assignment, Command, Monitor, Placement, PlaylistKey, ScreenView, Show,
    Wall, WallStatus, WallView,
};

/// What the front doors can be told went wrong. Each message says what failed and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Poll(#[from] PollError),
    #[error(transparent)]
    Ack(#[from] crate::ack::AckError),
    #[error(transparent)]
    View(#[from] crate::view::ViewError),
    #[error("dashboard {reference}: {reason}")]
    Dashboard { reference: String, reason: String },
    #[error("no source named {name:?}; configured: {configured}")]
    NoSuchSource { name: String, configured: String },
    #[error("source {name}: {reason}")]
    SourceSetup { name: String, reason: String },
    #[error("no dashboard {0:?} (open one from the dashboard list)")]
    NoSuchDashboard(String),
    #[error(
        "{what} {input:?} is not a time: write it like now-6h, -15m, now or 2026-11-24T14:00:00Z"
    )]
    BadTime { what: &'static str, input: String },
    #[error("the time range must end after it starts")]
    BadRange,
    #[error("{0} is not in the current alerts (it may have resolved): reload the list")]
    NoSuchAlert(String),
    #[error("{0} has no active acknowledgement")]
    NotAcknowledged(String),
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
}

/// An event for the front door that runs the desk (the desktop shell turns these into UI events and
/// the tray's colour). Notifications travel apart, on a queue that never drops one
/// ([`Desk::take_notifications`]).
#[derive(Debug, Clone, PartialEq)]
pub enum DeskEvent {
    /// New samples of a site are cached: redraw what is on screen.
    Data { site: String },
    /// The alert list changed (None: possibly every site's).
    Alerts { site: Option<String> },
    /// A source's health changed.
    Health,
}

/// How [`Desk::open`] copes with a cache it cannot use.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// Run on an in-memory cache (with a warning) when the cache file cannot be opened at all, rather
    /// than fail: the desktop app shows live data and says it keeps no history.
    pub memory_fallback: bool,
}

/// A loaded dashboard and where it came from.
pub struct LoadedDashboard {
    pub reference: DashboardRef,
    pub dash: Arc<Dashboard>,
    pub issues: Vec<crate::dashboard::Issue>,
    /// A copy with a wall playlist entry's variable values (`wall/copies.rs`): polled and shown
    /// on the wall, never listed to the operator.
    pub wall_copy: bool,
}

/// One running Watchdesk.
pub struct Desk {
    cfg: Config,
    settings: Settings,
    cache: Arc<Cache>,
    poller: Arc<Poller>,
    dashboards: Vec<LoadedDashboard>,
    policy: Mutex<Policy>,
    /// Things the operator should know for as long as they hold (a cache moved aside or read-only,
    /// a source that could not be set up, TLS verification switched off).
    warnings: Vec<String>,
    /// Configured sources whose clients could not be set up (not polled: never green).
    unpolled: Vec<String>,
    /// (source, component) of every configured health component.
    health_keys: Vec<(String, String)>,
    events: broadcast::Sender<DeskEvent>,
    /// Notifications to show, already recorded: the shell's only job is to display them.
    notes_tx: mpsc::UnboundedSender<Vec<Notification>>,
    notes_rx: Mutex<Option<mpsc::UnboundedReceiver<Vec<Notification>>>>,
    /// Expanded dashboards by key, with the variable values they were expanded for.
    expanded:
        Mutex<std::collections::HashMap<String, (crate::dashboard::VarValues, Arc<Dashboard>)>>,
}

impl Desk {
    /// Loads the config and dashboards, opens the cache (moving a damaged one aside) and sets up the
    /// sites' clients. A site whose clients cannot be set up (a missing CA file…) is reported in
    /// [`Desk::warnings`] and not polled; the others run.
    pub fn open(ov: &Overrides, opts: OpenOptions) -> Result<Desk, DeskError> {
        let cfg = Config::load(ov)?;
        Desk::with_config(cfg, opts)
    }

    /// [`Desk::open`] for a configuration already loaded.
    pub fn with_config(cfg: Config, opts: OpenOptions) -> Result<Desk, DeskError> {
        let mut warnings = Vec::new();
        let cache = match Cache::open(&cfg.cache) {
            Ok((cache, note)) => {
                if let Some(n) = note {
                    warnings.push(n.to_string());
                }
                if cache.is_read_only() {
                    warnings.push(format!(
                        "The cache {} is read-only: showing what it holds, nothing new is kept.",
                        cfg.cache.display()
                    ));
                }
                cache
            }
            Err(e) if opts.memory_fallback => {
                warnings.push(format!(
                    "{e}. Running without a history cache: live data only, nothing is kept."
                ));
                Cache::open_in_memory()?
            }
            Err(e) => return Err(e.into()),
        };
        let dashboards = load_dashboards(&cfg)?;
        let mut sites = Vec::new();
        for s in &cfg.sites {
            match Site::connect(
                &s.name,
                &s.prometheus,
                &s.alertmanagers,
                s.loki.as_ref().map(|l| (&l.endpoint, l.tenant.as_deref())),
            ) {
                Ok(site) => sites.push(Arc::new(site)),
                Err(e) => warnings.push(format!(
                    "source {} is not polled: {e}. Fix its settings in the config",
                    s.name
                )),
            }
            for ep in std::iter::once(&s.prometheus).chain(&s.alertmanagers) {
                if ep.tls.insecure_skip_verify {
                    warnings.push(format!(
                        "TLS certificate checks are off for {} (insecure_skip_verify): anyone on \
                         the network path can read and forge its data",
                        crate::source::display_url(&ep.url)
                    ));
                }
            }
        }
        Ok(Desk::from_parts(
            cfg,
            Arc::new(cache),
            sites,
            dashboards,
            warnings,
        ))
    }

    /// A desk over parts made elsewhere (tests feed recorded or hostile sources this way).
    pub fn from_parts(
        cfg: Config,
        cache: Arc<Cache>,
        sites: Vec<Arc<Site>>,
        dashboards: Vec<LoadedDashboard>,
        warnings: Vec<String>,
    ) -> Desk {
        let settings = Settings::from_config(&cfg);
        let dashboards = wall::copies::with_wall_copies(dashboards, cfg.wall.as_ref());
        let poller = Arc::new(Poller::new(
            settings.clone(),
            cache.clone(),
            sites,
            dashboards.iter().map(|d| d.dash.clone()).collect(),
        ));
        let muted_until = cache.muted_until().ok().flatten();
        let policy = Policy {
            muted_until,
            ..Policy::from_config(&cfg)
        };
        let health_keys = crate::config::health_keys(&cfg.sites);
        let unpolled = cfg
            .sites
            .iter()
            .filter(|c| !poller.sites.iter().any(|s| s.name == c.name))
            .map(|c| c.name.clone())
            .collect();
        let (events, _) = broadcast::channel(256);
        let (notes_tx, notes_rx) = mpsc::unbounded_channel();
        Desk {
            cfg,
            settings,
            cache,
            poller,
            dashboards,
            policy: Mutex::new(policy),
            warnings,
            unpolled,
            health_keys,
            events,
            notes_tx,
            notes_rx: Mutex::new(Some(notes_rx)),
            expanded: Mutex::new(Default::default()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    pub fn poller(&self) -> &Arc<Poller> {
        &self.poller
    }

    /// See [`Desk::warnings`] field docs: shown for as long as the desk runs.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Why new data cannot be stored right now (disk full, read-only cache file), if so.
    pub fn cache_problem(&self) -> Option<String> {
        self.poller.cache_problem()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    /// The queue of notifications to display (once: the one front door that shows them takes it).
    pub fn take_notifications(&self) -> Option<mpsc::UnboundedReceiver<Vec<Notification>>> {
        match self.notes_rx.lock() {
            Ok(mut r) => r.take(),
            Err(e) => e.into_inner().take(),
        }
    }

    fn emit(&self, e: DeskEvent) {
        let _ = self.events.send(e);
    }

    /// The configured source names, in order.
    pub fn sources(&self) -> Vec<String> {
        self.cfg.sites.iter().map(|s| s.name.clone()).collect()
    }

    /// The sources a command is about: `Some(name)` (which must exist), or every configured one.
    pub fn pick_sources(&self, want: Option<&str>) -> Result<Vec<String>, DeskError> {
        match want {
            None => Ok(self.sources()),
            Some(w) if self.cfg.sites.iter().any(|s| s.name == w) => Ok(vec![w.to_string()]),
            Some(w) => Err(DeskError::NoSuchSource {
                name: w.to_string(),
                configured: self.sources().join(", "),
            }),
        }
    }

    /// The one source a view or an acknowledgement is about: `want`, else the first.
    pub fn pick_source(&self, want: Option<&str>) -> Result<String, DeskError> {
        let all = self.pick_sources(want)?;
        all.into_iter()
            .next()
            .ok_or_else(|| DeskError::NoSuchSource {
                name: want.unwrap_or("").to_string(),
                configured: "(none)".into(),
            })
    }

    /// The clients of a source, when it could be set up.
    fn site(&self, name: &str) -> Result<Arc<Site>, DeskError> {
        self.pick_source(Some(name))?;
        self.poller
            .site(name)
            .cloned()
            .ok_or_else(|| DeskError::SourceSetup {
                name: name.to_string(),
                reason: "its clients could not be set up (see the warning at start)".into(),
            })
    }

    /// The health of the configured sources only (a cache may remember servers it no longer polls).
    pub fn health(&self) -> Vec<SourceHealth> {
        self.cache.health_of(&self.health_keys).unwrap_or_default()
    }

    /// One round of everything, for `watchdesk poll --once`.
    pub async fn poll_once(&self) -> Vec<SiteReport> {
        self.poller.poll_once().await
    }

    /// Runs the poller's loops and the notification clock until `stop` turns true, forwarding what
    /// changes as [`DeskEvent`]s.
    pub async fn run(self: Arc<Self>, stop: watch::Receiver<bool>) {
        let poller = tokio::spawn(self.poller.clone().run(stop.clone()));
        let clock = tokio::spawn(self.clone().notification_clock(stop));
        let _ = tokio::join!(poller, clock);
    }

    /// Polls only the poller, without notifications (`watchdesk poll`).
    pub async fn run_poller(&self, stop: watch::Receiver<bool>) {
        self.poller.clone().run(stop).await
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// Loads every configured dashboard; one that does not parse is an error naming it.
fn load_dashboards(cfg: &Config) -> Result<Vec<LoadedDashboard>, DeskError> {
    let mut out = Vec::new();
    for r in &cfg.dashboards {
        let text = r.load_text()?;
        let (dash, issues) = crate::dashboard::parse(&text).map_err(|e| DeskError::Dashboard {
            reference: r.display(),
            reason: e.to_string(),
        })?;
        for i in &issues {
            tracing::info!("{}: {i}", r.display());
        }
        out.push(LoadedDashboard {
            reference: r.clone(),
            dash: Arc::new(dash),
            issues,
            wall_copy: false,
        });
    }
    Ok(out)
}

/// The OS user, the default author of acknowledgements.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "operator".into())
}

/// A file-name-safe local time stamp: 2026-11-30_2215.
fn file_stamp(ms: Millis) -> String {
    crate::time::local_datetime(ms)
        .chars()
        .map(|c| match c {
            ' ' => '_',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '-',
        })
        .collect()
}

/// Writes `bytes` into `dir` as `<base>.<ext>`, or `<base>-2.<ext>`… when that exists: never over an
/// earlier file. Returns where.
pub(crate) fn write_new(
    dir: &std::path::Path,
    base: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<PathBuf, DeskError> {
    use std::io::Write as _;
    for k in 1..1000 {
        let name = if k == 1 {
            format!("{base}.{ext}")
        } else {
            format!("{base}-{k}.{ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(bytes)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| DeskError::Io {
                        what: format!("cannot write {}", path.display()),
                        reason: format!("{e}; check the free space and permissions of the folder"),
                    })?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(DeskError::Io {
                    what: format!("cannot create {}", path.display()),
                    reason: format!("{e}; check the permissions of the folder"),
                })
            }
        }
    }
    Err(DeskError::Io {
        what: format!("cannot find a free file name in {}", dir.display()),
        reason: "999 files of this name exist already".into(),
    })
}

/// The user's download folder (created when missing).
pub fn download_dir() -> Result<PathBuf, DeskError> {
    let dir = dirs::download_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
        .ok_or_else(|| DeskError::Io {
            what: "no home folder to save the export in".into(),
            reason: "HOME is not set".into(),
        })?;
    std::fs::create_dir_all(&dir).map_err(|e| DeskError::Io {
        what: format!("cannot create the folder {}", dir.display()),
        reason: e.to_string(),
    })?;
    Ok(dir)
}

#[cfg(test)]
mod tests;
