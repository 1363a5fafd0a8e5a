//! Time-series panel, drawn as Grafana draws it: each series with its own resolved config (colour
//! mode, draw style, interpolation, width, dashes, fill, points, gaps and `spanNulls`,
//! `negative-Y`, hide-from), stacked (normal or percent, per group and axis) on an aligned grid,
//! one y axis per scale (a second unit on the right, log scales), thresholds as lines and/or bands,
//! and the legend (list or table, bottom or right, with calcs). Series are M4-reduced to the pixels
//! first, so a month draws as fast as an hour.

mod axes;
mod frame;
mod legend;
mod paint;
mod series;
mod stack;

pub(crate) use axes::{time_range, time_ticks};

use super::color::{series_colors, Rgba};
use super::draw::{Canvas, Rect};
use super::{draw_no_data, ChartSeries, ChartSpec};
use crate::dashboard::field::{
    AxisPlacement, DrawStyle, LineInterpolation, ShowPoints, SpanNulls, StackMode, Transform,
};
use crate::time::Millis;
use axes::{Axis, Side};
use plotters::prelude::DrawingBackend;

/// How one series is drawn, from its resolved config (Grafana's defaults where unset).
struct Look {
    color: Rgba,
    draw: DrawStyle,
    interp: LineInterpolation,
    /// Line width in pixels (0: no line).
    width: u32,
    /// Fill opacity 0..=1.
    fill: f64,
    points: ShowPoints,
    point_r: u32,
    span: SpanNulls,
    dash: Vec<f64>,
    /// −1 for `negative-Y`.
    sign: f64,
    constant: bool,
    /// `hideFrom.viz`: not drawn.
    hidden: bool,
    axis: usize,
}

impl Look {
    fn new(s: &ChartSeries, color: Rgba) -> Look {
        let c = &s.config;
        let lw = c.line_width();
        Look {
            color,
            draw: c.draw_style(),
            interp: c.custom.line_interpolation.unwrap_or_default(),
            width: if lw > 0.0 {
                lw.round().max(1.0) as u32
            } else {
                0
            },
            fill: c.fill(),
            points: c.custom.show_points.unwrap_or_default(),
            point_r: (c.custom.point_size.unwrap_or(5.0).clamp(1.0, 40.0) / 2.0).round() as u32,
            span: c.custom.span_nulls.unwrap_or(SpanNulls::Never),
            dash: c.custom.dash.clone().unwrap_or_default(),
            sign: if c.negative_y() { -1.0 } else { 1.0 },
            constant: c.custom.transform == Some(Transform::Constant),
            hidden: c.hide_from().viz,
            axis: 0,
        }
    }
}

/// What a series draws: its own points, or a band of a stack.
enum Shape {
    Free,
    Stacked {
        times: std::rc::Rc<Vec<Millis>>,
        band: stack::Band,
    },
}

