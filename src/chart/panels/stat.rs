//! Stat panels as Grafana's `BigValue` draws them: one tile per value (auto grid, a column or a
//! row by `orientation`), `colorMode` value / background (gradient) / background_solid / none,
//! `textMode`, `justifyMode`, the wide and stacked layouts and the sparkline (`graphMode: area`).

use super::super::draw::{size_to_fit, Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::ChartSpec;
use super::look::{brighten, darken, over_panel, spin, text_on};
use super::*;
use crate::dashboard::options::{GraphMode, Orientation, StatColorMode, TextMode};
use crate::time::Millis;
use plotters::prelude::DrawingBackend;

/// Stat panel: the values of [`field_values`], laid out as Grafana's VizRepeater does.
pub(crate) fn stat<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let mut vals = field_values(spec);
    if vals.is_empty() {
        vals.push(no_data_value(spec));
    }
    let count = vals.len();
    let shown = cap_tiles(r, count, 60, 40);
    let hidden = count - shown;
    let gap = 3;
    let tiles = match spec.options.stat.orientation {
        Orientation::Auto => grid(r, shown, gap),
        Orientation::Horizontal => line_of(r, shown, false, gap),
        Orientation::Vertical => line_of(r, shown, true, gap),
    };
    let n = tiles.len();
    for (k, (tile, fv)) in tiles.into_iter().zip(&vals).enumerate() {
        if hidden > 0 && k + 1 == n {
            cv.fill(tile, TILE)?;
            cv.text_fit(
                &format!("+{} more", hidden + 1),
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
        stat_tile(cv, spec, tile, fv, count)?;
    }
    Ok(())
}

/// The largest font (px) at which `s` fits `w`×`h` (line height 1.2).
fn font_for(s: &str, w: f64, h: f64, max: f64) -> f64 {
    // Bold text is fitted 10% wider than it is sized: leave that room, or it gets an ellipsis.
    size_to_fit(s, w * 0.9, max).min(h / 1.2).max(1.0)
}

fn stat_tile<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    t: Rect,
    fv: &FieldValue,
    count: usize,
) -> DResult {
    let o = &spec.options.stat;
    let shown = fv.look.show(fv.value);
    let uncoloured = o.color_mode == StatColorMode::None;
    // Colour mode none: the text colour and no state word, whatever the thresholds say.
    let (value_color, state) = if uncoloured {
        let plain = if shown.missing {
            theme::NO_DATA
        } else {
            theme::TEXT
        };
        (plain, None)
    } else {
        (shown.color, shown.state)
    };
    let c = cv.data(value_color);
    let solid = o.color_mode == StatColorMode::BackgroundSolid;
    let filled = solid || o.color_mode == StatColorMode::Background;
    if filled {
        if solid {
            cv.fill(t, c)?;
        } else {
            gradient(cv, t, darken(c, 15.0), 8.0, darken(c, 5.0), -8.0)?;
        }
    }
    let text_color = if filled { text_on(c) } else { c };
    let name_color = if filled { text_on(c) } else { theme::MUTED };

    // textMode (StatPanel: auto names the value when several are shown or a display name is set).
    let mut mode = o.text_mode;
    if mode == TextMode::Auto && spec.field.display_name.is_some() {
        mode = TextMode::ValueAndName;
    }
    if mode == TextMode::Auto {
        mode = if count > 1 {
            TextMode::ValueAndName
        } else {
            TextMode::Value
        };
    }
    let (title, value) = match mode {
        TextMode::ValueAndName => (fv.name.trim().to_string(), shown.text.clone()),
        TextMode::Name => (String::new(), fv.name.clone()),
        TextMode::None => (String::new(), String::new()),
        _ => (String::new(), shown.text.clone()),
    };
    let word = state.map(state_label).unwrap_or_default();
    let center = o.center || title.is_empty();
    let pad = if t.h > 100 {
        12
    } else if t.h > 40 {
        8
    } else {
        2
    };
    let inner = Rect::new(t.x + pad, t.y + pad, t.w - 2 * pad, t.h - 2 * pad);
    let wide = o.wide_layout && t.w as f64 / t.h.max(1) as f64 > 2.5;

    let spark = fv
        .series
        .and_then(|i| spec.series.get(i))
        .filter(|_| o.graph_mode == GraphMode::Area)
        .map(|s| &s.points[..])
        .filter(|p| p.iter().filter(|x| x.1.is_finite()).count() > 1)
        .filter(|_| if wide { t.h > 50 } else { t.h > 100 });
    let (fill, line) = if filled {
        (c.mix(Rgb(255, 255, 255), 0.4), brighten(c, 40.0))
    } else if uncoloured {
        (over_panel(theme::MUTED, 0.2), theme::MUTED)
    } else {
        (over_panel(c, 0.2), c)
    };

    let word_room = if word.is_empty() { 0.0 } else { 1.0 };
    if wide {
        let chart_h = if spark.is_some() { t.h / 2 } else { 0 };
        if let Some(p) = spark {
            let cr = Rect::new(t.x, t.bottom() - chart_h, t.w, chart_h);
            sparkline(cv, cr, p, spec.from, spec.to, line, fill)?;
        }
        let text_h = (inner.h - if spark.is_some() { chart_h / 2 } else { 0 }) as f64;
        let value_w = if title.is_empty() { 1.0 } else { 0.4 } * inner.w as f64;
        let vpx = font_for(&value, value_w, text_h / (1.0 + 0.45 * word_room), 120.0);
        let tpx = font_for(&title, inner.w as f64 * 0.6, text_h, 30.0).min(vpx * 0.7);
        let cy = inner.y + (text_h / 2.0) as i32;
        if center {
            let both = format!("{title}  {value}");
            let px = font_for(both.trim(), inner.w as f64, text_h, vpx);
            if !title.is_empty() {
                cv.text_fit(
                    &title,
                    inner.cx() - 4,
                    cy,
                    px * 0.7,
                    name_color,
                    Align::Right,
                    false,
                    inner.w / 2,
                )?;
                cv.text_fit(
                    &value,
                    inner.cx() + 4,
                    cy,
                    px,
                    text_color,
                    Align::Left,
                    true,
                    inner.w / 2,
                )?;
            } else {
                cv.text_fit(
                    &value,
                    inner.cx(),
                    cy,
                    vpx,
                    text_color,
                    Align::Center,
                    true,
                    inner.w,
                )?;
            }
        } else {
            cv.text_fit(
                &title,
                inner.x,
                cy,
                tpx,
                name_color,
                Align::Left,
                false,
                (inner.w as f64 * 0.6) as i32,
            )?;
            cv.text_fit(
                &value,
                inner.right(),
                cy,
                vpx,
                text_color,
                Align::Right,
                true,
                value_w as i32,
            )?;
        }
        if !word.is_empty() {
            let wpx = (vpx * 0.4).clamp(10.0, 22.0);
            let (x, align) = if center {
                (inner.cx(), Align::Center)
            } else {
                (inner.right(), Align::Right)
            };
            let wy = (cy as f64 + vpx * 0.6 + wpx * 0.7) as i32;
            cv.text_fit(
                &word,
                x,
                wy.min(inner.bottom() - (wpx / 2.0) as i32),
                wpx,
                text_color,
                align,
                true,
                inner.w,
            )?;
        }
        return Ok(());
    }

    // Stacked: the name (15% of the height), the value, the chart filling what is left.
    let tpx = if title.is_empty() {
        0.0
    } else {
        font_for(&title, inner.w as f64, t.h as f64 * 0.15, 30.0)
    };
    let chart_guess = if spark.is_some() {
        t.h as f64 * 0.25
    } else {
        0.0
    };
    let value_h = (inner.h as f64 - chart_guess - tpx * 1.2).max(8.0) / (1.0 + 0.45 * word_room);
    let vpx = if value.is_empty() {
        0.0
    } else {
        font_for(&value, inner.w as f64, value_h, 120.0)
    };
    let tpx = tpx.min(vpx.max(12.0) * 0.7);
    let wpx = if word.is_empty() {
        0.0
    } else {
        (vpx * 0.4).clamp(10.0, 22.0)
    };
    let block = tpx * 1.2 + vpx * 1.2 + wpx * 1.3;
    if let Some(p) = spark {
        let ch = (t.h as f64 - block).max(t.h as f64 * 0.25) as i32;
        let cr = Rect::new(t.x, t.bottom() - ch, t.w, ch);
        sparkline(cv, cr, p, spec.from, spec.to, line, fill)?;
    }
    let top = if spark.is_some() {
        inner.y as f64
    } else {
        inner.y as f64 + (inner.h as f64 - block).max(0.0) / 2.0
    };
    let (x, align) = if center {
        (inner.cx(), Align::Center)
    } else {
        (inner.x, Align::Left)
    };
    let mut y = top;
    if tpx > 0.0 {
        cv.text_fit(
            &title,
            x,
            (y + tpx * 0.6) as i32,
            tpx,
            name_color,
            align,
            false,
            inner.w,
        )?;
        y += tpx * 1.2;
    }
    if vpx > 0.0 {
        cv.text_fit(
            &value,
            x,
            (y + vpx * 0.6) as i32,
            vpx,
            text_color,
            align,
            true,
            inner.w,
        )?;
        y += vpx * 1.2;
    }
    if wpx > 0.0 {
        let wy = if value.is_empty() && title.is_empty() {
            inner.cy() as f64
        } else {
            y + wpx * 0.5
        };
        cv.text_fit(&word, x, wy as i32, wpx, text_color, align, true, inner.w)?;
    }
    Ok(())
}

/// CSS `linear-gradient(120deg, …)` from `a` (spun `da`°) to `b` (spun `db`°), as vertical strips.
fn gradient<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    r: Rect,
    a: Rgb,
    da: f64,
    b: Rgb,
    db: f64,
) -> DResult {
    let (a, b) = (spin(a, da), spin(b, db));
    let n = 24.min(r.w.max(1));
    for i in 0..n {
        let x0 = r.x + r.w * i / n;
        let x1 = r.x + r.w * (i + 1) / n;
        cv.fill(
            Rect::new(x0, r.y, (x1 - x0 + 1).min(r.right() - x0), r.h),
            a.mix(b, i as f64 / (n - 1).max(1) as f64),
        )?;
    }
    Ok(())
}

