//! The locker service: every operation that changes a locker goes through [`Lockers::apply`],
//! which claims the locker in this process, checks the rule, pulses the relay when the change
//! opens the door, and only then commits the change and its one event in one transaction
//! (rules 1, 2, 5 and 6). Events are published to subscribers after the commit.

use super::LockerState;
use super::card::{CardKey, CardUid};
use super::doors::DoorBook;
use super::flow::FlowState;
use super::view::LockerView;
use crate::config::{FlowSettings, KioskConfig, SiteConfig};
use crate::events::{EventHub, Published};
use crate::help::{AutoReason, raise_automatic};
use crate::settings::Settings;
use crate::store::{LockerRow, NewEvent, Store, StoreError};
use crate::time::{ms, now_ms};
use kioskhub_relay::{PulseLength, RelayBus, RelayError};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use thiserror::Error;

pub use super::ops::{OpenRequest, StaffCommand};

/// Who caused a change; written into every event and audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Kiosk(String),
    Master(String),
    Staff { user_id: String, username: String },
    System(&'static str),
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Kiosk(k) => format!("kiosk:{k}"),
            Actor::Master(k) => format!("master:{k}"),
            Actor::Staff { username, .. } => format!("staff:{username}"),
            Actor::System(job) => format!("system:{job}"),
        }
    }
}

/// Why a locker operation was refused or failed.
#[derive(Debug, Error)]
pub enum LockerError {
    #[error("unknown kiosk {0:?}")]
    UnknownKiosk(String),
    #[error("kiosk {kiosk:?} has no locker {number}")]
    UnknownLocker { kiosk: String, number: i64 },
    #[error("that card could not be read")]
    InvalidCard,
    #[error("no free lockers at this kiosk")]
    NoFreeLockers,
    #[error("that locker was just taken")]
    LockerTaken,
    #[error("this card already holds the most lockers it may")]
    CredentialLimit,
    #[error("this card's locker is at kiosk {kiosk:?} (locker {number})")]
    OwnedElsewhere { kiosk: String, number: i64 },
    #[error("the locker is blocked; please ask staff")]
    LockerBlocked,
    #[error("the locker has a hardware error; please ask staff")]
    LockerInError,
    #[error("that locker was not offered in this session")]
    LockerNotOffered,
    #[error("the session has expired; scan the card again")]
    SessionExpired,
    #[error("open-only is allowed only within the first part of the stay")]
    OpenOnlyWindowPassed,
    #[error("the locker did not confirm opening ({0}); nothing was changed")]
    RelayFailed(String),
    #[error("another command for this locker is in progress")]
    CommandInFlight,
    #[error("{0}")]
    InvalidState(String),
    #[error("this locker is bound to a VIP card: set override to open it")]
    VipOverrideRequired,
    #[error("a reason is required for this action")]
    ReasonRequired,
    #[error("the name {0:?} is already used at this kiosk")]
    NameTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error("master access is locked for {retry_after_s} s")]
    MasterLocked { retry_after_s: i64 },
    #[error("wrong PIN; {attempts_left} attempts left before a lockout")]
    MasterPinWrong { attempts_left: i64 },
    #[error("no master session: enter the PIN first")]
    MasterSessionRequired,
    #[error("no master PIN is set for this site")]
    MasterPinNotSet,
    #[error("command not found")]
    CommandNotFound,
    #[error("this card is being used at another screen right now")]
    CardBusy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A change to one locker, applied by [`Lockers::apply`].
pub(super) struct Change<'a> {
    /// Event type written for the change.
    pub kind: &'static str,
    /// Pulse the relay first; the change is committed only if the pulse is confirmed.
    pub pulse: bool,
    pub actor: &'a Actor,
    /// Serialise on this card and refuse when it already holds `max` lockers (assignments).
    pub card: Option<(&'a CardKey, &'a str, u32)>,
    pub check: &'a (dyn Fn(&LockerRow) -> Result<(), LockerError> + Sync),
    pub mutate: &'a (dyn Fn(&mut LockerRow, i64) + Sync),
    pub extra: Value,
}

/// Claims of lockers with an operation in flight in this process. The hub is the only process
/// that drives a locker's bus (rule 10), so this set is authoritative for "in flight".
#[derive(Default)]
pub(super) struct Claims(Mutex<HashSet<(String, i64)>>);