/// The y axes of the panel: one per scale key, in the order series first use them; the first
/// `auto` axis goes left, later ones right (Grafana's `addAxis`). Sets each look's axis.
fn build_axes(spec: &ChartSpec, looks: &mut [Look]) -> Vec<Axis> {
    let mut axes: Vec<Axis> = Vec::new();
    for (s, look) in spec.series.iter().zip(looks.iter_mut()) {
        if look.hidden {
            continue;
        }
        let c = &s.config;
        let unit = c.unit.clone().unwrap_or_else(|| spec.unit.clone());
        let min = c.min.or(spec.min);
        let max = c.max.or(spec.max);
        let placement = c.custom.axis_placement.unwrap_or_default();
        let f = |v: Option<f64>| v.map_or("na".to_string(), |v| v.to_string());
        let key = format!(
            "{unit}/{}-{}/{}-{}/{placement:?}/{:?}/{}",
            f(min),
            f(max),
            f(c.custom.axis_soft_min),
            f(c.custom.axis_soft_max),
            c.custom.log_base,
            c.custom.axis_label.as_deref().unwrap_or("na"),
        );
        if let Some(i) = axes.iter().position(|a| a.key == key) {
            look.axis = i;
            continue;
        }
        let has_left = axes.iter().any(|a| a.side == Side::Left);
        let side = match placement {
            AxisPlacement::Left => Side::Left,
            AxisPlacement::Right => Side::Right,
            AxisPlacement::Hidden => Side::Hidden,
            AxisPlacement::Auto if has_left => Side::Right,
            AxisPlacement::Auto => Side::Left,
        };
        let percent = c.stack_mode() == StackMode::Percent;
        let mut a = Axis::new(key, if percent { "percentunit".into() } else { unit }, side);
        a.decimals = c.decimals.or(spec.decimals);
        a.hard_min = min;
        a.hard_max = max;
        a.soft_min = c.custom.axis_soft_min;
        a.soft_max = c.custom.axis_soft_max;
        a.log = c.custom.log_base;
        a.centered_zero = c.custom.axis_centered_zero.unwrap_or(false);
        a.label = c.custom.axis_label.clone().filter(|l| !l.trim().is_empty());
        a.percent = percent;
        look.axis = axes.len();
        axes.push(a);
    }
    if axes.is_empty() {
        let mut a = Axis::new(String::new(), spec.unit.clone(), Side::Left);
        a.decimals = spec.decimals;
        a.hard_min = spec.min;
        a.hard_max = spec.max;
        axes.push(a);
    }
    axes
}

/// The stack groups (Grafana's `getStackingGroups`: direction, mode, group, axis, draw style and
/// interpolation), each stacked on one grid; unstacked series stay [`Shape::Free`].
fn build_shapes(
    spec: &ChartSpec,
    looks: &[Look],
    from: Millis,
    to: Millis,
    columns: u32,
) -> Vec<Shape> {
    let mut shapes: Vec<Shape> = spec.series.iter().map(|_| Shape::Free).collect();
    let mut groups: Vec<(String, f64, bool, Vec<usize>)> = Vec::new();
    for (i, (s, look)) in spec.series.iter().zip(looks).enumerate() {
        let mode = s.config.stack_mode();
        if look.hidden || look.constant || mode == StackMode::None {
            continue;
        }
        let a = s.points.partition_point(|p| p.0 < from);
        let b = s.points.partition_point(|p| p.0 <= to);
        let neg = s
            .points
            .get(a..b)
            .unwrap_or(&[])
            .iter()
            .any(|p| p.1 * look.sign < 0.0);
        let dir = if neg { -1.0 } else { 1.0 };
        let key = format!(
            "{dir}|{mode:?}|{}|{}|{:?}|{:?}",
            s.config.stack_group(),
            look.axis,
            look.draw,
            look.interp
        );
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.3.push(i),
            None => groups.push((key, dir, mode == StackMode::Percent, vec![i])),
        }
    }
    for (_, dir, percent, members) in groups {
        let inputs: Vec<stack::Input<'_>> = members
            .iter()
            .filter_map(|&i| {
                let s = spec.series.get(i)?;
                Some(stack::Input {
                    points: &s.points,
                    sign: looks.get(i).map_or(1.0, |l| l.sign),
                    step_ms: s.step_ms,
                })
            })
            .collect();
        let grid = stack::align(&inputs, from, to, columns);
        let times = std::rc::Rc::new(grid.times);
        for (band, &i) in stack::stack(&grid.values, percent, dir)
            .into_iter()
            .zip(&members)
        {
            if let Some(slot) = shapes.get_mut(i) {
                *slot = Shape::Stacked {
                    times: times.clone(),
                    band,
                };
            }
        }
    }
    shapes
}

