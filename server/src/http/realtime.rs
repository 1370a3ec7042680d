//! Real-time endpoints: one-use WebSocket tickets, the hub's status, and admin broadcasts.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, LockersView, Staff, StaffUser, SystemConfigure};
use crate::app::AppState;
use crate::auth;
use crate::events::{Published, append};
use crate::realtime::Namespace;
use crate::store::NewEvent;
use crate::time::now_ms;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// A ticket is valid this long.
pub const TICKET_VALID_MS: i64 = 30_000;

/// `POST /api/ws/ticket`: a one-use ticket for `?ticket=` (browsers cannot set headers).
pub async fn ticket(
    State(state): State<AppState>,
    user: StaffUser,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ticket = auth::new_token();
    state
        .store
        .insert_ws_ticket(
            &auth::token_hash(&ticket),
            &user.session_hash,
            now_ms() + TICKET_VALID_MS,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"ticket": ticket, "expires_in": TICKET_VALID_MS / 1000})),
    ))
}

/// `GET /api/websocket/status`.
pub async fn status(State(state): State<AppState>, _user: Staff<LockersView>) -> Json<Value> {
    Json(state.hub.status())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Broadcast {
    /// e.g. `/ws/lockers`.
    namespace: String,
    /// e.g. `kiosk:men`; the whole namespace when absent.
    room: Option<String>,
    /// Send to the whole namespace when nobody is in `room`.
    #[serde(default)]
    fallback_to_namespace: bool,
    #[schema(value_type = Object)]
    data: Value,
}

/// `POST /api/websocket/broadcast` (admin): a stored message to a namespace or room.
pub async fn broadcast(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    ApiJson(body): ApiJson<Broadcast>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ns = Namespace::from_path(&body.namespace)
        .filter(|ns| *ns != Namespace::Agent)
        .ok_or_else(|| {
            ApiError::bad_request("invalid_value", "unknown namespace").with_field("namespace")
        })?;
    if !body.data.is_object() || body.data.to_string().len() > 16 * 1024 {
        return Err(ApiError::bad_request(
            "invalid_value",
            "data must be a JSON object under 16 KiB",
        )
        .with_field("data"));
    }
    if let Some(room) = &body.room
        && (room.is_empty() || room.len() > 100)
    {
        return Err(
            ApiError::bad_request("invalid_value", "room must be 1–100 characters")
                .with_field("room"),
        );
    }
    let members = body.room.as_deref().map(|r| state.hub.room_size(ns, r));
    let room = match (body.room, members) {
        (Some(_), Some(0)) if body.fallback_to_namespace => None,
        (room, _) => room,
    };
    let now = now_ms();
    let actor = user.actor().label();
    let event = NewEvent {
        ts: now,
        site: &state.config.site.id,
        kind: "ws_broadcast",
        kiosk_id: None,
        locker: None,
        actor: &actor,
        data: json!({"namespace": ns.path(), "room": room, "payload": body.data}),
    };
    // The message and its audit entry commit together.
    let mut tx = state.store.begin().await?;
    let seq = append(&mut tx, &event).await?;
    tx.insert_audit(&user.audit_entry(
        "ws_broadcast",
        Some(ns.path()),
        "succeeded",
        room.as_deref(),
    ))
    .await?;
    tx.commit().await?;
    state.events.publish(Published::from_event(seq, &event));
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"namespace": ns.path(), "room": room, "room_members": members})),
    ))
}
