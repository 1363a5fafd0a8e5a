//! Sources: the monitoring servers Watchdesk reads.
//!
//! Everything outside this module sees only the [`MetricsSource`] and [`AlertSource`] traits and the
//! plain types below; HTTP, JSON and TLS stay in `http.rs`, `prometheus.rs` and `alertmanager.rs`.
//! Tests can implement the traits directly or point the real clients at a hostile server.

pub mod alertmanager;
pub mod http;
pub mod logql;
pub mod loki;
pub mod matcher;
pub mod prometheus;
mod site;

pub use site::{display_url, Site};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

pub use crate::time::Millis;

/// A metric's or alert's label set, sorted by name.
pub type Labels = BTreeMap<String, String>;

/// A label set from `(name, value)` pairs.
pub fn labels_of(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One sample: time in milliseconds since the Unix epoch, value (may be NaN or ±Inf).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub t: Millis,
    pub v: f64,
}

/// One series of a `query_range` answer (resultType "matrix").
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    pub samples: Vec<Sample>,
}

/// One element of an instant `query` answer (resultType "vector", or a scalar with empty labels).
#[derive(Debug, Clone, PartialEq)]
pub struct InstantSample {
    pub labels: Labels,
    pub sample: Sample,
}

/// A successful answer plus the server's non-fatal `warnings` and `infos`.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    pub data: T,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

impl<T> Answer<T> {
    pub fn new(data: T) -> Self {
        Answer {
            data,
            warnings: Vec::new(),
            infos: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetHealth {
    Up,
    Down,
    Unknown,
}

impl TargetHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Up => "up",
            TargetHealth::Down => "down",
            TargetHealth::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "up" => TargetHealth::Up,
            "down" => TargetHealth::Down,
            _ => TargetHealth::Unknown,
        }
    }
}

/// An active scrape target from `/api/v1/targets`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub labels: Labels,
    pub scrape_pool: String,
    pub scrape_url: String,
    pub health: TargetHealth,
    pub last_error: String,
    pub last_scrape: Option<Millis>,
    pub last_scrape_duration_s: f64,
}

/// An alerting rule from `/api/v1/rules?type=alert`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub group: String,
    pub file: String,
    pub name: String,
    pub query: String,
    /// The rule's `for:` in seconds.
    pub duration_s: f64,
    pub labels: Labels,
    pub annotations: Labels,
    /// "inactive" | "pending" | "firing"
    pub state: String,
    /// "ok" | "err" | "unknown"
    pub health: String,
    pub last_error: Option<String>,
}

/// An alert as Prometheus itself reports it (`/api/v1/alerts`).
#[derive(Debug, Clone, PartialEq)]
pub struct PromAlert {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: String,
    pub active_at: Option<Millis>,
    pub value: String,
}

/// Alertmanager's processing state of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Unprocessed,
    Active,
    Suppressed,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Unprocessed => "unprocessed",
            AlertState::Active => "active",
            AlertState::Suppressed => "suppressed",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => AlertState::Active,
            "suppressed" => AlertState::Suppressed,
            _ => AlertState::Unprocessed,
        }
    }
}

/// An alert from Alertmanager `/api/v2/alerts`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub fingerprint: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: Millis,
    pub updated_at: Option<Millis>,
    pub ends_at: Option<Millis>,
    pub generator_url: Option<String>,
    pub receivers: Vec<String>,
    pub state: AlertState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

/// The annotation Watchdesk adds to an alert it had to repair while reading it (a `startsAt` that
/// is not a time, a label that is not text): says what was wrong and what was shown instead.
pub const NOTE_ANNOTATION: &str = "watchdesk_note";

impl Alert {
    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Alertmanager's fingerprint of this alert's labels (see [`labels_fingerprint`]).
    pub fn labels_fingerprint(&self) -> String {
        labels_fingerprint(&self.labels)
    }

    /// The key of this alert: its fingerprint, or `labels:` and the fingerprint of its labels when
    /// the source sent none. Alerts with the same key but different labels are told apart by
    /// [`alert_keys`].
    pub fn key(&self) -> String {
        if self.fingerprint.is_empty() {
            format!("labels:{}", self.labels_fingerprint())
        } else {
            self.fingerprint.clone()
        }
    }

    /// The key of an alert whose key another alert with other labels also has: the key, `~` and the
    /// fingerprint of its labels.
    pub fn distinct_key(&self) -> String {
        format!("{}~{}", self.key(), self.labels_fingerprint())
    }

    /// Whether `starts_at` is a guess (the source sent no valid `startsAt`; see
    /// [`NOTE_ANNOTATION`]): it must not be taken for the start of a new episode.
    pub fn start_is_guessed(&self) -> bool {
        self.annotations
            .get(NOTE_ANNOTATION)
            .is_some_and(|n| n.contains("startsAt"))
    }
}

