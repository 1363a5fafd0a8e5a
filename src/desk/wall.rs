//! The video wall's use cases, as a pure state machine driven by the clock it is given: which
//! playlist runs on which monitor, the current entry of each and when it changes, the operator's
//! keys (pause, resume, next, previous, alerts, leave) and the alarm takeover. The shell only
//! displays [`WallView`] and calls back with the monitors it sees, the alert list and the keys.
//!
//! No threads, no timers: every method takes `now`, and [`WallView::next_change`] says when the
//! view changes by itself, so the shell knows when to ask again.
//!
//! Alarms: a critical alert that fires and nobody acknowledged (no acknowledgement, none queued)
//! takes over every screen configured with `alarms = true` that is not paused, showing that alert
//! with a banner; several are queued, most severe first, then in the order the wall saw them. The
//! rotation under it stands still and resumes at the entry it left once the alert is acknowledged
//! or resolved. A paused screen is not taken over: an alarm acknowledged while it was paused never
//! shows. An alert already firing when the wall starts counts as new (after a reboot an
//! unacknowledged critical alert must show).

use std::collections::{BTreeMap, BTreeSet};

use super::alerts::{AlertList, Counts, ListedAlert};
use super::{Desk, DeskError};
use crate::config::{ConfigError, MonitorMatch, PlaylistEntry, ScreenConfig, WallConfig};
use crate::severity::Severity;
use crate::time::Millis;

/// A monitor as the shell reports it: the system's name, its position in the system's list and
/// its geometry (physical pixels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    pub name: String,
    pub index: usize,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// Which configured playlist: screen `n` of the config (0-based), or the `"all"` screen on one
/// monitor (each monitor it covers rotates on its own).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaylistKey {
    Screen(usize),
    All { screen: usize, monitor: String },
}

impl PlaylistKey {
    fn screen(&self) -> usize {
        match self {
            PlaylistKey::Screen(i) | PlaylistKey::All { screen: i, .. } => *i,
        }
    }
}

/// One playlist on one monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub monitor: Monitor,
    pub playlist: PlaylistKey,
    /// Set when the playlist belongs to a monitor that is not connected: "the playlist of
    /// "DP-2" (not connected)".
    pub moved_from: Option<String>,
}

/// Which playlist goes to which monitor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    pub placed: Vec<Placement>,
    /// Playlists not shown, and why (their monitor is gone and no other is free).
    pub dropped: Vec<String>,
}

