//! `watchdesk login`: a source's password or token into the OS keyring, checked against the server
//! with the same read path the poller uses, and the config line that refers to it.

use std::sync::Arc;

use super::{Desk, DeskError};
use crate::config::{Config, Overrides};
use crate::secrets::{self, Role, SecretError, SecretStore};
use crate::source::http::HttpClient;
use crate::source::{Auth, Endpoint, SourceError};

/// Which server's secret to store.
#[derive(Debug, Clone, Default)]
pub struct LoginRequest {
    /// The `[[source]]` name.
    pub site: String,
    /// The source's Prometheus at this URL (default: the configured one).
    pub prometheus: Option<String>,
    /// One of the source's Alertmanagers, by URL.
    pub alertmanager: Option<String>,
    /// HTTP Basic username (default: the configured one; none: a bearer token).
    pub username: Option<String>,
    /// Remove the entry instead of storing one.
    pub forget: bool,
}

/// What the server said to the stored secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// It answered with the credentials.
    Accepted,
    /// It refused them (HTTP 401/403): the secret or the username is wrong.
    Refused(String),
    /// It could not be asked (down, unreachable): the secret is stored but unproven.
    NotChecked(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReport {
    pub account: String,
    /// "Secret Service", "Windows Credential Manager".
    pub store: &'static str,
    pub role: Role,
    pub url: String,
    pub username: Option<String>,
    /// `None` for `forget`.
    pub verified: Option<Verified>,
    /// For `forget`: whether there was an entry.
    pub removed: bool,
    /// The TOML to put in the source's section when the config does not refer to the keyring yet.
    pub config_hint: Option<String>,
}

impl Desk {
    /// Stores `secret` (or, with `forget`, removes the entry) for one server of a source and, when
    /// storing, asks the server whether it accepts it.
    pub async fn login(
        ov: &Overrides,
        req: &LoginRequest,
        secret: Option<&str>,
        store: Arc<dyn SecretStore>,
    ) -> Result<LoginReport, DeskError> {
        // The flags choose the server here; they do not replace the configured sources.
        let cfg = Config::load(&Overrides {
            config: ov.config.clone(),
            ..Overrides::default()
        })?;
        let site = cfg.sites.iter().find(|s| s.name == req.site);
        let configured = cfg
            .sites
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let (role, url, endpoint): (Role, String, Option<&Endpoint>) =
            match (&req.prometheus, &req.alertmanager) {
                (Some(_), Some(_)) => {
                    return Err(login_err(
                        "give either --prometheus or --alertmanager, not both",
                    ))
                }
                (None, Some(u)) => {
                    let ep = site.and_then(|s| {
                        s.alertmanagers
                            .iter()
                            .find(|a| a.url.trim_end_matches('/') == u.trim_end_matches('/'))
                    });
                    (Role::Alertmanager, u.clone(), ep)
                }
                (Some(u), None) => {
                    let ep = site
                        .map(|s| &s.prometheus)
                        .filter(|p| p.url.trim_end_matches('/') == u.trim_end_matches('/'));
                    (Role::Prometheus, u.clone(), ep)
                }
                (None, None) => match site {
                    Some(s) => (
                        Role::Prometheus,
                        s.prometheus.url.clone(),
                        Some(&s.prometheus),
                    ),
                    None => {
                        return Err(DeskError::NoSuchSource {
                            name: req.site.clone(),
                            configured: format!(
                                "{configured}; for a new source give its URL with --prometheus URL"
                            ),
                        })
                    }
                },
            };
        if url::Url::parse(&url)
            .map(|u| u.scheme() != "http" && u.scheme() != "https")
            .unwrap_or(true)
        {
            return Err(login_err(&format!(
                "{url:?} is not an http:// or https:// URL"
            )));
        }
        let account = secrets::account(&req.site, role, &url);
        let configured_user = endpoint.and_then(|e| match &e.auth {
            Auth::Basic { username, .. } => Some(username.clone()),
            Auth::Keyring { username, .. } => username.clone(),
            _ => None,
        });
        let username = req.username.clone().or(configured_user);
        let refers = endpoint.is_some_and(|e| {
            matches!(&e.auth, Auth::Keyring { account: a, username: u } if *a == account && *u == username)
        });
        let config_hint =
            (!refers).then(|| hint(&req.site, role, &url, username.as_deref(), site.is_some()));
        let mut report = LoginReport {
            account: account.clone(),
            store: store.name(),
            role,
            url: url.clone(),
            username: username.clone(),
            verified: None,
            removed: false,
            config_hint,
        };
        if req.forget {
            let (s, a) = (store.clone(), account.clone());
            report.removed = blocking(move || s.delete(&a)).await?;
            report.config_hint = None;
            return Ok(report);
        }
        let secret = secrets::clean_secret(secret.unwrap_or_default()).map_err(secret_err)?;
        let (s, a) = (store.clone(), account.clone());
        blocking(move || s.set(&a, &secret)).await?;

        // Ask the server, reading the secret back from the keyring as the poller will.
        let mut ep = endpoint
            .cloned()
            .unwrap_or_else(|| Endpoint::new(url.clone()));
        ep.auth = Auth::Keyring {
            username: username.clone(),
            account,
        };
        let path: &[&str] = match role {
            Role::Prometheus => &["api", "v1", "status", "buildinfo"],
            Role::Alertmanager => &["api", "v2", "status"],
            Role::Loki => &["loki", "api", "v1", "status", "buildinfo"],
        };
        report.verified = Some(match HttpClient::new(&ep) {
            Err(e) => Verified::NotChecked(e.to_string()),
            Ok(c) => match c.with_secret_store(store).get(path, &[]).await {
                Ok(_) => Verified::Accepted,
                Err(e @ SourceError::Auth { .. }) => Verified::Refused(e.to_string()),
                Err(e @ SourceError::Secret { .. }) => {
                    return Err(login_err(&e.to_string()));
                }
                Err(e) => Verified::NotChecked(e.to_string()),
            },
        });
        Ok(report)
    }
}

fn hint(site: &str, role: Role, url: &str, username: Option<&str>, exists: bool) -> String {
    let user = username
        .map(|u| format!("username = {u:?}, "))
        .unwrap_or_default();
    let ep = format!("{{ url = {url:?}, {user}keyring = true }}");
    let line = match role {
        Role::Prometheus => format!("prometheus = {ep}"),
        Role::Alertmanager => format!("alertmanagers = [{ep}]   # this entry of the list"),
        Role::Loki => format!("loki = {ep}"),
    };
    if exists {
        format!("in the [[source]] named {site:?}: {line}")
    } else {
        format!("[[source]]\nname = {site:?}\n{line}")
    }
}

fn login_err(reason: &str) -> DeskError {
    DeskError::Io {
        what: "login".into(),
        reason: reason.into(),
    }
}

fn secret_err(e: SecretError) -> DeskError {
    login_err(&e.to_string())
}

/// Keyring calls block on D-Bus: off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, DeskError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| login_err(&format!("the keyring call failed: {e}")))?
        .map_err(secret_err)
}
