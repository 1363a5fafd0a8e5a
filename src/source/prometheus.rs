//! Client for the Prometheus HTTP API v1 (and compatible servers: Thanos Query, Mimir,
//! VictoriaMetrics).
//!
//! - `query` and `query_range` are sent as POST forms, so long PromQL never hits URL limits.
//! - Range queries over [`MAX_POINTS_PER_QUERY`] points per series are split into consecutive
//!   windows aligned on `start + k*step` ([`split_range`]) and joined ([`join_windows`]).
//! - Sample values are strings (`"NaN"`, `"+Inf"`, `"-Inf"`, numbers); timestamps are float seconds,
//!   rounded to milliseconds. Native histograms are skipped.
//! - Instant queries: a `vector` is returned as is; a `scalar` becomes one sample with empty labels;
//!   a `string` result gives no samples and a warning; a `matrix` (a range selector such as `up[5m]`)
//!   gives the latest sample of each series and a warning.
//!
//! The parsers are public and pure (`parse_*`), for tests and replay.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::de::{self, DeserializeOwned, IgnoredAny, Visitor};
use serde::{Deserialize, Deserializer};

use super::http::{decode_json, HttpClient, Response};
use super::{
    AlertRule, Answer, Endpoint, InstantSample, Labels, MetricsSource, Millis, PromAlert,
    RangeSeries, Sample, SourceError, Target, TargetHealth,
};
use crate::time::parse_rfc3339;

/// Most points per series Prometheus returns for one range query (`(end-start)/step` is capped
/// at 11,000 by the server); longer ranges are split.
pub const MAX_POINTS_PER_QUERY: i64 = 11_000;

/// Most requests one `query_range` call may be split into. Past that (over 1.1 million points per
/// series) the step is surely a mistake; the call fails with [`SourceError::Config`] instead of
/// hammering the server.
pub const MAX_WINDOWS: i64 = 100;

/// A Prometheus API v1 client.
#[derive(Debug, Clone)]
pub struct PrometheusClient {
    http: HttpClient,
    /// Sent as the `timeout` parameter so the server gives up when we do.
    timeout: Duration,
}

impl PrometheusClient {
    /// Builds a client; fails with [`SourceError::Config`] on a bad URL, CA file or credentials.
    pub fn new(endpoint: Endpoint) -> Result<Self, SourceError> {
        Ok(PrometheusClient {
            http: HttpClient::new(&endpoint)?,
            timeout: endpoint.timeout,
        })
    }

    fn timeout_param(&self) -> String {
        fmt_secs(i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX))
    }

    async fn fetch_range(
        &self,
        expr: &str,
        start: Millis,
        end: Millis,
        step_ms: i64,
    ) -> Result<Answer<Vec<RangeSeries>>, SourceError> {
        let form = [
            ("query", expr.to_owned()),
            ("start", fmt_secs(start)),
            ("end", fmt_secs(end)),
            ("step", fmt_secs(step_ms)),
            ("timeout", self.timeout_param()),
        ];
        let resp = self.http.post_form(&API_QUERY_RANGE, &form).await?;
        let mut answer =
            parse_matrix(&resp.body, &resp.url).map_err(|e| resp.with_content_type(e))?;
        // One step of slack: some servers align the window to their own step grid.
        let outside = keep_window(
            &mut answer.data,
            start.saturating_sub(step_ms),
            end.saturating_add(step_ms),
        );
        if outside > 0 {
            answer.warnings.push(format!(
                "{outside} samples outside the requested window {}..{} were dropped; the server \
                 (or a proxy in front of it) answers for other times than asked. Check its clock \
                 and the URL",
                crate::time::to_rfc3339(start),
                crate::time::to_rfc3339(end)
            ));
        }
        Ok(answer)
    }
}

/// Drops the samples outside `[start, end]` (a range query answers only within its window, give or
/// take a step; an answer for other times is not this query's) and series left without samples.
/// Returns how many samples were dropped.
pub fn keep_window(series: &mut Vec<RangeSeries>, start: Millis, end: Millis) -> usize {
    let mut dropped = 0;
    for s in series.iter_mut() {
        let before = s.samples.len();
        s.samples.retain(|p| (start..=end).contains(&p.t));
        dropped += before - s.samples.len();
    }
    series.retain(|s| !s.samples.is_empty());
    dropped
}

const API_QUERY: [&str; 3] = ["api", "v1", "query"];
const API_QUERY_RANGE: [&str; 3] = ["api", "v1", "query_range"];

fn parse_with<T>(
    resp: &Response,
    f: impl FnOnce(&[u8], &str) -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    f(&resp.body, &resp.url).map_err(|e| resp.with_content_type(e))
}

#[async_trait]
impl MetricsSource for PrometheusClient {
    fn url(&self) -> &str {
        self.http.base_url()
    }

    async fn query(
        &self,
        expr: &str,
        at: Option<Millis>,
    ) -> Result<Answer<Vec<InstantSample>>, SourceError> {
        let mut form = vec![
            ("query", expr.to_owned()),
            ("timeout", self.timeout_param()),
        ];
        if let Some(t) = at {
            form.push(("time", fmt_secs(t)));
        }
        let resp = self.http.post_form(&API_QUERY, &form).await?;
        parse_with(&resp, parse_query)
    }

    async fn query_range(
        &self,
        expr: &str,
        start: Millis,
        end: Millis,
        step_ms: i64,
    ) -> Result<Answer<Vec<RangeSeries>>, SourceError> {
        let windows = split_range(start, end, step_ms)?;
        let mut parts = Vec::with_capacity(windows.len());
        for (ws, we) in windows {
            parts.push(self.fetch_range(expr, ws, we, step_ms).await?);
        }
        Ok(join_windows(parts))
    }

    async fn targets(&self) -> Result<Vec<Target>, SourceError> {
        let resp = self
            .http
            .get(&["api", "v1", "targets"], &[("state", "active".to_owned())])
            .await?;
        parse_with(&resp, parse_targets)
    }

    async fn rules(&self) -> Result<Vec<AlertRule>, SourceError> {
        let resp = self
            .http
            .get(&["api", "v1", "rules"], &[("type", "alert".to_owned())])
            .await?;
        parse_with(&resp, parse_rules)
    }

    async fn alerts(&self) -> Result<Vec<PromAlert>, SourceError> {
        let resp = self.http.get(&["api", "v1", "alerts"], &[]).await?;
        parse_with(&resp, parse_alerts)
    }

