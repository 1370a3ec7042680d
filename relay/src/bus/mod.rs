//! [`ModbusBus`]: the handle to one bus and the task that owns its port (rule 10).
//!
//! Every frame for a bus goes through one task (see `owner`), fed by an `mpsc` queue with a
//! `oneshot` reply per command. The handle holds no port and does no I/O; dropping a caller's
//! future never cuts a transaction in half, and a generic board's OFF is the task's duty, sent
//! after the pulse length whatever happens to the caller (rule 9). The task opens the port when it
//! starts and whenever the port was lost (USB adapter unplugged, gateway restarted), with backoff,
//! and probes idle boards with reads — start-up, reconnection and probing never write a coil
//! (rule 4).

mod health;
mod owner;

use crate::frame::Request;
use crate::link::lock::{self, LockError, PortLock};
use crate::link::{Endpoint, Port};
use crate::{BoardHealth, BoardSpec, PulseLength, PulseReceipt, RelayBus, RelayError};
use futures::future::BoxFuture;
use health::HealthTable;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Timing and resilience of a bus. `Default` is the spec's §4.1 values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusOptions {
    /// Longest wait for a reply to one request (300 ms).
    pub timeout: Duration,
    /// Further attempts after a timeout, corrupt reply or wrong echo (2). Exceptions are answers
    /// and are not retried.
    pub retries: u8,
    /// Pause before the first retry, doubled for each further one (25 ms).
    pub retry_backoff: Duration,
    /// Quiet time between the end of one transaction and the start of the next, on top of the
    /// Modbus inter-frame gap (50 ms; 0 allowed).
    pub turnaround: Duration,
    /// How long a board may stay silent before it is probed with a read (30 s); `None` turns
    /// probing off.
    pub probe_interval: Option<Duration>,
    /// Consecutive failed operations that make a board offline (3).
    pub offline_after: u32,
    /// First wait before reopening a lost port, doubled up to `reconnect_max` (200 ms … 5 s).
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Longest wait to connect to a TCP gateway (2 s).
    pub connect_timeout: Duration,
    /// Commands that may wait in the bus's queue before callers wait to enqueue (64).
    pub queue_depth: usize,
}

impl Default for BusOptions {
    fn default() -> Self {
        BusOptions {
            timeout: Duration::from_millis(300),
            retries: 2,
            retry_backoff: Duration::from_millis(25),
            turnaround: Duration::from_millis(50),
            probe_interval: Some(Duration::from_secs(30)),
            offline_after: 3,
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            queue_depth: 64,
        }
    }
}

type Reply<T> = oneshot::Sender<Result<T, RelayError>>;

/// What the bus task is asked to do.
pub(crate) enum Command {
    Pulse {
        slave: u8,
        channel: u16,
        length: PulseLength,
        reply: Reply<PulseReceipt>,
    },
    /// A read, or a register write; never a coil write (coils only move through `Pulse`).
    Exchange {
        slave: u8,
        request: Request,
        retries: Option<u8>,
        reply: Reply<Option<crate::frame::Response>>,
    },
    Probe {
        reply: oneshot::Sender<()>,
    },
    Close {
        reply: oneshot::Sender<()>,
    },
}

/// A Modbus RTU or TCP bus with its boards, driven by one owner task.
///
/// Cheap to clone; every clone talks to the same task. The task stops when the last handle is
/// dropped or [`ModbusBus::close`] is called, after sending any OFF still due.
#[derive(Clone)]
pub struct ModbusBus {
    name: Arc<str>,
    tx: mpsc::Sender<Command>,
    health: Arc<HealthTable>,
}

