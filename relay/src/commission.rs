//! Commissioning a bus: find the boards, give each its address, check every channel and input.
//!
//! These are the library half of the technician's CLI (`kioskhub relay scan|get-address|
//! set-address|pulse|walk|inputs`). Each call opens its own short-lived [`ModbusBus`] on the
//! endpoint — so a port that the running service owns is refused with its owner named (rule 10) —
//! and closes it before returning, after any OFF a generic board is owed. Every failure is a
//! [`CommissionError`] that says what went wrong and what to do next, in words a technician with a
//! screwdriver can act on.
//!
//! Addressing follows the Waveshare manual: the address lives in holding register `0x4000`; a
//! board whose address is unknown is read through slave 0, which is only meaningful with exactly
//! one board on the line (two boards answer at once and their replies collide).

use crate::board::{self, ASSIGNABLE_ADDRESSES};
use crate::frame::{BROADCAST, Response};
use crate::{BoardKind, BoardSpec, BusOptions, Endpoint, ModbusBus, PulseLength, PulseReceipt};
use crate::{RelayError, RelayError as E};
use std::future::Future;
use std::ops::RangeInclusive;
use std::time::Duration;
use thiserror::Error;

/// How long a scan waits at each address before moving on.
const SCAN_TIMEOUT: Duration = Duration::from_millis(150);

/// A commissioning step that failed, with the next thing to try.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{problem}. Next: {hint}")]
pub struct CommissionError {
    /// What went wrong.
    pub problem: String,
    /// What to do about it.
    pub hint: String,
    /// The bus error underneath, if there was one.
    pub cause: Option<RelayError>,
}

impl CommissionError {
    fn new(problem: impl Into<String>, hint: impl Into<String>) -> Self {
        CommissionError {
            problem: problem.into(),
            hint: hint.into(),
            cause: None,
        }
    }
}

impl From<RelayError> for CommissionError {
    fn from(error: RelayError) -> Self {
        CommissionError {
            problem: error.to_string(),
            hint: hint_for(&error).into(),
            cause: Some(error),
        }
    }
}

/// The next step for each kind of bus failure.
pub fn hint_for(error: &RelayError) -> &'static str {
    match error {
        E::Timeout { .. } => {
            "check the board's power, the A/B wiring (swap A and B if unsure), the baud rate \
             (Waveshare boards ship at 9600) and the address (run `relay scan`)"
        }
        E::Crc { .. } => {
            "two boards may share this address (disconnect all but one and run `relay scan`), \
             or the line needs 120 Ω termination at both ends"
        }
        E::Exception {
            code: 0x01..=0x03, ..
        } => {
            "the board refused the request: check its kind (waveshare16 or generic) and its \
             channel count"
        }
        E::Exception { .. } => "the board reports a fault: power-cycle it and try again",
        E::Mismatch { .. } => {
            "another device answered: look for a duplicate address with `relay scan`"
        }
        E::Transport { .. } => {
            "check the port path (ls /dev/serial/by-id/), the USB cable, and that this user may \
             open it (dialout group)"
        }
        E::PortBusy { .. } => {
            "stop the program that holds the port (for the Kioskhub service: systemctl stop \
             kioskhub) and try again"
        }
        E::NoSuchChannel { .. } => "channels are numbered from 1 to the board's channel count",
    }
}

/// What one address answered during a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanReply {
    /// A clean reply to the address read: the value of register `0x4000`.
    Address(u16),
    /// A clean refusal (a `generic` board without register `0x4000`): something lives here.
    Refused { code: u8 },
    /// Replies that failed their CRC twice in a row: most likely two boards on this address.
    Garbled { detail: String },
    /// A well-formed reply that answers something else (another slave id, another function).
    Unexpected { detail: String },
}

/// An address that answered a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanHit {
    pub slave: u8,
    pub reply: ScanReply,
}

impl ScanHit {
    /// Whether the replies look like two boards answering at once.
    pub fn likely_clash(&self) -> bool {
        matches!(self.reply, ScanReply::Garbled { .. })
    }
}

/// One channel of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkStep {
    pub channel: u16,
    pub outcome: Result<PulseReceipt, RelayError>,
}

/// What the walk's callback wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkControl {
    Next,
    Stop,
}

fn open(
    endpoint: &Endpoint,
    boards: &[BoardSpec],
    timeout: Duration,
) -> Result<ModbusBus, CommissionError> {
    let options = BusOptions {
        timeout,
        retries: 1,
        turnaround: Duration::from_millis(20),
        probe_interval: None,
        ..BusOptions::default()
    };
    Ok(ModbusBus::open(
        "commissioning",
        endpoint.clone(),
        boards,
        options,
    )?)
}

