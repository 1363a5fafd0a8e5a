//! Template variables: custom lists, variable queries, Grafana's value regex, resolution against a
//! [`MetricsSource`], and interpolation of `$var`, `${var:fmt}`, `[[var]]` and the `$__` built-ins.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use super::model::{Dashboard, VarKind, Variable};
use super::{Issue, IssueKind};
use crate::source::{Labels, MetricsSource};
use crate::time::format_duration_ms;

/// Scrape interval assumed for `$__rate_interval` when the site does not say (Grafana's default).
pub const DEFAULT_SCRAPE_MS: i64 = 15_000;

/// The special value of "All" in saved selections.
const ALL: &str = "$__all";

/// A variable's query, as Grafana's Prometheus data source understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarQuery {
    /// `label_values(label)` or `label_values(selector, label)`.
    LabelValues {
        metric: Option<String>,
        label: String,
    },
    /// `query_result(expr)`: one option per result line, `name{labels} value timestamp`.
    QueryResult(String),
    /// `metrics(regex)`: metric names matching the regex.
    Metrics(String),
    /// A bare series selector: one option per series, `name{labels}`.
    Series(String),
    /// Anything else (`label_names()`, empty): the saved options are used.
    Unsupported(String),
}

/// Parses a query variable's definition (after interpolation of earlier variables).
pub fn parse_var_query(q: &str) -> VarQuery {
    let q = q.trim();
    if let Some(inner) = call_args(q, "label_values") {
        let (metric, label) = match last_top_level_comma(inner) {
            Some(i) => (
                inner.get(..i).map(str::trim).filter(|s| !s.is_empty()),
                inner.get(i + 1..).unwrap_or("").trim(),
            ),
            None => (None, inner.trim()),
        };
        if !is_label_name(label) {
            return VarQuery::Unsupported(q.to_string());
        }
        return VarQuery::LabelValues {
            metric: metric.map(str::to_string),
            label: label.to_string(),
        };
    }
    if let Some(inner) = call_args(q, "query_result") {
        if !inner.trim().is_empty() {
            return VarQuery::QueryResult(inner.trim().to_string());
        }
    }
    if let Some(inner) = call_args(q, "metrics") {
        if !inner.trim().is_empty() {
            return VarQuery::Metrics(inner.trim().to_string());
        }
    }
    if q.is_empty() || call_args(q, "label_names").is_some() || q.contains('(') {
        return VarQuery::Unsupported(q.to_string());
    }
    VarQuery::Series(q.to_string())
}

/// `name( inner )` -> `inner`.
fn call_args<'a>(q: &'a str, name: &str) -> Option<&'a str> {
    let rest = q.strip_prefix(name)?.trim_start();
    rest.strip_prefix('(')?.strip_suffix(')')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Byte index of the last comma outside brackets and quotes.
fn last_top_level_comma(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut last = None;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    last
}

/// Options of a `custom` variable: comma-separated (`\,` escapes a comma), `text : value` pairs
/// give the value.
pub(super) fn parse_custom(query: &str) -> Vec<String> {
    static PAIR: OnceLock<Option<Regex>> = OnceLock::new();
    let pair = PAIR
        .get_or_init(|| Regex::new(r"^\s*(.+)\s:\s(.+)$").ok())
        .as_ref();
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            ',' => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    items.push(cur);
    let values = items.into_iter().filter_map(|item| {
        let value = match pair
            .and_then(|re| re.captures(&item))
            .and_then(|c| c.get(2))
        {
            Some(v) => v.as_str().trim().to_string(),
            None => item.trim().to_string(),
        };
        (!value.is_empty()).then_some(value)
    });
    dedup_first_seen(values)
}

/// The values without repeats, each at its first place. Linear (a set of what was seen): option
/// lists of 100,000 label values are real.
fn dedup_first_seen(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    values
        .into_iter()
        .filter(|v| !seen.contains(v) && seen.insert(v.clone()))
        .collect()
}

/// A variable's regex does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regex {regex:?} is invalid ({reason}); the values are used unfiltered. Fix the variable's Regex field (JavaScript-only syntax such as look-ahead is not supported)")]
pub struct RegexError {
    pub regex: String,
    pub reason: String,
}

/// A compiled Grafana regex: `/pattern/flags` (flags `gimsuy`) or a bare pattern, which Grafana
/// anchors as `^pattern$`.
pub(super) struct GrafanaRegex {
    re: Regex,
    global: bool,
}

