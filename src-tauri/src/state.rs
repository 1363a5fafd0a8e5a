//! The shell's state is the engine's desk. Starting it on Tauri's runtime and forwarding its events:
//! UI events, notifications to display, the tray's colour.

use std::sync::Arc;

use anyhow::Result;
use tauri::{AppHandle, Emitter};

use watchdesk::config::Overrides;
use watchdesk::desk::{Desk, DeskEvent, OpenOptions};

use crate::Args;

/// The desk as the commands see it.
pub type Shell = Arc<Desk>;

/// Opens the desk from the app's flags (the same as the command line's). A cache that cannot be
/// opened at all leaves the app running on live data, with a warning in the UI.
pub fn open(args: &Args) -> Result<Shell> {
    let ov = Overrides {
        config: args.config.clone(),
        prometheus: args.prometheus.clone(),
        alertmanagers: args.alertmanager.clone(),
        cache: args.cache.clone(),
        dashboards: args.dashboard.clone(),
        loki: args.loki.clone(),
    };
    Ok(Arc::new(Desk::open(
        &ov,
        OpenOptions {
            memory_fallback: true,
        },
    )?))
}

/// Starts the desk (poller and notification clock) on Tauri's runtime and forwards its events.
pub fn start_engine(app: AppHandle, desk: Shell) {
    let mut events = desk.subscribe();
    if let Some(mut notes) = desk.take_notifications() {
        let app = app.clone();
        let desk = desk.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(batch) = notes.recv().await {
                let policy = desk.policy();
                for n in batch {
                    crate::desktop::show(&app, policy.sound_for(&n), n);
                }
            }
        });
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // The sender lives as long as the app: the process ends with it.
    std::mem::forget(stop_tx);
    tauri::async_runtime::spawn(desk.clone().run(stop_rx));
    crate::tray::refresh(&app, &desk);
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(DeskEvent::Data { site }) => {
                    let _ = app.emit(crate::events::DATA, serde_json::json!({ "site": site }));
                }
                Ok(DeskEvent::Alerts { site }) => {
                    let _ = app.emit(crate::events::ALERTS, serde_json::json!({ "site": site }));
                    crate::tray::refresh(&app, &desk);
                }
                Ok(DeskEvent::Health) => {
                    let _ = app.emit(crate::events::HEALTH, serde_json::json!({}));
                    crate::tray::refresh(&app, &desk);
                }
                Err(RecvError::Lagged(_)) => {
                    let _ = app.emit(crate::events::ALERTS, serde_json::json!({ "site": null }));
                    let _ = app.emit(crate::events::HEALTH, serde_json::json!({}));
                    crate::tray::refresh(&app, &desk);
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}
