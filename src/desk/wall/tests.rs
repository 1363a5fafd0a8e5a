use std::collections::BTreeMap;

use super::*;
use crate::ack::Ack;
use crate::config::{Config, Overrides};
use crate::desk::alerts::RESOLVED_UNACKED;

const T0: Millis = 1_800_000_000_000;
const MIN: i64 = 60_000;

fn wall_cfg(text: &str) -> WallConfig {
    Config::from_toml(text, None, &Overrides::default())
        .expect("valid config")
        .wall
        .expect("a [wall]")
}

fn monitor(name: &str, index: usize) -> Monitor {
    Monitor {
        name: name.into(),
        index,
        x: index as i32 * 1920,
        y: 0,
        width: 1920,
        height: 1080,
    }
}

/// Two screens: DP-1 steps aside for alarms (overview 2 min, streams 1 min), DP-2 does not.
const TWO: &str = r#"
[[wall.screens]]
monitor = "DP-1"
playlist = [{ dashboard = "overview", dwell = "2m" }, { dashboard = "streams", dwell = "1m" }]
[[wall.screens]]
monitor = "DP-2"
alarms = false
playlist = [{ dashboard = "storage", dwell = "5m" }, { dashboard = "overview", dwell = "5m" }]
"#;

fn known() -> Vec<String> {
    ["overview", "streams", "storage"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn two_screen_wall() -> Wall {
    let mut w = Wall::new(wall_cfg(TWO), &known()).expect("dashboards known");
    w.set_monitors(&[monitor("DP-1", 0), monitor("DP-2", 1)], T0);
    w
}

fn critical(name: &str, fp: &str, starts_at: Millis) -> ListedAlert {
    ListedAlert {
        source: "rta".into(),
        fingerprint: fp.into(),
        alertname: name.into(),
        severity: Severity::Critical,
        severity_label: "critical".into(),
        state: "firing",
        starts_at,
        resolved_at: None,
        summary: format!("{name} summary"),
        labels: BTreeMap::from([("instance".to_string(), "vms-1:8080".to_string())])
            .into_iter()
            .collect(),
        annotations: Default::default(),
        ack: None,
        pending_ack: false,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        reported_by: Vec::new(),
    }
}

fn status(alerts: Vec<ListedAlert>) -> WallStatus {
    let counts = Counts::of(&alerts);
    WallStatus {
        alerts: AlertList { alerts, counts },
        stale: None,
    }
}

fn acked(mut a: ListedAlert) -> ListedAlert {
    a.ack = Some(Ack {
        silence_id: "s1".into(),
        by: "sam".into(),
        at: T0,
        until: T0 + 60 * MIN,
        comment: "on it".into(),
    });
    a
}

/// What screen `monitor` shows: the dashboard uid, "alerts" or "alarm <fingerprint>".
/// A desk over the built-in dashboard with the wall of `toml`, on an in-memory cache, no site set up.
fn desk_with_wall(toml: &str) -> Desk {
    let cfg = Config::from_toml(toml, None, &Overrides::default()).expect("valid");
    let dashboards = crate::desk::load_dashboards(&cfg).expect("the built-in dashboard");
    let cache = std::sync::Arc::new(crate::cache::Cache::open_in_memory().expect("cache"));
    Desk::from_parts(cfg, cache, Vec::new(), dashboards, Vec::new())
}

fn shows(v: &WallView, monitor: &str) -> String {
    let s = v
        .screens
        .iter()
        .find(|s| s.monitor.name == monitor)
        .unwrap_or_else(|| panic!("no screen on {monitor}: {v:?}"));
    match &s.show {
        Show::Dashboard { entry, .. } => entry.dashboard.clone(),
        Show::Alerts => "alerts".into(),
        Show::Alarm(a) => format!("alarm {}", a.fingerprint),
    }
}

#[test]
fn the_rotation_moves_on_after_each_entrys_dwell() {
    let mut w = two_screen_wall();
    let v = w.view(T0);
    assert_eq!(shows(&v, "DP-1"), "overview");
    assert_eq!(shows(&v, "DP-2"), "storage");
    assert_eq!(
        v.next_change,
        Some(T0 + 2 * MIN),
        "the shortest dwell ends first"
    );
    assert_eq!(shows(&w.view(T0 + 2 * MIN - 1), "DP-1"), "overview");
    assert_eq!(shows(&w.view(T0 + 2 * MIN), "DP-1"), "streams");
    assert_eq!(
        shows(&w.view(T0 + 3 * MIN), "DP-1"),
        "overview",
        "wraps round"
    );
    let v = w.view(T0 + 5 * MIN);
    assert_eq!(shows(&v, "DP-1"), "streams");
    assert_eq!(shows(&v, "DP-2"), "overview");
    // A day later (the machine slept): still on the dwell grid, no replay of every step.
    let v = w.view(T0 + 24 * 60 * MIN);
    assert_eq!(
        shows(&v, "DP-1"),
        "overview",
        "1440 min is 480 cycles of 3 min"
    );
    match &v.screens[0].show {
        Show::Dashboard {
            position,
            of,
            changes_at,
            entry,
        } => {
            assert_eq!((*position, *of), (0, 2));
            assert_eq!(*changes_at, Some(T0 + 24 * 60 * MIN + 2 * MIN));
            assert_eq!(entry.from, "now-6h");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pause_stops_the_rotation_and_resume_continues_the_dwell() {
    let mut w = two_screen_wall();
    w.command(Some("DP-1"), Command::Pause, T0 + MIN);
    let v = w.view(T0 + 7 * MIN);
    assert_eq!(shows(&v, "DP-1"), "overview", "paused");
    assert!(v.screens[0].paused);
    assert_eq!(shows(&v, "DP-2"), "overview", "the other screen went on");
    w.command(Some("DP-1"), Command::Resume, T0 + 10 * MIN);
    assert_eq!(shows(&w.view(T0 + 11 * MIN - 1), "DP-1"), "overview");
    assert_eq!(
        shows(&w.view(T0 + 11 * MIN), "DP-1"),
        "streams",
        "the minute left of the dwell"
    );
}

#[test]
fn next_previous_alerts_and_leave_keys() {
    let mut w = two_screen_wall();
    w.command(Some("DP-1"), Command::Next, T0 + MIN);
    assert_eq!(shows(&w.view(T0 + MIN), "DP-1"), "streams");
    assert_eq!(
        shows(&w.view(T0 + 2 * MIN - 1), "DP-1"),
        "streams",
        "a new entry gets its whole dwell"
    );
    let t = T0 + 2 * MIN - 1;
    w.command(Some("DP-1"), Command::Previous, t);
    assert_eq!(shows(&w.view(t), "DP-1"), "overview");
    w.command(Some("DP-1"), Command::Previous, t);
    assert_eq!(shows(&w.view(t), "DP-1"), "streams", "wraps backwards");
    w.command(None, Command::Alerts, t);
    let v = w.view(T0 + 30 * MIN);
    assert_eq!(shows(&v, "DP-1"), "alerts");
    assert_eq!(shows(&v, "DP-2"), "alerts");
    w.command(None, Command::Alerts, T0 + 30 * MIN);
    assert_eq!(
        shows(&w.view(T0 + 30 * MIN), "DP-1"),
        "streams",
        "held meanwhile"
    );
    w.command(None, Command::Leave, T0 + 31 * MIN);
    let v = w.view(T0 + 31 * MIN);
    assert!(v.left && v.screens.is_empty());
}

#[test]
fn an_alarm_takes_over_only_alarm_screens_and_rotation_resumes_at_the_left_entry_after_ack() {
    let mut w = two_screen_wall();
    // At 2.5 min DP-1 shows "streams" (half its minute gone).
    let alarm = critical("ServiceDown", "f1", T0);
    w.set_status(&status(vec![alarm.clone()]), T0 + 150_000);
    let v = w.view(T0 + 150_000);
    assert_eq!(shows(&v, "DP-1"), "alarm f1");
    assert_eq!(
        shows(&v, "DP-2"),
        "storage",
        "alarms = false: not taken over"
    );
    let Show::Alarm(a) = &v.screens[0].show else {
        unreachable!()
    };
    assert_eq!((a.source.as_str(), a.queued), ("rta", 0));
    assert_eq!(
        a.banner,
        "ALARM critical: ServiceDown on rta (vms-1:8080) — ServiceDown summary"
    );
    assert_eq!(v.screens[0].counts.critical, 1, "counts on every screen");
    assert_eq!(v.screens[1].counts.critical, 1);
    // An hour under the alarm, then Sam acknowledges it.
    assert_eq!(shows(&w.view(T0 + 60 * MIN), "DP-1"), "alarm f1");
    w.set_status(&status(vec![acked(alarm)]), T0 + 60 * MIN);
    let v = w.view(T0 + 60 * MIN);
    assert_eq!(shows(&v, "DP-1"), "streams", "back at the entry it left");
    assert_eq!(v.screens[0].counts.acknowledged, 1);
    assert_eq!(shows(&w.view(T0 + 60 * MIN + 29_999), "DP-1"), "streams");
    assert_eq!(shows(&w.view(T0 + 60 * MIN + 30_000), "DP-1"), "overview");
}

#[test]
fn a_resolved_alarm_also_releases_the_screen() {
    let mut w = two_screen_wall();
    let alarm = critical("PostgreSQLDown", "f2", T0);
    w.set_status(&status(vec![alarm.clone()]), T0 + MIN);
    assert_eq!(shows(&w.view(T0 + MIN), "DP-1"), "alarm f2");
    let mut resolved = alarm;
    resolved.state = RESOLVED_UNACKED;
    resolved.resolved_at = Some(T0 + 5 * MIN);
    w.set_status(&status(vec![resolved]), T0 + 5 * MIN);
    assert_eq!(shows(&w.view(T0 + 5 * MIN), "DP-1"), "overview");
    w.set_status(&status(vec![]), T0 + 6 * MIN);
    assert_eq!(
        shows(&w.view(T0 + 6 * MIN), "DP-1"),
        "streams",
        "the rotation runs again"
    );
    // A queued acknowledgement (no Alertmanager answered yet) also releases.
    let mut pending = critical("ValkeyDown", "f3", T0);
    pending.pending_ack = true;
    w.set_status(&status(vec![pending]), T0 + 7 * MIN);
    assert_eq!(shows(&w.view(T0 + 7 * MIN), "DP-1"), "overview");
}

#[test]
fn two_alarms_queue_in_arrival_order_and_the_second_shows_after_the_first_is_acknowledged() {
    let mut w = two_screen_wall();
    let first = critical("ServiceDown", "f1", T0);
    w.set_status(&status(vec![first.clone()]), T0 + MIN);
    // The second started earlier (Alertmanager was slow to say) but arrived later.
    let second = critical("MinIOStorageFull", "f2", T0 - 60 * MIN);
    let mut warning = critical("HighRequestRate", "w1", T0);
    warning.severity = Severity::Warning;
    w.set_status(
        &status(vec![second.clone(), first.clone(), warning.clone()]),
        T0 + 2 * MIN,
    );
    let v = w.view(T0 + 2 * MIN);
    assert_eq!(
        shows(&v, "DP-1"),
        "alarm f1",
        "the one that came first stays"
    );
    let Show::Alarm(a) = &v.screens[0].show else {
        unreachable!()
    };
    assert_eq!(a.queued, 1);
    assert!(a.banner.ends_with("(+1 more)"), "{}", a.banner);
    w.set_status(
        &status(vec![second.clone(), acked(first), warning]),
        T0 + 3 * MIN,
    );
    assert_eq!(shows(&w.view(T0 + 3 * MIN), "DP-1"), "alarm f2");
    w.set_status(&status(vec![acked(second)]), T0 + 4 * MIN);
    assert_eq!(shows(&w.view(T0 + 4 * MIN), "DP-1"), "overview");
}

#[test]
fn an_alarm_acknowledged_while_paused_never_takes_over() {
    let mut w = two_screen_wall();
    w.command(Some("DP-1"), Command::Pause, T0);
    let alarm = critical("ServiceDown", "f1", T0);
    w.set_status(&status(vec![alarm.clone()]), T0 + MIN);
    assert_eq!(
        shows(&w.view(T0 + MIN), "DP-1"),
        "overview",
        "paused: not taken"
    );
    w.set_status(&status(vec![acked(alarm.clone())]), T0 + 2 * MIN);
    w.command(Some("DP-1"), Command::Resume, T0 + 3 * MIN);
    assert_eq!(shows(&w.view(T0 + 3 * MIN), "DP-1"), "overview");
    // One still unacknowledged when the operator resumes does take over.
    let other = critical("ValkeyDown", "f9", T0);
    w.command(Some("DP-1"), Command::Pause, T0 + 4 * MIN);
    w.set_status(&status(vec![other]), T0 + 5 * MIN);
    w.command(Some("DP-1"), Command::Resume, T0 + 6 * MIN);
    assert_eq!(shows(&w.view(T0 + 6 * MIN), "DP-1"), "alarm f9");
}

#[test]
fn a_warning_or_a_silenced_critical_does_not_take_over() {
    let mut w = two_screen_wall();
    let mut warning = critical("HighCPUUsage", "w", T0);
    warning.severity = Severity::Warning;
    let mut silenced = critical("HighDiskUsage", "s", T0);
    silenced.state = "silenced";
    w.set_status(&status(vec![warning, silenced]), T0);
    let v = w.view(T0);
    assert_eq!(shows(&v, "DP-1"), "overview");
    assert_eq!(v.screens[0].counts.warning, 1);
}

#[test]
fn every_screen_shows_the_stale_banner_when_a_source_is_down() {
    let mut w = two_screen_wall();
    let mut st = status(vec![]);
    st.stale = Some("rta: Prometheus unreachable, last good data 14:02".into());
    w.set_status(&st, T0);
    let v = w.view(T0);
    assert!(v.screens.iter().all(|s| s.stale == st.stale), "{v:?}");
    w.set_status(&status(vec![]), T0 + MIN);
    assert!(w.view(T0 + MIN).screens.iter().all(|s| s.stale.is_none()));
}

#[test]
fn an_unplugged_screens_playlist_moves_to_a_free_monitor_and_back_with_its_place() {
    let cfg = wall_cfg(&format!(
        "{TWO}\n[[wall.screens]]\nmonitor = \"all\"\nalarms = false\nplaylist = [{{ dashboard = \"streams\" }}]"
    ));
    let mut w = Wall::new(cfg, &known()).expect("known");
    let three = [monitor("DP-1", 0), monitor("DP-2", 1), monitor("HDMI-1", 2)];
    w.set_monitors(&three, T0);
    let v = w.view(T0 + 5 * MIN);
    assert_eq!(shows(&v, "HDMI-1"), "streams", "the \"all\" screen");
    assert_eq!(shows(&v, "DP-2"), "overview");
    // DP-2 is unplugged at 6 min: its playlist replaces the "all" one on HDMI-1, where it was.
    w.set_monitors(&[monitor("DP-1", 0), monitor("HDMI-1", 1)], T0 + 6 * MIN);
    let v = w.view(T0 + 6 * MIN);
    assert_eq!(v.screens.len(), 2);
    assert_eq!(shows(&v, "HDMI-1"), "overview");
    let moved = &v.screens[1];
    assert_eq!(moved.playlist, PlaylistKey::Screen(1));
    assert!(!moved.alarms, "the playlist keeps its screen's settings");
    assert_eq!(
        moved.moved_from.as_deref(),
        Some("the playlist of wall screen 2 (\"DP-2\"), which is not connected")
    );
    assert_eq!(shows(&w.view(T0 + 10 * MIN), "HDMI-1"), "storage");
    // Replugged: back on DP-2, the rotation went on; HDMI-1 gets the "all" playlist again.
    w.set_monitors(&three, T0 + 11 * MIN);
    let v = w.view(T0 + 11 * MIN);
    assert_eq!(shows(&v, "DP-2"), "storage");
    assert_eq!(v.screens[1].moved_from, None);
    assert_eq!(shows(&v, "HDMI-1"), "streams");
}

#[test]
fn with_no_free_monitor_an_unplugged_playlist_is_dropped_and_stated_then_comes_back() {
    let mut w = two_screen_wall();
    w.command(Some("DP-2"), Command::Next, T0);
    w.set_monitors(&[monitor("DP-1", 0)], T0 + MIN);
    let v = w.view(T0 + 30 * MIN);
    assert_eq!(v.screens.len(), 1);
    assert_eq!(
        v.dropped,
        vec![
            "wall screen 2 (\"DP-2\") is not connected and no other monitor is free: its playlist \
             is not shown until it returns"
                .to_string()
        ]
    );
    // Said on the screen that is left, not only in the log.
    assert_eq!(v.screens[0].waiting, v.dropped);
    w.set_monitors(&[monitor("DP-1", 0), monitor("DP-2", 1)], T0 + 30 * MIN);
    let v = w.view(T0 + 30 * MIN);
    assert!(v.dropped.is_empty());
    assert!(v.screens.iter().all(|s| s.waiting.is_empty()));
    assert_eq!(
        shows(&v, "DP-2"),
        "overview",
        "where it stood when unplugged (its clock stood still)"
    );
}

#[test]
fn screens_match_by_name_before_index_and_all_covers_the_rest() {
    let cfg = wall_cfg(
        r#"
        [[wall.screens]]
        monitor = 1
        playlist = [{ dashboard = "streams" }]
        [[wall.screens]]
        monitor = "HDMI-1"
        playlist = [{ dashboard = "storage" }]
        [[wall.screens]]
        monitor = "all"
        playlist = [{ dashboard = "overview" }]
    "#,
    );
    // HDMI-1 is at index 1: the name wins, the index screen moves to the free monitor.
    let a = assign(
        &cfg,
        &[
            monitor("eDP-1", 0),
            monitor("HDMI-1", 1),
            monitor("DP-3", 2),
        ],
    );
    let on: Vec<(String, PlaylistKey)> = a
        .placed
        .iter()
        .map(|p| (p.monitor.name.clone(), p.playlist.clone()))
        .collect();
    assert_eq!(
        on,
        vec![
            ("eDP-1".to_string(), PlaylistKey::Screen(0)),
            ("HDMI-1".to_string(), PlaylistKey::Screen(1)),
            (
                "DP-3".to_string(),
                PlaylistKey::All {
                    screen: 2,
                    monitor: "DP-3".into()
                }
            ),
        ]
    );
    assert!(a.placed[0].moved_from.is_some());
    assert!(assign(&cfg, &[]).placed.is_empty());
}

#[test]
fn a_wall_naming_an_unknown_dashboard_is_refused_with_what_is_loaded() {
    let err = Wall::new(wall_cfg(TWO), &["overview".into()])
        .expect_err("streams and storage are not loaded")
        .to_string();
    assert!(
        err.contains("\"streams\" (screen 1, entry 2)")
            && err.contains("\"storage\" (screen 2, entry 1)")
            && err.contains("loaded: overview"),
        "{err}"
    );
}

/// Through the desk: its one alert list and its stale state drive the wall, and an
/// acknowledgement (an ack silence in the cache) releases the alarm screen.
#[test]
fn the_desks_alert_list_and_stale_state_drive_the_wall() {
    use crate::cache::ReportedAlert;
    use crate::source::{Alert, AlertState, Labels, Silence, SilenceState};

    // No site set up: never green, the wall says so.
    let d = desk_with_wall(
        "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"rta-overview\" }]",
    );
    let mut w = d.wall().expect("rta-overview is loaded");
    w.set_monitors(&[monitor("DP-1", 0)], T0);
    let mut labels = Labels::new();
    labels.insert("alertname".into(), "ServiceDown".into());
    labels.insert("severity".into(), "critical".into());
    labels.insert("instance".into(), "go-api:9201".into());
    let a = ReportedAlert {
        alert: Alert {
            fingerprint: "fp1".into(),
            labels: labels.clone(),
            annotations: Labels::new(),
            starts_at: 1,
            updated_at: None,
            ends_at: None,
            generator_url: None,
            receivers: vec![],
            state: AlertState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
        },
        reported_by: vec![],
    };
    let site = d.sources()[0].clone();
    let now = crate::time::now_ms();
    d.cache
        .sync_alerts(&site, std::slice::from_ref(&a), true, now)
        .expect("sync");
    w.set_status(&d.wall_status(), T0 + MIN);
    let v = w.view(T0 + MIN);
    assert_eq!(shows(&v, "DP-1"), "alarm fp1");
    assert_eq!(v.screens[0].counts.critical, 1);
    assert!(
        v.screens[0]
            .stale
            .as_deref()
            .is_some_and(|s| s.contains("not set up")),
        "{v:?}"
    );
    d.cache
        .replace_silences(
            &site,
            &[Silence {
                id: "s1".into(),
                state: SilenceState::Active,
                matchers: crate::ack::default_matchers(&labels),
                starts_at: now,
                ends_at: now + 3_600_000,
                updated_at: None,
                created_by: "sam".into(),
                comment: "[ack] on it".into(),
            }],
        )
        .expect("silences");
    w.set_status(&d.wall_status(), T0 + 2 * MIN);
    assert_eq!(shows(&w.view(T0 + 2 * MIN), "DP-1"), "rta-overview");
}

/// The defect: with two screens and one monitor left, an unplugged `alarms = true` screen was
/// dropped while the remaining monitor kept a playlist that never steps aside, so a new critical
/// alert showed on no screen at all.
#[test]
fn an_unplugged_alarm_screen_was_dropped_and_its_alarms_shown_nowhere() {
    let mut w = two_screen_wall();
    w.command(Some("DP-1"), Command::Next, T0);
    // DP-1 (alarms) is unplugged; only DP-2 (no alarms) is left.
    w.set_monitors(&[monitor("DP-2", 1)], T0 + 30_000);
    let v = w.view(T0 + 30_000);
    assert_eq!(v.screens.len(), 1);
    let s = &v.screens[0];
    assert_eq!(s.monitor.name, "DP-2");
    assert_eq!(
        s.playlist,
        PlaylistKey::Screen(0),
        "the alarm screen's playlist"
    );
    assert!(s.alarms);
    assert_eq!(
        s.moved_from.as_deref(),
        Some("the playlist of wall screen 1 (\"DP-1\"), which is not connected")
    );
    assert_eq!(shows(&v, "DP-2"), "streams", "at the entry it stood on");
    assert_eq!(
        v.dropped,
        vec![
            "wall screen 2 (\"DP-2\") gives its monitor to the playlist of wall screen 1 \
             (\"DP-1\"), which steps aside for alarms and is not connected: its playlist is not \
             shown until that monitor returns"
                .to_string()
        ]
    );
    // A critical alert shows on the one monitor left.
    w.set_status(
        &status(vec![critical("ServiceDown", "f1", T0)]),
        T0 + 2 * MIN,
    );
    assert_eq!(shows(&w.view(T0 + 2 * MIN), "DP-2"), "alarm f1");
    w.set_status(&status(vec![]), T0 + 3 * MIN);
    // Replugged: each playlist on its own monitor again, DP-2's where it stood.
    w.set_monitors(&[monitor("DP-1", 0), monitor("DP-2", 1)], T0 + 4 * MIN);
    let v = w.view(T0 + 4 * MIN);
    assert!(v.dropped.is_empty(), "{:?}", v.dropped);
    assert_eq!(shows(&v, "DP-2"), "storage");
    assert_eq!(v.screens[1].moved_from, None);
    assert_eq!(v.screens[0].playlist, PlaylistKey::Screen(0));
}

#[test]
fn two_alarm_screens_on_one_monitor_keep_the_one_whose_monitor_is_there() {
    let cfg = wall_cfg(
        "[[wall.screens]]\nmonitor = \"DP-1\"\nplaylist = [{ dashboard = \"overview\" }]\n\
         [[wall.screens]]\nmonitor = \"DP-2\"\nplaylist = [{ dashboard = \"storage\" }]",
    );
    let mut w = Wall::new(cfg, &known()).expect("known");
    w.set_monitors(&[monitor("DP-1", 0)], T0);
    let v = w.view(T0);
    assert_eq!(shows(&v, "DP-1"), "overview");
    assert_eq!(v.dropped.len(), 1, "{:?}", v.dropped);
    assert!(
        v.dropped[0].contains("no other monitor is free"),
        "{:?}",
        v.dropped
    );
}

/// The defect: a playlist entry's `vars` were written into the operator's selection of that
/// dashboard, so the wall flipped the normal window's variables, and two screens rotating one
/// dashboard for two jobs overwrote each other's values (and what the poller fetched) each dwell.
#[test]
fn wall_playlist_values_changed_the_operators_selection() {
    let d = desk_with_wall(
        r#"
[[wall.screens]]
monitor = "DP-1"
playlist = [{ dashboard = "rta-overview", vars = { job = "go-api" } }]
[[wall.screens]]
monitor = "DP-2"
playlist = [{ dashboard = "RTA CCTV System Overview", vars = { job = "vms-recorder" } }, { dashboard = "rta-overview" }]
"#,
    );
    let site = d.sources()[0].clone();
    // The operator sees one dashboard, whatever the wall shows.
    assert_eq!(d.dashboards().len(), 1, "{:?}", d.dashboards());
    let mut w = d.wall().expect("the dashboards are loaded");
    w.set_monitors(&[monitor("DP-1", 0), monitor("DP-2", 1)], T0);
    let v = w.view(T0);
    let (one, two) = (shows(&v, "DP-1"), shows(&v, "DP-2"));
    assert_eq!(one, "rta-overview?var-job=go-api");
    assert_eq!(two, "rta-overview?var-job=vms-recorder");
    let planned = |key: &str| -> Vec<String> {
        let dash = d.dashboard(key).expect("the wall's copy is loaded").clone();
        crate::plan::plan_for(d.cache(), &site, &dash, d.settings())
            .into_iter()
            .map(|q| q.expr)
            .collect()
    };
    let (p1, p2, mine) = (planned(&one), planned(&two), planned("rta-overview"));
    assert!(p1.iter().any(|e| e.contains(r#"job=~"go-api""#)), "{p1:?}");
    assert!(!p1.iter().any(|e| e.contains("vms-recorder")), "{p1:?}");
    assert!(
        p2.iter().any(|e| e.contains(r#"job=~"vms-recorder""#)),
        "{p2:?}"
    );
    // The operator's dashboard keeps its own values (All), and its selection was never written.
    assert!(
        !mine
            .iter()
            .any(|e| e.contains("go-api") || e.contains("vms-recorder")),
        "{mine:?}"
    );
    let original = d.dashboard("rta-overview").expect("loaded").clone();
    assert!(crate::plan::load_selection(d.cache(), &site, &original).is_empty());
    // The second entry, without values, is the operator's dashboard itself.
    w.command(Some("DP-2"), Command::Next, T0 + 1);
    assert_eq!(shows(&w.view(T0 + 1), "DP-2"), "rta-overview");

    // A variable the dashboard does not have is refused, naming those it has.
    let d = desk_with_wall(
        "[[wall.screens]]\nmonitor = \"all\"\nplaylist = [{ dashboard = \"rta-overview\", vars = { jbo = \"x\" } }]",
    );
    let e = d.wall().expect_err("no such variable").to_string();
    assert!(e.contains("`jbo`") && e.contains("job"), "{e}");
}
