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

/// Wine's major version (`wine-8.0 (Debian …)` -> 8).
fn wine_major(wine: &Path) -> u32 {
    let out = Command::new(wine)
        .arg("--version")
        .output()
        .expect("wine --version");
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim()
        .trim_start_matches("wine-")
        .split(['.', ' '])
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("cannot read Wine's version from {v:?}"))
}

/// The program in a directory of its own, with what Wine lacks next to it: Wine before 9 has no
/// `bcryptprimitives.dll` (Windows 10 and 11 have it), whose `ProcessPrng` Rust's standard library
/// imports, so the program would not load ("status c0000135"). The stand-in is built from
/// `tests/wine/bcryptprimitives.c` with MinGW-w64 and found first in the program's directory.
fn runnable_exe(wine: &Path, exe: &Path, dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let linked = bin.join("watchdesk.exe");
    if std::fs::hard_link(exe, &linked).is_err() {
        std::fs::copy(exe, &linked).expect("copy watchdesk.exe");
    }
    if wine_major(wine) < 9 {
        let gcc = require_bin("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64");
        let out = Command::new(gcc)
            .args(["-shared", "-O2", "-o"])
            .arg(bin.join("bcryptprimitives.dll"))
            .arg(common::repo().join("tests/wine/bcryptprimitives.c"))
            .arg("-ladvapi32")
            .output()
            .expect("run x86_64-w64-mingw32-gcc");
        assert!(
            out.status.success(),
            "building the bcryptprimitives.dll stand-in for Wine failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    linked
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
    let exe = runnable_exe(&wine, &exe, stack.dir.path());
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
