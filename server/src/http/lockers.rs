//! Staff locker API (spec §14): views, actions as commands, bulk open, end of day, commands.

use super::error::{ApiError, ApiResult};
use super::extract::{
    ApiJson, ApiPath, LockersBlock, LockersBulkOpen, LockersOpen, LockersRelease, LockersTransfer,
    LockersView, Staff, StaffUser, SystemConfigure,
};
use crate::app::AppState;
use crate::lockers::{CommandView, LockerView, OpenRequest, StaffCommand};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

const MAX_REASON: usize = 500;

fn kioskhub_card_ok(card: &str) -> Option<crate::lockers::CardUid> {
    crate::lockers::CardUid::normalise(card)
}

fn idem_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let key = v
                .to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 100)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_header",
                        "Idempotency-Key must be 1–100 visible characters",
                    )
                    .with_field("Idempotency-Key")
                })?;
            Ok(Some(key.to_owned()))
        }
    }
}

fn check_text(value: &Option<String>, field: &str, max: usize) -> ApiResult<()> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::bad_request(
            "too_long",
            format!("{field} is longer than {max} characters"),
        )
        .with_field(field)),
        _ => Ok(()),
    }
}

/// Run a command and answer 200 with it (202 while a background command still runs).
async fn command(
    state: &AppState,
    user: &StaffUser,
    kiosk: &str,
    cmd: StaffCommand,
    headers: &HeaderMap,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    let key = idem_key(headers)?;
    let label = format!("{cmd:?}")
        .split([' ', '{'])
        .next()
        .unwrap_or("command")
        .to_owned();
    let target = kiosk.to_owned();
    let result = state
        .lockers
        .run_command(kiosk, cmd, &user.actor(), key.as_deref())
        .await;
    let outcome = if result.is_ok() {
        "succeeded"
    } else {
        "failed"
    };
    user.audit(
        state,
        &format!("locker_{}", label.to_lowercase()),
        Some(&target),
        outcome,
        None,
    )
    .await;
    let view = result?;
    let status = if view.state == "running" {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}

/// Every locker of a kiosk.
pub async fn list_lockers(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
    ApiPath(kiosk): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    state.lockers.kiosk(&kiosk)?;
    let items: Vec<LockerView> = state
        .store
        .lockers(&kiosk)
        .await?
        .iter()
        .map(|l| state.lockers.view(l))
        .collect();
    Ok(Json(json!({"items": items})))
}

/// One locker.
pub async fn get_locker(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
) -> ApiResult<Json<LockerView>> {
    let row = state.lockers.locker(&kiosk, n).await?;
    Ok(Json(state.lockers.view(&row)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Open {
    #[serde(default)]
    release: bool,
    #[serde(default, rename = "override")]
    override_vip: bool,
    reason: Option<String>,
}

/// Open & free (`release`) or open & keep.
pub async fn open_locker(
    State(state): State<AppState>,
    user: Staff<LockersOpen>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Open>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    check_text(&body.reason, "reason", MAX_REASON)?;
    let req = OpenRequest {
        release: body.release,
        override_vip: body.override_vip,
        reason: body.reason,
    };
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::Open { number: n, req },
        &headers,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    reason: Option<String>,
}

pub async fn block_locker(
    State(state): State<AppState>,
    user: Staff<LockersBlock>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Reason>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    check_text(&body.reason, "reason", MAX_REASON)?;
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::Block {
            number: n,
            reason: body.reason,
        },
        &headers,
    )
    .await
}

pub async fn unblock_locker(
    State(state): State<AppState>,
    user: Staff<LockersBlock>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::Unblock { number: n },
        &headers,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    note: Option<String>,
}

pub async fn resolve_locker(
    State(state): State<AppState>,
    user: Staff<LockersOpen>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Resolve>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    check_text(&body.note, "note", MAX_REASON)?;
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::ResolveError {
            number: n,
            note: body.note,
        },
        &headers,
    )
    .await
}

/// Free without opening: explicit, audited, reason required.
pub async fn release_locker(
    State(state): State<AppState>,
    user: Staff<LockersRelease>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Reason>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    check_text(&body.reason, "reason", MAX_REASON)?;
    let reason = body.reason.unwrap_or_default();
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::FreeWithoutOpening { number: n, reason },
        &headers,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    name: Option<String>,
}

pub async fn rename_locker(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Rename>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    let name = body
        .name
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    check_text(&name, "name", 20)?;
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::Rename { number: n, name },
        &headers,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    card: String,
    reason: Option<String>,
}

/// Move a locker to a new card (lost card): the old card no longer opens it.
pub async fn transfer_locker(
    State(state): State<AppState>,
    user: Staff<LockersTransfer>,
    headers: HeaderMap,
    ApiPath((kiosk, n)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Transfer>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    if kioskhub_card_ok(&body.card).is_none() {
        return Err(
            ApiError::bad_request("invalid_card", "that card number cannot be read")
                .with_field("card"),
        );
    }
    check_text(&body.reason, "reason", MAX_REASON)?;
    command(
        &state,
        &user,
        &kiosk,
        StaffCommand::Transfer {
            number: n,
            card: body.card,
            reason: body.reason,
        },
        &headers,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkOpen {
    lockers: Vec<i64>,
    #[serde(default)]
    release: bool,
    exclude_vip: Option<bool>,
    stagger_ms: Option<u32>,
}

/// Open several lockers, one at a time, `stagger_ms` apart (rule 9).
pub async fn bulk_open(
    State(state): State<AppState>,
    user: Staff<LockersBulkOpen>,
    headers: HeaderMap,
    ApiPath(kiosk): ApiPath<String>,
    ApiJson(body): ApiJson<BulkOpen>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    let settings = state.lockers.flow_settings(&kiosk);
    let stagger_ms = body.stagger_ms.unwrap_or(settings.bulk_stagger_ms);
    if !(100..=5000).contains(&stagger_ms) {
        return Err(
            ApiError::bad_request("invalid_value", "stagger_ms must be 100–5000")
                .with_field("stagger_ms"),
        );
    }
    if body.lockers.is_empty() || body.lockers.len() > 4096 {
        return Err(
            ApiError::bad_request("invalid_value", "name 1 to 4096 lockers").with_field("lockers"),
        );
    }
    let cmd = StaffCommand::BulkOpen {
        numbers: body.lockers,
        release: body.release,
        exclude_vip: body.exclude_vip.unwrap_or(true),
        stagger_ms,
    };
    command(&state, &user, &kiosk, cmd, &headers).await
}

/// Open and free every owned non-VIP locker of a kiosk; the report is the command's result.
pub async fn end_of_day(
    State(state): State<AppState>,
    user: Staff<LockersBulkOpen>,
    headers: HeaderMap,
    ApiPath(kiosk): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<CommandView>)> {
    command(&state, &user, &kiosk, StaffCommand::EndOfDay, &headers).await
}

/// `GET /api/commands/{id}`.
pub async fn get_command(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CommandView>> {
    if id.len() > 64 {
        return Err(ApiError::not_found(
            "command_not_found",
            "command not found",
        ));
    }
    Ok(Json(state.lockers.command(&id).await?))
}
