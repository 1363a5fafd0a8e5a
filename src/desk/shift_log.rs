//! The shift log: every alert event since a time, for the handover (`watchdesk history`, the app's
//! Shift log view and its CSV export).

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
        let base = format!("watchdesk-shift-log-{}", super::file_stamp(now_ms()));
        let path = super::write_new(dir, &base, "csv", csv.as_bytes())?;
        Ok(Export {
            path,
            events: events.len(),
        })
    }
}
