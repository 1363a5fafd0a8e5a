//! Gauge panels: an arc per value from min to max, the threshold bands as an outer ring
//! (`showThresholdMarkers`) and their values around it (`showThresholdLabels`).

use super::super::draw::{size_to_fit, Align, Canvas, DResult, Rect};
use super::super::theme::{self};
use super::super::{format_value, ChartSpec};
use super::display::Look;
use super::*;
use plotters::prelude::DrawingBackend;

/// Gauge panel: a 240° arc per series from min to max, threshold bands outside, value inside.
pub(crate) fn gauge<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let mut vals = field_values(spec);
    if vals.is_empty() {
        vals.push(no_data_value(spec));
    }
    // Grafana names a gauge only when there are several (its `{}` label set is no name).
    if vals.len() == 1 {
        vals[0].name.clear();
    }
    let shown = cap_tiles(r, vals.len(), 110, 90);
    let hidden = vals.len() - shown;
    let tiles = match spec.options.stat.orientation {
        crate::dashboard::options::Orientation::Horizontal => line_of(r, shown, false, 8),
        crate::dashboard::options::Orientation::Vertical => line_of(r, shown, true, 8),
        _ => grid(r, shown, 8),
    };
    let count = tiles.len();
    for (k, (tile, rv)) in tiles.into_iter().zip(&vals).enumerate() {
        if hidden > 0 && k + 1 == count {
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
        gauge_tile(cv, spec, tile, rv)?;
    }
    Ok(())
}

fn gauge_tile<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    t: Rect,
    rv: &FieldValue,
) -> DResult {
    let look: &Look = &rv.look;
    let shown = look.show(rv.value);
    let (text, state) = (shown.text, shown.state);
    let color = cv.data(shown.color);
    let (lo, hi) = (look.lo, look.hi);
    let markers = spec.options.gauge.show_threshold_markers;
    let labels = spec.options.gauge.show_threshold_labels;
    let mut top = t.y;
    let name_px = 13.0;
    if !rv.name.trim().is_empty() && t.h > 60 {
        cv.text_fit(
            &rv.name,
            t.cx(),
            top + 9,
            name_px,
            theme::MUTED,
            Align::Center,
            false,
            t.w,
        )?;
        top += 20;
    }
    let avail_h = (t.bottom() - top) as f64;
    // Threshold labels sit outside the ring: leave them room.
    let label_room = if labels { 26.0 } else { 4.0 };
    let radius =
        (t.w as f64 / 2.0 - label_room).min(avail_h / 1.55 - 2.0 - if labels { 14.0 } else { 0.0 });
    if radius < 12.0 {
        return cv.text_fit(&text, t.cx(), t.cy(), 13.0, color, Align::Center, true, t.w);
    }
    let cx = t.cx() as f64;
    let cy = top as f64 + 2.0 + radius + if labels { 14.0 } else { 0.0 };
    let arc = |f0: f64, f1: f64, r0: f64, r1: f64| -> Vec<(i32, i32)> {
        let a0 = 210f64 - 240.0 * f0;
        let a1 = 210f64 - 240.0 * f1;
        let n = (((a0 - a1).abs() / 3.0).ceil() as usize).max(1);
        let mut pts = Vec::with_capacity(2 * n + 2);
        for i in 0..=n {
            let a = (a0 + (a1 - a0) * i as f64 / n as f64).to_radians();
            pts.push((
                (cx + r1 * a.cos()).round() as i32,
                (cy - r1 * a.sin()).round() as i32,
            ));
        }
        for i in (0..=n).rev() {
            let a = (a0 + (a1 - a0) * i as f64 / n as f64).to_radians();
            pts.push((
                (cx + r0 * a.cos()).round() as i32,
                (cy - r0 * a.sin()).round() as i32,
            ));
        }
        pts
    };
    let band_w = if markers {
        (radius * 0.07).max(3.0)
    } else {
        0.0
    };
    let bar_r1 = radius - band_w - if markers { 3.0 } else { 0.0 };
    let bar_r0 = bar_r1 - (radius * 0.2).max(6.0);
    cv.polygon(arc(0.0, 1.0, bar_r0, bar_r1), theme::TRACK)?;
    let has_value = rv.value.is_some_and(|v| !v.is_nan());
    let bands = if markers { look.bands() } else { Vec::new() };
    for &(a, b, c) in &bands {
        // Without a value the scale is greyed: a no-data gauge must not look healthy.
        let c = if has_value {
            c
        } else {
            c.mix(theme::TRACK, 0.7)
        };
        cv.polygon(
            arc(look.fraction(a), look.fraction(b), radius - band_w, radius),
            cv.data(c),
        )?;
    }
    if labels {
        // The value at the start of each band but the first, outside the ring.
        for &(a, _, _) in bands.iter().skip(1) {
            let ang = (210f64 - 240.0 * look.fraction(a)).to_radians();
            let lr = radius + 12.0;
            cv.text(
                &format_value(a, &look.unit, look.decimals),
                (cx + lr * ang.cos()) as i32,
                (cy - lr * ang.sin()) as i32,
                10.0,
                theme::MUTED,
                Align::Center,
                false,
            )?;
        }
    }
    if let Some(v) = rv.value.filter(|v| !v.is_nan()) {
        let f = look.fraction(v);
        if f > 0.0 {
            cv.polygon(arc(0.0, f, bar_r0, bar_r1), color)?;
        }
    }
    let inner_w = bar_r0 * 1.7;
    let px = size_to_fit(&text, inner_w, (radius * 0.42).clamp(8.0, 90.0));
    cv.text_fit(
        &text,
        cx as i32,
        cy as i32,
        px,
        color,
        Align::Center,
        true,
        (bar_r0 * 2.0) as i32,
    )?;
    if let Some(s) = state {
        let wp = (px * 0.4).clamp(10.0, 22.0);
        let wy = cy + px * 0.5 + wp * 1.1;
        cv.text_fit(
            &state_label(s),
            cx as i32,
            wy as i32,
            wp,
            color,
            Align::Center,
            true,
            (bar_r0 * 1.8) as i32,
        )?;
    }
    // With threshold labels, min and max under the arc ends too (Grafana labels both ends).
    let end_y = (cy + radius * 0.5 + 10.0) as i32;
    if labels && end_y + 6 <= t.bottom() + 4 {
        let lx = (cx - radius * 0.87) as i32;
        let rx = (cx + radius * 0.87) as i32;
        cv.text(
            &format_value(lo, &look.unit, look.decimals),
            lx,
            end_y,
            11.0,
            theme::MUTED,
            Align::Center,
            false,
        )?;
        cv.text(
            &format_value(hi, &look.unit, look.decimals),
            rx,
            end_y,
            11.0,
            theme::MUTED,
            Align::Center,
            false,
        )?;
    }
    Ok(())
}
