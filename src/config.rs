//! Configuration: a TOML file at the platform's config directory, overridden by command-line flags.
//!
//! ```toml
//! cache = "/var/lib/watchdesk/cache.db"      # default: platform data dir
//! dashboards = ["/etc/watchdesk/site.json"]   # default: the built-in RTA overview
//! step = "15s"        # resolution of the local history
//! backfill = "2d"     # how far back missing history is fetched (first start, after being closed)
//! retention_raw = "14d"     # raw samples; then downsampled tiers:
//! retention_1m = "14d"      #   1-minute buckets (first, last, min, max, sum, count), for steps <= 7.5s
//! retention_10m = "90d"     #   10-minute buckets
//! max_cache_size = "2GB"    # over it, the oldest history goes first
//! notify_severities = ["critical"]   # desktop notifications (add "warning", "unknown")
//! notify_repeat = "5m"   # a critical alert nobody acknowledged is notified again ("off": never)
//! quiet = [['job="minio"'], ['alertname=~"Slow.*"', 'severity="warning"']]   # no notifications
//! notify_sound = ["critical"]   # severities whose notification asks for a sound ([] = silent)
//! watchdog_grace = "3m"         # Watchdog missing this long: "monitoring pipeline broken"
//! unreachable_after = "2m"      # a source unreachable this long is notified
//! keep_resolved_unacknowledged = true   # resolved alerts stay listed until acknowledged
//!
//! [[source]]
//! name = "rta"
//! prometheus = "http://localhost:9090"
//! alertmanagers = ["http://localhost:9093"]
//! loki = "http://localhost:3100"      # optional: logs (`watchdesk logs`); same auth fields
//! # loki_tenant = "vms"               # X-Scope-OrgID of a multi-tenant Loki
//! # loki_labels = { job = "job", instance = "host" }   # alert label -> stream label for an alert's
//! #                                   # logs (default: job, instance and service, same names)
//! # or, with auth and TLS:
//! # prometheus = { url = "https://mon.example/prometheus", username = "op", password_file = "/etc/wd/pw",
//! #                ca_file = "/etc/wd/ca.pem" }
//! # or with the password (or, without username, the bearer token) in the OS keyring, stored there
//! # by `watchdesk login rta`:
//! # prometheus = { url = "https://mon.example/prometheus", username = "op", keyring = true }
//!
//! [wall]                  # the video wall (`config/wall.rs`), shown by `watchdesk-app --wall`
//! start = false           # true: also whenever the app starts without --wall (at login: back after a reboot)
//! [[wall.screens]]
//! monitor = "HDMI-1"      # a monitor name, an index (0 = the first) or "all" (every other one)
//! alarms = true           # steps aside for a new critical alert until it is acknowledged or resolved
//! scale = true            # the wall scale (default on)
//! playlist = [
//!   { dashboard = "rta-overview", dwell = "2m", from = "now-6h", to = "now" },   # dwell 10s..1d
//!   { dashboard = "node-exporter", dwell = "1m", vars = { instance = "nvr-01:9100" } },
//! ]
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::source::{Auth, Endpoint, Tls};
use crate::time::parse_duration_ms;

mod wall;
pub use wall::{
    MonitorMatch, PlaylistEntry, ScreenConfig, WallConfig, DEFAULT_DWELL_MS, MAX_PLAYLIST_ENTRIES,
    MAX_WALL_SCREENS,
};

/// The built-in RTA CCTV overview dashboard (also loads in Grafana).
pub const BUILTIN_DASHBOARD: &str = include_str!("../deploy/dashboards/rta-overview.json");
pub const BUILTIN_DASHBOARD_NAME: &str = "builtin:rta-overview";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("config file {path} is not valid TOML: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("config: {0}")]
    Invalid(String),
}

/// Where a dashboard comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DashboardRef {
    Builtin,
    File(PathBuf),
}

impl DashboardRef {
    pub fn load_text(&self) -> Result<String, ConfigError> {
        match self {
            DashboardRef::Builtin => Ok(BUILTIN_DASHBOARD.to_string()),
            DashboardRef::File(p) => {
                crate::files::read_regular_file(p, MAX_DASHBOARD_BYTES, "dashboard").map_err(
                    |reason| ConfigError::Read {
                        path: p.clone(),
                        reason: format!("{reason}. Check the --dashboard path"),
                    },
                )
            }
        }
    }
    pub fn display(&self) -> String {
        match self {
            DashboardRef::Builtin => BUILTIN_DASHBOARD_NAME.into(),
            DashboardRef::File(p) => p.display().to_string(),
        }
    }
}

/// One site: a Prometheus and zero or more Alertmanagers (an HA cluster counts as one site).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub name: String,
    pub prometheus: Endpoint,
    pub alertmanagers: Vec<Endpoint>,
    /// The site's Loki, if it has one.
    pub loki: Option<LokiConfig>,
}

/// A site's Loki: its endpoint and the tenant sent as `X-Scope-OrgID`.
#[derive(Debug, Clone, PartialEq)]
pub struct LokiConfig {
    pub endpoint: Endpoint,
    pub tenant: Option<String>,
    /// (alert label, stream label): an alert's logs are the streams whose labels equal the alert's
    /// values of these (those the alert has). Default [`DEFAULT_LOKI_LABELS`].
    pub labels: Vec<(String, String)>,
}

/// The labels an alert and its service's log streams share by default.
pub const DEFAULT_LOKI_LABELS: [&str; 3] = ["job", "instance", "service"];

fn default_loki_labels() -> Vec<(String, String)> {
    DEFAULT_LOKI_LABELS
        .iter()
        .map(|l| (l.to_string(), l.to_string()))
        .collect()
}

/// `loki_labels`: label names as Prometheus and Loki accept them, at least one.
fn check_loki_labels(
    site: &str,
    m: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let Some(m) = m else {
        return Ok(default_loki_labels());
    };
    let ok = |n: &str| {
        let mut c = n.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
    };
    if m.is_empty() {
        return Err(ConfigError::Invalid(format!(
            "source {site:?} loki_labels is empty: name at least one alert label and the stream \
             label it matches, like loki_labels = {{ job = \"job\" }}"
        )));
    }
    for (a, l) in m {
        if !ok(a) || !ok(l) {
            return Err(ConfigError::Invalid(format!(
                "source {site:?} loki_labels {a:?} = {l:?}: label names are letters, digits and \
                 _ and do not start with a digit"
            )));
        }
    }
    Ok(m.iter().map(|(a, l)| (a.clone(), l.clone())).collect())
}

