//! Simulated relay boards that speak real Modbus RTU bytes, for tests, the demo and benchmarks.
//!
//! One implementation serves every use: a [`SimHandle`] holds the boards (several slave ids,
//! `waveshare16` or `generic` semantics, see `device`) and serves them on
//!
//! - an in-process pty pair ([`spawn_bus`], [`spawn_pair`], [`SimHandle::endpoint`]): the bus
//!   opens a fresh `SerialStream::pair()` on every (re)connect, so unplugging and replugging the
//!   simulated adapter ([`SimHandle::unplug`]) exercises the real reconnect path;
//! - a named pty ([`serve_tty`], [`serve_tty_reopening`]), e.g. one end of
//!   `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`, for a bus in another process;
//! - Modbus TCP ([`serve_tcp`]), standing in for an RS-485 gateway.
//!
//! A pty ignores the baud rate, so the simulator adds the wire time itself when
//! [`SimOptions::wire_baud`] is set: 10 bit times per byte (8N1), for the request as it "arrives"
//! and for the reply before it is written. Faults ([`SimFault`]) are per board and can be limited
//! to its next N requests. Boards sharing one address all answer, and their replies collide.
//!
//! [`SimBus`] is the older in-process fake without bytes, kept until the server moves over.

mod device;
mod legacy;
mod serve;

pub use legacy::SimBus;

use crate::bus::{BusOptions, ModbusBus};
use crate::frame::{BROADCAST, Request};
use crate::link::{BoxedPort, Connector, Endpoint};
use crate::{BoardKind, BoardSpec};
use device::{BoardAnswer, Device};
use futures::FutureExt as _;
use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_serial::SerialStream;

/// Requests the simulator remembers for [`SimHandle::requests`].
const LOG_CAPACITY: usize = 10_000;

/// A failure a simulated board produces instead of (or on top of) its normal reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimFault {
    /// No reply, and the request is not acted on: the bus times out.
    Silent,
    /// The board acts and replies, but the reply's CRC is wrong.
    BadCrc,
    /// The board refuses with this Modbus exception code and does not act.
    Exception(u8),
    /// The board acts and replies this much later than usual.
    Slow(Duration),
    /// The board acts, but its echo differs from the request (another slave for reads).
    WrongEcho,
    /// A second board on the same address answers too: the replies collide into garbage.
    AddressClash,
    /// The board's cable is cut: like `Silent`. To pull the whole adapter, use
    /// [`SimHandle::unplug`].
    Unplugged,
}

/// How the simulated line behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimOptions {
    /// Model the wire time of this baud rate (8N1, ~1.04 ms per byte at 9600); `None`: instant,
    /// and a bus on [`SimHandle::endpoint`] keeps no inter-frame gap.
    pub wire_baud: Option<u32>,
    /// Time a board takes to act before its reply starts.
    pub processing: Duration,
    /// Door input `n` reads open as soon as channel `n` is energised.
    pub doors_follow_pulses: bool,
}

impl SimOptions {
    /// A line with the wire time of `baud`.
    pub fn at_baud(baud: u32) -> SimOptions {
        SimOptions {
            wire_baud: Some(baud),
            ..SimOptions::default()
        }
    }
}

/// One well-formed request the simulator received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeenRequest {
    pub slave: u8,
    pub request: Request,
    pub at: Instant,
}

struct SimState {
    boards: Vec<Device>,
    log: VecDeque<SeenRequest>,
}

struct Inner {
    state: Mutex<SimState>,
    plugged: watch::Sender<bool>,
    options: SimOptions,
}

