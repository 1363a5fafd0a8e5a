//! Where the wall's monitors come from when the system cannot say (`--wall-monitors`): a list
//! `NAME=WIDTHxHEIGHT+X+Y,…`, or `@FILE` holding one, read again at every look at the monitors (a
//! wall controller whose layout changes; the wall test unplugs a screen this way). Pure parsing
//! and the last-good-list rule; the shell only asks [`Looker::given`] at each look.

use std::path::{Path, PathBuf};

use super::Monitor;

/// Where the wall's monitors come from.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorSource {
    /// The system's (Tauri's) monitors.
    System,
    /// `--wall-monitors NAME=WxH+X+Y,...`.
    Given(Vec<Monitor>),
    /// `--wall-monitors @FILE`: the same text in a file, read again at every look at the monitors
    /// (a wall controller whose layout changes; the wall test unplugs a screen this way).
    File(PathBuf),
}

/// `--wall-monitors`: a list, or `@FILE` (checked when it is read, not here).
pub fn parse_monitor_source(arg: Option<&str>) -> Result<MonitorSource, String> {
    match arg {
        None => Ok(MonitorSource::System),
        Some(a) => match a.strip_prefix('@') {
            Some(p) if p.trim().is_empty() => Err(
                "--wall-monitors @: no file named; write --wall-monitors @/path/to/monitors".into(),
            ),
            Some(p) => Ok(MonitorSource::File(PathBuf::from(p))),
            None => parse_monitors(a).map(MonitorSource::Given),
        },
    }
}

/// The `--wall-monitors @FILE` list: at least one monitor.
fn read_monitor_file(path: &Path) -> Result<Vec<Monitor>, String> {
    let text = crate::files::read_regular_file(path, 64 * 1024, "--wall-monitors")?;
    let m = parse_monitors(&text)?;
    if m.is_empty() {
        return Err(
            "it names no monitor; write NAME=WIDTHxHEIGHT+X+Y, one or more, separated by \
                    commas or new lines"
                .into(),
        );
    }
    Ok(m)
}

/// The monitors of a [`MonitorSource`] at each look: a file that cannot be read or is not a good
/// list keeps the last good list (at start: the system's monitors), logged once per error.
pub struct Looker {
    source: MonitorSource,
    last_good: Option<Vec<Monitor>>,
    last_error: Option<String>,
}

impl Looker {
    pub fn new(source: MonitorSource) -> Looker {
        Looker {
            source,
            last_good: None,
            last_error: None,
        }
    }

    /// The given monitors, or `None` for the system's.
    pub fn given(&mut self) -> Option<Vec<Monitor>> {
        let path = match &self.source {
            MonitorSource::System => return None,
            MonitorSource::Given(m) => return Some(m.clone()),
            MonitorSource::File(p) => p,
        };
        match read_monitor_file(path) {
            Ok(m) => {
                if self.last_error.take().is_some() {
                    tracing::info!("wall: {} reads again", path.display());
                }
                self.last_good = Some(m);
            }
            Err(e) if self.last_error.as_deref() != Some(e.as_str()) => {
                tracing::warn!(
                    "wall: --wall-monitors @{}: {e}; the wall keeps {} until it reads",
                    path.display(),
                    if self.last_good.is_some() {
                        "the last good list"
                    } else {
                        "the system's monitors"
                    }
                );
                self.last_error = Some(e);
            }
            Err(_) => {}
        }
        self.last_good.clone()
    }
}

/// `--wall-monitors left=1920x1080+0+0,right=1920x1080+1920+0`: the wall's monitors when the
/// system shows one surface for several screens (a wall controller, one X screen over two panels).
/// Separated by commas or new lines (in a `@FILE`); each name once.
pub fn parse_monitors(s: &str) -> Result<Vec<Monitor>, String> {
    let list = s
        .split([',', '\n'])
        .filter(|p| !p.trim().is_empty())
        .enumerate()
        .map(|(index, p)| {
            let bad = || format!("--wall-monitors: {p:?} is not NAME=WIDTHxHEIGHT+X+Y");
            let (name, geo) = p.trim().split_once('=').ok_or_else(bad)?;
            let (w, rest) = geo.split_once('x').ok_or_else(bad)?;
            let mut it = rest.splitn(3, '+');
            let (h, x, y) = (it.next(), it.next(), it.next());
            let num = |v: Option<&str>| v.and_then(|v| v.parse::<i64>().ok()).ok_or_else(bad);
            let (width, height) = (num(Some(w))?, num(h)?);
            if name.is_empty() || width <= 0 || height <= 0 || width > 65_535 || height > 65_535 {
                return Err(bad());
            }
            Ok(Monitor {
                name: name.to_string(),
                index,
                x: i32::try_from(num(x)?).map_err(|_| bad())?,
                y: i32::try_from(num(y)?).map_err(|_| bad())?,
                width: width as u32,
                height: height as u32,
            })
        })
        .collect::<Result<Vec<Monitor>, String>>()?;
    for (i, m) in list.iter().enumerate() {
        if list[..i].iter().any(|o| o.name == m.name) {
            return Err(format!(
                "--wall-monitors: two monitors are named {:?}; give each its own name",
                m.name
            ));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_monitors_are_read_as_name_and_geometry_and_bad_ones_refused() {
        let m = parse_monitors("left=1920x1080+0+0,right=1920x1080+1920+0").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(
            (
                m[1].name.as_str(),
                m[1].index,
                m[1].x,
                m[1].y,
                m[1].width,
                m[1].height
            ),
            ("right", 1, 1920, 0, 1920, 1080)
        );
        for bad in [
            "left",
            "=1x1+0+0",
            "a=0x1080+0+0",
            "a=1920x1080+0",
            "a=1920x1080+x+0",
            "a=1x1+0+0,a=1x1+1+0",
        ] {
            assert!(parse_monitors(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_monitor_source(Some("@/run/wall/monitors")),
            Ok(MonitorSource::File("/run/wall/monitors".into()))
        );
        assert_eq!(parse_monitor_source(None), Ok(MonitorSource::System));
        assert!(parse_monitor_source(Some("@")).is_err());
    }

    /// A file that goes missing or holds a bad list (a half-written one) must not take the wall's
    /// windows away: the last good list stays.
    #[test]
    fn a_bad_or_missing_monitor_file_keeps_the_last_good_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("monitors");
        let mut looker = Looker::new(MonitorSource::File(path.clone()));
        assert_eq!(looker.given(), None, "no file yet: the system's monitors");
        std::fs::write(&path, "left=1920x1080+0+0\nright=1920x1080+1920+0\n").unwrap();
        let two = looker.given().expect("read");
        assert_eq!(two.len(), 2);
        std::fs::write(&path, "left=1920x1080+0+0").unwrap();
        assert_eq!(
            looker.given().expect("read").len(),
            1,
            "re-read at each look"
        );
        std::fs::write(&path, "left=1920x1080+0+0,right=1920x10").unwrap();
        assert_eq!(
            looker.given().expect("kept").len(),
            1,
            "a bad list is not taken"
        );
        assert!(looker
            .last_error
            .as_deref()
            .unwrap()
            .contains("NAME=WIDTHxHEIGHT+X+Y"));
        std::fs::write(&path, "\n").unwrap();
        assert_eq!(
            looker.given().expect("kept").len(),
            1,
            "an empty file is not taken"
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            looker.given().expect("kept").len(),
            1,
            "a missing file is not taken"
        );
        std::fs::write(&path, "left=1920x1080+0+0\nright=1920x1080+1920+0").unwrap();
        assert_eq!(looker.given(), Some(two));
        assert_eq!(looker.last_error, None);
    }
}
