//! Wire time at 9600 baud, and the quiet time the bus keeps between transactions.

use crate::helpers::{ms, quick, waveshare};
use kioskhub_relay::BusOptions;
use kioskhub_relay::sim::{self, SimOptions};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulse_at_9600_baud_takes_at_least_its_wire_time() {
    let (bus, _sim) = sim::spawn_bus("line", &[waveshare(1)], SimOptions::at_baud(9600), quick());
    // 8 request bytes + 8 reply bytes at ~1.04 ms each.
    for _ in 0..3 {
        let started = Instant::now();
        let receipt = bus.pulse(1, 1, ms(500)).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(16));
        assert!(receipt.latency >= Duration::from_millis(16), "{receipt:?}");
        assert!(receipt.latency < Duration::from_millis(100), "{receipt:?}");
    }
}

#[tokio::test]
async fn transactions_are_separated_by_the_turnaround() {
    let options = BusOptions {
        turnaround: Duration::from_millis(50),
        ..quick()
    };
    let (bus, sim) = sim::spawn_bus("line", &[waveshare(1)], SimOptions::default(), options);
    bus.pulse(1, 1, ms(500)).await.unwrap();
    bus.pulse(1, 2, ms(500)).await.unwrap();
    let seen = sim.requests();
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_millis(50), "{gap:?}");
}
