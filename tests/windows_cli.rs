//! The Windows build of the `watchdesk` command line (x86_64-pc-windows-gnu), run under Wine against
//! the reference stack on loopback: `check`, `poll --once`, `render`. scripts/test.sh cross-builds it
//! and runs this with `--ignored`. What it shows: the engine's Windows code paths (sockets through
//! tokio/mio, rustls, SQLite, folders, the SVG charts) work on a Windows API; not the desktop app.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{require_bin, Stack};

const TRIPLE: &str = "x86_64-pc-windows-gnu";

fn windows_exe() -> PathBuf {
    let p = std::env::var_os("WATCHDESK_WINDOWS_EXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| common::repo().join("target"))
                .join(TRIPLE)
                .join("debug/watchdesk.exe")
        });
    assert!(
        p.is_file(),
        "{} is not built: cargo build --target {TRIPLE} -p watchdesk --bin watchdesk \
         (needs `rustup target add {TRIPLE}` and gcc-mingw-w64-x86-64; scripts/test.sh does it)",
        p.display()
    );
    p
}

/// A Unix path as the Windows program sees it under Wine (drive Z: is /).
fn win_path(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

#[test]
#[ignore = "needs the cross-built watchdesk.exe and Wine: scripts/test.sh runs it"]
fn the_windows_command_line_checks_polls_and_renders_under_wine() {
    let wine = require_bin("wine", "wine");
    let exe = windows_exe();
    let stack = Stack::start();
    stack.wait_targets_up(14);
    // A few scrapes, so that rates have two samples.
    std::thread::sleep(Duration::from_secs(5));
    let prefix = tempfile::tempdir().expect("wine prefix");
    let cache = win_path(&stack.dir.path().join("win-cache.db"));
    let out_dir = stack.dir.path().join("win-out");
    let run = |args: &[&str]| {
        let out = Command::new(&wine)
            .arg(&exe)
            .args([
                "--prometheus",
                &stack.prom_url(),
                "--alertmanager",
                &stack.am_url(),
            ])
            .args(["--cache", &cache])
            .args(args)
            .env("WINEPREFIX", prefix.path())
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer prompts on the first start of a prefix.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("RUST_LOG", "watchdesk=warn")
            .output()
            .expect("run wine");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            out.status.success(),
            "watchdesk.exe {args:?} under Wine failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        stdout
    };
    let check = run(&["check"]);
    assert!(check.contains("all ok"), "{check}");
    run(&["poll", "--once"]);
    let alerts = run(&["alerts", "--json"]);
    assert!(alerts.trim_start().starts_with('['), "{alerts}");
    run(&["render", "--out", &win_path(&out_dir), "--from", "-15m"]);
    let svgs = std::fs::read_dir(out_dir.join("rta-overview"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
                .count()
        })
        .unwrap_or(0);
    assert!(svgs >= 10, "render under Wine wrote {svgs} SVG panels");
}
