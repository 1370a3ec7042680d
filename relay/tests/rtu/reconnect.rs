//! A port that disappears (USB adapter pulled) is reopened without a restart, and nothing fires
//! while the bus reconnects (rule 4).

use crate::helpers::{Socat, eventually, ms, quick, waveshare};
use kioskhub_relay::sim::{self, SimHandle, SimOptions};
use kioskhub_relay::{BusOptions, ModbusBus};
use std::time::Duration;

fn reconnecting() -> BusOptions {
    BusOptions {
        probe_interval: Some(Duration::from_millis(100)),
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(100),
        ..quick()
    }
}

#[tokio::test]
async fn an_unplugged_simulated_adapter_is_reconnected_when_it_comes_back() {
    let (bus, sim) = sim::spawn_bus(
        "line",
        &[waveshare(1)],
        SimOptions::default(),
        reconnecting(),
    );
    bus.pulse(1, 1, ms(500)).await.unwrap();
    sim.unplug();
    let err = bus.pulse(1, 2, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_transport", "{err}");
    eventually("the board is offline", Duration::from_secs(3), || {
        !bus.health()[0].online
    })
    .await;
    let writes = sim.coil_writes(1).len();
    sim.replug();
    eventually("the board is back online", Duration::from_secs(3), || {
        bus.health()[0].online
    })
    .await;
    assert_eq!(
        sim.coil_writes(1).len(),
        writes,
        "reconnecting fires nothing"
    );
    bus.pulse(1, 3, ms(500)).await.unwrap();
    assert_eq!(
        (sim.pulses(1, 1), sim.pulses(1, 2), sim.pulses(1, 3)),
        (1, 0, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bus_on_a_named_pty_survives_the_port_vanishing_and_coming_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut socat = Socat::start(&dir.path().join("A"), &dir.path().join("B"));
    let sim = SimHandle::new(&[waveshare(1)], SimOptions::default());
    let server = tokio::spawn({
        let (sim, b) = (sim.clone(), socat.b.clone());
        async move { sim::serve_tty_reopening(&b, &sim).await }
    });
    let port = socat.a.to_str().unwrap().to_owned();
    let bus = ModbusBus::serial("rs485", &port, 9600, &[waveshare(1)], reconnecting()).unwrap();
    bus.pulse(1, 1, ms(500)).await.unwrap();
    assert_eq!(sim.pulses(1, 1), 1);

    socat.kill();
    let err = bus.pulse(1, 2, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_transport", "{err}");
    assert!(err.to_string().contains(&port), "{err}");
    eventually("the board is offline", Duration::from_secs(3), || {
        !bus.health()[0].online
    })
    .await;

    let writes = sim.coil_writes(1).len();
    let _socat = Socat::start(&dir.path().join("A"), &dir.path().join("B"));
    eventually("the board is back online", Duration::from_secs(5), || {
        bus.health()[0].online
    })
    .await;
    assert_eq!(
        sim.coil_writes(1).len(),
        writes,
        "reconnecting fires nothing"
    );
    bus.pulse(1, 3, ms(500)).await.unwrap();
    assert_eq!((sim.pulses(1, 2), sim.pulses(1, 3)), (0, 1));
    server.abort();
}
