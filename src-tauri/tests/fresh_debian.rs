//! The .deb on a Debian 12 that has nothing but what the package asks for: a minimal system made
//! by `debootstrap` from Debian's mirror (no Rust, no compiler, no development libraries), the
//! package installed with `apt-get install ./Watchdesk….deb` so that apt resolves its `Depends`.
//! Then every installed program finds its libraries, the command line draws a dashboard, and the
//! app starts on the test's display far enough for WebKit to start its web process. A missing
//! dependency in the package shows here and nowhere else: the build machine has them all.
//!
//! scripts/test.sh runs this with `--ignored` (root, a display, Debian's mirror reachable) after
//! scripts/package.sh. The mirror: `WATCHDESK_DEBIAN_MIRROR` (default http://deb.debian.org/debian).

#![cfg(target_os = "linux")]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{built_deb, procs, require_bin, wait_for};

fn run(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed: {text}");
    text
}

/// The chroot: its mounts undone and its files removed when the test ends (also on a failure),
/// the files only once nothing is mounted below it any more (never a removal through a mount).
struct Chroot(PathBuf);

impl Drop for Chroot {
    fn drop(&mut self) {
        for m in ["tmp/.X11-unix", "proc"] {
            let _ = Command::new("umount")
                .arg(self.0.join(m))
                .stderr(Stdio::null())
                .status();
        }
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let root = self.0.display().to_string();
        if mounts
            .lines()
            .any(|l| l.split(' ').nth(1).is_some_and(|m| m.starts_with(&root)))
        {
            eprintln!("{root} is still mounted on: left in place");
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn in_root(root: &Path, script: &str) -> Command {
    let mut c = Command::new("chroot");
    c.arg(root).args(["/bin/sh", "-c", script]);
    c.env("HOME", "/root").env("LANG", "C.UTF-8");
    c
}

#[test]
#[ignore = "builds a Debian 12 with debootstrap and installs the .deb into it (root, network to Debian's mirror): scripts/test.sh runs it after scripts/package.sh"]
fn the_deb_needed_what_only_the_build_machine_has() {
    common::app::require_desktop();
    require_bin("debootstrap", "debootstrap");
    let deb = built_deb();
    let mirror = std::env::var("WATCHDESK_DEBIAN_MIRROR")
        .unwrap_or_else(|_| "http://deb.debian.org/debian".into());
    let root = common::repo()
        .join("target")
        .join(format!("fresh-debian-{}", std::process::id()));
    let chroot = Chroot(root.clone());
    run(
        "debootstrap (a minimal Debian 12)",
        Command::new("debootstrap")
            .args(["--variant=minbase", "bookworm"])
            .arg(&root)
            .arg(&mirror),
    );
    // debootstrap made /dev's few nodes (null, zero, urandom, …): only /proc and the X socket are
    // mounted in.
    run(
        "mount /proc in the chroot",
        Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(root.join("proc")),
    );
    std::fs::create_dir_all(root.join("tmp/.X11-unix")).unwrap();
    run(
        "mount the X socket in the chroot",
        Command::new("mount")
            .arg("--bind")
            .arg("/tmp/.X11-unix")
            .arg(root.join("tmp/.X11-unix")),
    );
    std::fs::copy("/etc/resolv.conf", root.join("etc/resolv.conf")).unwrap();
    std::fs::copy(&deb, root.join("tmp/watchdesk.deb")).unwrap();

    // Nothing to build with: what the package needs comes from its Depends.
    let before = run("list the tools", &mut in_root(&root, "ls /usr/bin"));
    for tool in ["cargo", "rustc", "gcc", "cc", "pkg-config"] {
        assert!(
            !before.lines().any(|l| l == tool),
            "the minimal Debian already has {tool}"
        );
    }
    let installed = run(
        "apt-get install ./watchdesk.deb in a fresh Debian 12",
        &mut in_root(
            &root,
            "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/watchdesk.deb",
        ),
    );
    let pulled = installed
        .lines()
        .filter(|l| l.starts_with("Setting up "))
        .count();
    eprintln!("apt set up {pulled} packages for the .deb");

    // Every installed program finds its libraries.
    let files = run(
        "dpkg -L watchdesk",
        &mut in_root(&root, "dpkg -L watchdesk"),
    );
    let programs: Vec<&str> = files
        .lines()
        .filter(|l| l.starts_with("/usr/bin/"))
        .collect();
    assert!(
        programs.contains(&"/usr/bin/watchdesk") && programs.contains(&"/usr/bin/watchdesk-app"),
        "the package installs both programs: {programs:?}"
    );
    for p in &programs {
        let linked = run(
            &format!("ldd {p}"),
            &mut in_root(&root, &format!("ldd {p}")),
        );
        assert!(
            !linked.contains("not found"),
            "{p} lacks libraries the package does not depend on:\n{linked}"
        );
    }

    // The command line draws the built-in dashboard from a cache (empty: "No data" charts).
    run(
        "watchdesk render in the fresh Debian",
        &mut in_root(
            &root,
            "watchdesk --cache /tmp/cli.db render --out /tmp/render",
        ),
    );
    let drawn = std::fs::read_dir(root.join("tmp/render/rta-overview"))
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    e.path()
                        .extension()
                        .is_some_and(|x| x == "svg" || x == "png")
                })
                .count()
        })
        .unwrap_or(0);
    assert!(
        drawn >= 10,
        "watchdesk render drew {drawn} panels of the RTA overview"
    );

    // The app starts on the display: WebKit starts its web process from the chroot's files.
    let display = std::env::var("DISPLAY").unwrap_or_default();
    let mut app = in_root(
        &root,
        "exec watchdesk-app --prometheus http://127.0.0.1:9 --alertmanager http://127.0.0.1:9 --cache /tmp/app.db",
    )
    .env("DISPLAY", &display)
    .env_remove("DBUS_SESSION_BUS_ADDRESS")
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("start the app in the chroot");
    let web = wait_for(
        "the installed app's WebKit web process in the fresh Debian",
        Duration::from_secs(60),
        || {
            let exited = app.try_wait().ok().flatten();
            assert!(exited.is_none(), "the installed app exited: {exited:?}");
            procs::tree(app.id())
                .into_iter()
                .find(|&p| procs::name(p).starts_with("WebKitWebProces"))
        },
    );
    eprintln!("the installed app runs, web process {web}");
    for pid in procs::tree(app.id()).into_iter().rev() {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    let _ = app.wait();
    drop(chroot);
}
