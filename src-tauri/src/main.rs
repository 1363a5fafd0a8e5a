//! Watchdesk desktop app: a thin Tauri 2 shell over the `watchdesk` engine.
//!
//! The engine polls and keeps the history; this shell starts it on Tauri's async runtime, adapts
//! commands (one line each, in `commands.rs`), turns engine events into UI events, shows desktop
//! notifications (`desktop.rs`) and keeps the tray icon's colour (`tray.rs`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autostart;
mod browser;
mod commands;
mod desktop;
mod dto;
mod error;
mod events;
mod inhibit;
mod state;
mod toast;
mod tray;
mod wall;
mod wall_dto;
mod webview;

use std::path::PathBuf;

use clap::Parser;
use tauri::{Emitter, Manager};

/// The same flags as the `watchdesk` command line, so a script can point the app at any stack.
#[derive(Parser, Debug, Clone)]
#[command(name = "watchdesk-app", version, about = "Watchdesk desktop console")]
pub struct Args {
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    #[arg(long, value_name = "URL")]
    pub alertmanager: Vec<String>,
    #[arg(long, value_name = "FILE")]
    pub cache: Option<PathBuf>,
    /// The site's Loki (logs in an alert's detail).
    #[arg(long, value_name = "URL")]
    pub loki: Option<String>,
    /// Dashboard: a Grafana dashboard JSON file, or the uid of a configured one. Repeatable.
    #[arg(long, value_name = "FILE|UID")]
    pub dashboard: Vec<String>,
    /// Runs the video wall: a full-screen window on every monitor the `[wall]` section places
    /// (without one: every dashboard on every monitor), next to the normal window. `[wall]
    /// start = true` in the config does the same without this flag (at login too).
    #[arg(long)]
    pub wall: bool,
    /// The wall's monitors, when the system shows one surface for several screens (a wall
    /// controller): `left=1920x1080+0+0,right=1920x1080+1920+0` (physical pixels), or `@FILE`
    /// holding that list, read again every time the monitors are looked at (every 5 s).
    #[arg(long, value_name = "NAME=WxH+X+Y,...|@FILE")]
    pub wall_monitors: Option<String>,
    /// Closing the window quits instead of hiding it to the tray.
    #[arg(long)]
    pub close_quits: bool,
    /// Switches "Start at login" on or off for this user (as the app's setting does), prints the
    /// outcome and exits.
    #[arg(long, value_name = "on|off")]
    pub autostart: Option<autostart::Toggle>,
    /// A `watchdesk://alert/<source>/<fingerprint>` link to open (from a notification centre).
    #[arg(value_name = "LINK")]
    pub link: Option<String>,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "watchdesk=info,watchdesk_app=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if let Some(on) = args.autostart {
        std::process::exit(autostart::run_cli(on, context()));
    }
    let shell = match state::open(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("watchdesk-app: {e:#}");
            std::process::exit(1);
        }
    };
    // A playlist naming a dashboard that is not loaded is refused before any window opens.
    let wall = match opens_wall(&args, shell.wall_starts_by_itself())
        .then(|| shell.wall())
        .transpose()
    {
        Ok(w) => w,
        Err(e) => {
            eprintln!("watchdesk-app: the wall cannot start: {e}");
            std::process::exit(1);
        }
    };
    let wall_monitors =
        match watchdesk::desk::wall_monitors::parse_monitor_source(args.wall_monitors.as_deref()) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("watchdesk-app: {e}");
                std::process::exit(2);
            }
        };
    let start_link = args.link.clone();
    let close_quits = args.close_quits;

    let result = tauri::Builder::default()
        // Must be first: a second start focuses this window and passes its link on. A link given
        // alone (`watchdesk-app watchdesk://…`, as xdg-open and Windows start it) reaches the
        // deep-link plugin first (the `deep-link` feature) and `on_open_url` below; a link among
        // other arguments is opened here.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            desktop::show_main(app);
            if argv.len() > 2 {
                if let Some(link) = argv.iter().find(|a| a.starts_with("watchdesk://")) {
                    desktop::open_link_in_app(app, link);
                }
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(autostart::plugin())
        // The wall's windows are placed on their monitors by the wall, never restored.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_filter(|label| !label.starts_with("wall-"))
                .build(),
        )
        .manage(shell.clone())
        .manage(wall::WallState::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::save_view,
            commands::dashboard,
            commands::set_variable,
            commands::set_row_collapsed,
            commands::render_panel,
            commands::panel_values,
            commands::export_panel,
            commands::alerts,
            commands::alert_detail,
            commands::alert_logs,
            commands::status,
            commands::open_link,
            commands::ack,
            commands::unack,
            commands::ack_resolved,
            commands::shift_log,
            commands::export_shift_log,
            commands::autostart,
            commands::set_autostart,
            commands::wall_screen,
            commands::wall_command,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            desktop::route_deep_links(&handle);
            // The installer registers `watchdesk://` (a toast's click is that link); a Windows
            // development build registers itself for the current user.
            #[cfg(all(windows, debug_assertions))]
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                if let Err(e) = handle.deep_link().register_all() {
                    tracing::warn!("cannot register the watchdesk:// links for this user: {e}");
                }
            }
            if let Some(win) = main_window(&handle) {
                webview::draw_without_gpu_compositing(&win);
            }
            desktop::watch_delivery(&handle);
            tray::create(&handle)?;
            state::start_engine(handle.clone(), shell.clone());
            if let Some(w) = wall.clone() {
                wall::start(handle.clone(), shell.clone(), w, wall_monitors.clone());
            }
            if let Some(link) = &start_link {
                desktop::open_link_in_app(&handle, link);
            }
            Ok(())
        })
        .on_window_event(move |window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if !close_quits && window.label() == "main" {
                    // Hidden to the tray; "Quit" in the tray menu ends the app.
                    api.prevent_close();
                    let _ = window.hide();
                    let _ = window.emit(events::HIDDEN, ());
                }
            }
        })
        .run(context());
    if let Err(e) = result {
        eprintln!("watchdesk-app: the window could not be started: {e}. On Linux, check that a display is available (DISPLAY/WAYLAND_DISPLAY) and that WebKitGTK 4.1 is installed (scripts/install-deps.sh desktop).");
        std::process::exit(1);
    }
}