/// Configured screens on the monitors that exist. A screen named by `name` takes that monitor,
/// then one given by `index` takes the monitor at that position if no name took it. The playlist
/// of a screen whose monitor is not connected moves to the first free monitor (one no screen
/// names; it replaces the `"all"` playlist there), else it is dropped, stated in
/// [`Assignment::dropped`] — except a screen with `alarms = true`: alarms must never go unseen, so
/// it takes the monitor of the last placed playlist that does not step aside for alarms, and that
/// one is dropped (stated) until the monitor returns. The `"all"` screen runs on every monitor still free. Called again when
/// monitors change, so a playlist goes back to its monitor when it returns.
pub fn assign(cfg: &WallConfig, monitors: &[Monitor]) -> Assignment {
    let mut mons: Vec<&Monitor> = monitors.iter().collect();
    mons.sort_by(|a, b| a.index.cmp(&b.index).then(a.name.cmp(&b.name)));
    let mut taken: Vec<Option<(PlaylistKey, Option<String>)>> = vec![None; mons.len()];
    let mut orphans = Vec::new();
    let mut all = None;
    // Names first, so an index never takes a monitor a name asks for.
    for pass in 0..2 {
        for (i, s) in cfg.screens.iter().enumerate() {
            let slot = match (&s.monitor, pass) {
                (MonitorMatch::Name(n), 0) => mons.iter().position(|m| m.name == *n),
                (MonitorMatch::Index(ix), 1) => mons.iter().position(|m| m.index == *ix),
                (MonitorMatch::All, 1) => {
                    all = Some(i);
                    continue;
                }
                _ => continue,
            };
            match slot {
                Some(k) if taken[k].is_none() => taken[k] = Some((PlaylistKey::Screen(i), None)),
                _ => orphans.push(i),
            }
        }
    }
    orphans.sort_unstable();
    let mut dropped = Vec::new();
    for i in orphans {
        let what = format!("wall screen {} ({})", i + 1, cfg.screens[i].monitor);
        match taken.iter().position(Option::is_none) {
            Some(k) => {
                taken[k] = Some((
                    PlaylistKey::Screen(i),
                    Some(format!("the playlist of {what}, which is not connected")),
                ))
            }
            None => {
                // Alarms never go unseen: an alarm screen takes the monitor of the last playlist
                // that does not step aside for alarms (that one is dropped instead).
                let victim = cfg.screens[i]
                    .alarms
                    .then(|| {
                        taken.iter().rposition(|t| {
                            t.as_ref()
                                .is_some_and(|(k, _)| !cfg.screens[k.screen()].alarms)
                        })
                    })
                    .flatten();
                match victim {
                    Some(k) => {
                        if let Some((key, _)) = &taken[k] {
                            let j = key.screen();
                            dropped.push(format!(
                                "wall screen {} ({}) gives its monitor to the playlist of {what}, \
                                 which steps aside for alarms and is not connected: its playlist \
                                 is not shown until that monitor returns",
                                j + 1,
                                cfg.screens[j].monitor
                            ));
                        }
                        taken[k] = Some((
                            PlaylistKey::Screen(i),
                            Some(format!("the playlist of {what}, which is not connected")),
                        ));
                    }
                    None => dropped.push(format!(
                        "{what} is not connected and no other monitor is free: its playlist is \
                         not shown until it returns"
                    )),
                }
            }
        }
    }
    let placed = mons
        .iter()
        .zip(taken)
        .filter_map(|(m, t)| {
            let (playlist, moved_from) = match t {
                Some(t) => t,
                None => (
                    PlaylistKey::All {
                        screen: all?,
                        monitor: m.name.clone(),
                    },
                    None,
                ),
            };
            Some(Placement {
                monitor: (*m).clone(),
                playlist,
                moved_from,
            })
        })
        .collect();
    Assignment { placed, dropped }
}

/// The operator's keys on the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    Next,
    Previous,
    /// Show the alert list on the screen (again: back to the rotation).
    Alerts,
    /// Leave wall mode: the shell closes the wall's windows.
    Leave,
}

/// One playlist's place: the entry and how long it has been on while running.
#[derive(Debug, Clone, PartialEq)]
struct Rotation {
    entry: usize,
    elapsed: i64,
    last: Millis,
    running: bool,
    paused: bool,
    showing_alerts: bool,
}

impl Rotation {
    fn new(now: Millis) -> Rotation {
        Rotation {
            entry: 0,
            elapsed: 0,
            last: now,
            running: false,
            paused: false,
            showing_alerts: false,
        }
    }

    /// Counts the time since the last look (only while running) and moves past every entry whose
    /// dwell is over; whole cycles are skipped at once.
    fn advance(&mut self, now: Millis, playlist: &[PlaylistEntry]) {
        if playlist.is_empty() {
            return;
        }
        self.entry %= playlist.len();
        if self.running {
            self.elapsed = self
                .elapsed
                .saturating_add(now.saturating_sub(self.last).max(0));
            let cycle: i64 = playlist.iter().map(|e| e.dwell_ms.max(1)).sum();
            if self.elapsed >= cycle {
                self.elapsed %= cycle;
            }
            while self.elapsed >= playlist[self.entry].dwell_ms.max(1) {
                self.elapsed -= playlist[self.entry].dwell_ms.max(1);
                self.entry = (self.entry + 1) % playlist.len();
            }
        }
        self.last = now;
    }

    fn step(&mut self, by: isize, len: usize) {
        if len == 0 {
            return;
        }
        let len_i = len as isize;
        self.entry = ((self.entry as isize + by).rem_euclid(len_i)) as usize;
        self.elapsed = 0;
    }
}

/// An alarm as a wall screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmView {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub severity: Severity,
    pub summary: String,
    pub starts_at: Millis,
    /// The banner's text: "ALARM critical: ServiceDown on rta (vms-1:8080) — VMS service is down".
    pub banner: String,
    /// How many more alarms wait behind this one.
    pub queued: usize,
}

