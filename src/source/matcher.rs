//! Label matchers as Prometheus and Alertmanager write them (`job="go-api"`, `alertname=~"High.*"`):
//! parsing, and matching a label set. Used by silences, acknowledgements and the quiet rules.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

use super::{Labels, Matcher, Silence};

/// Compiled, anchored regexes of matchers, so that a regex is compiled once, not for every alert it
/// is matched against (quiet rules and silences are matched on every notification round).
fn compiled(pattern: &str) -> Option<Arc<Regex>> {
    /// More distinct patterns than this and the cache starts afresh (bounded memory).
    const MAX: usize = 4096;
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(re) = map.get(pattern) {
        return re.clone();
    }
    let re = regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .ok()
        .map(Arc::new);
    if map.len() >= MAX {
        map.clear();
    }
    map.insert(pattern.to_string(), re.clone());
    re
}

/// Whether one matcher matches a label set (a missing label is the empty string, as in Alertmanager).
/// A regex that does not compile matches nothing.
pub fn matcher_matches(m: &Matcher, labels: &Labels) -> bool {
    let v = labels.get(&m.name).map(String::as_str).unwrap_or("");
    let hit = if m.is_regex {
        compiled(&m.value).is_some_and(|re| re.is_match(v))
    } else {
        v == m.value
    };
    hit == m.is_equal
}

/// Whether every matcher of a silence matches (a silence without matchers matches nothing).
pub fn silence_matches(s: &Silence, labels: &Labels) -> bool {
    !s.matchers.is_empty() && s.matchers.iter().all(|m| matcher_matches(m, labels))
}

/// A matcher that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?}: {reason}")]
pub struct MatcherError {
    pub input: String,
    pub reason: String,
}

/// Parses a label matcher as Prometheus and Alertmanager write it: `job="go-api"`, `job!="x"`,
/// `alertname=~"High.*"`, `instance!~"10\\..*"` (quotes optional).
pub fn parse_matcher(s: &str) -> Result<Matcher, MatcherError> {
    let s = s.trim();
    let err = |reason: String| MatcherError {
        input: s.chars().take(200).collect(),
        reason,
    };
    let ops = ["=~", "!~", "!=", "="];
    let (pos, op) = ops
        .iter()
        .filter_map(|op| s.find(op).map(|p| (p, *op)))
        .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
        .ok_or_else(|| {
            err("not a matcher; write it like job=\"go-api\" or alertname=~\"High.*\"".into())
        })?;
    let name = s[..pos].trim();
    let raw = s[pos + op.len()..].trim();
    let value = raw
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(raw)
        .replace("\\\"", "\"");
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(err(format!("{name:?} is not a label name")));
    }
    let is_regex = op.contains('~');
    if is_regex && compiled(&value).is_none() {
        return Err(err(format!("{value:?} is not a valid regular expression")));
    }
    Ok(Matcher {
        name: name.to_string(),
        value,
        is_regex,
        is_equal: !op.starts_with('!'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::labels_of as labels;

    fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    #[track_caller]
    fn check(matcher: Matcher, l: &[(&str, &str)], expect: bool) {
        assert_eq!(
            matcher_matches(&matcher, &labels(l)),
            expect,
            "{matcher:?} on {l:?}"
        );
    }

    #[track_caller]
    fn check_parse(input: &str, expect: Option<(&str, &str, bool, bool)>) {
        let got = parse_matcher(input).ok();
        let want = expect.map(|(n, v, r, e)| m(n, v, r, e));
        assert_eq!(got, want, "{input}");
    }

    #[test]
    fn parsing_matchers() {
        check_parse("job=\"go-api\"", Some(("job", "go-api", false, true)));
        check_parse("job != \"go-api\"", Some(("job", "go-api", false, false)));
        check_parse(
            "alertname=~\"High.*\"",
            Some(("alertname", "High.*", true, true)),
        );
        check_parse("instance!~10.*", Some(("instance", "10.*", true, false)));
        check_parse("x=\"a=b\"", Some(("x", "a=b", false, true)));
        check_parse("nonsense", None);
        check_parse("=\"v\"", None);
        check_parse("bad name=\"v\"", None);
        check_parse("a=~\"(\"", None);
    }

    #[test]
    fn matchers() {
        check(m("job", "go-api", false, true), &[("job", "go-api")], true);
        check(m("job", "go-api", false, true), &[("job", "go")], false);
        check(m("job", "go-.*", true, true), &[("job", "go-api")], true);
        check(m("job", "go", true, true), &[("job", "go-api")], false);
        check(m("job", "go-api", false, false), &[("job", "x")], true);
        check(m("job", "", false, true), &[], true);
        check(m("job", "(", true, true), &[("job", "(")], false);
    }

    /// Regression: quiet-rule and silence regexes were compiled again for every alert they were
    /// matched against. A pattern is now compiled once: matching it against 100,000 label sets
    /// reuses the same compiled regex.
    #[test]
    fn a_matcher_regex_is_compiled_once_not_per_match() {
        let pat = "svc-[0-9]+-(a|b)";
        let first = compiled(pat).expect("compiles");
        let matcher = m("job", pat, true, true);
        let mut hits = 0;
        for i in 0..100_000 {
            if matcher_matches(&matcher, &labels(&[("job", &format!("svc-{i}-a"))])) {
                hits += 1;
            }
        }
        assert_eq!(hits, 100_000);
        let again = compiled(pat).expect("still cached");
        assert!(Arc::ptr_eq(&first, &again), "the compiled regex is reused");
    }
}
