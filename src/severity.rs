//! The severity of an alert, mapped from its `severity` label in one place for the alert list, the
//! tray, notifications, charts and the UI.
//!
//! Sites spell severities many ways (`page`, `P1`, `high`, `error`, `major`, `minor`…). Each common
//! spelling maps to one of five levels; anything else is [`Severity::Unknown`], which is shown and
//! counted, never dropped.

/// How urgent an alert is, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Critical,
    Warning,
    /// A missing or unrecognised severity label: between warning and info, never hidden.
    Unknown,
    Info,
    /// `severity="none"`: informational heartbeats and the like.
    None,
}

impl Severity {
    /// Every level, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::Warning,
        Severity::Unknown,
        Severity::Info,
        Severity::None,
    ];

    /// The level of a `severity` label value (case and surrounding blanks ignored).
    pub fn from_label(label: &str) -> Severity {
        let s = label.trim().to_ascii_lowercase();
        match s.as_str() {
            "critical" | "crit" | "page" | "pager" | "p1" | "sev1" | "emergency" | "emerg"
            | "alert" | "fatal" | "disaster" | "high" | "major" | "error" | "err" | "severe" => {
                Severity::Critical
            }
            "warning" | "warn" | "minor" | "medium" | "average" | "moderate" | "p2" | "p3"
            | "sev2" | "sev3" => Severity::Warning,
            "info" | "informational" | "information" | "notice" | "low" | "p4" | "p5" | "sev4"
            | "debug" => Severity::Info,
            "none" => Severity::None,
            _ => Severity::Unknown,
        }
    }

    /// The canonical word: `critical`, `warning`, `unknown`, `info`, `none` (also what the
    /// notification policy's `notify_severities` and `notify_sound` lists name).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Unknown => "unknown",
            Severity::Info => "info",
            Severity::None => "none",
        }
    }

    /// A canonical word back to its level (`None` for anything else).
    pub fn parse_word(word: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// Sort key: 0 for critical … 4 for none.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl Default for Severity {
    /// What an alert without a severity label has.
    fn default() -> Self {
        Severity::Unknown
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(label: &str, expect: Severity) {
        assert_eq!(Severity::from_label(label), expect, "{label:?}");
    }

    #[test]
    fn labels_and_their_aliases() {
        check("critical", Severity::Critical);
        check("CRITICAL", Severity::Critical);
        check(" page ", Severity::Critical);
        check("P1", Severity::Critical);
        check("high", Severity::Critical);
        check("error", Severity::Critical);
        check("major", Severity::Critical);
        check("warning", Severity::Warning);
        check("warn", Severity::Warning);
        check("minor", Severity::Warning);
        check("info", Severity::Info);
        check("low", Severity::Info);
        check("none", Severity::None);
        check("", Severity::Unknown);
        check("urgent-ish", Severity::Unknown);
    }

    #[test]
    fn order_puts_unknown_between_warning_and_info() {
        let mut v = vec![
            Severity::None,
            Severity::Info,
            Severity::Unknown,
            Severity::Warning,
            Severity::Critical,
        ];
        v.sort();
        assert_eq!(v, Severity::ALL.to_vec());
        for s in Severity::ALL {
            assert_eq!(Severity::parse_word(s.as_str()), Some(s));
        }
    }
}
