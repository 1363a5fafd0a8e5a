//! The operator's journey, end to end, on a real X server with a real D-Bus session and a real
//! notification daemon (dunst), against the real stack: the dashboard shows charts; a service goes
//! down; the ServiceDown notification reaches the daemon; a click on it (`dunstctl action 0`) brings
//! the app to that alert's detail view, read back from the webview through WebDriver. Then an alert
//! full of markup is shown as plain text everywhere and nothing in it runs.
//!
//! Run through `scripts/with-desktop.sh` (scripts/test.sh does). Screenshots are kept in
//! `target/screenshots/` as CI artifacts.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::app::DRAWN_PANELS;
use common::webdriver::Driver;
use common::{require_bin, wait_for, NotifyLog, Stack};

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

fn screenshots() -> PathBuf {
    common::repo().join("target").join("screenshots")
}

pub fn require_desktop() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the desktop tests through scripts/with-desktop.sh (it starts Xvfb, D-Bus and dunst)"
    );
    require_bin("dunstctl", "dunst");
}

/// Panels whose chart image is shown.

#[test]
fn notification_click_opens_the_alert_and_markup_stays_text() {
    require_desktop();
    let stack = Stack::start();
    stack.wait_targets_up(14);
    let notes = NotifyLog::start(&stack.dir.path().join("notify.log"));
    let t0 = std::time::Instant::now();
    let driver = Driver::start(
        std::path::Path::new(APP),
        &stack.app_args(),
        &stack.dir.path().join("driver.log"),
    );

    // The RTA overview shows its charts.
    let drawn = driver.wait_js(
        "the dashboard's charts",
        Duration::from_secs(90),
        &format!("const n = (function(){{ {DRAWN_PANELS} }})(); return n >= 10 ? n : 0"),
    );
    assert!(drawn.as_u64().unwrap_or(0) >= 10, "{drawn}");
    // A figure for the notes, not an assertion (timings are not stable on a shared machine).
    eprintln!(
        "cold start to a drawn dashboard (app launch by WebDriver to 10 charts shown, polled every 0.5 s): {} ms",
        t0.elapsed().as_millis()
    );
    let title = driver.exec("return document.getElementById('dash-title').textContent");
    assert_eq!(title, "RTA CCTV System Overview");
    std::thread::sleep(Duration::from_secs(2));
    driver.screenshot(&screenshots().join("dashboard.png"));

    // A service goes down: one notification for ServiceDown reaches the daemon. Nothing else is on
    // screen, so `dunstctl action 0` below clicks that one.
    let _ = Command::new("dunstctl").args(["close-all"]).status();
    stack.scenario("service-down?service=go-api");
    wait_for(
        "a ServiceDown notification at the notification daemon",
        Duration::from_secs(180),
        || (notes.count_notify("ServiceDown") > 0).then_some(()),
    );
    // The operator clicks it.
    std::thread::sleep(Duration::from_secs(1));
    let st = Command::new("dunstctl")
        .args(["action", "0"])
        .status()
        .unwrap();
    assert!(st.success(), "dunstctl action 0");
    let header = driver.wait_js(
        "the alert detail view after the click",
        Duration::from_secs(30),
        "const v = document.getElementById('view-alert'); \
         if (!v || v.hidden) return ''; \
         const t = document.getElementById('detail').textContent; \
         return t.includes('ServiceDown') && t.includes('go-api') ? t.slice(0, 400) : ''",
    );
    assert!(header.as_str().unwrap_or("").contains("ServiceDown"));
    assert!(
        notes.text().contains("ActionInvoked"),
        "the daemon reported the click on the bus"
    );
    std::thread::sleep(Duration::from_secs(2));
    driver.screenshot(&screenshots().join("alert-detail.png"));
    // The detail shows the logs of the alert's service (the simulator's stand-in Loki): the burst
    // of error lines after the alert's start, marked, and the routine lines before it.
    let logs = driver.wait_js(
        "go-api's error lines in the alert's detail",
        Duration::from_secs(30),
        "const c = document.querySelector('.logs-card'); if (!c) return ''; \
         const rows = Array.from(c.querySelectorAll('.logline')); \
         const err = rows.filter(r => r.classList.contains('lv-error') && /ERROR/.test(r.textContent) \
           && r.textContent.includes('upstream unavailable') && r.textContent.includes('go-api')); \
         const before = rows.filter(r => /INFO/.test(r.textContent) && r.textContent.includes('request handled')); \
         const start = c.querySelector('.logs-start'); \
         return err.length >= 3 && before.length >= 3 && start ? \
           [err.length, before.length, rows.every(r => r.textContent.includes('go-api')), start.textContent, \
            c.querySelector('.logs-query').textContent] : ''",
    );
    assert_eq!(logs[2], true, "only go-api's lines: {logs}");
    assert!(
        logs[4]
            .as_str()
            .unwrap_or("")
            .starts_with("{job=\"go-api\", instance=\"127.0.0.1:"),
        "the selector made from the alert's labels: {logs}"
    );
    driver.exec(
        "const c = document.querySelector('.logs-card'); const m = document.getElementById('main'); \
         m.scrollTop += c.getBoundingClientRect().top - m.getBoundingClientRect().top - 10; return true",
    );
    std::thread::sleep(Duration::from_secs(1));
    driver.screenshot(&screenshots().join("alert-logs.png"));
    // A repeat poll must not notify the same alert again.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(
        notes.count_notify("ServiceDown"),
        1,
        "one notification per alert fingerprint"
    );

    // Hostile text: labels and annotations anyone can write to Alertmanager.
    let img = "<img src=x onerror=window.__xss=1>";
    let script = "</text><script>window.__xss=2</script>";
    stack.post_alert(
        serde_json::json!({"alertname": "XssProbe", "severity": "critical", "instance": img, "job": script}),
        serde_json::json!({"summary": format!("summary {img}"), "description": format!("description {script} {img}")}),
    );
    wait_for("the XssProbe notification", Duration::from_secs(60), || {
        (notes.count_notify("XssProbe") > 0).then_some(())
    });
    let log = notes.text();
    let call = log
        .split("member=Notify")
        .find(|c| c.contains("XssProbe"))
        .unwrap_or_default();
    assert!(
        !call.contains("<img") && call.contains("&lt;img"),
        "the notification body carries the markup escaped: {call}"
    );
    driver.exec("document.getElementById('nav-alerts').click(); return true");
    let row = driver.wait_js(
        "the XssProbe row in the alert list",
        Duration::from_secs(30),
        "const r = Array.from(document.querySelectorAll('.arow')).find(r => r.textContent.includes('XssProbe')); \
         return r ? r.textContent : ''",
    );
    let row = row.as_str().unwrap_or("");
    assert!(row.contains(img), "the label shows as literal text: {row}");
    driver.exec(
        "Array.from(document.querySelectorAll('.arow')).find(r => r.textContent.includes('XssProbe')).click(); return true",
    );
    let detail = driver.wait_js(
        "the XssProbe detail",
        Duration::from_secs(30),
        "const v = document.getElementById('view-alert'); \
         const t = document.getElementById('detail').textContent; \
         return !v.hidden && t.includes('XssProbe') ? t : ''",
    );
    let detail = detail.as_str().unwrap_or("");
    assert!(detail.contains(script) && detail.contains(img), "{detail}");
    let injected = driver.exec(
        "return [typeof window.__xss, document.querySelectorAll('img[src=\"x\"], #detail script, #alert-list script').length]",
    );
    assert_eq!(
        injected,
        serde_json::json!(["undefined", 0]),
        "nothing from the alert became markup or ran"
    );
    driver.screenshot(&screenshots().join("alert-markup-as-text.png"));
}
