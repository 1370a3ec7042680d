//! The help service: every change to a request goes through one transaction that writes the
//! request, its history step and one log event (rule 6), and publishes the event after the
//! commit. A photo is staged before the transaction and placed inside it (see `photo.rs`).

use super::photo::{Photo, PhotoKind, PhotoStore, Staged};
use super::query::{ListParams, parse_filter};
use super::{
    HelpDetail, HelpError, HelpPage, HelpRequestView, HelpStatus, HelpSummary, HistoryAction,
    MAX_REASON, MAX_RESOLUTION, NewHelp, Source, bounded_text,
};
use crate::events::{EventHub, Published};
use crate::lockers::Actor;
use crate::store::{
    HelpFilter, HelpRow, HelpUpdate, NewEvent, NewHelpRow, Store, StoreError, StoreResult, WriteTx,
};
use crate::time::now_ms;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

/// Why the card flow raised a request on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoReason {
    /// The member's own locker is blocked.
    Blocked,
    /// The member's own locker is in error.
    InError,
    /// Opening the member's own locker was not confirmed by its board (the error code).
    RelayFailed(String),
}

impl AutoReason {
    fn note(&self, locker: i64) -> String {
        match self {
            AutoReason::Blocked => format!(
                "Automatic: the owner of locker {locker} scanned their card, but the locker is blocked."
            ),
            AutoReason::InError => format!(
                "Automatic: the owner of locker {locker} scanned their card, but the locker has a hardware error."
            ),
            AutoReason::RelayFailed(code) => format!(
                "Automatic: locker {locker} did not confirm opening for its owner ({code})."
            ),
        }
    }
}

/// A create call's outcome: `created` is false when the kiosk's `client_ref` named an existing
/// request, which is returned unchanged.
#[derive(Debug, Clone)]
pub struct Created {
    pub request: HelpRequestView,
    pub created: bool,
}

/// A status change decided from the current row.
struct Next {
    status: HelpStatus,
    assigned_to: Option<String>,
    resolution_notes: Option<String>,
    resolved_at: Option<i64>,
    /// The history step's note and assignee.
    note: Option<String>,
    step_assignee: Option<String>,
}

/// What a history step records besides the row.
struct Step<'a> {
    action: HistoryAction,
    actor: &'a Actor,
    note: Option<&'a str>,
    assigned_to: Option<&'a str>,
    previous: Option<HelpStatus>,
}

/// Write a history step, read the request back and append its one event inside `tx`.
async fn record(
    tx: &mut WriteTx,
    site: &str,
    id: i64,
    step: Step<'_>,
    now: i64,
) -> StoreResult<(HelpRequestView, Published)> {
    let by_user = match step.actor {
        Actor::Staff { user_id, .. } => Some(user_id.as_str()),
        _ => None,
    };
    tx.insert_help_history(
        id,
        now,
        step.action.as_str(),
        by_user,
        step.note,
        step.assigned_to,
    )
    .await?;
    let row = tx.help_request(id).await?;
    let view = HelpRequestView::from(&row);
    let mut data = serde_json::to_value(&view).unwrap_or_else(|_| json!({"id": id}));
    if let Some(previous) = step.previous {
        data["previous_status"] = json!(previous.as_str());
        data["action"] = json!(step.action.as_str());
    }
    let actor = step.actor.label();
    let event = NewEvent {
        ts: now,
        site,
        kind: step.action.event_kind(),
        kiosk_id: Some(&row.kiosk_id),
        locker: row.locker,
        actor: &actor,
        data,
    };
    let seq = crate::events::append(tx, &event).await?;
    Ok((view, Published::from_event(seq, &event)))
}

