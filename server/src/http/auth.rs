//! Staff sign-in: `POST /auth/login`, `GET /auth/me`, `POST /auth/logout` (spec §7).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ClientInfo, SESSION_COOKIE, StaffUser};
use crate::app::AppState;
use crate::auth::{self, password};
use crate::store::NewAudit;
use crate::time::now_ms;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: auth::Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub user: UserView,
    pub csrf_token: String,
}

fn session_cookie(value: &str, max_age: Option<u64>) -> HeaderValue {
    let age = max_age.map_or_else(|| "; Max-Age=0".to_owned(), |s| format!("; Max-Age={s}"));
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/{age}"
    ))
    .expect("cookie value is ASCII")
}

/// Sign in with a username and password; sets the session cookie and returns the CSRF token.
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    if let Ok(ip) = client.ip.parse::<std::net::IpAddr>()
        && let Err(wait) = state.limits.login(ip)
    {
        metrics::counter!("kioskhub_logins_total", "result" => "rate_limited").increment(1);
        return Err(ApiError::rate_limited(wait));
    }
    if body.username.len() > 64 || body.password.len() > password::MAX_PASSWORD_LEN {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        ));
    }
    let user = state.store.user_by_name(&body.username).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not reveal names.
    let stored = user
        .as_ref()
        .map_or_else(|| state.dummy_hash.clone(), |u| u.password_hash.clone());
    let ok = password::verify(body.password.clone(), stored.clone()).await;
    let now = now_ms();
    let audit = |outcome: &'static str, user_id: Option<String>| {
        let state = state.clone();
        let client = client.clone();
        let username = body.username.clone();
        async move {
            let entry = NewAudit {
                ts: now,
                user_id: user_id.as_deref(),
                username: Some(&username),
                ip: Some(&client.ip),
                user_agent: client.user_agent.as_deref(),
                action: "login",
                target: None,
                outcome,
                detail: None,
            };
            if let Err(e) = state.store.audit(&entry).await {
                tracing::error!(error = %e, "could not audit a login");
            }
        }
    };
    let Some(user) = user.filter(|u| ok && u.active) else {
        metrics::counter!("kioskhub_logins_total", "result" => "failed").increment(1);
        audit("failed", None).await;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        ));
    };
    let role = auth::Role::parse(&user.role)
        .ok_or_else(|| ApiError::internal("stored role is invalid"))?;
    if password::needs_rehash(&stored) {
        let fresh = password::hash(body.password.clone()).await;
        let mut tx = state.store.begin().await?;
        tx.set_password_hash(&user.id, &fresh, now).await?;
        tx.commit().await?;
    }
    let token = auth::new_token();
    let csrf = auth::new_token();
    let mut tx = state.store.begin().await?;
    tx.insert_session(
        &uuid::Uuid::now_v7().to_string(),
        &auth::token_hash(&token),
        &user.id,
        &csrf,
        now,
        Some(&client.ip),
        client.user_agent.as_deref(),
    )
    .await?;
    tx.set_last_login(&user.id, now).await?;
    tx.commit().await?;
    metrics::counter!("kioskhub_logins_total", "result" => "succeeded").increment(1);
    audit("succeeded", Some(user.id.clone())).await;
    let body = SessionView {
        user: UserView {
            id: user.id,
            username: user.username,
            role,
        },
        csrf_token: csrf,
    };
    let max_age = state.config.server.session_absolute.as_secs();
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&token, Some(max_age)));
    Ok(resp)
}

/// The signed-in user and the session's CSRF token.
pub async fn me(user: StaffUser) -> Json<SessionView> {
    Json(SessionView {
        user: UserView {
            id: user.id,
            username: user.username,
            role: user.role,
        },
        csrf_token: user.csrf_token,
    })
}

/// End the session.
pub async fn logout(
    State(state): State<AppState>,
    user: StaffUser,
) -> ApiResult<(StatusCode, HeaderMap)> {
    state.store.delete_session(&user.session_hash).await?;
    let hash = user.session_hash.clone();
    state.hub.disconnect(|o| matches!(o, crate::realtime::hub::Owner::Session { session_hash, .. } if *session_hash == hash));
    user.audit(&state, "logout", None, "succeeded", None).await;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie("", None));
    Ok((StatusCode::NO_CONTENT, headers))
}