pub(super) fn compile_grafana_regex(s: &str) -> Result<GrafanaRegex, RegexError> {
    let err = |reason: String| RegexError {
        regex: s.to_string(),
        reason,
    };
    let (pattern, flags) = match s.strip_prefix('/') {
        None => (format!("^{s}$"), ""),
        Some(rest) => {
            let close = rest.rfind('/').ok_or_else(|| err("no closing /".into()))?;
            let flags = rest.get(close + 1..).unwrap_or("");
            if !flags.chars().all(|f| "gimsuy".contains(f)) {
                return Err(err(format!("unknown flags {flags:?}")));
            }
            (rest.get(..close).unwrap_or("").to_string(), flags)
        }
    };
    let inline: String = flags.chars().filter(|f| "ims".contains(*f)).collect();
    let full = if inline.is_empty() {
        pattern
    } else {
        format!("(?{inline}){pattern}")
    };
    let re = regex::RegexBuilder::new(&full)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            err(e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string())
        })?;
    Ok(GrafanaRegex {
        re,
        global: flags.contains('g'),
    })
}

impl GrafanaRegex {
    /// Grafana's extraction: named group `value`/`text`, else group 1 (every match with `g`), else
    /// the value itself when it matches; non-matching values are dropped. Duplicates removed.
    fn apply(&self, values: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let has_groups = self.re.captures_len() > 1;
        for v in values {
            let matches: Vec<regex::Captures> = if self.global {
                self.re.captures_iter(v).collect()
            } else {
                self.re.captures(v).into_iter().collect()
            };
            if matches.is_empty() {
                continue;
            }
            let named = |n: &str| {
                matches
                    .iter()
                    .find_map(|m| m.name(n).map(|g| g.as_str()).filter(|s| !s.is_empty()))
            };
            let mut found: Vec<&str> = Vec::new();
            if let Some(g) = named("value").or_else(|| named("text")) {
                found.push(g);
            } else if has_groups {
                found.extend(matches.iter().filter_map(|m| m.get(1).map(|g| g.as_str())));
            } else {
                found.push(v);
            }
            for f in found {
                if seen.insert(f) {
                    out.push(f.to_string());
                }
            }
        }
        out
    }
}

/// Applies a variable's Grafana regex to option values (see Grafana's variable Regex field).
pub fn apply_regex(regex: &str, values: &[String]) -> Result<Vec<String>, RegexError> {
    Ok(compile_grafana_regex(regex)?.apply(values))
}

/// Grafana's option sort codes (see [`Variable::sort`]).
fn sort_values(values: &mut [String], code: u8) {
    fn first_int(s: &str) -> f64 {
        let digits: String = s
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<f64>().unwrap_or(-1.0)
    }
    match code {
        1 | 2 => values.sort(),
        3 | 4 => values.sort_by(|a, b| first_int(a).total_cmp(&first_int(b))),
        5 | 6 => values.sort_by_key(|a| a.to_lowercase()),
        7 | 8 => values.sort_by(|a, b| natural_cmp(a, b)),
        _ => return,
    }
    if code % 2 == 0 {
        values.reverse();
    }
}

/// Compares digit runs as numbers: `node2 < node10`.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let mut na = String::new();
                while let Some(c) = a.peek().copied().filter(char::is_ascii_digit) {
                    na.push(c);
                    a.next();
                }
                let mut nb = String::new();
                while let Some(c) = b.peek().copied().filter(char::is_ascii_digit) {
                    nb.push(c);
                    b.next();
                }
                let (ta, tb) = (na.trim_start_matches('0'), nb.trim_start_matches('0'));
                let ord = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                a.next();
                b.next();
            }
        }
    }
}

/// The resolved value of one variable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VarValue {
    /// Selected values; for "All", every option.
    pub values: Vec<String>,
    /// "All" is selected.
    pub all: bool,
    /// The variable's custom All value, used instead of `values` when `all`.
    pub all_value: Option<String>,
    /// Multi-value or include-All variable: values are regex-escaped for `=~`.
    pub regex_escape: bool,
    /// Every option, for the variable bar.
    pub options: Vec<String>,
}

impl VarValue {
    /// The selection as saved: `["$__all"]` for All.
    pub fn selection(&self) -> Vec<String> {
        if self.all {
            vec![ALL.to_string()]
        } else {
            self.values.clone()
        }
    }
}

/// Resolved variables by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VarValues(pub BTreeMap<String, VarValue>);

