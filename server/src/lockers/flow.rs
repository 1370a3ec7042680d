//! The short-lived card-flow state of each kiosk (spec §3.2), kept in memory: read debouncing,
//! partial-read confirmation, selection sessions and pending second-scan decisions. None of it
//! needs to survive a restart: every entry lives for seconds.

use super::card::{CardKey, CardUid};
use super::view::LockerView;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the kiosk should do after a scan, a selection or a decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ScanOutcome {
    /// Show these lockers; tapping one calls `select` with `session` within `expires_in` seconds.
    Choose {
        session: String,
        expires_in: u64,
        lockers: Vec<OfferedLocker>,
    },
    /// A locker was opened.
    Opened {
        locker: LockerView,
        #[serde(skip_serializing_if = "Option::is_none")]
        assigned: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        released: Option<bool>,
    },
    /// The card owns a locker: ask whether to finish or only open it.
    Decide {
        decision: String,
        locker: LockerView,
        open_only_allowed: bool,
        expires_in: u64,
    },
    /// A suspected partial read: read the card again.
    ConfirmRead,
    /// The read was ignored (e.g. the same card read twice in quick succession).
    Ignored { reason: String },
}

/// A locker offered on the choose screen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferedLocker {
    pub number: i64,
    pub name: Option<String>,
}

/// The member's answer on the decide screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionChoice {
    Finish,
    OpenOnly,
}

/// How a read should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadVerdict {
    Proceed,
    ConfirmRead,
    Duplicate,
}

#[derive(Debug, Clone)]
pub struct Selection {
    /// The reading device the session belongs to.
    pub station: String,
    pub card: CardKey,
    pub hint: String,
    pub offered: Vec<i64>,
    pub expires: Instant,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub station: String,
    pub card: CardKey,
    pub locker: i64,
    pub expires: Instant,
}

#[derive(Default)]
struct Inner {
    last_reads: HashMap<(String, CardUid), Instant>,
    partial: HashMap<String, (CardUid, Instant)>,
    selections: HashMap<String, Selection>,
    decisions: HashMap<String, Decision>,
}

/// The station id of card reader `n` (from 1) wired to `kiosk`.
pub fn reader_station(kiosk: &str, n: usize) -> String {
    format!("reader:{kiosk}:{n}")
}

/// Whether `station` at `kiosk` may continue a session that `owner` started: its own, or one
/// that a card reader wired to the same kiosk started (a reader has no screen of its own, so the
/// kiosk's screen answers for it). Kiosk ids contain no `:`.
fn may_continue(owner: &str, kiosk: &str, station: &str) -> bool {
    owner == station
        || owner
            .strip_prefix("reader:")
            .and_then(|rest| rest.rsplit_once(':'))
            .is_some_and(|(k, _)| k == kiosk)
}

/// Entries beyond this many trigger a sweep of expired ones on the next call.
const SWEEP_ABOVE: usize = 4096;

#[derive(Default)]
pub struct FlowState {
    inner: Mutex<Inner>,
}

