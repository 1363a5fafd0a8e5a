//! Series legends from Grafana's `legendFormat`.

use crate::source::Labels;

/// Renders a legend: `{{label}}` (spaces inside the braces allowed) becomes the label's value; a
/// label the series lacks prints its name, as Grafana's legend does (`{{instance}}` → `instance`),
/// so a series is never nameless. An empty format or `__auto` gives the Prometheus series notation
/// `metric{a="b", c="d"}` (`{}` without labels; see [`legend_or_expr`]).
pub fn legend(format: &str, labels: &Labels) -> String {
    let f = format.trim();
    if f.is_empty() || f == "__auto" {
        return series_notation(labels);
    }
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(open) = rest.find("{{") {
        let Some(after) = rest.get(open + 2..) else {
            break;
        };
        let Some(close) = after.find("}}") else {
            break;
        };
        let name = after.get(..close).unwrap_or("").trim();
        if name.is_empty() {
            // `{{}}` is not a placeholder: keep it and go on after it.
            out.push_str(rest.get(..open + 4 + close).unwrap_or(""));
        } else {
            out.push_str(rest.get(..open).unwrap_or(""));
            out.push_str(labels.get(name).map(String::as_str).unwrap_or(name));
        }
        rest = after.get(close + 2..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// [`legend`], except that a series with no labels at all (`sum(x)`, shown `{}`) is named by its
/// expression, as Grafana names it.
pub fn legend_or_expr(format: &str, labels: &Labels, expr: &str) -> String {
    let name = legend(format, labels);
    if name == "{}" {
        expr.to_string()
    } else {
        name
    }
}

/// `metric{a="b", c="d"}` with Go-style escaping of label values; just `metric` without other
/// labels; `{}` for an empty set.
fn series_notation(labels: &Labels) -> String {
    let name = labels.get("__name__").map(String::as_str).unwrap_or("");
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if pairs.is_empty() && !name.is_empty() {
        return name.to_string();
    }
    format!("{name}{{{}}}", pairs.join(", "))
}

fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(format: &str, labels: &[(&str, &str)], expect: &str) {
        let labels: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(legend(format, &labels), expect, "format {format:?}");
    }

    #[test]
    fn legends() {
        let l = [("__name__", "up"), ("instance", "a:9100"), ("job", "node")];
        check("{{instance}}", &l, "a:9100");
        check("{{ instance }} ({{job}})", &l, "a:9100 (node)");
        check("{{  job}}", &l, "node");
        // A label the series lacks prints its name (it was left out, so series had no name).
        check("{{missing}}", &l, "missing");
        check("x {{missing}} y", &l, "x missing y");
        check("{{__name__}}", &l, "up");
        check("static", &l, "static");
        check("", &l, "up{instance=\"a:9100\", job=\"node\"}");
        check("__auto", &l, "up{instance=\"a:9100\", job=\"node\"}");
        check("  ", &l, "up{instance=\"a:9100\", job=\"node\"}");
        check("", &[], "{}");
        check("", &[("__name__", "up")], "up");
        check("", &[("job", "node")], "{job=\"node\"}");
        check("", &[("q", "a\"b\\c")], "{q=\"a\\\"b\\\\c\"}");
        check("{{job", &l, "{{job");
        check("{{}}", &l, "{{}}");
        check("{{}} {{job}}", &l, "{{}} node");
        check("{{job}}}", &l, "node}");
        check("é{{job}}é", &l, "énodeé");
        check("{{{job}}}", &l, "{job}");
    }
}
