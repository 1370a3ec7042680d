//! Per-board health and pulse counters, written by the bus task, read by anyone without I/O.
//!
//! A board goes offline only after `offline_after` consecutive failed operations (a pulse, a read
//! or a probe after its retries) and comes back online with the first reply. Idleness never
//! changes anything here: only outcomes do.

use crate::{BoardHealth, BoardSpec, RelayError};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many recent operations the error rate looks at.
const RATE_WINDOW: usize = 100;

#[derive(Debug)]
struct Record {
    health: BoardHealth,
    /// Recent operation outcomes, `true` for a failure.
    recent: VecDeque<bool>,
}

/// Health of every configured board on one bus.
#[derive(Debug)]
pub(crate) struct HealthTable {
    boards: Mutex<BTreeMap<u8, Record>>,
}

impl HealthTable {
    pub(crate) fn new(bus: &str, boards: &[BoardSpec]) -> Self {
        let boards = boards
            .iter()
            .map(|spec| {
                let record = Record {
                    health: BoardHealth::new(bus, spec),
                    recent: VecDeque::with_capacity(RATE_WINDOW),
                };
                (spec.slave, record)
            })
            .collect();
        HealthTable {
            boards: Mutex::new(boards),
        }
    }

    fn with<T>(&self, slave: u8, f: impl FnOnce(&mut Record) -> T) -> Option<T> {
        let mut boards = self.boards.lock().expect("health table lock poisoned");
        boards.get_mut(&slave).map(f)
    }

    /// A confirmed operation (`latency` is unknown when the board answered with an exception).
    pub(crate) fn success(&self, slave: u8, latency: Option<Duration>, probe: bool) {
        self.with(slave, |r| {
            let now = now_ms();
            r.push(false);
            let h = &mut r.health;
            h.online = true;
            h.consecutive_failures = 0;
            h.successes += 1;
            h.last_success_ms = Some(now);
            if let Some(latency) = latency {
                h.last_latency_us = Some(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
            }
            if probe {
                h.last_probe_ms = Some(now);
            }
        });
    }

    /// An operation that failed after its retries.
    pub(crate) fn failure(&self, slave: u8, error: &RelayError, offline_after: u32, probe: bool) {
        self.with(slave, |r| {
            r.push(true);
            let h = &mut r.health;
            h.errors += 1;
            h.consecutive_failures = h.consecutive_failures.saturating_add(1);
            h.last_error = Some(error.to_string());
            if h.consecutive_failures >= offline_after.max(1) {
                h.online = false;
            }
            if probe {
                h.last_probe_ms = Some(now_ms());
            }
        });
    }

    /// One failed attempt, retried or not: counted by kind.
    pub(crate) fn attempt_failed(&self, slave: u8, error: &RelayError) {
        self.with(slave, |r| {
            let c = &mut r.health.error_counts;
            match error {
                RelayError::Timeout { .. } => c.timeout += 1,
                RelayError::Crc { .. } => c.crc += 1,
                RelayError::Exception { .. } => c.exception += 1,
                RelayError::Mismatch { .. } => c.mismatch += 1,
                RelayError::Transport { .. } | RelayError::PortBusy { .. } => c.transport += 1,
                RelayError::NoSuchChannel { .. } => {}
            }
        });
    }

    pub(crate) fn pulse_confirmed(&self, slave: u8, channel: u16) {
        self.with(slave, |r| {
            if let Some(count) = r
                .health
                .pulses
                .get_mut(usize::from(channel).wrapping_sub(1))
            {
                *count += 1;
            }
        });
    }

    pub(crate) fn pulses(&self, slave: u8, channel: u16) -> u64 {
        self.with(slave, |r| {
            r.health
                .pulses
                .get(usize::from(channel).wrapping_sub(1))
                .copied()
        })
        .flatten()
        .unwrap_or(0)
    }

    pub(crate) fn snapshot(&self) -> Vec<BoardHealth> {
        let boards = self.boards.lock().expect("health table lock poisoned");
        boards.values().map(|r| r.health.clone()).collect()
    }
}

impl Record {
    fn push(&mut self, failed: bool) {
        if self.recent.len() == RATE_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(failed);
        let failures = self.recent.iter().filter(|f| **f).count();
        // Both counts are at most RATE_WINDOW, far inside f64's exact integer range.
        self.health.error_rate = failures as f64 / self.recent.len() as f64;
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BoardKind;

    fn timeout() -> RelayError {
        RelayError::Timeout {
            bus: "b".into(),
            slave: 1,
        }
    }

    #[test]
    fn a_board_goes_offline_only_after_the_configured_run_of_failures() {
        let table = HealthTable::new("b", &[BoardSpec::new(1, BoardKind::Waveshare16)]);
        table.failure(1, &timeout(), 3, true);
        table.failure(1, &timeout(), 3, true);
        assert!(table.snapshot()[0].online);
        table.failure(1, &timeout(), 3, true);
        let h = &table.snapshot()[0];
        assert!(!h.online);
        assert_eq!(h.consecutive_failures, 3);
        assert!((h.error_rate - 1.0).abs() < f64::EPSILON);
        table.success(1, Some(Duration::from_millis(2)), false);
        let h = &table.snapshot()[0];
        assert!(h.online);
        assert!((h.error_rate - 0.75).abs() < f64::EPSILON);
    }
}
