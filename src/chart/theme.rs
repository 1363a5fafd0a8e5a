//! Control-room theme: dark background, high contrast, Okabe-Ito state colours.

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
    /// Linear mix: `t` = 0 gives `self`, 1 gives `other`.
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
    pub(crate) fn rgb(self) -> plotters::style::RGBColor {
        plotters::style::RGBColor(self.0, self.1, self.2)
    }
}

/// Font family written into SVG text and registered for PNG rendering.
pub const FONT: &str = "DejaVu Sans, Verdana, sans-serif";

/// Window background.
pub const BG: Rgb = Rgb(0x11, 0x12, 0x17);
/// Panel background.
pub const PANEL: Rgb = Rgb(0x18, 0x1b, 0x1f);
/// Primary text.
pub const TEXT: Rgb = Rgb(0xe8, 0xea, 0xed);
/// Secondary text (axes, legends).
pub const MUTED: Rgb = Rgb(0xa8, 0xb0, 0xba);
/// Grid lines.
pub const GRID: Rgb = Rgb(0x2f, 0x33, 0x3b);
/// Empty part of gauges and bars.
pub const TRACK: Rgb = Rgb(0x2a, 0x2e, 0x36);
/// "No data" and unknown: grey, never green.
pub const NO_DATA: Rgb = Rgb(0x8e, 0x93, 0x9c);

/// Okabe-Ito bluish green: OK.
pub const OK: Rgb = Rgb(0x00, 0x9e, 0x73);
/// Okabe-Ito yellow: warning (light).
pub const YELLOW: Rgb = Rgb(0xf0, 0xe4, 0x42);
/// Okabe-Ito orange: warning.
pub const ORANGE: Rgb = Rgb(0xe6, 0x9f, 0x00);
/// Okabe-Ito vermillion: critical.
pub const CRIT: Rgb = Rgb(0xd5, 0x5e, 0x00);
/// Okabe-Ito sky blue: informational, default value colour.
pub const INFO: Rgb = Rgb(0x56, 0xb4, 0xe9);
/// Okabe-Ito blue, lightened for a dark background.
pub const BLUE: Rgb = Rgb(0x3d, 0x8f, 0xd6);
/// Okabe-Ito reddish purple.
pub const PURPLE: Rgb = Rgb(0xcc, 0x79, 0xa7);

/// Operator-facing state of a value or alert. Always shown as a word, never by colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Critical (red step, `critical` severity).
    Crit,
    /// Warning (yellow/orange step, `warning` severity).
    Warn,
    /// Alert with a missing or unrecognised severity: shown, never dropped.
    Unknown,
    /// Good (green step).
    Ok,
    /// Informational severity.
    Info,
    /// No value or source unreachable: grey.
    NoData,
}

impl State {
    /// The word drawn next to the colour.
    pub fn word(self) -> &'static str {
        match self {
            State::Crit => "CRIT",
            State::Warn => "WARN",
            State::Unknown => "UNKNOWN",
            State::Ok => "OK",
            State::Info => "INFO",
            State::NoData => "NO DATA",
        }
    }
    /// The symbol drawn with the word (shape differs per state).
    pub fn symbol(self) -> &'static str {
        match self {
            State::Crit => "✖",
            State::Warn => "▲",
            State::Unknown => "?",
            State::Ok => "✔",
            State::Info => "ℹ",
            State::NoData => "—",
        }
    }
    /// The palette colour of the state.
    pub fn color(self) -> Rgb {
        match self {
            State::Crit => CRIT,
            State::Warn => ORANGE,
            State::Unknown | State::NoData => NO_DATA,
            State::Ok => OK,
            State::Info => INFO,
        }
    }
}

/// A parsed Grafana colour: the colour to draw and the state it means, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParsedColor {
    /// Colour to draw (state colours replaced by the palette).
    pub rgb: Rgb,
    /// The state the colour means, if any.
    pub state: Option<State>,
    /// `transparent`: draw nothing.
    pub transparent: bool,
}