    async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
    ) -> Result<Vec<String>, SourceError> {
        if label.is_empty() {
            return Err(SourceError::Config {
                reason: "label_values needs a label name".to_owned(),
            });
        }
        let query: Vec<(&str, String)> = matchers.iter().map(|m| ("match[]", m.clone())).collect();
        let resp = self
            .http
            .get(&["api", "v1", "label", label, "values"], &query)
            .await?;
        parse_with(&resp, parse_label_values)
    }

    async fn series(
        &self,
        matchers: &[String],
        start: Option<Millis>,
        end: Option<Millis>,
    ) -> Result<Vec<Labels>, SourceError> {
        if matchers.is_empty() {
            return Err(SourceError::Config {
                reason: "a series lookup needs at least one matcher such as up{job=\"vms\"}"
                    .to_owned(),
            });
        }
        let mut form: Vec<(&str, String)> =
            matchers.iter().map(|m| ("match[]", m.clone())).collect();
        if let Some(s) = start {
            form.push(("start", fmt_secs(s)));
        }
        if let Some(e) = end {
            form.push(("end", fmt_secs(e)));
        }
        let resp = self.http.post_form(&["api", "v1", "series"], &form).await?;
        parse_with(&resp, parse_series)
    }
}

/// Milliseconds as the float seconds Prometheus takes: `15000` -> `"15"`, `500` -> `"0.5"`,
/// `1700000000123` -> `"1700000000.123"`.
pub fn fmt_secs(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    let (secs, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        let f = format!("{frac:03}");
        format!("{sign}{secs}.{}", f.trim_end_matches('0'))
    }
}

/// Splits `[start, end]` at `step_ms` into windows of at most [`MAX_POINTS_PER_QUERY`] points,
/// oldest first. Window bounds lie on `start + k*step`; windows do not overlap; the last one ends
/// at the last grid point `<= end`.
pub fn split_range(
    start: Millis,
    end: Millis,
    step_ms: i64,
) -> Result<Vec<(Millis, Millis)>, SourceError> {
    if step_ms <= 0 {
        return Err(SourceError::Config {
            reason: format!("range query step must be positive, got {step_ms} ms"),
        });
    }
    if end < start {
        return Err(SourceError::Config {
            reason: format!("range query ends ({end}) before it starts ({start}); swap the times"),
        });
    }
    let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step_ms));
    let points = (end - start) / step + 1;
    let per = i128::from(MAX_POINTS_PER_QUERY);
    let windows = (points + per - 1) / per;
    if windows > i128::from(MAX_WINDOWS) {
        return Err(SourceError::Config {
            reason: format!(
                "a range of {} at a step of {} is {points} points per series, over the limit of {}; \
                 use a larger step",
                crate::time::format_duration_ms(i64::try_from(end - start).unwrap_or(i64::MAX)),
                crate::time::format_duration_ms(step_ms),
                i128::from(MAX_POINTS_PER_QUERY) * i128::from(MAX_WINDOWS)
            ),
        });
    }
    let mut out = Vec::new();
    let mut first = 0i128;
    while first < points {
        let last = (first + per - 1).min(points - 1);
        // Both bounds lie within [start, end], so they fit an i64.
        let ws = i64::try_from(start + first * step).unwrap_or(i64::MAX);
        let we = i64::try_from(start + last * step).unwrap_or(i64::MAX);
        out.push((ws, we));
        first = last + 1;
    }
    Ok(out)
}

/// Most distinct warnings (and, separately, infos) kept of one answer; the rest are counted in a
/// last line ("… and 199900 more warnings (not shown)"), so a server cannot flood the log.
pub const MAX_NOTES: usize = 100;

/// Warnings or infos (`what`) of one or more answers: without repeats (linear time), at most
/// [`MAX_NOTES`] of them, then one line counting the rest. Count lines of earlier calls are added up.
pub fn tidy_notes(lists: impl IntoIterator<Item = Vec<String>>, what: &str) -> Vec<String> {
    let more_line = |n: usize| format!("… and {n} more {what} (not shown)");
    let more_count = |note: &str| -> Option<usize> {
        note.strip_prefix("… and ")?
            .strip_suffix(&format!(" more {what} (not shown)"))?
            .parse()
            .ok()
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept: Vec<String> = Vec::new();
    let mut more = 0usize;
    for note in lists.into_iter().flatten() {
        if let Some(n) = more_count(&note) {
            more = more.saturating_add(n);
        } else if seen.contains(&note) {
            continue;
        } else if kept.len() < MAX_NOTES {
            seen.insert(note.clone());
            kept.push(note);
        } else {
            seen.insert(note);
            more = more.saturating_add(1);
        }
    }
    if more > 0 {
        kept.push(more_line(more));
    }
    kept
}

/// Joins the answers of consecutive windows: one series per label set (in first-seen order),
/// samples in time order without duplicate timestamps (the first one wins); warnings and infos
/// concatenated without repeats (see [`tidy_notes`]).
pub fn join_windows(parts: Vec<Answer<Vec<RangeSeries>>>) -> Answer<Vec<RangeSeries>> {
    let mut out: Answer<Vec<RangeSeries>> = Answer::new(Vec::new());
    let mut index: BTreeMap<Labels, usize> = BTreeMap::new();
    let mut warnings = Vec::with_capacity(parts.len());
    let mut infos = Vec::with_capacity(parts.len());
    for part in parts {
        warnings.push(part.warnings);
        infos.push(part.infos);
        for series in part.data {
            match index.get(&series.labels) {
                Some(&i) => {
                    if let Some(s) = out.data.get_mut(i) {
                        s.samples.extend(series.samples);
                    }
                }
                None => {
                    index.insert(series.labels.clone(), out.data.len());
                    out.data.push(series);
                }
            }
        }
    }
    out.warnings = tidy_notes(warnings, "warnings");
    out.infos = tidy_notes(infos, "infos");
    for s in &mut out.data {
        if !s
            .samples
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.t < b.t))
        {
            s.samples.sort_by_key(|p| p.t);
            s.samples.dedup_by_key(|p| p.t);
        }
    }
    out
}

/// Parses a Prometheus sample value: a number, `NaN`, `+Inf`, `Inf` or `-Inf`.
pub fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => {
            let t = s.trim();
            if t.is_empty() || t.len() != s.len() {
                return None;
            }
            t.parse::<f64>().ok()
        }
    }
}

