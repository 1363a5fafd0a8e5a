//! Table panels: one row per series.

use super::super::draw::{Align, Canvas, DResult, Rect};
use super::super::theme::{self};
use super::super::{draw_no_data, ChartSpec};
use super::*;
use plotters::prelude::DrawingBackend;

/// Table panel: series name, reduced value, state.
pub(crate) fn table<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let vals = reduced(spec);
    if vals.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let px = 13.0;
    let row_h = 24;
    let value_w = (r.w as f64 * 0.25).clamp(70.0, 180.0) as i32;
    let state_w = if r.w > 300 { 90 } else { 0 };
    let name_w = r.w - value_w - state_w;
    let vx = r.x + name_w + value_w - 8;
    let sx = r.x + name_w + value_w + 8;
    cv.text(
        "Series",
        r.x + 6,
        r.y + row_h / 2,
        px,
        theme::MUTED,
        Align::Left,
        true,
    )?;
    cv.text(
        "Value",
        vx,
        r.y + row_h / 2,
        px,
        theme::MUTED,
        Align::Right,
        true,
    )?;
    if state_w > 0 {
        cv.text(
            "State",
            sx,
            r.y + row_h / 2,
            px,
            theme::MUTED,
            Align::Left,
            true,
        )?;
    }
    cv.line(
        vec![(r.x, r.y + row_h), (r.right(), r.y + row_h)],
        theme::GRID,
        1,
    )?;
    let rows_fit = ((r.h - row_h) / row_h).max(0) as usize;
    let (shown, hidden) = if vals.len() > rows_fit {
        (
            rows_fit.saturating_sub(1),
            vals.len() - rows_fit.saturating_sub(1),
        )
    } else {
        (vals.len(), 0)
    };
    for (i, rv) in vals.iter().take(shown).enumerate() {
        let y = r.y + (i as i32 + 1) * row_h;
        if i % 2 == 1 {
            cv.fill(Rect::new(r.x, y, r.w, row_h), TILE)?;
        }
        let cy = y + row_h / 2;
        let (color, text, state) = value_look(spec, rv.value);
        let color = cv.data(color);
        cv.text_fit(
            &rv.name,
            r.x + 6,
            cy,
            px,
            theme::TEXT,
            Align::Left,
            false,
            name_w - 12,
        )?;
        let value_color = if state.is_some() { color } else { theme::TEXT };
        cv.text_fit(
            &text,
            vx,
            cy,
            px,
            value_color,
            Align::Right,
            true,
            value_w - 8,
        )?;
        if let (true, Some(s)) = (state_w > 0, state) {
            cv.text_fit(
                &state_label(s),
                sx,
                cy,
                px,
                color,
                Align::Left,
                true,
                state_w - 8,
            )?;
        }
    }
    if hidden > 0 {
        let y = r.y + (shown as i32 + 1) * row_h + row_h / 2;
        if y < r.bottom() + row_h / 2 {
            cv.text(
                &format!("+{hidden} more rows"),
                r.x + 6,
                y,
                px,
                theme::MUTED,
                Align::Left,
                true,
            )?;
        }
    }
    Ok(())
}
