//! State timeline and status history panels: one row per series over the time range, coloured by
//! the field's display processor (mappings first, then the colour mode: thresholds, or the
//! plugin's default continuous green-yellow-red). A state timeline draws bands, each value lasting
//! until the next sample (a gap longer than the step ends it) and, with `mergeValues`, equal
//! neighbours as one band; a status history draws one cell per sample.

use super::super::draw::{text_width, Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::{draw_no_data, ChartKind, ChartSpec};
use super::display::{data_range, Look, Shown};
use super::look::{over_panel, text_on};
use crate::dashboard::options::ShowValue;
use crate::time::Millis;
use plotters::prelude::DrawingBackend;

/// Time tick labels under `plot`.
pub(crate) fn time_axis<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    plot: Rect,
    from: Millis,
    to: Millis,
) -> DResult {
    let span = (to as f64 - from as f64).max(1.0);
    for (t, label) in super::super::timeseries::time_ticks(from, to, plot.w) {
        let x = plot.x + ((t as f64 - from as f64) / span * plot.w as f64).round() as i32;
        cv.line(
            vec![(x, plot.bottom()), (x, plot.bottom() + 4)],
            theme::GRID,
            1,
        )?;
        cv.text(
            &label,
            x,
            plot.bottom() + 11,
            11.0,
            theme::MUTED,
            Align::Center,
            false,
        )?;
    }
    Ok(())
}

/// One band or cell: [from, to) with the value shown there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub from: Millis,
    pub to: Millis,
    pub value: f64,
}

/// The bands of one series: each sample lasts until the next one, or one step when the next is
/// further away (Grafana inserts a null there); the last lasts to the end of the range when it is
/// recent. With `merge`, equal neighbours that touch become one band.
pub(crate) fn spans(points: &[(Millis, f64)], step: i64, to: Millis, merge: bool) -> Vec<Span> {
    let mut pts: Vec<(Millis, f64)> = points.iter().copied().filter(|p| !p.1.is_nan()).collect();
    pts.sort_by_key(|p| p.0);
    let step = if step > 0 {
        step
    } else {
        let mut d: Vec<i64> = pts
            .windows(2)
            .map(|w| w[1].0.saturating_sub(w[0].0))
            .filter(|d| *d > 0)
            .collect();
        d.sort_unstable();
        d.get(d.len() / 2).copied().unwrap_or(60_000)
    };
    let limit = step.saturating_add(step / 2);
    let mut out: Vec<Span> = Vec::new();
    for (i, &(t, v)) in pts.iter().enumerate() {
        let end = match pts.get(i + 1) {
            Some(&(n, _)) if n.saturating_sub(t) <= limit => n,
            Some(_) => t.saturating_add(step),
            None if to.saturating_sub(t) <= limit => to.max(t),
            None => t.saturating_add(step),
        };
        if merge {
            if let Some(last) = out.last_mut() {
                if last.value == v && last.to == t {
                    last.to = end;
                    continue;
                }
            }
        }
        out.push(Span {
            from: t,
            to: end,
            value: v,
        });
    }
    out
}

/// State timeline or status history panel.
pub(crate) fn timeline<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let rows: Vec<(usize, &super::super::ChartSeries)> = spec
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.config.hide_from().viz)
        .collect();
    if rows
        .iter()
        .all(|(_, s)| s.points.iter().all(|p| p.1.is_nan()))
    {
        return draw_no_data(cv, spec, r);
    }
    let history = matches!(spec.kind, ChartKind::StatusHistory);
    let o = &spec.options.timeline;
    let data = data_range(spec);
    let looks: Vec<Look> = rows
        .iter()
        .map(|(i, s)| Look::new(spec, &s.config, *i, data).named(&s.name))
        .collect();
    let legend_h = if spec.options.legend.show && r.h > 100 {
        20
    } else {
        0
    };
    let axis_h = 18;
    let name_w = rows
        .iter()
        .map(|(_, s)| text_width(&s.name, 12.0))
        .fold(0.0, f64::max)
        .min(r.w as f64 * 0.35)
        .ceil() as i32
        + 10;
    let plot = Rect::new(r.x + name_w, r.y, r.w - name_w, r.h - axis_h - legend_h);
    if plot.w < 10 || plot.h < 6 {
        return draw_no_data(cv, spec, r);
    }
    let row_h = plot.h as f64 / rows.len().max(1) as f64;
    let shown_rows = if row_h < 4.0 {
        (plot.h / 4).max(1) as usize
    } else {
        rows.len()
    };
    let row_h = row_h.max(4.0);
    let (from, to) = (spec.from.min(spec.to), spec.from.max(spec.to));
    let span = (to as f64 - from as f64).max(1.0);
    let x_of = |t: Millis| {
        plot.x + ((t.clamp(from, to) as f64 - from as f64) / span * plot.w as f64).round() as i32
    };
    // Both plugins default to fillOpacity 70.
    let fill = |s: &super::super::ChartSeries| {
        s.config
            .custom
            .fill_opacity
            .unwrap_or(70.0)
            .clamp(0.0, 100.0)
            / 100.0
    };
    for (k, ((_, s), look)) in rows.iter().zip(&looks).take(shown_rows).enumerate() {
        let y0 = plot.y as f64 + k as f64 * row_h;
        let bh = (row_h * o.row_height).max(2.0);
        let by = (y0 + (row_h - bh) / 2.0).round() as i32;
        let band_h = bh.round() as i32;
        cv.text_fit(
            &s.name,
            r.x,
            (y0 + row_h / 2.0) as i32,
            12.0,
            theme::TEXT,
            Align::Left,
            false,
            name_w - 8,
        )?;
        let step = if s.step_ms > 0 { s.step_ms } else { 0 };
        let mut parts = spans(&s.points, step, to, !history && o.merge_values);
        if history {
            let w = parts
                .first()
                .map(|p| p.to.saturating_sub(p.from))
                .unwrap_or(step.max(1));
            for p in &mut parts {
                let width = (p.to.saturating_sub(p.from).min(w) as f64 * o.col_width) as i64;
                p.to = p.from.saturating_add(width.max(1));
            }
        }
        for p in parts.iter().filter(|p| p.to > from && p.from < to) {
            let (x0, x1) = (x_of(p.from), x_of(p.to));
            if x1 <= x0 {
                continue;
            }
            let shown = look.show(Some(p.value));
            let c = cv.data(shown.color);
            let cell = Rect::new(x0, by, x1 - x0, band_h);
            let line_w = s
                .config
                .custom
                .line_width
                .unwrap_or(if history { 1.0 } else { 0.0 });
            if line_w > 0.0 && cell.w > 2 && cell.h > 2 {
                cv.fill(cell, c)?;
                cv.fill(cell.inset(1), over_panel(c, fill(s)))?;
            } else {
                cv.fill(cell, over_panel(c, fill(s)))?;
            }
            band_text(cv, o, &shown, cell, over_panel(c, fill(s)))?;
        }
    }
    if shown_rows < rows.len() {
        cv.text(
            &format!("+{} more", rows.len() - shown_rows),
            r.x,
            plot.bottom() - 6,
            11.0,
            theme::MUTED,
            Align::Left,
            true,
        )?;
    }
    time_axis(cv, plot, from, to)?;
    if legend_h > 0 {
        if let Some(look) = looks.first() {
            legend(
                cv,
                look,
                Rect::new(r.x, r.bottom() - legend_h, r.w, legend_h),
            )?;
        }
    }
    Ok(())
}

