//! Desktop integration: notifications whose click opens the alert, and bringing the window forward.
//!
//! Linux: notify-rust over D-Bus; the default action (a click) is received by `wait_for_action` on its
//! own thread. Windows: notify-rust's toast backend shows the toast; a click from the notification
//! centre after a restart arrives as a `watchdesk://` link through the single-instance handler.

use std::sync::Arc;

use tauri::{AppHandle, Emitter};

use watchdesk::notify::{self, Link, Notification};
use watchdesk::time::now_ms;

use crate::state::Shell;

/// Shows, un-minimises and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = crate::main_window(app) {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Routes a `watchdesk://` link to the UI.
pub fn open_link_in_app(app: &AppHandle, link: &str) {
    let payload = match notify::parse_link(link) {
        Some(Link::Alert {
            source,
            fingerprint,
        }) => serde_json::json!({ "view": "alert", "source": source, "fingerprint": fingerprint }),
        Some(Link::Alerts { group }) => serde_json::json!({ "view": "alerts", "group": group }),
        None => {
            tracing::warn!("ignoring a link that is not a watchdesk:// alert link: {link:?}");
            return;
        }
    };
    show_main(app);
    // The page may still be loading at start: send now and once more shortly after.
    let _ = app.emit("wd:navigate", payload.clone());
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let _ = app.emit("wd:navigate", payload);
    });
}

/// Shows a notification for every alert that is due (see `watchdesk::notify::due`).
pub fn notify_due(app: &AppHandle, shell: &Arc<Shell>) {
    let policy = shell.policy();
    match notify::due(&shell.cache, &policy, now_ms()) {
        Ok(list) => {
            for n in list {
                show(app, &policy, n);
            }
        }
        Err(e) => tracing::warn!("cannot decide notifications: {e}"),
    }
    notify_pipeline(app, shell, &policy);
}

/// The monitoring itself: a broken pipeline (Watchdog missing) or a source unreachable too long.
pub fn notify_pipeline(app: &AppHandle, shell: &Arc<Shell>, policy: &notify::Policy) {
    match notify::pipeline_due(
        &shell.cache,
        &shell.cfg.sites,
        notify::PipelineLimits::from_config(&shell.cfg),
        policy,
        now_ms(),
    ) {
        Ok(list) => {
            for n in list {
                show(app, policy, n);
            }
        }
        Err(e) => tracing::warn!("cannot check the monitoring pipeline: {e}"),
    }
}

/// The notification's "Acknowledge 1 h" action: alertname + instance, by the OS user.
#[cfg(all(unix, not(target_os = "macos")))]
fn ack_from_notification(app: &AppHandle, source: &str, fingerprint: &str) {
    use tauri::Manager;
    let shell = app.state::<Arc<Shell>>().inner().clone();
    let Some(alert) = shell
        .cache
        .current_alerts(Some(source))
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.fingerprint == fingerprint)
    else {
        tracing::info!("acknowledge from the notification: the alert has resolved meanwhile");
        return;
    };
    let Some(site) = shell
        .poller
        .sites
        .iter()
        .find(|s| s.name == source)
        .cloned()
    else {
        return;
    };
    let res = tauri::async_runtime::block_on(watchdesk::ack::acknowledge(
        &shell.cache,
        &site,
        watchdesk::ack::default_matchers(&alert.labels),
        3_600_000,
        &whoami::username(),
        "acknowledged from the desktop notification",
        now_ms(),
    ));
    match res {
        Ok(o) => tracing::info!(
            "acknowledged {} from the notification: {o:?}",
            alert.alertname
        ),
        Err(e) => tracing::warn!(
            "cannot acknowledge {} from the notification: {e}",
            alert.alertname
        ),
    }
    let _ = tauri::async_runtime::block_on(shell.poller.poll_alerts(&site, now_ms()));
    let _ = app.emit("wd:alerts", serde_json::json!({ "site": source }));
}

/// Notification servers may interpret a subset of HTML in the body: alert text is escaped.
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn show(app: &AppHandle, policy: &notify::Policy, n: Notification) {
    let sound = policy.sound_for(&n.severity);
    let title = format!("{} {}", n.severity.to_uppercase(), n.alertname);
    let mut note = notify_rust::Notification::new();
    note.appname("Watchdesk")
        .summary(&title)
        .body(&escape_markup(&n.body))
        .action("default", "Open alert");
    if !n.fingerprint.is_empty() {
        // A single alert (not a group or storm summary) can be acknowledged from here.
        note.action("ack", "Acknowledge 1 h");
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.urgency(if n.severity == "critical" {
            notify_rust::Urgency::Critical
        } else {
            notify_rust::Urgency::Normal
        });
        note.hint(notify_rust::Hint::Category("alert".into()));
        if sound {
            // Freedesktop sound naming: the daemon plays it where sound is set up.
            note.sound_name("alarm-clock-elapsed");
        }
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = sound;
    tracing::info!("notifying {} ({}/{})", title, n.source, n.fingerprint);
    match note.show() {
        #[cfg(all(unix, not(target_os = "macos")))]
        Ok(handle) => {
            let app = app.clone();
            let link = n.link.clone();
            let (source, fingerprint) = (n.source.clone(), n.fingerprint.clone());
            std::thread::spawn(move || {
                handle.wait_for_action(|action| match action {
                    "default" | "Open alert" => open_link_in_app(&app, &link),
                    "ack" => ack_from_notification(&app, &source, &fingerprint),
                    _ => {}
                });
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        Ok(_) => {
            let _ = app;
        }
        Err(e) => tracing::warn!(
            "cannot show a desktop notification ({e}); is a notification daemon running?"
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            super::escape_markup("<img src=x onerror=alert(1)> & </text><script>"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;/text&gt;&lt;script&gt;"
        );
    }
}
