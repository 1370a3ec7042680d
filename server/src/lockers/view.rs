//! What the API shows of lockers and commands.

use super::LockerState;
use crate::store::{CommandRow, LockerRow};
use crate::time::rfc3339;
use serde::Serialize;

/// A locker as the panel and kiosks see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LockerView {
    pub kiosk: String,
    pub number: i64,
    pub name: Option<String>,
    /// `free`, `owned`, `blocked`, `error`, or `vip` for a locker bound to a VIP card.
    pub state: String,
    pub stored_state: LockerState,
    pub vip: bool,
    /// Last four digits of the owner's card.
    pub owner_hint: Option<String>,
    pub owned_at: Option<String>,
    pub held_seconds: Option<i64>,
    pub overdue: bool,
    pub last_opened_at: Option<String>,
    pub version: i64,
    pub wiring: Wiring,
    /// The door sensor as last read (`open` or `closed`); null when the kiosk has no sensors or
    /// the door was not read yet.
    pub door: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Wiring {
    pub bus: String,
    pub slave: i64,
    pub channel: i64,
}

impl LockerView {
    /// `overdue_after_ms` of zero disables the overdue flag.
    pub fn new(row: &LockerRow, now: i64, overdue_after_ms: i64) -> Self {
        let vip = row.vip_card_key.is_some();
        let state = match row.state {
            LockerState::Free | LockerState::Owned if vip => "vip",
            s => s.as_str(),
        };
        let held = (row.state == LockerState::Owned)
            .then_some(row.owned_at)
            .flatten()
            .map(|at| (now - at).max(0));
        LockerView {
            kiosk: row.kiosk_id.clone(),
            number: row.number,
            name: row.name.clone(),
            state: state.to_owned(),
            stored_state: row.state,
            vip,
            owner_hint: row.owner_hint.clone(),
            owned_at: row.owned_at.map(rfc3339),
            held_seconds: held.map(|ms| ms / 1000),
            overdue: !vip && overdue_after_ms > 0 && held.is_some_and(|ms| ms >= overdue_after_ms),
            last_opened_at: row.last_opened_at.map(rfc3339),
            version: row.version,
            wiring: Wiring {
                bus: row.bus.clone(),
                slave: row.slave,
                channel: row.channel,
            },
            door: None,
        }
    }
}

/// A staff command and, once finished, its result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommandView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub kiosk: String,
    pub locker: Option<i64>,
    /// `queued`, `running`, `succeeded`, `failed`, `expired` or `cancelled`.
    pub state: String,
    pub requested_by: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    #[schema(value_type = Object)]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
}

impl From<CommandRow> for CommandView {
    fn from(row: CommandRow) -> Self {
        CommandView {
            id: row.id,
            kind: row.kind,
            kiosk: row.kiosk_id,
            locker: row.locker,
            state: row.state,
            requested_by: row.requested_by,
            created_at: rfc3339(row.created_at),
            finished_at: row.finished_at.map(rfc3339),
            params: serde_json::from_str(&row.params).unwrap_or(serde_json::Value::Null),
            result: row.result.and_then(|r| serde_json::from_str(&r).ok()),
            error: row.error_code,
        }
    }
}
