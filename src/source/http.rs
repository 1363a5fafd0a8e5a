//! The HTTP layer shared by the Prometheus and Alertmanager clients.
//!
//! One [`HttpClient`] per [`Endpoint`]: base URL with optional path prefix, credentials on every
//! request, optional private CA, whole-request timeout and a hard cap on the body size. Every
//! failure becomes a [`SourceError`] that says what failed and what the operator can do.
//!
//! Decoding rules ([`decode_json`], [`check_status`]):
//! - HTTP 401/403 -> [`SourceError::Auth`] (the body is not read).
//! - An API error envelope `{"status":"error","errorType":..,"error":..}` -> [`SourceError::Api`],
//!   whatever the HTTP status (some proxies wrap errors in HTTP 200).
//! - A non-2xx answer whose body is a JSON string (Alertmanager's error format) -> [`SourceError::Api`]
//!   with `error_type` `"HTTP <status>"`; any other non-2xx -> [`SourceError::Http`] with an excerpt.
//! - A body that does not start like a JSON object/array and does not parse (HTML, plain text) ->
//!   [`SourceError::NotJson`]; broken or truncated JSON, or JSON of the wrong shape ->
//!   [`SourceError::Malformed`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use super::{Auth, Endpoint, SourceError};
use crate::secrets::{OsKeyring, SecretStore};

/// `User-Agent` sent with every request.
pub const USER_AGENT_VALUE: &str = concat!("watchdesk/", env!("CARGO_PKG_VERSION"));

/// Longest excerpt of a body quoted in an error message, in characters.
pub const EXCERPT_CHARS: usize = 120;

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    None,
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
    /// `application/json`.
    Json(serde_json::Value),
}

/// A 2xx answer, read in full (within the size cap).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The request URL without credentials, for messages.
    pub url: String,
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, or `""`.
    pub content_type: String,
    /// The whole body (at most `max_body_bytes`).
    pub body: Vec<u8>,
}

impl Response {
    /// Decodes the body as JSON into `T` (see the module docs for the error rules).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SourceError> {
        decode_json(&self.url, &self.content_type, &self.body)
    }

    /// Fills in this answer's content type in a [`SourceError::NotJson`] produced by a parser that
    /// only saw the body.
    pub fn with_content_type(&self, err: SourceError) -> SourceError {
        match err {
            SourceError::NotJson { url, excerpt, .. } => SourceError::NotJson {
                url,
                content_type: self.content_type.clone(),
                excerpt,
            },
            other => other,
        }
    }
}

/// HTTP client for one server.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    base: Url,
    /// Base URL without credentials, for messages.
    display_url: String,
    auth: Auth,
    /// Where `Auth::Keyring` secrets are read, and the one read (memory only).
    keyring: KeyringSecret,
    timeout: Duration,
    max_body_bytes: usize,
    /// Headers sent with every request (Loki's `X-Scope-OrgID` tenant).
    headers: Vec<(reqwest::header::HeaderName, HeaderValue)>,
}

/// The OS keyring (or a test store) and the secret read from it, shared by the clones of one client.
#[derive(Clone)]
struct KeyringSecret {
    store: Arc<dyn SecretStore>,
    read: Arc<Mutex<Option<Arc<str>>>>,
}

impl std::fmt::Debug for KeyringSecret {
    // Never print secrets into logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyringSecret({})", self.store.name())
    }
}

/// How long a keyring read may take (a locked keyring may wait for its unlock prompt).
const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

impl HttpClient {
    /// Builds a client for `endpoint`. Fails with [`SourceError::Config`] on a bad URL, an
    /// unreadable or invalid `tls.ca_file`, a zero timeout or body cap, or a token that cannot be
    /// sent in a header.
    pub fn new(endpoint: &Endpoint) -> Result<Self, SourceError> {
        let base = parse_base_url(&endpoint.url)?;
        let display_url = redact(&base);
        if endpoint.timeout.is_zero() {
            return Err(config(format!(
                "the timeout for {display_url} is zero. Set a timeout of at least a second"
            )));
        }
        if endpoint.max_body_bytes == 0 {
            return Err(config(format!(
                "the body size limit for {display_url} is zero. Set max_body_mb to a few megabytes"
            )));
        }
        if let Auth::Bearer { token } = &endpoint.auth {
            if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
                return Err(config(format!(
                    "the bearer token for {display_url} is empty or contains characters not allowed in an \
                     HTTP header (line breaks, control characters). Check the token in the config"
                )));
            }
        }

