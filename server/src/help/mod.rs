//! Help requests (spec §8): raised from a kiosk's Help button (category, note, locker, photo) or
//! automatically when a member's card meets their own locker blocked or in error, then assigned,
//! resolved with notes and possibly reopened by staff.
//!
//! Statuses go `open → assigned → resolved`, and `resolved → open` on reopen. Every change is one
//! transaction that writes the request, a history step, and one log event whose real-time
//! message (`help_requested` or `help_status_updated`) reaches `/ws/help` after the commit.
//! No HTTP or SQL here: handlers call [`Help`] and the store persists what it decides.

mod export;
mod photo;
mod query;
mod service;
mod view;

pub use export::to_csv;
pub use photo::{MAX_PHOTO_BYTES, Photo, PhotoError, PhotoKind, PhotoStore};
pub use query::{ListParams, parse_filter, parse_page};
pub use service::{AutoReason, Created, Help, raise_automatic};
pub use view::{HelpDetail, HelpPage, HelpRequestView, HelpSummary, HistoryEntry, UserRef};

use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// Longest note a kiosk may send, in characters.
pub const MAX_NOTE: usize = 500;
/// Longest resolution note, in characters.
pub const MAX_RESOLUTION: usize = 1000;
/// Longest reopen reason, in characters.
pub const MAX_REASON: usize = 500;
/// Longest kiosk-chosen reference, in characters.
pub const MAX_CLIENT_REF: usize = 64;

/// What the member needs help with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// "Locker won't open".
    AccessIssue,
    CardIssue,
    PaymentIssue,
    Other,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::AccessIssue,
        Category::CardIssue,
        Category::PaymentIssue,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::AccessIssue => "access_issue",
            Category::CardIssue => "card_issue",
            Category::PaymentIssue => "payment_issue",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HelpStatus {
    Open,
    Assigned,
    Resolved,
}

impl HelpStatus {
    pub const ALL: [HelpStatus; 3] = [HelpStatus::Open, HelpStatus::Assigned, HelpStatus::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            HelpStatus::Open => "open",
            HelpStatus::Assigned => "assigned",
            HelpStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<HelpStatus> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who raised a request: a member at the kiosk, or the card flow on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Kiosk,
    Automatic,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kiosk => "kiosk",
            Source::Automatic => "automatic",
        }
    }
}

/// One step of a request's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryAction {
    Created,
    Assigned,
    Resolved,
    Reopened,
}

impl HistoryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Created => "created",
            HistoryAction::Assigned => "assigned",
            HistoryAction::Resolved => "resolved",
            HistoryAction::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<HistoryAction> {
        [
            HistoryAction::Created,
            HistoryAction::Assigned,
            HistoryAction::Resolved,
            HistoryAction::Reopened,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    /// The log event a step writes.
    pub fn event_kind(self) -> &'static str {
        match self {
            HistoryAction::Created => "help_requested",
            HistoryAction::Assigned => "help_assigned",
            HistoryAction::Resolved => "help_resolved",
            HistoryAction::Reopened => "help_reopened",
        }
    }
}

/// Why a help operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum HelpError {
    #[error("no help request #{0}")]
    NotFound(i64),
    #[error("help request #{0} has no photo")]
    NoPhoto(i64),
    #[error("this kiosk has no locker {0}")]
    UnknownLocker(i64),
    #[error("help request #{0} is already resolved")]
    Resolved(i64),
    #[error("help request #{0} is not resolved, so it cannot be reopened")]
    NotResolved(i64),
    #[error("{0}")]
    InvalidAssignee(String),
    #[error("this locker already has an unresolved automatic help request")]
    DuplicateAutomatic,
    #[error("the request changed meanwhile; reload and try again")]
    Conflict,
    /// A value outside its rule; `code` is `invalid_value` or `too_long`.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// A list or export parameter outside its rule.
    #[error("{message}")]
    InvalidQuery {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error("the photo could not be stored: {0}")]
    PhotoStorage(std::io::Error),
    #[error("the export could not be written: {0}")]
    Export(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A checked request from a kiosk: the note trimmed (empty is none) and every length bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHelp {
    pub category: Category,
    pub note: Option<String>,
    pub locker: Option<i64>,
    pub client_ref: Option<String>,
}

/// Trim `text`; empty is `None`; more than `max` characters is `too_long` on `field`.
pub fn bounded_text(
    text: Option<String>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, HelpError> {
    let Some(text) = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(HelpError::Invalid {
            field,
            code: "too_long",
            message: format!("{field} is longer than {max} characters"),
        });
    }
    Ok(Some(text))
}

impl NewHelp {
    pub fn new(
        category: Category,
        note: Option<String>,
        locker: Option<i64>,
        client_ref: Option<String>,
    ) -> Result<NewHelp, HelpError> {
        let note = bounded_text(note, "note", MAX_NOTE)?;
        if let Some(n) = locker
            && n < 1
        {
            return Err(HelpError::UnknownLocker(n));
        }
        let client_ref = match client_ref {
            None => None,
            Some(r) if r.is_empty() || r.chars().any(char::is_control) => {
                return Err(HelpError::Invalid {
                    field: "client_ref",
                    code: "invalid_value",
                    message: "client_ref must be 1–64 visible characters".into(),
                });
            }
            Some(r) if r.chars().count() > MAX_CLIENT_REF => {
                return Err(HelpError::Invalid {
                    field: "client_ref",
                    code: "too_long",
                    message: format!("client_ref is longer than {MAX_CLIENT_REF} characters"),
                });
            }
            Some(r) => Some(r),
        };
        Ok(NewHelp {
            category,
            note,
            locker,
            client_ref,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_and_bounded_and_an_empty_note_is_none() {
        let new = NewHelp::new(Category::Other, Some("  hi  ".into()), None, None).unwrap();
        assert_eq!(new.note.as_deref(), Some("hi"));
        let new = NewHelp::new(Category::Other, Some(" \n ".into()), None, None).unwrap();
        assert_eq!(new.note, None);
        let at_limit = "ş".repeat(MAX_NOTE);
        assert!(NewHelp::new(Category::Other, Some(at_limit), None, None).is_ok());
        let over = "a".repeat(MAX_NOTE + 1);
        assert!(matches!(
            NewHelp::new(Category::Other, Some(over), None, None),
            Err(HelpError::Invalid {
                field: "note",
                code: "too_long",
                ..
            })
        ));
    }

    #[test]
    fn a_client_ref_is_one_to_64_visible_characters() {
        assert!(NewHelp::new(Category::Other, None, None, Some("a".repeat(64))).is_ok());
        for bad in [String::new(), "a".repeat(65), "a\nb".into()] {
            assert!(
                matches!(
                    NewHelp::new(Category::Other, None, None, Some(bad.clone())),
                    Err(HelpError::Invalid {
                        field: "client_ref",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        for s in HelpStatus::ALL {
            assert_eq!(HelpStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Category::parse("hardware_problem"), None);
    }
}
