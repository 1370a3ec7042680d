//! A [`RelayBus`] that times what goes through it: every confirmed pulse and read is recorded in
//! `kioskhub_relay_latency_seconds{bus,slave,op}`, from the call to the confirmation — the wait
//! in the bus's queue and any retries included, as a locker or door poller experiences it.
//! Failures are counted by the bus watch (see `monitor`), not here.

use futures::future::BoxFuture;
use kioskhub_relay::{BoardHealth, PulseLength, PulseReceipt, RelayBus, RelayError};
use std::sync::Arc;
use std::time::Instant;

/// Buckets of the latency histogram, in seconds: a pulse at 9600 baud takes ~17 ms of wire time.
pub const LATENCY_BUCKETS: [f64; 11] =
    [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 3.0];

/// Another bus, timed.
pub struct MeteredBus(Arc<dyn RelayBus>);

impl MeteredBus {
    pub fn new(inner: Arc<dyn RelayBus>) -> MeteredBus {
        MeteredBus(inner)
    }

    fn record(&self, slave: u8, op: &'static str, started: Instant) {
        metrics::histogram!("kioskhub_relay_latency_seconds", "bus" => self.0.name().to_owned(), "slave" => slave.to_string(), "op" => op)
            .record(started.elapsed().as_secs_f64());
    }

    async fn read(
        &self,
        slave: u8,
        call: BoxFuture<'_, Result<Vec<bool>, RelayError>>,
    ) -> Result<Vec<bool>, RelayError> {
        let started = Instant::now();
        let result = call.await;
        if result.is_ok() {
            self.record(slave, "read", started);
        }
        result
    }
}

impl RelayBus for MeteredBus {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn pulse(
        &self,
        slave: u8,
        channel: u16,
        length: PulseLength,
    ) -> BoxFuture<'_, Result<PulseReceipt, RelayError>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.0.pulse(slave, channel, length).await;
            if result.is_ok() {
                self.record(slave, "pulse", started);
            }
            result
        })
    }

    fn health(&self) -> Vec<BoardHealth> {
        self.0.health()
    }

    fn read_inputs(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<bool>, RelayError>> {
        Box::pin(self.read(slave, self.0.read_inputs(slave, first, count)))
    }

    fn read_coils(
        &self,
        slave: u8,
        first: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<bool>, RelayError>> {
        Box::pin(self.read(slave, self.0.read_coils(slave, first, count)))
    }

    fn pulse_count(&self, slave: u8, channel: u16) -> u64 {
        self.0.pulse_count(slave, channel)
    }
}