/// A sparkline of `points` over [from, to] in `r`: an area in `fill` under a line in `line`.
fn sparkline<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    r: Rect,
    points: &[(Millis, f64)],
    from: Millis,
    to: Millis,
    line: Rgb,
    fill: Rgb,
) -> DResult {
    if r.h < 4 || r.w < 4 {
        return Ok(());
    }
    let pts: Vec<(Millis, f64)> = super::super::m4(points, from, to, r.w.max(1) as u32)
        .into_iter()
        .filter(|p| p.1.is_finite())
        .collect();
    let (mut lo, mut hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    if hi <= lo || !hi.is_finite() || !lo.is_finite() {
        hi = lo + 1.0;
        lo -= 1.0;
    }
    let span = (to as f64 - from as f64).max(1.0);
    let px = |p: &(Millis, f64)| {
        let x = r.x as f64 + (p.0 as f64 - from as f64) / span * r.w as f64;
        let y = r.bottom() as f64 - (p.1 - lo) / (hi - lo) * (r.h as f64 - 2.0) - 1.0;
        (x.round() as i32, y.round() as i32)
    };
    let line_pts: Vec<(i32, i32)> = pts.iter().map(px).collect();
    if line_pts.len() < 2 {
        return Ok(());
    }
    let mut area = line_pts.clone();
    if let (Some(first), Some(last)) = (line_pts.first(), line_pts.last()) {
        area.push((last.0, r.bottom()));
        area.push((first.0, r.bottom()));
    }
    cv.polygon(area, cv.data(fill))?;
    cv.line(line_pts, cv.data(line), 1)
}
