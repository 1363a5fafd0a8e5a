//! The payload of an alert's logs. Lines are server text: the UI inserts them as text; here their
//! control characters (ANSI sequences, bidi overrides) are written as visible escapes and a line is
//! cut for the screen, so one hostile line can neither restyle the view nor flood the webview.

use serde::Serialize;

use watchdesk::desk::{AlertLogs, LogEntry};
use watchdesk::text::for_terminal;

/// The most characters of one line sent to the view.
pub const SHOWN_CHARS: usize = 2000;

#[derive(Serialize)]
pub struct LogLineDto {
    pub at: i64,
    pub level: &'static str,
    /// The service (service, job, app or instance label).
    pub who: String,
    pub line: String,
    /// Cut by Loki's client, the cache or here.
    pub cut: bool,
}

#[derive(Serialize)]
pub struct AlertLogsDto {
    pub query: String,
    pub from: i64,
    pub to: i64,
    pub open: bool,
    pub live: bool,
    pub note: Option<String>,
    pub warnings: Vec<String>,
    /// Oldest first.
    pub lines: Vec<LogLineDto>,
}

fn line(e: &LogEntry) -> LogLineDto {
    let mut text = for_terminal(&e.line);
    let mut cut = e.truncated;
    if let Some((i, _)) = text.char_indices().nth(SHOWN_CHARS) {
        text.truncate(i);
        cut = true;
    }
    LogLineDto {
        at: e.at,
        level: e.level,
        who: for_terminal(e.who()),
        line: text,
        cut,
    }
}

impl From<AlertLogs> for AlertLogsDto {
    fn from(a: AlertLogs) -> Self {
        AlertLogsDto {
            query: a.query,
            from: a.from,
            to: a.to,
            open: a.open,
            live: a.report.live,
            note: a.report.note,
            warnings: a.report.warnings,
            lines: a.report.lines.iter().map(line).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_line_reaches_the_view_escaped_and_cut() {
        let e = LogEntry {
            at: 1,
            level: "error",
            labels: [("service".to_string(), "go\u{1b}[31mapi".to_string())].into(),
            line: format!("\u{1b}]0;pwned\u{7}<b>x</b>\u{202e}{}", "é".repeat(5000)),
            truncated: false,
        };
        let d = line(&e);
        assert!(
            !d.line.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{:?}",
            &d.line[..40]
        );
        assert!(
            d.line.contains("<b>x</b>"),
            "markup stays text for the UI to insert as text"
        );
        assert_eq!(d.line.chars().count(), SHOWN_CHARS);
        assert!(d.cut);
        assert!(!d.who.contains('\u{1b}'));
    }
}
