//! Grafana's colours, as its dark theme draws them: the named colours and their shades (`red` is
//! `#F2495C`), `transparent`, `text`, `panel-bg`, `#rgb`/`#rrggbb(aa)`, `rgb()`/`rgba()`, `hsl()`
//! and the CSS names (Grafana's `getColorByName`); the classic palette; and the field colour modes
//! that give each series of a time series its colour ([`series_colors`]), used by the drawing, the
//! legend and the hover alike.
//!
//! These are Grafana's exact colours, for time series that must read as they do in Grafana. The
//! state colours of stat, gauge and alert panels (which always come with a state word) are
//! [`super::theme::parse_color`]'s.

mod mode;
mod names;

pub use mode::{
    basis, continuous, palette_color, series_color_for, series_colors, shade, string_hash,
};
pub use names::CLASSIC_PALETTE;

use super::theme::Rgb;

/// Grafana's `FALLBACK_COLOR`: a fixed colour mode without a colour, an unknown name.
pub const FALLBACK: Rgb = Rgb(0x80, 0x80, 0x80);
/// Grafana's dark theme `text.primary` (the colour name `text`).
pub const TEXT: Rgb = Rgb(0xcc, 0xcc, 0xdc);
/// Grafana's dark theme `background.primary` (the colour name `panel-bg`).
pub const PANEL_BG: Rgb = Rgb(0x18, 0x1b, 0x1f);

/// A colour with its opacity (0 = invisible, 1 = opaque).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgba {
    pub rgb: Rgb,
    pub alpha: f64,
}

impl Rgba {
    pub const fn opaque(rgb: Rgb) -> Rgba {
        Rgba { rgb, alpha: 1.0 }
    }
    /// The same colour at opacity `a` (clamped to 0..=1).
    pub fn with_alpha(self, a: f64) -> Rgba {
        Rgba {
            rgb: self.rgb,
            alpha: if a.is_finite() {
                a.clamp(0.0, 1.0)
            } else {
                1.0
            },
        }
    }
    /// `#rrggbb` (the opacity is not written).
    pub fn hex(self) -> String {
        self.rgb.hex()
    }
    pub fn visible(self) -> bool {
        self.alpha > 0.0
    }
}

fn from_u32(v: u32) -> Rgb {
    Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// A Grafana colour by name, as Grafana's dark theme resolves it; `None` when Grafana would not
/// know it either (the caller draws [`FALLBACK`]).
pub fn grafana_color(name: &str) -> Option<Rgba> {
    let name = name.trim();
    if name.is_empty() {
        return Some(Rgba::opaque(FALLBACK));
    }
    if let Some(v) = names::shade(name) {
        return Some(Rgba::opaque(from_u32(v)));
    }
    match name {
        "transparent" => return Some(Rgba::opaque(Rgb(0, 0, 0)).with_alpha(0.0)),
        "panel-bg" => return Some(Rgba::opaque(PANEL_BG)),
        "text" => return Some(Rgba::opaque(TEXT)),
        _ => {}
    }
    if let Some(hex) = name.strip_prefix('#') {
        return parse_hex(hex);
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("rgb") || lower.starts_with("hsl") {
        return parse_function(&lower);
    }
    names::css(&lower).map(|v| Rgba::opaque(from_u32(v)))
}

/// [`grafana_color`], or [`FALLBACK`] for a name Grafana does not know.
pub fn grafana_color_or_fallback(name: &str) -> Rgba {
    grafana_color(name).unwrap_or(Rgba::opaque(FALLBACK))
}

/// Grafana's classic palette colour `i` (wrapping after 64).
pub fn classic(i: usize) -> Rgb {
    CLASSIC_PALETTE
        .get(i % CLASSIC_PALETTE.len())
        .and_then(|n| grafana_color(n))
        .map(|c| c.rgb)
        .unwrap_or(FALLBACK)
}

fn parse_hex(hex: &str) -> Option<Rgba> {
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let nib = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 1)?, 16)
            .ok()
            .map(|n| n * 17)
    };
    let (rgb, a) = match hex.len() {
        3 => (Rgb(nib(0)?, nib(1)?, nib(2)?), 255),
        4 => (Rgb(nib(0)?, nib(1)?, nib(2)?), nib(3)?),
        6 => (Rgb(byte(0)?, byte(2)?, byte(4)?), 255),
        8 => (Rgb(byte(0)?, byte(2)?, byte(4)?), byte(6)?),
        _ => return None,
    };
    Some(Rgba::opaque(rgb).with_alpha(a as f64 / 255.0))
}

