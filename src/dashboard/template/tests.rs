use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::dashboard::model::VarHide;
use crate::source::{
    AlertRule, Answer, InstantSample, Millis, PromAlert, RangeSeries, Sample, SourceError, Target,
};

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn val(values: &[&str], multi: bool) -> VarValue {
    VarValue {
        values: owned(values),
        all: false,
        all_value: None,
        regex_escape: multi,
        options: owned(values),
    }
}

fn ctx() -> Interp {
    let mut vars = VarValues::default();
    vars.insert("job", val(&["node"], false));
    vars.insert("inst", val(&["short"], false));
    vars.insert("instance", val(&["a:9100", "b.example:9100"], true));
    vars.insert("one", val(&["10.0.0.1:9100"], true));
    vars.insert("path", val(&["C:\\data"], false));
    vars.insert("q", val(&["it's \"x\""], false));
    vars.insert(
        "all_custom",
        VarValue {
            values: owned(&["a", "b"]),
            all: true,
            all_value: Some(".*".into()),
            regex_escape: true,
            options: owned(&["a", "b"]),
        },
    );
    vars.insert(
        "all",
        VarValue {
            values: owned(&["a", "b.c"]),
            all: true,
            all_value: None,
            regex_escape: true,
            options: owned(&["a", "b.c"]),
        },
    );
    vars.insert("none", val(&[], true));
    Interp {
        vars,
        interval_ms: 90_000,
        rate_interval_ms: 105_000,
        range_ms: 6 * 3_600_000,
    }
}

#[track_caller]
fn check(input: &str, expect: &str) {
    assert_eq!(ctx().interpolate(input), expect, "input {input:?}");
}

#[test]
fn interpolation() {
    check("up", "up");
    check("up{job=\"$job\"}", "up{job=\"node\"}");
    check("up{job=\"${job}\"}", "up{job=\"node\"}");
    check("up{job=\"[[job]]\"}", "up{job=\"node\"}");
    check("$instance", "(a:9100|b\\\\.example:9100)");
    check("$inst", "short");
    check("$inst_x", "$inst_x");
    check("$instance-$inst", "(a:9100|b\\\\.example:9100)-short");
    check("$one", "10\\\\.0\\\\.0\\\\.1:9100");
    check("$foo and ${foo} and [[foo]]", "$foo and ${foo} and [[foo]]");
    check("$", "$");
    check("a$", "a$");
    check("${", "${");
    check("${job", "${job");
    check("[[job", "[[job");
    check("[x]", "[x]");
    check("rate(x[5m])", "rate(x[5m])");
    check("=~\"foo$\"", "=~\"foo$\"");
    check("${instance:csv}", "a:9100,b.example:9100");
    check("${instance:raw}", "a:9100,b.example:9100");
    check("${instance:pipe}", "a:9100|b.example:9100");
    check("${instance:regex}", "(a:9100|b\\.example:9100)");
    check("${one:regex}", "10\\.0\\.0\\.1:9100");
    check("${instance:json}", "[\"a:9100\",\"b.example:9100\"]");
    check("${job:json}", "\"node\"");
    check("${instance:doublequote}", "\"a:9100\",\"b.example:9100\"");
    check("${instance:singlequote}", "'a:9100','b.example:9100'");
    check("${instance:glob}", "{a:9100,b.example:9100}");
    check("${job:glob}", "node");
    check("${instance:text}", "a:9100 + b.example:9100");
    check("${instance:nonsense}", "{a:9100,b.example:9100}");
    check("${job:percentencode}", "node");
    check("${q:percentencode}", "it's%20%22x%22");
    check("[[instance:csv]]", "a:9100,b.example:9100");
    check("${job.field}", "node");
    check("${job:}", "node");
    check("$path", "C:\\\\data");
    check("${path:raw}", "C:\\data");
    check("$q", "it's \"x\"");
    check("$all_custom", ".*");
    check("${all_custom:csv}", ".*");
    check("${all_custom:text}", "All");
    check("$all", "(a|b\\\\.c)");
    check("${all:text}", "All");
    check("$none", "");
    check("$__interval", "1m30s");
    check("${__interval}", "1m30s");
    check("$__interval_ms", "90000");
    check("$__rate_interval", "1m45s");
    check("$__rate_interval_ms", "105000");
    check("$__range", "6h");
    check("$__range_s", "21600");
    check("$__range_ms", "21600000");
    check("$__auto_interval_iv", "1m30s");
    check("$__unknown", "$__unknown");
    check(
        "rate(x{job=~\"$job\"}[$__rate_interval])",
        "rate(x{job=~\"node\"}[1m45s])",
    );
    check("é$jobé", "énodeé");
    check("é $job é", "é node é");
    check("$job$job", "nodenode");
}