impl VarValues {
    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.0.get(name)
    }

    pub fn insert(&mut self, name: impl Into<String>, value: VarValue) {
        self.0.insert(name.into(), value);
    }

    /// Every variable's selection, as [`resolve_variables`] takes it back.
    pub fn selections(&self) -> BTreeMap<String, Vec<String>> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.selection()))
            .collect()
    }
}

/// Resolves every variable in order (a query may use earlier variables): options from the source
/// for query variables, from the JSON otherwise; then the operator's `selected` values when still
/// valid, else the saved current value, else the first option. A failing source is an issue and the
/// variable keeps its saved value.
pub async fn resolve_variables(
    dash: &Dashboard,
    source: &dyn MetricsSource,
    loki: Option<&crate::source::loki::LokiClient>,
    selected: &BTreeMap<String, Vec<String>>,
) -> (VarValues, Vec<Issue>) {
    let now = crate::time::now_ms();
    let start = crate::time::parse_time(&dash.time_from, now);
    let end = crate::time::parse_time(&dash.time_to, now);
    let range_ms = dashboard_range_ms(start, end);
    let interval = interval_ms(range_ms, 1000, 0);
    let mut vals = VarValues::default();
    let mut issues = Vec::new();
    for var in &dash.variables {
        let mut options = base_options(var);
        let mut failed = false;
        if var.kind == VarKind::Query {
            let interp = Interp {
                vars: vals.clone(),
                interval_ms: interval,
                rate_interval_ms: rate_interval_ms(interval, DEFAULT_SCRAPE_MS),
                range_ms,
            };
            let q = interp.interpolate(&var.query);
            let listed = if var.loki {
                loki_options(loki, &parse_var_query(&q), start, end, now).await
            } else {
                fetch_options(source, &parse_var_query(&q), start, end).await
            };
            match listed {
                Ok(Some(mut list)) => {
                    if let Some(r) = &var.regex {
                        match compile_grafana_regex(r) {
                            Ok(re) => list = re.apply(&list),
                            Err(e) => issues.push(var_issue(IssueKind::Invalid, var, e.to_string())),
                        }
                    }
                    sort_values(&mut list, var.sort);
                    options = list;
                }
                Ok(None) => issues.push(var_issue(
                    IssueKind::Unsupported,
                    var,
                    format!("query {q:?} is not supported (use label_values, query_result, metrics or a series selector); the saved options are used"),
                )),
                Err(e) => {
                    failed = true;
                    issues.push(var_issue(
                        IssueKind::Source,
                        var,
                        format!("cannot list its values: {e}. The saved value is kept"),
                    ));
                }
            }
        }
        let value = choose(var, options, selected.get(&var.name), failed);
        vals.insert(var.name.clone(), value);
    }
    (vals, issues)
}

/// The variables without a source (drawing from the cache, the app's variable bar before the first
/// poll): the options saved in the dashboard JSON, the operator's `selected` values when still
/// valid, else the saved current value. Pure: no network, no clock.
pub fn resolve_offline(dash: &Dashboard, selected: &BTreeMap<String, Vec<String>>) -> VarValues {
    let mut vals = VarValues::default();
    for var in &dash.variables {
        // A query variable's options would come from the source: keep its saved value as a failed
        // fetch would.
        let failed = var.kind == VarKind::Query;
        let value = choose(var, base_options(var), selected.get(&var.name), failed);
        vals.insert(var.name.clone(), value);
    }
    vals
}

/// The variables from what the poller last resolved (`cached`: each variable's options as listed
/// by the source), without network: the operator's `selected` values when still valid, else the
/// saved current value, else the first option. A variable never resolved uses its saved options.
pub fn resolve_cached(
    dash: &Dashboard,
    cached: &BTreeMap<String, Vec<String>>,
    selected: &BTreeMap<String, Vec<String>>,
) -> VarValues {
    let mut vals = VarValues::default();
    for var in &dash.variables {
        let (options, failed) = match cached.get(&var.name) {
            Some(o) if var.kind == VarKind::Query => (o.clone(), false),
            _ => (base_options(var), var.kind == VarKind::Query),
        };
        let value = choose(var, options, selected.get(&var.name), failed);
        vals.insert(var.name.clone(), value);
    }
    vals
}

/// A variable's options before any source is asked. A datasource variable (and an exported
/// dashboard's `${DS_PROMETHEUS}` input) stands for the site's Prometheus: its one option says so.
fn base_options(var: &Variable) -> Vec<String> {
    if var.kind == VarKind::Datasource && var.options.is_empty() {
        return vec![DATASOURCE_OPTION.to_string()];
    }
    var.options.clone()
}

