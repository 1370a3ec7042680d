//! Card readers the hub reads itself, configured per kiosk in `[[kiosk.reader]]`: serial readers
//! sending `STX … ETX` frames ([`serial`]) and USB readers that type digits and Enter, read as a
//! Linux input device with an exclusive grab ([`evdev`]). A keyboard-wedge reader on the kiosk's
//! own screen needs none of this: the kiosk page posts its cards to the scan API.
//!
//! Each reader is one task that reopens its port or device whenever it goes away (an unplugged
//! reader comes back without a restart) and hands every card to [`Lockers::scan`] under its own
//! station id, `reader:<kiosk>:<n>`, so debouncing and sessions are per reader. The outcome is
//! announced on `/ws/lockers` as a transient `reader_scan` event in the kiosk's room: the kiosk's
//! screen shows it and may continue a `choose` or `decide` session the reader started. Raw card
//! numbers are never logged or stored; `CardUid::normalise` is the only interpretation of them.
//!
//! [`Lockers::scan`]: crate::lockers::Lockers::scan

pub mod evdev;
pub mod serial;

use crate::app::AppState;
use crate::config::{Config, ReaderConfig};
use crate::http::error::ApiError;
use crate::lockers::reader_station;
use crate::realtime::Event;
use crate::time::{now_ms, rfc3339};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// First wait before reopening a reader that went away, doubled up to `RECONNECT_MAX`.
const RECONNECT_MIN: Duration = Duration::from_millis(200);
const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// What the hub knows about one reader, as `GET /api/hardware` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReaderStatus {
    pub kiosk: String,
    /// The station id its cards are scanned under.
    pub reader: String,
    pub kind: &'static str,
    pub path: String,
    /// The port or device is open (and, for evdev, grabbed) right now.
    pub connected: bool,
    /// Cards read since the hub started.
    pub reads: u64,
    pub last_read: Option<String>,
    /// Why it is not connected, or why it last went away.
    pub last_error: Option<String>,
}

/// The status of every configured reader. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ReaderBoard(Arc<Mutex<Vec<ReaderStatus>>>);

impl ReaderBoard {
    /// Every reader of `config`, not connected yet.
    pub fn new(config: &Config) -> ReaderBoard {
        let readers = config
            .kiosks
            .iter()
            .flat_map(|k| {
                k.readers.iter().enumerate().map(|(i, r)| ReaderStatus {
                    kiosk: k.id.clone(),
                    reader: reader_station(&k.id, i + 1),
                    kind: r.kind(),
                    path: r.path().to_owned(),
                    connected: false,
                    reads: 0,
                    last_read: None,
                    last_error: None,
                })
            })
            .collect();
        ReaderBoard(Arc::new(Mutex::new(readers)))
    }

    pub fn snapshot(&self) -> Vec<ReaderStatus> {
        self.0.lock().expect("reader board lock poisoned").clone()
    }

    fn update(&self, station: &str, f: impl FnOnce(&mut ReaderStatus)) {
        let mut readers = self.0.lock().expect("reader board lock poisoned");
        if let Some(status) = readers.iter_mut().find(|r| r.reader == station) {
            f(status);
        }
    }
}

/// One reader as its task sees it: where its cards go.
#[derive(Clone)]
pub struct Reader {
    state: AppState,
    kiosk: String,
    station: String,
}

impl Reader {
    /// Reader `n` (from 1) of `kiosk`.
    pub fn new(state: AppState, kiosk: &str, n: usize) -> Reader {
        Reader {
            state,
            kiosk: kiosk.to_owned(),
            station: reader_station(kiosk, n),
        }
    }

    /// A card was read: scan it at the kiosk and announce the outcome to the kiosk's screens.
    pub async fn card(&self, raw: &str) {
        let result = self
            .state
            .lockers
            .scan(&self.kiosk, &self.station, raw)
            .await;
        let outcome = match result {
            Ok(outcome) => serde_json::to_value(outcome).unwrap_or(Value::Null),
            Err(e) => {
                let api = ApiError::from(e);
                json!({"action": "error", "code": api.code, "message": api.message})
            }
        };
        let label = outcome["action"]
            .as_str()
            .filter(|a| *a != "error")
            .or(outcome["code"].as_str())
            .unwrap_or("unknown")
            .to_owned();
        tracing::info!(kiosk = %self.kiosk, reader = %self.station, outcome = %label, "card read");
        metrics::counter!("kioskhub_reader_scans_total", "kiosk" => self.kiosk.clone(), "reader" => self.station.clone(), "outcome" => label)
            .increment(1);
        self.state.readers.update(&self.station, |s| {
            s.reads += 1;
            s.last_read = Some(rfc3339(now_ms()));
        });
        self.state
            .events
            .transient(Event::reader_scan(&self.kiosk, &self.station, outcome));
    }

    fn connected(&self) {
        tracing::info!(kiosk = %self.kiosk, reader = %self.station, "card reader connected");
        self.state.readers.update(&self.station, |s| {
            s.connected = true;
            s.last_error = None;
        });
    }

    /// The port or device is gone or could not be opened; `first` logs it as a warning (later
    /// attempts of the same outage stay quiet).
    fn disconnected(&self, why: &str, first: bool) {
        if first {
            tracing::warn!(kiosk = %self.kiosk, reader = %self.station, error = %why, "card reader not available; retrying");
        }
        self.state.readers.update(&self.station, |s| {
            s.connected = false;
            s.last_error = Some(why.to_owned());
        });
    }

    fn stopped(&self) {
        self.state
            .readers
            .update(&self.station, |s| s.connected = false);
    }
}

/// How one connection to a reader ended.
pub(crate) enum Ended {
    /// The server is stopping.
    Stopped,
    /// The port or device went away (or failed); reopen it.
    Lost(String),
}

/// Runs one reader until `stop` fires: open, read cards, and reopen with backoff whenever the port
/// or device goes away.
pub async fn run(reader: Reader, config: ReaderConfig, stop: CancellationToken) {
    let mut backoff = RECONNECT_MIN;
    let mut first_failure = true;
    loop {
        let ended = match &config {
            ReaderConfig::Serial { port, baud } => {
                serial::connect(&reader, port, *baud, &stop).await
            }
            ReaderConfig::Evdev { device } => evdev::connect(&reader, device, &stop).await,
        };
        match ended {
            Ok(Ended::Stopped) => break,
            Ok(Ended::Lost(why)) => {
                // It was working: report the loss and retry quickly.
                reader.disconnected(&why, true);
                first_failure = false;
                backoff = RECONNECT_MIN;
            }
            Err(why) => {
                reader.disconnected(&why, first_failure);
                first_failure = false;
            }
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(RECONNECT_MAX);
    }
    reader.stopped();
}