#[track_caller]
fn check_q(input: &str, expect: VarQuery) {
    assert_eq!(parse_var_query(input), expect, "input {input:?}");
}

fn lv(metric: Option<&str>, label: &str) -> VarQuery {
    VarQuery::LabelValues {
        metric: metric.map(str::to_string),
        label: label.to_string(),
    }
}

#[test]
fn var_queries() {
    check_q("label_values(job)", lv(None, "job"));
    check_q(" label_values( job ) ", lv(None, "job"));
    check_q("label_values(up, instance)", lv(Some("up"), "instance"));
    check_q(
        "label_values(up{job=\"x\"}, instance)",
        lv(Some("up{job=\"x\"}"), "instance"),
    );
    check_q(
        "label_values(up{job=\"x\",env=~\"a,b\"},instance)",
        lv(Some("up{job=\"x\",env=~\"a,b\"}"), "instance"),
    );
    check_q(
        "label_values(rate(x[5m]), job)",
        lv(Some("rate(x[5m])"), "job"),
    );
    check_q(
        "label_values(up, bad-label)",
        VarQuery::Unsupported("label_values(up, bad-label)".into()),
    );
    check_q(
        "label_values()",
        VarQuery::Unsupported("label_values()".into()),
    );
    check_q(
        "label_values(up,)",
        VarQuery::Unsupported("label_values(up,)".into()),
    );
    check_q(
        "query_result(topk(5, up))",
        VarQuery::QueryResult("topk(5, up)".into()),
    );
    check_q("metrics(^go_.*)", VarQuery::Metrics("^go_.*".into()));
    check_q("up{job=\"x\"}", VarQuery::Series("up{job=\"x\"}".into()));
    check_q(
        "label_names()",
        VarQuery::Unsupported("label_names()".into()),
    );
    check_q("", VarQuery::Unsupported(String::new()));
    check_q("sum(up)", VarQuery::Unsupported("sum(up)".into()));
    check_q(
        "label_values(job",
        VarQuery::Unsupported("label_values(job".into()),
    );
}

#[track_caller]
fn check_re(regex: &str, input: &[&str], expect: Result<&[&str], ()>) {
    let got = apply_regex(regex, &owned(input)).map_err(|_| ());
    assert_eq!(got, expect.map(owned), "regex {regex:?}");
}

#[test]
fn regexes() {
    let inst = &["a:9100", "b:9100", "c:8080"];
    check_re("/(.*):9100/", inst, Ok(&["a", "b"]));
    check_re("/:9100/", inst, Ok(&["a:9100", "b:9100"]));
    check_re(".*:9100", inst, Ok(&["a:9100", "b:9100"]));
    check_re(":9100", inst, Ok(&[]));
    check_re(
        "/(?<text>[a-z]+):(?<value>\\d+)/",
        inst,
        Ok(&["9100", "8080"]),
    );
    check_re("/(?<text>[a-z]+):\\d+/", inst, Ok(&["a", "b", "c"]));
    check_re("/A:/i", inst, Ok(&["a:9100"]));
    check_re("/(\\d)/g", &["a1b2", "c3"], Ok(&["1", "2", "3"]));
    check_re("/(\\d)/", &["a1b2", "c3"], Ok(&["1", "3"]));
    check_re("/(x)?a/", &["a"], Ok(&[]));
    check_re(
        "/instance=\"([^\"]+)\"/",
        &["up{instance=\"h:1\",job=\"j\"} 1 1000"],
        Ok(&["h:1"]),
    );
    check_re("/(", inst, Err(()));
    check_re("/(/", inst, Err(()));
    check_re("/a/q", inst, Err(()));
    check_re("/(?=a)/", inst, Err(()));
    check_re("/", inst, Err(()));
    check_re("//", inst, Ok(&["a:9100", "b:9100", "c:8080"]));
}

