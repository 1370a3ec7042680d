//! The watch over the relay buses: per-board metrics on /metrics and board online/offline
//! events, through the real RTU simulator. Each test names its bus apart: every server in this
//! test process shares one metrics recorder.

use crate::helpers::TestApp;
use kioskhub_relay::sim::SimFault;
use serde_json::Value;
use std::time::{Duration, Instant};

/// One kiosk on one board of a bus called `bus`, probed every 100 ms.
fn config(bus: &str) -> String {
    r#"
[site]
id = "main"

[lockers]

[[bus]]
name = "watched-bus"
port = "sim"
turnaround = "0"
timeout = "50ms"
retries = 0
probe_interval = "100ms"

[[board]]
bus = "watched-bus"
slave = 1
kind = "waveshare16"

[[kiosk]]
id = "watched"
lockers = 16
boards = [{ bus = "watched-bus", slave = 1 }]
"#
    .replace("watched-bus", bus)
}

/// The value of the /metrics sample named `name` whose labels include every one of `labels`.
async fn sample(app: &TestApp, name: &str, labels: &[&str]) -> Option<f64> {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Waits until the sample exists and `check` holds for it.
async fn metric(app: &TestApp, name: &str, labels: &[&str], check: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = sample(app, name, labels).await
            && check(v)
        {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{name} {labels:?} never got there"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn board_events(app: &TestApp, kind: &str) -> Vec<Value> {
    let admin = app.admin().await;
    let (_, body) = admin.get(&format!("/api/events?type={kind}")).await;
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn board_event(app: &TestApp, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(first) = board_events(app, kind).await.into_iter().next() {
            return first;
        }
        assert!(Instant::now() < deadline, "no {kind} event");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_each_boards_transactions_latency_and_online_state() {
    let app = TestApp::spawn_with(&config("metered-bus"), "").await;
    const BOARD: [&str; 2] = ["bus=\"metered-bus\"", "slave=\"1\""];
    app.kiosk("watched").await.take("04A1B2C3D4", 2).await;
    let ok = [BOARD[0], BOARD[1], "result=\"ok\""];
    metric(&app, "kioskhub_relay_transactions_total", &ok, |v| v >= 1.0).await;
    metric(&app, "kioskhub_relay_board_online", &BOARD, |v| v == 1.0).await;
    let pulse = [BOARD[0], BOARD[1], "op=\"pulse\"", "le=\"+Inf\""];
    let pulses = metric(&app, "kioskhub_relay_latency_seconds_bucket", &pulse, |v| {
        v >= 1.0
    })
    .await;
    assert_eq!(pulses, 1.0);
    let fast = [BOARD[0], BOARD[1], "op=\"pulse\"", "le=\"0.3\""];
    assert_eq!(
        sample(&app, "kioskhub_relay_latency_seconds_bucket", &fast).await,
        Some(1.0),
        "a simulated pulse confirms well within 300 ms"
    );
    assert!(board_events(&app, "bus_board_offline").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_board_that_stops_answering_goes_offline_with_an_alert_and_comes_back() {
    let app = TestApp::spawn_with(&config("watched-bus"), "").await;
    const BOARD: [&str; 2] = ["bus=\"watched-bus\"", "slave=\"1\""];
    let sim = app.sim("watched-bus");
    sim.inject_fault(1, SimFault::Silent, None);

    let offline = board_event(&app, "bus_board_offline").await;
    assert_eq!(offline["kiosk"], "watched");
    assert_eq!(offline["actor"], "system:relay");
    assert_eq!(offline["data"]["bus"], "watched-bus");
    assert_eq!(offline["data"]["slave"], 1);
    assert_eq!(offline["data"]["alert"], true);
    assert!(
        offline["data"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("did not answer in time")),
        "{offline}"
    );
    metric(&app, "kioskhub_relay_board_online", &BOARD, |v| v == 0.0).await;
    let failed = [BOARD[0], BOARD[1], "result=\"failed\""];
    metric(&app, "kioskhub_relay_transactions_total", &failed, |v| {
        v >= 3.0
    })
    .await;
    let timeouts = [BOARD[0], BOARD[1], "kind=\"timeout\""];
    metric(
        &app,
        "kioskhub_relay_attempt_errors_total",
        &timeouts,
        |v| v >= 3.0,
    )
    .await;
    let ready: Value = reqwest::get(app.url("/health/ready"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "warn", "{ready}");

    sim.clear_fault(1);
    let online = board_event(&app, "bus_board_online").await;
    assert_eq!(online["data"]["online"], true);
    assert!(online["data"]["alert"].is_null());
    metric(&app, "kioskhub_relay_board_online", &BOARD, |v| v == 1.0).await;
    assert_eq!(
        board_events(&app, "bus_board_offline").await.len(),
        1,
        "once"
    );
}
