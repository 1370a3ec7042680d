//! The older in-process simulated bus: boards that confirm pulses and count them per channel,
//! with no bytes, no timing and no retries. Kept so the server's current tests and benchmark keep
//! their behaviour until they move to [`super::spawn_bus`] (real RTU bytes); new code should not
//! use it. A fault here fails one whole pulse, and any failure marks the board offline at once.

use super::SimFault;
use crate::{BoardHealth, BoardSpec, PulseLength, PulseReceipt, RelayBus, RelayError};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug)]
struct SimBoard {
    spec: BoardSpec,
    /// Confirmed pulses per channel, index `channel - 1`.
    pulses: Vec<u64>,
    fault: Option<SimFault>,
    /// How many more pulses fail with `fault` (`None`: until cleared).
    fault_remaining: Option<u32>,
    health: BoardHealth,
}

/// A simulated bus with one or more boards. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct SimBus {
    name: String,
    delay: Duration,
    boards: Mutex<HashMap<u8, SimBoard>>,
}

impl SimBus {
    /// A bus named `name` with `boards`, confirming each pulse after `delay`.
    pub fn new(name: impl Into<String>, boards: &[BoardSpec], delay: Duration) -> Self {
        let name = name.into();
        let boards = boards
            .iter()
            .map(|spec| {
                let board = SimBoard {
                    pulses: vec![0; usize::from(spec.channels)],
                    fault: None,
                    fault_remaining: None,
                    health: BoardHealth::new(&name, spec),
                    spec: spec.clone(),
                };
                (spec.slave, board)
            })
            .collect();
        SimBus {
            name,
            delay,
            boards: Mutex::new(boards),
        }
    }

    /// Make board `slave` fail the next `count` pulses (`None`: until [`SimBus::clear_fault`]).
    pub fn inject_fault(&self, slave: u8, fault: SimFault, count: Option<u32>) {
        let mut boards = self.boards.lock().expect("sim bus lock poisoned");
        if let Some(board) = boards.get_mut(&slave) {
            board.fault = Some(fault);
            board.fault_remaining = count;
        }
    }

    /// Let board `slave` confirm pulses again.
    pub fn clear_fault(&self, slave: u8) {
        let mut boards = self.boards.lock().expect("sim bus lock poisoned");
        if let Some(board) = boards.get_mut(&slave) {
            board.fault = None;
            board.fault_remaining = None;
        }
    }

    /// Confirmed pulses of one channel since this bus was created.
    pub fn pulses(&self, slave: u8, channel: u16) -> u64 {
        let boards = self.boards.lock().expect("sim bus lock poisoned");
        boards
            .get(&slave)
            .and_then(|b| b.pulses.get(usize::from(channel).wrapping_sub(1)).copied())
            .unwrap_or(0)
    }

    /// Confirmed pulses of every channel of every board on this bus.
    pub fn total_pulses(&self) -> u64 {
        let boards = self.boards.lock().expect("sim bus lock poisoned");
        boards.values().flat_map(|b| b.pulses.iter()).sum()
    }