        let mut builder = reqwest::Client::builder()
            .timeout(endpoint.timeout)
            .connect_timeout(endpoint.timeout)
            .user_agent(USER_AGENT_VALUE)
            .redirect(redirect_policy());
        if let Some(path) = &endpoint.tls.ca_file {
            let pem = crate::files::read_regular_file(path, MAX_CA_FILE_BYTES, "ca_file").map_err(
                |e| {
                    config(format!(
                        "cannot read ca_file {}: {e}. Check the path in the config",
                        path.display()
                    ))
                },
            )?;
            let not_pem = || {
                config(format!(
                    "ca_file {} holds no valid PEM certificate (-----BEGIN CERTIFICATE-----). \
                     Point ca_file at the CA certificate in PEM format",
                    path.display()
                ))
            };
            let certs =
                reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| not_pem())?;
            if certs.is_empty() {
                return Err(not_pem());
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if endpoint.tls.insecure_skip_verify {
            tracing::warn!(
                url = %display_url,
                "insecure_skip_verify is set: the server certificate is NOT checked; anyone on the \
                 network can read and forge this data. Use ca_file instead"
            );
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder.build().map_err(|e| {
            config(format!(
                "cannot set up HTTP for {display_url}: {}. Check ca_file and the TLS settings",
                error_chain(&e)
            ))
        })?;
        Ok(HttpClient {
            client,
            base,
            display_url,
            auth: endpoint.auth.clone(),
            keyring: KeyringSecret {
                store: Arc::new(OsKeyring),
                read: Arc::default(),
            },
            timeout: endpoint.timeout,
            max_body_bytes: endpoint.max_body_bytes,
            headers: Vec::new(),
        })
    }

    /// Sends the header `name: value` with every request. Fails with [`SourceError::Config`] when
    /// either cannot be sent in HTTP (line breaks, control characters).
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, SourceError> {
        let n = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| config(format!("{name:?} is not an HTTP header name")))?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            config(format!(
                "the {name} value for {} contains characters not allowed in an HTTP header \
                 (line breaks, control characters). Check it in the config",
                self.display_url
            ))
        })?;
        self.headers.push((n, v));
        Ok(self)
    }

    /// Reads `Auth::Keyring` secrets from `store` instead of the OS keyring (tests).
    pub fn with_secret_store(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.keyring = KeyringSecret {
            store,
            read: Arc::default(),
        };
        self
    }

    /// The credentials to send: `auth` itself, or for `Auth::Keyring` the secret read from the
    /// keyring (once; again after the server refused it).
    async fn credentials(&self) -> Result<Auth, SourceError> {
        let Auth::Keyring { username, account } = &self.auth else {
            return Ok(self.auth.clone());
        };
        let cached = self
            .keyring
            .read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let secret = match cached {
            Some(s) => s,
            None => {
                let store = self.keyring.store.clone();
                let acc = account.clone();
                let fail = |reason: String| SourceError::Secret {
                    url: self.display_url.clone(),
                    reason,
                };
                let read = tokio::task::spawn_blocking(move || store.get(&acc));
                let s: Arc<str> = match tokio::time::timeout(KEYRING_TIMEOUT, read).await {
                    Ok(Ok(Ok(s))) => s.into(),
                    Ok(Ok(Err(e))) => return Err(fail(e.to_string())),
                    Ok(Err(e)) => return Err(fail(format!("the keyring read failed: {e}"))),
                    Err(_) => {
                        return Err(fail(format!(
                            "the OS keyring did not answer within {} s; it may be waiting for \
                             an unlock prompt. Unlock it and the next poll retries",
                            KEYRING_TIMEOUT.as_secs()
                        )))
                    }
                };
                if username.is_none()
                    && (s.is_empty() || HeaderValue::from_str(&format!("Bearer {s}")).is_err())
                {
                    return Err(fail(
                        "the token in the OS keyring is empty or contains characters not allowed \
                         in an HTTP header; store it again with watchdesk login"
                            .into(),
                    ));
                }
                *self.keyring.read.lock().unwrap_or_else(|p| p.into_inner()) = Some(s.clone());
                s
            }
        };
        Ok(match username {
            Some(u) => Auth::Basic {
                username: u.clone(),
                password: secret.to_string(),
            },
            None => Auth::Bearer {
                token: secret.to_string(),
            },
        })
    }

    /// The server refused the credentials: a keyring secret is read again on the next request.
    fn forget_secret(&self) {
        *self.keyring.read.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The base URL without credentials.
    pub fn base_url(&self) -> &str {
        &self.display_url
    }

    /// The full URL for API path `segments` (each one percent-escaped), below the base path.
    pub fn url_for(&self, segments: &[&str]) -> Result<Url, SourceError> {
        join_url(&self.base, segments)
    }

    /// GET with query parameters.
    pub async fn get(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Response, SourceError> {
        self.send(reqwest::Method::GET, segments, query, Body::None)
            .await
    }

    /// POST an url-encoded form (keeps long PromQL out of the URL).
    pub async fn post_form(
        &self,
        segments: &[&str],
        form: &[(&str, String)],
    ) -> Result<Response, SourceError> {
        let form = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.send(reqwest::Method::POST, segments, &[], Body::Form(form))
            .await
    }

    /// POST a JSON body.
    pub async fn post_json(
        &self,
        segments: &[&str],
        body: serde_json::Value,
    ) -> Result<Response, SourceError> {
        self.send(reqwest::Method::POST, segments, &[], Body::Json(body))
            .await
    }

    /// DELETE.
    pub async fn delete(&self, segments: &[&str]) -> Result<Response, SourceError> {
        self.send(reqwest::Method::DELETE, segments, &[], Body::None)
            .await
    }

    /// Sends one request and reads the answer within the timeout and the size cap. Returns only
    /// 2xx answers; everything else is mapped to a [`SourceError`].
    pub async fn send(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Body,
    ) -> Result<Response, SourceError> {
        let mut url = self.url_for(segments)?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let shown = redact(&url);
        let auth = self.credentials().await?;
        let started = Instant::now();
        let work = self.send_inner(method, url, &shown, body, auth);
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(SourceError::Timeout {
                url: shown,
                secs: started
                    .elapsed()
                    .as_secs_f64()
                    .max(self.timeout.as_secs_f64()),
            }),
        }
    }

    async fn send_inner(
        &self,
        method: reqwest::Method,
        url: Url,
        shown: &str,
        body: Body,
        auth: Auth,
    ) -> Result<Response, SourceError> {
        let mut req = self
            .client
            .request(method, url)
            .header(ACCEPT, "application/json");
        for (n, v) in &self.headers {
            req = req.header(n.clone(), v.clone());
        }
        req = match &auth {
            Auth::None | Auth::Keyring { .. } => req,
            Auth::Basic { username, password } => req.basic_auth(username, Some(password)),
            Auth::Bearer { token } => req.bearer_auth(token),
        };
        req = match body {
            Body::None => req,
            Body::Form(pairs) => {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                req.header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(encoded)
            }
            Body::Json(value) => {
                let bytes = serde_json::to_vec(&value)
                    .map_err(|e| config(format!("cannot encode the request to {shown}: {e}")))?;
                req.header(CONTENT_TYPE, "application/json").body(bytes)
            }
        };
        let mut resp = req.send().await.map_err(|e| self.map_reqwest(e, shown))?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            self.forget_secret();
            return Err(SourceError::Auth {
                url: shown.to_owned(),
                status,
            });
        }
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| sanitize(s, EXCERPT_CHARS))
            .unwrap_or_default();
        let too_large = || SourceError::TooLarge {
            url: shown.to_owned(),
            limit_bytes: self.max_body_bytes,
        };
        let declared = resp.content_length();
        if let Some(len) = declared {
            if len > self.max_body_bytes as u64 {
                return Err(too_large());
            }
        }
        // Never trust Content-Length for the allocation beyond the cap; start small otherwise.
        let initial = declared
            .map(|l| l.min(self.max_body_bytes as u64) as usize)
            .unwrap_or(0)
            .min(1 << 20);
        let mut body = Vec::with_capacity(initial);
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_reqwest(e, shown))? {
            if body.len().saturating_add(chunk.len()) > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let resp = Response {
            url: shown.to_owned(),
            status,
            content_type,
            body,
        };
        check_status(&resp)?;
        Ok(resp)
    }

    fn map_reqwest(&self, e: reqwest::Error, shown: &str) -> SourceError {
        map_reqwest_error(e, shown, self.timeout)
    }
}