/// Whether this start opens the wall: `--wall`, or `[wall] start = true` in the config
/// (`config_start`), so the app started with no flag — as the autostart entry starts it at login —
/// brings the wall back after a reboot. The normal window opens either way.
fn opens_wall(args: &Args, config_start: bool) -> bool {
    args.wall || config_start
}

/// Tauri's context; development (debug) builds use their own identifier, so their window state and
/// app data never mix with an installed operator's (the engine's folders do the same: `APP_DIR`).
fn context() -> tauri::Context<tauri::Wry> {
    let mut ctx = tauri::generate_context!();
    if cfg!(debug_assertions) {
        ctx.config_mut().identifier = format!("{}.dev", ctx.config().identifier);
    }
    ctx
}

/// The main window, if it exists.
pub fn main_window(app: &tauri::AppHandle) -> Option<tauri::WebviewWindow> {
    app.get_webview_window("main")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_opens_with_the_flag_or_the_configs_start_key() {
        let plain = Args::try_parse_from(["watchdesk-app"]).unwrap();
        let flag = Args::try_parse_from(["watchdesk-app", "--wall"]).unwrap();
        assert!(
            !opens_wall(&plain, false),
            "neither: the normal window only"
        );
        assert!(opens_wall(&flag, false), "--wall still opens it");
        assert!(opens_wall(&plain, true), "[wall] start = true, as at login");
        assert!(opens_wall(&flag, true));
    }
}
