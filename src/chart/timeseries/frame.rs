//! What is drawn behind the series: grid, axes with their tick labels and titles, the time axis,
//! and the thresholds (`custom.thresholdsStyle`).

use super::super::color::{grafana_color, Rgba};
use super::super::draw::{Align, Canvas, DResult, Rect};
use super::super::{theme, ChartSeries, ChartSpec};
use super::axes::{time_ticks, Axis, Side, AXIS_PX};
use super::Look;
use crate::dashboard::field::ThresholdsStyle;
use crate::time::Millis;
use plotters::prelude::DrawingBackend;

/// Grid lines of the first y axis and the time axis, every axis' tick labels and its title.
pub(super) fn grid_and_axes<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    axes: &[Axis],
    plot: Rect,
    from: Millis,
    to: Millis,
    xpix: &dyn Fn(Millis) -> f64,
) -> DResult {
    let (mut left_x, mut right_x) = (plot.x - 6, plot.right() + 6);
    for (n, a) in axes.iter().enumerate() {
        for (v, label) in a.ticks.iter().zip(&a.labels) {
            let y = a.px(*v, plot.y as f64, plot.bottom() as f64);
            if !y.is_finite() {
                continue;
            }
            let y = y.round() as i32;
            if n == 0 {
                cv.line(vec![(plot.x, y), (plot.right(), y)], theme::GRID, 1)?;
            }
            match a.side {
                Side::Left => {
                    cv.text(label, left_x, y, AXIS_PX, theme::MUTED, Align::Right, false)?
                }
                Side::Right => {
                    cv.text(label, right_x, y, AXIS_PX, theme::MUTED, Align::Left, false)?
                }
                Side::Hidden => {}
            }
        }
        if let Some(l) = &a.label {
            let x = match a.side {
                Side::Left => left_x - a.width + 8 + 6,
                Side::Right => right_x + a.width - 8 - 6,
                Side::Hidden => continue,
            };
            cv.text_up(l, x, plot.cy(), AXIS_PX, theme::MUTED)?;
        }
        match a.side {
            Side::Left => left_x -= a.width,
            Side::Right => right_x += a.width,
            Side::Hidden => {}
        }
    }
    for (t, label) in time_ticks(from, to, plot.w) {
        let x = xpix(t).round() as i32;
        cv.line(vec![(x, plot.y), (x, plot.bottom())], theme::GRID, 1)?;
        cv.text(
            &label,
            x,
            plot.bottom() + 12,
            AXIS_PX,
            theme::MUTED,
            Align::Center,
            false,
        )?;
    }
    cv.line(
        vec![(plot.x, plot.bottom()), (plot.right(), plot.bottom())],
        theme::MUTED,
        1,
    )
}

/// Threshold steps (`custom.thresholdsStyle`, off by default) on the axis of the first series
/// that asks for them: translucent bands behind everything (`area`), or lines (`line`, `dashed`,
/// 2 px at 70 %, the base step has none).
pub(super) fn thresholds<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    looks: &[Look],
    axes: &[Axis],
    plot: Rect,
    areas: bool,
) -> DResult {
    let style_of = |s: &ChartSeries| {
        s.config
            .custom
            .thresholds_style
            .or(spec.field.custom.thresholds_style)
            .unwrap_or_default()
    };
    let chosen = spec
        .series
        .iter()
        .enumerate()
        .find(|(_, s)| style_of(s) != ThresholdsStyle::Off && !s.config.hide_from().viz);
    let (style, axis, steps, percentage) = match chosen {
        Some((i, s)) => {
            let look_axis = looks.get(i).map_or(0, |l| l.axis);
            let (steps, pct) = match &s.config.thresholds {
                Some(t) => (
                    t.steps
                        .iter()
                        .map(|x| (x.value, x.color.clone()))
                        .collect::<Vec<_>>(),
                    t.percentage,
                ),
                None => (
                    spec.thresholds
                        .iter()
                        .map(|x| (x.value, x.color.clone()))
                        .collect(),
                    spec.thresholds_percentage,
                ),
            };
            (style_of(s), look_axis, steps, pct)
        }
        None if spec.series.is_empty() => (
            spec.field.thresholds_style(),
            0,
            spec.thresholds
                .iter()
                .map(|x| (x.value, x.color.clone()))
                .collect(),
            spec.thresholds_percentage,
        ),
        None => return Ok(()),
    };
    let Some(a) = axes.get(axis) else {
        return Ok(());
    };
    let value = |v: Option<f64>| -> f64 {
        match v {
            None => f64::NEG_INFINITY,
            Some(v) if percentage => a.min + (a.max - a.min) * v / 100.0,
            Some(v) => v,
        }
    };
    let (top, bottom) = (plot.y as f64, plot.bottom() as f64);
    let ypix = |v: f64| -> f64 {
        if v == f64::NEG_INFINITY {
            bottom
        } else if v == f64::INFINITY {
            top
        } else {
            a.px(v, top, bottom).clamp(top, bottom)
        }
    };
    let color = |c: &str, default_alpha: f64| -> Rgba {
        let c = grafana_color(c).unwrap_or(Rgba::opaque(super::super::color::FALLBACK));
        cv.data_a(if c.alpha >= 1.0 {
            c.with_alpha(default_alpha)
        } else {
            c
        })
    };
    if areas {
        if !style.area() {
            return Ok(());
        }
        for (k, (v, c)) in steps.iter().enumerate() {
            let lo = ypix(value(*v));
            let hi = ypix(steps.get(k + 1).map_or(f64::INFINITY, |n| value(n.0)));
            let (y0, y1) = (hi.round() as i32, lo.round() as i32);
            if y1 > y0 {
                cv.fill_a(Rect::new(plot.x, y0, plot.w, y1 - y0), color(c, 0.15))?;
            }
        }
        return Ok(());
    }
    if !style.lines() {
        return Ok(());
    }
    // Steps up to a transparent one are "less than" thresholds: drawn in the colour below them.
    let transparent = steps.iter().position(|s| s.1 == "transparent").unwrap_or(0);
    for k in 1..steps.len() {
        let Some((v, c)) = steps.get(k) else { continue };
        let c = if transparent >= k {
            steps.get(k - 1).map_or(c, |p| &p.1)
        } else {
            c
        };
        let v = value(*v);
        if !(v >= a.min && v <= a.max) {
            continue;
        }
        let y = ypix(v);
        let line = [(plot.x as f64, y), (plot.right() as f64, y)];
        let dash: &[f64] = if style.dashed() { &[10.0, 10.0] } else { &[] };
        cv.dashed_a(&line, color(c, 0.7), 2, dash)?;
    }
    Ok(())
}
