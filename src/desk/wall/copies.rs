//! A wall playlist entry's variable values are its own. The entry shows a copy of its dashboard
//! whose saved values are the entry's (as Grafana's `?var-name=value` link sets them), under a key
//! of its own: the poller fetches the copy like any dashboard, the operator's selection of the
//! original (the normal window's) is never changed by the wall, and two screens rotating one
//! dashboard for two recorders each show their own.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::WallConfig;
use crate::dashboard::Dashboard;
use crate::desk::LoadedDashboard;

/// The key of the copy of dashboard `key` for `vars`: `key` itself without values.
pub fn copy_key(key: &str, vars: &BTreeMap<String, String>) -> String {
    if vars.is_empty() {
        return key.to_string();
    }
    let values: Vec<String> = vars.iter().map(|(k, v)| format!("var-{k}={v}")).collect();
    format!("{key}?{}", values.join("&"))
}

/// The loaded dashboard a playlist entry names (by uid, else title), never a copy.
pub(crate) fn named<'a>(list: &'a [LoadedDashboard], name: &str) -> Option<&'a LoadedDashboard> {
    let key = |d: &LoadedDashboard| crate::plan::dashboard_key(&d.dash);
    list.iter()
        .filter(|d| !d.wall_copy)
        .find(|d| key(d) == name)
        .or_else(|| {
            list.iter()
                .filter(|d| !d.wall_copy)
                .find(|d| d.dash.title == name)
        })
}

/// A variable the entry sets that the dashboard does not have: what to tell the operator.
pub(crate) fn unknown_variable(d: &Dashboard, vars: &BTreeMap<String, String>) -> Option<String> {
    let name = vars
        .keys()
        .find(|n| !d.variables.iter().any(|v| &v.name == *n))?;
    let has: Vec<&str> = d.variables.iter().map(|v| v.name.as_str()).collect();
    Some(format!(
        "a wall playlist sets variable `{name}` on dashboard \"{}\", which has no such variable \
         (it has: {}): fix `vars` in the [wall] section",
        d.title,
        if has.is_empty() {
            "none".to_string()
        } else {
            has.join(", ")
        }
    ))
}

/// `list` with one copy per distinct (dashboard, variable values) of the wall's playlists.
pub(crate) fn with_wall_copies(
    mut list: Vec<LoadedDashboard>,
    wall: Option<&WallConfig>,
) -> Vec<LoadedDashboard> {
    let entries = wall
        .into_iter()
        .flat_map(|w| &w.screens)
        .flat_map(|s| &s.playlist)
        .filter(|e| !e.vars.is_empty());
    for e in entries {
        // An unknown dashboard or variable is refused by `Desk::wall`, saying which.
        let Some(original) = named(&list, &e.dashboard) else {
            continue;
        };
        if unknown_variable(&original.dash, &e.vars).is_some() {
            continue;
        }
        let key = copy_key(&crate::plan::dashboard_key(&original.dash), &e.vars);
        if list
            .iter()
            .any(|d| crate::plan::dashboard_key(&d.dash) == key)
        {
            continue;
        }
        let mut dash = (*original.dash).clone();
        dash.uid = key;
        for v in &mut dash.variables {
            if let Some(value) = e.vars.get(&v.name) {
                // Grafana's link spells "All" for the all value.
                v.current = vec![if value == "All" {
                    "$__all".into()
                } else {
                    value.clone()
                }];
            }
        }
        let copy = LoadedDashboard {
            reference: original.reference.clone(),
            dash: Arc::new(dash),
            issues: original.issues.clone(),
            wall_copy: true,
        };
        list.push(copy);
    }
    list
}
