//! `watchdesk`: the engine's command line. Argument parsing and formatting only: every command is
//! one call into the desk (`watchdesk::desk`), which the desktop app shares.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use watchdesk::config::Overrides;
use watchdesk::desk::{self, Desk, NamedAck, OpenOptions};
use watchdesk::text::for_terminal as safe;
use watchdesk::time::{human_duration, local_datetime, now_ms, parse_duration_ms};

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

mod cli;

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
    /// Loki base URL of the (one) source, for `logs`.
    #[arg(long, global = true, value_name = "URL")]
    loki: Option<String>,
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
        /// How long, e.g. 30m, 1h, 8h (1 min to 7 days).
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
    /// Store the password or bearer token of a source's Prometheus (default) or of one of its
    /// Alertmanagers (--alertmanager URL) in the OS keyring; the config then says `keyring = true`
    /// instead of holding it. Reads the secret from a prompt, or from standard input when piped.
    Login {
        /// The source's name ([[source]] name in the config).
        #[arg(value_name = "SOURCE")]
        site: String,
        /// HTTP Basic username (default: the one in the config; none: a bearer token).
        #[arg(long)]
        username: Option<String>,
        /// Remove the stored secret instead.
        #[arg(long)]
        forget: bool,
    },
    /// Log lines from the source's Loki (LogQL: a stream selector and line filters), newest last;
    /// from the cache, saying so, when Loki cannot be reached.
    Logs {
        /// LogQL, e.g. '{service="go-api"} |= "error"'; with --alert, text the lines contain (or
        /// /regex/).
        query: Option<String>,
        /// An alert's logs instead: its fingerprint (or its name, when only one alert has it),
        /// from 5 minutes before it started until it resolved or now.
        #[arg(long)]
        alert: Option<String>,
        /// How far back: 15m, 1h, 2d.
        #[arg(long, default_value = "15m", allow_hyphen_values = true)]
        since: String,
        /// Most lines (the newest), up to 5000.
        #[arg(long, default_value_t = 500)]
        limit: usize,
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

fn overrides(cli: &Cli) -> Overrides {
    Overrides {
        config: cli.config.clone(),
        prometheus: cli.prometheus.clone(),
        alertmanagers: cli.alertmanager.clone(),
        cache: cli.cache.clone(),
        dashboards: cli.dashboard.clone(),
        loki: cli.loki.clone(),
    }
}

fn open(cli: &Cli) -> Result<Desk> {
    let cfg = watchdesk::config::Config::load(&overrides(cli))?;
    let d = Desk::with_config(cfg, OpenOptions::default())?;
    for w in d.warnings() {
        eprintln!("watchdesk: {w}");
    }
    Ok(d)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let source = cli.source.as_deref();
    match &cli.cmd {
        Cmd::Check => rt.block_on(check(&overrides(&cli))),
        Cmd::Poll { once } => rt.block_on(poll(open(&cli)?, *once)),
        Cmd::Render {
            from,
            to,
            out,
            format,
            width,
        } => cli::render::render(
            &open(&cli)?,
            source,
            from,
            to,
            out,
            *format == Format::Png,
            *width,
        ),
        Cmd::Alerts { json } => cli::alerts::alerts(&open(&cli)?, source, *json),
        Cmd::Ack {
            alert,
            instance,
            duration,
            comment,
            author,
        } => {
            let d = open(&cli)?;
            let dur = parse_duration_ms(duration)
                .with_context(|| format!("--for {duration:?}: write it like 30m, 1h or 8h"))?;
            let named = NamedAck {
                source,
                alert,
                instance: instance.as_deref(),
            };
            let author = author.clone().unwrap_or_else(desk::os_user);
            rt.block_on(ack(&d, named, dur, &author, comment))
        }
        Cmd::Unack {
            alert,
            instance,
            author,
        } => {
            let d = open(&cli)?;
            let named = NamedAck {
                source,
                alert,
                instance: instance.as_deref(),
            };
            let author = author.clone().unwrap_or_else(desk::os_user);
            for (id, o) in rt.block_on(d.unacknowledge_named(named, &author))? {
                match o {
                    watchdesk::ack::Outcome::Sent(_) => outln!("acknowledgement {id} expired"),
                    watchdesk::ack::Outcome::Queued { id: q, reason } => {
                        outln!("expiry of acknowledgement {id} queued (#{q}): {reason}")
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::History { since, csv } => history(&open(&cli)?, source, since, *csv),
        Cmd::Logs {
            query,
            alert,
            since,
            limit,
        } => match (alert, query) {
            (Some(alert), filter) => {
                let req = desk::AlertLogsRequest {
                    source,
                    alert,
                    filter: filter.as_deref().unwrap_or(""),
                    limit: *limit,
                };
                rt.block_on(cli::logs::alert_logs(&open(&cli)?, &req))
            }
            (None, Some(query)) => {
                let req = desk::LogsRequest {
                    source,
                    query,
                    since,
                    limit: *limit,
                };
                rt.block_on(cli::logs::logs(&open(&cli)?, &req))
            }
            (None, None) => bail!(
                "logs: give a LogQL query like '{{service=\"go-api\"}} |= \"error\"', or \
                 --alert FINGERPRINT for an alert's logs"
            ),
        },
        Cmd::Login {
            site,
            username,
            forget,
        } => {
            if cli.alertmanager.len() > 1 {
                bail!("login: give one --alertmanager URL at a time");
            }
            let req = desk::LoginRequest {
                site: site.clone(),
                prometheus: cli.prometheus.clone(),
                alertmanager: cli.alertmanager.first().cloned(),
                username: username.clone(),
                forget: *forget,
            };
            rt.block_on(cli::login::login(&overrides(&cli), &req))
        }
    }
}

async fn check(ov: &Overrides) -> Result<ExitCode> {
    let report = Desk::check(ov).await?;
    for l in &report.lines {
        outln!("{:<10} {}", l.what, safe(&l.text));
        for n in &l.notes {
            outln!("           note: {}", safe(n));
        }
    }
    if report.problems > 0 {
        outln!("{} problem(s)", report.problems);
        Ok(ExitCode::FAILURE)
    } else {
        outln!("all ok");
        Ok(ExitCode::SUCCESS)
    }
}

async fn poll(d: Desk, once: bool) -> Result<ExitCode> {
    if once {
        let mut ok = true;
        for r in &d.poll_once().await {
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
            if let Some(e) = &m.loki_unreachable {
                outln!("{}: Loki unreachable: {e}", r.site);
            }
            for (expr, e) in &m.errors {
                outln!("{}: query {}: {}", r.site, safe(expr), safe(e));
            }
            ok &= r.ok();
        }
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    let d = Arc::new(d);
    let run = tokio::spawn({
        let d = d.clone();
        async move { d.run_poller(rx).await }
    });
    tracing::info!(
        "polling {} source(s) into {}; Ctrl-C to stop",
        d.sources().len(),
        d.config().cache.display()
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

async fn ack(
    d: &Desk,
    named: NamedAck<'_>,
    duration_ms: i64,
    author: &str,
    comment: &str,
) -> Result<ExitCode> {
    let r = d
        .acknowledge_named(named, duration_ms, author, comment)
        .await?;
    let now = now_ms();
    for (name, instance, resolved_at) in &r.resolved {
        outln!(
            "acknowledged {} on {} (resolved {} ago) by {}",
            safe(name),
            safe(if instance.is_empty() { "-" } else { instance }),
            human_duration(now - resolved_at),
            safe(author)
        );
    }
    if let Some(note) = &r.note {
        outln!("{}", safe(note));
    }
    if let Some((matchers, outcome)) = &r.silence {
        let described = matchers
            .iter()
            .map(|m| format!("{}={:?}", m.name, m.value))
            .collect::<Vec<_>>()
            .join(", ");
        match outcome {
            watchdesk::ack::Outcome::Sent(id) => outln!(
                "acknowledged {{{}}} by {} until {} (silence {id})",
                safe(&described),
                safe(author),
                local_datetime(r.until)
            ),
            watchdesk::ack::Outcome::Queued { id, reason } => outln!(
                "acknowledgement of {{{}}} queued (#{id}): {reason}",
                safe(&described)
            ),
        }
    }
    if r.resolved.is_empty() && r.silence.is_none() {
        bail!("nothing to acknowledge");
    }
    Ok(ExitCode::SUCCESS)
}

fn history(d: &Desk, source: Option<&str>, since: &str, csv: bool) -> Result<ExitCode> {
    let events = d.shift_log(source, since)?;
    if csv {
        let text = watchdesk::history::events_csv(&events);
        outln!("{}", text.trim_end_matches('\n'));
        return Ok(ExitCode::SUCCESS);
    }
    if events.is_empty() {
        outln!("nothing happened since {}", safe(since));
    }
    for e in &events {
        let detail = if e.kind == "fired" { "" } else { &e.detail };
        outln!(
            "{}  {:<11} {:<28} {:<10} {}",
            local_datetime(e.at),
            e.kind,
            safe(&e.alertname),
            safe(&e.source),
            safe(detail)
        );
    }
    Ok(ExitCode::SUCCESS)
}
