//! Offline, as an operator sees it: Prometheus stops while the app runs -> the offline banner appears
//! and the charts stay; the app is restarted with Prometheus still down -> the dashboard opens from
//! the cache. Run through `scripts/with-desktop.sh`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::app::DRAWN_PANELS;
use common::webdriver::Driver;
use common::Stack;

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

const BANNER: &str = "const b = document.getElementById('offline-banner'); \
     return b && !b.hidden ? b.textContent : ''";

/// Whether panel 2 (stream reservations) draws data, asked through the app's own command.
const PANEL_HAS_DATA: &str = "return window.__TAURI__.core.invoke('render_panel', \
     {uid: 'rta-overview', panelId: 2, from: 'now-1h', to: 'now', width: 600, height: 300}) \
     .then(r => r.svg.includes('No data') ? 'no data' : 'data')";

fn start_app(stack: &Stack, log: &str) -> Driver {
    Driver::start(
        std::path::Path::new(APP),
        &stack.app_args(),
        &stack.dir.path().join(log),
    )
}

#[test]
fn offline_banner_and_dashboard_from_cache_after_restart() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the desktop tests through scripts/with-desktop.sh"
    );
    let mut stack = Stack::start();
    stack.wait_targets_up(14);
    std::thread::sleep(Duration::from_secs(5));

    let driver = start_app(&stack, "driver1.log");
    driver.wait_js(
        "the dashboard's charts",
        Duration::from_secs(90),
        &format!("const n = (function(){{ {DRAWN_PANELS} }})(); return n >= 10 ? n : 0"),
    );
    driver.wait_js("panel data", Duration::from_secs(60), &format!(
        "return (async () => {{ const r = await (function(){{ {PANEL_HAS_DATA} }})(); return r === 'data' ? r : ''; }})()"
    ));
    assert_eq!(
        driver.exec(BANNER),
        "",
        "no offline banner while Prometheus answers"
    );

    stack.stop_prometheus();
    let banner = driver.wait_js("the offline banner", Duration::from_secs(120), BANNER);
    let banner = banner.as_str().unwrap_or("").to_lowercase();
    assert!(
        banner.contains("offline") && banner.contains("showing data up to"),
        "{banner}"
    );
    let drawn = driver.exec(DRAWN_PANELS).as_u64().unwrap_or(0);
    assert!(drawn >= 10, "the charts stay while offline ({drawn})");
    // The panels themselves say so (drawn greyed, with the banner), not only the window.
    let stale = driver.exec(
        "return window.__TAURI__.core.invoke('render_panel', \
         {uid: 'rta-overview', panelId: 1, from: 'now-1h', to: 'now', width: 900, height: 200}) \
         .then(r => r.stale || '')",
    );
    assert!(
        stale
            .as_str()
            .unwrap_or("")
            .contains("offline — showing data up to"),
        "{stale}"
    );
    driver.screenshot(&common::repo().join("target/screenshots/offline.png"));
    drop(driver);

    // Restart with Prometheus still down: the dashboard opens from the cache.
    let driver = start_app(&stack, "driver2.log");
    driver.wait_js(
        "the dashboard's charts after a restart, offline",
        Duration::from_secs(90),
        &format!("const n = (function(){{ {DRAWN_PANELS} }})(); return n >= 10 ? n : 0"),
    );
    let has = driver.exec(&format!(
        "return (async () => await (function(){{ {PANEL_HAS_DATA} }})())()"
    ));
    assert_eq!(has, "data", "panels draw cached data with Prometheus down");
    let banner = driver.wait_js(
        "the offline banner after restart",
        Duration::from_secs(120),
        BANNER,
    );
    assert!(banner
        .as_str()
        .unwrap_or("")
        .to_lowercase()
        .contains("offline"));
}
