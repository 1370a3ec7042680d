//! Every injected fault becomes its own error (rule 3), and the bus recovers when it clears.

use crate::helpers::{ms, quick, waveshare};
use kioskhub_relay::sim::{self, SimFault, SimOptions};
use kioskhub_relay::{BusOptions, RelayError};
use std::time::Duration;

fn line() -> (kioskhub_relay::ModbusBus, sim::SimHandle) {
    sim::spawn_bus("line", &[waveshare(1)], SimOptions::default(), quick())
}

#[tokio::test]
async fn a_silent_board_times_out_after_the_retries() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::Silent, None);
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert!(matches!(err, RelayError::Timeout { slave: 1, .. }), "{err}");
    assert_eq!(sim.requests().len(), 3, "one attempt and two retries");
    assert_eq!(sim.total_pulses(), 0);
    let health = &bus.health()[0];
    assert_eq!(health.error_counts.timeout, 3);
    assert_eq!(health.errors, 1, "one failed operation");
}

#[tokio::test]
async fn a_corrupt_crc_is_reported_as_such() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::BadCrc, None);
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_crc", "{err}");
    assert_eq!(bus.health()[0].error_counts.crc, 3);
}

#[tokio::test]
async fn an_exception_is_an_answer_and_is_not_retried() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::Exception(4), None);
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert_eq!(
        err,
        RelayError::Exception {
            bus: "line".into(),
            slave: 1,
            code: 4
        }
    );
    assert_eq!(sim.requests().len(), 1);
}

#[tokio::test]
async fn a_wrong_echo_does_not_confirm_the_pulse() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::WrongEcho, None);
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_mismatch", "{err}");
    assert_eq!(bus.pulse_count(1, 1), 0, "bytes written are not a pulse");
}

#[tokio::test]
async fn a_reply_slower_than_the_timeout_is_a_timeout() {
    let options = BusOptions {
        retries: 0,
        ..quick()
    };
    let (bus, sim) = sim::spawn_bus("line", &[waveshare(1)], SimOptions::default(), options);
    sim.inject_fault(1, SimFault::Slow(Duration::from_millis(250)), None);
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_timeout");
}

#[tokio::test]
async fn a_slow_reply_within_the_timeout_confirms() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::Slow(Duration::from_millis(40)), None);
    let receipt = bus.pulse(1, 1, ms(500)).await.unwrap();
    assert!(receipt.latency >= Duration::from_millis(40));
    assert_eq!(receipt.attempts, 1);
}

#[tokio::test]
async fn an_address_clash_garbles_the_reply() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::AddressClash, None);
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_crc", "{err}");
}

#[tokio::test]
async fn a_fault_on_one_request_is_absorbed_by_a_retry() {
    let (bus, sim) = line();
    sim.inject_fault(1, SimFault::Silent, Some(1));
    let receipt = bus.pulse(1, 1, ms(500)).await.unwrap();
    assert_eq!(receipt.attempts, 2);
    assert_eq!(sim.pulses(1, 1), 1);
}

#[tokio::test]
async fn the_bus_recovers_when_each_fault_clears() {
    let (bus, sim) = line();
    let faults = [
        SimFault::Silent,
        SimFault::BadCrc,
        SimFault::Exception(2),
        SimFault::WrongEcho,
        SimFault::AddressClash,
        SimFault::Unplugged,
    ];
    for fault in faults {
        sim.inject_fault(1, fault, None);
        assert!(bus.pulse(1, 3, ms(500)).await.is_err(), "{fault:?}");
        sim.clear_fault(1);
        let receipt = bus.pulse(1, 3, ms(500)).await;
        assert!(receipt.is_ok(), "after {fault:?}: {receipt:?}");
    }
    assert!(bus.health()[0].online);
}
