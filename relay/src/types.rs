//! Board and channel vocabulary shared by the server, the simulator and the Modbus driver.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The kind of relay board, which decides the frames used to pulse a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BoardKind {
    /// Waveshare Modbus RTU Relay 16CH (protocol V2): timed pulse at coil `0x0200 + channel-1`.
    Waveshare16,
    /// Any board with coils at `channel-1`: ON, wait, OFF.
    Generic,
}

impl BoardKind {
    /// Channels a board of this kind has unless the configuration says otherwise.
    pub fn default_channels(self) -> u16 {
        16
    }
}

/// One board as declared in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardSpec {
    pub slave: u8,
    pub kind: BoardKind,
    pub channels: u16,
}

impl BoardSpec {
    /// A board of `kind` at `slave` with the kind's default channel count.
    pub fn new(slave: u8, kind: BoardKind) -> Self {
        BoardSpec {
            slave,
            kind,
            channels: kind.default_channels(),
        }
    }
}

/// Where a locker's solenoid is wired.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelAddr {
    pub bus: String,
    pub slave: u8,
    pub channel: u16,
}

/// A pulse length, 100–3000 ms (spec §4.1), in whole 100 ms steps as Waveshare boards count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulseLength(u16);

impl PulseLength {
    pub const MIN_MS: u16 = 100;
    pub const MAX_MS: u16 = 3000;
    pub const DEFAULT: PulseLength = PulseLength(500);

    /// Accepts 100..=3000 ms, rounded down to a multiple of 100 ms.
    pub fn from_millis(ms: u16) -> Option<Self> {
        (Self::MIN_MS..=Self::MAX_MS)
            .contains(&ms)
            .then_some(PulseLength(ms / 100 * 100))
    }

    pub fn millis(self) -> u16 {
        self.0
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_millis(u64::from(self.0))
    }
}

impl Default for PulseLength {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What a confirmed pulse reports back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseReceipt {
    /// Round-trip time from sending the (ON or timed) request to the matching reply.
    pub latency: Duration,
    /// Transactions attempted for that request (1 when the first one succeeded).
    pub attempts: u8,
}

/// A board's health as the bus owner last saw it.
///
/// `errors`, `consecutive_failures` and `error_rate` count operations (a pulse, a read, a probe)
/// that failed after the bus's retries; `error_counts` counts every failed attempt by kind, so a
/// noisy line shows up even when retries hide it from the lockers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardHealth {
    pub bus: String,
    pub slave: u8,
    pub kind: BoardKind,
    pub channels: u16,
    /// False only after `offline_after` consecutive failed operations; never from idleness.
    pub online: bool,
    /// Unix epoch milliseconds of the last confirmed transaction, if any.
    pub last_success_ms: Option<i64>,
    pub successes: u64,
    pub errors: u64,
    pub last_error: Option<String>,
    /// Latency of the last confirmed transaction, in microseconds.
    pub last_latency_us: Option<u64>,
    /// Failed operations since the last success.
    pub consecutive_failures: u32,
    /// Share of failed operations among the most recent ones (0.0–1.0).
    pub error_rate: f64,
    /// Failed attempts by kind, retries included.
    pub error_counts: ErrorCounts,
    /// Unix epoch milliseconds of the last idle probe, if any.
    pub last_probe_ms: Option<i64>,
    /// Confirmed pulses per channel since the bus started, index `channel - 1`.
    pub pulses: Vec<u64>,
}

impl BoardHealth {
    /// A board nobody has talked to yet: online until proven otherwise.
    pub fn new(bus: &str, spec: &BoardSpec) -> Self {
        BoardHealth {
            bus: bus.to_owned(),
            slave: spec.slave,
            kind: spec.kind,
            channels: spec.channels,
            online: true,
            last_success_ms: None,
            successes: 0,
            errors: 0,
            last_error: None,
            last_latency_us: None,
            consecutive_failures: 0,
            error_rate: 0.0,
            error_counts: ErrorCounts::default(),
            last_probe_ms: None,
            pulses: vec![0; usize::from(spec.channels)],
        }
    }
}

/// Failed attempts on one board, by the [`crate::RelayError`] kind they produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorCounts {
    pub timeout: u64,
    pub crc: u64,
    pub exception: u64,
    pub mismatch: u64,
    pub transport: u64,
}