/// `--dashboard` values: an existing file, or the uid or title of the built-in or a configured
/// dashboard.
fn dashboard_args(
    values: &[String],
    configured: &[DashboardRef],
) -> Result<Vec<DashboardRef>, ConfigError> {
    let builtin_uid = crate::dashboard::parse(BUILTIN_DASHBOARD)
        .map(|(d, _)| d.uid)
        .unwrap_or_else(|_| "rta-overview".into());
    let mut out = Vec::new();
    for v in values {
        let p = Path::new(v);
        if p.is_file() {
            out.push(DashboardRef::File(p.to_path_buf()));
            continue;
        }
        if *v == builtin_uid || v == BUILTIN_DASHBOARD_NAME {
            out.push(DashboardRef::Builtin);
            continue;
        }
        let found = configured.iter().find(|r| {
            r.load_text()
                .ok()
                .and_then(|t| crate::dashboard::parse(&t).ok())
                .is_some_and(|(d, _)| d.uid == *v || d.title == *v)
        });
        match found {
            Some(r) => out.push(r.clone()),
            None => {
                return Err(ConfigError::Invalid(format!(
                    "--dashboard {v:?} is neither a file nor the uid of a configured dashboard (built in: {builtin_uid})"
                )))
            }
        }
    }
    Ok(out)
}

impl SiteConfig {
    /// The health components of this site, named as the poller records them: `prometheus`,
    /// `alertmanager <url>` with the URL as the clients show it ([`crate::source::display_url`]),
    /// and `loki` when it has one.
    pub fn health_components(&self) -> Vec<String> {
        std::iter::once(crate::cache::health::PROMETHEUS.to_string())
            .chain(self.alertmanagers.iter().map(|a| {
                crate::cache::health::alertmanager_component(&crate::source::display_url(&a.url))
            }))
            .chain(
                self.loki
                    .as_ref()
                    .map(|_| crate::cache::health::LOKI.to_string()),
            )
            .collect()
    }
}

/// (source, component) of every configured health component, for [`crate::cache::Cache::health_of`].
pub fn health_keys(sites: &[SiteConfig]) -> Vec<(String, String)> {
    sites
        .iter()
        .flat_map(|s| {
            s.health_components()
                .into_iter()
                .map(|c| (s.name.clone(), c))
        })
        .collect()
}

/// The whole, validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
    pub cache: PathBuf,
    pub dashboards: Vec<DashboardRef>,
    pub sites: Vec<SiteConfig>,
    /// Resolution of the cached history ($__interval of cached queries).
    pub step_ms: i64,
    /// The scrape interval assumed for $__rate_interval.
    pub scrape_interval_ms: i64,
    /// How far back missing history is fetched.
    pub backfill_ms: i64,
    /// Retention of raw samples, tiers and alert events, and the cache size cap.
    pub retention: crate::cache::Retention,
    /// Metric refresh when a dashboard has none.
    pub refresh_ms: i64,
    pub alert_interval_ms: i64,
    pub targets_interval_ms: i64,
    /// Requests in flight per source.
    pub max_concurrency: usize,
    /// Alert severities that raise a desktop notification (`"unknown"` = missing severity).
    pub notify_severities: Vec<String>,
    /// A critical alert not acknowledged is notified again after this long (0: never).
    pub notify_repeat_ms: i64,
    /// Quiet rules: alerts matching all matchers of a rule raise no desktop notification.
    pub quiet: Vec<Vec<crate::source::Matcher>>,
    /// Severities whose desktop notification asks for a sound (default: critical).
    pub notify_sound: Vec<String>,
    /// The always-firing Watchdog alert missing this long is "monitoring pipeline broken".
    pub watchdog_grace_ms: i64,
    /// A source unreachable this long is notified (and its recovery).
    pub unreachable_after_ms: i64,
    /// Alerts that resolve while nobody acknowledged them stay listed as "resolved, not
    /// acknowledged" until an operator acknowledges them.
    pub keep_resolved_unacknowledged: bool,
    /// The `[wall]` section, if any (the wall then rotates every dashboard on every monitor).
    pub wall: Option<WallConfig>,
}

