//! Test harness: real Prometheus, Alertmanager, node exporter and the VMS simulator on free loopback
//! ports in a temp dir, stopped when the test ends (Drop).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod app;
pub mod exporters;
pub mod keyring;
pub mod procs;
pub mod webdriver;

/// The repository root (this harness is shared by the engine's and the app's tests).
pub fn repo() -> PathBuf {
    let mut d = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !d.join("deploy").is_dir() {
        if !d.pop() {
            return PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        }
    }
    d
}

/// The newest .deb that scripts/package.sh built (the install tests).
pub fn built_deb() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    let dir = target.join("release/bundle/deb");
    std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| {
            panic!(
                "no .deb in {}: build it first with scripts/package.sh (scripts/test.sh does)",
                dir.display()
            )
        })
}

fn built(name: &str, compiled: Option<&str>) -> PathBuf {
    let p = compiled.map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target"))
            .join("debug")
            .join(name)
    });
    assert!(
        p.is_file(),
        "{} is not built: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        p.display()
    );
    p
}

/// The `watchdesk` command line binary.
pub fn watchdesk_bin() -> PathBuf {
    built("watchdesk", option_env!("CARGO_BIN_EXE_watchdesk"))
}

/// The VMS simulator binary.
pub fn vms_sim_bin() -> PathBuf {
    built("vms-sim", option_env!("CARGO_BIN_EXE_vms-sim"))
}

/// The path of a binary from a Debian package, or a failure that says what to install.
/// Never a silent skip: a missing server is a failed test, in CI and on a laptop.
pub fn require_bin(name: &str, package: &str) -> PathBuf {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "`{name}` is not installed: install the Debian package `{package}` \
         (scripts/install-deps.sh installs everything the tests need){}",
        if std::env::var("CI").as_deref() == Ok("true") {
            " — running under CI=true, so this is a failure, not a skip"
        } else {
            ""
        }
    );
}

