//! The video wall's windows (`watchdesk-app --wall`): one full-screen, undecorated window per
//! screen the engine's [`Wall`] places, each told what to show (`wd:wall`). Everything the wall
//! decides — rotation, keys, alarm takeover, which playlist on which monitor — is the engine's
//! (`watchdesk::desk::Wall`); this file only reports the monitors, the desk's status and the keys,
//! sleeps until the view's `next_change` or a desk event, and opens, moves and closes windows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};
use tokio::sync::Notify;

use watchdesk::desk::wall_monitors::{Looker, MonitorSource};
use watchdesk::desk::{Command, DeskEvent, Monitor, Wall, WallView};
use watchdesk::time::now_ms;

use crate::state::Shell;
use crate::wall_dto::WallScreenDto;

/// How often the monitors are looked at again (screens unplugged, docked, RDP) when nothing else
/// wakes the wall.
const MONITOR_POLL: Duration = Duration::from_secs(5);

/// The wall's state in the app: the engine's wall while it runs, and which window shows which
/// monitor.
#[derive(Default)]
pub struct WallShell {
    wall: Mutex<Option<Wall>>,
    /// Window label → monitor name.
    windows: Mutex<BTreeMap<String, String>>,
    wake: Notify,
}

pub type WallState = Arc<WallShell>;

/// What the window `label` shows now (a wall page asks once when it loads).
pub fn screen_of(ws: &WallShell, label: &str) -> Option<WallScreenDto> {
    let monitor = ws.windows.lock().ok()?.get(label)?.clone();
    let view = ws.wall.lock().ok()?.as_mut()?.view(now_ms());
    view.screens
        .into_iter()
        .find(|s| s.monitor.name == monitor)
        .map(WallScreenDto::from)
}

/// A key pressed on the wall window `label`: the engine applies it to that window's screen.
pub fn command(ws: &WallShell, label: &str, cmd: Command) {
    let monitor = ws.windows.lock().ok().and_then(|w| w.get(label).cloned());
    if let Ok(mut wall) = ws.wall.lock() {
        if let Some(wall) = wall.as_mut() {
            wall.command(monitor.as_deref(), cmd, now_ms());
        }
    }
    ws.wake.notify_one();
}

/// The monitors as the engine sees them: the system's name (else `monitor-<index>`), its
/// position in the system's list, its geometry in physical pixels; or the `--wall-monitors` list,
/// each with the scale factor of the system's monitor it lies on.
fn monitors(app: &AppHandle, given: Option<&[Monitor]>) -> Vec<(Monitor, f64)> {
    let system = system_monitors(app);
    let Some(given) = given else {
        return system;
    };
    given
        .iter()
        .map(|m| {
            let scale = system
                .iter()
                .find(|(s, _)| {
                    (s.x..s.x.saturating_add(s.width as i32)).contains(&m.x)
                        && (s.y..s.y.saturating_add(s.height as i32)).contains(&m.y)
                })
                .map_or(1.0, |(_, f)| *f);
            (m.clone(), scale)
        })
        .collect()
}

fn system_monitors(app: &AppHandle) -> Vec<(Monitor, f64)> {
    app.available_monitors()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, m)| {
            let name = m
                .name()
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("monitor-{index}"));
            let (p, s) = (m.position(), m.size());
            let mon = Monitor {
                name,
                index,
                x: p.x,
                y: p.y,
                width: s.width,
                height: s.height,
            };
            (mon, m.scale_factor())
        })
        .collect()
}

