//! `watchdesk check`: the config, the cache, every source and every dashboard, each with a verdict an
//! operator can act on. Never prints a secret: URLs are shown as the clients show them (redacted).

use super::{Desk, DeskError};
use crate::cache::Cache;
use crate::config::{Config, Overrides};
use crate::source::{display_url, Site};

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// `config`, `cache`, `source`, `prometheus`, `alertmanager`, `dashboard`, `warning`.
    pub what: &'static str,
    pub text: String,
    pub ok: bool,
    /// Notes under the line (what a dashboard uses that is not drawn).
    pub notes: Vec<String>,
}

/// The whole report; `problems` counts the lines that are not ok.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    pub lines: Vec<CheckLine>,
    pub problems: usize,
}

impl CheckReport {
    fn push(&mut self, what: &'static str, ok: bool, text: String, notes: Vec<String>) {
        if !ok {
            self.problems += 1;
        }
        self.lines.push(CheckLine {
            what,
            text,
            ok,
            notes,
        });
    }
}

impl Desk {
    /// Checks a setup without opening it for polling: the config, the cache file (read-only: a
    /// damaged one is reported, not moved), each source (one query each) and each dashboard.
    pub async fn check(ov: &Overrides) -> Result<CheckReport, DeskError> {
        let cfg = Config::load(ov)?;
        let mut r = CheckReport::default();
        match &cfg.file {
            Some(f) => r.push("config", true, format!("{}: ok", f.display()), vec![]),
            None => r.push(
                "config",
                true,
                "(none: built-in defaults and flags): ok".into(),
                vec![],
            ),
        }
        check_cache(&cfg, &mut r);
        for s in &cfg.sites {
            let site = match Site::connect(
                &s.name,
                &s.prometheus,
                &s.alertmanagers,
                s.loki.as_ref().map(|l| (&l.endpoint, l.tenant.as_deref())),
            ) {
                Ok(site) => site,
                Err(e) => {
                    r.push("source", false, format!("{}: FAILED: {e}", s.name), vec![]);
                    continue;
                }
            };
            for ep in std::iter::once(&s.prometheus).chain(&s.alertmanagers) {
                if ep.tls.insecure_skip_verify {
                    r.push(
                        "warning",
                        true,
                        format!(
                            "{}: TLS certificate checks are off (insecure_skip_verify): anyone on the \
                             network path can read and forge its data",
                            display_url(&ep.url)
                        ),
                        vec![],
                    );
                }
            }
            let url = display_url(&s.prometheus.url);
            let t0 = std::time::Instant::now();
            match site.prometheus.query("vector(1)", None).await {
                Ok(_) => r.push(
                    "prometheus",
                    true,
                    format!("{} {url}: ok ({} ms)", s.name, t0.elapsed().as_millis()),
                    vec![],
                ),
                Err(e) => r.push(
                    "prometheus",
                    false,
                    format!("{} {url}: FAILED: {e}", s.name),
                    vec![],
                ),
            }
            for am in &site.alertmanagers {
                match am.status().await {
                    Ok(st) => r.push(
                        "alertmanager",
                        true,
                        format!(
                            "{} {}: ok (version {}, cluster {})",
                            s.name,
                            am.url(),
                            st.version,
                            st.cluster_status
                        ),
                        vec![],
                    ),
                    Err(e) => r.push(
                        "alertmanager",
                        false,
                        format!("{} {}: FAILED: {e}", s.name, am.url()),
                        vec![],
                    ),
                }
            }
        }
        for d in &cfg.dashboards {
            let parsed = d
                .load_text()
                .map_err(|e| e.to_string())
                .and_then(|t| crate::dashboard::parse(&t).map_err(|e| e.to_string()));
            match parsed {
                Ok((dash, issues)) => r.push(
                    "dashboard",
                    true,
                    format!(
                        "{} ({:?}, {} panels): ok",
                        d.display(),
                        dash.title,
                        dash.panels.len()
                    ),
                    issues.iter().map(|i| i.to_string()).collect(),
                ),
                Err(e) => r.push(
                    "dashboard",
                    false,
                    format!("{}: FAILED: {e}", d.display()),
                    vec![],
                ),
            }
        }
        Ok(r)
    }
}

fn check_cache(cfg: &Config, r: &mut CheckReport) {
    let path = cfg.cache.display();
    if !cfg.cache.exists() {
        r.push("cache", true, format!("{path} (not created yet)"), vec![]);
        return;
    }
    match Cache::open_read_only(&cfg.cache).and_then(|c| c.stats()) {
        Ok(st) => r.push(
            "cache",
            true,
            format!(
                "{path}: {} queries, {} series, {} samples in {} chunks ({} bytes of chunks, {:.2} B/sample; file {} bytes)",
                st.queries,
                st.series,
                st.samples,
                st.chunks,
                st.chunk_bytes,
                if st.samples > 0 { st.chunk_bytes as f64 / st.samples as f64 } else { 0.0 },
                st.file_bytes
            ),
            vec![],
        ),
        // An older schema: upgraded at the next start.
        Err(e @ crate::cache::CacheError::Outdated { .. }) => {
            r.push("cache", true, format!("{path}: {e}"), vec![])
        }
        // Damaged, foreign or from a newer build: the next `poll` or app start moves it aside.
        Err(e) => r.push("cache", false, format!("{path}: FAILED: {e}"), vec![]),
    }
}
