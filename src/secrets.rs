//! Passwords and bearer tokens in the OS keyring: the Secret Service on Linux (gnome-keyring,
//! KeePassXC), the Credential Manager on Windows.
//!
//! The config names a secret, it never holds it: `prometheus = { url = "...", username = "op",
//! keyring = true }`. `watchdesk login` stores it (see `src/main.rs`); the HTTP client reads it on the
//! first request and keeps it in memory only, and reads it again after the server refused it (so a
//! new password stored with `watchdesk login` is picked up without a restart).
//!
//! An entry is keyed by the source name, the role and the URL (`rta prometheus
//! https://mon.example/prometheus`): a config edited to point at another server never sends it the
//! old server's password. The service name is the app's folder name (`watchdesk`, `watchdesk-dev` for
//! development builds), so a developer's build never reads an operator's secrets.
//!
//! The store is opened on first use and, unlike the `keyring` crate's v1 facade, opened again after
//! a failure: an app started at login before the Secret Service is up finds it a poll later.

use std::sync::{Arc, Mutex};

/// The keyring's service name for Watchdesk's entries.
pub const SERVICE: &str = crate::files::APP_DIR;

/// Longest secret accepted (a bearer token is a few KiB at most).
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

/// Which server of a source a secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Prometheus,
    Alertmanager,
    Loki,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Prometheus => "prometheus",
            Role::Alertmanager => "alertmanager",
            Role::Loki => "loki",
        }
    }
}

