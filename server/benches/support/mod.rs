//! What the in-process benchmarks share: the real server on a fresh SQLite file on port 0, a
//! signed-in admin, and paired kiosks.

use kioskhub::app::{self, AppState, StartOptions};
use kioskhub::config::Config;
use reqwest::Client;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub const PASSWORD: &str = "bench-admin-password";

/// The real server serving `config` in this process.
pub struct Running {
    pub base: String,
    _state: AppState,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Running {
    pub async fn start(config: &str) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::parse(config, dir.path()).unwrap();
        cfg.server.data_dir = dir.path().to_path_buf();
        cfg.resolve_data_dir().unwrap();
        let state = app::start(cfg, StartOptions::default()).await.unwrap();
        app::ensure_admin(&state.store, Some(PASSWORD.into()), true)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let server = tokio::spawn(app::serve(listener, state.clone(), stop.clone()));
        Running {
            base,
            _state: state,
            stop,
            server,
            _dir: dir,
        }
    }

    /// A signed-in admin client and its CSRF token.
    pub async fn admin(&self) -> (Client, String) {
        let admin = Client::builder().cookie_store(true).build().unwrap();
        let login: Value = admin
            .post(format!("{}/auth/login", self.base))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (admin, login["csrf_token"].as_str().unwrap().to_owned())
    }

    /// Pair a device for `kiosk`; returns its bearer token.
    pub async fn pair(&self, admin: &Client, csrf: &str, kiosk: &str) -> String {
        pair(&self.base, admin, csrf, kiosk).await
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.server.await;
    }
}

/// Pair a device for `kiosk` on the server at `base` with a signed-in admin client; returns the
/// device's bearer token.
pub async fn pair(base: &str, admin: &Client, csrf: &str, kiosk: &str) -> String {
    let code: Value = admin
        .post(format!("{base}/api/kiosks/{kiosk}/pairing"))
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
    paired["token"].as_str().expect("paired").to_owned()
}

/// The `p` quantile of sorted milliseconds.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