#[track_caller]
fn check_iv(range_ms: i64, width: u32, min: i64, expect: i64) {
    assert_eq!(
        interval_ms(range_ms, width, min),
        expect,
        "range {range_ms} width {width} min {min}"
    );
}

#[test]
fn intervals() {
    check_iv(6 * 3_600_000, 1000, 0, 20_000);
    check_iv(3_600_000, 1000, 0, 5_000);
    check_iv(3_600_000, 1000, 15_000, 15_000);
    check_iv(300_000, 1000, 0, 1_000);
    check_iv(300_000, 1000, 1_500, 2_000);
    check_iv(24 * 3_600_000, 800, 0, 120_000);
    check_iv(7 * 86_400_000, 1200, 0, 600_000);
    check_iv(3_600_000, 0, 0, 3_600_000);
    check_iv(-5, 100, 0, 1_000);
    check_iv(i64::MAX, 1, 0, 31_536_000_000);
    check_iv(0, 1000, i64::MAX, i64::MAX / 1000 * 1000);
    assert_eq!(rate_interval_ms(20_000, 15_000), 60_000);
    assert_eq!(rate_interval_ms(120_000, 15_000), 135_000);
    assert_eq!(rate_interval_ms(20_000, 0), 60_000);
    assert_eq!(rate_interval_ms(i64::MAX, 15_000), i64::MAX);
    assert_eq!(rate_interval_ms(1_000, i64::MAX), i64::MAX);
}

#[track_caller]
fn check_custom(query: &str, expect: &[&str]) {
    assert_eq!(parse_custom(query), owned(expect), "query {query:?}");
}

#[test]
fn custom_lists() {
    check_custom("a,b,c", &["a", "b", "c"]);
    check_custom(" a , b ", &["a", "b"]);
    check_custom("prod : 10.0.0.1, dev : 10.0.0.2", &["10.0.0.1", "10.0.0.2"]);
    check_custom("http://x:1", &["http://x:1"]);
    check_custom("a\\,b,c", &["a,b", "c"]);
    check_custom("a,,b,a", &["a", "b"]);
    check_custom("", &[]);
    check_custom("k : v : w", &["w"]);
}

#[test]
fn sorting() {
    let mut v = owned(&["node10", "Node2", "node1"]);
    sort_values(&mut v, 7);
    assert_eq!(v, owned(&["Node2", "node1", "node10"]));
    let mut v = owned(&["n10", "n2", "n1"]);
    sort_values(&mut v, 7);
    assert_eq!(v, owned(&["n1", "n2", "n10"]));
    sort_values(&mut v, 8);
    assert_eq!(v, owned(&["n10", "n2", "n1"]));
    sort_values(&mut v, 1);
    assert_eq!(v, owned(&["n1", "n10", "n2"]));
    sort_values(&mut v, 3);
    assert_eq!(v, owned(&["n1", "n2", "n10"]));
    let mut v = owned(&["b", "A", "c"]);
    sort_values(&mut v, 6);
    assert_eq!(v, owned(&["c", "b", "A"]));
    sort_values(&mut v, 0);
    assert_eq!(v, owned(&["c", "b", "A"]));
}

/// A metrics source with fixed answers that records the calls.
struct Fake {
    fail: bool,
    calls: Mutex<Vec<String>>,
}

