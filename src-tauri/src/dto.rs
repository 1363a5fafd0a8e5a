//! IPC payloads: the only place that knows the JSON the UI sees. The engine's types are not
//! serialisable by design; these are built from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use watchdesk::cache::{AlertEvent, CachedAlert, SourceHealth};
use watchdesk::dashboard::{Dashboard, Panel};
use watchdesk::source::Target;

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct View {
    pub view: String,
    pub dashboard: String,
    pub source: Option<String>,
    pub fingerprint: Option<String>,
    pub from: String,
    pub to: String,
    pub refresh_ms: Option<i64>,
}

#[derive(Serialize)]
pub struct DashRef {
    pub uid: String,
    pub title: String,
}

#[derive(Serialize)]
pub struct AppState {
    pub dashboards: Vec<DashRef>,
    pub sources: Vec<String>,
    pub view: View,
    pub note: Option<String>,
    pub user: String,
}

#[derive(Serialize)]
pub struct Grid {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

#[derive(Serialize)]
pub struct PanelDto {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub description: String,
    pub grid: Grid,
}

impl From<&Panel> for PanelDto {
    fn from(p: &Panel) -> Self {
        PanelDto {
            id: p.id,
            title: p.title.clone(),
            kind: p.kind.as_str().to_string(),
            description: p.description.clone(),
            grid: Grid {
                x: p.grid.x as i64,
                y: p.grid.y as i64,
                w: p.grid.w as i64,
                h: p.grid.h as i64,
            },
        }
    }
}

#[derive(Serialize)]
pub struct VariableDto {
    pub name: String,
    pub label: String,
    pub options: Vec<String>,
    pub current: Vec<String>,
    pub multi: bool,
    pub include_all: bool,
}

#[derive(Serialize)]
pub struct DashboardDto {
    pub uid: String,
    pub title: String,
    pub from: String,
    pub to: String,
    pub refresh_ms: Option<i64>,
    pub variables: Vec<VariableDto>,
    pub panels: Vec<PanelDto>,
    pub issues: Vec<String>,
}

impl DashboardDto {
    pub fn new(d: &Dashboard, variables: Vec<VariableDto>, issues: Vec<String>) -> Self {
        DashboardDto {
            uid: watchdesk::plan::dashboard_key(d),
            title: d.title.clone(),
            from: d.time_from.clone(),
            to: d.time_to.clone(),
            refresh_ms: d.refresh,
            variables,
            panels: d.panels.iter().map(PanelDto::from).collect(),
            issues,
        }
    }
}

#[derive(Serialize)]
pub struct Plot {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

#[derive(Serialize)]
pub struct Rendered {
    pub svg: String,
    pub plot: Option<Plot>,
    pub from: i64,
    pub to: i64,
    pub stale: Option<String>,
}

#[derive(Serialize)]
pub struct Value {
    pub name: String,
    pub value: String,
    pub color: String,
}

#[derive(Serialize)]
pub struct Values {
    pub t: i64,
    pub values: Vec<Value>,
}

#[derive(Serialize)]
pub struct AlertDto {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub severity: String,
    pub state: String,
    pub starts_at: i64,
    pub summary: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Acknowledged from Watchdesk (an Alertmanager silence with the ack mark).
    pub ack: Option<AckDto>,
    /// An acknowledgement is queued: no Alertmanager answered yet.
    pub pending_ack: bool,
    /// Resolved at this time while nobody had acknowledged it (state "resolved, not acknowledged").
    pub resolved_at: Option<i64>,
}

/// The state word of an alert that resolved while nobody had acknowledged it.
pub const RESOLVED_UNACKED: &str = "resolved, not acknowledged";

impl From<&watchdesk::cache::alerts::ResolvedAlert> for AlertDto {
    fn from(r: &watchdesk::cache::alerts::ResolvedAlert) -> Self {
        AlertDto {
            source: r.source.clone(),
            fingerprint: r.fingerprint.clone(),
            alertname: r.alertname.clone(),
            severity: r.severity.clone(),
            state: RESOLVED_UNACKED.into(),
            starts_at: r.starts_at,
            summary: r.annotations.get("summary").cloned().unwrap_or_default(),
            labels: r.labels.clone(),
            annotations: r.annotations.clone(),
            ack: None,
            pending_ack: false,
            resolved_at: Some(r.resolved_at),
        }
    }
}

/// One line of the shift log (all alerts' events).
#[derive(Serialize)]
pub struct ShiftEventDto {
    pub at: i64,
    pub source: String,
    pub alertname: String,
    pub kind: String,
    pub fingerprint: String,
    pub detail: String,
}

impl From<&AlertEvent> for ShiftEventDto {
    fn from(e: &AlertEvent) -> Self {
        ShiftEventDto {
            at: e.at,
            source: e.source.clone(),
            alertname: e.alertname.clone(),
            kind: e.kind.clone(),
            fingerprint: e.fingerprint.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// Where the shift log CSV was written.
#[derive(Serialize)]
pub struct ExportDto {
    pub path: String,
    pub events: usize,
}

#[derive(Serialize)]
pub struct AckDto {
    pub by: String,
    pub at: i64,
    pub until: i64,
    pub comment: String,
    pub silence_id: String,
}

#[derive(Serialize)]
pub struct AckResult {
    pub status: String,
    pub detail: String,
}

#[derive(Deserialize)]
pub struct MatcherArg {
    pub name: String,
    pub value: String,
}

impl AlertDto {
    /// With its acknowledgement, from the cached silences and the queue.
    pub fn with_ack(
        a: &CachedAlert,
        silences: &[watchdesk::source::Silence],
        pending: &[watchdesk::cache::acks::PendingAck],
        now: i64,
    ) -> Self {
        let mut d = AlertDto::from(a);
        d.ack = watchdesk::ack::ack_of(&a.labels, silences, now).map(|k| AckDto {
            by: k.by,
            at: k.at,
            until: k.until,
            comment: k.comment,
            silence_id: k.silence_id,
        });
        d.pending_ack = pending.iter().any(|p| {
            p.source == a.source
                && p.action == watchdesk::cache::acks::AckAction::Ack
                && !p.matchers.is_empty()
                && p.matchers
                    .iter()
                    .all(|m| watchdesk::ack::matcher_matches(m, &a.labels))
        });
        d
    }
}

impl From<&CachedAlert> for AlertDto {
    fn from(a: &CachedAlert) -> Self {
        AlertDto {
            source: a.source.clone(),
            fingerprint: a.fingerprint.clone(),
            alertname: a.alertname.clone(),
            severity: a.severity.clone(),
            state: watchdesk::view::alert_state_word(a).to_string(),
            starts_at: a.starts_at,
            summary: a.annotations.get("summary").cloned().unwrap_or_default(),
            labels: a.labels.clone(),
            annotations: a.annotations.clone(),
            ack: None,
            pending_ack: false,
            resolved_at: None,
        }
    }
}

#[derive(Serialize)]
pub struct Counts {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    pub unknown: usize,
    pub total: usize,
}

impl From<watchdesk::view::Counts> for Counts {
    fn from(c: watchdesk::view::Counts) -> Self {
        Counts {
            critical: c.critical,
            warning: c.warning,
            info: c.info,
            unknown: c.unknown,
            total: c.total,
        }
    }
}

#[derive(Serialize)]
pub struct Health {
    pub source: String,
    pub component: String,
    pub ok: bool,
    pub unreachable: bool,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub latency_ms: Option<i64>,
}

impl From<&SourceHealth> for Health {
    fn from(h: &SourceHealth) -> Self {
        Health {
            source: h.source.clone(),
            component: h.component.clone(),
            ok: h.consecutive_failures == 0,
            unreachable: h.unreachable && h.consecutive_failures > 0,
            last_success: h.last_success,
            last_error: h.last_error.clone(),
            latency_ms: h.latency_ms,
        }
    }
}

#[derive(Serialize)]
pub struct AlertsDto {
    pub alerts: Vec<AlertDto>,
    pub counts: Counts,
    pub health: Vec<Health>,
}

#[derive(Serialize)]
pub struct StatusDto {
    pub health: Vec<Health>,
    pub worst: String,
    /// Why new data cannot be stored (disk full, read-only cache file); what is cached stays shown.
    pub cache_problem: Option<String>,
}

#[derive(Serialize)]
pub struct RuleDto {
    pub name: String,
    pub query: String,
    pub duration_s: f64,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
pub struct ChartDto {
    pub svg: String,
    pub stale: Option<String>,
}

#[derive(Serialize)]
pub struct RelatedDto {
    pub uid: String,
    pub panel_id: i64,
    pub title: String,
}

#[derive(Serialize)]
pub struct TargetDto {
    pub instance: String,
    pub job: String,
    pub health: String,
    pub last_error: String,
    pub last_scrape: Option<i64>,
}

impl From<&Target> for TargetDto {
    fn from(t: &Target) -> Self {
        TargetDto {
            instance: t.labels.get("instance").cloned().unwrap_or_default(),
            job: t.labels.get("job").cloned().unwrap_or_default(),
            health: t.health.as_str().to_string(),
            last_error: t.last_error.clone(),
            last_scrape: t.last_scrape,
        }
    }
}

#[derive(Serialize)]
pub struct EventDto {
    pub kind: String,
    pub at: i64,
    pub detail: String,
}

impl From<&AlertEvent> for EventDto {
    fn from(e: &AlertEvent) -> Self {
        EventDto {
            kind: e.kind.clone(),
            at: e.at,
            detail: e.detail.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct AlertDetailDto {
    pub alert: Option<AlertDto>,
    pub rule: Option<RuleDto>,
    pub chart: Option<ChartDto>,
    pub related: Vec<RelatedDto>,
    pub targets: Vec<TargetDto>,
    pub history: Vec<EventDto>,
}
