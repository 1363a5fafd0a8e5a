//! The video wall on an X server 3840x1080 wide shown as two 1920x1080 monitors, against the real
//! stack. The app is started as the autostart entry starts it, with no `--wall`: the config's
//! `[wall] start = true` opens the wall. One full-screen window per monitor with that monitor's
//! geometry; the rotation moves on after the dwell; the keys pause, step and leave; a critical alert
//! posted to the real Alertmanager takes the alarm screen over and the rotation comes back once it
//! is acknowledged; killing WebKit's web processes brings the pages back by themselves; a monitor
//! unplugged moves its (alarm) playlist to the one left, saying so, and both come back at their
//! geometry when it returns; the X screen saver is off while the wall runs and back afterwards.
//!
//! Two monitors: Xvfb cannot show GTK two monitors (with `+xinerama` GTK reads screen 0's RandR:
//! one 1920x1080 monitor, and Xvfb places both screens at the origin; RandR 1.5 monitors made with
//! `XRRSetMonitor` have no output, and GTK skips those). So the X screen is one 3840x1080 surface
//! and the app is told its monitors with `--wall-monitors @FILE`, as for a wall controller that
//! shows one surface for several panels; the file is read again at every look at the monitors, so
//! rewriting it unplugs and replugs a monitor. The windows, geometries, rotation, keys and alarms
//! are all real.
//!
//! What each window shows is read from the X server: a wall page's title is what it shows (the
//! dashboard's title as the page drew it, or the alarm banner) and becomes its window's title.
//! Keys go in through XTest, as a keyboard's would. Screenshots of each screen are kept in
//! `target/screenshots/` (wall-screen-0.png, wall-screen-1.png, wall-alarm.png, wall-moved.png),
//! taken once the charts at the top of the RTA overview draw data from the app's cache.
//!
//! Run through `scripts/with-desktop.sh` (D-Bus, dunst); this test starts its own wide Xvfb.

// X11 and WebKitGTK: the wall test exists on Linux only (the Windows clippy build skips it).
#![cfg(target_os = "linux")]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::app::{require_desktop, App};
use common::{require_bin, wait_for, Stack};

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");
const RTA: &str = "RTA CCTV System Overview";
const NODE: &str = "Node Exporter Full";

fn screenshots() -> PathBuf {
    common::repo().join("target").join("screenshots")
}

/// Xvfb 3840x1080 (two 1920x1080 monitors side by side), killed when dropped.
struct TwoMonitors {
    child: Child,
    display: String,
}

