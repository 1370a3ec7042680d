//! Staff actions as commands (spec §3.3, §5.3): each has an id, runs at most once (an
//! idempotency key returns the first run), is recorded with its result, and ends in an event.
//! Single-locker commands finish before the request returns; bulk open and end of day run in
//! the background, staggered (rule 9), and are read back at `GET /api/commands/{id}`.

use super::LockerState;
use super::OpenRequest;
use super::ops::StaffCommand;
use super::service::{Actor, Claim, LockerError, Lockers};
use super::view::CommandView;
use crate::events::Published;
use crate::store::{NewCommand, NewEvent, StoreError};
use crate::time::now_ms;
use serde_json::{Value, json};
use std::time::Duration;

/// How long a command may run before it is expired.
const COMMAND_DEADLINE_MS: i64 = 10 * 60 * 1000;

impl StaffCommand {
    fn kind(&self) -> &'static str {
        match self {
            StaffCommand::Open { .. } => "open",
            StaffCommand::Block { .. } => "block",
            StaffCommand::Unblock { .. } => "unblock",
            StaffCommand::ResolveError { .. } => "resolve_error",
            StaffCommand::FreeWithoutOpening { .. } => "free_without_opening",
            StaffCommand::Rename { .. } => "rename",
            StaffCommand::Transfer { .. } => "transfer",
            StaffCommand::BulkOpen { .. } => "bulk_open",
            StaffCommand::EndOfDay => "end_of_day",
        }
    }

    fn locker(&self) -> Option<i64> {
        match self {
            StaffCommand::Open { number, .. }
            | StaffCommand::Block { number, .. }
            | StaffCommand::Unblock { number }
            | StaffCommand::ResolveError { number, .. }
            | StaffCommand::FreeWithoutOpening { number, .. }
            | StaffCommand::Rename { number, .. }
            | StaffCommand::Transfer { number, .. } => Some(*number),
            StaffCommand::BulkOpen { .. } | StaffCommand::EndOfDay => None,
        }
    }

    fn params(&self) -> Value {
        match self {
            StaffCommand::Open { req, .. } => {
                json!({"release": req.release, "override": req.override_vip, "reason": req.reason})
            }
            StaffCommand::Block { reason, .. } => json!({"reason": reason}),
            StaffCommand::ResolveError { note, .. } => json!({"note": note}),
            StaffCommand::FreeWithoutOpening { reason, .. } => json!({"reason": reason}),
            StaffCommand::Rename { name, .. } => json!({"name": name}),
            // The new card is never stored in clear.
            StaffCommand::Transfer { reason, .. } => json!({"reason": reason}),
            StaffCommand::BulkOpen {
                numbers,
                release,
                exclude_vip,
                stagger_ms,
            } => {
                json!({"lockers": numbers, "release": release, "exclude_vip": exclude_vip, "stagger_ms": stagger_ms})
            }
            StaffCommand::Unblock { .. } | StaffCommand::EndOfDay => json!({}),
        }
    }
}

