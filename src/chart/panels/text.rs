//! Text panels and the "not supported: <type>" box.

use super::super::draw::{fit, size_to_fit, text_width, Align, Canvas, DResult, Rect};
use super::super::theme::{self};
use plotters::prelude::DrawingBackend;

/// Text panel: the content as plain, wrapped text.
pub(crate) fn text<DB: DrawingBackend>(cv: &Canvas<DB>, content: &str, r: Rect) -> DResult {
    let px = 14.0;
    let line_h = 20;
    let max_lines = (r.h / line_h).max(1) as usize;
    let lines = wrap(content, px, r.w as f64);
    let n = lines.len();
    for (i, line) in lines.iter().take(max_lines).enumerate() {
        let y = r.y + i as i32 * line_h + line_h / 2;
        let s = if i + 1 == max_lines && n > max_lines {
            format!("{line} …")
        } else {
            line.clone()
        };
        cv.text_fit(&s, r.x, y, px, theme::TEXT, Align::Left, false, r.w)?;
    }
    Ok(())
}

/// Word-wraps `s` to `max_w` pixels; very long words are cut.
fn wrap(s: &str, px: f64, max_w: f64) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, px) <= max_w || line.is_empty() {
                line = candidate;
            } else {
                out.push(std::mem::take(&mut line));
                line = word.to_string();
            }
        }
        out.push(fit(&line, px, max_w));
        if out.len() > 500 {
            break;
        }
    }
    out
}

/// "not supported: <type>" box for panel types Watchdesk does not draw.
pub(crate) fn unsupported<DB: DrawingBackend>(cv: &Canvas<DB>, kind: &str, r: Rect) -> DResult {
    let b = r.inset(4);
    let (x0, x1, y0, y1) = (b.x, b.right(), b.y, b.bottom());
    cv.dashed_hline(x0, x1, y0, theme::MUTED, 1)?;
    cv.dashed_hline(x0, x1, y1, theme::MUTED, 1)?;
    cv.line(vec![(x0, y0), (x0, y1)], theme::GRID, 1)?;
    cv.line(vec![(x1, y0), (x1, y1)], theme::GRID, 1)?;
    let kind = if kind.trim().is_empty() {
        "(unknown panel type)"
    } else {
        kind.trim()
    };
    let msg = format!("not supported: {kind}");
    let px = size_to_fit(&msg, b.w as f64 * 0.9, 16.0);
    cv.text_fit(
        &msg,
        b.cx(),
        b.cy() - 8,
        px,
        theme::TEXT,
        Align::Center,
        true,
        b.w - 8,
    )?;
    cv.text_fit(
        "Watchdesk does not draw this panel type",
        b.cx(),
        b.cy() + 14,
        12.0,
        theme::MUTED,
        Align::Center,
        false,
        b.w - 8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_wrap(s: &str, max_w: f64, expect: &[&str]) {
        assert_eq!(wrap(s, 10.0, max_w), expect);
    }

    #[test]
    fn wrapping() {
        check_wrap("aaa bbb ccc", 35.0, &["aaa", "bbb", "ccc"]);
        check_wrap("aaa bbb ccc", 100.0, &["aaa bbb ccc"]);
        check_wrap("one\n\ntwo", 100.0, &["one", "", "two"]);
        check_wrap("", 100.0, &[]);
    }
}
