//! The shift log: every alert event since a time, for the handover (`watchdesk history`, the app's
//! Shift log view and its CSV export).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{Desk, DeskError};
use crate::cache::AlertEvent;
use crate::time::{now_ms, parse_time};

/// Where an export was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub path: PathBuf,
    pub events: usize,
}

impl Desk {
    /// The events of `source` (every configured source when `None`) since `since` (`-8h`,
    /// `now-12h`, RFC 3339), oldest first.
    pub fn shift_log(
        &self,
        source: Option<&str>,
        since: &str,
    ) -> Result<Vec<AlertEvent>, DeskError> {
        let from = parse_time(since, now_ms()).ok_or_else(|| DeskError::BadTime {
            what: "since",
            input: since.chars().take(64).collect(),
        })?;
        let mut events = Vec::new();
        for site in self.pick_sources(source)? {
            events.extend(self.cache.alert_events(Some(&site), None, from)?);
        }
        events.sort_by_key(|e| (e.at, e.id));
        Ok(events)
    }

    /// Writes the shift log since `since` as CSV (the `watchdesk history --csv` format) into `dir`
    /// under a new name (`watchdesk-shift-log-2026-11-30_2215.csv`, then `…-2.csv`): an export never
    /// overwrites an earlier one.
    pub fn export_shift_log(&self, since: &str, dir: &Path) -> Result<Export, DeskError> {
        let events = self.shift_log(None, since)?;
        let csv = crate::history::events_csv(&events);
        let stamp = super::file_stamp(now_ms());
        for k in 1..1000 {
            let name = if k == 1 {
                format!("watchdesk-shift-log-{stamp}.csv")
            } else {
                format!("watchdesk-shift-log-{stamp}-{k}.csv")
            };
            let path = dir.join(name);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path);
            match file {
                Ok(mut f) => {
                    f.write_all(csv.as_bytes())
                        .and_then(|()| f.sync_all())
                        .map_err(|e| DeskError::Io {
                            what: format!("cannot write {}", path.display()),
                            reason: format!(
                                "{e}; check the free space and permissions of the folder"
                            ),
                        })?;
                    return Ok(Export {
                        path,
                        events: events.len(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(DeskError::Io {
                        what: format!("cannot create {}", path.display()),
                        reason: format!("{e}; check the permissions of the folder"),
                    })
                }
            }
        }
        Err(DeskError::Io {
            what: format!("cannot find a free file name in {}", dir.display()),
            reason: "999 exports of this minute exist already".into(),
        })
    }
}
