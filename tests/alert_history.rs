//! The alert history missed while Watchdesk was closed, rebuilt from Prometheus' `ALERTS` series
//! against the real stack: a service goes down and comes back while nothing polls alerts; the next
//! alert round adds its "fired" and "resolved" (marked as rebuilt), and nothing for the Watchdog
//! alert whose firing the cache had already recorded.

mod common;

use std::time::{Duration, Instant};

use common::{get, wait_for, Stack};

fn am_has(stack: &Stack, name: &str) -> bool {
    get(&format!("{}/api/v2/alerts", stack.am_url()))
        .is_some_and(|b| b.contains(&format!("\"alertname\":\"{name}\"")))
}

#[test]
fn an_episode_missed_while_closed_is_rebuilt_from_prometheus_alerts() {
    let stack = Stack::start();
    stack.wait_targets_up(14);
    wait_for("the Watchdog alert", Duration::from_secs(60), || {
        am_has(&stack, "Watchdog").then_some(())
    });
    // Watchdesk runs once (it records the Watchdog's firing), then is "closed".
    let (ok, out, err) = stack.watchdesk(&["poll", "--once"]);
    assert!(ok, "{out}\n{err}");
    let closed_at = Instant::now();

    // While it is closed, go-api goes down long enough for ServiceDown to fire (for: 30s) and
    // stay firing over a few 15 s steps, then comes back.
    stack.scenario("service-down?service=go-api");
    wait_for("ServiceDown firing", Duration::from_secs(120), || {
        am_has(&stack, "ServiceDown").then_some(())
    });
    std::thread::sleep(Duration::from_secs(35));
    stack.end_scenario("service-down");
    wait_for("ServiceDown resolved", Duration::from_secs(120), || {
        (!am_has(&stack, "ServiceDown")).then_some(())
    });
    // More than a minute without an alert round: the next one rebuilds what was missed.
    if let Some(rest) = Duration::from_secs(65).checked_sub(closed_at.elapsed()) {
        std::thread::sleep(rest);
    }
    let (_, out, err) = stack.watchdesk(&["poll", "--once"]);
    let (ok, csv, _) = stack.watchdesk(&["history", "--since", "-1h", "--csv"]);
    assert!(ok);
    let rebuilt: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains("rebuilt from Prometheus ALERTS"))
        .collect();
    let down = |kind: &str| {
        rebuilt
            .iter()
            .filter(|l| l.contains("\"ServiceDown\"") && l.contains(&format!("\"{kind}\"")))
            .count()
    };
    assert_eq!(
        (down("fired"), down("resolved")),
        (1, 1),
        "ServiceDown's missed episode, once each:\n{csv}\npoll: {out}\n{err}"
    );
    assert!(
        !rebuilt.iter().any(|l| l.contains("\"Watchdog\"")),
        "the Watchdog's firing was recorded already, not rebuilt again:\n{csv}"
    );
    // The shift log shows it in order, with the rebuilt mark.
    let (_, log, _) = stack.watchdesk(&["history", "--since", "-1h"]);
    let fired = log
        .lines()
        .position(|l| l.contains("fired") && l.contains("ServiceDown"));
    let resolved = log
        .lines()
        .position(|l| l.contains("resolved") && l.contains("ServiceDown"));
    assert!(
        matches!((fired, resolved), (Some(f), Some(r)) if f < r),
        "{log}"
    );
    // Another round right after adds nothing.
    let _ = stack.watchdesk(&["poll", "--once"]);
    let (_, again, _) = stack.watchdesk(&["history", "--since", "-1h", "--csv"]);
    assert_eq!(again, csv, "a second round rebuilds nothing again");
}
