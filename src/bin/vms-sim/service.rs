//! The 12 simulated scrape targets of the VMS.

use std::fmt;

/// One simulated service (one listener, one Prometheus job).
/// Variant names mirror the job names, hence the `Service` suffixes.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    GoApi,
    VmsService,
    StorageService,
    RecordingService,
    MetadataService,
    StreamCounter,
    PlaybackService,
    Livekit,
    PostgresExporter,
    ValkeyExporter,
    Minio,
    Cadvisor,
}

impl Service {
    /// All services, in `--base-port` order.
    pub const ALL: [Service; 12] = [
        Service::GoApi,
        Service::VmsService,
        Service::StorageService,
        Service::RecordingService,
        Service::MetadataService,
        Service::StreamCounter,
        Service::PlaybackService,
        Service::Livekit,
        Service::PostgresExporter,
        Service::ValkeyExporter,
        Service::Minio,
        Service::Cadvisor,
    ];

    /// Job / service name as used in the targets file.
    pub fn name(self) -> &'static str {
        match self {
            Service::GoApi => "go-api",
            Service::VmsService => "vms-service",
            Service::StorageService => "storage-service",
            Service::RecordingService => "recording-service",
            Service::MetadataService => "metadata-service",
            Service::StreamCounter => "stream-counter",
            Service::PlaybackService => "playback-service",
            Service::Livekit => "livekit",
            Service::PostgresExporter => "postgres-exporter",
            Service::ValkeyExporter => "valkey-exporter",
            Service::Minio => "minio",
            Service::Cadvisor => "cadvisor",
        }
    }

    /// Parses a job name (exact, lower case).
    pub fn from_name(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|svc| svc.name() == s)
    }

    /// Services with an HTTP API instrumented by `http_requests_total`.
    pub fn is_http_app(self) -> bool {
        matches!(
            self,
            Service::GoApi
                | Service::VmsService
                | Service::StorageService
                | Service::RecordingService
                | Service::MetadataService
                | Service::StreamCounter
                | Service::PlaybackService
        )
    }

    /// Position in `--base-port` order.
    pub fn index(self) -> usize {
        Service::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// Comma-separated list of names, for error messages.
    pub fn names(filter: impl Fn(Service) -> bool) -> String {
        Service::ALL
            .into_iter()
            .filter(|s| filter(*s))
            .map(Service::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order() {
        for (i, s) in Service::ALL.into_iter().enumerate() {
            assert_eq!(Service::from_name(s.name()), Some(s));
            assert_eq!(s.index(), i);
        }
        assert_eq!(Service::from_name("node-exporter"), None);
        assert_eq!(Service::from_name("GO-API"), None);
        assert_eq!(Service::ALL.iter().filter(|s| s.is_http_app()).count(), 7);
    }
}
