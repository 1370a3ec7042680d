//! Operations: the card flow at a kiosk (scan, select, decide) and staff actions.

use super::LockerState;
use super::card::CardKey;
use super::flow::{Decision, DecisionChoice, OfferedLocker, ReadVerdict, ScanOutcome, Selection};
use super::service::{Actor, Change, Claim, LockerError, Lockers, release};
use crate::config::AssignmentMode;
use crate::events::Published;
use crate::help::{AutoReason, raise_automatic};
use crate::store::{LockerRow, NewEvent};
use crate::time::ms;
use serde_json::{Value, json};
use std::time::Instant;

fn random_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn must_be_free(row: &LockerRow) -> Result<(), LockerError> {
    if row.state == LockerState::Free && row.vip_card_key.is_none() {
        Ok(())
    } else {
        Err(LockerError::LockerTaken)
    }
}

/// A staff open (spec §3.3): open & free, or open & keep the owner.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    pub release: bool,
    pub override_vip: bool,
    pub reason: Option<String>,
}

/// A staff action on lockers, executed as a command (spec §5.3).
#[derive(Debug, Clone)]
pub enum StaffCommand {
    Open {
        number: i64,
        req: OpenRequest,
    },
    Block {
        number: i64,
        reason: Option<String>,
    },
    Unblock {
        number: i64,
    },
    ResolveError {
        number: i64,
        note: Option<String>,
    },
    FreeWithoutOpening {
        number: i64,
        reason: String,
    },
    Rename {
        number: i64,
        name: Option<String>,
    },
    Transfer {
        number: i64,
        card: String,
        reason: Option<String>,
    },
    BulkOpen {
        numbers: Vec<i64>,
        release: bool,
        exclude_vip: bool,
        stagger_ms: u32,
    },
    EndOfDay,
}

impl Lockers {
    /// A card was read at a kiosk (spec §3.2).
    /// `station` names the reading device (a kiosk may have several screens): sessions and
    /// debouncing are per station.
    pub async fn scan(
        &self,
        kiosk: &str,
        station: &str,
        raw: &str,
    ) -> Result<ScanOutcome, LockerError> {
        self.kiosk(kiosk)?;
        let settings = self.flow_settings(kiosk);
        let (uid, key) = self.card(raw)?;
        match self.0.flow.classify_read(
            station,
            &uid,
            Instant::now(),
            settings.partial_read_window,
            settings.duplicate_read_window,
        ) {
            ReadVerdict::ConfirmRead => return Ok(ScanOutcome::ConfirmRead),
            ReadVerdict::Duplicate => {
                return Ok(ScanOutcome::Ignored {
                    reason: "duplicate_read".into(),
                });
            }
            ReadVerdict::Proceed => {}
        }
        self.0.flow.cancel_station(station);
        let hint = uid.hint();
        let actor = Actor::Kiosk(kiosk.to_owned());

        if let Some(vip) = self.store().vip_locker_of(key.as_str()).await? {
            return self.open_vip(kiosk, vip, &actor).await;
        }
        let owned = self.store().lockers_owned_by(key.as_str()).await?;
        if let Some(row) = owned.iter().find(|l| l.kiosk_id == kiosk).or(owned.first()) {
            return self.owner_scanned(kiosk, station, row, key, &actor).await;
        }
        if settings.assignment_mode == AssignmentMode::Automatic
            && let Some(outcome) = self
                .assign_automatically(kiosk, &key, &hint, &actor)
                .await?
        {
            return Ok(outcome);
        }
        let limit = settings.max_offered_lockers.map_or(i64::MAX, i64::from);
        let free = self.store().free_lockers(kiosk, limit).await?;
        if free.is_empty() {
            return Err(LockerError::NoFreeLockers);
        }
        let session = random_id();
        self.0.flow.open_selection(
            session.clone(),
            Selection {
                station: station.to_owned(),
                card: key,
                hint,
                offered: free.iter().map(|l| l.number).collect(),
                expires: Instant::now() + settings.selection_timeout,
            },
        );
        Ok(ScanOutcome::Choose {
            session,
            expires_in: settings.selection_timeout.as_secs(),
            lockers: free
                .into_iter()
                .map(|l| OfferedLocker {
                    number: l.number,
                    name: l.name,
                })
                .collect(),
        })
    }

