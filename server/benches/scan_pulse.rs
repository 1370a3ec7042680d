//! Benchmark: a card scan at a kiosk → the relay pulse confirmed by the board, through the real
//! server over HTTP, with the board simulated on a pty at a modelled 9600 baud (wire time of the
//! request and reply frames included, ~17 ms of it). Automatic assignment, so one scan opens a
//! locker; between scans the member finishes (another pulse), and scans are 100 ms apart so the
//! bus's 50 ms turnaround never delays a measured one.
//!
//! Run: `cargo bench -p kioskhub --bench scan_pulse` (env `SCANS`, default 300).

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::Running;

const CONFIG: &str = r#"
[lockers]
assignment_mode = "automatic"
duplicate_read_window = "0"

[[bus]]
name = "rs485"
port = "sim"
baud = 9600
sim_wire_time = true

[[board]]
bus = "rs485"
slave = 1
kind = "waveshare16"

[[kiosk]]
id = "men"
lockers = 16
boards = [{ bus = "rs485", slave = 1 }]
"#;

async fn run(scans: usize) {
    let running = Running::start(CONFIG).await;
    let base = running.base.clone();
    let (admin, csrf) = running.admin().await;
    let token = running.pair(&admin, &csrf, "men").await;
    let http = Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let mut lat = Vec::with_capacity(scans);
    for i in 0..scans {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let opened: Value = post("/api/kiosk/scan", json!({"card": "04A1B2C3D4"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(opened["action"], "opened", "scan {i}: {opened}");
        lat.push(ms);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let decide: Value = post("/api/kiosk/scan", json!({"card": "04A1B2C3D4"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let done: Value = post(
            "/api/kiosk/decide",
            json!({"decision": decide["decision"], "choice": "finish"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(done["released"], true);
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "scan_pulse 9600 baud modelled, pty: {scans} scans; scan → confirmed pulse → response p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        support::percentile(&lat, 0.5),
        support::percentile(&lat, 0.99),
        support::percentile(&lat, 1.0)
    );
    running.stop().await;
}

fn main() {
    let scans = std::env::var("SCANS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(scans));
}
