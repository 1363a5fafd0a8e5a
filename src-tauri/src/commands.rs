//! Tauri commands: small adapters from IPC arguments to engine functions (`watchdesk::view`,
//! `watchdesk::plan`), returning `dto` payloads. Errors are strings the UI shows as they are.

use std::sync::Arc;

use tauri::State;

use watchdesk::poller::Settings;
use watchdesk::time::{now_ms, parse_time};
use watchdesk::view;

use crate::dto::{self, View};
use crate::state::Shell;

type Shared<'a> = State<'a, Arc<Shell>>;

const VIEW_KEY: &str = "app/view";

fn time(s: &str, now: i64, what: &str) -> Result<i64, String> {
    parse_time(s, now).ok_or_else(|| format!("{what} {s:?} is not a time (use now-6h, now or ms)"))
}

fn range(from: &str, to: &str) -> Result<(i64, i64, i64), String> {
    let now = now_ms();
    let f = time(from, now, "from")?;
    let t = time(to, now, "to")?;
    if t <= f {
        return Err("the range must end after it starts".into());
    }
    Ok((f, t, now))
}

fn dash<'a>(shell: &'a Shell, uid: &str) -> Result<&'a watchdesk::dashboard::Dashboard, String> {
    shell
        .dashboard(uid)
        .map(|d| d.as_ref())
        .ok_or_else(|| format!("no dashboard {uid:?}"))
}

#[tauri::command]
pub fn app_state(shell: Shared) -> dto::AppState {
    let first = shell
        .dashboards
        .first()
        .map(|d| watchdesk::plan::dashboard_key(d))
        .unwrap_or_default();
    let saved: Option<View> = shell
        .cache
        .get_meta(VIEW_KEY)
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok());
    let mut v = saved.unwrap_or_else(|| View {
        view: "dashboard".into(),
        dashboard: first.clone(),
        from: "now-6h".into(),
        to: "now".into(),
        refresh_ms: Some(30_000),
        ..Default::default()
    });
    if shell.dashboard(&v.dashboard).is_none() {
        v.dashboard = first;
    }
    dto::AppState {
        dashboards: shell
            .dashboards
            .iter()
            .map(|d| dto::DashRef {
                uid: watchdesk::plan::dashboard_key(d),
                title: d.title.clone(),
            })
            .collect(),
        sources: shell.cfg.sites.iter().map(|s| s.name.clone()).collect(),
        view: v,
        note: shell.startup_note.clone(),
        user: whoami::username(),
    }
}

#[tauri::command]
pub fn save_view(shell: Shared, view: View) -> Result<(), String> {
    let json = serde_json::to_string(&view).map_err(|e| e.to_string())?;
    shell
        .cache
        .set_meta(VIEW_KEY, &json)
        .map_err(|e| e.to_string())
}

#[tauri::command]
pub fn dashboard(shell: Shared, uid: String) -> Result<dto::DashboardDto, String> {
    let d = dash(&shell, &uid)?;
    let site = shell.site();
    let sel = watchdesk::plan::load_selection(&shell.cache, &site, d);
    let vars = watchdesk::plan::offline_vars(d, &sel);
    let variables = d
        .variables
        .iter()
        .filter(|v| !matches!(v.hide, watchdesk::dashboard::VarHide::Variable))
        .map(|v| {
            let val = vars.get(&v.name);
            dto::VariableDto {
                name: v.name.clone(),
                label: v.label.clone(),
                options: val
                    .map(|x| x.options.clone())
                    .filter(|o| !o.is_empty())
                    .unwrap_or_else(|| v.options.clone()),
                current: val.map(|x| x.selection()).unwrap_or_default(),
                multi: v.multi,
                include_all: v.include_all,
            }
        })
        .collect();
    Ok(dto::DashboardDto::new(d, variables, Vec::new()))
}

#[tauri::command]
pub async fn set_variable(
    shell: Shared<'_>,
    uid: String,
    name: String,
    values: Vec<String>,
) -> Result<(), String> {
    let d = dash(&shell, &uid)?.clone();
    let site = shell.site();
    let mut sel = watchdesk::plan::load_selection(&shell.cache, &site, &d);
    sel.insert(name, values);
    watchdesk::plan::store_selection(&shell.cache, &site, &d, &sel).map_err(|e| e.to_string())?;
    // Re-plan and fetch now, so the panels follow the choice at once.
    let poller = shell.poller.clone();
    if let Some(s) = poller.sites.iter().find(|s| s.name == site).cloned() {
        tauri::async_runtime::spawn(async move {
            poller.poll_metrics(&s, now_ms()).await;
        });
    }
    Ok(())
}

