//! The legend of a time series (`options.legend`): hidden, a list or a table, below the plot or
//! right of it, with the reducers of `calcs` (list: "Max: 12 ms" after the name; table: one column
//! per calc headed with Grafana's reducer name), sorted by `sortBy`/`sortDesc` in table mode. What
//! does not fit is counted ("+N more"), never silently dropped.

use super::super::color::Rgba;
use super::super::draw::{fit, text_width, Align, Canvas, DResult, Rect};
use super::super::theme::{self, Rgb};
use super::super::{calc_name, format_value, reduce, ChartSpec};
use crate::time::Millis;
use plotters::prelude::DrawingBackend;

const PX: f64 = 12.0;
pub(super) const LINE: i32 = 18;
const SWATCH: i32 = 14;

/// One legend entry.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub name: String,
    pub color: Rgba,
    /// Hidden from the plot (`hideFrom.viz`): listed, greyed.
    pub dimmed: bool,
    /// One per calc: the value and its text in the series' unit.
    pub values: Vec<(Option<f64>, String)>,
}

/// The entries: every series not hidden from the legend, in order, with its calcs over `from..to`.
pub(super) fn items(spec: &ChartSpec, colors: &[Rgba], from: Millis, to: Millis) -> Vec<Item> {
    let calcs = &spec.options.legend.calcs;
    spec.series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.config.hide_from().legend)
        .map(|(i, s)| {
            let a = s.points.partition_point(|p| p.0 < from);
            let b = s.points.partition_point(|p| p.0 <= to);
            let pts = s.points.get(a..b).unwrap_or(&[]);
            let unit = s.config.unit.as_deref().unwrap_or(&spec.unit);
            let decimals = s.config.decimals.or(spec.decimals);
            let values = calcs
                .iter()
                .map(|c| {
                    let v = reduce(pts, c);
                    // Counts have no unit; a difference in percent is a percentage.
                    let unit = match c.as_str() {
                        "count" | "changeCount" | "distinctCount" => "none",
                        "diffperc" => "percent",
                        _ => unit,
                    };
                    let text =
                        v.map_or_else(|| "-".to_string(), |v| format_value(v, unit, decimals));
                    (v, text)
                })
                .collect();
            let name = if s.name.trim().is_empty() {
                format!("series {}", i + 1)
            } else {
                s.name.clone()
            };
            Item {
                name,
                color: colors.get(i).copied().unwrap_or(Rgba::opaque(theme::MUTED)),
                dimmed: s.config.hide_from().viz,
                values,
            }
        })
        .collect()
}

/// What is drawn where.
#[derive(Debug, Clone)]
enum Mark {
    Swatch(Rgba),
    Text {
        s: String,
        color: Rgb,
        align: Align,
        bold: bool,
    },
}

#[derive(Debug, Clone)]
struct Cell {
    x: i32,
    y: i32,
    mark: Mark,
}

/// A laid-out legend and the space left for the plot.
#[derive(Debug, Clone)]
pub(super) struct Legend {
    pub rest: Rect,
    cells: Vec<Cell>,
}

fn text(s: String, color: Rgb, align: Align, bold: bool) -> Mark {
    Mark::Text {
        s,
        color,
        align,
        bold,
    }
}