/// Starts the wall: its windows now, then a task that keeps them showing what the engine says.
pub fn start(app: AppHandle, desk: Shell, wall: Wall, source: MonitorSource) {
    let ws: WallState = app.state::<WallState>().inner().clone();
    let now = now_ms();
    let mut wall = wall;
    let mut looker = Looker::new(source);
    let mons = monitors(&app, looker.given().as_deref());
    let plain: Vec<Monitor> = mons.iter().map(|(m, _)| m.clone()).collect();
    wall.set_monitors(&plain, now);
    wall.set_status(&desk.wall_status(), now);
    if let Ok(mut w) = ws.wall.lock() {
        *w = Some(wall);
    }
    let inhibit = crate::inhibit::Inhibit::start();
    // Desk events: the alert list and the stale banner changed.
    {
        let ws = ws.clone();
        let desk = desk.clone();
        let mut events = desk.subscribe();
        tauri::async_runtime::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match events.recv().await {
                    Ok(DeskEvent::Alerts { .. } | DeskEvent::Health)
                    | Err(RecvError::Lagged(_)) => {
                        let status = desk.wall_status();
                        match ws.wall.lock() {
                            Ok(mut w) => match w.as_mut() {
                                Some(w) => w.set_status(&status, now_ms()),
                                None => break,
                            },
                            Err(_) => break,
                        }
                        ws.wake.notify_one();
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
    }
    tauri::async_runtime::spawn(async move {
        let mut last_monitors = plain;
        let mut scales: BTreeMap<String, f64> =
            mons.into_iter().map(|(m, s)| (m.name, s)).collect();
        loop {
            let now = now_ms();
            let current = monitors(&app, looker.given().as_deref());
            let plain: Vec<Monitor> = current.iter().map(|(m, _)| m.clone()).collect();
            let view = {
                let Ok(mut w) = ws.wall.lock() else { break };
                let Some(wall) = w.as_mut() else { break };
                if plain != last_monitors {
                    tracing::info!("wall: monitors changed: {plain:?}");
                    wall.set_monitors(&plain, now);
                    for why in wall.view(now).dropped {
                        tracing::warn!("wall: {why}");
                    }
                    last_monitors = plain;
                    scales = current.into_iter().map(|(m, s)| (m.name, s)).collect();
                }
                wall.view(now)
            };
            if view.left {
                stop(&app, &ws);
                drop(inhibit);
                break;
            }
            sync_windows(&app, &ws, &view, &scales);
            let wait = view
                .next_change
                .map(|t| Duration::from_millis(t.saturating_sub(now).max(0) as u64))
                .unwrap_or(MONITOR_POLL)
                .min(MONITOR_POLL);
            let _ = tokio::time::timeout(wait, ws.wake.notified()).await;
        }
    });
}

/// Closes every wall window and forgets the wall (the "leave" key).
fn stop(app: &AppHandle, ws: &WallShell) {
    tracing::info!("wall: left wall mode");
    if let Ok(mut w) = ws.wall.lock() {
        *w = None;
    }
    let labels: Vec<String> = ws
        .windows
        .lock()
        .map(|mut w| std::mem::take(&mut *w).into_keys().collect())
        .unwrap_or_default();
    for label in labels {
        if let Some(win) = app.get_webview_window(&label) {
            let _ = win.destroy();
        }
    }
    crate::desktop::show_main(app);
}

/// One window per screen of `view`: opened on its monitor when missing, closed when its monitor
/// has no screen any more (or opened again when closed by hand), and told what to show. No lock
/// is held while a window is built or destroyed: that waits for the main thread, where a page's
/// command may be waiting for the lock.
fn sync_windows(app: &AppHandle, ws: &WallShell, view: &WallView, scales: &BTreeMap<String, f64>) {
    let known: Vec<(String, String)> = ws
        .windows
        .lock()
        .map(|w| w.iter().map(|(l, m)| (l.clone(), m.clone())).collect())
        .unwrap_or_default();
    let wanted: Vec<&str> = view
        .screens
        .iter()
        .map(|s| s.monitor.name.as_str())
        .collect();
    let mut keep = BTreeMap::new();
    for (label, monitor) in known {
        let win = app.get_webview_window(&label);
        match win {
            Some(_) if wanted.contains(&monitor.as_str()) => {
                keep.insert(label, monitor);
            }
            Some(w) => {
                let _ = w.destroy();
            }
            None => {}
        }
    }
    if let Ok(mut w) = ws.windows.lock() {
        *w = keep.clone();
    }
    for screen in &view.screens {
        let m = &screen.monitor;
        let label = match keep.iter().find(|(_, mon)| **mon == m.name) {
            Some((label, _)) => label.clone(),
            None => {
                let label = (0..)
                    .map(|i| format!("wall-{i}"))
                    .find(|l| !keep.contains_key(l) && app.get_webview_window(l).is_none())
                    .unwrap_or_default();
                // Known before its page asks what to show.
                if let Ok(mut w) = ws.windows.lock() {
                    w.insert(label.clone(), m.name.clone());
                }
                let scale = scales.get(&m.name).copied().unwrap_or(1.0).max(0.1);
                if let Err(e) = open_window(app, &label, m, scale) {
                    tracing::warn!("wall: no window for monitor {}: {e}", m.name);
                    if let Ok(mut w) = ws.windows.lock() {
                        w.remove(&label);
                    }
                    continue;
                }
                keep.insert(label.clone(), m.name.clone());
                label
            }
        };
        let _ = app.emit_to(
            label.as_str(),
            crate::events::WALL,
            WallScreenDto::from(screen.clone()),
        );
    }
}

/// A full-screen, undecorated window on monitor `m` showing the wall page.
fn open_window(app: &AppHandle, label: &str, m: &Monitor, scale: f64) -> tauri::Result<()> {
    let url = WebviewUrl::App("index.html?wall=1".into());
    let win = WebviewWindowBuilder::new(app, label, url)
        .title(format!("Watchdesk wall {}", m.name))
        .decorations(false)
        .resizable(false)
        .skip_taskbar(true)
        .position(f64::from(m.x) / scale, f64::from(m.y) / scale)
        .inner_size(f64::from(m.width) / scale, f64::from(m.height) / scale)
        // The page's title (what it shows) becomes the window's: what a window list, or a test
        // reading the X server, sees.
        .on_document_title_changed(|w, title| {
            let _ = w.set_title(&title);
        })
        .build()?;
    win.set_fullscreen(true)?;
    #[cfg(any(target_os = "linux", windows))]
    reload_when_the_web_process_dies(&win);
    crate::webview::draw_without_gpu_compositing(&win);
    tracing::info!(
        "wall: window {label} on monitor {} ({}x{}+{}+{})",
        m.name,
        m.width,
        m.height,
        m.x,
        m.y
    );
    Ok(())
}

/// When WebKit's web process of a wall window dies (crash, out of memory, killed), the window
/// reloads its page instead of staying blank: at once, or 10 s after the last reload when it died
/// again within that time. Logged either way.
#[cfg(target_os = "linux")]
fn reload_when_the_web_process_dies(win: &tauri::WebviewWindow) {
    use std::cell::Cell;
    use std::time::Instant;
    use webkit2gtk::WebViewExt;

    const AGAIN_AFTER: Duration = Duration::from_secs(10);
    let label = win.label().to_string();
    let _ = win.with_webview(move |pw| {
        let last: Cell<Option<Instant>> = Cell::new(None);
        pw.inner()
            .connect_web_process_terminated(move |wv, reason| {
                let soon = last.get().is_some_and(|t| t.elapsed() < AGAIN_AFTER);
                tracing::warn!(
                    "wall: the web process of window {label} ended ({reason:?}); reloading{}",
                    if soon { " in 10 s" } else { "" }
                );
                last.set(Some(Instant::now()));
                if soon {
                    let wv = wv.clone();
                    webkit2gtk::glib::timeout_add_local_once(AGAIN_AFTER, move || wv.reload());
                } else {
                    wv.reload();
                }
            });
    });
}

/// Windows: WebView2's `ProcessFailed`. A dead or hung renderer reloads the page, with the same
/// rate limit as on Linux (a reload asked through the window, on its thread); a dead browser process
/// cannot be reloaded: logged, with what to do.
#[cfg(windows)]
fn reload_when_the_web_process_dies(win: &tauri::WebviewWindow) {
    use std::cell::Cell;
    use std::time::Instant;
    use webview2_com::Microsoft::Web::WebView2::Win32::{
        COREWEBVIEW2_PROCESS_FAILED_KIND, COREWEBVIEW2_PROCESS_FAILED_KIND_BROWSER_PROCESS_EXITED,
    };
    use webview2_com::ProcessFailedEventHandler;

    const AGAIN_AFTER: Duration = Duration::from_secs(10);
    let window = win.clone();
    let _ = win.with_webview(move |pw| {
        // SAFETY: WebView2 calls on the webview's own thread, where `with_webview` runs.
        let Ok(core) = (unsafe { pw.controller().CoreWebView2() }) else {
            return;
        };
        let last: Cell<Option<Instant>> = Cell::new(None);
        let label = window.label().to_string();
        let handler = ProcessFailedEventHandler::create(Box::new(move |_, args| {
            let mut kind = COREWEBVIEW2_PROCESS_FAILED_KIND::default();
            if let Some(a) = &args {
                // SAFETY: an out-parameter of the event's own arguments.
                unsafe { a.ProcessFailedKind(&mut kind)? };
            }
            if kind == COREWEBVIEW2_PROCESS_FAILED_KIND_BROWSER_PROCESS_EXITED {
                tracing::warn!(
                    "wall: the WebView2 browser process of window {label} ended; the window \
                     cannot reload: restart Watchdesk"
                );
                return Ok(());
            }
            let soon = last.get().is_some_and(|t| t.elapsed() < AGAIN_AFTER);
            tracing::warn!(
                "wall: the web process of window {label} failed ({kind:?}); reloading{}",
                if soon { " in 10 s" } else { "" }
            );
            last.set(Some(Instant::now()));
            let window = window.clone();
            std::thread::spawn(move || {
                if soon {
                    std::thread::sleep(AGAIN_AFTER);
                }
                let _ = window.with_webview(|pw| {
                    // SAFETY: on the webview's thread, as above.
                    unsafe {
                        if let Ok(core) = pw.controller().CoreWebView2() {
                            let _ = core.Reload();
                        }
                    }
                });
            });
            Ok(())
        }));
        let mut token = 0i64;
        // SAFETY: the handler is a COM object the webview keeps; the token is a local.
        if let Err(e) = unsafe { core.add_ProcessFailed(&handler, &mut token) } {
            tracing::warn!("wall: cannot watch the web process of a wall window: {e}");
        }
    });
}

/// The key names the wall page sends.
pub fn parse_command(s: &str) -> Option<Command> {
    Some(match s {
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        "next" => Command::Next,
        "previous" => Command::Previous,
        "alerts" => Command::Alerts,
        "leave" => Command::Leave,
        _ => return None,
    })
}