/// Largest CA bundle read from `ca_file`.
pub const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// A redirect the policy refused; found again in the error chain by [`map_reqwest_error`].
#[derive(Debug)]
struct RedirectRefused {
    to: String,
    reason: String,
}

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redirect to {} refused: {}", self.to, self.reason)
    }
}

impl std::error::Error for RedirectRefused {}

/// Scheme, host and port are the same (the port as written or the scheme's default).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Why a redirect from `from` to `to` is not followed, `None` when it may be.
pub fn redirect_refusal(from: &Url, to: &Url) -> Option<String> {
    if from.scheme() == "https" && to.scheme() != "https" {
        Some("plain http (the answer would travel unencrypted and could be forged)".to_owned())
    } else if !same_origin(from, to) {
        Some("another server".to_owned())
    } else {
        None
    }
}

/// Redirects are followed only within the origin of the first request: another host's answer must
/// never be cached as this server's data, and https never falls back to http.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let refusal = attempt
            .previous()
            .first()
            .and_then(|first| redirect_refusal(first, attempt.url()));
        if let Some(reason) = refusal {
            let to = origin_and_path(attempt.url());
            return attempt.error(RedirectRefused { to, reason });
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            let to = origin_and_path(attempt.url());
            return attempt.error(RedirectRefused {
                to,
                reason: format!("more than {MAX_REDIRECTS} redirects in a row (a redirect loop)"),
            });
        }
        attempt.follow()
    })
}

/// `scheme://host:port/path` of a URL, without credentials, query or fragment (for messages).
fn origin_and_path(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    sanitize(u.as_str(), 200)
}

/// Maps a transport error. TLS failures are recognised by their message (rustls is not a direct
/// dependency, so its error type cannot be matched).
fn map_reqwest_error(e: reqwest::Error, url: &str, timeout: Duration) -> SourceError {
    let e = e.without_url();
    let chain = error_chain(&e);
    let url = url.to_owned();
    if e.is_timeout() {
        return SourceError::Timeout {
            url,
            secs: timeout.as_secs_f64(),
        };
    }
    if looks_like_tls(&chain) {
        return SourceError::Tls { url, reason: chain };
    }
    if e.is_builder() {
        return config(format!("cannot build the request to {url}: {chain}"));
    }
    if e.is_body() || e.is_decode() {
        return SourceError::Malformed {
            url,
            reason: format!("the answer was cut off ({chain})"),
        };
    }
    if e.is_redirect() {
        let mut cur: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = cur {
            if let Some(r) = err.downcast_ref::<RedirectRefused>() {
                return SourceError::Redirected {
                    url,
                    to: r.to.clone(),
                    reason: r.reason.clone(),
                };
            }
            cur = err.source();
        }
        return SourceError::Unreachable {
            url,
            reason: format!("redirect loop or too many redirects ({chain})"),
        };
    }
    SourceError::Unreachable { url, reason: chain }
}

