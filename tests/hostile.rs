//! Hostile answers that a real Prometheus would not give (proxies, bugs, attacks): each one is a typed
//! error that names the problem, and the cache keeps exactly what it had.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use watchdesk::cache::health::PROMETHEUS;
use watchdesk::cache::Cache;
use watchdesk::config::Settings;
use watchdesk::poller::Poller;
use watchdesk::source::prometheus::PrometheusClient;
use watchdesk::source::Site;
use watchdesk::source::{Endpoint, RangeSeries, Sample};
use watchdesk::time::now_ms;

const DASH: &str = r#"{"uid":"t","title":"T","time":{"from":"now-1h","to":"now"},
  "panels":[{"id":1,"type":"timeseries","title":"Up","gridPos":{"x":0,"y":0,"w":24,"h":8},
  "targets":[{"refId":"A","expr":"up","legendFormat":"{{job}}"}]}]}"#;

/// A server that answers every request with `response` (raw HTTP), optionally after `delay`.
async fn hostile_server(response: Vec<u8>, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let response = Arc::new(response);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let _ = sock.write_all(&response).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn http_response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn settings() -> Settings {
    Settings {
        step_ms: 15_000,
        scrape_interval_ms: 15_000,
        backfill_ms: 3_600_000,
        live_window_ms: 3_600_000,
        refresh_ms: 30_000,
        alert_interval_ms: 5_000,
        targets_interval_ms: 30_000,
        max_concurrency: 2,
        retention: watchdesk::cache::Retention::default(),
    }
}

/// A cache that already holds an hour of `up` for one job, and a snapshot of what it holds.
fn filled_cache() -> (Arc<Cache>, Vec<(i64, f64)>) {
    let cache = Cache::open_in_memory().unwrap();
    let now = now_ms();
    let start = now - 3_600_000 - now.rem_euclid(15_000);
    let samples: Vec<Sample> = (0..200)
        .map(|i| Sample {
            t: start + i * 15_000,
            v: 1.0,
        })
        .collect();
    let mut labels = watchdesk::source::Labels::new();
    labels.insert("job".into(), "go-api".into());
    cache
        .ingest_range(
            "default",
            "up",
            15_000,
            (start, start + 199 * 15_000),
            &[RangeSeries { labels, samples }],
        )
        .unwrap();
    let snap = snapshot(&cache);
    (Arc::new(cache), snap)
}

fn snapshot(cache: &Cache) -> Vec<(i64, f64)> {
    cache
        .read_range("default", "up", Some(15_000), 0, i64::MAX)
        .unwrap()
        .into_iter()
        .flat_map(|s| s.samples.into_iter().map(|x| (x.t, x.v)))
        .collect()
}

/// Polls once against a server answering `response`; returns the error text the operator sees.
async fn poll_against(
    response: Vec<u8>,
    delay: Duration,
    timeout: Duration,
) -> (String, Arc<Cache>, Vec<(i64, f64)>) {
    let url = hostile_server(response, delay).await;
    let (cache, before) = filled_cache();
    let mut ep = Endpoint::new(url);
    ep.timeout = timeout;
    ep.max_body_bytes = 1024 * 1024;
    let site = Site {
        name: "default".into(),
        prometheus: Arc::new(PrometheusClient::new(ep).unwrap()),
        alertmanagers: vec![],
        loki: None,
    };
    let dash = watchdesk::dashboard::parse(DASH).unwrap().0;
    let poller = Poller::new(
        settings(),
        cache.clone(),
        vec![Arc::new(site)],
        vec![Arc::new(dash)],
    );
    let site = poller.sites[0].clone();
    let report = poller.poll_metrics(&site, now_ms()).await;
    let msg = report
        .unreachable
        .clone()
        .or_else(|| report.errors.first().map(|e| e.1.clone()))
        .unwrap_or_default();
    assert_eq!(
        report.fetched, 0,
        "nothing was ingested from a hostile answer"
    );
    (msg, cache, before)
}

#[track_caller]
fn check_untouched(cache: &Cache, before: &[(i64, f64)]) {
    let after = snapshot(cache);
    assert_eq!(
        after.len(),
        before.len(),
        "the cache lost or gained samples"
    );
    assert!(
        after
            .iter()
            .zip(before)
            .all(|(a, b)| a.0 == b.0 && a.1 == b.1),
        "the cached samples changed"
    );
    let h = cache
        .health()
        .unwrap()
        .into_iter()
        .find(|h| h.component == PROMETHEUS)
        .expect("the failure is recorded as source health");
    assert!(
        h.consecutive_failures >= 1 && h.last_error.is_some(),
        "{h:?}"
    );
}

#[tokio::test]
async fn html_instead_of_json() {
    let body = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>";
    let (msg, cache, before) = poll_against(
        http_response("200 OK", "text/html", body),
        Duration::ZERO,
        Duration::from_secs(5),
    )
    .await;
    assert!(msg.contains("did not answer with JSON"), "{msg}");
    check_untouched(&cache, &before);
}

#[tokio::test]
async fn truncated_json() {
    let body = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"x"},"values":[[1700000000,"1"],[17000"#;
    let (msg, cache, before) = poll_against(
        http_response("200 OK", "application/json", body),
        Duration::ZERO,
        Duration::from_secs(5),
    )
    .await;
    assert!(msg.contains("cannot be read"), "{msg}");
    check_untouched(&cache, &before);
}

#[tokio::test]
async fn fifty_megabyte_body() {
    let mut body =
        br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":""#
            .to_vec();
    body.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    body.extend_from_slice(br#""},"values":[]}]}}"#);
    let (msg, cache, before) = poll_against(
        http_response("200 OK", "application/json", &body),
        Duration::ZERO,
        Duration::from_secs(20),
    )
    .await;
    assert!(msg.contains("more than 1048576 bytes"), "{msg}");
    check_untouched(&cache, &before);
}

#[tokio::test]
async fn error_envelope_with_status_200() {
    let body = br#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}"#;
    let (msg, cache, before) = poll_against(
        http_response("200 OK", "application/json", body),
        Duration::ZERO,
        Duration::from_secs(5),
    )
    .await;
    assert!(
        msg.contains("too many samples") && msg.contains("execution"),
        "{msg}"
    );
    check_untouched(&cache, &before);
}

#[tokio::test]
async fn slow_server_times_out() {
    let body = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
    let (msg, cache, before) = poll_against(
        http_response("200 OK", "application/json", body),
        Duration::from_secs(30),
        Duration::from_millis(700),
    )
    .await;
    assert!(msg.contains("did not answer within"), "{msg}");
    check_untouched(&cache, &before);
}

#[tokio::test]
async fn nan_and_inf_values_are_kept_and_drawn_as_breaks() {
    let now = now_ms() / 1000;
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"job":"go-api"}},"values":[[{},"1"],[{},"NaN"],[{},"+Inf"],[{},"-Inf"],[{},"2"]]}}]}}}}"#,
        now - 60,
        now - 45,
        now - 30,
        now - 15,
        now
    );
    let url = hostile_server(
        http_response("200 OK", "application/json", body.as_bytes()),
        Duration::ZERO,
    )
    .await;
    let cache = Arc::new(Cache::open_in_memory().unwrap());
    let site = Site {
        name: "default".into(),
        prometheus: Arc::new(PrometheusClient::new(Endpoint::new(url)).unwrap()),
        alertmanagers: vec![],
        loki: None,
    };
    let dash = watchdesk::dashboard::parse(DASH).unwrap().0;
    let poller = Poller::new(
        settings(),
        cache.clone(),
        vec![Arc::new(site)],
        vec![Arc::new(dash.clone())],
    );
    let site = poller.sites[0].clone();
    let report = poller.poll_metrics(&site, now_ms()).await;
    assert_eq!(report.fetched, 1, "{report:?}");
    let s = snapshot(&cache);
    assert_eq!(s.len(), 5, "{s:?}");
    assert!(s[1].1.is_nan() && s[2].1 == f64::INFINITY && s[3].1 == f64::NEG_INFINITY);
    let planned = watchdesk::plan::load(&cache, "default", &dash).unwrap();
    let spec = watchdesk::view::panel_spec(
        &cache,
        "default",
        &dash,
        &dash.panels[0],
        &planned,
        (now - 120) * 1000,
        now * 1000 + 1000,
        600,
        240,
        now_ms(),
    );
    let svg = watchdesk::chart::render_svg(&spec);
    assert!(svg.contains("<svg"), "draws despite NaN/Inf");
}

