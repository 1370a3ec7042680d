//! The hub: registered clients per namespace, and one pump that reads committed messages from
//! the store in sequence order and fans each out to the clients whose rooms it matches.
//!
//! Each client has a bounded queue ([`QUEUE`] messages). A client whose queue is full is marked
//! as overflowed and kicked: its socket task sends `resync_required` and closes, so a slow
//! reader can never grow the server's memory. Messages are queued half a queue at a time, with a
//! pause of up to [`CATCH_UP`] for the sockets to write in between, whether they came in one
//! group commit of many writers or in many commits while the machine was busy: only a client that
//! did not write meanwhile overflows.
//!
//! One heartbeat task rings every socket once per ping interval, spread over the interval, to
//! ping its client and check the pong: a socket task waits on its ring, its kick and its socket
//! only, and ten thousand of them hold no timers.
//!
//! Putting a message in the queues wakes nobody. The pump then rings the socket tasks whose
//! queues hold something, [`RING_CHUNK`] at a time, and lets them run before it rings the next
//! ones. Ten thousand sockets woken at once would queue ahead of everything the runtime wakes
//! after them — the commit that follows a transient `opening`, the database's answers to the pump
//! — and each socket would be woken, and would write, twice. Rung in chunks, the rest of the
//! server keeps running during a wave, and a message committed meanwhile reaches every socket the
//! wave has not rung yet in the same write as the one before it.

use super::event::{Event, Namespace, VERSION};
use crate::store::{Store, WsRow};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Messages a client may have queued before it is dropped with `resync_required`.
pub const QUEUE: usize = 100;
/// Latency samples kept for the status endpoint.
const SAMPLES: usize = 10_000;
/// How often the pump looks at the store even without a wake-up (writes by other processes).
const POLL: Duration = Duration::from_millis(500);
/// Socket tasks the pump rings before it lets them run: fewer than a worker's local run queue
/// holds (256), so a wave never spills into the runtime's shared queue.
pub const RING_CHUNK: usize = 128;
/// Queued messages at which a client is rung at once rather than in the pump's pass.
const URGENT: usize = 8;
/// How long the pump waits, in a burst, for the sockets to write half their queue.
const CATCH_UP: Duration = Duration::from_millis(100);
/// The heartbeat rings one slice of the clients at a time, so that pings are spread over the
/// interval rather than sent to everyone at once.
const BEAT_SLICES: u64 = 16;

/// Who holds a connection, for per-owner limits and disconnection on revocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Session {
        user_id: String,
        session_hash: String,
    },
    Device(String),
    Public(String),
}

impl Owner {
    /// The key connection limits count by: the user, the device, or the address.
    fn limit_key(&self) -> String {
        match self {
            Owner::Session { user_id, .. } => format!("user:{user_id}"),
            Owner::Device(id) => format!("device:{id}"),
            Owner::Public(ip) => format!("ip:{ip}"),
        }
    }
}

/// One message on its way to clients: serialised once, shared by every queue.
#[derive(Debug)]
pub struct Outgoing {
    pub seq: Option<i64>,
    /// Serialised once; every socket sends the same bytes.
    pub text: axum::body::Bytes,
    pub rooms: Vec<String>,
    pub published: Instant,
}

/// A connected client as the hub sees it.
pub struct Client {
    pub id: u64,
    pub owner: Owner,
    /// At most [`QUEUE`] messages; a plain locked deque, which costs the pump less per client
    /// than a channel when one message goes to ten thousand.
    queue: Mutex<VecDeque<Arc<Outgoing>>>,
    rooms: Mutex<HashSet<String>>,
    overflowed: AtomicBool,
    /// Set by the heartbeat: time to ping (and check the last pong).
    beat: AtomicBool,
    /// Rung by the pump when the queue holds something to send, and by the heartbeat.
    pub ring: Notify,
    /// Woken when the client must go: overflow or revocation.
    pub kick: Notify,
}

