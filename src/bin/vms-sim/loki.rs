//! A stand-in for Loki's query API, served on the control port (`/loki/api/v1/query_range`,
//! `/labels`, `/label/<name>/values`, `/series`). It exists because no Loki can be installed on the
//! build machines (not in Debian, PyPI or npm): Watchdesk's Loki client is tested against this and
//! against the response examples of Loki's documentation, never against a real Loki.
//!
//! The logs are a pure function of time and the active scenarios: every service logs zerolog JSON
//! (`{"level":"info","service":…,"time":…,"message":…}`) every 10 s, nginx in front of the app
//! services writes access lines every 5 s, and a service taken down by `service-down` writes a burst
//! of error lines (one a second for 30 s, then one every 10 s while it is down), with nginx
//! answering 502 for it. Stream labels: job, service, instance, level.
//!
//! LogQL: the subset Watchdesk's own cache reader evaluates (`watchdesk::source::logql`): a stream
//! selector with `=`, `!=`, `=~`, `!~` and line filters `|=`, `!=`, `|~`, `!~`; and the metric
//! queries dashboards use most, `count_over_time(…[d])` and `rate(…[d])`, optionally inside
//! `sum(…)` or `sum by (labels) (…)` (a matrix, as Loki answers).

use std::collections::BTreeMap;

use watchdesk::source::logql::LogSelector;

use crate::model::World;
use crate::scenario::Scenario;
use crate::service::Service;

type Labels = BTreeMap<String, String>;

const NS: i64 = 1_000_000_000;
/// Most lines answered (Loki's default `max_entries_limit_per_query`).
const MAX_LIMIT: usize = 5000;
/// The furthest back logs are generated.
const MAX_SPAN_NS: i64 = 24 * 3600 * NS;

/// One simulated stream and how it writes lines.
struct Stream {
    labels: Labels,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    /// A service's routine zerolog lines.
    Routine(Service),
    /// A service's error burst after `since_ns`.
    Down(Service, i64),
    /// nginx access lines; `down` are the app services down since when.
    Nginx,
}