/// Alertmanager's fingerprint of a label set (Prometheus `model.LabelSet.Fingerprint`: FNV-1a 64
/// over the sorted names and values, each followed by 0xff), as 16 hex digits.
pub fn labels_fingerprint(labels: &Labels) -> String {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    let mut h = OFFSET;
    let mut add = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (k, v) in labels {
        add(k.as_bytes());
        add(&[0xff]);
        add(v.as_bytes());
        add(&[0xff]);
    }
    format!("{h:016x}")
}

/// The keys of a set of alerts, one per alert (the cache keeps one alert per key): [`Alert::key`],
/// except where alerts with different labels share a key. Then the one whose labels give that
/// fingerprint (Alertmanager computes it from them) keeps it, and each other one gets
/// [`Alert::distinct_key`]. So distinct label sets never collapse into one alert, the same alert
/// reported twice (by two Alertmanagers of a cluster) keeps one key, and the keys do not depend on
/// the order of the alerts.
pub fn alert_keys<'a>(alerts: impl IntoIterator<Item = &'a Alert>) -> Vec<String> {
    use std::collections::hash_map::Entry;
    use std::collections::{HashMap, HashSet};
    let alerts: Vec<&Alert> = alerts.into_iter().collect();
    let keys: Vec<String> = alerts.iter().map(|a| a.key()).collect();
    let mut first_labels: HashMap<&str, &Labels> = HashMap::new();
    let mut shared: HashSet<&str> = HashSet::new();
    for (k, a) in keys.iter().zip(&alerts) {
        match first_labels.entry(k.as_str()) {
            Entry::Vacant(v) => {
                v.insert(&a.labels);
            }
            Entry::Occupied(o) => {
                if *o.get() != &a.labels {
                    shared.insert(k.as_str());
                }
            }
        }
    }
    keys.iter()
        .zip(&alerts)
        .map(|(k, a)| {
            if shared.contains(k.as_str()) && a.fingerprint != a.labels_fingerprint() {
                a.distinct_key()
            } else {
                k.clone()
            }
        })
        .collect()
}

/// Which alerts `GET /api/v2/alerts` returns. Defaults match Alertmanager's: everything.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFilter {
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
    pub unprocessed: bool,
    /// Label matchers such as `alertname="ServiceDown"` or `job=~"go-.*"`.
    pub matchers: Vec<String>,
    pub receiver: Option<String>,
}

impl Default for AlertFilter {
    fn default() -> Self {
        AlertFilter {
            active: true,
            silenced: true,
            inhibited: true,
            unprocessed: true,
            matchers: Vec::new(),
            receiver: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertGroup {
    pub labels: Labels,
    pub receiver: String,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    pub is_equal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

impl SilenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
            SilenceState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: String,
    pub state: SilenceState,
    pub matchers: Vec<Matcher>,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub updated_at: Option<Millis>,
    pub created_by: String,
    pub comment: String,
}

/// A silence to create (`id: None`) or update (`id: Some`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSilence {
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub name: String,
    pub address: String,
}

/// `GET /api/v2/status`.
#[derive(Debug, Clone, PartialEq)]
pub struct AmStatus {
    /// "ready" | "settling" | "disabled"
    pub cluster_status: String,
    pub peers: Vec<Peer>,
    pub version: String,
    pub uptime: Option<Millis>,
}

/// How to reach one server: URL, credentials, TLS, limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Base URL without the API path, e.g. `http://localhost:9090` or `https://mon.example/prometheus`.
    pub url: String,
    pub auth: Auth,
    pub tls: Tls,
    /// Whole-request timeout (connect + answer).
    pub timeout: Duration,
    /// Largest response body accepted; bigger answers fail with [`SourceError::TooLarge`].
    pub max_body_bytes: usize,
}

impl Endpoint {
    pub fn new(url: impl Into<String>) -> Self {
        Endpoint {
            url: url.into(),
            auth: Auth::None,
            tls: Tls::default(),
            timeout: Duration::from_secs(15),
            max_body_bytes: 32 * 1024 * 1024,
        }
    }
}

#[derive(Clone, PartialEq, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: String,
    },
    Bearer {
        token: String,
    },
    /// The secret is in the OS keyring under `account` (see [`crate::secrets`]): a password for
    /// `username` (HTTP Basic), or a bearer token when there is no username. Read on the first
    /// request, kept in memory only.
    Keyring {
        username: Option<String>,
        account: String,
    },
}

