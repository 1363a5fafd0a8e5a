//! Listeners (one per service), scenario switching, targets file and the control API.

use crate::expo::CONTENT_TYPE;
use crate::http::{accept_request, respond, Request};
use crate::model::World;
use crate::scenario::{Scenario, ScenarioError, NAMES};
use crate::service::Service;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// Failures of the simulator's own plumbing.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("could not listen on {addr} for {what}: {source}; free the port or choose another --base-port/--bind")]
    Bind {
        what: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "could not write {what} {path}: {source}; check that the directory exists and is writable"
    )]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--base-port {0} is too high: the 12 services need ports {0}..{0}+11 below 65536")]
    BasePort(u16),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

enum SlotState {
    Up(JoinHandle<()>),
    /// Bound but not listening: the port stays ours and connections are refused.
    Down {
        _reserved: TcpSocket,
    },
}

struct Slot {
    service: Service,
    port: u16,
    state: SlotState,
}

struct Net {
    slots: Vec<Slot>,
    /// Storm instances per service: ports held by bound, non-listening sockets.
    storms: BTreeMap<Service, Vec<(u16, TcpSocket)>>,
}

/// The running simulator.
pub struct Sim {
    world: Arc<Mutex<World>>,
    net: tokio::sync::Mutex<Net>,
    bind: IpAddr,
    targets_file: PathBuf,
}

/// Unix time in seconds.
pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|e| e.into_inner())
}

/// Address used in URLs and the targets file: loopback when bound to the wildcard.
fn public_ip(bind: IpAddr) -> IpAddr {
    match bind {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        a => a,
    }
}

fn socket(addr: SocketAddr) -> std::io::Result<TcpSocket> {
    let s = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    s.set_reuseaddr(true)?;
    s.bind(addr)?;
    Ok(s)
}

fn bind_err(what: impl Into<String>, addr: SocketAddr) -> impl FnOnce(std::io::Error) -> SimError {
    let what = what.into();
    move |source| SimError::Bind { what, addr, source }
}

