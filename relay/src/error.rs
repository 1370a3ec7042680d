//! Relay failures, kept distinct so callers and operators can tell a dead line from a bad board.

use thiserror::Error;

/// Why a pulse was not confirmed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum RelayError {
    /// No reply within the transaction timeout (after the bus's retries).
    #[error("board {slave} on bus {bus} did not answer in time")]
    Timeout { bus: String, slave: u8 },
    /// The port or gateway could not be used (unplugged, refused, I/O error).
    #[error("bus {bus} is unavailable: {reason}")]
    Transport { bus: String, reason: String },
    /// The board answered with a Modbus exception code.
    #[error("board {slave} on bus {bus} refused the request (exception {code:#04x})")]
    Exception { bus: String, slave: u8, code: u8 },
    /// A reply arrived but did not match the request (CRC, slave, function, address or value).
    #[error("board {slave} on bus {bus} sent a reply that does not match: {detail}")]
    Mismatch {
        bus: String,
        slave: u8,
        detail: String,
    },
    /// The configuration names a board or channel this bus does not have.
    #[error("bus {bus} has no board {slave} channel {channel}")]
    NoSuchChannel {
        bus: String,
        slave: u8,
        channel: u16,
    },
}

impl RelayError {
    /// A short machine-readable code for events and API errors.
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::Timeout { .. } => "relay_timeout",
            RelayError::Transport { .. } => "relay_transport",
            RelayError::Exception { .. } => "relay_exception",
            RelayError::Mismatch { .. } => "relay_mismatch",
            RelayError::NoSuchChannel { .. } => "relay_no_such_channel",
        }
    }
}
