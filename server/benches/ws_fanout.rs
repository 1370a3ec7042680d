//! Load tool for real-time push: runs the real `kioskhub` binary and measures, over real
//! WebSockets on loopback,
//!
//! 1. fan-out: N connected panels (default 10,000); a locker change reaches all, five times, one
//!    change at a time — latency from each change's commit (and from sending its scan) to each
//!    client's receipt, the first receipt of each change, the CPU both processes used, and the
//!    server's RSS idle and with N clients;
//! 2. rate: 1,000 clients while events are pushed at 2,000/s for 5 s — delivered, dropped and
//!    latency percentiles, and the CPU both processes used — once with one message per request
//!    and once with `RATE_BATCH` (20) per request through the batch endpoint;
//! 3. mix (seed 000): 100 kiosk devices running card cycles and 50 panels watching — update
//!    latency from a kiosk's request to each panel's receipt;
//! 4. floor: the same waves as the fan-out over plain TCP — a process of the load tool's own,
//!    standing in for the server, writes each wave's bytes (a change's two messages) to every
//!    socket from a task per socket, with no WebSocket, database or HTTP — the least this machine
//!    takes for such a wave, to read the fan-out's figure against.
//!
//! Run: `cargo bench -p kioskhub --bench ws_fanout` (env `WS_PARTS` = any of
//! `fanout,floor,rate,mix`; `FANOUT_CLIENTS`, `FANOUT_CHANGES` (the floor's too),
//! `FANOUT_LOAD_THREADS` (1: the fan-out's readers share one thread), `RATE_CLIENTS`,
//! `RATE_PER_SEC`, `RATE_SECONDS`, `RATE_BATCH`, `MIX_SECONDS`). Every loop is bounded in count
//! and time and talks to 127.0.0.1 only.

// The in-process server there serves the other benches; this one runs the real binary.
#[allow(dead_code)]
mod support;

use futures::StreamExt;
use reqwest::Client;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};
use support::{PASSWORD, percentile};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Concurrent HTTP clients pushing broadcasts in the rate test.
const PUSHERS: u64 = 256;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(port: u16) -> String {
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nws_max_connections_per_owner = 100000\npairing_per_minute = 100000\n\n[lockers]\nduplicate_read_window = \"0\"\n\n"
    );
    for k in 0..4 {
        text.push_str(&format!(
            "[[bus]]\nname = \"bus{k}\"\nport = \"sim\"\nturnaround = \"0\"\n\n"
        ));
        for slave in 1..=4 {
            text.push_str(&format!(
                "[[board]]\nbus = \"bus{k}\"\nslave = {slave}\nkind = \"waveshare16\"\n\n"
            ));
        }
        text.push_str(&format!(
            "[[kiosk]]\nid = \"k{k}\"\nlockers = 64\nboards = [{{ bus = \"bus{k}\", slave = 1 }}, {{ bus = \"bus{k}\", slave = 2 }}, {{ bus = \"bus{k}\", slave = 3 }}, {{ bus = \"bus{k}\", slave = 4 }}]\n\n"
        ));
    }
    text
}

struct Server {
    /// Killed when dropped.
    _child: tokio::process::Child,
    base: String,
    pid: u32,
}

