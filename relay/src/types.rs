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
    /// Round-trip time from sending the request to the matching reply.
    pub latency: Duration,
    /// Transactions attempted (1 when the first one succeeded).
    pub attempts: u8,
}

/// A board's health as the bus owner last saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardHealth {
    pub bus: String,
    pub slave: u8,
    pub kind: BoardKind,
    pub channels: u16,
    pub online: bool,
    /// Unix epoch milliseconds of the last confirmed transaction, if any.
    pub last_success_ms: Option<i64>,
    pub successes: u64,
    pub errors: u64,
    pub last_error: Option<String>,
    /// Latency of the last confirmed transaction, in microseconds.
    pub last_latency_us: Option<u64>,
}