    async fn open_vip(
        &self,
        kiosk: &str,
        vip: LockerRow,
        actor: &Actor,
    ) -> Result<ScanOutcome, LockerError> {
        if vip.kiosk_id != kiosk {
            return Err(LockerError::OwnedElsewhere {
                kiosk: vip.kiosk_id,
                number: vip.number,
            });
        }
        if matches!(vip.state, LockerState::Blocked | LockerState::Error) {
            return self.refuse_access(&vip, actor).await;
        }
        let claim = self
            .claim(kiosk, vip.number)
            .ok_or(LockerError::CommandInFlight)?;
        let row = self
            .apply(
                &claim,
                kiosk,
                vip.number,
                Change {
                    kind: "locker_opened",
                    pulse: true,
                    actor,
                    card: None,
                    check: &|_| Ok(()),
                    mutate: &|_, _| {},
                    extra: json!({"vip": true}),
                },
            )
            .await?;
        Ok(ScanOutcome::Opened {
            locker: self.view(&row),
            assigned: Some(true),
            released: None,
        })
    }

    /// A card that owns a locker: a blocked or error locker refuses; otherwise ask to decide.
    async fn owner_scanned(
        &self,
        kiosk: &str,
        station: &str,
        row: &LockerRow,
        card: CardKey,
        actor: &Actor,
    ) -> Result<ScanOutcome, LockerError> {
        if row.kiosk_id != kiosk {
            return Err(LockerError::OwnedElsewhere {
                kiosk: row.kiosk_id.clone(),
                number: row.number,
            });
        }
        if matches!(row.state, LockerState::Blocked | LockerState::Error) {
            return self.refuse_access(row, actor).await;
        }
        let settings = self.flow_settings(kiosk);
        let window = ms(settings.open_only_window);
        let open_only_allowed = window > 0
            && row
                .owned_at
                .is_some_and(|at| crate::time::now_ms() - at <= window);
        let decision = random_id();
        self.0.flow.open_decision(
            decision.clone(),
            Decision {
                station: station.to_owned(),
                card,
                locker: row.number,
                expires: Instant::now() + settings.decision_timeout,
            },
        );
        Ok(ScanOutcome::Decide {
            decision,
            locker: self.view(row),
            open_only_allowed,
            expires_in: settings.decision_timeout.as_secs(),
        })
    }

    /// The owner of a blocked or error locker scanned: refuse, record it, and raise an automatic
    /// help request (at most one unresolved per locker), in one transaction.
    async fn refuse_access(
        &self,
        row: &LockerRow,
        actor: &Actor,
    ) -> Result<ScanOutcome, LockerError> {
        // The state is unchanged; naming it keeps the locker's real-time view as it is.
        let data = json!({
            "kiosk": row.kiosk_id, "locker": row.number, "state": row.state,
            "old_state": row.state, "new_state": row.state, "owner_hint": row.owner_hint,
        });
        let reason = match row.state {
            LockerState::Error => AutoReason::InError,
            _ => AutoReason::Blocked,
        };
        let now = crate::time::now_ms();
        let actor = actor.label();
        let event = NewEvent {
            ts: now,
            site: &self.site().id,
            kind: "locker_access_refused",
            kiosk_id: Some(&row.kiosk_id),
            locker: Some(row.number),
            actor: &actor,
            data,
        };
        let mut tx = self.store().begin().await?;
        let seq = crate::events::append(&mut tx, &event).await?;
        let help = raise_automatic(
            &mut tx,
            &self.site().id,
            &row.kiosk_id,
            row.number,
            &reason,
            now,
        )
        .await?;
        tx.commit().await?;
        self.0.events.publish(Published::from_event(seq, &event));
        if let Some(help) = help {
            self.0.events.publish(help);
        }
        Err(match row.state {
            LockerState::Error => LockerError::LockerInError,
            _ => LockerError::LockerBlocked,
        })
    }

