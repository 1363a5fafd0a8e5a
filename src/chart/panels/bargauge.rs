//! Bar gauge panels as Grafana's `BarGauge` draws them: one bar per value, horizontal rows or
//! vertical columns (`orientation`, auto: columns when the panel is wider than tall), display
//! modes basic / gradient / lcd, `showUnfilled`, `valueMode` and `namePlacement`.

use super::super::draw::{text_width_bold, Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::{draw_no_data, ChartSpec};
use super::display::Look;
use super::look::over_panel;
use super::*;
use crate::dashboard::options::{BarDisplay, BarValueMode, NamePlacement, Orientation};
use plotters::prelude::DrawingBackend;

/// Bar gauge panel.
pub(crate) fn bar_gauge<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let vals = field_values(spec);
    if vals.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let o = &spec.options.bar_gauge;
    let vertical = match o.orientation {
        Orientation::Vertical => true,
        Orientation::Horizontal => false,
        Orientation::Auto => r.w > r.h,
    };
    let gap = if o.display == BarDisplay::Lcd { 2 } else { 10 };
    let (min_cell, n) = (if vertical { 24 } else { 16 }, vals.len() as i32);
    let room = if vertical { r.w } else { r.h };
    let fit = ((room + gap) / (min_cell + gap)).max(1);
    let (shown, hidden) = if n > fit {
        (fit - 1, n - fit + 1)
    } else {
        (n, 0)
    };
    let cells = line_of(r, (shown + i32::from(hidden > 0)) as usize, vertical, gap);
    for (i, cell) in cells.iter().enumerate() {
        let Some(fv) = vals.get(i).filter(|_| (i as i32) < shown) else {
            cv.text_fit(
                &format!("+{hidden} more"),
                cell.x,
                cell.cy(),
                12.0,
                theme::MUTED,
                Align::Left,
                true,
                cell.w,
            )?;
            continue;
        };
        if vertical {
            column(cv, spec, *cell, fv)?;
        } else {
            row(cv, spec, *cell, fv, &vals)?;
        }
    }
    Ok(())
}

/// The value's text with the state word where the colour stands for a state (only its symbol when
/// `short`), the value colour and the text colour.
fn value_text(spec: &ChartSpec, fv: &FieldValue, short: bool) -> (String, Rgb, Rgb) {
    let shown = fv.look.show(fv.value);
    let text = match shown.state {
        Some(s) if short => format!("{} {}", shown.text, s.symbol()),
        Some(s) => format!("{} {}", shown.text, state_label(s)),
        None => shown.text,
    };
    let text_color = match spec.options.bar_gauge.value_mode {
        BarValueMode::Text => theme::TEXT,
        _ => shown.color,
    };
    (text, shown.color, text_color)
}

/// One horizontal bar: the name above (or left of) it, the value right of it.
fn row<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    cell: Rect,
    fv: &FieldValue,
    all: &[FieldValue],
) -> DResult {
    let o = &spec.options.bar_gauge;
    let (text, color, text_color) = value_text(spec, fv, false);
    let hidden_value = o.value_mode == BarValueMode::Hidden;
    let name = fv.name.trim();
    let placement = match o.name_placement {
        _ if name.is_empty() => NamePlacement::Hidden,
        NamePlacement::Auto if cell.h > 40 => NamePlacement::Top,
        NamePlacement::Auto => NamePlacement::Left,
        p => p,
    };
    let mut bar = cell;
    match placement {
        NamePlacement::Top => {
            let th = (cell.h as f64 * 0.45).clamp(14.0, 24.0) as i32;
            let px = (th as f64 / 1.2).clamp(10.0, 16.0);
            cv.text_fit(
                name,
                cell.x,
                cell.y + th / 2,
                px,
                theme::TEXT,
                Align::Left,
                false,
                cell.w,
            )?;
            bar = Rect::new(cell.x, cell.y + th, cell.w, cell.h - th);
        }
        NamePlacement::Left => {
            let px = (cell.h as f64 * 0.6 / 1.2).clamp(10.0, 16.0);
            let nw = (text_width_bold(name, px) as i32 + 15).min(cell.w * 2 / 5);
            cv.text_fit(
                name,
                cell.x,
                cell.cy(),
                px,
                theme::TEXT,
                Align::Left,
                false,
                nw - 8,
            )?;
            bar = Rect::new(cell.x + nw, cell.y, cell.w - nw, cell.h);
        }
        _ => {}
    }
    if !hidden_value {
        // Every value gets the width of the widest, so the bars line up.
        let px = (bar.h as f64 * 0.55).clamp(10.0, 22.0);
        // As wide as the widest value (with its state symbol), so the bars line up.
        let widest = all
            .iter()
            .map(|v| text_width_bold(&value_text(spec, v, true).0, px))
            .fold(0.0, f64::max);
        let vw = (widest as i32 + 10).min(bar.w / 2);
        let text = if text_width_bold(&text, px) + 10.0 <= vw as f64 {
            text
        } else {
            value_text(spec, fv, true).0
        };
        cv.text_fit(
            &text,
            bar.right(),
            bar.cy(),
            px,
            cv.data(text_color),
            Align::Right,
            true,
            vw,
        )?;
        bar = Rect::new(bar.x, bar.y, bar.w - vw - 4, bar.h);
    }
    fill_bar(cv, spec, bar, fv, color, false)
}

