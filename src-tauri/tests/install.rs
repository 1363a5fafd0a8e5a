//! The .deb as a control-room PC gets it (scripts/package.sh builds it; scripts/test.sh runs this
//! with `--ignored`, as root, under scripts/with-desktop.sh):
//!
//! 1. the package holds the app, the `watchdesk` command line, a desktop entry with its icon that
//!    handles `watchdesk://` (`%u`), and no maintainer script touches a home folder;
//! 2. `dpkg -i`; the installed command line polls the reference stack into the operator's cache;
//! 3. `xdg-open watchdesk://alert/…` with no app running starts it (the desktop entry's `Exec`) on
//!    that alert's detail; the app started from the `Exec` line (through WebDriver) is on it again
//!    after a restart, and a second `xdg-open` brings the running one to the alert;
//! 4. "Start at login" from the checkbox and from `watchdesk-app --autostart on|off` writes and
//!    removes the XDG autostart entry that starts the installed app;
//! 5. a newer version installed over it, then removing and purging the package, leave the
//!    operator's config and cache (acknowledgements and notification marks included) byte for byte.

#![cfg(target_os = "linux")]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::webdriver::Driver;
use common::{built_deb, require_bin, wait_for, Stack};

const ALERT: &str = "InstallProbe";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Every file under the operator's Watchdesk folders, with its bytes.
fn operator_files(home: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.insert(p, bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&home.join(".config/watchdesk"), &mut files);
    walk(&home.join(".local/share/watchdesk"), &mut files);
    files
}

/// Purges the package when the test ends, passed or not: the machine is left as it was.
struct Installed(String);

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg")
            .args(["--purge", &self.0])
            .stdout(Stdio::null())
            .status();
    }
}

/// The `Exec` line of the installed desktop entry, without field codes: (program, arguments).
fn exec_line(desktop: &str) -> (PathBuf, Vec<String>) {
    let line = desktop
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("the desktop entry has an Exec line");
    let mut words = line
        .split_whitespace()
        .filter(|w| !w.starts_with('%'))
        .map(|w| w.trim_matches('"').to_string());
    let program = words.next().expect("Exec names a program");
    let args = words.collect();
    let program = if program.contains('/') {
        PathBuf::from(program)
    } else {
        require_bin(&program, "the Watchdesk package")
    };
    (program, args)
}

fn own_group(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
}

