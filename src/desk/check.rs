//! `watchdesk check`: the config, the cache, every source and every dashboard, each with a verdict an
//! operator can act on. Never prints a secret: URLs are shown as the clients show them (redacted).

use super::{Desk, DeskError};
use crate::cache::Cache;
use crate::config::{Config, Overrides};
use crate::source::{display_url, Site};

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// `config`, `cache`, `source`, `prometheus`, `alertmanager`, `dashboard`, `wall`, `warning`.
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
        check_wall(&cfg, &mut r);
        Ok(r)
    }
}

/// The `[wall]` section against the dashboards it names (and the variables its entries set), as
/// `watchdesk-app --wall` would refuse it. Skipped when a dashboard does not load: its own line
/// says why.
fn check_wall(cfg: &Config, r: &mut CheckReport) {
    let Some(w) = &cfg.wall else {
        return;
    };
    let Ok(dashboards) = super::load_dashboards(cfg) else {
        return;
    };
    let Ok(cache) = Cache::open_in_memory() else {
        return;
    };
    let desk = Desk::from_parts(
        cfg.clone(),
        std::sync::Arc::new(cache),
        Vec::new(),
        dashboards,
        Vec::new(),
    );
    let entries: usize = w.screens.iter().map(|s| s.playlist.len()).sum();
    match desk.wall() {
        Ok(_) if w.screens.is_empty() => r.push(
            "wall",
            true,
            "no screens: every dashboard on every monitor: ok".into(),
            vec![],
        ),
        Ok(_) => r.push(
            "wall",
            true,
            format!(
                "{} screen(s), {entries} playlist entries{}: ok",
                w.screens.len(),
                if w.start { ", opens at start" } else { "" }
            ),
            vec![],
        ),
        Err(e) => r.push("wall", false, format!("FAILED: {e}"), vec![]),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wall_line(toml: &str) -> Option<CheckLine> {
        let cfg = Config::from_toml(toml, None, &Overrides::default()).expect("valid config");
        let mut r = CheckReport::default();
        check_wall(&cfg, &mut r);
        r.lines.into_iter().find(|l| l.what == "wall")
    }

    /// The defect: `watchdesk check` said nothing of the `[wall]` section, so a playlist naming a
    /// dashboard that is not loaded (or a variable it lacks) was found only when the wall refused
    /// to start on the wall PC.
    #[test]
    fn check_said_nothing_of_a_wall_that_cannot_start() {
        let good = wall_line(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"rta-overview\", vars = { job = \"go-api\" } }]",
        )
        .expect("a wall line");
        assert!(
            good.ok && good.text.contains("1 screen(s), 1 playlist entries"),
            "{good:?}"
        );
        let bad = wall_line(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"nvr-health\" }]",
        )
        .expect("a wall line");
        assert!(!bad.ok && bad.text.contains("\"nvr-health\""), "{bad:?}");
        let var = wall_line(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"rta-overview\", vars = { camera = \"7\" } }]",
        )
        .expect("a wall line");
        assert!(!var.ok && var.text.contains("`camera`"), "{var:?}");
        assert!(wall_line("").is_none(), "no [wall], no line");
    }
}
