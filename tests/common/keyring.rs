//! A Secret Service of its own for a test: a private D-Bus session bus and `gnome-keyring-daemon`
//! on it, its login keyring unlocked, in a temp dir; both stopped when the test ends. The keyring
//! crate's own CI runs headless the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{require_bin, wait_for};

pub struct KeyringSession {
    pub dir: tempfile::TempDir,
    /// `DBUS_SESSION_BUS_ADDRESS` of the private bus.
    pub bus: String,
    children: Vec<Child>,
}

impl KeyringSession {
    pub fn start() -> KeyringSession {
        let dbus = require_bin("dbus-daemon", "dbus");
        let gk = require_bin("gnome-keyring-daemon", "gnome-keyring");
        require_bin("dbus-send", "dbus");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let run = d.join("run");
        std::fs::create_dir_all(&run).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let socket = d.join("bus");
        let bus = format!("unix:path={}", socket.display());
        let mut children = Vec::new();
        children.push(
            Command::new(dbus)
                .args(["--session", "--nofork", &format!("--address={bus}")])
                .stdin(Stdio::null())
                .stdout(log(d, "dbus"))
                .stderr(log(d, "dbus"))
                .spawn()
                .expect("start dbus-daemon"),
        );
        wait_for("the private D-Bus socket", Duration::from_secs(10), || {
            socket.exists().then_some(())
        });
        let mut keyring = Command::new(gk);
        keyring
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(log(d, "gnome-keyring"))
            .stderr(log(d, "gnome-keyring"));
        for (k, v) in session_env(d, &bus) {
            keyring.env(k, v);
        }
        let mut child = keyring.spawn().expect("start gnome-keyring-daemon");
        // The login keyring's password (it is created on first start); an empty one is refused.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"watchdesk-test-login");
        }
        children.push(child);
        let s = KeyringSession { dir, bus, children };
        wait_for(
            "the Secret Service on the bus",
            Duration::from_secs(20),
            || {
                let out = Command::new("dbus-send")
                    .args([
                        &format!("--bus={}", s.bus),
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus",
                        "org.freedesktop.DBus.NameHasOwner",
                        "string:org.freedesktop.secrets",
                    ])
                    .output()
                    .ok()?;
                let unlocked = s.dir.path().join("data/keyrings/login.keyring").exists();
                (String::from_utf8_lossy(&out.stdout).contains("boolean true") && unlocked)
                    .then_some(())
            },
        );
        s
    }

    /// The environment a process needs to use this keyring.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        session_env(self.dir.path(), &self.bus)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("gnome-keyring.log")).unwrap_or_default()
    }
}

fn session_env(d: &Path, bus: &str) -> Vec<(&'static str, String)> {
    let p = |x: &str| -> String { d.join(x).display().to_string() };
    vec![
        ("DBUS_SESSION_BUS_ADDRESS", bus.to_string()),
        ("XDG_DATA_HOME", p("data")),
        ("XDG_RUNTIME_DIR", p("run")),
        ("XDG_CONFIG_HOME", p("config")),
        ("HOME", d.display().to_string()),
    ]
}

fn log(d: &Path, name: &str) -> std::fs::File {
    let path: PathBuf = d.join(format!("{name}.log"));
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("log file")
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
