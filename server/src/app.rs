//! Start-up and serving: open the store, synchronise the configured kiosks, build the relay
//! buses and the locker service into one cloneable [`AppState`], and serve the router on an
//! injected listener until the shutdown token fires.

use crate::auth::{self, password};
use crate::config::{BoardConfig, BusConfig, BusPort, Config, KioskConfig};
use crate::events::EventHub;
use crate::hardware::metered::{LATENCY_BUCKETS, MeteredBus};
use crate::lockers::Lockers;
use crate::store::{LockerWiring, Store, UserRow};
use crate::time::now_ms;
use anyhow::{Context, bail};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kioskhub_relay::sim::{SimHandle, SimOptions};
use kioskhub_relay::{BoardSpec, RelayBus};
use kioskhub_relay::{BusOptions, Endpoint, ModbusBus};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Rate limits keyed by client address.
pub struct Limits {
    login: DefaultKeyedRateLimiter<IpAddr>,
    pairing: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    fn new(pairing_per_minute: u32) -> Self {
        let five = NonZeroU32::new(5).expect("5 is not zero");
        let thirty = NonZeroU32::new(pairing_per_minute).unwrap_or(NonZeroU32::MIN);
        Limits {
            login: RateLimiter::keyed(Quota::per_minute(five)),
            pairing: RateLimiter::keyed(Quota::per_minute(thirty)),
        }
    }

    fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr) -> Result<(), u64> {
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// `POST /auth/login`: 5 per minute per address; `Err` holds the seconds to wait.
    pub fn login(&self, ip: IpAddr) -> Result<(), u64> {
        Self::check(&self.login, ip)
    }

    /// Pairing-code exchanges: `pairing_per_minute` per address (30 by default; codes have 40
    /// bits of entropy).
    pub fn pairing(&self, ip: IpAddr) -> Result<(), u64> {
        Self::check(&self.pairing, ip)
    }

    /// Forget addresses whose limits have fully recovered.
    pub fn prune(&self) {
        self.login.retain_recent();
        self.pairing.retain_recent();
    }
}

/// Recently verified kiosk credentials, so each kiosk request does not read the database.
/// Entries live `DEVICE_TTL`; a revocation on this instance removes them at once.
#[derive(Default)]
pub struct DeviceCache(std::sync::Mutex<HashMap<String, (String, String, std::time::Instant)>>);

const DEVICE_TTL: Duration = Duration::from_secs(10);

impl DeviceCache {
    /// `(kiosk, credential id)` for a token hash verified less than `DEVICE_TTL` ago.
    pub fn get(&self, token_hash: &str) -> Option<(String, String)> {
        let map = self.0.lock().expect("device cache lock poisoned");
        map.get(token_hash)
            .filter(|(_, _, at)| at.elapsed() < DEVICE_TTL)
            .map(|(k, c, _)| (k.clone(), c.clone()))
    }

    pub fn put(&self, token_hash: String, kiosk: String, credential: String) {
        let mut map = self.0.lock().expect("device cache lock poisoned");
        if map.len() > 10_000 {
            map.retain(|_, (_, _, at)| at.elapsed() < DEVICE_TTL);
        }
        map.insert(token_hash, (kiosk, credential, std::time::Instant::now()));
    }

    /// Forget a credential (revoked).
    pub fn forget(&self, credential: &str) {
        let mut map = self.0.lock().expect("device cache lock poisoned");
        map.retain(|_, (_, c, _)| c != credential);
    }
}

pub struct AppInner {
    pub config: Config,
    pub store: Store,
    pub lockers: Lockers,
    pub help: crate::help::Help,
    pub events: EventHub,
    pub hub: crate::realtime::Hub,
    /// Every configured bus with its driver, in configuration order.
    pub relays: Vec<(BusConfig, Arc<dyn RelayBus>)>,
    /// The simulated buses among them, for demo and tests (fault injection, pulse counts).
    pub sim_buses: HashMap<String, SimHandle>,
    /// The bus owner tasks, closed at shutdown (owed OFFs sent, ports released).
    pub buses: Vec<ModbusBus>,
    /// Card readers wired to the hub and what they last did.
    pub readers: crate::hardware::readers::ReaderBoard,
    pub limits: Limits,
    pub devices: DeviceCache,
    pub metrics: PrometheusHandle,
    /// A hash verified when a login names an unknown user, so both take the same time.
    pub dummy_hash: String,
}

/// The state every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// Options that are not configuration: how the built-in simulator behaves, and whether the
/// relay buses are opened at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct StartOptions {
    /// Time a simulated board takes to confirm a pulse.
    pub sim_delay: Duration,
    /// Open no bus: for maintenance commands (`user`, `kiosk pair`) that run beside the serving
    /// hub, which owns the ports (rule 10). Nothing can be pulsed through such a state.
    pub without_buses: bool,
}

fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            latency_buckets(PrometheusBuilder::new())
                .install_recorder()
                .unwrap_or_else(|_| {
                    // Another recorder is installed (several servers in one test process): keep a
                    // private one so /metrics still renders.
                    latency_buckets(PrometheusBuilder::new())
                        .build_recorder()
                        .handle()
                })
        })
        .clone()
}

