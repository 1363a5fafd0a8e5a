//! vms-sim: a stand-in for the RTA CCTV VMS, so that a real Prometheus, Alertmanager and node
//! exporter can run against it on loopback. One listener per service (12), a file_sd targets
//! file, and a control API to switch fault scenarios on and off. See deploy/METRICS.md. The control
//! port also serves the seed services' logs through Loki's query API (`loki.rs`, a stand-in: no
//! Loki can be installed here).

mod expo;
mod history;
mod http;
mod loki;
mod model;
mod scenario;
mod server;
mod service;

use clap::{Parser, Subcommand};
use scenario::Scenario;
use server::{now_unix, write_atomic, Sim, SimError};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Simulated VMS exporters for a real Prometheus/Alertmanager test stack.
#[derive(Debug, Parser)]
#[command(
    name = "vms-sim",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address every listener binds to.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Prometheus file_sd JSON written (atomically) with every simulated instance.
    #[arg(long, required = true)]
    targets_file: Option<PathBuf>,
    /// First port: services get N, N+1, ... in the documented order (default: ephemeral ports).
    #[arg(long)]
    base_port: Option<u16>,
    /// File that receives the control API's base URL.
    #[arg(long)]
    control_file: Option<PathBuf>,
    /// Scenario active from the start, `name:key=val,key=val` (repeatable).
    #[arg(long = "scenario", value_name = "SPEC")]
    scenarios: Vec<String>,
    /// Seed of the noise field (same seed, same curves).
    #[arg(long, default_value_t = 20_250_101)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes a past period of the model as Prometheus would have scraped it, as OpenMetrics (one
    /// file per 2-hour block) for `promtool tsdb create-blocks-from openmetrics`; prints a summary.
    History {
        /// Folder that receives `block-<n>.om` files.
        #[arg(long)]
        out: PathBuf,
        /// Length of the period, ending at `--to`.
        #[arg(long, default_value_t = 24.0)]
        hours: f64,
        /// Start (unix seconds; overrides --hours).
        #[arg(long)]
        from: Option<i64>,
        /// End (unix seconds; default: now).
        #[arg(long)]
        to: Option<i64>,
        /// Seconds between two scrapes.
        #[arg(long, default_value_t = 15)]
        step: i64,
        /// The address the live simulator serves on (in the `instance` labels).
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        bind: IpAddr,
        /// The live simulator's first port (in the `instance` labels).
        #[arg(long, default_value_t = 9201)]
        base_port: u16,
        /// Seed of the noise field (the live simulator's default).
        #[arg(long, default_value_t = 20_250_101)]
        seed: u64,
    },
}

/// `vms-sim history`.
fn write_history(cmd: Command) -> Result<String, String> {
    let Command::History {
        out,
        hours,
        from,
        to,
        step,
        bind,
        base_port,
        seed,
    } = cmd;
    if step <= 0 {
        return Err("--step must be at least 1 s".into());
    }
    let to = to.unwrap_or_else(|| now_unix() as i64);
    let from = from.unwrap_or(to - (hours * 3600.0) as i64);
    // On the step grid, as Prometheus' scrapes of one target are.
    let from = (from + step - 1).div_euclid(step) * step;
    if from > to {
        return Err(format!(
            "nothing to write: --from {from} is after --to {to}"
        ));
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let offset = chrono::Local::now().offset().local_minus_utc();
    let ip = match bind {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        a => a,
    };
    let mut hist = history::History::new(seed, i64::from(offset), from, |i| {
        SocketAddr::new(ip, base_port.saturating_add(i as u16)).to_string()
    });
    let mut files = 0;
    let samples = history::write_blocks(&mut hist, from, to, step, &out, |_| {
        files += 1;
        Ok(())
    })
    .map_err(|e| {
        format!(
            "cannot write the history into {}: {e} (is the disk full?)",
            out.display()
        )
    })?;
    Ok(format!(
        "history: {samples} samples of {} series from {from} to {to} every {step} s in {files} files in {}",
        hist.series.len(),
        out.display()
    ))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(cmd) = args.command {
        return match write_history(cmd) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("vms-sim history: {e}");
                ExitCode::from(2)
            }
        };
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vms-sim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(args));
    // Do not wait for idle connection tasks on the way out.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vms-sim: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), SimError> {
    let scenarios = args
        .scenarios
        .iter()
        .map(|s| Scenario::parse_spec(s))
        .collect::<Result<Vec<_>, _>>()?;
    let offset = chrono::Local::now().offset().local_minus_utc();
    let world = model::World::new(args.seed, i64::from(offset), now_unix());
    // clap requires --targets-file unless a subcommand is given.
    let targets_file = args.targets_file.clone().unwrap_or_default();
    let sim = Sim::open(args.bind, args.base_port, targets_file.clone(), world).await?;
    for s in scenarios {
        sim.apply(s).await?;
    }
    sim.write_targets().await?;

    let addr = SocketAddr::new(args.bind, 0);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind {
            what: "the control API".to_owned(),
            addr,
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| SimError::Bind {
            what: "the control API".to_owned(),
            addr,
            source,
        })?
        .port();
    let ip = match args.bind {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        a => a,
    };
    let url = format!("http://{}", SocketAddr::new(ip, port));
    println!("control: {url}");
    if let Some(path) = &args.control_file {
        write_atomic(path, &format!("{url}\n"), "the control file")?;
    }
    tracing::info!(
        "targets in {}, control API at {url}",
        targets_file.display()
    );

    let control = tokio::spawn(sim.clone().serve_control(listener));
    shutdown_signal().await;
    tracing::info!("signal received, exiting");
    control.abort();
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
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
