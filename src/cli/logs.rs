//! `watchdesk logs`: the desk's log lines, oldest first, one per row: time, level word, service and
//! the line with every control character escaped (a line can never drive the terminal).

use std::process::ExitCode;

use anyhow::Result;

use watchdesk::desk::{Desk, LogsRequest};
use watchdesk::source::loki::MAX_LINE_BYTES;
use watchdesk::text::for_terminal as safe;
use watchdesk::time::local_datetime;

pub async fn logs(d: &Desk, req: &LogsRequest<'_>) -> Result<ExitCode> {
    let r = d.logs(req).await?;
    if let Some(note) = &r.note {
        outln!("{} (stale: from the cache)", safe(note));
    }
    for w in &r.warnings {
        eprintln!("watchdesk: {}", safe(w));
    }
    if r.lines.is_empty() && r.live {
        outln!(
            "no lines for this query in the last {}",
            safe(req.since.trim_start_matches('-'))
        );
    }
    for l in &r.lines {
        let who = ["service", "job", "app", "instance"]
            .iter()
            .find_map(|k| l.labels.get(*k))
            .map(String::as_str)
            .unwrap_or("-");
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
    Ok(ExitCode::SUCCESS)
}