#[tokio::test]
async fn one_dead_site_never_stops_the_others() {
    let now = now_ms() / 1000;
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"job":"go-api"}},"values":[[{},"1"],[{},"1"]]}}]}}}}"#,
        now - 15,
        now
    );
    let good = hostile_server(
        http_response("200 OK", "application/json", body.as_bytes()),
        Duration::ZERO,
    )
    .await;
    // A port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let cache = Arc::new(Cache::open_in_memory().unwrap());
    let site = |name: &str, url: &str| {
        Arc::new(Site {
            name: name.into(),
            prometheus: Arc::new(PrometheusClient::new(Endpoint::new(url)).unwrap()),
            alertmanagers: vec![],
            loki: None,
        })
    };
    let dash = watchdesk::dashboard::parse(DASH).unwrap().0;
    let poller = Poller::new(
        settings(),
        cache.clone(),
        vec![site("north", &dead), site("south", &good)],
        vec![Arc::new(dash)],
    );
    let reports = poller.poll_once().await;
    let north = reports.iter().find(|r| r.site == "north").unwrap();
    let south = reports.iter().find(|r| r.site == "south").unwrap();
    assert!(
        north
            .metrics
            .unreachable
            .as_deref()
            .unwrap_or("")
            .contains("cannot reach"),
        "{north:?}"
    );
    assert_eq!(south.metrics.fetched, 1, "{south:?}");
    let south_samples = cache.read_range("south", "up", None, 0, i64::MAX).unwrap();
    assert_eq!(south_samples.len(), 1);
    let health = cache.health().unwrap();
    let h = |s: &str| {
        health
            .iter()
            .find(|h| h.source == s && h.component == PROMETHEUS)
            .unwrap()
    };
    assert!(h("north").unreachable && h("north").consecutive_failures == 1);
    assert_eq!(h("south").consecutive_failures, 0);
}

