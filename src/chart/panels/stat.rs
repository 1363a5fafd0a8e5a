//! Stat panels: one tile per series, value coloured by thresholds.

use super::super::draw::{size_to_fit, Align, Canvas, DResult, Rect};
use super::super::theme::{self};
use super::super::ChartSpec;
use super::*;
use plotters::prelude::DrawingBackend;

/// Stat panel: one tile per series with the reduced value large, coloured, with its state word.
pub(crate) fn stat<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let mut vals = reduced(spec);
    if vals.is_empty() {
        vals.push(Reduced {
            name: String::new(),
            value: None,
        });
    }
    let shown = cap_tiles(r, vals.len(), 90, 60);
    let hidden = vals.len() - shown;
    let tiles = grid(r, if hidden > 0 { shown } else { vals.len() }, 2.2, 6);
    let count = tiles.len();
    for (k, (tile, rv)) in tiles.into_iter().zip(&vals).enumerate() {
        if hidden > 0 && k + 1 == count {
            cv.fill(tile, TILE)?;
            let msg = format!("+{} more", hidden + 1);
            cv.text_fit(
                &msg,
                tile.cx(),
                tile.cy(),
                16.0,
                theme::MUTED,
                Align::Center,
                true,
                tile.w - 8,
            )?;
            continue;
        }
        stat_tile(cv, spec, tile, rv, vals.len())?;
    }
    Ok(())
}

fn stat_tile<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    t: Rect,
    rv: &Reduced,
    count: usize,
) -> DResult {
    use crate::dashboard::options::TextMode;
    let (color, text, state) = value_look(spec, rv.value);
    // Grafana's textMode: `auto` names a value only when several are shown.
    let mode = spec.options.stat.text_mode;
    let show_name = match mode {
        TextMode::Auto => count > 1,
        TextMode::ValueAndName => true,
        TextMode::Value | TextMode::Name | TextMode::None => false,
    };
    let text = match mode {
        TextMode::Name => rv.name.clone(),
        TextMode::None => String::new(),
        _ => text,
    };
    let color = cv.data(color);
    cv.fill(t, TILE)?;
    cv.fill(Rect::new(t.x, t.y, 6.min(t.w), t.h), color)?;
    let inner = Rect::new(t.x + 10, t.y + 4, t.w - 14, t.h - 8);
    let mut top = inner.y;
    if show_name && !rv.name.trim().is_empty() && inner.h > 50 {
        let px = (inner.h as f64 * 0.14).clamp(11.0, 16.0);
        cv.text_fit(
            &rv.name,
            inner.cx(),
            top + px as i32,
            px,
            theme::MUTED,
            Align::Center,
            false,
            inner.w,
        )?;
        top += (px * 1.8) as i32;
    }
    let avail = Rect::new(inner.x, top, inner.w, inner.bottom() - top);
    let has_state = state.is_some() && avail.h > 40;
    let value_h = if has_state {
        avail.h as f64 * 0.6
    } else {
        avail.h as f64 * 0.8
    };
    let px = size_to_fit(&text, avail.w as f64 * 0.92, value_h.clamp(8.0, 120.0));
    let word_px = (px * 0.32).clamp(11.0, 26.0);
    let block = px + if has_state { word_px * 1.6 } else { 0.0 };
    let vy = avail.y + ((avail.h as f64 - block) / 2.0 + px / 2.0) as i32;
    cv.text_fit(
        &text,
        avail.cx(),
        vy,
        px,
        color,
        Align::Center,
        true,
        avail.w,
    )?;
    if let (true, Some(s)) = (has_state, state) {
        let wy = vy + (px / 2.0 + word_px) as i32;
        cv.text_fit(
            &state_label(s),
            avail.cx(),
            wy,
            word_px,
            color,
            Align::Center,
            true,
            avail.w,
        )?;
    }
    Ok(())
}
