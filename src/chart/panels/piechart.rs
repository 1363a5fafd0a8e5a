//! Pie chart panels: one slice per value (the series reduced by `reduceOptions`, largest first,
//! clockwise from 12 o'clock), a pie or a donut (inner radius 0.6), palette colours by default,
//! slice labels (`displayLabels`) and a legend with the value and percent (`legend.values`).

use super::super::draw::{text_width, Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::{draw_no_data, ChartSpec};
use super::look::text_on;
use super::*;
use plotters::prelude::DrawingBackend;

/// One slice: (name, value, share of the whole 0..1, colour, value text).
pub(crate) struct Slice {
    pub name: String,
    pub share: f64,
    pub color: Rgb,
    pub text: String,
}

/// The slices of a pie: positive values only, largest first, shares summing to 1.
pub(crate) fn slices(spec: &ChartSpec) -> Vec<Slice> {
    let mut vals: Vec<(FieldValue, f64)> = field_values(spec)
        .into_iter()
        .filter_map(|fv| {
            fv.value
                .filter(|v| v.is_finite() && *v > 0.0)
                .map(|v| (fv, v))
        })
        .collect();
    vals.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = vals.iter().map(|v| v.1).sum();
    vals.into_iter()
        .map(|(fv, v)| {
            let shown = fv.look.show(Some(v));
            Slice {
                name: fv.name,
                share: v / total,
                color: shown.color,
                text: shown.text,
            }
        })
        .collect()
}

fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 || p == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Pie chart panel.
pub(crate) fn pie_chart<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let parts = slices(spec);
    if parts.is_empty() {
        return draw_no_data(cv, spec, r);
    }
    let o = &spec.options.pie;
    let legend = &spec.options.legend;
    let with_value = o.legend_values.iter().any(|v| v == "value");
    let with_percent = o.legend_values.iter().any(|v| v == "percent");
    let item = |s: &Slice| {
        let mut t = s.name.clone();
        if with_value {
            t.push_str(&format!("  {}", s.text));
        }
        if with_percent {
            t.push_str(&format!("  {}", percent(s.share)));
        }
        t
    };
    let line_h = 18;
    let mut pie = r;
    if legend.show {
        if legend.right {
            let w = parts
                .iter()
                .map(|s| text_width(&item(s), 12.0) as i32 + 22)
                .max()
                .unwrap_or(0)
                .min(r.w / 2);
            let lr = Rect::new(r.right() - w, r.y, w, r.h);
            for (i, s) in parts
                .iter()
                .enumerate()
                .take((r.h / line_h).max(1) as usize)
            {
                let y = lr.y + i as i32 * line_h + line_h / 2;
                cv.fill(Rect::new(lr.x, y - 5, 10, 10), cv.data(s.color))?;
                cv.text_fit(
                    &item(s),
                    lr.x + 16,
                    y,
                    12.0,
                    theme::TEXT,
                    Align::Left,
                    false,
                    w - 18,
                )?;
            }
            pie = Rect::new(r.x, r.y, r.w - w - 8, r.h);
        } else {
            // Bottom list: items wrapped over up to three lines.
            let mut lines: Vec<Vec<usize>> = vec![Vec::new()];
            let mut x = 0;
            for (i, s) in parts.iter().enumerate() {
                let w = text_width(&item(s), 12.0) as i32 + 26;
                if x + w > r.w && !lines.last().is_some_and(Vec::is_empty) {
                    lines.push(Vec::new());
                    x = 0;
                }
                x += w;
                if let Some(l) = lines.last_mut() {
                    l.push(i);
                }
            }
            lines.truncate(3.min((r.h / 3 / line_h).max(1) as usize));
            let top = r.bottom() - lines.len() as i32 * line_h;
            for (k, l) in lines.iter().enumerate() {
                let y = top + k as i32 * line_h + line_h / 2;
                let mut x = r.x;
                for &i in l {
                    let s = &parts[i];
                    let w = text_width(&item(s), 12.0) as i32 + 26;
                    cv.fill(Rect::new(x, y - 5, 10, 10), cv.data(s.color))?;
                    cv.text_fit(
                        &item(s),
                        x + 14,
                        y,
                        12.0,
                        theme::TEXT,
                        Align::Left,
                        false,
                        w - 16,
                    )?;
                    x += w;
                }
            }
            pie = Rect::new(r.x, r.y, r.w, top - r.y - 4);
        }
    }
    let radius = (pie.w.min(pie.h) as f64 / 2.0 - 4.0).max(0.0);
    if radius < 8.0 {
        return Ok(());
    }
    let (cx, cy) = (pie.cx() as f64, pie.cy() as f64);
    let inner = if o.donut { radius * 0.6 } else { 0.0 };
    let point = |a: f64, rad: f64| {
        // Angle 0 at 12 o'clock, clockwise.
        (
            (cx + rad * a.sin()).round() as i32,
            (cy - rad * a.cos()).round() as i32,
        )
    };
    let mut start = 0.0f64;
    let tau = std::f64::consts::TAU;
    for s in &parts {
        let end = start + s.share * tau;
        let n = ((end - start) / 0.05).ceil().max(1.0) as usize;
        let mut pts: Vec<(i32, i32)> = (0..=n)
            .map(|i| point(start + (end - start) * i as f64 / n as f64, radius))
            .collect();
        if inner > 0.0 {
            pts.extend(
                (0..=n)
                    .rev()
                    .map(|i| point(start + (end - start) * i as f64 / n as f64, inner)),
            );
        } else {
            pts.push((cx.round() as i32, cy.round() as i32));
        }
        let c = cv.data(s.color);
        cv.polygon(pts, c)?;
        if !o.labels.is_empty() && s.share > 0.04 {
            let mut parts_txt = Vec::new();
            for l in &o.labels {
                match l.as_str() {
                    "name" => parts_txt.push(s.name.clone()),
                    "value" => parts_txt.push(s.text.clone()),
                    "percent" => parts_txt.push(percent(s.share)),
                    _ => {}
                }
            }
            let mid = (start + end) / 2.0;
            let (lx, ly) = point(
                mid,
                if inner > 0.0 {
                    (radius + inner) / 2.0
                } else {
                    radius * 0.65
                },
            );
            let text = parts_txt.join(" ");
            cv.text_fit(
                &text,
                lx,
                ly,
                11.0,
                text_on(c),
                Align::Center,
                true,
                (radius * 0.8) as i32,
            )?;
        }
        start = end;
    }
    Ok(())
}
