//! The shift log: alert events as CSV for the handover, and the part of the history that was missed
//! while Watchdesk was closed or offline, rebuilt from Prometheus' `ALERTS` series.
//!
//! Prometheus keeps `ALERTS{alertstate="firing"}` for every firing alert; its runs of samples are
//! the alert's episodes. [`rebuild`] turns them into "fired"/"resolved" events (detail
//! [`REBUILT`]) for the episodes the cache has no events for, so nothing is recorded twice.

use std::collections::BTreeMap;

use crate::cache::{AlertEvent, Cache, CacheError};
use crate::source::{Labels, MetricsSource, RangeSeries};
use crate::time::Millis;

/// The detail of an event rebuilt from Prometheus.
pub const REBUILT: &str = "rebuilt from Prometheus ALERTS";

/// The expression whose samples are the firing episodes.
pub const ALERTS_EXPR: &str = "ALERTS{alertstate=\"firing\"}";

/// A gap of alert polling longer than this is rebuilt from Prometheus after the next sync.
pub const MIN_GAP_MS: i64 = 60_000;

/// The CSV header of the shift log.
pub const CSV_HEADER: &str = "time,source,alertname,event,fingerprint,detail";

/// One CSV field: always quoted; a leading `= + - @`, tab or carriage return gets a `'` so that a
/// spreadsheet does not run it as a formula (OWASP's CSV injection guidance).
pub fn csv_field(s: &str) -> String {
    let s = s.replace('"', "\"\"");
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    };
    format!("\"{s}\"")
}

