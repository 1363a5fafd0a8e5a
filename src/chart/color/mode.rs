//! The field colour modes of a time series (`fieldColor.ts`, `getFieldSeriesColor`): each series'
//! one colour, from its resolved config.

use super::{classic, contrast, grafana_color_or_fallback, rgb_to_hsl, Rgba, PANEL_BG};
use crate::chart::theme::Rgb;
use crate::chart::ChartSeries;
use crate::dashboard::field::ColorMode;

/// The colour of every series of a time-series panel, in order: what the line, the legend and the
/// hover show. The series' index is Grafana's `seriesIndex` (hidden series count too). With no
/// `color.mode` the time-series default applies, `palette-classic`.
pub fn series_colors(series: &[ChartSeries]) -> Vec<Rgba> {
    let range = data_range(series);
    series
        .iter()
        .enumerate()
        .map(|(i, s)| series_color_for(s, i, range))
        .collect()
}

/// The colour of `s`, series number `index` of a panel whose values span `range` (the global
/// min/max Grafana uses when the field sets no min/max).
pub fn series_color_for(s: &ChartSeries, index: usize, range: (f64, f64)) -> Rgba {
    let c = &s.config;
    let fixed = || {
        grafana_color_or_fallback(
            c.color
                .as_ref()
                .and_then(|f| f.fixed.as_deref())
                .unwrap_or(""),
        )
    };
    let mode = match &c.color {
        None => ColorMode::PaletteClassic,
        Some(f) => f.mode.clone(),
    };
    match mode {
        ColorMode::Fixed => fixed(),
        ColorMode::Shades => {
            let base = fixed();
            Rgba {
                rgb: shade(base.rgb, index),
                alpha: base.alpha,
            }
        }
        ColorMode::Thresholds | ColorMode::Other(_) => {
            // An unknown mode is Grafana's default, thresholds.
            let (v, percent) = by_value(s, range);
            threshold_color(s, v, percent)
        }
        ColorMode::PaletteClassic | ColorMode::PaletteClassicByName | ColorMode::Continuous(_) => {
            let (_, percent) = by_value(s, range);
            Rgba::opaque(palette_color(&mode, index, &s.name, percent).unwrap_or(super::FALLBACK))
        }
    }
}

/// The colour of the modes that need neither thresholds nor a fixed colour: the classic palette
/// (series number `index`), the palette by name (`name`'s hash) and the continuous schemes (at
/// `percent`, 0..=1, of the field's range). `None` for the other modes. The one palette of every
/// panel kind: time series through [`series_colors`], the other panels' display processor too.
pub fn palette_color(mode: &ColorMode, index: usize, name: &str, percent: f64) -> Option<Rgb> {
    match mode {
        ColorMode::PaletteClassic => Some(classic(index)),
        ColorMode::PaletteClassicByName => {
            let usable = by_name_palette();
            let n = usable.len().max(1);
            let i = (string_hash(name) as usize) % n;
            Some(usable.get(i).copied().unwrap_or(super::FALLBACK))
        }
        ColorMode::Continuous(scheme) => Some(continuous(scheme, percent)),
        _ => None,
    }
}

