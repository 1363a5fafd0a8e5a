//! The simulated VMS: values are computed when scraped, from wall-clock time, a seeded
//! noise field, a day cycle and the active scenarios. Counters integrate their current rate
//! over the time since the previous scrape, so they are monotone and never reset.

use crate::expo::{Exposition, Kind};
use crate::scenario::Scenario;
use crate::service::Service;
use std::collections::HashMap;
use std::f64::consts::PI;

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;
const TIB: f64 = 1024.0 * GIB;

/// HTTP latency buckets (seconds), the Prometheus client default set.
const HTTP_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const TRANSMUX_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
const RECORDING_BUCKETS: [f64; 10] = [0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0];
/// LiveKit's own `livekit_rtt_ms` buckets.
const RTT_BUCKETS: [f64; 10] = [
    50.0, 100.0, 150.0, 200.0, 250.0, 500.0, 750.0, 1000.0, 5000.0, 10000.0,
];

/// A scenario and when it was switched on.
#[derive(Debug, Clone)]
pub struct Active {
    pub scenario: Scenario,
    /// Unix seconds.
    pub since: f64,
}

#[derive(Debug, Clone, Copy)]
struct Acc {
    value: f64,
    last_t: f64,
    last_rate: f64,
}

/// The simulated world: counter state and active scenarios.
#[derive(Debug)]
pub struct World {
    seed: u64,
    utc_offset_s: i64,
    started: f64,
    counters: HashMap<String, Acc>,
    active: Vec<Active>,
}

/// Container name, peak CPU cores, base memory, memory limit.
struct Container {
    name: &'static str,
    service: Option<Service>,
    cpu: f64,
    mem: f64,
    limit: f64,
}

const CONTAINERS: [Container; 11] = [
    Container {
        name: "go-api",
        service: Some(Service::GoApi),
        cpu: 0.35,
        mem: 180.0 * MIB,
        limit: 512.0 * MIB,
    },
    Container {
        name: "vms-service",
        service: Some(Service::VmsService),
        cpu: 0.25,
        mem: 220.0 * MIB,
        limit: 512.0 * MIB,
    },
    Container {
        name: "storage-service",
        service: Some(Service::StorageService),
        cpu: 0.2,
        mem: 150.0 * MIB,
        limit: 512.0 * MIB,
    },
    Container {
        name: "recording-service",
        service: Some(Service::RecordingService),
        cpu: 1.6,
        mem: 900.0 * MIB,
        limit: 2.0 * GIB,
    },
    Container {
        name: "metadata-service",
        service: Some(Service::MetadataService),
        cpu: 0.1,
        mem: 120.0 * MIB,
        limit: 256.0 * MIB,
    },
    Container {
        name: "stream-counter",
        service: Some(Service::StreamCounter),
        cpu: 0.08,
        mem: 64.0 * MIB,
        limit: 256.0 * MIB,
    },
    Container {
        name: "playback-service",
        service: Some(Service::PlaybackService),
        cpu: 0.9,
        mem: 700.0 * MIB,
        limit: 2.0 * GIB,
    },
    Container {
        name: "livekit",
        service: Some(Service::Livekit),
        cpu: 0.7,
        mem: 400.0 * MIB,
        limit: GIB,
    },
    Container {
        name: "postgres",
        service: None,
        cpu: 0.3,
        mem: 1.2 * GIB,
        limit: 4.0 * GIB,
    },
    Container {
        name: "valkey",
        service: None,
        cpu: 0.1,
        mem: 300.0 * MIB,
        limit: GIB,
    },
    Container {
        name: "minio",
        service: Some(Service::Minio),
        cpu: 0.25,
        mem: 600.0 * MIB,
        limit: 2.0 * GIB,
    },
];

/// (method, route, share of traffic, median latency in seconds) per app service.
fn routes(svc: Service) -> &'static [(&'static str, &'static str, f64, f64)] {
    match svc {
        Service::GoApi => &[
            ("GET", "/api/v1/cameras", 0.4, 0.03),
            ("POST", "/api/v1/streams/reserve", 0.25, 0.06),
            ("GET", "/api/v1/playback/:id", 0.2, 0.08),
            ("GET", "/health", 0.15, 0.004),
        ],
        Service::VmsService => &[
            ("GET", "/cameras", 0.5, 0.025),
            ("POST", "/streams", 0.3, 0.05),
            ("DELETE", "/streams/:id", 0.2, 0.02),
        ],
        Service::StorageService => &[
            ("PUT", "/segments", 0.6, 0.07),
            ("GET", "/segments/:id", 0.4, 0.04),
        ],
        Service::RecordingService => &[
            ("POST", "/recordings", 0.3, 0.05),
            ("GET", "/recordings/:id", 0.7, 0.03),
        ],
        Service::MetadataService => &[
            ("GET", "/events", 0.7, 0.02),
            ("POST", "/events", 0.3, 0.015),
        ],
        Service::StreamCounter => &[
            ("POST", "/reserve", 0.45, 0.01),
            ("POST", "/release", 0.4, 0.008),
            ("GET", "/counts", 0.15, 0.005),
        ],
        Service::PlaybackService => &[
            ("GET", "/playback/:id/index.m3u8", 0.2, 0.05),
            ("GET", "/playback/:id/segment", 0.8, 0.09),
        ],
        _ => &[],
    }
}

/// Peak HTTP request rate (req/s).
fn peak_rps(svc: Service) -> f64 {
    match svc {
        Service::GoApi => 140.0,
        Service::VmsService => 60.0,
        Service::StorageService => 45.0,
        Service::RecordingService => 25.0,
        Service::MetadataService => 35.0,
        Service::StreamCounter => 50.0,
        Service::PlaybackService => 80.0,
        _ => 0.0,
    }
}