impl Server {
    async fn start(dir: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let file = dir.join("kioskhub.toml");
        std::fs::write(&file, config(port)).unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kioskhub"))
            .args(["serve", "--config"])
            .arg(&file)
            .arg("--data")
            .arg(dir)
            .env("KIOSKHUB_ADMIN_PASSWORD", PASSWORD)
            .env("KIOSKHUB_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while Client::new()
            .get(format!("{base}/health"))
            .send()
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Server {
            _child: child,
            base,
            pid,
        }
    }

    /// CPU time the server has used.
    fn cpu(&self) -> Cpu {
        Cpu::of(&format!("/proc/{}/stat", self.pid))
    }

    fn rss_mb(&self) -> f64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// CPU time a process has used, in seconds, in user space and in the kernel.
#[derive(Clone, Copy)]
struct Cpu {
    user: f64,
    kernel: f64,
}

impl Cpu {
    /// From a process's `stat` file (USER_HZ is 100 on Linux).
    fn of(stat: &str) -> Cpu {
        let text = std::fs::read_to_string(stat).unwrap_or_default();
        // The fields after the command name, which is in parentheses and may contain spaces.
        let fields: Vec<&str> = text
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 100.0
        };
        Cpu {
            user: ticks(11),
            kernel: ticks(12),
        }
    }

    fn total(self) -> f64 {
        self.user + self.kernel
    }

    /// What was used since `before`, per `n` (a change), in milliseconds with the kernel's share.
    fn per(self, before: Cpu, n: usize) -> String {
        let used = Cpu {
            user: self.user - before.user,
            kernel: self.kernel - before.kernel,
        };
        format!(
            "{:.0} ms ({:.0}% in the kernel)",
            used.total() * 1000.0 / n as f64,
            100.0 * used.kernel / used.total().max(f64::EPSILON)
        )
    }
}

/// The machine's CPU time so far, from `/proc/stat`: all of it, and what the hypervisor gave to
/// others (steal) — on a shared virtual machine, a wave that takes longer than the CPU it used
/// says so here.
#[derive(Clone, Copy)]
struct Machine {
    total: f64,
    steal: f64,
}

impl Machine {
    fn now() -> Machine {
        let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<f64> = text
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        Machine {
            total: ticks.iter().take(8).sum(),
            steal: ticks.get(7).copied().unwrap_or(0.0),
        }
    }

    /// The share of the machine's time stolen since `before`.
    fn stolen_since(self, before: Machine) -> String {
        let total = (self.total - before.total).max(f64::EPSILON);
        format!("{:.1}%", 100.0 * (self.steal - before.steal) / total)
    }
}

/// The CPU time the measured process and this one use from a moment on, and the machine's steal.
struct Usage {
    stat: String,
    before: (Cpu, Cpu, Machine),
}

impl Usage {
    /// `stat`: the measured process's `stat` file.
    fn from_now(stat: String) -> Usage {
        let before = (Cpu::of(&stat), Cpu::of("/proc/self/stat"), Machine::now());
        Usage { stat, before }
    }

