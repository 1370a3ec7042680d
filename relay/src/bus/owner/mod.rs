//! The task that owns one bus: its port, its queue, its timers. Nothing else touches the port.
//!
//! The loop waits for the next command or the next timer, whichever comes first, and timers win
//! ties so an OFF that is due is never starved by a busy queue. Each timer step does at most one
//! transaction — send a due OFF, try to reopen a lost port, or probe one idle board — so commands
//! are never stuck behind a long round of housekeeping.
//!
//! Between transactions the task keeps the line quiet for the Modbus inter-frame gap plus the
//! configured turnaround (at least 100 ms after a broadcast, which every board executes). Each
//! request has a timeout; timeouts, corrupt replies and wrong echoes are retried with a doubling
//! backoff, exceptions are not (the board answered). Housekeeping only ever reads (rule 4); the
//! one write it may send on its own is an OFF a generic board still owes (rule 9).

mod offs;

use super::health::HealthTable;
use super::{BusOptions, Command, Reply};
use crate::board::{self, PulsePlan};
use crate::frame::{BROADCAST, Request, Response};
use crate::link::lock::PortLock;
use crate::link::{Endpoint, Link, LinkError};
use crate::{BoardSpec, PulseLength, PulseReceipt, RelayError};
use offs::PendingOff;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until};

/// Modbus serial line spec §2.4.1: after a broadcast, give every board time to act.
const BROADCAST_TURNAROUND: Duration = Duration::from_millis(100);

/// A confirmed exchange.
struct Exchanged {
    reply: Option<Response>,
    latency: Duration,
    attempts: u8,
}

/// An exchange that was not confirmed, and whether the request may have reached the line.
struct Failed {
    error: RelayError,
    sent: bool,
}

pub(super) struct Owner {
    name: String,
    endpoint: Endpoint,
    opts: BusOptions,
    boards: BTreeMap<u8, BoardSpec>,
    health: Arc<HealthTable>,
    /// The configured serial path's lock, held for the task's lifetime, across reconnections.
    _lock: Option<PortLock>,
    /// The lock on the device behind an aliased path, held with the open connection.
    device_lock: Option<PortLock>,
    link: Option<Link>,
    gap: Duration,
    quiet_until: Instant,
    reconnect_at: Instant,
    reconnect_delay: Duration,
    last_open_attempt: Option<Instant>,
    last_transport_error: String,
    probe_at: BTreeMap<u8, Instant>,
    offs: Vec<PendingOff>,
}