#[async_trait]
impl MetricsSource for Fake {
    fn url(&self) -> &str {
        "http://fake:9090"
    }
    async fn query(
        &self,
        expr: &str,
        _at: Option<Millis>,
    ) -> Result<Answer<Vec<InstantSample>>, SourceError> {
        self.record(format!("query {expr}"))?;
        let labels: Labels = [("__name__", "up"), ("instance", "h:1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Answer::new(vec![InstantSample {
            labels,
            sample: Sample { t: 1000, v: 1.0 },
        }]))
    }
    async fn query_range(
        &self,
        _expr: &str,
        _start: Millis,
        _end: Millis,
        _step_ms: i64,
    ) -> Result<Answer<Vec<RangeSeries>>, SourceError> {
        Ok(Answer::new(Vec::new()))
    }
    async fn targets(&self) -> Result<Vec<Target>, SourceError> {
        Ok(Vec::new())
    }
    async fn rules(&self) -> Result<Vec<AlertRule>, SourceError> {
        Ok(Vec::new())
    }
    async fn alerts(&self) -> Result<Vec<PromAlert>, SourceError> {
        Ok(Vec::new())
    }
    async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
    ) -> Result<Vec<String>, SourceError> {
        self.record(format!("label_values {label} {matchers:?}"))?;
        Ok(match label {
            "job" => owned(&["node", "api", "api"]),
            "instance" => owned(&["a:9100", "b:9100", "c:8080"]),
            "__name__" => owned(&["go_goroutines", "up", "go_gc_duration_seconds"]),
            // A big site: more label values than any list should have, a quarter of them repeated.
            "camera" => (0..MANY).map(|i| camera(i % (MANY * 3 / 4))).collect(),
            _ => Vec::new(),
        })
    }
    async fn series(
        &self,
        matchers: &[String],
        _start: Option<Millis>,
        _end: Option<Millis>,
    ) -> Result<Vec<Labels>, SourceError> {
        self.record(format!("series {matchers:?}"))?;
        Ok(Vec::new())
    }
}