impl Client {
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }

    pub fn join(&self, room: &str) -> usize {
        let mut rooms = self.rooms.lock().expect("rooms lock poisoned");
        rooms.insert(room.to_owned());
        rooms.len()
    }

    pub fn leave(&self, room: &str) -> bool {
        self.rooms.lock().expect("rooms lock poisoned").remove(room)
    }

    /// Whether anything waits in the queue.
    fn has_queued(&self) -> bool {
        self.queued() > 0
    }

    /// How many messages wait in the queue.
    fn queued(&self) -> usize {
        self.queue.lock().expect("queue lock poisoned").len()
    }

    /// Whether half a queue waits for a client that is still served.
    fn behind(&self) -> bool {
        !self.overflowed() && self.queued() >= QUEUE / 2
    }

    /// Move up to `max` queued messages, oldest first, to `batch`.
    pub fn take(&self, batch: &mut Vec<Arc<Outgoing>>, max: usize) {
        let mut queue = self.queue.lock().expect("queue lock poisoned");
        let n = queue.len().min(max);
        batch.extend(queue.drain(..n));
    }

    /// Whether the heartbeat rang since the last call.
    pub fn beaten(&self) -> bool {
        self.beat.swap(false, Ordering::AcqRel)
    }

    /// Queue a message; `None` when the queue is full, else how many are waiting now.
    fn push(&self, out: &Arc<Outgoing>) -> Option<usize> {
        let mut queue = self.queue.lock().expect("queue lock poisoned");
        (queue.len() < QUEUE).then(|| {
            queue.push_back(out.clone());
            queue.len()
        })
    }

    fn wants(&self, rooms: &[String]) -> bool {
        let mine = self.rooms.lock().expect("rooms lock poisoned");
        // A message without rooms is for the whole namespace.
        rooms.is_empty() || mine.is_empty() || rooms.iter().any(|r| mine.contains(r))
    }
}

struct NsState {
    clients: RwLock<HashMap<u64, Arc<Client>>>,
    /// Something was queued since the pump last began ringing this namespace.
    unrung: AtomicBool,
    /// Messages queued since the sockets were last given time to catch up.
    unpaced: AtomicUsize,
    delivered: AtomicI64,
    sent: AtomicU64,
    dropped: AtomicU64,
    /// Metric handles, looked up once rather than on every write.
    connections_gauge: metrics::Gauge,
    sent_total: metrics::Counter,
    dropped_total: metrics::Counter,
}

impl NsState {
    fn new(ns: Namespace) -> NsState {
        NsState {
            clients: RwLock::default(),
            unrung: AtomicBool::new(false),
            unpaced: AtomicUsize::new(0),
            delivered: AtomicI64::default(),
            sent: AtomicU64::default(),
            dropped: AtomicU64::default(),
            connections_gauge: metrics::gauge!("kioskhub_ws_connections", "namespace" => ns.path()),
            sent_total: metrics::counter!("kioskhub_ws_messages_sent_total", "namespace" => ns.path()),
            dropped_total: metrics::counter!("kioskhub_ws_dropped_clients_total", "namespace" => ns.path()),
        }
    }
}

struct Inner {
    store: Store,
    namespaces: HashMap<Namespace, NsState>,
    next_id: AtomicU64,
    wake: Notify,
    /// Something was queued outside the pump (connection notices): ring.
    queued: Notify,
    latencies: Mutex<VecDeque<u32>>,
    write_latency: metrics::Histogram,
    /// Open connections per owner key, for the per-owner limit without scanning every client.
    per_owner: Mutex<HashMap<String, usize>>,
    pub stop: CancellationToken,
}

/// The real-time hub. Cheap to clone.
#[derive(Clone)]
pub struct Hub(Arc<Inner>);

/// The pump's way through a namespace's clients as it rings them.
struct Pass {
    clients: Vec<Arc<Client>>,
    next: usize,
}

/// The client's end: the client, and where its live stream starts.
pub struct Registration {
    pub client: Arc<Client>,
    /// Every message up to this sequence was fanned out before the client registered.
    pub delivered: i64,
}