/// Hardening #14.8: an impostor server answered with samples from 1870 and from months ahead, and
/// they were stored and drawn. Only the samples within the requested window reach the cache.
#[tokio::test]
async fn impostor_dates_outside_the_window_are_not_stored() {
    let now = now_ms() / 1000;
    let in_window = now - 60 - now.rem_euclid(15);
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"job":"go-api"}},"values":[[-3155673600,"1"],[{in_window},"2"],[{},"3"]]}},{{"metric":{{"job":"ghost"}},"values":[[{},"4"]]}}]}}}}"#,
        now + 90 * 86_400,
        now + 200 * 86_400
    );
    let url = hostile_server(
        http_response("200 OK", "application/json", body.as_bytes()),
        Duration::ZERO,
    )
    .await;
    let cache = Arc::new(Cache::open_in_memory().unwrap());
    let site = Site {
        name: "default".into(),
        prometheus: Arc::new(PrometheusClient::new(Endpoint::new(url)).unwrap()),
        alertmanagers: vec![],
        loki: None,
    };
    let dash = watchdesk::dashboard::parse(DASH).unwrap().0;
    let poller = Poller::new(
        settings(),
        cache.clone(),
        vec![Arc::new(site)],
        vec![Arc::new(dash)],
    );
    let site = poller.sites[0].clone();
    let report = poller.poll_metrics(&site, now_ms()).await;
    assert_eq!(report.fetched, 1, "{report:?}");
    let stored = cache
        .read_range("default", "up", Some(15_000), i64::MIN, i64::MAX)
        .unwrap();
    assert_eq!(
        stored.len(),
        1,
        "the series with only impostor samples is not stored"
    );
    let samples: Vec<(i64, f64)> = stored[0].samples.iter().map(|s| (s.t, s.v)).collect();
    assert_eq!(samples, vec![(in_window * 1000, 2.0)]);
}

/// An Alertmanager that answers with fixed alerts (and no silences).
struct FixedAm {
    url: String,
    alerts: Vec<watchdesk::source::Alert>,
}

#[async_trait::async_trait]
impl watchdesk::source::AlertSource for FixedAm {
    fn url(&self) -> &str {
        &self.url
    }
    async fn alerts(
        &self,
        _filter: &watchdesk::source::AlertFilter,
    ) -> Result<Vec<watchdesk::source::Alert>, watchdesk::source::SourceError> {
        Ok(self.alerts.clone())
    }
    async fn groups(
        &self,
        _filter: &watchdesk::source::AlertFilter,
    ) -> Result<Vec<watchdesk::source::AlertGroup>, watchdesk::source::SourceError> {
        Ok(Vec::new())
    }
    async fn silences(
        &self,
    ) -> Result<Vec<watchdesk::source::Silence>, watchdesk::source::SourceError> {
        Ok(Vec::new())
    }
    async fn create_silence(
        &self,
        _silence: &watchdesk::source::NewSilence,
    ) -> Result<String, watchdesk::source::SourceError> {
        Ok("s".into())
    }
    async fn expire_silence(&self, _id: &str) -> Result<(), watchdesk::source::SourceError> {
        Ok(())
    }
    async fn status(&self) -> Result<watchdesk::source::AmStatus, watchdesk::source::SourceError> {
        Err(watchdesk::source::SourceError::Config {
            reason: "not used".into(),
        })
    }
}

fn dead_prometheus() -> Arc<PrometheusClient> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    Arc::new(PrometheusClient::new(Endpoint::new(url)).unwrap())
}

fn alert_poller(site: Site) -> (Poller, Arc<Cache>) {
    let cache = Arc::new(Cache::open_in_memory().unwrap());
    let dash = watchdesk::dashboard::parse(DASH).unwrap().0;
    let poller = Poller::new(
        settings(),
        cache.clone(),
        vec![Arc::new(site)],
        vec![Arc::new(dash)],
    );
    (poller, cache)
}