/// What a wall screen shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Show {
    /// A playlist entry: position `position` (0-based) of `of`, changing at `changes_at` (`None`
    /// while the rotation stands still).
    Dashboard {
        entry: PlaylistEntry,
        position: usize,
        of: usize,
        changes_at: Option<Millis>,
    },
    /// The alert list (the "alerts" key).
    Alerts,
    /// An alarm took the screen over.
    Alarm(AlarmView),
}

/// One wall window.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenView {
    pub monitor: Monitor,
    pub playlist: PlaylistKey,
    pub moved_from: Option<String>,
    pub scale: bool,
    pub alarms: bool,
    pub paused: bool,
    pub show: Show,
    /// The desk's counts of the alert list, on every screen.
    pub counts: Counts,
    /// The stale banner when a source is down (never green without data).
    pub stale: Option<String>,
    /// Playlists not shown anywhere and why ([`Assignment::dropped`]): on every screen, so that a
    /// playlist waiting for its monitor is seen on the wall, not only in the log.
    pub waiting: Vec<String>,
}

/// Every wall window, and what the operator should know about the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WallView {
    pub screens: Vec<ScreenView>,
    pub dropped: Vec<String>,
    /// The operator left wall mode: close the windows.
    pub left: bool,
    /// When the view changes by itself next (a dwell ends): ask again then.
    pub next_change: Option<Millis>,
}

/// The inputs the desk gives the wall: its alert list and the stale banner.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WallStatus {
    pub alerts: AlertList,
    pub stale: Option<String>,
}

type AlertKey = (String, String);

/// The running wall.
#[derive(Debug, Clone)]
pub struct Wall {
    cfg: WallConfig,
    assignment: Assignment,
    rotations: BTreeMap<PlaylistKey, Rotation>,
    /// Active alarms, in the order shown.
    alarms: Vec<ListedAlert>,
    first_seen: BTreeMap<AlertKey, Millis>,
    counts: Counts,
    stale: Option<String>,
    left: bool,
}

/// Firing, critical, nobody acknowledged it and no acknowledgement is queued.
fn is_alarm(a: &ListedAlert) -> bool {
    a.severity == Severity::Critical && a.is_firing() && !a.pending_ack
}

impl Wall {
    /// A wall over `cfg`; every playlist entry must name a loaded dashboard (`known`: uids and
    /// titles), else the error lists the unknown ones. No monitor yet: see [`Wall::set_monitors`].
    pub fn new(cfg: WallConfig, known: &[String]) -> Result<Wall, ConfigError> {
        cfg.check_dashboards(known)?;
        Ok(Wall {
            cfg,
            assignment: Assignment::default(),
            rotations: BTreeMap::new(),
            alarms: Vec::new(),
            first_seen: BTreeMap::new(),
            counts: Counts::default(),
            stale: None,
            left: false,
        })
    }

    fn screen_cfg(&self, key: &PlaylistKey) -> &ScreenConfig {
        &self.cfg.screens[key.screen()]
    }

    /// Moves every running rotation on to `now`.
    fn advance(&mut self, now: Millis) {
        let cfg = &self.cfg;
        for (key, r) in self.rotations.iter_mut() {
            r.advance(now, &cfg.screens[key.screen()].playlist);
        }
    }

    /// Which rotations run from now on: placed, not paused, not on the alert list, not under an
    /// alarm.
    fn settle(&mut self, now: Millis) {
        let placed: BTreeSet<PlaylistKey> = self
            .assignment
            .placed
            .iter()
            .map(|p| p.playlist.clone())
            .collect();
        for key in &placed {
            self.rotations
                .entry(key.clone())
                .or_insert_with(|| Rotation::new(now));
        }
        let alarm = !self.alarms.is_empty();
        let alarm_screens: BTreeSet<usize> = (0..self.cfg.screens.len())
            .filter(|i| self.cfg.screens[*i].alarms)
            .collect();
        for (key, r) in self.rotations.iter_mut() {
            let taken = alarm && alarm_screens.contains(&key.screen()) && !r.paused;
            r.running = placed.contains(key) && !r.paused && !r.showing_alerts && !taken;
            r.last = now;
        }
    }