/// Command-line overrides (the same flags for the CLI and the desktop app).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub prometheus: Option<String>,
    pub alertmanagers: Vec<String>,
    pub cache: Option<PathBuf>,
    /// `--dashboard` values: a Grafana dashboard JSON file, or the uid (or title) of the built-in
    /// or a configured dashboard.
    pub dashboards: Vec<String>,
    /// `--loki URL`: the Loki of the one site ([`Config::override_loki`]).
    pub loki: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    cache: Option<PathBuf>,
    dashboards: Option<Vec<PathBuf>>,
    step: Option<String>,
    scrape_interval: Option<String>,
    backfill: Option<String>,
    retention_raw: Option<String>,
    retention_1m: Option<String>,
    retention_10m: Option<String>,
    max_cache_size: Option<String>,
    refresh: Option<String>,
    alert_interval: Option<String>,
    targets_interval: Option<String>,
    max_concurrency: Option<usize>,
    notify_severities: Option<Vec<String>>,
    notify_repeat: Option<String>,
    /// `quiet = [["job=\"minio\""], ["alertname=~\"Slow.*\"", "severity=\"warning\""]]`
    #[serde(default)]
    quiet: Vec<Vec<String>>,
    notify_sound: Option<Vec<String>>,
    watchdog_grace: Option<String>,
    unreachable_after: Option<String>,
    keep_resolved_unacknowledged: Option<bool>,
    #[serde(default, rename = "source")]
    sources: Vec<FileSource>,
    wall: Option<wall::FileWall>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSource {
    name: Option<String>,
    prometheus: FileEndpoint,
    #[serde(default)]
    alertmanagers: Vec<FileEndpoint>,
    loki: Option<FileEndpoint>,
    loki_tenant: Option<String>,
    loki_labels: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
// Read once from the config file: its size does not matter (over clippy's limit on Windows, whose
// PathBuf is larger).
#[allow(clippy::large_enum_variant)]
enum FileEndpoint {
    Url(String),
    Full(FileEndpointFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEndpointFull {
    url: String,
    username: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
    bearer_token: Option<String>,
    bearer_token_file: Option<PathBuf>,
    /// The password (with `username`) or bearer token is in the OS keyring, stored there by
    /// `watchdesk login`.
    #[serde(default)]
    keyring: bool,
    ca_file: Option<PathBuf>,
    /// UNSAFE: accept any TLS certificate.
    #[serde(default)]
    insecure_skip_verify: bool,
    timeout: Option<String>,
    max_body_mb: Option<usize>,
}

pub use crate::files::APP_DIR;

pub fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join(APP_DIR).join("config.toml"))
}

pub fn default_cache_path() -> PathBuf {
    dirs::data_local_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join(APP_DIR)
        .join("cache.db")
}

/// "500MB", "2GB", "1.5 GiB", "1048576" → bytes (decimal and binary units both mean 1024-based here).
fn parse_size(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = n * mult;
    (bytes.is_finite() && (1.0..1e18).contains(&bytes)).then_some(bytes as u64)
}

/// Largest secret (password or bearer token) file: it holds one line.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;
/// Largest config file.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;
/// Largest dashboard JSON file.
pub const MAX_DASHBOARD_BYTES: u64 = 64 * 1024 * 1024;
/// Most quiet rules, and most matchers in one rule.
pub const MAX_QUIET_RULES: usize = 10_000;
pub const MAX_QUIET_MATCHERS: usize = 64;
/// Largest `max_body_mb`.
pub const MAX_BODY_MB: usize = 1024;

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// The accepted range of one duration key, and why, for the error message.
struct Bounds {
    min_ms: i64,
    max_ms: i64,
    why: &'static str,
}

const fn bounds(min_ms: i64, max_ms: i64, why: &'static str) -> Bounds {
    Bounds {
        min_ms,
        max_ms,
        why,
    }
}

const STEP_BOUNDS: Bounds = bounds(
    SEC,
    HOUR,
    "Prometheus answers on a step grid; a coarser step hides short outages",
);
const SCRAPE_BOUNDS: Bounds = bounds(SEC, HOUR, "use the scrape_interval of your Prometheus");
const BACKFILL_BOUNDS: Bounds = bounds(
    MIN,
    366 * DAY,
    "history older than a year is not fetched back",
);
const RETENTION_BOUNDS: Bounds = bounds(
    HOUR,
    10 * 366 * DAY,
    "history is kept from an hour up to ten years",
);
const REFRESH_BOUNDS: Bounds = bounds(SEC, DAY, "faster polling only loads the servers");
const ALERT_INTERVAL_BOUNDS: Bounds = bounds(
    SEC,
    HOUR,
    "faster polling only loads the Alertmanagers; slower misses alerts",
);
const TARGETS_INTERVAL_BOUNDS: Bounds = bounds(SEC, DAY, "faster polling only loads Prometheus");
const TIMEOUT_BOUNDS: Bounds = bounds(
    SEC,
    10 * MIN,
    "a dead server must be noticed within minutes",
);
const NOTIFY_REPEAT_BOUNDS: Bounds =
    bounds(10 * SEC, 7 * DAY, "write \"off\" to never notify again");
const GRACE_BOUNDS: Bounds = bounds(
    10 * SEC,
    DAY,
    "the monitoring of the monitoring must not wait longer than a day",
);

/// A duration key: its default when absent, else a duration within `b` (the message says the range).
fn dur(field: &str, v: &Option<String>, default_ms: i64, b: &Bounds) -> Result<i64, ConfigError> {
    let Some(s) = v else {
        return Ok(default_ms);
    };
    let range = || {
        format!(
            "{}..{}",
            crate::time::format_duration_ms(b.min_ms),
            crate::time::format_duration_ms(b.max_ms)
        )
    };
    match parse_duration_ms(s) {
        Some(ms) if ms < b.min_ms => Err(ConfigError::Invalid(format!(
            "{field} = {s:?} is too short: it must be at least {} ({}; {})",
            crate::time::format_duration_ms(b.min_ms),
            range(),
            b.why
        ))),
        Some(ms) if ms > b.max_ms => Err(ConfigError::Invalid(format!(
            "{field} = {s:?} is too long: it must be at most {} ({}; {})",
            crate::time::format_duration_ms(b.max_ms),
            range(),
            b.why
        ))),
        Some(ms) => Ok(ms),
        None => Err(ConfigError::Invalid(format!(
            "{field} = {s:?} is not a duration in {}; write it like \"15s\", \"5m\" or \"6h\"",
            range()
        ))),
    }
}

/// A tenant id as Loki accepts it in `X-Scope-OrgID`: not empty, printable ASCII, no `|`
/// (Loki's separator of several tenants is allowed only when meant: we send one).
fn check_tenant(site: &str, t: Option<&str>) -> Result<Option<String>, ConfigError> {
    match t {
        None => Ok(None),
        Some(t) if !t.is_empty() && t.len() <= 150 && t.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(t.to_string()))
        }
        Some(t) => Err(ConfigError::Invalid(format!(
            "source {site:?} loki_tenant {t:?}: use 1 to 150 printable ASCII characters, no spaces"
        ))),
    }
}

fn check_url(what: &str, url: &str) -> Result<(), ConfigError> {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(()),
        Ok(u) => Err(ConfigError::Invalid(format!(
            "{what} URL {url:?} has scheme {:?}; use http:// or https://",
            u.scheme()
        ))),
        Err(e) => Err(ConfigError::Invalid(format!(
            "{what} URL {url:?} is not a URL ({e}); write it like http://localhost:9090"
        ))),
    }
}

/// A password or token file: a regular file of at most [`MAX_SECRET_BYTES`]; the trailing line
/// break is dropped.
fn read_secret(path: &Path, what: &str) -> Result<String, ConfigError> {
    crate::files::read_regular_file(path, MAX_SECRET_BYTES, what)
        .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
        .map_err(|reason| ConfigError::Read {
            path: path.to_path_buf(),
            reason,
        })
}