/// Day cycle in [0.1, 1]: trough at 03:00, peak at 15:00 local time.
pub fn day_factor(hour: f64) -> f64 {
    0.55 + 0.45 * (2.0 * PI * (hour - 15.0) / 24.0).cos()
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Uniform in [-1, 1] for one lattice cell.
fn lattice(seed: u64, key: u64, cell: i64) -> f64 {
    let h = splitmix64(seed ^ splitmix64(key ^ (cell as u64)));
    (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Smooth value noise in [-1, 1] with the given period (seconds).
pub fn smooth_noise(seed: u64, key: &str, t: f64, period: f64) -> f64 {
    let k = fnv1a(key);
    let x = t / period;
    let cell = x.floor();
    let f = x - cell;
    let cell = cell as i64;
    let a = lattice(seed, k, cell);
    let b = lattice(seed, k, cell.wrapping_add(1));
    let s = (1.0 - (PI * f).cos()) / 2.0;
    a + (b - a) * s
}

/// Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7).
fn phi(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + y)
    } else {
        0.5 * (1.0 - y)
    }
}

/// Share of a log-normal(median, sigma) distribution at or below `le`.
pub fn lognormal_cdf(le: f64, median: f64, sigma: f64) -> f64 {
    if le <= 0.0 || median <= 0.0 || sigma <= 0.0 {
        return if le >= median { 1.0 } else { 0.0 };
    }
    phi((le.ln() - median.ln()) / sigma).clamp(0.0, 1.0)
}

impl World {
    /// A fresh world. `utc_offset_s` is the local zone offset for the day cycle.
    pub fn new(seed: u64, utc_offset_s: i64, now: f64) -> Self {
        World {
            seed,
            utc_offset_s,
            started: now,
            counters: HashMap::new(),
            active: Vec::new(),
        }
    }

    /// Active scenarios, oldest first.
    pub fn active(&self) -> &[Active] {
        &self.active
    }

    /// Activates `s`, replacing one with the same identity; returns the replaced one.
    pub fn upsert(&mut self, s: Scenario, now: f64) -> Option<Scenario> {
        if let Some(a) = self
            .active
            .iter_mut()
            .find(|a| a.scenario.same_identity(&s))
        {
            let old = std::mem::replace(&mut a.scenario, s);
            return Some(old);
        }
        self.active.push(Active {
            scenario: s,
            since: now,
        });
        None
    }

    /// Deactivates scenarios named `name` (only those for `service` if given).
    pub fn remove(&mut self, name: &str, service: Option<Service>) -> Vec<Scenario> {
        let (gone, keep): (Vec<Active>, Vec<Active>) =
            std::mem::take(&mut self.active).into_iter().partition(|a| {
                a.scenario.name() == name && (service.is_none() || a.scenario.service() == service)
            });
        self.active = keep;
        gone.into_iter().map(|a| a.scenario).collect()
    }

    /// Deactivates everything.
    pub fn clear(&mut self) -> Vec<Scenario> {
        std::mem::take(&mut self.active)
            .into_iter()
            .map(|a| a.scenario)
            .collect()
    }

    /// The `/metrics` body of `svc` at `now` (unix seconds).
    pub fn render(&mut self, svc: Service, now: f64) -> String {
        let mut c = Ctx {
            w: self,
            svc,
            t: now,
            out: Exposition::new(),
        };
        c.process();
        match svc {
            Service::GoApi
            | Service::VmsService
            | Service::StorageService
            | Service::MetadataService => c.http(),
            Service::RecordingService => {
                c.http();
                c.recording();
            }
            Service::StreamCounter => {
                c.http();
                c.streams();
            }
            Service::PlaybackService => {
                c.http();
                c.playback();
            }
            Service::Livekit => c.livekit(),
            Service::PostgresExporter => c.postgres(),
            Service::ValkeyExporter => c.valkey(),
            Service::Minio => c.minio(),
            Service::Cadvisor => c.cadvisor(),
        }
        if svc == Service::VmsService {
            c.cameras();
        }
        c.out.finish()
    }
}

struct Ctx<'a> {
    w: &'a mut World,
    svc: Service,
    t: f64,
    out: Exposition,
}