    /// Automatic mode: the card's recent locker if it qualifies, else the least recently used.
    async fn assign_automatically(
        &self,
        kiosk: &str,
        card: &CardKey,
        hint: &str,
        actor: &Actor,
    ) -> Result<Option<ScanOutcome>, LockerError> {
        let settings = self.flow_settings(kiosk);
        let now = crate::time::now_ms();
        let recent = self
            .store()
            .recent_holder_locker(
                kiosk,
                card.as_str(),
                ms(settings.recent_holder_min_hold),
                now - ms(settings.recent_holder_window),
            )
            .await?;
        let (candidate, reason) = match recent {
            Some(l) => (l, "recent_holder"),
            None => match self.store().least_recently_used(kiosk).await? {
                Some(l) => (l, "least_recently_used"),
                None => return Ok(None),
            },
        };
        let Some(claim) = self.claim(kiosk, candidate.number) else {
            return Ok(None);
        };
        match self
            .assign(&claim, kiosk, candidate.number, card, hint, actor, reason)
            .await
        {
            Ok(row) => Ok(Some(ScanOutcome::Opened {
                locker: self.view(&row),
                assigned: Some(true),
                released: None,
            })),
            Err(LockerError::LockerTaken) => Ok(None),
            Err(e) => Err(e),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn assign(
        &self,
        claim: &Claim,
        kiosk: &str,
        number: i64,
        card: &CardKey,
        hint: &str,
        actor: &Actor,
        how: &str,
    ) -> Result<LockerRow, LockerError> {
        let _card = self.claim_card(card).ok_or(LockerError::CardBusy)?;
        let max = self.flow_settings(kiosk).max_lockers_per_credential;
        let owner = card.as_str().to_owned();
        let owner_hint = hint.to_owned();
        self.apply(
            claim,
            kiosk,
            number,
            Change {
                kind: "locker_assigned",
                pulse: true,
                actor,
                card: Some((card, hint, max)),
                check: &must_be_free,
                mutate: &|row, now| {
                    row.state = LockerState::Owned;
                    row.owner_key = Some(owner.clone());
                    row.owner_hint = Some(owner_hint.clone());
                    row.owned_at = Some(now);
                    row.prev_state = None;
                },
                extra: json!({"assignment": how}),
            },
        )
        .await
    }

    /// The member tapped a locker on the choose screen.
    pub async fn select(
        &self,
        kiosk: &str,
        station: &str,
        session: &str,
        number: i64,
    ) -> Result<ScanOutcome, LockerError> {
        self.kiosk(kiosk)?;
        let sel = self
            .0
            .flow
            .selection(session, kiosk, station, Instant::now())
            .ok_or(LockerError::SessionExpired)?;
        if !sel.offered.contains(&number) {
            return Err(LockerError::LockerNotOffered);
        }
        let claim = self.claim(kiosk, number).ok_or(LockerError::LockerTaken)?;
        let actor = Actor::Kiosk(kiosk.to_owned());
        match self
            .assign(
                &claim, kiosk, number, &sel.card, &sel.hint, &actor, "manual",
            )
            .await
        {
            Ok(row) => {
                self.0.flow.close_selection(session);
                Ok(ScanOutcome::Opened {
                    locker: self.view(&row),
                    assigned: Some(true),
                    released: None,
                })
            }
            Err(e) => {
                if matches!(e, LockerError::RelayFailed(_) | LockerError::LockerTaken) {
                    self.0.flow.withdraw_offer(session, number);
                }
                Err(e)
            }
        }
    }

    /// The member answered the second-scan question.
    pub async fn decide(
        &self,
        kiosk: &str,
        station: &str,
        decision: &str,
        choice: super::DecisionChoice,
    ) -> Result<ScanOutcome, LockerError> {
        self.kiosk(kiosk)?;
        let d = self
            .0
            .flow
            .take_decision(decision, kiosk, station, Instant::now())
            .ok_or(LockerError::SessionExpired)?;
        let window = ms(self.flow_settings(kiosk).open_only_window);
        let claim = self
            .claim(kiosk, d.locker)
            .ok_or(LockerError::CommandInFlight)?;
        let actor = Actor::Kiosk(kiosk.to_owned());
        let owner = d.card.as_str().to_owned();
        let still_owner = move |row: &LockerRow| -> Result<(), LockerError> {
            match row.state {
                LockerState::Owned if row.owner_key.as_deref() == Some(owner.as_str()) => Ok(()),
                LockerState::Blocked => Err(LockerError::LockerBlocked),
                LockerState::Error => Err(LockerError::LockerInError),
                _ => Err(LockerError::SessionExpired),
            }
        };
        let release_it = choice == DecisionChoice::Finish;
        let row = if release_it {
            self.apply(
                &claim,
                kiosk,
                d.locker,
                Change {
                    kind: "locker_released",
                    pulse: true,
                    actor: &actor,
                    card: None,
                    check: &still_owner,
                    mutate: &release,
                    extra: json!({"choice": "finish"}),
                },
            )
            .await?
        } else {
            let check = |row: &LockerRow| -> Result<(), LockerError> {
                still_owner(row)?;
                let now = crate::time::now_ms();
                if window > 0 && row.owned_at.is_some_and(|at| now - at <= window) {
                    Ok(())
                } else {
                    Err(LockerError::OpenOnlyWindowPassed)
                }
            };
            self.apply(
                &claim,
                kiosk,
                d.locker,
                Change {
                    kind: "locker_opened",
                    pulse: true,
                    actor: &actor,
                    card: None,
                    check: &check,
                    mutate: &|_, _| {},
                    extra: json!({"choice": "open_only"}),
                },
            )
            .await?
        };
        Ok(ScanOutcome::Opened {
            locker: self.view(&row),
            assigned: None,
            released: Some(release_it),
        })
    }

    /// Open a locker for staff or a master session: open & free or open & keep.
    pub(super) async fn staff_open(
        &self,
        claim: &Claim,
        kiosk: &str,
        number: i64,
        req: &OpenRequest,
        actor: &Actor,
    ) -> Result<LockerRow, LockerError> {
        let override_vip = req.override_vip;
        let check = move |row: &LockerRow| -> Result<(), LockerError> {
            match row.state {
                LockerState::Blocked => return Err(LockerError::LockerBlocked),
                LockerState::Error => {
                    return Err(LockerError::InvalidState(
                        "the locker is in error: resolve it first".into(),
                    ));
                }
                _ => {}
            }
            if row.vip_card_key.is_some() && !override_vip {
                return Err(LockerError::VipOverrideRequired);
            }
            Ok(())
        };
        let release_it = req.release;
        let mutate = move |row: &mut LockerRow, now: i64| {
            if release_it && row.state == LockerState::Owned && row.vip_card_key.is_none() {
                release(row, now);
            }
        };
        let kind = if req.release {
            "locker_released"
        } else {
            "locker_opened"
        };
        self.apply(claim, kiosk, number, Change {
            kind,
            pulse: true,
            actor,
            card: None,
            check: &check,
            mutate: &mutate,
            extra: json!({"release": req.release, "override": req.override_vip, "reason": req.reason, "staff": true}),
        })
        .await
    }

    /// Execute one single-locker staff action with the locker already claimed.
    pub(super) async fn staff_action(
        &self,
        claim: &Claim,
        kiosk: &str,
        cmd: &StaffCommand,
        actor: &Actor,
    ) -> Result<LockerRow, LockerError> {
        match cmd {
            StaffCommand::Open { number, req } => {
                self.staff_open(claim, kiosk, *number, req, actor).await
            }
            StaffCommand::Block { number, reason } => {
                self.apply(
                    claim,
                    kiosk,
                    *number,
                    Change {
                        kind: "locker_blocked",
                        pulse: false,
                        actor,
                        card: None,
                        check: &|row| match row.state {
                            LockerState::Blocked => Err(LockerError::InvalidState(
                                "the locker is already blocked".into(),
                            )),
                            _ => Ok(()),
                        },
                        mutate: &|row, _| {
                            row.prev_state = Some(row.state);
                            row.state = LockerState::Blocked;
                        },
                        extra: json!({"reason": reason}),
                    },
                )
                .await
            }
            StaffCommand::Unblock { number } => {
                self.restore(
                    claim,
                    kiosk,
                    *number,
                    LockerState::Blocked,
                    "locker_unblocked",
                    json!({}),
                    actor,
                )
                .await
            }
            StaffCommand::ResolveError { number, note } => {
                self.restore(
                    claim,
                    kiosk,
                    *number,
                    LockerState::Error,
                    "locker_resolved",
                    json!({"note": note}),
                    actor,
                )
                .await
            }
            StaffCommand::FreeWithoutOpening { number, reason } => {
                self.apply(
                    claim,
                    kiosk,
                    *number,
                    Change {
                        kind: "locker_freed",
                        pulse: false,
                        actor,
                        card: None,
                        check: &|row| match row.state {
                            LockerState::Owned if row.vip_card_key.is_none() => Ok(()),
                            LockerState::Owned => Err(LockerError::InvalidState(
                                "VIP lockers are released by ending their contract".into(),
                            )),
                            _ => Err(LockerError::InvalidState(
                                "only an owned locker can be freed".into(),
                            )),
                        },
                        mutate: &release,
                        extra: json!({"reason": reason, "opened": false}),
                    },
                )
                .await
            }
            StaffCommand::Rename { number, name } => {
                let name = name.clone();
                self.apply(
                    claim,
                    kiosk,
                    *number,
                    Change {
                        kind: "locker_renamed",
                        pulse: false,
                        actor,
                        card: None,
                        check: &|_| Ok(()),
                        mutate: &|row, _| row.name = name.clone(),
                        extra: json!({"name": name}),
                    },
                )
                .await
                .map_err(|e| match e {
                    LockerError::LockerTaken => {
                        LockerError::NameTaken(name.clone().unwrap_or_default())
                    }
                    other => other,
                })
            }
            StaffCommand::Transfer {
                number,
                card,
                reason,
            } => {
                let (uid, key) = self.card(card)?;
                let hint = uid.hint();
                let max = self.flow_settings(kiosk).max_lockers_per_credential;
                let new_owner = key.as_str().to_owned();
                let new_hint = hint.clone();
                self.apply(
                    claim,
                    kiosk,
                    *number,
                    Change {
                        kind: "locker_transferred",
                        pulse: false,
                        actor,
                        card: Some((&key, &hint, max)),
                        check: &|row| match row.state {
                            LockerState::Owned | LockerState::Blocked | LockerState::Error
                                if row.owner_key.is_some() =>
                            {
                                Ok(())
                            }
                            _ => Err(LockerError::InvalidState(
                                "only a locker with an owner can be transferred".into(),
                            )),
                        },
                        mutate: &|row, _| {
                            row.owner_key = Some(new_owner.clone());
                            row.owner_hint = Some(new_hint.clone());
                        },
                        extra: json!({"reason": reason, "new_owner_hint": hint}),
                    },
                )
                .await
            }
            StaffCommand::BulkOpen { .. } | StaffCommand::EndOfDay => {
                Err(LockerError::Invalid("not a single-locker action".into()))
            }
        }
    }

    /// Unblock or resolve: back to the state before, owner restored.
    #[allow(clippy::too_many_arguments)]
    async fn restore(
        &self,
        claim: &Claim,
        kiosk: &str,
        number: i64,
        from: LockerState,
        kind: &'static str,
        extra: Value,
        actor: &Actor,
    ) -> Result<LockerRow, LockerError> {
        self.apply(
            claim,
            kiosk,
            number,
            Change {
                kind,
                pulse: false,
                actor,
                card: None,
                check: &|row| {
                    if row.state == from {
                        Ok(())
                    } else {
                        Err(LockerError::InvalidState(format!(
                            "the locker is not {}",
                            from.as_str()
                        )))
                    }
                },
                mutate: &|row, _| {
                    let back = row.prev_state.take().unwrap_or(if row.owner_key.is_some() {
                        LockerState::Owned
                    } else {
                        LockerState::Free
                    });
                    row.state = match back {
                        LockerState::Owned if row.owner_key.is_none() => LockerState::Free,
                        other => other,
                    };
                },
                extra,
            },
        )
        .await
    }
}

impl Lockers {
    /// Free owned walk-in lockers held longer than their kiosk's `auto_release_after`, without
    /// opening them (off by default: it can hand someone's belongings to the next member).
    pub async fn auto_release_due(&self, now: i64) -> Result<usize, LockerError> {
        let mut released = 0;
        let shortest = self
            .0
            .kiosks
            .keys()
            .map(|k| ms(self.flow_settings(k).auto_release_after))
            .filter(|a| *a > 0)
            .min();
        let Some(shortest) = shortest else {
            return Ok(0);
        };
        for row in self.store().owned_since_before(now - shortest).await? {
            let after = ms(self.flow_settings(&row.kiosk_id).auto_release_after);
            if after == 0 || row.owned_at.is_none_or(|at| now - at < after) {
                continue;
            }
            let Some(claim) = self.claim(&row.kiosk_id, row.number) else {
                continue;
            };
            let actor = Actor::System("auto_release");
            let owner = row.owner_key.clone();
            let result = self
                .apply(
                    &claim,
                    &row.kiosk_id,
                    row.number,
                    Change {
                        kind: "locker_auto_released",
                        pulse: false,
                        actor: &actor,
                        card: None,
                        check: &|r| {
                            if r.state == LockerState::Owned && r.owner_key == owner {
                                Ok(())
                            } else {
                                Err(LockerError::LockerTaken)
                            }
                        },
                        mutate: &release,
                        extra: json!({"opened": false, "after_ms": after}),
                    },
                )
                .await;
            match result {
                Ok(_) => released += 1,
                Err(LockerError::LockerTaken) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// Drop expired card-flow entries.
    pub fn sweep(&self, now: Instant) {
        self.0.flow.sweep(now, std::time::Duration::from_secs(60));
    }
}
