//! Bar gauge panels: one bar per series.

use super::super::draw::{Align, Canvas, DResult, Rect};
use super::super::theme::{self};
use super::super::{draw_no_data, ChartSpec};
use super::*;
use plotters::prelude::DrawingBackend;

/// Bar gauge panel: one horizontal bar per series with name, value and state word.
pub(crate) fn bar_gauge<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let vals = reduced(spec);
    if vals.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let (lo, hi) = value_range(spec, &vals);
    let row_h = (r.h / vals.len() as i32).clamp(22, 44);
    let fit_rows = (r.h / row_h).max(1) as usize;
    let (shown, hidden) = if vals.len() > fit_rows {
        (fit_rows - 1, vals.len() - fit_rows + 1)
    } else {
        (vals.len(), 0)
    };
    let name_w = (r.w as f64 * 0.28) as i32;
    let value_w = (r.w as f64 * 0.24).clamp(60.0, 200.0) as i32;
    let px = (row_h as f64 * 0.45).clamp(11.0, 16.0);
    for (i, rv) in vals.iter().take(shown).enumerate() {
        let y = r.y + i as i32 * row_h;
        let cy = y + row_h / 2;
        let (color, text, state) = value_look(spec, rv.value);
        let color = cv.data(color);
        cv.text_fit(
            &rv.name,
            r.x,
            cy,
            px,
            theme::TEXT,
            Align::Left,
            false,
            name_w - 8,
        )?;
        let bar = Rect::new(
            r.x + name_w,
            y + row_h / 5,
            r.w - name_w - value_w - 8,
            row_h - 2 * (row_h / 5),
        );
        cv.fill(bar, theme::TRACK)?;
        if let Some(v) = rv.value.filter(|v| !v.is_nan()) {
            let fw = (bar.w as f64 * fraction(v, lo, hi)).round() as i32;
            cv.fill(Rect::new(bar.x, bar.y, fw, bar.h), color)?;
        }
        let label = match state {
            Some(s) => format!("{text}  {}", s.word()),
            None => text,
        };
        cv.text_fit(
            &label,
            r.right(),
            cy,
            px,
            color,
            Align::Right,
            true,
            value_w,
        )?;
    }
    if hidden > 0 {
        let y = r.y + shown as i32 * row_h + row_h / 2;
        cv.text(
            &format!("+{hidden} more"),
            r.x,
            y,
            px,
            theme::MUTED,
            Align::Left,
            true,
        )?;
    }
    Ok(())
}
