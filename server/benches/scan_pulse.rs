//! Benchmark: a card scan at a kiosk → the relay pulse confirmed by the board, through the real
//! server over HTTP, with the board simulated on a pty at a modelled 9600 baud (wire time of the
//! request and reply frames included, ~17 ms of it). Automatic assignment, so one scan opens a
//! locker; between scans the member finishes (another pulse), and scans are 100 ms apart so the
//! bus's 50 ms turnaround never delays a measured one.
//!
//! Run: `cargo bench -p kioskhub --bench scan_pulse` (env `SCANS`, default 300).

use kioskhub::app::{self, StartOptions};
use kioskhub::config::Config;
use reqwest::Client;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

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

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn run(scans: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::parse(CONFIG, dir.path()).unwrap();
    cfg.server.data_dir = dir.path().to_path_buf();
    cfg.resolve_data_dir().unwrap();
    let state = app::start(cfg, StartOptions::default()).await.unwrap();
    app::ensure_admin(&state.store, Some("bench-admin-password".into()), true)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let server = tokio::spawn(app::serve(listener, state.clone(), stop.clone()));
    let admin = Client::builder().cookie_store(true).build().unwrap();
    let login: Value = admin
        .post(format!("{base}/auth/login"))
        .json(&json!({"username": "admin", "password": "bench-admin-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = login["csrf_token"].as_str().unwrap();
    let code: Value = admin
        .post(format!("{base}/api/kiosks/men/pairing"))
        .header("x-csrf-token", csrf)
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
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );
    stop.cancel();
    let _ = server.await;
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