fn endpoint(
    what: &str,
    fe: &FileEndpoint,
    site: &str,
    role: crate::secrets::Role,
) -> Result<Endpoint, ConfigError> {
    match fe {
        FileEndpoint::Url(u) => {
            check_url(what, u)?;
            Ok(Endpoint::new(u.clone()))
        }
        FileEndpoint::Full(f) => {
            check_url(what, &f.url)?;
            let mut ep = Endpoint::new(f.url.clone());
            let password = match (&f.password, &f.password_file) {
                (Some(p), _) => Some(p.clone()),
                (None, Some(path)) => Some(read_secret(path, "password")?),
                (None, None) => None,
            };
            let token = match (&f.bearer_token, &f.bearer_token_file) {
                (Some(t), _) => Some(t.clone()),
                (None, Some(path)) => Some(read_secret(path, "bearer token")?),
                (None, None) => None,
            };
            if f.keyring && (password.is_some() || token.is_some()) {
                return Err(ConfigError::Invalid(format!(
                    "{what}: keyring = true and a password or bearer token in the config; keep the \
                     secret in one place (remove password/password_file/bearer_token/bearer_token_file)"
                )));
            }
            ep.auth = match (&f.username, password, token) {
                _ if f.keyring => Auth::Keyring {
                    username: f.username.clone(),
                    account: crate::secrets::account(site, role, &f.url),
                },
                (_, Some(_), Some(_)) | (Some(_), _, Some(_)) => {
                    return Err(ConfigError::Invalid(format!(
                        "{what}: set either username/password or bearer_token, not both"
                    )))
                }
                (Some(u), p, None) => Auth::Basic {
                    username: u.clone(),
                    password: p.unwrap_or_default(),
                },
                (None, Some(_), None) => {
                    return Err(ConfigError::Invalid(format!(
                        "{what}: a password without a username; add username = \"...\""
                    )))
                }
                (None, None, Some(t)) => Auth::Bearer { token: t },
                (None, None, None) => Auth::None,
            };
            ep.tls = Tls {
                ca_file: f.ca_file.clone(),
                insecure_skip_verify: f.insecure_skip_verify,
            };
            ep.timeout = Duration::from_millis(
                dur(
                    &format!("{what}.timeout"),
                    &f.timeout,
                    i64::try_from(ep.timeout.as_millis()).unwrap_or(i64::MAX),
                    &TIMEOUT_BOUNDS,
                )?
                .unsigned_abs(),
            );
            if let Some(mb) = f.max_body_mb {
                if mb == 0 || mb > MAX_BODY_MB {
                    return Err(ConfigError::Invalid(format!(
                        "{what}.max_body_mb = {mb}; use 1..={MAX_BODY_MB} (megabytes)"
                    )));
                }
                ep.max_body_bytes = mb.saturating_mul(1024 * 1024);
            }
            Ok(ep)
        }
    }
}

