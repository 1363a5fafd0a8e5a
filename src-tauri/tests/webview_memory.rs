//! The web process's own memory once the RTA overview is drawn. With WebKit's GPU compositing,
//! which on a PC without a GPU (a VM, a remote desktop, Xvfb) goes through Mesa's software GL,
//! every panel image was held again as a layer texture: the web process's private memory was
//! 215–240 MiB, against 66–72 MiB drawn without compositing (an empty Tauri window: ~75 MiB).
//! Private memory, not PSS, so that other WebKit processes on the machine change nothing.
//! Run through `scripts/with-desktop.sh`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Duration;

use common::app::DRAWN_PANELS;
use common::procs;
use common::webdriver::Driver;
use common::Stack;

const APP: &str = env!("CARGO_BIN_EXE_watchdesk-app");

/// Twice what the web process holds without compositing, well under what it held with it.
const MOST_MIB: u64 = 140;

#[test]
fn the_web_process_held_every_panel_again_as_a_software_gl_layer() {
    common::app::require_desktop();
    let stack = Stack::start();
    stack.wait_targets_up(14);
    let driver = Driver::start(
        Path::new(APP),
        &stack.app_args(),
        &stack.dir.path().join("driver.log"),
    );
    driver.wait_js(
        "the RTA overview's charts",
        Duration::from_secs(90),
        &format!("const n = (function(){{ {DRAWN_PANELS} }})(); return n >= 10 ? n : 0"),
    );
    // Settled: the first refresh redraws every panel.
    std::thread::sleep(Duration::from_secs(15));
    let launched = procs::tree(driver.pid());
    let app: Vec<u32> = procs::running(Path::new(APP))
        .into_iter()
        .filter(|p| launched.contains(p))
        .collect();
    assert_eq!(
        app.len(),
        1,
        "one app launched by the driver expected: {app:?}"
    );
    let web: Vec<u32> = procs::tree(app[0])
        .into_iter()
        .filter(|&p| procs::name(p).starts_with("WebKitWebProces"))
        .collect();
    assert_eq!(web.len(), 1, "one web process expected: {web:?}");
    let field = procs::smaps(web[0]);
    let mib = (field("Private_Clean:") + field("Private_Dirty:")) / 1024;
    eprintln!("web process {}: {mib} MiB private", web[0]);
    assert!(
        mib <= MOST_MIB,
        "the web process holds {mib} MiB of its own with the RTA overview drawn (at most \
         {MOST_MIB} expected): is WebKit compositing on the GPU again (webview.rs)?"
    );
}
