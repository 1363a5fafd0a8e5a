//! Drawing primitives over any plotters backend, with text measuring and clipping.

use super::color::Rgba;
use super::theme::{self, Rgb, FONT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

/// Result of a drawing step; the error is the backend's message.
pub(crate) type DResult = Result<(), String>;

/// A pixel rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn new(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect {
            x,
            y,
            w: w.max(0),
            h: h.max(0),
        }
    }
    pub fn right(&self) -> i32 {
        self.x.saturating_add(self.w)
    }
    pub fn bottom(&self) -> i32 {
        self.y.saturating_add(self.h)
    }
    pub fn cx(&self) -> i32 {
        self.x + self.w / 2
    }
    pub fn cy(&self) -> i32 {
        self.y + self.h / 2
    }
    /// Shrinks by `d` pixels on every side.
    pub fn inset(&self, d: i32) -> Rect {
        Rect::new(self.x + d, self.y + d, self.w - 2 * d, self.h - 2 * d)
    }
}

/// Horizontal text alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// A drawing surface: a plotters area plus the "stale" dimming of data colours.
pub(crate) struct Canvas<'a, DB: DrawingBackend> {
    pub area: &'a DrawingArea<DB, Shift>,
    /// Data is stale: data colours are mixed towards grey.
    pub dim: bool,
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

