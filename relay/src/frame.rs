//! Modbus frames as bytes: CRC16/Modbus, the request and response PDUs Kioskhub uses, RTU and
//! TCP (MBAP) framing.
//!
//! This module owns the byte layout and nothing else: no I/O, no timing, no board semantics (those
//! live in [`crate::board`]). The bus driver, the simulated boards and the commissioning
//! diagnostics all encode and decode through it, so one set of vectors (the tests below, taken
//! from the Modbus spec and the Waveshare Relay 16CH protocol V2 manual) covers every path.
//!
//! Only the functions Kioskhub sends are modelled: read coils (0x01), read discrete inputs (0x02),
//! read holding registers (0x03), write single coil (0x05) and write single register (0x06).
//! Function 0x05 carries any 16-bit value, not just `FF00`/`0000`: the Waveshare timed pulse puts
//! the pulse length there.

use std::fmt::Write as _;
use thiserror::Error;

/// Slave id 0: every board on the line executes a write; none replies to it.
pub const BROADCAST: u8 = 0;
/// Value of a write-single-coil request that switches a coil on.
pub const COIL_ON: u16 = 0xFF00;
/// Value of a write-single-coil request that switches a coil off.
pub const COIL_OFF: u16 = 0x0000;
/// The longest RTU frame the Modbus serial-line spec allows.
pub const MAX_RTU_FRAME: usize = 256;

/// Modbus function codes used by Kioskhub.
pub mod function {
    pub const READ_COILS: u8 = 0x01;
    pub const READ_DISCRETE_INPUTS: u8 = 0x02;
    pub const READ_HOLDING_REGISTERS: u8 = 0x03;
    pub const WRITE_SINGLE_COIL: u8 = 0x05;
    pub const WRITE_SINGLE_REGISTER: u8 = 0x06;
    /// Set on the function code of an exception reply.
    pub const EXCEPTION_FLAG: u8 = 0x80;
}

/// Modbus exception codes (Modbus application protocol V1.1b3 §7).
pub mod exception {
    pub const ILLEGAL_FUNCTION: u8 = 0x01;
    pub const ILLEGAL_DATA_ADDRESS: u8 = 0x02;
    pub const ILLEGAL_DATA_VALUE: u8 = 0x03;
    pub const SERVER_DEVICE_FAILURE: u8 = 0x04;
}

/// Why bytes could not be read as a frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("CRC mismatch: frame says {received:#06x}, bytes give {computed:#06x}")]
    Crc { received: u16, computed: u16 },
    #[error("frame too short")]
    Truncated,
    #[error("function {0:#04x} is not supported")]
    UnsupportedFunction(u8),
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
}

/// CRC16/Modbus (polynomial 0xA001 reflected, initial value 0xFFFF). Sent low byte first.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// A request PDU (function code and data, no slave id or checksum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    ReadCoils { first: u16, count: u16 },
    ReadDiscreteInputs { first: u16, count: u16 },
    ReadHoldingRegisters { first: u16, count: u16 },
    WriteSingleCoil { address: u16, value: u16 },
    WriteSingleRegister { address: u16, value: u16 },
}

impl Request {
    pub fn function(&self) -> u8 {
        match self {
            Request::ReadCoils { .. } => function::READ_COILS,
            Request::ReadDiscreteInputs { .. } => function::READ_DISCRETE_INPUTS,
            Request::ReadHoldingRegisters { .. } => function::READ_HOLDING_REGISTERS,
            Request::WriteSingleCoil { .. } => function::WRITE_SINGLE_COIL,
            Request::WriteSingleRegister { .. } => function::WRITE_SINGLE_REGISTER,
        }
    }