    /// The monitors the shell sees now (at start, and after every screen change).
    pub fn set_monitors(&mut self, monitors: &[Monitor], now: Millis) {
        self.advance(now);
        self.assignment = assign(&self.cfg, monitors);
        self.settle(now);
    }

    /// The desk's alert list and stale banner, after every alerts or health change.
    pub fn set_status(&mut self, status: &WallStatus, now: Millis) {
        self.advance(now);
        let active: Vec<&ListedAlert> = status
            .alerts
            .alerts
            .iter()
            .filter(|a| is_alarm(a))
            .collect();
        let keys: BTreeSet<AlertKey> = active
            .iter()
            .map(|a| (a.source.clone(), a.fingerprint.clone()))
            .collect();
        self.first_seen.retain(|k, _| keys.contains(k));
        for k in keys {
            self.first_seen.entry(k).or_insert(now);
        }
        let mut alarms: Vec<ListedAlert> = active.into_iter().cloned().collect();
        let seen = |a: &ListedAlert| {
            self.first_seen
                .get(&(a.source.clone(), a.fingerprint.clone()))
                .copied()
                .unwrap_or(now)
        };
        alarms.sort_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then(seen(a).cmp(&seen(b)))
                .then(a.starts_at.cmp(&b.starts_at))
                .then(a.source.cmp(&b.source))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        self.alarms = alarms;
        self.counts = status.alerts.counts;
        self.stale = status.stale.clone();
        self.settle(now);
    }

    /// A key pressed on the wall window of `monitor` (by name), or for every screen (`None`).
    pub fn command(&mut self, monitor: Option<&str>, cmd: Command, now: Millis) {
        self.advance(now);
        if cmd == Command::Leave {
            self.left = true;
        }
        let targets: Vec<PlaylistKey> = self
            .assignment
            .placed
            .iter()
            .filter(|p| monitor.is_none_or(|m| p.monitor.name == m))
            .map(|p| p.playlist.clone())
            .collect();
        for key in targets {
            let len = self.screen_cfg(&key).playlist.len();
            let Some(r) = self.rotations.get_mut(&key) else {
                continue;
            };
            match cmd {
                Command::Pause => r.paused = true,
                Command::Resume => {
                    r.paused = false;
                    r.showing_alerts = false;
                }
                Command::Next => {
                    r.showing_alerts = false;
                    r.step(1, len);
                }
                Command::Previous => {
                    r.showing_alerts = false;
                    r.step(-1, len);
                }
                Command::Alerts => r.showing_alerts = !r.showing_alerts,
                Command::Leave => {}
            }
        }
        self.settle(now);
    }

    fn alarm_view(&self) -> Option<AlarmView> {
        let a = self.alarms.first()?;
        let queued = self.alarms.len() - 1;
        let instance = a
            .labels
            .get("instance")
            .map(|i| format!(" ({i})"))
            .unwrap_or_default();
        let summary = if a.summary.is_empty() {
            String::new()
        } else {
            format!(" — {}", a.summary)
        };
        let more = if queued > 0 {
            format!(" (+{queued} more)")
        } else {
            String::new()
        };
        Some(AlarmView {
            source: a.source.clone(),
            fingerprint: a.fingerprint.clone(),
            alertname: a.alertname.clone(),
            severity: a.severity,
            summary: a.summary.clone(),
            starts_at: a.starts_at,
            banner: format!(
                "ALARM {}: {} on {}{instance}{summary}{more}",
                a.severity, a.alertname, a.source
            ),
            queued,
        })
    }