impl<DB: DrawingBackend> Canvas<'_, DB> {
    /// A data colour, greyed when the data is stale.
    pub fn data(&self, c: Rgb) -> Rgb {
        if self.dim {
            c.mix(theme::NO_DATA, 0.55)
        } else {
            c
        }
    }

    pub fn fill(&self, r: Rect, c: Rgb) -> DResult {
        if r.w <= 0 || r.h <= 0 {
            return Ok(());
        }
        let style = c.rgb().filled();
        self.area
            .draw(&Rectangle::new(
                [(r.x, r.y), (r.right() - 1, r.bottom() - 1)],
                style,
            ))
            .map_err(err)
    }

    pub fn line(&self, pts: Vec<(i32, i32)>, c: Rgb, width: u32) -> DResult {
        if pts.len() < 2 {
            return Ok(());
        }
        self.area
            .draw(&PathElement::new(pts, c.rgb().stroke_width(width)))
            .map_err(err)
    }

    /// A dashed horizontal line.
    pub fn dashed_hline(&self, x0: i32, x1: i32, y: i32, c: Rgb, width: u32) -> DResult {
        let (dash, gap) = (8, 5);
        let mut x = x0;
        while x < x1 {
            let e = (x + dash).min(x1);
            self.line(vec![(x, y), (e, y)], c, width)?;
            x = e + gap;
        }
        Ok(())
    }

    pub fn polygon(&self, pts: Vec<(i32, i32)>, c: Rgb) -> DResult {
        if pts.len() < 3 {
            return Ok(());
        }
        self.area
            .draw(&Polygon::new(pts, c.rgb().filled()))
            .map_err(err)
    }

    /// A translucent data colour, greyed when the data is stale.
    pub fn data_a(&self, c: Rgba) -> Rgba {
        Rgba {
            rgb: self.data(c.rgb),
            alpha: c.alpha,
        }
    }

    fn rgba(c: Rgba) -> RGBAColor {
        RGBAColor(c.rgb.0, c.rgb.1, c.rgb.2, c.alpha.clamp(0.0, 1.0))
    }

    /// A rectangle in a translucent colour.
    pub fn fill_a(&self, r: Rect, c: Rgba) -> DResult {
        if r.w <= 0 || r.h <= 0 || !c.visible() {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new(
                [(r.x, r.y), (r.right() - 1, r.bottom() - 1)],
                Self::rgba(c).filled(),
            ))
            .map_err(err)
    }

    /// A polyline in a translucent colour.
    pub fn line_a(&self, pts: Vec<(i32, i32)>, c: Rgba, width: u32) -> DResult {
        if pts.len() < 2 || !c.visible() || width == 0 {
            return Ok(());
        }
        self.area
            .draw(&PathElement::new(pts, Self::rgba(c).stroke_width(width)))
            .map_err(err)
    }

    /// A dashed polyline: `dash` alternates on and off lengths in pixels (a dot is a zero length).
    pub fn dashed_a(&self, pts: &[(f64, f64)], c: Rgba, width: u32, dash: &[f64]) -> DResult {
        let dash: Vec<f64> = dash
            .iter()
            .map(|d| if d.is_finite() { d.max(0.0) } else { 0.0 })
            .collect();
        if dash.iter().sum::<f64>() < 1.0 {
            let p: Vec<(i32, i32)> = pts
                .iter()
                .map(|p| (p.0.round() as i32, p.1.round() as i32))
                .collect();
            return self.line_a(p, c, width);
        }
        let mut k = 0usize;
        let mut left = dash.first().copied().unwrap_or(1.0);
        let mut on = true;
        let mut cur: Vec<(f64, f64)> = Vec::new();
        let flush = |cur: &mut Vec<(f64, f64)>| -> DResult {
            let p: Vec<(i32, i32)> = cur
                .iter()
                .map(|p| (p.0.round() as i32, p.1.round() as i32))
                .collect();
            cur.clear();
            match p.as_slice() {
                [one] => self.dot_a(one.0, one.1, (width / 2).max(1), c),
                _ => self.line_a(p, c, width),
            }
        };
        for w in pts.windows(2) {
            let (a, b) = match w {
                [a, b] => (*a, *b),
                _ => continue,
            };
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            if !len.is_finite() {
                continue;
            }
            let mut done = 0.0;
            if on && cur.is_empty() {
                cur.push(a);
            }
            while len - done > left {
                done += left;
                let f = done / len;
                let p = (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
                if on {
                    cur.push(p);
                    flush(&mut cur)?;
                } else {
                    cur.push(p);
                }
                on = !on;
                k = (k + 1) % dash.len();
                left = dash.get(k).copied().unwrap_or(1.0);
            }
            left -= len - done;
            if on {
                cur.push(b);
            }
        }
        if on && !cur.is_empty() {
            flush(&mut cur)?;
        }
        Ok(())
    }

    /// A filled polygon in a translucent colour.
    pub fn polygon_a(&self, pts: Vec<(i32, i32)>, c: Rgba) -> DResult {
        if pts.len() < 3 || !c.visible() {
            return Ok(());
        }
        self.area
            .draw(&Polygon::new(pts, Self::rgba(c).filled()))
            .map_err(err)
    }

    pub fn dot_a(&self, x: i32, y: i32, r: u32, c: Rgba) -> DResult {
        if !c.visible() {
            return Ok(());
        }
        self.area
            .draw(&Circle::new((x, y), r, Self::rgba(c).filled()))
            .map_err(err)
    }

    /// Text read bottom to top, centred on (`x`, `y`); control characters replaced.
    pub fn text_up(&self, s: &str, x: i32, y: i32, px: f64, c: Rgb) -> DResult {
        let s = clean(s);
        if s.trim().is_empty() || !px.is_finite() || px < 1.0 {
            return Ok(());
        }
        let style = FontDesc::new(FontFamily::Name(FONT), px * 1.24, FontStyle::Normal)
            .transform(FontTransform::Rotate270)
            .color(&c.rgb())
            .pos(Pos::new(HPos::Center, VPos::Center));
        self.area.draw(&Text::new(s, (x, y), style)).map_err(err)
    }

    /// Draws one line of text of `px` CSS pixels, vertically centred on `y`.
    /// Control characters are replaced, so server text cannot break the SVG.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &self,
        s: &str,
        x: i32,
        y: i32,
        px: f64,
        c: Rgb,
        align: Align,
        bold: bool,
    ) -> DResult {
        let s = clean(s);
        if s.trim().is_empty() || !px.is_finite() || px < 1.0 {
            return Ok(());
        }
        let h = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        let weight = if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let style = FontDesc::new(FontFamily::Name(FONT), px * 1.24, weight)
            .color(&c.rgb())
            .pos(Pos::new(h, VPos::Center));
        self.area.draw(&Text::new(s, (x, y), style)).map_err(err)
    }

    /// Text truncated with an ellipsis to `max_w` pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn text_fit(
        &self,
        s: &str,
        x: i32,
        y: i32,
        px: f64,
        c: Rgb,
        align: Align,
        bold: bool,
        max_w: i32,
    ) -> DResult {
        let fit_px = if bold { px * 1.1 } else { px };
        self.text(&fit(s, fit_px, max_w as f64), x, y, px, c, align, bold)
    }
}

/// Replaces control characters and XML-invalid code points by spaces.
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Estimated advance of one character in em (DejaVu Sans metrics, rounded up).
fn char_em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' | ' ' => 0.32,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' => 0.42,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.95,
        'A'..='Z' => 0.72,
        '0'..='9' => 0.64,
        c if c.is_ascii() => 0.6,
        c if (c as u32) >= 0x2E80 => 1.0, // CJK and wide symbols
        _ => 0.72,
    }
}

