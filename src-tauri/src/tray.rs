//! The tray icon: its colour is the worst current state (red critical, amber warning, grey when a
//! source is unreachable, green all clear), its tooltip and the window title say the same in words.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

use watchdesk::desk::Overall;

use crate::state::Shell;

const TRAY_ID: &str = "main";

fn rgb(o: Overall) -> [u8; 3] {
    // Okabe-Ito: vermillion, orange, grey, bluish green.
    match o {
        Overall::Critical => [0xD5, 0x5E, 0x00],
        Overall::Warning => [0xE6, 0x9F, 0x00],
        Overall::Stale => [0x8A, 0x8F, 0x98],
        Overall::Ok => [0x00, 0x9E, 0x73],
    }
}

/// A 32×32 round icon in the state's colour, with a shape per state so that colour is not the only
/// cue: a bar (critical), a dot (warning), a ring (stale), a full disc (ok).
pub fn icon(o: Overall) -> Image<'static> {
    let n = 32usize;
    let [r, g, b] = rgb(o);
    let mut px = vec![0u8; n * n * 4];
    for y in 0..n {
        for x in 0..n {
            let dx = x as f64 - 15.5;
            let dy = y as f64 - 15.5;
            let d = (dx * dx + dy * dy).sqrt();
            let mut on = d <= 15.0;
            let mut dark = false;
            match o {
                Overall::Critical => dark = d <= 15.0 && dx.abs() <= 2.5 && dy.abs() <= 9.0,
                Overall::Warning => dark = d <= 4.5,
                Overall::Stale => on = (9.5..=15.0).contains(&d),
                Overall::Ok => {}
            }
            if on {
                let i = (y * n + x) * 4;
                let c = if dark { [0x11, 0x14, 0x18] } else { [r, g, b] };
                px[i..i + 3].copy_from_slice(&c);
                px[i + 3] = 255;
            }
        }
    }
    Image::new_owned(px, n as u32, n as u32)
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Watchdesk", true, None::<&str>)?;
    let mute15 = MenuItem::with_id(
        app,
        "mute15",
        "Mute notifications for 15 min",
        true,
        None::<&str>,
    )?;
    let mute60 = MenuItem::with_id(
        app,
        "mute60",
        "Mute notifications for 1 h",
        true,
        None::<&str>,
    )?;
    let unmute = MenuItem::with_id(app, "unmute", "Unmute notifications", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &mute15, &mute60, &unmute, &sep, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(Overall::Stale))
        .tooltip("Watchdesk — starting")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| {
            let desk = app.state::<Shell>();
            let muted = match event.id.as_ref() {
                "open" => {
                    crate::desktop::show_main(app);
                    Ok(())
                }
                "mute15" => desk.mute_for(15 * 60_000),
                "mute60" => desk.mute_for(60 * 60_000),
                "unmute" => desk.mute_for(0),
                "quit" => {
                    app.exit(0);
                    Ok(())
                }
                _ => Ok(()),
            };
            if let Err(e) = muted {
                tracing::warn!("the mute could not be kept: {e}");
            }
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::desktop::show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

/// Recolours the tray and retitles the window from the cache.
pub fn refresh(app: &AppHandle, desk: &Shell) {
    let (o, c) = desk.overall();
    let words = match o {
        Overall::Critical => format!("{} critical", c.critical),
        Overall::Warning => format!("{} warning, {} unknown severity", c.warning, c.unknown),
        Overall::Stale => "a source is unreachable — data may be stale".to_string(),
        Overall::Ok => "all clear".to_string(),
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_icon(Some(icon(o)));
        let _ = tray.set_tooltip(Some(format!(
            "Watchdesk — {words} ({} alerts firing)",
            c.firing
        )));
    }
    if let Some(w) = crate::main_window(app) {
        let title = if c.firing > 0 {
            format!("({}) Watchdesk — {}", c.firing, words)
        } else {
            format!("Watchdesk — {words}")
        };
        let _ = w.set_title(&title);
    }
}
