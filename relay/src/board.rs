//! What each board kind means in frames: which request pulses a channel, where the address lives,
//! how a board is probed.
//!
//! Registers and coils are from the Waveshare Modbus RTU Relay 16CH manual (protocol V2): relays
//! at coils `0x0000..`, the timed pulse ("flash on") at coils `0x0200..` with the length in 100 ms
//! units as the value, the board's own address in holding register `0x4000`. `generic` boards only
//! promise coils at `channel - 1`. No I/O happens here; the bus task turns these plans into
//! transactions.

use crate::frame::{COIL_OFF, COIL_ON, Request};
use crate::{BoardKind, PulseLength};
use std::time::Duration;

/// Holding register with the board's slave address (Waveshare: read 0x03, write 0x06).
pub const ADDRESS_REGISTER: u16 = 0x4000;
/// First coil of the Waveshare timed pulse: relay `n` is `0x0200 + n - 1`.
pub const WAVESHARE_TIMED_PULSE_BASE: u16 = 0x0200;
/// Slave addresses a board may be given (1–247; 0 is broadcast, 248–255 reserved).
pub const ASSIGNABLE_ADDRESSES: std::ops::RangeInclusive<u8> = 1..=247;

/// How a pulse on one channel is sent to a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PulsePlan {
    /// One write that the board times itself (it switches the relay off on its own).
    Timed(Request),
    /// ON, hold, OFF — the OFF is the bus's duty, whatever happens to the caller.
    OnHoldOff {
        on: Request,
        hold: Duration,
        off: Request,
    },
}

/// The coil that drives `channel` (1-based) with plain on/off writes.
pub fn coil_address(channel: u16) -> u16 {
    channel - 1
}

/// A plain on/off write for `channel`.
pub fn set_coil(channel: u16, on: bool) -> Request {
    Request::WriteSingleCoil {
        address: coil_address(channel),
        value: if on { COIL_ON } else { COIL_OFF },
    }
}

/// The frames that pulse `channel` (1-based) for `length` on a board of `kind`.
pub fn pulse_plan(kind: BoardKind, channel: u16, length: PulseLength) -> PulsePlan {
    match kind {
        BoardKind::Waveshare16 => PulsePlan::Timed(Request::WriteSingleCoil {
            address: WAVESHARE_TIMED_PULSE_BASE + coil_address(channel),
            value: length.millis() / 100,
        }),
        BoardKind::Generic => PulsePlan::OnHoldOff {
            on: set_coil(channel, true),
            hold: length.as_duration(),
            off: set_coil(channel, false),
        },
    }
}

/// A read that tells whether a board is alive without changing anything (rule 4).
pub fn probe(channels: u16) -> Request {
    Request::ReadCoils {
        first: 0,
        count: channels.max(1),
    }
}

/// Reads the board's address register.
pub fn read_address() -> Request {
    Request::ReadHoldingRegisters {
        first: ADDRESS_REGISTER,
        count: 1,
    }
}

/// Writes a new address into the board's address register.
pub fn write_address(new: u8) -> Request {
    Request::WriteSingleRegister {
        address: ADDRESS_REGISTER,
        value: u16::from(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::BROADCAST;

    #[test]
    fn a_waveshare_pulse_of_700_ms_on_relay_1_is_the_manual_example() {
        let length = PulseLength::from_millis(700).unwrap();
        let PulsePlan::Timed(request) = pulse_plan(BoardKind::Waveshare16, 1, length) else {
            panic!("waveshare boards time their own pulse");
        };
        assert_eq!(
            request.to_rtu(1),
            [0x01, 0x05, 0x02, 0x00, 0x00, 0x07, 0x8D, 0xB0]
        );
    }

    #[test]
    fn a_generic_pulse_is_on_hold_off_on_the_channel_coil() {
        let plan = pulse_plan(BoardKind::Generic, 16, PulseLength::DEFAULT);
        assert_eq!(
            plan,
            PulsePlan::OnHoldOff {
                on: Request::WriteSingleCoil {
                    address: 15,
                    value: COIL_ON
                },
                hold: Duration::from_millis(500),
                off: Request::WriteSingleCoil {
                    address: 15,
                    value: COIL_OFF
                },
            }
        );
    }

    #[test]
    fn the_broadcast_address_write_is_the_manual_example() {
        assert_eq!(
            write_address(1).to_rtu(BROADCAST),
            [0x00, 0x06, 0x40, 0x00, 0x00, 0x01, 0x5C, 0x1B]
        );
    }
}
