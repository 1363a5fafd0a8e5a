//! The real desktop app as a process under test, and the desktop around it (shared by the app's
//! tests in src-tauri/tests/).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{require_bin, NotifyLog};

/// A script returning how many panels of the open dashboard show a drawn chart.
pub const DRAWN_PANELS: &str = "return Array.from(document.querySelectorAll('.panel .panel-body img')).filter(i => !i.hidden && i.naturalWidth > 0).length";

/// Fails (never skips) when the desktop the app tests need is missing.
pub fn require_desktop() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the desktop tests through scripts/with-desktop.sh (it starts Xvfb, D-Bus and dunst)"
    );
    require_bin("dunstctl", "dunst");
}

/// The real app, started directly (no WebDriver needed: what is checked here is on the bus and
/// in the cache); killed when dropped, as a crash or a logout would end it.
pub struct App(Child);

impl App {
    pub fn start(bin: &str, args: &[String], log: &std::path::Path) -> App {
        let out = std::fs::File::create(log).expect("app log");
        let child = Command::new(bin)
            .args(args)
            .env("RUST_LOG", "watchdesk=info,watchdesk_app=info")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("app log"))
            .stderr(out)
            .spawn()
            .expect("start watchdesk-app");
        App(child)
    }
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
    pub fn alive(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-15", &self.0.id().to_string()])
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (polling the bus log every 50 ms, finer than `wait_for`) until `needle` was notified;
/// returns how long that took.
#[track_caller]
pub fn time_until_notified(notes: &NotifyLog, needle: &str, limit: Duration) -> Duration {
    let t0 = Instant::now();
    loop {
        if notes.count_notify(needle) > 0 {
            return t0.elapsed();
        }
        assert!(
            t0.elapsed() < limit,
            "timed out after {limit:?} waiting for a {needle:?} notification at the daemon; bus log:\n{}",
            notes.text().chars().rev().take(3000).collect::<String>().chars().rev().collect::<String>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
