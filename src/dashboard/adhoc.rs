//! Ad hoc filters: label matchers an operator adds in the variable bar, injected into every vector
//! selector of every query, as Grafana's Prometheus data source does (`addLabelToQuery`).

/// One filter: `key op "value"`, op one of `=`, `!=`, `=~`, `!~`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub key: String,
    pub op: String,
    pub value: String,
}

impl Filter {
    /// Parses `job="node"`, `job != node`, `instance=~"10\\..*"` (quotes optional). A key must be a
    /// label name; anything else is `None`.
    pub fn parse(s: &str) -> Option<Filter> {
        let s = s.trim();
        let (pos, op) = ["=~", "!~", "!=", "="]
            .iter()
            .filter_map(|op| s.find(op).map(|p| (p, *op)))
            .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))?;
        let key = s[..pos].trim();
        let ok = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return None;
        }
        let raw = s[pos + op.len()..].trim();
        let value = raw
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(raw)
            .replace("\\\"", "\"");
        Some(Filter {
            key: key.to_string(),
            op: op.to_string(),
            value,
        })
    }

    /// The filter as a PromQL label matcher.
    pub fn matcher(&self) -> String {
        let v = self.value.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{}{}\"{v}\"", self.key, self.op)
    }

    /// How it is saved and shown: `key op "value"`.
    pub fn text(&self) -> String {
        self.matcher()
    }
}

const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "Inf",
    "NaN",
    "inf",
    "nan",
    "atan2",
    "start",
    "end",
];