fn labels(job: &str, instance: &str, level: &str) -> Labels {
    [
        ("job", job),
        ("service", job),
        ("instance", instance),
        ("level", level),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The streams at this moment: `ports` gives each service's instance.
fn streams(world: &World, ports: &[(Service, u16)]) -> Vec<Stream> {
    let instance = |s: Service| {
        let port = ports.iter().find(|(x, _)| *x == s).map_or(0, |(_, p)| *p);
        format!("127.0.0.1:{port}")
    };
    let mut out: Vec<Stream> = Service::ALL
        .into_iter()
        .map(|s| Stream {
            labels: labels(s.name(), &instance(s), "info"),
            kind: Kind::Routine(s),
        })
        .collect();
    for a in world.active() {
        if let Scenario::ServiceDown { service } = a.scenario {
            out.push(Stream {
                labels: labels(service.name(), &instance(service), "error"),
                // On the whole-second grid the lines are written on.
                kind: Kind::Down(service, a.since.ceil() as i64 * NS),
            });
        }
    }
    out.push(Stream {
        labels: labels("nginx", "nginx:80", "info"),
        kind: Kind::Nginx,
    });
    out
}

fn rfc3339(ns: i64) -> String {
    chrono::DateTime::from_timestamp(ns.div_euclid(NS), ns.rem_euclid(NS) as u32)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

const PATHS: [&str; 4] = [
    "/api/v1/streams",
    "/api/v1/reservations",
    "/api/v1/playback/session",
    "/healthz",
];

/// The line of `kind` at `ts` (`None`: no line then).
fn line_at(kind: Kind, ts: i64, down: &[(Service, i64)]) -> Option<String> {
    let sec = ts.div_euclid(NS);
    match kind {
        Kind::Routine(s) => {
            let down_since = down.iter().find(|(d, _)| *d == s).map(|(_, t)| *t);
            if ts % (10 * NS) != 0 || down_since.is_some_and(|t| ts >= t) {
                return None;
            }
            let path = PATHS[(sec / 10).rem_euclid(4) as usize];
            Some(format!(
                r#"{{"level":"info","service":"{}","time":"{}","method":"GET","path":"{path}","status":200,"duration_ms":{},"message":"request handled"}}"#,
                s.name(),
                rfc3339(ts),
                5 + sec.rem_euclid(37)
            ))
        }
        Kind::Down(s, since) => {
            let k = (ts - since) / NS;
            let on_grid = (ts - since) % NS == 0;
            if ts < since || !on_grid || (k >= 30 && k % 10 != 0) {
                return None;
            }
            let (msg, err) = match k {
                0 => (
                    "health check failed, shutting down",
                    "context deadline exceeded",
                ),
                1..=29 => (
                    "upstream unavailable",
                    "dial tcp 127.0.0.1:5432: connect: connection refused",
                ),
                _ => ("listener closed", "service unavailable"),
            };
            Some(format!(
                r#"{{"level":"error","service":"{}","time":"{}","error":"{err}","attempt":{k},"message":"{msg}"}}"#,
                s.name(),
                rfc3339(ts)
            ))
        }
        Kind::Nginx => {
            if ts % (5 * NS) != 0 {
                return None;
            }
            let apps: Vec<Service> = Service::ALL
                .into_iter()
                .filter(|s| s.is_http_app())
                .collect();
            let svc = apps[(sec / 5).rem_euclid(apps.len() as i64) as usize];
            let status = if down.iter().any(|(d, t)| *d == svc && ts >= *t) {
                502
            } else {
                200
            };
            let when = chrono::DateTime::from_timestamp(sec, 0)
                .map(|d| d.format("%d/%b/%Y:%H:%M:%S +0000").to_string())
                .unwrap_or_default();
            Some(format!(
                r#"10.0.0.{} - - [{when}] "GET /{}{} HTTP/1.1" {status} {} "-" "watchdesk-operator/1.0""#,
                10 + sec.rem_euclid(50),
                svc.name(),
                PATHS[(sec / 5).rem_euclid(4) as usize],
                200 + sec.rem_euclid(800)
            ))
        }
    }
}

/// A time parameter: nanoseconds, float seconds or RFC 3339.
fn parse_ts(v: &str) -> Option<i64> {
    if let Ok(n) = v.parse::<i64>() {
        return Some(if n < 10_000_000_000 { n * NS } else { n });
    }
    if let Ok(f) = v.parse::<f64>() {
        return Some((f * NS as f64) as i64);
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
}

/// A `step`: a duration (`60000ms`, `15s`, `1m`) or float seconds.
fn parse_step(v: &str) -> Option<i64> {
    let ms = watchdesk::time::parse_duration_ms(v)
        .or_else(|| v.parse::<f64>().ok().map(|s| (s * 1000.0) as i64))?;
    (ms > 0).then_some(ms * 1_000_000)
}

/// A LogQL metric query of the supported shape.
struct Metric {
    /// `Some(labels)`: summed, grouped by these (empty: one series).
    sum_by: Option<Vec<String>>,
    rate: bool,
    sel: LogSelector,
    range_ns: i64,
}

impl Metric {
    fn parse(q: &str) -> Result<Metric, String> {
        let q = q.trim();
        let (sum_by, inner) = match q.strip_prefix("sum") {
            Some(rest) => {
                let rest = rest.trim_start();
                let (by, rest) = match rest.strip_prefix("by") {
                    Some(r) => {
                        let r = r
                            .trim_start()
                            .strip_prefix('(')
                            .ok_or("by needs (labels)")?;
                        let close = r.find(')').ok_or("unclosed by (…)")?;
                        let labels = r[..close]
                            .split(',')
                            .map(|l| l.trim().to_string())
                            .filter(|l| !l.is_empty())
                            .collect();
                        (labels, r[close + 1..].trim_start())
                    }
                    None => (Vec::new(), rest),
                };
                let body = rest
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or("sum needs (…)")?;
                (Some(by), body.trim())
            }
            None => (None, q),
        };
        let (rate, body) = if let Some(b) = inner.strip_prefix("count_over_time(") {
            (false, b)
        } else if let Some(b) = inner.strip_prefix("rate(") {
            (true, b)
        } else {
            return Err(format!("unsupported metric query {q:?}"));
        };
        let body = body.strip_suffix(')').ok_or("unclosed (")?.trim_end();
        let body = body.strip_suffix(']').ok_or("a range [d] is needed")?;
        let open = body.rfind('[').ok_or("a range [d] is needed")?;
        let range_ms = watchdesk::time::parse_duration_ms(&body[open + 1..])
            .filter(|ms| *ms > 0)
            .ok_or("invalid range")?;
        Ok(Metric {
            sum_by,
            rate,
            sel: LogSelector::parse(body[..open].trim())?,
            range_ns: range_ms * 1_000_000,
        })
    }

    /// The matrix over `start..=end` at `step`: lines per range (or per second with `rate`).
    fn eval(&self, all: &[Stream], start: i64, end: i64, step: i64) -> serde_json::Value {
        let down: Vec<(Service, i64)> = all
            .iter()
            .filter_map(|s| match s.kind {
                Kind::Down(svc, t) => Some((svc, t)),
                _ => None,
            })
            .collect();
        let first = start.div_euclid(NS) - self.range_ns / NS;
        let last = end.div_euclid(NS);
        let mut out: BTreeMap<Labels, BTreeMap<i64, f64>> = BTreeMap::new();
        for s in all.iter().filter(|s| self.sel.selects(&s.labels)) {
            // Lines per second, as prefix sums over the whole window.
            let mut sums = vec![0u32; (last - first + 2).max(1) as usize];
            for sec in first..=last {
                let hit = line_at(s.kind, sec * NS, &down).is_some_and(|l| self.sel.keeps(&l));
                let i = (sec - first) as usize;
                sums[i + 1] = sums[i] + u32::from(hit);
            }
            let key = match &self.sum_by {
                None => s.labels.clone(),
                Some(by) => by
                    .iter()
                    .filter_map(|l| s.labels.get(l).map(|v| (l.clone(), v.clone())))
                    .collect(),
            };
            let mut t = start;
            while t <= end {
                let hi = (t.div_euclid(NS) - first + 1) as usize;
                let lo = (hi as i64 - self.range_ns / NS).max(0) as usize;
                let n = sums[hi.min(sums.len() - 1)] - sums[lo.min(sums.len() - 1)];
                if n > 0 {
                    let v = if self.rate {
                        f64::from(n) / (self.range_ns / NS) as f64
                    } else {
                        f64::from(n)
                    };
                    *out.entry(key.clone()).or_default().entry(t).or_default() += v;
                }
                t += step;
            }
        }
        let result: Vec<serde_json::Value> = out
            .into_iter()
            .map(|(metric, values)| {
                let values: Vec<serde_json::Value> = values
                    .into_iter()
                    .map(|(t, v)| serde_json::json!([t as f64 / NS as f64, v.to_string()]))
                    .collect();
                serde_json::json!({"metric": metric, "values": values})
            })
            .collect();
        serde_json::json!({"resultType": "matrix", "result": result})
    }
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn bad(msg: impl Into<String>) -> (u16, &'static str, String) {
    (400, "text/plain; charset=utf-8", msg.into() + "\n")
}

fn ok(data: serde_json::Value) -> (u16, &'static str, String) {
    (
        200,
        "application/json",
        serde_json::json!({"status": "success", "data": data}).to_string(),
    )
}

/// Answers one Loki API request (`path` below `/loki/api/v1`).
pub fn handle(
    world: &World,
    ports: &[(Service, u16)],
    now_ns: i64,
    path: &str,
    query: &[(String, String)],
) -> (u16, &'static str, String) {
    let end = match param(query, "end").map(parse_ts) {
        Some(None) => return bad("invalid end"),
        Some(Some(t)) => t,
        None => now_ns,
    };
    let start = match param(query, "start").map(parse_ts) {
        Some(None) => return bad("invalid start"),
        Some(Some(t)) => t,
        None => end - 3600 * NS,
    };
    let all = streams(world, ports);
    match path {
        "/labels" => ok(serde_json::json!(["instance", "job", "level", "service"])),
        p if p.starts_with("/label/") && p.ends_with("/values") => {
            let name = &p["/label/".len()..p.len() - "/values".len()];
            let mut values: Vec<&String> = all.iter().filter_map(|s| s.labels.get(name)).collect();
            values.sort();
            values.dedup();
            ok(serde_json::json!(values))
        }
        "/series" => {
            let mut sets = Vec::new();
            for (_, m) in query.iter().filter(|(k, _)| k == "match[]") {
                let sel = match LogSelector::parse(m) {
                    Ok(s) => s,
                    Err(e) => return bad(format!("parse error: {e}")),
                };
                sets.extend(
                    all.iter()
                        .filter(|s| sel.selects(&s.labels))
                        .map(|s| &s.labels),
                );
            }
            ok(serde_json::json!(sets))
        }
        "/query_range" | "/query" => {
            let Some(q) = param(query, "query") else {
                return bad("query is required");
            };
            if !q.trim_start().starts_with('{') {
                let step = match param(query, "step").map(parse_step) {
                    Some(None) => return bad("invalid step"),
                    Some(Some(s)) => s,
                    None => 60 * NS,
                };
                return match Metric::parse(q) {
                    Ok(m) => ok(m.eval(&all, start.max(end - MAX_SPAN_NS), end.min(now_ns), step)),
                    Err(e) => bad(format!("parse error: {e}")),
                };
            }
            let sel = match LogSelector::parse(q) {
                Ok(s) => s,
                Err(e) => return bad(format!("parse error: {e}")),
            };
            let limit = param(query, "limit")
                .map(|l| l.parse::<usize>())
                .unwrap_or(Ok(100));
            let Ok(limit) = limit else {
                return bad("invalid limit");
            };
            let limit = limit.clamp(1, MAX_LIMIT);
            let forward = param(query, "direction") == Some("forward");
            let down: Vec<(Service, i64)> = all
                .iter()
                .filter_map(|s| match s.kind {
                    Kind::Down(svc, t) => Some((svc, t)),
                    _ => None,
                })
                .collect();
            let end = end.min(now_ns);
            let start = start.max(end - MAX_SPAN_NS);
            let mut result = Vec::new();
            for s in all.iter().filter(|s| sel.selects(&s.labels)) {
                let mut values = Vec::new();
                // Whole seconds, newest first.
                let mut t = end.div_euclid(NS) * NS;
                while t >= start && values.len() < limit {
                    if let Some(l) = line_at(s.kind, t, &down).filter(|l| sel.keeps(l)) {
                        values.push(serde_json::json!([t.to_string(), l]));
                    }
                    t -= NS;
                }
                if forward {
                    values.reverse();
                }
                if !values.is_empty() {
                    result.push(serde_json::json!({"stream": s.labels, "values": values}));
                }
            }
            ok(serde_json::json!({
                "resultType": "streams",
                "result": result,
                "stats": {"summary": {"totalLinesProcessed": 0}}
            }))
        }
        _ => (
            404,
            "text/plain; charset=utf-8",
            "404 page not found\n".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_down_service_writes_a_burst_of_errors() {
        let mut w = World::new(1, 0, 1_000.0);
        let now = 1_200 * NS;
        let _ = w.upsert(
            Scenario::ServiceDown {
                service: Service::GoApi,
            },
            1_100.0,
        );
        let q = |query: &str| {
            let params = vec![
                ("query".to_string(), query.to_string()),
                ("start".to_string(), (1_000 * NS).to_string()),
                ("limit".to_string(), "1000".to_string()),
            ];
            let (code, _, body) =
                handle(&w, &[(Service::GoApi, 9201)], now, "/query_range", &params);
            assert_eq!(code, 200, "{body}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            v["data"]["result"].as_array().unwrap().clone()
        };
        let errors = q(r#"{service="go-api", level="error"} |= "error""#);
        assert_eq!(errors.len(), 1);
        let n = errors[0]["values"].as_array().unwrap().len();
        assert_eq!(
            n,
            30 + 8,
            "30 s of one a second, then every 10 s up to 100 s"
        );
        assert_eq!(errors[0]["stream"]["instance"], "127.0.0.1:9201");
        // Routine lines stop when the service goes down; nginx answers 502 for it.
        let routine = q(r#"{service="go-api", level="info"}"#);
        let last = routine[0]["values"][0][0]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap();
        assert!(last < 1_100 * NS);
        let nginx = q(r#"{job="nginx"} |~ "go-api.* 502 ""#);
        assert!(!nginx.is_empty());
        let (code, _, _) = handle(
            &w,
            &[],
            now,
            "/query_range",
            &[("query".into(), "rate(x)".into())],
        );
        assert_eq!(code, 400);
        // A metric query: the burst of go-api's errors, counted per minute.
        let (code, _, body) = handle(
            &w,
            &[(Service::GoApi, 9201)],
            now,
            "/query_range",
            &[
                (
                    "query".into(),
                    r#"sum by (level) (count_over_time({service="go-api"} [1m]))"#.into(),
                ),
                ("start".into(), (now - 600 * NS).to_string()),
                ("end".into(), now.to_string()),
                ("step".into(), "60000ms".into()),
            ],
        );
        assert_eq!(code, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["data"]["resultType"], "matrix");
        let result = v["data"]["result"].as_array().unwrap();
        let errors = result
            .iter()
            .find(|r| r["metric"] == serde_json::json!({"level": "error"}))
            .expect("an error series");
        // The minute up to 1140 s: one a second from 1100 s for 30 s, then at 1130 and 1140.
        let at_1140 = errors["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0].as_f64() == Some(1_140.0))
            .unwrap_or_else(|| panic!("a point at 1140 s: {errors}"));
        assert_eq!(at_1140[1], "32", "{body}");
        let (code, _, _) = handle(
            &w,
            &[],
            now,
            "/query_range",
            &[("query".into(), "topk(1, x)".into())],
        );
        assert_eq!(code, 400);
        let (_, _, body) = handle(&w, &[], now, "/label/job/values", &[]);
        assert!(body.contains("nginx") && body.contains("go-api"), "{body}");
    }
}