    /// Each process's CPU per `unit` (a change, a wave) over `n` of them, and the steal.
    fn per(&self, unit: &str, measured: &str, n: usize) -> String {
        format!(
            "CPU per {unit}: {measured} {}, load process {}; time stolen by the hypervisor {}",
            Cpu::of(&self.stat).per(self.before.0, n),
            Cpu::of("/proc/self/stat").per(self.before.1, n),
            Machine::now().stolen_since(self.before.2)
        )
    }
}

/// Wait until `count` receipts have come in (20 s at most), then a little longer, so the next
/// wave starts on a quiet machine.
async fn receipts(received: &AtomicU64, count: usize) {
    let until = Instant::now() + Duration::from_secs(20);
    while received.load(Ordering::Acquire) < count as u64 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
}

struct Admin {
    http: Client,
    csrf: String,
    token: String,
    base: String,
}

async fn admin(base: &str) -> Admin {
    let http = Client::builder().cookie_store(true).build().unwrap();
    let resp = http
        .post(format!("{base}/auth/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    Admin {
        http,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        token,
        base: base.to_owned(),
    }
}

impl Admin {
    async fn pair(&self, kiosk: &str) -> String {
        support::pair(&self.base, &self.http, &self.csrf, kiosk).await
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(base: &str, token: &str) -> Ws {
    let mut req = format!("{}/ws/lockers", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "cookie",
        format!("kioskhub_session={token}").parse().unwrap(),
    );
    // Small buffers, like the server's: ten thousand clients with tungstenite's default 128 KiB
    // read buffer spend the machine zeroing memory, and the load tool would measure itself.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    for attempt in 0..5 {
        match tokio_tungstenite::connect_async_with_config(req.clone(), Some(config), false).await {
            Ok((mut ws, _)) => {
                let _welcome = ws.next().await;
                return ws;
            }
            Err(e) if attempt == 4 => panic!("connect: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    unreachable!()
}

async fn connect_many(base: &str, token: &str, n: usize) -> Vec<Ws> {
    let mut out = Vec::with_capacity(n);
    let base = base.to_owned();
    let token = token.to_owned();
    let batches: Vec<_> = (0..n)
        .collect::<Vec<_>>()
        .chunks(250)
        .map(|c| c.len())
        .collect();
    for size in batches {
        let batch = futures::future::join_all((0..size).map(|_| connect(&base, &token))).await;
        out.extend(batch);
    }
    out
}

/// A piece of JSON the readers look for in every message. Thousands of readers share the two
/// cores with the server: their searcher is built once, not on every call as `str::find` does,
/// and no message is parsed whole.
struct Key(memchr::memmem::Finder<'static>);

impl Key {
    fn new(key: &'static str) -> Key {
        Key(memchr::memmem::Finder::new(key))
    }

    fn is_in(&self, text: &str) -> bool {
        self.0.find(text.as_bytes()).is_some()
    }

    /// What follows the key in `text` (a key ends with an ASCII character).
    fn rest<'a>(&self, text: &'a str) -> Option<&'a str> {
        Some(&text[self.0.find(text.as_bytes())? + self.0.needle().len()..])
    }

    /// The JSON string value right after the key (which ends with the opening quote).
    fn text<'a>(&self, text: &'a str) -> Option<&'a str> {
        let rest = self.rest(text)?;
        Some(&rest[..rest.find('"')?])
    }

    /// The unsigned integer right after the key.
    fn number(&self, text: &str) -> Option<u64> {
        let rest = self.rest(text)?;
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    }
}

static LOCKER_STATE: LazyLock<Key> = LazyLock::new(|| Key::new("\"locker_state_changed\""));
static NO_SEQ: LazyLock<Key> = LazyLock::new(|| Key::new("\"seq\":null"));
static SEQ: LazyLock<Key> = LazyLock::new(|| Key::new("\"seq\":"));
static TS: LazyLock<Key> = LazyLock::new(|| Key::new("\"ts\":\""));
static BROADCAST: LazyLock<Key> = LazyLock::new(|| Key::new("\"type\":\"broadcast\""));
static SENT_US: LazyLock<Key> = LazyLock::new(|| Key::new("\"sent_us\":"));

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(|a, b| a.total_cmp(b));
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99),
        percentile(&ms, 1.0)
    )
}

