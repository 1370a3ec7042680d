//! The real binary as a process: durability across `kill -9`, no relay at start-up, and the CLI.

use crate::helpers::{ADMIN_PASSWORD, CONFIG, binary};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(dir: &Path, port: u16) -> Child {
    start_with(dir, port, &[]).await
}

/// [`start`] with more environment variables.
#[expect(
    clippy::zombie_processes,
    reason = "the child is returned; every caller kills and waits on it"
)]
async fn start_with(dir: &Path, port: u16, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(binary());
    cmd.args(["serve", "--config"])
        .arg(dir.join("kioskhub.toml"))
        .arg("--data")
        .arg(dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("KIOSKHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("binary starts");
    let started = Instant::now();
    loop {
        if let Ok(r) = Client::new()
            .get(format!("http://127.0.0.1:{port}/health/ready"))
            .send()
            .await
            && r.status() == StatusCode::OK
        {
            return child;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("server did not start");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn admin(base: &str) -> (Client, String) {
    let client = Client::builder().cookie_store(true).build().unwrap();
    let body: Value = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (client, body["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_acknowledged_assignment_survives_kill_9_and_a_restart_fires_no_relay() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kioskhub.toml"), CONFIG).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(dir.path(), port).await;
    let (client, csrf) = admin(&base).await;
    let code: Value = client
        .post(format!("{base}/api/kiosks/men/pairing"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paired: Value = Client::new()
        .post(format!("{base}/api/kiosk/pair"))
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = paired["token"].as_str().unwrap().to_owned();
    let kiosk = Client::new();
    let choose: Value = kiosk
        .post(format!("{base}/api/kiosk/scan"))
        .bearer_auth(&token)
        .json(&json!({"card": "04A1B2C3D4"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = kiosk
        .post(format!("{base}/api/kiosk/select"))
        .bearer_auth(&token)
        .json(&json!({"session": choose["session"], "locker": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    child.kill().unwrap(); // SIGKILL right after the acknowledgement
    child.wait().unwrap();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(dir.path(), port).await;
    let (client, _) = admin(&base).await;
    let locker: Value = client
        .get(format!("{base}/api/kiosks/men/lockers/3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(locker["state"], "owned");
    let hw: Value = client
        .get(format!("{base}/api/hardware"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let board = &hw["buses"][0]["boards"][0];
    let since_start: u64 = board["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pulses_since_start"].as_u64().unwrap())
        .sum();
    assert_eq!(since_start, 0, "start-up sent no pulse");
    assert_eq!(
        board["channels"][2]["pulses"], 1,
        "the persisted counter kept the one pulse"
    );
    // The old kiosk credential still works after the restart.
    let decide: Value = kiosk
        .post(format!("{base}/api/kiosk/scan"))
        .bearer_auth(&token)
        .json(&json!({"card": "04A1B2C3D4"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decide["action"], "decide");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn config_check_explains_each_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, CONFIG).unwrap();
    let out = Command::new(binary())
        .args(["config", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 kiosk(s), 48 lockers"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, CONFIG.replace("lockers = 16", "lockers = 20")).unwrap();
    let out = Command::new(binary())
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = CONFIG.lines().position(|l| l == "lockers = 16").unwrap() + 1;
    assert!(
        err.contains(&format!("line {line}:")) && err.contains("only 16 channels"),
        "{err}"
    );
}

#[test]
fn user_add_reads_the_password_from_standard_input_and_rejects_short_ones() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(binary())
            .args(args)
            .arg("--data")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["user", "add", "frontdesk", "--role", "staff"], "short\n");
    assert!(!out.status.success());
    let out = run(
        &["user", "add", "frontdesk", "--role", "staff"],
        "a-long-enough-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["user", "list"], "");
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("frontdesk") && list.contains("staff"),
        "{list}"
    );
}

/// A value from `/proc/PID/status`, in kB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test(flavor = "multi_thread")]
async fn an_argon2id_sign_in_gives_its_memory_back_to_the_system() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kioskhub.toml"), CONFIG).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(dir.path(), port).await;
    let pid = child.id();
    // The binary runs itself again with glibc's mmap threshold fixed.
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ);
    assert!(
        environ
            .split('\0')
            .any(|v| v.starts_with("GLIBC_TUNABLES=") && v.contains("mmap_threshold=131072")),
        "GLIBC_TUNABLES not set: {environ}"
    );
    let before = status_kb(pid, "RssAnon:");
    for _ in 0..3 {
        admin(&base).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = status_kb(pid, "RssAnon:");
    child.kill().unwrap();
    child.wait().unwrap();
    // Each hash borrows 19 MiB; with glibc's moving threshold the process kept it.
    assert!(
        after < before + 8 * 1024,
        "anonymous memory grew from {before} kB to {after} kB over three sign-ins"
    );
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test(flavor = "multi_thread")]
async fn an_operators_own_mmap_threshold_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kioskhub.toml"), CONFIG).unwrap();
    let tunable = "glibc.malloc.mmap_threshold=65536";
    let mut child = start_with(dir.path(), free_port(), &[("GLIBC_TUNABLES", tunable)]).await;
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let environ = String::from_utf8_lossy(&environ);
    let tunables: Vec<&str> = environ
        .split('\0')
        .filter(|v| v.starts_with("GLIBC_TUNABLES="))
        .collect();
    assert_eq!(tunables, [format!("GLIBC_TUNABLES={tunable}")]);
}