impl std::fmt::Debug for Auth {
    // Never print secrets into logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => write!(f, "None"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Auth::Bearer { .. } => write!(f, "Bearer(***)"),
            Auth::Keyring { username, account } => {
                write!(f, "Keyring({username:?}, {account:?})")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tls {
    /// Extra PEM CA certificate to trust (a private CA in front of the monitoring stack).
    pub ca_file: Option<PathBuf>,
    /// UNSAFE: accept any certificate. Only for a lab; anyone on the network can read and forge data.
    pub insecure_skip_verify: bool,
}

/// Why a request to a source failed. Every message says what failed and what the operator can do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error(
        "cannot reach {url}: {reason}. Check that the server runs and the URL and port are right"
    )]
    Unreachable { url: String, reason: String },
    #[error("{url} did not answer within {secs:.1} s. The server may be overloaded; try a shorter range or raise the timeout")]
    Timeout { url: String, secs: f64 },
    #[error("{url} refused the credentials (HTTP {status}). Check the username/password or token in the config (with keyring = true: store the current one with watchdesk login)")]
    Auth { url: String, status: u16 },
    #[error("{url} answered HTTP {status}: {excerpt}. Check the URL (a proxy may be in the way)")]
    Http {
        url: String,
        status: u16,
        excerpt: String,
    },
    #[error("{url} rejected the request ({error_type}): {error}")]
    Api {
        url: String,
        error_type: String,
        error: String,
    },
    #[error("{url} did not answer with JSON (content-type {content_type:?}, starts with {excerpt:?}). The URL probably points at a web page or a proxy, not the API")]
    NotJson {
        url: String,
        content_type: String,
        excerpt: String,
    },
    #[error("{url} sent an answer that cannot be read: {reason}. The server or a proxy may have cut it off; it is retried")]
    Malformed { url: String, reason: String },
    #[error("{url} sent more than {limit_bytes} bytes ({} MB). Narrow the query or raise max_body_mb for this server in the config", limit_bytes.div_ceil(1024 * 1024))]
    TooLarge { url: String, limit_bytes: usize },
    /// The server redirected to another origin (scheme, host or port) or from https to http: its
    /// answer would come from a server nobody configured.
    #[error("{url} redirected to {to}, which is {reason}; Watchdesk follows redirects only within the same server (scheme, host and port). If that is the right server, set its address as the URL in the config")]
    Redirected {
        url: String,
        to: String,
        reason: String,
    },
    #[error("TLS with {url} failed: {reason}. Check ca_file in the config (or the server's certificate)")]
    Tls { url: String, reason: String },
    #[error("source configuration: {reason}")]
    Config { reason: String },
    /// The password or token for `url` is in the OS keyring and cannot be read from it.
    #[error("cannot send the credentials for {url}: {reason}")]
    Secret { url: String, reason: String },
}

impl SourceError {
    /// Errors that mean "the server is not there" (grey in the UI), as opposed to a bad query.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            SourceError::Unreachable { .. }
                | SourceError::Timeout { .. }
                | SourceError::Tls { .. }
                | SourceError::Http { .. }
                | SourceError::NotJson { .. }
                | SourceError::Auth { .. }
                | SourceError::Secret { .. }
                | SourceError::Redirected { .. }
        )
    }
}

/// The Prometheus HTTP API v1 (or anything compatible: Thanos, Mimir, VictoriaMetrics).
#[async_trait]
pub trait MetricsSource: Send + Sync {
    /// Base URL, for messages.
    fn url(&self) -> &str;
    /// Instant query at `at` (server time when `None`).
    async fn query(
        &self,
        expr: &str,
        at: Option<Millis>,
    ) -> Result<Answer<Vec<InstantSample>>, SourceError>;
    /// Range query; `start` and `end` inclusive, `step_ms` > 0. Ranges over 11,000 points per series
    /// are split into several requests and joined.
    async fn query_range(
        &self,
        expr: &str,
        start: Millis,
        end: Millis,
        step_ms: i64,
    ) -> Result<Answer<Vec<RangeSeries>>, SourceError>;
    async fn targets(&self) -> Result<Vec<Target>, SourceError>;
    async fn rules(&self) -> Result<Vec<AlertRule>, SourceError>;
    async fn alerts(&self) -> Result<Vec<PromAlert>, SourceError>;
    async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
    ) -> Result<Vec<String>, SourceError>;
    async fn series(
        &self,
        matchers: &[String],
        start: Option<Millis>,
        end: Option<Millis>,
    ) -> Result<Vec<Labels>, SourceError>;
}

/// The Alertmanager API v2.
#[async_trait]
pub trait AlertSource: Send + Sync {
    fn url(&self) -> &str;
    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, SourceError>;
    async fn groups(&self, filter: &AlertFilter) -> Result<Vec<AlertGroup>, SourceError>;
    async fn silences(&self) -> Result<Vec<Silence>, SourceError>;
    /// Creates (or updates, when `id` is set) a silence; returns its id.
    async fn create_silence(&self, silence: &NewSilence) -> Result<String, SourceError>;
    async fn expire_silence(&self, id: &str) -> Result<(), SourceError>;
    async fn status(&self) -> Result<AmStatus, SourceError>;
}
