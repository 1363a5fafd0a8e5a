//! Drawing one series: its line (shaped, dashed, clipped), fill, points or bars, unstacked or as
//! a band of a stack.

use super::super::color::Rgba;
use super::super::draw::{clip_polyline, Canvas, DResult, Rect};
use super::super::ChartSeries;
use super::series::{self, series_pixels, Pixels};
use super::stack;
use super::Look;
use crate::dashboard::field::{DrawStyle, ShowPoints, SpanNulls};
use crate::time::Millis;
use plotters::prelude::DrawingBackend;

/// A series' look resolved for one plot.
pub(super) struct Pen<'a> {
    pub look: &'a Look,
    pub color: Rgba,
    pub plot: Rect,
    /// Pixel row of the value fills and bars start from (0, or the axis minimum of a log scale).
    pub zero: f64,
}

impl Pen<'_> {
    fn fill_color(&self) -> Rgba {
        self.color.with_alpha(self.color.alpha * self.look.fill)
    }

    /// Strokes a pixel path, clipped to the plot; a lone point is a dot.
    fn stroke<DB: DrawingBackend>(&self, cv: &Canvas<DB>, path: &[(f64, f64)]) -> DResult {
        let p = self.plot;
        if self.look.width == 0 {
            return Ok(());
        }
        let (x0, y0, x1, y1) = (p.x as f64, p.y as f64, p.right() as f64, p.bottom() as f64);
        for piece in clip_polyline(path, x0, y0, x1, y1) {
            if let [one] = piece.as_slice() {
                cv.dot_a(
                    one.0.round() as i32,
                    one.1.round() as i32,
                    self.look.width.max(2),
                    self.color,
                )?;
            } else {
                cv.dashed_a(&piece, self.color, self.look.width, &self.look.dash)?;
            }
        }
        Ok(())
    }

    /// Fills between a path and a base path (same x order), clamped to the plot.
    fn area<DB: DrawingBackend>(
        &self,
        cv: &Canvas<DB>,
        top: &[(f64, f64)],
        base: &[(f64, f64)],
    ) -> DResult {
        if self.look.fill <= 0.0 || top.len() < 2 {
            return Ok(());
        }
        let p = self.plot;
        let clamp = |q: &(f64, f64)| {
            (
                q.0.clamp(p.x as f64, p.right() as f64).round() as i32,
                q.1.clamp(p.y as f64, p.bottom() as f64).round() as i32,
            )
        };
        let mut poly: Vec<(i32, i32)> = top.iter().map(clamp).collect();
        poly.extend(base.iter().rev().map(clamp));
        cv.polygon_a(poly, self.fill_color())
    }

    fn dots<DB: DrawingBackend>(
        &self,
        cv: &Canvas<DB>,
        pts: &[(f64, f64)],
        sparse: bool,
    ) -> DResult {
        let show = match self.look.points {
            ShowPoints::Always => true,
            ShowPoints::Never => false,
            ShowPoints::Auto => sparse,
        } || self.look.draw == DrawStyle::Points;
        if !show {
            return Ok(());
        }
        let p = self.plot;
        for q in pts {
            if q.0 >= p.x as f64
                && q.0 <= p.right() as f64
                && q.1 >= p.y as f64
                && q.1 <= p.bottom() as f64
            {
                cv.dot_a(
                    q.0.round() as i32,
                    q.1.round() as i32,
                    self.look.point_r.max(1),
                    self.color,
                )?;
            }
        }
        Ok(())
    }

    /// Bars from `base` to `top` at each x, 60 % of the spacing wide.
    fn bars<DB: DrawingBackend>(&self, cv: &Canvas<DB>, bars: &[(f64, f64, f64)]) -> DResult {
        let gap = bars
            .windows(2)
            .filter_map(|w| match w {
                [a, b] if b.0 > a.0 => Some(b.0 - a.0),
                _ => None,
            })
            .fold(f64::INFINITY, f64::min);
        let w = if gap.is_finite() {
            (gap * 0.6).max(1.0)
        } else {
            8.0
        };
        let p = self.plot;
        let fill = if self.look.fill > 0.0 {
            self.fill_color()
        } else {
            self.color.with_alpha(0.0)
        };
        for &(x, base, top) in bars {
            if !(base.is_finite() && top.is_finite()) || x < p.x as f64 || x > p.right() as f64 {
                continue;
            }
            let (a, b) = (
                top.min(base).clamp(p.y as f64, p.bottom() as f64),
                top.max(base).clamp(p.y as f64, p.bottom() as f64),
            );
            let r = Rect::new(
                (x - w / 2.0).round() as i32,
                a.round() as i32,
                w.round().max(1.0) as i32,
                (b - a).round().max(1.0) as i32,
            );
            if fill.visible() {
                cv.fill_a(r, fill)?;
            }
            if self.look.width > 0 && (!fill.visible() || w < 3.0) {
                let (x0, x1, y0, y1) = (r.x, r.right(), r.y, r.bottom());
                cv.line_a(vec![(x0, y1), (x0, y0), (x1, y0), (x1, y1)], self.color, 1)?;
            }
        }
        Ok(())
    }
}

