//! vms-sim: a stand-in for the RTA CCTV VMS, so that a real Prometheus, Alertmanager and node
//! exporter can run against it on loopback. One listener per service (12), a file_sd targets
//! file, and a control API to switch fault scenarios on and off. See deploy/METRICS.md.

mod expo;
mod http;
mod model;
mod scenario;
mod server;
mod service;

use clap::Parser;
use scenario::Scenario;
use server::{now_unix, write_atomic, Sim, SimError};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Simulated VMS exporters for a real Prometheus/Alertmanager test stack.
#[derive(Debug, Parser)]
#[command(name = "vms-sim", version)]
struct Args {
    /// Address every listener binds to.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Prometheus file_sd JSON written (atomically) with every simulated instance.
    #[arg(long)]
    targets_file: PathBuf,
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

fn main() -> ExitCode {
    let args = Args::parse();
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
    let sim = Sim::open(args.bind, args.base_port, args.targets_file.clone(), world).await?;
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
        args.targets_file.display()
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
