//! "Start at login", through the official autostart plugin: an XDG autostart entry on Linux
//! (`~/.config/autostart/Watchdesk.desktop`), the `Run` key of the user's registry on Windows. The
//! entry starts the app as the desktop entry does (no extra flag): the console opens on the view
//! the operator left, and the wall too when the config says `[wall] start = true`.
//!
//! The same switch is the app's setting (`autostart` / `set_autostart` commands) and
//! `watchdesk-app --autostart on|off` (`run_cli`).

use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;

/// `--autostart on|off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Toggle {
    On,
    Off,
}

/// The entry's name. Development builds have their own, so that a developer's build never replaces
/// an installed operator's entry (as their identifier and folders do).
fn entry_name() -> &'static str {
    if cfg!(debug_assertions) {
        "Watchdesk-dev"
    } else {
        "Watchdesk"
    }
}

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::Builder::new()
        .app_name(entry_name())
        .build()
}

/// Whether the app starts at login for this user.
pub fn is_enabled<R: Runtime>(app: &AppHandle<R>) -> Result<bool, String> {
    app.autolaunch()
        .is_enabled()
        .map_err(|e| format!("cannot read the \"Start at login\" setting: {e}"))
}

/// Switches starting at login on or off; returns the setting as it now is.
pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<bool, String> {
    let manager = app.autolaunch();
    let done = if on {
        manager.enable()
    } else {
        manager.disable()
    };
    done.map_err(|e| {
        format!(
            "cannot switch \"Start at login\" {} ({e}); check that {} is writable",
            if on { "on" } else { "off" },
            where_it_lives()
        )
    })?;
    is_enabled(app)
}

fn where_it_lives() -> &'static str {
    if cfg!(windows) {
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    } else {
        "~/.config/autostart"
    }
}

/// `watchdesk-app --autostart on|off`: sets it, prints the outcome, returns the exit code. Only the
/// autostart plugin runs (no window, no desk, no single instance), so it works while the app is
/// open.
pub fn run_cli(toggle: Toggle, mut ctx: tauri::Context<tauri::Wry>) -> i32 {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "watchdesk-app: --autostart needs the operator's desktop session (no DISPLAY or \
             WAYLAND_DISPLAY here): run it in that session, as that user"
        );
        return 1;
    }
    ctx.config_mut().app.windows.clear();
    let app = match tauri::Builder::default().plugin(plugin()).build(ctx) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("watchdesk-app: cannot start to change \"Start at login\": {e}");
            return 1;
        }
    };
    let want = toggle == Toggle::On;
    match set(app.handle(), want) {
        Ok(now) if now == want && want => {
            println!(
                "Start at login: on (Watchdesk opens when this user logs in; entry in {})",
                where_it_lives()
            );
            0
        }
        Ok(now) if now == want => {
            println!("Start at login: off");
            0
        }
        Ok(_) => {
            eprintln!(
                "watchdesk-app: \"Start at login\" did not change; check {}",
                where_it_lives()
            );
            1
        }
        Err(e) => {
            eprintln!("watchdesk-app: {e}");
            1
        }
    }
}