#[tauri::command]
pub fn render_panel(
    shell: Shared,
    uid: String,
    panel_id: i64,
    from: String,
    to: String,
    width: u32,
    height: u32,
) -> Result<dto::Rendered, String> {
    let (f, t, now) = range(&from, &to)?;
    let settings = Settings::from_config(&shell.cfg);
    let r = view::render_panel(
        &shell.cache,
        &shell.site(),
        dash(&shell, &uid)?,
        panel_id,
        f,
        t,
        width,
        height,
        now,
        &settings,
        false,
    )?;
    Ok(dto::Rendered {
        svg: r.svg,
        plot: r.plot.map(|[left, top, right, bottom]| dto::Plot {
            left,
            top,
            right,
            bottom,
        }),
        from: r.from,
        to: r.to,
        stale: r.stale,
    })
}

#[tauri::command]
pub fn panel_values(
    shell: Shared,
    uid: String,
    panel_id: i64,
    from: String,
    to: String,
    at: i64,
) -> Result<dto::Values, String> {
    let (f, t, _) = range(&from, &to)?;
    let settings = Settings::from_config(&shell.cfg);
    let (t0, vals) = view::panel_values(
        &shell.cache,
        &shell.site(),
        dash(&shell, &uid)?,
        panel_id,
        f,
        t,
        at,
        &settings,
    )?;
    Ok(dto::Values {
        t: t0,
        values: vals
            .into_iter()
            .map(|(name, value, color)| dto::Value { name, value, color })
            .collect(),
    })
}

fn health(shell: &Shell) -> Vec<dto::Health> {
    view::current_health(&shell.cache, &shell.cfg.sites)
        .iter()
        .map(dto::Health::from)
        .collect()
}

/// Silences and queued acknowledgements, to mark acknowledged alerts.
fn ack_context(
    shell: &Shell,
) -> (
    Vec<watchdesk::source::Silence>,
    Vec<watchdesk::cache::acks::PendingAck>,
) {
    let silences = shell
        .cache
        .silences(None)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    (silences, shell.cache.pending_acks(None).unwrap_or_default())
}

