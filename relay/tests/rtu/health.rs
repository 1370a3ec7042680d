//! Health: offline only after failed operations, never from idleness; probes only read.

use crate::helpers::{eventually, ms, quick, waveshare};
use kioskhub_relay::BusOptions;
use kioskhub_relay::frame::Request;
use kioskhub_relay::sim::{self, SimFault, SimOptions};
use std::time::Duration;

#[tokio::test]
async fn a_board_goes_offline_only_after_three_failed_probes_and_back_with_one_reply() {
    let (bus, sim) = sim::spawn_bus("line", &[waveshare(1)], SimOptions::default(), quick());
    sim.inject_fault(1, SimFault::Silent, None);
    bus.probe_now().await;
    bus.probe_now().await;
    let health = &bus.health()[0];
    assert!(health.online, "two failures are not enough");
    assert_eq!(health.consecutive_failures, 2);
    bus.probe_now().await;
    assert!(!bus.health()[0].online);
    sim.clear_fault(1);
    bus.probe_now().await;
    let health = &bus.health()[0];
    assert!(health.online);
    assert_eq!(health.consecutive_failures, 0);
    assert!(health.last_probe_ms.is_some());
    assert!(health.error_rate > 0.7 && health.error_rate < 0.8);
}

#[tokio::test]
async fn failed_pulses_count_towards_offline_like_probes() {
    let (bus, sim) = sim::spawn_bus("line", &[waveshare(1)], SimOptions::default(), quick());
    sim.inject_fault(1, SimFault::BadCrc, None);
    for _ in 0..3 {
        bus.pulse(1, 1, ms(500)).await.unwrap_err();
    }
    let health = &bus.health()[0];
    assert!(!health.online);
    assert_eq!(health.errors, 3);
    assert!(health.last_error.as_deref().unwrap().contains("corrupt"));
}

#[tokio::test]
async fn an_idle_bus_is_probed_with_reads_and_stays_online() {
    let options = BusOptions {
        probe_interval: Some(Duration::from_millis(30)),
        ..quick()
    };
    let boards = [waveshare(1), waveshare(2)];
    let (bus, sim) = sim::spawn_bus("line", &boards, SimOptions::default(), options);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let requests = sim.requests();
    assert!(requests.len() >= 10, "probed {} times", requests.len());
    assert!(
        requests.iter().all(|r| matches!(
            r.request,
            Request::ReadCoils {
                first: 0,
                count: 16
            }
        )),
        "probes only read (rule 4)"
    );
    assert!(bus.health().iter().all(|h| h.online && h.errors == 0));
    assert_eq!(sim.total_pulses(), 0);
}

#[tokio::test]
async fn an_unanswered_probe_makes_an_idle_board_offline_without_any_command() {
    let options = BusOptions {
        probe_interval: Some(Duration::from_millis(20)),
        timeout: Duration::from_millis(30),
        ..quick()
    };
    let boards = [waveshare(1), waveshare(2)];
    let (bus, sim) = sim::spawn_bus("line", &boards, SimOptions::default(), options);
    sim.inject_fault(2, SimFault::Silent, None);
    eventually("board 2 is offline", Duration::from_secs(3), || {
        !bus.health()[1].online
    })
    .await;
    assert!(bus.health()[0].online, "board 1 keeps answering");
}