impl TwoMonitors {
    fn start() -> TwoMonitors {
        let xvfb = require_bin("Xvfb", "xvfb");
        let n = (120..200)
            .find(|n| {
                !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let display = format!(":{n}");
        let child = Command::new(xvfb)
            .args([&display, "-screen", "0", "3840x1080x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let sock = format!("/tmp/.X11-unix/X{n}");
        wait_for("the wide Xvfb", Duration::from_secs(20), || {
            std::path::Path::new(&sock).exists().then_some(())
        });
        TwoMonitors { child, display }
    }
}

impl Drop for TwoMonitors {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A top-level window as `xwininfo -root -tree` lists it.
#[derive(Debug, Clone)]
struct Win {
    id: u64,
    title: String,
    geometry: String,
}

/// The wall's windows (title "Watchdesk wall …"), left to right.
fn wall_windows(display: &str) -> Vec<Win> {
    let xwininfo = require_bin("xwininfo", "x11-utils");
    let out = Command::new(xwininfo)
        .args(["-display", display, "-root", "-tree"])
        .output()
        .expect("xwininfo");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut wins: Vec<Win> = text
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (id, rest) = l.split_once(' ')?;
            let id = u64::from_str_radix(id.strip_prefix("0x")?, 16).ok()?;
            let title = rest.strip_prefix('"')?;
            let (title, rest) = title.split_once("\":")?;
            if !title.starts_with("Watchdesk wall") {
                return None;
            }
            // `… ("class" "Class")  1920x1080+0+0  +1920+0`: the size and the absolute position.
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let size = fields.iter().rev().nth(1)?.split('+').next()?;
            let abs = fields.last()?;
            Some(Win {
                id,
                title: title.to_string(),
                geometry: format!("{size}{abs}"),
            })
        })
        .collect();
    wins.sort_by_key(|w| {
        w.geometry
            .split('+')
            .nth(1)
            .and_then(|x| x.parse::<i64>().ok())
    });
    wins
}

/// Waits until the wall window at `x` (its left edge) has a title for which `ok` holds.
#[track_caller]
fn wait_title(display: &str, x: i64, what: &str, ok: impl Fn(&str) -> bool) -> String {
    wait_for(what, Duration::from_secs(90), || {
        wall_windows(display)
            .into_iter()
            .find(|w| w.geometry.ends_with(&format!("+{x}+0")) && ok(&w.title))
            .map(|w| w.title)
    })
}

/// The wall window at `x` (waiting for it: a page that reloads has its plain title for a moment).
#[track_caller]
fn window_at(display: &str, x: i64) -> Win {
    wait_for(
        &format!("a wall window at x={x}"),
        Duration::from_secs(30),
        || {
            wall_windows(display)
                .into_iter()
                .find(|w| w.geometry.ends_with(&format!("+{x}+0")))
        },
    )
}

/// One screen of the X display as a PNG (ImageMagick's `import`).
fn screenshot(display: &str, x: i64, name: &str) {
    let import = require_bin("import", "imagemagick");
    std::fs::create_dir_all(screenshots()).expect("screenshot dir");
    let path = screenshots().join(name);
    let st = Command::new(import)
        .args([
            "-display",
            display,
            "-window",
            "root",
            "-crop",
            &format!("1920x1080+{x}+0"),
            "+repage",
        ])
        .arg(&path)
        .status()
        .expect("import");
    assert!(st.success(), "screenshot {}", path.display());
}

/// The X server, through Xlib and XTest: the screen saver's timeout, and keys typed into a window.
mod x11 {
    use std::ffi::CString;

    use x11_dl::xlib::{Display, Xlib};
    // x11-dl names libXtst's bindings `Xf86vmode`.
    use x11_dl::xtest::Xf86vmode as XTest;

    pub struct X {
        xlib: Xlib,
        xtest: XTest,
        dpy: *mut Display,
    }

    impl X {
        pub fn open(display: &str) -> X {
            let xlib = Xlib::open().expect("libX11");
            let xtest = XTest::open().expect("libXtst (libxtst6)");
            let name = CString::new(display).unwrap();
            // SAFETY: opening a display by name; checked for null.
            let dpy = unsafe { (xlib.XOpenDisplay)(name.as_ptr()) };
            assert!(!dpy.is_null(), "cannot open X display {display}");
            X { xlib, xtest, dpy }
        }

        /// The screen saver's timeout in seconds (0: off), as `xset q` shows it.
        pub fn saver_timeout(&self) -> i32 {
            let (mut timeout, mut interval, mut blank, mut expose) = (0, 0, 0, 0);
            // SAFETY: the display opened above; pointers to locals.
            unsafe {
                (self.xlib.XGetScreenSaver)(
                    self.dpy,
                    &mut timeout,
                    &mut interval,
                    &mut blank,
                    &mut expose,
                )
            };
            timeout
        }

        /// Focuses window `win` and types the key `keysym` (e.g. "n", "Escape").
        pub fn key(&self, win: u64, keysym: &str) {
            let name = CString::new(keysym).unwrap();
            // SAFETY: Xlib/XTest calls on the display opened above.
            unsafe {
                (self.xlib.XSetInputFocus)(self.dpy, win, 1 /* RevertToPointerRoot */, 0);
                let sym = (self.xlib.XStringToKeysym)(name.as_ptr());
                let code = (self.xlib.XKeysymToKeycode)(self.dpy, sym);
                assert!(code != 0, "no keycode for {keysym}");
                (self.xtest.XTestFakeKeyEvent)(self.dpy, u32::from(code), 1, 0);
                (self.xtest.XTestFakeKeyEvent)(self.dpy, u32::from(code), 0, 0);
                (self.xlib.XSync)(self.dpy, 0);
            }
        }
    }

    impl Drop for X {
        fn drop(&mut self) {
            // SAFETY: closed once.
            unsafe { (self.xlib.XCloseDisplay)(self.dpy) };
        }
    }
}

/// The two monitors, as the `--wall-monitors @FILE` file holds them.
const BOTH: &str = "left=1920x1080+0+0\nright=1920x1080+1920+0\n";

/// Rewrites the monitors file as a whole (a temporary file renamed over it), so the app never
/// reads half of it.
fn set_monitors(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).expect("monitors file");
    std::fs::rename(&tmp, path).expect("monitors file");
}

/// The time series at the top of dashboard `uid` (on a wall window's screen) drawn from the app's
/// cache as the app draws them: the titles of those that show "No data". The first poll rounds of
/// a Prometheus just started answer no points yet, so the cache filling is what to wait for.
fn top_charts_without_data(desk: &watchdesk::desk::Desk, uid: &str, from: &str) -> Vec<String> {
    use watchdesk::dashboard::PanelKind;
    let (Ok(dash), Ok(range)) = (
        desk.dashboard(uid),
        watchdesk::desk::TimeRange::parse(from, "now"),
    ) else {
        return vec![format!("{uid} at {from}")];
    };
    dash.panels
        .iter()
        .filter(|p| p.kind == PanelKind::TimeSeries && p.grid.y < 12 && !p.targets.is_empty())
        .filter(|p| {
            desk.render_panel(uid, p.id, range, 800, 300)
                .map_or(true, |img| img.svg.contains("No data"))
        })
        .map(|p| p.title.clone())
        .collect()
}

/// The app's WebKit web processes (its children named WebKitWebProcess).
fn web_processes(app: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid …
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if comm.starts_with("WebKitWebProces") && ppid == Some(app) {
            out.push(pid);
        }
    }
    out
}

#[test]
fn the_wall_starts_from_the_config_rotates_on_two_monitors_steps_aside_for_an_alarm_survives_its_web_process_follows_an_unplugged_monitor_and_gives_the_screens_back(
) {
    require_desktop();
    let x = TwoMonitors::start();
    let d = x.display.clone();
    let xs = x11::X::open(&d);
    let saver_before = xs.saver_timeout();
    assert!(saver_before > 0, "Xvfb starts with a screen saver timeout");

    let mut stack = Stack::start();
    stack.wait_targets_up(14);
    // Node Exporter Full's `$job` and `$node` come from `label_values(node_uname_info, …)`: the
    // stack's own node exporter runs a few collectors only (no uname), so without this one they
    // list nothing and every panel queries `job="", instance=""`: "No data" on the wall.
    stack.start_full_node_exporter();
    stack.wait_targets_up(15);
    let repo = common::repo();
    let cfg = stack.dir.path().join("wall.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"dashboards = [{rta:?}, {node:?}]

[wall]
start = true

[[wall.screens]]
monitor = "left"
alarms = false
playlist = [
  {{ dashboard = "rta-overview", dwell = "10s" }},
  {{ dashboard = "rYdddlPWk", dwell = "10s", from = "now-30m" }},
]

[[wall.screens]]
monitor = "right"
alarms = true
playlist = [{{ dashboard = "rta-overview", dwell = "1h" }}]
"#,
            rta = repo.join("deploy/dashboards/rta-overview.json"),
            node = repo.join("tests/dashboards/node-exporter-full.json"),
        ),
    )
    .unwrap();
    let monitors = stack.dir.path().join("monitors");
    set_monitors(&monitors, BOTH);
    // No --wall: the config's `start = true` opens the wall, as at login.
    let mut args = stack.app_args();
    args.extend(["--config".into(), cfg.display().to_string()]);
    args.extend(["--close-quits".into()]);
    args.extend(["--wall-monitors".into(), format!("@{}", monitors.display())]);
    std::env::set_var("DISPLAY", &d);
    let log = stack.dir.path().join("app.log");
    let mut app = App::start(APP, &args, &log);