/// Raise an automatic request for a member's locker inside the caller's transaction — unless
/// the locker already has an unresolved automatic one. Returns the event to publish after the
/// commit.
pub async fn raise_automatic(
    tx: &mut WriteTx,
    site: &str,
    kiosk: &str,
    locker: i64,
    reason: &AutoReason,
    now: i64,
) -> StoreResult<Option<Published>> {
    let note = reason.note(locker);
    let new = NewHelpRow {
        kiosk_id: kiosk,
        category: super::Category::AccessIssue.as_str(),
        note: Some(&note),
        locker: Some(locker),
        source: Source::Automatic.as_str(),
        photo_type: None,
        client_ref: None,
        now,
    };
    let Some(id) = tx.insert_help(&new).await? else {
        return Ok(None);
    };
    let step = Step {
        action: HistoryAction::Created,
        actor: &Actor::System("help"),
        note: None,
        assigned_to: None,
        previous: None,
    };
    let (_, published) = record(tx, site, id, step, now).await?;
    Ok(Some(published))
}

struct Inner {
    store: Store,
    site: String,
    events: EventHub,
    photos: PhotoStore,
}

/// The help domain service. Cheap to clone.
#[derive(Clone)]
pub struct Help(Arc<Inner>);

impl Help {
    /// Photos are kept under `<data_dir>/help`; temporary files a crash left there are removed.
    pub fn new(store: Store, site: &str, events: EventHub, data_dir: &Path) -> Help {
        let photos = PhotoStore::new(data_dir);
        match photos.sweep() {
            Ok(0) => {}
            Ok(n) => tracing::warn!(removed = n, "removed unfinished help photo uploads"),
            Err(e) => tracing::warn!(error = %e, "could not sweep the help photo folder"),
        }
        Help(Arc::new(Inner {
            store,
            site: site.to_owned(),
            events,
            photos,
        }))
    }

    async fn row(&self, id: i64) -> Result<HelpRow, HelpError> {
        self.0.store.help_request(id).await.map_err(|e| match e {
            StoreError::NotFound => HelpError::NotFound(id),
            other => other.into(),
        })
    }