/// Widens each axis by what its series draw in `from..to`.
fn extents(
    spec: &ChartSpec,
    looks: &[Look],
    shapes: &[Shape],
    axes: &mut [Axis],
    from: Millis,
    to: Millis,
) {
    for ((s, look), shape) in spec.series.iter().zip(looks).zip(shapes) {
        if look.hidden {
            continue;
        }
        let Some(axis) = axes.get_mut(look.axis) else {
            continue;
        };
        match shape {
            Shape::Free => {
                let a = s.points.partition_point(|p| p.0 < from);
                let b = s.points.partition_point(|p| p.0 <= to);
                let pts = s.points.get(a..b).unwrap_or(&[]);
                let pts = if look.constant {
                    pts.iter().take(1).collect::<Vec<_>>()
                } else {
                    pts.iter().collect()
                };
                for p in pts {
                    axis.include(p.1 * look.sign);
                }
                if look.draw == DrawStyle::Bars && axis.has_data() {
                    axis.include(0.0);
                }
            }
            Shape::Stacked { times, band } => {
                for (k, t) in times.iter().enumerate() {
                    if *t >= from && *t <= to {
                        for v in [band.top.get(k), band.bottom.get(k)].into_iter().flatten() {
                            axis.include(*v);
                        }
                    }
                }
            }
        }
    }
}

/// Draws a time-series panel into `r`; returns the plot area `[left, top, right, bottom]`, so that
/// a UI can map the pointer to a time.
pub(crate) fn draw<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    spec: &ChartSpec,
    r: Rect,
) -> Result<Option<[i32; 4]>, String> {
    let (from, to) = time_range(spec);
    let colors = series_colors(&spec.series);
    let mut looks: Vec<Look> = spec
        .series
        .iter()
        .zip(&colors)
        .map(|(s, c)| Look::new(s, *c))
        .collect();
    let items = legend::items(spec, &colors, from, to);
    let legend = legend::layout(spec, &items, r);
    let rest = legend.rest;
    let mut axes = build_axes(spec, &mut looks);
    let shapes = build_shapes(spec, &looks, from, to, rest.w.max(1) as u32);
    extents(spec, &looks, &shapes, &mut axes, from, to);
    let has_data = axes.iter().any(Axis::has_data);
    let plot_h = rest.h - 6 - 22;
    for a in &mut axes {
        a.finish(plot_h);
    }
    let left: i32 = axes
        .iter()
        .filter(|a| a.side == Side::Left)
        .map(|a| a.width)
        .sum();
    let right: i32 = axes
        .iter()
        .filter(|a| a.side == Side::Right)
        .map(|a| a.width)
        .sum();
    let plot = Rect::new(
        rest.x + left.max(2) + 6,
        rest.y + 6,
        rest.w - left.max(2) - right - 12,
        plot_h,
    );
    let area = Some([plot.x, plot.y, plot.right(), plot.bottom()]);
    if plot.w < 10 || plot.h < 10 {
        return if has_data {
            Ok(area)
        } else {
            draw_no_data(cv, spec, r).map(|()| area)
        };
    }
    let xpix = |t: Millis| {
        plot.x as f64 + (t as f64 - from as f64) / (to as f64 - from as f64) * plot.w as f64
    };

    frame::thresholds(cv, spec, &looks, &axes, plot, true)?;
    frame::grid_and_axes(cv, &axes, plot, from, to, &xpix)?;
    frame::thresholds(cv, spec, &looks, &axes, plot, false)?;
    if !has_data {
        draw_no_data(cv, spec, plot)?;
    }
    for ((s, look), shape) in spec.series.iter().zip(&looks).zip(&shapes) {
        if look.hidden {
            continue;
        }
        let Some(axis) = axes.get(look.axis) else {
            continue;
        };
        let ypix = |v: f64| axis.px(v, plot.y as f64, plot.bottom() as f64);
        let pen = paint::Pen {
            look,
            color: cv.data_a(look.color),
            plot,
            zero: ypix(if axis.log.is_some() { axis.min } else { 0.0 })
                .clamp(plot.y as f64, plot.bottom() as f64),
        };
        match shape {
            Shape::Free => paint::draw_free(cv, &pen, s, from, to, &xpix, &ypix)?,
            Shape::Stacked { times, band } => {
                paint::draw_band(cv, &pen, times, band, &xpix, &ypix)?
            }
        }
    }
    legend::draw(cv, &legend)?;
    Ok(area)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod corpus_tests;
