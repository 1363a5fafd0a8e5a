//! The reference for the idle-memory figure of BENCHMARKS.md: an empty Tauri 2 window (a blank
//! page, no plugins, no tray, no commands), built in the same release build as the app
//! (scripts/package.sh: `cargo build --release --workspace --bins --examples`). Run under the same
//! display as the app, their memory is compared by src-tauri/tests/figures.rs.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!(
            "examples/empty-window/tauri.conf.json"
        ))
        .expect("the empty window could not be started (is a display available?)");
}
