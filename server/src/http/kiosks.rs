//! Kiosk devices: the staff list, pairing codes and credentials (spec §5.1), and the pairing
//! exchange a kiosk makes with its one-time code.

use super::error::{ApiError, ApiResult};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, ClientInfo, DEVICE_COOKIE, LockersView, Staff, SystemKiosks,
};
use crate::app::AppState;
use crate::auth;
use crate::events::Published;
use crate::store::NewEvent;
use crate::time::{now_ms, rfc3339};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A pairing code is valid this long.
pub const PAIRING_VALID_MS: i64 = 10 * 60 * 1000;

#[derive(Serialize, Default, utoipa::ToSchema)]
pub struct Counts {
    total: i64,
    free: i64,
    owned: i64,
    blocked: i64,
    error: i64,
    vip: i64,
    overdue: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskView {
    id: String,
    name: String,
    online: bool,
    last_heartbeat: Option<String>,
    /// What the kiosk's last heartbeat carried (see `POST /api/kiosk/heartbeat`).
    telemetry: Option<Value>,
    /// Devices paired with the kiosk: its live (unrevoked) credentials.
    paired_devices: i64,
    lockers: Counts,
}

/// Every kiosk with its locker counts by state, last telemetry and paired devices.
pub async fn list_kiosks(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
) -> ApiResult<Json<Value>> {
    let now = now_ms();
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for (kiosk, st, vip, n) in state.store.locker_counts().await? {
        let c = counts.entry(kiosk).or_default();
        c.total += n;
        match (vip, st.as_str()) {
            (true, "free" | "owned") => c.vip += n,
            (_, "free") => c.free += n,
            (_, "owned") => c.owned += n,
            (_, "blocked") => c.blocked += n,
            _ => c.error += n,
        }
    }
    for kiosk in state.config.kiosks.iter().map(|k| &k.id) {
        let after = crate::time::ms(state.lockers.flow_settings(kiosk).overdue_after);
        if after > 0
            && let Some(c) = counts.get_mut(kiosk)
        {
            c.overdue = state
                .store
                .lockers(kiosk)
                .await?
                .iter()
                .filter(|l| {
                    l.vip_card_key.is_none()
                        && l.state == crate::lockers::LockerState::Owned
                        && l.owned_at.is_some_and(|at| now - at >= after)
                })
                .count() as i64;
        }
    }
    let paired: BTreeMap<String, i64> = state
        .store
        .live_credential_counts()
        .await?
        .into_iter()
        .collect();
    let heartbeat_ms = 3 * 30_000;
    let items: Vec<KioskView> = state
        .store
        .kiosks()
        .await?
        .into_iter()
        .map(|k| KioskView {
            online: k
                .last_heartbeat_at
                .is_some_and(|at| now - at <= heartbeat_ms),
            last_heartbeat: k.last_heartbeat_at.map(rfc3339),
            telemetry: k
                .telemetry
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok()),
            lockers: counts.remove(&k.id).unwrap_or_default(),
            paired_devices: paired.get(&k.id).copied().unwrap_or(0),
            name: state.lockers.settings().kiosk_name(&k.id).unwrap_or(k.name),
            id: k.id,
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PairingView {
    pub kiosk: String,
    pub code: String,
    pub expires_at: String,
    pub url: String,
}

/// Create a one-time pairing code for a kiosk (also used by `kioskhub kiosk pair`).
pub async fn create_pairing_code(
    state: &AppState,
    kiosk: &str,
    created_by: &str,
) -> ApiResult<PairingView> {
    state.lockers.kiosk(kiosk)?;
    let code = auth::pairing_code();
    let now = now_ms();
    let mut tx = state.store.begin().await?;
    tx.insert_pairing_code(
        &auth::token_hash(&auth::normalise_code(&code)),
        kiosk,
        now,
        now + PAIRING_VALID_MS,
        created_by,
    )
    .await?;
    tx.commit().await?;
    Ok(PairingView {
        kiosk: kiosk.to_owned(),
        url: format!("/kiosk/pair?code={code}"),
        code,
        expires_at: rfc3339(now + PAIRING_VALID_MS),
    })
}

/// `POST /api/kiosks/{kiosk}/pairing` (admin): a one-time code valid 10 minutes.
pub async fn pairing(
    State(state): State<AppState>,
    user: Staff<SystemKiosks>,
    ApiPath(kiosk): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<PairingView>)> {
    let view = create_pairing_code(&state, &kiosk, &user.actor().label()).await?;
    user.audit(
        &state,
        "kiosk_pairing_code",
        Some(&kiosk),
        "succeeded",
        None,
    )
    .await;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    code: String,
}

/// Exchange a pairing code for a device credential.
async fn exchange(
    state: &AppState,
    client: &ClientInfo,
    code: &str,
) -> ApiResult<(String, String)> {
    if let Ok(ip) = client.ip.parse()
        && let Err(wait) = state.limits.pairing(ip)
    {
        return Err(ApiError::rate_limited(wait));
    }
    let normalised = auth::normalise_code(code);
    if normalised.is_empty() || normalised.len() > 32 {
        return Err(
            ApiError::bad_request("invalid_code", "that is not a pairing code").with_field("code"),
        );
    }
    let now = now_ms();
    let token = auth::new_token();
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = state.store.begin().await?;
    let Some(kiosk) = tx
        .consume_pairing_code(&auth::token_hash(&normalised), now)
        .await?
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_code",
            "unknown, used or expired pairing code",
        )
        .with_field("code"));
    };
    tx.insert_credential(
        &id,
        &kiosk,
        &auth::token_hash(&token),
        now,
        Some(&client.ip),
    )
    .await?;
    let event = NewEvent {
        ts: now,
        site: &state.config.site.id,
        kind: "kiosk_paired",
        kiosk_id: Some(&kiosk),
        locker: None,
        actor: "system:pairing",
        data: json!({"credential": id, "ip": client.ip}),
    };
    let seq = crate::events::append(&mut tx, &event).await?;
    tx.commit().await?;
    state.events.publish(Published::from_event(seq, &event));
    Ok((token, kiosk))
}

