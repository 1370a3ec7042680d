//! Door polling: one task per bus with door boards reads each board's discrete inputs every
//! [`POLL_EVERY`] (one batched read per board, input *n* = the door of the locker on channel
//! *n*) and hands the readings to [`Lockers::door_readings`], which turns changes into events and
//! raises the jam and forced-door alarms.
//!
//! Reads go through the bus owner like every other transaction, so they queue behind pulses and
//! never collide with them; a failed read changes nothing (a door is not "closed" because its
//! board did not answer) and counts against the board's health like any failed operation.
//!
//! [`Lockers::door_readings`]: crate::lockers::Lockers::door_readings

use crate::app::{AppState, wiring};
use kioskhub_relay::RelayBus;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often every door board is read.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// One board whose inputs are door sensors.
#[derive(Debug)]
struct DoorBoard {
    kiosk: String,
    slave: u8,
    /// `(channel, locker)` for every wired channel.
    lockers: Vec<(u16, i64)>,
    /// Inputs to read: up to the highest wired channel.
    count: u16,
}

/// What one polling step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DoorTick {
    pub boards_read: usize,
    pub boards_failed: usize,
    pub events: usize,
}

/// The door boards of one bus.
pub struct DoorPoller {
    bus: String,
    driver: Arc<dyn RelayBus>,
    boards: Vec<DoorBoard>,
    /// Boards whose last read failed, so an outage is logged once.
    failing: Mutex<HashSet<u8>>,
}

impl DoorPoller {
    /// The poller of bus `bus`, or `None` when no kiosk with `doors = true` has a board on it.
    pub fn for_bus(state: &AppState, bus: &str) -> Option<DoorPoller> {
        let driver = state
            .relays
            .iter()
            .find(|(cfg, _)| cfg.name == bus)
            .map(|(_, driver)| driver.clone())?;
        let mut boards: BTreeMap<u8, DoorBoard> = BTreeMap::new();
        for kiosk in state.config.kiosks.iter().filter(|k| k.doors) {
            for w in wiring(kiosk, &state.config.boards) {
                let (Ok(slave), Ok(channel)) = (u8::try_from(w.slave), u16::try_from(w.channel))
                else {
                    continue;
                };
                if w.bus != bus {
                    continue;
                }
                let board = boards.entry(slave).or_insert_with(|| DoorBoard {
                    kiosk: kiosk.id.clone(),
                    slave,
                    lockers: Vec::new(),
                    count: 0,
                });
                board.lockers.push((channel, w.number));
                board.count = board.count.max(channel);
            }
        }
        (!boards.is_empty()).then(|| DoorPoller {
            bus: bus.to_owned(),
            driver,
            boards: boards.into_values().collect(),
            failing: Mutex::new(HashSet::new()),
        })
    }

    /// Every bus's poller.
    pub fn all(state: &AppState) -> Vec<DoorPoller> {
        state
            .config
            .buses
            .iter()
            .filter_map(|b| DoorPoller::for_bus(state, &b.name))
            .collect()
    }

    /// Reads every door board once and reports the readings as taken at `at`.
    pub async fn tick(&self, state: &AppState, at: Instant) -> DoorTick {
        let mut out = DoorTick::default();
        for board in &self.boards {
            let inputs = match self.driver.read_inputs(board.slave, 0, board.count).await {
                Ok(inputs) => {
                    self.recovered(board.slave);
                    inputs
                }
                Err(e) => {
                    self.failed(board.slave, &e);
                    out.boards_failed += 1;
                    continue;
                }
            };
            out.boards_read += 1;
            let readings: Vec<(i64, bool)> = board
                .lockers
                .iter()
                .filter_map(|&(channel, locker)| {
                    let open = *inputs.get(usize::from(channel) - 1)?;
                    Some((locker, open))
                })
                .collect();
            match state
                .lockers
                .door_readings(&board.kiosk, &readings, at)
                .await
            {
                Ok(n) => out.events += n,
                Err(e) => {
                    tracing::error!(bus = %self.bus, slave = board.slave, error = %e, "door events could not be written")
                }
            }
        }
        out
    }

    fn failed(&self, slave: u8, error: &kioskhub_relay::RelayError) {
        let first = self
            .failing
            .lock()
            .expect("door poller lock poisoned")
            .insert(slave);
        if first {
            tracing::warn!(bus = %self.bus, slave, error = %error, "door sensors cannot be read");
        }
    }

    fn recovered(&self, slave: u8) {
        let was_failing = self
            .failing
            .lock()
            .expect("door poller lock poisoned")
            .remove(&slave);
        if was_failing {
            tracing::info!(bus = %self.bus, slave, "door sensors can be read again");
        }
    }
}

/// Runs [`DoorPoller::tick`] every `every` until `stop` is cancelled.
pub async fn run_until_stopped(
    poller: DoorPoller,
    state: AppState,
    every: Duration,
    stop: CancellationToken,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = interval.tick() => {
                poller.tick(&state, Instant::now()).await;
            }
        }
    }
}
