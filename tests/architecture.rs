//! The architecture's invariants, checked on the source text (ARCHITECTURE.md, "How to see it"):
//! no import cycles among the engine's modules; no use-case logic in the front doors (`src/main.rs`,
//! `src-tauri/src/`); no source file over ~700 lines of non-test code unless ARCHITECTURE.md says why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its test modules (`#[cfg(test)] mod …` blocks and `tests.rs` files).
fn non_test(path: &Path, text: &str) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return String::new();
    }
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if l.trim() == "#[cfg(test)]" {
            let next = lines
                .peek()
                .map(|n| n.trim().to_string())
                .unwrap_or_default();
            if next.starts_with("mod ") && next.ends_with('{') {
                // Skip the module's block by brace depth.
                let mut depth = 0i32;
                for m in lines.by_ref() {
                    depth += m.matches('{').count() as i32 - m.matches('}').count() as i32;
                    if depth <= 0 && m.contains('}') {
                        break;
                    }
                }
                continue;
            }
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The engine's top-level module of a file under src/ (`src/cache/series.rs` -> `cache`).
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(repo().join("src")).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let m = first.trim_end_matches(".rs").to_string();
    // main.rs and cli/ are the command line (a front door), bin/ the simulator.
    (m != "main" && m != "lib" && m != "bin" && m != "cli").then_some(m)
}

fn engine_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let re = regex::Regex::new(r"crate::([a-z_]+)").unwrap();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let Some(m) = module_of(&f) else { continue };
        let text = std::fs::read_to_string(&f).unwrap();
        let code = non_test(&f, &text);
        let deps = graph.entry(m.clone()).or_default();
        for c in re.captures_iter(&code) {
            let d = c[1].to_string();
            if d != m {
                deps.insert(d);
            }
        }
    }
    graph
}

/// A cycle in the graph, if any (as the path of modules).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let i = path.iter().position(|p| p == n).unwrap_or(0);
                let mut cycle = path[i..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for d in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn engine_modules_import_each_other_without_cycles() {
    let graph = engine_graph();
    assert!(graph.len() > 10, "found the engine's modules: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle among engine modules: {}\nfull graph: {graph:#?}",
            cycle.join(" -> ")
        );
    }
    // The layers that matter most, named: the desk is on top, nothing imports it.
    for (m, deps) in &graph {
        assert!(
            !deps.contains("desk"),
            "{m} imports the desk: only the front doors may"
        );
    }
    for low in ["time", "severity", "text", "files"] {
        let deps: Vec<&String> = graph[low].iter().collect();
        assert!(deps.is_empty(), "{low} is a leaf, but imports {deps:?}");
    }
    let source: Vec<&String> = graph["source"]
        .iter()
        .filter(|d| *d != "time" && *d != "files" && *d != "secrets")
        .collect();
    assert!(
        source.is_empty(),
        "source knows only time, files and secrets, not {source:?}"
    );
    let secrets: Vec<&String> = graph["secrets"].iter().filter(|d| *d != "files").collect();
    assert!(
        secrets.is_empty(),
        "secrets knows only files (the keyring's service name), not {secrets:?}"
    );
}

/// Calls that are use-case decisions: the front doors ask the desk instead.
const FORBIDDEN_IN_FRONT_DOORS: &[&str] = &[
    "watchdesk::poller",
    "watchdesk::plan",
    "ack::acknowledge",
    "ack::unacknowledge",
    "ack::ack_of",
    "notify::due",
    "notify::pipeline_due",
    "view::render_panel",
    "view::panel_spec",
    "view::alert_detail",
    "Cache::open",
    "current_alerts(",
    "resolved_unacknowledged(",
    "resolve_variables",
    "block_on(",
];

#[test]
fn the_front_doors_hold_no_use_case_logic_and_stay_small() {
    let mut files = vec![repo().join("src/main.rs")];
    rust_files(&repo().join("src/cli"), &mut files);
    rust_files(&repo().join("src-tauri/src"), &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = non_test(f, &text);
        for bad in FORBIDDEN_IN_FRONT_DOORS {
            // `block_on(` is fine only in main.rs's runtime set-up for the CLI commands.
            if *bad == "block_on(" && f.ends_with("src/main.rs") {
                continue;
            }
            assert!(
                !code.contains(bad),
                "{} uses {bad}: that decision belongs in the desk (src/desk/)",
                f.display()
            );
        }
        let lines = code.lines().count();
        // main.rs formats every command's output; dto.rs is the IPC payloads, data only.
        let limit = if f.ends_with("src/main.rs") || f.ends_with("dto.rs") {
            600
        } else {
            450
        };
        assert!(
            lines <= limit,
            "{} has {lines} lines of non-test code (limit {limit}): move logic into the desk",
            f.display()
        );
    }
}

#[test]
fn no_source_file_is_over_700_lines_without_a_reason_in_architecture_md() {
    let arch = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).unwrap();
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    rust_files(&repo().join("src-tauri/src"), &mut files);
    let mut over = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let n = non_test(f, &text).lines().count();
        let rel = f
            .strip_prefix(repo())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if n > 700 && !arch.contains(&format!("`{rel}`")) {
            over.push(format!("{rel}: {n} lines"));
        }
    }
    assert!(
        over.is_empty(),
        "files over 700 lines of non-test code that ARCHITECTURE.md does not explain: {over:?}"
    );
}
