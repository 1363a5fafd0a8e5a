//! Alert list panels.

use super::super::draw::{size_to_fit, text_width_bold, Align, Canvas, DResult, Rect};
use super::super::theme::{self, State};
use super::super::{AlertRow, ChartSpec};
use super::*;
use crate::severity::Severity;
use plotters::prelude::DrawingBackend;

/// The colour state of an alert's severity (labels are mapped by `Severity::from_label`).
pub fn severity_state(severity: Severity) -> State {
    match severity {
        Severity::Critical => State::Crit,
        Severity::Warning => State::Warn,
        Severity::Info | Severity::None => State::Info,
        Severity::Unknown => State::Unknown,
    }
}

/// "just now", "45 s", "5 min", "3 h 20 min", "2 d 4 h"; "—" for unknown or future times.
pub fn format_age(ms: i64) -> String {
    if ms < 0 {
        return "—".into();
    }
    let s = ms / 1000;
    match s {
        0..=9 => "just now".into(),
        10..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => {
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{} h", s / 3600)
            } else {
                format!("{} h {} min", s / 3600, m)
            }
        }
        _ => {
            let h = (s % 86_400) / 3600;
            if h == 0 {
                format!("{} d", s / 86_400)
            } else {
                format!("{} d {} h", s / 86_400, h)
            }
        }
    }
}

fn is_silenced(a: &AlertRow) -> bool {
    matches!(
        a.state.trim().to_ascii_lowercase().as_str(),
        "suppressed" | "silenced" | "acknowledged" | "acked"
    )
}

/// Alert rows sorted by severity (CRIT, WARN, UNKNOWN, INFO), then newest first.
pub fn sort_alerts(alerts: &[AlertRow]) -> Vec<&AlertRow> {
    let mut rows: Vec<&AlertRow> = alerts.iter().collect();
    rows.sort_by(|a, b| {
        severity_state(a.severity)
            .cmp(&severity_state(b.severity))
            .then(b.since.cmp(&a.since))
            .then(a.name.cmp(&b.name))
    });
    rows
}