/// Float seconds -> milliseconds, rounded; `None` when not finite or out of range.
pub fn secs_to_ms(secs: f64) -> Option<Millis> {
    let ms = (secs * 1000.0).round();
    // Keep well inside i64 and chrono's range (about ±260,000 years).
    if ms.is_finite() && ms.abs() < 8.0e15 {
        Some(ms as i64)
    } else {
        None
    }
}

// ---- wire types -------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    status: Option<String>,
    #[serde(default = "Option::default")]
    data: Option<T>,
    #[serde(default)]
    warnings: Option<Vec<String>>,
    #[serde(default)]
    infos: Option<Vec<String>>,
}

/// Decodes the envelope; `status` (when present) must be `success`. `data` may be absent or null.
fn envelope_opt<T: DeserializeOwned>(
    body: &[u8],
    url: &str,
) -> Result<Answer<Option<T>>, SourceError> {
    let env: Envelope<T> = decode_json(url, "", body)?;
    if let Some(status) = env.status.as_deref() {
        if status != "success" {
            return Err(malformed(url, format!("unknown status {status:?}")));
        }
    }
    Ok(Answer {
        data: env.data,
        warnings: tidy_notes(env.warnings, "warnings"),
        infos: tidy_notes(env.infos, "infos"),
    })
}

/// Like [`envelope_opt`], but `data` must be there.
fn envelope<T: DeserializeOwned>(body: &[u8], url: &str) -> Result<Answer<T>, SourceError> {
    let ans = envelope_opt(body, url)?;
    let data = ans
        .data
        .ok_or_else(|| malformed(url, "the answer has no \"data\"".to_owned()))?;
    Ok(Answer {
        data,
        warnings: ans.warnings,
        infos: ans.infos,
    })
}

fn malformed(url: &str, reason: String) -> SourceError {
    SourceError::Malformed {
        url: url.to_owned(),
        reason: super::http::sanitize(&reason, 300),
    }
}

/// A timestamp in float seconds (a number, or a string holding one).
#[derive(Debug, Clone, Copy)]
struct PromTime(Millis);

