//! The hub's own hardware besides the relay pulses: card readers wired to the hub, door sensors
//! read through the relay boards, and the watch over the buses behind metrics and board events.
//!
//! Every task here is started by [`spawn`] when the server starts serving and stops when its
//! shutdown token fires; the server waits for them before it closes the buses. They drive the
//! locker domain through the same operations as the HTTP API — a reader's card goes through
//! [`crate::lockers::Lockers::scan`] — and never write a relay themselves.

pub mod doors;
pub mod metered;
pub mod monitor;
pub mod readers;

use crate::app::AppState;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts the bus watch and the task of every configured reader and of every bus with door
/// sensors; each stops when `stop` is cancelled.
pub fn spawn(state: &AppState, stop: &CancellationToken) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![tokio::spawn(monitor::run_until_stopped(
        state.clone(),
        monitor::WATCH_EVERY,
        stop.clone(),
    ))];
    for poller in doors::DoorPoller::all(state) {
        tasks.push(tokio::spawn(doors::run_until_stopped(
            poller,
            state.clone(),
            doors::POLL_EVERY,
            stop.clone(),
        )));
    }
    for kiosk in &state.config.kiosks {
        for (i, config) in kiosk.readers.iter().enumerate() {
            let reader = readers::Reader::new(state.clone(), &kiosk.id, i + 1);
            tasks.push(tokio::spawn(readers::run(
                reader,
                config.clone(),
                stop.clone(),
            )));
        }
    }
    tasks
}