    /// Whether this request changes a board (and so is executed, silently, when broadcast).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Request::WriteSingleCoil { .. } | Request::WriteSingleRegister { .. }
        )
    }

    /// The two 16-bit fields every request here carries.
    fn fields(&self) -> (u16, u16) {
        match *self {
            Request::ReadCoils { first, count }
            | Request::ReadDiscreteInputs { first, count }
            | Request::ReadHoldingRegisters { first, count } => (first, count),
            Request::WriteSingleCoil { address, value }
            | Request::WriteSingleRegister { address, value } => (address, value),
        }
    }

    /// The PDU bytes: function code, then two big-endian words.
    pub fn encode_pdu(&self) -> [u8; 5] {
        let (a, b) = self.fields();
        let [a_hi, a_lo] = a.to_be_bytes();
        let [b_hi, b_lo] = b.to_be_bytes();
        [self.function(), a_hi, a_lo, b_hi, b_lo]
    }

    /// Reads a request PDU (the simulated boards' side).
    pub fn decode_pdu(pdu: &[u8]) -> Result<Request, FrameError> {
        let (&function, data) = pdu.split_first().ok_or(FrameError::Truncated)?;
        let [a_hi, a_lo, b_hi, b_lo] = data else {
            return match function {
                0x01..=0x06 => Err(FrameError::Malformed("request PDU must be 5 bytes")),
                other => Err(FrameError::UnsupportedFunction(other)),
            };
        };
        let a = u16::from_be_bytes([*a_hi, *a_lo]);
        let b = u16::from_be_bytes([*b_hi, *b_lo]);
        match function {
            function::READ_COILS => Ok(Request::ReadCoils { first: a, count: b }),
            function::READ_DISCRETE_INPUTS => {
                Ok(Request::ReadDiscreteInputs { first: a, count: b })
            }
            function::READ_HOLDING_REGISTERS => {
                Ok(Request::ReadHoldingRegisters { first: a, count: b })
            }
            function::WRITE_SINGLE_COIL => Ok(Request::WriteSingleCoil {
                address: a,
                value: b,
            }),
            function::WRITE_SINGLE_REGISTER => Ok(Request::WriteSingleRegister {
                address: a,
                value: b,
            }),
            other => Err(FrameError::UnsupportedFunction(other)),
        }
    }

    /// The complete RTU frame for `slave`: id, PDU, CRC.
    pub fn to_rtu(&self, slave: u8) -> Vec<u8> {
        rtu_adu(slave, &self.encode_pdu())
    }
}

/// A response PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// Reply to 0x01 or 0x02: packed bits, least significant bit first.
    Bits { function: u8, packed: Vec<u8> },
    /// Reply to 0x03.
    Registers(Vec<u16>),
    /// Reply to 0x05 or 0x06: the request's address and value echoed back.
    Echo {
        function: u8,
        address: u16,
        value: u16,
    },
    /// The board refused the request.
    Exception { function: u8, code: u8 },
}

impl Response {
    /// The function code as it appears on the wire (with the exception flag where set).
    pub fn wire_function(&self) -> u8 {
        match self {
            Response::Bits { function, .. } | Response::Echo { function, .. } => *function,
            Response::Registers(_) => function::READ_HOLDING_REGISTERS,
            Response::Exception { function, .. } => function | function::EXCEPTION_FLAG,
        }
    }

    /// The echo a write request expects.
    pub fn echo_of(request: &Request) -> Response {
        let (address, value) = request.fields();
        Response::Echo {
            function: request.function(),
            address,
            value,
        }
    }

    pub fn encode_pdu(&self) -> Vec<u8> {
        let mut pdu = vec![self.wire_function()];
        match self {
            Response::Bits { packed, .. } => {
                pdu.push(u8::try_from(packed.len()).expect("bit replies are at most 250 bytes"));
                pdu.extend_from_slice(packed);
            }
            Response::Registers(words) => {
                let bytes = words.len() * 2;
                pdu.push(u8::try_from(bytes).expect("register replies are at most 250 bytes"));
                words
                    .iter()
                    .for_each(|w| pdu.extend_from_slice(&w.to_be_bytes()));
            }
            Response::Echo { address, value, .. } => {
                pdu.extend_from_slice(&address.to_be_bytes());
                pdu.extend_from_slice(&value.to_be_bytes());
            }
            Response::Exception { code, .. } => pdu.push(*code),
        }
        pdu
    }

    pub fn decode_pdu(pdu: &[u8]) -> Result<Response, FrameError> {
        let (&wire_function, data) = pdu.split_first().ok_or(FrameError::Truncated)?;
        if wire_function & function::EXCEPTION_FLAG != 0 {
            let [code] = data else {
                return Err(FrameError::Malformed("exception reply must carry one code"));
            };
            return Ok(Response::Exception {
                function: wire_function & !function::EXCEPTION_FLAG,
                code: *code,
            });
        }
        match wire_function {
            function::READ_COILS | function::READ_DISCRETE_INPUTS => {
                let payload = counted_payload(data)?;
                Ok(Response::Bits {
                    function: wire_function,
                    packed: payload.to_vec(),
                })
            }
            function::READ_HOLDING_REGISTERS => {
                let payload = counted_payload(data)?;
                if payload.len() % 2 != 0 {
                    return Err(FrameError::Malformed("odd register byte count"));
                }
                let words = payload
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                Ok(Response::Registers(words))
            }
            function::WRITE_SINGLE_COIL | function::WRITE_SINGLE_REGISTER => {
                let [a_hi, a_lo, v_hi, v_lo] = data else {
                    return Err(FrameError::Malformed("write echo must be 4 bytes"));
                };
                Ok(Response::Echo {
                    function: wire_function,
                    address: u16::from_be_bytes([*a_hi, *a_lo]),
                    value: u16::from_be_bytes([*v_hi, *v_lo]),
                })
            }
            other => Err(FrameError::UnsupportedFunction(other)),
        }
    }