/// Lays the legend out in `r` (the panel body): below it (up to 35 % of the height, as Grafana's
/// layout) or right of it (`width`, else what the entries need, up to 60 %).
pub(super) fn layout(spec: &ChartSpec, items: &[Item], r: Rect) -> Legend {
    let o = &spec.options.legend;
    let none = Legend {
        rest: r,
        cells: Vec::new(),
    };
    if !o.show || items.is_empty() || r.w < 60 || r.h < 70 {
        return none;
    }
    let mut items = items.to_vec();
    let headers: Vec<String> = o.calcs.iter().map(|c| calc_name(c)).collect();
    if o.table {
        sort(&mut items, &headers, o.sort_by.as_deref(), o.sort_desc);
    }
    let label = |it: &Item| -> String {
        if o.table {
            return it.name.clone();
        }
        let mut s = it.name.clone();
        for (h, (_, v)) in headers.iter().zip(&it.values) {
            s.push_str(&format!("  {h}: {v}"));
        }
        s
    };
    // Column widths of a table: each calc as wide as its header or widest value.
    let col_w: Vec<i32> = (0..headers.len())
        .map(|j| {
            let vals = items
                .iter()
                .filter_map(|it| it.values.get(j))
                .map(|(_, v)| text_width(v, PX));
            let head = headers.get(j).map_or(0.0, |h| text_width(h, PX) * 1.1);
            vals.fold(head, f64::max).ceil() as i32 + 16
        })
        .collect();
    let calcs_w: i32 = col_w.iter().sum();
    if o.right {
        let natural = items
            .iter()
            .map(|it| text_width(&label(it), PX).ceil() as i32)
            .max()
            .unwrap_or(0)
            + SWATCH
            + 14
            + if o.table { calcs_w } else { 0 };
        let want = o
            .width
            .filter(|w| w.is_finite() && *w > 0.0)
            .map_or(natural, |w| w as i32);
        let w = want.min(r.w * 6 / 10).max(40);
        let area = Rect::new(r.right() - w, r.y, w, r.h);
        let rest = Rect::new(r.x, r.y, r.w - w - 6, r.h);
        let rows = (r.h / LINE).max(1) as usize;
        let cells = if o.table {
            table(&items, &headers, &col_w, area, rows)
        } else {
            vertical(&items, &label, area, rows)
        };
        return Legend { rest, cells };
    }
    let lines = ((r.h as f64 * 0.35) as i32 / LINE).max(1) as usize;
    let cells = if o.table {
        let shown = (items.len() + 1).min(lines.max(2));
        let area = Rect::new(
            r.x,
            r.bottom() - shown as i32 * LINE,
            r.w,
            shown as i32 * LINE,
        );
        (table(&items, &headers, &col_w, area, shown), area)
    } else {
        flow(&items, &label, r, lines)
    };
    let (cells, area) = cells;
    Legend {
        rest: Rect::new(r.x, r.y, r.w, r.h - area.h),
        cells,
    }
}