/// The option of a datasource variable: Watchdesk talks to the site's Prometheus.
pub const DATASOURCE_OPTION: &str = "Prometheus";

/// The length of a dashboard's time range, 6 h when it cannot be read.
fn dashboard_range_ms(start: Option<i64>, end: Option<i64>) -> i64 {
    match (start, end) {
        (Some(s), Some(e)) if e > s => e - s,
        _ => 6 * 3_600_000,
    }
}

fn var_issue(kind: IssueKind, var: &Variable, msg: String) -> Issue {
    Issue {
        kind,
        panel: None,
        message: format!("variable ${}: {msg}", var.name),
    }
}

/// Options of a query variable; `Ok(None)` when the query is not supported.
/// The options of a Loki query variable: `label_values(label)` from Loki's label API, with a
/// stream selector from the streams it selects.
async fn loki_options(
    loki: Option<&crate::source::loki::LokiClient>,
    q: &VarQuery,
    start: Option<i64>,
    end: Option<i64>,
    now: i64,
) -> Result<Option<Vec<String>>, String> {
    let VarQuery::LabelValues { metric, label } = q else {
        return Ok(None);
    };
    let loki = loki.ok_or(
        "it lists a Loki label but this source has no Loki: add loki = \"http://…:3100\" to its \
         [[source]] in the config, or give --loki URL",
    )?;
    let end = end.unwrap_or(now);
    let start = start.unwrap_or(end - 6 * 3_600_000);
    let mut list: Vec<String> = match metric {
        Some(sel) => loki
            .series(std::slice::from_ref(sel), start, end)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|mut l| l.remove(label))
            .collect(),
        None => loki
            .label_values(label, start, end)
            .await
            .map_err(|e| e.to_string())?,
    };
    list.sort();
    list.dedup();
    Ok(Some(list))
}

async fn fetch_options(
    source: &dyn MetricsSource,
    q: &VarQuery,
    start: Option<i64>,
    end: Option<i64>,
) -> Result<Option<Vec<String>>, String> {
    let list = match q {
        VarQuery::LabelValues { metric, label } => {
            let matchers: Vec<String> = metric.iter().cloned().collect();
            source
                .label_values(label, &matchers)
                .await
                .map_err(|e| e.to_string())?
        }
        VarQuery::QueryResult(expr) => source
            .query(expr, None)
            .await
            .map_err(|e| e.to_string())?
            .data
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}",
                    series_name(&s.labels),
                    prom_float(s.sample.v),
                    s.sample.t
                )
            })
            .collect(),
        VarQuery::Metrics(re) => {
            let re = Regex::new(re).map_err(|e| {
                format!("metrics({re}) has an invalid regex ({e}); fix the variable's query")
            })?;
            source
                .label_values("__name__", &[])
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|m| re.is_match(m))
                .collect()
        }
        VarQuery::Series(sel) => source
            .series(std::slice::from_ref(sel), start, end)
            .await
            .map_err(|e| e.to_string())?
            .iter()
            .map(series_name)
            .collect(),
        VarQuery::Unsupported(_) => return Ok(None),
    };
    Ok(Some(dedup_first_seen(list)))
}

/// Grafana's text for a series in variable queries: `name{a="b",c="d"}`.
fn series_name(labels: &Labels) -> String {
    let name = labels.get("__name__").map(String::as_str).unwrap_or("");
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("{name}{{{}}}", rest.join(","))
}

fn prom_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

/// Picks the values: `selected` if valid, else (source failed) `current` as is, else `current` if
/// valid, else the first option.
fn choose(
    var: &Variable,
    options: Vec<String>,
    selected: Option<&Vec<String>>,
    failed: bool,
) -> VarValue {
    let valid = |vals: &[String]| -> bool {
        match var.kind {
            VarKind::Constant => false,
            VarKind::Textbox => vals.len() == 1,
            VarKind::Adhoc => vals
                .iter()
                .all(|v| super::adhoc::Filter::parse(v).is_some()),
            _ => {
                if vals.len() == 1 && vals.first().map(String::as_str) == Some(ALL) {
                    return var.include_all;
                }
                !vals.is_empty()
                    && (var.multi || vals.len() == 1)
                    && vals.iter().all(|v| options.contains(v))
            }
        }
    };
    let chosen: Vec<String> = if let Some(s) = selected.filter(|s| valid(s)) {
        s.clone()
    } else if var.kind == VarKind::Constant {
        vec![var.query.clone()]
    } else if ((failed || options.is_empty()) && !var.current.is_empty()) || valid(&var.current) {
        var.current.clone()
    } else if let Some(first) = options.first() {
        vec![first.clone()]
    } else if var.include_all {
        vec![ALL.to_string()]
    } else {
        Vec::new()
    };
    let all = chosen.iter().any(|v| v == ALL);
    VarValue {
        values: if all { options.clone() } else { chosen },
        all,
        all_value: var.all_value.clone(),
        regex_escape: var.multi || var.include_all,
        options,
    }
}

