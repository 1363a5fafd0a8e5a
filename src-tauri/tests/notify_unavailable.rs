//! A desktop session whose notifications go nowhere (no notification daemon, here no session bus
//! at all) must not look fine: critical alerts would pop up nowhere while the status bar stayed
//! green. The app asks the daemon at start and says so in the status bar's warning line.
//! Run through `scripts/with-desktop.sh`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Duration;

use common::webdriver::Driver;
use common::Stack;

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

#[test]
fn the_console_looked_fine_while_no_notification_could_be_shown() {
    common::app::require_desktop();
    let stack = Stack::start();
    stack.wait_targets_up(3);
    let driver = Driver::start_with_env(
        Path::new(APP),
        &stack.app_args(),
        &stack.dir.path().join("driver.log"),
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/watchdesk-test/bus",
        )],
    );
    let said = driver.wait_js(
        "the status bar saying notifications cannot be shown",
        Duration::from_secs(60),
        "const l = document.getElementById('error-line'); \
         return l && !l.hidden && l.textContent.includes('desktop notifications cannot be shown') \
           ? l.textContent : ''",
    );
    let said = said.as_str().unwrap_or("");
    assert!(
        said.contains("critical alerts appear only in this window")
            && said.contains("notification daemon"),
        "the warning says what it means and what to do: {said}"
    );
    let shots = common::repo().join("target").join("screenshots");
    let _ = std::fs::create_dir_all(&shots);
    driver.screenshot(&shots.join("notifications-unavailable.png"));
}