    /// A request from a kiosk, with an optional photo. A `client_ref` the kiosk already used
    /// returns that request and creates nothing.
    pub async fn create(
        &self,
        kiosk: &str,
        new: NewHelp,
        photo: Option<Photo>,
    ) -> Result<Created, HelpError> {
        if let Some(n) = new.locker {
            match self.0.store.locker(kiosk, n).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => return Err(HelpError::UnknownLocker(n)),
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(r) = &new.client_ref
            && let Some(row) = self.0.store.help_by_client_ref(kiosk, r).await?
        {
            return Ok(Created {
                request: HelpRequestView::from(&row),
                created: false,
            });
        }
        let staged = match &photo {
            Some(p) => Some(
                self.0
                    .photos
                    .stage(p)
                    .await
                    .map_err(HelpError::PhotoStorage)?,
            ),
            None => None,
        };
        self.insert(kiosk, &new, photo.map(|p| p.kind()), staged)
            .await
    }

    /// Insert the request and place its staged photo in one transaction; the photo is kept
    /// only once the commit succeeded.
    async fn insert(
        &self,
        kiosk: &str,
        new: &NewHelp,
        photo: Option<PhotoKind>,
        staged: Option<Staged>,
    ) -> Result<Created, HelpError> {
        let now = now_ms();
        let mut tx = self.0.store.begin().await?;
        let row = NewHelpRow {
            kiosk_id: kiosk,
            category: new.category.as_str(),
            note: new.note.as_deref(),
            locker: new.locker,
            source: Source::Kiosk.as_str(),
            photo_type: photo.map(PhotoKind::mime),
            client_ref: new.client_ref.as_deref(),
            now,
        };
        let Some(id) = tx.insert_help(&row).await? else {
            // Another call with the same reference won the race: answer with its request.
            let r = new.client_ref.as_deref().ok_or(HelpError::Conflict)?;
            let existing = tx.help_by_client_ref(kiosk, r).await?;
            tx.commit().await?;
            return Ok(Created {
                request: HelpRequestView::from(&existing.ok_or(HelpError::Conflict)?),
                created: false,
            });
        };
        let step = Step {
            action: HistoryAction::Created,
            actor: &Actor::Kiosk(kiosk.to_owned()),
            note: None,
            assigned_to: None,
            previous: None,
        };
        let (view, published) = record(&mut tx, &self.0.site, id, step, now).await?;
        let placed = match staged {
            Some(s) => Some(s.place(id).await.map_err(HelpError::PhotoStorage)?),
            None => None,
        };
        tx.commit().await?;
        if let Some(p) = placed {
            p.keep();
        }
        self.0.events.publish(published);
        Ok(Created {
            request: view,
            created: true,
        })
    }

    /// A request with its history.
    pub async fn get(&self, id: i64) -> Result<HelpDetail, HelpError> {
        let row = self.row(id).await?;
        let history = self.0.store.help_history(id).await?;
        Ok(HelpDetail {
            request: HelpRequestView::from(&row),
            history: history.iter().map(Into::into).collect(),
        })
    }

    /// One page of matching requests and the total.
    pub async fn list(
        &self,
        params: &ListParams,
        page: i64,
        per_page: i64,
    ) -> Result<HelpPage, HelpError> {
        let filter = parse_filter(params)?;
        let total = self.0.store.count_help_requests(&filter).await?;
        let rows = self
            .0
            .store
            .help_requests(&filter, Some(per_page), (page - 1) * per_page)
            .await?;
        Ok(HelpPage {
            items: rows.iter().map(HelpRequestView::from).collect(),
            total,
            page,
            per_page,
        })
    }

    /// Every matching request, as CSV.
    pub async fn export(&self, params: &ListParams) -> Result<Vec<u8>, HelpError> {
        let filter: HelpFilter = parse_filter(params)?;
        let rows = self.0.store.help_requests(&filter, None, 0).await?;
        let items: Vec<HelpRequestView> = rows.iter().map(HelpRequestView::from).collect();
        super::to_csv(&items)
    }

    /// Unresolved counts for the panel header.
    pub async fn summary(&self) -> Result<HelpSummary, HelpError> {
        let mut summary = HelpSummary {
            open: 0,
            assigned: 0,
            unresolved: 0,
        };
        for (status, n) in self.0.store.help_counts().await? {
            match HelpStatus::parse(&status) {
                Some(HelpStatus::Open) => summary.open += n,
                Some(HelpStatus::Assigned) => summary.assigned += n,
                _ => {}
            }
        }
        summary.unresolved = summary.open + summary.assigned;
        Ok(summary)
    }

    /// A request's photo and its kind.
    pub async fn photo(&self, id: i64) -> Result<(Vec<u8>, PhotoKind), HelpError> {
        let row = self.row(id).await?;
        let kind = row
            .photo_type
            .as_deref()
            .and_then(PhotoKind::from_mime)
            .ok_or(HelpError::NoPhoto(id))?;
        match self.0.photos.read(id, kind).await {
            Ok(bytes) => Ok((bytes, kind)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(id, "a help request's photo file is missing");
                Err(HelpError::NoPhoto(id))
            }
            Err(e) => Err(HelpError::PhotoStorage(e)),
        }
    }

    /// Assign a request to an active staff member or admin; status becomes `assigned`.
    /// Assigning it again to the same person changes nothing.
    pub async fn assign(
        &self,
        id: i64,
        assignee: &str,
        by: &Actor,
    ) -> Result<HelpRequestView, HelpError> {
        let user = self
            .0
            .store
            .user_by_id(assignee)
            .await?
            .filter(|u| u.active && matches!(u.role.as_str(), "admin" | "staff"))
            .ok_or_else(|| {
                HelpError::InvalidAssignee("assign to an active staff member or admin".into())
            })?;
        self.transition(
            id,
            by,
            HistoryAction::Assigned,
            |row, _| match HelpStatus::parse(&row.status) {
                Some(HelpStatus::Resolved) => Err(HelpError::Resolved(id)),
                Some(HelpStatus::Assigned) if row.assigned_to.as_deref() == Some(&user.id) => {
                    Ok(None)
                }
                _ => Ok(Some(Next {
                    status: HelpStatus::Assigned,
                    assigned_to: Some(user.id.clone()),
                    resolution_notes: None,
                    resolved_at: None,
                    note: None,
                    step_assignee: Some(user.id.clone()),
                })),
            },
        )
        .await
    }

    /// Resolve with notes (1–1000 characters); the assignee stays on record.
    pub async fn resolve(
        &self,
        id: i64,
        notes: String,
        by: &Actor,
    ) -> Result<HelpRequestView, HelpError> {
        let notes =
            bounded_text(Some(notes), "notes", MAX_RESOLUTION)?.ok_or(HelpError::Invalid {
                field: "notes",
                code: "invalid_value",
                message: "resolution notes are required".into(),
            })?;
        self.transition(id, by, HistoryAction::Resolved, |row, now| {
            if row.status == HelpStatus::Resolved.as_str() {
                return Err(HelpError::Resolved(id));
            }
            Ok(Some(Next {
                status: HelpStatus::Resolved,
                assigned_to: row.assigned_to.clone(),
                resolution_notes: Some(notes.clone()),
                resolved_at: Some(now),
                note: Some(notes.clone()),
                step_assignee: None,
            }))
        })
        .await
    }

    /// Reopen a resolved request: back to `open`, assignment and resolution cleared (both stay
    /// in the history).
    pub async fn reopen(
        &self,
        id: i64,
        reason: Option<String>,
        by: &Actor,
    ) -> Result<HelpRequestView, HelpError> {
        let reason = bounded_text(reason, "reason", MAX_REASON)?;
        self.transition(id, by, HistoryAction::Reopened, |row, _| {
            if row.status != HelpStatus::Resolved.as_str() {
                return Err(HelpError::NotResolved(id));
            }
            Ok(Some(Next {
                status: HelpStatus::Open,
                assigned_to: None,
                resolution_notes: None,
                resolved_at: None,
                note: reason.clone(),
                step_assignee: None,
            }))
        })
        .await
    }

    /// Read, decide, write with a version check, record and publish; `decide` returning `None`
    /// means nothing changes (and nothing is written).
    async fn transition(
        &self,
        id: i64,
        by: &Actor,
        action: HistoryAction,
        decide: impl FnOnce(&HelpRow, i64) -> Result<Option<Next>, HelpError>,
    ) -> Result<HelpRequestView, HelpError> {
        let now = now_ms();
        let mut tx = self.0.store.begin().await?;
        let row = tx.help_request(id).await.map_err(|e| match e {
            StoreError::NotFound => HelpError::NotFound(id),
            other => other.into(),
        })?;
        let Some(next) = decide(&row, now)? else {
            return Ok(HelpRequestView::from(&row));
        };
        let update = HelpUpdate {
            id,
            version: row.version,
            status: next.status.as_str(),
            assigned_to: next.assigned_to.as_deref(),
            resolution_notes: next.resolution_notes.as_deref(),
            resolved_at: next.resolved_at,
            now,
        };
        tx.update_help(&update).await.map_err(|e| match e {
            StoreError::Conflict => HelpError::Conflict,
            StoreError::Duplicate(_) => HelpError::DuplicateAutomatic,
            other => other.into(),
        })?;
        let step = Step {
            action,
            actor: by,
            note: next.note.as_deref(),
            assigned_to: next.step_assignee.as_deref(),
            previous: HelpStatus::parse(&row.status),
        };
        let (view, published) = record(&mut tx, &self.0.site, id, step, now).await?;
        tx.commit().await?;
        self.0.events.publish(published);
        Ok(view)
    }
}
