//! The `[wall]` section: which screens the wall uses and the playlist of each. Only parsed and
//! checked here; the rotation, alarm takeover and screen assignment are `desk/wall.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{bounds, dur, Bounds, ConfigError, DAY, SEC};

/// Most screens, and most entries in one playlist.
pub const MAX_WALL_SCREENS: usize = 64;
pub const MAX_PLAYLIST_ENTRIES: usize = 1_000;
/// The dwell of an entry that sets none.
pub const DEFAULT_DWELL_MS: i64 = 2 * 60 * SEC;

const DWELL_BOUNDS: Bounds = bounds(
    10 * SEC,
    DAY,
    "a wall that changes faster cannot be read; one dashboard for good needs one entry",
);

/// Which monitor(s) a screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorMatch {
    /// The monitor of this name (as the system names it: `DP-1`, `HDMI-1`, `\\.\DISPLAY2`).
    Name(String),
    /// The monitor at this position in the system's list (0 = the first).
    Index(usize),
    /// Every monitor no other screen names.
    All,
}

impl std::fmt::Display for MonitorMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MonitorMatch::Name(n) => write!(f, "{n:?}"),
            MonitorMatch::Index(i) => write!(f, "monitor {i}"),
            MonitorMatch::All => f.write_str("all"),
        }
    }
}

/// One playlist entry: a dashboard, how long it stays, its time range and variable values.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistEntry {
    /// The dashboard's uid (or title).
    pub dashboard: String,
    pub dwell_ms: i64,
    /// `now-6h` and the like, as `watchdesk render --from` takes them.
    pub from: String,
    pub to: String,
    pub vars: BTreeMap<String, String>,
}

/// One configured wall screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenConfig {
    pub monitor: MonitorMatch,
    /// This screen steps aside for alarms (a new critical alert).
    pub alarms: bool,
    /// The wall scale (bigger text, thicker lines, fewer ticks).
    pub scale: bool,
    pub playlist: Vec<PlaylistEntry>,
}

