//! Shared set-up: quick bus options, board specs, waiting for a condition, a socat pty pair.

use kioskhub_relay::{BoardKind, BoardSpec, BusOptions, PulseLength};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The spec's behaviour with short timers, so failures show up in milliseconds.
pub fn quick() -> BusOptions {
    BusOptions {
        timeout: Duration::from_millis(100),
        retries: 2,
        retry_backoff: Duration::from_millis(5),
        turnaround: Duration::ZERO,
        probe_interval: None,
        offline_after: 3,
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        ..BusOptions::default()
    }
}

pub fn waveshare(slave: u8) -> BoardSpec {
    BoardSpec::new(slave, BoardKind::Waveshare16)
}

pub fn generic(slave: u8) -> BoardSpec {
    BoardSpec::new(slave, BoardKind::Generic)
}

pub fn ms(millis: u16) -> PulseLength {
    PulseLength::from_millis(millis).expect("test pulse lengths are 100–3000 ms")
}

/// Polls `check` every 10 ms until it holds, failing the test after `limit`.
pub async fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Two linked ptys made by socat: `a` for the bus, `b` for the simulated boards.
pub struct Socat {
    child: Option<Child>,
    pub a: PathBuf,
    pub b: PathBuf,
}

impl Socat {
    pub fn start(a: &Path, b: &Path) -> Socat {
        let _ = std::fs::remove_file(a);
        let _ = std::fs::remove_file(b);
        let child = Command::new("/usr/bin/socat")
            .arg("-d")
            .arg("-d")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat is installed at /usr/bin/socat");
        let socat = Socat {
            child: Some(child),
            a: a.to_owned(),
            b: b.to_owned(),
        };
        for _ in 0..300 {
            if a.exists() && b.exists() {
                return socat;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("socat did not create {} and {}", a.display(), b.display());
    }

    /// Kills socat (by its pid) and removes its links: the port vanishes like an unplugged
    /// adapter.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.a);
        let _ = std::fs::remove_file(&self.b);
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        self.kill();
    }
}
