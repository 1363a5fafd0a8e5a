//! Bar chart panels: one bar per value (each series reduced by `reduceOptions`), vertical bars by
//! default (`orientation: auto` lays them horizontally in a panel taller than wide), palette
//! colours by default, a value axis from zero and the values on the bars (`showValue`).

use super::super::draw::{text_width, Align, Canvas, DResult, Rect};
use super::super::theme;
use super::super::{draw_no_data, format_value, ChartSpec};
use super::*;
use crate::dashboard::options::{Orientation, ShowValue};
use plotters::prelude::DrawingBackend;

fn nice(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|x| *x >= v)
        .unwrap_or(v)
}

/// Bar chart panel.
pub(crate) fn bar_chart<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let vals = field_values(spec);
    if vals.is_empty() || vals.iter().all(|v| v.value.is_none()) {
        return draw_no_data(cv, spec, r);
    }
    let o = &spec.options.bar_chart;
    let horizontal = match o.orientation {
        Orientation::Horizontal => true,
        Orientation::Vertical => false,
        Orientation::Auto => r.w < r.h,
    };
    let finite = || {
        vals.iter()
            .filter_map(|v| v.value)
            .filter(|v| v.is_finite())
    };
    let lo = finite().fold(0.0, f64::min);
    let hi = finite().fold(0.0, f64::max);
    let (lo, hi) = (if lo < 0.0 { -nice(-lo) } else { 0.0 }, nice(hi));
    let unit = vals
        .first()
        .map(|v| v.look.unit.clone())
        .unwrap_or_default();
    let decimals = vals.first().and_then(|v| v.look.decimals);
    let ticks: Vec<f64> = (0..=4).map(|i| lo + (hi - lo) * i as f64 / 4.0).collect();
    let labels: Vec<String> = ticks
        .iter()
        .map(|t| format_value(*t, &unit, decimals))
        .collect();
    let names_w = if horizontal {
        vals.iter()
            .map(|v| text_width(&v.name, 11.0))
            .fold(0.0, f64::max)
            .min(r.w as f64 * 0.35) as i32
            + 8
    } else {
        labels
            .iter()
            .map(|l| text_width(l, 11.0))
            .fold(0.0, f64::max) as i32
            + 8
    };
    let plot = if horizontal {
        Rect::new(r.x + names_w, r.y, r.w - names_w - 8, r.h - 18)
    } else {
        Rect::new(r.x + names_w, r.y + 14, r.w - names_w, r.h - 14 - 18)
    };
    if plot.w < 10 || plot.h < 10 {
        return draw_no_data(cv, spec, r);
    }
    let len = if horizontal { plot.w } else { plot.h } as f64;
    let pos = |v: f64| ((v - lo) / (hi - lo) * len).round() as i32;
    // Grid and value axis.
    for (t, l) in ticks.iter().zip(&labels) {
        let p = pos(*t);
        if horizontal {
            let x = plot.x + p;
            cv.line(vec![(x, plot.y), (x, plot.bottom())], theme::GRID, 1)?;
            cv.text(
                l,
                x,
                plot.bottom() + 10,
                11.0,
                theme::MUTED,
                Align::Center,
                false,
            )?;
        } else {
            let y = plot.bottom() - p;
            cv.line(vec![(plot.x, y), (plot.right(), y)], theme::GRID, 1)?;
            cv.text(l, plot.x - 4, y, 11.0, theme::MUTED, Align::Right, false)?;
        }
    }
    let n = vals.len() as f64;
    let slot = (if horizontal { plot.h } else { plot.w }) as f64 / n;
    let bar = (slot * o.bar_width * 0.8).max(1.0);
    let zero = pos(0.0);
    for (i, fv) in vals.iter().enumerate() {
        let start = (i as f64 * slot + (slot - bar) / 2.0).round() as i32;
        let shown = fv.look.show(fv.value);
        let c = cv.data(shown.color);
        let name_at = (i as f64 * slot + slot / 2.0) as i32;
        if horizontal {
            cv.text_fit(
                &fv.name,
                r.x,
                plot.y + name_at,
                11.0,
                theme::TEXT,
                Align::Left,
                false,
                names_w - 8,
            )?;
        } else {
            cv.text_fit(
                &fv.name,
                plot.x + name_at,
                plot.bottom() + 10,
                11.0,
                theme::TEXT,
                Align::Center,
                false,
                slot as i32 - 2,
            )?;
        }
        let Some(v) = fv.value.filter(|v| v.is_finite()) else {
            continue;
        };
        let (a, b) = (zero.min(pos(v)), zero.max(pos(v)));
        let rect = if horizontal {
            Rect::new(plot.x + a, plot.y + start, b - a, bar as i32)
        } else {
            Rect::new(plot.x + start, plot.bottom() - b, bar as i32, b - a)
        };
        cv.fill(rect, c)?;
        let text = match shown.state {
            Some(s) => format!("{} {}", shown.text, s.symbol()),
            None => shown.text,
        };
        let tw = text_width(&text, 11.0);
        let fits = tw <= if horizontal { 200.0 } else { slot };
        if o.show_value == ShowValue::Always || (o.show_value == ShowValue::Auto && fits) {
            if horizontal {
                cv.text(
                    &text,
                    rect.right() + 4,
                    rect.cy(),
                    11.0,
                    theme::TEXT,
                    Align::Left,
                    false,
                )?;
            } else {
                cv.text(
                    &text,
                    rect.cx(),
                    rect.y - 7,
                    11.0,
                    theme::TEXT,
                    Align::Center,
                    false,
                )?;
            }
        }
    }
    Ok(())
}