/// The value (and the state symbol where the colour is a state's) inside a band, when it fits.
fn band_text<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    o: &crate::dashboard::options::TimelineOptions,
    shown: &Shown,
    cell: Rect,
    bg: Rgb,
) -> DResult {
    let mode = o.show_value;
    let symbol = shown.state.map(|s| s.symbol()).unwrap_or("");
    let text = match mode {
        ShowValue::Never => symbol.to_string(),
        _ if symbol.is_empty() => shown.text.clone(),
        _ => format!("{} {symbol}", shown.text),
    };
    let px = (cell.h as f64 * 0.55).clamp(8.0, 13.0);
    if text.is_empty() || cell.h < 9 {
        return Ok(());
    }
    let fits = |t: &str| text_width(t, px) + 6.0 <= cell.w as f64;
    // Where the value does not fit, the state symbol alone: a state never shows by colour only.
    let text = if fits(&text) || mode == ShowValue::Always || symbol.is_empty() {
        text
    } else {
        symbol.to_string()
    };
    if fits(&text) || mode == ShowValue::Always {
        let (x, align) = match o.align_value.as_str() {
            "center" => (cell.cx(), Align::Center),
            "right" => (cell.right() - 3, Align::Right),
            _ => (cell.x + 3, Align::Left),
        };
        cv.text_fit(
            &text,
            x,
            cell.cy(),
            px,
            text_on(bg),
            align,
            false,
            cell.w - 4,
        )?;
    }
    Ok(())
}

/// The legend: the mappings with a colour, else the threshold steps (`< 80`, `80+`).
fn legend<DB: DrawingBackend>(cv: &Canvas<DB>, look: &Look, r: Rect) -> DResult {
    let mut items: Vec<(String, Rgb)> = look
        .mappings
        .iter()
        .filter_map(|m| {
            let c = theme::parse_color(m.color.as_deref()?)?;
            Some((m.text.clone().unwrap_or_default(), c.rgb))
        })
        .collect();
    if items.is_empty() && look.mode == crate::dashboard::field::ColorMode::Thresholds {
        let steps = &look.thresholds.steps;
        for (i, s) in steps.iter().enumerate() {
            let Some(c) = theme::parse_color(&s.color).filter(|p| !p.transparent) else {
                continue;
            };
            let fmt = |v: f64| super::super::format_value(v, &look.unit, look.decimals);
            let label = match (s.value, steps.get(i + 1).and_then(|n| n.value)) {
                (None, Some(n)) => format!("< {}", fmt(n)),
                (None, None) => "Base".to_string(),
                (Some(v), _) => format!("{}+", fmt(v)),
            };
            items.push((label, c.rgb));
        }
    }
    let mut x = r.x + 4;
    for (label, c) in items {
        let w = text_width(&label, 11.0) as i32 + 24;
        if x + w > r.right() {
            break;
        }
        cv.fill(Rect::new(x, r.cy() - 5, 10, 10), cv.data(c))?;
        cv.text(
            &label,
            x + 14,
            r.cy(),
            11.0,
            theme::MUTED,
            Align::Left,
            false,
        )?;
        x += w;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_neighbours_merge_and_gaps_end_bands() {
        let p = [(0, 1.0), (10, 1.0), (20, 2.0), (60, 2.0)];
        let merged = spans(&p, 10, 65, true);
        let got: Vec<(i64, i64, f64)> = merged.iter().map(|s| (s.from, s.to, s.value)).collect();
        assert_eq!(got, vec![(0, 20, 1.0), (20, 30, 2.0), (60, 65, 2.0)]);
        assert_eq!(
            spans(&p, 10, 65, false).len(),
            4,
            "status history keeps every sample"
        );
    }
}