#[tauri::command]
pub fn alerts(shell: Shared) -> Result<dto::AlertsDto, String> {
    let all = view::sorted_alerts(
        shell
            .cache
            .current_alerts(None)
            .map_err(|e| e.to_string())?,
    );
    let (silences, pending) = ack_context(&shell);
    let now = now_ms();
    // Resolved while nobody acknowledged them: listed until an operator does (unless turned off).
    let resolved = if shell.cfg.keep_resolved_unacknowledged {
        shell
            .cache
            .resolved_unacknowledged(None)
            .map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    Ok(dto::AlertsDto {
        counts: view::counts(&all).into(),
        alerts: all
            .iter()
            .filter(|a| a.alertname != "Watchdog")
            .map(|a| dto::AlertDto::with_ack(a, &silences, &pending, now))
            .chain(resolved.iter().map(dto::AlertDto::from))
            .collect(),
        health: health(&shell),
    })
}

/// Acknowledges an alert that resolved while nobody had: a local acknowledgement in the cache (by
/// whom, when, the comment in its history); no silence is needed for an alert that is gone.
#[tauri::command]
pub fn ack_resolved(
    shell: Shared,
    source: String,
    fingerprint: String,
    author: String,
    comment: String,
) -> Result<dto::AckResult, String> {
    let author = if author.trim().is_empty() {
        whoami::username()
    } else {
        author.trim().to_string()
    };
    let found = shell
        .cache
        .acknowledge_resolved(&source, &fingerprint, &author, comment.trim(), now_ms())
        .map_err(|e| format!("{e}; the acknowledgement was not recorded, try again"))?;
    if !found {
        return Err(
            "this alert is no longer in the resolved, not acknowledged list \
                    (someone acknowledged it, or it fires again)"
                .into(),
        );
    }
    tracing::info!("{source}/{fingerprint} (resolved) acknowledged by {author}");
    Ok(dto::AckResult {
        status: "local".into(),
        detail: format!("acknowledged by {author}"),
    })
}

fn shift_events(shell: &Shell, since: &str) -> Result<Vec<watchdesk::cache::AlertEvent>, String> {
    let now = now_ms();
    let from = time(since, now, "since")?;
    let mut events = shell
        .cache
        .alert_events(None, None, from)
        .map_err(|e| e.to_string())?;
    events.retain(|e| shell.cfg.sites.iter().any(|s| s.name == e.source));
    Ok(events)
}

/// The shift log: every alert's events since a time, newest first.
#[tauri::command]
pub fn shift_log(shell: Shared, since: String) -> Result<Vec<dto::ShiftEventDto>, String> {
    let events = shift_events(&shell, &since)?;
    Ok(events.iter().rev().map(dto::ShiftEventDto::from).collect())
}

/// The user's download folder (created when missing).
fn download_dir() -> Result<std::path::PathBuf, String> {
    let dir = dirs::download_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
        .ok_or("no home folder to save the export in (HOME is not set)")?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Writes the shift log since a time as CSV (the format of `watchdesk history --csv`) into the
/// user's download folder and returns where.
#[tauri::command]
pub fn export_shift_log(shell: Shared, since: String) -> Result<dto::ExportDto, String> {
    let events = shift_events(&shell, &since)?;
    let csv = watchdesk::history::events_csv(&events);
    let dir = download_dir()?;
    let stamp = chrono_stamp(now_ms());
    let path = dir.join(format!("watchdesk-shift-log-{stamp}.csv"));
    std::fs::write(&path, csv).map_err(|e| {
        format!(
            "cannot write {}: {e}; check the free space and permissions of the folder",
            path.display()
        )
    })?;
    Ok(dto::ExportDto {
        path: path.display().to_string(),
        events: events.len(),
    })
}

/// A file-name-safe local time stamp: 2026-11-30_2215.
fn chrono_stamp(ms: i64) -> String {
    watchdesk::time::local_datetime(ms)
        .chars()
        .map(|c| match c {
            ' ' => '_',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '-',
        })
        .collect()
}

fn outcome(o: watchdesk::ack::Outcome) -> dto::AckResult {
    match o {
        watchdesk::ack::Outcome::Sent(id) => dto::AckResult {
            status: "sent".into(),
            detail: format!("silence {id}"),
        },
        watchdesk::ack::Outcome::Queued { reason, .. } => dto::AckResult {
            status: "queued".into(),
            detail: reason,
        },
    }
}

/// Polls the site's alerts now, so that the UI shows the new state at once.
fn repoll_alerts(shell: &Arc<Shell>, site: &Arc<watchdesk::poller::Site>) {
    let poller = shell.poller.clone();
    let site = site.clone();
    tauri::async_runtime::spawn(async move {
        let _ = poller.poll_alerts(&site, now_ms()).await;
    });
}

fn site_named(shell: &Shell, source: &str) -> Result<Arc<watchdesk::poller::Site>, String> {
    shell
        .poller
        .sites
        .iter()
        .find(|s| s.name == source)
        .cloned()
        .ok_or_else(|| format!("no source named {source:?}"))
}

/// Acknowledges: a silence with `matchers` for `duration_ms` by `author`. The fingerprint names the
/// alert in the logs; the matchers say what is acknowledged.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn ack(
    shell: Shared<'_>,
    source: String,
    fingerprint: String,
    matchers: Vec<dto::MatcherArg>,
    duration_ms: i64,
    author: String,
    comment: String,
) -> Result<dto::AckResult, String> {
    let site = site_named(&shell, &source)?;
    let matchers = matchers
        .into_iter()
        .map(|m| watchdesk::source::Matcher {
            name: m.name,
            value: m.value,
            is_regex: false,
            is_equal: true,
        })
        .collect();
    let o = watchdesk::ack::acknowledge(
        &shell.cache,
        &site,
        matchers,
        duration_ms,
        &author,
        &comment,
        now_ms(),
    )
    .await?;
    tracing::info!("{source}/{fingerprint} acknowledged by {author}: {o:?}");
    repoll_alerts(&shell, &site);
    Ok(outcome(o))
}

#[tauri::command]
pub async fn unack(
    shell: Shared<'_>,
    source: String,
    silence_id: String,
) -> Result<dto::AckResult, String> {
    let site = site_named(&shell, &source)?;
    let o = watchdesk::ack::unacknowledge(
        &shell.cache,
        &site,
        &silence_id,
        &whoami::username(),
        now_ms(),
    )
    .await?;
    repoll_alerts(&shell, &site);
    Ok(outcome(o))
}

#[tauri::command]
pub async fn alert_detail(
    shell: Shared<'_>,
    source: Option<String>,
    fingerprint: String,
) -> Result<dto::AlertDetailDto, String> {
    let source = source.unwrap_or_else(|| shell.site());
    let dashboards: Vec<&watchdesk::dashboard::Dashboard> =
        shell.dashboards.iter().map(|d| d.as_ref()).collect();
    let detail = view::alert_detail(&shell.cache, &dashboards, &source, &fingerprint);
    let now = now_ms();
    let step = shell.cfg.step_ms;
    let chart = match (&detail.rule, &detail.alert) {
        (Some(rule), Some(alert)) => {
            // Fetch the rule's expression around the start (falls back to what is cached).
            let (expr, _) = view::split_threshold(&rule.query);
            let (from, to) = view::rule_window(alert.starts_at, now);
            if let Err(e) = shell
                .poller
                .fetch_expr(&source, &expr, from, to, step)
                .await
            {
                tracing::info!("rule chart for {}: {e}", rule.name);
            }
            let spec = view::rule_chart(
                &shell.cache,
                &source,
                rule,
                &alert.labels,
                alert.starts_at,
                step,
                now,
                900,
                260,
            );
            Some(dto::ChartDto {
                stale: spec.stale.clone(),
                svg: watchdesk::chart::render_svg(&spec),
            })
        }
        _ => None,
    };
    let (silences, pending) = ack_context(&shell);
    // Not current: it may have resolved while nobody acknowledged it.
    let resolved = match &detail.alert {
        None if shell.cfg.keep_resolved_unacknowledged => shell
            .cache
            .resolved_unacknowledged(Some(&source))
            .unwrap_or_default()
            .into_iter()
            .find(|r| r.fingerprint == fingerprint),
        _ => None,
    };
    Ok(dto::AlertDetailDto {
        alert: detail
            .alert
            .as_ref()
            .map(|a| dto::AlertDto::with_ack(a, &silences, &pending, now))
            .or_else(|| resolved.as_ref().map(dto::AlertDto::from)),
        rule: detail.rule.as_ref().map(|r| dto::RuleDto {
            name: r.name.clone(),
            query: r.query.clone(),
            duration_s: r.duration_s,
            labels: r.labels.clone(),
            annotations: r.annotations.clone(),
        }),
        chart,
        related: detail
            .related
            .into_iter()
            .map(|(uid, panel_id, title)| dto::RelatedDto {
                uid,
                panel_id,
                title,
            })
            .collect(),
        targets: detail.targets.iter().map(dto::TargetDto::from).collect(),
        history: detail.history.iter().map(dto::EventDto::from).collect(),
    })
}

#[tauri::command]
pub fn status(shell: Shared) -> dto::StatusDto {
    let (worst, _) = view::overall(&shell.cache, &shell.cfg.sites);
    dto::StatusDto {
        health: health(&shell),
        worst: worst.as_str().to_string(),
        cache_problem: shell.poller.cache_problem(),
    }
}

/// Opens a runbook link in the system browser: http and https only, never a file or a program.
#[tauri::command]
pub fn open_link(url: String) -> Result<(), String> {
    let parsed = url::Url::parse(&url).map_err(|e| format!("not a link: {e}"))?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(format!(
            "only http and https links are opened, not {}:",
            parsed.scheme()
        ));
    }
    open_in_browser(parsed.as_str())
}

fn open_in_browser(url: &str) -> Result<(), String> {
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("rundll32");
        c.args(["url.dll,FileProtocolHandler", url]);
        c
    };
    #[cfg(target_os = "macos")]
    let mut cmd = {
        let mut c = std::process::Command::new("open");
        c.arg(url);
        c
    };
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    let mut cmd = {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(url);
        c
    };
    cmd.spawn()
        .map(|_| ())
        .map_err(|e| format!("cannot start the web browser: {e}"))
}
