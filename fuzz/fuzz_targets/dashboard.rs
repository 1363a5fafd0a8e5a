//! Grafana dashboard JSON: `parse` never panics or hangs, and neither do interpolation, legends and
//! variable regexes on what it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchdesk::dashboard::{apply_regex, legend, parse, parse_var_query, Interp, VarValues};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((d, _issues)) = parse(text) else {
        return;
    };
    let interp = Interp::new(VarValues::default(), 3_600_000, 800, 0, 15_000);
    for p in &d.panels {
        for t in &p.targets {
            let _ = interp.interpolate(&t.expr);
            let _ = legend(&t.legend_format, &Default::default());
        }
    }
    for v in &d.variables {
        let _ = parse_var_query(&v.query);
        if let Some(r) = &v.regex {
            let _ = apply_regex(r, &v.options);
        }
    }
    let _ = watchdesk::plan::default_range_ms(&d);
});
