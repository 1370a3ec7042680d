//! Staff accounts and sessions for admins (spec §7): list, create, change role or deactivate,
//! reset a password; list live sessions and revoke them. Every change is audited, and a change
//! that takes rights away ends the user's sessions and closes their WebSockets.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, Staff, SystemUsers};
use crate::app::AppState;
use crate::auth::{Role, password};
use crate::realtime::hub::Owner;
use crate::store::{StoreError, UserRow};
use crate::time::{ms, now_ms, rfc3339};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

/// A staff account as the panel shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountView {
    id: String,
    username: String,
    role: Role,
    active: bool,
    created_at: String,
    last_login_at: Option<String>,
}

impl AccountView {
    fn new(row: UserRow) -> ApiResult<AccountView> {
        Ok(AccountView {
            role: Role::parse(&row.role)
                .ok_or_else(|| ApiError::internal("stored role is invalid"))?,
            id: row.id,
            username: row.username,
            active: row.active,
            created_at: rfc3339(row.created_at),
            last_login_at: row.last_login_at.map(rfc3339),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountList {
    items: Vec<AccountView>,
}

/// `GET /api/users`: every account, by name.
pub async fn list_users(
    State(state): State<AppState>,
    _user: Staff<SystemUsers>,
) -> ApiResult<Json<AccountList>> {
    let items = state
        .store
        .users()
        .await?
        .into_iter()
        .map(AccountView::new)
        .collect::<ApiResult<_>>()?;
    Ok(Json(AccountList { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 3–32 of `a-z 0-9 . _ -`; stored in lower case.
    username: String,
    role: Role,
    /// At least 10 characters.
    password: String,
}

/// A username as stored: lower case, 3–32 of `a-z 0-9 . _ -`.
fn parse_username(raw: &str) -> ApiResult<String> {
    let name = raw.to_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_username",
            "a username has 3 to 32 letters, digits, '.', '_' or '-'",
        )
        .with_field("username"))
    }
}

/// A new password: 10–256 characters.
fn check_password(pw: &str) -> ApiResult<()> {
    if pw.len() > password::MAX_PASSWORD_LEN {
        return Err(ApiError::bad_request(
            "too_long",
            format!(
                "password is longer than {} characters",
                password::MAX_PASSWORD_LEN
            ),
        )
        .with_field("password"));
    }
    if pw.chars().count() < password::MIN_PASSWORD_LEN {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_too_short",
            format!(
                "a password has at least {} characters",
                password::MIN_PASSWORD_LEN
            ),
        )
        .with_field("password"));
    }
    Ok(())
}

fn username_taken() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "username_taken",
        "that username is already taken",
    )
    .with_field("username")
}