impl FlowState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("card-flow state lock poisoned")
    }

    /// Classify a read: a partial UID needs a second identical read within `partial_window`;
    /// the same card within `duplicate_window` of its last accepted read counts once.
    pub fn classify_read(
        &self,
        kiosk: &str,
        uid: &CardUid,
        now: Instant,
        partial_window: Duration,
        duplicate_window: Duration,
    ) -> ReadVerdict {
        let mut inner = self.lock();
        if inner.last_reads.len() > SWEEP_ABOVE {
            let horizon = duplicate_window.max(partial_window);
            inner
                .last_reads
                .retain(|_, at| now.duration_since(*at) < horizon);
        }
        let key = (kiosk.to_owned(), uid.clone());
        if let Some(at) = inner.last_reads.get(&key)
            && now.duration_since(*at) < duplicate_window
        {
            return ReadVerdict::Duplicate;
        }
        if uid.is_partial() {
            match inner.partial.remove(kiosk) {
                Some((pending, at))
                    if pending == *uid && now.duration_since(at) <= partial_window => {}
                _ => {
                    inner.partial.insert(kiosk.to_owned(), (uid.clone(), now));
                    return ReadVerdict::ConfirmRead;
                }
            }
        }
        inner.last_reads.insert(key, now);
        ReadVerdict::Proceed
    }

    /// Cancel every open selection and decision at a station (a new scan replaces them).
    pub fn cancel_station(&self, station: &str) {
        let mut inner = self.lock();
        inner.selections.retain(|_, s| s.station != station);
        inner.decisions.retain(|_, d| d.station != station);
    }

    pub fn open_selection(&self, id: String, selection: Selection) {
        let mut inner = self.lock();
        let now = Instant::now();
        if inner.selections.len() > SWEEP_ABOVE {
            inner.selections.retain(|_, s| s.expires > now);
        }
        inner.selections.insert(id, selection);
    }

    /// The live selection with this id that `station` at `kiosk` may continue, if it has not
    /// expired.
    pub fn selection(
        &self,
        id: &str,
        kiosk: &str,
        station: &str,
        now: Instant,
    ) -> Option<Selection> {
        let mut inner = self.lock();
        match inner.selections.get(id) {
            Some(s) if may_continue(&s.station, kiosk, station) && s.expires > now => {
                Some(s.clone())
            }
            Some(s) if may_continue(&s.station, kiosk, station) => {
                inner.selections.remove(id);
                None
            }
            _ => None,
        }
    }

    pub fn close_selection(&self, id: &str) {
        self.lock().selections.remove(id);
    }

    /// Stop offering a locker in a selection (it failed to open).
    pub fn withdraw_offer(&self, id: &str, locker: i64) {
        if let Some(s) = self.lock().selections.get_mut(id) {
            s.offered.retain(|n| *n != locker);
        }
    }

    pub fn open_decision(&self, id: String, decision: Decision) {
        let mut inner = self.lock();
        let now = Instant::now();
        if inner.decisions.len() > SWEEP_ABOVE {
            inner.decisions.retain(|_, d| d.expires > now);
        }
        inner.decisions.insert(id, decision);
    }

    /// Take (remove) the live decision with this id that `station` at `kiosk` may continue.
    pub fn take_decision(
        &self,
        id: &str,
        kiosk: &str,
        station: &str,
        now: Instant,
    ) -> Option<Decision> {
        let mut inner = self.lock();
        match inner.decisions.get(id) {
            Some(d) if may_continue(&d.station, kiosk, station) => {
                let d = inner.decisions.remove(id)?;
                (d.expires > now).then_some(d)
            }
            _ => None,
        }
    }

    /// Drop every expired entry (called by the housekeeping job).
    pub fn sweep(&self, now: Instant, horizon: Duration) {
        let mut inner = self.lock();
        inner
            .last_reads
            .retain(|_, at| now.duration_since(*at) < horizon);
        inner
            .partial
            .retain(|_, (_, at)| now.duration_since(*at) < horizon);
        inner.selections.retain(|_, s| s.expires > now);
        inner.decisions.retain(|_, d| d.expires > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTIAL: Duration = Duration::from_secs(4);
    const DUP: Duration = Duration::from_millis(1500);

    fn uid(s: &str) -> CardUid {
        CardUid::normalise(s).unwrap()
    }

    #[test]
    fn the_same_card_within_1_5_s_counts_once() {
        let flow = FlowState::default();
        let t0 = Instant::now();
        let card = uid("A1B2C3D4E5");
        assert_eq!(
            flow.classify_read("men", &card, t0, PARTIAL, DUP),
            ReadVerdict::Proceed
        );
        assert_eq!(
            flow.classify_read("men", &card, t0 + Duration::from_millis(1400), PARTIAL, DUP),
            ReadVerdict::Duplicate
        );
        assert_eq!(
            flow.classify_read(
                "women",
                &card,
                t0 + Duration::from_millis(1400),
                PARTIAL,
                DUP
            ),
            ReadVerdict::Proceed
        );
        assert_eq!(
            flow.classify_read("men", &card, t0 + Duration::from_millis(1600), PARTIAL, DUP),
            ReadVerdict::Proceed
        );
    }

    #[test]
    fn a_kiosk_screen_continues_sessions_of_its_own_readers_only() {
        let men_reader = reader_station("men", 1);
        assert!(may_continue(&men_reader, "men", "credential-1"));
        assert!(!may_continue(&men_reader, "women", "credential-2"));
        assert!(!may_continue("reader:menx:1", "men", "credential-1"));
        assert!(may_continue("credential-1", "men", "credential-1"));
        assert!(!may_continue("credential-1", "men", "credential-2"));
    }

    #[test]
    fn a_partial_read_needs_the_same_uid_again_within_4_s() {
        let flow = FlowState::default();
        let t0 = Instant::now();
        let short = uid("12345");
        assert_eq!(
            flow.classify_read("men", &short, t0, PARTIAL, DUP),
            ReadVerdict::ConfirmRead
        );
        assert_eq!(
            flow.classify_read("men", &short, t0 + Duration::from_secs(5), PARTIAL, DUP),
            ReadVerdict::ConfirmRead
        );
        assert_eq!(
            flow.classify_read("men", &short, t0 + Duration::from_secs(8), PARTIAL, DUP),
            ReadVerdict::Proceed
        );
        let other = uid("54321");
        assert_eq!(
            flow.classify_read("men", &other, t0 + Duration::from_secs(9), PARTIAL, DUP),
            ReadVerdict::ConfirmRead
        );
        assert_eq!(
            flow.classify_read("men", &short, t0 + Duration::from_secs(10), PARTIAL, DUP),
            ReadVerdict::ConfirmRead
        );
    }
}