impl<'de> Deserialize<'de> for PromTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PromTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a timestamp in seconds")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PromTime, E> {
                secs_to_ms(v)
                    .map(PromTime)
                    .ok_or_else(|| E::custom(format!("timestamp {v} out of range")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PromTime, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PromTime, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PromTime, E> {
                match v.parse::<f64>() {
                    Ok(f) => self.visit_f64(f),
                    Err(_) => Err(E::custom(format!("invalid timestamp {v:?}"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A sample value: a string such as `"1.5"` or `"NaN"` (numbers are accepted too).
#[derive(Debug, Clone, Copy)]
struct PromValue(f64);

impl<'de> Deserialize<'de> for PromValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PromValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sample value such as \"1.5\", \"NaN\" or \"+Inf\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PromValue, E> {
                Ok(PromValue(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PromValue, E> {
                Ok(PromValue(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PromValue, E> {
                Ok(PromValue(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PromValue, E> {
                parse_value(v).map(PromValue).ok_or_else(|| {
                    E::custom(format!(
                        "invalid sample value {:?}",
                        super::http::sanitize(v, 40)
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `[<float seconds>, "<value>"]`.
#[derive(Debug, Clone, Copy, Deserialize)]
struct RawPoint(PromTime, PromValue);

impl RawPoint {
    fn sample(self) -> Sample {
        Sample {
            t: self.0 .0,
            v: self.1 .0,
        }
    }
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: Option<Labels>,
    #[serde(default)]
    values: Option<Vec<RawPoint>>,
    #[serde(default)]
    histograms: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawInstant {
    #[serde(default)]
    metric: Option<Labels>,
    #[serde(default)]
    value: Option<RawPoint>,
}

#[derive(Deserialize)]
struct MatrixData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<RawSeries>,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

fn series_from_raw(raw: Vec<RawSeries>) -> Vec<RangeSeries> {
    raw.into_iter()
        .filter_map(|s| {
            let values = s.values.unwrap_or_default();
            if values.is_empty() && s.histograms.is_some() {
                // Native-histogram-only series: nothing to chart as a line.
                return None;
            }
            Some(RangeSeries {
                labels: s.metric.unwrap_or_default(),
                samples: values.into_iter().map(RawPoint::sample).collect(),
            })
        })
        .collect()
}

/// Parses a `query_range` answer (resultType `matrix`).
pub fn parse_matrix(body: &[u8], url: &str) -> Result<Answer<Vec<RangeSeries>>, SourceError> {
    let ans: Answer<MatrixData> = envelope(body, url)?;
    if ans.data.result_type != "matrix" {
        return Err(malformed(
            url,
            format!(
                "a range query answered resultType {:?} instead of \"matrix\"",
                ans.data.result_type
            ),
        ));
    }
    Ok(Answer {
        data: series_from_raw(ans.data.result),
        warnings: ans.warnings,
        infos: ans.infos,
    })
}

/// Parses an instant `query` answer (see the module docs for each resultType).
pub fn parse_query(body: &[u8], url: &str) -> Result<Answer<Vec<InstantSample>>, SourceError> {
    let ans: Answer<QueryData> = envelope(body, url)?;
    let mut warnings = ans.warnings;
    let bad = |e: serde_json::Error| malformed(url, format!("data.result: {e}"));
    let data = match ans.data.result_type.as_str() {
        "vector" => serde_json::from_value::<Vec<RawInstant>>(ans.data.result)
            .map_err(bad)?
            .into_iter()
            .filter_map(|r| {
                // Elements with a native `histogram` instead of a `value` are skipped.
                r.value.map(|p| InstantSample {
                    labels: r.metric.unwrap_or_default(),
                    sample: p.sample(),
                })
            })
            .collect(),
        "scalar" => {
            let p: RawPoint = serde_json::from_value(ans.data.result).map_err(bad)?;
            vec![InstantSample {
                labels: Labels::new(),
                sample: p.sample(),
            }]
        }
        "string" => {
            warnings.push("the query returned a string, which cannot be charted".to_owned());
            Vec::new()
        }
        "matrix" => {
            let raw: Vec<RawSeries> = serde_json::from_value(ans.data.result).map_err(bad)?;
            warnings.push(
                "the query returned a range vector; showing the latest sample of each series"
                    .to_owned(),
            );
            series_from_raw(raw)
                .into_iter()
                .filter_map(|s| {
                    s.samples.last().map(|&sample| InstantSample {
                        labels: s.labels.clone(),
                        sample,
                    })
                })
                .collect()
        }
        other => {
            return Err(malformed(url, format!("unknown resultType {other:?}")));
        }
    };
    Ok(Answer {
        data,
        warnings,
        infos: ans.infos,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTarget {
    #[serde(default)]
    labels: Option<Labels>,
    #[serde(default)]
    scrape_pool: Option<String>,
    #[serde(default)]
    scrape_url: Option<String>,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    last_scrape: Option<String>,
    #[serde(default)]
    last_scrape_duration: Option<f64>,
    #[serde(default)]
    health: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetsData {
    #[serde(default)]
    active_targets: Option<Vec<RawTarget>>,
}

/// Parses `/api/v1/targets` (active targets only).
pub fn parse_targets(body: &[u8], url: &str) -> Result<Vec<Target>, SourceError> {
    let ans: Answer<TargetsData> = envelope(body, url)?;
    Ok(ans
        .data
        .active_targets
        .unwrap_or_default()
        .into_iter()
        .map(|t| Target {
            labels: t.labels.unwrap_or_default(),
            scrape_pool: t.scrape_pool.unwrap_or_default(),
            scrape_url: t.scrape_url.unwrap_or_default(),
            health: TargetHealth::parse(t.health.as_deref().unwrap_or("")),
            last_error: t.last_error.unwrap_or_default(),
            last_scrape: t.last_scrape.as_deref().and_then(parse_rfc3339),
            last_scrape_duration_s: t
                .last_scrape_duration
                .filter(|d| d.is_finite())
                .unwrap_or(0.0),
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    labels: Option<Labels>,
    #[serde(default)]
    annotations: Option<Labels>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    health: Option<String>,
    #[serde(default)]
    last_error: Option<String>,
}

#[derive(Deserialize)]
struct RawGroup {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    rules: Option<Vec<RawRule>>,
}

#[derive(Deserialize)]
struct RulesData {
    #[serde(default)]
    groups: Option<Vec<RawGroup>>,
}

/// Parses `/api/v1/rules`: alerting rules only (recording rules are dropped, for servers that
/// ignore `type=alert`), flattened with their group's name and file.
pub fn parse_rules(body: &[u8], url: &str) -> Result<Vec<AlertRule>, SourceError> {
    let ans: Answer<RulesData> = envelope(body, url)?;
    let mut out = Vec::new();
    for g in ans.data.groups.unwrap_or_default() {
        let group = g.name.unwrap_or_default();
        let file = g.file.unwrap_or_default();
        for r in g.rules.unwrap_or_default() {
            if r.kind.as_deref() != Some("alerting") {
                continue;
            }
            out.push(AlertRule {
                group: group.clone(),
                file: file.clone(),
                name: r.name.unwrap_or_default(),
                query: r.query.unwrap_or_default(),
                duration_s: r.duration.filter(|d| d.is_finite()).unwrap_or(0.0),
                labels: r.labels.unwrap_or_default(),
                annotations: r.annotations.unwrap_or_default(),
                state: r.state.unwrap_or_else(|| "inactive".to_owned()),
                health: r.health.unwrap_or_else(|| "unknown".to_owned()),
                last_error: r.last_error.filter(|e| !e.is_empty()),
            });
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPromAlert {
    #[serde(default)]
    labels: Option<Labels>,
    #[serde(default)]
    annotations: Option<Labels>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    active_at: Option<String>,
    #[serde(default)]
    value: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct AlertsData {
    #[serde(default)]
    alerts: Option<Vec<RawPromAlert>>,
}

/// Parses `/api/v1/alerts`.
pub fn parse_alerts(body: &[u8], url: &str) -> Result<Vec<PromAlert>, SourceError> {
    let ans: Answer<AlertsData> = envelope(body, url)?;
    Ok(ans
        .data
        .alerts
        .unwrap_or_default()
        .into_iter()
        .map(|a| PromAlert {
            labels: a.labels.unwrap_or_default(),
            annotations: a.annotations.unwrap_or_default(),
            state: a.state.unwrap_or_default(),
            active_at: a.active_at.as_deref().and_then(parse_rfc3339),
            value: match a.value {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s,
                Some(other) => other.to_string(),
            },
        })
        .collect())
}

/// Parses `/api/v1/label/<name>/values`.
pub fn parse_label_values(body: &[u8], url: &str) -> Result<Vec<String>, SourceError> {
    let ans: Answer<Option<Vec<String>>> = envelope_opt(body, url)?;
    Ok(ans.data.unwrap_or_default())
}

/// Parses `/api/v1/series`.
pub fn parse_series(body: &[u8], url: &str) -> Result<Vec<Labels>, SourceError> {
    let ans: Answer<Option<Vec<Labels>>> = envelope_opt(body, url)?;
    Ok(ans.data.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::super::http::testserver::{json, reply, start, Reply};
    use super::*;

    const U: &str = "http://prom";

    use crate::source::labels_of as labels;

    fn s(t: Millis, v: f64) -> Sample {
        Sample { t, v }
    }

    /// Compares samples treating NaN == NaN.
    fn same(a: &[Sample], b: &[Sample]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.t == y.t && (x.v == y.v || (x.v.is_nan() && y.v.is_nan())))
    }

    #[track_caller]
    fn check_matrix(body: &str, expect: Result<Vec<(Labels, Vec<Sample>)>, &str>) {
        let got = parse_matrix(body.as_bytes(), U);
        match (got, expect) {
            (Ok(a), Ok(e)) => {
                assert_eq!(a.data.len(), e.len(), "{body}");
                for (g, (l, smp)) in a.data.iter().zip(&e) {
                    assert_eq!(&g.labels, l);
                    assert!(same(&g.samples, smp), "{:?} != {:?}", g.samples, smp);
                }
            }
            (Err(g), Err(kind)) => {
                assert!(format!("{g:?}").starts_with(kind), "{body}: {g:?}")
            }
            (g, e) => panic!("{body}: got {g:?}, expected {e:?}"),
        }
    }

    #[test]
    fn matrices() {
        let m = |r: &str| {
            format!(r#"{{"status":"success","data":{{"resultType":"matrix","result":{r}}}}}"#)
        };
        check_matrix(&m("[]"), Ok(vec![]));
        check_matrix(
            &m(r#"[{"metric":{"job":"vms"},"values":[[1700000000,"1"],[1700000015.5,"2.5"]]}]"#),
            Ok(vec![(
                labels(&[("job", "vms")]),
                vec![s(1_700_000_000_000, 1.0), s(1_700_000_015_500, 2.5)],
            )]),
        );
        check_matrix(
            &m(
                r#"[{"metric":{},"values":[[1700000000.123,"NaN"],[1700000000.9999,"+Inf"],[1,"-Inf"],[2,"Inf"],[3,"1e3"],[4,"-0.5"]]}]"#,
            ),
            Ok(vec![(
                Labels::new(),
                vec![
                    s(1_700_000_000_123, f64::NAN),
                    s(1_700_000_001_000, f64::INFINITY),
                    s(1000, f64::NEG_INFINITY),
                    s(2000, f64::INFINITY),
                    s(3000, 1000.0),
                    s(4000, -0.5),
                ],
            )]),
        );
        // Native histograms are skipped; a histogram-only series disappears.
        check_matrix(
            &m(
                r#"[{"metric":{"a":"1"},"values":[[1,"1"]],"histograms":[[1,{"count":"2","sum":"3","buckets":[[0,"0","1","2"]]}]]},
                   {"metric":{"a":"2"},"histograms":[[1,{"count":"2"}]]}]"#,
            ),
            Ok(vec![(labels(&[("a", "1")]), vec![s(1000, 1.0)])]),
        );
        check_matrix(
            &m(r#"[{"metric":{},"values":[[1,"abc"]]}]"#),
            Err("Malformed"),
        );
        check_matrix(&m(r#"[{"metric":{},"values":[[1,""]]}]"#), Err("Malformed"));
        check_matrix(
            &m(r#"[{"metric":{},"values":[[1," 1"]]}]"#),
            Err("Malformed"),
        );
        check_matrix(
            &m(r#"[{"metric":{},"values":[[1e300,"1"]]}]"#),
            Err("Malformed"),
        );
        check_matrix(&m(r#"[{"metric":{},"values":[[1]]}]"#), Err("Malformed"));
        check_matrix(
            &m(r#"[{"metric":{},"values":[[1,"1",2]]}]"#),
            Err("Malformed"),
        );
        check_matrix(&m(r#"[{"metric":{},"values":"1"}]"#), Err("Malformed"));
        check_matrix(&m(r#"[{"metric":{},"values":[1,2]}]"#), Err("Malformed"));
        check_matrix(&m(r#"[{"metric":{"a":1},"values":[]}]"#), Err("Malformed"));
        check_matrix(&m(r#"{}"#), Err("Malformed"));
        check_matrix(
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            Err("Malformed"),
        );
        check_matrix(r#"{"status":"success","data":"oops"}"#, Err("Malformed"));
        check_matrix(r#"{"status":"success"}"#, Err("Malformed"));
        check_matrix(
            r#"{"status":"weird","data":{"resultType":"matrix","result":[]}}"#,
            Err("Malformed"),
        );
        check_matrix(
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]"#,
            Err("Malformed"),
        );
        check_matrix(
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error"}"#,
            Err("Api"),
        );
        check_matrix(
            "<!DOCTYPE html><html><body>Sign in</body></html>",
            Err("NotJson"),
        );
        check_matrix("", Err("Malformed"));
    }

    #[test]
    fn warnings_and_infos() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]},
            "warnings":["PromQL warning: x"],"infos":["PromQL info: metric might not be a counter"]}"#;
        let a = parse_matrix(body.as_bytes(), U).expect("parse");
        assert_eq!(a.warnings, vec!["PromQL warning: x"]);
        assert_eq!(a.infos, vec!["PromQL info: metric might not be a counter"]);
        let body =
            r#"{"status":"success","data":{"resultType":"matrix","result":[]},"warnings":null}"#;
        assert!(parse_matrix(body.as_bytes(), U)
            .expect("parse")
            .warnings
            .is_empty());
    }

    /// Expected instant samples (labels, sample).
    type Point = (Labels, Sample);

    #[track_caller]
    fn check_query(body: &str, expect: Result<(Vec<Point>, usize), &str>) {
        match (parse_query(body.as_bytes(), U), expect) {
            (Ok(a), Ok((e, nwarn))) => {
                let got: Vec<Point> = a.data.into_iter().map(|i| (i.labels, i.sample)).collect();
                assert_eq!(got.len(), e.len(), "{body}");
                for ((gl, gs), (el, es)) in got.iter().zip(&e) {
                    assert_eq!(gl, el);
                    assert!(same(&[*gs], &[*es]), "{gs:?} != {es:?}");
                }
                assert_eq!(a.warnings.len(), nwarn, "{:?}", a.warnings);
            }
            (Err(g), Err(kind)) => assert!(format!("{g:?}").starts_with(kind), "{body}: {g:?}"),
            (g, e) => panic!("{body}: got {g:?}, expected {e:?}"),
        }
    }

    #[test]
    fn instant_queries() {
        let q = |rt: &str, r: &str| {
            format!(r#"{{"status":"success","data":{{"resultType":"{rt}","result":{r}}}}}"#)
        };
        check_query(
            &q(
                "vector",
                r#"[{"metric":{"__name__":"up","job":"a"},"value":[1700000000.5,"1"]}]"#,
            ),
            Ok((
                vec![(
                    labels(&[("__name__", "up"), ("job", "a")]),
                    s(1_700_000_000_500, 1.0),
                )],
                0,
            )),
        );
        check_query(
            &q(
                "vector",
                r#"[{"metric":{},"value":[1,"NaN"]},{"metric":{"h":"1"},"histogram":[1,{"count":"1"}]}]"#,
            ),
            Ok((vec![(Labels::new(), s(1000, f64::NAN))], 0)),
        );
        check_query(
            &q("scalar", r#"[1700000000,"42"]"#),
            Ok((vec![(Labels::new(), s(1_700_000_000_000, 42.0))], 0)),
        );
        check_query(
            &q("scalar", r#"[1,"-Inf"]"#),
            Ok((vec![(Labels::new(), s(1000, f64::NEG_INFINITY))], 0)),
        );
        check_query(&q("string", r#"[1,"hello"]"#), Ok((vec![], 1)));
        check_query(
            &q(
                "matrix",
                r#"[{"metric":{"a":"1"},"values":[[1,"1"],[2,"2"]]},{"metric":{"a":"2"},"values":[]}]"#,
            ),
            Ok((vec![(labels(&[("a", "1")]), s(2000, 2.0))], 1)),
        );
        check_query(
            &q("vector", r#"[{"metric":{},"value":[1,"x"]}]"#),
            Err("Malformed"),
        );
        check_query(&q("vector", r#"{"a":1}"#), Err("Malformed"));
        check_query(&q("scalar", r#""1""#), Err("Malformed"));
        check_query(&q("streams", "[]"), Err("Malformed"));
        check_query(
            r#"{"status":"success","data":{"result":[]}}"#,
            Err("Malformed"),
        );
        check_query(
            r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#,
            Err("Api"),
        );
        check_query("Bad Gateway", Err("NotJson"));
    }

    #[test]
    fn other_endpoints() {
        let targets = r#"{"status":"success","data":{"activeTargets":[
            {"discoveredLabels":{},"labels":{"instance":"cam-1:9100","job":"cams"},"scrapePool":"cams",
             "scrapeUrl":"http://cam-1:9100/metrics","globalUrl":"x","lastError":"","lastScrape":"2023-11-14T22:13:20.000Z",
             "lastScrapeDuration":0.0123,"health":"up","scrapeInterval":"15s","scrapeTimeout":"10s"},
            {"labels":{"job":"nvr"},"health":"down","lastError":"connection refused","lastScrape":"0001-01-01T00:00:00Z"},
            {"health":"sideways"}],"droppedTargets":[]}}"#;
        let t = parse_targets(targets.as_bytes(), U).expect("targets");
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].health, TargetHealth::Up);
        assert_eq!(t[0].last_scrape, Some(1_700_000_000_000));
        assert_eq!(t[0].scrape_pool, "cams");
        assert!((t[0].last_scrape_duration_s - 0.0123).abs() < 1e-9);
        assert_eq!(t[1].health, TargetHealth::Down);
        assert_eq!(t[1].last_scrape, None);
        assert_eq!(t[1].last_error, "connection refused");
        assert_eq!(t[2].health, TargetHealth::Unknown);
        assert!(parse_targets(br#"{"status":"success","data":{"activeTargets":"x"}}"#, U).is_err());

        let rules = r#"{"status":"success","data":{"groups":[
            {"name":"vms","file":"/etc/prometheus/vms.yml","interval":15,"rules":[
              {"type":"alerting","name":"CameraDown","query":"up == 0","duration":120,"labels":{"severity":"page"},
               "annotations":{"summary":"down"},"alerts":[],"health":"ok","state":"firing","lastError":""},
              {"type":"recording","name":"job:up:sum","query":"sum(up)","health":"ok"}]},
            {"name":"empty","file":"f","rules":null},
            {"name":"old","file":"g","rules":[{"type":"alerting","name":"X","query":"1","labels":null,"health":"err","lastError":"boom"}]}]}}"#;
        let r = parse_rules(rules.as_bytes(), U).expect("rules");
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0],
            AlertRule {
                group: "vms".into(),
                file: "/etc/prometheus/vms.yml".into(),
                name: "CameraDown".into(),
                query: "up == 0".into(),
                duration_s: 120.0,
                labels: labels(&[("severity", "page")]),
                annotations: labels(&[("summary", "down")]),
                state: "firing".into(),
                health: "ok".into(),
                last_error: None,
            }
        );
        assert_eq!(r[1].group, "old");
        assert_eq!(r[1].last_error.as_deref(), Some("boom"));
        assert_eq!(r[1].state, "inactive");

        let alerts = r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"CameraDown"},"annotations":{},
            "state":"firing","activeAt":"2023-11-14T22:13:20.5Z","value":"0e+00"},{"state":"pending","value":1}]}}"#;
        let a = parse_alerts(alerts.as_bytes(), U).expect("alerts");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].active_at, Some(1_700_000_000_500));
        assert_eq!(a[0].value, "0e+00");
        assert_eq!(a[1].value, "1");

        let v = parse_label_values(br#"{"status":"success","data":["a","b"]}"#, U).expect("lv");
        assert_eq!(v, vec!["a", "b"]);
        assert!(
            parse_label_values(br#"{"status":"success","data":null}"#, U)
                .expect("lv")
                .is_empty()
        );
        assert!(parse_label_values(br#"{"status":"success","data":[1]}"#, U).is_err());
        let sr = parse_series(
            br#"{"status":"success","data":[{"__name__":"up","job":"a"}]}"#,
            U,
        )
        .expect("series");
        assert_eq!(sr, vec![labels(&[("__name__", "up"), ("job", "a")])]);
    }

    #[track_caller]
    fn check_fmt(ms: i64, expect: &str) {
        assert_eq!(fmt_secs(ms), expect);
    }

    #[test]
    fn formats_seconds() {
        check_fmt(15_000, "15");
        check_fmt(500, "0.5");
        check_fmt(1_500, "1.5");
        check_fmt(1, "0.001");
        check_fmt(0, "0");
        check_fmt(1_700_000_000_123, "1700000000.123");
        check_fmt(-1_500, "-1.5");
        check_fmt(i64::MIN, "-9223372036854775.808");
    }

    #[track_caller]
    fn check_split(start: i64, end: i64, step: i64, expect: Result<Vec<(i64, i64)>, ()>) {
        assert_eq!(split_range(start, end, step).map_err(|_| ()), expect);
    }

    #[test]
    fn splits_ranges() {
        check_split(0, 0, 1, Ok(vec![(0, 0)]));
        check_split(0, 10_999, 1, Ok(vec![(0, 10_999)]));
        check_split(0, 11_000, 1, Ok(vec![(0, 10_999), (11_000, 11_000)]));
        // Unaligned end: the last grid point is 29_999 * 15 s after start.
        check_split(
            1000,
            1000 + 30_000 * 15_000 - 1,
            15_000,
            Ok(vec![
                (1000, 1000 + 10_999 * 15_000),
                (1000 + 11_000 * 15_000, 1000 + 21_999 * 15_000),
                (1000 + 22_000 * 15_000, 1000 + 29_999 * 15_000),
            ]),
        );
        check_split(0, 10, 0, Err(()));
        check_split(0, 10, -5, Err(()));
        check_split(10, 0, 1, Err(()));
        check_split(i64::MIN, i64::MAX, 1, Err(()));
        check_split(
            i64::MIN,
            i64::MAX,
            i64::MAX,
            Ok(vec![(i64::MIN, i64::MAX - 1)]),
        );
        // Every window holds at most MAX_POINTS_PER_QUERY points and windows do not overlap.
        let w = split_range(5, 5 + 1_000_000 * 7, 7).expect("split");
        assert_eq!(w.len(), 91);
        for pair in w.windows(2) {
            assert_eq!(pair[1].0, pair[0].1 + 7);
        }
        assert!(w.iter().all(|(a, b)| (b - a) / 7 < MAX_POINTS_PER_QUERY));
        assert_eq!(w.last().map(|x| x.1), Some(5 + 1_000_000 * 7));
    }

    #[test]
    fn joins_windows() {
        let rs = |l: &str, ts: &[i64]| RangeSeries {
            labels: labels(&[("a", l)]),
            samples: ts.iter().map(|&t| s(t, t as f64)).collect(),
        };
        let part = |series: Vec<RangeSeries>, w: &[&str]| Answer {
            data: series,
            warnings: w.iter().map(|s| s.to_string()).collect(),
            infos: vec![],
        };
        let j = join_windows(vec![
            part(vec![rs("x", &[1, 2]), rs("y", &[2])], &["w1"]),
            part(vec![rs("y", &[3, 4]), rs("x", &[2, 3])], &["w1", "w2"]),
            part(vec![rs("z", &[9]), rs("x", &[0])], &[]),
        ]);
        assert_eq!(
            j.data,
            vec![rs("x", &[0, 1, 2, 3]), rs("y", &[2, 3, 4]), rs("z", &[9])]
        );
        assert_eq!(j.warnings, vec!["w1", "w2"]);
    }

    fn endpoint(url: &str) -> Endpoint {
        let mut e = Endpoint::new(url);
        e.timeout = Duration::from_secs(10);
        e
    }

    /// A fake Prometheus answering query_range with two series whose values are their timestamps.
    fn fake_range(seen: &super::super::http::testserver::Seen) -> Reply {
        let num = |k: &str| {
            seen.param(k)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let (start, end, step) = (num("start"), num("end"), num("step"));
        if seen.path() != "/prom/api/v1/query_range" || step <= 0.0 {
            return reply(404, "text/plain", "404 page not found");
        }
        if (end - start) / step > 11_000.0 {
            return reply(
                400,
                "application/json",
                r#"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}"#,
            );
        }
        let mut values = String::new();
        let mut t = start;
        while t <= end + 1e-9 {
            if !values.is_empty() {
                values.push(',');
            }
            values.push_str(&format!("[{t},\"{t}\"]"));
            t += step;
        }
        let series: Vec<String> = ["0", "1"]
            .iter()
            .map(|i| format!(r#"{{"metric":{{"__name__":"m","i":"{i}"}},"values":[{values}]}}"#))
            .collect();
        json(&format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}},"warnings":["w"]}}"#,
            series.join(",")
        ))
    }

    #[tokio::test]
    async fn splits_long_ranges_end_to_end() {
        let srv = start(fake_range).await;
        let mut e = endpoint(&format!("{}/prom", srv.url));
        e.auth = super::super::Auth::Bearer {
            token: "s3cret".into(),
        };
        let c = PrometheusClient::new(e).expect("client");
        let start_ms = 1_700_000_000_000;
        let step = 15_000;
        let end_ms = start_ms + 29_999 * step;
        let ans = c
            .query_range("rate(x[5m])", start_ms, end_ms, step)
            .await
            .expect("query_range");
        let seen = srv.requests();
        assert_eq!(seen.len(), 3);
        let starts: Vec<String> = seen.iter().filter_map(|r| r.param("start")).collect();
        assert_eq!(starts, vec!["1700000000", "1700165000", "1700330000"]);
        assert!(seen.iter().all(|r| r.method == "POST"
            && r.param("step").as_deref() == Some("15")
            && r.param("query").as_deref() == Some("rate(x[5m])")
            && r.header("authorization") == Some("Bearer s3cret")));
        assert_eq!(ans.data.len(), 2);
        for series in &ans.data {
            assert_eq!(series.samples.len(), 30_000);
            for (k, smp) in series.samples.iter().enumerate() {
                assert_eq!(smp.t, start_ms + k as i64 * step);
                assert_eq!(smp.v * 1000.0, smp.t as f64);
            }
        }
        assert_eq!(ans.warnings, vec!["w"]);

        // Sub-second steps are sent as float seconds; bad arguments send nothing.
        let ans = c.query_range("x", 0, 2_000, 500).await.expect("small");
        assert_eq!(ans.data[0].samples.len(), 5);
        assert_eq!(
            srv.requests()
                .last()
                .and_then(|r| r.param("step"))
                .as_deref(),
            Some("0.5")
        );
        let before = srv.requests().len();
        assert!(matches!(
            c.query_range("x", 10, 0, 1).await,
            Err(SourceError::Config { .. })
        ));
        assert!(matches!(
            c.query_range("x", 0, 10, 0).await,
            Err(SourceError::Config { .. })
        ));
        assert_eq!(srv.requests().len(), before);
    }

    #[tokio::test]
    async fn hostile_answers_end_to_end() {
        let srv = start(|seen| match seen.param("query").as_deref() {
            Some("html") => reply(200, "text/html", "<html><body><h1>Welcome to nginx!</h1></body></html>"),
            Some("cut") => json(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}"#),
            Some("err200") => json(r#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}"#),
            Some("err422") => reply(422, "application/json", r#"{"status":"error","errorType":"execution","error":"boom"}"#),
            Some("proxy") => reply(502, "text/html", "<html><title>502 Bad Gateway</title></html>"),
            _ => json(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#),
        })
        .await;
        let c = PrometheusClient::new(endpoint(&srv.url)).expect("client");
        let kind = |r: Result<Answer<Vec<InstantSample>>, SourceError>| {
            format!("{r:?}")
                .split(['{', '('])
                .nth(1)
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let html = c.query("html", None).await;
        match &html {
            Err(SourceError::NotJson {
                content_type,
                excerpt,
                ..
            }) => {
                assert_eq!(content_type, "text/html");
                assert_eq!(excerpt, "Welcome to nginx!");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(kind(c.query("cut", None).await), "Malformed");
        assert_eq!(kind(c.query("err200", None).await), "Api");
        assert_eq!(kind(c.query("err422", None).await), "Api");
        assert_eq!(kind(c.query("proxy", None).await), "Http");
        let ok = c
            .query("1+1", Some(1_700_000_000_250))
            .await
            .expect("scalar");
        assert_eq!(ok.data.len(), 1);
        let last = srv.requests().pop().expect("request");
        assert_eq!(last.param("time").as_deref(), Some("1700000000.25"));
        assert_eq!(last.param("timeout").as_deref(), Some("10"));
        assert_eq!(last.path(), "/api/v1/query");
    }

    #[tokio::test]
    async fn paths_and_params() {
        let srv = start(|seen| match seen.path() {
            "/api/v1/label/job/values" | "/api/v1/label/a%2Fb/values" => {
                json(r#"{"status":"success","data":["x"]}"#)
            }
            "/api/v1/series" => json(r#"{"status":"success","data":[{"job":"x"}]}"#),
            "/api/v1/targets" if seen.param("state").as_deref() == Some("active") => {
                json(r#"{"status":"success","data":{"activeTargets":[]}}"#)
            }
            "/api/v1/rules" if seen.param("type").as_deref() == Some("alert") => {
                json(r#"{"status":"success","data":{"groups":[]}}"#)
            }
            "/api/v1/alerts" => json(r#"{"status":"success","data":{"alerts":[]}}"#),
            _ => reply(404, "text/plain", "404 page not found"),
        })
        .await;
        let c = PrometheusClient::new(endpoint(&format!("{}/", srv.url))).expect("client");
        let m = vec!["up{job=\"a\"}".to_owned(), "b".to_owned()];
        assert_eq!(c.label_values("job", &m).await.expect("lv"), vec!["x"]);
        assert_eq!(c.label_values("a/b", &[]).await.expect("lv"), vec!["x"]);
        let lv = srv.requests().into_iter().next().expect("req");
        let matches: Vec<String> = lv
            .params()
            .into_iter()
            .filter(|(k, _)| k == "match[]")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(matches, m);
        assert_eq!(
            c.series(&m, Some(1000), Some(2000))
                .await
                .expect("series")
                .len(),
            1
        );
        let sr = srv.requests().pop().expect("req");
        assert_eq!(
            (sr.param("start").as_deref(), sr.param("end").as_deref()),
            (Some("1"), Some("2"))
        );
        assert!(matches!(
            c.series(&[], None, None).await,
            Err(SourceError::Config { .. })
        ));
        assert!(matches!(
            c.label_values("", &[]).await,
            Err(SourceError::Config { .. })
        ));
        assert!(c.targets().await.expect("targets").is_empty());
        assert!(c.rules().await.expect("rules").is_empty());
        assert!(c.alerts().await.expect("alerts").is_empty());
        assert_eq!(c.url(), format!("{}/", srv.url));
    }

    /// Hardening #14.2: warnings were merged with `Vec::contains` and each one was logged: an answer
    /// of 2.4 MB with 200,000 warnings took over 200 s. They are de-duplicated in linear time and at
    /// most MAX_NOTES are kept, with a count of the rest.
    #[test]
    fn two_hundred_thousand_warnings_are_capped_and_counted() {
        const N: usize = 200_000;
        let list: Vec<String> = (0..N).map(|i| format!("warning {i}")).collect();
        let body = serde_json::json!({
            "status": "success",
            "data": {"resultType": "matrix", "result": []},
            "warnings": list,
            "infos": ["i", "i"],
        })
        .to_string();
        assert!(body.len() > 2_000_000);
        let a = parse_matrix(body.as_bytes(), U).expect("parse");
        assert_eq!(a.warnings.len(), MAX_NOTES + 1);
        assert_eq!(a.warnings[0], "warning 0");
        assert_eq!(
            a.warnings[MAX_NOTES],
            format!("… and {} more warnings (not shown)", N - MAX_NOTES)
        );
        assert_eq!(a.infos, vec!["i"]);
        // Windows of a split query, each with its own flood (as a client that does not cap sends
        // them): joined in linear time, the counts added up.
        let part = |from: usize| Answer {
            data: Vec::new(),
            warnings: (from..from + N).map(|i| format!("warning {i}")).collect(),
            infos: vec![],
        };
        let j = join_windows(vec![part(0), part(N / 2), part(0)]);
        assert_eq!(j.warnings.len(), MAX_NOTES + 1);
        assert_eq!(
            j.warnings[MAX_NOTES],
            format!("… and {} more warnings (not shown)", N * 3 / 2 - MAX_NOTES)
        );
        let again = join_windows(vec![
            Answer {
                data: Vec::new(),
                warnings: a.warnings.clone(),
                infos: vec![],
            },
            Answer {
                data: Vec::new(),
                warnings: a.warnings,
                infos: vec![],
            },
        ]);
        assert_eq!(
            again.warnings.last().map(String::as_str),
            Some(format!("… and {} more warnings (not shown)", 2 * (N - MAX_NOTES)).as_str())
        );
    }

    /// Hardening #14.8: an impostor server answered a range query with samples from 1870 and from
    /// months ahead; they were stored and drawn. Samples outside the requested window are dropped,
    /// with a warning that counts them.
    #[tokio::test]
    async fn samples_outside_the_requested_window_are_dropped() {
        let srv = start(|_| {
            json(
                r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"job":"a"},"values":[[-3155673600,"1"],[1700000000,"2"],[1700000015,"3"],[1715000000,"4"]]},
                {"metric":{"job":"b"},"values":[[1900000000,"5"]]}]}}"#,
            )
        })
        .await;
        let c = PrometheusClient::new(endpoint(&srv.url)).expect("client");
        let start_ms = 1_700_000_000_000;
        let ans = c
            .query_range("up", start_ms, start_ms + 15_000, 15_000)
            .await
            .expect("query_range");
        assert_eq!(
            ans.data.len(),
            1,
            "a series with nothing in the window is gone"
        );
        assert_eq!(
            ans.data[0].samples,
            vec![s(start_ms, 2.0), s(start_ms + 15_000, 3.0)]
        );
        assert_eq!(ans.warnings.len(), 1, "{:?}", ans.warnings);
        assert!(
            ans.warnings[0].starts_with("3 samples outside the requested window"),
            "{:?}",
            ans.warnings
        );
    }
}