impl Lockers {
    /// Run a staff command at a kiosk. Returns the command as recorded: finished for
    /// single-locker actions, `running` for bulk open and end of day.
    pub async fn run_command(
        &self,
        kiosk: &str,
        cmd: StaffCommand,
        actor: &Actor,
        idem_key: Option<&str>,
    ) -> Result<CommandView, LockerError> {
        self.kiosk(kiosk)?;
        if let Some(key) = idem_key
            && let Some(existing) = self.store().command_by_key(key).await?
        {
            return Ok(existing.into());
        }
        if let StaffCommand::Transfer { card, .. } = &cmd {
            self.card(card)?;
        }
        if let StaffCommand::FreeWithoutOpening { reason, .. } = &cmd
            && reason.trim().is_empty()
        {
            return Err(LockerError::ReasonRequired);
        }
        // Claim first so a busy locker is refused before anything is recorded.
        let claims = match &cmd {
            StaffCommand::BulkOpen { numbers, .. } => self.claim_many(kiosk, numbers),
            StaffCommand::EndOfDay => {
                let owned: Vec<i64> = self
                    .store()
                    .lockers(kiosk)
                    .await?
                    .into_iter()
                    .filter(|l| l.state == LockerState::Owned && l.vip_card_key.is_none())
                    .map(|l| l.number)
                    .collect();
                self.claim_many(kiosk, &owned)
            }
            single => {
                let number = single
                    .locker()
                    .expect("single-locker commands name a locker");
                self.locker(kiosk, number).await?;
                let claim = self
                    .claim(kiosk, number)
                    .ok_or(LockerError::CommandInFlight)?;
                vec![(number, Some(claim))]
            }
        };
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        let requested_by = actor.label();
        let mut tx = self.store().begin().await?;
        tx.insert_command(&NewCommand {
            id: &id,
            idem_key,
            kind: cmd.kind(),
            kiosk_id: kiosk,
            locker: cmd.locker(),
            params: cmd.params(),
            requested_by: &requested_by,
            created_at: now,
            deadline_at: now + COMMAND_DEADLINE_MS,
        })
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => LockerError::CommandInFlight,
            other => other.into(),
        })?;
        tx.commit().await?;

        match cmd {
            StaffCommand::BulkOpen { .. } | StaffCommand::EndOfDay => {
                let this = self.clone();
                let (kiosk, actor, id2) = (kiosk.to_owned(), actor.clone(), id.clone());
                tokio::spawn(async move {
                    let result = this.run_batch(&kiosk, &cmd, claims, &actor).await;
                    this.finish_command(&id2, &kiosk, None, "succeeded", result, None, &actor)
                        .await;
                });
            }
            single => {
                let (number, claim) = claims
                    .into_iter()
                    .next()
                    .expect("one claim for a single-locker command");
                let claim = claim.expect("single-locker claim was taken above");
                let outcome = self.staff_action(&claim, kiosk, &single, actor).await;
                drop(claim);
                match outcome {
                    Ok(row) => {
                        let result = json!({"locker": self.view(&row)});
                        self.finish_command(
                            &id,
                            kiosk,
                            Some(number),
                            "succeeded",
                            result,
                            None,
                            actor,
                        )
                        .await;
                    }
                    Err(err) => {
                        let code = crate::http::error::locker_error_code(&err);
                        let result = json!({"message": err.to_string()});
                        self.finish_command(
                            &id,
                            kiosk,
                            Some(number),
                            "failed",
                            result,
                            Some(code),
                            actor,
                        )
                        .await;
                        return Err(err);
                    }
                }
            }
        }
        Ok(self.store().command(&id).await?.into())
    }

    /// Claim every locker it can; busy ones are listed without a claim.
    fn claim_many(&self, kiosk: &str, numbers: &[i64]) -> Vec<(i64, Option<Claim>)> {
        let mut seen = std::collections::HashSet::new();
        numbers
            .iter()
            .filter(|n| seen.insert(**n))
            .map(|n| (*n, self.claim(kiosk, *n)))
            .collect()
    }

    /// Bulk open or end of day: one locker at a time, `stagger` apart; a report row per locker.
    async fn run_batch(
        &self,
        kiosk: &str,
        cmd: &StaffCommand,
        claims: Vec<(i64, Option<Claim>)>,
        actor: &Actor,
    ) -> Value {
        let (release, exclude_vip, stagger_ms) = match cmd {
            StaffCommand::BulkOpen {
                release,
                exclude_vip,
                stagger_ms,
                ..
            } => (*release, *exclude_vip, *stagger_ms),
            _ => (true, true, self.flow_settings(kiosk).bulk_stagger_ms),
        };
        let stagger = Duration::from_millis(u64::from(stagger_ms));
        let mut rows = Vec::new();
        let mut pulsed = false;
        for (number, claim) in claims {
            let before = self.locker(kiosk, number).await.ok();
            let mut row = json!({
                "kiosk": kiosk,
                "locker": number,
                "owner_hint": before.as_ref().and_then(|b| b.owner_hint.clone()),
            });
            let result = match (claim, &before) {
                (_, None) => json!("not_found"),
                (None, _) => json!("busy"),
                (Some(_), Some(b)) if exclude_vip && b.vip_card_key.is_some() => {
                    json!("skipped_vip")
                }
                (Some(_), Some(b)) if b.state == LockerState::Blocked => json!("skipped_blocked"),
                (Some(claim), Some(b)) => {
                    if pulsed {
                        tokio::time::sleep(stagger).await;
                    }
                    pulsed = true;
                    let req = OpenRequest {
                        release,
                        override_vip: !exclude_vip,
                        reason: Some(cmd.kind().into()),
                    };
                    match self.staff_open(&claim, kiosk, number, &req, actor).await {
                        Ok(after) => {
                            if b.state == LockerState::Owned && after.state == LockerState::Free {
                                row["held_ms"] = json!(
                                    b.owned_at.map(|at| after.released_at.unwrap_or(at) - at)
                                );
                            }
                            json!(if after.state == LockerState::Free
                                && b.state == LockerState::Owned
                            {
                                "opened_and_freed"
                            } else {
                                "opened"
                            })
                        }
                        Err(err) => {
                            row["error"] = json!(crate::http::error::locker_error_code(&err));
                            json!("failed")
                        }
                    }
                }
            };
            row["result"] = result;
            rows.push(row);
        }
        let failed = rows.iter().filter(|r| r["result"] == "failed").count();
        json!({"rows": rows, "failed": failed, "total": rows.len()})
    }

    /// Record a command's end and write its `command_finished` event.
    #[allow(clippy::too_many_arguments)]
    async fn finish_command(
        &self,
        id: &str,
        kiosk: &str,
        locker: Option<i64>,
        state: &str,
        result: Value,
        error: Option<&str>,
        actor: &Actor,
    ) {
        let outcome = async {
            let now = now_ms();
            let actor = actor.label();
            let mut tx = self.store().begin().await?;
            tx.finish_command(id, state, &result, error, now).await?;
            let event = NewEvent {
                ts: now,
                site: &self.site().id,
                kind: "command_finished",
                kiosk_id: Some(kiosk),
                locker,
                actor: &actor,
                data: json!({"command": id, "state": state, "error": error}),
            };
            let seq = crate::events::append(&mut tx, &event).await?;
            tx.commit().await?;
            self.0.events.publish(Published::from_event(seq, &event));
            Ok::<_, StoreError>(())
        };
        if let Err(e) = outcome.await {
            tracing::error!(command = id, error = %e, "could not record a command's result");
        }
    }

    /// A command by id.
    pub async fn command(&self, id: &str) -> Result<CommandView, LockerError> {
        match self.store().command(id).await {
            Ok(row) => Ok(row.into()),
            Err(StoreError::NotFound) => Err(LockerError::CommandNotFound),
            Err(e) => Err(e.into()),
        }
    }
}