/// Writes `contents` to `path` atomically (temp file in the same directory, then rename).
pub fn write_atomic(path: &Path, contents: &str, what: &'static str) -> Result<(), SimError> {
    let err = |source| SimError::Write {
        what,
        path: path.to_owned(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, contents).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// The file_sd JSON for the given instances.
pub fn targets_json(ip: IpAddr, base: &[(Service, u16)], storms: &[(Service, Vec<u16>)]) -> String {
    let addr = |p: u16| SocketAddr::new(ip, p).to_string();
    let group = |svc: Service, ports: &[u16]| {
        serde_json::json!({
            "targets": ports.iter().map(|p| addr(*p)).collect::<Vec<_>>(),
            "labels": {"job": svc.name(), "service": svc.name()},
        })
    };
    let mut groups: Vec<serde_json::Value> = base.iter().map(|(s, p)| group(*s, &[*p])).collect();
    for (svc, ports) in storms {
        if !ports.is_empty() {
            groups.push(group(*svc, ports));
        }
    }
    serde_json::to_string_pretty(&groups).unwrap_or_else(|_| "[]".to_owned()) + "\n"
}

async fn serve_metrics(listener: TcpListener, svc: Service, world: Arc<Mutex<World>>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(handle_metrics(stream, svc, world.clone()));
            }
            Err(e) => {
                tracing::warn!("{svc}: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle_metrics(mut stream: TcpStream, svc: Service, world: Arc<Mutex<World>>) {
    let Some(req) = accept_request(&mut stream).await else {
        return;
    };
    let head = req.method == "HEAD";
    let text = "text/plain; charset=utf-8";
    if req.method != "GET" && !head {
        respond(&mut stream, 405, text, "only GET /metrics\n", head).await;
        return;
    }
    match req.path.as_str() {
        "/metrics" | "/minio/v2/metrics/cluster" => {
            let body = lock(&world).render(svc, now_unix());
            respond(&mut stream, 200, CONTENT_TYPE, &body, head).await;
        }
        "/" => {
            respond(
                &mut stream,
                200,
                text,
                &format!("{svc} (vms-sim): metrics at /metrics\n"),
                head,
            )
            .await
        }
        _ => {
            respond(
                &mut stream,
                404,
                text,
                "not found; metrics are at /metrics\n",
                head,
            )
            .await
        }
    }
}

impl Sim {
    /// Opens one listener per service (`base_port`, `base_port+1`, … or ephemeral ports).
    pub async fn open(
        bind: IpAddr,
        base_port: Option<u16>,
        targets_file: PathBuf,
        world: World,
    ) -> Result<Arc<Sim>, SimError> {
        if let Some(b) = base_port {
            if b.checked_add(11).is_none() || b == 0 {
                return Err(SimError::BasePort(b));
            }
        }
        let world = Arc::new(Mutex::new(world));
        let mut slots = Vec::new();
        for (i, svc) in Service::ALL.into_iter().enumerate() {
            let port = base_port.map_or(0, |b| b.saturating_add(i as u16));
            let addr = SocketAddr::new(bind, port);
            let listener = socket(addr)
                .and_then(|s| s.listen(1024))
                .map_err(bind_err(svc.name(), addr))?;
            let port = listener
                .local_addr()
                .map_err(bind_err(svc.name(), addr))?
                .port();
            tracing::info!("{svc} listening on {}", SocketAddr::new(bind, port));
            let task = tokio::spawn(serve_metrics(listener, svc, world.clone()));
            slots.push(Slot {
                service: svc,
                port,
                state: SlotState::Up(task),
            });
        }
        Ok(Arc::new(Sim {
            world,
            net: tokio::sync::Mutex::new(Net {
                slots,
                storms: BTreeMap::new(),
            }),
            bind,
            targets_file,
        }))
    }

    /// Rewrites the targets file from the current instances.
    async fn write_targets_locked(&self, net: &Net) -> Result<(), SimError> {
        let base: Vec<(Service, u16)> = net.slots.iter().map(|s| (s.service, s.port)).collect();
        let storms: Vec<(Service, Vec<u16>)> = net
            .storms
            .iter()
            .map(|(s, v)| (*s, v.iter().map(|(p, _)| *p).collect()))
            .collect();
        let json = targets_json(public_ip(self.bind), &base, &storms);
        write_atomic(&self.targets_file, &json, "the targets file")
    }

    /// Writes the targets file.
    pub async fn write_targets(&self) -> Result<(), SimError> {
        let net = self.net.lock().await;
        self.write_targets_locked(&net).await
    }

    async fn take_down(&self, net: &mut Net, svc: Service) -> Result<(), SimError> {
        let bind = self.bind;
        let Some(slot) = net.slots.get_mut(svc.index()) else {
            return Ok(());
        };
        if let SlotState::Up(task) = &mut slot.state {
            task.abort();
            let _ = task.await; // the listener is dropped once the task is gone
            let addr = SocketAddr::new(bind, slot.port);
            let reserve = socket(addr).map_err(bind_err(
                format!("{svc} (reserving its port while down)"),
                addr,
            ))?;
            slot.state = SlotState::Down { _reserved: reserve };
            tracing::info!("{svc} is down (port {} refuses connections)", slot.port);
        }
        Ok(())
    }

    fn bring_up(&self, net: &mut Net, svc: Service) -> Result<(), SimError> {
        let Some(slot) = net.slots.get_mut(svc.index()) else {
            return Ok(());
        };
        if let SlotState::Up(_) = slot.state {
            return Ok(());
        }
        let addr = SocketAddr::new(self.bind, slot.port);
        // Drop the reservation, then listen again on the same port.
        slot.state = SlotState::Up(tokio::spawn(async {}));
        match socket(addr).and_then(|s| s.listen(1024)) {
            Ok(listener) => {
                slot.state = SlotState::Up(tokio::spawn(serve_metrics(
                    listener,
                    svc,
                    self.world.clone(),
                )));
                tracing::info!("{svc} is up again on port {}", addr.port());
                Ok(())
            }
            Err(e) => {
                if let Ok(reserve) = socket(addr) {
                    slot.state = SlotState::Down { _reserved: reserve };
                }
                Err(bind_err(format!("{svc} (re-opening it)"), addr)(e))
            }
        }
    }

    fn set_storm(&self, net: &mut Net, svc: Service, n: u16) -> Result<(), SimError> {
        net.storms.remove(&svc);
        let mut held = Vec::new();
        for _ in 0..n {
            let addr = SocketAddr::new(self.bind, 0);
            let s = socket(addr).map_err(bind_err(format!("a {svc} storm instance"), addr))?;
            let port = s
                .local_addr()
                .map_err(bind_err("a storm instance", addr))?
                .port();
            held.push((port, s));
        }
        if !held.is_empty() {
            net.storms.insert(svc, held);
        }
        Ok(())
    }

    /// Undoes the network side of `s`; returns whether the targets file must change.
    async fn undo(&self, net: &mut Net, s: &Scenario) -> Result<bool, SimError> {
        match s {
            Scenario::ServiceDown { service } => self.bring_up(net, *service).map(|_| false),
            Scenario::Storm { service, .. } => self.set_storm(net, *service, 0).map(|_| true),
            _ => Ok(false),
        }
    }

    /// Activates a scenario (replacing one with the same identity).
    pub async fn apply(&self, s: Scenario) -> Result<String, SimError> {
        let mut net = self.net.lock().await;
        let previous = lock(&self.world).upsert(s.clone(), now_unix());
        let result = match &s {
            Scenario::ServiceDown { service } => self.take_down(&mut net, *service).await,
            Scenario::Storm { service, n } => match self.set_storm(&mut net, *service, *n) {
                Ok(()) => self.write_targets_locked(&net).await,
                Err(e) => Err(e),
            },
            _ => Ok(()),
        };
        if let Err(e) = result {
            // Leave things as they were before the request.
            lock(&self.world).remove(s.name(), s.service());
            let _ = self.undo(&mut net, &s).await;
            if let Some(p) = previous {
                lock(&self.world).upsert(p, now_unix());
            }
            let _ = self.write_targets_locked(&net).await;
            return Err(e);
        }
        tracing::info!("scenario on: {s}");
        Ok(match previous {
            Some(p) => format!("updated {p} -> {s}\n"),
            None => format!("started {s}\n"),
        })
    }

    /// Deactivates scenarios named `name` (for `service` only, if given).
    pub async fn remove(&self, name: &str, service: Option<Service>) -> Result<String, SimError> {
        let mut net = self.net.lock().await;
        let gone = lock(&self.world).remove(name, service);
        self.finish_removal(&mut net, gone).await
    }

    /// Deactivates every scenario.
    pub async fn reset(&self) -> Result<String, SimError> {
        let mut net = self.net.lock().await;
        let gone = lock(&self.world).clear();
        self.finish_removal(&mut net, gone).await
    }

    async fn finish_removal(&self, net: &mut Net, gone: Vec<Scenario>) -> Result<String, SimError> {
        let mut rewrite = false;
        let mut first_err = None;
        for s in &gone {
            match self.undo(net, s).await {
                Ok(r) => rewrite |= r,
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
            tracing::info!("scenario off: {s}");
        }
        if rewrite {
            self.write_targets_locked(net).await?;
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        Ok(if gone.is_empty() {
            "nothing to stop\n".to_owned()
        } else {
            gone.iter().map(|s| format!("stopped {s}\n")).collect()
        })
    }

    /// JSON list of the active scenarios.
    pub fn scenarios_json(&self) -> String {
        let w = lock(&self.world);
        let list: Vec<serde_json::Value> = w
            .active()
            .iter()
            .map(|a| {
                let params: serde_json::Map<String, serde_json::Value> = a
                    .scenario
                    .params()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.into()))
                    .collect();
                let since = chrono::DateTime::from_timestamp(a.since as i64, 0)
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_default();
                serde_json::json!({"name": a.scenario.name(), "params": params, "since": since})
            })
            .collect();
        serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned()) + "\n"
    }

    /// Serves the control API until the listener fails.
    pub async fn serve_control(self: Arc<Self>, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((mut stream, _)) => {
                    let sim = self.clone();
                    tokio::spawn(async move {
                        if let Some(req) = accept_request(&mut stream).await {
                            let (status, ctype, body) = sim.control(&req).await;
                            respond(&mut stream, status, ctype, &body, req.method == "HEAD").await;
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("control: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }

    async fn control(&self, req: &Request) -> (u16, &'static str, String) {
        const TEXT: &str = "text/plain; charset=utf-8";
        let ok_or = |r: Result<String, SimError>| match r {
            Ok(msg) => (200, TEXT, msg),
            Err(SimError::Scenario(e)) => (400, TEXT, format!("{e}\n")),
            Err(e) => (500, TEXT, format!("{e}\n")),
        };
        let path = req.path.trim_end_matches('/');
        if let Some(api) = path.strip_prefix("/loki/api/v1") {
            // The stand-in Loki (loki.rs): no real Loki can be installed here.
            if req.method != "GET" && req.method != "HEAD" {
                return (405, TEXT, "use GET\n".to_owned());
            }
            let ports: Vec<(Service, u16)> = {
                let net = self.net.lock().await;
                net.slots.iter().map(|s| (s.service, s.port)).collect()
            };
            let now_ns = (now_unix() * 1e9) as i64;
            return crate::loki::handle(&lock(&self.world), &ports, now_ns, api, &req.query);
        }
        match (req.method.as_str(), path) {
            ("GET" | "HEAD", "") => (200, TEXT, help()),
            ("GET" | "HEAD", "/scenarios") => (200, "application/json", self.scenarios_json()),
            ("POST", "/reset") => ok_or(self.reset().await),
            ("POST", p) if p.starts_with("/scenario/") => {
                let name = p.trim_start_matches("/scenario/");
                match Scenario::parse(name, &req.query) {
                    Ok(s) => ok_or(self.apply(s).await),
                    Err(e) => (400, TEXT, format!("{e}\n")),
                }
            }
            ("DELETE", p) if p.starts_with("/scenario/") => {
                let name = p.trim_start_matches("/scenario/");
                if !NAMES.contains(&name) {
                    return (
                        400,
                        TEXT,
                        format!("{}\n", ScenarioError::UnknownScenario(name.to_owned())),
                    );
                }
                let mut service = None;
                for (k, v) in &req.query {
                    match (k.as_str(), Service::from_name(v)) {
                        ("service", Some(s)) => service = Some(s),
                        ("service", None) => {
                            return (
                                400,
                                TEXT,
                                format!(
                                    "unknown service `{v}`; known: {}\n",
                                    Service::names(|_| true)
                                ),
                            )
                        }
                        _ => {}
                    }
                }
                ok_or(self.remove(name, service).await)
            }
            (_, "" | "/scenarios" | "/reset") => {
                (405, TEXT, "method not allowed; see GET /\n".to_owned())
            }
            (_, p) if p.starts_with("/scenario/") => {
                (405, TEXT, "use POST or DELETE; see GET /\n".to_owned())
            }
            _ => (404, TEXT, "not found; see GET / for the API\n".to_owned()),
        }
    }
}

/// Plain-text help of the control API.
pub fn help() -> String {
    let services = Service::names(|_| true);
    format!(
        "vms-sim control API\n\
         \n\
         GET    /                          this help\n\
         GET    /scenarios                 active scenarios (JSON)\n\
         POST   /scenario/<name>?k=v&...   start (or update) a scenario\n\
         DELETE /scenario/<name>[?service=S]  stop it (all of that name unless service is given)\n\
         POST   /reset                     stop every scenario\n\
         GET    /loki/api/v1/query_range?query=...  the services' logs, Loki's query API (a stand-in)\n\
         GET    /loki/api/v1/labels | /label/<name>/values | /series?match[]=...\n\
         \n\
         scenarios:\n  \
         service-down?service=S         S's listener closes (connection refused, up == 0)\n  \
         latency-spike?service=go-api   HTTP p95 latency > 1 s (app services)\n  \
         error-burst?service=go-api&ratio=0.12  5xx share (app services or minio)\n  \
         cache-collapse                 playback cache hit ratio < 50 %, Valkey full and evicting\n  \
         disk-fill                      MinIO usage climbs past 90 % in ~100 s\n  \
         storm?n=50&service=recording-service  n extra instances of S in the targets file, all down\n  \
         db-saturation                  PostgreSQL connections ~96 % of max, slow statements\n  \
         livekit-degraded               LiveKit RTT p95 > 500 ms, 25 % join failures\n  \
         recording-backlog              recording queue grows, processing p95 > 30 s, FFmpeg CPU ~96 %\n  \
         reservation-failures           25 % reservations fail, quotas exceeded\n\
         \n\
         services: {services}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_file_shape() {
        let ip: IpAddr = Ipv4Addr::LOCALHOST.into();
        let json = targets_json(
            ip,
            &[(Service::GoApi, 9001), (Service::Minio, 9002)],
            &[
                (Service::RecordingService, vec![40001, 40002]),
                (Service::GoApi, vec![]),
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let expect = serde_json::json!([
            {"targets": ["127.0.0.1:9001"], "labels": {"job": "go-api", "service": "go-api"}},
            {"targets": ["127.0.0.1:9002"], "labels": {"job": "minio", "service": "minio"}},
            {"targets": ["127.0.0.1:40001", "127.0.0.1:40002"],
             "labels": {"job": "recording-service", "service": "recording-service"}},
        ]);
        assert_eq!(v, expect);
        let v6 = targets_json(Ipv6Addr::LOCALHOST.into(), &[(Service::GoApi, 1)], &[]);
        assert!(v6.contains("\"[::1]:1\""), "{v6}");
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { panic!("tempdir") };
        let p = dir.path().join("t.json");
        assert!(write_atomic(&p, "a", "x").is_ok());
        assert!(write_atomic(&p, "b", "x").is_ok());
        assert_eq!(std::fs::read_to_string(&p).ok().as_deref(), Some("b"));
        assert_eq!(
            std::fs::read_dir(dir.path()).map(|d| d.count()).ok(),
            Some(1)
        );
        let bad = dir.path().join("missing/t.json");
        let err = write_atomic(&bad, "a", "the targets file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("could not write the targets file") && err.contains("writable"),
            "{err}"
        );
    }
}
