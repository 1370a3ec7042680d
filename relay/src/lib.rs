//! Kioskhub's relay layer: what a locker needs from a relay board, and nothing about lockers.
//!
//! The server talks to a [`RelayBus`] per bus (rule 10 of the spec: exactly one owner per bus).
//! A pulse is reported as done only when the board confirmed it (rule 3); every failure is a
//! distinct [`RelayError`] so the locker rules can roll back or keep ownership (rule 2).
//! Implementations: the in-process [`sim::SimBus`] now; Modbus RTU/TCP buses plug in behind the
//! same trait.

pub mod error;
pub mod sim;
pub mod types;

pub use error::RelayError;
pub use types::{BoardHealth, BoardKind, BoardSpec, ChannelAddr, PulseLength, PulseReceipt};

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
}
