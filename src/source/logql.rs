//! The LogQL subset Watchdesk evaluates itself: a stream selector (`{job="go-api", level=~"err.*"}`,
//! operators `=`, `!=`, `=~`, `!~`) followed by line filters (`|= "text"`, `!= "text"`,
//! `|~ "regex"`, `!~ "regex"`). Used to read cached lines offline with the same query the
//! operator typed for Loki (and by the simulator's stand-in Loki). Parsers (`| json`), formatters
//! and metric queries are not in the subset: [`LogSelector::parse`] says so.

use regex::Regex;

use super::matcher::matcher_matches;
use super::{Labels, Matcher};

/// A parsed selector with its line filters.
#[derive(Debug, Clone)]
pub struct LogSelector {
    pub matchers: Vec<Matcher>,
    pub filters: Vec<LineFilter>,
}

/// One line filter.
#[derive(Debug, Clone)]
pub enum LineFilter {
    Contains(String),
    NotContains(String),
    Matches(Regex),
    NotMatches(Regex),
}

impl LineFilter {
    fn keeps(&self, line: &str) -> bool {
        match self {
            LineFilter::Contains(s) => line.contains(s.as_str()),
            LineFilter::NotContains(s) => !line.contains(s.as_str()),
            LineFilter::Matches(r) => r.is_match(line),
            LineFilter::NotMatches(r) => !r.is_match(line),
        }
    }
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn ws(&mut self) {
        while self.s[self.i..].starts_with(char::is_whitespace) {
            self.i += self.s[self.i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }
    fn name(&mut self) -> Option<String> {
        self.ws();
        let rest = &self.s[self.i..];
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (n > 0).then(|| {
            self.i += n;
            rest[..n].to_string()
        })
    }
    /// A `"…"` string with `\"`, `\\`, `\n`, `\t` escapes, or a `` `…` `` raw string.
    fn string(&mut self) -> Option<String> {
        self.ws();
        let rest = &self.s[self.i..];
        if let Some(raw) = rest.strip_prefix('`') {
            let end = raw.find('`')?;
            self.i += end + 2;
            return Some(raw[..end].to_string());
        }
        let body = rest.strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((k, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += 1 + k + 1;
                    return Some(out);
                }
                '\\' => match chars.next()?.1 {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }
}

/// `s` as a LogQL double-quoted string (Go's escapes for `\\`, `"`, newline and tab), which
/// [`LogSelector::parse`] and Loki read back as `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn regex(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| format!("{pattern:?} is not a valid regular expression"))
}

impl LogSelector {
    /// Parses `{…} |= "…" …`; the error says what is not understood.
    pub fn parse(q: &str) -> Result<LogSelector, String> {
        let mut c = Cursor { s: q, i: 0 };
        if !c.eat("{") {
            return Err(
                "a log query starts with a stream selector, like {job=\"go-api\"} (metric queries \
                 such as rate(…) are not read from the cache)"
                    .into(),
            );
        }
        let mut matchers = Vec::new();
        if !c.eat("}") {
            loop {
                let name = c.name().ok_or("a label name is expected in the selector")?;
                let (is_regex, is_equal) = if c.eat("=~") {
                    (true, true)
                } else if c.eat("!~") {
                    (true, false)
                } else if c.eat("!=") {
                    (false, false)
                } else if c.eat("=") {
                    (false, true)
                } else {
                    return Err(format!("after {name:?}: expected =, !=, =~ or !~"));
                };
                let value = c
                    .string()
                    .ok_or_else(|| format!("the value of {name:?} must be a quoted string"))?;
                if is_regex {
                    regex(&format!("^(?:{value})$"))?;
                }
                matchers.push(Matcher {
                    name,
                    value,
                    is_regex,
                    is_equal,
                });
                if c.eat("}") {
                    break;
                }
                if !c.eat(",") {
                    return Err("expected , or } in the stream selector".into());
                }
            }
        }
        let mut filters = Vec::new();
        loop {
            c.ws();
            if c.i >= q.len() {
                break;
            }
            let op = ["|=", "!=", "|~", "!~"]
                .into_iter()
                .find(|op| c.eat(op))
                .ok_or_else(|| {
                    format!(
                        "only line filters (|= != |~ !~) follow the selector here, not {:?}",
                        q[c.i..].chars().take(20).collect::<String>()
                    )
                })?;
            let arg = c
                .string()
                .ok_or_else(|| format!("{op} needs a quoted string"))?;
            filters.push(match op {
                "|=" => LineFilter::Contains(arg),
                "!=" => LineFilter::NotContains(arg),
                "|~" => LineFilter::Matches(regex(&arg)?),
                _ => LineFilter::NotMatches(regex(&arg)?),
            });
        }
        Ok(LogSelector { matchers, filters })
    }

    /// Whether a stream with these labels is selected.
    pub fn selects(&self, labels: &Labels) -> bool {
        self.matchers.iter().all(|m| matcher_matches(m, labels))
    }

    /// Whether a line passes every filter.
    pub fn keeps(&self, line: &str) -> bool {
        self.filters.iter().all(|f| f.keeps(line))
    }
}

/// The level word of a line: a `level` (or `detected_level`, `severity`) label, else a JSON or
/// logfmt `level` field, else an nginx access line's status class, else `unknown`.
pub fn level_of(labels: &Labels, line: &str) -> &'static str {
    for k in ["level", "detected_level", "severity", "lvl"] {
        if let Some(v) = labels.get(k) {
            return level_word(v);
        }
    }
    let mut end = line.len().min(2048);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let head = &line[..end];
    for key in ["\"level\":\"", "\"level\": \"", "level=", "lvl="] {
        if let Some(i) = head.find(key) {
            let rest = &head[i + key.len()..];
            let rest = rest.trim_start_matches('"');
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            return level_word(&rest[..end]);
        }
    }
    // nginx combined format: `… "GET /x HTTP/1.1" 503 …`
    if let Some(i) = head
        .find("HTTP/1.1\" ")
        .or_else(|| head.find("HTTP/2.0\" "))
    {
        match head.as_bytes().get(i + 10) {
            Some(b'5') => return "error",
            Some(b'4') => return "warn",
            Some(b'1'..=b'3') => return "info",
            _ => {}
        }
    }
    "unknown"
}

fn level_word(v: &str) -> &'static str {
    match v.to_ascii_lowercase().as_str() {
        "error" | "err" | "fatal" | "panic" | "critical" | "crit" | "emerg" | "alert" => "error",
        "warn" | "warning" => "warn",
        "info" | "notice" | "information" => "info",
        "debug" | "trace" | "dbg" => "debug",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::labels_of as labels;

    #[test]
    fn selectors_and_filters() {
        let s = LogSelector::parse(
            r#"{service="go-api", level=~"err.*", job!="x", instance!~"10\\..*"} |= "timeout" != "retry" |~ "code=5\\d\\d" !~ `debug`"#,
        )
        .unwrap();
        assert_eq!(s.matchers.len(), 4);
        assert_eq!(s.filters.len(), 4);
        let l = labels(&[
            ("service", "go-api"),
            ("level", "error"),
            ("instance", "127.0.0.1"),
        ]);
        assert!(s.selects(&l));
        assert!(!s.selects(&labels(&[("service", "go-api"), ("level", "info")])));
        assert!(s.keeps("upstream timeout code=503"));
        assert!(!s.keeps("upstream timeout code=503 retry"));
        assert!(!s.keeps("upstream timeout code=403"));
        assert!(!s.keeps("debug timeout code=503"));
        assert!(LogSelector::parse("{}").unwrap().selects(&Labels::new()));
    }

    #[test]
    fn what_is_not_understood_is_said() {
        for (q, needle) in [
            ("rate({job=\"x\"}[1m])", "stream selector"),
            ("{job=\"x\"} | json", "only line filters"),
            ("{job=\"x}", "quoted"),
            ("{job~\"x\"}", "expected"),
            ("{job=~\"(\"}", "regular expression"),
            ("{job=\"x\"} |= ", "quoted string"),
        ] {
            let e = LogSelector::parse(q).unwrap_err();
            assert!(e.contains(needle), "{q}: {e}");
        }
    }
}