impl std::fmt::Debug for ModbusBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModbusBus")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ModbusBus {
    /// Starts the owner task for `endpoint`. A serial port is locked first: if another process
    /// or bus holds it, this fails with [`RelayError::PortBusy`] naming the port and the owner.
    /// A port that does not exist yet is not an error: the task keeps trying to open it.
    ///
    /// Must be called inside a Tokio runtime.
    pub fn open(
        name: impl Into<String>,
        endpoint: Endpoint,
        boards: &[BoardSpec],
        options: BusOptions,
    ) -> Result<ModbusBus, RelayError> {
        let name: String = name.into();
        let (lock, device_lock) = match &endpoint {
            Endpoint::Serial { path, .. } => {
                let port = lock_port(&name, path)?;
                (Some(port), lock_resolved(&name, path, None)?)
            }
            Endpoint::Tcp { .. } | Endpoint::Stream { .. } => (None, None),
        };
        let health = Arc::new(HealthTable::new(&name, boards));
        let (tx, rx) = mpsc::channel(options.queue_depth.max(1));
        let task = owner::Owner::new(
            name.clone(),
            endpoint,
            boards,
            options,
            health.clone(),
            lock,
            device_lock,
        );
        tokio::spawn(task.run(rx));
        Ok(ModbusBus {
            name: name.into(),
            tx,
            health,
        })
    }

    /// A serial RTU bus, 8N1 at `baud`.
    pub fn serial(
        name: impl Into<String>,
        path: &str,
        baud: u32,
        boards: &[BoardSpec],
        options: BusOptions,
    ) -> Result<ModbusBus, RelayError> {
        Self::open(name, Endpoint::serial(path, baud), boards, options)
    }

    /// A Modbus TCP gateway at `host:port`.
    pub fn tcp(
        name: impl Into<String>,
        addr: &str,
        boards: &[BoardSpec],
        options: BusOptions,
    ) -> Result<ModbusBus, RelayError> {
        Self::open(name, Endpoint::tcp(addr), boards, options)
    }

    /// An RTU bus over an already-open stream (one end of `SerialStream::pair()`). `baud` sets
    /// the inter-frame gap. The stream cannot be reopened if it fails.
    pub fn from_stream(
        name: impl Into<String>,
        stream: impl Port,
        baud: u32,
        boards: &[BoardSpec],
        options: BusOptions,
    ) -> ModbusBus {
        let name = name.into();
        let endpoint = Endpoint::from_stream(name.clone(), baud, stream);
        Self::open(name, endpoint, boards, options)
            .expect("only serial endpoints can fail to open up front")
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Pulses `channel` on board `slave`; resolves once the board confirmed it (rule 3).
    ///
    /// `waveshare16`: one timed-pulse write, confirmed by its echo. `generic`: ON, then the task
    /// sends OFF after `length` even if this future is dropped; the pulse is confirmed when both
    /// echoes matched (an OFF that fails may have left the coil energised, which is an error).
    pub async fn pulse(
        &self,
        slave: u8,
        channel: u16,
        length: PulseLength,
    ) -> Result<PulseReceipt, RelayError> {
        self.ask(|reply| Command::Pulse {
            slave,
            channel,
            length,
            reply,
        })
        .await
    }

    /// Reads `count` coils from `first` (function 0x01).
    pub async fn read_coils(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> Result<Vec<bool>, RelayError> {
        let reply = self
            .exchange(slave, Request::ReadCoils { first, count }, None)
            .await?;
        self.bits(slave, reply, count)
    }

    /// Reads `count` discrete inputs from `first` (function 0x02): door sensors.
    pub async fn read_inputs(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> Result<Vec<bool>, RelayError> {
        let reply = self
            .exchange(slave, Request::ReadDiscreteInputs { first, count }, None)
            .await?;
        self.bits(slave, reply, count)
    }

    /// Confirmed pulses of one channel since the bus started.
    pub fn pulse_count(&self, slave: u8, channel: u16) -> u64 {
        self.health.pulses(slave, channel)
    }

    /// Health of every configured board (no I/O).
    pub fn health(&self) -> Vec<BoardHealth> {
        self.health.snapshot()
    }

    /// Probes every configured board now (reads only) and returns once done — the step the idle
    /// timer runs, for `status_check` commands and tests.
    pub async fn probe_now(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Probe { reply }).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Stops the task after any OFF still due has been sent, and releases the port.
    pub async fn close(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Close { reply }).await.is_ok() {
            let _ = done.await;
        }
    }

    /// One request through the owner task. `retries: None` uses the bus's setting.
    pub(crate) async fn exchange(
        &self,
        slave: u8,
        request: Request,
        retries: Option<u8>,
    ) -> Result<Option<crate::frame::Response>, RelayError> {
        debug_assert!(
            !matches!(request, Request::WriteSingleCoil { .. }),
            "coils move only through pulse (rule 9)"
        );
        self.ask(|reply| Command::Exchange {
            slave,
            request,
            retries,
            reply,
        })
        .await
    }

    fn bits(
        &self,
        slave: u8,
        reply: Option<crate::frame::Response>,
        count: u16,
    ) -> Result<Vec<bool>, RelayError> {
        match reply {
            Some(crate::frame::Response::Bits { packed, .. }) => {
                Ok(crate::frame::unpack_bits(&packed, usize::from(count)))
            }
            other => Err(RelayError::Mismatch {
                bus: self.name.to_string(),
                slave,
                detail: format!("a bit read was answered with {other:?}"),
            }),
        }
    }

    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, RelayError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || RelayError::Transport {
            bus: self.name.to_string(),
            reason: "the bus task has stopped".into(),
        };
        self.tx.send(command(reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn lock_port(bus: &str, path: &str) -> Result<PortLock, RelayError> {
    PortLock::acquire(path, bus).map_err(|e| lock_error(bus, path, e))
}

/// The lock on the device `path` resolves to now, if that is another name: `held` when it is
/// still the same device, a fresh lock otherwise.
pub(crate) fn lock_resolved(
    bus: &str,
    path: &str,
    held: Option<PortLock>,
) -> Result<Option<PortLock>, RelayError> {
    let Some(device) = lock::resolved_device(path) else {
        return Ok(None);
    };
    if let Some(held) = held.filter(|l| l.port() == device) {
        return Ok(Some(held));
    }
    PortLock::acquire(&device, bus).map(Some).map_err(|e| {
        let e = match e {
            LockError::Busy(owner) => LockError::Busy(format!("{owner}, as {device}")),
            other => other,
        };
        lock_error(bus, path, e)
    })
}

fn lock_error(bus: &str, path: &str, error: LockError) -> RelayError {
    match error {
        LockError::Busy(owner) => RelayError::PortBusy {
            bus: bus.to_owned(),
            port: path.to_owned(),
            owner,
        },
        LockError::Unavailable(reason) => RelayError::Transport {
            bus: bus.to_owned(),
            reason: format!("cannot lock serial port {path}: {reason}"),
        },
    }
}

impl RelayBus for ModbusBus {
    fn name(&self) -> &str {
        &self.name
    }

    fn pulse(
        &self,
        slave: u8,
        channel: u16,
        length: PulseLength,
    ) -> BoxFuture<'_, Result<PulseReceipt, RelayError>> {
        Box::pin(ModbusBus::pulse(self, slave, channel, length))
    }

    fn health(&self) -> Vec<BoardHealth> {
        ModbusBus::health(self)
    }

    fn read_inputs(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<bool>, RelayError>> {
        Box::pin(ModbusBus::read_inputs(self, slave, first, count))
    }

    fn read_coils(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<bool>, RelayError>> {
        Box::pin(ModbusBus::read_coils(self, slave, first, count))
    }

    fn pulse_count(&self, slave: u8, channel: u16) -> u64 {
        ModbusBus::pulse_count(self, slave, channel)
    }
}