/// `rgb(…)`, `rgba(…)`, `hsl(…)`, `hsla(…)`: commas or spaces, an optional `/ alpha`, percentages.
fn parse_function(s: &str) -> Option<Rgba> {
    let open = s.find('(')?;
    let inner = s.get(open + 1..)?.strip_suffix(')')?;
    let func = s.get(..open)?.trim();
    let parts: Vec<&str> = inner
        .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 && parts.len() != 4 {
        return None;
    }
    let num = |p: &str, full: f64| -> Option<f64> {
        let v = match p.strip_suffix('%') {
            Some(x) => x.parse::<f64>().ok()? / 100.0 * full,
            None => p.trim_end_matches("deg").parse::<f64>().ok()?,
        };
        v.is_finite().then_some(v)
    };
    let alpha = match parts.get(3) {
        Some(a) => num(a, 1.0)?.clamp(0.0, 1.0),
        None => 1.0,
    };
    let (a, b, c) = (parts.first()?, parts.get(1)?, parts.get(2)?);
    let rgb = match func {
        "rgb" | "rgba" => {
            let ch = |p: &str| num(p, 255.0).map(|v| v.clamp(0.0, 255.0).round() as u8);
            Rgb(ch(a)?, ch(b)?, ch(c)?)
        }
        "hsl" | "hsla" => {
            let (r, g, bl) = hsl_to_rgb(
                num(a, 360.0)?.rem_euclid(360.0) / 360.0,
                num(b, 1.0)?.clamp(0.0, 1.0),
                num(c, 1.0)?.clamp(0.0, 1.0),
            );
            Rgb(r.round() as u8, g.round() as u8, bl.round() as u8)
        }
        _ => return None,
    };
    Some(Rgba::opaque(rgb).with_alpha(alpha))
}

/// HSL (each 0..=1) to RGB (0..=255, unrounded), as tinycolor computes it.
pub(crate) fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (f64, f64, f64) {
    if s == 0.0 {
        return (l * 255.0, l * 255.0, l * 255.0);
    }
    let hue = |p: f64, q: f64, mut t: f64| {
        if t < 0.0 {
            t += 1.0;
        }
        if t > 1.0 {
            t -= 1.0;
        }
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    (
        hue(p, q, h + 1.0 / 3.0) * 255.0,
        hue(p, q, h) * 255.0,
        hue(p, q, h - 1.0 / 3.0) * 255.0,
    )
}

/// RGB (0..=255) to HSL (each 0..=1), as tinycolor computes it.
pub(crate) fn rgb_to_hsl(r: f64, g: f64, b: f64) -> (f64, f64, f64) {
    let (r, g, b) = (r / 255.0, g / 255.0, b / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let l = (max + min) / 2.0;
    if max == min {
        return (0.0, 0.0, l);
    }
    let d = max - min;
    let s = if l > 0.5 {
        d / (2.0 - max - min)
    } else {
        d / (max + min)
    };
    let h = if max == r {
        (g - b) / d + if g < b { 6.0 } else { 0.0 }
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    (h / 6.0, s, l)
}

/// WCAG contrast ratio of two colours (Grafana's `getContrastRatio`).
pub(crate) fn contrast(a: Rgb, b: Rgb) -> f64 {
    let lum = |c: Rgb| {
        let ch = |v: u8| {
            let v = v as f64 / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c.0) + 0.7152 * ch(c.1) + 0.0722 * ch(c.2)
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(name: &str, expect: Option<(&str, f64)>) {
        let got = grafana_color(name).map(|c| (c.hex(), (c.alpha * 100.0).round() / 100.0));
        assert_eq!(got, expect.map(|(h, a)| (h.to_string(), a)), "{name:?}");
    }

    #[test]
    fn grafana_names_and_formats() {
        check("red", Some(("#f2495c", 1.0)));
        check("dark-red", Some(("#c4162a", 1.0)));
        check("semi-dark-green", Some(("#56a64b", 1.0)));
        check("super-light-green", Some(("#c8f2c2", 1.0)));
        check("light-blue", Some(("#8ab8ff", 1.0)));
        check("purple", Some(("#b877d9", 1.0)));
        check("transparent", Some(("#000000", 0.0)));
        check("text", Some(("#ccccdc", 1.0)));
        check("panel-bg", Some(("#181b1f", 1.0)));
        check("#EAB839", Some(("#eab839", 1.0)));
        check("#0af", Some(("#00aaff", 1.0)));
        check("#0af8", Some(("#00aaff", 0.53)));
        check("#11223380", Some(("#112233", 0.5)));
        check("rgb(255, 0, 0)", Some(("#ff0000", 1.0)));
        check("rgba(50, 116, 217, 0.5)", Some(("#3274d9", 0.5)));
        check("rgb(10 20 30 / 25%)", Some(("#0a141e", 0.25)));
        check("hsl(120, 100%, 25%)", Some(("#008000", 1.0)));
        // Grafana's names are case-sensitive; other spellings are CSS names.
        check("Red", Some(("#ff0000", 1.0)));
        check("orangered", Some(("#ff4500", 1.0)));
        check("white", Some(("#ffffff", 1.0)));
        check("", Some(("#808080", 1.0)));
        check("rgba(300, -5, 1e400, 1)", None);
        check("#12", None);
        check("chartreuse-ish", None);
    }

    #[test]
    fn classic_palette_in_grafanas_order() {
        let first: Vec<String> = (0..6).map(|i| classic(i).hex()).collect();
        assert_eq!(
            first,
            ["#73bf69", "#fade2a", "#5794f2", "#ff9830", "#f2495c", "#b877d9"]
        );
        assert_eq!(classic(18).hex(), "#447ebc");
        assert_eq!(classic(63).hex(), "#dedaf7");
        assert_eq!(classic(64), classic(0), "wraps after 64");
    }
}
