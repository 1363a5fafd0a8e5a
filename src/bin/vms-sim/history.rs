//! A past period of the simulator as OpenMetrics text, for `promtool tsdb create-blocks-from
//! openmetrics`: what Prometheus would have scraped from every service at each step, with the
//! target labels it adds (`job`, `service`, `instance`) and the five series it adds to every scrape
//! (`up`, `scrape_duration_seconds`, …). Used by `vms-sim history` (a day of history for the
//! reference stack, `deploy/run-stack.sh`) and by the history benchmark (`benches/history.rs`).

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};

use crate::model::World;
use crate::service::Service;

/// One 2-hour block per file, as Prometheus' own head blocks.
pub const BLOCK_S: i64 = 7200;

/// `name{a="b"}` from the simulator + target labels → the series text Prometheus would store.
fn with_target_labels(series: &str, job: &str, instance: &str) -> String {
    let target = format!("instance=\"{instance}\",job=\"{job}\",service=\"{job}\"");
    match series.split_once('{') {
        Some((name, rest)) if rest.trim() == "}" => format!("{name}{{{target}}}"),
        Some((name, rest)) => format!("{name}{{{target},{rest}"),
        None => format!("{series}{{{target}}}"),
    }
}

/// The model evaluated scrape by scrape. Series are numbered in the order they first appear.
pub struct History {
    world: World,
    rng: rand::rngs::StdRng,
    instances: Vec<String>,
    // Per service: the simulator's series text -> series number.
    keys: Vec<HashMap<String, usize>>,
    full: Vec<String>,
    /// Per series: (metric name, job).
    pub series: Vec<(String, String)>,
    first: bool,
    line: String,
}

impl History {
    /// Starts at `from_s` (unix seconds); `instance(i)` is the `instance` label of service `i` of
    /// [`Service::ALL`] (its scrape address).
    pub fn new(
        seed: u64,
        utc_offset_s: i64,
        from_s: i64,
        instance: impl Fn(usize) -> String,
    ) -> History {
        History {
            world: World::new(seed, utc_offset_s, from_s as f64),
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            instances: (0..Service::ALL.len()).map(instance).collect(),
            keys: vec![HashMap::new(); Service::ALL.len()],
            full: Vec::new(),
            series: Vec::new(),
            first: true,
            line: String::new(),
        }
    }

    fn series_index(&mut self, si: usize, s: &str, name: &str, job: &str) -> usize {
        if let Some(i) = self.keys[si].get(s) {
            return *i;
        }
        let i = self.full.len();
        self.full
            .push(with_target_labels(s, job, &self.instances[si]));
        self.series.push((name.to_string(), job.to_string()));
        self.keys[si].insert(s.to_string(), i);
        i
    }

    /// Writes every service's scrape at `t` (unix seconds); returns the number of samples.
    pub fn write_scrape(&mut self, t: i64, w: &mut impl Write) -> io::Result<u64> {
        let mut samples = 0;
        for (si, svc) in Service::ALL.iter().enumerate() {
            let job = svc.name();
            let body = self.world.render(*svc, t as f64);
            let mut scraped = 0u32;
            for l in body.lines() {
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                let Some((s, v)) = l.rsplit_once(' ') else {
                    continue;
                };
                scraped += 1;
                let idx = self.series_index(si, s, s.split('{').next().unwrap_or(s), job);
                self.line.clear();
                self.line.push_str(&self.full[idx]);
                self.line.push(' ');
                self.line.push_str(v);
                self.line.push(' ');
                self.line.push_str(&t.to_string());
                self.line.push('\n');
                w.write_all(self.line.as_bytes())?;
                samples += 1;
            }
            // The series Prometheus adds to every scrape.
            let duration: f64 = 0.0008 + self.rng.gen::<f64>() * 0.004;
            let extra = [
                ("up", "1".to_string()),
                ("scrape_duration_seconds", format!("{duration}")),
                ("scrape_samples_scraped", scraped.to_string()),
                ("scrape_samples_post_metric_relabeling", scraped.to_string()),
                (
                    "scrape_series_added",
                    if self.first { scraped } else { 0 }.to_string(),
                ),
            ];
            for (name, v) in extra {
                let idx = self.series_index(si, name, name, job);
                writeln!(w, "{} {v} {t}", self.full[idx])?;
                samples += 1;
            }
        }
        self.first = false;
        Ok(samples)
    }
}

/// Writes `[from_s, to_s]` every `step_s` into one OpenMetrics file per 2-hour block in `dir`
/// (`block-<n>.om`, each ending in `# EOF`); `done(path)` is called as each file is complete (to
/// convert it while the next one is written). Returns the number of samples.
pub fn write_blocks(
    history: &mut History,
    from_s: i64,
    to_s: i64,
    step_s: i64,
    dir: &Path,
    mut done: impl FnMut(PathBuf) -> io::Result<()>,
) -> io::Result<u64> {
    let mut out: Option<(i64, PathBuf, io::BufWriter<std::fs::File>)> = None;
    let mut finish = |o: Option<(i64, PathBuf, io::BufWriter<std::fs::File>)>| -> io::Result<()> {
        if let Some((_, path, mut w)) = o {
            w.write_all(b"# EOF\n")?;
            w.flush()?;
            drop(w);
            done(path)?;
        }
        Ok(())
    };
    let mut samples = 0;
    let mut t = from_s;
    while t <= to_s {
        let block = t.div_euclid(BLOCK_S);
        if out.as_ref().map(|o| o.0) != Some(block) {
            finish(out.take())?;
            let path = dir.join(format!("block-{block}.om"));
            let file = std::fs::File::create(&path)?;
            out = Some((block, path, io::BufWriter::new(file)));
        }
        if let Some((_, _, w)) = out.as_mut() {
            samples += history.write_scrape(t, w)?;
        }
        t += step_s;
    }
    finish(out.take())?;
    Ok(samples)
}
