//! Colour arithmetic the panels need on top of `theme`: tinycolor's darken/brighten/spin (the
//! stat background gradient), a readable text colour on a fill, alpha over the panel, and the d3
//! colour schemes of heatmaps (the continuous colour modes are `color::continuous`).

use super::super::theme::{self, Rgb};

/// HSL with the hue in degrees (tinycolor's), from the one conversion in `chart::color`.
fn to_hsl(c: Rgb) -> (f64, f64, f64) {
    let (h, s, l) = super::super::color::rgb_to_hsl(c.0 as f64, c.1 as f64, c.2 as f64);
    (h * 360.0, s, l)
}

fn from_hsl(h: f64, s: f64, l: f64) -> Rgb {
    let (r, g, b) = super::super::color::hsl_to_rgb(h.rem_euclid(360.0) / 360.0, s, l);
    let to = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    Rgb(to(r), to(g), to(b))
}

/// tinycolor `darken(amount)`: lightness minus `amount` percent.
pub(crate) fn darken(c: Rgb, amount: f64) -> Rgb {
    let (h, s, l) = to_hsl(c);
    from_hsl(h, s, (l - amount / 100.0).clamp(0.0, 1.0))
}

/// tinycolor `spin(degrees)`.
pub(crate) fn spin(c: Rgb, deg: f64) -> Rgb {
    let (h, s, l) = to_hsl(c);
    from_hsl(h + deg, s, l)
}

/// tinycolor `brighten(amount)`: each channel raised by `amount` percent of 255.
pub(crate) fn brighten(c: Rgb, amount: f64) -> Rgb {
    let up = |v: u8| {
        (v as f64 + 255.0 * amount / 100.0)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    Rgb(up(c.0), up(c.1), up(c.2))
}

/// `c` at opacity `alpha` over the panel background.
pub(crate) fn over_panel(c: Rgb, alpha: f64) -> Rgb {
    theme::PANEL.mix(c, alpha)
}

fn luminance(c: Rgb) -> f64 {
    let ch = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * ch(c.0) + 0.7152 * ch(c.1) + 0.0722 * ch(c.2)
}

/// Text colour readable on a fill of `bg` (white on dark fills, near-black on light ones).
pub(crate) fn text_on(bg: Rgb) -> Rgb {
    if luminance(bg) > 0.4 {
        Rgb(0x16, 0x18, 0x1c)
    } else {
        Rgb(0xff, 0xff, 0xff)
    }
}

/// d3's colour schemes Watchdesk knows, by the name Grafana's heatmap uses (the 9 or 11 colours of
/// `d3-scale-chromatic`, which `interpolate<Name>` runs a B-spline through).
fn scheme(name: &str) -> Option<(&'static [&'static str], Invert)> {
    use Invert::*;
    Some(match name {
        "Oranges" => (
            &[
                "#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801",
                "#a63603", "#7f2704",
            ],
            Dark,
        ),
        "Blues" => (
            &[
                "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
                "#08519c", "#08306b",
            ],
            Dark,
        ),
        "Greens" => (
            &[
                "#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45",
                "#006d2c", "#00441b",
            ],
            Dark,
        ),
        "Reds" => (
            &[
                "#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d",
                "#a50f15", "#67000d",
            ],
            Dark,
        ),
        "Purples" => (
            &[
                "#fcfbfd", "#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3",
                "#54278f", "#3f007d",
            ],
            Dark,
        ),
        "Greys" => (
            &[
                "#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252",
                "#252525", "#000000",
            ],
            Dark,
        ),
        "YlOrRd" => (
            &[
                "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
                "#bd0026", "#800026",
            ],
            Dark,
        ),
        "YlGnBu" => (
            &[
                "#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8",
                "#253494", "#081d58",
            ],
            Dark,
        ),
        "Spectral" => (
            &[
                "#9e0142", "#d53e4f", "#f46d43", "#fdae61", "#fee08b", "#ffffbf", "#e6f598",
                "#abdda4", "#66c2a5", "#3288bd", "#5e4fa2",
            ],
            Always,
        ),
        "RdYlGn" => (
            &[
                "#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf", "#d9ef8b",
                "#a6d96a", "#66bd63", "#1a9850", "#006837",
            ],
            Always,
        ),
        "RdYlBu" => (
            &[
                "#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#ffffbf", "#e0f3f8",
                "#abd9e9", "#74add1", "#4575b4", "#313695",
            ],
            Always,
        ),
        _ => return None,
    })
}

/// Grafana's `invert` of a scheme (`heatmap/palettes.ts`): diverging ones always, single-hue and
/// some multi-hue ones on a dark theme, so that high counts are light.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Invert {
    Always,
    Dark,
}

/// `#rrggbb` as it is (no state mapping: scheme colours are data, not states).
pub(crate) fn hex(s: &str) -> Rgb {
    let b = |i: usize| u8::from_str_radix(s.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    Rgb(b(1), b(3), b(5))
}

/// d3 `interpolateRgbBasis`: a uniform B-spline through `colors`, at `t` in 0..=1 (the one spline
/// of [`super::super::color`], channel by channel).
pub(crate) fn basis(colors: &[Rgb], t: f64) -> Rgb {
    if colors.is_empty() {
        return theme::NO_DATA;
    }
    let ch = |f: fn(&Rgb) -> u8| {
        let v: Vec<f64> = colors.iter().map(|c| f(c) as f64).collect();
        super::super::color::basis(&v, t).round().clamp(0.0, 255.0) as u8
    };
    Rgb(ch(|c| c.0), ch(|c| c.1), ch(|c| c.2))
}

/// Grafana's heatmap palette (`quantizeScheme`): `steps` colours of a d3 scheme, inverted as
/// Grafana does on a dark theme. `None` for a scheme Watchdesk does not know.
pub(crate) fn scheme_palette(name: &str, steps: u32, reverse: bool) -> Option<Vec<Rgb>> {
    let (colors, invert) = scheme(name)?;
    let colors: Vec<Rgb> = colors.iter().map(|c| hex(c)).collect();
    let steps = steps.clamp(2, 256);
    let mut out: Vec<Rgb> = (0..steps)
        .map(|i| basis(&colors, i as f64 / (steps - 1) as f64))
        .collect();
    // Reversed once when asked or when the scheme inverts (the console is always dark).
    if reverse || matches!(invert, Invert::Always | Invert::Dark) {
        out.reverse();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_ends_at_the_scheme_ends() {
        let c = [hex("#fff5eb"), hex("#fdae6b"), hex("#7f2704")];
        assert_eq!(basis(&c, 0.0).hex(), "#fff5eb");
        assert_eq!(basis(&c, 1.0).hex(), "#7f2704");
    }

    #[test]
    fn dark_theme_oranges_are_light_at_the_top() {
        let p = scheme_palette("Oranges", 64, false).unwrap_or_default();
        assert_eq!(p.len(), 64);
        assert_eq!(p[63].hex(), "#fff5eb", "high counts light on a dark panel");
        assert_eq!(p[0].hex(), "#7f2704");
    }

    #[test]
    fn tinycolor_ops() {
        assert_eq!(darken(Rgb(0xff, 0x00, 0x00), 10.0).hex(), "#cc0000");
        assert_eq!(brighten(Rgb(0, 0, 0), 40.0).hex(), "#666666");
        assert_eq!(text_on(Rgb(0xff, 0xff, 0x99)).hex(), "#16181c");
        assert_eq!(text_on(Rgb(0x20, 0x20, 0x60)).hex(), "#ffffff");
    }
}