/// Which addresses in `range` answer a read of register `0x4000`. Two boards on one address are
/// reported as a [`ScanReply::Garbled`] hit. No answer at all is an error with wiring advice.
pub async fn scan(
    endpoint: &Endpoint,
    range: RangeInclusive<u8>,
) -> Result<Vec<ScanHit>, CommissionError> {
    let bus = open(endpoint, &[], SCAN_TIMEOUT)?;
    let result = scan_on(&bus, range.clone()).await;
    bus.close().await;
    let hits = result?;
    if hits.is_empty() {
        return Err(CommissionError::new(
            format!(
                "no board answered at {}–{} on {}",
                range.start(),
                range.end(),
                endpoint.describe()
            ),
            "check the A/B wiring (swap A and B if unsure), the baud rate, 120 Ω termination \
             and the boards' power; a factory-new Waveshare board sits at address 1",
        ));
    }
    Ok(hits)
}

async fn scan_on(
    bus: &ModbusBus,
    range: RangeInclusive<u8>,
) -> Result<Vec<ScanHit>, CommissionError> {
    let mut hits = Vec::new();
    for slave in range.filter(|s| *s != BROADCAST) {
        let mut reply = bus.exchange(slave, board::read_address(), Some(0)).await;
        if matches!(reply, Err(E::Crc { .. })) {
            // Noise garbles one reply; two boards garble every one. Ask again to tell them apart.
            reply = bus.exchange(slave, board::read_address(), Some(0)).await;
        }
        let answer = match reply {
            Ok(Some(Response::Registers(words))) => ScanReply::Address(words[0]),
            Ok(other) => ScanReply::Unexpected {
                detail: format!("{other:?}"),
            },
            Err(E::Exception { code, .. }) => ScanReply::Refused { code },
            Err(E::Crc { detail, .. }) => ScanReply::Garbled { detail },
            Err(E::Mismatch { detail, .. }) => ScanReply::Unexpected { detail },
            Err(E::Timeout { .. }) => continue,
            Err(other) => return Err(other.into()),
        };
        hits.push(ScanHit {
            slave,
            reply: answer,
        });
    }
    Ok(hits)
}

/// The address of the only board on the line, read through slave 0.
pub async fn get_address(endpoint: &Endpoint) -> Result<u8, CommissionError> {
    let bus = open(endpoint, &[], BusOptions::default().timeout)?;
    let result = read_lone_address(&bus).await;
    bus.close().await;
    result
}