/// Hardening #14.5: two alerts sharing a fingerprint (with different labels) and two without one
/// collapsed into two, in the HA merge and in the cache. Reported by both members of a cluster,
/// all four are kept, each once, reported by both.
#[tokio::test]
async fn shared_and_missing_fingerprints_lose_no_alert_across_two_alertmanagers() {
    let alert = |fp: &str, instance: &str| {
        let mut labels = watchdesk::source::Labels::new();
        labels.insert("alertname".into(), "CameraDown".into());
        labels.insert("instance".into(), instance.into());
        watchdesk::source::Alert {
            fingerprint: fp.into(),
            labels,
            annotations: Default::default(),
            starts_at: now_ms() - 60_000,
            updated_at: None,
            ends_at: None,
            generator_url: None,
            receivers: vec!["ops".into()],
            state: watchdesk::source::AlertState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
        }
    };
    let four = vec![
        alert("dup", "cam-01"),
        alert("dup", "cam-02"),
        alert("", "cam-03"),
        alert("", "cam-04"),
    ];
    let mut reversed = four.clone();
    reversed.reverse();
    let am = |url: &str, alerts: Vec<watchdesk::source::Alert>| {
        Arc::new(FixedAm {
            url: url.into(),
            alerts,
        }) as Arc<dyn watchdesk::source::AlertSource>
    };
    let (poller, cache) = alert_poller(Site {
        name: "default".into(),
        prometheus: dead_prometheus(),
        alertmanagers: vec![am("http://am1:9093", four), am("http://am2:9093", reversed)],
        loki: None,
    });
    let site = poller.sites[0].clone();
    assert_eq!(poller.poll_alerts(&site, now_ms()).await, Ok(4));
    let current = cache.current_alerts(Some("default")).unwrap();
    let mut instances: Vec<&str> = current
        .iter()
        .map(|a| a.labels["instance"].as_str())
        .collect();
    instances.sort_unstable();
    assert_eq!(instances, ["cam-01", "cam-02", "cam-03", "cam-04"]);
    for a in &current {
        assert_eq!(a.reported_by.len(), 2, "{a:?}");
    }
}

/// Hardening #14.6: one alert with a bad startsAt made the whole Alertmanager answer unreadable:
/// every alert vanished and the Alertmanager was recorded as failing. Through the real client and
/// the poller, the other alert and the damaged one are both kept and the Alertmanager is healthy.
#[tokio::test]
async fn one_bad_starts_at_keeps_the_alertmanager_answer() {
    let body = br#"[
      {"fingerprint":"a1","labels":{"alertname":"CameraDown","instance":"cam-01"},
       "startsAt":"2023-11-14T22:13:20.000Z","status":{"state":"active"}},
      {"fingerprint":"a2","labels":{"alertname":"CameraDown","instance":"cam-02"},
       "startsAt":"last tuesday","status":{"state":"active"}}]"#;
    let url = hostile_server(
        http_response("200 OK", "application/json", body),
        Duration::ZERO,
    )
    .await;
    let client =
        watchdesk::source::alertmanager::AlertmanagerClient::new(Endpoint::new(url.clone()))
            .unwrap();
    let (poller, cache) = alert_poller(Site {
        name: "default".into(),
        prometheus: dead_prometheus(),
        alertmanagers: vec![Arc::new(client)],
        loki: None,
    });
    let site = poller.sites[0].clone();
    assert_eq!(poller.poll_alerts(&site, now_ms()).await, Ok(2));
    let current = cache.current_alerts(Some("default")).unwrap();
    assert_eq!(current.len(), 2);
    let damaged = current.iter().find(|a| a.fingerprint == "a2").unwrap();
    assert!(
        damaged.annotations[watchdesk::source::NOTE_ANNOTATION].contains("last tuesday"),
        "{damaged:?}"
    );
    let h = cache
        .health()
        .unwrap()
        .into_iter()
        .find(|h| h.component.starts_with("alertmanager"))
        .expect("the Alertmanager's health is recorded");
    assert_eq!(h.consecutive_failures, 0, "{h:?}");
    assert!(!h.unreachable);
}

/// Hardening #14.9: `watchdesk check` said "all ok" about a damaged cache (it printed "not created
/// yet"). It reports the damage as a problem now.
#[test]
fn check_reports_a_damaged_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    drop(Cache::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = -1").unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_watchdesk"))
        .args(["check", "--cache"])
        .arg(&path)
        .args([
            "--prometheus",
            "http://127.0.0.1:1",
            "--alertmanager",
            "http://127.0.0.1:1",
        ])
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("cache"))
        .unwrap_or_default();
    assert!(
        line.contains("FAILED")
            && line.contains("negative")
            && line.contains("moves a damaged file aside"),
        "{text}"
    );
    assert!(!text.contains("all ok"), "{text}");
    assert!(path.exists(), "check only looks");
}
