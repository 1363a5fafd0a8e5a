//! The UI event names, defined once here and once in `ui/events.js` (a test keeps them equal).

pub const DATA: &str = "wd:data";
pub const ALERTS: &str = "wd:alerts";
pub const HEALTH: &str = "wd:health";
pub const NAVIGATE: &str = "wd:navigate";
pub const HIDDEN: &str = "wd:hidden";
pub const WALL: &str = "wd:wall";

/// (key in `ui/events.js`, event name).
#[cfg(test)]
pub const ALL: [(&str, &str); 6] = [
    ("data", DATA),
    ("alerts", ALERTS),
    ("health", HEALTH),
    ("navigate", NAVIGATE),
    ("hidden", HIDDEN),
    ("wall", WALL),
];

#[cfg(test)]
mod tests {
    /// The UI listens to what the shell emits: the names in ui/events.js are these.
    #[test]
    fn ui_event_names_are_the_shells() {
        let js = include_str!("../../ui/events.js");
        let mut found = Vec::new();
        for line in js.lines() {
            let l = line.trim().trim_end_matches(',');
            if let Some((k, v)) = l.split_once(": '") {
                if let Some(v) = v.strip_suffix('\'') {
                    found.push((k.trim().to_string(), v.to_string()));
                }
            }
        }
        let want: Vec<(String, String)> = super::ALL
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            found, want,
            "ui/events.js and src-tauri/src/events.rs disagree"
        );
    }
}
