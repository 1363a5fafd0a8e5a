//! `watchdesk`: the engine's command line. Check a setup, poll into the cache, draw panels from the
//! cache, list alerts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use watchdesk::cache::Cache;
use watchdesk::config::{Config, DashboardRef, Overrides, BUILTIN_DASHBOARD};
use watchdesk::dashboard::{self, Dashboard};
use watchdesk::poller::{Poller, Settings, Site};
use watchdesk::time::{human_duration, local_datetime, now_ms, parse_time, to_rfc3339};
use watchdesk::{chart, plan, view};

/// `println!` that ends the program quietly when stdout is closed (`watchdesk alerts | head`)
/// instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

#[derive(Parser, Debug)]
#[command(
    name = "watchdesk",
    version,
    about = "Watchdesk: Prometheus and Alertmanager into a local history cache, charts and alerts for the control room"
)]
struct Cli {
    /// Config file (TOML). Default: the platform config dir's watchdesk/config.toml when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Prometheus base URL (replaces the configured sources with this one).
    #[arg(long, global = true, value_name = "URL")]
    prometheus: Option<String>,
    /// Alertmanager base URL; repeat for each member of an HA cluster.
    #[arg(long, global = true, value_name = "URL")]
    alertmanager: Vec<String>,
    /// Cache file (SQLite).
    #[arg(long, global = true, value_name = "FILE")]
    cache: Option<PathBuf>,
    /// Dashboard: a Grafana dashboard JSON file, or the uid of a configured one (`rta-overview` is
    /// built in). Repeatable.
    #[arg(long, global = true, value_name = "FILE|UID")]
    dashboard: Vec<String>,
    /// Which source (site) to show, for `render` and `alerts`. Default: all / the first.
    #[arg(long, global = true, value_name = "NAME")]
    source: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Check the config, that every source answers and that every dashboard parses.
    Check,
    /// Poll every source into the cache (until Ctrl-C, or once).
    Poll {
        /// Fetch everything once and exit (non-zero if a source failed).
        #[arg(long)]
        once: bool,
    },
    /// Draw every panel of the dashboard(s) from the cache only (works with the network down).
    Render {
        #[arg(long, default_value = "-6h", allow_hyphen_values = true)]
        from: String,
        #[arg(long, default_value = "now", allow_hyphen_values = true)]
        to: String,
        /// Output folder: one file per panel, plus index.html.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Svg)]
        format: Format,
        /// Dashboard width in pixels (panels are sized by their gridPos).
        #[arg(long, default_value_t = 1600)]
        width: u32,
    },
    /// Current alerts from the cache: state, severity, since when, who acknowledged them.
    Alerts {
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alert: an Alertmanager silence (alertname + instance) with your name and a
    /// comment. Queued and sent later when no Alertmanager answers.
    Ack {
        /// Alert name (e.g. ServiceDown) or fingerprint.
        alert: String,
        /// Only this instance (default: the alert's own instance, or all instances of the name).
        #[arg(long)]
        instance: Option<String>,
        /// How long, e.g. 30m, 1h, 8h.
        #[arg(long = "for", default_value = "1h", value_name = "DURATION")]
        duration: String,
        #[arg(long)]
        comment: String,
        /// Who acknowledges (default: the OS user).
        #[arg(long)]
        author: Option<String>,
    },
    /// The shift log: what fired, resolved, was silenced or acknowledged since a time.
    History {
        /// From when: -8h, now-12h, or an RFC 3339 time.
        #[arg(long, default_value = "-12h", allow_hyphen_values = true)]
        since: String,
        /// Comma-separated values (for a spreadsheet or the handover mail).
        #[arg(long)]
        csv: bool,
    },
    /// Undo an acknowledgement (expires its silence).
    Unack {
        /// Alert name or fingerprint.
        alert: String,
        #[arg(long)]
        instance: Option<String>,
        #[arg(long)]
        author: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Format {
    Svg,
    Png,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "watchdesk=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("watchdesk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A loaded dashboard and where it came from.
struct Loaded {
    reference: DashboardRef,
    dash: Dashboard,
    issues: Vec<dashboard::Issue>,
}

fn builtin_uid() -> String {
    dashboard::parse(BUILTIN_DASHBOARD)
        .map(|(d, _)| d.uid)
        .unwrap_or_else(|_| "rta-overview".into())
}

/// `--dashboard` values: an existing file, or the uid of the built-in or a configured dashboard.
fn dashboard_refs(values: &[String], cfg: &Config) -> Result<Vec<DashboardRef>> {
    let mut out = Vec::new();
    for v in values {
        let p = Path::new(v);
        if p.is_file() {
            out.push(DashboardRef::File(p.to_path_buf()));
            continue;
        }
        if *v == builtin_uid() || v == watchdesk::config::BUILTIN_DASHBOARD_NAME {
            out.push(DashboardRef::Builtin);
            continue;
        }
        let mut found = None;
        for r in &cfg.dashboards {
            if let Ok(text) = r.load_text() {
                if let Ok((d, _)) = dashboard::parse(&text) {
                    if d.uid == *v || d.title == *v {
                        found = Some(r.clone());
                    }
                }
            }
        }
        match found {
            Some(r) => out.push(r),
            None => bail!(
                "--dashboard {v:?} is neither a file nor the uid of a configured dashboard (built in: {})",
                builtin_uid()
            ),
        }
    }
    Ok(out)
}

fn load_config(cli: &Cli) -> Result<Config> {
    let ov = Overrides {
        config: cli.config.clone(),
        prometheus: cli.prometheus.clone(),
        alertmanagers: cli.alertmanager.clone(),
        cache: cli.cache.clone(),
        dashboards: Vec::new(),
    };
    let mut cfg = Config::load(&ov)?;
    if !cli.dashboard.is_empty() {
        cfg.dashboards = dashboard_refs(&cli.dashboard, &cfg)?;
    }
    Ok(cfg)
}

fn load_dashboards(cfg: &Config) -> Result<Vec<Loaded>> {
    let mut out = Vec::new();
    for r in &cfg.dashboards {
        let text = r.load_text()?;
        let (dash, issues) =
            dashboard::parse(&text).with_context(|| format!("dashboard {}", r.display()))?;
        out.push(Loaded {
            reference: r.clone(),
            dash,
            issues,
        });
    }
    Ok(out)
}

fn open_cache(cfg: &Config) -> Result<Arc<Cache>> {
    let (cache, note) = Cache::open(&cfg.cache)?;
    if let Some(n) = note {
        eprintln!(
            "watchdesk: the cache {} could not be used ({}); it was moved to {} and a new one was started",
            cfg.cache.display(),
            n.reason,
            n.moved_aside.display()
        );
    }
    Ok(Arc::new(cache))
}

fn pick_sites<'a>(cfg: &'a Config, want: &Option<String>) -> Result<Vec<&'a str>> {
    match want {
        None => Ok(cfg.sites.iter().map(|s| s.name.as_str()).collect()),
        Some(w) => match cfg.sites.iter().find(|s| s.name == *w) {
            Some(s) => Ok(vec![s.name.as_str()]),
            None => bail!(
                "no source named {w:?}; configured: {}",
                cfg.sites
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let cfg = load_config(&cli)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match &cli.cmd {
        Cmd::Check => rt.block_on(check(&cfg)),
        Cmd::Poll { once } => rt.block_on(poll(&cfg, *once)),
        Cmd::Render {
            from,
            to,
            out,
            format,
            width,
        } => render(&cfg, &cli.source, from, to, out, *format, *width),
        Cmd::Alerts { json } => alerts(&cfg, &cli.source, *json),
        Cmd::Ack {
            alert,
            instance,
            duration,
            comment,
            author,
        } => rt.block_on(ack(
            &cfg,
            &cli.source,
            alert,
            instance,
            duration,
            comment,
            author,
        )),
        Cmd::Unack {
            alert,
            instance,
            author,
        } => rt.block_on(unack(&cfg, &cli.source, alert, instance, author)),
        Cmd::History { since, csv } => history(&cfg, &cli.source, since, *csv),
    }
}

async fn check(cfg: &Config) -> Result<ExitCode> {
    let mut problems = 0;
    match &cfg.file {
        Some(f) => outln!("config     {}: ok", f.display()),
        None => outln!("config     (none: built-in defaults and flags): ok"),
    }
    match Cache::open_read_only(&cfg.cache) {
        Ok(c) => match c.stats() {
            Ok(st) => outln!(
                "cache      {}: {} queries, {} series, {} samples in {} chunks ({} bytes of chunks, {:.2} B/sample; file {} bytes)",
                cfg.cache.display(),
                st.queries,
                st.series,
                st.samples,
                st.chunks,
                st.chunk_bytes,
                if st.samples > 0 { st.chunk_bytes as f64 / st.samples as f64 } else { 0.0 },
                st.file_bytes
            ),
            Err(e) => outln!("cache      {}: {e}", cfg.cache.display()),
        },
        Err(_) if !cfg.cache.exists() => {
            outln!("cache      {} (not created yet)", cfg.cache.display())
        }
        Err(e @ watchdesk::cache::CacheError::Outdated { .. }) => outln!("cache      {e}"),
        Err(e) => {
            problems += 1;
            outln!("cache      {}: FAILED: {e}", cfg.cache.display());
        }
    }
    for s in &cfg.sites {
        let site = match Site::connect(s) {
            Ok(site) => site,
            Err(e) => {
                problems += 1;
                outln!("source     {}: FAILED: {e}", s.name);
                continue;
            }
        };
        let t0 = std::time::Instant::now();
        match site.prometheus.query("vector(1)", None).await {
            Ok(_) => outln!(
                "prometheus {} {}: ok ({} ms)",
                s.name,
                s.prometheus.url,
                t0.elapsed().as_millis()
            ),
            Err(e) => {
                problems += 1;
                outln!("prometheus {} {}: FAILED: {e}", s.name, s.prometheus.url);
            }
        }
        for am in &site.alertmanagers {
            match am.status().await {
                Ok(st) => outln!(
                    "alertmanager {} {}: ok (version {}, cluster {})",
                    s.name,
                    am.url(),
                    st.version,
                    st.cluster_status
                ),
                Err(e) => {
                    problems += 1;
                    outln!("alertmanager {} {}: FAILED: {e}", s.name, am.url());
                }
            }
        }
    }
    for r in &cfg.dashboards {
        let parsed = r
            .load_text()
            .map_err(anyhow::Error::from)
            .and_then(|t| dashboard::parse(&t).map_err(anyhow::Error::from));
        match parsed {
            Ok((d, issues)) => {
                outln!(
                    "dashboard  {} ({:?}, {} panels): ok",
                    r.display(),
                    d.title,
                    d.panels.len()
                );
                for i in issues {
                    outln!("           note: {}", issue_text(&i));
                }
            }
            Err(e) => {
                problems += 1;
                outln!("dashboard  {}: FAILED: {e:#}", r.display());
            }
        }
    }
    if problems > 0 {
        outln!("{problems} problem(s)");
        Ok(ExitCode::FAILURE)
    } else {
        outln!("all ok");
        Ok(ExitCode::SUCCESS)
    }
}

fn issue_text(i: &dashboard::Issue) -> String {
    match &i.panel {
        Some((id, title)) => format!("panel {id} {title:?}: {}", i.message),
        None => i.message.clone(),
    }
}

fn build_poller(cfg: &Config) -> Result<Poller> {
    let cache = open_cache(cfg)?;
    let mut sites = Vec::new();
    for s in &cfg.sites {
        sites.push(Arc::new(
            Site::connect(s).with_context(|| format!("source {}", s.name))?,
        ));
    }
    let dashboards = load_dashboards(cfg)?
        .into_iter()
        .map(|l| {
            for i in &l.issues {
                tracing::info!("{}: {}", l.reference.display(), issue_text(i));
            }
            Arc::new(l.dash)
        })
        .collect();
    Ok(Poller::new(
        Settings::from_config(cfg),
        cache,
        sites,
        dashboards,
    ))
}

async fn poll(cfg: &Config, once: bool) -> Result<ExitCode> {
    let poller = build_poller(cfg)?;
    if once {
        let reports = poller.poll_once().await;
        let mut ok = true;
        for r in &reports {
            let m = &r.metrics;
            outln!(
                "{}: {} queries ({} fetched, {} up to date), {} samples; alerts: {}; targets: {}",
                r.site,
                m.queries,
                m.fetched,
                m.up_to_date,
                m.samples,
                match &r.alerts {
                    Ok(n) => format!("{n} current"),
                    Err(e) => format!("FAILED: {e}"),
                },
                match &r.targets {
                    Ok(n) => format!("{n}"),
                    Err(e) => format!("FAILED: {e}"),
                },
            );
            if let Some(e) = &m.unreachable {
                outln!("{}: Prometheus unreachable: {e}", r.site);
            }
            for (expr, e) in &m.errors {
                outln!("{}: query {expr}: {e}", r.site);
            }
            ok &= r.ok();
        }
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let poller = Arc::new(poller);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(poller.clone().run(rx));
    tracing::info!(
        "polling {} source(s) into {}; Ctrl-C to stop",
        cfg.sites.len(),
        cfg.cache.display()
    );
    wait_for_signal().await;
    tracing::info!("stopping");
    let _ = tx.send(true);
    let _ = run.await;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let t = out.trim_matches('-');
    if t.is_empty() {
        "panel".into()
    } else {
        t.chars().take(48).collect()
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn render(
    cfg: &Config,
    source: &Option<String>,
    from: &str,
    to: &str,
    out: &Path,
    format: Format,
    width: u32,
) -> Result<ExitCode> {
    let now = now_ms();
    let from_ms = parse_time(from, now).with_context(|| {
        format!("--from {from:?}: write it like -6h, now-24h or 2026-11-24T14:00:00Z")
    })?;
    let to_ms = parse_time(to, now)
        .with_context(|| format!("--to {to:?}: write it like now, -1h or an RFC 3339 time"))?;
    if to_ms <= from_ms {
        bail!("--from must be before --to");
    }
    let width = width.clamp(320, 10_000);
    let site = pick_sites(cfg, source)?[0].to_string();
    let cache = open_cache(cfg)?;
    let settings = Settings::from_config(cfg);
    let mut written = 0;
    for l in load_dashboards(cfg)? {
        let d = &l.dash;
        let key = slug(&plan::dashboard_key(d));
        let dir = out.join(&key);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let p = plan::load(&cache, &site, d).unwrap_or_else(|| {
            // Never polled with this cache: use the dashboard's own variable values.
            plan::plan(
                d,
                &plan::offline_vars(d, &plan::load_selection(&cache, &site, d)),
                &settings,
            )
        });
        let mut html = format!(
            "<!doctype html><meta charset=utf-8><title>{}</title>\
             <style>body{{background:#0b0e13;margin:0}}.p{{position:absolute}}</style>\n",
            html_escape(&d.title)
        );
        for panel in &d.panels {
            let (w, h) = view::panel_size(panel, width);
            let spec = view::panel_spec(&cache, &site, d, panel, &p, from_ms, to_ms, w, h, now);
            let name = format!(
                "{:02}-{}.{}",
                panel.id,
                slug(&panel.title),
                if format == Format::Png { "png" } else { "svg" }
            );
            let path = dir.join(&name);
            let bytes = match format {
                Format::Svg => chart::render_svg(&spec).into_bytes(),
                Format::Png => {
                    chart::render_png(&spec).with_context(|| format!("panel {:?}", panel.title))?
                }
            };
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let x = (width as f64 * panel.grid.x as f64 / 24.0).round() as u32;
            let y = panel.grid.y * 30;
            html.push_str(&format!(
                "<img class=p src=\"{}\" style=\"left:{x}px;top:{y}px;width:{w}px;height:{h}px\" alt=\"{}\">\n",
                html_escape(&name),
                html_escape(&panel.title)
            ));
            written += 1;
        }
        std::fs::write(dir.join("index.html"), html)
            .with_context(|| format!("cannot write {}", dir.join("index.html").display()))?;
        outln!(
            "{}: {} panels -> {}",
            d.title,
            d.panels.len(),
            dir.display()
        );
    }
    if let Some(b) = view::stale_banner(&cache, &site) {
        outln!("{site}: {b}");
    }
    outln!("{written} files written");
    Ok(ExitCode::SUCCESS)
}

fn alerts(cfg: &Config, source: &Option<String>, json: bool) -> Result<ExitCode> {
    let cache = open_cache(cfg)?;
    let now = now_ms();
    let mut all = Vec::new();
    for site in pick_sites(cfg, source)? {
        all.extend(cache.current_alerts(Some(site))?);
    }
    let all = view::sorted_alerts(all);
    // Resolved while nobody acknowledged them: listed until an operator does (setting
    // keep_resolved_unacknowledged).
    let mut resolved = Vec::new();
    if cfg.keep_resolved_unacknowledged {
        for site in pick_sites(cfg, source)? {
            resolved.extend(cache.resolved_unacknowledged(Some(site))?);
        }
    }
    let silences: Vec<_> = cache.silences(None)?.into_iter().map(|(_, s)| s).collect();
    let ack_of =
        |a: &watchdesk::cache::CachedAlert| watchdesk::ack::ack_of(&a.labels, &silences, now);
    let pending = cache.pending_acks(None)?;
    let sev_word = |s: &str| {
        if s.is_empty() {
            "unknown".to_string()
        } else {
            s.to_string()
        }
    };
    if json {
        let resolved_json = resolved.iter().map(|r| {
            serde_json::json!({
                "source": r.source,
                "fingerprint": r.fingerprint,
                "alertname": r.alertname,
                "severity": sev_word(&r.severity),
                "state": RESOLVED_UNACKED,
                "startsAt": to_rfc3339(r.starts_at),
                "resolvedAt": to_rfc3339(r.resolved_at),
                "labels": r.labels,
                "annotations": r.annotations,
                "silencedBy": [],
                "inhibitedBy": [],
                "reportedBy": r.reported_by,
                "acknowledgement": null,
            })
        });
        let arr: Vec<serde_json::Value> = all
            .iter()
            .map(|a| {
                serde_json::json!({
                    "source": a.source,
                    "fingerprint": a.fingerprint,
                    "alertname": a.alertname,
                    "severity": if a.severity.is_empty() { "unknown" } else { a.severity.as_str() },
                    "state": view::alert_state_word(a),
                    "startsAt": to_rfc3339(a.starts_at),
                    "labels": a.labels,
                    "annotations": a.annotations,
                    "silencedBy": a.silenced_by,
                    "inhibitedBy": a.inhibited_by,
                    "reportedBy": a.reported_by,
                    "acknowledgement": ack_of(a).map(|k| serde_json::json!({
                        "by": k.by,
                        "at": to_rfc3339(k.at),
                        "until": to_rfc3339(k.until),
                        "comment": k.comment,
                        "silenceId": k.silence_id,
                    })),
                })
            })
            .chain(resolved_json)
            .collect();
        outln!("{}", serde_json::to_string_pretty(&arr)?);
        return Ok(ExitCode::SUCCESS);
    }
    for site in pick_sites(cfg, source)? {
        // One member of an HA cluster down: the list is still complete from the others.
        let members = cfg
            .sites
            .iter()
            .find(|s| s.name == site)
            .map(|s| s.alertmanagers.len())
            .unwrap_or(0);
        let down: Vec<String> = view::current_health(&cache, &cfg.sites)
            .into_iter()
            .filter(|h| h.source == site && h.consecutive_failures > 0)
            .filter_map(|h| {
                h.component
                    .strip_prefix("alertmanager ")
                    .map(str::to_string)
            })
            .collect();
        if members > 0 && !down.is_empty() {
            outln!(
                "warning: {} of {members} Alertmanagers of {site} unreachable: {} ({})",
                down.len(),
                down.join(", "),
                if down.len() < members {
                    "degraded: the list comes from the members that answer"
                } else {
                    "showing the last known alerts"
                }
            );
        }
        for h in view::current_health(&cache, &cfg.sites)
            .into_iter()
            .filter(|h| h.source == site)
        {
            if h.consecutive_failures > 0 {
                outln!(
                    "! {site} {}: unreachable since {} failed polls; last good data {}: {}",
                    h.component,
                    h.consecutive_failures,
                    h.last_success
                        .map(local_datetime)
                        .unwrap_or_else(|| "never".into()),
                    h.last_error.unwrap_or_default()
                );
            }
        }
    }
    for p in &pending {
        outln!(
            "! acknowledgement by {} queued since {} (not yet accepted by an Alertmanager{})",
            p.created_by,
            local_datetime(p.queued_at),
            p.last_error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
    if all.is_empty() && resolved.is_empty() {
        outln!("no current alerts");
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:<9} {:<10} {:<28} {:<10} {:<26} {:<12} SUMMARY",
        "SEVERITY",
        "STATE",
        "ALERT",
        "SOURCE",
        "INSTANCE",
        "SINCE"
    );
    // One row: severity, state, name, source, instance, since, summary.
    let row = |sev: &str,
               state: &str,
               name: &str,
               source: &str,
               labels: &watchdesk::source::Labels,
               annotations: &watchdesk::source::Labels,
               starts_at: i64| {
        outln!(
            "{:<9} {:<10} {:<28} {:<10} {:<26} {:<12} {}",
            sev,
            state,
            name,
            source,
            labels.get("instance").map(String::as_str).unwrap_or("-"),
            human_duration(now - starts_at),
            annotations
                .get("summary")
                .map(|s| s.replace(['\n', '\r'], " "))
                .unwrap_or_default()
        );
    };
    for a in &all {
        row(
            &sev_word(&a.severity),
            view::alert_state_word(a),
            &a.alertname,
            &a.source,
            &a.labels,
            &a.annotations,
            a.starts_at,
        );
        if let Some(k) = ack_of(a) {
            outln!(
                "          acknowledged by {}, {} ago, until {}: {}",
                k.by,
                human_duration(now - k.at),
                local_datetime(k.until),
                k.comment
            );
        }
    }
    for r in &resolved {
        row(
            &sev_word(&r.severity),
            "resolved",
            &r.alertname,
            &r.source,
            &r.labels,
            &r.annotations,
            r.starts_at,
        );
        outln!(
            "          {RESOLVED_UNACKED} (resolved {} ago): watchdesk ack {}",
            human_duration(now - r.resolved_at),
            r.fingerprint
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The state of an alert that resolved while nobody acknowledged it.
const RESOLVED_UNACKED: &str = "resolved, not acknowledged";

fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "operator".into())
}

/// The current alerts an `ack`/`unack` argument names: a fingerprint, or an alert name (and instance).
fn named_alerts(
    cache: &Cache,
    site: &str,
    alert: &str,
    instance: &Option<String>,
) -> Result<Vec<watchdesk::cache::CachedAlert>> {
    let all = cache.current_alerts(Some(site))?;
    if let Some(a) = all.iter().find(|a| a.fingerprint == alert) {
        return Ok(vec![a.clone()]);
    }
    Ok(all
        .into_iter()
        .filter(|a| a.alertname == alert)
        .filter(|a| instance.is_none() || a.labels.get("instance") == instance.as_ref())
        .collect())
}

fn site_for(cfg: &Config, source: &Option<String>) -> Result<Site> {
    let name = pick_sites(cfg, source)?[0].to_string();
    let sc = cfg
        .sites
        .iter()
        .find(|s| s.name == name)
        .context("no such source")?;
    Ok(Site::connect(sc)?)
}

async fn ack(
    cfg: &Config,
    source: &Option<String>,
    alert: &str,
    instance: &Option<String>,
    duration: &str,
    comment: &str,
    author: &Option<String>,
) -> Result<ExitCode> {
    use watchdesk::source::Matcher;
    let dur = watchdesk::time::parse_duration_ms(duration)
        .filter(|d| *d > 0)
        .with_context(|| format!("--for {duration:?}: write it like 30m, 1h or 8h"))?;
    let cache = open_cache(cfg)?;
    let site = site_for(cfg, source)?;
    let found = named_alerts(&cache, &site.name, alert, instance)?;
    let author_name = author.clone().unwrap_or_else(os_user);
    // Resolved while nobody acknowledged them: a local acknowledgement, no silence needed.
    let resolved: Vec<_> = cache
        .resolved_unacknowledged(Some(&site.name))?
        .into_iter()
        .filter(|r| {
            r.fingerprint == alert
                || (r.alertname == alert
                    && (instance.is_none() || r.labels.get("instance") == instance.as_ref()))
        })
        .collect();
    for r in &resolved {
        if cache.acknowledge_resolved(
            &site.name,
            &r.fingerprint,
            &author_name,
            comment,
            now_ms(),
        )? {
            outln!(
                "acknowledged {} on {} (resolved {} ago) by {author_name}",
                r.alertname,
                r.labels.get("instance").map(String::as_str).unwrap_or("-"),
                human_duration(now_ms() - r.resolved_at)
            );
        }
    }
    if found.is_empty() && !resolved.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let eq = |name: &str, value: &str| Matcher {
        name: name.into(),
        value: value.into(),
        is_regex: false,
        is_equal: true,
    };
    let matchers = match (found.as_slice(), instance) {
        ([one], _) => watchdesk::ack::default_matchers(&one.labels),
        (_, Some(i)) => vec![eq("alertname", alert), eq("instance", i)],
        (many, None) => {
            if many.len() > 1 {
                outln!(
                    "{alert} fires on {} instances: acknowledging all of them (use --instance to narrow)",
                    many.len()
                );
            } else {
                outln!("{alert} is not in the cache's current alerts: acknowledging by name");
            }
            vec![eq("alertname", alert)]
        }
    };
    let author = author_name;
    let now = now_ms();
    let described = matchers
        .iter()
        .map(|m| format!("{}={:?}", m.name, m.value))
        .collect::<Vec<_>>()
        .join(", ");
    match watchdesk::ack::acknowledge(&cache, &site, matchers, dur, &author, comment, now).await {
        Ok(watchdesk::ack::Outcome::Sent(id)) => {
            outln!(
                "acknowledged {{{described}}} by {author} until {} (silence {id})",
                local_datetime(now + dur)
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(watchdesk::ack::Outcome::Queued { id, reason }) => {
            outln!("acknowledgement of {{{described}}} queued (#{id}): {reason}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => bail!("acknowledging {{{described}}} failed: {e}"),
    }
}

async fn unack(
    cfg: &Config,
    source: &Option<String>,
    alert: &str,
    instance: &Option<String>,
    author: &Option<String>,
) -> Result<ExitCode> {
    let cache = open_cache(cfg)?;
    let site = site_for(cfg, source)?;
    // Fresh silences when an Alertmanager answers; else what the cache last saw.
    for am in &site.alertmanagers {
        if let Ok(s) = am.silences().await {
            cache.replace_silences(&site.name, &s)?;
            break;
        }
    }
    let silences: Vec<_> = cache
        .silences(Some(&site.name))?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let now = now_ms();
    let found = named_alerts(&cache, &site.name, alert, instance)?;
    let mut ids: Vec<String> = found
        .iter()
        .filter_map(|a| watchdesk::ack::ack_of(&a.labels, &silences, now))
        .map(|a| a.silence_id)
        .collect();
    if found.is_empty() {
        // Resolved since: acknowledgements whose alertname matcher names it.
        ids = silences
            .iter()
            .filter(|s| {
                watchdesk::ack::is_ack(s) && s.state == watchdesk::source::SilenceState::Active
            })
            .filter(|s| {
                s.matchers
                    .iter()
                    .any(|m| m.name == "alertname" && m.value == alert)
            })
            .map(|s| s.id.clone())
            .collect();
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        bail!("{alert} has no active acknowledgement");
    }
    let author = author.clone().unwrap_or_else(os_user);
    for id in ids {
        match watchdesk::ack::unacknowledge(&cache, &site, &id, &author, now).await {
            Ok(watchdesk::ack::Outcome::Sent(_)) => outln!("acknowledgement {id} expired"),
            Ok(watchdesk::ack::Outcome::Queued { id: q, reason }) => {
                outln!("expiry of acknowledgement {id} queued (#{q}): {reason}")
            }
            Err(e) => bail!("expiring acknowledgement {id} failed: {e}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn history(cfg: &Config, source: &Option<String>, since: &str, csv: bool) -> Result<ExitCode> {
    let now = now_ms();
    let from = parse_time(since, now)
        .with_context(|| format!("--since {since:?}: write it like -8h or 2026-11-24T22:00:00Z"))?;
    let cache = open_cache(cfg)?;
    let mut events = Vec::new();
    for site in pick_sites(cfg, source)? {
        events.extend(cache.alert_events(Some(site), None, from)?);
    }
    events.sort_by_key(|e| (e.at, e.id));
    if csv {
        let text = watchdesk::history::events_csv(&events);
        outln!("{}", text.trim_end_matches('\n'));
        return Ok(ExitCode::SUCCESS);
    }
    if events.is_empty() {
        outln!("nothing happened since {}", local_datetime(from));
    }
    for e in &events {
        let detail = if e.kind == "fired" {
            String::new()
        } else {
            e.detail.clone()
        };
        outln!(
            "{}  {:<11} {:<28} {:<10} {}",
            local_datetime(e.at),
            e.kind,
            e.alertname,
            e.source,
            detail.replace(['\n', '\r'], " ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