/// A held claim; released on drop.
pub(super) struct Claim {
    claims: Arc<Claims>,
    key: (String, i64),
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.claims
            .0
            .lock()
            .expect("claims lock poisoned")
            .remove(&self.key);
    }
}

pub(super) struct Inner {
    pub store: Store,
    pub site: SiteConfig,
    pub kiosks: HashMap<String, KioskConfig>,
    /// The card-flow settings in force (the file's, with the panel's edits).
    pub settings: Settings,
    pub relays: HashMap<String, Arc<dyn RelayBus>>,
    pub card_secret: Vec<u8>,
    pub flow: FlowState,
    pub claims: Arc<Claims>,
    /// Cards with an assignment in flight, so a card racing itself at two screens cannot open
    /// a second door before the first assignment commits.
    pub card_claims: Arc<Claims>,
    pub events: EventHub,
    /// Master sessions: kiosk → expiry (60 s of inactivity).
    pub master: Mutex<HashMap<String, Instant>>,
    /// Door sensors of the kiosks that have them.
    pub doors: DoorBook,
}

/// The locker domain service. Cheap to clone.
#[derive(Clone)]
pub struct Lockers(pub(super) Arc<Inner>);

impl Lockers {
    pub fn new(
        store: Store,
        site: SiteConfig,
        kiosks: Vec<KioskConfig>,
        settings: Settings,
        relays: HashMap<String, Arc<dyn RelayBus>>,
        card_secret: Vec<u8>,
        events: EventHub,
    ) -> Self {
        Lockers(Arc::new(Inner {
            store,
            site,
            kiosks: kiosks.into_iter().map(|k| (k.id.clone(), k)).collect(),
            settings,
            relays,
            card_secret,
            flow: FlowState::default(),
            claims: Arc::new(Claims::default()),
            card_claims: Arc::new(Claims::default()),
            events,
            master: Mutex::new(HashMap::new()),
            doors: DoorBook::default(),
        }))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn site(&self) -> &SiteConfig {
        &self.0.site
    }

    /// The configuration of a kiosk, or `UnknownKiosk`.
    pub fn kiosk(&self, id: &str) -> Result<&KioskConfig, LockerError> {
        self.0
            .kiosks
            .get(id)
            .ok_or_else(|| LockerError::UnknownKiosk(id.to_owned()))
    }

    /// Card-flow settings in force at a kiosk (the site's with its overrides, the file's with
    /// the panel's edits), read afresh so a change applies to the next operation.
    pub fn flow_settings(&self, kiosk: &str) -> FlowSettings {
        self.0.settings.flow(kiosk)
    }

    /// The settings in force and the panel's edits.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The stored key of a card as read.
    pub fn card(&self, raw: &str) -> Result<(CardUid, CardKey), LockerError> {
        let uid = CardUid::normalise(raw).ok_or(LockerError::InvalidCard)?;
        let key = uid.key(&self.0.card_secret);
        Ok((uid, key))
    }

    /// A view of a locker row with this kiosk's overdue setting.
    pub fn view(&self, row: &LockerRow) -> LockerView {
        let overdue = ms(self.flow_settings(&row.kiosk_id).overdue_after);
        let mut view = LockerView::new(row, now_ms(), overdue);
        view.door = self.door(&row.kiosk_id, row.number).map(str::to_owned);
        view
    }

    /// One locker, or `UnknownLocker`.
    pub async fn locker(&self, kiosk: &str, number: i64) -> Result<LockerRow, LockerError> {
        self.kiosk(kiosk)?;
        self.0
            .store
            .locker(kiosk, number)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => LockerError::UnknownLocker {
                    kiosk: kiosk.to_owned(),
                    number,
                },
                other => other.into(),
            })
    }

    /// Claim a locker for one operation, or `None` when another holds it.
    pub(super) fn claim(&self, kiosk: &str, number: i64) -> Option<Claim> {
        let key = (kiosk.to_owned(), number);
        let mut set = self.0.claims.0.lock().expect("claims lock poisoned");
        set.insert(key.clone()).then(|| Claim {
            claims: self.0.claims.clone(),
            key,
        })
    }

    /// Claim a card for one assignment, or `None` when one is already in flight for it.
    pub(super) fn claim_card(&self, card: &CardKey) -> Option<Claim> {
        let key = (card.as_str().to_owned(), 0);
        let mut set = self.0.card_claims.0.lock().expect("claims lock poisoned");
        set.insert(key.clone()).then(|| Claim {
            claims: self.0.card_claims.clone(),
            key,
        })
    }

    /// Pulse a locker's relay with the kiosk's pulse length; counts the outcome in metrics and
    /// tells the door sensors (if the kiosk has them) that this door may now open. A door that
    /// already reads open is pulsed all the same.
    async fn pulse(&self, row: &LockerRow) -> Result<(), RelayError> {
        let doors = self.kiosk(&row.kiosk_id).is_ok_and(|k| k.doors);
        if doors {
            self.0
                .doors
                .commanded(&row.kiosk_id, row.number, Instant::now());
        }
        let bus = self
            .0
            .relays
            .get(&row.bus)
            .ok_or_else(|| RelayError::Transport {
                bus: row.bus.clone(),
                reason: "bus not configured".into(),
            })?;
        let length = PulseLength::from_millis(self.flow_settings(&row.kiosk_id).pulse_ms)
            .unwrap_or_default();
        let slave = u8::try_from(row.slave).unwrap_or(0);
        let channel = u16::try_from(row.channel).unwrap_or(0);
        let result = bus.pulse(slave, channel, length).await;
        let outcome = if result.is_ok() {
            "confirmed"
        } else {
            "failed"
        };
        metrics::counter!("kioskhub_relay_pulses_total", "bus" => row.bus.clone(), "result" => outcome)
            .increment(1);
        if doors && result.is_ok() {
            self.0
                .doors
                .confirmed(&row.kiosk_id, row.number, Instant::now());
        }
        result.map(|_| ())
    }

    /// Apply one change to a locker the caller has claimed. See the module doc.
    pub(super) async fn apply(
        &self,
        _claim: &Claim,
        kiosk: &str,
        number: i64,
        change: Change<'_>,
    ) -> Result<LockerRow, LockerError> {
        let before = self.locker(kiosk, number).await?;
        (change.check)(&before)?;
        if let Some((card, _, max)) = change.card {
            let held = self.0.store.lockers_owned_by(card.as_str()).await?;
            if held.len() >= usize::try_from(max).unwrap_or(usize::MAX) {
                return Err(LockerError::CredentialLimit);
            }
        }
        if change.pulse
            && let Ok(opening) = crate::realtime::Event::locker_state_changed(
                kiosk,
                number,
                before.state.as_str(),
                "opening",
                json!({"action": change.kind, "transient": true}),
            )
        {
            self.0.events.transient(opening);
        }
        if change.pulse
            && let Err(err) = self.pulse(&before).await
        {
            tracing::warn!(kiosk, number, error = %err, "relay pulse not confirmed");
            self.mark_error(&before, &err, change.actor).await;
            return Err(LockerError::RelayFailed(err.code().to_owned()));
        }
        let now = now_ms();
        let mut after = before.clone();
        (change.mutate)(&mut after, now);
        if change.pulse {
            after.last_opened_at = Some(now);
        }
        let mut tx = self.0.store.begin().await?;
        if let Some((card, hint, max)) = change.card {
            tx.lock_card(card.as_str(), hint, now).await?;
            if tx.count_owned_by(card.as_str()).await? >= i64::from(max) {
                if change.pulse {
                    tracing::warn!(
                        kiosk,
                        number,
                        "locker opened but the card reached its limit elsewhere meanwhile"
                    );
                }
                return Err(LockerError::CredentialLimit);
            }
        }
        tx.update_locker(&after).await.map_err(|e| match e {
            StoreError::Conflict | StoreError::Duplicate(_) => LockerError::LockerTaken,
            other => other.into(),
        })?;
        if change.pulse {
            tx.count_pulse(&before.bus, before.slave, before.channel)
                .await?;
        }
        let data = change_data(&before, &after, change.extra, now);
        let actor = change.actor.label();
        let event = NewEvent {
            ts: now,
            site: &self.0.site.id,
            kind: change.kind,
            kiosk_id: Some(kiosk),
            locker: Some(number),
            actor: &actor,
            data,
        };
        let seq = crate::events::append(&mut tx, &event).await?;
        tx.commit().await?;
        after.version += 1;
        self.0.events.publish(Published::from_event(seq, &event));
        Ok(after)
    }

    /// After a failed pulse: the locker goes to `error`, keeping its owner, with an alert event
    /// (and, when it is a member's own locker opened from the kiosk, an automatic help request).
    async fn mark_error(&self, row: &LockerRow, err: &RelayError, actor: &Actor) {
        let from_kiosk = matches!(actor, Actor::Kiosk(_));
        let result = async {
            let now = now_ms();
            let mut tx = self.0.store.begin().await?;
            let mut after = tx.locker(&row.kiosk_id, row.number).await?;
            let before = after.clone();
            if after.state != LockerState::Error {
                after.prev_state = Some(after.state);
                after.state = LockerState::Error;
            }
            tx.update_locker(&after).await?;
            let extra = json!({"error": err.code(), "message": err.to_string(), "alert": true});
            let actor = actor.label();
            let event = NewEvent {
                ts: now,
                site: &self.0.site.id,
                kind: "locker_error",
                kiosk_id: Some(&row.kiosk_id),
                locker: Some(row.number),
                actor: &actor,
                data: change_data(&before, &after, extra, now),
            };
            let seq = crate::events::append(&mut tx, &event).await?;
            // A member at the kiosk whose own locker did not open needs a person: raise an
            // automatic help request (at most one unresolved per locker).
            let members_own = row.owner_key.is_some() || row.vip_card_key.is_some();
            let help = if from_kiosk && members_own {
                let reason = AutoReason::RelayFailed(err.code().to_owned());
                raise_automatic(
                    &mut tx,
                    &self.0.site.id,
                    &row.kiosk_id,
                    row.number,
                    &reason,
                    now,
                )
                .await?
            } else {
                None
            };
            tx.commit().await?;
            self.0.events.publish(Published::from_event(seq, &event));
            if let Some(help) = help {
                self.0.events.publish(help);
            }
            Ok::<_, StoreError>(())
        };
        if let Err(e) = result.await {
            tracing::error!(kiosk = %row.kiosk_id, number = row.number, error = %e, "could not record a relay error");
        }
    }

    /// Write an event that changes no locker (security alerts, PIN changes, ...).
    pub(super) async fn record(
        &self,
        kind: &str,
        kiosk: Option<&str>,
        locker: Option<i64>,
        actor: &Actor,
        data: Value,
    ) -> Result<i64, LockerError> {
        let actor = actor.label();
        let event = NewEvent {
            ts: now_ms(),
            site: &self.0.site.id,
            kind,
            kiosk_id: kiosk,
            locker,
            actor: &actor,
            data,
        };
        let mut tx = self.0.store.begin().await?;
        let seq = crate::events::append(&mut tx, &event).await?;
        tx.commit().await?;
        self.0.events.publish(Published::from_event(seq, &event));
        Ok(seq)
    }
}

/// The common payload of a locker event: what changed, plus the operation's own fields.
fn change_data(before: &LockerRow, after: &LockerRow, extra: Value, now: i64) -> Value {
    let mut data = json!({
        "kiosk": after.kiosk_id,
        "locker": after.number,
        "old_state": before.state,
        "new_state": after.state,
        "owner_hint": after.owner_hint.as_ref().or(before.owner_hint.as_ref()),
        "version": after.version + 1,
        "ts_ms": now,
    });
    if let Value::Object(map) = &mut data {
        if before.state == LockerState::Owned
            && after.owner_key.is_none()
            && let Some(at) = before.owned_at
        {
            map.insert("held_ms".into(), json!((now - at).max(0)));
        }
        if let Value::Object(more) = extra {
            map.extend(more);
        }
    }
    data
}

/// Release an owned locker in place (finish, staff free, end of day, auto-release).
pub(super) fn release(row: &mut LockerRow, now: i64) {
    row.last_owner_key = row.owner_key.take();
    row.last_owned_at = row.owned_at.take();
    row.owner_hint = None;
    row.released_at = Some(now);
    row.state = LockerState::Free;
    row.prev_state = None;
}
