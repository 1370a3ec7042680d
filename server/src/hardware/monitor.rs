//! The watch over the relay buses: every [`WATCH_EVERY`] it reads each bus's board health (no
//! I/O: the bus owner keeps it) and turns what changed into Prometheus metrics and events.
//!
//! - `kioskhub_relay_transactions_total{bus,slave,result}`: operations (pulses, reads, idle
//!   probes) after the bus's retries, `result` `ok` or `failed`;
//! - `kioskhub_relay_attempt_errors_total{bus,slave,kind}`: every failed attempt, retried ones
//!   included, by kind (`timeout`, `crc`, `exception`, `mismatch`, `transport`), so a noisy line
//!   shows before it costs a pulse;
//! - `kioskhub_relay_board_online{bus,slave}`: 1 or 0;
//! - `bus_board_offline` (an alert) and `bus_board_online` events when a board changes, which
//!   the real-time hub sends as `system_status` for component `board`.
//!
//! Latency is measured where the operations start (see `metered`). A board is online until the
//! bus has seen it fail (the health table's rule), so the watch starts from "online".

use crate::app::AppState;
use crate::events::Published;
use crate::store::NewEvent;
use crate::time::now_ms;
use kioskhub_relay::{BoardHealth, ErrorCounts};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the buses' health is read.
pub const WATCH_EVERY: Duration = Duration::from_secs(1);

/// What the watch last saw of one board.
#[derive(Debug, Clone)]
struct Seen {
    successes: u64,
    errors: u64,
    attempts: ErrorCounts,
    online: bool,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            successes: 0,
            errors: 0,
            attempts: ErrorCounts::default(),
            online: true,
        }
    }
}

/// What one watch step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WatchTick {
    pub boards: usize,
    pub went_offline: usize,
    pub came_online: usize,
}

/// The watch's memory of every board, by (bus, slave).
#[derive(Debug, Default)]
pub struct BusWatch {
    seen: HashMap<(String, u8), Seen>,
}

impl BusWatch {
    /// One step: update the metrics and write an event for each board that went offline or came
    /// back since the last step.
    pub async fn tick(&mut self, state: &AppState) -> anyhow::Result<WatchTick> {
        let mut out = WatchTick::default();
        let mut changes = Vec::new();
        for (cfg, bus) in &state.relays {
            for health in bus.health() {
                out.boards += 1;
                let seen = self
                    .seen
                    .entry((cfg.name.clone(), health.slave))
                    .or_default();
                record(&cfg.name, &health, seen);
                if seen.online != health.online {
                    seen.online = health.online;
                    if health.online {
                        out.came_online += 1;
                    } else {
                        out.went_offline += 1;
                    }
                    changes.push(health);
                }
            }
        }
        if !changes.is_empty() {
            write_changes(state, &changes).await?;
        }
        Ok(out)
    }
}

/// Moves one board's metrics on by what changed since `seen`, and remembers the new counts.
fn record(bus: &str, h: &BoardHealth, seen: &mut Seen) {
    let labels = |extra: (&'static str, &'static str)| {
        [
            ("bus", bus.to_owned()),
            ("slave", h.slave.to_string()),
            (extra.0, extra.1.to_owned()),
        ]
    };
    let ok = h.successes.saturating_sub(seen.successes);
    let failed = h.errors.saturating_sub(seen.errors);
    metrics::counter!(
        "kioskhub_relay_transactions_total",
        &labels(("result", "ok"))
    )
    .increment(ok);
    metrics::counter!(
        "kioskhub_relay_transactions_total",
        &labels(("result", "failed"))
    )
    .increment(failed);
    let (now, before) = (&h.error_counts, &seen.attempts);
    for (kind, n, was) in [
        ("timeout", now.timeout, before.timeout),
        ("crc", now.crc, before.crc),
        ("exception", now.exception, before.exception),
        ("mismatch", now.mismatch, before.mismatch),
        ("transport", now.transport, before.transport),
    ] {
        metrics::counter!(
            "kioskhub_relay_attempt_errors_total",
            &labels(("kind", kind))
        )
        .increment(n.saturating_sub(was));
    }
    let online = [("bus", bus.to_owned()), ("slave", h.slave.to_string())];
    metrics::gauge!("kioskhub_relay_board_online", &online).set(if h.online { 1.0 } else { 0.0 });
    seen.successes = h.successes;
    seen.errors = h.errors;
    seen.attempts = h.error_counts.clone();
}

/// One event per board that changed, in one transaction, published after the commit.
async fn write_changes(state: &AppState, changes: &[BoardHealth]) -> anyhow::Result<()> {
    let ts = now_ms();
    let mut tx = state.store.begin().await?;
    let mut published = Vec::new();
    for h in changes {
        let kiosk = state
            .config
            .kiosks
            .iter()
            .find(|k| k.boards.contains(&(h.bus.clone(), h.slave)))
            .map(|k| k.id.as_str());
        let (kind, extra) = if h.online {
            ("bus_board_online", json!({}))
        } else {
            ("bus_board_offline", json!({"alert": true}))
        };
        let mut data = json!({
            "bus": h.bus, "slave": h.slave, "kind": h.kind, "online": h.online,
            "last_error": h.last_error, "consecutive_failures": h.consecutive_failures,
        });
        if let (Some(map), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        if h.online {
            tracing::info!(bus = %h.bus, slave = h.slave, "relay board online again");
        } else {
            tracing::warn!(bus = %h.bus, slave = h.slave, error = ?h.last_error, "relay board offline");
        }
        let event = NewEvent {
            ts,
            site: &state.config.site.id,
            kind,
            kiosk_id: kiosk,
            locker: None,
            actor: "system:relay",
            data,
        };
        let seq = crate::events::append(&mut tx, &event).await?;
        published.push(Published::from_event(seq, &event));
    }
    tx.commit().await?;
    for p in published {
        state.events.publish(p);
    }
    Ok(())
}

/// Runs [`BusWatch::tick`] every `every` until `stop` is cancelled.
pub async fn run_until_stopped(state: AppState, every: Duration, stop: CancellationToken) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut watch = BusWatch::default();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = interval.tick() => {
                if let Err(e) = watch.tick(&state).await {
                    tracing::error!(error = %e, "relay bus watch step failed");
                }
            }
        }
    }
}