/// Stops a process started in its own group (xdg-open and the app it started).
fn stop_group(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

#[test]
#[ignore = "installs the .deb system-wide (root, a display): scripts/test.sh runs it after scripts/package.sh"]
fn the_deb_installs_opens_watchdesk_links_and_keeps_the_operators_data() {
    common::app::require_desktop();
    for (bin, pkg) in [
        ("dpkg", "dpkg"),
        ("xdg-open", "xdg-utils"),
        ("xdg-mime", "xdg-utils"),
        ("update-desktop-database", "desktop-file-utils"),
    ] {
        require_bin(bin, pkg);
    }
    let uid = run(Command::new("id").arg("-u"));
    assert_eq!(
        uid.trim(),
        "0",
        "installing a package needs root: run scripts/test.sh as root (CI does)"
    );
    let deb = built_deb();
    let package = run(Command::new("dpkg-deb")
        .args(["-f"])
        .arg(&deb)
        .arg("Package"))
    .trim()
    .to_string();
    let version = run(Command::new("dpkg-deb")
        .args(["-f"])
        .arg(&deb)
        .arg("Version"))
    .trim()
    .to_string();

    // 1. What the package holds.
    let contents = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    let paths: Vec<&str> = contents
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .map(|p| p.trim_start_matches("./"))
        .collect();
    for want in [
        "usr/bin/watchdesk-app",
        "usr/bin/watchdesk",
        "usr/share/applications/Watchdesk.desktop",
        "usr/share/icons/hicolor/128x128/apps/watchdesk-app.png",
    ] {
        assert!(
            paths.contains(&want),
            "{} lacks {want}:\n{contents}",
            deb.display()
        );
    }
    let work = tempfile::tempdir().expect("temp dir");
    run(Command::new("dpkg-deb")
        .arg("-e")
        .arg(&deb)
        .arg(work.path().join("control")));
    for script in ["preinst", "postinst", "prerm", "postrm"] {
        if let Ok(text) = std::fs::read_to_string(work.path().join("control").join(script)) {
            for home in ["HOME", "/home", "/root", ".config", ".local", "watchdesk"] {
                assert!(
                    !text.contains(home),
                    "the package's {script} mentions {home:?}: a maintainer script must never touch the operator's data\n{text}"
                );
            }
        }
    }

    // The operator's home, with a config that points at the reference stack.
    let home = tempfile::tempdir().expect("operator home");
    let home_path = home.path().to_path_buf();
    std::env::set_var("HOME", &home_path);
    for v in [
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "XDG_STATE_HOME",
    ] {
        std::env::remove_var(v);
    }
    let stack = Stack::start();
    stack.wait_targets_up(14);
    let config_dir = home_path.join(".config/watchdesk");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[[source]]\nname = \"site\"\nprometheus = \"{}\"\nalertmanagers = [\"{}\"]\n",
            stack.prom_url(),
            stack.am_url()
        ),
    )
    .unwrap();
    stack.post_alert(
        serde_json::json!({"alertname": ALERT, "severity": "critical", "instance": "pc-7"}),
        serde_json::json!({"summary": "the install test's alert"}),
    );

    // 2. Install; the installed command line fills the operator's cache.
    let _ = Command::new("dpkg")
        .args(["--purge", &package])
        .stdout(Stdio::null())
        .status();
    run(Command::new("dpkg").arg("-i").arg(&deb));
    let installed = Installed(package.clone());
    let desktop = std::fs::read_to_string("/usr/share/applications/Watchdesk.desktop")
        .expect("the installed desktop entry");
    assert!(
        desktop.contains("MimeType=x-scheme-handler/watchdesk;")
            && desktop
                .lines()
                .any(|l| l.starts_with("Exec=") && l.ends_with(" %u")),
        "the desktop entry must hand watchdesk:// links to the app (MimeType, Exec … %u):\n{desktop}"
    );
    assert!(desktop.contains("Icon=watchdesk-app"), "{desktop}");
    let handler =
        run(Command::new("xdg-mime").args(["query", "default", "x-scheme-handler/watchdesk"]));
    assert_eq!(
        handler.trim(),
        "Watchdesk.desktop",
        "xdg-mime does not know the watchdesk:// handler: the desktop database was not updated \
         on install (desktop-file-utils' dpkg trigger)"
    );
    let wd = Path::new("/usr/bin/watchdesk");
    wait_for(
        "an alert list with the install test's alert",
        Duration::from_secs(120),
        || {
            run(Command::new(wd)
                .args(["poll", "--once"])
                .env("RUST_LOG", "warn"));
            let list = run(Command::new(wd).args(["alerts", "--json"]));
            let v: serde_json::Value = serde_json::from_str(&list).ok()?;
            v.as_array()?
                .iter()
                .find(|a| a["alertname"] == ALERT)
                .cloned()
        },
    );
    let list: serde_json::Value =
        serde_json::from_str(&run(Command::new(wd).args(["alerts", "--json"]))).unwrap();
    let alert = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alertname"] == ALERT)
        .unwrap();
    let (source, fingerprint) = (
        alert["source"].as_str().unwrap().to_string(),
        alert["fingerprint"].as_str().unwrap().to_string(),
    );
    let link = format!("watchdesk://alert/{source}/{fingerprint}");
    let cache = home_path.join(".local/share/watchdesk/cache.db");
    assert!(
        cache.is_file(),
        "the installed CLI keeps its cache in the operator's home"
    );

    // 3a. xdg-open with no app running: the desktop entry starts the app on the alert's detail
    //     (the UI saves the view it shows in the cache).
    let log = std::fs::File::create(work.path().join("xdg-open.log")).unwrap();
    let mut opener = own_group(
        Command::new("xdg-open")
            .arg(&link)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    )
    .spawn()
    .expect("xdg-open");
    wait_for(
        "the app started by xdg-open to show the alert's detail (its saved view)",
        Duration::from_secs(90),
        || {
            let view = watchdesk::cache::Cache::open_read_only(&cache)
                .ok()?
                .saved_view()
                .ok()??;
            (view.view == "alert" && view.fingerprint.as_deref() == Some(fingerprint.as_str()))
                .then_some(())
        },
    );
    stop_group(&mut opener);

    // 3b. The app as the desktop entry starts it, driven through WebDriver: it opens on the alert
    //     the operator last looked at; back on the dashboard, xdg-open brings it to the alert.
    let (program, args) = exec_line(&desktop);
    let driver = Driver::start(&program, &args, &work.path().join("driver.log"));
    let detail_of = |what: &str| {
        format!(
            "const v = document.getElementById('view-alert'); \
             if (!v || v.hidden) return ''; \
             const t = document.getElementById('detail').textContent; \
             return t.includes('{what}') ? t.slice(0, 300) : ''"
        )
    };
    driver.wait_js(
        "the restarted app on the alert's detail",
        Duration::from_secs(60),
        &detail_of(ALERT),
    );
    driver.exec("document.getElementById('nav-dashboard').click(); return true");
    driver.wait_js(
        "the dashboard",
        Duration::from_secs(30),
        "return !document.getElementById('view-dashboard').hidden",
    );
    run(Command::new("xdg-open").arg(&link).stdin(Stdio::null()));
    let shown = driver.wait_js(
        "the alert's detail after xdg-open (the running app, through single-instance + deep-link)",
        Duration::from_secs(60),
        &detail_of(ALERT),
    );
    assert!(shown.as_str().unwrap_or("").contains("pc-7"), "{shown}");
    driver.screenshot(&common::repo().join("target/screenshots/installed-link.png"));

    // 4. "Start at login": the checkbox, then the command line; the entry starts the installed app.
    let entry = home_path.join(".config/autostart/Watchdesk.desktop");
    driver.wait_js(
        "the Start at login checkbox",
        Duration::from_secs(20),
        "const b = document.getElementById('autostart'); return b && !b.disabled && !b.checked",
    );
    driver.exec("document.getElementById('autostart').click(); return true");
    wait_for("the autostart entry", Duration::from_secs(20), || {
        entry.is_file().then_some(())
    });
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(
        text.lines()
            .any(|l| l.trim_end() == format!("Exec={}", program.display())),
        "the autostart entry starts the installed app as its desktop entry does:\n{text}"
    );
    // The box is disabled while a change is in flight (the entry is written before the answer
    // comes back): a click then does nothing, so wait for it to show the new setting first.
    driver.wait_js(
        "the Start at login checkbox checked and enabled again",
        Duration::from_secs(20),
        "const b = document.getElementById('autostart'); return b && !b.disabled && b.checked",
    );
    driver.exec("document.getElementById('autostart').click(); return true");
    wait_for(
        "the autostart entry removed",
        Duration::from_secs(20),
        || (!entry.exists()).then_some(()),
    );
    drop(driver);
    let on = run(Command::new(&program).args(["--autostart", "on"]));
    assert!(on.contains("Start at login: on") && entry.is_file(), "{on}");
    let off = run(Command::new(&program).args(["--autostart", "off"]));
    assert!(
        off.contains("Start at login: off") && !entry.exists(),
        "{off}"
    );

    // 5. An acknowledgement in the cache; a newer version over this one; removal; purge.
    run(Command::new(wd).args([
        "ack",
        ALERT,
        "--for",
        "1h",
        "--comment",
        "install test",
        "--author",
        "installer",
    ]));
    let before = operator_files(&home_path);
    assert!(before.keys().any(|p| p.ends_with("cache.db")), "{before:?}");
    let newer = work.path().join("newer.deb");
    let tree = work.path().join("tree");
    run(Command::new("dpkg-deb").arg("-R").arg(&deb).arg(&tree));
    let control = tree.join("DEBIAN/control");
    let text = std::fs::read_to_string(&control).unwrap();
    let bumped = format!("{version}+1");
    std::fs::write(
        &control,
        text.replace(
            &format!("Version: {version}"),
            &format!("Version: {bumped}"),
        ),
    )
    .unwrap();
    run(Command::new("dpkg-deb")
        .args(["-Zgzip", "-b"])
        .arg(&tree)
        .arg(&newer));
    run(Command::new("dpkg").arg("-i").arg(&newer));
    let now = run(Command::new("dpkg-query").args(["-W", "-f=${Version}", &package]));
    assert_eq!(now, bumped, "the newer package is installed");
    assert!(
        operator_files(&home_path) == before,
        "installing a newer version changed the operator's files"
    );
    let list = run(Command::new(wd).args(["alerts", "--json"]));
    assert!(
        list.contains("\"by\": \"installer\""),
        "the acknowledgement survives the upgrade:\n{list}"
    );
    let before = operator_files(&home_path);
    run(Command::new("dpkg").args(["--remove", &package]));
    assert!(!Path::new("/usr/bin/watchdesk-app").exists());
    assert!(
        operator_files(&home_path) == before,
        "removing the package changed the operator's files"
    );
    run(Command::new("dpkg").args(["--purge", &package]));
    assert!(
        operator_files(&home_path) == before,
        "purging the package changed the operator's files"
    );
    drop(installed);
}