/// min/max of every finite value of every series.
fn data_range(series: &[ChartSeries]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in series {
        for &(_, v) in &s.points {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    (lo, hi)
}

/// The value a by-value mode colours the series by (`color.seriesBy`: last, min or max; a missing
/// value is 0) and its position in the field's range.
fn by_value(s: &ChartSeries, range: (f64, f64)) -> (f64, f64) {
    let c = &s.config;
    let calc = c
        .color
        .as_ref()
        .and_then(|f| f.series_by.as_deref())
        .unwrap_or("last");
    let v = crate::chart::reduce(&s.points, calc).unwrap_or(0.0);
    let min = c.min.unwrap_or(range.0);
    let max = c.max.unwrap_or(range.1);
    let percent = (v - min) / (max - min);
    (v, if percent.is_finite() { percent } else { 0.0 })
}

/// The colour of the threshold step active for `v` (Grafana's default steps, green then red from
/// 80, when the field has none).
fn threshold_color(s: &ChartSeries, v: f64, percent: f64) -> Rgba {
    let default = crate::dashboard::Thresholds {
        percentage: false,
        steps: vec![
            crate::dashboard::ThresholdStep {
                value: None,
                color: "green".into(),
            },
            crate::dashboard::ThresholdStep {
                value: Some(80.0),
                color: "red".into(),
            },
        ],
    };
    let t = s.config.thresholds.as_ref().unwrap_or(&default);
    let x = if t.percentage { percent * 100.0 } else { v };
    let mut best: Option<(&str, f64)> = None;
    for step in &t.steps {
        let start = step.value.unwrap_or(f64::NEG_INFINITY);
        if x >= start && best.is_none_or(|(_, b)| start >= b) {
            best = Some((&step.color, start));
        }
    }
    match best {
        Some((color, _)) => grafana_color_or_fallback(color),
        None => Rgba::opaque(super::FALLBACK),
    }
}

/// The npm `string-hash` of `s` (Grafana's `getColorByStringHash`).
pub fn string_hash(s: &str) -> u32 {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut h: i32 = 5381;
    for &u in units.iter().rev() {
        h = h.wrapping_mul(33) ^ (u as i32);
    }
    h as u32
}

/// The classic palette without the colours of too little contrast with the panel background.
fn by_name_palette() -> Vec<Rgb> {
    (0..super::CLASSIC_PALETTE.len())
        .map(classic)
        .filter(|c| contrast(*c, PANEL_BG) >= 3.0)
        .collect()
}

/// Shade `index % 11` of `base`: the base, then alternately brighter and darker hue-spun variants
/// (tinycolor's `spin`, `brighten`, `darken`, as Grafana's `getShadedColor`).
pub fn shade(base: Rgb, index: usize) -> Rgb {
    let i = index % 11;
    if i == 0 {
        return base;
    }
    let k = i.div_ceil(2) as f64 / 6.0;
    let (h, s, l) = rgb_to_hsl(base.0 as f64, base.1 as f64, base.2 as f64);
    let round = |v: f64| v.round().clamp(0.0, 255.0);
    if i % 2 == 1 {
        let (r, g, b) = super::hsl_to_rgb((h + k * 10.0 / 360.0).rem_euclid(1.0), s, l);
        let add = (255.0 * k * 35.0 / 100.0).round();
        let ch = |v: f64| (round(v) + add).clamp(0.0, 255.0) as u8;
        Rgb(ch(r), ch(g), ch(b))
    } else {
        let (r, g, b) = super::hsl_to_rgb((h - k * 10.0 / 360.0).rem_euclid(1.0), s, l);
        let (h2, s2, l2) = rgb_to_hsl(r, g, b);
        let (r, g, b) = super::hsl_to_rgb(h2, s2, (l2 - k * 35.0 / 100.0).clamp(0.0, 1.0));
        Rgb(round(r) as u8, round(g) as u8, round(b) as u8)
    }
}

/// A continuous scheme at `t` (0..=1): Grafana's named schemes through d3's `interpolateRgbBasis`;
/// the d3 perceptual ones (viridis…) from five stops each, linearly.
pub fn continuous(scheme: &str, t: f64) -> Rgb {
    let named: &[&str] = match scheme {
        "GrYlRd" => &["green", "yellow", "red"],
        "RdYlGr" => &["red", "yellow", "green"],
        "BlYlRd" => &["dark-blue", "super-light-yellow", "dark-red"],
        "YlRd" => &["super-light-yellow", "dark-red"],
        "BlPu" => &["blue", "purple"],
        "YlBl" => &["super-light-yellow", "dark-blue"],
        "blues" => &["panel-bg", "dark-blue"],
        "reds" => &["panel-bg", "dark-red"],
        "greens" => &["panel-bg", "dark-green"],
        "purples" => &["panel-bg", "dark-purple"],
        _ => &[],
    };
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if !named.is_empty() {
        let cols: Vec<Rgb> = named
            .iter()
            .map(|n| grafana_color_or_fallback(n).rgb)
            .collect();
        let ch = |f: fn(&Rgb) -> u8| {
            let v: Vec<f64> = cols.iter().map(|c| f(c) as f64).collect();
            basis(&v, t).round().clamp(0.0, 255.0) as u8
        };
        return Rgb(ch(|c| c.0), ch(|c| c.1), ch(|c| c.2));
    }
    let stops: [u32; 5] = match scheme {
        "viridis" => [0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725],
        "magma" => [0x000004, 0x51127c, 0xb73779, 0xfc8961, 0xfcfdbf],
        "inferno" => [0x000004, 0x57106e, 0xbc3754, 0xf98e09, 0xfcffa4],
        "plasma" => [0x0d0887, 0x7e03a8, 0xcc4778, 0xf89540, 0xf0f921],
        "cividis" => [0x00224e, 0x434e6c, 0x7d7c78, 0xbcaf6f, 0xfee838],
        _ => return classic(0),
    };
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let (a, b) = (
        super::from_u32(stops.get(i).copied().unwrap_or(0)),
        super::from_u32(stops.get(i + 1).copied().unwrap_or(0)),
    );
    a.mix(b, f)
}

/// d3's uniform B-spline through `values` at `t` (`d3-interpolate` `basis`).
pub fn basis(values: &[f64], t: f64) -> f64 {
    let n = values.len().saturating_sub(1);
    if n == 0 {
        return values.first().copied().unwrap_or(0.0);
    }
    let (i, t) = if t <= 0.0 {
        (0, 0.0)
    } else if t >= 1.0 {
        (n - 1, 1.0)
    } else {
        ((t * n as f64).floor() as usize, t)
    };
    let v = |k: usize| values.get(k).copied().unwrap_or(0.0);
    let (v1, v2) = (v(i), v(i + 1));
    let v0 = if i > 0 { v(i - 1) } else { 2.0 * v1 - v2 };
    let v3 = if i + 1 < n { v(i + 2) } else { 2.0 * v2 - v1 };
    let t1 = (t - i as f64 / n as f64) * n as f64;
    let (t2, t3) = (t1 * t1, t1 * t1 * t1);
    ((1.0 - 3.0 * t1 + 3.0 * t2 - t3) * v0
        + (4.0 - 6.0 * t2 + 3.0 * t3) * v1
        + (1.0 + 3.0 * t1 + 3.0 * t2 - 3.0 * t3) * v2
        + t3 * v3)
        / 6.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::field::{FieldColor, FieldConfig};

    fn series(name: &str, mode: Option<&str>, fixed: Option<&str>, last: f64) -> ChartSeries {
        ChartSeries {
            name: name.into(),
            points: vec![(0, 0.0), (1000, last)],
            config: FieldConfig {
                color: mode.map(|m| FieldColor {
                    mode: ColorMode::parse(m),
                    fixed: fixed.map(str::to_string),
                    series_by: None,
                }),
                ..FieldConfig::default()
            },
            ..ChartSeries::default()
        }
    }

    #[track_caller]
    fn check(mode: Option<&str>, fixed: Option<&str>, index: usize, last: f64, expect: &str) {
        let s = series("cpu", mode, fixed, last);
        let got = series_color_for(&s, index, (0.0, 100.0)).hex();
        assert_eq!(got, expect, "mode {mode:?} fixed {fixed:?} series {index}");
    }

    #[test]
    fn colour_modes() {
        // No mode: the time-series default, the classic palette by series index.
        check(None, None, 0, 5.0, "#73bf69");
        check(None, None, 4, 5.0, "#f2495c");
        check(Some("palette-classic"), None, 65, 5.0, "#fade2a");
        check(Some("fixed"), Some("dark-red"), 3, 5.0, "#c4162a");
        check(Some("fixed"), Some("#0A437C"), 3, 5.0, "#0a437c");
        check(Some("fixed"), None, 0, 5.0, "#808080");
        check(Some("shades"), Some("blue"), 0, 5.0, "#5794f2");
        check(Some("shades"), Some("blue"), 11, 5.0, "#5794f2");
        // Thresholds by the last value, Grafana's default steps without any.
        check(Some("thresholds"), None, 0, 50.0, "#73bf69");
        check(Some("thresholds"), None, 0, 90.0, "#f2495c");
        check(Some("palette-saturated"), None, 0, 90.0, "#f2495c");
        check(Some("continuous-GrYlRd"), None, 0, 0.0, "#73bf69");
        check(Some("continuous-GrYlRd"), None, 0, 100.0, "#f2495c");
        check(Some("continuous-BlPu"), None, 0, 100.0, "#b877d9");
    }

    #[test]
    fn shades_differ_and_stay_close() {
        let base = Rgb(0x57, 0x94, 0xf2);
        let all: Vec<Rgb> = (0..11).map(|i| shade(base, i)).collect();
        for (i, a) in all.iter().enumerate() {
            for b in all.iter().skip(i + 1) {
                assert_ne!(a, b, "{all:?}");
            }
        }
        // Odd shades brighter, even ones darker.
        let light = |c: Rgb| c.0 as u32 + c.1 as u32 + c.2 as u32;
        assert!(light(shade(base, 1)) > light(base));
        assert!(light(shade(base, 2)) < light(base));
    }

    #[test]
    fn by_name_is_stable_and_skips_dark_colours() {
        assert_eq!(string_hash(""), 5381);
        assert_eq!(string_hash("a"), (5381u32 * 33) ^ 97);
        let p = by_name_palette();
        assert!(p.len() < 64 && p.len() > 40, "{}", p.len());
        assert!(!p.contains(&Rgb(0x05, 0x2b, 0x51)), "#052B51 is too dark");
        let a = series("eth0", Some("palette-classic-by-name"), None, 1.0);
        let mut b = a.clone();
        b.points.push((2000, 7.0));
        assert_eq!(
            series_color_for(&a, 0, (0.0, 1.0)),
            series_color_for(&b, 9, (0.0, 1.0)),
            "same name, same colour, whatever the index"
        );
    }
}
