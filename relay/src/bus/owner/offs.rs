//! A generic board's OFF, owed after its ON (rule 9): scheduled when the ON is confirmed, sent by
//! the owner task when due whatever happened to the caller, retried while it fails, and flushed
//! before the task stops. The caller's pulse is confirmed only when its OFF is.

use super::{Owner, Reply};
use crate::frame::Request;
use crate::{PulseReceipt, RelayError};
use tokio::time::{Instant, sleep_until};

/// Rounds of retries for an OFF that keeps failing while the port is there.
const MAX_OFF_ROUNDS: u32 = 10;
/// The same while the bus is closing: it should not hang on a dead board for long.
const CLOSING_OFF_ROUNDS: u32 = 3;

/// A generic board's OFF that is still owed.
pub(super) struct PendingOff {
    slave: u8,
    channel: u16,
    request: Request,
    pub(super) due: Instant,
    /// Callers whose ON was confirmed; they learn the outcome when the OFF is.
    waiters: Vec<(Reply<PulseReceipt>, PulseReceipt)>,
    failed_rounds: u32,
}

impl Owner {
    pub(super) fn schedule_off(
        &mut self,
        slave: u8,
        channel: u16,
        request: Request,
        due: Instant,
        waiter: Option<(Reply<PulseReceipt>, PulseReceipt)>,
    ) {
        let existing = self
            .offs
            .iter_mut()
            .find(|o| o.slave == slave && o.channel == channel);
        match existing {
            Some(off) => {
                off.due = off.due.max(due);
                off.waiters.extend(waiter);
            }
            None => self.offs.push(PendingOff {
                slave,
                channel,
                request,
                due,
                waiters: waiter.into_iter().collect(),
                failed_rounds: 0,
            }),
        }
    }

    pub(super) async fn send_off(&mut self, index: usize, closing: bool) {
        let (slave, channel, request) = {
            let off = &self.offs[index];
            (off.slave, off.channel, off.request)
        };
        // Only this task touches `offs`, so `index` still points at the same entry afterwards.
        match self.operation(slave, request, self.opts.retries).await {
            Ok(_) => {
                let off = self.offs.swap_remove(index);
                for (reply, receipt) in off.waiters {
                    self.health.pulse_confirmed(slave, channel);
                    let _ = reply.send(Ok(receipt));
                }
            }
            Err(failed) => {
                tracing::error!(bus = %self.name, slave, channel, error = %failed.error,
                    "OFF not confirmed: the coil may still be energised");
                let port_gone = matches!(failed.error, RelayError::Transport { .. });
                let off = &mut self.offs[index];
                for (reply, _) in off.waiters.drain(..) {
                    let _ = reply.send(Err(failed.error.clone()));
                }
                if closing || !port_gone {
                    off.failed_rounds += 1;
                }
                let limit = if closing {
                    CLOSING_OFF_ROUNDS
                } else {
                    MAX_OFF_ROUNDS
                };
                if off.failed_rounds >= limit {
                    tracing::error!(bus = %self.name, slave, channel, "giving up on the OFF");
                    self.offs.swap_remove(index);
                } else {
                    let wait = self.opts.reconnect_min * 2u32.pow(off.failed_rounds.min(5));
                    off.due = Instant::now() + wait.min(self.opts.reconnect_max);
                }
            }
        }
    }

    /// Sends every OFF still owed, then lets the port go.
    pub(super) async fn finish(&mut self) {
        while let Some(due) = self.offs.iter().map(|o| o.due).min() {
            sleep_until(due).await;
            let now = Instant::now();
            let index = self
                .offs
                .iter()
                .position(|o| o.due <= now)
                .expect("the earliest OFF is due after sleeping until it");
            self.send_off(index, true).await;
        }
        self.link = None;
    }
}