/// The `[wall]` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WallConfig {
    /// Empty with `start = true` alone: every dashboard on every monitor.
    pub screens: Vec<ScreenConfig>,
    /// `start = true`: the app opens the wall whenever it starts, without `--wall` (as the
    /// autostart entry starts it at login: the wall comes back by itself after a reboot).
    pub start: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileWall {
    /// Read as any TOML value, so a bad one gets a message that says what to write.
    start: Option<toml::Value>,
    #[serde(default)]
    screens: Vec<FileScreen>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FileMonitor {
    Index(i64),
    Name(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScreen {
    monitor: Option<FileMonitor>,
    alarms: Option<bool>,
    scale: Option<bool>,
    #[serde(default)]
    playlist: Vec<FileEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    dashboard: String,
    dwell: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

const EXAMPLE: &str = "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"rta-overview\", dwell = \"2m\" }]";

fn invalid(msg: String) -> ConfigError {
    ConfigError::Invalid(msg)
}

pub(super) fn wall(fw: &FileWall) -> Result<WallConfig, ConfigError> {
    let start = match &fw.start {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(other) => {
            return Err(invalid(format!(
                "[wall] start = {other} is not true or false; write start = true to open the \
                 wall whenever the app starts (at login too), or start = false (the default) to \
                 open it only with watchdesk-app --wall"
            )))
        }
    };
    if fw.screens.is_empty() {
        if fw.start.is_some() {
            // `start = true` alone: the wall of every dashboard on every monitor.
            return Ok(WallConfig {
                screens: Vec::new(),
                start,
            });
        }
        return Err(invalid(format!(
            "[wall] has no screens; add one, for example:\n{EXAMPLE}\n(or write start = true \
             alone for every dashboard on every monitor)"
        )));
    }
    if fw.screens.len() > MAX_WALL_SCREENS {
        return Err(invalid(format!(
            "[wall] has {} screens, more than the {MAX_WALL_SCREENS} allowed",
            fw.screens.len()
        )));
    }
    let mut screens: Vec<ScreenConfig> = Vec::new();
    for (i, s) in fw.screens.iter().enumerate() {
        let what = format!("wall screen {}", i + 1);
        let monitor = match &s.monitor {
            None => {
                return Err(invalid(format!(
                    "{what} has no monitor; write monitor = \"all\", a name such as \
                     monitor = \"HDMI-1\", or an index such as monitor = 0"
                )))
            }
            Some(FileMonitor::Name(n)) if n.trim().eq_ignore_ascii_case("all") => MonitorMatch::All,
            Some(FileMonitor::Name(n)) if n.trim().is_empty() => {
                return Err(invalid(format!("{what} has an empty monitor name")))
            }
            Some(FileMonitor::Name(n)) => MonitorMatch::Name(n.trim().to_string()),
            Some(FileMonitor::Index(ix)) => match usize::try_from(*ix) {
                Ok(ix) if ix < MAX_WALL_SCREENS => MonitorMatch::Index(ix),
                _ => {
                    return Err(invalid(format!(
                        "{what}: monitor = {ix} is not a monitor index; use 0..{} (0 = the first)",
                        MAX_WALL_SCREENS - 1
                    )))
                }
            },
        };
        if let Some(other) = screens.iter().position(|o| o.monitor == monitor) {
            return Err(invalid(format!(
                "wall screens {} and {} are both {monitor}; give each monitor one playlist",
                other + 1,
                i + 1
            )));
        }
        let what = format!("wall screen {} ({monitor})", i + 1);
        if s.playlist.is_empty() {
            return Err(invalid(format!(
                "{what} has an empty playlist; add at least one entry, like \
                 playlist = [{{ dashboard = \"rta-overview\", dwell = \"2m\" }}]"
            )));
        }
        if s.playlist.len() > MAX_PLAYLIST_ENTRIES {
            return Err(invalid(format!(
                "{what} has {} playlist entries, more than the {MAX_PLAYLIST_ENTRIES} allowed",
                s.playlist.len()
            )));
        }
        let mut playlist = Vec::new();
        for (j, e) in s.playlist.iter().enumerate() {
            let field = format!("{what} playlist entry {} dwell", j + 1);
            if e.dashboard.trim().is_empty() {
                return Err(invalid(format!(
                    "{what} playlist entry {} has an empty dashboard; write the dashboard's uid",
                    j + 1
                )));
            }
            let dwell_ms = dur(&field, &e.dwell, DEFAULT_DWELL_MS, &DWELL_BOUNDS)?;
            let from = e.from.clone().unwrap_or_else(|| "now-6h".into());
            let to = e.to.clone().unwrap_or_else(|| "now".into());
            // Checked at a fixed moment: relative times keep their order at any moment.
            let at = 1_700_000_000_000;
            match (
                crate::time::parse_time(&from, at),
                crate::time::parse_time(&to, at),
            ) {
                (Some(f), Some(t)) if f < t => {}
                (Some(_), Some(_)) => {
                    return Err(invalid(format!(
                        "{what} playlist entry {}: from = {from:?} must be before to = {to:?}",
                        j + 1
                    )))
                }
                _ => {
                    return Err(invalid(format!(
                        "{what} playlist entry {}: from = {from:?}, to = {to:?}: write times like \
                         now-6h, now or 2026-11-24T14:00:00Z",
                        j + 1
                    )))
                }
            }
            playlist.push(PlaylistEntry {
                dashboard: e.dashboard.trim().to_string(),
                dwell_ms,
                from,
                to,
                vars: e.vars.clone(),
            });
        }
        screens.push(ScreenConfig {
            monitor,
            alarms: s.alarms.unwrap_or(true),
            scale: s.scale.unwrap_or(true),
            playlist,
        });
    }
    Ok(WallConfig { screens, start })
}

impl WallConfig {
    /// The wall when the config has no `[wall]`: every monitor rotates every dashboard (2 min
    /// each, the last 6 hours), steps aside for alarms, at the wall scale.
    pub fn every_dashboard(uids: &[String]) -> WallConfig {
        WallConfig {
            screens: vec![ScreenConfig {
                monitor: MonitorMatch::All,
                alarms: true,
                scale: true,
                playlist: uids
                    .iter()
                    .map(|u| PlaylistEntry {
                        dashboard: u.clone(),
                        dwell_ms: DEFAULT_DWELL_MS,
                        from: "now-6h".into(),
                        to: "now".into(),
                        vars: BTreeMap::new(),
                    })
                    .collect(),
            }],
            start: false,
        }
    }

    /// Every playlist entry names a loaded dashboard (`known`: uids and titles); the error lists
    /// the unknown ones and what is loaded.
    pub fn check_dashboards(&self, known: &[String]) -> Result<(), ConfigError> {
        let mut unknown: Vec<String> = Vec::new();
        for (i, s) in self.screens.iter().enumerate() {
            for (j, e) in s.playlist.iter().enumerate() {
                if !known.contains(&e.dashboard) {
                    unknown.push(format!(
                        "{:?} (screen {}, entry {})",
                        e.dashboard,
                        i + 1,
                        j + 1
                    ));
                }
            }
        }
        if unknown.is_empty() {
            return Ok(());
        }
        Err(invalid(format!(
            "the wall's playlists name dashboards that are not loaded: {}; loaded: {} (add the \
             file to dashboards = [...] or use one of these uids)",
            unknown.join(", "),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, MonitorMatch, Overrides};

    fn load(text: &str) -> Result<Config, String> {
        Config::from_toml(text, None, &Overrides::default()).map_err(|e| e.to_string())
    }

    #[track_caller]
    fn check_err(text: &str, want: &str) {
        let err = load(text).expect_err("the config is refused");
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }

    #[test]
    fn a_wall_with_two_screens_reads_as_written() {
        let c = load(
            r#"
            [[wall.screens]]
            monitor = "HDMI-1"
            playlist = [
              { dashboard = "rta-overview", dwell = "2m", from = "now-6h", to = "now" },
              { dashboard = "node", dwell = "30s", vars = { instance = "nvr-01:9100" } },
            ]
            [[wall.screens]]
            monitor = 1
            alarms = false
            scale = false
            playlist = [{ dashboard = "rta-overview" }]
        "#,
        )
        .expect("valid");
        let w = c.wall.expect("a wall");
        assert_eq!(w.screens.len(), 2);
        let s = &w.screens[0];
        assert_eq!(s.monitor, MonitorMatch::Name("HDMI-1".into()));
        assert!(
            s.alarms && s.scale,
            "alarms and the wall scale are on by default"
        );
        assert_eq!(s.playlist[0].dwell_ms, 120_000);
        assert_eq!(s.playlist[1].dwell_ms, 30_000);
        assert_eq!(s.playlist[1].vars["instance"], "nvr-01:9100");
        assert_eq!(w.screens[1].monitor, MonitorMatch::Index(1));
        assert!(!w.screens[1].alarms && !w.screens[1].scale);
        assert_eq!(w.screens[1].playlist[0].dwell_ms, 120_000, "default dwell");
        assert_eq!(w.screens[1].playlist[0].from, "now-6h");
        assert_eq!(load("").expect("no wall").wall, None);
        assert!(!w.start, "the wall starts with --wall only by default");
    }

    #[test]
    fn wall_start_opens_the_wall_without_the_flag_and_bad_values_say_what_to_write() {
        let c = load("[wall]\nstart = true\n[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\" }]")
            .expect("valid");
        let w = c.wall.expect("a wall");
        assert!(w.start && w.screens.len() == 1);
        // Alone: every dashboard on every monitor (the screens come from the desk).
        let w = load("[wall]\nstart = true")
            .expect("valid")
            .wall
            .expect("a wall");
        assert!(w.start && w.screens.is_empty());
        let w = load("[wall]\nstart = false")
            .expect("valid")
            .wall
            .expect("a wall");
        assert!(!w.start);
        for bad in ["\"yes\"", "1", "[true]", "{ on = true }"] {
            check_err(
                &format!("[wall]\nstart = {bad}"),
                "is not true or false; write start = true to open the wall whenever the app starts",
            );
        }
    }

    #[test]
    fn wall_config_errors_say_what_to_write() {
        check_err("[wall]", "[wall] has no screens; add one");
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"",
            "empty playlist; add at least one entry, like playlist = [{ dashboard = \"rta-overview\"",
        );
        check_err(
            "[[wall.screens]]\nplaylist = [{ dashboard = \"x\" }]",
            "has no monitor; write monitor = \"all\"",
        );
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\", dwell = \"1s\" }]",
            "dwell = \"1s\" is too short: it must be at least 10s (10s..1d;",
        );
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\", dwell = \"2d\" }]",
            "at most 1d",
        );
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\", dwell = \"soon\" }]",
            "is not a duration",
        );
        check_err(
            "[[wall.screens]]\nmonitor = -1\nplaylist = [{ dashboard = \"x\" }]",
            "not a monitor index",
        );
        check_err(
            "[[wall.screens]]\nmonitor = 0\nplaylist = [{ dashboard = \"x\" }]\n\
             [[wall.screens]]\nmonitor = 0\nplaylist = [{ dashboard = \"y\" }]",
            "wall screens 1 and 2 are both monitor 0",
        );
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\", from = \"now\", to = \"now-1h\" }]",
            "must be before",
        );
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\", from = \"yesterday\" }]",
            "write times like now-6h",
        );
        check_err(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"x\", colour = 1 }]",
            "not valid TOML",
        );
    }

    #[test]
    fn unknown_dashboards_are_listed_with_what_is_loaded() {
        let w = load(
            "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"rta-overview\" }, { dashboard = \"nope\" }]",
        )
        .expect("valid")
        .wall
        .expect("a wall");
        let err = w
            .check_dashboards(&["rta-overview".into()])
            .expect_err("nope is unknown")
            .to_string();
        assert!(
            err.contains("\"nope\" (screen 1, entry 2)") && err.contains("loaded: rta-overview"),
            "{err}"
        );
        w.check_dashboards(&["rta-overview".into(), "nope".into()])
            .expect("all known");
    }
}
