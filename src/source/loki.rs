//! Client for the Loki HTTP API (`/loki/api/v1/…`), on the same [`HttpClient`] as Prometheus:
//! the same auth (keyring included), TLS, timeouts, body cap and redaction, plus Loki's
//! `X-Scope-OrgID` tenant header when a tenant is configured.
//!
//! - `query_range` answers log streams (`resultType: "streams"`) for a log query, or a matrix for a
//!   LogQL metric query (`rate({job="x"}[1m])`), which becomes the same [`RangeSeries`] Prometheus
//!   gives.
//! - Stream entries are `["<ns epoch as a string>", "<line>"]`. The parser is defensive: a body with
//!   invalid UTF-8 is decoded lossily (U+FFFD), a line over [`MAX_LINE_BYTES`] is cut on a character
//!   boundary and marked [`LogLine::truncated`], label values over [`MAX_LABEL_BYTES`] are cut, and at
//!   most `limit` (≤ [`MAX_LIMIT`]) lines and [`MAX_STREAMS`] streams are kept, so an answer can
//!   neither exhaust memory nor fill the cache.
//! - Loki answers a bad query with HTTP 400 and a plain-text reason: that is [`SourceError::Api`]
//!   (the query is wrong), not an unreachable server.
//!
//! Not tested against a real Loki (none can be installed on the build machines): the parser is
//! tested on the response examples of Loki's documentation (`docs/sources/reference/loki-http-api.md`)
//! and on hostile answers; the simulator (`vms-sim`) serves the same API for the integration tests.

use std::borrow::Cow;

use serde::Deserialize;

use super::http::{decode_json, HttpClient, Response};
use super::{Answer, Endpoint, Labels, RangeSeries, SourceError};
use crate::time::Millis;

/// Longest log line kept, in bytes; longer lines are cut and marked truncated.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Longest label value kept, in bytes.
pub const MAX_LABEL_BYTES: usize = 1024;
/// Most lines asked for and kept from one answer (Loki's own default `max_entries_limit_per_query`).
pub const MAX_LIMIT: usize = 5000;
/// Most streams kept from one answer.
pub const MAX_STREAMS: usize = 10_000;
/// The tenant header of multi-tenant Loki.
pub const TENANT_HEADER: &str = "X-Scope-OrgID";

/// Which lines come first (and which are kept when there are more than `limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Newest first (Loki's default).
    #[default]
    Backward,
    Forward,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Nanoseconds since the epoch.
    pub ts_ns: i64,
    pub line: String,
    /// The line was longer than [`MAX_LINE_BYTES`] and was cut.
    pub truncated: bool,
}

/// The lines of one stream (one label set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    pub labels: Labels,
    pub lines: Vec<LogLine>,
}

/// What a `query_range` answered.
#[derive(Debug, Clone, PartialEq)]
pub enum LogResult {
    /// A log query: streams of lines.
    Streams(Vec<LogStream>),
    /// A LogQL metric query.
    Matrix(Vec<RangeSeries>),
}

/// A `query_range` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub query: String,
    pub start_ns: i64,
    pub end_ns: i64,
    /// Most lines (1..=[`MAX_LIMIT`]; other values are clamped).
    pub limit: usize,
    pub direction: Direction,
}

/// A Loki HTTP API client.
#[derive(Debug, Clone)]
pub struct LokiClient {
    http: HttpClient,
}

const QUERY_RANGE: [&str; 4] = ["loki", "api", "v1", "query_range"];
const LABELS: [&str; 4] = ["loki", "api", "v1", "labels"];
const SERIES: [&str; 4] = ["loki", "api", "v1", "series"];

/// Milliseconds to Loki's nanoseconds.
pub fn ms_to_ns(ms: Millis) -> i64 {
    ms.saturating_mul(1_000_000)
}

/// Loki's nanoseconds to milliseconds.
pub fn ns_to_ms(ns: i64) -> Millis {
    ns.div_euclid(1_000_000)
}

