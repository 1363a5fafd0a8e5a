//! #11 secrets: passwords in the OS keyring, against a real Secret Service (`gnome-keyring-daemon`
//! on a private D-Bus session bus) and a real Prometheus and Alertmanager that require HTTP Basic
//! auth (`--web.config.file`). A known secret is stored with `watchdesk login`, used by `check` and
//! `poll`, and then looked for everywhere it must never be: every output (at trace level, of every
//! crate), the cache file with its WAL, and the error messages.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::keyring::KeyringSession;
use common::{free_port, require_bin, wait_for, watchdesk_bin};

const SECRET: &str = "Kx9-watchdesk-secret-7731";
/// bcrypt of SECRET (cost 4: a test), as Prometheus' and Alertmanager's web config want it.
const SECRET_BCRYPT: &str = "$2b$04$4NxsP.Hc.2lA6zKt5IN6P.fWFkn9gONZNpOPGxjoU3GIwQv9IU8py";

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn answers(url: &str) -> bool {
    // Any HTTP answer (401 included) means the server is up.
    common::http("GET", url, "").is_ok()
}

/// Prometheus and Alertmanager behind Basic auth (user `op`, password SECRET).
fn servers(d: &Path) -> (Vec<Server>, String, String) {
    let prometheus = require_bin("prometheus", "prometheus");
    let alertmanager = require_bin("prometheus-alertmanager", "prometheus-alertmanager");
    let web = d.join("web.yml");
    std::fs::write(
        &web,
        format!("basic_auth_users:\n  op: '{SECRET_BCRYPT}'\n"),
    )
    .unwrap();
    let (pp, ap) = (free_port(), free_port());
    std::fs::write(
        d.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    \
             basic_auth: {{ username: op, password: '{SECRET}' }}\n    static_configs:\n      \
             - targets: ['127.0.0.1:{pp}']\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("am.yml"),
        "route: { receiver: x }\nreceivers: [{ name: x }]\n",
    )
    .unwrap();
    let out = |n: &str| std::fs::File::create(d.join(format!("{n}.log"))).unwrap();
    let p = Command::new(prometheus)
        .args([
            format!("--config.file={}", d.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", d.join("prom-data").display()),
            format!("--web.listen-address=127.0.0.1:{pp}"),
            format!("--web.config.file={}", web.display()),
        ])
        .stdout(out("prometheus"))
        .stderr(out("prometheus-err"))
        .spawn()
        .expect("start prometheus");
    let a = Command::new(alertmanager)
        .args([
            format!("--config.file={}", d.join("am.yml").display()),
            format!("--storage.path={}", d.join("am-data").display()),
            format!("--web.listen-address=127.0.0.1:{ap}"),
            format!("--web.config.file={}", web.display()),
            "--cluster.listen-address=".into(),
        ])
        .stdout(out("alertmanager"))
        .stderr(out("alertmanager-err"))
        .spawn()
        .expect("start alertmanager");
    let (pu, au) = (
        format!("http://127.0.0.1:{pp}"),
        format!("http://127.0.0.1:{ap}"),
    );
    wait_for(
        "Prometheus and Alertmanager",
        Duration::from_secs(60),
        || (answers(&format!("{pu}/-/ready")) && answers(&format!("{au}/-/ready"))).then_some(()),
    );
    (vec![Server(p), Server(a)], pu, au)
}

struct Run {
    ok: bool,
    out: String,
}

fn watchdesk(env: &[(&'static str, String)], args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(watchdesk_bin());
    cmd.args(args)
        // Every crate at trace level: reqwest, hyper, zbus and the keyring crates included.
        .env("RUST_LOG", "trace")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run watchdesk");
    if let (Some(text), Some(mut s)) = (stdin, child.stdin.take()) {
        s.write_all(text.as_bytes()).unwrap();
    }
    let o = child.wait_with_output().expect("watchdesk output");
    Run {
        ok: o.status.success(),
        out: format!(
            "{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_secret_in_the_os_keyring_reaches_the_servers_and_nowhere_else() {
    let ks = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_servers, pu, au) = servers(d);
    let cfg = d.join("config.toml");
    let cache = d.join("cache.db");
    std::fs::write(
        &cfg,
        format!(
            "cache = {:?}\n[[source]]\nname = \"rta\"\nprometheus = {{ url = \"{pu}\", username = \"op\", keyring = true }}\n\
             alertmanagers = [{{ url = \"{au}\", username = \"op\", keyring = true }}]\n",
            cache.display().to_string()
        ),
    )
    .unwrap();
    let c = cfg.display().to_string();
    let env = ks.env();
    let mut outputs = Vec::new();

    // Nothing stored yet: check fails and says the command that fixes it.
    let r = watchdesk(&env, &["--config", &c, "check"], None);
    assert!(!r.ok, "{}", r.out);
    assert!(
        r.out.contains("Store it with: watchdesk login rta"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains(&format!("watchdesk login rta --alertmanager {au}")),
        "{}",
        r.out
    );
    outputs.push(r.out);

    // A wrong password: stored, but the login says Prometheus refused it and fails.
    let r = watchdesk(
        &env,
        &["--config", &c, "login", "rta"],
        Some("wrong-password\n"),
    );
    assert!(!r.ok, "a refused secret fails the login: {}", r.out);
    assert!(
        r.out.contains("refused the credentials (HTTP 401)"),
        "{}",
        r.out
    );
    assert!(r.out.contains("stored anyway"), "{}", r.out);
    outputs.push(r.out);

    // The right one, for Prometheus and for the Alertmanager.
    let r = watchdesk(
        &env,
        &["--config", &c, "login", "rta"],
        Some(&format!("{SECRET}\n")),
    );
    assert!(r.ok, "{}", r.out);
    assert!(
        r.out.contains("Prometheus answered with these credentials"),
        "{}",
        r.out
    );
    assert!(
        !r.out.contains("does not refer to it"),
        "the config already does: {}",
        r.out
    );
    outputs.push(r.out);
    let r = watchdesk(
        &env,
        &["--config", &c, "--alertmanager", &au, "login", "rta"],
        Some(SECRET),
    );
    assert!(r.ok, "{}", r.out);
    assert!(r.out.contains("Alertmanager answered"), "{}", r.out);
    outputs.push(r.out);

    // Check and poll use them.
    let r = watchdesk(&env, &["--config", &c, "check"], None);
    assert!(r.ok, "check with the keyring's secrets: {}", r.out);
    outputs.push(r.out);
    let r = watchdesk(&env, &["--config", &c, "poll", "--once"], None);
    assert!(r.ok, "poll with the keyring's secrets: {}", r.out);
    assert!(r.out.contains("alerts: 0 current"), "{}", r.out);
    outputs.push(r.out);
    let r = watchdesk(&env, &["--config", &c, "alerts", "--json"], None);
    outputs.push(r.out);

    // A login for a server the config does not name prints the line to add.
    let r = watchdesk(
        &env,
        &[
            "--config",
            &c,
            "--prometheus",
            &pu,
            "login",
            "north",
            "--username",
            "op",
        ],
        Some(SECRET),
    );
    assert!(r.ok, "{}", r.out);
    assert!(
        r.out.contains(&format!(
            "name = \"north\"\nprometheus = {{ url = \"{pu}\", username = \"op\", keyring = true }}"
        )),
        "{}",
        r.out
    );
    outputs.push(r.out);

    // No keyring at all (no session bus): the error says so and what to do instead.
    let mut no_bus = env.clone();
    no_bus[0].1 = format!("unix:path={}", d.join("no-such-bus").display());
    let r = watchdesk(&no_bus, &["--config", &c, "check"], None);
    assert!(!r.ok);
    assert!(r.out.contains("no OS keyring is available"), "{}", r.out);
    assert!(r.out.contains("password_file"), "{}", r.out);
    outputs.push(r.out);
    let r = watchdesk(&no_bus, &["--config", &c, "login", "rta"], Some(SECRET));
    assert!(!r.ok);
    assert!(r.out.contains("no OS keyring is available"), "{}", r.out);
    outputs.push(r.out);

    // Forget: the entry goes, and check says what to do again.
    let r = watchdesk(&env, &["--config", &c, "login", "rta", "--forget"], None);
    assert!(r.ok && r.out.contains("removed the secret"), "{}", r.out);
    let r = watchdesk(&env, &["--config", &c, "check"], None);
    assert!(!r.ok && r.out.contains("watchdesk login rta"), "{}", r.out);
    outputs.push(r.out);

    // The secret went to the servers (they answered) and nowhere else.
    assert!(
        outputs.iter().any(|o| o.contains("TRACE")),
        "the outputs searched include trace-level logs"
    );
    for (i, o) in outputs.iter().enumerate() {
        assert!(!o.contains(SECRET), "output {i} holds the secret:\n{o}");
    }
    let mut files = 0;
    for entry in std::fs::read_dir(d).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("cache.db") {
            files += 1;
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !contains(&bytes, SECRET),
                "{} holds the secret",
                p.display()
            );
        }
    }
    assert!(files >= 1, "the cache was written");
    let cfg_text = std::fs::read_to_string(&cfg).unwrap();
    assert!(!cfg_text.contains(SECRET));
    assert!(!ks.log().contains(SECRET));
}