impl Ctx<'_> {
    fn day(&self) -> f64 {
        let local = self.t + self.w.utc_offset_s as f64;
        day_factor(local.rem_euclid(86_400.0) / 3600.0)
    }

    /// Smooth noise in [-1, 1] for `key` of this service.
    fn noise(&self, key: &str, period: f64) -> f64 {
        smooth_noise(
            self.w.seed,
            &format!("{}/{key}", self.svc.name()),
            self.t,
            period,
        )
    }

    /// `1 + amp * noise`.
    fn wobble(&self, key: &str, amp: f64) -> f64 {
        1.0 + amp * self.noise(key, 60.0)
    }

    fn has(&self, f: impl Fn(&Scenario) -> bool) -> bool {
        self.w.active.iter().any(|a| f(&a.scenario))
    }

    /// Seconds since scenario `name` became active, if it is.
    fn since(&self, name: &str) -> Option<f64> {
        self.w
            .active
            .iter()
            .find(|a| a.scenario.name() == name)
            .map(|a| (self.t - a.since).max(0.0))
    }

    /// How long this service's process had been up when the simulator started (2 h – 3 d).
    fn warm(&self) -> f64 {
        let u = (lattice(self.w.seed, fnv1a(self.svc.name()), 0) + 1.0) / 2.0;
        7200.0 + u * (3.0 * 86_400.0 - 7200.0)
    }

    /// Integrates `rate` (per second) into counter `key`; returns the new value.
    fn counter(&mut self, key: &str, rate: f64) -> f64 {
        let rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        let warm = self.warm();
        let t = self.t;
        let k = format!("{}/{key}", self.svc.name());
        let acc = self.w.counters.entry(k).or_insert(Acc {
            value: rate * warm,
            last_t: t,
            last_rate: rate,
        });
        let dt = (t - acc.last_t).max(0.0);
        acc.value += (acc.last_rate + rate) / 2.0 * dt;
        acc.last_t = acc.last_t.max(t);
        acc.last_rate = rate;
        acc.value
    }

    fn gauge(&mut self, name: &str, help: &str, labels: &[(&str, &str)], v: f64) {
        self.out.family(name, Kind::Gauge, help);
        self.out.sample(name, labels, v);
    }

    /// Emits the samples of one histogram series (the family header is the caller's).
    fn histogram(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        buckets: &[f64],
        rate: f64,
        median: f64,
        sigma: f64,
    ) {
        let id: String = labels.iter().map(|(k, v)| format!("{k}={v},")).collect();
        let mut cum: f64 = 0.0;
        let count = self.counter(&format!("{name}|{id}|count"), rate).floor();
        for le in buckets {
            cum = cum.max(lognormal_cdf(*le, median, sigma));
            let v = self
                .counter(&format!("{name}|{id}|{le}"), rate * cum)
                .floor()
                .min(count);
            let le_s = crate::expo::fmt_value(*le);
            let mut l = labels.to_vec();
            l.push(("le", &le_s));
            self.out.sample(&format!("{name}_bucket"), &l, v);
        }
        let mut l = labels.to_vec();
        l.push(("le", "+Inf"));
        self.out.sample(&format!("{name}_bucket"), &l, count);
        let mean = median * (sigma * sigma / 2.0).exp();
        let sum = self.counter(&format!("{name}|{id}|sum"), rate * mean);
        self.out.sample(&format!("{name}_sum"), labels, sum);
        self.out.sample(&format!("{name}_count"), labels, count);
    }

    fn container_cpu(&self, c: &Container) -> f64 {
        let mut cpu =
            c.cpu * (0.35 + 0.65 * self.day()) * self.wobble(&format!("cpu/{}", c.name), 0.1);
        let boost = match c.name {
            "postgres" if self.has(|s| matches!(s, Scenario::DbSaturation)) => 3.0,
            "playback-service" if self.has(|s| matches!(s, Scenario::CacheCollapse)) => 1.6,
            "livekit" if self.has(|s| matches!(s, Scenario::LivekitDegraded)) => 1.5,
            "recording-service" if self.has(|s| matches!(s, Scenario::RecordingBacklog)) => 1.5,
            _ => 1.0,
        };
        if let Some(svc) = c.service {
            if self.has(|s| matches!(s, Scenario::LatencySpike { service } if *service == svc)) {
                cpu *= 2.0;
            }
        }
        cpu * boost
    }

    fn container_mem(&self, c: &Container) -> f64 {
        let m = c.mem * (0.9 + 0.1 * self.day()) * self.wobble(&format!("mem/{}", c.name), 0.03);
        m.min(c.limit * 0.98).floor()
    }

    /// process_* metrics, as every Go service exposes them.
    fn process(&mut self) {
        let svc = self.svc;
        let c = CONTAINERS.iter().find(|c| c.service == Some(svc));
        let (cpu, mem) = match c {
            Some(c) => (self.container_cpu(c), self.container_mem(c)),
            None => (0.02, 30.0 * MIB * self.wobble("rss", 0.05)),
        };
        let start = self.w.started - self.warm();
        self.gauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            &[],
            start.floor(),
        );
        self.out.family(
            "process_cpu_seconds_total",
            Kind::Counter,
            "Total user and system CPU time spent in seconds.",
        );
        let v = self.counter("process_cpu_seconds_total", cpu);
        self.out.sample(
            "process_cpu_seconds_total",
            &[],
            (v * 100.0).floor() / 100.0,
        );
        self.gauge(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            &[],
            mem.floor(),
        );
    }

    fn http(&mut self) {
        let svc = self.svc;
        let rps = peak_rps(svc) * (0.1 + 0.9 * self.day()) * self.wobble("rps", 0.08);
        let err5 = self
            .w
            .active
            .iter()
            .find_map(|a| match a.scenario {
                Scenario::ErrorBurst { service, ratio } if service == svc => Some(ratio),
                _ => None,
            })
            .unwrap_or(0.0004 * (1.0 + 0.5 * self.noise("err", 90.0)));
        let spike =
            self.has(|s| matches!(s, Scenario::LatencySpike { service } if *service == svc));
        let db_slow = self.has(|s| matches!(s, Scenario::DbSaturation))
            && matches!(svc, Service::GoApi | Service::VmsService);
        let routes = routes(svc);

        self.out.family(
            "http_requests_total",
            Kind::Counter,
            "Total HTTP requests handled, by method, route and status code.",
        );
        for (method, route, share, _) in routes {
            let r = rps * share;
            for (code, frac) in [
                ("200", 1.0 - 0.008 - err5),
                ("404", 0.008),
                ("500", err5 * 0.7),
                ("503", err5 * 0.3),
            ] {
                let v = self.counter(&format!("req|{method}|{route}|{code}"), r * frac.max(0.0));
                self.out.sample(
                    "http_requests_total",
                    &[("method", method), ("route", route), ("code", code)],
                    v.floor(),
                );
            }
        }
        self.out.family(
            "http_request_duration_seconds",
            Kind::Histogram,
            "HTTP request latency in seconds, by method and route.",
        );
        for (method, route, share, median) in routes {
            let load = 1.0 + 0.3 * self.day();
            let mut m = median * load * self.wobble(&format!("lat{route}"), 0.1);
            if spike {
                m = 1.4_f64.max(m);
            } else if db_slow {
                m *= 2.0;
            }
            self.histogram(
                "http_request_duration_seconds",
                &[("method", method), ("route", route)],
                &HTTP_BUCKETS,
                rps * share,
                m,
                0.7,
            );
        }
    }

    fn cameras(&mut self) {
        let offline = (18.0 + 6.0 * self.noise("offline", 600.0)).round();
        self.out.family(
            "vms_cameras",
            Kind::Gauge,
            "Cameras known to the VMS, by status.",
        );
        self.out
            .sample("vms_cameras", &[("status", "online")], 1200.0 - offline);
        self.out
            .sample("vms_cameras", &[("status", "offline")], offline);
    }

    fn streams(&mut self) {
        let d = self.day();
        let failing = self.has(|s| matches!(s, Scenario::ReservationFailures));
        // (source, active at peak, constant part, reservation attempts/s at peak)
        let sources = [
            ("live", 160.0, 8.0, 2.0),
            ("recording", 0.0, 420.0, 0.05),
            ("playback", 25.0, 2.0, 0.6),
            ("export", 4.0, 0.0, 0.05),
        ];
        self.out.family(
            "vms_stream_reservations_active",
            Kind::Gauge,
            "Stream reservations currently held, by requesting source.",
        );
        for (src, peak, base, _) in sources {
            let n = (base + peak * d) * self.wobble(&format!("active/{src}"), 0.04);
            self.out.sample(
                "vms_stream_reservations_active",
                &[("source", src)],
                n.round().max(0.0),
            );
        }
        self.out.family(
            "vms_stream_reservations_total",
            Kind::Counter,
            "Stream reservation attempts, by source and result (success, failed, quota_exceeded).",
        );
        let mut quota_rate = 0.0;
        for (src, _, _, attempts) in sources {
            let r = attempts * (0.1 + 0.9 * d) * self.wobble(&format!("attempts/{src}"), 0.1);
            let (failed, quota) = if failing { (0.25, 0.1) } else { (0.002, 0.0) };
            quota_rate += r * quota;
            for (res, frac) in [
                ("success", 1.0 - failed - quota),
                ("failed", failed),
                ("quota_exceeded", quota),
            ] {
                let v = self.counter(&format!("resv|{src}|{res}"), r * frac);
                self.out.sample(
                    "vms_stream_reservations_total",
                    &[("source", src), ("result", res)],
                    v.floor(),
                );
            }
        }
        if failing {
            quota_rate = quota_rate.max(0.1);
        }
        self.out.family(
            "vms_quota_exceeded_total",
            Kind::Counter,
            "Stream reservations refused because a per-user or per-site quota was reached.",
        );
        let v = self.counter("quota", quota_rate);
        self.out.sample("vms_quota_exceeded_total", &[], v.floor());
    }

    fn recording(&mut self) {
        let backlog = self.since("recording-backlog");
        let depth = match backlog {
            Some(s) => (20.0 + 3.0 * s).min(900.0),
            None => (4.0 + 10.0 * self.day() + 3.0 * self.noise("queue", 45.0)).max(0.0),
        };
        self.gauge(
            "recording_queue_depth",
            "Recorded segments waiting to be processed and uploaded.",
            &[],
            depth.round(),
        );
        let rate = 420.0 / 60.0 * self.wobble("segments", 0.03);
        let median = if backlog.is_some() {
            28.0
        } else {
            3.0 * self.wobble("proc", 0.1)
        };
        self.out.family(
            "recording_processing_duration_seconds",
            Kind::Histogram,
            "Time to process (remux, index, upload) one recorded segment.",
        );
        self.histogram(
            "recording_processing_duration_seconds",
            &[],
            &RECORDING_BUCKETS,
            rate,
            median,
            0.5,
        );
        self.out.family(
            "recording_segments_total",
            Kind::Counter,
            "Recorded segments processed, by result.",
        );
        for (res, frac) in [("success", 0.999), ("failed", 0.001)] {
            let v = self.counter(&format!("seg|{res}"), rate * frac);
            self.out
                .sample("recording_segments_total", &[("result", res)], v.floor());
        }
        self.ffmpeg(4, 35.0, 30.0, backlog.is_some());
    }

    fn ffmpeg(&mut self, workers: usize, base: f64, by_day: f64, saturated: bool) {
        self.out.family(
            "ffmpeg_cpu_usage_percent",
            Kind::Gauge,
            "CPU used by each FFmpeg worker process, percent of one core.",
        );
        for w in 0..workers {
            let ws = w.to_string();
            let v = if saturated {
                96.0 + 2.0 * self.noise(&format!("ff{w}"), 30.0)
            } else {
                base + by_day * self.day() + 5.0 * self.noise(&format!("ff{w}"), 30.0)
            };
            self.out.sample(
                "ffmpeg_cpu_usage_percent",
                &[("worker", &ws)],
                (v.clamp(0.0, 100.0) * 10.0).round() / 10.0,
            );
        }
    }

    fn playback(&mut self) {
        let collapse = self.has(|s| matches!(s, Scenario::CacheCollapse));
        let d = self.day();
        let sessions = (3.0 + 25.0 * d) * self.wobble("sessions", 0.1);
        self.gauge(
            "playback_active_sessions",
            "Playback sessions currently open.",
            &[],
            sessions.round(),
        );
        let reqs = (2.0 + 30.0 * d) * self.wobble("segreq", 0.08);
        let hit = if collapse {
            0.28
        } else {
            0.86 + 0.04 * self.noise("hit", 120.0)
        };
        self.out.family(
            "playback_cache_hits_total",
            Kind::Counter,
            "Playback segment requests served from the transmux cache.",
        );
        let v = self.counter("hits", reqs * hit);
        self.out.sample("playback_cache_hits_total", &[], v.floor());
        self.out.family(
            "playback_cache_misses_total",
            Kind::Counter,
            "Playback segment requests that needed a transmux.",
        );
        let misses = reqs * (1.0 - hit);
        let v = self.counter("misses", misses);
        self.out
            .sample("playback_cache_misses_total", &[], v.floor());
        let median = if collapse {
            1.1
        } else {
            0.45 * self.wobble("tmx", 0.1)
        };
        self.out.family(
            "playback_transmux_duration_seconds",
            Kind::Histogram,
            "Time to transmux one recorded segment for playback.",
        );
        self.histogram(
            "playback_transmux_duration_seconds",
            &[],
            &TRANSMUX_BUCKETS,
            misses,
            median,
            0.6,
        );
        self.out.family(
            "playback_transmux_failures_total",
            Kind::Counter,
            "Transmux jobs that failed.",
        );
        let v = self.counter("tmxfail", misses * 0.002);
        self.out
            .sample("playback_transmux_failures_total", &[], v.floor());
        if collapse {
            self.ffmpeg(2, 85.0, 0.0, false);
        } else {
            self.ffmpeg(2, 20.0, 30.0, false);
        }
    }

    fn livekit(&mut self) {
        let degraded = self.has(|s| matches!(s, Scenario::LivekitDegraded));
        let node: [(&str, &str); 2] = [("node_id", "ND_sim01"), ("node_type", "SERVER")];
        let mut rooms = (2.0 + 40.0 * self.day()) * self.wobble("rooms", 0.06);
        if degraded {
            rooms *= 0.6;
        }
        let rooms = rooms.round();
        let participants = (rooms * 2.6 * self.wobble("ppr", 0.05)).round();
        self.gauge(
            "livekit_room_total",
            "Rooms open on this node.",
            &node,
            rooms,
        );
        self.gauge(
            "livekit_participant_total",
            "Participants connected to this node.",
            &node,
            participants,
        );
        let bps_stream = 312_500.0; // 2.5 Mbit/s per camera stream
        let retx = if degraded { 0.08 } else { 0.01 };
        for (family, per, help) in [
            (
                "livekit_packet_bytes",
                1.0,
                "Bytes of RTP forwarded, by direction and transmission.",
            ),
            (
                "livekit_packet_total",
                1.0 / 1100.0,
                "RTP packets forwarded, by direction and transmission.",
            ),
        ] {
            self.out.family(family, Kind::Counter, help);
            for (dir, streams) in [("incoming", rooms), ("outgoing", participants)] {
                for (tx, frac) in [("initial", 1.0), ("retransmit", retx)] {
                    let v = self.counter(
                        &format!("{family}|{dir}|{tx}"),
                        streams * bps_stream * frac * per,
                    );
                    let mut l = node.to_vec();
                    l.extend([("direction", dir), ("transmission", tx)]);
                    self.out.sample(family, &l, v.floor());
                }
            }
        }
        self.out.family(
            "livekit_rtt_ms",
            Kind::Histogram,
            "Round-trip time to participants in milliseconds.",
        );
        let median = if degraded {
            450.0
        } else {
            35.0 * self.wobble("rtt", 0.1)
        };
        self.histogram(
            "livekit_rtt_ms",
            &node,
            &RTT_BUCKETS,
            participants * 0.2,
            median,
            0.5,
        );
        self.out.family(
            "livekit_participant_join_total",
            Kind::Counter,
            "Participant join attempts, by state reached (signal_connected, signal_failed, rtc_connected).",
        );
        let joins = participants / 300.0 + 0.01;
        let fail = if degraded { 0.25 } else { 0.005 };
        for (state, frac) in [
            ("signal_connected", 1.0 - fail),
            ("signal_failed", fail),
            ("rtc_connected", (1.0 - fail) * 0.99),
        ] {
            let v = self.counter(&format!("join|{state}"), joins * frac);
            let mut l = node.to_vec();
            l.push(("state", state));
            self.out
                .sample("livekit_participant_join_total", &l, v.floor());
        }
    }

    fn postgres(&mut self) {
        let sat = self.has(|s| matches!(s, Scenario::DbSaturation));
        let d = self.day();
        self.gauge("pg_up", "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).", &[], 1.0);
        self.gauge(
            "pg_settings_max_connections",
            "Sets the maximum number of concurrent connections.",
            &[],
            200.0,
        );
        let (active, idle, idle_tx) = if sat {
            (150.0 + 3.0 * self.noise("a", 20.0), 36.0, 6.0)
        } else {
            (
                (8.0 + 12.0 * d) * self.wobble("a", 0.15),
                30.0 + 3.0 * self.noise("i", 120.0),
                2.0 + self.noise("it", 60.0),
            )
        };
        self.out.family(
            "pg_stat_activity_count",
            Kind::Gauge,
            "number of connections in this state",
        );
        for (db, scale) in [("vms", 1.0), ("postgres", 0.0)] {
            for (state, v) in [
                ("active", active * scale + (1.0 - scale)),
                ("idle", idle * scale),
                ("idle in transaction", idle_tx * scale),
                ("idle in transaction (aborted)", 0.0),
            ] {
                self.out.sample(
                    "pg_stat_activity_count",
                    &[("datname", db), ("state", state)],
                    v.round().max(0.0),
                );
            }
        }
        self.out.family(
            "pg_stat_activity_max_tx_duration",
            Kind::Gauge,
            "max duration in seconds any active transaction has been running",
        );
        let longest = if sat {
            180.0 + 20.0 * self.noise("tx", 30.0)
        } else {
            0.4 + 0.3 * self.noise("tx", 30.0)
        };
        for (state, v) in [
            ("active", longest),
            ("idle in transaction", longest / 4.0),
            ("idle", 0.0),
        ] {
            self.out.sample(
                "pg_stat_activity_max_tx_duration",
                &[("datname", "vms"), ("state", state)],
                (v.max(0.0) * 1000.0).round() / 1000.0,
            );
        }
        let calls = (10.0 + 200.0 * d) * self.wobble("calls", 0.1);
        let stmts = [
            ("3419836571", 0.5, 0.002),
            ("901238471", 0.3, 0.006),
            ("77120394", 0.2, 0.012),
        ];
        for (family, help) in [
            ("pg_stat_statements_calls_total", "Number of times executed"),
            (
                "pg_stat_statements_seconds_total",
                "Total time spent in the statement, in seconds",
            ),
        ] {
            self.out.family(family, Kind::Counter, help);
            for (qid, share, mean) in stmts {
                let mean = if sat { mean * 150.0 } else { mean };
                let rate = if family.ends_with("calls_total") {
                    calls * share
                } else {
                    calls * share * mean
                };
                let v = self.counter(&format!("{family}|{qid}"), rate);
                let v = if family.ends_with("calls_total") {
                    v.floor()
                } else {
                    (v * 1000.0).floor() / 1000.0
                };
                self.out.sample(
                    family,
                    &[("user", "vms"), ("datname", "vms"), ("queryid", qid)],
                    v,
                );
            }
        }
        let grown = (self.t - self.w.started).max(0.0) * 2000.0;
        self.gauge(
            "pg_database_size_bytes",
            "Disk space used by the database",
            &[("datname", "vms")],
            (12.0 * GIB + grown).floor(),
        );
    }

    fn valkey(&mut self) {
        let collapse = self.has(|s| matches!(s, Scenario::CacheCollapse));
        let d = self.day();
        let max = GIB;
        self.gauge("redis_up", "Information about the Redis instance", &[], 1.0);
        let used = if collapse {
            0.975 * max
        } else {
            520.0 * MIB * (0.9 + 0.1 * d) * self.wobble("mem", 0.03)
        };
        self.gauge(
            "redis_memory_used_bytes",
            "memory_used_bytes metric",
            &[],
            used.floor(),
        );
        self.gauge(
            "redis_memory_max_bytes",
            "memory_max_bytes metric",
            &[],
            max,
        );
        self.gauge(
            "redis_connected_clients",
            "connected_clients metric",
            &[],
            (40.0 + 5.0 * self.noise("cl", 60.0)).round(),
        );
        self.gauge(
            "redis_db_keys",
            "Total number of keys by DB",
            &[("db", "db0")],
            (120_000.0 * self.wobble("keys", 0.02)).round(),
        );
        let ops = (50.0 + 800.0 * d) * self.wobble("ops", 0.08);
        let hit = if collapse {
            0.4
        } else {
            0.93 + 0.02 * self.noise("hit", 120.0)
        };
        for (family, rate, help) in [
            (
                "redis_commands_processed_total",
                ops * 1.3,
                "commands_processed_total metric",
            ),
            (
                "redis_keyspace_hits_total",
                ops * hit,
                "keyspace_hits_total metric",
            ),
            (
                "redis_keyspace_misses_total",
                ops * (1.0 - hit),
                "keyspace_misses_total metric",
            ),
            (
                "redis_evicted_keys_total",
                if collapse { 60.0 } else { 0.0 },
                "evicted_keys_total metric",
            ),
        ] {
            self.out.family(family, Kind::Counter, help);
            let v = self.counter(family, rate);
            self.out.sample(family, &[], v.floor());
        }
    }

    fn minio(&mut self) {
        let total = 20.0 * TIB;
        let base =
            0.58 + 0.01 * self.noise("use", 3600.0) + (self.t - self.w.started).max(0.0) * 1e-8;
        let usage = match self.since("disk-fill") {
            Some(s) => base + (0.965 - base) * (s / 100.0).min(1.0),
            None => base,
        };
        self.gauge(
            "minio_cluster_capacity_usable_total_bytes",
            "Total cluster usable storage capacity",
            &[],
            total,
        );
        self.gauge(
            "minio_cluster_capacity_usable_free_bytes",
            "Total cluster usable storage free",
            &[],
            (total * (1.0 - usage.clamp(0.0, 1.0))).floor(),
        );
        self.gauge(
            "minio_cluster_capacity_raw_total_bytes",
            "Total cluster raw storage capacity",
            &[],
            total * 2.0,
        );
        self.gauge(
            "minio_cluster_nodes_online_total",
            "Total number of MinIO nodes online",
            &[],
            4.0,
        );
        self.gauge(
            "minio_cluster_nodes_offline_total",
            "Total number of MinIO nodes offline",
            &[],
            0.0,
        );
        let err = self
            .w
            .active
            .iter()
            .find_map(|a| match a.scenario {
                Scenario::ErrorBurst {
                    service: Service::Minio,
                    ratio,
                } => Some(ratio),
                _ => None,
            })
            .unwrap_or(0.001);
        let d = self.day();
        let apis = [
            ("putobject", 7.0, 2.0 * MIB),
            ("getobject", 0.5 + 6.0 * d, 2.0 * MIB),
            ("headobject", 2.0 + 5.0 * d, 0.0),
            ("listobjectsv2", 0.2 + 0.5 * d, 4096.0),
        ];
        for (family, help, errs) in [
            ("minio_s3_requests_total", "Total number S3 requests", false),
            (
                "minio_s3_requests_errors_total",
                "Total number S3 requests with (4xx and 5xx) errors",
                true,
            ),
        ] {
            self.out.family(family, Kind::Counter, help);
            for (api, r, _) in apis {
                let r = r * self.wobble(&format!("s3/{api}"), 0.05) * if errs { err } else { 1.0 };
                let v = self.counter(&format!("{family}|{api}"), r);
                self.out.sample(family, &[("api", api)], v.floor());
            }
        }
        let (rx, tx): (f64, f64) = (apis[0].1 * apis[0].2, apis[1].1 * apis[1].2);
        self.out.family(
            "minio_s3_traffic_received_bytes",
            Kind::Counter,
            "Total number of s3 bytes received",
        );
        let v = self.counter("rx", rx);
        self.out
            .sample("minio_s3_traffic_received_bytes", &[], v.floor());
        self.out.family(
            "minio_s3_traffic_sent_bytes",
            Kind::Counter,
            "Total number of s3 bytes sent",
        );
        let v = self.counter("tx", tx);
        self.out
            .sample("minio_s3_traffic_sent_bytes", &[], v.floor());
    }

    fn cadvisor(&mut self) {
        let cpu: Vec<f64> = CONTAINERS.iter().map(|c| self.container_cpu(c)).collect();
        let mem: Vec<f64> = CONTAINERS.iter().map(|c| self.container_mem(c)).collect();
        let ids: Vec<String> = CONTAINERS
            .iter()
            .map(|c| format!("/docker/{:016x}", splitmix64(self.w.seed ^ fnv1a(c.name))))
            .collect();
        let images: Vec<String> = CONTAINERS
            .iter()
            .map(|c| format!("rta/{}:1.6.2", c.name))
            .collect();
        let total_cpu: f64 = cpu.iter().sum::<f64>() + 0.3;
        let total_mem: f64 = mem.iter().sum::<f64>() + 2.0 * GIB;

        self.out.family(
            "container_cpu_usage_seconds_total",
            Kind::Counter,
            "Cumulative cpu time consumed in seconds.",
        );
        let v = self.counter("cpu|/", total_cpu);
        self.out.sample(
            "container_cpu_usage_seconds_total",
            &[("id", "/"), ("image", ""), ("name", "")],
            (v * 100.0).floor() / 100.0,
        );
        for (i, c) in CONTAINERS.iter().enumerate() {
            let rate = cpu.get(i).copied().unwrap_or(0.0);
            let v = self.counter(&format!("cpu|{}", c.name), rate);
            let (id, image) = (
                ids.get(i).map_or("", |s| s),
                images.get(i).map_or("", |s| s),
            );
            self.out.sample(
                "container_cpu_usage_seconds_total",
                &[("id", id), ("image", image), ("name", c.name)],
                (v * 100.0).floor() / 100.0,
            );
        }
        for (family, help, root, per) in [
            ("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed", total_mem, 0usize),
            ("container_spec_memory_limit_bytes", "Memory limit for the container.", 0.0, 1usize),
        ] {
            self.out.family(family, Kind::Gauge, help);
            self.out.sample(family, &[("id", "/"), ("image", ""), ("name", "")], root.floor());
            for (i, c) in CONTAINERS.iter().enumerate() {
                let v = if per == 0 { mem.get(i).copied().unwrap_or(0.0) } else { c.limit };
                let (id, image) = (ids.get(i).map_or("", |s| s), images.get(i).map_or("", |s| s));
                self.out.sample(family, &[("id", id), ("image", image), ("name", c.name)], v.floor());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a body into (series, value) pairs, checking the basic line syntax.
    fn parse(body: &str) -> Vec<(String, f64)> {
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (series, v) = l
                    .rsplit_once(' ')
                    .unwrap_or_else(|| panic!("bad line {l:?}"));
                let v = match v {
                    "+Inf" => f64::INFINITY,
                    v => v
                        .parse::<f64>()
                        .unwrap_or_else(|_| panic!("bad value in {l:?}")),
                };
                (series.to_owned(), v)
            })
            .collect()
    }

    fn value(body: &str, series: &str) -> f64 {
        parse(body)
            .into_iter()
            .find(|(s, _)| s == series)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no series {series}"))
    }

    const T0: f64 = 1_767_225_600.0; // 2026-01-01T00:00:00Z

    #[track_caller]
    fn check_day(hour: f64, lo: f64, hi: f64) {
        let d = day_factor(hour);
        assert!(
            d >= lo && d <= hi,
            "day_factor({hour}) = {d}, expected in [{lo}, {hi}]"
        );
    }

    #[test]
    fn day_cycle() {
        check_day(3.0, 0.099, 0.101);
        check_day(15.0, 0.999, 1.001);
        check_day(9.0, 0.54, 0.56);
        check_day(21.0, 0.54, 0.56);
        check_day(27.0, 0.099, 0.101);
    }

    #[track_caller]
    fn check_cdf(le: f64, median: f64, sigma: f64, expect: f64) {
        let got = lognormal_cdf(le, median, sigma);
        assert!(
            (got - expect).abs() < 1e-3,
            "cdf({le}; {median}, {sigma}) = {got}, expected {expect}"
        );
    }

    #[test]
    fn cdf() {
        check_cdf(1.0, 1.0, 0.5, 0.5);
        check_cdf(0.1, 0.1, 0.7, 0.5);
        check_cdf((1.645_f64 * 0.7).exp() * 0.1, 0.1, 0.7, 0.95);
        check_cdf(0.0, 0.1, 0.7, 0.0);
        check_cdf(1e9, 0.1, 0.7, 1.0);
        check_cdf(-1.0, 0.1, 0.7, 0.0);
        check_cdf(1.0, 0.0, 0.7, 1.0);
    }

    #[test]
    fn noise_is_bounded_deterministic_and_seeded() {
        for i in 0..2000 {
            let t = T0 + f64::from(i) * 7.3;
            let n = smooth_noise(1, "k", t, 60.0);
            assert!((-1.0..=1.0).contains(&n), "{n}");
            assert_eq!(n, smooth_noise(1, "k", t, 60.0));
        }
        let differs = (0..50).any(|i| {
            smooth_noise(1, "k", T0 + f64::from(i) * 61.0, 60.0)
                != smooth_noise(2, "k", T0 + f64::from(i) * 61.0, 60.0)
        });
        assert!(differs);
    }

    #[test]
    fn every_service_renders_valid_text_with_help_and_type() {
        let mut w = World::new(7, 0, T0);
        for svc in Service::ALL {
            let body = w.render(svc, T0 + 10.0);
            let samples = parse(&body);
            assert!(samples.len() > 3, "{svc}: {body}");
            for (series, _) in &samples {
                let name = series.split('{').next().unwrap_or("");
                let base = name
                    .trim_end_matches("_bucket")
                    .trim_end_matches("_sum")
                    .trim_end_matches("_count");
                assert!(
                    body.contains(&format!("# TYPE {name} "))
                        || body.contains(&format!("# TYPE {base} histogram")),
                    "{svc}: {name} lacks # TYPE"
                );
            }
        }
    }

    #[test]
    fn counters_are_monotone_and_histograms_consistent() {
        let mut w = World::new(3, 14_400, T0);
        let mut prev: HashMap<(Service, String), f64> = HashMap::new();
        for step in 0..200 {
            let t = T0 + f64::from(step) * 97.0; // ~5.4 h of scrapes, across scenario changes
            if step == 50 {
                w.upsert(Scenario::CacheCollapse, t);
                w.upsert(
                    Scenario::LatencySpike {
                        service: Service::GoApi,
                    },
                    t,
                );
            }
            if step == 120 {
                w.clear();
            }
            for svc in Service::ALL {
                let body = w.render(svc, t);
                let mut last_bucket: Option<(String, f64)> = None;
                for (series, v) in parse(&body) {
                    assert!(v.is_finite() && v >= 0.0, "{svc} {series} = {v}");
                    let name = series.split('{').next().unwrap_or("");
                    let base = name
                        .trim_end_matches("_bucket")
                        .trim_end_matches("_sum")
                        .trim_end_matches("_count");
                    let is_counter = body.contains(&format!("# TYPE {name} counter"))
                        || body.contains(&format!("# TYPE {base} histogram"));
                    if is_counter {
                        if let Some(p) = prev.insert((svc, series.clone()), v) {
                            assert!(
                                v >= p,
                                "{svc} {series} went back from {p} to {v} at step {step}"
                            );
                        }
                    }
                    if series.contains("_bucket{") {
                        let stem = series.split("le=").next().unwrap_or("").to_owned();
                        if let Some((s, pv)) = &last_bucket {
                            if *s == stem {
                                assert!(v >= *pv, "{svc} {series}: bucket {v} below previous {pv}");
                            }
                        }
                        last_bucket = Some((stem, v));
                    }
                }
            }
        }
    }

    /// Ratio of two counters' increase between two renders.
    fn ratio_over(
        w: &mut World,
        svc: Service,
        num: &[&str],
        den: &[&str],
        t0: f64,
        t1: f64,
    ) -> f64 {
        let a = w.render(svc, t0);
        let b = w.render(svc, t1);
        let inc =
            |names: &[&str]| -> f64 { names.iter().map(|n| value(&b, n) - value(&a, n)).sum() };
        inc(num) / inc(den)
    }

    #[test]
    fn scenarios_cross_their_thresholds() {
        let mut w = World::new(1, 0, T0);
        let t = T0 + 15.0 * 3600.0; // peak hour
        let hits = ["playback_cache_hits_total"];
        let both = ["playback_cache_hits_total", "playback_cache_misses_total"];
        let base = ratio_over(&mut w, Service::PlaybackService, &hits, &both, t, t + 300.0);
        assert!(base > 0.7, "baseline hit ratio {base}");
        w.upsert(Scenario::CacheCollapse, t + 300.0);
        let bad = ratio_over(
            &mut w,
            Service::PlaybackService,
            &hits,
            &both,
            t + 300.0,
            t + 600.0,
        );
        assert!(bad < 0.5, "collapsed hit ratio {bad}");

        let e5 = [
            "http_requests_total{method=\"GET\",route=\"/api/v1/cameras\",code=\"500\"}",
            "http_requests_total{method=\"GET\",route=\"/api/v1/cameras\",code=\"503\"}",
        ];
        let all = [
            e5[0],
            e5[1],
            "http_requests_total{method=\"GET\",route=\"/api/v1/cameras\",code=\"200\"}",
            "http_requests_total{method=\"GET\",route=\"/api/v1/cameras\",code=\"404\"}",
        ];
        let base = ratio_over(&mut w, Service::GoApi, &e5, &all, t + 600.0, t + 900.0);
        assert!(base < 0.001, "baseline 5xx {base}");
        w.upsert(
            Scenario::ErrorBurst {
                service: Service::GoApi,
                ratio: 0.12,
            },
            t + 900.0,
        );
        let bad = ratio_over(&mut w, Service::GoApi, &e5, &all, t + 900.0, t + 1200.0);
        assert!(bad > 0.05, "burst 5xx {bad}");

        let usage = |body: &str| {
            1.0 - value(body, "minio_cluster_capacity_usable_free_bytes")
                / value(body, "minio_cluster_capacity_usable_total_bytes")
        };
        let b = w.render(Service::Minio, t);
        assert!(usage(&b) < 0.7, "baseline usage {}", usage(&b));
        w.upsert(Scenario::DiskFill, t);
        let b = w.render(Service::Minio, t + 120.0);
        assert!(usage(&b) > 0.9, "filled usage {}", usage(&b));
        w.remove("disk-fill", None);
        let b = w.render(Service::Minio, t + 130.0);
        assert!(usage(&b) < 0.7, "recovered usage {}", usage(&b));

        w.upsert(Scenario::DbSaturation, t);
        let b = w.render(Service::PostgresExporter, t + 10.0);
        let conns: f64 = parse(&b)
            .iter()
            .filter(|(s, _)| s.starts_with("pg_stat_activity_count"))
            .map(|(_, v)| v)
            .sum();
        assert!(conns / 200.0 > 0.9, "saturated connections {conns}");
    }
}