/// A free loopback port below the kernel's ephemeral range (32768+), so that no program binding
/// port 0 (the simulator, clients) can take it between this check and the server's own bind.
pub fn free_port() -> u16 {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    for _ in 0..1000 {
        let p = rng.gen_range(20_000..32_000);
        if TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Minimal HTTP/1.0 request to a loopback server: (status, body).
pub fn http(method: &str, url: &str, body: &str) -> std::io::Result<(u16, String)> {
    http_with_type(method, url, body, "application/x-www-form-urlencoded")
}

fn http_with_type(
    method: &str,
    url: &str,
    body: &str,
    content_type: &str,
) -> std::io::Result<(u16, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other("only http:// urls"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut s = TcpStream::connect(hostport)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {hostport}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// A JSON request (for WebDriver and the Alertmanager API): (status, parsed body or Null).
pub fn http_json(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
) -> std::io::Result<(u16, serde_json::Value)> {
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let (code, resp) = http_with_type(method, url, &text, "application/json")?;
    let body = resp.trim();
    // tauri-driver may answer chunked: take the JSON object between the first '{' and last '}'.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if b > a => serde_json::from_str(&body[a..=b]).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    Ok((code, json))
}

pub fn get(url: &str) -> Option<String> {
    match http("GET", url, "") {
        Ok((200, b)) => Some(b),
        _ => None,
    }
}

/// Waits until `f` returns Some, or fails the test after `limit` with `what` in the message.
#[track_caller]
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let t0 = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if t0.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

struct Proc {
    name: &'static str,
    child: Child,
}

impl Proc {
    fn spawn(name: &'static str, cmd: &mut Command, log: &Path) -> Proc {
        let out = std::fs::File::create(log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc { name, child }
    }
    fn stop(&mut self) {
        unsafe_kill(self.child.id() as i32, 15);
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unsafe_kill(pid: i32, sig: i32) {
    // No libc dependency: the kill command is everywhere the tests run.
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The reference stack on free ports.
pub struct Stack {
    pub dir: tempfile::TempDir,
    pub prom_port: u16,
    pub am_port: u16,
    pub node_port: u16,
    pub control: String,
    prom: Option<Proc>,
    am: Option<Proc>,
    node: Option<Proc>,
    sim: Option<Proc>,
    /// Exporters and servers started for one test (`exporters.rs`).
    extras: Vec<Proc>,
}

impl Stack {
    pub fn prom_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.prom_port)
    }
    pub fn am_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.am_port)
    }
    pub fn cache_path(&self) -> PathBuf {
        self.dir.path().join("cache.db")
    }
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Starts node exporter, the simulator, Alertmanager and Prometheus (scrape and rule evaluation
    /// every second so that tests see data and alerts quickly) and waits until they are ready.
    pub fn start() -> Stack {
        // Another test may grab a port between our check and the server's bind: try again with
        // new ports (the servers say "address already in use" in their logs).
        for attempt in 1..=3 {
            match std::panic::catch_unwind(Stack::start_once) {
                Ok(stack) => return stack,
                Err(e) if attempt < 3 => {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    eprintln!(
                        "stack start attempt {attempt} failed ({msg}); retrying with new ports"
                    );
                }
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        unreachable!()
    }

    fn start_once() -> Stack {
        // Fail fast, before anything starts, when a server is missing.
        require_bin("prometheus", "prometheus");
        require_bin("prometheus-alertmanager", "prometheus-alertmanager");
        let node_exporter = require_bin("prometheus-node-exporter", "prometheus-node-exporter");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("targets")).unwrap();
        let (prom_port, am_port, node_port) = (free_port(), free_port(), free_port());

        let node = Proc::spawn(
            "node-exporter",
            Command::new(node_exporter).args([
                format!("--web.listen-address=127.0.0.1:{node_port}"),
                "--collector.disable-defaults".into(),
                "--collector.cpu".into(),
                "--collector.meminfo".into(),
                "--collector.filesystem".into(),
                "--collector.loadavg".into(),
                "--collector.netdev".into(),
            ]),
            &d.join("node-exporter.log"),
        );

        let control_file = d.join("control.url");
        let sim = Proc::spawn(
            "vms-sim",
            Command::new(vms_sim_bin()).args([
                "--bind".into(),
                "127.0.0.1".into(),
                "--targets-file".into(),
                d.join("targets/sim.json").display().to_string(),
                "--control-file".into(),
                control_file.display().to_string(),
            ]),
            &d.join("vms-sim.log"),
        );

        let rules = repo().join("deploy/rules");
        let cfg = format!(
            r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}/*.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:{am_port}']
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:{prom_port}']
  - job_name: node-exporter
    static_configs:
      - targets: ['127.0.0.1:{node_port}']
  - job_name: vms
    file_sd_configs:
      - files: ['{targets}/*.json']
"#,
            rules = rules.display(),
            targets = d.join("targets").display(),
        );
        std::fs::write(d.join("prometheus.yml"), cfg).unwrap();

        let mut stack = Stack {
            dir,
            prom_port,
            am_port,
            node_port,
            control: String::new(),
            prom: None,
            am: None,
            node: Some(node),
            sim: Some(sim),
            extras: Vec::new(),
        };
        stack.start_alertmanager();
        stack.start_prometheus();
        stack.control = wait_for(
            "the simulator's control URL",
            Duration::from_secs(30),
            || {
                std::fs::read_to_string(&control_file)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| s.starts_with("http://"))
            },
        );
        stack
    }

    /// Starts Alertmanager (again: silences persist in its storage dir) and waits until it is ready.
    pub fn start_alertmanager(&mut self) {
        let alertmanager = require_bin("prometheus-alertmanager", "prometheus-alertmanager");
        let d = self.dir.path();
        let am_cfg = repo().join("deploy/alertmanager.yml");
        let log = d.join(format!(
            "alertmanager{}.log",
            if d.join("alertmanager.log").exists() {
                "-restart"
            } else {
                ""
            }
        ));
        self.am = Some(Proc::spawn(
            "alertmanager",
            Command::new(alertmanager).args([
                format!("--config.file={}", am_cfg.display()),
                format!("--storage.path={}", d.join("am-data").display()),
                format!("--web.listen-address=127.0.0.1:{}", self.am_port),
                "--cluster.listen-address=".into(),
            ]),
            &log,
        ));
        let am_url = self.am_url();
        wait_for("Alertmanager to be ready", Duration::from_secs(30), || {
            get(&format!("{am_url}/-/ready"))
        });
    }

    pub fn stop_alertmanager(&mut self) {
        if let Some(mut p) = self.am.take() {
            p.stop();
        }
    }

    pub fn start_prometheus(&mut self) {
        let prometheus = require_bin("prometheus", "prometheus");
        let d = self.dir.path();
        let log = d.join(format!(
            "prometheus{}.log",
            if d.join("prometheus.log").exists() {
                "-restart"
            } else {
                ""
            }
        ));
        self.prom = Some(Proc::spawn(
            "prometheus",
            Command::new(prometheus).args([
                format!("--config.file={}", d.join("prometheus.yml").display()),
                format!("--storage.tsdb.path={}", d.join("prom-data").display()),
                format!("--web.listen-address=127.0.0.1:{}", self.prom_port),
                "--rules.alert.resend-delay=1s".into(),
            ]),
            &log,
        ));
        let url = self.prom_url();
        wait_for("Prometheus to be ready", Duration::from_secs(60), || {
            get(&format!("{url}/-/ready"))
        });
    }

    pub fn stop_prometheus(&mut self) {
        if let Some(mut p) = self.prom.take() {
            p.stop();
        }
    }

    /// Stops the simulator (its metrics, control API and stand-in Loki).
    pub fn stop_sim(&mut self) {
        if let Some(mut p) = self.sim.take() {
            p.stop();
        }
    }

    /// The simulator's stand-in Loki (served on its control port).
    pub fn loki_url(&self) -> String {
        self.control.clone()
    }

    /// Waits until Prometheus reports at least `n` active targets up.
    pub fn wait_targets_up(&self, n: usize) {
        let url = format!("{}/api/v1/targets?state=active", self.prom_url());
        wait_for(&format!("{n} targets up"), Duration::from_secs(60), || {
            let body = get(&url)?;
            let up = body.matches("\"health\":\"up\"").count();
            (up >= n).then_some(())
        });
    }

    /// Switches a simulator scenario on (`POST /scenario/<spec>`).
    pub fn scenario(&self, spec: &str) {
        let (code, body) = http("POST", &format!("{}/scenario/{spec}", self.control), "")
            .expect("simulator control");
        assert_eq!(code, 200, "scenario {spec}: {body}");
    }

    pub fn end_scenario(&self, name: &str) {
        let (code, body) = http("DELETE", &format!("{}/scenario/{name}", self.control), "")
            .expect("simulator control");
        assert_eq!(code, 200, "end scenario {name}: {body}");
    }

    /// Posts an alert straight to Alertmanager (as any client on the network could).
    pub fn post_alert(&self, labels: serde_json::Value, annotations: serde_json::Value) {
        let body = serde_json::json!([{ "labels": labels, "annotations": annotations }]);
        let (code, v) = http_json(
            "POST",
            &format!("{}/api/v2/alerts", self.am_url()),
            Some(&body),
        )
        .expect("post an alert to Alertmanager");
        assert_eq!(code, 200, "Alertmanager refused the alert: {v}");
    }

    /// Runs the `watchdesk` CLI against this stack: (exit ok, stdout, stderr).
    pub fn watchdesk(&self, args: &[&str]) -> (bool, String, String) {
        self.watchdesk_with(&[self.am_url()], args)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // Stop in reverse order; Proc::drop does the killing.
        self.prom.take();
        self.am.take();
        self.sim.take();
        self.node.take();
        if std::thread::panicking() {
            let d = self.dir.path();
            eprintln!("--- stack logs in {} (kept) ---", d.display());
            for name in ["prometheus", "alertmanager", "vms-sim", "node-exporter"] {
                let log = self.log(name);
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                eprintln!("--- {name} (last lines) ---");
                for l in tail.iter().rev() {
                    eprintln!("{l}");
                }
            }
        }
    }
}

/// Every Notify call and ActionInvoked signal on the session bus, as `dbus-monitor` prints them:
/// what the operator was shown, read from the bus rather than from the app.
pub struct NotifyLog {
    child: Child,
    pub path: PathBuf,
}

impl NotifyLog {
    pub fn start(path: &Path) -> NotifyLog {
        let mon = require_bin("dbus-monitor", "dbus");
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "no D-Bus session: run the desktop tests through scripts/with-desktop.sh (scripts/test.sh does)"
        );
        // Notifications left on screen by an earlier test (critical ones never time out) would sit
        // above this test's in dunst's stack, where `dunstctl action 0` clicks.
        let _ = Command::new("dunstctl")
            .args(["close-all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let out = std::fs::File::create(path).expect("notify log");
        let child = Command::new(mon)
            .args(["--session", "interface='org.freedesktop.Notifications'"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-monitor");
        std::thread::sleep(Duration::from_millis(500));
        NotifyLog {
            child,
            path: path.to_path_buf(),
        }
    }

    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap_or_default()
    }

    /// How many Notify calls carried `needle` (summary or body).
    pub fn count_notify(&self, needle: &str) -> usize {
        self.text()
            .split("member=Notify")
            .skip(1)
            .filter(|call| {
                // A call's arguments run up to the next message on the bus.
                let call = call.split("\nmethod ").next().unwrap_or(call);
                let call = call.split("\nsignal ").next().unwrap_or(call);
                call.contains(needle)
            })
            .count()
    }
}

impl Drop for NotifyLog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A second Alertmanager peered with the stack's one (see [`Stack::start_alertmanager_peer`]).
/// Stopped when dropped.
pub struct AmPeer {
    pub port: u16,
    pub cluster_port: u16,
    proc_: Option<Proc>,
}

impl AmPeer {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    /// Kills this member (as a crashed server: SIGTERM, then SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc_.take() {
            p.stop();
        }
    }
}

impl Stack {
    /// Makes the stack's Alertmanager a two-member HA cluster on loopback: the first member is
    /// restarted with a cluster listen address (its silences persist in its storage dir), and a
    /// second member with its own storage and the same deploy config peers with it. Returns the
    /// second member. Prometheus keeps sending to the first member only.
    pub fn start_alertmanager_peer(&mut self) -> AmPeer {
        let alertmanager = require_bin("prometheus-alertmanager", "prometheus-alertmanager");
        let am_cfg = repo().join("deploy/alertmanager.yml");
        let d = self.dir.path().to_path_buf();
        let (c1, c2, port2) = (free_port(), free_port(), free_port());
        self.stop_alertmanager();
        let member = |port: u16, cluster: u16, peer: u16, data: &str, log: &str| {
            Proc::spawn(
                "alertmanager",
                Command::new(&alertmanager).args([
                    format!("--config.file={}", am_cfg.display()),
                    format!("--storage.path={}", d.join(data).display()),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    format!("--cluster.listen-address=127.0.0.1:{cluster}"),
                    format!("--cluster.advertise-address=127.0.0.1:{cluster}"),
                    format!("--cluster.peer=127.0.0.1:{peer}"),
                    "--cluster.gossip-interval=100ms".into(),
                    "--cluster.pushpull-interval=2s".into(),
                    "--cluster.settle-timeout=2s".into(),
                ]),
                &d.join(log),
            )
        };
        self.am = Some(member(
            self.am_port,
            c1,
            c2,
            "am-data",
            "alertmanager-ha1.log",
        ));
        let peer = AmPeer {
            port: port2,
            cluster_port: c2,
            proc_: Some(member(port2, c2, c1, "am2-data", "alertmanager-ha2.log")),
        };
        for url in [self.am_url(), peer.url()] {
            wait_for(
                &format!("Alertmanager {url} to be ready"),
                Duration::from_secs(30),
                || get(&format!("{url}/-/ready")),
            );
        }
        // Both members see each other as cluster peers.
        for url in [self.am_url(), peer.url()] {
            wait_for(
                &format!("Alertmanager {url} to see its peer"),
                Duration::from_secs(60),
                || {
                    let body = get(&format!("{url}/api/v2/status"))?;
                    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
                    let n = v["cluster"]["peers"]
                        .as_array()
                        .map(|p| p.len())
                        .unwrap_or(0);
                    (n >= 2).then_some(())
                },
            );
        }
        peer
    }

    /// Posts alerts (a JSON array of `{labels, annotations, startsAt?, endsAt?}`) to one
    /// Alertmanager, e.g. a peer's URL.
    pub fn post_alerts_to(&self, am_url: &str, alerts: &serde_json::Value) {
        let (code, v) = http_json("POST", &format!("{am_url}/api/v2/alerts"), Some(alerts))
            .expect("post alerts to Alertmanager");
        assert_eq!(code, 200, "Alertmanager {am_url} refused the alerts: {v}");
    }

    /// Runs the `watchdesk` CLI against this stack's Prometheus and the given Alertmanagers (one
    /// site, an HA cluster): (exit ok, stdout, stderr).
    pub fn watchdesk_with(
        &self,
        alertmanagers: &[String],
        args: &[&str],
    ) -> (bool, String, String) {
        let mut cmd = Command::new(watchdesk_bin());
        cmd.args(["--prometheus", &self.prom_url()]);
        for am in alertmanagers {
            cmd.args(["--alertmanager", am]);
        }
        let out = cmd
            .args(["--cache", &self.cache_path().display().to_string()])
            .args(args)
            .env("RUST_LOG", "watchdesk=warn")
            .output()
            .expect("run watchdesk");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    /// The desktop app's arguments for this stack: its Prometheus, its Alertmanager, its cache.
    pub fn app_args(&self) -> Vec<String> {
        vec![
            "--prometheus".into(),
            self.prom_url(),
            "--alertmanager".into(),
            self.am_url(),
            "--cache".into(),
            self.cache_path().display().to_string(),
            // The simulator's stand-in Loki (no real Loki can be installed here).
            "--loki".into(),
            self.loki_url(),
        ]
    }
}