/// The shift log as CSV (what `watchdesk history --csv` prints and the app exports), one line per
/// event in the given order, each line ending with a newline.
pub fn events_csv(events: &[AlertEvent]) -> String {
    let mut out = String::with_capacity(64 + events.len() * 96);
    out.push_str(CSV_HEADER);
    out.push('\n');
    for e in events {
        let fields = [
            crate::time::to_rfc3339(e.at),
            e.source.clone(),
            e.alertname.clone(),
            e.kind.clone(),
            e.fingerprint.clone(),
            e.detail.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Alertmanager's fingerprint of a label set (Prometheus `model.LabelSet.Fingerprint`: FNV-1a 64
/// over the sorted names and values, each followed by 0xff), as 16 hex digits.
pub fn fingerprint(labels: &Labels) -> String {
    crate::source::labels_fingerprint(labels)
}

/// The alert's own labels of an `ALERTS` series (without `__name__` and `alertstate`).
fn alert_labels(series: &Labels) -> Labels {
    series
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__" && k.as_str() != "alertstate")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Episodes (first sample, last sample) of one series: a gap longer than twice the step ends one.
fn episodes(series: &RangeSeries, step_ms: i64) -> Vec<(Millis, Millis)> {
    let mut out: Vec<(Millis, Millis)> = Vec::new();
    let mut ts: Vec<Millis> = series
        .samples
        .iter()
        .filter(|s| s.v.is_finite())
        .map(|s| s.t)
        .collect();
    ts.sort_unstable();
    for t in ts {
        match out.last_mut() {
            Some((_, end)) if t - *end <= 2 * step_ms => *end = t,
            _ => out.push((t, t)),
        }
    }
    out
}

/// How far before the first `ALERTS` sample Alertmanager's `startsAt` may lie (a rule's `for`
/// period and evaluation delays).
const START_TOLERANCE_MS: i64 = 15 * 60_000;

/// The events of the window `[from, to]` that the cache does not have: for each episode of each
/// `ALERTS{alertstate="firing"}` series, a "fired" at its first sample unless an event "fired" of
/// that fingerprint lies between the previous episode's end (or 15 min before) and this episode's
/// end; and a "resolved" one step after its last sample (at most at the window's end), unless
/// it is the last episode, reaches the end of the window and the alert is in `firing_now` (the
/// fingerprints Alertmanager reports now), or a "resolved" of that fingerprint lies between its
/// start and the next episode. `existing` are the cache's events of `source` (any time range
/// covering the window). Pure: the result is sorted by time.
pub fn rebuild(
    source: &str,
    series: &[RangeSeries],
    step_ms: i64,
    window: (Millis, Millis),
    existing: &[AlertEvent],
    firing_now: &[String],
) -> Vec<AlertEvent> {
    let step_ms = step_ms.max(1);
    let (_, to) = window;
    // Existing events per fingerprint and kind.
    let mut seen: BTreeMap<(&str, &str), Vec<Millis>> = BTreeMap::new();
    for e in existing.iter().filter(|e| e.source == source) {
        seen.entry((e.fingerprint.as_str(), e.kind.as_str()))
            .or_default()
            .push(e.at);
    }
    let any_in = |fp: &str, kind: &str, lo: Millis, hi: Millis| {
        seen.get(&(fp, kind))
            .is_some_and(|v| v.iter().any(|t| *t >= lo && *t <= hi))
    };
    let mut out = Vec::new();
    for s in series {
        let labels = alert_labels(&s.labels);
        let Some(name) = labels.get("alertname").cloned() else {
            continue;
        };
        let fp = fingerprint(&labels);
        let eps = episodes(s, step_ms);
        for (i, (start, end)) in eps.iter().copied().enumerate() {
            let prev_end = if i > 0 { eps[i - 1].1 + 1 } else { Millis::MIN };
            let next_start = eps.get(i + 1).map(|e| e.0 - 1).unwrap_or(Millis::MAX);
            let lo = (start - START_TOLERANCE_MS).max(prev_end);
            if !any_in(&fp, "fired", lo, end) {
                out.push(AlertEvent {
                    id: 0,
                    source: source.to_string(),
                    fingerprint: fp.clone(),
                    alertname: name.clone(),
                    kind: "fired".into(),
                    at: start,
                    detail: REBUILT.into(),
                });
            }
            let still_firing =
                i + 1 == eps.len() && end + 2 * step_ms >= to && firing_now.contains(&fp);
            if !still_firing && !any_in(&fp, "resolved", start + 1, next_start) {
                out.push(AlertEvent {
                    id: 0,
                    source: source.to_string(),
                    fingerprint: fp.clone(),
                    alertname: name.clone(),
                    kind: "resolved".into(),
                    at: (end + step_ms).min(to),
                    detail: REBUILT.into(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.fingerprint.cmp(&b.fingerprint)));
    out
}

/// The labels Prometheus adds to every alert it sends (its `external_labels`): those every current
/// alert of the source carries (the always-firing Watchdog makes sure there is one) and that no
/// `ALERTS` series has.
pub fn external_labels(current: &[crate::cache::CachedAlert], series: &[RangeSeries]) -> Labels {
    let Some((first, rest)) = current.split_first() else {
        return Labels::new();
    };
    first
        .labels
        .iter()
        .filter(|(k, v)| {
            rest.iter().all(|a| a.labels.get(*k) == Some(*v))
                && !series.iter().any(|s| s.labels.contains_key(*k))
                && k.as_str() != "alertname"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Why the missed alert history could not be rebuilt (tried again after the next sync).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    #[error("the missed alert history waits for Prometheus to answer again")]
    PrometheusDown,
    #[error("rebuilding the missed alert history from Prometheus: {0}")]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// Called after each successful alert sync of `source`: when the previous one is longer ago than
/// [`MIN_GAP_MS`] (the app was closed, or offline), the missed window is rebuilt from
/// Prometheus' `ALERTS` series. Returns how many events were added. A failure leaves the mark, so
/// the next round tries again.
pub async fn after_sync(
    cache: &Cache,
    source: &str,
    prometheus: &dyn MetricsSource,
    now: Millis,
) -> Result<usize, HistoryError> {
    let last = cache.alerts_synced_at(source)?;
    let Some(last) = last.filter(|l| now - *l > MIN_GAP_MS && *l < now) else {
        cache.set_alerts_synced_at(source, now)?;
        return Ok(0);
    };
    // Prometheus known to be down: try again on a later round, without waiting for a timeout now.
    let prom_down = cache.health()?.iter().any(|h| {
        h.source == source
            && h.component == crate::cache::health::PROMETHEUS
            && h.consecutive_failures > 0
    });
    if prom_down {
        return Err(HistoryError::PrometheusDown);
    }
    let step = ((now - last) / 10_000).max(15_000);
    let from = last - last.rem_euclid(step);
    let answer = prometheus.query_range(ALERTS_EXPR, from, now, step).await?;
    let existing = cache.alert_events(Some(source), None, from - START_TOLERANCE_MS)?;
    let current = cache.current_alerts(Some(source))?;
    // Prometheus adds its external labels to the alerts it sends, not to `ALERTS`: add them back so
    // the fingerprints are Alertmanager's.
    let ext = external_labels(&current, &answer.data);
    let mut series = answer.data;
    for s in &mut series {
        for (k, v) in &ext {
            s.labels.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let firing_now: Vec<String> = current.into_iter().map(|a| a.fingerprint).collect();
    let events = rebuild(source, &series, step, (from, now), &existing, &firing_now);
    let n = cache.add_alert_events(&events)?;
    cache.set_alerts_synced_at(source, now)?;
    if n > 0 {
        tracing::info!(
            "{source}: {n} alert events of {}..{} rebuilt from Prometheus ALERTS",
            crate::time::to_rfc3339(from),
            crate::time::to_rfc3339(now)
        );
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sample;

    fn series(name: &str, instance: &str, ts: &[Millis]) -> RangeSeries {
        let mut labels = Labels::new();
        labels.insert("__name__".into(), "ALERTS".into());
        labels.insert("alertstate".into(), "firing".into());
        labels.insert("alertname".into(), name.into());
        labels.insert("instance".into(), instance.into());
        RangeSeries {
            labels,
            samples: ts.iter().map(|t| Sample { t: *t, v: 1.0 }).collect(),
        }
    }

    fn ev(fp: &str, kind: &str, at: Millis) -> AlertEvent {
        AlertEvent {
            id: 1,
            source: "s".into(),
            fingerprint: fp.into(),
            alertname: "X".into(),
            kind: kind.into(),
            at,
            detail: String::new(),
        }
    }

    fn kinds(v: &[AlertEvent]) -> Vec<(String, Millis)> {
        v.iter().map(|e| (e.kind.clone(), e.at)).collect()
    }

    #[test]
    fn fingerprint_is_alertmanagers() {
        // Alertmanager's fingerprint of {alertname="Watchdog", severity="none"} (model.LabelSet).
        let mut l = Labels::new();
        assert_eq!(
            fingerprint(&l),
            "cbf29ce484222325",
            "FNV-1a offset for no labels"
        );
        l.insert("a".into(), "b".into());
        // FNV-1a 64 of "a\xffb\xff".
        let mut h: u64 = 14_695_981_039_346_656_037;
        for b in b"a\xffb\xff" {
            h ^= *b as u64;
            h = h.wrapping_mul(1_099_511_628_211);
        }
        assert_eq!(fingerprint(&l), format!("{h:016x}"));
    }

    #[test]
    fn missed_episodes_become_rebuilt_events_once() {
        let step = 15_000;
        let s = series(
            "ServiceDown",
            "a:1",
            &[100_000, 115_000, 130_000, 400_000, 415_000],
        );
        let fp = fingerprint(&alert_labels(&s.labels));
        let now = std::slice::from_ref(&fp);
        let out = rebuild(
            "s",
            std::slice::from_ref(&s),
            step,
            (90_000, 430_000),
            &[],
            now,
        );
        assert_eq!(
            kinds(&out),
            vec![
                ("fired".into(), 100_000),
                ("resolved".into(), 145_000),
                ("fired".into(), 400_000)
            ],
            "the second episode lasts to the end of the window and fires now: not resolved"
        );
        // Not firing now: its last samples were just before the end, it resolved.
        let gone = rebuild(
            "s",
            std::slice::from_ref(&s),
            step,
            (90_000, 430_000),
            &[],
            &[],
        );
        assert_eq!(
            gone.last().map(|e| (e.kind.as_str(), e.at)),
            Some(("resolved", 430_000))
        );
        assert!(out
            .iter()
            .all(|e| e.detail == REBUILT && e.fingerprint == fp));
        assert_eq!(out[0].alertname, "ServiceDown");
        // Run again with what was stored: nothing new.
        let again = rebuild(
            "s",
            std::slice::from_ref(&s),
            step,
            (90_000, 430_000),
            &out,
            now,
        );
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn events_the_cache_has_are_not_duplicated() {
        let step = 15_000;
        let s = series("ServiceDown", "a:1", &[100_000, 115_000, 130_000]);
        let fp = fingerprint(&alert_labels(&s.labels));
        // The app saw it fire (Alertmanager's startsAt, 40 s before ALERTS says firing: the
        // rule's `for`), then was closed; at restart the sync said "resolved" at restart time.
        let existing = vec![ev(&fp, "fired", 60_000), ev(&fp, "resolved", 900_000)];
        let out = rebuild(
            "s",
            std::slice::from_ref(&s),
            step,
            (50_000, 1_000_000),
            &existing,
            &[],
        );
        assert!(out.is_empty(), "{out:?}");
        // Another source's events do not count.
        let other = vec![AlertEvent {
            source: "t".into(),
            ..ev(&fp, "fired", 60_000)
        }];
        assert_eq!(
            rebuild("s", &[s], step, (50_000, 1_000_000), &other, &[]).len(),
            2
        );
    }

    #[test]
    fn series_without_alertname_or_samples_are_ignored() {
        let mut s = series("X", "a", &[]);
        assert!(rebuild("s", &[s.clone()], 15_000, (0, 100), &[], &[]).is_empty());
        s.labels.remove("alertname");
        s.samples.push(Sample { t: 1, v: 1.0 });
        assert!(rebuild("s", &[s], 15_000, (0, 100), &[], &[]).is_empty());
    }

    #[test]
    fn csv_quotes_everything_and_defuses_formulas() {
        let e = AlertEvent {
            detail: "=HYPERLINK(\"x\")".into(),
            alertname: "A,B".into(),
            ..ev("f", "fired", 0)
        };
        let csv = events_csv(&[e]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        let line = lines.next().unwrap();
        assert!(line.starts_with("\"1970-01-01T00:00:00"), "{line}");
        assert!(line.contains("\"A,B\""), "{line}");
        assert!(line.ends_with("\"'=HYPERLINK(\"\"x\"\")\""), "{line}");
    }

    /// Regression: the CSV formula guard caught `= + - @` but not a leading tab or carriage
    /// return, which spreadsheets also treat as the start of a formula.
    #[test]
    fn csv_formula_guard_misses_a_leading_tab_or_cr() {
        for bad in ["\t=1+1", "\r=1+1", "-2+3", "@SUM(A1)"] {
            let f = csv_field(bad);
            assert!(f.starts_with("\"'"), "{bad:?} -> {f}");
        }
        assert_eq!(csv_field("ok"), "\"ok\"");
    }

    #[test]
    fn external_labels_are_what_every_alert_has_and_alerts_series_lack() {
        let alert = |pairs: &[(&str, &str)]| crate::cache::CachedAlert {
            source: "s".into(),
            fingerprint: String::new(),
            alertname: String::new(),
            severity_label: String::new(),
            state: crate::source::AlertState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: Labels::new(),
            starts_at: 0,
            updated_at: None,
            ends_at: None,
            generator_url: None,
            receivers: vec![],
            reported_by: vec![],
            first_seen: 0,
            last_seen: 0,
        };
        let current = [
            alert(&[
                ("alertname", "Watchdog"),
                ("severity", "none"),
                ("monitor", "ref"),
            ]),
            alert(&[
                ("alertname", "ServiceDown"),
                ("severity", "critical"),
                ("monitor", "ref"),
            ]),
        ];
        let s = series("ServiceDown", "cam-1", &[0]);
        let ext = external_labels(&current, &[s]);
        assert_eq!(
            ext.into_iter().collect::<Vec<_>>(),
            vec![("monitor".to_string(), "ref".to_string())]
        );
        assert!(external_labels(&[], &[]).is_empty());
    }
}
