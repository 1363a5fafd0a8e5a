//! Fault scenarios: parsing from the control API / `--scenario`, identity, description.

use crate::service::Service;
use std::fmt;

/// Largest `storm?n=`: each instance holds one reserved port.
pub const MAX_STORM: u16 = 1000;

/// Names of all scenarios, for help and error messages.
pub const NAMES: [&str; 10] = [
    "service-down",
    "latency-spike",
    "error-burst",
    "cache-collapse",
    "disk-fill",
    "storm",
    "db-saturation",
    "livekit-degraded",
    "recording-backlog",
    "reservation-failures",
];

/// One active fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Scenario {
    /// The service's listener is closed (connection refused, `up == 0`).
    ServiceDown { service: Service },
    /// HTTP p95 latency of an app service above 1 s.
    LatencySpike { service: Service },
    /// A share `ratio` of an app service's (or MinIO's) requests answer 5xx.
    ErrorBurst { service: Service, ratio: f64 },
    /// Playback cache hit ratio below 50 %, Valkey at maxmemory and evicting.
    CacheCollapse,
    /// MinIO usage climbs above 90 % within about 100 s.
    DiskFill,
    /// `n` extra instances of `service` appear in the targets file, all down.
    Storm { service: Service, n: u16 },
    /// PostgreSQL connections near max_connections, slow statements.
    DbSaturation,
    /// LiveKit RTT p95 above 500 ms and 25 % of joins failing.
    LivekitDegraded,
    /// Recording queue grows, segment processing slows, FFmpeg CPU saturates.
    RecordingBacklog,
    /// 25 % of stream reservations fail and quotas are exceeded.
    ReservationFailures,
}

/// Why a scenario request was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScenarioError {
    #[error("unknown scenario `{0}`; known scenarios: {list}", list = NAMES.join(", "))]
    UnknownScenario(String),
    #[error("scenario `{scenario}` has no parameter `{key}`; it accepts: {accepted}")]
    UnknownParam {
        scenario: &'static str,
        key: String,
        accepted: &'static str,
    },
    #[error("scenario `{scenario}`: `{key}={value}` is invalid; expected {expected}")]
    BadValue {
        scenario: &'static str,
        key: &'static str,
        value: String,
        expected: String,
    },
    #[error("bad --scenario `{0}`; write it as name or name:key=val,key=val (e.g. storm:n=50,service=recording-service)")]
    BadSpec(String),
}