/// Alert list panel: a summary line, then one row per alert.
pub(crate) fn alert_list<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    r: Rect,
) -> DResult {
    if spec.alerts.is_empty() {
        let msg = spec
            .no_value
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("No alerts");
        let px = size_to_fit(msg, r.w as f64 * 0.8, 20.0);
        return cv.text_fit(
            msg,
            r.cx(),
            r.cy(),
            px,
            theme::NO_DATA,
            Align::Center,
            true,
            r.w,
        );
    }
    let rows = sort_alerts(&spec.alerts);
    let px = 14.0;
    let row_h = 30;
    // Summary: counts per state, silenced apart.
    let mut summary = Vec::new();
    for st in [State::Crit, State::Warn, State::Unknown, State::Info] {
        let n = rows
            .iter()
            .filter(|a| severity_state(a.severity) == st && !is_silenced(a))
            .count();
        if n > 0 {
            summary.push((format!("{n} {}", st.word()), st.color()));
        }
    }
    let silenced = rows.iter().filter(|a| is_silenced(a)).count();
    if silenced > 0 {
        summary.push((format!("{silenced} silenced"), theme::MUTED));
    }
    let mut x = r.x;
    for (s, c) in &summary {
        cv.text(s, x, r.y + 9, px, cv.data(*c), Align::Left, true)?;
        x += text_width_bold(s, px) as i32 + 18;
    }
    let top = r.y + 22;
    let rows_fit = ((r.bottom() - top) / row_h).max(0) as usize;
    let (shown, hidden) = if rows.len() > rows_fit {
        (
            rows_fit.saturating_sub(1),
            rows.len() - rows_fit.saturating_sub(1),
        )
    } else {
        (rows.len(), 0)
    };
    // Columns: stripe, severity word, name, labels, since, summary (dropped when narrow).
    let sev_w = 118;
    let since_w = if r.w > 360 { 124 } else { 0 };
    let rest = r.w - 8 - sev_w - since_w;
    let (name_w, labels_w, sum_w) = if r.w > 700 {
        (
            (rest as f64 * 0.38) as i32,
            (rest as f64 * 0.17) as i32,
            rest - (rest as f64 * 0.55) as i32,
        )
    } else if r.w > 450 {
        (
            (rest as f64 * 0.55) as i32,
            rest - (rest as f64 * 0.55) as i32,
            0,
        )
    } else {
        (rest, 0, 0)
    };
    for (i, a) in rows.iter().take(shown).enumerate() {
        let y = top + i as i32 * row_h;
        let cy = y + row_h / 2;
        let st = severity_state(a.severity);
        let silenced = is_silenced(a);
        let resolved = a.state.trim().eq_ignore_ascii_case("resolved");
        let muted = silenced || resolved;
        let c = cv.data(if muted {
            st.color().mix(theme::NO_DATA, 0.6)
        } else {
            st.color()
        });
        if i % 2 == 1 {
            cv.fill(Rect::new(r.x, y, r.w, row_h), TILE)?;
        }
        cv.fill(Rect::new(r.x, y + 3, 5, row_h - 6), c)?;
        let mut x = r.x + 12;
        cv.text(
            &format!("{} {}", st.symbol(), st.word()),
            x,
            cy,
            px,
            c,
            Align::Left,
            true,
        )?;
        x += sev_w - 4;
        let name_c = if muted { theme::MUTED } else { theme::TEXT };
        let mut name = if a.name.trim().is_empty() {
            "(unnamed alert)".to_string()
        } else {
            a.name.clone()
        };
        if silenced {
            name.insert_str(0, "SILENCED · ");
        } else if resolved {
            name.insert_str(0, "RESOLVED · ");
        }
        cv.text_fit(&name, x, cy, px, name_c, Align::Left, true, name_w - 10)?;
        x += name_w;
        if labels_w > 0 {
            cv.text_fit(
                &a.labels,
                x,
                cy,
                px,
                theme::MUTED,
                Align::Left,
                false,
                labels_w - 10,
            )?;
            x += labels_w;
        }
        if since_w > 0 {
            let since = if a.since > 0 {
                format!("since {}", format_age(spec.now.saturating_sub(a.since)))
            } else {
                "since —".into()
            };
            cv.text_fit(
                &since,
                x,
                cy,
                px,
                theme::MUTED,
                Align::Left,
                false,
                since_w - 8,
            )?;
            x += since_w;
        }
        if sum_w > 0 {
            cv.text_fit(&a.summary, x, cy, px, name_c, Align::Left, false, sum_w - 4)?;
        }
    }
    if hidden > 0 {
        let more: Vec<&&AlertRow> = rows.iter().skip(shown).collect();
        let crit = more
            .iter()
            .filter(|a| severity_state(a.severity) == State::Crit)
            .count();
        let msg = if crit > 0 {
            format!("+{hidden} more alerts ({crit} CRIT)")
        } else {
            format!("+{hidden} more alerts")
        };
        let y = top + shown as i32 * row_h + row_h / 2;
        let c = if crit > 0 {
            cv.data(theme::CRIT)
        } else {
            theme::MUTED
        };
        cv.text_fit(&msg, r.x + 12, y, px, c, Align::Left, true, r.w - 12)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_age(ms: i64, expect: &str) {
        assert_eq!(format_age(ms), expect);
    }

    #[test]
    fn ages() {
        check_age(-5, "—");
        check_age(3_000, "just now");
        check_age(45_000, "45 s");
        check_age(300_000, "5 min");
        check_age(3_600_000, "1 h");
        check_age(12_000_000, "3 h 20 min");
        check_age(187_200_000, "2 d 4 h");
    }

    #[track_caller]
    fn check_sev(s: &str, expect: State) {
        assert_eq!(severity_state(Severity::from_label(s)), expect, "{s:?}");
    }

    #[test]
    fn severities() {
        check_sev("critical", State::Crit);
        check_sev(" CRITICAL ", State::Crit);
        check_sev("warning", State::Warn);
        check_sev("info", State::Info);
        check_sev("", State::Unknown);
        check_sev("performance", State::Unknown);
    }

    #[test]
    fn alert_order() {
        let row = |sev: &str, name: &str, since: i64| AlertRow {
            severity: Severity::from_label(sev),
            name: name.into(),
            since,
            ..Default::default()
        };
        let alerts = vec![
            row("info", "I", 5),
            row("", "U", 5),
            row("warning", "W", 5),
            row("critical", "C-old", 1),
            row("critical", "C-new", 9),
        ];
        let names: Vec<&str> = sort_alerts(&alerts)
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["C-new", "C-old", "W", "U", "I"]);
    }
}
