//! `watchdesk logs`: the desk's log lines, oldest first, one per row: time, level word, service and
//! the line with every control character escaped (a line can never drive the terminal).

use std::process::ExitCode;

use anyhow::Result;

use watchdesk::desk::{AlertLogsRequest, Desk, LogsReport, LogsRequest};
use watchdesk::source::loki::MAX_LINE_BYTES;
use watchdesk::text::for_terminal as safe;
use watchdesk::time::local_datetime;

pub async fn logs(d: &Desk, req: &LogsRequest<'_>) -> Result<ExitCode> {
    let r = d.logs(req).await?;
    let none = format!(
        "no lines for this query in the last {}",
        req.since.trim_start_matches('-')
    );
    print(&r, &none);
    Ok(ExitCode::SUCCESS)
}

/// `watchdesk logs --alert FP`: the query used, then the lines.
pub async fn alert_logs(d: &Desk, req: &AlertLogsRequest<'_>) -> Result<ExitCode> {
    let a = d.alert_logs(req).await?;
    outln!(
        "{} from {} to {}",
        safe(&a.query),
        local_datetime(a.from),
        if a.open {
            "now (still firing)".to_string()
        } else {
            local_datetime(a.to)
        }
    );
    print(
        &a.report,
        "no lines for this alert's service in that window",
    );
    Ok(ExitCode::SUCCESS)
}

fn print(r: &LogsReport, none: &str) {
    if let Some(note) = &r.note {
        outln!("{} (stale: from the cache)", safe(note));
    }
    for w in &r.warnings {
        eprintln!("watchdesk: {}", safe(w));
    }
    if r.lines.is_empty() && r.live {
        outln!("{none}");
    }
    for l in &r.lines {
        let who = Some(l.who()).filter(|w| !w.is_empty()).unwrap_or("-");
        let millis = l.at.rem_euclid(1000);
        outln!(
            "{}.{millis:03}  {:<7} {:<18} {}{}",
            local_datetime(l.at),
            l.level,
            safe(who),
            safe(&l.line),
            if l.truncated {
                format!(" [… cut at {} KiB]", MAX_LINE_BYTES / 1024)
            } else {
                String::new()
            }
        );
    }
}