impl LokiClient {
    /// Builds a client; `tenant` is sent as `X-Scope-OrgID`. Fails with [`SourceError::Config`] on a
    /// bad URL, CA file, credentials or tenant.
    pub fn new(endpoint: &Endpoint, tenant: Option<&str>) -> Result<Self, SourceError> {
        Self::with_http(HttpClient::new(endpoint)?, tenant)
    }

    /// A client over an existing [`HttpClient`] (tests: a secret store of their own).
    pub fn with_http(http: HttpClient, tenant: Option<&str>) -> Result<Self, SourceError> {
        let http = match tenant.filter(|t| !t.is_empty()) {
            Some(t) => http.with_header(TENANT_HEADER, t)?,
            None => http,
        };
        Ok(LokiClient { http })
    }

    /// Base URL, for messages.
    pub fn url(&self) -> &str {
        self.http.base_url()
    }

    async fn get(&self, segments: &[&str], q: &[(&str, String)]) -> Result<Response, SourceError> {
        self.http.get(segments, q).await.map_err(bad_query)
    }

    /// `GET /loki/api/v1/query_range`: log lines, or a matrix for a metric query.
    pub async fn query_range(&self, q: &LogQuery) -> Result<Answer<LogResult>, SourceError> {
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let params = [
            ("query", q.query.clone()),
            ("start", q.start_ns.to_string()),
            ("end", q.end_ns.to_string()),
            ("limit", limit.to_string()),
            ("direction", q.direction.as_str().to_owned()),
        ];
        let resp = self.get(&QUERY_RANGE, &params).await?;
        parse_query_range(&resp.body, &resp.url, limit, q.direction)
            .map_err(|e| resp.with_content_type(e))
    }

    /// A LogQL metric query over a range, at `step_ms`: the same series type Prometheus gives.
    pub async fn metric_range(
        &self,
        query: &str,
        start: Millis,
        end: Millis,
        step_ms: i64,
    ) -> Result<Answer<Vec<RangeSeries>>, SourceError> {
        let params = [
            ("query", query.to_owned()),
            ("start", ms_to_ns(start).to_string()),
            ("end", ms_to_ns(end).to_string()),
            ("step", format!("{}ms", step_ms.max(1))),
        ];
        let resp = self.get(&QUERY_RANGE, &params).await?;
        super::prometheus::parse_matrix(&lossy(&resp.body), &resp.url)
            .map_err(|e| resp.with_content_type(e))
    }

