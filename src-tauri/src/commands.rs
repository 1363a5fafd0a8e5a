//! Tauri commands: one adapter each, from IPC arguments to a desk method (`watchdesk::desk`) and
//! back to a `dto` payload. No decision is made here.

use tauri::{AppHandle, State};

use watchdesk::desk::{self, TimeRange};

use crate::dto::{self, View};
use crate::error::{IpcError, IpcResult};
use crate::state::Shell;

type Desk<'a> = State<'a, Shell>;

#[tauri::command]
pub fn app_state(desk: Desk) -> dto::AppState {
    let dashboards = desk.dashboards();
    let first = dashboards.first().map(|d| d.0.clone()).unwrap_or_default();
    let mut view: View = desk
        .cache()
        .saved_view()
        .ok()
        .flatten()
        .map(View::from)
        // Nothing saved yet (a first start): no range, so the UI opens the dashboard at its own
        // time range and refresh, as Grafana does.
        .unwrap_or_else(|| View {
            view: "dashboard".into(),
            dashboard: first.clone(),
            ..Default::default()
        });
    if desk.dashboard(&view.dashboard).is_err() {
        view.dashboard = first;
    }
    let warnings = desk.warnings();
    dto::AppState {
        dashboards: dashboards
            .into_iter()
            .map(|(uid, title)| dto::DashRef { uid, title })
            .collect(),
        sources: desk.sources(),
        view,
        note: (!warnings.is_empty()).then(|| warnings.join(" · ")),
        user: whoami::username(),
    }
}

#[tauri::command]
pub fn save_view(desk: Desk, view: View) -> IpcResult<()> {
    Ok(desk
        .cache()
        .save_view(&view.into())
        .map_err(desk::DeskError::from)?)
}

#[tauri::command]
pub fn dashboard(desk: Desk, uid: String) -> IpcResult<dto::DashboardDto> {
    Ok(desk.dashboard_view(&uid)?.into())
}

/// Collapses or expands a row (remembered); the UI reloads the dashboard's layout.
#[tauri::command]
pub fn set_row_collapsed(desk: Desk, uid: String, index: usize, collapsed: bool) -> IpcResult<()> {
    Ok(desk.set_row_collapsed(&uid, index, collapsed)?)
}

#[tauri::command]
pub async fn set_variable(
    desk: Desk<'_>,
    uid: String,
    name: String,
    values: Vec<String>,
) -> IpcResult<()> {
    Ok(desk.set_variable(&uid, &name, values).await?)
}

#[tauri::command]
pub fn render_panel(
    desk: Desk,
    uid: String,
    panel_id: i64,
    from: String,
    to: String,
    width: u32,
    height: u32,
) -> IpcResult<dto::Rendered> {
    let range = TimeRange::parse(&from, &to)?;
    Ok(desk
        .render_panel(&uid, panel_id, range, width, height)?
        .into())
}

#[tauri::command]
pub fn panel_values(
    desk: Desk,
    uid: String,
    panel_id: i64,
    from: String,
    to: String,
    at: i64,
) -> IpcResult<dto::Values> {
    let range = TimeRange::parse(&from, &to)?;
    let (t, vals) = desk.panel_values(&uid, panel_id, range, at)?;
    Ok(dto::Values {
        t,
        values: vals
            .into_iter()
            .map(|(name, value, color)| dto::Value { name, value, color })
            .collect(),
    })
}

/// Saves a panel as SVG, PNG or CSV (its data) into the user's download folder; returns where.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub fn export_panel(
    desk: Desk,
    uid: String,
    panel_id: i64,
    format: String,
    from: String,
    to: String,
    width: u32,
    height: u32,
) -> IpcResult<dto::ExportDto> {
    let range = TimeRange::parse(&from, &to)?;
    let fmt = desk::ExportFormat::parse(&format).ok_or_else(|| {
        IpcError::Refused(format!("cannot export as {format:?}: use svg, png or csv"))
    })?;
    let path = desk.export_panel(
        &uid,
        panel_id,
        range,
        width,
        height,
        fmt,
        &desk::download_dir()?,
    )?;
    Ok(dto::ExportDto {
        path: path.display().to_string(),
        events: 0,
    })
}

fn health(desk: &Shell) -> Vec<dto::Health> {
    desk.health().iter().map(dto::Health::from).collect()
}

#[tauri::command]
pub fn alerts(desk: Desk) -> IpcResult<dto::AlertsDto> {
    let list = desk.alerts(None)?;
    Ok(dto::AlertsDto {
        alerts: list.alerts.iter().map(dto::AlertDto::from).collect(),
        counts: list.counts.into(),
        health: health(&desk),
    })
}

