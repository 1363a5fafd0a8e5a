//! High availability against a real two-member Alertmanager cluster on loopback: the same alert
//! from both members is listed once with both as reporters; a silence (acknowledgement) made on one
//! member reaches the other by gossip; one member killed leaves the list intact and says so.

mod common;

use std::time::Duration;

use common::{get, wait_for, Stack};

fn probe(instance: &str, name: &str) -> serde_json::Value {
    serde_json::json!([{
        "labels": {"alertname": name, "severity": "critical", "job": "go-api", "instance": instance},
        "annotations": {"summary": format!("{name} on {instance}")}
    }])
}

fn alerts_json(stack: &Stack, ams: &[String]) -> Vec<serde_json::Value> {
    let (ok, out, err) = stack.watchdesk_with(ams, &["alerts", "--json"]);
    assert!(ok, "watchdesk alerts --json failed:\n{out}\n{err}");
    serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn named<'a>(list: &'a [serde_json::Value], name: &str) -> Vec<&'a serde_json::Value> {
    list.iter().filter(|a| a["alertname"] == name).collect()
}

fn reporters(a: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = a["reportedBy"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(|u| u.trim_end_matches('/').to_string()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn two_peered_alertmanagers_dedup_gossip_and_survive_one_down() {
    let mut stack = Stack::start();
    let mut peer = stack.start_alertmanager_peer();
    let ams = vec![stack.am_url(), peer.url()];
    let mut both = ams.clone();
    both.sort();

    // The same alert reaches both members (as Prometheus sends to every member of a cluster);
    // another reaches only the second member.
    let same = probe("10.0.0.7:8080", "HaProbe");
    stack.post_alerts_to(&ams[0], &same);
    stack.post_alerts_to(&ams[1], &same);
    stack.post_alerts_to(&ams[1], &probe("10.0.0.8:8080", "PeerOnly"));

    let mut last = String::new();
    let t0 = std::time::Instant::now();
    let list = loop {
        let (_, out, err) = stack.watchdesk_with(&ams, &["poll", "--once"]);
        let list = alerts_json(&stack, &ams);
        let ok = named(&list, "HaProbe").iter().any(|a| reporters(a) == both)
            && !named(&list, "PeerOnly").is_empty();
        if ok {
            break list;
        }
        last = format!("poll: {out}\n{err}\nalerts: {list:?}");
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "HaProbe not reported by both members {both:?} within 60 s; last:\n{last}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = last;
    let ha = named(&list, "HaProbe");
    assert_eq!(ha.len(), 1, "one alert, not one per member: {ha:?}");
    assert_eq!(reporters(ha[0]), both);
    let peer_only = named(&list, "PeerOnly");
    assert_eq!(peer_only.len(), 1);
    assert_eq!(
        reporters(peer_only[0]),
        vec![peer.url()],
        "an alert only one member has is listed too, with that member as its reporter"
    );
    let (ok, text, _) = stack.watchdesk_with(&ams, &["alerts"]);
    assert!(ok);
    assert!(
        !text.contains("unreachable"),
        "no warning while both members answer:\n{text}"
    );

    // An acknowledgement made through the cluster reaches the other member by gossip: the two
    // are one cluster, not two independent servers.
    let (ok, out, err) = stack.watchdesk_with(
        &ams,
        &[
            "ack",
            "HaProbe",
            "--for",
            "1h",
            "--comment",
            "ha test",
            "--author",
            "sam",
        ],
    );
    assert!(ok, "ack failed:\n{out}\n{err}");
    for url in &ams {
        wait_for(
            &format!("the acknowledgement on {url}"),
            Duration::from_secs(60),
            || {
                let body = get(&format!("{url}/api/v2/silences"))?;
                let s: Vec<serde_json::Value> = serde_json::from_str(&body).ok()?;
                s.iter()
                    .any(|s| s["createdBy"] == "sam" && s["status"]["state"] == "active")
                    .then_some(())
            },
        );
    }

    // One member is killed: the list stays intact, and says that the site is degraded.
    peer.stop();
    let (_, out, err) = stack.watchdesk_with(&ams, &["poll", "--once"]);
    let _ = (out, err);
    let list = alerts_json(&stack, &ams);
    assert_eq!(named(&list, "HaProbe").len(), 1, "{list:?}");
    assert_eq!(
        named(&list, "PeerOnly").len(),
        1,
        "an alert of the member that is down is not resolved while it cannot answer: {list:?}"
    );
    let (ok, text, err) = stack.watchdesk_with(&ams, &["alerts"]);
    assert!(ok, "{text}\n{err}");
    assert!(
        text.contains("warning: 1 of 2 Alertmanagers of default unreachable")
            && text.contains(&peer.url())
            && text.contains("degraded"),
        "a degraded warning naming the member that is down:\n{text}"
    );
    assert!(
        text.contains("HaProbe") && text.contains("PeerOnly"),
        "the list is intact:\n{text}"
    );
    assert_eq!(
        text.matches("acknowledged by sam").count(),
        1,
        "the acknowledgement is still shown:\n{text}"
    );
}