    /// Decide the outcome of one pulse and record it; no I/O, no await.
    fn settle(
        &self,
        slave: u8,
        channel: u16,
        started: Instant,
    ) -> Result<PulseReceipt, RelayError> {
        let mut boards = self.boards.lock().expect("sim bus lock poisoned");
        let Some(board) = boards.get_mut(&slave) else {
            return Err(self.no_such(slave, channel));
        };
        if channel == 0 || channel > board.spec.channels {
            return Err(self.no_such(slave, channel));
        }
        if let Some(fault) = board.fault {
            let active = match &mut board.fault_remaining {
                Some(0) => false,
                Some(n) => {
                    *n -= 1;
                    true
                }
                None => true,
            };
            if active && !matches!(fault, SimFault::Slow(_)) {
                let err = self.fault_error(slave, fault);
                board.health.errors += 1;
                board.health.consecutive_failures += 1;
                board.health.last_error = Some(err.to_string());
                if matches!(fault, SimFault::Silent | SimFault::Unplugged) {
                    board.health.online = false;
                }
                return Err(err);
            }
            if !active {
                board.fault = None;
                board.fault_remaining = None;
            }
        }
        let latency = started.elapsed();
        board.pulses[usize::from(channel - 1)] += 1;
        board.health.pulses[usize::from(channel - 1)] += 1;
        board.health.consecutive_failures = 0;
        board.health.online = true;
        board.health.successes += 1;
        board.health.last_success_ms = Some(now_ms());
        board.health.last_latency_us = Some(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
        Ok(PulseReceipt {
            latency,
            attempts: 1,
        })
    }

    /// Extra reply time from an active `Slow` fault.
    fn slowness(&self, slave: u8) -> Duration {
        let boards = self.boards.lock().expect("sim bus lock poisoned");
        match boards.get(&slave).and_then(|b| b.fault) {
            Some(SimFault::Slow(extra)) => extra,
            _ => Duration::ZERO,
        }
    }

    fn fault_error(&self, slave: u8, fault: SimFault) -> RelayError {
        let bus = self.name.clone();
        match fault {
            SimFault::Silent | SimFault::Slow(_) => RelayError::Timeout { bus, slave },
            SimFault::BadCrc | SimFault::AddressClash => RelayError::Crc {
                bus,
                slave,
                detail: "reply failed its CRC".into(),
            },
            SimFault::Exception(code) => RelayError::Exception { bus, slave, code },
            SimFault::WrongEcho => RelayError::Mismatch {
                bus,
                slave,
                detail: "echoed value differs from the request".into(),
            },
            SimFault::Unplugged => RelayError::Transport {
                bus,
                reason: "port not present".into(),
            },
        }
    }

    fn no_such(&self, slave: u8, channel: u16) -> RelayError {
        RelayError::NoSuchChannel {
            bus: self.name.clone(),
            slave,
            channel,
        }
    }
}

impl RelayBus for SimBus {
    fn name(&self) -> &str {
        &self.name
    }

    fn pulse(
        &self,
        slave: u8,
        channel: u16,
        _length: PulseLength,
    ) -> BoxFuture<'_, Result<PulseReceipt, RelayError>> {
        Box::pin(async move {
            let started = Instant::now();
            let delay = self.delay + self.slowness(slave);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            self.settle(slave, channel, started)
        })
    }

    fn health(&self) -> Vec<BoardHealth> {
        let boards = self.boards.lock().expect("sim bus lock poisoned");
        let mut out: Vec<BoardHealth> = boards.values().map(|b| b.health.clone()).collect();
        out.sort_by_key(|h| h.slave);
        out
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BoardKind;

    fn bus() -> SimBus {
        let spec = |slave| BoardSpec {
            slave,
            kind: BoardKind::Waveshare16,
            channels: 16,
        };
        SimBus::new("sim", &[spec(1), spec(2)], Duration::ZERO)
    }

    #[tokio::test]
    async fn a_confirmed_pulse_counts_on_its_own_channel_only() {
        let bus = bus();
        bus.pulse(2, 5, PulseLength::DEFAULT).await.unwrap();
        assert_eq!(bus.pulses(2, 5), 1);
        assert_eq!(bus.pulses(1, 5), 0);
        assert_eq!(bus.total_pulses(), 1);
    }

    #[tokio::test]
    async fn an_injected_fault_fails_the_given_number_of_pulses_then_clears() {
        let bus = bus();
        bus.inject_fault(1, SimFault::Silent, Some(2));
        for _ in 0..2 {
            let err = bus.pulse(1, 1, PulseLength::DEFAULT).await.unwrap_err();
            assert_eq!(err.code(), "relay_timeout");
        }
        assert!(!bus.health()[0].online);
        bus.pulse(1, 1, PulseLength::DEFAULT).await.unwrap();
        assert_eq!(bus.pulses(1, 1), 1);
        assert!(bus.health()[0].online);
        assert_eq!(bus.health()[0].errors, 2);
    }

    #[tokio::test]
    async fn unknown_boards_and_channels_are_refused() {
        let bus = bus();
        let err = bus.pulse(9, 1, PulseLength::DEFAULT).await.unwrap_err();
        assert_eq!(err.code(), "relay_no_such_channel");
        let err = bus.pulse(1, 17, PulseLength::DEFAULT).await.unwrap_err();
        assert_eq!(err.code(), "relay_no_such_channel");
    }

    #[test]
    fn pulse_lengths_outside_100_to_3000_ms_are_refused() {
        assert_eq!(PulseLength::from_millis(99), None);
        assert_eq!(PulseLength::from_millis(3001), None);
        assert_eq!(PulseLength::from_millis(750).unwrap().millis(), 700);
    }
}
