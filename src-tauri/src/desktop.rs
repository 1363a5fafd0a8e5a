//! Desktop integration: showing the notifications the desk decided on (whose click opens the alert),
//! and bringing the window forward.
//!
//! Linux: notify-rust over D-Bus; the default action (a click) is received by `wait_for_response` on
//! its own thread. Windows: a toast of our own (`toast.rs`) under the app's AppUserModelID (the
//! identifier, set on the Start-menu shortcut by the installer), whose click is the alert's
//! `watchdesk://` link. Links given to the app (xdg-open, the Windows protocol handler, a toast, a
//! second start) arrive through the deep-link and single-instance plugins (`route_deep_links`).
//!
//! When notifications cannot be shown (no notification daemon on the session bus, no session bus,
//! Windows notifications turned off), the status bar says so for as long as it lasts
//! (`delivery_problem`, in the `status` command's warnings): a console whose critical alerts would
//! pop up nowhere must not look fine. Linux asks the daemon for its name at start and every 30 s
//! (`watch_delivery`); every notification shown or refused also says whether delivery works.

use tauri::{AppHandle, Emitter};
use tauri_plugin_deep_link::DeepLinkExt;

use watchdesk::notify::{self, Link, Notification};
#[cfg(not(windows))]
use watchdesk::severity::Severity;

/// Why desktop notifications cannot be shown now; `None` while they can.
static UNDELIVERABLE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// What the status bar's warning line says while notifications cannot be shown.
pub fn delivery_problem() -> Option<String> {
    UNDELIVERABLE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// Records whether notifications can be shown; the UI reads the status again on a change.
fn set_delivery(app: &AppHandle, problem: Option<String>) {
    let changed = {
        let mut now = UNDELIVERABLE.lock().unwrap_or_else(|e| e.into_inner());
        let changed = *now != problem;
        *now = problem.clone();
        changed
    };
    if changed {
        match &problem {
            Some(p) => tracing::warn!("{p}"),
            None => tracing::info!("desktop notifications can be shown again"),
        }
        let _ = app.emit(crate::events::HEALTH, serde_json::json!({}));
    }
}

#[cfg(not(windows))]
fn undeliverable(e: &dyn std::fmt::Display) -> String {
    format!(
        "desktop notifications cannot be shown ({e}): critical alerts appear only in this \
         window. Start the desktop's notification daemon (e.g. dunst, or log in to a full desktop \
         session)"
    )
}

/// Linux: asks the notification daemon for its name at start and every 30 s, so that a missing
/// daemon shows in the status bar before the first alert needs it.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn watch_delivery(app: &AppHandle) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("notify-probe".into())
        .spawn(move || loop {
            let problem = notify_rust::get_server_information()
                .err()
                .map(|e| undeliverable(&e));
            set_delivery(&app, problem);
            std::thread::sleep(std::time::Duration::from_secs(30));
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot watch whether notifications can be shown: {e}");
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn watch_delivery(_app: &AppHandle) {}

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
    let _ = app.emit(crate::events::NAVIGATE, payload.clone());
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let _ = app.emit(crate::events::NAVIGATE, payload);
    });
}

/// Links that reach a running app through the deep-link plugin (a second start with the link as
/// its only argument, forwarded by the single-instance plugin) open in the window.
pub fn route_deep_links(app: &AppHandle) {
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            open_link_in_app(&handle, url.as_str());
        }
    });
}

/// Notification servers may interpret a subset of HTML in the body (and some in the summary):
/// alert text is escaped in both.
#[cfg(not(windows))]
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The summary and body as sent to the daemon: server text escaped in both.
#[cfg(not(windows))]
fn shown_text(n: &Notification) -> (String, String) {
    (escape_markup(&n.title), escape_markup(&n.body))
}