/// Table order: by the column titled `by` ("Name" or a calc's title), missing values last.
fn sort(items: &mut [Item], headers: &[String], by: Option<&str>, desc: bool) {
    let Some(by) = by else {
        return;
    };
    if by == "Name" {
        items.sort_by(|a, b| {
            let o = a.name.cmp(&b.name);
            if desc {
                o.reverse()
            } else {
                o
            }
        });
        return;
    }
    let Some(j) = headers.iter().position(|h| h == by) else {
        return;
    };
    let key = |it: &Item| it.values.get(j).and_then(|v| v.0).filter(|v| !v.is_nan());
    items.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => {
            let o = x.total_cmp(&y);
            if desc {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

fn name_color(it: &Item) -> Rgb {
    if it.dimmed {
        theme::NO_DATA
    } else {
        theme::TEXT
    }
}

/// Entries in lines below the plot, wrapped to at most `lines` lines; the rest counted.
fn flow(
    items: &[Item],
    label: &dyn Fn(&Item) -> String,
    r: Rect,
    lines: usize,
) -> (Vec<Cell>, Rect) {
    let width = r.w - 8;
    let more_w = text_width("+9999 more", PX) as i32 + 4;
    let max_name = (width as f64 * 0.9).max(30.0);
    let mut rows: Vec<Vec<(i32, &Item, String)>> = vec![Vec::new()];
    let mut x = 0;
    let mut more = 0;
    for (k, it) in items.iter().enumerate() {
        let s = fit(&label(it), PX, max_name);
        let w = SWATCH + 5 + text_width(&s, PX).ceil() as i32 + 14;
        let last_line = rows.len() == lines;
        let room = if last_line && k + 1 < items.len() {
            width - more_w
        } else {
            width
        };
        if x + w > room && x > 0 {
            if last_line {
                more = items.len() - k;
                break;
            }
            rows.push(Vec::new());
            x = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((x, it, s));
        }
        x += w;
    }
    let h = rows.len() as i32 * LINE;
    let area = Rect::new(r.x, r.bottom() - h, r.w, h);
    let mut cells = Vec::new();
    let mut end_x = 0;
    for (n, row) in rows.iter().enumerate() {
        let y = area.y + n as i32 * LINE + LINE / 2;
        end_x = 0;
        for (x, it, s) in row {
            let x = area.x + 4 + x;
            cells.push(Cell {
                x,
                y,
                mark: Mark::Swatch(it.color),
            });
            cells.push(Cell {
                x: x + SWATCH + 5,
                y,
                mark: text(s.clone(), name_color(it), Align::Left, false),
            });
            end_x = x + SWATCH + 5 + text_width(s, PX).ceil() as i32 + 14;
        }
    }
    if more > 0 {
        cells.push(Cell {
            x: end_x,
            y: area.y + (rows.len() as i32 - 1) * LINE + LINE / 2,
            mark: text(format!("+{more} more"), theme::MUTED, Align::Left, true),
        });
    }
    (cells, area)
}

/// One entry per line (right of the plot), at most `rows`; the rest counted.
fn vertical(items: &[Item], label: &dyn Fn(&Item) -> String, area: Rect, rows: usize) -> Vec<Cell> {
    let shown = if items.len() > rows {
        rows.saturating_sub(1)
    } else {
        items.len()
    };
    let mut cells = Vec::new();
    for (n, it) in items.iter().take(shown).enumerate() {
        let y = area.y + n as i32 * LINE + LINE / 2;
        cells.push(Cell {
            x: area.x,
            y,
            mark: Mark::Swatch(it.color),
        });
        let s = fit(&label(it), PX, (area.w - SWATCH - 5) as f64);
        cells.push(Cell {
            x: area.x + SWATCH + 5,
            y,
            mark: text(s, name_color(it), Align::Left, false),
        });
    }
    if shown < items.len() {
        cells.push(Cell {
            x: area.x,
            y: area.y + shown as i32 * LINE + LINE / 2,
            mark: text(
                format!("+{} more", items.len() - shown),
                theme::MUTED,
                Align::Left,
                true,
            ),
        });
    }
    cells
}

/// A header row of calc titles, then one row per entry (name, then its values right-aligned), at
/// most `rows` rows in all; the rest counted.
fn table(items: &[Item], headers: &[String], col_w: &[i32], area: Rect, rows: usize) -> Vec<Cell> {
    let mut cells = Vec::new();
    let calcs_w: i32 = col_w.iter().sum();
    let name_w = (area.w - calcs_w - SWATCH - 9).max(20);
    let col_right = |j: usize| -> i32 {
        area.x + SWATCH + 9 + name_w + col_w.iter().take(j + 1).sum::<i32>() - 4
    };
    let y0 = area.y + LINE / 2;
    for (j, h) in headers.iter().enumerate() {
        cells.push(Cell {
            x: col_right(j),
            y: y0,
            mark: text(h.clone(), theme::MUTED, Align::Right, true),
        });
    }
    let body = rows.saturating_sub(1);
    let shown = if items.len() > body {
        body.saturating_sub(1)
    } else {
        items.len()
    };
    for (n, it) in items.iter().take(shown).enumerate() {
        let y = y0 + (n as i32 + 1) * LINE;
        cells.push(Cell {
            x: area.x + 4,
            y,
            mark: Mark::Swatch(it.color),
        });
        cells.push(Cell {
            x: area.x + SWATCH + 9,
            y,
            mark: text(
                fit(&it.name, PX, (name_w - 6) as f64),
                name_color(it),
                Align::Left,
                false,
            ),
        });
        for (j, (_, v)) in it.values.iter().enumerate() {
            cells.push(Cell {
                x: col_right(j),
                y,
                mark: text(v.clone(), name_color(it), Align::Right, false),
            });
        }
    }
    if shown < items.len() {
        cells.push(Cell {
            x: area.x + 4,
            y: y0 + (shown as i32 + 1) * LINE,
            mark: text(
                format!("+{} more", items.len() - shown),
                theme::MUTED,
                Align::Left,
                true,
            ),
        });
    }
    cells
}

/// Draws a laid-out legend.
pub(super) fn draw<DB: DrawingBackend>(cv: &Canvas<DB>, l: &Legend) -> DResult {
    for c in &l.cells {
        match &c.mark {
            Mark::Swatch(color) => {
                cv.fill_a(Rect::new(c.x, c.y - 2, SWATCH, 4), cv.data_a(*color))?
            }
            Mark::Text {
                s,
                color,
                align,
                bold,
            } => cv.text(s, c.x, c.y, PX, *color, *align, *bold)?,
        }
    }
    Ok(())
}