/// An unstacked series: its M4-reduced runs as lines (with their fill and points), bars or points.
pub(super) fn draw_free<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    pen: &Pen<'_>,
    s: &ChartSeries,
    from: Millis,
    to: Millis,
    xpix: &dyn Fn(Millis) -> f64,
    ypix: &dyn Fn(f64) -> f64,
) -> DResult {
    let look = pen.look;
    let plot = pen.plot;
    let lines = if look.constant {
        let first = s.points.iter().map(|p| p.1).find(|v| v.is_finite());
        match first {
            Some(v) => Pixels::Lines(vec![vec![(from, v), (to, v)]]),
            None => return Ok(()),
        }
    } else {
        series_pixels(
            &s.points,
            s.step_ms,
            look.span,
            from,
            to,
            plot.w.max(1) as u32,
        )
    };
    match lines {
        Pixels::Lines(lines) => {
            let count: usize = lines.iter().map(Vec::len).sum();
            let sparse =
                count > 0 && (plot.w as f64 / count as f64) >= 4.0 * look.point_r as f64 * 2.0;
            for line in lines {
                // Values a log scale cannot place break the line too.
                let px: Vec<(f64, f64)> = line
                    .iter()
                    .map(|&(t, v)| (xpix(t), ypix(v * look.sign)))
                    .collect();
                for run in px.split(|p| !p.1.is_finite()).filter(|r| !r.is_empty()) {
                    if look.draw == DrawStyle::Bars {
                        let bars: Vec<(f64, f64, f64)> =
                            run.iter().map(|p| (p.0, pen.zero, p.1)).collect();
                        pen.bars(cv, &bars)?;
                        continue;
                    }
                    if look.draw == DrawStyle::Line {
                        let path = series::shape(run, look.interp);
                        let base: Vec<(f64, f64)> = path.iter().map(|p| (p.0, pen.zero)).collect();
                        pen.area(cv, &path, &base)?;
                        pen.stroke(cv, &path)?;
                        // Grafana's auto points: a point alone between gaps is shown.
                        pen.dots(
                            cv,
                            run,
                            sparse || (run.len() == 1 && look.points == ShowPoints::Auto),
                        )?;
                    } else {
                        pen.dots(cv, run, true)?;
                    }
                }
            }
        }
        Pixels::Envelope(cols) => {
            for (t, lo, hi) in cols {
                let x = xpix(t);
                let (a, b) = (ypix(lo * look.sign), ypix(hi * look.sign));
                if !(a.is_finite() && b.is_finite()) {
                    continue;
                }
                let (top, bottom) = (a.min(b) - 0.5, a.max(b) + 0.5);
                for piece in clip_polyline(
                    &[(x, top), (x, bottom)],
                    plot.x as f64,
                    plot.y as f64,
                    plot.right() as f64,
                    plot.bottom() as f64,
                ) {
                    let pts = piece
                        .iter()
                        .map(|p| (p.0.round() as i32, p.1.round() as i32))
                        .collect();
                    cv.line_a(pts, pen.color, 1)?;
                }
            }
        }
    }
    Ok(())
}

/// A band of a stack: its top line over its bottom (the series below), filled between.
pub(super) fn draw_band<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    pen: &Pen<'_>,
    times: &[Millis],
    band: &stack::Band,
    xpix: &dyn Fn(Millis) -> f64,
    ypix: &dyn Fn(f64) -> f64,
) -> DResult {
    let look = pen.look;
    let pts: Vec<(f64, f64, f64, Millis)> = times
        .iter()
        .zip(band.top.iter().zip(&band.bottom))
        .map(|(t, (top, bottom))| (xpix(*t), ypix(*top), ypix(*bottom), *t))
        .collect();
    if look.draw == DrawStyle::Bars {
        let bars: Vec<(f64, f64, f64)> = pts.iter().map(|p| (p.0, p.2, p.1)).collect();
        return pen.bars(cv, &bars);
    }
    // Runs of drawn buckets; `spanNulls` joins across empty ones.
    let mut runs: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut last_t: Option<Millis> = None;
    for &(x, top, bottom, t) in &pts {
        if !(top.is_finite() && bottom.is_finite()) {
            if look.span == SpanNulls::Never {
                last_t = None;
            }
            continue;
        }
        let joined = match (last_t, look.span) {
            (None, _) => false,
            (Some(_), SpanNulls::Never | SpanNulls::Always) => true,
            (Some(prev), SpanNulls::UpTo(ms)) => t.saturating_sub(prev) <= ms.max(0),
        };
        match runs.last_mut() {
            Some(run) if joined => run.push((x, top, bottom)),
            _ => runs.push(vec![(x, top, bottom)]),
        }
        last_t = Some(t);
    }
    for run in runs {
        let top: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.1)).collect();
        let bottom: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.2)).collect();
        if look.draw == DrawStyle::Points {
            pen.dots(cv, &top, true)?;
            continue;
        }
        let (top, bottom) = (
            series::shape(&top, look.interp),
            series::shape(&bottom, look.interp),
        );
        pen.area(cv, &top, &bottom)?;
        pen.stroke(cv, &top)?;
        pen.dots(
            cv,
            &run.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
            false,
        )?;
    }
    Ok(())
}
