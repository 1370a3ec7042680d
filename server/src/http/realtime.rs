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

/// Most messages in one `POST /api/websocket/broadcast/batch`.
pub const BATCH_MAX: usize = 100;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastBatch {
    /// 1–100 messages, stored in one transaction and delivered in this order.
    messages: Vec<Broadcast>,
}

/// A broadcast checked against the hub: its namespace, and the room it goes to (`None`: the
/// whole namespace) with the room's member count when one was named.
struct Checked {
    ns: Namespace,
    room: Option<String>,
    members: Option<usize>,
    data: Value,
}

/// Check one broadcast; `at` prefixes the field named in an error (`messages[3].`).
fn check(state: &AppState, body: Broadcast, at: &str) -> ApiResult<Checked> {
    let ns = Namespace::from_path(&body.namespace)
        .filter(|ns| *ns != Namespace::Agent)
        .ok_or_else(|| {
            ApiError::bad_request("invalid_value", "unknown namespace")
                .with_field(format!("{at}namespace"))
        })?;
    if !body.data.is_object() || body.data.to_string().len() > 16 * 1024 {
        return Err(ApiError::bad_request(
            "invalid_value",
            "data must be a JSON object under 16 KiB",
        )
        .with_field(format!("{at}data")));
    }
    if let Some(room) = &body.room
        && (room.is_empty() || room.len() > 100)
    {
        return Err(
            ApiError::bad_request("invalid_value", "room must be 1–100 characters")
                .with_field(format!("{at}room")),
        );
    }
    let members = body.room.as_deref().map(|r| state.hub.room_size(ns, r));
    let room = match (body.room, members) {
        (Some(_), Some(0)) if body.fallback_to_namespace => None,
        (room, _) => room,
    };
    Ok(Checked {
        ns,
        room,
        members,
        data: body.data,
    })
}

/// Store checked broadcasts and their audit entries in one transaction, then wake the hub.
async fn store_broadcasts(
    state: &AppState,
    user: &StaffUser,
    messages: &[Checked],
) -> ApiResult<()> {
    let now = now_ms();
    let actor = user.actor().label();
    let mut tx = state.store.begin().await?;
    let mut published = Vec::with_capacity(messages.len());
    for m in messages {
        let event = NewEvent {
            ts: now,
            site: &state.config.site.id,
            kind: "ws_broadcast",
            kiosk_id: None,
            locker: None,
            actor: &actor,
            data: json!({"namespace": m.ns.path(), "room": m.room, "payload": m.data}),
        };
        let seq = append(&mut tx, &event).await?;
        tx.insert_audit(&user.audit_entry(
            "ws_broadcast",
            Some(m.ns.path()),
            "succeeded",
            m.room.as_deref(),
        ))
        .await?;
        published.push(Published::from_event(seq, &event));
    }
    tx.commit().await?;
    for p in published {
        state.events.publish(p);
    }
    Ok(())
}

fn outcome(m: &Checked) -> Value {
    json!({"namespace": m.ns.path(), "room": m.room, "room_members": m.members})
}

/// `POST /api/websocket/broadcast` (admin): a stored message to a namespace or room.
pub async fn broadcast(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    ApiJson(body): ApiJson<Broadcast>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let checked = check(&state, body, "")?;
    store_broadcasts(&state, &user, std::slice::from_ref(&checked)).await?;
    Ok((StatusCode::ACCEPTED, Json(outcome(&checked))))
}

/// `POST /api/websocket/broadcast/batch` (admin): up to [`BATCH_MAX`] stored messages in one
/// transaction, delivered in order — for systems that feed the displays and panels in bursts.
/// One bad message refuses the whole batch, and nothing is stored.
pub async fn broadcast_batch(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    ApiJson(body): ApiJson<BroadcastBatch>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if body.messages.is_empty() || body.messages.len() > BATCH_MAX {
        return Err(
            ApiError::bad_request("invalid_value", format!("send 1–{BATCH_MAX} messages"))
                .with_field("messages"),
        );
    }
    let checked = body
        .messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| check(&state, m, &format!("messages[{i}].")))
        .collect::<ApiResult<Vec<_>>>()?;
    store_broadcasts(&state, &user, &checked).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"items": checked.iter().map(outcome).collect::<Vec<_>>()})),
    ))
}