async fn read_lone_address(bus: &ModbusBus) -> Result<u8, CommissionError> {
    match bus
        .exchange(BROADCAST, board::read_address(), Some(1))
        .await
    {
        Ok(Some(Response::Registers(words))) => u8::try_from(words[0])
            .ok()
            .filter(|a| ASSIGNABLE_ADDRESSES.contains(a))
            .ok_or_else(|| {
                CommissionError::new(
                    format!("the board reports address {}, outside 1–247", words[0]),
                    "set a valid address with `relay set-address --new N`",
                )
            }),
        Err(E::Timeout { .. }) => Err(CommissionError::new(
            "no board answered the address read on slave 0",
            "this read needs one Waveshare board alone on the line: check its power, the A/B \
             wiring and the baud rate; for other boards use `relay scan`",
        )),
        Err(e @ E::Crc { .. }) => Err(CommissionError {
            problem: "the address read came back garbled: more than one board is on the line"
                .into(),
            hint: "disconnect every board but the one to address, then try again".into(),
            cause: Some(e),
        }),
        Ok(other) => Err(CommissionError::new(
            format!("unexpected reply to the address read: {other:?}"),
            "check that the board is a Waveshare Modbus RTU relay",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Gives a board the address `new` and verifies it by reading it back at `new`.
///
/// `current: None` broadcasts the write, after checking that exactly one board is on the line
/// (it reads the address through slave 0 first). `Some(current)` writes to that board only, after
/// checking that nothing answers at `new` already.
pub async fn set_address(
    endpoint: &Endpoint,
    current: Option<u8>,
    new: u8,
) -> Result<(), CommissionError> {
    if !ASSIGNABLE_ADDRESSES.contains(&new) {
        return Err(CommissionError::new(
            format!("address {new} cannot be assigned"),
            "choose an address from 1 to 247",
        ));
    }
    let bus = open(endpoint, &[], BusOptions::default().timeout)?;
    let result = readdress(&bus, current, new).await;
    bus.close().await;
    result
}

async fn readdress(bus: &ModbusBus, current: Option<u8>, new: u8) -> Result<(), CommissionError> {
    match current {
        None => {
            read_lone_address(bus).await?;
            bus.exchange(BROADCAST, board::write_address(new), Some(0))
                .await?;
        }
        Some(current) if current != new => {
            if bus
                .exchange(new, board::read_address(), Some(0))
                .await
                .is_ok_and(|r| r.is_some())
            {
                return Err(CommissionError::new(
                    format!("a board already answers at address {new}"),
                    "choose a free address (run `relay scan`) or move that board first",
                ));
            }
            bus.exchange(current, board::write_address(new), None)
                .await?;
        }
        Some(_) => {}
    }
    verify_address(bus, new).await
}

async fn verify_address(bus: &ModbusBus, new: u8) -> Result<(), CommissionError> {
    match bus.exchange(new, board::read_address(), None).await {
        Ok(Some(Response::Registers(words))) if words[0] == u16::from(new) => Ok(()),
        Ok(other) => Err(CommissionError::new(
            format!("read-back at address {new} returned {other:?}"),
            "power-cycle the board and run `relay get-address` to see where it is",
        )),
        Err(E::Timeout { .. }) => Err(CommissionError::new(
            format!("no board answers at the new address {new}"),
            "the write may not have been accepted: power-cycle the board (some apply a new \
             address only after a restart) and run `relay get-address`",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Pulses one channel for `ms` milliseconds (100–3000) and reports the confirmation.
pub async fn pulse(
    endpoint: &Endpoint,
    slave: u8,
    channel: u16,
    ms: u16,
    kind: BoardKind,
) -> Result<PulseReceipt, CommissionError> {
    let length = pulse_length(ms)?;
    let spec = commissioned_board(slave, kind, channel);
    let bus = open(endpoint, &[spec], BusOptions::default().timeout)?;
    let result = bus.pulse(slave, channel, length).await;
    bus.close().await;
    Ok(result?)
}

/// Reads the first `count` discrete inputs (door sensors) of board `slave`.
pub async fn read_inputs(
    endpoint: &Endpoint,
    slave: u8,
    count: u16,
) -> Result<Vec<bool>, CommissionError> {
    let bus = open(endpoint, &[], BusOptions::default().timeout)?;
    let result = bus.read_inputs(slave, 0, count).await;
    bus.close().await;
    Ok(result?)
}

/// Pulses each channel of `channels` in turn, calling `between` after each one (the CLI waits for
/// the technician there). Stops early when `between` says so, or when the port itself fails.
pub async fn walk<F, Fut>(
    endpoint: &Endpoint,
    slave: u8,
    kind: BoardKind,
    channels: RangeInclusive<u16>,
    ms: u16,
    mut between: F,
) -> Result<Vec<WalkStep>, CommissionError>
where
    F: FnMut(WalkStep) -> Fut,
    Fut: Future<Output = WalkControl>,
{
    let length = pulse_length(ms)?;
    let spec = commissioned_board(slave, kind, *channels.end());
    let bus = open(endpoint, &[spec], BusOptions::default().timeout)?;
    let mut steps = Vec::new();
    let mut failure = None;
    for channel in channels {
        let outcome = bus.pulse(slave, channel, length).await;
        if let Err(e @ (E::Transport { .. } | E::PortBusy { .. })) = &outcome {
            failure = Some(e.clone());
            break;
        }
        let step = WalkStep { channel, outcome };
        steps.push(step.clone());
        if between(step).await == WalkControl::Stop {
            break;
        }
    }
    bus.close().await;
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(steps),
    }
}

fn pulse_length(ms: u16) -> Result<PulseLength, CommissionError> {
    PulseLength::from_millis(ms).ok_or_else(|| {
        CommissionError::new(
            format!("a pulse of {ms} ms is outside the allowed range"),
            "use 100–3000 ms (500 ms opens a typical solenoid lock)",
        )
    })
}

/// A board as the technician names it; any channel they ask for is let through to the board,
/// which refuses what it does not have.
fn commissioned_board(slave: u8, kind: BoardKind, channel: u16) -> BoardSpec {
    BoardSpec {
        slave,
        kind,
        channels: channel.max(kind.default_channels()),
    }
}