/// Grafana's interval for a panel: `range / width` rounded to a nice value (10 ms .. 1 y, as
/// Grafana's `roundInterval`), then at least 1 s and `min_interval_ms`, in whole seconds.
pub fn interval_ms(range_ms: i64, width_px: u32, min_interval_ms: i64) -> i64 {
    let raw = range_ms.max(0) / i64::from(width_px.max(1));
    let nice = round_interval(raw);
    let ms = nice.max(1000).max(min_interval_ms);
    // Round up to a whole second (Prometheus steps in whole seconds look right in legends).
    ms.saturating_add(999) / 1000 * 1000
}

fn round_interval(ms: i64) -> i64 {
    const TABLE: [(i64, i64); 29] = [
        (15, 10),
        (35, 20),
        (75, 50),
        (150, 100),
        (350, 200),
        (750, 500),
        (1_500, 1_000),
        (3_500, 2_000),
        (7_500, 5_000),
        (12_500, 10_000),
        (17_500, 15_000),
        (25_000, 20_000),
        (45_000, 30_000),
        (90_000, 60_000),
        (210_000, 120_000),
        (450_000, 300_000),
        (750_000, 600_000),
        (1_050_000, 900_000),
        (1_500_000, 1_200_000),
        (2_700_000, 1_800_000),
        (5_400_000, 3_600_000),
        (9_000_000, 7_200_000),
        (16_200_000, 10_800_000),
        (32_400_000, 21_600_000),
        (86_400_000, 43_200_000),
        (604_800_000, 86_400_000),
        (1_814_400_000, 604_800_000),
        (3_628_800_000, 2_592_000_000),
        (i64::MAX, 31_536_000_000),
    ];
    TABLE
        .iter()
        .find(|(below, _)| ms < *below)
        .map_or(31_536_000_000, |(_, v)| *v)
}

/// `$__rate_interval`: max(interval + scrape, 4 × scrape); a non-positive scrape counts as 15 s.
pub fn rate_interval_ms(interval_ms: i64, scrape_ms: i64) -> i64 {
    let scrape = if scrape_ms > 0 {
        scrape_ms
    } else {
        DEFAULT_SCRAPE_MS
    };
    interval_ms
        .saturating_add(scrape)
        .max(scrape.saturating_mul(4))
}

/// Interpolation context of one panel query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Interp {
    pub vars: VarValues,
    /// `$__interval`.
    pub interval_ms: i64,
    /// `$__rate_interval`.
    pub rate_interval_ms: i64,
    /// `$__range`: the dashboard's time range.
    pub range_ms: i64,
}

impl Interp {
    /// Context for a panel `width_px` wide showing `range_ms`; see [`interval_ms`].
    pub fn new(
        vars: VarValues,
        range_ms: i64,
        width_px: u32,
        min_interval_ms: i64,
        scrape_ms: i64,
    ) -> Self {
        let interval = interval_ms(range_ms, width_px, min_interval_ms);
        Interp {
            vars,
            interval_ms: interval,
            rate_interval_ms: rate_interval_ms(interval, scrape_ms),
            range_ms,
        }
    }

