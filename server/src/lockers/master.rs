//! The master PIN (spec §3.4): staff at a kiosk enter the site's PIN to get a master session
//! scoped to that kiosk (60 s of inactivity). Five wrong PINs lock master access at that kiosk
//! for 1, 5, 15, then 60 minutes; the server enforces it and raises a security event.

use super::OpenRequest;
use super::service::{Actor, LockerError, Lockers};
use super::view::LockerView;
use crate::auth::password;
use crate::events::Published;
use crate::store::{MasterLockout, NewEvent, StoreError};
use crate::time::now_ms;
use serde_json::json;
use std::time::{Duration, Instant};

/// Wrong PINs allowed before a lockout.
pub const MAX_FAILURES: i64 = 5;
/// Lockout lengths in minutes, growing with each lockout.
const LOCKOUT_MINUTES: [i64; 4] = [1, 5, 15, 60];
/// A master session ends after this long without a master action.
pub const MASTER_IDLE: Duration = Duration::from_secs(60);
const PIN_KEY: &str = "master_pin_hash";

impl Lockers {
    /// Set the site's master PIN (4–8 digits), stored as an Argon2id hash.
    pub async fn set_master_pin(&self, pin: &str, actor: &Actor) -> Result<(), LockerError> {
        if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LockerError::Invalid(
                "the master PIN must be 4 to 8 digits".into(),
            ));
        }
        let hash = password::hash(pin.to_owned()).await;
        self.store().set_meta(PIN_KEY, &hash).await?;
        self.record("master_pin_changed", None, None, actor, json!({}))
            .await?;
        Ok(())
    }

    /// Is a master PIN set?
    pub async fn master_pin_set(&self) -> Result<bool, LockerError> {
        Ok(self.store().meta(PIN_KEY).await?.is_some())
    }

    /// Check a PIN entered at a kiosk; on success a master session starts there.
    pub async fn master_verify(&self, kiosk: &str, pin: &str) -> Result<u64, LockerError> {
        self.kiosk(kiosk)?;
        let now = now_ms();
        let mut state = self.store().master_lockout(kiosk).await?;
        if let Some(until) = state.master_locked_until
            && until > now
        {
            return Err(LockerError::MasterLocked {
                retry_after_s: (until - now + 999) / 1000,
            });
        }
        let hash = self
            .store()
            .meta(PIN_KEY)
            .await?
            .ok_or(LockerError::MasterPinNotSet)?;
        let pin_ok = pin.len() <= 8 && password::verify(pin.to_owned(), hash).await;
        let actor = Actor::Kiosk(kiosk.to_owned());
        if pin_ok {
            if state != MasterLockout::default() {
                self.save_lockout(kiosk, &MasterLockout::default(), None, &actor)
                    .await?;
            }
            self.0
                .master
                .lock()
                .expect("master sessions lock poisoned")
                .insert(kiosk.to_owned(), Instant::now() + MASTER_IDLE);
            self.record(
                "master_session_started",
                Some(kiosk),
                None,
                &actor,
                json!({}),
            )
            .await?;
            return Ok(MASTER_IDLE.as_secs());
        }
        state.master_failures += 1;
        if state.master_failures >= MAX_FAILURES {
            let index = usize::try_from(state.master_lockout_level).unwrap_or(usize::MAX);
            let minutes = LOCKOUT_MINUTES[index.min(LOCKOUT_MINUTES.len() - 1)];
            state.master_lockout_level += 1;
            state.master_failures = 0;
            state.master_locked_until = Some(now + minutes * 60_000);
            let data = json!({"kiosk": kiosk, "level": state.master_lockout_level, "minutes": minutes, "alert": true});
            self.save_lockout(kiosk, &state, Some(("master_lockout", data)), &actor)
                .await?;
            return Err(LockerError::MasterLocked {
                retry_after_s: minutes * 60,
            });
        }
        let data = json!({"kiosk": kiosk, "failures": state.master_failures});
        self.save_lockout(kiosk, &state, Some(("master_pin_failed", data)), &actor)
            .await?;
        Err(LockerError::MasterPinWrong {
            attempts_left: MAX_FAILURES - state.master_failures,
        })
    }

    async fn save_lockout(
        &self,
        kiosk: &str,
        state: &MasterLockout,
        event: Option<(&str, serde_json::Value)>,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        tx.set_master_lockout(kiosk, state).await?;
        let mut published = None;
        if let Some((kind, data)) = event {
            let actor = actor.label();
            let e = NewEvent {
                ts: now_ms(),
                site: &self.site().id,
                kind,
                kiosk_id: Some(kiosk),
                locker: None,
                actor: &actor,
                data,
            };
            let seq = crate::events::append(&mut tx, &e).await?;
            published = Some(Published::from_event(seq, &e));
        }
        tx.commit().await?;
        if let Some(p) = published {
            self.0.events.publish(p);
        }
        Ok(())
    }

    /// Refresh and check this kiosk's master session.
    fn touch_master(&self, kiosk: &str) -> Result<(), LockerError> {
        let mut sessions = self.0.master.lock().expect("master sessions lock poisoned");
        let now = Instant::now();
        match sessions.get_mut(kiosk) {
            Some(expiry) if *expiry > now => {
                *expiry = now + MASTER_IDLE;
                Ok(())
            }
            _ => {
                sessions.remove(kiosk);
                Err(LockerError::MasterSessionRequired)
            }
        }
    }

    /// End a kiosk's master session.
    pub fn end_master(&self, kiosk: &str) {
        self.0
            .master
            .lock()
            .expect("master sessions lock poisoned")
            .remove(kiosk);
    }

    /// Open a locker from the master screen: open & free (`release`) or open & keep.
    pub async fn master_open(
        &self,
        kiosk: &str,
        number: i64,
        release: bool,
    ) -> Result<LockerView, LockerError> {
        self.kiosk(kiosk)?;
        self.touch_master(kiosk)?;
        self.locker(kiosk, number).await?;
        let claim = self
            .claim(kiosk, number)
            .ok_or(LockerError::CommandInFlight)?;
        let req = OpenRequest {
            release,
            override_vip: true,
            reason: Some("master".into()),
        };
        let row = self
            .staff_open(
                &claim,
                kiosk,
                number,
                &req,
                &Actor::Master(kiosk.to_owned()),
            )
            .await?;
        Ok(self.view(&row))
    }
}
