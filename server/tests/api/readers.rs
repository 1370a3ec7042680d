//! Card readers wired to the hub: serial frames written into a socat pty reach the card flow
//! through the running server, and the outcome is published for the kiosk's screen. (Evdev
//! readers are tested on a recorded event stream beside their decoder: this machine has no
//! /dev/uinput to make a virtual keyboard with.)

use crate::helpers::{Socat, TestApp};
use kioskhub::events::Notice;
use serde_json::Value;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

fn config(port: &Path, evdev: &Path) -> String {
    format!(
        r#"
[site]
id = "main"

[lockers]

[[bus]]
name = "bus-men"
port = "sim"
turnaround = "0"

[[board]]
bus = "bus-men"
slave = 1
kind = "waveshare16"

[[kiosk]]
id = "men"
lockers = 16
boards = [{{ bus = "bus-men", slave = 1 }}]

[[kiosk.reader]]
kind = "serial"
port = "{}"

[[kiosk.reader]]
kind = "evdev"
device = "{}"
"#,
        port.display(),
        evdev.display()
    )
}

/// Writes one card frame (with whatever comes around it) into the reader's side of the pty.
fn send(socat: &Socat, bytes: &[u8]) {
    let mut line = std::fs::OpenOptions::new()
        .write(true)
        .open(&socat.b)
        .expect("the reader's pty opens");
    line.write_all(bytes).expect("the pty accepts the frame");
}

fn frame(card: &str) -> Vec<u8> {
    let mut bytes = vec![0x02];
    bytes.extend_from_slice(card.as_bytes());
    bytes.push(0x03);
    bytes
}

/// Waits until the serial reader's connection is `connected`.
async fn reader_connected(app: &TestApp, connected: bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.state.readers.snapshot()[0].connected != connected {
        assert!(
            Instant::now() < deadline,
            "the reader never became connected = {connected}: {:?}",
            app.state.readers.snapshot()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The next transient `reader_scan` event's data.
async fn reader_scan(notices: &mut broadcast::Receiver<Notice>) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let notice = tokio::time::timeout_at(deadline, notices.recv())
            .await
            .expect("a reader_scan event within 10 s")
            .expect("the event hub is open");
        if let Notice::Transient(event) = notice
            && event.kind == "reader_scan"
        {
            assert_eq!(event.rooms, ["kiosk:men"]);
            return event.data.clone();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_serial_reader_card_offers_lockers_and_the_kiosk_screen_completes_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(dir.path());
    let config = config(&socat.a, &dir.path().join("no-such-kbd"));
    let app = TestApp::spawn_with(&config, "duplicate_read_window = \"300ms\"").await;
    let mut notices = app.state.events.subscribe();
    reader_connected(&app, true).await;

    let mut line = b"\xff\x00noise".to_vec();
    line.extend([0x02, b'1', b'2']); // a frame whose end was lost
    line.extend(frame("04A1B2C3D4\r\n"));
    send(&socat, &line);
    let scan = reader_scan(&mut notices).await;
    assert_eq!(scan["kiosk"], "men");
    assert_eq!(scan["reader"], "reader:men:1");
    assert_eq!(scan["outcome"]["action"], "choose", "{scan}");
    assert_eq!(scan["outcome"]["lockers"].as_array().unwrap().len(), 16);

    let kiosk = app.kiosk("men").await;
    let (status, opened) = kiosk.select(&scan["outcome"]["session"], 7).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{opened}");
    assert_eq!(opened["action"], "opened");
    assert_eq!(opened["locker"]["owner_hint"], "…C3D4");
    assert_eq!(app.sim("bus-men").pulses(1, 7), 1);

    send(&socat, &frame("04A1B2C3D4"));
    let twice = reader_scan(&mut notices).await;
    assert_eq!(twice["outcome"]["reason"], "duplicate_read", "{twice}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    send(&socat, &frame("04A1B2C3D4"));
    let again = reader_scan(&mut notices).await;
    assert_eq!(again["outcome"]["action"], "decide", "{again}");
    let (status, finished) = kiosk.decide(&again["outcome"]["decision"], "finish").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{finished}");
    assert_eq!(finished["released"], true, "{finished}");

    let statuses = app.state.readers.snapshot();
    assert_eq!(statuses[0].reads, 3);
    assert_eq!(statuses[1].reader, "reader:men:2");
    assert!(!statuses[1].connected);
    assert!(
        statuses[1]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot open and grab")),
        "{statuses:?}"
    );
    let admin = app.admin().await;
    let (_, hardware) = admin.get("/api/hardware").await;
    assert_eq!(hardware["readers"][0]["connected"], true, "{hardware}");
    assert_eq!(hardware["readers"][1]["kind"], "evdev");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_assigns_automatically_comes_back_after_its_port_vanishes_and_stops_with_the_server()
 {
    let dir = tempfile::tempdir().unwrap();
    let mut socat = Socat::start(dir.path());
    let config = config(&socat.a, &dir.path().join("no-such-kbd"));
    let mut app = TestApp::spawn_with(&config, "assignment_mode = \"automatic\"").await;
    let mut notices = app.state.events.subscribe();
    reader_connected(&app, true).await;

    send(&socat, &frame("0011223344"));
    let scan = reader_scan(&mut notices).await;
    assert_eq!(scan["outcome"]["action"], "opened", "{scan}");
    assert_eq!(scan["outcome"]["assigned"], true);
    let number = scan["outcome"]["locker"]["number"].as_i64().unwrap();
    let locker = app.state.lockers.locker("men", number).await.unwrap();
    assert_eq!(locker.owner_hint.as_deref(), Some("…3344"));

    socat.kill();
    reader_connected(&app, false).await;
    let socat = Socat::start(dir.path());
    reader_connected(&app, true).await;
    send(&socat, &frame("0055667788"));
    let scan = reader_scan(&mut notices).await;
    assert_eq!(scan["outcome"]["action"], "opened", "{scan}");
    assert_ne!(scan["outcome"]["locker"]["number"], number);
    assert_eq!(app.sim("bus-men").total_pulses(), 2);

    app.stop().await;
    assert!(
        app.state.readers.snapshot().iter().all(|r| !r.connected),
        "every reader task ended with the server"
    );
}