/// Estimated width in pixels of `s` at `px` font size (bold adds ~8%).
pub(crate) fn text_width(s: &str, px: f64) -> f64 {
    // 6 % margin: PNG glyphs (ab_glyph) come out a little wider than SVG text.
    s.chars().map(char_em).sum::<f64>() * px * 1.06
}

/// Like [`text_width`], for bold text.
pub(crate) fn text_width_bold(s: &str, px: f64) -> f64 {
    text_width(s, px) * 1.1
}

/// Truncates `s` with "…" so that it fits `max_w` pixels at `px`.
pub(crate) fn fit(s: &str, px: f64, max_w: f64) -> String {
    let s = clean(s);
    if text_width(&s, px) <= max_w {
        return s;
    }
    let budget = max_w - char_em('…') * px;
    let mut out = String::new();
    let mut w = 0.0;
    for c in s.chars() {
        w += char_em(c) * px;
        if w > budget {
            break;
        }
        out.push(c);
    }
    let out = out.trim_end();
    if out.is_empty() {
        if budget >= 0.0 {
            "…".into()
        } else {
            String::new()
        }
    } else {
        format!("{out}…")
    }
}

/// Largest font size (<= `max_px`) at which `s` fits `max_w`.
pub(crate) fn size_to_fit(s: &str, max_w: f64, max_px: f64) -> f64 {
    let per_px = text_width(s, 1.0) * 1.08;
    if per_px <= 0.0 {
        return max_px;
    }
    (max_w / per_px).min(max_px).max(1.0)
}

/// Clips the polyline `pts` to the rectangle `[x0,x1]×[y0,y1]` (Liang–Barsky per
/// segment). Returns the visible pieces; a point alone inside stays a piece.
pub(crate) fn clip_polyline(
    pts: &[(f64, f64)],
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> Vec<Vec<(f64, f64)>> {
    let inside = |p: (f64, f64)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    if pts.len() == 1 {
        if let Some(&p) = pts.first() {
            if inside(p) {
                out.push(vec![p]);
            }
        }
        return out;
    }
    for w in pts.windows(2) {
        let (a, b) = match w {
            [a, b] => (*a, *b),
            _ => continue,
        };
        match clip_segment(a, b, x0, y0, x1, y1) {
            Some((p, q)) => {
                let continues = cur
                    .last()
                    .is_some_and(|l| (l.0 - p.0).abs() < 1e-9 && (l.1 - p.1).abs() < 1e-9);
                if !continues {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 || !t0.is_finite() || !t1.is_finite() {
        return None;
    }
    Some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_fit(s: &str, max_w: f64, expect: &str) {
        assert_eq!(fit(s, 10.0, max_w), expect);
    }

    #[test]
    fn fitting() {
        check_fit("abc", 100.0, "abc");
        check_fit("abcdefghijklmnop", 40.0, "abcde…");
        check_fit("abcdef", 1.0, "");
        check_fit("a\u{0}b\nc", 100.0, "a b c");
        check_fit("", 10.0, "");
    }

    #[track_caller]
    fn check_clip(pts: &[(f64, f64)], expect: &[&[(f64, f64)]]) {
        let got = clip_polyline(pts, 0.0, 0.0, 10.0, 10.0);
        let expect: Vec<Vec<(f64, f64)>> = expect.iter().map(|p| p.to_vec()).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn clipping() {
        check_clip(&[(1.0, 1.0), (2.0, 2.0)], &[&[(1.0, 1.0), (2.0, 2.0)]]);
        check_clip(&[(1.0, 5.0), (1.0, 20.0)], &[&[(1.0, 5.0), (1.0, 10.0)]]);
        check_clip(&[(-10.0, 5.0), (20.0, 5.0)], &[&[(0.0, 5.0), (10.0, 5.0)]]);
        // out and back in: two pieces
        check_clip(
            &[(1.0, 5.0), (2.0, 20.0), (3.0, 5.0)],
            &[
                &[(1.0, 5.0), (4.0 / 3.0, 10.0)],
                &[(8.0 / 3.0, 10.0), (3.0, 5.0)],
            ],
        );
        check_clip(&[(20.0, 20.0), (30.0, 30.0)], &[]);
        check_clip(&[(5.0, 5.0)], &[&[(5.0, 5.0)]]);
        check_clip(&[(50.0, 5.0)], &[]);
        check_clip(&[], &[]);
    }
}
