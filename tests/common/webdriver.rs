//! A minimal W3C WebDriver client for the desktop tests: tauri-driver in front of WebKitWebDriver
//! drives the real app's webview. Only what the tests need: a session, script execution, screenshots.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{free_port, http_json, require_bin};

pub struct Driver {
    base: String,
    session: String,
    driver: Child,
}

impl Driver {
    /// Starts tauri-driver and a session that launches `app` with `args`.
    pub fn start(app: &Path, args: &[String], log: &Path) -> Driver {
        Driver::try_start(app, args, log).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Driver::start`], saying why when no session could be made (for figures, which retry
    /// instead of failing).
    pub fn try_start(app: &Path, args: &[String], log: &Path) -> Result<Driver, String> {
        Driver::try_start_with_env(app, args, log, &[])
    }

    /// [`Driver::start`] with environment variables set for the drivers and so for the app.
    pub fn start_with_env(app: &Path, args: &[String], log: &Path, env: &[(&str, &str)]) -> Driver {
        Driver::try_start_with_env(app, args, log, env).unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_start_with_env(
        app: &Path,
        args: &[String],
        log: &Path,
        env: &[(&str, &str)],
    ) -> Result<Driver, String> {
        let tauri_driver = require_bin(
            "tauri-driver",
            "tauri-driver (cargo install tauri-driver --version ^2 --locked)",
        );
        let native = require_bin("WebKitWebDriver", "webkit2gtk-driver");
        let port = free_port();
        let native_port = free_port();
        let out = std::fs::File::create(log).expect("driver log");
        let driver = Command::new(tauri_driver)
            .args([
                "--port".to_string(),
                port.to_string(),
                "--native-port".to_string(),
                native_port.to_string(),
                "--native-driver".to_string(),
                native.display().to_string(),
            ])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("start tauri-driver");
        let base = format!("http://127.0.0.1:{port}");
        let t0 = Instant::now();
        while http_json("GET", &format!("{base}/status"), None).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "tauri-driver did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": app.display().to_string(), "args": args}
        }}});
        let mut driver = driver;
        let made = http_json("POST", &format!("{base}/session"), Some(&caps))
            .map_err(|e| format!("new WebDriver session: {e}"))
            .and_then(|(code, v)| {
                v["value"]["sessionId"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("no session (HTTP {code}): {v}"))
            });
        match made {
            Ok(session) => Ok(Driver {
                base,
                session,
                driver,
            }),
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                Err(e)
            }
        }
    }

    /// Runs `script` (a function body; `return` a value) in the webview.
    /// The pid of tauri-driver: the app it launched is among its descendants.
    pub fn pid(&self) -> u32 {
        self.driver.id()
    }

    pub fn exec(&self, script: &str) -> Value {
        let url = format!("{}/session/{}/execute/sync", self.base, self.session);
        match http_json("POST", &url, Some(&json!({"script": script, "args": []}))) {
            Ok((200, v)) => v["value"].clone(),
            Ok((code, v)) => panic!("script failed (HTTP {code}): {v}\n{script}"),
            Err(e) => panic!("WebDriver: {e}"),
        }
    }

    /// Waits until `script` returns something truthy; returns it.
    #[track_caller]
    pub fn wait_js(&self, what: &str, limit: Duration, script: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.exec(script);
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().unwrap_or(0.0) != 0.0,
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
            if t0.elapsed() > limit {
                panic!("timed out after {limit:?} waiting for {what}; last value {v}");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Saves a PNG of the webview.
    pub fn screenshot(&self, path: &Path) {
        let url = format!("{}/session/{}/screenshot", self.base, self.session);
        if let Ok((200, v)) = http_json("GET", &url, None) {
            if let Some(b64) = v["value"].as_str() {
                if let Some(bytes) = base64_decode(b64) {
                    if let Some(dir) = path.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    let _ = std::fs::write(path, bytes);
                }
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http_json(
            "DELETE",
            &format!("{}/session/{}", self.base, self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        } as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}