fn looks_like_tls(chain: &str) -> bool {
    let lower = chain.to_ascii_lowercase();
    [
        "certificate",
        "tls",
        "ssl",
        "handshake",
        "invalidcontenttype",
        "peer sent",
        "fatal alert",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

/// `a: b: c` from an error and its sources, without repeats, at most 300 characters.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    sanitize(&parts.join(": "), 300)
}

fn config(reason: String) -> SourceError {
    SourceError::Config { reason }
}

/// Parses and checks a base URL (http or https, no query or fragment needed).
pub fn parse_base_url(raw: &str) -> Result<Url, SourceError> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|e| {
        config(format!(
            "{:?} is not a valid URL ({e}). Write it like http://host:9090 or https://host/prefix",
            sanitize(trimmed, EXCERPT_CHARS)
        ))
    })?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(config(format!(
                "{} uses scheme {other:?}; only http and https are supported",
                redact(&url)
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(config(format!("{} has no host name", redact(&url))));
    }
    Ok(url)
}

/// Appends `segments` (percent-escaped one by one) to the base URL's path, with or without a
/// trailing slash on the base. The base's query string, if any, is kept.
pub fn join_url(base: &Url, segments: &[&str]) -> Result<Url, SourceError> {
    let mut url = base.clone();
    url.set_fragment(None);
    let prefix = base.path().trim_end_matches('/').to_owned();
    url.set_path(&prefix);
    {
        let mut path = url.path_segments_mut().map_err(|()| {
            config(format!(
                "{} cannot carry an API path. Write it like http://host:9090",
                redact(base)
            ))
        })?;
        path.pop_if_empty().extend(segments);
    }
    Ok(url)
}

/// The URL as text without a password.
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    u.to_string()
}

/// Maps non-2xx answers (see the module docs). 2xx passes.
pub fn check_status(resp: &Response) -> Result<(), SourceError> {
    let status = resp.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    if status == 401 || status == 403 {
        return Err(SourceError::Auth {
            url: resp.url.clone(),
            status,
        });
    }
    let text = trim_json_start(&resp.body);
    if let Some(err) = api_error(&resp.url, text) {
        return Err(err);
    }
    if text.first() == Some(&b'"') {
        if let Ok(msg) = serde_json::from_slice::<String>(text) {
            return Err(SourceError::Api {
                url: resp.url.clone(),
                error_type: format!("HTTP {status}"),
                error: sanitize(&msg, 500),
            });
        }
    }
    Err(SourceError::Http {
        url: resp.url.clone(),
        status,
        excerpt: excerpt(&resp.body),
    })
}

#[derive(Deserialize)]
struct ErrorProbe {
    status: Option<serde_json::Value>,
    #[serde(rename = "errorType")]
    error_type: Option<serde_json::Value>,
    error: Option<serde_json::Value>,
}