impl Hub {
    /// A hub whose pump starts at the newest stored message of each namespace, and whose
    /// heartbeat rings every socket once per `ping_every`. Install the metrics recorder first:
    /// the hub takes its metric handles here.
    pub async fn start(
        store: Store,
        events: &crate::events::EventHub,
        ping_every: Duration,
        stop: CancellationToken,
    ) -> crate::store::StoreResult<Hub> {
        let mut namespaces = HashMap::new();
        for ns in Namespace::ALL {
            let state = NsState::new(ns);
            let (_, latest) = store.ws_bounds(ns.path()).await?;
            state.delivered.store(latest, Ordering::Release);
            namespaces.insert(ns, state);
        }
        let hub = Hub(Arc::new(Inner {
            store,
            namespaces,
            next_id: AtomicU64::new(1),
            wake: Notify::new(),
            queued: Notify::new(),
            latencies: Mutex::new(VecDeque::with_capacity(SAMPLES)),
            write_latency: metrics::histogram!("kioskhub_ws_publish_to_write_seconds"),
            per_owner: Mutex::new(HashMap::new()),
            stop,
        }));
        tokio::spawn(hub.clone().pump(events.subscribe()));
        tokio::spawn(hub.clone().heartbeat(ping_every));
        Ok(hub)
    }