    /// What every wall window shows at `now` (the rotations moved on to it).
    pub fn view(&mut self, now: Millis) -> WallView {
        self.advance(now);
        if self.left {
            return WallView {
                left: true,
                ..WallView::default()
            };
        }
        let alarm = self.alarm_view();
        let mut screens = Vec::new();
        for p in &self.assignment.placed {
            let sc = self.screen_cfg(&p.playlist);
            let Some(r) = self.rotations.get(&p.playlist) else {
                continue;
            };
            let show = match &alarm {
                _ if r.showing_alerts => Show::Alerts,
                Some(a) if sc.alarms && !r.paused => Show::Alarm(a.clone()),
                _ => {
                    let entry = r.entry % sc.playlist.len().max(1);
                    let Some(e) = sc.playlist.get(entry) else {
                        continue;
                    };
                    Show::Dashboard {
                        entry: e.clone(),
                        position: entry,
                        of: sc.playlist.len(),
                        changes_at: r
                            .running
                            .then(|| now.saturating_add(e.dwell_ms - r.elapsed)),
                    }
                }
            };
            screens.push(ScreenView {
                monitor: p.monitor.clone(),
                playlist: p.playlist.clone(),
                moved_from: p.moved_from.clone(),
                scale: sc.scale,
                alarms: sc.alarms,
                paused: r.paused,
                show,
                counts: self.counts,
                stale: self.stale.clone(),
                waiting: self.assignment.dropped.clone(),
            });
        }
        let next_change = screens
            .iter()
            .filter_map(|s| match s.show {
                Show::Dashboard { changes_at, .. } => changes_at,
                _ => None,
            })
            .min();
        WallView {
            screens,
            dropped: self.assignment.dropped.clone(),
            left: false,
            next_change,
        }
    }
}

impl Desk {
    /// Whether the app opens the wall without `--wall`: `[wall] start = true`.
    pub fn wall_starts_by_itself(&self) -> bool {
        self.cfg.wall.as_ref().is_some_and(|w| w.start)
    }

    /// The wall of this desk's config (without `[wall]` or its screens: every dashboard on every monitor). Fails
    /// when a playlist names a dashboard that is not loaded, or sets a variable that dashboard does
    /// not have. An entry with variable values shows the dashboard's wall copy (`copies.rs`).
    pub fn wall(&self) -> Result<Wall, DeskError> {
        let name = |d: &super::LoadedDashboard| crate::plan::dashboard_key(&d.dash);
        let originals = || self.dashboards.iter().filter(|d| !d.wall_copy);
        let mut cfg = match &self.cfg.wall {
            Some(w) if !w.screens.is_empty() => w.clone(),
            // No `[wall]`, or `start = true` alone.
            _ => WallConfig::every_dashboard(&originals().map(name).collect::<Vec<_>>()),
        };
        cfg.check_dashboards(&names(originals()))?;
        // An entry with variable values shows its own copy of the dashboard (`copies.rs`).
        for e in cfg.screens.iter_mut().flat_map(|s| &mut s.playlist) {
            if e.vars.is_empty() {
                continue;
            }
            if let Some(d) = copies::named(&self.dashboards, &e.dashboard) {
                if let Some(problem) = copies::unknown_variable(&d.dash, &e.vars) {
                    return Err(ConfigError::Invalid(problem).into());
                }
                e.dashboard = copies::copy_key(&crate::plan::dashboard_key(&d.dash), &e.vars);
            }
        }
        Ok(Wall::new(cfg, &names(self.dashboards.iter()))?)
    }

    /// What the wall shows on every screen besides its playlist: the one alert list (and its
    /// counts) and the stale banner of every source that is down.
    pub fn wall_status(&self) -> WallStatus {
        let banners: Vec<String> = self
            .sources()
            .iter()
            .filter_map(|s| crate::view::stale_banner(&self.cache, s))
            .chain(
                self.unpolled
                    .iter()
                    .map(|s| format!("source {s} is not set up: no data")),
            )
            .collect();
        WallStatus {
            alerts: self.alerts(None).unwrap_or_default(),
            stale: (!banners.is_empty()).then(|| banners.join("; ")),
        }
    }
}

/// The uids and titles of `list`, as playlists may name them.
fn names<'a>(list: impl Iterator<Item = &'a super::LoadedDashboard>) -> Vec<String> {
    list.flat_map(|d| [d.dash.uid.clone(), d.dash.title.clone()])
        .filter(|s| !s.is_empty())
        .collect()
}

pub mod copies;
pub mod monitors;

#[cfg(test)]
mod tests;
