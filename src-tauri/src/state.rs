//! The shell's state: the engine's config, cache and poller, plus notification settings. Starting
//! the engine and forwarding its events to the UI, notifications and tray.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use tauri::{AppHandle, Emitter};

use watchdesk::cache::Cache;
use watchdesk::config::{Config, Overrides};
use watchdesk::dashboard::{self, Dashboard};
use watchdesk::notify::Policy;
use watchdesk::poller::{PollEvent, Poller, Settings, Site};
use watchdesk::time::now_ms;

use crate::Args;

pub struct Shell {
    pub cfg: Config,
    pub cache: Arc<Cache>,
    pub poller: Arc<Poller>,
    pub dashboards: Vec<Arc<Dashboard>>,
    pub policy: Mutex<Policy>,
    /// Shown once in the UI: a cache that had to be moved aside, a read-only cache.
    pub startup_note: Option<String>,
}

const MUTE_KEY: &str = "app/muted_until";

impl Shell {
    pub fn new(args: &Args) -> Result<Shell> {
        let ov = Overrides {
            config: args.config.clone(),
            prometheus: args.prometheus.clone(),
            alertmanagers: args.alertmanager.clone(),
            cache: args.cache.clone(),
            dashboards: args.dashboard.clone(),
        };
        let cfg = Config::load(&ov)?;
        let (cache, note) =
            Cache::open(&cfg.cache).with_context(|| format!("cache {}", cfg.cache.display()))?;
        let mut startup_note = note.map(|n| n.to_string());
        if cache.is_read_only() {
            startup_note = Some(format!(
                "The cache {} is read-only: showing what it holds, nothing new is kept.",
                cfg.cache.display()
            ));
        }
        let cache = Arc::new(cache);
        let mut dashboards = Vec::new();
        for r in &cfg.dashboards {
            let text = r.load_text()?;
            let (d, issues) =
                dashboard::parse(&text).with_context(|| format!("dashboard {}", r.display()))?;
            for i in issues {
                tracing::info!("{}: {i}", r.display());
            }
            dashboards.push(Arc::new(d));
        }
        let mut sites = Vec::new();
        for s in &cfg.sites {
            sites.push(Arc::new(
                Site::connect(s).with_context(|| format!("source {}", s.name))?,
            ));
        }
        let poller = Arc::new(Poller::new(
            Settings::from_config(&cfg),
            cache.clone(),
            sites,
            dashboards.clone(),
        ));
        let muted_until = cache
            .get_meta(MUTE_KEY)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok());
        let policy = Policy {
            muted_until,
            ..Policy::from_config(&cfg)
        };
        Ok(Shell {
            cfg,
            cache,
            poller,
            dashboards,
            policy: Mutex::new(policy),
            startup_note,
        })
    }

    /// The current notification policy (a copy; a poisoned lock still has a usable policy).
    pub fn policy(&self) -> Policy {
        match self.policy.lock() {
            Ok(p) => p.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }

    pub fn dashboard(&self, uid: &str) -> Option<&Arc<Dashboard>> {
        self.dashboards
            .iter()
            .find(|d| watchdesk::plan::dashboard_key(d) == uid)
            .or_else(|| self.dashboards.first().filter(|_| uid.is_empty()))
    }

    /// The site a view shows (the first; several sites are polled and listed in alerts).
    pub fn site(&self) -> String {
        self.cfg
            .sites
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "default".into())
    }

    pub fn mute_for(&self, ms: i64) {
        let until = now_ms() + ms;
        if let Ok(mut p) = self.policy.lock() {
            p.muted_until = Some(until);
        }
        let _ = self.cache.set_meta(MUTE_KEY, &until.to_string());
    }
}

/// Starts the poller on Tauri's runtime and forwards its events.
pub fn start_engine(app: AppHandle, shell: Arc<Shell>) {
    let mut events = shell.poller.subscribe();
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // The sender lives as long as the app: dropping it would not stop the loops (they stop on
    // `true`), and the process ends with the app.
    std::mem::forget(_stop_tx);
    tauri::async_runtime::spawn(shell.poller.clone().run(stop_rx));

    // Notifications for alerts already in the cache at start (deduplicated by fingerprint).
    crate::desktop::notify_due(&app, &shell);
    crate::tray::refresh(&app, &shell);

    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(PollEvent::MetricsUpdated { site, .. }) => {
                    let _ = app.emit("wd:data", serde_json::json!({ "site": site }));
                }
                Ok(PollEvent::AlertsChanged { site, .. }) => {
                    let _ = app.emit("wd:alerts", serde_json::json!({ "site": site }));
                    crate::desktop::notify_due(&app, &shell);
                    crate::tray::refresh(&app, &shell);
                }
                Ok(PollEvent::HealthChanged { .. }) => {
                    let _ = app.emit("wd:health", serde_json::json!({}));
                    crate::tray::refresh(&app, &shell);
                    crate::desktop::notify_pipeline(&app, &shell, &shell.policy());
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Too many events at once (an alert storm): refresh everything once.
                    let _ = app.emit("wd:alerts", serde_json::json!({ "site": null }));
                    let _ = app.emit("wd:health", serde_json::json!({}));
                    crate::desktop::notify_due(&app, &shell);
                    crate::tray::refresh(&app, &shell);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
