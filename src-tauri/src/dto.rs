//! IPC payloads: the only place that knows the JSON the UI sees. The engine's types are not
//! serialisable by design; these are built from them.

mod logs;

pub use logs::AlertLogsDto;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use watchdesk::cache::{AlertEvent, SavedView, SourceHealth};
use watchdesk::dashboard::Panel;
use watchdesk::desk::{self, Counts, ListedAlert};
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

impl From<SavedView> for View {
    fn from(v: SavedView) -> Self {
        View {
            view: v.view,
            dashboard: v.dashboard,
            source: v.source,
            fingerprint: v.fingerprint,
            from: v.from,
            to: v.to,
            refresh_ms: v.refresh_ms,
        }
    }
}

impl From<View> for SavedView {
    fn from(v: View) -> Self {
        SavedView {
            view: v.view,
            dashboard: v.dashboard,
            source: v.source,
            fingerprint: v.fingerprint,
            from: v.from,
            to: v.to,
            refresh_ms: v.refresh_ms,
        }
    }
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
    /// What the operator should know from the start (cache moved aside, TLS checks off…).
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
    /// Options the panel sets that Watchdesk does not draw (the app marks the panel).
    pub ignored: Vec<String>,
}

impl From<&Panel> for PanelDto {
    fn from(p: &Panel) -> Self {
        PanelDto {
            id: p.id,
            title: p.title.clone(),
            kind: p.kind.as_str().to_string(),
            description: p.description.clone(),
            ignored: p.ignored.clone(),
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
    pub kind: String,
    pub label: String,
    pub options: Vec<String>,
    pub current: Vec<String>,
    pub multi: bool,
    pub include_all: bool,
}

/// One thing on the grid: a row header or a panel, where it goes.
#[derive(Serialize)]
pub struct LayoutItemDto {
    /// `row` or `panel`.
    pub kind: &'static str,
    /// A panel's id.
    pub id: Option<i64>,
    /// A row's index (for collapsing it), title, state and how many panels it holds.
    pub row: Option<usize>,
    pub title: Option<String>,
    pub collapsed: bool,
    pub panels: usize,
    pub grid: Grid,
}

impl From<&watchdesk::dashboard::layout::Item> for LayoutItemDto {
    fn from(i: &watchdesk::dashboard::layout::Item) -> Self {
        use watchdesk::dashboard::layout::ItemKind;
        let grid = Grid {
            x: i.grid.x as i64,
            y: i.grid.y as i64,
            w: i.grid.w as i64,
            h: i.grid.h as i64,
        };
        match &i.kind {
            ItemKind::Row {
                index,
                title,
                collapsed,
                panels,
            } => LayoutItemDto {
                kind: "row",
                id: None,
                row: Some(*index),
                title: Some(title.clone()),
                collapsed: *collapsed,
                panels: *panels,
                grid,
            },
            ItemKind::Panel { id } => LayoutItemDto {
                kind: "panel",
                id: Some(*id),
                row: None,
                title: None,
                collapsed: false,
                panels: 0,
                grid,
            },
        }
    }
}

#[derive(Serialize)]
pub struct DashboardDto {
    pub uid: String,
    pub title: String,
    pub from: String,
    pub to: String,
    pub refresh_ms: Option<i64>,
    pub variables: Vec<VariableDto>,
    /// Every panel (repeats expanded, titles interpolated); where each goes is in `layout`.
    pub panels: Vec<PanelDto>,
    pub layout: Vec<LayoutItemDto>,
    pub issues: Vec<String>,
}

impl From<desk::DashboardView> for DashboardDto {
    fn from(v: desk::DashboardView) -> Self {
        let d = &v.dash;
        DashboardDto {
            uid: v.key.clone(),
            title: d.title.clone(),
            from: d.time_from.clone(),
            to: d.time_to.clone(),
            refresh_ms: d.refresh,
            variables: v
                .variables
                .into_iter()
                .map(|x| VariableDto {
                    name: x.name,
                    kind: x.kind,
                    label: x.label,
                    options: x.options,
                    current: x.current,
                    multi: x.multi,
                    include_all: x.include_all,
                })
                .collect(),
            panels: d.panels.iter().map(PanelDto::from).collect(),
            layout: v.layout.iter().map(LayoutItemDto::from).collect(),
            issues: v.issues,
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

impl From<desk::PanelImage> for Rendered {
    fn from(r: desk::PanelImage) -> Self {
        Rendered {
            svg: r.svg,
            plot: r.plot.map(|[left, top, right, bottom]| Plot {
                left,
                top,
                right,
                bottom,
            }),
            from: r.from,
            to: r.to,
            stale: r.stale,
        }
    }
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
pub struct AckDto {
    pub by: String,
    pub at: i64,
    pub until: i64,
    pub comment: String,
    pub silence_id: String,
}

#[derive(Serialize)]
pub struct AlertDto {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    /// The canonical severity: critical, warning, info, none, unknown.
    pub severity: String,
    /// The raw `severity` label ("" when missing).
    pub severity_label: String,
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

impl From<&ListedAlert> for AlertDto {
    fn from(a: &ListedAlert) -> Self {
        AlertDto {
            source: a.source.clone(),
            fingerprint: a.fingerprint.clone(),
            alertname: a.alertname.clone(),
            severity: a.severity.as_str().to_string(),
            severity_label: a.severity_label.clone(),
            state: a.state.to_string(),
            starts_at: a.starts_at,
            summary: a.summary.clone(),
            labels: a.labels.clone(),
            annotations: a.annotations.clone(),
            ack: a.ack.as_ref().map(|k| AckDto {
                by: k.by.clone(),
                at: k.at,
                until: k.until,
                comment: k.comment.clone(),
                silence_id: k.silence_id.clone(),
            }),
            pending_ack: a.pending_ack,
            resolved_at: a.resolved_at,
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
pub struct AckResult {
    pub status: String,
    pub detail: String,
}

impl From<watchdesk::ack::Outcome> for AckResult {
    fn from(o: watchdesk::ack::Outcome) -> Self {
        match o {
            watchdesk::ack::Outcome::Sent(id) => AckResult {
                status: "sent".into(),
                detail: format!("silence {id}"),
            },
            watchdesk::ack::Outcome::Queued { reason, .. } => AckResult {
                status: "queued".into(),
                detail: reason,
            },
        }
    }
}

#[derive(Deserialize)]
pub struct MatcherArg {
    pub name: String,
    pub value: String,
}

#[derive(Serialize, Clone)]
pub struct CountsDto {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    pub unknown: usize,
    pub firing: usize,
    pub acknowledged: usize,
    pub silenced: usize,
    pub pending: usize,
    pub resolved: usize,
    pub worst: Option<String>,
}

impl From<Counts> for CountsDto {
    fn from(c: Counts) -> Self {
        CountsDto {
            critical: c.critical,
            warning: c.warning,
            info: c.info,
            unknown: c.unknown,
            firing: c.firing,
            acknowledged: c.acknowledged,
            silenced: c.silenced,
            pending: c.pending,
            resolved: c.resolved,
            worst: c.worst.map(|s| s.as_str().to_string()),
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
    pub counts: CountsDto,
    pub health: Vec<Health>,
}

#[derive(Serialize)]
pub struct StatusDto {
    pub health: Vec<Health>,
    pub worst: String,
    /// Why new data cannot be stored (disk full, read-only cache file); what is cached stays shown.
    pub cache_problem: Option<String>,
    /// What holds for as long as the app runs: TLS checks off, a source not set up, no history.
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct RuleDto {
    pub name: String,
    pub query: String,
    pub duration_s: f64,
    /// The canonical severity of the rule's `severity` label.
    pub severity: String,
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

impl From<desk::AlertDetail> for AlertDetailDto {
    fn from(d: desk::AlertDetail) -> Self {
        AlertDetailDto {
            alert: d.alert.as_ref().map(AlertDto::from),
            rule: d.rule.map(|r| RuleDto {
                severity: watchdesk::severity::Severity::from_label(
                    r.labels.get("severity").map(String::as_str).unwrap_or(""),
                )
                .as_str()
                .to_string(),
                name: r.name,
                query: r.query,
                duration_s: r.duration_s,
                labels: r.labels,
                annotations: r.annotations,
            }),
            chart: d.chart.map(|c| ChartDto {
                svg: c.svg,
                stale: c.stale,
            }),
            related: d
                .related
                .into_iter()
                .map(|(uid, panel_id, title)| RelatedDto {
                    uid,
                    panel_id,
                    title,
                })
                .collect(),
            targets: d.targets.iter().map(TargetDto::from).collect(),
            history: d.history.iter().map(EventDto::from).collect(),
        }
    }
}