    fn window(start: Millis, end: Millis) -> [(&'static str, String); 2] {
        [
            ("start", ms_to_ns(start).to_string()),
            ("end", ms_to_ns(end).to_string()),
        ]
    }

    /// `GET /loki/api/v1/labels`: the label names seen in the window.
    pub async fn labels(&self, start: Millis, end: Millis) -> Result<Vec<String>, SourceError> {
        let resp = self.get(&LABELS, &Self::window(start, end)).await?;
        super::prometheus::parse_label_values(&lossy(&resp.body), &resp.url)
            .map_err(|e| resp.with_content_type(e))
    }

    /// `GET /loki/api/v1/label/<name>/values`.
    pub async fn label_values(
        &self,
        name: &str,
        start: Millis,
        end: Millis,
    ) -> Result<Vec<String>, SourceError> {
        let path = ["loki", "api", "v1", "label", name, "values"];
        let resp = self.get(&path, &Self::window(start, end)).await?;
        super::prometheus::parse_label_values(&lossy(&resp.body), &resp.url)
            .map_err(|e| resp.with_content_type(e))
    }

    /// `GET /loki/api/v1/series` for stream selectors (`match[]`).
    pub async fn series(
        &self,
        selectors: &[String],
        start: Millis,
        end: Millis,
    ) -> Result<Vec<Labels>, SourceError> {
        let mut params: Vec<(&str, String)> = Self::window(start, end).to_vec();
        for s in selectors {
            params.push(("match[]", s.clone()));
        }
        let resp = self.get(&SERIES, &params).await?;
        super::prometheus::parse_series(&lossy(&resp.body), &resp.url)
            .map_err(|e| resp.with_content_type(e))
    }
}

/// Loki says "bad query" with HTTP 400 and a plain-text reason: the query is wrong, the server is
/// there.
fn bad_query(e: SourceError) -> SourceError {
    match e {
        SourceError::Http {
            url,
            status: 400,
            excerpt,
        } => SourceError::Api {
            url,
            error_type: "bad query".into(),
            error: excerpt,
        },
        other => other,
    }
}

/// The body as UTF-8: invalid sequences become U+FFFD (a log line may hold any bytes; a proxy or
/// a buggy Loki may pass them on raw).
fn lossy(body: &[u8]) -> Cow<'_, [u8]> {
    match String::from_utf8_lossy(body) {
        Cow::Borrowed(_) => Cow::Borrowed(body),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

fn malformed(url: &str, reason: String) -> SourceError {
    SourceError::Malformed {
        url: url.to_owned(),
        reason: super::http::sanitize(&reason, 300),
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    status: Option<String>,
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(default)]
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct RawStream {
    #[serde(default)]
    stream: Option<Labels>,
    /// `[ts, line]`, or `[ts, line, {structured metadata}]` from newer Lokis.
    #[serde(default)]
    values: Option<Vec<Vec<serde_json::Value>>>,
}

/// One entry: nanoseconds as a string (Loki's format) or, leniently, a number; the line.
fn entry(mut e: Vec<serde_json::Value>) -> Option<(i64, String)> {
    if e.len() < 2 {
        return None;
    }
    let line = match e.swap_remove(1) {
        serde_json::Value::String(s) => s,
        _ => return None,
    };
    let ts = match &e[0] {
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        serde_json::Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    Some((ts, line))
}

/// `s` cut to at most `max` bytes on a character boundary; true when cut.
pub fn cut(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
}

/// Parses a `query_range` answer: streams (at most `limit` lines, the first ones in `direction`:
/// the newest when backward) or a matrix.
pub fn parse_query_range(
    body: &[u8],
    url: &str,
    limit: usize,
    direction: Direction,
) -> Result<Answer<LogResult>, SourceError> {
    let body = lossy(body);
    let env: Envelope = decode_json(url, "", &body)?;
    if let Some(status) = env.status.as_deref() {
        if status != "success" {
            return Err(malformed(url, format!("unknown status {status:?}")));
        }
    }
    let data = env
        .data
        .ok_or_else(|| malformed(url, "the answer has no \"data\"".into()))?;
    match data.result_type.as_str() {
        "matrix" => {
            let series = super::prometheus::parse_matrix(&body, url)?;
            Ok(Answer {
                data: LogResult::Matrix(series.data),
                warnings: series.warnings,
                infos: series.infos,
            })
        }
        "streams" => {
            let raw: Vec<RawStream> = if data.result.is_null() {
                Vec::new()
            } else {
                serde_json::from_value(data.result)
                    .map_err(|e| malformed(url, format!("data.result: {e}")))?
            };
            let mut warnings = Vec::new();
            if raw.len() > MAX_STREAMS {
                warnings.push(format!(
                    "{} streams answered; only the first {MAX_STREAMS} are kept",
                    raw.len()
                ));
            }
            let mut streams = Vec::new();
            let mut truncated = 0usize;
            for r in raw.into_iter().take(MAX_STREAMS) {
                let mut labels = r.stream.unwrap_or_default();
                for v in labels.values_mut() {
                    cut(v, MAX_LABEL_BYTES);
                }
                let mut lines = Vec::new();
                for e in r.values.unwrap_or_default() {
                    let (ts_ns, mut line) = entry(e).ok_or_else(|| {
                        malformed(
                            url,
                            "a log entry is not [\"<ns timestamp>\", \"<line>\"]".into(),
                        )
                    })?;
                    let cut_it = cut(&mut line, MAX_LINE_BYTES);
                    truncated += usize::from(cut_it);
                    lines.push(LogLine {
                        ts_ns,
                        line,
                        truncated: cut_it,
                    });
                }
                streams.push(LogStream { labels, lines });
            }
            if truncated > 0 {
                warnings.push(format!(
                    "{truncated} lines longer than {} KiB were cut",
                    MAX_LINE_BYTES / 1024
                ));
            }
            let dropped = keep_first(&mut streams, limit.clamp(1, MAX_LIMIT), direction);
            if dropped > 0 {
                warnings.push(format!(
                    "{dropped} lines over the limit of {limit} were dropped"
                ));
            }
            Ok(Answer {
                data: LogResult::Streams(streams),
                warnings,
                infos: Vec::new(),
            })
        }
        other => Err(malformed(
            url,
            format!(
                "a range query answered resultType {other:?} instead of \"streams\" or \"matrix\""
            ),
        )),
    }
}

/// Keeps the first `limit` lines over all streams in `direction` (newest when backward); returns
/// how many were dropped. Streams left empty stay (their labels were answered).
fn keep_first(streams: &mut [LogStream], limit: usize, direction: Direction) -> usize {
    let total: usize = streams.iter().map(|s| s.lines.len()).sum();
    if total <= limit {
        return 0;
    }
    let mut all: Vec<i64> = streams
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.ts_ns))
        .collect();
    all.sort_unstable();
    // The cut-off timestamp; ties at it are kept up to the limit.
    let (pick, mut room) = match direction {
        Direction::Backward => (all[total - limit], limit),
        Direction::Forward => (all[limit - 1], limit),
    };
    let keep_strict = |t: i64| match direction {
        Direction::Backward => t > pick,
        Direction::Forward => t < pick,
    };
    room -= all.iter().filter(|&&t| keep_strict(t)).count();
    for s in streams.iter_mut() {
        s.lines.retain(|l| {
            if keep_strict(l.ts_ns) {
                true
            } else if l.ts_ns == pick && room > 0 {
                room -= 1;
                true
            } else {
                false
            }
        });
    }
    total - limit
}

#[cfg(test)]
mod tests {
    use super::super::http::testserver::{json, reply, start};
    use super::*;

    const URL: &str = "http://loki:3100/loki/api/v1/query_range";

    fn streams(body: &[u8], limit: usize) -> Result<(Vec<LogStream>, Vec<String>), SourceError> {
        let a = parse_query_range(body, URL, limit, Direction::Backward)?;
        match a.data {
            LogResult::Streams(s) => Ok((s, a.warnings)),
            LogResult::Matrix(_) => panic!("expected streams"),
        }
    }

    /// The `query_range` streams example of Loki's HTTP API reference (loki-http-api.md), as shaped
    /// there (the `stats` object shortened).
    const DOCS_STREAMS: &str = r#"{
      "status": "success",
      "data": {
        "resultType": "streams",
        "result": [
          {
            "stream": {"filename": "/var/log/myproject.log", "job": "varlogs", "level": "info"},
            "values": [
              ["1569266497240578000", "foo"],
              ["1569266492548155000", "bar"]
            ]
          }
        ],
        "stats": {"summary": {"bytesProcessedPerSecond": 0, "totalBytesProcessed": 0}}
      }
    }"#;

    /// The `query_range` matrix example of the same page (a metric query).
    const DOCS_MATRIX: &str = r#"{
      "status": "success",
      "data": {
        "resultType": "matrix",
        "result": [
          {"metric": {"level": "info"},
           "values": [[1588889221, "137.95"], [1588889236, "467.115"], [1588889251, "658.8516666666667"]]},
          {"metric": {"level": "warn"},
           "values": [[1588889221, "11.4"], [1588889236, "3.7"]]}
        ],
        "stats": {}
      }
    }"#;