impl Config {
    /// `--loki URL`: the Loki of the one site (keeping a configured Loki's auth and tenant). Fails
    /// on a bad URL or when several sites are configured.
    pub fn override_loki(&mut self, u: &str) -> Result<(), ConfigError> {
        check_url("--loki", u)?;
        if self.sites.len() > 1 {
            return Err(ConfigError::Invalid(
                "--loki names one Loki, but the config has several [[source]] entries: set \
                 loki = \"URL\" in each, or give --prometheus too"
                    .into(),
            ));
        }
        for site in &mut self.sites {
            let mut lc = site.loki.clone().unwrap_or_else(|| LokiConfig {
                endpoint: Endpoint::new(u),
                tenant: None,
                labels: default_loki_labels(),
            });
            lc.endpoint.url = u.to_string();
            if let Auth::Keyring { account, .. } = &mut lc.endpoint.auth {
                // A keyring secret belongs to its URL.
                *account = crate::secrets::account(&site.name, crate::secrets::Role::Loki, u);
            }
            site.loki = Some(lc);
        }
        Ok(())
    }
    /// Parses TOML text (the file at `file`, for messages) and applies the overrides.
    pub fn from_toml(
        text: &str,
        file: Option<&Path>,
        ov: &Overrides,
    ) -> Result<Config, ConfigError> {
        if text.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::Invalid(format!(
                "the config is {} bytes, more than the {} allowed; is it the right file?",
                text.len(),
                crate::files::human_bytes(MAX_CONFIG_BYTES)
            )));
        }
        let fc: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: file.map(Path::to_path_buf).unwrap_or_default(),
            reason: e.to_string(),
        })?;
        Self::build(fc, file, ov)
    }

    /// Loads `--config FILE`, or the default config file when it exists, or built-in defaults
    /// (the seed's ports on localhost), then applies the overrides.
    pub fn load(ov: &Overrides) -> Result<Config, ConfigError> {
        let path = match &ov.config {
            Some(p) => Some(p.clone()),
            None => default_config_path().filter(|p| p.exists()),
        };
        match path {
            Some(p) => {
                let text = crate::files::read_regular_file(&p, MAX_CONFIG_BYTES, "config")
                    .map_err(|reason| ConfigError::Read {
                        path: p.clone(),
                        reason,
                    })?;
                Self::from_toml(&text, Some(&p), ov)
            }
            None => Self::build(FileConfig::default(), None, ov),
        }
    }

    fn build(fc: FileConfig, file: Option<&Path>, ov: &Overrides) -> Result<Config, ConfigError> {
        let mut sites = Vec::new();
        for (i, s) in fc.sources.iter().enumerate() {
            let name = s.name.clone().unwrap_or_else(|| {
                if i == 0 {
                    "default".into()
                } else {
                    format!("site{}", i + 1)
                }
            });
            if name.trim().is_empty() {
                return Err(ConfigError::Invalid(
                    "a [[source]] has an empty name".into(),
                ));
            }
            if sites.iter().any(|x: &SiteConfig| x.name == name) {
                return Err(ConfigError::Invalid(format!(
                    "two [[source]] entries are named {name:?}; names must be unique"
                )));
            }
            let prometheus = endpoint(
                &format!("source {name:?} prometheus"),
                &s.prometheus,
                &name,
                crate::secrets::Role::Prometheus,
            )?;
            let alertmanagers = s
                .alertmanagers
                .iter()
                .map(|a| {
                    endpoint(
                        &format!("source {name:?} alertmanager"),
                        a,
                        &name,
                        crate::secrets::Role::Alertmanager,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let loki = match &s.loki {
                Some(fe) => Some(LokiConfig {
                    endpoint: endpoint(
                        &format!("source {name:?} loki"),
                        fe,
                        &name,
                        crate::secrets::Role::Loki,
                    )?,
                    tenant: check_tenant(&name, s.loki_tenant.as_deref())?,
                    labels: check_loki_labels(&name, s.loki_labels.as_ref())?,
                }),
                None if s.loki_tenant.is_some() || s.loki_labels.is_some() => {
                    return Err(ConfigError::Invalid(format!(
                        "source {name:?} has loki_tenant or loki_labels but no loki = URL"
                    )))
                }
                None => None,
            };
            sites.push(SiteConfig {
                name,
                prometheus,
                alertmanagers,
                loki,
            });
        }
        // Flags: --prometheus / --alertmanager describe one site and replace the configured ones,
        // except that a single configured site keeps its name (and so its cached history).
        if ov.prometheus.is_some() || !ov.alertmanagers.is_empty() {
            let base = if sites.len() == 1 { sites.pop() } else { None };
            let name = base
                .as_ref()
                .map(|b| b.name.clone())
                .unwrap_or_else(|| "default".into());
            let prometheus = match (&ov.prometheus, &base) {
                (Some(u), _) => {
                    check_url("--prometheus", u)?;
                    let mut ep = base
                        .as_ref()
                        .map(|b| b.prometheus.clone())
                        .unwrap_or_else(|| Endpoint::new(u.clone()));
                    ep.url = u.clone();
                    if let Auth::Keyring { account, .. } = &mut ep.auth {
                        // The keyring entry belongs to a URL: a password is never sent to another
                        // server than the one it was stored for.
                        *account =
                            crate::secrets::account(&name, crate::secrets::Role::Prometheus, u);
                    }
                    ep
                }
                (None, Some(b)) => b.prometheus.clone(),
                (None, None) => Endpoint::new("http://localhost:9090"),
            };
            let alertmanagers = if ov.alertmanagers.is_empty() {
                base.as_ref()
                    .map(|b| b.alertmanagers.clone())
                    .unwrap_or_default()
            } else {
                let mut v = Vec::new();
                for u in &ov.alertmanagers {
                    check_url("--alertmanager", u)?;
                    v.push(Endpoint::new(u.clone()));
                }
                v
            };
            let loki = base.as_ref().and_then(|b| b.loki.clone());
            sites = vec![SiteConfig {
                name,
                prometheus,
                alertmanagers,
                loki,
            }];
        }
        if sites.is_empty() {
            // The seed's monitoring stack on this machine.
            sites.push(SiteConfig {
                name: "default".into(),
                prometheus: Endpoint::new("http://localhost:9090"),
                alertmanagers: vec![Endpoint::new("http://localhost:9093")],
                loki: None,
            });
        }

        let configured = match &fc.dashboards {
            Some(list) => {
                let base = file.and_then(Path::parent).unwrap_or(Path::new("."));
                list.iter()
                    .map(|p| DashboardRef::File(base.join(p)))
                    .collect()
            }
            None => vec![DashboardRef::Builtin],
        };
        let dashboards = if ov.dashboards.is_empty() {
            configured
        } else {
            dashboard_args(&ov.dashboards, &configured)?
        };

        let cache = ov
            .cache
            .clone()
            .or(fc.cache.clone())
            .unwrap_or_else(default_cache_path);

        let max_concurrency = fc.max_concurrency.unwrap_or(4);
        if max_concurrency == 0 || max_concurrency > 64 {
            return Err(ConfigError::Invalid(format!(
                "max_concurrency = {max_concurrency}; use 1..=64"
            )));
        }
        let cfg = Config {
            file: file.map(Path::to_path_buf),
            cache,
            dashboards,
            sites,
            step_ms: dur("step", &fc.step, 15_000, &STEP_BOUNDS)?,
            scrape_interval_ms: dur(
                "scrape_interval",
                &fc.scrape_interval,
                15_000,
                &SCRAPE_BOUNDS,
            )?,
            backfill_ms: dur("backfill", &fc.backfill, 2 * DAY, &BACKFILL_BOUNDS)?,
            retention: crate::cache::Retention {
                raw_ms: dur(
                    "retention_raw",
                    &fc.retention_raw,
                    14 * DAY,
                    &RETENTION_BOUNDS,
                )?,
                tier_ms: [
                    dur(
                        "retention_1m",
                        &fc.retention_1m,
                        14 * DAY,
                        &RETENTION_BOUNDS,
                    )?,
                    dur(
                        "retention_10m",
                        &fc.retention_10m,
                        90 * DAY,
                        &RETENTION_BOUNDS,
                    )?,
                ],
                events_ms: 90 * 86_400_000,
                max_bytes: match fc.max_cache_size.as_deref() {
                    None => crate::cache::Retention::default().max_bytes,
                    Some(v) => parse_size(v).ok_or_else(|| {
                        ConfigError::Invalid(format!(
                            "max_cache_size = {v:?}; write a size like \"500MB\" or \"2GB\""
                        ))
                    })?,
                },
            },
            refresh_ms: dur("refresh", &fc.refresh, 30_000, &REFRESH_BOUNDS)?,
            alert_interval_ms: dur(
                "alert_interval",
                &fc.alert_interval,
                5_000,
                &ALERT_INTERVAL_BOUNDS,
            )?,
            targets_interval_ms: dur(
                "targets_interval",
                &fc.targets_interval,
                30_000,
                &TARGETS_INTERVAL_BOUNDS,
            )?,
            max_concurrency,
            notify_severities: fc
                .notify_severities
                .clone()
                .unwrap_or_else(|| vec!["critical".into()]),
            quiet: quiet_rules(&fc.quiet)?,
            notify_repeat_ms: match fc.notify_repeat.as_deref() {
                Some("0") | Some("off") | Some("never") => 0,
                _ => dur(
                    "notify_repeat",
                    &fc.notify_repeat,
                    5 * 60_000,
                    &NOTIFY_REPEAT_BOUNDS,
                )?,
            },
            notify_sound: fc
                .notify_sound
                .clone()
                .unwrap_or_else(|| vec!["critical".into()]),
            watchdog_grace_ms: dur(
                "watchdog_grace",
                &fc.watchdog_grace,
                3 * 60_000,
                &GRACE_BOUNDS,
            )?,
            unreachable_after_ms: dur(
                "unreachable_after",
                &fc.unreachable_after,
                2 * 60_000,
                &GRACE_BOUNDS,
            )?,
            keep_resolved_unacknowledged: fc.keep_resolved_unacknowledged.unwrap_or(true),
            wall: fc.wall.as_ref().map(wall::wall).transpose()?,
        };
        let mut cfg = cfg;
        if let Some(u) = &ov.loki {
            cfg.override_loki(u)?;
        }
        Ok(cfg)
    }
}

/// Timing and limits of the poller (from [`Config`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub step_ms: i64,
    pub scrape_interval_ms: i64,
    /// How far back history is fetched (first start, and after the app was closed or offline).
    pub backfill_ms: i64,
    /// The newest part fetched first on each round; older missing history is backfilled after it.
    pub live_window_ms: i64,
    pub refresh_ms: i64,
    pub alert_interval_ms: i64,
    pub targets_interval_ms: i64,
    pub max_concurrency: usize,
    pub retention: crate::cache::Retention,
}

/// The newest hour is fetched first; anything older that is missing is backfilled after it.
pub const LIVE_WINDOW_MS: i64 = 3_600_000;

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        Settings {
            step_ms: c.step_ms,
            scrape_interval_ms: c.scrape_interval_ms,
            backfill_ms: c.backfill_ms,
            live_window_ms: LIVE_WINDOW_MS.min(c.backfill_ms),
            refresh_ms: c.refresh_ms,
            alert_interval_ms: c.alert_interval_ms,
            targets_interval_ms: c.targets_interval_ms,
            max_concurrency: c.max_concurrency,
            retention: c.retention,
        }
    }
}

