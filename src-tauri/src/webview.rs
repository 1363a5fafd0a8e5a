//! How the webviews draw (Linux). WebKitGTK composites a page on the GPU when it can, and where
//! there is no GPU (a VM, a remote desktop, Xvfb) it does so through Mesa's software GL: every
//! panel image then lives twice, once decoded and once as a layer texture. The console's pages are
//! panel images, text and a few overlays, with nothing animated, so they gain nothing from it. The
//! web process of the RTA overview held ~330 MiB with it and ~150 MiB without, about what an empty
//! Tauri window holds (BENCHMARKS.md "Release figures"). It is also the path of WebKitGTK's known
//! blank windows on some GPU drivers (the advice given to Tauri users is to turn compositing off
//! with an environment variable; not seen here, there is no GPU). So every window of the app (the
//! main window and the wall's) asks WebKit never to use hardware acceleration: WebKit's own
//! per-view setting, set when the window is created; WebKit leaves compositing mode at once.
//!
//! WebView2 (Windows) is left as it is: Chromium's compositor has no such setting in Tauri.

#[cfg(target_os = "linux")]
pub fn draw_without_gpu_compositing(win: &tauri::WebviewWindow) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    let label = win.label().to_string();
    let done = win.with_webview(move |pw| match WebViewExt::settings(&pw.inner()) {
        Some(s) => s.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never),
        None => tracing::warn!("window {label}: WebKit gave no settings; GPU compositing stays on"),
    });
    if let Err(e) = done {
        tracing::warn!("cannot set the webview's drawing settings: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn draw_without_gpu_compositing(_win: &tauri::WebviewWindow) {}