/// One vertical bar: the value above it, the name below.
fn column<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    cell: Rect,
    fv: &FieldValue,
) -> DResult {
    let o = &spec.options.bar_gauge;
    let (long, color, text_color) = value_text(spec, fv, false);
    let px = (cell.w as f64 / 5.0).clamp(10.0, 20.0);
    let text = if text_width_bold(&long, px) <= cell.w as f64 {
        long
    } else {
        value_text(spec, fv, true).0
    };
    let mut bar = cell;
    let name = fv.name.trim();
    if o.name_placement != NamePlacement::Hidden && !name.is_empty() {
        let px = 12.0;
        cv.text_fit(
            name,
            cell.cx(),
            cell.bottom() - 8,
            px,
            theme::TEXT,
            Align::Center,
            false,
            cell.w,
        )?;
        bar = Rect::new(bar.x, bar.y, bar.w, bar.h - 18);
    }
    if o.value_mode != BarValueMode::Hidden {
        cv.text_fit(
            &text,
            cell.cx(),
            bar.y + (px * 0.7) as i32,
            px,
            cv.data(text_color),
            Align::Center,
            true,
            cell.w,
        )?;
        let vh = (px * 1.4) as i32;
        bar = Rect::new(bar.x, bar.y + vh, bar.w, bar.h - vh);
    }
    fill_bar(cv, spec, bar, fv, color, true)
}

/// The colour of the gradient at fraction `f` of the bar: Grafana's CSS stops, one per threshold
/// step, each placed halfway between its position and the previous one.
fn gradient_at(look: &Look, f: f64, value_color: Rgb) -> Rgb {
    use crate::dashboard::field::ColorMode;
    match &look.mode {
        ColorMode::Thresholds => {}
        ColorMode::Continuous(_) => return look.color(look.lo + (look.hi - look.lo) * f).0,
        _ => return value_color.mix(theme::PANEL, 0.5 * (1.0 - f)),
    }
    let mut stops: Vec<(f64, Rgb)> = Vec::new();
    let mut last = 0.0;
    for s in &look.thresholds.steps {
        let Some(c) = theme::parse_color(&s.color).filter(|p| !p.transparent) else {
            continue;
        };
        let pos = if s.value.is_none() {
            0.0
        } else {
            look.fraction(look.step_value(s))
        };
        if stops.is_empty() {
            stops.push((0.0, c.rgb));
        } else {
            stops.push((pos - (pos - last) / 2.0, c.rgb));
        }
        last = pos;
    }
    let Some(&(_, first)) = stops.first() else {
        return value_color;
    };
    let mut color = first;
    for w in stops.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if f >= b {
            color = cb;
        } else if f > a {
            return ca.mix(cb, (f - a) / (b - a).max(1e-9));
        } else {
            return color;
        }
    }
    color
}

/// The track and the filled part of one bar (`vertical`: filled from the bottom).
fn fill_bar<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    bar: Rect,
    fv: &FieldValue,
    color: Rgb,
    vertical: bool,
) -> DResult {
    if bar.w < 2 || bar.h < 2 {
        return Ok(());
    }
    let o = &spec.options.bar_gauge;
    let look = &fv.look;
    let f = fv
        .value
        .filter(|v| !v.is_nan())
        .map(|v| look.fraction(v))
        .unwrap_or(0.0);
    let len = if vertical { bar.h } else { bar.w };
    let filled = (len as f64 * f).round() as i32;
    let part = |a: i32, b: i32| {
        if vertical {
            Rect::new(bar.x, bar.bottom() - b, bar.w, b - a)
        } else {
            Rect::new(bar.x + a, bar.y, b - a, bar.h)
        }
    };
    if o.display == BarDisplay::Lcd {
        let (cell, space) = (12, 2);
        let count = (len / (cell + space)).max(1);
        let size = ((len - space * count) / count).max(1);
        for i in 0..count {
            let a = i * (size + space);
            let mid = (a as f64 + size as f64 / 2.0) / len as f64;
            let at = look.lo + (look.hi - look.lo) * mid;
            // Each cell in the colour of its own value (a mapping's colour is the value's).
            let c = if fv.look.mappings.is_empty() {
                look.color(at).0
            } else {
                color
            };
            let lit = fv.value.is_some_and(|v| !v.is_nan()) && mid <= f;
            if lit {
                cv.fill(part(a, a + size), cv.data(c))?;
            } else if o.show_unfilled {
                cv.fill(part(a, a + size), over_panel(c, 0.18))?;
            }
        }
        return Ok(());
    }
    if o.show_unfilled {
        cv.fill(bar, theme::TRACK)?;
    }
    if filled <= 0 {
        return Ok(());
    }
    match o.display {
        BarDisplay::Basic => {
            cv.fill(part(0, filled), cv.data(over_panel(color, 0.35)))?;
            cv.fill(part((filled - 2).max(0), filled), cv.data(color))?;
        }
        _ => {
            let strips = (filled / 3).clamp(1, 48);
            for k in 0..strips {
                let (a, b) = (filled * k / strips, filled * (k + 1) / strips);
                let mid = (a + b) as f64 / 2.0 / len as f64;
                // One pixel of overlap, so no seam shows between strips.
                cv.fill(
                    part(a, (b + 1).min(filled)),
                    cv.data(gradient_at(look, mid, color)),
                )?;
            }
        }
    }
    Ok(())
}