/// Parses the quiet rules: at most [`MAX_QUIET_RULES`] rules of at most [`MAX_QUIET_MATCHERS`]
/// matchers each (every alert is checked against every rule).
fn quiet_rules(rules: &[Vec<String>]) -> Result<Vec<Vec<crate::source::Matcher>>, ConfigError> {
    if rules.len() > MAX_QUIET_RULES {
        return Err(ConfigError::Invalid(format!(
            "quiet has {} rules, more than the {MAX_QUIET_RULES} allowed; merge rules with regular \
             expressions such as instance=~\"cam-(01|02)\"",
            rules.len()
        )));
    }
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            if rule.len() > MAX_QUIET_MATCHERS {
                return Err(ConfigError::Invalid(format!(
                    "quiet rule {} has {} matchers, more than the {MAX_QUIET_MATCHERS} allowed; \
                     split it or use regular expressions",
                    i + 1,
                    rule.len()
                )));
            }
            rule.iter()
                .map(|m| {
                    crate::source::matcher::parse_matcher(m)
                        .map_err(|e| ConfigError::Invalid(format!("quiet rule: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, ov: &Overrides) -> Result<Config, ConfigError> {
        Config::from_toml(text, Some(Path::new("/etc/wd/config.toml")), ov)
    }

    #[track_caller]
    fn check_err(text: &str, needle: &str) {
        let e = load(text, &Overrides::default())
            .expect_err(text)
            .to_string();
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    }

    #[test]
    fn defaults_are_the_seed_ports() {
        let c = load("", &Overrides::default()).unwrap();
        assert_eq!(c.sites.len(), 1);
        assert_eq!(c.sites[0].prometheus.url, "http://localhost:9090");
        assert_eq!(c.sites[0].alertmanagers[0].url, "http://localhost:9093");
        assert_eq!(c.dashboards, vec![DashboardRef::Builtin]);
        assert_eq!(c.step_ms, 15_000);
        assert_eq!(c.notify_sound, vec!["critical".to_string()]);
        assert_eq!(c.watchdog_grace_ms, 180_000);
        assert_eq!(c.unreachable_after_ms, 120_000);
        assert!(c.keep_resolved_unacknowledged);
    }

    #[test]
    fn alert_workflow_keys() {
        let c = load(
            "notify_sound = []\nwatchdog_grace = \"20s\"\nunreachable_after = \"1m\"\n\
             keep_resolved_unacknowledged = false",
            &Overrides::default(),
        )
        .unwrap();
        assert!(c.notify_sound.is_empty());
        assert_eq!(c.watchdog_grace_ms, 20_000);
        assert_eq!(c.unreachable_after_ms, 60_000);
        assert!(!c.keep_resolved_unacknowledged);
        check_err("watchdog_grace = \"soon\"", "watchdog_grace");
    }

    #[test]
    fn full_sources() {
        let c = load(
            r#"
            step = "30s"
            dashboards = ["site.json"]
            [[source]]
            name = "north"
            prometheus = { url = "https://p.example/prom", username = "op", password = "pw", ca_file = "/ca.pem" }
            alertmanagers = ["http://a1:9093", { url = "http://a2:9093", bearer_token = "t" }]
            [[source]]
            prometheus = "http://south:9090"
        "#,
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.step_ms, 30_000);
        assert_eq!(c.sites[0].name, "north");
        assert_eq!(
            c.sites[0].prometheus.auth,
            Auth::Basic {
                username: "op".into(),
                password: "pw".into()
            }
        );
        assert_eq!(c.sites[0].alertmanagers.len(), 2);
        assert_eq!(
            c.sites[0].alertmanagers[1].auth,
            Auth::Bearer { token: "t".into() }
        );
        assert_eq!(c.sites[1].name, "site2");
        assert_eq!(
            c.dashboards,
            vec![DashboardRef::File("/etc/wd/site.json".into())]
        );
    }

    #[test]
    fn keyring_true_names_the_entry_by_source_role_and_url() {
        let c = load(
            r#"
            [[source]]
            name = "rta"
            prometheus = { url = "https://p.example/prom/", username = "op", keyring = true }
            alertmanagers = [{ url = "http://a:9093", keyring = true }]
        "#,
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            c.sites[0].prometheus.auth,
            Auth::Keyring {
                username: Some("op".into()),
                account: "rta prometheus https://p.example/prom".into()
            }
        );
        assert_eq!(
            c.sites[0].alertmanagers[0].auth,
            Auth::Keyring {
                username: None,
                account: "rta alertmanager http://a:9093".into()
            }
        );
        check_err(
            "[[source]]\nprometheus = { url = \"http://x\", username = \"op\", password = \"p\", keyring = true }",
            "keep the secret in one place",
        );
        // --prometheus points the site elsewhere: the entry of the configured URL is not used.
        let ov = Overrides {
            prometheus: Some("http://other:9090".into()),
            ..Default::default()
        };
        let c = load(
            "[[source]]\nname = \"rta\"\nprometheus = { url = \"http://x:9090\", username = \"op\", keyring = true }",
            &ov,
        )
        .unwrap();
        assert_eq!(
            c.sites[0].prometheus.auth,
            Auth::Keyring {
                username: Some("op".into()),
                account: "rta prometheus http://other:9090".into()
            }
        );
    }

    #[test]
    fn loki_per_site_with_tenant_auth_and_the_flag() {
        let c = load(
            "[[source]]\nname = \"rta\"\nprometheus = \"http://p:9090\"\n\
             loki = { url = \"https://l.example/loki\", username = \"op\", keyring = true }\n\
             loki_tenant = \"vms\"",
            &Overrides::default(),
        )
        .unwrap();
        let l = c.sites[0].loki.clone().unwrap();
        assert_eq!(l.tenant.as_deref(), Some("vms"));
        assert_eq!(
            l.endpoint.auth,
            Auth::Keyring {
                username: Some("op".into()),
                account: "rta loki https://l.example/loki".into()
            }
        );
        let mut c2 = c.clone();
        c2.override_loki("http://127.0.0.1:3100").unwrap();
        let l = c2.sites[0].loki.clone().unwrap();
        assert_eq!(l.endpoint.url, "http://127.0.0.1:3100");
        assert_eq!(l.tenant.as_deref(), Some("vms"));
        assert!(
            matches!(&l.endpoint.auth, Auth::Keyring { account, .. } if account == "rta loki http://127.0.0.1:3100")
        );
        assert!(c2.override_loki("localhost:3100").is_err());
        let plain = load(
            "[[source]]\nprometheus = \"http://p:9090\"",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(plain.sites[0].loki, None);
        check_err(
            "[[source]]\nprometheus = \"http://p\"\nloki_tenant = \"x\"",
            "no loki",
        );
        check_err(
            "[[source]]\nprometheus = \"http://p\"\nloki = \"http://l\"\nloki_tenant = \"a b\"",
            "printable",
        );
        assert_eq!(
            l.labels,
            vec![
                ("job".to_string(), "job".to_string()),
                ("instance".into(), "instance".into()),
                ("service".into(), "service".into())
            ],
            "the default mapping of an alert's labels to its log streams"
        );
        let mapped = load(
            "[[source]]\nprometheus = \"http://p\"\nloki = \"http://l\"\n\
             loki_labels = { instance = \"host\", job = \"app\" }",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            mapped.sites[0].loki.as_ref().unwrap().labels,
            vec![
                ("instance".to_string(), "host".to_string()),
                ("job".into(), "app".into())
            ]
        );
        check_err(
            "[[source]]\nprometheus = \"http://p\"\nloki = \"http://l\"\nloki_labels = {}",
            "at least one",
        );
        check_err(
            "[[source]]\nprometheus = \"http://p\"\nloki = \"http://l\"\nloki_labels = { job = \"a-b\" }",
            "label names",
        );
        check_err(
            "[[source]]\nprometheus = \"http://p\"\nloki_labels = { job = \"job\" }",
            "no loki",
        );
    }

    #[test]
    fn flags_override() {
        let ov = Overrides {
            prometheus: Some("http://127.0.0.1:1234".into()),
            alertmanagers: vec!["http://127.0.0.1:1".into(), "http://127.0.0.1:2".into()],
            cache: Some("/tmp/x.db".into()),
            dashboards: vec!["rta-overview".into()],
            ..Default::default()
        };
        let c = load(
            "[[source]]\nname = \"rta\"\nprometheus = \"http://x:9090\"",
            &ov,
        )
        .unwrap();
        assert_eq!(c.sites.len(), 1);
        assert_eq!(c.sites[0].name, "rta", "a single site keeps its name");
        assert_eq!(c.sites[0].prometheus.url, "http://127.0.0.1:1234");
        assert_eq!(c.sites[0].alertmanagers.len(), 2);
        assert_eq!(c.cache, PathBuf::from("/tmp/x.db"));
    }

    #[test]
    fn bad_configs_say_what_to_fix() {
        check_err("step = \"fast\"", "is not a duration");
        check_err("step = \"100ms\"", "at least 1s");
        check_err("[[source]]\nprometheus = \"localhost:9090\"", "http://");
        check_err("[[source]]\nprometheus = \"ftp://x\"", "use http");
        check_err("colour = 1", "not valid TOML");
        check_err(
            "[[source]]\nname=\"a\"\nprometheus=\"http://x\"\n[[source]]\nname=\"a\"\nprometheus=\"http://y\"",
            "unique",
        );
        check_err(
            "[[source]]\nprometheus = { url = \"http://x\", password = \"p\" }",
            "without a username",
        );
        check_err(
            "[[source]]\nprometheus = { url = \"http://x\", password_file = \"/nonexistent/pw\" }",
            "/nonexistent/pw",
        );
        check_err("max_concurrency = 0", "1..=64");
        check_err("quiet = [[\"nonsense\"]]", "quiet rule");
        check_err("max_cache_size = \"lots\"", "like \"500MB\"");
    }

    #[test]
    fn retention_and_size_cap() {
        let c = load(
            "retention_raw = \"1d\"\nmax_cache_size = \"500MB\"",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.retention.raw_ms, 86_400_000);
        assert_eq!(c.retention.tier_ms, [14 * 86_400_000, 90 * 86_400_000]);
        assert_eq!(c.retention.max_bytes, 500 << 20);
        assert_eq!(parse_size("1.5 GiB"), Some(3 << 29));
        assert_eq!(parse_size("-1"), None);
    }

    /// Hardening #14.1: duration keys had no bounds: `alert_interval = "1ms"` was accepted (11,436
    /// requests in 10 s), `step = "1e12"` overflowed later arithmetic, a timeout of a year hid a dead
    /// server. Each key now has a range, and the message says it.
    #[test]
    fn duration_keys_are_bounded_and_the_error_says_the_range() {
        check_err("alert_interval = \"1ms\"", "at least 1s");
        check_err("refresh = \"100ms\"", "at least 1s");
        check_err("targets_interval = \"0\"", "at least 1s");
        check_err("step = \"1e12\"", "1s..1h");
        check_err("step = \"2h\"", "at most 1h");
        check_err("scrape_interval = \"500ms\"", "at least 1s");
        check_err("backfill = \"1000y\"", "not a duration");
        check_err("backfill = \"2y\"", "at most 366d");
        check_err("retention_raw = \"20y\"", "at most 3660d");
        check_err("retention_10m = \"1m\"", "at least 1h");
        check_err("notify_repeat = \"1s\"", "\"off\"");
        check_err("unreachable_after = \"1y\"", "at most 1d");
        check_err(
            "[[source]]\nprometheus = { url = \"http://x\", timeout = \"1y\" }",
            "at most 10m",
        );
        check_err(
            "[[source]]\nprometheus = { url = \"http://x\", timeout = \"10ms\" }",
            "at least 1s",
        );
        check_err(
            "[[source]]\nprometheus = { url = \"http://x\", max_body_mb = 100000000 }",
            "1..=1024",
        );
        let c = load(
            "step = \"1h\"\nalert_interval = \"1s\"\nbackfill = \"366d\"\nretention_raw = \"10y\"\n\
             notify_repeat = \"off\"\n[[source]]\nprometheus = { url = \"http://x\", timeout = \"10m\" }",
            &Overrides::default(),
        )
        .expect("the bounds themselves are accepted");
        assert_eq!(c.step_ms, 3_600_000);
        assert_eq!(c.alert_interval_ms, 1_000);
        assert_eq!(c.notify_repeat_ms, 0);
        assert_eq!(c.sites[0].prometheus.timeout, Duration::from_secs(600));
    }

    /// Hardening #14.3: `password_file = "/dev/zero"` read until memory ran out, and a FIFO as the
    /// password file hung the start forever. Only regular files of at most 64 KiB are read.
    #[cfg(unix)]
    #[test]
    fn secret_file_that_is_a_device_a_fifo_or_huge_is_refused() {
        let with_pw = |path: &Path| {
            format!(
                "[[source]]\nprometheus = {{ url = \"http://x\", username = \"op\", password_file = {:?} }}",
                path.display().to_string()
            )
        };
        check_err(
            &with_pw(Path::new("/dev/zero")),
            "a device, not a regular file",
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pw.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo (coreutils) runs");
        assert!(made.success(), "mkfifo failed");
        check_err(&with_pw(&fifo), "a FIFO (named pipe), not a regular file");
        check_err(&with_pw(dir.path()), "a folder");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 64 * 1024 + 1]).expect("write");
        check_err(&with_pw(&big), "more than the 64 KiB allowed");
        let ok = dir.path().join("pw");
        std::fs::write(&ok, "secret\n").expect("write");
        let c = load(&with_pw(&ok), &Overrides::default()).expect("a plain file works");
        assert_eq!(
            c.sites[0].prometheus.auth,
            Auth::Basic {
                username: "op".into(),
                password: "secret".into()
            }
        );
        // The config file itself and dashboards are read the same way.
        let err = Config::load(&Overrides {
            config: Some(fifo.clone()),
            ..Default::default()
        })
        .expect_err("a FIFO config");
        assert!(err.to_string().contains("FIFO"), "{err}");
        let err = DashboardRef::File("/dev/zero".into())
            .load_text()
            .expect_err("a device as dashboard");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    /// Hardening #14.4: a 50 MB config with a million quiet rules never finished loading. Rules and
    /// matchers per rule are bounded, and so is the size of the config.
    #[test]
    fn a_million_quiet_rules_are_refused_with_the_limit() {
        let rule = "['job=\"minio\"', 'alertname=~\"Slow.*\"'],";
        let many = format!("quiet = [{}]", rule.repeat(MAX_QUIET_RULES + 1));
        check_err(&many, "more than the 10000 allowed");
        let wide = format!(
            "quiet = [[{}]]",
            "'job=\"minio\"',".repeat(MAX_QUIET_MATCHERS + 1)
        );
        check_err(&wide, "more than the 64 allowed");
        let huge = format!("quiet = [{}]", rule.repeat(1_000_000));
        let t = std::time::Instant::now();
        check_err(&huge, "more than the 4 MiB allowed");
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        let fine = format!("quiet = [{}]", rule.repeat(100));
        assert_eq!(
            load(&fine, &Overrides::default())
                .expect("100 rules")
                .quiet
                .len(),
            100
        );
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        fn key() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "cache",
                "dashboards",
                "step",
                "scrape_interval",
                "backfill",
                "retention_raw",
                "retention_1m",
                "retention_10m",
                "max_cache_size",
                "refresh",
                "alert_interval",
                "targets_interval",
                "max_concurrency",
                "notify_severities",
                "notify_repeat",
                "quiet",
                "notify_sound",
                "watchdog_grace",
                "unreachable_after",
                "keep_resolved_unacknowledged",
                "url",
                "name",
                "prometheus",
                "alertmanagers",
                "username",
                "password",
                "password_file",
                "keyring",
                "bearer_token",
                "bearer_token_file",
                "ca_file",
                "insecure_skip_verify",
                "timeout",
                "max_body_mb",
                "wall",
                "start",
                "screens",
                "monitor",
                "alarms",
                "scale",
                "playlist",
                "dashboard",
                "dwell",
                "from",
                "to",
                "vars",
            ])
        }

        fn value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                "\"[0-9]{0,20}(\\.[0-9]{0,5})?(e[0-9]{1,3})?(ms|s|m|h|d|w|y|MB|GB|KiB)?\"",
                "\"(http|https|ftp)://[a-z0-9.:]{0,20}(/[a-z]{0,5})?\"",
                "\"(/dev/zero|/dev/null|/nonexistent/x|/tmp|/etc/hostname)\"",
                "'[a-z_]{1,8}(=|!=|=~|!~)\"[a-z.*|()\\[]{0,8}\"'",
                "-?[0-9]{1,25}",
                "(true|false|nan|inf|-inf|1e400)",
                "\"[^\"\\\\]{0,12}\"",
            ];
            leaf.prop_recursive(3, 24, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6)
                        .prop_map(|v| format!("[{}]", v.join(", "))),
                    prop::collection::vec((key(), inner), 0..5).prop_map(|v| {
                        let items: Vec<String> =
                            v.iter().map(|(k, x)| format!("{k} = {x}")).collect();
                        format!("{{ {} }}", items.join(", "))
                    }),
                ]
            })
        }

        fn toml_ish() -> impl Strategy<Value = String> {
            let line = prop_oneof![
                4 => (key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
                1 => Just("[[source]]".to_string()),
                1 => ".{0,30}",
            ];
            prop::collection::vec(line, 0..12).prop_map(|l| l.join("\n"))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            /// Hardening #14.1/#14.3/#14.4: the loader never panics, and what it accepts is within
            /// the documented bounds.
            #[test]
            fn config_loader_never_panics(text in toml_ish()) {
                if let Ok(c) = Config::from_toml(&text, None, &Overrides::default()) {
                    prop_assert!((1_000..=3_600_000).contains(&c.step_ms));
                    prop_assert!(c.alert_interval_ms >= 1_000 && c.refresh_ms >= 1_000);
                    prop_assert!(c.backfill_ms <= 366 * 86_400_000);
                    prop_assert!(c.quiet.len() <= MAX_QUIET_RULES);
                    for s in &c.sites {
                        for ep in std::iter::once(&s.prometheus).chain(&s.alertmanagers) {
                            prop_assert!(ep.timeout >= Duration::from_secs(1));
                            prop_assert!(ep.timeout <= Duration::from_secs(600));
                        }
                    }
                }
            }
        }
    }
}
