//! A dashboard laid out as Grafana lays it out: repeated panels and rows expanded once per value of
//! their variable, `$var` in titles interpolated, rows that collapse and expand, and the grid
//! compacted upwards (react-grid-layout's vertical compaction, which Grafana uses).
//!
//! [`expand`] is pure: the same dashboard and variable values give the same panels and the same
//! clone ids, so the poller's stored query plan and the drawing agree.

use std::collections::BTreeMap;

use super::model::{Dashboard, GridPos, Panel, Row};
use super::template::VarValues;

/// Ids of repeat clones live above this (panels' own ids are small numbers).
pub const CLONE_ID_BASE: i64 = 1 << 40;

/// At most this many copies of one repeated panel or row.
pub const MAX_COPIES: usize = 200;

/// A stable id for copy `value` of panel `source` (FNV-1a of both, above [`CLONE_ID_BASE`]).
fn clone_id(source: i64, value: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.to_le_bytes().iter().chain(value.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    CLONE_ID_BASE + (h % (1 << 50)) as i64
}

/// The values a repeat runs over: the variable's selection (every option for "All").
fn repeat_values(vars: &VarValues, var: &str) -> Vec<String> {
    let mut v: Vec<String> = vars
        .get(var.trim_start_matches('$'))
        .map(|x| x.values.clone())
        .unwrap_or_default();
    v.truncate(MAX_COPIES);
    v
}

/// `$var`, `${var}`, `${var:fmt}` and `[[var]]` in a title: the variable's value as text (several
/// joined with " + ", Grafana's text format), a repeat copy's own value first.
pub fn interpolate_title(
    title: &str,
    vars: &VarValues,
    scoped: &BTreeMap<String, String>,
) -> String {
    if !title.contains('$') && !title.contains("[[") {
        return title.to_string();
    }
    let value = |name: &str| -> Option<String> {
        if let Some(v) = scoped.get(name) {
            return Some(v.clone());
        }
        let v = vars.get(name)?;
        Some(if v.all && v.all_value.is_none() && v.values.len() > 1 {
            "All".to_string()
        } else {
            v.values.join(" + ")
        })
    };
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(title.len());
    let mut rest = title;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("${") {
            if let Some(end) = after.find('}') {
                let inner = &after[..end];
                let name = inner.split(':').next().unwrap_or("");
                if let Some(v) = value(name) {
                    out.push_str(&v);
                    rest = &after[end + 1..];
                    continue;
                }
            }
        } else if let Some(after) = rest.strip_prefix("[[") {
            if let Some(end) = after.find("]]") {
                let name = after[..end].split(':').next().unwrap_or("");
                if let Some(v) = value(name) {
                    out.push_str(&v);
                    rest = &after[end + 2..];
                    continue;
                }
            }
        } else if let Some(after) = rest.strip_prefix('$') {
            let len = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
            if len > 0 {
                if let Some(v) = value(&after[..len]) {
                    out.push_str(&v);
                    rest = &after[len..];
                    continue;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The dashboard with repeated panels and rows expanded (one copy per selected value; copy 0 keeps
/// the panel's id, the others get stable ids above [`CLONE_ID_BASE`]) and every title interpolated.
pub fn expand(d: &Dashboard, vars: &VarValues) -> Dashboard {
    let mut out = d.clone();
    out.panels.clear();
    out.rows.clear();
    // Rows first: a repeated row is copied with all its panels.
    // Source row index -> its new row indexes; rows in grid order (copies next to their row).
    let mut row_map: Vec<Vec<usize>> = vec![Vec::new(); d.rows.len()];
    let mut row_scoped: Vec<BTreeMap<String, String>> = Vec::new();
    let mut order: Vec<usize> = (0..d.rows.len()).collect();
    order.sort_by_key(|i| (d.rows[*i].y, *i));
    for i in order {
        let r = &d.rows[i];
        let mut new = Vec::new();
        let values = r
            .repeat
            .as_deref()
            .map(|v| repeat_values(vars, v))
            .unwrap_or_default();
        if values.is_empty() {
            let mut r = r.clone();
            r.title = interpolate_title(&r.title, vars, &r.scoped);
            out.rows.push(r);
            row_scoped.push(BTreeMap::new());
            new.push(out.rows.len() - 1);
        } else {
            let var = r.repeat.clone().unwrap_or_default();
            for (k, v) in values.iter().enumerate() {
                let mut scoped = BTreeMap::new();
                scoped.insert(var.trim_start_matches('$').to_string(), v.clone());
                let mut copy = Row {
                    title: interpolate_title(&r.title, vars, &scoped),
                    y: r.y.saturating_add(k as u32),
                    scoped: scoped.clone(),
                    ..r.clone()
                };
                // Expanded: a copy never repeats again (`expand` of an expanded dashboard is itself).
                copy.repeat = None;
                out.rows.push(copy);
                row_scoped.push(scoped);
                new.push(out.rows.len() - 1);
            }
        }
        row_map[i] = new;
    }
    let mut pushes: Vec<(Option<usize>, u32, u32, i64)> = Vec::new();
    for p in &d.panels {
        // The copies of the row it belongs to (or none).
        let targets: Vec<Option<usize>> = match p.row_index {
            Some(ri) => row_map
                .get(ri)
                .map(|v| v.iter().map(|n| Some(*n)).collect())
                .unwrap_or_else(|| vec![None]),
            None => vec![None],
        };
        for (copy_no, target) in targets.iter().enumerate() {
            let mut base = p.clone();
            base.row_index = *target;
            if let Some(t) = target {
                base.row = out.rows.get(*t).map(|r| r.title.clone());
                let scoped = &row_scoped[*t];
                if !scoped.is_empty() {
                    base.scoped.extend(scoped.clone());
                    if copy_no > 0 {
                        let value = scoped.values().next().cloned().unwrap_or_default();
                        base.repeat_of = Some(p.id);
                        base.id = clone_id(p.id, &format!("row:{value}"));
                    }
                }
            }
            let grew = expand_panel(&base, vars, &mut out.panels);
            if grew > 0 {
                pushes.push((base.row_index, base.grid.y + base.grid.h, grew, base.id));
            }
        }
    }
    // Panels below a repeated one move down by the height its copies added (Grafana's repeat).
    pushes.sort_by_key(|p| p.1);
    for (section, from, by, source) in pushes {
        for p in out.panels.iter_mut() {
            let own = p.id == source || p.repeat_of == Some(source);
            if !own && p.row_index == section && p.grid.y >= from {
                p.grid.y = p.grid.y.saturating_add(by).min(GridPos::MAX_Y);
            }
        }
    }
    out
}

/// One panel, or its copies when it repeats; returns the height the copies add below it.
fn expand_panel(p: &Panel, vars: &VarValues, out: &mut Vec<Panel>) -> u32 {
    let values = p
        .repeat
        .as_ref()
        .map(|r| repeat_values(vars, &r.var))
        .unwrap_or_default();
    let Some(rep) = p.repeat.as_ref().filter(|_| !values.is_empty()) else {
        let mut p = p.clone();
        p.title = interpolate_title(&p.title, vars, &p.scoped);
        out.push(p);
        return 0;
    };
    let cols = i64::from(GridPos::COLUMNS);
    let n = values.len() as i64;
    // Grafana: w = max(24 / count, 24 / maxPerRow), in whole columns here.
    let w = if rep.vertical {
        i64::from(p.grid.w)
    } else {
        (cols / n.max(1))
            .max(cols / i64::from(rep.max_per_row.max(1)))
            .clamp(1, cols)
    };
    let (mut x, mut y) = (i64::from(p.grid.x), i64::from(p.grid.y));
    if !rep.vertical {
        x = 0;
    }
    for (k, v) in values.iter().enumerate() {
        let mut c = p.clone();
        c.repeat = None;
        c.scoped.insert(rep.var.clone(), v.clone());
        if k > 0 {
            c.id = clone_id(p.id, v);
            c.repeat_of = Some(p.id);
        }
        if rep.vertical {
            c.grid.y = y.clamp(0, i64::from(GridPos::MAX_Y)) as u32;
            y += i64::from(p.grid.h);
        } else {
            if x + w > cols {
                x = 0;
                y += i64::from(p.grid.h);
            }
            c.grid.x = x as u32;
            c.grid.y = y.clamp(0, i64::from(GridPos::MAX_Y)) as u32;
            c.grid.w = w as u32;
            x += w;
        }
        c.title = interpolate_title(&p.title, vars, &c.scoped);
        out.push(c);
    }
    let last = out.last().map(|c| c.grid.y + c.grid.h).unwrap_or(0);
    last.saturating_sub(p.grid.y + p.grid.h)
}

/// What the grid shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// A row header: its index in the (expanded) dashboard's rows, its title, whether it is
    /// collapsed, and how many panels it holds.
    Row {
        index: usize,
        title: String,
        collapsed: bool,
        panels: usize,
    },
    Panel {
        id: i64,
    },
}

/// One placed thing on the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub grid: GridPos,
}

fn collides(a: &GridPos, b: &GridPos) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// react-grid-layout's vertical compaction (Grafana's grid): items sorted by y then x; each moves up
/// while it collides with nothing placed, and below whatever it collides with.
pub fn compact(items: &mut [Item]) {
    items.sort_by_key(|i| (i.grid.y, i.grid.x));
    let mut placed: Vec<GridPos> = Vec::with_capacity(items.len());
    for it in items.iter_mut() {
        let g = &mut it.grid;
        let bottom = placed.iter().map(|p| p.y + p.h).max().unwrap_or(0);
        g.y = g.y.min(bottom);
        while g.y > 0 {
            let up = GridPos { y: g.y - 1, ..*g };
            if placed.iter().any(|p| collides(&up, p)) {
                break;
            }
            g.y -= 1;
        }
        while let Some(c) = placed.iter().find(|p| collides(g, p)) {
            g.y = c.y + c.h;
        }
        placed.push(*g);
    }
}

/// The dashboard's grid: the panels outside rows, then each row in order — its header, and, when
/// it is expanded, its panels right under it (keeping their positions relative to each other) —
/// each part compacted upwards. `collapsed(row index)` is the operator's choice (else the JSON's).
pub fn layout(d: &Dashboard, collapsed: &dyn Fn(usize) -> Option<bool>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut top: Vec<Item> = d
        .panels
        .iter()
        .filter(|p| p.row_index.is_none())
        .map(|p| Item {
            kind: ItemKind::Panel { id: p.id },
            grid: p.grid,
        })
        .collect();
    compact(&mut top);
    let mut bottom = top.iter().map(|i| i.grid.y + i.grid.h).max().unwrap_or(0);
    out.extend(top);
    // Rows in their order (`expand` keeps grid order, repeat copies next to each other).
    for (ri, r) in d.rows.iter().enumerate() {
        let children: Vec<&Panel> = d
            .panels
            .iter()
            .filter(|p| p.row_index == Some(ri))
            .collect();
        let is_collapsed = collapsed(ri).unwrap_or(r.collapsed);
        out.push(Item {
            kind: ItemKind::Row {
                index: ri,
                title: r.title.clone(),
                collapsed: is_collapsed,
                panels: children.len(),
            },
            grid: GridPos {
                x: 0,
                y: bottom,
                w: GridPos::COLUMNS,
                h: 1,
            },
        });
        bottom += 1;
        if is_collapsed || children.is_empty() {
            continue;
        }
        let first = children.iter().map(|p| p.grid.y).min().unwrap_or(0);
        let mut part: Vec<Item> = children
            .iter()
            .map(|p| Item {
                kind: ItemKind::Panel { id: p.id },
                grid: GridPos {
                    y: p.grid.y - first,
                    ..p.grid
                },
            })
            .collect();
        compact(&mut part);
        let h = part.iter().map(|i| i.grid.y + i.grid.h).max().unwrap_or(0);
        for mut it in part {
            it.grid.y += bottom;
            out.push(it);
        }
        bottom += h;
    }
    out
}

#[cfg(test)]
mod tests;
