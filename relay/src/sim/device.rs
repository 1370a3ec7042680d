//! One simulated board: its coils, inputs, address register and counters, and how it acts on a
//! request. No bytes and no timing here — the line (`serve`) does those.
//!
//! `waveshare16` follows the Waveshare Relay 16CH protocol V2: relays at coils `0..channels`
//! (`FF00` on, `0000` off), the timed pulse at `0x0200..` (value × 100 ms, then off by itself),
//! the address in holding register `0x4000` (1–247), anything else answered with exception 02 or
//! 03 as the board does. `generic` has only the coils and refuses register `0x4000` (exception 02):
//! such boards are addressed with DIP switches or their vendor's tool.

use super::SimFault;
use crate::board::{ADDRESS_REGISTER, ASSIGNABLE_ADDRESSES, WAVESHARE_TIMED_PULSE_BASE};
use crate::frame::{COIL_OFF, COIL_ON, Request, Response, exception, function, pack_bits};
use crate::{BoardKind, BoardSpec};
use std::time::Duration;
use tokio::time::Instant;

/// The most bits one read may ask for (Modbus application protocol §6.1).
const MAX_BITS_PER_READ: u16 = 2000;

#[derive(Debug, Clone, Copy, Default)]
struct Coil {
    on: bool,
    /// When a timed pulse switches the coil off by itself.
    off_at: Option<Instant>,
}

/// A board's reply, with the fault that will bend it on the wire.
#[derive(Debug, Clone)]
pub(super) struct BoardAnswer {
    pub(super) response: Response,
    pub(super) fault: Option<SimFault>,
}

#[derive(Debug)]
pub(super) struct Device {
    pub(super) address: u8,
    pub(super) kind: BoardKind,
    coils: Vec<Coil>,
    inputs: Vec<bool>,
    pulses: Vec<u64>,
    fault: Option<(SimFault, Option<u32>)>,
}

impl Device {
    pub(super) fn new(spec: &BoardSpec) -> Device {
        let channels = usize::from(spec.channels);
        Device {
            address: spec.slave,
            kind: spec.kind,
            coils: vec![Coil::default(); channels],
            inputs: vec![false; channels],
            pulses: vec![0; channels],
            fault: None,
        }
    }

    pub(super) fn set_fault(&mut self, fault: SimFault, count: Option<u32>) {
        self.fault = Some((fault, count));
    }

    pub(super) fn clear_fault(&mut self) {
        self.fault = None;
    }

    pub(super) fn coil_on(&self, index: usize, now: Instant) -> bool {
        self.coils
            .get(index)
            .is_some_and(|c| c.on && c.off_at.is_none_or(|t| now < t))
    }

    pub(super) fn pulses(&self, index: usize) -> u64 {
        self.pulses.get(index).copied().unwrap_or(0)
    }

    pub(super) fn total_pulses(&self) -> u64 {
        self.pulses.iter().sum()
    }

    pub(super) fn input(&self, index: usize) -> bool {
        self.inputs.get(index).copied().unwrap_or(false)
    }

    pub(super) fn set_input(&mut self, index: usize, on: bool) {
        if let Some(input) = self.inputs.get_mut(index) {
            *input = on;
        }
    }

    /// Acts on one request addressed to this board (or broadcast) under its fault, if any.
    /// `None`: the board stays silent. `Err(code)` is a function code the board does not know.
    pub(super) fn handle(
        &mut self,
        request: Result<&Request, u8>,
        now: Instant,
        doors_follow: bool,
    ) -> Option<BoardAnswer> {
        let fault = self.take_fault();
        let function = request.map_or_else(|code| code, Request::function);
        match fault {
            Some(SimFault::Silent | SimFault::Unplugged) => None,
            Some(SimFault::Exception(code)) => Some(BoardAnswer {
                response: Response::Exception { function, code },
                fault: None,
            }),
            other => {
                let response = match request {
                    Ok(request) => self.execute(request, now, doors_follow),
                    Err(_) => refuse(function, exception::ILLEGAL_FUNCTION),
                };
                Some(BoardAnswer {
                    response,
                    fault: other,
                })
            }
        }
    }

