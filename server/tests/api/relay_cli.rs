//! `kioskhub relay …` as a technician runs it: the real binary against `kioskhub relay sim`
//! serving simulated boards on the other end of a socat pty pair, real Modbus RTU bytes between.

use crate::helpers::{ADMIN_PASSWORD, Socat, binary};
use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What one command printed and how it exited.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        format!("exit {}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `kioskhub relay ARGS` with `stdin`, killing it if it takes longer than 20 s.
fn relay(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(binary())
        .arg("relay")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    input.write_all(stdin.as_bytes()).expect("stdin accepts");
    drop(input);
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kioskhub relay {args:?} did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `kioskhub relay sim` serving `b`; killed (by its pid) on drop.
struct Sim(Child);

impl Sim {
    /// Starts the simulator and waits until it answers on `a`.
    fn start(socat: &Socat, args: &[&str]) -> Sim {
        let child = Command::new(binary())
            .args(["relay", "sim", "--tty"])
            .arg(&socat.b)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        let sim = Sim(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let probe = relay(&["get-address", "--port", path(&socat.a)], "");
            if !probe.stderr.contains("no board answered") {
                return sim;
            }
            assert!(Instant::now() < deadline, "the simulator never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[test]
fn scan_pulse_inputs_walk_and_readdressing_work_through_a_pty() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(dir.path());
    let _sim = Sim::start(&socat, &["--slaves", "1,2", "--doors-follow-pulses"]);
    let port = path(&socat.a);

    let scan = relay(&["scan", "--port", port, "--range", "1-3"], "");
    assert_eq!(scan.code, 0, "{}", scan.text());
    assert!(
        scan.stdout.contains("    1  board answers"),
        "{}",
        scan.text()
    );
    assert!(
        scan.stdout.contains("    2  board answers"),
        "{}",
        scan.text()
    );
    assert!(!scan.stdout.contains("    3 "), "{}", scan.text());
    assert!(scan.stdout.contains("2 address(es) answered in 1–3"));

    let pulse = relay(
        &["pulse", "--port", port, "--slave", "2", "--channel", "3"],
        "",
    );
    assert_eq!(pulse.code, 0, "{}", pulse.text());
    assert!(
        pulse
            .stdout
            .contains("Board 2 channel 3: pulsed for 500 ms, confirmed in")
    );

    let inputs = relay(
        &["inputs", "--port", port, "--slave", "2", "--count", "4"],
        "",
    );
    assert_eq!(inputs.code, 0, "{}", inputs.text());
    assert!(inputs.stdout.contains("input   3: on"), "{}", inputs.text());
    assert!(
        inputs.stdout.contains("input   1: off"),
        "{}",
        inputs.text()
    );
    assert!(inputs.stdout.contains("On: 3."), "{}", inputs.text());

    let walk = relay(
        &[
            "walk",
            "--port",
            port,
            "--slave",
            "1",
            "--channels",
            "4",
            "--ms",
            "100",
        ],
        "\nq\n",
    );
    assert_eq!(walk.code, 0, "{}", walk.text());
    assert_eq!(
        walk.stdout
            .matches("Press Enter for the next channel, q to stop")
            .count(),
        2,
        "{}",
        walk.text()
    );
    assert!(
        walk.stdout.contains("2 channel(s) pulsed, 2 confirmed"),
        "{}",
        walk.text()
    );
    assert!(
        walk.stdout.contains("Stopped before channel 3"),
        "{}",
        walk.text()
    );

    let unattended = relay(
        &[
            "walk",
            "--port",
            port,
            "--slave",
            "1",
            "--channels",
            "3",
            "--ms",
            "100",
            "--yes",
            "--pause",
            "0",
        ],
        "",
    );
    assert_eq!(unattended.code, 0, "{}", unattended.text());
    assert!(!unattended.stdout.contains("Press Enter"));
    assert!(
        unattended
            .stdout
            .contains("3 channel(s) pulsed, 3 confirmed")
    );

    let moved = relay(
        &[
            "set-address",
            "--port",
            port,
            "--current",
            "2",
            "--new",
            "7",
        ],
        "",
    );
    assert_eq!(moved.code, 0, "{}", moved.text());
    assert!(
        moved
            .stdout
            .contains("Board 2 now has address 7 (read back)")
    );
    let taken = relay(
        &[
            "set-address",
            "--port",
            port,
            "--current",
            "7",
            "--new",
            "1",
        ],
        "",
    );
    assert_eq!(taken.code, 1, "{}", taken.text());
    assert!(
        taken.stderr.contains("already answers at address 1"),
        "{}",
        taken.text()
    );
    assert!(taken.stderr.contains("Next: "), "{}", taken.text());

    let rescan = relay(&["scan", "--port", port, "--range", "1-7"], "");
    assert_eq!(rescan.code, 0, "{}", rescan.text());
    assert!(
        rescan.stdout.contains("    7  board answers"),
        "{}",
        rescan.text()
    );
    assert!(!rescan.stdout.contains("    2  board"), "{}", rescan.text());
}

#[test]
fn a_lone_board_is_addressed_by_broadcast_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(dir.path());
    let _sim = Sim::start(&socat, &["--slaves", "1"]);
    let port = path(&socat.a);

    let get = relay(&["get-address", "--port", port], "");
    assert_eq!(get.code, 0, "{}", get.text());
    assert!(get.stdout.contains("has address 1."), "{}", get.text());
    let set = relay(&["set-address", "--port", port, "--new", "5"], "");
    assert_eq!(set.code, 0, "{}", set.text());
    assert!(
        set.stdout.contains("now has address 5 (read back)"),
        "{}",
        set.text()
    );
    let get = relay(&["get-address", "--port", port], "");
    assert!(get.stdout.contains("has address 5."), "{}", get.text());
    let pulse = relay(
        &[
            "pulse",
            "--port",
            port,
            "--slave",
            "5",
            "--channel",
            "16",
            "--ms",
            "100",
        ],
        "",
    );
    assert_eq!(pulse.code, 0, "{}", pulse.text());
    let missing = relay(
        &["pulse", "--port", port, "--slave", "5", "--channel", "17"],
        "",
    );
    assert_eq!(
        missing.code,
        1,
        "a channel the board lacks: {}",
        missing.text()
    );
    assert!(
        missing
            .stderr
            .contains("refused the request (exception 0x02)"),
        "{}",
        missing.text()
    );
    assert!(
        missing
            .stderr
            .contains("Next: the board refused the request"),
        "{}",
        missing.text()
    );
}

#[test]
fn two_boards_on_one_address_are_flagged_and_never_broadcast_to() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(dir.path());
    let _sim = Sim::start(&socat, &["--slaves", "1,1,2"]);
    let port = path(&socat.a);

    let scan = relay(&["scan", "--port", port, "--range", "1-2"], "");
    assert_eq!(scan.code, 1, "a clash fails the scan: {}", scan.text());
    assert!(
        scan.stdout
            .contains("    1  GARBLED replies, likely ADDRESS CLASH"),
        "{}",
        scan.text()
    );
    assert!(
        scan.stdout.contains("    2  board answers"),
        "{}",
        scan.text()
    );
    assert!(
        scan.stderr.contains("error: likely address clash at 1"),
        "{}",
        scan.text()
    );
    assert!(
        scan.stderr.contains("Next: disconnect all but one board"),
        "{}",
        scan.text()
    );

    let set = relay(&["set-address", "--port", port, "--new", "9"], "");
    assert_eq!(set.code, 1, "{}", set.text());
    assert!(
        set.stderr.contains("more than one board is on the line"),
        "{}",
        set.text()
    );
    let get = relay(&["get-address", "--port", port], "");
    assert!(
        get.stderr.contains("Next: disconnect every board but"),
        "{}",
        get.text()
    );
    let pulse = relay(
        &["pulse", "--port", port, "--slave", "1", "--channel", "1"],
        "",
    );
    assert_eq!(pulse.code, 1, "{}", pulse.text());
    assert!(pulse.stderr.contains("corrupt reply"), "{}", pulse.text());
    assert!(
        pulse
            .stderr
            .contains("Next: two boards may share this address"),
        "{}",
        pulse.text()
    );
}

#[test]
fn a_line_without_boards_or_without_a_port_says_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(dir.path());
    let port = path(&socat.a);

    let scan = relay(&["scan", "--port", port, "--range", "1-2"], "");
    assert_eq!(scan.code, 1, "{}", scan.text());
    assert!(
        scan.stderr.contains("error: no board answered at 1–2"),
        "{}",
        scan.text()
    );
    assert!(
        scan.stderr.contains("Next: check the A/B wiring"),
        "{}",
        scan.text()
    );

    let pulse = relay(
        &["pulse", "--port", port, "--slave", "1", "--channel", "1"],
        "",
    );
    assert_eq!(pulse.code, 1, "{}", pulse.text());
    assert!(
        pulse.stderr.contains("did not answer in time"),
        "{}",
        pulse.text()
    );
    assert!(
        pulse.stderr.contains("Next: check the board's power"),
        "{}",
        pulse.text()
    );

    let gone = dir.path().join("ttyUSB9");
    let inputs = relay(&["inputs", "--port", path(&gone), "--slave", "1"], "");
    assert_eq!(inputs.code, 1, "{}", inputs.text());
    assert!(
        inputs.stderr.contains("is unavailable"),
        "{}",
        inputs.text()
    );
    assert!(
        inputs.stderr.contains("Next: check the port path"),
        "{}",
        inputs.text()
    );

    let usage = relay(
        &["pulse", "--port", port, "--slave", "0", "--channel", "1"],
        "",
    );
    assert_eq!(
        usage.code,
        2,
        "a slave outside 1–247 is a usage error: {}",
        usage.text()
    );
}

/// `kioskhub serve` as a process; killed (by its pid) on drop.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_serving_hub_keeps_its_port_and_maintenance_commands_still_run_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let socat = Socat::start(dir.path());
    let config = dir.path().join("kioskhub.toml");
    std::fs::write(
        &config,
        format!(
            "[[bus]]\nname = \"line\"\nport = \"{}\"\n[[board]]\nbus = \"line\"\nslave = 1\n\
             kind = \"waveshare16\"\n[[kiosk]]\nid = \"men\"\nlockers = 16\n\
             boards = [{{ bus = \"line\", slave = 1 }}]\n",
            path(&socat.a)
        ),
    )
    .unwrap();
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let _hub = Served(
        Command::new(binary())
            .args([
                "serve",
                "--config",
                path(&config),
                "--data",
                path(dir.path()),
            ])
            .args(["--listen", &listen.to_string()])
            .env("KIOSKHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the hub starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://{listen}/health/ready"))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the hub never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let busy = relay(&["scan", "--port", path(&socat.a), "--range", "1-2"], "");
    assert_eq!(busy.code, 1, "{}", busy.text());
    assert!(
        busy.stderr.contains("is already in use by pid"),
        "{}",
        busy.text()
    );
    assert!(busy.stderr.contains("(bus line)"), "{}", busy.text());
    assert!(
        busy.stderr
            .contains("Next: stop the program that holds the port"),
        "{}",
        busy.text()
    );

    let pair = Command::new(binary())
        .args(["kiosk", "pair", "men", "--config", path(&config), "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&pair.stdout).into_owned() + &String::from_utf8_lossy(&pair.stderr);
    assert!(pair.status.success(), "{said}");
    assert!(said.contains("Pairing code for kiosk men"), "{said}");
}
