//! `TestApp`: the real server on port 0 with a fresh database (a SQLite file in a temp folder, or
//! a fresh PostgreSQL database when `KIOSKHUB_TEST_POSTGRES` is set), simulated boards, and
//! clients for staff and kiosks that speak real HTTP.

use kioskhub::app::{self, AppState, StartOptions};
use kioskhub::auth::Role;
use kioskhub::config::Config;
use kioskhub_relay::sim::SimHandle;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// Two kiosks as in the demo: `men` (32 lockers, boards 1–2) and `women` (16 lockers, board 1).
pub const CONFIG: &str = r#"
[site]
id = "main"
name = "Test site"

[lockers]

[[bus]]
name = "bus-men"
port = "sim"
turnaround = "0"

[[bus]]
name = "bus-women"
port = "sim"
turnaround = "0"

[[board]]
bus = "bus-men"
slave = 1
kind = "waveshare16"

[[board]]
bus = "bus-men"
slave = 2
kind = "waveshare16"

[[board]]
bus = "bus-women"
slave = 1
kind = "generic"

[[kiosk]]
id = "men"
name = "Men"
lockers = 32
boards = [{ bus = "bus-men", slave = 1 }, { bus = "bus-men", slave = 2 }]

[[kiosk]]
id = "women"
name = "Women"
lockers = 16
boards = [{ bus = "bus-women", slave = 1 }]
"#;

