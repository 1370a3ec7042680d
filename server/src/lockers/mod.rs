//! The locker domain (spec §3): states and transitions, the card flow at a kiosk, staff actions
//! as commands, and the master PIN. No HTTP or SQL here: handlers call these operations and the
//! store persists what they decide.

mod card;
mod commands;
mod doors;
mod flow;
mod master;
mod ops;
mod service;
mod view;

pub use card::{CardKey, CardUid};
pub use doors::{DoorNews, FORCED_WINDOW, JAM_AFTER};
pub use flow::{DecisionChoice, ScanOutcome, reader_station};
pub use service::{Actor, LockerError, Lockers, OpenRequest, StaffCommand};
pub use view::{CommandView, LockerView};

use serde::{Deserialize, Serialize};

/// A locker's stored state (spec §3.1). `opening` and `vip` exist only in views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LockerState {
    Free,
    Owned,
    Blocked,
    Error,
}

impl LockerState {
    pub fn as_str(self) -> &'static str {
        match self {
            LockerState::Free => "free",
            LockerState::Owned => "owned",
            LockerState::Blocked => "blocked",
            LockerState::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "free" => LockerState::Free,
            "owned" => LockerState::Owned,
            "blocked" => LockerState::Blocked,
            "error" => LockerState::Error,
            _ => return None,
        })
    }
}
