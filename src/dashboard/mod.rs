//! Grafana dashboards: the JSON model (classic, and Grafana 12's v2 schema) parsed into the engine's
//! own [`Dashboard`], template variables ([`resolve_variables`], [`Interp`]) and legends ([`legend`]).
//!
//! Parsing is forgiving: only text that is not JSON, or JSON that is not a dashboard, is an error.
//! Everything else degrades (an unsupported panel becomes [`PanelKind::Unsupported`], a bad field
//! gets its default) and is reported as an [`Issue`] the UI can list.

pub mod adhoc;
pub mod field;
pub mod layout;
mod legend;
mod model;
pub mod options;
mod parse;
#[cfg(test)]
mod parse_tests;
pub mod support;
mod template;
pub mod transform;
mod v2;

use std::fmt;
use std::path::{Path, PathBuf};

pub use legend::{legend, legend_or_expr};
pub use model::{
    Dashboard, DatasourceRef, GridPos, MappingMatch, Panel, PanelKind, Query, QueryFormat, Repeat,
    Row, ThresholdStep, Thresholds, ValueMapping, VarHide, VarKind, Variable,
};
pub use parse::parse;
pub use template::{
    apply_regex, interval_ms, parse_var_query, rate_interval_ms, resolve_cached, resolve_offline,
    resolve_variables, Interp, RegexError, VarQuery, VarValue, VarValues, DEFAULT_SCRAPE_MS,
};

/// Why a dashboard could not be read at all. Smaller problems are [`Issue`]s.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DashboardError {
    #[error("the dashboard is not valid JSON ({reason}). Export it again from Grafana (Share > Export > Save to file) or fix the JSON")]
    NotJson { reason: String },
    #[error("this JSON is not a Grafana dashboard ({reason}). Use a dashboard's JSON model (Dashboard settings > JSON Model) or an export from Grafana")]
    NotDashboard { reason: String },
    #[error("cannot read dashboard file {path}: {reason}. Check the path in the config and the file's permissions")]
    Read { path: PathBuf, reason: String },
    #[error("dashboard file {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: Box<DashboardError>,
    },
}

/// What kind of degradation an [`Issue`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// A panel type, variable type or feature Watchdesk does not implement.
    Unsupported,
    /// A query for a data source other than Prometheus (Loki, expressions...): kept, not run.
    NotPrometheus,
    /// A field with the wrong type or a value out of range (a default or clamped value is used).
    Invalid,
    /// A required field is missing (a default is used, or the item is skipped).
    Missing,
    /// A duplicate panel id or variable name.
    Duplicate,
    /// The metrics source failed while resolving a variable; the saved value is kept.
    Source,
    /// Options the panel sets that Watchdesk does not draw yet (the panel is drawn without them).
    Ignored,
}

/// A non-fatal problem found in a dashboard or while resolving its variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub kind: IssueKind,
    /// The panel concerned: id and title.
    pub panel: Option<(i64, String)>,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.panel {
            Some((id, title)) => write!(f, "panel {id} {title:?}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Reads and parses a dashboard file; errors name the file.
pub fn load(path: impl AsRef<Path>) -> Result<(Dashboard, Vec<Issue>), DashboardError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| DashboardError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse(&text).map_err(|e| DashboardError::File {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_names_the_file() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let missing = dir.path().join("nope.json");
        let err = load(&missing)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("nope.json"), "{err}");

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"panels\": [").ok();
        let err = load(&bad).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.contains("bad.json") && err.contains("not valid JSON"),
            "{err}"
        );

        let good = dir.path().join("good.json");
        std::fs::write(&good, r#"{"title": "T", "panels": []}"#).ok();
        let (d, issues) = match load(&good) {
            Ok(x) => x,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.title, "T");
        assert!(issues.is_empty());
    }
}