/// Displays one notification the desk decided on.
pub fn show(app: &AppHandle, sound: bool, n: Notification) {
    tracing::info!("notifying {} ({}/{})", n.title, n.source, n.fingerprint);
    #[cfg(windows)]
    {
        // Development builds have no Start-menu shortcut carrying their identifier: PowerShell's
        // AppUserModelID (what notify-rust uses by default) shows their toasts.
        const POWERSHELL_APP_ID: &str =
            "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe";
        let app_id = if cfg!(debug_assertions) {
            POWERSHELL_APP_ID.to_string()
        } else {
            app.config().identifier.clone()
        };
        let (handle, source, fingerprint) = (app.clone(), n.source.clone(), n.fingerprint.clone());
        let shown = crate::toast::show(&app_id, &crate::toast::xml(&n, sound), move || {
            ack_from_notification(&handle, source.clone(), fingerprint.clone())
        });
        set_delivery(
            app,
            shown.err().map(|e| {
                format!(
                    "Windows notifications cannot be shown ({e}): critical alerts appear only in \
                     this window. Turn notifications for Watchdesk on in Settings > System > \
                     Notifications"
                )
            }),
        );
    }
    #[cfg(not(windows))]
    show_freedesktop(app, sound, n);
}

/// notify-rust: D-Bus on Linux (the desktop's notification daemon).
#[cfg(not(windows))]
fn show_freedesktop(app: &AppHandle, sound: bool, n: Notification) {
    let (summary, body) = shown_text(&n);
    let mut note = notify_rust::Notification::new();
    note.appname("Watchdesk")
        .summary(&summary)
        .body(&body)
        .action("default", "Open alert");
    if n.can_acknowledge() {
        note.action("ack", "Acknowledge 1 h");
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.urgency(if n.severity == Severity::Critical {
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
    let _ = (sound, Severity::Critical);
    match note.show() {
        #[cfg(all(unix, not(target_os = "macos")))]
        Ok(handle) => {
            set_delivery(app, None);
            let app = app.clone();
            std::thread::spawn(move || {
                // The "default" action key is a click on the body.
                let _ = handle.wait_for_response(|r: &notify_rust::NotificationResponse| match r {
                    notify_rust::NotificationResponse::Default => open_link_in_app(&app, &n.link),
                    notify_rust::NotificationResponse::Action(key) => match key.as_str() {
                        "default" => open_link_in_app(&app, &n.link),
                        "ack" => {
                            ack_from_notification(&app, n.source.clone(), n.fingerprint.clone())
                        }
                        _ => {}
                    },
                    _ => {}
                });
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        Ok(_) => set_delivery(app, None),
        Err(e) => set_delivery(app, Some(undeliverable(&e))),
    }
}

/// The notification's "Acknowledge 1 h" action, on the async runtime (never blocking the thread
/// that waits for the click).
#[cfg_attr(target_os = "macos", allow(dead_code))]
fn ack_from_notification(app: &AppHandle, source: String, fingerprint: String) {
    use tauri::Manager;
    let desk = app.state::<crate::state::Shell>().inner().clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = desk
            .acknowledge_from_notification(&source, &fingerprint)
            .await
        {
            tracing::warn!("cannot acknowledge {source}/{fingerprint} from the notification: {e}");
        }
    });
}

#[cfg(all(test, not(windows)))]
mod tests {
    use watchdesk::notify::{NoteKind, Notification};
    use watchdesk::severity::Severity;

    /// Regression: the notification title (the alert name) was not markup-escaped, only the body.
    #[test]
    fn notification_titles_were_not_markup_escaped() {
        let evil = "<img src=x onerror=alert(1)> & </text><script>";
        let n = Notification {
            kind: NoteKind::Alert,
            source: "s".into(),
            fingerprint: "f".into(),
            alertname: evil.into(),
            severity: Severity::Critical,
            title: format!("CRITICAL {evil}"),
            summary: evil.into(),
            body: evil.into(),
            link: String::new(),
        };
        let (summary, body) = super::shown_text(&n);
        let escaped = "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;/text&gt;&lt;script&gt;";
        assert_eq!(summary, format!("CRITICAL {escaped}"));
        assert_eq!(body, escaped);
    }
}