    // Two full-screen windows, one per monitor, each on its own dashboard.
    let left = wait_title(&d, 0, "the wall window on the left monitor", |t| {
        t.contains(RTA) || t.contains(NODE)
    });
    let right = wait_title(&d, 1920, "the wall window on the right monitor", |t| {
        t.contains(RTA)
    });
    let wins = wall_windows(&d);
    let geoms: Vec<&str> = wins.iter().map(|w| w.geometry.as_str()).collect();
    assert_eq!(
        geoms,
        ["1920x1080+0+0", "1920x1080+1920+0"],
        "one full-screen window per monitor: {wins:?}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    eprintln!("monitor 0: {left}\nmonitor 1: {right}");
    assert_eq!(
        xs.saver_timeout(),
        0,
        "the screen saver is off while the wall runs"
    );

    // The rotation moves on after the dwell, and comes round again.
    wait_title(&d, 0, "monitor 0 on Node Exporter Full (2/2)", |t| {
        t.contains(NODE) && t.contains("(2/2)")
    });
    // The screenshots for the README show charts with data: once the charts at the top of the RTA
    // overview draw from the app's cache (both pages redraw on new data, wd:data) and monitor 0
    // is on Node Exporter Full, the drawing gets a moment.
    let desk = watchdesk::desk::Desk::open(
        &watchdesk::config::Overrides {
            config: Some(cfg.clone()),
            prometheus: Some(stack.prom_url()),
            alertmanagers: vec![stack.am_url()],
            cache: Some(stack.cache_path()),
            ..Default::default()
        },
        watchdesk::desk::OpenOptions::default(),
    )
    .expect("the app's desk, read beside it");
    // Every chart at the top of the RTA overview (the README's screenshot) and of Node Exporter
    // Full at its entry's range (its variables resolved from the full node exporter's
    // `node_uname_info`).
    let mut last = Vec::new();
    wait_for(
        "the top charts of the RTA overview and Node Exporter Full drawn from data",
        Duration::from_secs(120),
        || {
            let mut without = top_charts_without_data(&desk, "rta-overview", "now-6h");
            without.extend(top_charts_without_data(&desk, "rYdddlPWk", "now-30m"));
            if without != last {
                eprintln!("top charts without data yet: {without:?}");
                last = without.clone();
            }
            without.is_empty().then_some(())
        },
    );
    drop(desk);
    wait_title(
        &d,
        0,
        "monitor 0 on Node Exporter Full (2/2) with data",
        |t| t.contains(NODE) && t.contains("(2/2)"),
    );
    std::thread::sleep(Duration::from_secs(3));
    screenshot(&d, 0, "wall-screen-0.png");
    screenshot(&d, 1920, "wall-screen-1.png");
    wait_title(&d, 0, "monitor 0 back on the RTA overview (1/2)", |t| {
        t.contains(RTA) && t.contains("(1/2)")
    });

    // Keys: pause stops the rotation, next steps even while paused, pause again resumes.
    let w0 = window_at(&d, 0);
    xs.key(w0.id, "p");
    wait_title(&d, 0, "monitor 0 paused", |t| t.contains("paused"));
    xs.key(w0.id, "Right");
    let paused_next = wait_title(&d, 0, "monitor 0 stepped while paused", |t| {
        t.contains("paused") && t.contains(NODE)
    });
    assert!(paused_next.contains("(2/2)"), "{paused_next}");
    xs.key(w0.id, "p");
    wait_title(&d, 0, "monitor 0 running again", |t| !t.contains("paused"));

    // A critical alert takes the alarm screen (monitor 1) over, with its banner; monitor 0 (no
    // alarms) keeps rotating.
    stack.post_alert(
        serde_json::json!({"alertname": "WallProbe", "severity": "critical", "instance": "cam-7:9100"}),
        serde_json::json!({"summary": "camera 7 lost"}),
    );
    let alarm = wait_title(&d, 1920, "the alarm on monitor 1", |t| {
        t.contains("ALARM critical: WallProbe")
    });
    assert!(alarm.contains("cam-7:9100"), "{alarm}");
    let left = window_at(&d, 0).title;
    assert!(!left.contains("ALARM"), "monitor 0 has no alarms: {left}");
    std::thread::sleep(Duration::from_secs(3));
    screenshot(&d, 1920, "wall-alarm.png");

    // Acknowledged: the rotation comes back on monitor 1.
    let (ok, out, err) = stack.watchdesk(&[
        "ack",
        "WallProbe",
        "--for",
        "1h",
        "--comment",
        "on it",
        "--author",
        "sam",
    ]);
    assert!(ok, "watchdesk ack failed: {out}{err}");
    wait_title(
        &d,
        1920,
        "monitor 1 back on its dashboard after the acknowledgement",
        |t| t.contains(RTA) && !t.contains("WallProbe"),
    );

    // WebKit's web processes die (killed, as the kernel's OOM killer would): the wall windows
    // reload their pages by themselves and show their screens again.
    let before = web_processes(app.pid());
    assert!(!before.is_empty(), "the app has WebKit web processes");
    for pid in &before {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    wait_for(
        "both wall windows' reloads in the app log",
        Duration::from_secs(30),
        || {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            (log.matches("the web process of window wall-").count() >= 2).then_some(())
        },
    );
    wait_for("new web processes", Duration::from_secs(30), || {
        let now = web_processes(app.pid());
        (now.len() >= 2 && now.iter().all(|p| !before.contains(p))).then_some(())
    });
    wait_title(
        &d,
        0,
        "the left page back after its web process died",
        |t| t.contains(RTA) || t.contains(NODE),
    );
    wait_title(
        &d,
        1920,
        "the right page back after its web process died",
        |t| t.contains(RTA),
    );

    // The right monitor is unplugged: its playlist (the alarm screen's) moves to the left monitor,
    // which says whose playlist it shows; the left one's playlist waits (alarms never go unseen).
    set_monitors(&monitors, "left=1920x1080+0+0\n");
    let moved = wait_for(
        "the right playlist on the left monitor, the right window closed",
        Duration::from_secs(30),
        || {
            let wins = wall_windows(&d);
            match wins.as_slice() {
                [w] if w.geometry == "1920x1080+0+0" && w.title.contains("not connected") => {
                    Some(w.title.clone())
                }
                _ => None,
            }
        },
    );
    assert!(
        moved.contains(RTA)
            && moved.contains("the playlist of wall screen 2 (\"right\"), which is not connected")
            // The waiting playlist is said on the wall too, not only in the log.
            && moved.contains("Waiting: wall screen 1 (\"left\") gives its monitor to the playlist")
            && !moved.contains("(1/2)")
            && !moved.contains("(2/2)"),
        "{moved}"
    );
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains(
            "wall screen 1 (\"left\") gives its monitor to the playlist of wall screen 2"
        ),
        "the waiting playlist is stated in the log:\n{logged}"
    );
    screenshot(&d, 0, "wall-moved.png");
    // Replugged: each playlist back on its monitor, at its exact geometry.
    set_monitors(&monitors, BOTH);
    wait_for("both wall windows back", Duration::from_secs(30), || {
        let wins = wall_windows(&d);
        let geoms: Vec<&str> = wins.iter().map(|w| w.geometry.as_str()).collect();
        (geoms == ["1920x1080+0+0", "1920x1080+1920+0"]
            && !wins[0].title.contains("not connected")
            && (wins[0].title.contains(RTA) || wins[0].title.contains(NODE))
            && wins[1].title.contains(RTA))
        .then_some(())
    });

    // Leaving wall mode closes the wall's windows and gives the screen saver back.
    xs.key(window_at(&d, 0).id, "Escape");
    wait_for("the wall windows closed", Duration::from_secs(30), || {
        wall_windows(&d).is_empty().then_some(())
    });
    wait_for("the screen saver restored", Duration::from_secs(10), || {
        (xs.saver_timeout() == saver_before).then_some(())
    });
    assert!(
        app.alive(),
        "the app runs on after the wall:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}