async fn take(base: &str, kiosk_token: &str, card: &str, locker: i64) {
    let http = Client::new();
    let choose: Value = http
        .post(format!("{base}/api/kiosk/scan"))
        .bearer_auth(kiosk_token)
        .json(&json!({"card": card}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = http
        .post(format!("{base}/api/kiosk/select"))
        .bearer_auth(kiosk_token)
        .json(&json!({"session": choose["session"], "locker": locker}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "select: {}", resp.status());
}

async fn fanout(clients: usize, changes: usize) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = admin(&server.base).await;
    let kiosk = admin.pair("k0").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = server.rss_mb();
    let started = Instant::now();
    let sockets = connect_many(&server.base, &admin.token, clients).await;
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let connected_rss = server.rss_mb();
    // When each change's scan was sent, and how many receipts have come in.
    let sent_at: Arc<Vec<OnceLock<Instant>>> =
        Arc::new((0..changes).map(|_| OnceLock::new()).collect());
    let received = Arc::new(AtomicU64::new(0));
    let usage = Usage::from_now(format!("/proc/{}/stat", server.pid));
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            let sent_at = sent_at.clone();
            let received = received.clone();
            tokio::spawn(async move {
                // One deadline for the whole run, registered with the timer once: a timeout per
                // message would cost ten thousand timer registrations per change on the two cores
                // the server is measured on.
                let deadline = tokio::time::sleep(Duration::from_secs(20 * changes as u64));
                tokio::pin!(deadline);
                let mut got = Vec::with_capacity(changes);
                while got.len() < changes {
                    let msg = tokio::select! {
                        biased;
                        msg = ws.next() => msg,
                        () = &mut deadline => None,
                    };
                    let Some(Ok(msg)) = msg else { break };
                    if let Message::Text(t) = msg
                        && LOCKER_STATE.is_in(&t)
                        && !NO_SEQ.is_in(&t)
                    {
                        // From the change's commit (its `ts`, same clock) and from the scan.
                        let committed = TS
                            .text(&t)
                            .and_then(kioskhub::time::parse_rfc3339)
                            .expect("a stored message has its ts");
                        let from_commit = (kioskhub::time::now_ms() - committed) as f64;
                        let from_scan = sent_at[got.len()]
                            .get()
                            .map_or(f64::NAN, |t| t.elapsed().as_secs_f64() * 1000.0);
                        got.push((from_commit, from_scan));
                        received.fetch_add(1, Ordering::Release);
                    }
                }
                // The socket stays open until every client is measured: closing it here would put
                // the teardown of early clients on the clock of later ones.
                (got, ws)
            })
        })
        .collect();
    // One change at a time, each to its own locker, the next once every client has the last.
    for (k, sent) in sent_at.iter().enumerate() {
        sent.set(Instant::now()).unwrap();
        take(&server.base, &kiosk, &format!("0FA{k:07}"), k as i64 + 1).await;
        receipts(&received, clients * (k + 1)).await;
    }
    // The load process reads on the same two cores: together the two processes' CPU per change,
    // over two cores, is the least a wave can take.
    let cpu = usage.per("change", "server", changes);
    let mut from_commit = Vec::new();
    let mut from_scan = Vec::new();
    let mut per_change = vec![Vec::new(); changes];
    let mut open = Vec::with_capacity(clients);
    for r in readers {
        let (got, ws) = r.await.unwrap();
        for (k, (commit_ms, scan_ms)) in got.into_iter().enumerate() {
            from_commit.push(commit_ms);
            from_scan.push(scan_ms);
            per_change[k].push(commit_ms);
        }
        open.push(ws);
    }
    for (k, ms) in per_change.into_iter().enumerate() {
        // The first receipt is the wave's fixed delay (the commit, the pump's read); the rest is
        // the fan-out itself.
        let first = ms.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "  change {}: from its commit first {first:.1} ms, {}",
            k + 1,
            summary(ms)
        );
    }
    let peak = server.rss_mb();
    drop(open);
    println!(
        "ws_fanout clients={clients} changes={changes}: {}/{} receipts; from each change's commit {}; from sending its scan (incl. the relay pulse) {}; {cpu}; connected in {connect_s:.1} s; server RSS idle {idle:.1} MB, with clients {connected_rss:.1} MB, after the changes {peak:.1} MB",
        from_commit.len(),
        clients * changes,
        summary(from_commit),
        summary(from_scan)
    );
}

/// The floor's writer process reads this variable: how many sockets to accept.
const FLOOR_WRITER: &str = "WS_FLOOR_WRITER";
/// What the floor writes to each socket in a wave: the size of a change's two frames on the
/// wire (the `opening`, 260 bytes, and the stored change, 305, with their headers). It begins
/// with the time of the wave in microseconds since the epoch, the clock both processes share.
const FLOOR_BYTES: usize = 570;

fn epoch_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_micros() as u64
}

