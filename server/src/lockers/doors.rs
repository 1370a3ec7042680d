//! Door sensors: what each door last read, and the two alarms a door can raise.
//!
//! A kiosk with `doors = true` has a sensor per locker on its board's discrete inputs (input *n*
//! of a board is the door of the locker on channel *n*). The hub polls them (see
//! `hardware::doors`) and hands each reading to [`Lockers::door_readings`], which keeps the
//! state in memory, writes an event for each change (`door_opened`, `door_closed`) and for each
//! alarm, and publishes them after the commit:
//!
//! - `door_jam`: a pulse was confirmed but the door did not read open within [`JAM_AFTER`];
//! - `door_forced`: a door opened with no pulse sent to it in the [`FORCED_WINDOW`] before.
//!
//! The first reading after start-up sets the state without events (nothing is known of what
//! happened before). A sensor never stops a pulse: a locker whose door already reads open is
//! still pulsed when it is opened, so a cut sensor cable cannot lock a member out.

use super::service::{Actor, LockerError, Lockers};
use crate::events::Published;
use crate::store::NewEvent;
use crate::time::now_ms;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long after a confirmed pulse a door that is still closed counts as jammed.
pub const JAM_AFTER: Duration = Duration::from_secs(10);
/// How long after a pulse a door may open without counting as forced.
pub const FORCED_WINDOW: Duration = Duration::from_secs(10);

/// One door as last read.
#[derive(Debug, Default)]
struct Door {
    /// `None` until the first reading.
    open: Option<bool>,
    /// The last pulse sent to the locker, confirmed or not.
    commanded: Option<Instant>,
    /// A confirmed pulse the door has not answered by opening yet.
    awaiting: Option<Instant>,
}

/// What a reading changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorNews {
    Opened { forced: bool },
    Closed,
    Jammed { waited: Duration },
}

/// The doors of every locker on a kiosk with sensors, by (kiosk, locker).
#[derive(Debug, Default)]
pub struct DoorBook(Mutex<HashMap<(String, i64), Door>>);

impl DoorBook {
    fn with<T>(&self, kiosk: &str, locker: i64, f: impl FnOnce(&mut Door) -> T) -> T {
        let mut doors = self.0.lock().expect("door book lock poisoned");
        f(doors.entry((kiosk.to_owned(), locker)).or_default())
    }

    /// A pulse is being sent: an opening soon after is commanded, not forced.
    pub fn commanded(&self, kiosk: &str, locker: i64, at: Instant) {
        self.with(kiosk, locker, |d| d.commanded = Some(at));
    }

    /// The pulse was confirmed: the door should now open within [`JAM_AFTER`] — unless it reads
    /// open already, in which case there is nothing to wait for.
    pub fn confirmed(&self, kiosk: &str, locker: i64, at: Instant) {
        self.with(kiosk, locker, |d| {
            d.awaiting = (d.open != Some(true)).then_some(at);
        });
    }

    /// The door's state as last read: `Some(true)` open, `None` not read (yet).
    pub fn state(&self, kiosk: &str, locker: i64) -> Option<bool> {
        let doors = self.0.lock().expect("door book lock poisoned");
        doors.get(&(kiosk.to_owned(), locker)).and_then(|d| d.open)
    }

    /// One reading of a door at `at`, and what it tells.
    pub fn observe(&self, kiosk: &str, locker: i64, open: bool, at: Instant) -> Vec<DoorNews> {
        self.with(kiosk, locker, |d| {
            let before = d.open.replace(open);
            let mut news = Vec::new();
            if open {
                if before == Some(false) {
                    let forced = d
                        .commanded
                        .is_none_or(|c| at.saturating_duration_since(c) > FORCED_WINDOW);
                    news.push(DoorNews::Opened { forced });
                }
                d.awaiting = None;
                return news;
            }
            if before == Some(true) {
                news.push(DoorNews::Closed);
            }
            if let Some(pulsed) = d.awaiting {
                let waited = at.saturating_duration_since(pulsed);
                if waited >= JAM_AFTER {
                    d.awaiting = None;
                    news.push(DoorNews::Jammed { waited });
                }
            }
            news
        })
    }
}