/// Where a test's database lives; kept across restarts of the same app.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub url: Option<String>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match std::env::var("KIOSKHUB_TEST_POSTGRES") {
            Ok(base) if !base.is_empty() => Some(fresh_postgres(&base).await),
            _ => None,
        };
        TestDb { dir, url }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Create a throwaway database on the PostgreSQL server at `base` (e.g.
/// `postgres://postgres@127.0.0.1:5432`) and return its URL.
async fn fresh_postgres(base: &str) -> String {
    use sqlx::Connection;
    let name = format!("kh_test_{}", uuid::Uuid::new_v4().simple());
    let admin_url = format!("{}/postgres", base.trim_end_matches('/'));
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("KIOSKHUB_TEST_POSTGRES is set but {admin_url} is unreachable: {e}")
        });
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    format!("{}/{name}", base.trim_end_matches('/'))
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub db: Arc<TestDb>,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<()>>,
    pub config_text: String,
    /// One admin session per app, so helpers stay under the login rate limit.
    admin: tokio::sync::OnceCell<Staff>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(CONFIG, "").await
    }

    /// Start with `CONFIG` plus `extra` TOML appended under the config's tables (e.g. kiosk
    /// settings), or a whole `config` of its own.
    pub async fn spawn_with(config: &str, lockers_settings: &str) -> TestApp {
        let db = Arc::new(TestDb::new().await);
        Self::spawn_on(db, config, lockers_settings, Duration::ZERO).await
    }

    pub async fn spawn_on(
        db: Arc<TestDb>,
        config: &str,
        lockers_settings: &str,
        sim_delay: Duration,
    ) -> TestApp {
        let text = if lockers_settings.is_empty() {
            config.to_owned()
        } else {
            config.replacen(
                "[lockers]\n",
                &format!("[lockers]\n{lockers_settings}\n"),
                1,
            )
        };
        let mut cfg =
            Config::parse(&text, db.path()).unwrap_or_else(|e| panic!("test config: {e:?}"));
        cfg.server.data_dir = db.path().to_path_buf();
        cfg.server.database_url = db.url.clone();
        cfg.resolve_data_dir().expect("data dir");
        let opts = StartOptions {
            sim_delay,
            ..StartOptions::default()
        };
        let state = app::start(cfg, opts).await.expect("server starts");
        app::ensure_admin(&state.store, Some(ADMIN_PASSWORD.into()), true)
            .await
            .expect("admin");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let server = tokio::spawn({
            let (state, shutdown) = (state.clone(), shutdown.clone());
            async move {
                app::serve(listener, state, shutdown).await.expect("serve");
            }
        });
        TestApp {
            base: format!("http://{addr}"),
            state,
            db,
            shutdown,
            server: Some(server),
            config_text: text,
            admin: tokio::sync::OnceCell::new(),
        }
    }

    /// Stop this server and start another on the same database.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let db = self.db.clone();
        Self::spawn_on(db, &self.config_text, "", Duration::ZERO).await
    }

    pub async fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        self.state.store.close().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn sim(&self, bus: &str) -> SimHandle {
        self.state.sim_buses.get(bus).expect("sim bus").clone()
    }

    /// Total confirmed pulses on every simulated bus.
    pub fn total_pulses(&self) -> u64 {
        self.state
            .sim_buses
            .values()
            .map(|b| b.total_pulses())
            .sum()
    }

    /// A signed-in admin (one session per app, shared).
    pub async fn admin(&self) -> Staff {
        self.admin
            .get_or_init(|| self.login("admin", ADMIN_PASSWORD))
            .await
            .clone()
    }

    /// A signed-in user with `role` (created on first use).
    pub async fn user(&self, role: Role) -> Staff {
        let name = format!("test-{}", role.as_str());
        let pw = "a-long-test-password";
        if self
            .state
            .store
            .user_by_name(&name)
            .await
            .unwrap()
            .is_none()
        {
            app::create_user(&self.state.store, &name, role, pw)
                .await
                .unwrap();
        }
        self.login(&name, pw).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Staff {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let resp = client
            .post(self.url("/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "login of {username}");
        let body: Value = resp.json().await.unwrap();
        Staff {
            client,
            base: self.base.clone(),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A kiosk paired through the API with a fresh code; authenticates with its bearer token.
    pub async fn kiosk(&self, id: &str) -> Kiosk {
        let admin = self.admin().await;
        let (status, code) = admin
            .post(&format!("/api/kiosks/{id}/pairing"), json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{code}");
        let resp = Client::new()
            .post(self.url("/api/kiosk/pair"))
            .json(&json!({"code": code["code"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["kiosk"], id);
        Kiosk {
            client: Client::new(),
            base: self.base.clone(),
            token: body["token"].as_str().unwrap().to_owned(),
        }
    }

    /// Events of a kind at a locker, oldest first, straight from the API.
    pub async fn events(&self, kiosk: &str, locker: i64, kind: &str) -> Vec<Value> {
        let admin = self.admin().await;
        let (_, body) = admin
            .get(&format!(
                "/api/events?kiosk={kiosk}&locker={locker}&type={kind}&limit=500"
            ))
            .await;
        let mut items = body["items"].as_array().cloned().unwrap_or_default();
        items.reverse();
        items
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A signed-in staff member: cookie jar plus CSRF token.
#[derive(Clone)]
pub struct Staff {
    pub client: Client,
    pub base: String,
    pub csrf: String,
}

impl Staff {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if method != Method::GET {
            req = req.header("x-csrf-token", &self.csrf);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(body)).await
    }

    /// Wait for a background command to finish and return it.
    pub async fn wait_command(&self, id: &str) -> Value {
        for _ in 0..400 {
            let (status, cmd) = self.get(&format!("/api/commands/{id}")).await;
            assert_eq!(status, StatusCode::OK);
            if cmd["state"] != "running" && cmd["state"] != "queued" {
                return cmd;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("command {id} did not finish");
    }
}

/// A paired kiosk.
pub struct Kiosk {
    pub client: Client,
    pub base: String,
    pub token: String,
}

impl Kiosk {
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn scan(&self, card: &str) -> (StatusCode, Value) {
        self.post("/api/kiosk/scan", json!({"card": card})).await
    }

    pub async fn select(&self, session: &Value, locker: i64) -> (StatusCode, Value) {
        self.post(
            "/api/kiosk/select",
            json!({"session": session, "locker": locker}),
        )
        .await
    }

    pub async fn decide(&self, decision: &Value, choice: &str) -> (StatusCode, Value) {
        self.post(
            "/api/kiosk/decide",
            json!({"decision": decision, "choice": choice}),
        )
        .await
    }

    /// [`Kiosk::take`] with owned arguments, for joining several futures.
    pub async fn take_owned(&self, card: String, locker: i64) -> Value {
        self.take(&card, locker).await
    }

    /// Scan a new card and take `locker`; returns the select response body.
    pub async fn take(&self, card: &str, locker: i64) -> Value {
        let (status, choose) = self.scan(card).await;
        assert_eq!(status, StatusCode::OK, "{choose}");
        assert_eq!(choose["action"], "choose", "{choose}");
        let (status, opened) = self.select(&choose["session"], locker).await;
        assert_eq!(status, StatusCode::OK, "{opened}");
        opened
    }
}

/// Path of the built binary, for tests that run it as a process.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kioskhub"))
}

/// Two linked ptys made by socat, like a USB RS-485 adapter wired to another: `a` for the
/// side under test, `b` for the boards (or a card reader). Killed (by its pid) on drop.
pub struct Socat {
    child: Option<std::process::Child>,
    pub a: PathBuf,
    pub b: PathBuf,
}

impl Socat {
    /// Links `a` and `b` inside `dir`.
    pub fn start(dir: &Path) -> Socat {
        let (a, b) = (dir.join("A"), dir.join("B"));
        let child = std::process::Command::new("/usr/bin/socat")
            .arg("-d")
            .arg("-d")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("socat is installed at /usr/bin/socat");
        let socat = Socat {
            child: Some(child),
            a,
            b,
        };
        for _ in 0..500 {
            if socat.a.exists() && socat.b.exists() {
                return socat;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "socat did not create {} and {}",
            socat.a.display(),
            socat.b.display()
        );
    }

    /// Kills socat and removes its links: the port vanishes like an unplugged adapter.
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