    /// Replaces `$var`, `${var}`, `${var:format}`, `[[var]]`, `[[var:format]]` and the `$__`
    /// built-ins. Unknown names are left as they are.
    pub fn interpolate(&self, expr: &str) -> String {
        let mut out = String::with_capacity(expr.len());
        let mut rest = expr;
        while let Some(pos) = rest.find(['$', '[']) {
            let (before, from) = rest.split_at(pos);
            out.push_str(before);
            match self.expand_at(from) {
                Some((text, used)) => {
                    out.push_str(&text);
                    rest = from.get(used..).unwrap_or("");
                }
                None => {
                    // Not a variable: copy the one ASCII char and go on.
                    out.push_str(from.get(..1).unwrap_or(""));
                    rest = from.get(1..).unwrap_or("");
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// At `$...` or `[[...`: the expansion and the bytes it replaces.
    fn expand_at(&self, s: &str) -> Option<(String, usize)> {
        let (inner, used) = if let Some(r) = s.strip_prefix("${") {
            let end = r.find('}')?;
            (r.get(..end)?, end + 3)
        } else if let Some(r) = s.strip_prefix("[[") {
            let end = r.find("]]")?;
            (r.get(..end)?, end + 4)
        } else {
            let r = s.strip_prefix('$')?;
            let n = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            if n == 0 {
                return None;
            }
            (r.get(..n)?, n + 1)
        };
        let (name, format) = match inner.split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (inner, None),
        };
        // `${var.field}` field paths are accepted and ignored.
        let name = name.split('.').next().unwrap_or(name);
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        if let Some(v) = self.builtin(name) {
            return Some((v, used));
        }
        let var = self.vars.get(name)?;
        Some((format_value(var, format), used))
    }

    fn builtin(&self, name: &str) -> Option<String> {
        Some(match name {
            "__interval" => format_duration_ms(self.interval_ms),
            "__interval_ms" => self.interval_ms.to_string(),
            "__rate_interval" => format_duration_ms(self.rate_interval_ms),
            "__rate_interval_ms" => self.rate_interval_ms.to_string(),
            // Loki's range of a metric query: the step (Grafana's Loki data source, 10.x on).
            "__auto" => format_duration_ms(self.interval_ms),
            "__range" => format_duration_ms(self.range_ms),
            "__range_s" => (self.range_ms.saturating_add(500) / 1000).to_string(),
            "__range_ms" => self.range_ms.to_string(),
            n if n.starts_with("__auto_interval_") => format_duration_ms(self.interval_ms),
            _ => return None,
        })
    }
}

/// Formats a variable's value as Grafana does for a Prometheus query.
fn format_value(var: &VarValue, format: Option<&str>) -> String {
    let format = format.map(str::trim).filter(|f| !f.is_empty());
    if var.all {
        if format == Some("text") {
            return "All".into();
        }
        if let Some(custom) = &var.all_value {
            return custom.clone();
        }
    }
    let vals = &var.values;
    let multi = vals.len() != 1;
    match format {
        None => {
            if !var.regex_escape && !multi {
                vals.iter().map(|v| v.replace('\\', "\\\\")).collect()
            } else {
                let esc: Vec<String> = vals.iter().map(|v| prom_regex_escape(v)).collect();
                alternation(esc, multi)
            }
        }
        Some("raw") | Some("csv") => vals.join(","),
        Some("pipe") => vals.join("|"),
        Some("text") => vals.join(" + "),
        Some("regex") => alternation(vals.iter().map(|v| regex_escape(v)).collect(), multi),
        Some("json") => {
            if multi {
                serde_json::to_string(vals).unwrap_or_default()
            } else {
                serde_json::to_string(&vals.join("")).unwrap_or_default()
            }
        }
        Some("doublequote") => quoted(vals, '"'),
        Some("singlequote") => quoted(vals, '\''),
        Some("sqlstring") => vals
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(","),
        Some("percentencode") => uri_component(&vals.join(",")),
        // "glob", and Grafana's fallback for unknown formats.
        _ => {
            if multi {
                format!("{{{}}}", vals.join(","))
            } else {
                vals.join("")
            }
        }
    }
}

fn alternation(parts: Vec<String>, multi: bool) -> String {
    if parts.is_empty() {
        String::new()
    } else if multi {
        format!("({})", parts.join("|"))
    } else {
        parts.concat()
    }
}

fn quoted(vals: &[String], q: char) -> String {
    vals.iter()
        .map(|v| format!("{q}{}{q}", v.replace(q, &format!("\\{q}"))))
        .collect::<Vec<_>>()
        .join(",")
}

/// Regex-escapes for use inside a PromQL double-quoted string (`.` -> `\\.`), as Grafana's
/// Prometheus data source does for multi-value variables.
fn prom_regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 8);
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\\\\\"),
            '$' | '^' | '*' | '{' | '}' | '[' | ']' | '\'' | '+' | '?' | '.' | '(' | ')' | '|' => {
                out.push_str("\\\\");
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Plain regex escaping (the `:regex` format).
fn regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 8);
    for c in v.chars() {
        if "\\^$*+?.()|[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// JavaScript's `encodeURIComponent`.
fn uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