/// `POST /api/users`: create an account.
pub async fn create_user(
    State(state): State<AppState>,
    admin: Staff<SystemUsers>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let username = parse_username(&body.username)?;
    check_password(&body.password)?;
    if state.store.user_by_name(&username).await?.is_some() {
        return Err(username_taken());
    }
    let row = crate::app::create_user(&state.store, &username, body.role, &body.password)
        .await
        .map_err(|e| match e.downcast::<StoreError>() {
            Ok(StoreError::Duplicate(_)) => username_taken(),
            Ok(other) => other.into(),
            Err(e) => ApiError::internal(e),
        })?;
    admin
        .audit(
            &state,
            "user_created",
            Some(&username),
            "succeeded",
            Some(&format!("role={}", body.role.as_str())),
        )
        .await;
    Ok((StatusCode::CREATED, Json(AccountView::new(row)?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    role: Option<Role>,
    active: Option<bool>,
}

fn user_not_found() -> ApiError {
    ApiError::not_found("user_not_found", "no such user")
}

/// Close every WebSocket of `user_id`'s sessions, except the session `keep` (a token hash).
fn disconnect_user(state: &AppState, user_id: &str, keep: Option<&str>) {
    state.hub.disconnect(|o| {
        matches!(o, Owner::Session { user_id: u, session_hash } if u == user_id && Some(session_hash.as_str()) != keep)
    });
}

/// `PATCH /api/users/{id} {role?, active?}`. Taking rights away (a new role, deactivation)
/// ends the user's sessions. Nobody changes their own role or deactivates themselves, and the
/// site always keeps an active admin.
pub async fn update_user(
    State(state): State<AppState>,
    admin: Staff<SystemUsers>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<AccountView>> {
    let now = now_ms();
    let mut tx = state.store.begin().await?;
    tx.lock_users().await?;
    let before = tx.user(&id).await?.ok_or_else(user_not_found)?;
    let role = body
        .role
        .map_or(before.role.clone(), |r| r.as_str().to_owned());
    let active = body.active.unwrap_or(before.active);
    let changed = role != before.role || active != before.active;
    if !changed {
        return Ok(Json(AccountView::new(before)?));
    }
    tx.update_user(&id, &role, active, now).await?;
    let detail = format!(
        "role={}→{} active={}→{}",
        before.role, role, before.active, active
    );
    let refusal = if tx.count_active_admins().await? == 0 {
        Some(ApiError::new(
            StatusCode::CONFLICT,
            "last_admin",
            "the site must keep at least one active admin",
        ))
    } else if id == admin.id {
        Some(ApiError::new(
            StatusCode::CONFLICT,
            "cannot_change_self",
            "you cannot change your own role or deactivate yourself",
        ))
    } else {
        None
    };
    if let Some(err) = refusal {
        // Roll back before auditing: the audit entry is a write of its own.
        drop(tx);
        let detail = format!("{detail} ({})", err.code);
        admin
            .audit(
                &state,
                "user_updated",
                Some(&before.username),
                "refused",
                Some(&detail),
            )
            .await;
        return Err(err);
    }
    tx.delete_user_sessions(&id).await?;
    tx.commit().await?;
    disconnect_user(&state, &id, None);
    admin
        .audit(
            &state,
            "user_updated",
            Some(&before.username),
            "succeeded",
            Some(&detail),
        )
        .await;
    let after = UserRow {
        role,
        active,
        ..before
    };
    Ok(Json(AccountView::new(after)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// At least 10 characters.
    password: String,
}

/// `POST /api/users/{id}/password`: set a new password and sign the user out everywhere (but
/// in the caller's own session, when resetting their own).
pub async fn reset_password(
    State(state): State<AppState>,
    admin: Staff<SystemUsers>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResetPassword>,
) -> ApiResult<StatusCode> {
    check_password(&body.password)?;
    let user = state.store.user(&id).await?.ok_or_else(user_not_found)?;
    let hash = password::hash(body.password).await;
    let keep = (id == admin.id).then_some(admin.session_hash.as_str());
    let mut tx = state.store.begin().await?;
    if !tx.set_password_hash(&id, &hash, now_ms()).await? {
        return Err(user_not_found());
    }
    tx.delete_user_sessions_except(&id, keep).await?;
    tx.commit().await?;
    disconnect_user(&state, &id, keep);
    admin
        .audit(
            &state,
            "user_password_reset",
            Some(&user.username),
            "succeeded",
            None,
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionUser {
    id: String,
    username: String,
}

/// A live session as the panel lists it (never its token, nor the token's hash).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionItem {
    id: String,
    user: SessionUser,
    created_at: String,
    last_seen_at: String,
    /// When it ends unless used again: the idle timeout from the last use, capped by the
    /// absolute limit.
    expires_at: String,
    ip: Option<String>,
    user_agent: Option<String>,
    /// The caller's own session.
    current: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionList {
    items: Vec<SessionItem>,
}

/// `GET /api/sessions`: every live session, most recently used first.
pub async fn list_sessions(
    State(state): State<AppState>,
    admin: Staff<SystemUsers>,
) -> ApiResult<Json<SessionList>> {
    let now = now_ms();
    let idle = ms(state.config.server.session_idle);
    let absolute = ms(state.config.server.session_absolute);
    let items = state
        .store
        .live_sessions(now - idle, now - absolute)
        .await?
        .into_iter()
        .map(|s| SessionItem {
            current: s.id_hash == admin.session_hash,
            expires_at: rfc3339((s.last_seen_at + idle).min(s.created_at + absolute)),
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            user: SessionUser {
                id: s.user_id,
                username: s.username,
            },
            id: s.id,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(Json(SessionList { items }))
}

/// `POST /api/sessions/{id}/revoke`: end a session and close its WebSockets.
pub async fn revoke_session(
    State(state): State<AppState>,
    admin: Staff<SystemUsers>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let mut tx = state.store.begin().await?;
    let (hash, user_id) = tx
        .delete_session_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("session_not_found", "no such session"))?;
    tx.commit().await?;
    state
        .hub
        .disconnect(|o| matches!(o, Owner::Session { session_hash, .. } if *session_hash == hash));
    let target = state
        .store
        .user(&user_id)
        .await?
        .map_or(user_id, |u| u.username);
    admin
        .audit(
            &state,
            "session_revoked",
            Some(&target),
            "succeeded",
            Some(&id),
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