    #[test]
    fn docs_streams_example() {
        let (s, w) = streams(DOCS_STREAMS.as_bytes(), 100).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].labels["job"], "varlogs");
        assert_eq!(s[0].labels["level"], "info");
        assert_eq!(
            s[0].lines,
            vec![
                LogLine {
                    ts_ns: 1_569_266_497_240_578_000,
                    line: "foo".into(),
                    truncated: false
                },
                LogLine {
                    ts_ns: 1_569_266_492_548_155_000,
                    line: "bar".into(),
                    truncated: false
                },
            ]
        );
    }

    #[test]
    fn docs_matrix_example_is_the_prometheus_series_type() {
        let a = parse_query_range(DOCS_MATRIX.as_bytes(), URL, 100, Direction::Backward).unwrap();
        let LogResult::Matrix(m) = a.data else {
            panic!("expected a matrix")
        };
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].labels["level"], "info");
        assert_eq!(m[0].samples[0].t, 1_588_889_221_000);
        assert!((m[0].samples[1].v - 467.115).abs() < 1e-9);
    }

    #[test]
    fn docs_labels_values_and_series_examples() {
        let labels = r#"{"status": "success", "data": ["foo", "bar", "baz"]}"#;
        assert_eq!(
            super::super::prometheus::parse_label_values(labels.as_bytes(), URL).unwrap(),
            vec!["foo", "bar", "baz"]
        );
        let series = r#"{"status": "success", "data": [
            {"container_name": "loki", "app": "loki", "stream": "stderr", "filename": "/var/log/pods/default_loki-stack-0_50835643-1df0-11ea-ba79-025000000001/loki/0.log", "name": "loki", "job": "default/loki", "controller_revision_hash": "loki-stack-757479754d", "statefulset_kubernetes_io_pod_name": "loki-stack-0", "release": "loki-stack", "namespace": "default", "instance": "loki-stack-0"}
        ]}"#;
        let s = super::super::prometheus::parse_series(series.as_bytes(), URL).unwrap();
        assert_eq!(s[0]["app"], "loki");
    }

    #[test]
    fn hostile_answers() {
        // Invalid UTF-8 inside a line: decoded lossily, not an error.
        let mut body = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"job":"x"},"values":[["1","bad "#.to_vec();
        body.extend_from_slice(&[0xff, 0xfe]);
        body.extend_from_slice(br#" bytes"]]}]}}"#);
        let (s, _) = streams(&body, 10).unwrap();
        assert_eq!(s[0].lines[0].line, "bad \u{fffd}\u{fffd} bytes");

        // A 1 MB line: cut to 64 KiB on a character boundary, marked.
        let huge = "é".repeat(500_000);
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"streams","result":[{{"stream":{{}},"values":[["5","{huge}"]]}}]}}}}"#
        );
        let (s, w) = streams(body.as_bytes(), 10).unwrap();
        assert!(s[0].lines[0].truncated);
        assert!(s[0].lines[0].line.len() <= MAX_LINE_BYTES);
        assert!(w[0].contains("cut"), "{w:?}");

        // ANSI escapes and markup are kept as data (the front doors escape them).
        let body = r#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"job":"<script>"},"values":[["7","\u001b[2J<b>x</b>"]]}]}}"#;
        let (s, _) = streams(body.as_bytes(), 10).unwrap();
        assert_eq!(s[0].lines[0].line, "\u{1b}[2J<b>x</b>");

        // Too many lines: the newest `limit` are kept.
        let values: Vec<String> = (0..100).map(|i| format!(r#"["{i}","l{i}"]"#)).collect();
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"streams","result":[{{"stream":{{}},"values":[{}]}}]}}}}"#,
            values.join(",")
        );
        let (s, w) = streams(body.as_bytes(), 10).unwrap();
        assert_eq!(s[0].lines.len(), 10);
        assert!(s[0].lines.iter().all(|l| l.ts_ns >= 90));
        assert!(w.iter().any(|w| w.contains("90 lines")), "{w:?}");

        // Broken answers are typed errors.
        let bad_ts = r#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["soon","x"]]}]}}"#;
        assert!(matches!(
            streams(bad_ts.as_bytes(), 10),
            Err(SourceError::Malformed { .. })
        ));
        let other = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;
        assert!(matches!(
            streams(other.as_bytes(), 10),
            Err(SourceError::Malformed { .. })
        ));
        assert!(matches!(
            streams(b"<html>proxy</html>", 10),
            Err(SourceError::NotJson { .. })
        ));
        assert!(matches!(
            streams(
                br#"{"status":"success","data":{"resultType":"streams","result":[{"#,
                10
            ),
            Err(SourceError::Malformed { .. })
        ));
        let err = r#"{"status":"error","errorType":"bad_data","error":"parse error at line 1"}"#;
        assert!(matches!(
            streams(err.as_bytes(), 10),
            Err(SourceError::Api { .. })
        ));
    }

    /// A Loki (or a proxy) that ignores `limit` and answers 100,000 lines at once: only the newest
    /// `limit` are kept, over every stream, and the operator is told how many were dropped.
    #[test]
    fn an_answer_of_100000_lines_keeps_the_newest_limit() {
        let mut body =
            String::from(r#"{"status":"success","data":{"resultType":"streams","result":["#);
        for s in 0..4 {
            if s > 0 {
                body.push(',');
            }
            body.push_str(&format!(r#"{{"stream":{{"job":"j{s}"}},"values":["#));
            for i in 0..25_000 {
                if i > 0 {
                    body.push(',');
                }
                // Stream s holds the timestamps s, s + 4, s + 8...: interleaved over the streams.
                let ts = 1_700_000_000_000_000_000i64 + i * 4 + s;
                body.push_str(&format!(r#"["{ts}","line {i} of j{s}"]"#));
            }
            body.push_str("]}");
        }
        body.push_str("]}}");
        let (s, w) = streams(body.as_bytes(), MAX_LIMIT).unwrap();
        let kept: Vec<i64> = s
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.ts_ns))
            .collect();
        assert_eq!(kept.len(), MAX_LIMIT);
        let newest = 1_700_000_000_000_000_000i64 + 99_999;
        assert!(
            kept.iter().all(|t| *t > newest - MAX_LIMIT as i64),
            "only the newest"
        );
        assert!(
            s.iter().all(|s| s.lines.len() == MAX_LIMIT / 4),
            "from every stream"
        );
        assert!(w.iter().any(|w| w.contains("95000 lines")), "{w:?}");
        // A limit above Loki's maximum is clamped to it.
        let (s, _) = streams(body.as_bytes(), 1_000_000).unwrap();
        assert_eq!(s.iter().map(|s| s.lines.len()).sum::<usize>(), MAX_LIMIT);
    }

    #[test]
    fn forward_keeps_the_oldest() {
        let body = r#"{"status":"success","data":{"resultType":"streams","result":[
            {"stream":{"a":"1"},"values":[["1","a"],["3","c"]]},
            {"stream":{"a":"2"},"values":[["2","b"],["4","d"]]}]}}"#;
        let a = parse_query_range(body.as_bytes(), URL, 2, Direction::Forward).unwrap();
        let LogResult::Streams(s) = a.data else {
            panic!()
        };
        let kept: Vec<i64> = s
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.ts_ns))
            .collect();
        assert_eq!(kept, vec![1, 2]);
    }

    #[tokio::test]
    async fn sends_the_query_and_the_tenant_and_maps_400() {
        let srv = start(|r| {
            if r.param("query").as_deref() == Some("{job=") {
                reply(
                    400,
                    "text/plain",
                    "parse error at line 1, col 6: syntax error",
                )
            } else {
                json(DOCS_STREAMS)
            }
        })
        .await;
        let c = LokiClient::new(&Endpoint::new(srv.url.clone()), Some("team-a")).unwrap();
        let q = LogQuery {
            query: r#"{job="varlogs"} |= "error""#.into(),
            start_ns: 1,
            end_ns: 2,
            limit: 1_000_000,
            direction: Direction::Forward,
        };
        let a = c.query_range(&q).await.unwrap();
        assert!(matches!(a.data, LogResult::Streams(ref s) if s.len() == 1));
        let seen = &srv.requests()[0];
        assert_eq!(seen.path(), "/loki/api/v1/query_range");
        assert_eq!(seen.header("x-scope-orgid"), Some("team-a"));
        assert_eq!(seen.param("limit").as_deref(), Some("5000"));
        assert_eq!(seen.param("direction").as_deref(), Some("forward"));
        assert_eq!(seen.param("start").as_deref(), Some("1"));
        let bad = c
            .query_range(&LogQuery {
                query: "{job=".into(),
                ..q
            })
            .await
            .unwrap_err();
        assert!(matches!(bad, SourceError::Api { .. }), "{bad:?}");
        assert!(!bad.is_unreachable());
        assert!(LokiClient::new(&Endpoint::new(srv.url.clone()), Some("a\nb")).is_err());
    }
}