    /// Ring every client once per `every` to ping: a slice of them each `every / 16`. An
    /// interval of zero (`ws_ping_interval = "0"`) turns pings off.
    async fn heartbeat(self, every: Duration) {
        if every.is_zero() {
            return;
        }
        let step = (every / BEAT_SLICES as u32).max(Duration::from_millis(1));
        let mut tick = tokio::time::interval(step);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        for slice in (0..BEAT_SLICES).cycle() {
            tokio::select! {
                () = self.0.stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            for state in self.0.namespaces.values() {
                let clients: Vec<Arc<Client>> = state
                    .clients
                    .read()
                    .expect("clients lock poisoned")
                    .values()
                    .filter(|c| c.id % BEAT_SLICES == slice)
                    .cloned()
                    .collect();
                for chunk in clients.chunks(RING_CHUNK) {
                    for client in chunk {
                        client.beat.store(true, Ordering::Release);
                        client.ring.notify_one();
                    }
                    tokio::task::yield_now().await;
                }
            }
        }
    }

    pub fn stop_token(&self) -> &CancellationToken {
        &self.0.stop
    }

    fn ns(&self, ns: Namespace) -> &NsState {
        self.0
            .namespaces
            .get(&ns)
            .expect("every namespace has a state")
    }

    /// Something was committed: read and fan out.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Connections an owner holds in every namespace.
    pub fn connections_of(&self, owner: &Owner) -> usize {
        let per_owner = self.0.per_owner.lock().expect("owner counts lock poisoned");
        per_owner.get(&owner.limit_key()).copied().unwrap_or(0)
    }

    /// Add a client; everything after the returned `delivered` will reach its queue.
    pub fn register(&self, ns: Namespace, owner: Owner) -> Registration {
        let client = Arc::new(Client {
            id: self.0.next_id.fetch_add(1, Ordering::Relaxed),
            owner,
            queue: Mutex::new(VecDeque::new()),
            rooms: Mutex::new(HashSet::new()),
            overflowed: AtomicBool::new(false),
            beat: AtomicBool::new(false),
            ring: Notify::new(),
            kick: Notify::new(),
        });
        *self
            .0
            .per_owner
            .lock()
            .expect("owner counts lock poisoned")
            .entry(client.owner.limit_key())
            .or_default() += 1;
        let state = self.ns(ns);
        let mut clients = state.clients.write().expect("clients lock poisoned");
        clients.insert(client.id, client.clone());
        let delivered = state.delivered.load(Ordering::Acquire);
        state.connections_gauge.set(clients.len() as f64);
        Registration { client, delivered }
    }

    pub fn unregister(&self, ns: Namespace, id: u64) {
        let state = self.ns(ns);
        let mut clients = state.clients.write().expect("clients lock poisoned");
        if let Some(client) = clients.remove(&id) {
            let mut per_owner = self.0.per_owner.lock().expect("owner counts lock poisoned");
            let key = client.owner.limit_key();
            if let Some(n) = per_owner.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    per_owner.remove(&key);
                }
            }
        }
        state.connections_gauge.set(clients.len() as f64);
    }

    /// Close every connection of an owner (logout, revoked credential).
    pub fn disconnect(&self, pred: impl Fn(&Owner) -> bool) -> usize {
        let mut n = 0;
        for ns in self.0.namespaces.values() {
            for c in ns.clients.read().expect("clients lock poisoned").values() {
                if pred(&c.owner) {
                    c.kick.notify_one();
                    n += 1;
                }
            }
        }
        n
    }

    /// Connections in a namespace.
    pub fn connections(&self, ns: Namespace) -> usize {
        self.ns(ns)
            .clients
            .read()
            .expect("clients lock poisoned")
            .len()
    }

    /// Members of a room in a namespace.
    pub fn room_size(&self, ns: Namespace, room: &str) -> usize {
        self.ns(ns)
            .clients
            .read()
            .expect("clients lock poisoned")
            .values()
            .filter(|c| c.rooms.lock().expect("rooms lock poisoned").contains(room))
            .count()
    }

    /// Send an event that is not stored (the transient `opening`, connection notices).
    pub fn publish_transient(&self, event: &Event) {
        let text = envelope(
            None,
            event.kind,
            crate::time::now_ms(),
            &event.rooms,
            &event.data,
        );
        self.fan_out(event.namespace, None, text, event.rooms.clone());
        // From a socket task (connection notices): the pump rings.
        self.0.queued.notify_one();
    }

    fn fan_out(&self, ns: Namespace, seq: Option<i64>, text: String, rooms: Vec<String>) {
        let state = self.ns(ns);
        let out = Arc::new(Outgoing {
            seq,
            text: text.into(),
            rooms,
            published: Instant::now(),
        });
        let clients = state.clients.read().expect("clients lock poisoned");
        for client in clients.values() {
            // An overflowed client gets nothing more: what is still in its queue is contiguous,
            // and it is told to resync from the last message it was sent — never a gap.
            if client.overflowed() || !client.wants(&out.rooms) {
                continue;
            }
            match client.push(&out) {
                // A client with this much waiting is rung now, not in its turn: under a stream
                // of changes the sockets keep up instead of waiting for the pump's pass.
                Some(waiting) if waiting >= URGENT => client.ring.notify_one(),
                Some(_) => {}
                None => {
                    if !client.overflowed.swap(true, Ordering::AcqRel) {
                        state.dropped.fetch_add(1, Ordering::Relaxed);
                        state.dropped_total.increment(1);
                        client.kick.notify_one();
                    }
                }
            }
        }
        // Only once everything is queued: a pass that begins after this sees every queue it
        // must ring (a connection notice is queued from a socket task, beside the pump).
        state.unrung.store(true, Ordering::Release);
        state.unpaced.fetch_add(1, Ordering::AcqRel);
        if let Some(seq) = seq {
            state.delivered.store(seq, Ordering::Release);
        }
    }

    /// Read committed messages after what was delivered, in order, and fan them out. One query
    /// tells which namespaces have anything new, so a change costs a read of its own namespaces
    /// only.
    async fn drain(&self) {
        let latest = match self.0.store.ws_latest_all().await {
            Ok(latest) => latest,
            Err(e) => {
                tracing::warn!(error = %e, "real-time pump could not read the sequences");
                return;
            }
        };
        for (name, latest) in latest {
            let Some(ns) = Namespace::from_path(&name) else {
                continue;
            };
            while self.ns(ns).delivered.load(Ordering::Acquire) < latest {
                let after = self.ns(ns).delivered.load(Ordering::Acquire);
                let rows = match self.0.store.ws_after(ns.path(), after, 500).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        tracing::warn!(error = %e, "real-time pump could not read messages");
                        return;
                    }
                };
                if rows.is_empty() {
                    break;
                }
                for row in rows {
                    // Half a queue at a time, however the messages were committed — a group
                    // commit brings a hundred at once, a busy machine many commits between two
                    // turns of a socket task: give the sockets time to write before queuing more,
                    // so a burst the server made itself drops nobody.
                    if self.ns(ns).unpaced.load(Ordering::Acquire) >= QUEUE / 2 {
                        self.let_sockets_catch_up(ns).await;
                    }
                    let rooms: Vec<String> = serde_json::from_str(&row.rooms).unwrap_or_default();
                    let text = stored_envelope(&row, &rooms);
                    self.fan_out(ns, Some(row.seq), text, rooms);
                }
            }
        }
    }

    /// Wait, at most [`CATCH_UP`], until no client of `ns` has half a queue waiting. One that
    /// still has then is behind and will overflow with what follows.
    async fn let_sockets_catch_up(&self, ns: Namespace) {
        let deadline = Instant::now() + CATCH_UP;
        self.ns(ns).unpaced.store(0, Ordering::Release);
        tokio::task::yield_now().await;
        let mut behind: Vec<Arc<Client>> = self
            .ns(ns)
            .clients
            .read()
            .expect("clients lock poisoned")
            .values()
            .filter(|c| c.behind())
            .cloned()
            .collect();
        while !behind.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
            behind.retain(|c| c.behind());
        }
    }

    async fn pump(self, mut notices: tokio::sync::broadcast::Receiver<crate::events::Notice>) {
        use crate::events::Notice;
        use futures::FutureExt;
        use tokio::sync::broadcast::error::{RecvError, TryRecvError};
        let mut passes: HashMap<Namespace, Pass> = HashMap::new();
        loop {
            let mut read = false;
            if passes.is_empty() && !self.any_unrung() {
                tokio::select! {
                    () = self.0.stop.cancelled() => return,
                    () = self.0.wake.notified() => read = true,
                    () = self.0.queued.notified() => {}
                    notice = notices.recv() => match notice {
                        Ok(Notice::Transient(event)) => self.publish_transient(&event),
                        Ok(Notice::Committed(_)) | Err(RecvError::Lagged(_)) => read = true,
                        Err(RecvError::Closed) => return,
                    },
                    () = tokio::time::sleep(POLL) => read = true,
                }
            } else if self.0.stop.is_cancelled() {
                return;
            }
            // Every commit announced so far is read by the one drain below: under a stream of
            // changes the pump reads once per turn, not once per change — and between the chunks
            // of a wave, so what was committed meanwhile joins it.
            loop {
                match notices.try_recv() {
                    Ok(Notice::Transient(event)) => self.publish_transient(&event),
                    Ok(Notice::Committed(_)) | Err(TryRecvError::Lagged(_)) => read = true,
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            if self.0.wake.notified().now_or_never().is_some() {
                read = true;
            }
            if read {
                self.drain().await;
            }
            if self.ring_chunk(&mut passes) {
                // Let the rung sockets write before ringing more.
                tokio::task::yield_now().await;
            }
        }
    }

    fn any_unrung(&self) -> bool {
        self.0
            .namespaces
            .values()
            .any(|ns| ns.unrung.load(Ordering::Acquire))
    }

    /// Ring up to [`RING_CHUNK`] socket tasks whose queues hold something, going on with each
    /// namespace's pass over its clients; a namespace queued to since its pass began gets a new
    /// pass once this one ends (the sockets the old pass rang late have already sent everything,
    /// and are skipped). Whether any pass is still going.
    fn ring_chunk(&self, passes: &mut HashMap<Namespace, Pass>) -> bool {
        let mut rung = 0;
        for (&ns, state) in &self.0.namespaces {
            if !passes.contains_key(&ns) && state.unrung.swap(false, Ordering::AcqRel) {
                let clients = state.clients.read().expect("clients lock poisoned");
                passes.insert(
                    ns,
                    Pass {
                        clients: clients.values().cloned().collect(),
                        next: 0,
                    },
                );
            }
            let Some(pass) = passes.get_mut(&ns) else {
                continue;
            };
            while rung < RING_CHUNK && pass.next < pass.clients.len() {
                let client = &pass.clients[pass.next];
                pass.next += 1;
                if client.has_queued() {
                    client.ring.notify_one();
                    rung += 1;
                }
            }
            if pass.next == pass.clients.len() {
                passes.remove(&ns);
            }
        }
        !passes.is_empty()
    }

    /// Count `messages` written to a socket together, and record the write's latency: from the
    /// publication of the oldest message it carried to now (an upper bound for the others). One
    /// sample per write, not per message: under a burst a write carries dozens of messages, and a
    /// thousand sockets would otherwise record millions of samples a second.
    pub fn record_write(&self, ns: Namespace, messages: usize, oldest: Instant) {
        let state = self.ns(ns);
        state.sent.fetch_add(messages as u64, Ordering::Relaxed);
        state.sent_total.increment(messages as u64);
        let us = u32::try_from(oldest.elapsed().as_micros()).unwrap_or(u32::MAX);
        self.0.write_latency.record(f64::from(us) / 1e6);
        let mut samples = self.0.latencies.lock().expect("latency lock poisoned");
        if samples.len() == SAMPLES {
            samples.pop_front();
        }
        samples.push_back(us);
    }

    /// The status document of `GET /api/websocket/status`.
    pub fn status(&self) -> Value {
        let mut namespaces = serde_json::Map::new();
        let mut total = 0;
        for ns in Namespace::ALL {
            let state = self.ns(ns);
            let n = state.clients.read().expect("clients lock poisoned").len();
            total += n;
            namespaces.insert(
                ns.path().to_owned(),
                json!({
                    "connections": n,
                    "last_seq": state.delivered.load(Ordering::Acquire),
                    "messages_sent": state.sent.load(Ordering::Relaxed),
                    "clients_dropped": state.dropped.load(Ordering::Relaxed),
                }),
            );
        }
        let mut samples: Vec<u32> = self
            .0
            .latencies
            .lock()
            .expect("latency lock poisoned")
            .iter()
            .copied()
            .collect();
        samples.sort_unstable();
        let pick = |p: f64| -> f64 {
            if samples.is_empty() {
                return 0.0;
            }
            let i = ((samples.len() - 1) as f64 * p).round() as usize;
            f64::from(samples[i]) / 1000.0
        };
        json!({
            "status": "active",
            "total_connections": total,
            "namespaces": namespaces,
            "latency_ms": {"median": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "samples": samples.len()},
            "timestamp": crate::time::rfc3339(crate::time::now_ms()),
        })
    }

    /// The store, for replay.
    pub fn store(&self) -> &Store {
        &self.0.store
    }
}

/// The wire envelope `{seq, type, ts, room, version, data}`.
pub fn envelope(seq: Option<i64>, kind: &str, ts: i64, rooms: &[String], data: &Value) -> String {
    json!({
        "seq": seq,
        "type": kind,
        "ts": crate::time::rfc3339(ts),
        "room": rooms.first(),
        "rooms": rooms,
        "version": VERSION,
        "data": data,
    })
    .to_string()
}

/// The envelope of a stored message.
pub fn stored_envelope(row: &WsRow, rooms: &[String]) -> String {
    let data: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
    json!({
        "seq": row.seq,
        "type": row.kind,
        "ts": crate::time::rfc3339(row.ts),
        "room": rooms.first(),
        "rooms": rooms,
        "version": row.version,
        "data": data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    /// A hub on a fresh SQLite file, with what must outlive it: the file's folder, and the event
    /// hub whose closing would stop the pump.
    async fn hub() -> (Hub, (tempfile::TempDir, crate::events::EventHub)) {
        hub_beating(Duration::from_secs(30)).await
    }

    async fn hub_beating(every: Duration) -> (Hub, (tempfile::TempDir, crate::events::EventHub)) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display());
        let store = Store::open(&url).await.unwrap();
        let events = crate::events::EventHub::default();
        let hub = Hub::start(store, &events, every, CancellationToken::new())
            .await
            .unwrap();
        (hub, (dir, events))
    }

    /// The clients whose socket task has been rung (taking the ring).
    fn rung(regs: &[Registration]) -> HashSet<usize> {
        (0..regs.len())
            .filter(|&i| regs[i].client.ring.notified().now_or_never().is_some())
            .collect()
    }

    /// What a rung socket task would send.
    fn take(reg: &mut Registration) -> Vec<i64> {
        let mut batch = Vec::new();
        reg.client.take(&mut batch, QUEUE);
        batch.iter().map(|out| out.seq.unwrap()).collect()
    }

    // No await after the hub starts: the test's single thread never lets the pump run, and the
    // test drives its ringing itself.
    #[tokio::test]
    async fn a_wave_rings_sockets_in_chunks_and_what_is_queued_meanwhile_joins_it() {
        let (hub, _dir) = hub().await;
        let n = 2 * RING_CHUNK + 44;
        let mut regs: Vec<Registration> = (0..n)
            .map(|i| hub.register(Namespace::Lockers, Owner::Device(format!("d{i}"))))
            .collect();
        hub.fan_out(Namespace::Lockers, Some(1), "1".into(), Vec::new());
        assert!(rung(&regs).is_empty(), "queuing wakes nobody");

        let mut passes = HashMap::new();
        assert!(hub.ring_chunk(&mut passes), "the pass goes on");
        let first = rung(&regs);
        assert_eq!(first.len(), RING_CHUNK);
        for &i in &first {
            assert_eq!(take(&mut regs[i]), [1]);
        }
        // Committed while the wave is under way: it joins the same write for every socket the
        // wave has not rung yet…
        hub.fan_out(Namespace::Lockers, Some(2), "2".into(), Vec::new());
        while hub.ring_chunk(&mut passes) {}
        let rest = rung(&regs);
        assert_eq!(rest.len(), n - RING_CHUNK);
        assert!(rest.is_disjoint(&first));
        for &i in &rest {
            assert_eq!(take(&mut regs[i]), [1, 2]);
        }
        // …and a second pass rings only the sockets that had sent the first already.
        while hub.ring_chunk(&mut passes) {}
        assert_eq!(rung(&regs), first);
        for &i in &first {
            assert_eq!(take(&mut regs[i]), [2]);
        }
        assert!(!hub.ring_chunk(&mut passes), "nothing left to ring");
        assert!(rung(&regs).is_empty());
    }

    #[tokio::test]
    async fn the_heartbeat_rings_every_client_within_one_ping_interval() {
        let every = Duration::from_millis(160);
        let (hub, _dir) = hub_beating(every).await;
        let regs: Vec<Registration> = (0..40)
            .map(|i| hub.register(Namespace::Lockers, Owner::Device(format!("d{i}"))))
            .collect();
        // Nothing has run yet on this thread.
        assert!(regs.iter().all(|r| !r.client.beaten()));
        tokio::time::sleep(every * 3).await;
        assert!(
            regs.iter().all(|r| r.client.beaten()),
            "every client is told to ping"
        );
        assert_eq!(
            rung(&regs).len(),
            regs.len(),
            "and its socket task is woken"
        );
        assert!(!regs[0].client.beaten(), "once per beat");
    }

    #[tokio::test]
    async fn a_ping_interval_of_zero_turns_the_heartbeat_off() {
        let (hub, _keep) = hub().await;
        let reg = hub.register(Namespace::Lockers, Owner::Device("d".into()));
        tokio::time::timeout(
            Duration::from_secs(1),
            hub.clone().heartbeat(Duration::ZERO),
        )
        .await
        .expect("the heartbeat ends at once");
        assert!(!reg.client.beaten());
        assert!(rung(std::slice::from_ref(&reg)).is_empty());
    }

    #[tokio::test]
    async fn a_client_with_a_backlog_is_rung_at_once() {
        let (hub, _dir) = hub().await;
        let reg = hub.register(Namespace::Lockers, Owner::Device("d".into()));
        for seq in 1..URGENT as i64 {
            hub.fan_out(Namespace::Lockers, Some(seq), format!("{seq}"), Vec::new());
        }
        assert!(rung(std::slice::from_ref(&reg)).is_empty());
        hub.fan_out(
            Namespace::Lockers,
            Some(URGENT as i64),
            "u".into(),
            Vec::new(),
        );
        assert_eq!(rung(std::slice::from_ref(&reg)).len(), 1);
    }

    // A group commit can store more messages at once than a queue holds: a client that keeps
    // writing gets every one of them, in order; one that stops is dropped.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_larger_than_a_queue_reaches_a_client_that_keeps_up() {
        let (hub, _dir) = hub().await;
        let reading = hub.register(Namespace::Lockers, Owner::Device("reads".into()));
        let stuck = hub.register(Namespace::Lockers, Owner::Device("stuck".into()));
        let client = reading.client.clone();
        let socket = tokio::spawn(async move {
            let mut got = Vec::new();
            while got.len() < 3 * QUEUE {
                client.ring.notified().await;
                let mut batch = Vec::new();
                client.take(&mut batch, QUEUE);
                got.extend(batch.iter().map(|out| out.seq.unwrap()));
            }
            got
        });
        let mut tx = hub.store().begin().await.unwrap();
        for i in 0..3 * QUEUE {
            tx.append_ws("/ws/lockers", i as i64, "broadcast", "[]", 1, "{}")
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        hub.wake();
        let got = tokio::time::timeout(Duration::from_secs(10), socket)
            .await
            .expect("every message arrives")
            .unwrap();
        assert_eq!(got, (1..=3 * QUEUE as i64).collect::<Vec<_>>());
        assert!(!reading.client.overflowed());
        assert!(
            stuck.client.overflowed(),
            "a client that never writes is dropped"
        );
        assert_eq!(
            hub.status()["namespaces"]["/ws/lockers"]["clients_dropped"],
            1
        );
    }

    #[tokio::test]
    async fn many_commits_between_two_writes_of_a_busy_socket_drop_nobody() {
        let (hub, _dir) = hub().await;
        let reading = hub.register(Namespace::Lockers, Owner::Device("reads".into()));
        let stuck = hub.register(Namespace::Lockers, Owner::Device("stuck".into()));
        let client = reading.client.clone();
        const COMMITS: usize = 10;
        const ROWS: usize = 40;
        // A socket task on a busy machine: it gets to run 20 ms after it is rung, while commits
        // of 40 messages come every 5 ms — each below half a queue, together many queues.
        let socket = tokio::spawn(async move {
            let mut got = Vec::new();
            while got.len() < COMMITS * ROWS {
                client.ring.notified().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                let mut batch = Vec::new();
                client.take(&mut batch, QUEUE);
                got.extend(batch.iter().map(|out| out.seq.unwrap()));
            }
            got
        });
        for commit in 0..COMMITS {
            let mut tx = hub.store().begin().await.unwrap();
            for i in 0..ROWS {
                tx.append_ws(
                    "/ws/lockers",
                    (commit * ROWS + i) as i64,
                    "broadcast",
                    "[]",
                    1,
                    "{}",
                )
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
            hub.wake();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let got = tokio::time::timeout(Duration::from_secs(10), socket)
            .await
            .expect("every message arrives")
            .unwrap();
        assert_eq!(got, (1..=(COMMITS * ROWS) as i64).collect::<Vec<_>>());
        assert!(!reading.client.overflowed());
        assert!(
            stuck.client.overflowed(),
            "a client that never writes is still dropped"
        );
    }

    #[tokio::test]
    async fn a_client_that_overflows_keeps_a_contiguous_queue_and_is_kicked() {
        let (hub, _dir) = hub().await;
        let mut reg = hub.register(Namespace::Lockers, Owner::Device("d".into()));
        let send = |seq: i64| {
            hub.fan_out(Namespace::Lockers, Some(seq), format!("{seq}"), Vec::new());
        };
        for seq in 1..=QUEUE as i64 {
            send(seq);
        }
        assert!(!reg.client.overflowed());
        // One too many: the client overflows…
        send(QUEUE as i64 + 1);
        assert!(reg.client.overflowed());
        // …and once its socket task has taken a few messages, the queue has room again, but
        // nothing after the overflow may slip in behind them.
        let mut first = Vec::new();
        reg.client.take(&mut first, 10);
        assert_eq!(first.len(), 10);
        send(QUEUE as i64 + 2);
        assert_eq!(take(&mut reg), (11..=QUEUE as i64).collect::<Vec<_>>());
        assert_eq!(
            hub.status()["namespaces"]["/ws/lockers"]["clients_dropped"],
            1
        );
    }
}
