//! Exactly one owner per serial port (rule 10), within the process and across processes.

use crate::helpers::{Socat, ms, quick, waveshare};
use kioskhub_relay::sim::{self, SimHandle, SimOptions};
use kioskhub_relay::{ModbusBus, RelayError};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_bus_on_the_same_port_is_refused_with_the_owner_named() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(&dir.path().join("A"), &dir.path().join("B"));
    let port = socat.a.to_str().unwrap().to_owned();
    let first = ModbusBus::serial("men", &port, 9600, &[waveshare(1)], quick()).unwrap();
    let Err(err) = ModbusBus::serial("women", &port, 9600, &[waveshare(1)], quick()) else {
        panic!("a second owner must be refused");
    };
    let RelayError::PortBusy {
        port: busy_port,
        owner,
        ..
    } = &err
    else {
        panic!("expected PortBusy, got {err}");
    };
    assert_eq!(busy_port, &port);
    assert!(owner.contains("bus men"), "{owner}");
    assert!(err.to_string().contains(&port), "{err}");
    assert_eq!(err.code(), "relay_port_busy");
    // The same device under its other name is refused too.
    let device = std::fs::canonicalize(&port).unwrap();
    let alias = ModbusBus::serial("alias", device.to_str().unwrap(), 9600, &[], quick());
    assert_eq!(alias.unwrap_err().code(), "relay_port_busy");

    // The first owner still works, and once it is gone the port is free again.
    let sim = SimHandle::new(&[waveshare(1)], SimOptions::default());
    let server = tokio::spawn({
        let (sim, b) = (sim.clone(), socat.b.clone());
        async move { sim::serve_tty_reopening(&b, &sim).await }
    });
    first.pulse(1, 1, ms(500)).await.unwrap();
    first.close().await;
    drop(first);
    ModbusBus::serial("women", &port, 9600, &[waveshare(1)], quick())
        .expect("a closed bus releases its port");
    server.abort();
}

#[tokio::test]
async fn a_port_held_by_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = dir.path().join("ttyHELD0").display().to_string();
    // Kioskhub's lock file for this port (see `link::lock`), held by another process.
    let lock_file = std::path::Path::new("/run/lock").join(format!(
        "kioskhub{}.lock",
        port.replace(
            |c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "_"
        )
    ));
    let mut holder = Command::new("flock")
        .arg(&lock_file)
        .args(["sleep", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("flock (util-linux) is installed");
    for _ in 0..200 {
        if lock_file.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    let result = ModbusBus::serial("men", &port, 9600, &[waveshare(1)], quick());
    let _ = holder.kill();
    let _ = holder.wait();
    let _ = std::fs::remove_file(&lock_file);
    let Err(err) = result else {
        panic!("a port locked by another process must be refused");
    };
    assert_eq!(err.code(), "relay_port_busy", "{err}");
    assert!(err.to_string().contains(&port), "{err}");
}

#[tokio::test]
async fn a_missing_port_is_not_fatal_and_its_errors_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = dir.path().join("ttyUSB9").display().to_string();
    let bus = ModbusBus::serial("men", &port, 9600, &[waveshare(1)], quick()).unwrap();
    let err = bus.pulse(1, 1, ms(500)).await.unwrap_err();
    assert_eq!(err.code(), "relay_transport");
    assert!(err.to_string().contains(&port), "{err}");
}