impl Fake {
    fn new(fail: bool) -> Self {
        Fake {
            fail,
            calls: Mutex::new(Vec::new()),
        }
    }
    fn record(&self, call: String) -> Result<(), SourceError> {
        if let Ok(mut c) = self.calls.lock() {
            c.push(call);
        }
        if self.fail {
            return Err(SourceError::Unreachable {
                url: self.url().into(),
                reason: "connection refused".into(),
            });
        }
        Ok(())
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

fn var(name: &str, kind: VarKind, query: &str, current: &[&str], options: &[&str]) -> Variable {
    Variable {
        name: name.into(),
        label: String::new(),
        kind,
        query: query.into(),
        current: owned(current),
        options: owned(options),
        multi: false,
        include_all: false,
        all_value: None,
        regex: None,
        sort: 0,
        hide: VarHide::Visible,
        loki: false,
    }
}

fn dash(variables: Vec<Variable>) -> Dashboard {
    Dashboard {
        uid: "u".into(),
        title: "t".into(),
        tags: Vec::new(),
        time_from: "now-6h".into(),
        time_to: "now".into(),
        refresh: None,
        timezone: String::new(),
        variables,
        panels: Vec::new(),
        rows: Vec::new(),
    }
}

fn run(d: &Dashboard, src: &Fake, selected: &[(&str, &[&str])]) -> (VarValues, Vec<Issue>) {
    let selected: BTreeMap<String, Vec<String>> = selected
        .iter()
        .map(|(k, v)| (k.to_string(), owned(v)))
        .collect();
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    rt.block_on(resolve_variables(d, src, None, &selected))
}

#[track_caller]
fn values(v: &VarValues, name: &str) -> (Vec<String>, bool) {
    let x = v.get(name).cloned().unwrap_or_default();
    (x.values, x.all)
}

#[test]
fn resolve() {
    let mut job = var(
        "job",
        VarKind::Query,
        "label_values(job)",
        &["api"],
        &["old"],
    );
    job.sort = 1;
    let mut inst = var(
        "instance",
        VarKind::Query,
        "label_values(up{job=~\"$job\"}, instance)",
        &["$__all"],
        &[],
    );
    inst.include_all = true;
    inst.multi = true;
    inst.regex = Some("/(.*):9100/".into());
    let env = var(
        "env",
        VarKind::Custom,
        "prod,dev",
        &["gone"],
        &["prod", "dev"],
    );
    let c = var("c", VarKind::Constant, "k8s", &[], &[]);
    let names = var("names", VarKind::Query, "metrics(^go_)", &[], &[]);
    let qr = var("qr", VarKind::Query, "query_result(up)", &[], &[]);
    let bad = var("bad", VarKind::Query, "label_names()", &["x"], &["x", "y"]);
    let d = dash(vec![job, inst, env, c, names, qr, bad]);

    let src = Fake::new(false);
    let (v, issues) = run(&d, &src, &[]);
    assert_eq!(values(&v, "job"), (owned(&["api"]), false));
    assert_eq!(
        v.get("job").map(|x| x.options.clone()),
        Some(owned(&["api", "node"]))
    );
    assert_eq!(values(&v, "instance"), (owned(&["a", "b"]), true));
    assert_eq!(values(&v, "env"), (owned(&["prod"]), false));
    assert_eq!(values(&v, "c"), (owned(&["k8s"]), false));
    assert_eq!(
        v.get("names").map(|x| x.options.clone()),
        Some(owned(&["go_goroutines", "go_gc_duration_seconds"]))
    );
    assert_eq!(
        values(&v, "qr"),
        (owned(&["up{instance=\"h:1\"} 1 1000"]), false)
    );
    assert_eq!(values(&v, "bad"), (owned(&["x"]), false));
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues.first().map(|i| i.kind), Some(IssueKind::Unsupported));
    // The instance query saw the job chosen before it.
    assert!(
        src.calls()
            .contains(&"label_values instance [\"up{job=~\\\"api\\\"}\"]".to_string()),
        "{:?}",
        src.calls()
    );

    // The operator's selection wins when valid; invalid selections fall back.
    let (v, _) = run(
        &d,
        &src,
        &[
            ("job", &["node"]),
            ("instance", &["b"]),
            ("env", &["nope"]),
            ("c", &["x"]),
        ],
    );
    assert_eq!(values(&v, "job"), (owned(&["node"]), false));
    assert_eq!(values(&v, "instance"), (owned(&["b"]), false));
    assert_eq!(values(&v, "env"), (owned(&["prod"]), false));
    assert_eq!(values(&v, "c"), (owned(&["k8s"]), false));
    let (v, _) = run(&d, &src, &[("job", &["node", "api"])]);
    assert_eq!(
        values(&v, "job"),
        (owned(&["api"]), false),
        "job is not multi"
    );

    // A dead source: issues, and the saved values stay.
    let dead = Fake::new(true);
    let (v, issues) = run(&d, &dead, &[]);
    assert_eq!(values(&v, "job"), (owned(&["api"]), false));
    assert_eq!(values(&v, "instance"), (Vec::new(), true));
    let sources = issues
        .iter()
        .filter(|i| i.kind == IssueKind::Source)
        .count();
    assert_eq!(sources, 4, "{issues:?}");
    assert!(issues
        .iter()
        .any(|i| i.message.contains("$job") && i.message.contains("connection refused")));
}

/// Big enough that de-duplicating with `Vec::contains` (quadratic) takes minutes in a test build;
/// linear code takes a fraction of a second.
const MANY: usize = 200_000;
const MAX_HALF: usize = MANY / 2;

fn camera(i: usize) -> String {
    format!("cam-{i:06}")
}

/// Hardening #14.2: options of a query variable were de-duplicated with `Vec::contains`: 100,000
/// label values stalled every metrics poll for 72 s.
#[test]
fn label_values_of_a_big_site_are_deduplicated_in_linear_time() {
    let d = dash(vec![var(
        "camera",
        VarKind::Query,
        "label_values(camera)",
        &[],
        &[],
    )]);
    let (v, issues) = run(&d, &Fake::new(false), &[]);
    assert!(issues.is_empty(), "{issues:?}");
    let options = &v.get("camera").expect("resolved").options;
    assert_eq!(options.len(), MANY * 3 / 4);
    assert!(
        options.iter().enumerate().all(|(i, o)| *o == camera(i)),
        "first-seen order"
    );
}

/// Hardening #14.2: a custom variable with 100,000 options made every start take 32 s
/// (`parse_custom` de-duplicated with `Vec::contains`).
#[test]
fn a_custom_variable_with_many_options_is_deduplicated_in_linear_time() {
    let query: Vec<String> = (0..MANY).map(|i| camera(i % (MANY / 2))).collect();
    let got = parse_custom(&query.join(","));
    assert_eq!(got.len(), MAX_HALF);
    assert!(got.iter().enumerate().all(|(i, o)| *o == camera(i)));
}

/// Hardening #14.2: a variable's regex de-duplicated what it extracted with a linear search per
/// value (`GrafanaRegex::apply`).
#[test]
fn a_variable_regex_over_many_values_is_deduplicated_in_linear_time() {
    let values: Vec<String> = (0..MANY)
        .map(|i| format!("{}:9100", camera(i % MAX_HALF)))
        .collect();
    let got = apply_regex("/(cam-[0-9]+):.*/", &values).expect("regex");
    assert_eq!(got.len(), MAX_HALF);
    assert!(got.iter().enumerate().all(|(i, o)| *o == camera(i)));
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// Expressions dense in variable syntax: `$x`, `${x:fmt}`, `[[x:fmt]]`, built-ins, unclosed
    /// braces and multi-byte characters.
    fn expr() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("$".to_string()),
            Just("${".to_string()),
            Just("}".to_string()),
            Just("[[".to_string()),
            Just("]]".to_string()),
            Just(":".to_string()),
            Just(".".to_string()),
            prop::sample::select(vec![
                "job",
                "inst",
                "instance",
                "empty",
                "all",
                "__interval",
                "__interval_ms",
                "__rate_interval",
                "__range",
                "__range_s",
                "__range_ms",
                "__auto_interval_x",
            ])
            .prop_map(str::to_string),
            prop::sample::select(vec![
                "regex",
                "pipe",
                "csv",
                "json",
                "lucene",
                "glob",
                "raw",
                "text",
                "queryparam",
                "doublequote",
                "singlequote",
                "sqlstring",
                "percentencode",
                "distributed",
                "x",
            ])
            .prop_map(str::to_string),
            ".{0,6}",
            "[é€😀]{1,2}",
        ];
        prop::collection::vec(piece, 0..16).prop_map(|p| p.concat())
    }

    fn value() -> impl Strategy<Value = VarValue> {
        (
            prop::collection::vec(".{0,8}", 0..4),
            any::<bool>(),
            prop::option::of(".{0,8}"),
            any::<bool>(),
        )
            .prop_map(|(values, all, all_value, regex_escape)| VarValue {
                options: values.clone(),
                values,
                all,
                all_value,
                regex_escape,
            })
    }

    fn edgy() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(i64::MAX),
            Just(i64::MIN),
            Just(0),
            Just(-1),
            -10_000_000_000i64..10_000_000_000,
            any::<i64>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Hardening #14.12: interpolation never panics, whatever the expression, the variables and
        /// the intervals (including i64 extremes).
        #[test]
        fn interpolate_never_panics(
            e in expr(),
            vars in prop::collection::vec(
                (prop::sample::select(vec!["job", "inst", "instance", "empty", "all"]), value()),
                0..5,
            ),
            interval_ms in edgy(),
            rate_interval_ms in edgy(),
            range_ms in edgy(),
            width in prop_oneof![Just(0u32), Just(u32::MAX), any::<u32>()],
            scrape in edgy(),
        ) {
            let mut vals = VarValues::default();
            for (name, v) in vars {
                vals.insert(name, v);
            }
            let interp = Interp { vars: vals.clone(), interval_ms, rate_interval_ms, range_ms };
            let _ = interp.interpolate(&e);
            let derived = Interp::new(vals, range_ms, width, interval_ms, scrape);
            let _ = derived.interpolate(&e);
        }
    }
}