/// The simulated boards of one line. Cheap to clone; every clone sees the same boards.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addresses", &self.addresses())
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// Boards as listed (two specs with one slave id make an address clash).
    pub fn new(boards: &[BoardSpec], options: SimOptions) -> SimHandle {
        let state = SimState {
            boards: boards.iter().map(Device::new).collect(),
            log: VecDeque::new(),
        };
        SimHandle {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                plugged: watch::Sender::new(true),
                options,
            }),
        }
    }

    pub fn options(&self) -> &SimOptions {
        &self.inner.options
    }

    fn with<T>(&self, f: impl FnOnce(&mut SimState) -> T) -> T {
        let mut state = self.inner.state.lock().expect("simulator lock poisoned");
        f(&mut state)
    }

    /// Makes every board at `slave` fail its next `count` requests (`None`: until cleared).
    pub fn inject_fault(&self, slave: u8, fault: SimFault, count: Option<u32>) {
        self.with(|s| {
            s.at(slave).for_each(|board| board.set_fault(fault, count));
        });
    }

    pub fn clear_fault(&self, slave: u8) {
        self.with(|s| s.at(slave).for_each(Device::clear_fault));
    }

    /// Times channel `channel` (1-based) of the boards at `slave` was energised by a write.
    pub fn pulses(&self, slave: u8, channel: u16) -> u64 {
        self.with(|s| s.at(slave).map(|b| b.pulses(index(channel))).sum())
    }

    pub fn total_pulses(&self) -> u64 {
        self.with(|s| s.boards.iter().map(Device::total_pulses).sum())
    }

    /// Whether channel `channel` (1-based) of the board at `slave` is energised now.
    pub fn coil(&self, slave: u8, channel: u16) -> bool {
        let now = Instant::now();
        self.with(|s| s.at(slave).any(|b| b.coil_on(index(channel), now)))
    }

    /// Sets discrete input `input` (1-based; a door sensor) of the boards at `slave`.
    pub fn set_input(&self, slave: u8, input: u16, on: bool) {
        self.with(|s| s.at(slave).for_each(|b| b.set_input(index(input), on)));
    }

    pub fn input(&self, slave: u8, input: u16) -> bool {
        self.with(|s| s.at(slave).any(|b| b.input(index(input))))
    }

    /// The current address of every board, in the order they were listed.
    pub fn addresses(&self) -> Vec<u8> {
        self.with(|s| s.boards.iter().map(|b| b.address).collect())
    }

    /// Connects another board to the line (at an address already in use: an address clash).
    pub fn add_board(&self, spec: &BoardSpec) {
        self.with(|s| s.boards.push(Device::new(spec)));
    }

    /// Every well-formed request received, oldest first (the last 10,000).
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.with(|s| s.log.iter().copied().collect())
    }

    /// `(address, value)` of every coil write to `slave`, oldest first.
    pub fn coil_writes(&self, slave: u8) -> Vec<(u16, u16)> {
        self.requests()
            .into_iter()
            .filter(|r| r.slave == slave)
            .filter_map(|r| match r.request {
                Request::WriteSingleCoil { address, value } => Some((address, value)),
                _ => None,
            })
            .collect()
    }

    /// Pulls the simulated adapter: open connections hang up and new ones fail until
    /// [`SimHandle::replug`].
    pub fn unplug(&self) {
        self.inner.plugged.send_replace(false);
    }

    pub fn replug(&self) {
        self.inner.plugged.send_replace(true);
    }

    /// An endpoint that connects a bus to these boards over a fresh pty pair each time.
    pub fn endpoint(&self) -> Endpoint {
        let handle = self.clone();
        let connector: Connector = Arc::new(move || {
            let handle = handle.clone();
            async move { handle.connect() }.boxed()
        });
        Endpoint::Stream {
            label: "simulated line".into(),
            baud: self.inner.options.wire_baud,
            connector,
        }
    }

    fn connect(&self) -> io::Result<BoxedPort> {
        if !*self.inner.plugged.borrow() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the simulated adapter is unplugged",
            ));
        }
        let (bus_end, board_end) = SerialStream::pair().map_err(io::Error::from)?;
        tokio::spawn(serve_logged(board_end, self.clone()));
        Ok(Box::new(bus_end))
    }

    /// Time one byte takes on the modelled wire (10 bits at 8N1).
    fn byte_time(&self) -> Option<Duration> {
        let baud = self.inner.options.wire_baud?;
        Some(Duration::from_secs_f64(10.0 / f64::from(baud.max(1))))
    }

    /// Lets the boards act on one request and collects the replies that go on the line.
    /// `Err(code)`: a function code the boards do not implement.
    fn dispatch(&self, slave: u8, request: Result<Request, u8>) -> Vec<BoardAnswer> {
        let now = Instant::now();
        let doors = self.inner.options.doors_follow_pulses;
        self.with(|s| {
            if let Ok(seen) = request {
                if s.log.len() == LOG_CAPACITY {
                    s.log.pop_front();
                }
                s.log.push_back(SeenRequest {
                    slave,
                    request: seen,
                    at: now,
                });
            }
            let request = request.as_ref().map_err(|code| *code);
            if slave != BROADCAST {
                return s
                    .at(slave)
                    .filter_map(|b| b.handle(request, now, doors))
                    .collect();
            }
            match request {
                // Every board executes a broadcast write; none answers it.
                Ok(r) if r.is_write() => {
                    s.boards.iter_mut().for_each(|b| {
                        b.handle(Ok(r), now, doors);
                    });
                    Vec::new()
                }
                // Waveshare boards answer an address read on slave 0 (their manual's way to find
                // a board whose address is unknown) — safe only with one board on the line.
                Ok(r) if *r == crate::board::read_address() => s
                    .boards
                    .iter_mut()
                    .filter(|b| b.kind == BoardKind::Waveshare16)
                    .filter_map(|b| b.handle(Ok(r), now, doors))
                    .collect(),
                _ => Vec::new(),
            }
        })
    }
}