/// Relay latency is a histogram with buckets (other histograms render as summaries).
fn latency_buckets(builder: PrometheusBuilder) -> PrometheusBuilder {
    builder
        .set_buckets_for_metric(
            Matcher::Full("kioskhub_relay_latency_seconds".into()),
            &LATENCY_BUCKETS,
        )
        .expect("the relay latency buckets are not empty")
}

/// Locker → (bus, slave, channel): boards in order, each filling its channels (spec §4.1).
pub fn wiring(kiosk: &KioskConfig, boards: &[BoardConfig]) -> Vec<LockerWiring> {
    let mut out = Vec::new();
    let mut number = 1i64;
    for (bus, slave) in &kiosk.boards {
        let channels = boards
            .iter()
            .find(|b| &b.bus == bus && b.slave == *slave)
            .map_or(16, |b| b.channels);
        for channel in 1..=i64::from(channels) {
            if number > i64::from(kiosk.lockers) {
                return out;
            }
            out.push(LockerWiring {
                number,
                bus: bus.clone(),
                slave: i64::from(*slave),
                channel,
            });
            number += 1;
        }
    }
    out
}

/// Configured buses with their drivers, the owner tasks, and the simulated lines by name.
struct BuiltRelays {
    relays: Vec<(BusConfig, Arc<dyn RelayBus>)>,
    buses: Vec<ModbusBus>,
    sims: HashMap<String, SimHandle>,
}

fn bus_options(bus: &BusConfig) -> BusOptions {
    BusOptions {
        timeout: bus.timeout,
        retries: bus.retries,
        turnaround: bus.turnaround,
        probe_interval: (!bus.probe_interval.is_zero()).then_some(bus.probe_interval),
        ..BusOptions::default()
    }
}

/// One owner task per bus (rule 10). `sim` buses run the simulator on an in-process pty: the
/// same RTU bytes, replies and faults as a real line. Opening sends nothing (rule 4).
fn build_relays(config: &Config, opts: StartOptions) -> anyhow::Result<BuiltRelays> {
    let mut built = BuiltRelays {
        relays: Vec::new(),
        buses: Vec::new(),
        sims: HashMap::new(),
    };
    if opts.without_buses {
        return Ok(built);
    }
    for bus in &config.buses {
        let specs: Vec<BoardSpec> = config
            .boards
            .iter()
            .filter(|b| b.bus == bus.name)
            .map(|b| BoardSpec {
                slave: b.slave,
                kind: b.kind,
                channels: b.channels,
            })
            .collect();
        let driver = match &bus.port {
            BusPort::Sim => {
                let sim = SimOptions {
                    wire_baud: bus.sim_wire_time.then_some(bus.baud),
                    processing: opts.sim_delay,
                    doors_follow_pulses: bus.sim_doors_follow_pulses,
                };
                let (driver, handle) =
                    kioskhub_relay::sim::spawn_bus(&bus.name, &specs, sim, bus_options(bus));
                built.sims.insert(bus.name.clone(), handle);
                driver
            }
            BusPort::Serial(path) => ModbusBus::open(
                &bus.name,
                Endpoint::serial(path, bus.baud),
                &specs,
                bus_options(bus),
            )
            .with_context(|| format!("opening bus {:?}", bus.name))?,
            BusPort::Tcp(addr) => {
                ModbusBus::open(&bus.name, Endpoint::tcp(addr), &specs, bus_options(bus))
                    .with_context(|| format!("opening bus {:?}", bus.name))?
            }
        };
        let metered = MeteredBus::new(Arc::new(driver.clone()));
        built
            .relays
            .push((bus.clone(), Arc::new(metered) as Arc<dyn RelayBus>));
        built.buses.push(driver);
    }
    Ok(built)
}

