//! The wall's IPC payloads (`wd:wall`, `wall_screen`), next to `dto.rs`: data only.

use std::collections::BTreeMap;

use serde::Serialize;

use watchdesk::desk;

use crate::dto::CountsDto;

/// What one wall window shows (`wd:wall`, `wall_screen`).
#[derive(Serialize, Clone)]
pub struct WallScreenDto {
    pub monitor: String,
    /// "dashboard", "alerts" or "alarm".
    pub show: &'static str,
    pub dashboard: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub position: usize,
    pub of: usize,
    pub changes_at: Option<i64>,
    pub alarm: Option<WallAlarmDto>,
    pub moved_from: Option<String>,
    pub scale: bool,
    pub paused: bool,
    pub counts: CountsDto,
    pub stale: Option<String>,
    /// Playlists waiting for a monitor, and why.
    pub waiting: Vec<String>,
}

#[derive(Serialize, Clone)]
pub struct WallAlarmDto {
    pub source: String,
    pub fingerprint: String,
    pub severity: String,
    pub banner: String,
}

impl From<desk::ScreenView> for WallScreenDto {
    fn from(s: desk::ScreenView) -> Self {
        let mut d = WallScreenDto {
            monitor: s.monitor.name,
            show: "dashboard",
            dashboard: None,
            from: None,
            to: None,
            vars: BTreeMap::new(),
            position: 0,
            of: 0,
            changes_at: None,
            alarm: None,
            moved_from: s.moved_from,
            scale: s.scale,
            paused: s.paused,
            counts: s.counts.into(),
            stale: s.stale,
            waiting: s.waiting,
        };
        match s.show {
            desk::Show::Dashboard {
                entry,
                position,
                of,
                changes_at,
            } => {
                d.dashboard = Some(entry.dashboard);
                d.from = Some(entry.from);
                d.to = Some(entry.to);
                d.vars = entry.vars;
                (d.position, d.of, d.changes_at) = (position, of, changes_at);
            }
            desk::Show::Alerts => d.show = "alerts",
            desk::Show::Alarm(a) => {
                d.show = "alarm";
                d.alarm = Some(WallAlarmDto {
                    source: a.source,
                    fingerprint: a.fingerprint,
                    severity: a.severity.as_str().to_string(),
                    banner: a.banner,
                });
            }
        }
        d
    }
}
