fn main() {
    // Only the app's own commands exist, and the capability grants exactly these.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_state",
            "save_view",
            "dashboard",
            "set_variable",
            "set_row_collapsed",
            "render_panel",
            "panel_values",
            "export_panel",
            "alerts",
            "alert_detail",
            "alert_logs",
            "status",
            "open_link",
            "ack",
            "unack",
            "ack_resolved",
            "shift_log",
            "export_shift_log",
            "autostart",
            "set_autostart",
            "wall_screen",
            "wall_command",
        ]),
    ))
    .expect("tauri build script failed");
}