impl Scenario {
    /// The scenario's name, as in the URL.
    pub fn name(&self) -> &'static str {
        match self {
            Scenario::ServiceDown { .. } => "service-down",
            Scenario::LatencySpike { .. } => "latency-spike",
            Scenario::ErrorBurst { .. } => "error-burst",
            Scenario::CacheCollapse => "cache-collapse",
            Scenario::DiskFill => "disk-fill",
            Scenario::Storm { .. } => "storm",
            Scenario::DbSaturation => "db-saturation",
            Scenario::LivekitDegraded => "livekit-degraded",
            Scenario::RecordingBacklog => "recording-backlog",
            Scenario::ReservationFailures => "reservation-failures",
        }
    }

    /// The service a per-service scenario targets.
    pub fn service(&self) -> Option<Service> {
        match self {
            Scenario::ServiceDown { service }
            | Scenario::LatencySpike { service }
            | Scenario::ErrorBurst { service, .. }
            | Scenario::Storm { service, .. } => Some(*service),
            _ => None,
        }
    }

    /// Two scenarios with the same identity replace each other (POST twice = update).
    pub fn same_identity(&self, other: &Scenario) -> bool {
        self.name() == other.name() && self.service() == other.service()
    }

    /// Parameters as `(key, value)` for listing.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let Some(s) = self.service() {
            p.push(("service", s.name().to_owned()));
        }
        match self {
            Scenario::ErrorBurst { ratio, .. } => p.push(("ratio", ratio.to_string())),
            Scenario::Storm { n, .. } => p.push(("n", n.to_string())),
            _ => {}
        }
        p
    }

    /// Parses a scenario from its name and query parameters.
    pub fn parse(name: &str, params: &[(String, String)]) -> Result<Scenario, ScenarioError> {
        let (scn, accepted): (&'static str, &'static str) = match name {
            "service-down" => ("service-down", "service"),
            "latency-spike" => ("latency-spike", "service"),
            "error-burst" => ("error-burst", "service, ratio"),
            "storm" => ("storm", "n, service"),
            "cache-collapse" => ("cache-collapse", "(none)"),
            "disk-fill" => ("disk-fill", "(none)"),
            "db-saturation" => ("db-saturation", "(none)"),
            "livekit-degraded" => ("livekit-degraded", "(none)"),
            "recording-backlog" => ("recording-backlog", "(none)"),
            "reservation-failures" => ("reservation-failures", "(none)"),
            other => return Err(ScenarioError::UnknownScenario(other.to_owned())),
        };
        let mut service: Option<String> = None;
        let mut ratio: Option<String> = None;
        let mut n: Option<String> = None;
        for (k, v) in params {
            let slot = match k.as_str() {
                "service" if accepted.contains("service") => &mut service,
                "ratio" if accepted.contains("ratio") => &mut ratio,
                "n" if accepted.starts_with("n,") => &mut n,
                _ => {
                    return Err(ScenarioError::UnknownParam {
                        scenario: scn,
                        key: k.clone(),
                        accepted,
                    })
                }
            };
            *slot = Some(v.clone());
        }
        let service_of = |default: Service, allowed: fn(Service) -> bool| {
            let Some(v) = service.as_deref() else {
                return Ok(default);
            };
            match Service::from_name(v) {
                Some(s) if allowed(s) => Ok(s),
                _ => Err(ScenarioError::BadValue {
                    scenario: scn,
                    key: "service",
                    value: v.to_owned(),
                    expected: format!("one of: {}", Service::names(allowed)),
                }),
            }
        };
        Ok(match scn {
            "service-down" => {
                if service.is_none() {
                    return Err(ScenarioError::BadValue {
                        scenario: scn,
                        key: "service",
                        value: String::new(),
                        expected: format!("one of: {}", Service::names(|_| true)),
                    });
                }
                Scenario::ServiceDown {
                    service: service_of(Service::GoApi, |_| true)?,
                }
            }
            "latency-spike" => Scenario::LatencySpike {
                service: service_of(Service::GoApi, Service::is_http_app)?,
            },
            "error-burst" => {
                let service =
                    service_of(Service::GoApi, |s| s.is_http_app() || s == Service::Minio)?;
                let ratio = match ratio.as_deref() {
                    None => 0.12,
                    Some(v) => match v.parse::<f64>() {
                        Ok(r) if r > 0.0 && r <= 1.0 => r,
                        _ => {
                            return Err(ScenarioError::BadValue {
                                scenario: scn,
                                key: "ratio",
                                value: v.to_owned(),
                                expected: "a number in (0, 1], e.g. 0.12".to_owned(),
                            })
                        }
                    },
                };
                Scenario::ErrorBurst { service, ratio }
            }
            "storm" => {
                let service = service_of(Service::RecordingService, |_| true)?;
                let n = match n.as_deref() {
                    None => 50,
                    Some(v) => match v.parse::<u16>() {
                        Ok(n) if (1..=MAX_STORM).contains(&n) => n,
                        _ => {
                            return Err(ScenarioError::BadValue {
                                scenario: scn,
                                key: "n",
                                value: v.to_owned(),
                                expected: format!("an integer from 1 to {MAX_STORM}"),
                            })
                        }
                    },
                };
                Scenario::Storm { service, n }
            }
            "cache-collapse" => Scenario::CacheCollapse,
            "disk-fill" => Scenario::DiskFill,
            "db-saturation" => Scenario::DbSaturation,
            "livekit-degraded" => Scenario::LivekitDegraded,
            "recording-backlog" => Scenario::RecordingBacklog,
            _ => Scenario::ReservationFailures,
        })
    }

    /// Parses the `--scenario name:key=val,key=val` command-line form.
    pub fn parse_spec(spec: &str) -> Result<Scenario, ScenarioError> {
        let (name, rest) = match spec.split_once(':') {
            Some((n, r)) => (n, r),
            None => (spec, ""),
        };
        let mut params = Vec::new();
        for kv in rest.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| ScenarioError::BadSpec(spec.to_owned()))?;
            params.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        if name.trim().is_empty() {
            return Err(ScenarioError::BadSpec(spec.to_owned()));
        }
        Scenario::parse(name.trim(), &params)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        for (i, (k, v)) in self.params().iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { "?" } else { "&" })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(spec: &str, expect: Result<&str, &str>) {
        let got = Scenario::parse_spec(spec);
        match (got, expect) {
            (Ok(s), Ok(e)) => assert_eq!(s.to_string(), e, "spec {spec}"),
            (Err(err), Err(e)) => {
                let msg = err.to_string();
                assert!(msg.contains(e), "spec {spec}: error `{msg}` lacks `{e}`");
            }
            (got, e) => panic!("spec {spec}: got {got:?}, expected {e:?}"),
        }
    }

    #[test]
    fn parse_specs() {
        check(
            "service-down:service=go-api",
            Ok("service-down?service=go-api"),
        );
        check(
            "service-down:service=cadvisor",
            Ok("service-down?service=cadvisor"),
        );
        check("service-down", Err("`service=` is invalid"));
        check("service-down:service=node-exporter", Err("one of: go-api"));
        check("latency-spike", Ok("latency-spike?service=go-api"));
        check(
            "latency-spike:service=playback-service",
            Ok("latency-spike?service=playback-service"),
        );
        check(
            "latency-spike:service=minio",
            Err("`service=minio` is invalid"),
        );
        check("error-burst", Ok("error-burst?service=go-api&ratio=0.12"));
        check(
            "error-burst:ratio=0.5,service=minio",
            Ok("error-burst?service=minio&ratio=0.5"),
        );
        check("error-burst:ratio=0", Err("(0, 1]"));
        check("error-burst:ratio=abc", Err("(0, 1]"));
        check("error-burst:ratio=NaN", Err("(0, 1]"));
        check("storm", Ok("storm?service=recording-service&n=50"));
        check("storm:n=3,service=go-api", Ok("storm?service=go-api&n=3"));
        check("storm:n=0", Err("from 1 to 1000"));
        check("storm:n=1001", Err("from 1 to 1000"));
        check("storm:n=-1", Err("from 1 to 1000"));
        check("storm:n=99999999999", Err("from 1 to 1000"));
        check("storm:count=3", Err("no parameter `count`"));
        check("cache-collapse", Ok("cache-collapse"));
        check(
            "cache-collapse:service=go-api",
            Err("no parameter `service`"),
        );
        check("disk-fill", Ok("disk-fill"));
        check("db-saturation", Ok("db-saturation"));
        check("livekit-degraded", Ok("livekit-degraded"));
        check("recording-backlog", Ok("recording-backlog"));
        check("reservation-failures", Ok("reservation-failures"));
        check("meltdown", Err("unknown scenario `meltdown`"));
        check("storm:n", Err("bad --scenario"));
        check(":n=1", Err("bad --scenario"));
        check("", Err("bad --scenario"));
    }

    #[test]
    fn identity() {
        let a = Scenario::parse_spec("storm:n=3").ok();
        let b = Scenario::parse_spec("storm:n=7").ok();
        let c = Scenario::parse_spec("storm:service=go-api").ok();
        let (Some(a), Some(b), Some(c)) = (a, b, c) else {
            panic!("parse failed")
        };
        assert!(a.same_identity(&b));
        assert!(!a.same_identity(&c));
    }
}
