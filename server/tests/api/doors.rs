//! Door sensors through the real RTU simulator: the running server polls the boards' discrete
//! inputs, reports changes as events and on the locker view, and raises the jam and forced-door
//! alarms.

use crate::helpers::TestApp;
use kioskhub::events::{Notice, Published};
use kioskhub::hardware::doors::DoorPoller;
use kioskhub::lockers::JAM_AFTER;
use kioskhub_relay::frame::Request;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// `men` has door sensors on board 1 of `bus-men`; `women` has none.
fn config(doors_follow_pulses: bool) -> String {
    format!(
        r#"
[site]
id = "main"

[lockers]

[[bus]]
name = "bus-men"
port = "sim"
turnaround = "0"
sim_doors_follow_pulses = {doors_follow_pulses}

[[bus]]
name = "bus-women"
port = "sim"
turnaround = "0"

[[board]]
bus = "bus-men"
slave = 1
kind = "waveshare16"

[[board]]
bus = "bus-women"
slave = 1
kind = "waveshare16"

[[kiosk]]
id = "men"
lockers = 16
boards = [{{ bus = "bus-men", slave = 1 }}]
doors = true

[[kiosk]]
id = "women"
lockers = 16
boards = [{{ bus = "bus-women", slave = 1 }}]
"#
    )
}

/// Starts the app and waits for the first door reading (the baseline, which raises nothing).
async fn spawn(doors_follow_pulses: bool) -> TestApp {
    let app = TestApp::spawn_with(&config(doors_follow_pulses), "").await;
    eventually(&app, "the doors are first read", |app| {
        app.state.lockers.door("men", 16).is_some()
    })
    .await;
    app
}

async fn eventually(app: &TestApp, what: &str, check: impl Fn(&TestApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check(app) {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The next committed event of `kind` at men's `locker`.
async fn committed(
    notices: &mut broadcast::Receiver<Notice>,
    kind: &str,
    locker: i64,
) -> Arc<Published> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let notice = tokio::time::timeout_at(deadline, notices.recv())
            .await
            .unwrap_or_else(|_| panic!("no {kind} at locker {locker} within 10 s"))
            .expect("the event hub is open");
        if let Notice::Committed(p) = notice
            && p.kind == kind
            && p.locker == Some(locker)
        {
            return p;
        }
    }
}

async fn door_on_view(app: &TestApp, kiosk: &str, locker: i64) -> Value {
    let admin = app.admin().await;
    let (_, view) = admin
        .get(&format!("/api/kiosks/{kiosk}/lockers/{locker}"))
        .await;
    view["door"].clone()
}

fn door_reads(app: &TestApp, bus: &str) -> usize {
    app.sim(bus)
        .requests()
        .iter()
        .filter(|r| matches!(r.request, Request::ReadDiscreteInputs { .. }))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_opened_locker_reports_its_door_open_then_closed_on_the_view_and_in_events() {
    let app = spawn(true).await;
    let mut notices = app.state.events.subscribe();
    assert_eq!(door_on_view(&app, "men", 5).await, "closed");

    let kiosk = app.kiosk("men").await;
    kiosk.take("04A1B2C3D4", 5).await;
    let opened = committed(&mut notices, "door_opened", 5).await;
    assert_eq!(opened.data["door"], "open");
    assert_eq!(opened.actor, "system:doors");
    assert_eq!(door_on_view(&app, "men", 5).await, "open");

    app.sim("bus-men").set_input(1, 5, false);
    let closed = committed(&mut notices, "door_closed", 5).await;
    assert_eq!(closed.data["door"], "closed");
    assert_eq!(door_on_view(&app, "men", 5).await, "closed");
    assert!(app.events("men", 5, "door_forced").await.is_empty());
    assert!(app.events("men", 5, "door_jam").await.is_empty());

    assert_eq!(door_on_view(&app, "women", 5).await, Value::Null);
    assert_eq!(door_reads(&app, "bus-women"), 0, "no sensors, no reads");
    assert!(door_reads(&app, "bus-men") > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_door_opened_without_a_pulse_raises_door_forced() {
    let app = spawn(true).await;
    let mut notices = app.state.events.subscribe();
    app.sim("bus-men").set_input(1, 3, true);
    let forced = committed(&mut notices, "door_forced", 3).await;
    assert_eq!(forced.data["alert"], true);
    assert_eq!(forced.data["door"], "open");
    assert_eq!(app.events("men", 3, "door_opened").await.len(), 1);
    assert_eq!(app.sim("bus-men").pulses(1, 3), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_door_that_stays_shut_after_a_confirmed_pulse_raises_door_jam() {
    let app = spawn(false).await;
    let sim = app.sim("bus-men");
    // Locker 6's sensor already reads open (say a cut cable): it is still pulsed when opened.
    sim.set_input(1, 6, true);
    eventually(&app, "door 6 reads open", |app| {
        app.state.lockers.door("men", 6) == Some("open")
    })
    .await;
    let kiosk = app.kiosk("men").await;
    kiosk.take("04A1B2C3D4", 4).await;
    kiosk.take("04A1B2C3D5", 6).await;
    assert_eq!((sim.pulses(1, 4), sim.pulses(1, 6)), (1, 1));
    assert_eq!(app.state.lockers.door("men", 4), Some("closed"));

    // The polling step, run as if 10 s had passed since the pulse.
    let poller = DoorPoller::for_bus(&app.state, "bus-men").expect("bus-men has door boards");
    let later = Instant::now() + JAM_AFTER + Duration::from_secs(1);
    let tick = poller.tick(&app.state, later).await;
    assert_eq!(tick.boards_read, 1);
    let jams = app.events("men", 4, "door_jam").await;
    assert_eq!(jams.len(), 1, "{jams:?}");
    assert_eq!(jams[0]["data"]["alert"], true);
    assert!(jams[0]["data"]["waited_ms"].as_u64().unwrap() >= 10_000);
    assert!(app.events("men", 6, "door_jam").await.is_empty());
    poller.tick(&app.state, later).await;
    assert_eq!(app.events("men", 4, "door_jam").await.len(), 1, "once");
}

#[tokio::test(flavor = "multi_thread")]
async fn door_polling_stops_with_the_server() {
    let mut app = spawn(true).await;
    let stopped = tokio::time::timeout(Duration::from_secs(10), app.stop()).await;
    assert!(
        stopped.is_ok(),
        "the server waits for its pollers, which end"
    );
    let reads = door_reads(&app, "bus-men");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(door_reads(&app, "bus-men"), reads, "no read after shutdown");
}
