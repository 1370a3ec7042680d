//! Both board kinds move exactly the addressed slave and channel, several boards to a line.

use crate::helpers::{generic, ms, quick, waveshare};
use kioskhub_relay::frame::{COIL_OFF, COIL_ON};
use kioskhub_relay::sim::{self, SimFault, SimOptions};
use kioskhub_relay::{ModbusBus, RelayBus};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn waveshare_pulses_move_only_the_addressed_channel_of_the_addressed_board() {
    let boards = [waveshare(1), waveshare(2), waveshare(3)];
    let (bus, sim) = sim::spawn_bus("line", &boards, SimOptions::default(), quick());
    bus.pulse(1, 1, ms(700)).await.unwrap();
    bus.pulse(2, 5, ms(500)).await.unwrap();
    bus.pulse(3, 16, ms(3000)).await.unwrap();
    assert_eq!(sim.coil_writes(1), vec![(0x0200, 7)]);
    assert_eq!(sim.coil_writes(2), vec![(0x0204, 5)]);
    assert_eq!(sim.coil_writes(3), vec![(0x020F, 30)]);
    assert_eq!(sim.total_pulses(), 3);
    assert_eq!((sim.pulses(2, 5), sim.pulses(1, 5)), (1, 0));
    assert!(sim.coil(2, 5), "the timed pulse holds the relay on");
    assert_eq!(bus.pulse_count(3, 16), 1);
    assert_eq!(bus.health()[2].pulses[15], 1);
}

#[tokio::test]
async fn generic_pulses_switch_on_then_off_after_the_pulse_length() {
    let boards = [generic(1), generic(2)];
    let (bus, sim) = sim::spawn_bus("line", &boards, SimOptions::default(), quick());
    let started = Instant::now();
    let receipt = bus.pulse(2, 3, ms(200)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "confirmed after the OFF"
    );
    assert_eq!(receipt.attempts, 1);
    assert_eq!(sim.coil_writes(2), vec![(2, COIL_ON), (2, COIL_OFF)]);
    assert!(sim.coil_writes(1).is_empty());
    assert!(!sim.coil(2, 3));
    assert_eq!(sim.pulses(2, 3), 1);
    assert_eq!(bus.pulse_count(2, 3), 1);
}

#[tokio::test]
async fn the_generic_off_is_sent_even_when_the_caller_gives_up_early() {
    let (bus, sim) = sim::spawn_bus("line", &[generic(4)], SimOptions::default(), quick());
    let gave_up = tokio::time::timeout(Duration::from_millis(50), bus.pulse(4, 9, ms(300))).await;
    assert!(
        gave_up.is_err(),
        "the caller's future is dropped before the OFF"
    );
    assert!(sim.coil(4, 9), "the ON went out");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(sim.coil_writes(4), vec![(8, COIL_ON), (8, COIL_OFF)]);
    assert!(!sim.coil(4, 9));
}

#[tokio::test]
async fn a_generic_on_without_a_valid_reply_is_followed_by_an_off_at_once() {
    let (bus, sim) = sim::spawn_bus("line", &[generic(1)], SimOptions::default(), quick());
    // The board acts on each ON but every reply is corrupt; the OFF after them gets through.
    sim.inject_fault(1, SimFault::BadCrc, Some(3));
    let err = bus.pulse(1, 2, ms(1000)).await.unwrap_err();
    assert_eq!(err.code(), "relay_crc");
    crate::helpers::eventually("the coil is off", Duration::from_millis(500), || {
        !sim.coil(1, 2)
    })
    .await;
    let writes = sim.coil_writes(1);
    assert_eq!(writes.last(), Some(&(1, COIL_OFF)), "{writes:?}");
    assert_eq!(writes.len(), 4, "three ONs, one OFF: {writes:?}");
    assert_eq!(bus.pulse_count(1, 2), 0);
}

#[tokio::test]
async fn an_unconfirmed_off_fails_the_pulse_and_is_sent_again_until_confirmed() {
    let (bus, sim) = sim::spawn_bus("line", &[generic(1)], SimOptions::default(), quick());
    let pulse = tokio::spawn({
        let bus = bus.clone();
        async move { bus.pulse(1, 5, ms(200)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    sim.inject_fault(1, SimFault::Silent, None);
    let err = pulse.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "relay_timeout", "the coil may still be on");
    assert!(sim.coil(1, 5));
    sim.clear_fault(1);
    crate::helpers::eventually("the owed OFF got through", Duration::from_secs(2), || {
        !sim.coil(1, 5)
    })
    .await;
    assert_eq!(bus.pulse_count(1, 5), 0);
}

#[tokio::test]
async fn dropping_the_last_handle_still_sends_the_owed_off() {
    let (bus, sim) = sim::spawn_bus("line", &[generic(1)], SimOptions::default(), quick());
    let pulse = tokio::spawn({
        let bus = bus.clone();
        async move { bus.pulse(1, 1, ms(200)).await }
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    pulse.abort();
    drop(bus);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.coil_writes(1), vec![(0, COIL_ON), (0, COIL_OFF)]);
}

#[tokio::test]
async fn a_pending_generic_off_does_not_hold_up_other_boards() {
    let boards = [generic(1), waveshare(2)];
    let (bus, sim) = sim::spawn_bus("line", &boards, SimOptions::default(), quick());
    let bus = Arc::new(bus);
    let long = tokio::spawn({
        let bus = bus.clone();
        async move { bus.pulse(1, 1, ms(1000)).await }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let started = Instant::now();
    bus.pulse(2, 2, ms(500)).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(sim.coil(1, 1), "the generic coil is still in its pulse");
    long.await.unwrap().unwrap();
    assert!(!sim.coil(1, 1));
}

#[tokio::test]
async fn an_unknown_board_or_channel_is_refused_without_touching_the_line() {
    let (bus, sim) = sim::spawn_bus("line", &[waveshare(1)], SimOptions::default(), quick());
    let err = bus.pulse(2, 1, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_no_such_channel");
    let err = bus.pulse(1, 17, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_no_such_channel");
    let err = bus.pulse(1, 0, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_no_such_channel");
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn door_inputs_and_coils_read_through_the_bus_and_the_trait() {
    let options = SimOptions {
        doors_follow_pulses: true,
        ..SimOptions::default()
    };
    let (bus, sim) = sim::spawn_bus("line", &[waveshare(1)], options, quick());
    sim.set_input(1, 2, true);
    bus.pulse(1, 4, ms(1000)).await.unwrap();
    let inputs = bus.read_inputs(1, 0, 5).await.unwrap();
    assert_eq!(inputs, vec![false, true, false, true, false]);
    let relay: &dyn RelayBus = &bus;
    let coils = relay.read_coils(1, 0, 16).await.unwrap();
    assert!(coils[3] && coils.iter().filter(|c| **c).count() == 1);
    assert_eq!(relay.pulse_count(1, 4), 1);
}

#[tokio::test]
async fn a_bus_over_a_single_pty_pair_pulses_too() {
    let (stream, sim) = sim::spawn_pair(&[waveshare(1)], SimOptions::default()).unwrap();
    let bus = ModbusBus::from_stream("pair", stream, 9600, &[waveshare(1)], quick());
    bus.pulse(1, 2, ms(500)).await.unwrap();
    assert_eq!(sim.pulses(1, 2), 1);
}
