//! What the API shows of help requests.

use super::{Category, HelpStatus, HistoryAction, Source};
use crate::store::{HelpHistoryRow, HelpRow};
use crate::time::rfc3339;
use serde::Serialize;

/// A staff member named in a request.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UserRef {
    pub id: String,
    pub username: String,
}

impl UserRef {
    fn from_parts(id: Option<&String>, username: Option<&String>) -> Option<UserRef> {
        Some(UserRef {
            id: id?.clone(),
            username: username?.clone(),
        })
    }
}

/// A help request as the panel and kiosks see it. Times are RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HelpRequestView {
    /// Shown to members as `#42`.
    pub id: i64,
    pub kiosk: String,
    pub kiosk_name: String,
    pub category: Category,
    pub note: Option<String>,
    pub locker: Option<i64>,
    pub status: HelpStatus,
    pub source: Source,
    pub has_photo: bool,
    pub assigned_to: Option<UserRef>,
    pub resolution_notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
}

impl From<&HelpRow> for HelpRequestView {
    fn from(r: &HelpRow) -> Self {
        HelpRequestView {
            id: r.id,
            kiosk: r.kiosk_id.clone(),
            kiosk_name: r.kiosk_name.clone(),
            // The table's CHECK constraints admit only known names.
            category: Category::parse(&r.category).unwrap_or(Category::Other),
            note: r.note.clone(),
            locker: r.locker,
            status: HelpStatus::parse(&r.status).unwrap_or(HelpStatus::Open),
            source: if r.source == "automatic" {
                Source::Automatic
            } else {
                Source::Kiosk
            },
            has_photo: r.photo_type.is_some(),
            assigned_to: UserRef::from_parts(r.assigned_to.as_ref(), r.assigned_username.as_ref()),
            resolution_notes: r.resolution_notes.clone(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            resolved_at: r.resolved_at.map(rfc3339),
        }
    }
}

/// One step of a request's history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub action: HistoryAction,
    /// The staff member who took the step; null for the kiosk or the system.
    pub by: Option<UserRef>,
    /// The resolution notes, or the reason given for reopening.
    pub note: Option<String>,
    /// Present on `assigned` steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<UserRef>,
}

impl From<&HelpHistoryRow> for HistoryEntry {
    fn from(r: &HelpHistoryRow) -> Self {
        HistoryEntry {
            at: rfc3339(r.ts),
            action: HistoryAction::parse(&r.action).unwrap_or(HistoryAction::Created),
            by: UserRef::from_parts(r.by_user.as_ref(), r.by_username.as_ref()),
            note: r.note.clone(),
            assigned_to: UserRef::from_parts(r.assigned_to.as_ref(), r.assigned_username.as_ref()),
        }
    }
}

/// A request with its full history, oldest step first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HelpDetail {
    #[serde(flatten)]
    pub request: HelpRequestView,
    pub history: Vec<HistoryEntry>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HelpPage {
    pub items: Vec<HelpRequestView>,
    /// Every match, across pages.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Counts for the panel's header ("Help (3)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HelpSummary {
    pub open: i64,
    pub assigned: i64,
    /// `open + assigned`.
    pub unresolved: i64,
}