#[tauri::command]
pub fn ack_resolved(
    desk: Desk,
    source: String,
    fingerprint: String,
    author: String,
    comment: String,
) -> IpcResult<dto::AckResult> {
    if !desk.acknowledge_resolved(&source, &fingerprint, &author, &comment)? {
        return Err(IpcError::Refused(
            "this alert is no longer in the resolved, not acknowledged list \
             (someone acknowledged it, or it fires again)"
                .into(),
        ));
    }
    Ok(dto::AckResult {
        status: "local".into(),
        detail: "acknowledged".into(),
    })
}

/// The shift log: every alert's events since a time, newest first.
#[tauri::command]
pub fn shift_log(desk: Desk, since: String) -> IpcResult<Vec<dto::ShiftEventDto>> {
    let events = desk.shift_log(None, &since)?;
    Ok(events.iter().rev().map(dto::ShiftEventDto::from).collect())
}

/// Writes the shift log since a time as CSV into the user's download folder.
#[tauri::command]
pub fn export_shift_log(desk: Desk, since: String) -> IpcResult<dto::ExportDto> {
    let e = desk.export_shift_log(&since, &desk::download_dir()?)?;
    Ok(dto::ExportDto {
        path: e.path.display().to_string(),
        events: e.events,
    })
}

/// Acknowledges: a silence with the operator's `matchers` for `duration_ms` by `author`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn ack(
    desk: Desk<'_>,
    source: String,
    fingerprint: String,
    matchers: Vec<dto::MatcherArg>,
    duration_ms: i64,
    author: String,
    comment: String,
) -> IpcResult<dto::AckResult> {
    let matchers = matchers.into_iter().map(|m| (m.name, m.value)).collect();
    Ok(desk
        .acknowledge(
            &source,
            &fingerprint,
            matchers,
            duration_ms,
            &author,
            &comment,
        )
        .await?
        .into())
}

#[tauri::command]
pub async fn unack(
    desk: Desk<'_>,
    source: String,
    silence_id: String,
) -> IpcResult<dto::AckResult> {
    Ok(desk
        .unacknowledge(&source, &silence_id, &whoami::username())
        .await?
        .into())
}

#[tauri::command]
pub async fn alert_detail(
    desk: Desk<'_>,
    source: Option<String>,
    fingerprint: String,
) -> IpcResult<dto::AlertDetailDto> {
    Ok(desk
        .alert_detail(source.as_deref(), &fingerprint)
        .await?
        .into())
}

/// An alert's logs (its service's lines around its start), narrowed by `filter` (text, or
/// `/regex/`); from the cache, saying so, when Loki is down.
#[tauri::command]
pub async fn alert_logs(
    desk: Desk<'_>,
    source: Option<String>,
    fingerprint: String,
    filter: String,
) -> IpcResult<dto::AlertLogsDto> {
    let req = desk::AlertLogsRequest {
        source: source.as_deref(),
        alert: &fingerprint,
        filter: &filter,
        limit: 1000,
    };
    Ok(desk.alert_logs(&req).await?.into())
}

#[tauri::command]
pub fn status(desk: Desk) -> dto::StatusDto {
    let (worst, _) = desk.overall();
    dto::StatusDto {
        health: health(&desk),
        worst: worst.as_str().to_string(),
        cache_problem: desk.cache_problem(),
        // The engine's, and whether the desktop can show notifications at all.
        warnings: desk
            .warnings()
            .iter()
            .cloned()
            .chain(crate::desktop::delivery_problem())
            .collect(),
    }
}

/// Opens a runbook link in the system browser: http and https only, never a file or a program.
#[tauri::command]
pub fn open_link(url: String) -> IpcResult<()> {
    crate::browser::open(&url).map_err(IpcError::Refused)
}

/// Whether the app starts when this user logs in.
#[tauri::command]
pub fn autostart(app: AppHandle) -> IpcResult<bool> {
    crate::autostart::is_enabled(&app).map_err(IpcError::Refused)
}

/// Switches "Start at login" on or off; answers the setting as it now is.
#[tauri::command]
pub fn set_autostart(app: AppHandle, enabled: bool) -> IpcResult<bool> {
    crate::autostart::set(&app, enabled).map_err(IpcError::Refused)
}

/// What the calling wall window shows now (`None`: not a wall window, or the wall has stopped).
/// Async, as every wall command: off the main thread, which builds the wall's windows.
#[tauri::command]
pub async fn wall_screen(
    wall: State<'_, crate::wall::WallState>,
    window: tauri::WebviewWindow,
) -> IpcResult<Option<crate::wall_dto::WallScreenDto>> {
    Ok(crate::wall::screen_of(&wall, window.label()))
}

/// A key pressed on a wall window: pause, resume, next, previous, alerts, leave.
#[tauri::command]
pub async fn wall_command(
    wall: State<'_, crate::wall::WallState>,
    window: tauri::WebviewWindow,
    cmd: String,
) -> IpcResult<()> {
    let c = crate::wall::parse_command(&cmd)
        .ok_or_else(|| IpcError::Refused(format!("unknown wall key {cmd:?}")))?;
    crate::wall::command(&wall, window.label(), c);
    Ok(())
}
