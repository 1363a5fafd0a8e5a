//! Prometheus text exposition format 0.0.4 writer.

use std::fmt::Write as _;

/// Content type of the text format, as Prometheus expects it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Metric family type (`# TYPE` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Accumulates one scrape body.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a family: writes its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    /// Writes one sample line.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_label_into(&mut self.out, v);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(&fmt_value(value));
        self.out.push('\n');
    }

    /// The finished body.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_label_into(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Formats a sample value (or an `le` bound) the way Go clients do: `NaN`, `+Inf`, `-Inf`,
/// integers without a fraction, otherwise the shortest round-trip decimal.
pub fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_value(v: f64, expect: &str) {
        assert_eq!(fmt_value(v), expect);
    }

    #[test]
    fn values() {
        check_value(0.0, "0");
        check_value(-0.0, "0");
        check_value(42.0, "42");
        check_value(0.005, "0.005");
        check_value(2.5, "2.5");
        check_value(-1.25, "-1.25");
        check_value(f64::NAN, "NaN");
        check_value(f64::INFINITY, "+Inf");
        check_value(f64::NEG_INFINITY, "-Inf");
        check_value(1e20, "100000000000000000000");
    }

    #[track_caller]
    fn check_line(labels: &[(&str, &str)], value: f64, expect: &str) {
        let mut e = Exposition::new();
        e.sample("m", labels, value);
        assert_eq!(e.finish(), expect);
    }

    #[test]
    fn lines() {
        check_line(&[], 1.0, "m 1\n");
        check_line(&[("a", "b")], 1.5, "m{a=\"b\"} 1.5\n");
        check_line(&[("a", "b"), ("c", "d")], 0.0, "m{a=\"b\",c=\"d\"} 0\n");
        check_line(&[("q", "say \"hi\"")], 1.0, "m{q=\"say \\\"hi\\\"\"} 1\n");
        check_line(&[("p", "C:\\x")], 1.0, "m{p=\"C:\\\\x\"} 1\n");
        check_line(&[("n", "a\nb")], 1.0, "m{n=\"a\\nb\"} 1\n");
        check_line(
            &[("route", "/api/v1/playback/:id")],
            3.0,
            "m{route=\"/api/v1/playback/:id\"} 3\n",
        );
    }

    #[test]
    fn family_header() {
        let mut e = Exposition::new();
        e.family("x_total", Kind::Counter, "Line one\nback\\slash");
        e.family("h", Kind::Histogram, "h");
        e.family("g", Kind::Gauge, "g");
        assert_eq!(
            e.finish(),
            "# HELP x_total Line one\\nback\\\\slash\n# TYPE x_total counter\n\
             # HELP h h\n# TYPE h histogram\n# HELP g g\n# TYPE g gauge\n"
        );
    }
}
