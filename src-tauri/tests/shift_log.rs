//! In the app, as an operator: an alert that resolves while nobody acknowledged it stays in the
//! list as "resolved, not acknowledged"; its ACK button acknowledges it (no silence) and it leaves
//! the list; the shift log view lists what happened, newest first, and "Export CSV" writes the
//! `watchdesk history --csv` format into the download folder and says where.
//! Run through `scripts/with-desktop.sh`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::webdriver::Driver;
use common::{get, Stack};

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

const RESOLVED_ROW: &str = "const r = Array.from(document.querySelectorAll('.arow')) \
     .find(r => r.textContent.includes('ResolveUi')); \
     return r && r.textContent.includes('not acknowledged') ? r.textContent : ''";

#[test]
fn resolved_alert_acknowledged_in_the_list_and_the_shift_log_exported() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the desktop tests through scripts/with-desktop.sh"
    );
    let stack = Stack::start();
    // A home of its own: the export goes to $HOME/Downloads (no XDG user dirs there).
    let home = stack.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_CONFIG_HOME", home.join(".config"));
    std::env::remove_var("XDG_DOWNLOAD_DIR");

    let driver = Driver::start(
        std::path::Path::new(APP),
        &stack.app_args(),
        &stack.dir.path().join("driver.log"),
    );
    // The app has loaded its alert list (the first alert round is done) before the alert arrives.
    // The click is repeated until the list shows: one made while the app still restores its last
    // view would be undone by it.
    driver.wait_js(
        "the app's alert list",
        Duration::from_secs(90),
        "const l = document.getElementById('alert-list'); \
         if (l && l.textContent.includes('no active alerts')) return 'yes'; \
         const nav = document.getElementById('nav-alerts'); if (nav) nav.click(); return ''",
    );
    let ends = watchdesk::time::to_rfc3339(watchdesk::time::now_ms() + 15_000);
    stack.post_alerts_to(
        &stack.am_url(),
        &serde_json::json!([{
            "labels": {"alertname": "ResolveUi", "severity": "critical", "job": "go-api", "instance": "10.3.0.1:8080"},
            "annotations": {"summary": "<b>resolves</b> by itself"},
            "endsAt": ends,
        }]),
    );
    driver.wait_js(
        "ResolveUi firing in the list",
        Duration::from_secs(60),
        "const r = Array.from(document.querySelectorAll('.arow')).find(r => r.textContent.includes('ResolveUi')); \
         return r && r.textContent.includes('firing') ? 'yes' : ''",
    );
    // Alertmanager resolves it (its endsAt passes); nobody acknowledged it: it stays listed.
    let row = driver.wait_js(
        "ResolveUi as resolved, not acknowledged",
        Duration::from_secs(90),
        RESOLVED_ROW,
    );
    assert!(row.as_str().unwrap_or("").contains("resolved"), "{row}");
    std::thread::sleep(Duration::from_secs(6));
    assert_ne!(
        driver.exec(RESOLVED_ROW),
        "",
        "it stays listed over later alert rounds"
    );
    driver.screenshot(&common::repo().join("target/screenshots/resolved-not-acknowledged.png"));

    // The operator acknowledges it: gone from the list, and no silence was made for it.
    driver.exec(
        "Array.from(document.querySelectorAll('.arow')).find(r => r.textContent.includes('ResolveUi')) \
         .querySelector('.ack-btn').click(); return true",
    );
    driver.wait_js(
        "ResolveUi gone from the list",
        Duration::from_secs(30),
        "return Array.from(document.querySelectorAll('.arow')).some(r => r.textContent.includes('ResolveUi')) ? '' : 'gone'",
    );
    let silences = get(&format!("{}/api/v2/silences", stack.am_url())).unwrap_or_default();
    assert_eq!(silences.trim(), "[]", "no silence for a resolved alert");

    // The shift log: newest first, the acknowledgement on top of the resolution and the firing.
    driver.exec("document.getElementById('nav-shiftlog').click(); return true");
    let kinds = driver.wait_js(
        "the shift log with the acknowledgement",
        Duration::from_secs(30),
        "const rows = Array.from(document.querySelectorAll('#shift-list .srow:not(.shead)')) \
           .filter(r => r.textContent.includes('ResolveUi')).map(r => r.querySelector('.s-kind').textContent); \
         return rows.length >= 3 ? rows.join(',') : ''",
    );
    assert_eq!(kinds, "acknowledged,resolved,fired");
    let markup = driver.exec("return document.querySelectorAll('#shift-list b').length");
    assert_eq!(markup, 0, "server text stays text");

    // Export: a CSV in the download folder, its path shown.
    driver.exec("document.getElementById('shift-export').click(); return true");
    let shown = driver.wait_js(
        "the export's path",
        Duration::from_secs(30),
        "const r = document.getElementById('shift-result'); \
         return r && !r.hidden && r.textContent.includes('.csv') ? r.textContent : ''",
    );
    let shown = shown.as_str().unwrap_or("").to_string();
    let path = shown
        .split(": ")
        .last()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    assert!(
        path.starts_with(home.join("Downloads").to_str().unwrap()),
        "written to the download folder: {shown}"
    );
    let csv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        csv.starts_with("time,source,alertname,event,fingerprint,detail\n"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.contains("\"ResolveUi\"") && l.contains("\"acknowledged\"")),
        "{csv}"
    );
    std::thread::sleep(Duration::from_secs(1));
    driver.screenshot(&common::repo().join("target/screenshots/shift-log.png"));
}