impl Owner {
    pub(super) fn new(
        name: String,
        endpoint: Endpoint,
        boards: &[BoardSpec],
        opts: BusOptions,
        health: Arc<HealthTable>,
        lock: Option<PortLock>,
        device_lock: Option<PortLock>,
    ) -> Owner {
        let now = Instant::now();
        let probe_at = match opts.probe_interval {
            Some(_) => boards.iter().map(|b| (b.slave, now)).collect(),
            None => BTreeMap::new(),
        };
        Owner {
            name,
            gap: endpoint.inter_frame_gap(),
            endpoint,
            boards: boards.iter().map(|b| (b.slave, b.clone())).collect(),
            health,
            _lock: lock,
            device_lock,
            link: None,
            quiet_until: now,
            reconnect_at: now,
            reconnect_delay: opts.reconnect_min,
            last_open_attempt: None,
            last_transport_error: "the port has not been opened yet".into(),
            probe_at,
            offs: Vec::new(),
            opts,
        }
    }

    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        loop {
            let wake = self.next_wake();
            tokio::select! {
                biased;
                () = sleep_until(wake) => self.step().await,
                command = rx.recv() => match command {
                    Some(Command::Close { reply }) => {
                        self.finish().await;
                        // Release the port and its lock before the caller hears that we closed.
                        drop(self);
                        let _ = reply.send(());
                        return;
                    }
                    Some(command) => self.handle(command).await,
                    None => {
                        self.finish().await;
                        return;
                    }
                },
            }
        }
    }

    fn next_wake(&self) -> Instant {
        let off = self.offs.iter().map(|o| o.due).min();
        let housekeeping = if self.link.is_none() {
            Some(self.reconnect_at)
        } else {
            self.probe_at.values().min().copied()
        };
        [off, housekeeping]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))
    }

    /// One timer step: at most one transaction.
    async fn step(&mut self) {
        let now = Instant::now();
        if let Some(index) = self.offs.iter().position(|o| o.due <= now) {
            self.send_off(index, false).await;
        } else if self.link.is_none() {
            if now >= self.reconnect_at {
                self.reconnect().await;
            }
        } else if let Some((&slave, _)) = self.probe_at.iter().find(|(_, at)| **at <= now) {
            self.probe(slave).await;
        }
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Pulse {
                slave,
                channel,
                length,
                reply,
            } => self.pulse(slave, channel, length, reply).await,
            Command::Exchange {
                slave,
                request,
                retries,
                reply,
            } => {
                let retries = retries.unwrap_or(self.opts.retries);
                let result = self.operation(slave, request, retries).await;
                let _ = reply.send(result.map(|done| done.reply).map_err(|f| f.error));
            }
            Command::Probe { reply } => {
                let slaves: Vec<u8> = self.boards.keys().copied().collect();
                for slave in slaves {
                    self.probe(slave).await;
                }
                let _ = reply.send(());
            }
            // `run` handles closing itself; nothing is left to do here.
            Command::Close { reply } => {
                let _ = reply.send(());
            }
        }
    }

    async fn pulse(
        &mut self,
        slave: u8,
        channel: u16,
        length: PulseLength,
        reply: Reply<PulseReceipt>,
    ) {
        let spec = self
            .boards
            .get(&slave)
            .filter(|spec| (1..=spec.channels).contains(&channel))
            .cloned();
        let Some(spec) = spec else {
            let _ = reply.send(Err(RelayError::NoSuchChannel {
                bus: self.name.clone(),
                slave,
                channel,
            }));
            return;
        };
        match board::pulse_plan(spec.kind, channel, length) {
            PulsePlan::Timed(request) => {
                let result = self.operation(slave, request, self.opts.retries).await;
                if result.is_ok() {
                    self.health.pulse_confirmed(slave, channel);
                }
                let _ = reply.send(result.map(receipt).map_err(|f| f.error));
            }
            PulsePlan::OnHoldOff { on, hold, off } => {
                match self.operation(slave, on, self.opts.retries).await {
                    Ok(done) => {
                        let waiter = (reply, receipt(done));
                        self.schedule_off(slave, channel, off, Instant::now() + hold, Some(waiter));
                    }
                    Err(failed) => {
                        // The ON may have reached the board even though no valid reply came
                        // back: switch it off at once. A refusal means it did nothing.
                        let refused = matches!(failed.error, RelayError::Exception { .. });
                        if failed.sent && !refused {
                            self.schedule_off(slave, channel, off, Instant::now(), None);
                        }
                        let _ = reply.send(Err(failed.error));
                    }
                }
            }
        }
    }

    /// Reads one board to see that it is alive (rule 4: reads only). An exception is an answer.
    async fn probe(&mut self, slave: u8) {
        let Some(spec) = self.boards.get(&slave) else {
            return;
        };
        let request = board::probe(spec.channels);
        match self.exchange(slave, &request, 0).await {
            Ok(done) => self.health.success(slave, Some(done.latency), true),
            Err(Failed {
                error: RelayError::Exception { .. },
                ..
            }) => self.health.success(slave, None, true),
            Err(failed) => {
                self.health
                    .failure(slave, &failed.error, self.opts.offline_after, true);
            }
        }
        self.touch(slave);
    }

    /// An exchange on behalf of a caller, recorded in the board's health.
    async fn operation(
        &mut self,
        slave: u8,
        request: Request,
        retries: u8,
    ) -> Result<Exchanged, Failed> {
        let result = self.exchange(slave, &request, retries).await;
        match &result {
            Ok(done) => self.health.success(slave, Some(done.latency), false),
            Err(failed) => {
                self.health
                    .failure(slave, &failed.error, self.opts.offline_after, false);
            }
        }
        self.touch(slave);
        result
    }

    /// Pushes the board's next idle probe back: it was just talked to.
    fn touch(&mut self, slave: u8) {
        if let (Some(interval), Some(at)) =
            (self.opts.probe_interval, self.probe_at.get_mut(&slave))
        {
            *at = Instant::now() + interval;
        }
    }

    /// One request with the bus's retries.
    async fn exchange(
        &mut self,
        slave: u8,
        request: &Request,
        retries: u8,
    ) -> Result<Exchanged, Failed> {
        let mut sent = false;
        let mut attempts: u8 = 0;
        loop {
            attempts += 1;
            let error = match self.attempt(slave, request).await {
                Ok((reply, latency)) => {
                    return Ok(Exchanged {
                        reply,
                        latency,
                        attempts,
                    });
                }
                Err((error, reached_line)) => {
                    sent |= reached_line;
                    error
                }
            };
            self.health.attempt_failed(slave, &error);
            // A port lost during this request gets one immediate reopen; otherwise transport
            // errors wait for the reconnect timer.
            let reopen_pending =
                matches!(error, RelayError::Transport { .. }) && self.last_open_attempt.is_none();
            if attempts > retries || !(error.is_transient() || reopen_pending) {
                return Err(Failed { error, sent });
            }
            sleep(self.opts.retry_backoff * 2u32.pow(u32::from(attempts - 1))).await;
        }
    }

    /// One request, once. On failure, also says whether the request may have gone out.
    async fn attempt(
        &mut self,
        slave: u8,
        request: &Request,
    ) -> Result<(Option<Response>, Duration), (RelayError, bool)> {
        self.ensure_link().await.map_err(|e| (e, false))?;
        if self.quiet_until > Instant::now() {
            sleep_until(self.quiet_until).await;
        }
        let link = self.link.as_mut().expect("ensure_link leaves an open link");
        let started = Instant::now();
        let result = link.exchange(slave, request, self.opts.timeout).await;
        let ended = Instant::now();
        let turnaround = if slave == BROADCAST {
            self.opts.turnaround.max(BROADCAST_TURNAROUND)
        } else {
            self.opts.turnaround
        };
        self.quiet_until = ended + self.gap + turnaround;
        match result {
            Ok(reply) => Ok((reply, ended - started)),
            Err(e) => Err((self.relay_error(slave, e), true)),
        }
    }

    fn relay_error(&mut self, slave: u8, error: LinkError) -> RelayError {
        let bus = self.name.clone();
        match error {
            LinkError::Timeout => RelayError::Timeout { bus, slave },
            LinkError::Corrupt(detail) => RelayError::Crc { bus, slave, detail },
            LinkError::Mismatch(detail) => RelayError::Mismatch { bus, slave, detail },
            LinkError::Exception(code) => RelayError::Exception { bus, slave, code },
            LinkError::Io(e) => {
                let reason = format!("{} failed: {e}", self.endpoint.describe());
                tracing::warn!(bus = %self.name, %reason, "lost the port; reconnecting");
                self.link = None;
                self.device_lock = None;
                self.last_open_attempt = None;
                self.last_transport_error = reason.clone();
                self.reconnect_delay = self.opts.reconnect_min;
                self.reconnect_at = Instant::now() + self.opts.reconnect_min;
                RelayError::Transport { bus, reason }
            }
        }
    }

    /// Makes sure a port is open for a command, reopening it at most once per `reconnect_min`.
    async fn ensure_link(&mut self) -> Result<(), RelayError> {
        if self.link.is_some() {
            return Ok(());
        }
        let recently = self
            .last_open_attempt
            .is_some_and(|at| at.elapsed() < self.opts.reconnect_min);
        if recently {
            return Err(self.transport(self.last_transport_error.clone()));
        }
        self.open_link().await
    }

    /// The reconnect timer: reopen, or count the failure against every board and back off.
    async fn reconnect(&mut self) {
        if let Err(error) = self.open_link().await {
            let slaves: Vec<u8> = self.boards.keys().copied().collect();
            for slave in slaves {
                self.health.attempt_failed(slave, &error);
                self.health
                    .failure(slave, &error, self.opts.offline_after, false);
            }
            self.reconnect_at = Instant::now() + self.reconnect_delay;
            self.reconnect_delay = (self.reconnect_delay * 2).min(self.opts.reconnect_max);
        }
    }

    /// Opens the port. Sends nothing: the boards are probed (read) on the next steps.
    async fn open_link(&mut self) -> Result<(), RelayError> {
        self.last_open_attempt = Some(Instant::now());
        if let Endpoint::Serial { path, .. } = &self.endpoint {
            match super::lock_resolved(&self.name, path, self.device_lock.take()) {
                Ok(lock) => self.device_lock = lock,
                Err(busy) => {
                    self.last_transport_error = busy.to_string();
                    return Err(busy);
                }
            }
        }
        match Link::open(&self.endpoint, self.opts.connect_timeout).await {
            Ok(link) => {
                tracing::info!(bus = %self.name, endpoint = %self.endpoint.describe(), "bus connected");
                self.link = Some(link);
                self.reconnect_delay = self.opts.reconnect_min;
                let now = Instant::now();
                self.quiet_until = now + self.gap;
                self.probe_at.values_mut().for_each(|at| *at = now);
                Ok(())
            }
            Err(e) => {
                self.device_lock = None;
                let reason = format!("cannot open {}: {e}", self.endpoint.describe());
                if reason != self.last_transport_error {
                    tracing::warn!(bus = %self.name, %reason, "bus port unavailable");
                }
                self.last_transport_error = reason.clone();
                Err(self.transport(reason))
            }
        }
    }

    fn transport(&self, reason: String) -> RelayError {
        RelayError::Transport {
            bus: self.name.clone(),
            reason,
        }
    }
}

fn receipt(done: Exchanged) -> PulseReceipt {
    PulseReceipt {
        latency: done.latency,
        attempts: done.attempts,
    }
}