fn device_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=315360000"
    ))
    .expect("token is URL-safe base64")
}

/// `POST /api/kiosk/pair {"code"}` → `{"token", "kiosk"}` and the device cookie.
pub async fn pair(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<Pair>,
) -> ApiResult<Response> {
    let (token, kiosk) = exchange(&state, &client, &body.code).await?;
    let mut resp = Json(json!({"token": token, "kiosk": kiosk})).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, device_cookie(&token));
    Ok(resp)
}

#[derive(Deserialize)]
pub struct PairQuery {
    code: String,
}

/// `GET /kiosk/pair?code=…`: the kiosk's browser opens the printed URL and is paired.
pub async fn pair_in_browser(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<PairQuery>,
) -> ApiResult<Response> {
    let (token, _) = exchange(&state, &client, &q.code).await?;
    let mut resp = Redirect::to("/kiosk").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, device_cookie(&token));
    Ok(resp)
}

#[derive(Serialize)]
struct CredentialView {
    id: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

/// A kiosk's device credentials.
pub async fn list_credentials(
    State(state): State<AppState>,
    _user: Staff<SystemKiosks>,
    ApiPath(kiosk): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    state.lockers.kiosk(&kiosk)?;
    let items: Vec<CredentialView> = state
        .store
        .credentials(&kiosk)
        .await?
        .into_iter()
        .map(|c| CredentialView {
            id: c.id,
            created_at: rfc3339(c.created_at),
            last_used_at: c.last_used_at.map(rfc3339),
            revoked_at: c.revoked_at.map(rfc3339),
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

/// Revoke a kiosk credential: the device must be paired again.
pub async fn revoke_credential(
    State(state): State<AppState>,
    user: Staff<SystemKiosks>,
    ApiPath((kiosk, id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    state.lockers.kiosk(&kiosk)?;
    let now = now_ms();
    let mut tx = state.store.begin().await?;
    if !tx.revoke_credential(&kiosk, &id, now).await? {
        return Err(ApiError::not_found(
            "credential_not_found",
            "no such live credential for this kiosk",
        ));
    }
    let actor = user.actor().label();
    let event = NewEvent {
        ts: now,
        site: &state.config.site.id,
        kind: "kiosk_credential_revoked",
        kiosk_id: Some(&kiosk),
        locker: None,
        actor: &actor,
        data: json!({"credential": id}),
    };
    let seq = crate::events::append(&mut tx, &event).await?;
    tx.commit().await?;
    state.devices.forget(&id);
    state
        .hub
        .disconnect(|o| matches!(o, crate::realtime::hub::Owner::Device(c) if *c == id));
    state.events.publish(Published::from_event(seq, &event));
    user.audit(
        &state,
        "kiosk_credential_revoked",
        Some(&kiosk),
        "succeeded",
        Some(&id),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