impl Lockers {
    /// Door readings of one kiosk's lockers taken at `at`: updates their state and writes one
    /// event per change and alarm, in one transaction, published after the commit. Returns the
    /// number of events written.
    pub async fn door_readings(
        &self,
        kiosk: &str,
        readings: &[(i64, bool)],
        at: Instant,
    ) -> Result<usize, LockerError> {
        let mut news = Vec::new();
        for &(locker, open) in readings {
            for item in self.0.doors.observe(kiosk, locker, open, at) {
                news.push((locker, item));
            }
        }
        if news.is_empty() {
            return Ok(0);
        }
        let actor = Actor::System("doors").label();
        let ts = now_ms();
        let mut tx = self.store().begin().await?;
        let mut published = Vec::new();
        let mut events = Vec::new();
        for &(locker, item) in &news {
            for (kind, data) in door_events(kiosk, locker, item) {
                events.push((kind, locker, data));
            }
        }
        for (kind, locker, data) in events {
            let event = NewEvent {
                ts,
                site: &self.site().id,
                kind,
                kiosk_id: Some(kiosk),
                locker: Some(locker),
                actor: &actor,
                data,
            };
            let seq = crate::events::append(&mut tx, &event).await?;
            published.push(Published::from_event(seq, &event));
        }
        tx.commit().await?;
        for (locker, item) in &news {
            if !matches!(item, DoorNews::Closed) {
                tracing::info!(kiosk, locker, news = ?item, "door");
            }
        }
        let written = published.len();
        for p in published {
            self.0.events.publish(p);
        }
        Ok(written)
    }

    /// The door of a locker as last read, for views: `Some("open" | "closed")`, or `None` when the
    /// kiosk has no sensors or the door was not read yet.
    pub fn door(&self, kiosk: &str, locker: i64) -> Option<&'static str> {
        self.0
            .doors
            .state(kiosk, locker)
            .map(|open| if open { "open" } else { "closed" })
    }
}

/// The events of one piece of door news: a forced opening is the change and the alarm.
fn door_events(kiosk: &str, locker: i64, news: DoorNews) -> Vec<(&'static str, Value)> {
    let event = |door: &str, more: Value| {
        let mut data = json!({"kiosk": kiosk, "locker": locker, "door": door});
        if let (Value::Object(map), Value::Object(more)) = (&mut data, more) {
            map.extend(more);
        }
        data
    };
    match news {
        DoorNews::Opened { forced } => {
            let mut events = vec![("door_opened", event("open", json!({})))];
            if forced {
                let alarm = json!({"alert": true, "message": "the door opened without a command"});
                events.push(("door_forced", event("open", alarm)));
            }
            events
        }
        DoorNews::Closed => vec![("door_closed", event("closed", json!({})))],
        DoorNews::Jammed { waited } => {
            let waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
            let alarm = json!({"alert": true, "waited_ms": waited_ms, "message": "the lock was pulsed but the door did not open"});
            vec![("door_jam", event("closed", alarm))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_first_reading_is_a_baseline_and_changes_are_reported_once() {
        let book = DoorBook::default();
        let t = Instant::now();
        assert!(book.observe("men", 1, true, t).is_empty());
        assert!(book.observe("men", 1, true, t + S).is_empty());
        assert_eq!(book.observe("men", 1, false, t + 2 * S), [DoorNews::Closed]);
        assert!(book.observe("men", 1, false, t + 3 * S).is_empty());
        assert_eq!(book.state("men", 1), Some(false));
        assert_eq!(book.state("men", 2), None);
    }

    #[test]
    fn an_opening_within_10_s_of_a_pulse_is_commanded_and_later_ones_are_forced() {
        let book = DoorBook::default();
        let t = Instant::now();
        book.observe("men", 1, false, t);
        book.commanded("men", 1, t);
        book.confirmed("men", 1, t);
        assert_eq!(
            book.observe("men", 1, true, t + 9 * S),
            [DoorNews::Opened { forced: false }]
        );
        book.observe("men", 1, false, t + 10 * S);
        assert_eq!(
            book.observe("men", 1, true, t + 11 * S),
            [DoorNews::Opened { forced: true }]
        );
        book.observe("men", 2, false, t);
        assert_eq!(
            book.observe("men", 2, true, t + S),
            [DoorNews::Opened { forced: true }],
            "never pulsed at all"
        );
    }

    #[test]
    fn a_door_still_closed_10_s_after_a_confirmed_pulse_is_jammed_once() {
        let book = DoorBook::default();
        let t = Instant::now();
        book.observe("men", 1, false, t);
        book.commanded("men", 1, t);
        book.confirmed("men", 1, t);
        assert!(book.observe("men", 1, false, t + 9 * S).is_empty());
        assert_eq!(
            book.observe("men", 1, false, t + 10 * S),
            [DoorNews::Jammed { waited: 10 * S }]
        );
        assert!(book.observe("men", 1, false, t + 20 * S).is_empty());
    }

    #[test]
    fn a_door_already_open_when_pulsed_raises_nothing() {
        let book = DoorBook::default();
        let t = Instant::now();
        book.observe("men", 1, true, t);
        book.commanded("men", 1, t);
        book.confirmed("men", 1, t);
        assert!(book.observe("men", 1, true, t + 20 * S).is_empty());
        assert_eq!(
            book.observe("men", 1, false, t + 21 * S),
            [DoorNews::Closed]
        );
    }
}
