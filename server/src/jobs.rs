//! Background housekeeping, as one public step ([`tick`]) wrapped by a loop that stops with the
//! server: automatic release of overdue lockers (off by default), the nightly end of day,
//! expiry of card-flow entries and sessions, and pruning of rate-limit state.

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
}

const END_OF_DAY_KEY: &str = "end_of_day_last_date";

/// One housekeeping step at `now_ms`.
pub async fn tick(state: &AppState, now_ms: i64) -> anyhow::Result<TickOutcome> {
    let mut out = TickOutcome {
        auto_released: state.lockers.auto_release_due(now_ms).await?,
        ..TickOutcome::default()
    };
    if let Some(at) = state.config.site.end_of_day {
        let local = now_ms + i64::from(state.config.site.utc_offset_minutes) * 60_000;
        let day = local.div_euclid(86_400_000).to_string();
        let minute = local.rem_euclid(86_400_000) / 60_000;
        if minute >= i64::from(at)
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

/// Run [`tick`] every `every` until `stop` is cancelled.
pub async fn run_until_stopped(state: AppState, every: Duration, stop: CancellationToken) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = interval.tick() => {
                if let Err(e) = tick(&state, crate::time::now_ms()).await {
                    tracing::error!(error = %e, "housekeeping step failed");
                }
            }
        }
    }
}
