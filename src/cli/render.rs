//! `watchdesk render`: every panel drawn from the cache into files, plus an index.html.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use watchdesk::desk::{Desk, TimeRange};
use watchdesk::text::for_terminal as safe;

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let t = out.trim_matches('-');
    if t.is_empty() {
        "panel".into()
    } else {
        t.chars().take(48).collect()
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn render(
    d: &Desk,
    source: Option<&str>,
    from: &str,
    to: &str,
    out: &Path,
    png: bool,
    width: u32,
) -> Result<ExitCode> {
    let range = TimeRange::parse(from, to)?;
    let width = width.clamp(320, 10_000);
    let site = d.pick_source(source)?;
    let mut written = 0;
    for (key, _) in d.dashboards() {
        let dash = d.expanded(&key)?;
        let dir = out.join(slug(&key));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut html = format!(
            "<!doctype html><meta charset=utf-8><title>{}</title>\
             <style>body{{background:#0b0e13;margin:0}}.p{{position:absolute}}</style>\n",
            html_escape(&dash.title)
        );
        // Every panel, each row expanded, laid out as Grafana lays the dashboard out.
        for item in d.layout_of(&dash, true) {
            let grid = item.grid;
            let panel = match item.kind {
                watchdesk::dashboard::layout::ItemKind::Panel { id } => match dash.panel(id) {
                    Some(p) => p,
                    None => continue,
                },
                watchdesk::dashboard::layout::ItemKind::Row { title, .. } => {
                    let y = grid.y * 30;
                    html.push_str(&format!(
                        "<div class=p style=\"left:8px;top:{y}px;color:#d8dee6;font:600 16px sans-serif\">{}</div>\n",
                        html_escape(&title)
                    ));
                    continue;
                }
            };
            let panel = &watchdesk::dashboard::Panel {
                grid,
                ..panel.clone()
            };
            let (w, h) = watchdesk::view::panel_size(panel, width);
            let spec = d.panel_spec(&site, &dash, panel, range, w, h);
            let name = format!(
                "{:02}-{}.{}",
                panel.id,
                slug(&panel.title),
                if png { "png" } else { "svg" }
            );
            let path = dir.join(&name);
            let bytes = if png {
                watchdesk::chart::render_png(&spec)
                    .with_context(|| format!("panel {:?}", panel.title))?
            } else {
                watchdesk::chart::render_svg(&spec).into_bytes()
            };
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let x = (width as f64 * panel.grid.x as f64 / 24.0).round() as u32;
            let y = panel.grid.y * 30;
            html.push_str(&format!(
                "<img class=p src=\"{}\" style=\"left:{x}px;top:{y}px;width:{w}px;height:{h}px\" alt=\"{}\">\n",
                html_escape(&name),
                html_escape(&panel.title)
            ));
            written += 1;
        }
        std::fs::write(dir.join("index.html"), html)
            .with_context(|| format!("cannot write {}", dir.join("index.html").display()))?;
        outln!(
            "{}: {} panels -> {}",
            safe(&dash.title),
            dash.panels.len(),
            dir.display()
        );
    }
    if let Some(b) = d.stale_banner(&site) {
        outln!("{site}: {b}");
    }
    outln!("{written} files written");
    Ok(ExitCode::SUCCESS)
}
