//! Background housekeeping, as one public step ([`Housekeeping::tick`]) wrapped by a loop that
//! stops with the server: automatic release of overdue lockers (off by default), the nightly end
//! of day, expiry of card-flow entries and sessions, pruning of rate-limit state, upkeep of the
//! metrics' histograms, and (on PostgreSQL, where several instances share the database)
//! reloading the panel's settings.
//!
//! The end of day runs only when its time passes while the hub is running: a hub that starts (or
//! restarts) after the time does not open lockers (rule 4); an end of day missed while the hub
//! was down is skipped, not caught up.

use crate::app::AppState;
use crate::lockers::{Actor, StaffCommand};
use crate::time::ms;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What one housekeeping step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TickOutcome {
    pub auto_released: usize,
    pub end_of_day_kiosks: usize,
    pub sessions_purged: u64,
    pub kiosks_offline: usize,
}

/// Real-time messages are kept this long for replay (spec §6).
const REPLAY_KEEP_MS: i64 = 24 * 3_600_000;
/// And at most this many per namespace.
const REPLAY_KEEP_MAX: i64 = 10_000;
/// A kiosk is offline after three missed 30 s heartbeats (spec §5.2).
const OFFLINE_AFTER_MS: i64 = 3 * 30_000;

/// Announce kiosks that stopped sending heartbeats.
async fn mark_kiosks_offline(state: &AppState, now_ms: i64) -> anyhow::Result<usize> {
    let mut tx = state.store.begin().await?;
    let ids = tx.mark_offline(now_ms - OFFLINE_AFTER_MS).await?;
    let mut published = Vec::new();
    for id in &ids {
        let event = crate::store::NewEvent {
            ts: now_ms,
            site: &state.config.site.id,
            kind: "kiosk_offline",
            kiosk_id: Some(id),
            locker: None,
            actor: "system:heartbeat",
            data: serde_json::json!({"missed_for_ms": OFFLINE_AFTER_MS}),
        };
        let seq = crate::events::append(&mut tx, &event).await?;
        published.push(crate::events::Published::from_event(seq, &event));
    }
    tx.commit().await?;
    for p in published {
        state.events.publish(p);
    }
    Ok(ids.len())
}

const END_OF_DAY_KEY: &str = "end_of_day_last_date";

const DAY_MS: i64 = 86_400_000;

/// The local day whose daily moment `at_ms` (after local midnight) fell in `(prev, now]`.
fn crossed(prev_local: i64, now_local: i64, at_ms: i64) -> Option<i64> {
    let today = now_local.div_euclid(DAY_MS);
    [today, today - 1].into_iter().find(|d| {
        let moment = d * DAY_MS + at_ms;
        prev_local < moment && moment <= now_local
    })
}

/// The housekeeping steps, remembering when the last one ran.
#[derive(Debug, Default)]
pub struct Housekeeping {
    last_ms: Option<i64>,
}

impl Housekeeping {
    /// One housekeeping step at `now_ms`. Scheduled jobs run when their time passed since the
    /// previous step; the first step only notes the time.
    pub async fn tick(&mut self, state: &AppState, now_ms: i64) -> anyhow::Result<TickOutcome> {
        let prev = self.last_ms.replace(now_ms);
        tick(state, prev, now_ms).await
    }
}

async fn tick(state: &AppState, prev_ms: Option<i64>, now_ms: i64) -> anyhow::Result<TickOutcome> {
    // Histogram samples pile up until they are folded into the summaries; without this a server
    // nobody scrapes would keep every request's and every WebSocket write's sample.
    state.metrics.run_upkeep();
    if state.store.is_postgres() {
        // Another instance may have changed settings in the panel.
        state.lockers.settings().load().await?;
    }
    let mut out = TickOutcome {
        auto_released: state.lockers.auto_release_due(now_ms).await?,
        ..TickOutcome::default()
    };
    if let (Some(at), Some(prev_ms)) = (state.config.site.end_of_day, prev_ms) {
        let offset = i64::from(state.config.site.utc_offset_minutes) * 60_000;
        let due = crossed(prev_ms + offset, now_ms + offset, i64::from(at) * 60_000);
        if let Some(day) = due.map(|d| d.to_string())
            && state.store.meta(END_OF_DAY_KEY).await?.as_deref() != Some(day.as_str())
        {
            state.store.set_meta(END_OF_DAY_KEY, &day).await?;
            for kiosk in &state.config.kiosks {
                let actor = Actor::System("end_of_day");
                match state
                    .lockers
                    .run_command(&kiosk.id, StaffCommand::EndOfDay, &actor, None)
                    .await
                {
                    Ok(_) => out.end_of_day_kiosks += 1,
                    Err(e) => {
                        tracing::error!(kiosk = %kiosk.id, error = %e, "end of day failed to start")
                    }
                }
            }
        }
    }
    out.kiosks_offline = mark_kiosks_offline(state, now_ms).await?;
    state
        .store
        .ws_purge(now_ms - REPLAY_KEEP_MS, REPLAY_KEEP_MAX)
        .await?;
    let idle = ms(state.config.server.session_idle);
    let absolute = ms(state.config.server.session_absolute);
    out.sessions_purged = state
        .store
        .purge_sessions(now_ms - idle, now_ms - absolute)
        .await?;
    state.lockers.sweep(Instant::now());
    state.limits.prune();
    Ok(out)
}

/// Run [`Housekeeping::tick`] every `every` until `stop` is cancelled.
pub async fn run_until_stopped(state: AppState, every: Duration, stop: CancellationToken) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut jobs = Housekeeping::default();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = interval.tick() => {
                if let Err(e) = jobs.tick(&state, crate::time::now_ms()).await {
                    tracing::error!(error = %e, "housekeeping step failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_day_moment_is_crossed_only_between_two_ticks() {
        let at = 23 * 3_600_000 + 30 * 60_000;
        let day = 20_000 * DAY_MS;
        assert_eq!(crossed(day + at - 1000, day + at, at), Some(20_000));
        assert_eq!(
            crossed(day + at, day + at + 5000, at),
            None,
            "already past at the previous tick"
        );
        assert_eq!(crossed(day + at + 1, day + DAY_MS + 100, at), None);
        assert_eq!(
            crossed(day + at - 10, day + DAY_MS + 100, at),
            Some(20_000),
            "across midnight"
        );
    }
}
