//! One site's clients: its Prometheus, the members of its Alertmanager cluster and its Loki.

use std::sync::Arc;

use super::alertmanager::AlertmanagerClient;
use super::loki::LokiClient;
use super::prometheus::PrometheusClient;
use super::{AlertSource, Endpoint, MetricsSource, SourceError};

/// One site's clients (an HA cluster of Alertmanagers counts as one site).
pub struct Site {
    pub name: String,
    pub prometheus: Arc<dyn MetricsSource>,
    pub alertmanagers: Vec<Arc<dyn AlertSource>>,
    /// The site's Loki, for the LogQL queries of its dashboards (`None`: it has none).
    pub loki: Option<Arc<LokiClient>>,
}

impl Site {
    /// The real HTTP clients for a site's endpoints.
    pub fn connect(
        name: &str,
        prometheus: &Endpoint,
        alertmanagers: &[Endpoint],
        loki: Option<(&Endpoint, Option<&str>)>,
    ) -> Result<Site, SourceError> {
        let prometheus: Arc<dyn MetricsSource> =
            Arc::new(PrometheusClient::new(prometheus.clone())?);
        let mut ams: Vec<Arc<dyn AlertSource>> = Vec::new();
        for ep in alertmanagers {
            ams.push(Arc::new(AlertmanagerClient::new(ep.clone())?));
        }
        let loki = match loki {
            Some((ep, tenant)) => Some(Arc::new(LokiClient::new(ep, tenant)?)),
            None => None,
        };
        Ok(Site {
            name: name.to_string(),
            prometheus,
            alertmanagers: ams,
            loki,
        })
    }
}

/// How a configured URL is shown and keyed (health rows, "reported by"): parsed and normalised as
/// the clients use it (lower-case host, default port dropped, a trailing `/`), password redacted.
/// The poller records health under this name and every reader looks it up under the same, so a
/// URL written `http://HOST:80` or with `user:pass@` cannot hide its failures.
pub fn display_url(raw: &str) -> String {
    match super::http::parse_base_url(raw) {
        Ok(u) => super::http::redact(&u),
        Err(_) => raw.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::display_url;

    #[test]
    fn urls_are_keyed_as_the_clients_see_them() {
        assert_eq!(display_url("http://HOST:80"), "http://host/");
        assert_eq!(display_url("https://h:443/"), "https://h/");
        assert_eq!(display_url("http://u:pw@h:9093"), "http://u:***@h:9093/");
        assert_eq!(display_url(" http://h:9093/am "), "http://h:9093/am");
    }
}
