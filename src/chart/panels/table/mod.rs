//! Table panels as Grafana draws them: the query results as frames (`frame.rs`), the panel's
//! transformations (`transform.rs`), then one frame (`frameIndex`) as a grid. Each column gets its
//! config from the panel's defaults and the overrides that match its (final) display name: width,
//! alignment, hidden, unit, decimals, mappings, and the cell type (`auto` plain text,
//! `color-text`, `color-background`, `gauge`). Only coloured cells carry a state word.

mod frame;
mod transform;

use super::super::draw::{Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::{draw_no_data, ChartSpec};
use super::display::Look;
use super::look::{darken, over_panel, text_on};
use super::{state_label, TILE};
use crate::dashboard::field::{self, FieldConfig, FieldRef};
use frame::{Cell, Frame, Kind};
use plotters::prelude::DrawingBackend;

pub(crate) use frame::frames;

/// The frames a table panel shows: its query results with its transformations applied.
pub(crate) fn table_frames(spec: &ChartSpec) -> Vec<Frame> {
    transform::apply(frames(spec), &spec.transformations)
}

/// One column to draw.
struct Column {
    name: String,
    kind: Kind,
    values: Vec<Cell>,
    cfg: FieldConfig,
    look: Look,
    width: i32,
}

/// The look of one cell.
struct CellLook {
    text: String,
    color: Rgb,
    fill: Option<Rgb>,
    /// Gauge cells: the bar's fraction.
    gauge: Option<f64>,
    /// Coloured cells whose colour is a state's.
    state: Option<theme::State>,
}

fn cell_look(col: &Column, c: &Cell) -> CellLook {
    let plain = |text: String| CellLook {
        text,
        color: theme::TEXT,
        fill: None,
        gauge: None,
        state: None,
    };
    let kind = col.cfg.custom.cell_type.as_deref().unwrap_or("auto");
    match c {
        Cell::Time(t) => plain(crate::time::local_datetime(*t)),
        Cell::Text(s) => plain(s.clone()),
        Cell::Null if col.kind != Kind::Number => plain(String::new()),
        Cell::Null | Cell::Num(_) => {
            let v = c.num();
            let shown = col.look.show(v);
            let text = if v.is_none() && shown.missing {
                String::new()
            } else {
                shown.text.clone()
            };
            // A plain cell stays plain: Grafana colours only the cell types that ask for it.
            let look = |color, fill, gauge| CellLook {
                text: text.clone(),
                color,
                fill,
                gauge,
                state: shown.state.filter(|_| !shown.missing),
            };
            match kind {
                "color-text" => look(shown.color, None, None),
                "color-background" => look(text_on(shown.color), Some(shown.color), None),
                "gauge" => look(shown.color, None, v.map(|x| col.look.fraction(x))),
                _ => plain(text),
            }
        }
    }
}

/// Table panel.
pub(crate) fn table<DB: DrawingBackend>(cv: &Canvas<DB>, spec: &ChartSpec, r: Rect) -> DResult {
    let frames = table_frames(spec);
    let opts = &spec.options.table;
    let Some(frame) = frames
        .get(opts.frame_index.min(frames.len().saturating_sub(1)))
        .filter(|f| !f.fields.is_empty())
    else {
        return draw_no_data(cv, spec, r);
    };
    let mut body = r;
    if frames.len() > 1 {
        // Grafana's frame selector, as a line: which frame this is.
        let i = opts.frame_index.min(frames.len() - 1);
        let label = format!("{} ({} of {})", frame.name, i + 1, frames.len());
        cv.text_fit(
            &label,
            r.x + 4,
            r.bottom() - 9,
            12.0,
            theme::MUTED,
            Align::Left,
            false,
            r.w - 8,
        )?;
        body = Rect::new(r.x, r.y, r.w, r.h - 20);
    }
    let mut cols = columns(spec, frame);
    if cols.is_empty() || frame.rows() == 0 {
        return draw_no_data(cv, spec, body);
    }
    let order = sorted_rows(spec, &cols, frame.rows());
    layout_widths(&mut cols, body.w);
    let row_h = opts.row_height.clamp(20, 80);
    let px = 13.0;
    let mut y = body.y;
    if opts.show_header {
        let mut x = body.x;
        for c in &cols {
            let align = align_of(c);
            cv.text_fit(
                &c.name,
                text_x(x, c.width, align),
                y + row_h / 2,
                px,
                theme::MUTED,
                align,
                true,
                c.width - 12,
            )?;
            x += c.width;
        }
        y += row_h;
        cv.line(vec![(body.x, y), (body.right(), y)], theme::GRID, 1)?;
    }
    let fit = ((body.bottom() - y) / row_h).max(0) as usize;
    let (shown, hidden) = if order.len() > fit {
        let s = fit.saturating_sub(1);
        (s, order.len() - s)
    } else {
        (order.len(), 0)
    };
    for (k, &row) in order.iter().take(shown).enumerate() {
        let ry = y + k as i32 * row_h;
        if k % 2 == 1 {
            cv.fill(Rect::new(body.x, ry, body.w, row_h), TILE)?;
        }
        let mut x = body.x;
        for c in &cols {
            let cell = c.values.get(row).cloned().unwrap_or(Cell::Null);
            draw_cell(cv, c, &cell, Rect::new(x, ry, c.width, row_h), px)?;
            x += c.width;
        }
    }
    if hidden > 0 {
        let ry = y + shown as i32 * row_h + row_h / 2;
        cv.text(
            &format!("+{hidden} more rows"),
            body.x + 6,
            ry,
            px,
            theme::MUTED,
            Align::Left,
            true,
        )?;
    }
    Ok(())
}

/// The visible columns of `frame`, each with its resolved config.
fn columns(spec: &ChartSpec, frame: &Frame) -> Vec<Column> {
    let names = frame.names();
    let range = numeric_range(frame);
    let mut out = Vec::new();
    for (i, (f, name)) in frame.fields.iter().zip(names).enumerate() {
        let fr = FieldRef {
            name: &name,
            ref_id: &f.ref_id,
            labels: &f.labels,
        };
        let cfg = field::resolve(&spec.field, &spec.overrides, &fr);
        if cfg.custom.hidden == Some(true) || cfg.hide_from().viz {
            continue;
        }
        let name = match cfg.display_name.as_deref() {
            Some(t) if !t.trim().is_empty() => field::display_name(t, &fr),
            _ => name,
        };
        let look = Look::new(spec, &cfg, i, range).named(&name);
        out.push(Column {
            name,
            kind: f.kind,
            values: f.values.clone(),
            width: cfg
                .custom
                .width
                .map(|w| w.clamp(20.0, 4000.0) as i32)
                .unwrap_or(0),
            cfg,
            look,
        });
    }
    out
}

/// The smallest and largest number of the frame (Grafana's global field range).
fn numeric_range(frame: &Frame) -> Option<(f64, f64)> {
    let mut it = frame
        .fields
        .iter()
        .filter(|f| f.kind == Kind::Number)
        .flat_map(|f| f.values.iter().filter_map(Cell::num))
        .filter(|v| v.is_finite());
    let first = it.next()?;
    Some(it.fold((first, first), |(a, b), v| (a.min(v), b.max(v))))
}

/// Row order by `options.sortBy` (the first entry naming a shown column).
fn sorted_rows(spec: &ChartSpec, cols: &[Column], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let by = spec
        .options
        .table
        .sort_by
        .iter()
        .find_map(|(name, desc)| cols.iter().find(|c| c.name == *name).map(|c| (c, *desc)));
    if let Some((c, desc)) = by {
        order.sort_by(|&a, &b| {
            let (x, y) = (
                c.values.get(a).unwrap_or(&Cell::Null),
                c.values.get(b).unwrap_or(&Cell::Null),
            );
            // Nulls last either way.
            match (x, y) {
                (Cell::Null, Cell::Null) => std::cmp::Ordering::Equal,
                (Cell::Null, _) => std::cmp::Ordering::Greater,
                (_, Cell::Null) => std::cmp::Ordering::Less,
                _ if desc => y.cmp_sort(x),
                _ => x.cmp_sort(y),
            }
        });
    }
    order
}

/// Fixed widths as set; the other columns share the rest (at least 40 px; columns that do not fit
/// are dropped from the right).
fn layout_widths(cols: &mut Vec<Column>, total: i32) {
    loop {
        let fixed: i32 = cols.iter().map(|c| c.width).sum();
        let auto = cols.iter().filter(|c| c.width == 0).count() as i32;
        let share = if auto > 0 { (total - fixed) / auto } else { 0 };
        if (auto > 0 && share < 40) || (auto == 0 && fixed > total) {
            if cols.len() <= 1 {
                for c in cols.iter_mut() {
                    c.width = total;
                }
                return;
            }
            cols.pop();
            continue;
        }
        for c in cols.iter_mut().filter(|c| c.width == 0) {
            c.width = share;
        }
        return;
    }
}

fn align_of(c: &Column) -> Align {
    match c.cfg.custom.align.as_deref() {
        Some("left") => Align::Left,
        Some("right") => Align::Right,
        Some("center") => Align::Center,
        _ if c.kind == Kind::Number => Align::Right,
        _ => Align::Left,
    }
}

fn text_x(x: i32, w: i32, a: Align) -> i32 {
    match a {
        Align::Left => x + 6,
        Align::Right => x + w - 6,
        Align::Center => x + w / 2,
    }
}

fn draw_cell<DB: DrawingBackend>(
    cv: &Canvas<DB>,
    c: &Column,
    cell: &Cell,
    r: Rect,
    px: f64,
) -> DResult {
    let CellLook {
        text,
        color,
        fill,
        gauge,
        state,
    } = cell_look(c, cell);
    // The state word where it fits, else its symbol: a coloured cell never says it by colour alone.
    let room = |w: i32| match state {
        None => text.clone(),
        Some(s) => {
            let long = format!("{text} {}", state_label(s));
            if super::super::draw::text_width(&long, px) + 12.0 <= w as f64 {
                long
            } else {
                format!("{text} {}", s.symbol())
            }
        }
    };
    let align = align_of(c);
    let inner = Rect::new(r.x + 1, r.y + 1, r.w - 2, r.h - 2);
    if let Some(f) = fill {
        let f = cv.data(f);
        if c.cfg.custom.cell_mode.as_deref() == Some("gradient") {
            let (a, b) = (darken(f, 10.0), f);
            let n = 12;
            for i in 0..n {
                let x0 = inner.x + inner.w * i / n;
                let x1 = inner.x + inner.w * (i + 1) / n;
                cv.fill(
                    Rect::new(x0, inner.y, x1 - x0, inner.h),
                    a.mix(b, i as f64 / (n - 1) as f64),
                )?;
            }
        } else {
            cv.fill(inner, f)?;
        }
    }
    if let Some(frac) = gauge {
        let vw = (r.w as f64 * 0.4) as i32;
        let bar = Rect::new(r.x + 6, r.y + r.h / 4, r.w - vw - 12, r.h / 2);
        cv.fill(bar, theme::TRACK)?;
        let fw = (bar.w as f64 * frac).round() as i32;
        let color = cv.data(color);
        let filled = Rect::new(bar.x, bar.y, fw, bar.h);
        match c.cfg.custom.cell_mode.as_deref() {
            Some("basic") => {
                cv.fill(filled, over_panel(color, 0.35))?;
                cv.fill(Rect::new(bar.x + fw - 2, bar.y, 2.min(fw), bar.h), color)?;
            }
            Some("lcd") => {
                let mut x = bar.x;
                while x + 4 <= bar.x + fw {
                    cv.fill(Rect::new(x, bar.y, 4, bar.h), color)?;
                    x += 6;
                }
            }
            _ => cv.fill(filled, color)?,
        }
        return cv.text_fit(
            &room(vw),
            r.right() - 6,
            r.cy(),
            px,
            color,
            Align::Right,
            true,
            vw - 8,
        );
    }
    let color = if fill.is_some() || color == theme::TEXT {
        color
    } else {
        cv.data(color)
    };
    cv.text_fit(
        &room(r.w),
        text_x(r.x, r.w, align),
        r.cy(),
        px,
        color,
        align,
        false,
        r.w - 12,
    )
}

#[cfg(test)]
mod tests;