    /// The active fault for one request, counted down and cleared when used up.
    fn take_fault(&mut self) -> Option<SimFault> {
        let (fault, remaining) = self.fault.as_mut()?;
        let fault = *fault;
        if let Some(n) = remaining {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.fault = None;
            }
        }
        Some(fault)
    }

    fn execute(&mut self, request: &Request, now: Instant, doors_follow: bool) -> Response {
        match *request {
            Request::ReadCoils { first, count } => {
                let bits: Vec<bool> = (0..self.coils.len())
                    .map(|i| self.coil_on(i, now))
                    .collect();
                read_bits(function::READ_COILS, &bits, first, count)
            }
            Request::ReadDiscreteInputs { first, count } => {
                read_bits(function::READ_DISCRETE_INPUTS, &self.inputs, first, count)
            }
            Request::ReadHoldingRegisters { first, count } => self.read_registers(first, count),
            Request::WriteSingleCoil { address, value } => {
                self.write_coil(request, address, value, now, doors_follow)
            }
            Request::WriteSingleRegister { address, value } => {
                self.write_register(request, address, value)
            }
        }
    }

    fn read_registers(&self, first: u16, count: u16) -> Response {
        if self.kind != BoardKind::Waveshare16 || first != ADDRESS_REGISTER || count != 1 {
            return refuse(
                function::READ_HOLDING_REGISTERS,
                exception::ILLEGAL_DATA_ADDRESS,
            );
        }
        Response::Registers(vec![u16::from(self.address)])
    }

    fn write_register(&mut self, request: &Request, address: u16, value: u16) -> Response {
        if self.kind != BoardKind::Waveshare16 || address != ADDRESS_REGISTER {
            return refuse(
                function::WRITE_SINGLE_REGISTER,
                exception::ILLEGAL_DATA_ADDRESS,
            );
        }
        match u8::try_from(value) {
            Ok(new) if ASSIGNABLE_ADDRESSES.contains(&new) => {
                self.address = new;
                Response::echo_of(request)
            }
            _ => refuse(
                function::WRITE_SINGLE_REGISTER,
                exception::ILLEGAL_DATA_VALUE,
            ),
        }
    }

    fn write_coil(
        &mut self,
        request: &Request,
        address: u16,
        value: u16,
        now: Instant,
        doors_follow: bool,
    ) -> Response {
        let channels = self.coils.len();
        let plain = usize::from(address) < channels;
        let timed_index = address
            .checked_sub(WAVESHARE_TIMED_PULSE_BASE)
            .map(usize::from)
            .filter(|i| *i < channels && self.kind == BoardKind::Waveshare16);
        let outcome = match (plain, timed_index, value) {
            (true, _, COIL_ON) => Ok((usize::from(address), None)),
            (true, _, COIL_OFF) => {
                self.coils[usize::from(address)] = Coil::default();
                return Response::echo_of(request);
            }
            (true, _, _) => Err(exception::ILLEGAL_DATA_VALUE),
            (false, Some(_), 0) => Err(exception::ILLEGAL_DATA_VALUE),
            (false, Some(index), units) => {
                let length = Duration::from_millis(u64::from(units) * 100);
                Ok((index, Some(now + length)))
            }
            (false, None, _) => Err(exception::ILLEGAL_DATA_ADDRESS),
        };
        match outcome {
            Ok((index, off_at)) => {
                self.energise(index, off_at, now, doors_follow);
                Response::echo_of(request)
            }
            Err(code) => refuse(function::WRITE_SINGLE_COIL, code),
        }
    }

    /// Switches a coil on; counts a pulse when it was off or when the write is a timed pulse.
    fn energise(&mut self, index: usize, off_at: Option<Instant>, now: Instant, doors: bool) {
        if !self.coil_on(index, now) || off_at.is_some() {
            self.pulses[index] += 1;
        }
        self.coils[index] = Coil { on: true, off_at };
        if doors {
            self.inputs[index] = true;
        }
    }
}

fn refuse(function: u8, code: u8) -> Response {
    Response::Exception { function, code }
}

fn read_bits(function: u8, bits: &[bool], first: u16, count: u16) -> Response {
    if count == 0 || count > MAX_BITS_PER_READ {
        return refuse(function, exception::ILLEGAL_DATA_VALUE);
    }
    let (first, end) = (usize::from(first), usize::from(first) + usize::from(count));
    if end > bits.len() {
        return refuse(function, exception::ILLEGAL_DATA_ADDRESS);
    }
    Response::Bits {
        function,
        packed: pack_bits(&bits[first..end]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waveshare() -> Device {
        Device::new(&BoardSpec::new(1, BoardKind::Waveshare16))
    }

    #[tokio::test(start_paused = true)]
    async fn a_timed_pulse_switches_the_coil_off_by_itself() {
        let mut board = waveshare();
        let pulse = Request::WriteSingleCoil {
            address: 0x0203,
            value: 5,
        };
        let answer = board.handle(Ok(&pulse), Instant::now(), false).unwrap();
        assert_eq!(answer.response, Response::echo_of(&pulse));
        assert!(board.coil_on(3, Instant::now()));
        tokio::time::advance(Duration::from_millis(501)).await;
        assert!(!board.coil_on(3, Instant::now()));
        assert_eq!(board.pulses(3), 1);
    }

    #[test]
    fn writes_outside_the_board_are_refused_with_the_right_exception() {
        let mut board = waveshare();
        let now = Instant::now();
        let cases = [
            (0x0010, COIL_ON, exception::ILLEGAL_DATA_ADDRESS),
            (0x0000, 0x1234, exception::ILLEGAL_DATA_VALUE),
            (0x0200, 0, exception::ILLEGAL_DATA_VALUE),
        ];
        for (address, value, code) in cases {
            let request = Request::WriteSingleCoil { address, value };
            let answer = board.handle(Ok(&request), now, false).unwrap();
            assert_eq!(
                answer.response,
                Response::Exception {
                    function: function::WRITE_SINGLE_COIL,
                    code
                }
            );
        }
        assert_eq!(board.total_pulses(), 0);
    }

    #[test]
    fn a_fault_limited_to_two_requests_clears_itself() {
        let mut board = waveshare();
        board.set_fault(SimFault::Silent, Some(2));
        let read = Request::ReadCoils { first: 0, count: 1 };
        let now = Instant::now();
        assert!(board.handle(Ok(&read), now, false).is_none());
        assert!(board.handle(Ok(&read), now, false).is_none());
        assert!(board.handle(Ok(&read), now, false).is_some());
    }
}