fn value_text(v: Option<serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

/// `Some(Api)` when the body is an error envelope.
fn api_error(url: &str, text: &[u8]) -> Option<SourceError> {
    if text.first() != Some(&b'{') {
        return None;
    }
    let probe: ErrorProbe = serde_json::from_slice(text).ok()?;
    if probe.status.as_ref().and_then(|s| s.as_str()) != Some("error") {
        return None;
    }
    let error_type = value_text(probe.error_type);
    let error = value_text(probe.error);
    Some(SourceError::Api {
        url: url.to_owned(),
        error_type: if error_type.is_empty() {
            "unknown".to_owned()
        } else {
            sanitize(&error_type, 60)
        },
        error: if error.is_empty() {
            "no reason given".to_owned()
        } else {
            sanitize(&error, 500)
        },
    })
}

fn trim_json_start(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body.get(start..).unwrap_or_default()
}

/// Decodes a 2xx body as JSON into `T`: error envelope -> Api, non-JSON -> NotJson, broken or
/// wrong-shaped JSON -> Malformed.
pub fn decode_json<T: DeserializeOwned>(
    url: &str,
    content_type: &str,
    body: &[u8],
) -> Result<T, SourceError> {
    let text = trim_json_start(body);
    if text.is_empty() {
        return Err(SourceError::Malformed {
            url: url.to_owned(),
            reason: "the answer is empty".to_owned(),
        });
    }
    if let Some(err) = api_error(url, text) {
        return Err(err);
    }
    serde_json::from_slice::<T>(text).map_err(|e| {
        let looks_json = matches!(text.first(), Some(b'{' | b'['));
        match e.classify() {
            // Not JSON at all (HTML, "404 page not found"), as opposed to JSON of the wrong shape.
            _ if !looks_json && serde_json::from_slice::<serde::de::IgnoredAny>(text).is_err() => {
                SourceError::NotJson {
                    url: url.to_owned(),
                    content_type: content_type.to_owned(),
                    excerpt: excerpt(body),
                }
            }
            serde_json::error::Category::Eof => SourceError::Malformed {
                url: url.to_owned(),
                reason: format!("the JSON ends early ({e})"),
            },
            _ => SourceError::Malformed {
                url: url.to_owned(),
                reason: sanitize(&e.to_string(), 300),
            },
        }
    })
}

/// A short, printable excerpt of a body: HTML tags dropped, control characters removed,
/// whitespace collapsed, at most [`EXCERPT_CHARS`] characters.
pub fn excerpt(body: &[u8]) -> String {
    let head = body.get(..4096).unwrap_or(body);
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let text = if text.starts_with('<') {
        strip_tags(text)
    } else {
        text.to_owned()
    };
    let s = sanitize(&text, EXCERPT_CHARS);
    if s.is_empty() {
        "(empty body)".to_owned()
    } else {
        s
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Replaces control characters by spaces, collapses runs of whitespace and cuts to `max` chars
/// (ending with `…` when cut).
pub fn sanitize(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() {
            pending_space = count > 0;
            continue;
        }
        let need = usize::from(pending_space) + 1;
        if count + need > max {
            // Make room for the ellipsis.
            while count + 1 > max {
                if out.pop().is_none() {
                    break;
                }
                count -= 1;
            }
            if max > 0 {
                out.push('…');
            }
            return out;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

#[cfg(test)]
pub(crate) mod testserver {
    //! A tiny hostile HTTP/1.1 server for end-to-end tests of the real clients.

    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// One request as the server saw it.
    #[derive(Debug, Clone, Default)]
    pub struct Seen {
        pub method: String,
        /// Path and query, as sent.
        pub target: String,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Seen {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
        /// Form body or query pairs.
        pub fn params(&self) -> Vec<(String, String)> {
            let query = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
            url::form_urlencoded::parse(query.as_bytes())
                .chain(url::form_urlencoded::parse(&self.body))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        }
        pub fn param(&self, name: &str) -> Option<String> {
            self.params()
                .into_iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v)
        }
        pub fn path(&self) -> &str {
            self.target.split('?').next().unwrap_or("")
        }
    }

    /// What the server answers.
    pub enum Reply {
        /// A complete raw HTTP response (status line, headers, body).
        Raw(Vec<u8>),
        /// `bytes` of body in 64 KiB pieces, with or without Content-Length (chunked).
        Flood { bytes: usize, content_length: bool },
        /// Read the request, never answer.
        Hang,
    }

    /// A response with `status`, content type and body, Content-Length set.
    pub fn reply(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::Raw(
            format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    }

    pub fn json(body: &str) -> Reply {
        reply(200, "application/json", body)
    }

    pub type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

    pub struct Server {
        pub url: String,
        pub seen: Arc<Mutex<Vec<Seen>>>,
    }

    impl Server {
        pub fn requests(&self) -> Vec<Seen> {
            self.seen.lock().map(|s| s.clone()).unwrap_or_default()
        }
    }

    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let handler = handler.clone();
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let _ = serve(sock, handler, seen).await;
                });
            }
        });
        Server {
            url: format!("http://{addr}"),
            seen,
        }
    }

    async fn serve(
        mut sock: TcpStream,
        handler: Arc<Handler>,
        seen: Arc<Mutex<Vec<Seen>>>,
    ) -> std::io::Result<()> {
        let mut buf = Vec::new();
        let mut tmp = [0u8; 8192];
        let head_end = loop {
            let n = sock.read(&mut tmp).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&tmp[..n]);
            if buf.first() == Some(&0x16) {
                // A TLS ClientHello: answer in plain HTTP, as a misconfigured port would.
                sock.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await?;
                return Ok(());
            }
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let first = lines.next().unwrap_or("");
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = buf[head_end..].to_vec();
        while body.len() < len {
            let n = sock.read(&mut tmp).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&tmp[..n]);
        }
        let req = Seen {
            method,
            target,
            headers,
            body,
        };
        let answer = handler(&req);
        if let Ok(mut s) = seen.lock() {
            s.push(req);
        }
        match answer {
            Reply::Raw(bytes) => {
                sock.write_all(&bytes).await?;
                sock.shutdown().await?;
            }
            Reply::Flood {
                bytes,
                content_length,
            } => {
                let head = if content_length {
                    format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\n\r\n")
                } else {
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned()
                };
                sock.write_all(head.as_bytes()).await?;
                let piece = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < bytes {
                    let n = piece.len().min(bytes - sent);
                    if content_length {
                        sock.write_all(&piece[..n]).await?;
                    } else {
                        sock.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                        sock.write_all(&piece[..n]).await?;
                        sock.write_all(b"\r\n").await?;
                    }
                    sent += n;
                }
                if !content_length {
                    sock.write_all(b"0\r\n\r\n").await?;
                }
            }
            Reply::Hang => {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::testserver::{reply, start, Reply};
    use super::*;
    use std::time::Duration;

    #[track_caller]
    fn check_join(base: &str, segments: &[&str], expect: &str) {
        let base = parse_base_url(base).expect("base");
        assert_eq!(join_url(&base, segments).expect("join").as_str(), expect);
    }

    #[test]
    fn joins_paths() {
        check_join(
            "http://h:9090",
            &["api", "v1", "query"],
            "http://h:9090/api/v1/query",
        );
        check_join(
            "http://h:9090/",
            &["api", "v1", "query"],
            "http://h:9090/api/v1/query",
        );
        check_join("https://h/prom", &["api", "v1"], "https://h/prom/api/v1");
        check_join("https://h/prom/", &["api", "v1"], "https://h/prom/api/v1");
        check_join("https://h/a/b//", &["api"], "https://h/a/b/api");
        check_join(
            "http://h/",
            &["api", "v1", "label", "a/b?c#d", "values"],
            "http://h/api/v1/label/a%2Fb%3Fc%23d/values",
        );
        check_join("http://h/x?tenant=1", &["api"], "http://h/x/api?tenant=1");
    }

    #[track_caller]
    fn check_bad_base(base: &str, expect_in_reason: &str) {
        match parse_base_url(base) {
            Err(SourceError::Config { reason }) => {
                assert!(reason.contains(expect_in_reason), "{reason}")
            }
            other => panic!("{base}: {other:?}"),
        }
    }

    #[test]
    fn rejects_bad_bases() {
        check_bad_base("localhost:9090", "scheme");
        check_bad_base("ftp://h/", "scheme");
        check_bad_base("not a url", "not a valid URL");
        check_bad_base("", "not a valid URL");
    }

    #[test]
    fn redacts_password() {
        let u = parse_base_url("http://bob:secret@h:9090/").expect("url");
        assert_eq!(redact(&u), "http://bob:***@h:9090/");
    }

    #[track_caller]
    fn check_sanitize(input: &str, max: usize, expect: &str) {
        assert_eq!(sanitize(input, max), expect);
        assert!(sanitize(input, max).chars().count() <= max);
    }

    #[test]
    fn sanitizes() {
        check_sanitize("plain", 10, "plain");
        check_sanitize("a\x00b\x1b[31mc\n\n d", 20, "a b [31mc d");
        check_sanitize("  lead and trail  ", 30, "lead and trail");
        check_sanitize("abcdefghij", 5, "abcd…");
        check_sanitize("abcde", 5, "abcde");
        check_sanitize("ééééééé", 3, "éé…");
        assert_eq!(
            excerpt(b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"),
            "502 Bad Gateway nginx"
        );
        assert_eq!(excerpt(b""), "(empty body)");
        assert!(excerpt(&[b'x'; 10_000]).chars().count() <= EXCERPT_CHARS);
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Shape {
        a: i64,
    }

    #[track_caller]
    fn check_decode(body: &str, expect: Result<Shape, &str>) {
        let got = decode_json::<Shape>("http://u", "text/html", body.as_bytes());
        match (got, expect) {
            (Ok(g), Ok(e)) => assert_eq!(g, e),
            (Err(g), Err(kind)) => {
                let name = format!("{g:?}");
                assert!(
                    name.starts_with(kind),
                    "{body:?}: expected {kind}, got {name}"
                );
            }
            (g, e) => panic!("{body:?}: got {g:?}, expected {e:?}"),
        }
    }

    #[test]
    fn decodes() {
        check_decode(r#"{"a": 1}"#, Ok(Shape { a: 1 }));
        check_decode("\u{feff} {\"a\": 2}", Ok(Shape { a: 2 }));
        check_decode(r#"{"a": 1"#, Err("Malformed"));
        check_decode(r#"{"a": "x"}"#, Err("Malformed"));
        check_decode(r#"[1,2"#, Err("Malformed"));
        check_decode("", Err("Malformed"));
        check_decode("<html>hi</html>", Err("NotJson"));
        check_decode("404 page not found", Err("NotJson"));
        check_decode("Bad Gateway", Err("NotJson"));
        check_decode(
            r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            Err("Api"),
        );
        check_decode(r#"{"status":"error"}"#, Err("Api"));
        check_decode(r#"{"status":"success","a":3}"#, Ok(Shape { a: 3 }));
    }

    #[track_caller]
    fn check_status_case(status: u16, body: &str, expect: &str) {
        let resp = Response {
            url: "http://u".into(),
            status,
            content_type: String::new(),
            body: body.as_bytes().to_vec(),
        };
        let got = format!("{:?}", check_status(&resp));
        assert!(got.contains(expect), "{status} {body:?}: {got}");
    }

    #[test]
    fn maps_statuses() {
        check_status_case(200, "x", "Ok(())");
        check_status_case(204, "", "Ok(())");
        check_status_case(401, "", "Auth");
        check_status_case(403, "<html>", "Auth");
        check_status_case(
            400,
            r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#,
            "Api { url: \"http://u\", error_type: \"bad_data\", error: \"1:5: parse error\"",
        );
        check_status_case(
            400,
            r#""bad matcher format: foo""#,
            "Api { url: \"http://u\", error_type: \"HTTP 400\", error: \"bad matcher format: foo\"",
        );
        check_status_case(
            502,
            "<h1>Bad Gateway</h1>",
            "Http { url: \"http://u\", status: 502, excerpt: \"Bad Gateway\"",
        );
        check_status_case(
            404,
            "404 page not found\n",
            "excerpt: \"404 page not found\"",
        );
        check_status_case(500, "", "excerpt: \"(empty body)\"");
    }

    fn endpoint(url: &str) -> Endpoint {
        let mut e = Endpoint::new(url);
        e.timeout = Duration::from_secs(5);
        e
    }

    #[test]
    fn config_errors() {
        let mut e = endpoint("http://127.0.0.1:1");
        e.tls.ca_file = Some("/nonexistent/ca.pem".into());
        let err = HttpClient::new(&e).expect_err("missing ca");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");

        let dir = tempfile::tempdir().expect("tempdir");
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "not a certificate").expect("write");
        e.tls.ca_file = Some(bad.clone());
        let err = HttpClient::new(&e).expect_err("bad ca");
        assert!(matches!(err, SourceError::Config { .. }));
        assert!(err.to_string().contains("bad.pem"), "{err}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        e.tls.ca_file = Some(garbage);
        let err = HttpClient::new(&e).expect_err("garbage ca");
        assert!(err.to_string().contains("garbage.pem"), "{err}");

        let mut e = endpoint("http://h");
        e.auth = Auth::Bearer {
            token: "a\nb".into(),
        };
        assert!(matches!(
            HttpClient::new(&e),
            Err(SourceError::Config { .. })
        ));
        let mut e = endpoint("http://h");
        e.timeout = Duration::ZERO;
        assert!(HttpClient::new(&e).is_err());
    }

    /// #11: a secret in the keyring is sent as a bearer token (no username) or Basic password, read
    /// once, read again after a 401 (a new one stored by `watchdesk login` is picked up without a
    /// restart), and a keyring that cannot be read fails the request saying so, without a request.
    #[tokio::test]
    async fn keyring_secret_is_sent_read_once_and_read_again_after_a_refusal() {
        use crate::secrets::{MemoryStore, SecretError, SecretStore};
        let srv = start(|r| {
            if r.header("authorization") == Some("Bearer new-token") {
                reply(200, "application/json", "{}")
            } else {
                reply(401, "text/plain", "no")
            }
        })
        .await;
        let store = Arc::new(MemoryStore::default());
        store.set("rta prometheus x", "old-token").expect("set");
        let mut e = endpoint(&srv.url);
        e.auth = Auth::Keyring {
            username: None,
            account: "rta prometheus x".into(),
        };
        let c = HttpClient::new(&e)
            .expect("client")
            .with_secret_store(store.clone());
        let err = c.get(&["x"], &[]).await.expect_err("old token refused");
        assert!(
            matches!(err, SourceError::Auth { status: 401, .. }),
            "{err}"
        );
        store.set("rta prometheus x", "new-token").expect("set");
        c.get(&["x"], &[])
            .await
            .expect("the new token is read again");
        c.get(&["x"], &[]).await.expect("and kept");
        let seen = srv.requests();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].header("authorization"), Some("Bearer old-token"));
        assert_eq!(seen[2].header("authorization"), Some("Bearer new-token"));

        let mut e = endpoint(&srv.url);
        e.auth = Auth::Keyring {
            username: Some("op".into()),
            account: "rta prometheus y".into(),
        };
        store.set("rta prometheus y", "pw").expect("set");
        let c = HttpClient::new(&e)
            .expect("client")
            .with_secret_store(store.clone());
        let _ = c.get(&["y"], &[]).await;
        assert_eq!(
            srv.requests()[3].header("authorization"),
            Some("Basic b3A6cHc=")
        );

        // Missing entry, and no keyring at all: the request is not sent; the message says what
        // to do and the source counts as not reachable (grey, never green).
        let c = HttpClient::new(&Endpoint {
            auth: Auth::Keyring {
                username: None,
                account: "rta prometheus z".into(),
            },
            ..endpoint(&srv.url)
        })
        .expect("client")
        .with_secret_store(store.clone());
        let err = c.get(&["z"], &[]).await.expect_err("missing");
        assert!(err.to_string().contains("watchdesk login rta"), "{err}");
        assert!(err.is_unreachable());
        *store.fail.lock().expect("lock") = Some(SecretError::NoKeyring {
            reason: "test".into(),
        });
        let err = c.get(&["z"], &[]).await.expect_err("no keyring");
        assert!(err.to_string().contains("password_file"), "{err}");
        assert_eq!(srv.requests().len(), 4, "no request without credentials");
    }

    #[tokio::test]
    async fn sends_headers_and_forms() {
        let srv = start(|_| reply(200, "application/json", "{}")).await;
        let mut e = endpoint(&format!("{}/prefix/", srv.url));
        e.auth = Auth::Basic {
            username: "user".into(),
            password: "pass".into(),
        };
        let c = HttpClient::new(&e).expect("client");
        c.post_form(
            &["api", "v1", "query"],
            &[("query", "a{b=\"c d\"} + 1".into())],
        )
        .await
        .expect("post");
        c.get(
            &["x"],
            &[("match[]", "up".into()), ("match[]", "a&b".into())],
        )
        .await
        .expect("get");
        let seen = srv.requests();
        assert_eq!(seen.len(), 2);
        let first = &seen[0];
        assert_eq!(first.method, "POST");
        assert_eq!(first.target, "/prefix/api/v1/query");
        assert_eq!(first.header("authorization"), Some("Basic dXNlcjpwYXNz"));
        assert_eq!(first.header("user-agent"), Some(USER_AGENT_VALUE));
        assert_eq!(
            first.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(first.param("query").as_deref(), Some("a{b=\"c d\"} + 1"));
        assert_eq!(seen[1].target, "/prefix/x?match%5B%5D=up&match%5B%5D=a%26b");
    }

    #[track_caller]
    fn assert_kind(got: &Result<Response, SourceError>, kind: &str) {
        let s = format!("{got:?}");
        assert!(
            s.starts_with(&format!("Err({kind}")),
            "expected {kind}, got {s}"
        );
    }

    #[tokio::test]
    async fn caps_big_bodies() {
        for content_length in [true, false] {
            let srv = start(move |_| Reply::Flood {
                bytes: 50 * 1024 * 1024,
                content_length,
            })
            .await;
            let mut e = endpoint(&srv.url);
            e.max_body_bytes = 1024 * 1024;
            let c = HttpClient::new(&e).expect("client");
            let t = Instant::now();
            let got = c.get(&["big"], &[]).await;
            assert_kind(&got, "TooLarge");
            assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        }
    }

    #[tokio::test]
    async fn transport_errors() {
        let srv = start(|_| Reply::Hang).await;
        let mut e = endpoint(&srv.url);
        e.timeout = Duration::from_millis(500);
        let c = HttpClient::new(&e).expect("client");
        let t = Instant::now();
        let got = c.get(&["slow"], &[]).await;
        assert_kind(&got, "Timeout");
        assert!(t.elapsed() < Duration::from_secs(3));
        if let Err(SourceError::Timeout { secs, .. }) = got {
            assert!((0.5..1.5).contains(&secs), "{secs}");
        }

        let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let c = HttpClient::new(&endpoint(&format!("http://127.0.0.1:{port}"))).expect("client");
        assert_kind(&c.get(&["x"], &[]).await, "Unreachable");

        let c = HttpClient::new(&endpoint("http://nonexistent.invalid")).expect("client");
        assert_kind(&c.get(&["x"], &[]).await, "Unreachable");

        let srv = start(|_| reply(401, "text/plain", "no")).await;
        let c = HttpClient::new(&endpoint(&srv.url)).expect("client");
        assert_kind(&c.get(&["x"], &[]).await, "Auth");

        // Content-Length promises more than the server sends.
        let srv = start(|_| {
            Reply::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":"
                    .to_vec(),
            )
        })
        .await;
        let c = HttpClient::new(&endpoint(&srv.url)).expect("client");
        assert_kind(&c.get(&["x"], &[]).await, "Malformed");

        // Plain HTTP server spoken to with TLS.
        let srv = start(|_| reply(200, "application/json", "{}")).await;
        let https = srv.url.replace("http://", "https://");
        let c = HttpClient::new(&endpoint(&https)).expect("client");
        let got = c.get(&["x"], &[]).await;
        assert_kind(&got, "Tls");
    }

    /// Hardening #14.10: redirects were followed to any host and from https to http, and the other
    /// host's data was cached as this server's. Only same-origin redirects are followed now; others
    /// fail with `Redirected`, which says what to configure.
    #[tokio::test]
    async fn redirects_to_another_server_are_refused() {
        let other = start(|_| reply(200, "application/json", r#"{"stolen":true}"#)).await;
        let to = format!("{}/api/v1/query", other.url);
        let srv = start(move |seen| match seen.path() {
            "/same" => Reply::Raw(
                b"HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 0\r\n\r\n".to_vec(),
            ),
            "/target" => reply(200, "application/json", "{}"),
            "/loop" => Reply::Raw(
                b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".to_vec(),
            ),
            _ => Reply::Raw(
                format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: {to}?secret=1\r\nContent-Length: 0\r\n\r\n"
                )
                .into_bytes(),
            ),
        })
        .await;
        let c = HttpClient::new(&endpoint(&srv.url)).expect("client");
        let same = c
            .get(&["same"], &[])
            .await
            .expect("a same-origin redirect is followed");
        assert!(same.url.ends_with("/same"), "{}", same.url);
        let got = c.get(&["elsewhere"], &[]).await;
        assert_kind(&got, "Redirected");
        let msg = got.expect_err("refused").to_string();
        assert!(msg.contains(&other.url) && !msg.contains("secret"), "{msg}");
        assert!(
            msg.contains("another server") && msg.contains("URL in the config"),
            "{msg}"
        );
        assert!(
            other.requests().is_empty(),
            "the other server was never asked"
        );
        let looped = c.get(&["loop"], &[]).await;
        assert_kind(&looped, "Redirected");
        assert!(looped.expect_err("loop").is_unreachable());
    }

    #[test]
    fn redirect_rules() {
        let u = |s: &str| Url::parse(s).expect("url");
        let from = u("https://prom.example/prometheus/api/v1/query");
        assert_eq!(
            redirect_refusal(&from, &u("https://prom.example:443/x")),
            None
        );
        assert!(redirect_refusal(&from, &u("http://prom.example/x"))
            .is_some_and(|r| r.contains("plain http")));
        assert!(redirect_refusal(&from, &u("https://evil.example/x")).is_some());
        assert!(redirect_refusal(&from, &u("https://prom.example:8443/x")).is_some());
        let plain = u("http://prom.example:9090/api");
        assert_eq!(
            redirect_refusal(&plain, &u("http://prom.example:9090/login")),
            None
        );
        assert!(redirect_refusal(&plain, &u("https://prom.example:9090/api")).is_some());
    }

    /// Hardening #14.11: the too-large error told the operator to raise `max_body_bytes`, which is
    /// not a config key; the key is `max_body_mb`.
    #[test]
    fn too_large_names_the_config_key_max_body_mb() {
        let msg = SourceError::TooLarge {
            url: "http://p:9090/api/v1/query_range".into(),
            limit_bytes: 32 * 1024 * 1024,
        }
        .to_string();
        assert!(
            msg.contains("max_body_mb") && msg.contains("32 MB"),
            "{msg}"
        );
        assert!(!msg.contains("max_body_bytes"), "{msg}");
        let mut e = endpoint("http://h");
        e.max_body_bytes = 0;
        let err = HttpClient::new(&e).expect_err("zero cap").to_string();
        assert!(
            err.contains("max_body_mb") && !err.contains("max_body_bytes"),
            "{err}"
        );
    }
}