impl SimState {
    fn at(&mut self, slave: u8) -> impl Iterator<Item = &mut Device> {
        self.boards.iter_mut().filter(move |b| b.address == slave)
    }
}

fn index(one_based: u16) -> usize {
    usize::from(one_based).wrapping_sub(1)
}

async fn serve_logged(port: SerialStream, handle: SimHandle) {
    if let Err(e) = serve::serve_rtu(port, handle).await {
        tracing::debug!(error = %e, "simulated line closed");
    }
}

/// A [`ModbusBus`] named `name` wired to simulated `boards`, in one call (`port = "sim"`).
///
/// Must be called inside a Tokio runtime.
pub fn spawn_bus(
    name: &str,
    boards: &[BoardSpec],
    sim: SimOptions,
    bus: BusOptions,
) -> (ModbusBus, SimHandle) {
    let handle = SimHandle::new(boards, sim);
    let bus = ModbusBus::open(name, handle.endpoint(), boards, bus)
        .expect("a simulated line has no port to lock");
    (bus, handle)
}

/// One end of a pty pair with simulated `boards` serving the other: for a bus built with
/// [`ModbusBus::from_stream`] (which cannot reconnect).
pub fn spawn_pair(
    boards: &[BoardSpec],
    options: SimOptions,
) -> io::Result<(SerialStream, SimHandle)> {
    let handle = SimHandle::new(boards, options);
    let (bus_end, board_end) = SerialStream::pair().map_err(io::Error::from)?;
    tokio::spawn(serve_logged(board_end, handle.clone()));
    Ok((bus_end, handle))
}

/// Serves the boards on the tty at `path` (one end of a socat pty pair, a real RS-485 adapter
/// wired to the bus's adapter) until the line hangs up or goes away.
pub async fn serve_tty(path: &Path, handle: &SimHandle) -> io::Result<()> {
    let baud = handle.inner.options.wire_baud.unwrap_or(9600);
    let builder = tokio_serial::new(path.to_string_lossy(), baud);
    let port = tokio::task::spawn_blocking(move || SerialStream::open(&builder))
        .await
        .map_err(|e| io::Error::other(format!("opening the tty panicked: {e}")))?
        .map_err(io::Error::from)?;
    serve::serve_rtu(port, handle.clone()).await
}

/// [`serve_tty`] again and again: waits for `path` to (re)appear and serves it, forever. This is
/// the simulator process's main loop (`kioskhub relay sim --tty PATH`); drop it to stop.
pub async fn serve_tty_reopening(path: &Path, handle: &SimHandle) {
    loop {
        match serve_tty(path, handle).await {
            Ok(()) => tracing::info!(path = %path.display(), "simulated line hung up"),
            Err(e) => tracing::debug!(path = %path.display(), error = %e, "tty not available"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Serves the boards as a Modbus TCP gateway on `listener` until accepting fails.
pub async fn serve_tcp(listener: TcpListener, handle: SimHandle) -> io::Result<()> {
    serve::serve_tcp(listener, handle).await
}
