//! Logs panels: one row per line, newest first unless the panel sorts ascending, as many as fit.
//! Each row has its level's colour bar (the word too when the time is shown), optionally the time
//! and the labels that not every line shares, then the line, cut to the width. The line's text
//! is data: control characters are shown as escapes (`text::for_terminal`) and the SVG backend
//! escapes markup.

use super::super::draw::{size_to_fit, text_width, Align, Canvas, DResult, Rect};
use super::super::theme;
use super::super::{ChartSpec, LogRow};
use plotters::prelude::DrawingBackend;

/// Height of one row, pixels.
pub const ROW_H: i32 = 18;

/// The colour of a level word (`error`, `warn`, `info`, `debug`, `unknown`).
pub fn level_color(level: &str) -> theme::Rgb {
    match level {
        "error" => theme::CRIT,
        "warn" => theme::ORANGE,
        "info" => theme::OK,
        "debug" => theme::BLUE,
        _ => theme::NO_DATA,
    }
}

/// How many rows a body `h` pixels high shows.
pub fn rows_that_fit(h: u32) -> usize {
    (h as i32 / ROW_H).max(1) as usize
}

pub(crate) fn logs<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    if spec.logs.is_empty() {
        let msg = super::super::no_value_text(spec);
        let px = size_to_fit(&msg, r.w as f64 * 0.8, 16.0);
        return cv.text_fit(
            &msg,
            r.cx(),
            r.cy(),
            px,
            theme::NO_DATA,
            Align::Center,
            false,
            r.w,
        );
    }
    let o = &spec.options.logs;
    let px = 12.0;
    let mut rows: Vec<&LogRow> = spec.logs.iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.at));
    rows.truncate(rows_that_fit(r.h as u32));
    if !o.newest_first {
        rows.reverse();
    }
    for (i, row) in rows.iter().enumerate() {
        let y = r.y + i as i32 * ROW_H;
        let cy = y + ROW_H / 2;
        cv.fill(
            Rect::new(r.x, y + 2, 3, ROW_H - 4),
            cv.data(level_color(row.level)),
        )?;
        let mut x = r.x + 8;
        if o.show_time {
            let t = crate::time::local_datetime(row.at);
            let t = t.get(11..19).unwrap_or(&t);
            cv.text(t, x, cy, px, theme::MUTED, Align::Left, false)?;
            x += text_width(t, px) as i32 + 8;
            cv.text(
                row.level,
                x,
                cy,
                px,
                cv.data(level_color(row.level)),
                Align::Left,
                true,
            )?;
            x += text_width("unknown", px) as i32 + 6;
        }
        if o.show_labels && !row.labels.is_empty() {
            let w = (text_width(&row.labels, px) as i32).min((r.right() - x) / 3);
            cv.text_fit(&row.labels, x, cy, px, theme::INFO, Align::Left, false, w)?;
            x += w + 8;
        }
        if x < r.right() {
            let line = crate::text::for_terminal(&row.line);
            cv.text_fit(
                &line,
                x,
                cy,
                px,
                theme::TEXT,
                Align::Left,
                false,
                r.right() - x,
            )?;
        }
    }
    Ok(())
}