/// Open the store, migrate, synchronise kiosks and lockers, and build the state. Fires no relay
/// (rule 4).
pub async fn start(config: Config, opts: StartOptions) -> anyhow::Result<AppState> {
    let url = config.database_url();
    let store = Store::open(&url)
        .await
        .with_context(|| format!("opening the database {}", crate::config::redact_url(&url)))?;
    let secret = store.meta_or_init("card_secret", auth::new_token).await?;
    sync_kiosks(&store, &config).await?;
    let expired = store.expire_running_commands(now_ms()).await?;
    if expired > 0 {
        tracing::warn!(
            expired,
            "commands interrupted by the last shutdown were marked expired"
        );
    }
    let BuiltRelays {
        relays,
        buses,
        sims: sim_buses,
    } = build_relays(&config, opts)?;
    let events = EventHub::default();
    let relay_map = relays
        .iter()
        .map(|(cfg, bus)| (cfg.name.clone(), bus.clone()))
        .collect();
    let settings =
        crate::settings::Settings::new(store.clone(), events.clone(), &config.site, &config.kiosks);
    settings.load().await?;
    let lockers = Lockers::new(
        store.clone(),
        config.site.clone(),
        config.kiosks.clone(),
        settings,
        relay_map,
        secret.into_bytes(),
        events.clone(),
    );
    let help = crate::help::Help::new(
        store.clone(),
        &config.site.id,
        events.clone(),
        &config.server.data_dir,
    );
    let limits = Limits::new(config.server.pairing_per_minute);
    let readers = crate::hardware::readers::ReaderBoard::new(&config);
    // Before the hub, which takes its metric handles when it starts.
    let metrics = metrics_handle();
    let hub = crate::realtime::Hub::start(
        store.clone(),
        &events,
        config.server.ws_ping_interval,
        CancellationToken::new(),
    )
    .await?;
    if store.is_postgres() {
        crate::realtime::listen::spawn(url.clone(), hub.clone());
    }
    let dummy_hash =
        tokio::task::spawn_blocking(|| password::hash_blocking("kioskhub-dummy-password")).await?;
    Ok(AppState(Arc::new(AppInner {
        config,
        store,
        lockers,
        help,
        events,
        hub,
        relays,
        sim_buses,
        buses,
        readers,
        limits,
        devices: DeviceCache::default(),
        metrics,
        dummy_hash,
    })))
}

async fn sync_kiosks(store: &Store, config: &Config) -> anyhow::Result<()> {
    let now = now_ms();
    let mut tx = store.begin().await?;
    for kiosk in &config.kiosks {
        tx.upsert_kiosk(
            &kiosk.id,
            &config.site.id,
            &kiosk.name,
            i64::from(kiosk.lockers),
            now,
        )
        .await?;
        let kept = tx
            .sync_lockers(&kiosk.id, &wiring(kiosk, &config.boards))
            .await?;
        if !kept.is_empty() {
            tracing::warn!(kiosk = %kiosk.id, lockers = ?kept, "lockers removed from the configuration still have an owner; kept until freed");
        }
    }
    let ids: Vec<String> = config.kiosks.iter().map(|k| k.id.clone()).collect();
    let retired = tx.retire_kiosks_except(&ids).await?;
    tx.commit().await?;
    if !retired.is_empty() {
        tracing::warn!(
            ?retired,
            "kiosks no longer in the configuration were retired"
        );
    }
    Ok(())
}

/// Create the first admin if there is no user yet. Returns the password when one was created
/// (random unless `password` is given). With `reset`, an existing `admin` gets `password`.
pub async fn ensure_admin(
    store: &Store,
    password: Option<String>,
    reset: bool,
) -> anyhow::Result<Option<String>> {
    if let Some(admin) = store.user_by_name("admin").await? {
        if let (true, Some(pw)) = (reset, password)
            && !password::verify(pw.clone(), admin.password_hash.clone()).await
        {
            let hash = password::hash(pw).await;
            let mut tx = store.begin().await?;
            tx.set_password_hash(&admin.id, &hash, now_ms()).await?;
            tx.commit().await?;
        }
        return Ok(None);
    }
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    let pw = password.unwrap_or_else(auth::random_password);
    if pw.len() < password::MIN_PASSWORD_LEN {
        bail!(
            "KIOSKHUB_ADMIN_PASSWORD must have at least {} characters",
            password::MIN_PASSWORD_LEN
        );
    }
    create_user(store, "admin", auth::Role::Admin, &pw).await?;
    Ok(Some(pw))
}

/// Create a staff account.
pub async fn create_user(
    store: &Store,
    username: &str,
    role: auth::Role,
    pw: &str,
) -> anyhow::Result<UserRow> {
    let now = now_ms();
    let user = UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        username: username.to_owned(),
        role: role.as_str().to_owned(),
        password_hash: password::hash(pw.to_owned()).await,
        active: true,
        created_at: now,
        last_login_at: None,
    };
    let mut tx = store.begin().await?;
    tx.insert_user(&user).await?;
    tx.commit().await?;
    Ok(user)
}

/// Serve until `shutdown` is cancelled, then drain in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let hub_stop = state.hub.stop_token().clone();
    let stopping = shutdown.clone();
    tokio::spawn(async move {
        stopping.cancelled().await;
        // WebSocket clients are told "going away" so they reconnect and replay elsewhere.
        hub_stop.cancel();
    });
    let jobs = tokio::spawn(crate::jobs::run_until_stopped(
        state.clone(),
        Duration::from_secs(5),
        shutdown.clone(),
    ));
    let hardware = crate::hardware::spawn(&state, &shutdown);
    let state_buses = state.buses.clone();
    let app = crate::http::router(state);
    // Real-time pushes are small writes that must leave at once: with Nagle's algorithm a
    // second message waits for the client's (delayed) acknowledgement of the first.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().cancelled_owned())
    .await;
    shutdown.cancel();
    let _ = jobs.await;
    // Readers finish the scan in hand (and its pulse) before the buses close.
    for task in hardware {
        let _ = task.await;
    }
    for bus in &state_buses {
        bus.close().await;
    }
    result
}