/// The floor's writer: accepts a control connection and then `clients` sockets, and for every
/// byte on the control connection writes one wave — each socket's task rung, as the hub rings
/// its socket tasks, to write the wave's bytes in one `write`.
async fn floor_writer(clients: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{}", listener.local_addr().unwrap().port());
    let (mut control, _) = listener.accept().await.unwrap();
    let mut slots = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.set_nodelay(true).unwrap();
        let slot = Arc::new((
            tokio::sync::Notify::new(),
            Mutex::new(axum::body::Bytes::new()),
        ));
        slots.push(slot.clone());
        tokio::spawn(async move {
            loop {
                slot.0.notified().await;
                let wave = slot.1.lock().unwrap().clone();
                if socket.write_all(&wave).await.is_err() {
                    return;
                }
            }
        });
    }
    let mut byte = [0u8];
    while control.read_exact(&mut byte).await.is_ok() {
        let mut wave = vec![b' '; FLOOR_BYTES];
        wave[..8].copy_from_slice(&epoch_us().to_le_bytes());
        let wave = axum::body::Bytes::from(wave);
        for slot in &slots {
            *slot.1.lock().unwrap() = wave.clone();
            slot.0.notify_one();
        }
    }
}

async fn floor(clients: usize, waves: usize) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let mut writer = tokio::process::Command::new(std::env::current_exe().unwrap())
        .env(FLOOR_WRITER, clients.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let writer_pid = writer.id().unwrap();
    let mut port = String::new();
    tokio::io::BufReader::new(writer.stdout.take().unwrap())
        .read_line(&mut port)
        .await
        .unwrap();
    let addr = format!("127.0.0.1:{}", port.trim());
    let mut control = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let received = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            let mut got = Vec::with_capacity(waves);
            let mut buf = vec![0u8; 4 * 1024];
            let mut have = 0;
            while got.len() < waves {
                match socket.read(&mut buf[have..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => have += n,
                }
                while have >= FLOOR_BYTES {
                    let sent = u64::from_le_bytes(buf[..8].try_into().unwrap());
                    got.push(epoch_us().saturating_sub(sent) as f64 / 1000.0);
                    received.fetch_add(1, Ordering::Release);
                    buf.copy_within(FLOOR_BYTES..have, 0);
                    have -= FLOOR_BYTES;
                }
            }
            (got, socket)
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let usage = Usage::from_now(format!("/proc/{writer_pid}/stat"));
    for k in 0..waves {
        control.write_all(&[1]).await.unwrap();
        receipts(&received, clients * (k + 1)).await;
    }
    let cpu = usage.per("wave", "writer", waves);
    let mut all = Vec::new();
    let mut open = Vec::with_capacity(clients);
    for r in readers {
        let (got, socket) = r.await.unwrap();
        all.extend(got);
        open.push(socket);
    }
    let n = all.len();
    drop(open);
    println!(
        "ws_floor clients={clients} waves={waves}: {n}/{} receipts; from each wave's start {}; {cpu}",
        clients * waves,
        summary(all)
    );
}

/// `batch`: messages per request — 1 through `POST /api/websocket/broadcast`, more through
/// `POST /api/websocket/broadcast/batch`.
async fn rate(clients: usize, per_sec: u64, seconds: u64, batch: u64) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = Arc::new(admin(&server.base).await);
    let sockets = connect_many(&server.base, &admin.token, clients).await;
    let epoch = Instant::now();
    let total = per_sec * seconds;
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut last_seq: Option<u64> = None;
                let mut gaps = 0u64;
                // Generous: the pushers may fall behind the target rate on a busy machine. One
                // deadline, registered with the timer once rather than each time the reader waits.
                let deadline = tokio::time::sleep(Duration::from_secs(seconds * 20 + 30));
                tokio::pin!(deadline);
                while (lat.len() as u64) < total {
                    let msg = tokio::select! {
                        biased;
                        msg = ws.next() => Ok(msg),
                        () = &mut deadline => Err(()),
                    };
                    match msg {
                        Ok(Some(Ok(Message::Text(t)))) => {
                            // A thousand readers share two cores with the server: read the two
                            // numbers without parsing the whole message.
                            if !BROADCAST.is_in(&t) {
                                continue;
                            }
                            let (Some(seq), Some(sent)) = (SEQ.number(&t), SENT_US.number(&t))
                            else {
                                panic!("a broadcast without seq or sent_us: {t}");
                            };
                            if last_seq.is_some_and(|l| seq != l + 1) {
                                gaps += 1;
                            }
                            last_seq = Some(seq);
                            lat.push((epoch.elapsed().as_micros() as u64 - sent) as f64 / 1000.0);
                        }
                        Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Err(_) | Ok(Some(Err(_))) => {
                            break;
                        }
                        _ => {}
                    }
                }
                let _ = ws.close(None).await;
                (lat, gaps)
            })
        })
        .collect();
    let sent = Arc::new(AtomicU64::new(0));
    let senders: Vec<_> = (0..PUSHERS)
        .map(|w| {
            let admin = admin.clone();
            let sent = sent.clone();
            tokio::spawn(async move {
                let interval = Duration::from_secs_f64((PUSHERS * batch) as f64 / per_sec as f64);
                let mut next = tokio::time::Instant::now() + interval.mul_f64(w as f64 / PUSHERS as f64);
                loop {
                    let first = sent.fetch_add(batch, Ordering::Relaxed);
                    if first >= total {
                        return;
                    }
                    tokio::time::sleep_until(next).await;
                    next += interval;
                    let message = || json!({"namespace": "/ws/lockers", "data": {"sent_us": epoch.elapsed().as_micros() as u64}});
                    let (path, body) = if batch == 1 {
                        ("broadcast", message())
                    } else {
                        let n = batch.min(total - first);
                        ("broadcast/batch", json!({"messages": (0..n).map(|_| message()).collect::<Vec<_>>()}))
                    };
                    let resp = admin.http.post(format!("{}/api/websocket/{path}", admin.base)).header("x-csrf-token", &admin.csrf).json(&body).send().await.unwrap();
                    assert!(resp.status().is_success());
                }
            })
        })
        .collect();
    let push_started = Instant::now();
    let (server_cpu, load_cpu) = (server.cpu().total(), Cpu::of("/proc/self/stat").total());
    for s in senders {
        s.await.unwrap();
    }
    let push_s = push_started.elapsed().as_secs_f64();
    let mut all = Vec::new();
    let mut complete = 0;
    let mut gaps = 0;
    for r in readers {
        let (lat, g) = r.await.unwrap();
        if lat.len() as u64 == total {
            complete += 1;
        }
        gaps += g;
        all.extend(lat);
    }
    let server_cpu = server.cpu().total() - server_cpu;
    let load_cpu = Cpu::of("/proc/self/stat").total() - load_cpu;
    let status: Value = admin
        .http
        .get(format!("{}/api/websocket/status", admin.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!(
        "ws_rate clients={clients} messages_per_request={batch}: {total} events pushed in {push_s:.1} s ({:.0}/s); {complete}/{clients} clients got every event, {gaps} gaps, {} clients dropped by the server; latency {}; server RSS {:.1} MB; CPU while pushing: server {server_cpu:.1} s ({:.0} µs per event), load process {load_cpu:.1} s",
        total as f64 / push_s,
        status["namespaces"]["/ws/lockers"]["clients_dropped"],
        summary(all),
        server.rss_mb(),
        server_cpu * 1e6 / total as f64
    );
}

async fn mix(kiosks: usize, panels: usize, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = admin(&server.base).await;
    let mut tokens = Vec::new();
    for i in 0..kiosks {
        tokens.push((
            format!("k{}", i % 4),
            admin.pair(&format!("k{}", i % 4)).await,
        ));
    }
    let pending: Arc<Mutex<HashMap<(String, i64), Instant>>> = Arc::default();
    let sockets = connect_many(&server.base, &admin.token, panels).await;
    let stop = Instant::now() + Duration::from_secs(seconds);
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            let pending = pending.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let deadline = tokio::time::Instant::from_std(stop) + Duration::from_secs(3);
                while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
                    if let Message::Text(t) = msg {
                        let v: Value = serde_json::from_str(&t).unwrap();
                        if v["type"] == "locker_state_changed" && v["seq"].is_i64() {
                            let key = (
                                v["data"]["kiosk_id"].as_str().unwrap().to_owned(),
                                v["data"]["locker"].as_i64().unwrap(),
                            );
                            if let Some(t0) = pending.lock().unwrap().get(&key) {
                                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                            }
                        }
                    }
                }
                lat
            })
        })
        .collect();
    let cycles = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, (kiosk, token))| {
            let base = server.base.clone();
            let pending = pending.clone();
            let cycles = cycles.clone();
            tokio::spawn(async move {
                let http = Client::new();
                let locker = (i / 4) as i64 + 1;
                let card = format!("0AB{i:07}");
                let post = |path: &'static str, body: Value| {
                    http.post(format!("{base}{path}"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                };
                while Instant::now() < stop {
                    let choose: Value = post("/api/kiosk/scan", json!({"card": card}))
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    pending
                        .lock()
                        .unwrap()
                        .insert((kiosk.clone(), locker), Instant::now());
                    post(
                        "/api/kiosk/select",
                        json!({"session": choose["session"], "locker": locker}),
                    )
                    .await
                    .unwrap();
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let decide: Value = post("/api/kiosk/scan", json!({"card": card}))
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    pending
                        .lock()
                        .unwrap()
                        .insert((kiosk.clone(), locker), Instant::now());
                    post(
                        "/api/kiosk/decide",
                        json!({"decision": decide["decision"], "choice": "finish"}),
                    )
                    .await
                    .unwrap();
                    cycles.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let mut all = Vec::new();
    for r in readers {
        all.extend(r.await.unwrap());
    }
    println!(
        "ws_mix kiosks={kiosks} panels={panels}: {} card cycles in {seconds} s; {} panel updates; update latency {}; server RSS {:.1} MB",
        cycles.load(Ordering::Relaxed),
        all.len(),
        summary(all),
        server.rss_mb()
    );
}

/// The load process's runtime: `threads` workers, or a single-threaded runtime for 1.
fn runtime(threads: usize) -> tokio::runtime::Runtime {
    if threads == 1 {
        return tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if threads > 1 {
        builder.worker_threads(threads);
    }
    builder.enable_all().build().unwrap()
}

fn main() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    if let Ok(clients) = std::env::var(FLOOR_WRITER) {
        // The floor's writer stands in for the server: the runtime the server builds (a worker
        // per core).
        runtime(0).block_on(floor_writer(clients.parse().expect("a client count")));
        return;
    }
    // `WS_PARTS` picks parts, e.g. `fanout` or `rate,mix`; all four by default.
    let parts = std::env::var("WS_PARTS").unwrap_or_else(|_| "fanout,floor,rate,mix".into());
    let part = |name: &str| parts.split(',').any(|p| p.trim() == name);
    if part("fanout") {
        // The ten thousand readers on one thread by default: the load process then takes at most
        // one of the cores the server is measured on, and wakes no second thread per receipt.
        runtime(env("FANOUT_LOAD_THREADS", 1) as usize).block_on(fanout(
            env("FANOUT_CLIENTS", 10_000) as usize,
            env("FANOUT_CHANGES", 5) as usize,
        ));
    }
    if part("floor") {
        // Read as the fan-out's readers are: on one thread.
        runtime(env("FANOUT_LOAD_THREADS", 1) as usize).block_on(floor(
            env("FANOUT_CLIENTS", 10_000) as usize,
            env("FANOUT_CHANGES", 5) as usize,
        ));
    }
    // A thousand clients reading 2,000 messages a second each need both cores.
    let rt = runtime(0);
    if part("rate") {
        for batch in [1, env("RATE_BATCH", 20)] {
            rt.block_on(rate(
                env("RATE_CLIENTS", 1_000) as usize,
                env("RATE_PER_SEC", 2_000),
                env("RATE_SECONDS", 5),
                batch,
            ));
        }
    }
    if part("mix") {
        rt.block_on(mix(100, 50, env("MIX_SECONDS", 10)));
    }
}
