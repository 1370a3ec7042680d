//! Relay failures, kept distinct so callers and operators can tell a dead line from a bad board.
//!
//! Rule 3 of the spec: a pulse is confirmed only by a matching reply. Every way a reply can fail
//! to confirm has its own variant, because each points at a different fix: silence (power,
//! wiring, address), a bad checksum (noise, termination, two boards on one address), an exception
//! (the board refused: wrong kind or channel), a wrong echo (another device answering), a dead
//! port (adapter unplugged), a busy port (another program holds it).

use thiserror::Error;

/// Why a relay operation was not confirmed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum RelayError {
    /// No reply within the transaction timeout (after the bus's retries).
    #[error("board {slave} on bus {bus} did not answer in time")]
    Timeout { bus: String, slave: u8 },
    /// A reply arrived but failed its CRC or could not be decoded (noise, or two boards answering).
    #[error("board {slave} on bus {bus} sent a corrupt reply: {detail}")]
    Crc {
        bus: String,
        slave: u8,
        detail: String,
    },
    /// The port or gateway could not be used (unplugged, refused, I/O error).
    #[error("bus {bus} is unavailable: {reason}")]
    Transport { bus: String, reason: String },
    /// Another process or bus already owns the serial port (rule 10).
    #[error("serial port {port} for bus {bus} is already in use by {owner}")]
    PortBusy {
        bus: String,
        port: String,
        owner: String,
    },
    /// The board answered with a Modbus exception code.
    #[error("board {slave} on bus {bus} refused the request (exception {code:#04x})")]
    Exception { bus: String, slave: u8, code: u8 },
    /// A well-formed reply that does not match the request (slave, function, address or value).
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
            RelayError::Crc { .. } => "relay_crc",
            RelayError::Transport { .. } => "relay_transport",
            RelayError::PortBusy { .. } => "relay_port_busy",
            RelayError::Exception { .. } => "relay_exception",
            RelayError::Mismatch { .. } => "relay_mismatch",
            RelayError::NoSuchChannel { .. } => "relay_no_such_channel",
        }
    }

    /// Whether another attempt may succeed (line noise, a missed frame), as opposed to a
    /// definite answer (an exception) or a configuration problem.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            RelayError::Timeout { .. } | RelayError::Crc { .. } | RelayError::Mismatch { .. }
        )
    }
}