/// The keyring account of one server's secret: `"{source} {role} {url}"`, the URL without a
/// trailing slash.
pub fn account(source: &str, role: Role, url: &str) -> String {
    format!("{source} {} {}", role.name(), url.trim_end_matches('/'))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    #[error(
        "no OS keyring is available ({reason}). On Linux a Secret Service must run in the desktop \
         session (gnome-keyring-daemon, or KeePassXC with its Secret Service integration); or keep \
         the secret in a file readable only by you and set password_file / bearer_token_file instead \
         of keyring = true"
    )]
    NoKeyring { reason: String },
    #[error(
        "the OS keyring holds no secret for \"{account}\". Store it with: watchdesk login {site}{flag}"
    )]
    Missing {
        account: String,
        site: String,
        /// ` --alertmanager URL` when the secret is an Alertmanager's.
        flag: String,
    },
    #[error(
        "the OS keyring refused access ({reason}); it may be locked. Unlock it (log in to the desktop \
         session, or open it in the keyring manager) and try again"
    )]
    Locked { reason: String },
    #[error("the OS keyring failed: {reason}")]
    Failed { reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// Where secrets are kept. [`OsKeyring`] in the app; a map in tests.
pub trait SecretStore: Send + Sync {
    /// A short name for messages ("Secret Service", "Credential Manager").
    fn name(&self) -> &'static str;
    fn get(&self, account: &str) -> Result<String, SecretError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Removes the entry; `Ok(false)` when there was none.
    fn delete(&self, account: &str) -> Result<bool, SecretError>;
}

/// The secret as read from a prompt or standard input: the trailing line break dropped; empty,
/// over [`MAX_SECRET_BYTES`] or with control characters inside refused (they cannot be sent in an
/// HTTP header and are almost always a paste accident).
pub fn clean_secret(raw: &str) -> Result<String, SecretError> {
    let s = raw.trim_end_matches(['\n', '\r']);
    if s.is_empty() {
        return Err(SecretError::Invalid(
            "the secret is empty; type or pipe the password or token".into(),
        ));
    }
    if s.len() > MAX_SECRET_BYTES {
        return Err(SecretError::Invalid(format!(
            "the secret is {} bytes, more than {MAX_SECRET_BYTES}; is it the right input?",
            s.len()
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(SecretError::Invalid(
            "the secret contains a line break or another control character; a password or token is \
             one line"
                .into(),
        ));
    }
    Ok(s.to_string())
}

/// The operating system's keyring.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

/// The open store; `None` until opened (again after a failure).
static STORE: Mutex<Option<Arc<keyring_core::CredentialStore>>> = Mutex::new(None);

impl OsKeyring {
    fn store(&self) -> Result<Arc<keyring_core::CredentialStore>, SecretError> {
        let mut guard = STORE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = open_store()?;
        *guard = Some(s.clone());
        Ok(s)
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, SecretError> {
        let store = self.store()?;
        keyring_core::Entry::new_in_store(&store, SERVICE, account).map_err(|e| self.map(e))
    }

    fn map(&self, e: keyring_core::Error) -> SecretError {
        use keyring_core::Error as E;
        let reason = e.to_string();
        match e {
            E::NoEntry => SecretError::Failed {
                reason: "no such entry".into(),
            },
            E::NoStorageAccess(_) => SecretError::Locked { reason },
            E::NoDefaultStore => SecretError::NoKeyring { reason },
            E::PlatformFailure(_) => {
                // The connection to the Secret Service broke (the daemon quit): open it afresh
                // next time.
                *STORE.lock().unwrap_or_else(|p| p.into_inner()) = None;
                SecretError::Failed { reason }
            }
            E::BadEncoding(_) => SecretError::Failed {
                reason: "the stored secret is not text; store it again with watchdesk login".into(),
            },
            E::Ambiguous(_) => SecretError::Failed {
                reason: format!(
                    "several keyring entries match ({reason}); remove the duplicates in the \
                     keyring manager, then store it again with watchdesk login"
                ),
            },
            _ => SecretError::Failed { reason },
        }
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn open_store() -> Result<Arc<keyring_core::CredentialStore>, SecretError> {
    zbus_secret_service_keyring_store::Store::new()
        .map(|s| s as Arc<keyring_core::CredentialStore>)
        .map_err(|e| SecretError::NoKeyring {
            reason: format!("cannot reach the Secret Service on the D-Bus session bus: {e}"),
        })
}

#[cfg(windows)]
fn open_store() -> Result<Arc<keyring_core::CredentialStore>, SecretError> {
    windows_native_keyring_store::Store::new()
        .map(|s| s as Arc<keyring_core::CredentialStore>)
        .map_err(|e| SecretError::NoKeyring {
            reason: format!("cannot open the Windows Credential Manager: {e}"),
        })
}

#[cfg(not(any(windows, all(unix, not(target_os = "macos")))))]
fn open_store() -> Result<Arc<keyring_core::CredentialStore>, SecretError> {
    Err(SecretError::NoKeyring {
        reason: "this platform's keyring is not supported".into(),
    })
}

impl SecretStore for OsKeyring {
    fn name(&self) -> &'static str {
        if cfg!(windows) {
            "Windows Credential Manager"
        } else {
            "Secret Service"
        }
    }

    fn get(&self, account: &str) -> Result<String, SecretError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(s),
            Err(keyring_core::Error::NoEntry) => Err(missing(account)),
            Err(e) => Err(self.map(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| self.map(e))
    }

    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.map(e)),
        }
    }
}

/// [`SecretError::Missing`] for an account made by [`account`].
pub fn missing(account: &str) -> SecretError {
    let mut parts = account.splitn(3, ' ');
    let site = parts.next().unwrap_or_default().to_string();
    let role = parts.next().unwrap_or_default();
    let url = parts.next().unwrap_or_default();
    SecretError::Missing {
        account: account.to_string(),
        site,
        flag: if role == Role::Alertmanager.name() {
            format!(" --alertmanager {url}")
        } else {
            String::new()
        },
    }
}

/// Secrets in memory, for tests.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<std::collections::HashMap<String, String>>,
    /// When set, every call fails with this error (a keyring that is not there).
    pub fail: Mutex<Option<SecretError>>,
}

impl SecretStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }
    fn get(&self, account: &str) -> Result<String, SecretError> {
        if let Some(e) = self.fail.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(e);
        }
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .cloned()
            .ok_or_else(|| missing(account))
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        if let Some(e) = self.fail.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(e);
        }
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        Ok(self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account)
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_source_role_and_url_without_trailing_slash() {
        assert_eq!(
            account("rta", Role::Prometheus, "https://mon.example/prometheus/"),
            "rta prometheus https://mon.example/prometheus"
        );
        assert_eq!(
            account("rta", Role::Alertmanager, "http://a:9093"),
            "rta alertmanager http://a:9093"
        );
    }

    #[test]
    fn missing_secret_says_the_login_command() {
        let m = missing("rta prometheus http://p:9090").to_string();
        assert!(m.contains("watchdesk login rta"), "{m}");
        assert!(!m.contains("--alertmanager"), "{m}");
        let m = missing("rta alertmanager http://a:9093").to_string();
        assert!(
            m.contains("watchdesk login rta --alertmanager http://a:9093"),
            "{m}"
        );
    }

    #[test]
    fn clean_secret_drops_the_line_break_and_refuses_empty_or_multiline() {
        assert_eq!(clean_secret("pw\n").unwrap(), "pw");
        assert_eq!(clean_secret("pw\r\n").unwrap(), "pw");
        assert!(clean_secret("\n").is_err());
        assert!(clean_secret("a\nb").is_err());
        assert!(clean_secret(&"x".repeat(MAX_SECRET_BYTES + 1)).is_err());
    }

    #[test]
    fn memory_store_round_trip() {
        let m = MemoryStore::default();
        assert!(matches!(m.get("a"), Err(SecretError::Missing { .. })));
        m.set("a", "s").unwrap();
        assert_eq!(m.get("a").unwrap(), "s");
        assert!(m.delete("a").unwrap());
        assert!(!m.delete("a").unwrap());
    }
}