/// Parses a Grafana colour (`green`, `dark-red`, `semi-dark-green`, `#rgb`,
/// `#rrggbb`, `rgb(..)`, `rgba(..)`, `text`, `transparent`). State colours
/// (green, yellow, orange, red and their shades) map to the colour-blind-safe
/// palette; unknown names give `None`.
pub fn parse_color(s: &str) -> Option<ParsedColor> {
    let s = s.trim().to_ascii_lowercase();
    let plain = |rgb: Rgb| ParsedColor {
        rgb,
        state: None,
        transparent: false,
    };
    let state = |st: State, rgb: Rgb| ParsedColor {
        rgb,
        state: Some(st),
        transparent: false,
    };
    if s == "transparent" {
        return Some(ParsedColor {
            rgb: PANEL,
            state: None,
            transparent: true,
        });
    }
    if s == "text" {
        return Some(plain(TEXT));
    }
    if let Some(hex) = s.strip_prefix('#') {
        let rgb = parse_hex(hex)?;
        return Some(classify(rgb));
    }
    if let Some(inner) = s.strip_prefix("rgba(").or_else(|| s.strip_prefix("rgb(")) {
        let inner = inner.strip_suffix(')')?;
        let mut it = inner.split(',').map(|p| p.trim().parse::<f64>().ok());
        let mut ch = || -> Option<u8> {
            let v = it.next()??;
            v.is_finite().then(|| v.clamp(0.0, 255.0).round() as u8)
        };
        let rgb = Rgb(ch()?, ch()?, ch()?);
        return Some(classify(rgb));
    }
    let base = s
        .strip_prefix("super-light-")
        .or_else(|| s.strip_prefix("light-"))
        .or_else(|| s.strip_prefix("semi-dark-"))
        .or_else(|| s.strip_prefix("dark-"))
        .unwrap_or(&s);
    let light = s.starts_with("light-") || s.starts_with("super-light-");
    let dark = s.starts_with("dark-");
    let shade = |c: Rgb| {
        if light {
            c.mix(Rgb(255, 255, 255), 0.25)
        } else if dark {
            c.mix(Rgb(0, 0, 0), 0.2)
        } else {
            c
        }
    };
    Some(match base {
        "green" => state(State::Ok, shade(OK)),
        "yellow" => state(State::Warn, shade(YELLOW)),
        "orange" => state(State::Warn, shade(ORANGE)),
        "red" => state(State::Crit, shade(CRIT)),
        "blue" => plain(shade(INFO)),
        "purple" => plain(shade(PURPLE)),
        "white" => plain(TEXT),
        "grey" | "gray" => plain(NO_DATA),
        _ => return None,
    })
}

fn parse_hex(hex: &str) -> Option<Rgb> {
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let nib = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 1)?, 16)
            .ok()
            .map(|n| n * 17)
    };
    match hex.len() {
        3 | 4 => Some(Rgb(nib(0)?, nib(1)?, nib(2)?)),
        6 | 8 => Some(Rgb(byte(0)?, byte(2)?, byte(4)?)),
        _ => None,
    }
}

/// Gives a free-form colour a state by its hue (Grafana's `#73BF69` is green,
/// `#EAB839` yellow, `#F2495C` red), and swaps state colours for the palette.
fn classify(rgb: Rgb) -> ParsedColor {
    let (r, g, b) = (
        rgb.0 as f64 / 255.0,
        rgb.1 as f64 / 255.0,
        rgb.2 as f64 / 255.0,
    );
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    let sat = if max > 0.0 { delta / max } else { 0.0 };
    let mut state = None;
    let mut hue = 0.0;
    if sat > 0.35 && max > 0.3 && delta > 0.0 {
        let h = if max == r {
            60.0 * (((g - b) / delta).rem_euclid(6.0))
        } else if max == g {
            60.0 * ((b - r) / delta + 2.0)
        } else {
            60.0 * ((r - g) / delta + 4.0)
        };
        hue = h;
        state = if !(15.0..345.0).contains(&h) {
            Some(State::Crit)
        } else if h < 70.0 {
            Some(State::Warn)
        } else if h < 170.0 {
            Some(State::Ok)
        } else {
            None
        };
    }
    let rgb = match state {
        Some(State::Crit) => CRIT,
        Some(State::Warn) if hue >= 40.0 => YELLOW,
        Some(State::Warn) => ORANGE,
        Some(State::Ok) => OK,
        _ => rgb,
    };
    ParsedColor {
        rgb,
        state,
        transparent: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: Option<(&str, Option<State>)>) {
        let got = parse_color(input).map(|p| (p.rgb.hex(), p.state));
        assert_eq!(
            got,
            expect.map(|(h, s)| (h.to_string(), s)),
            "colour {input:?}"
        );
    }

    #[test]
    fn colours() {
        check("green", Some(("#009e73", Some(State::Ok))));
        check("semi-dark-green", Some(("#009e73", Some(State::Ok))));
        check("dark-red", Some(("#aa4b00", Some(State::Crit))));
        check("red", Some(("#d55e00", Some(State::Crit))));
        check("yellow", Some(("#f0e442", Some(State::Warn))));
        check("light-yellow", Some(("#f4eb71", Some(State::Warn))));
        check("orange", Some(("#e69f00", Some(State::Warn))));
        check("super-light-blue", Some(("#80c7ef", None)));
        check("purple", Some(("#cc79a7", None)));
        check("text", Some(("#e8eaed", None)));
        check("#73BF69", Some(("#009e73", Some(State::Ok))));
        check("#EAB839", Some(("#f0e442", Some(State::Warn))));
        check("#F2495C", Some(("#d55e00", Some(State::Crit))));
        check("#ff7f00", Some(("#e69f00", Some(State::Warn))));
        check("#0af", Some(("#00aaff", None)));
        check("#123456", Some(("#123456", None)));
        check("rgb(255, 0, 0)", Some(("#d55e00", Some(State::Crit))));
        check("rgba(50, 116, 217, 0.5)", Some(("#3274d9", None)));
        check("rgba(300, -5, 1e400, 1)", None);
        check("#12", None);
        check("#zzzzzz", None);
        check("#ééé", None);
        check("chartreuse-ish", None);
        check("", None);
        assert!(parse_color("transparent").is_some_and(|p| p.transparent));
    }
}