    /// The complete RTU frame from `slave`.
    pub fn to_rtu(&self, slave: u8) -> Vec<u8> {
        rtu_adu(slave, &self.encode_pdu())
    }
}

fn counted_payload(data: &[u8]) -> Result<&[u8], FrameError> {
    let (&count, rest) = data.split_first().ok_or(FrameError::Truncated)?;
    if rest.len() != usize::from(count) {
        return Err(FrameError::Malformed(
            "byte count does not match the payload",
        ));
    }
    Ok(rest)
}

/// Packs bits least significant first, as coil and input replies carry them.
pub fn pack_bits(bits: &[bool]) -> Vec<u8> {
    bits.chunks(8)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .fold(0u8, |byte, (i, &on)| byte | (u8::from(on) << i))
        })
        .collect()
}

/// The first `count` bits of a packed reply.
pub fn unpack_bits(packed: &[u8], count: usize) -> Vec<bool> {
    (0..count)
        .map(|i| packed.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1))
        .collect()
}

/// An RTU frame: slave id, PDU, CRC (low byte first).
pub fn rtu_adu(slave: u8, pdu: &[u8]) -> Vec<u8> {
    let mut adu = Vec::with_capacity(pdu.len() + 3);
    adu.push(slave);
    adu.extend_from_slice(pdu);
    let crc = crc16(&adu);
    adu.extend_from_slice(&crc.to_le_bytes());
    adu
}

/// Splits a complete RTU frame into slave id and PDU after checking its CRC.
pub fn parse_rtu(adu: &[u8]) -> Result<(u8, &[u8]), FrameError> {
    if adu.len() < 4 {
        return Err(FrameError::Truncated);
    }
    let (body, crc) = adu.split_at(adu.len() - 2);
    let received = u16::from_le_bytes([crc[0], crc[1]]);
    let computed = crc16(body);
    if received != computed {
        return Err(FrameError::Crc { received, computed });
    }
    Ok((body[0], &body[1..]))
}

/// Total length of the RTU request starting `buf`, once enough of it is there to tell.
pub fn rtu_request_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    match buf.get(1) {
        None => Ok(None),
        Some(0x01..=0x06) => Ok(Some(8)),
        Some(&other) => Err(FrameError::UnsupportedFunction(other)),
    }
}

/// Total length of the RTU response starting `buf`, once enough of it is there to tell.
pub fn rtu_response_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    let Some(&wire_function) = buf.get(1) else {
        return Ok(None);
    };
    if wire_function & function::EXCEPTION_FLAG != 0 {
        return Ok(Some(5));
    }
    match wire_function {
        0x01..=0x04 => Ok(buf.get(2).map(|&count| 5 + usize::from(count))),
        0x05 | 0x06 => Ok(Some(8)),
        other => Err(FrameError::UnsupportedFunction(other)),
    }
}

/// Length of the MBAP header that starts every Modbus TCP frame.
pub const MBAP_LEN: usize = 7;

/// A Modbus TCP frame: transaction id, protocol 0, length, unit id, PDU.
pub fn tcp_adu(transaction: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let len = u16::try_from(pdu.len() + 1).expect("Modbus PDUs are at most 253 bytes");
    let mut adu = Vec::with_capacity(MBAP_LEN + pdu.len());
    adu.extend_from_slice(&transaction.to_be_bytes());
    adu.extend_from_slice(&[0, 0]);
    adu.extend_from_slice(&len.to_be_bytes());
    adu.push(unit);
    adu.extend_from_slice(pdu);
    adu
}

/// An MBAP header: transaction id, unit id and the PDU length that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mbap {
    pub transaction: u16,
    pub unit: u8,
    pub pdu_len: usize,
}

pub fn parse_mbap(header: &[u8; MBAP_LEN]) -> Result<Mbap, FrameError> {
    if header[2..4] != [0, 0] {
        return Err(FrameError::Malformed("MBAP protocol id is not 0"));
    }
    let len = usize::from(u16::from_be_bytes([header[4], header[5]]));
    if !(2..=254).contains(&len) {
        return Err(FrameError::Malformed("MBAP length out of range"));
    }
    Ok(Mbap {
        transaction: u16::from_be_bytes([header[0], header[1]]),
        unit: header[6],
        pdu_len: len - 1,
    })
}