/// Keywords followed by a parenthesised list of label names (not selectors).
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// `expr` with `filters` added to every vector selector (`metric`, `metric{…}`, `{…}`). Strings,
/// label lists (`by (…)`), ranges (`[5m]`) and function names are left alone. Unbalanced input
/// is returned unchanged.
pub fn apply(expr: &str, filters: &[Filter]) -> String {
    if filters.is_empty() {
        return expr.to_string();
    }
    let add: String = filters
        .iter()
        .map(Filter::matcher)
        .collect::<Vec<_>>()
        .join(",");
    let b = expr.as_bytes();
    let n = b.len();
    let mut out = String::with_capacity(n + add.len() * 2);
    let mut i = 0;
    let mut last_ident: Option<String> = None;
    let skip_string = |i: usize| -> Option<usize> {
        let q = b[i];
        let mut j = i + 1;
        while j < n {
            if b[j] == b'\\' && q != b'`' {
                j += 2;
                continue;
            }
            if b[j] == q {
                return Some(j + 1);
            }
            j += 1;
        }
        None
    };
    let close_of = |i: usize, open: u8, close: u8| -> Option<usize> {
        let mut depth = 0;
        let mut j = i;
        while j < n {
            match b[j] {
                b'"' | b'\'' | b'`' => {
                    j = skip_string(j)?;
                    continue;
                }
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        None
    };
    while i < n {
        let c = b[i];
        match c {
            b'"' | b'\'' | b'`' => {
                let Some(j) = skip_string(i) else {
                    return expr.to_string();
                };
                out.push_str(&expr[i..j]);
                i = j;
                last_ident = None;
            }
            b'[' => {
                let Some(j) = close_of(i, b'[', b']') else {
                    return expr.to_string();
                };
                out.push_str(&expr[i..=j]);
                i = j + 1;
                last_ident = None;
            }
            b'{' => {
                // A selector's matchers (after a metric name, or a bare `{…}`).
                let Some(j) = close_of(i, b'{', b'}') else {
                    return expr.to_string();
                };
                let inner = expr[i + 1..j].trim_end();
                out.push('{');
                out.push_str(inner);
                if !inner.trim().is_empty() && !inner.ends_with(',') {
                    out.push(',');
                }
                out.push_str(&add);
                out.push('}');
                i = j + 1;
                last_ident = None;
            }
            c if c.is_ascii_digit() || (c == b'.' && i + 1 < n && b[i + 1].is_ascii_digit()) => {
                // A number or a duration (`5m`, `1e3`, `0x1f`): never a metric.
                let mut j = i;
                while j < n && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_') {
                    if (b[j] == b'e' || b[j] == b'E')
                        && j + 1 < n
                        && (b[j + 1] == b'+' || b[j + 1] == b'-')
                    {
                        j += 1;
                    }
                    j += 1;
                }
                out.push_str(&expr[i..j]);
                i = j;
                last_ident = None;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {
                let mut j = i;
                while j < n && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b':') {
                    j += 1;
                }
                let ident = &expr[i..j];
                out.push_str(ident);
                // What follows, spaces skipped.
                let mut k = j;
                while k < n && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                let next = b.get(k).copied();
                if LABEL_LISTS.contains(&ident) && next == Some(b'(') {
                    let Some(close) = close_of(k, b'(', b')') else {
                        return expr.to_string();
                    };
                    out.push_str(&expr[j..=close]);
                    i = close + 1;
                    last_ident = None;
                    continue;
                }
                // `sum by (x) (…)`: an aggregation, whose modifier comes before its parentheses.
                let rest = &expr[k..];
                let modifier = ["by", "without"].iter().any(|m| {
                    rest.strip_prefix(m).is_some_and(|r| {
                        r.trim_start().starts_with('(')
                            && !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    })
                });
                let is_selector = next != Some(b'(')
                    && !modifier
                    && !KEYWORDS.contains(&ident)
                    && last_ident.as_deref() != Some("offset");
                if is_selector && next != Some(b'{') {
                    out.push('{');
                    out.push_str(&add);
                    out.push('}');
                }
                // `metric {…}`: the braces that follow are its matchers (handled above).
                if !is_selector && next == Some(b'{') {
                    // A keyword followed by braces cannot be a selector; keep the text as it is.
                    out.push_str(&expr[j..k]);
                    let Some(close) = close_of(k, b'{', b'}') else {
                        return expr.to_string();
                    };
                    out.push_str(&expr[k..=close]);
                    i = close + 1;
                    last_ident = None;
                    continue;
                }
                last_ident = Some(ident.to_string());
                i = j;
            }
            _ => {
                if !c.is_ascii_whitespace() {
                    last_ident = None;
                }
                let ch = expr[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(expr: &str, expect: &str) {
        let f = vec![Filter::parse("job=\"node\"").unwrap()];
        assert_eq!(apply(expr, &f), expect, "{expr}");
    }

    #[test]
    fn filters_go_into_every_selector() {
        check("up", "up{job=\"node\"}");
        check("up{instance=\"a\"}", "up{instance=\"a\",job=\"node\"}");
        check("up{}", "up{job=\"node\"}");
        check("{__name__=~\"x.*\"}", "{__name__=~\"x.*\",job=\"node\"}");
        check(
            "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m]))",
            "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\",job=\"node\"}[5m]))",
        );
        check(
            "a / on(instance) group_left(nodename) b",
            "a{job=\"node\"} / on(instance) group_left(nodename) b{job=\"node\"}",
        );
        check(
            "rate(x[5m] offset 1h)",
            "rate(x{job=\"node\"}[5m] offset 1h)",
        );
        check("x > 1e3", "x{job=\"node\"} > 1e3");
        check(
            "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")",
            "label_replace(up{job=\"node\"}, \"a\", \"$1\", \"b\", \"(.*)\")",
        );
        check("vector(1)", "vector(1)");
        check("time() - x", "time() - x{job=\"node\"}");
        check("x and y", "x{job=\"node\"} and y{job=\"node\"}");
        check("unbalanced{", "unbalanced{");
        check("up:recorded", "up:recorded{job=\"node\"}");
    }

    #[test]
    fn filters_parse_and_print() {
        let f = Filter::parse(" instance =~ 10\\..* ").unwrap();
        assert_eq!((f.key.as_str(), f.op.as_str()), ("instance", "=~"));
        assert_eq!(f.matcher(), "instance=~\"10\\\\..*\"");
        assert!(Filter::parse("no operator").is_none());
        assert!(Filter::parse("bad key=\"x\"").is_none());
        assert_eq!(
            Filter::parse("q=\"a\\\"b\"").unwrap().value,
            "a\"b",
            "escaped quotes"
        );
    }
}
