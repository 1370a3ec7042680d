//! Kioskhub's relay layer: what a locker needs from a relay board, and nothing about lockers.
//!
//! The server talks to a [`RelayBus`] per bus (rule 10 of the spec: exactly one owner per bus).
//! A pulse is reported as done only when the board confirmed it (rule 3); every failure is a
//! distinct [`RelayError`] so the locker rules can roll back or keep ownership (rule 2).
//!
//! - [`frame`]: Modbus bytes — CRC16, request/response PDUs, RTU and TCP framing.
//! - [`board`]: what each board kind means in frames (timed pulse, ON/OFF, address register).
//! - [`link`]: endpoints (serial, TCP, streams), the checked request/reply exchange, port locks.
//! - [`bus`]: [`ModbusBus`], the owner task per bus with timeouts, retries, health and probing.
//! - [`sim`]: simulated boards speaking real Modbus RTU bytes over a pty (and the legacy
//!   in-process [`sim::SimBus`]).
//! - [`commission`]: scan, addressing, pulse, walk and input reads for the technician's CLI.

pub mod board;
pub mod bus;
pub mod commission;
pub mod error;
pub mod frame;
pub mod link;
pub mod sim;
pub mod types;

pub use bus::{BusOptions, ModbusBus};
pub use error::RelayError;
pub use link::Endpoint;
pub use types::{
    BoardHealth, BoardKind, BoardSpec, ChannelAddr, ErrorCounts, PulseLength, PulseReceipt,
};

use futures::future::BoxFuture;

/// One relay bus: a serial line or gateway with one or more boards, owned by one task.
pub trait RelayBus: Send + Sync + 'static {
    /// The bus name from the configuration.
    fn name(&self) -> &str;

    /// Energise `channel` on board `slave` for `length`, and resolve once the board confirmed it.
    ///
    /// A coil is never left energised: boards with a timed pulse switch off by themselves, others
    /// get an OFF that is sent even when the returned future is dropped.
    fn pulse(
        &self,
        slave: u8,
        channel: u16,
        length: PulseLength,
    ) -> BoxFuture<'_, Result<PulseReceipt, RelayError>>;

    /// Health of every board on this bus, as last observed (no I/O).
    fn health(&self) -> Vec<BoardHealth>;

    /// Read `count` discrete inputs (door sensors) from `first` on board `slave`. A bus that
    /// cannot read inputs answers [`RelayError::NoSuchChannel`] with channel 0.
    fn read_inputs(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<bool>, RelayError>> {
        let _ = (first, count);
        Box::pin(std::future::ready(Err(RelayError::NoSuchChannel {
            bus: self.name().to_owned(),
            slave,
            channel: 0,
        })))
    }

    /// Read `count` coils from `first` on board `slave` (same default as `read_inputs`).
    fn read_coils(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<bool>, RelayError>> {
        let _ = (first, count);
        Box::pin(std::future::ready(Err(RelayError::NoSuchChannel {
            bus: self.name().to_owned(),
            slave,
            channel: 0,
        })))
    }

    /// Confirmed pulses of one channel since the bus started (in memory; persist it elsewhere).
    fn pulse_count(&self, slave: u8, channel: u16) -> u64 {
        self.health()
            .into_iter()
            .find(|h| h.slave == slave)
            .and_then(|h| h.pulses.get(usize::from(channel).wrapping_sub(1)).copied())
            .unwrap_or(0)
    }
}