/// Bytes as upper-case hex pairs, `01 05 02 00 00 07 8D B0`, for logs and diagnostics.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write!(out, "{b:02X}").expect("writing to a String cannot fail");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        hex.split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect()
    }

    #[test]
    fn crc16_matches_the_modbus_reference_value() {
        // Modbus over serial line V1.02, appendix B: "123456789" gives 0x4B37.
        assert_eq!(crc16(b"123456789"), 0x4B37);
    }

    #[test]
    fn coil_on_and_off_frames_match_the_known_vectors() {
        let on = Request::WriteSingleCoil {
            address: 0,
            value: COIL_ON,
        };
        let off = Request::WriteSingleCoil {
            address: 0,
            value: COIL_OFF,
        };
        assert_eq!(on.to_rtu(1), bytes("01 05 00 00 FF 00 8C 3A"));
        assert_eq!(off.to_rtu(1), bytes("01 05 00 00 00 00 CD CA"));
    }

    #[test]
    fn the_waveshare_timed_pulse_frame_carries_the_length_in_the_value() {
        let timed = Request::WriteSingleCoil {
            address: 0x0200,
            value: 7,
        };
        assert_eq!(timed.to_rtu(1), bytes("01 05 02 00 00 07 8D B0"));
    }

    #[test]
    fn address_register_frames_match_the_known_vectors() {
        let write = Request::WriteSingleRegister {
            address: 0x4000,
            value: 1,
        };
        let read = Request::ReadHoldingRegisters {
            first: 0x4000,
            count: 1,
        };
        assert_eq!(write.to_rtu(BROADCAST), bytes("00 06 40 00 00 01 5C 1B"));
        assert_eq!(read.to_rtu(1), bytes("01 03 40 00 00 01 91 CA"));
    }

    #[test]
    fn requests_survive_a_round_trip_through_rtu_bytes() {
        let requests = [
            Request::ReadCoils {
                first: 0,
                count: 16,
            },
            Request::ReadDiscreteInputs { first: 3, count: 5 },
            Request::ReadHoldingRegisters {
                first: 0x4000,
                count: 1,
            },
            Request::WriteSingleCoil {
                address: 0x020F,
                value: 30,
            },
            Request::WriteSingleRegister {
                address: 0x4000,
                value: 7,
            },
        ];
        for request in requests {
            let adu = request.to_rtu(9);
            assert_eq!(rtu_request_len(&adu), Ok(Some(8)));
            let (slave, pdu) = parse_rtu(&adu).unwrap();
            assert_eq!(slave, 9);
            assert_eq!(Request::decode_pdu(pdu), Ok(request));
        }
    }

    #[test]
    fn responses_survive_a_round_trip_and_announce_their_length() {
        let responses = [
            Response::Bits {
                function: function::READ_COILS,
                packed: pack_bits(&[true, false, true]),
            },
            Response::Registers(vec![0x0001]),
            Response::Echo {
                function: function::WRITE_SINGLE_COIL,
                address: 0x0200,
                value: 7,
            },
            Response::Exception {
                function: function::WRITE_SINGLE_COIL,
                code: exception::ILLEGAL_DATA_ADDRESS,
            },
        ];
        for response in responses {
            let adu = response.to_rtu(3);
            assert_eq!(rtu_response_len(&adu), Ok(Some(adu.len())));
            let (slave, pdu) = parse_rtu(&adu).unwrap();
            assert_eq!(slave, 3);
            assert_eq!(Response::decode_pdu(pdu), Ok(response));
        }
    }

    #[test]
    fn a_reply_with_a_flipped_bit_fails_the_crc() {
        let mut adu = Response::Registers(vec![1]).to_rtu(1);
        adu[4] ^= 0x01;
        assert!(matches!(parse_rtu(&adu), Err(FrameError::Crc { .. })));
    }

    #[test]
    fn bits_pack_least_significant_first() {
        let bits = [true, false, false, false, false, false, false, false, true];
        assert_eq!(pack_bits(&bits), vec![0x01, 0x01]);
        assert_eq!(unpack_bits(&[0x01, 0x01], 9), bits.to_vec());
    }

    #[test]
    fn tcp_frames_carry_the_transaction_and_unit() {
        let pdu = Request::ReadCoils { first: 0, count: 8 }.encode_pdu();
        let adu = tcp_adu(0x1234, 5, &pdu);
        let header: [u8; MBAP_LEN] = adu[..MBAP_LEN].try_into().unwrap();
        let mbap = parse_mbap(&header).unwrap();
        assert_eq!(
            mbap,
            Mbap {
                transaction: 0x1234,
                unit: 5,
                pdu_len: 5
            }
        );
        assert_eq!(&adu[MBAP_LEN..], &pdu);
    }

    #[test]
    fn hex_renders_frames_as_the_datasheets_print_them() {
        assert_eq!(hex(&[0x01, 0x05, 0x8D]), "01 05 8D");
    }
}
