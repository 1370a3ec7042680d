//! Benchmark: kiosk scan → select → scan → finish cycles against the real server over HTTP, on
//! SQLite with `synchronous=FULL` and simulated boards without wire delay; then cold start to
//! ready of the real binary on an existing database.
//!
//! Run: `cargo bench -p kioskhub --bench card_cycle` (env `CYCLES_SECONDS`, `WORKERS`).

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::Running;

const CONFIG: &str = r#"
[lockers]
duplicate_read_window = "0"

[[bus]]
name = "bus"
port = "sim"
turnaround = "0"

[[board]]
bus = "bus"
slave = 1
kind = "waveshare16"

[[board]]
bus = "bus"
slave = 2
kind = "waveshare16"

[[kiosk]]
id = "men"
lockers = 32
boards = [{ bus = "bus", slave = 1 }, { bus = "bus", slave = 2 }]
"#;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let ms: Vec<f64> = sorted.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    support::percentile(&ms, p)
}

async fn post(client: &Client, url: &str, token: &str, body: Value) -> Value {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.json().await.expect("json")
}

async fn cycles(seconds: u64, workers: usize) {
    let running = Running::start(CONFIG).await;
    let base = running.base.clone();
    let (admin, csrf) = running.admin().await;

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let token = running.pair(&admin, &csrf, "men").await;
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let client = Client::new();
            let card = format!("BEEF{w:06}");
            let locker = i64::try_from(w).unwrap() + 1;
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let choose = post(
                    &client,
                    &format!("{base}/api/kiosk/scan"),
                    &token,
                    json!({"card": card}),
                )
                .await;
                let opened = post(
                    &client,
                    &format!("{base}/api/kiosk/select"),
                    &token,
                    json!({"session": choose["session"], "locker": locker}),
                )
                .await;
                assert_eq!(opened["action"], "opened");
                let decide = post(
                    &client,
                    &format!("{base}/api/kiosk/scan"),
                    &token,
                    json!({"card": card}),
                )
                .await;
                let done = post(
                    &client,
                    &format!("{base}/api/kiosk/decide"),
                    &token,
                    json!({"decision": decide["decision"], "choice": "finish"}),
                )
                .await;
                assert_eq!(done["released"], true);
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "card_cycle sqlite synchronous=FULL workers={workers}: {} cycles in {elapsed:.1} s = {:.0} cycles/s; cycle latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        percentile(&all, 1.0),
    );
    running.stop().await;
}

async fn cold_start(runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kioskhub.toml");
    std::fs::write(&config, kioskhub::config::DEMO_CONFIG).unwrap();
    let bin = env!("CARGO_BIN_EXE_kioskhub");
    let client = Client::new();
    let mut times = Vec::new();
    for run in 0..=runs {
        let port = 20000 + (std::process::id() % 20000) as u16 + run as u16;
        let started = Instant::now();
        let mut child = tokio::process::Command::new(bin)
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--data"])
            .arg(dir.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("KIOSKHUB_ADMIN_PASSWORD", "bench-admin-password")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        loop {
            if let Ok(r) = client
                .get(format!("http://127.0.0.1:{port}/health/ready"))
                .send()
                .await
                && r.status().is_success()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "server did not become ready"
            );
        }
        // The first run creates the database; the others start on it.
        if run > 0 {
            times.push(started.elapsed());
        }
        child.kill().await.unwrap();
    }
    times.sort();
    println!(
        "cold_start existing SQLite database: {runs} runs, p50 {:.1} ms, max {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 1.0)
    );
}

fn main() {
    let seconds: u64 = std::env::var("CYCLES_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        cycles(seconds, workers).await;
        cold_start(10).await;
    });
}
