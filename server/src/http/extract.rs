//! Extractors: who is calling (a staff session with a permission, or an enrolled kiosk), where
//! from, and request bodies, paths and queries that fail with the API's error shape.

use super::error::ApiError;
use crate::app::AppState;
use crate::auth::{Permission, Role, token_hash};
use crate::lockers::Actor;
use crate::store::NewAudit;
use crate::time::{ms, now_ms};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::marker::PhantomData;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "kioskhub_session";
pub const DEVICE_COOKIE: &str = "kioskhub_device";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Renew a session's idle timer at most this often, so reads do not write on every request.
const RENEW_EVERY_MS: i64 = 60_000;

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// The token of an `Authorization: Bearer` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The caller's address and user agent, for audit and rate limits.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let forwarded = state
            .config
            .server
            .trust_proxy
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")?
                    .to_str()
                    .ok()?
                    .split(',')
                    .next()
                    .map(|s| s.trim().to_owned())
            })
            .flatten();
        let ip = forwarded
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect());
        Ok(ClientInfo { ip, user_agent })
    }
}

/// A signed-in staff member (any role). Checks the session and, on mutating requests, CSRF.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub session_hash: String,
    pub csrf_token: String,
    pub client: ClientInfo,
}

impl StaffUser {
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            user_id: self.id.clone(),
            username: self.username.clone(),
        }
    }

    /// An audit entry for this user, now, from their address.
    pub fn audit_entry<'a>(
        &'a self,
        action: &'a str,
        target: Option<&'a str>,
        outcome: &'a str,
        detail: Option<&'a str>,
    ) -> NewAudit<'a> {
        NewAudit {
            ts: now_ms(),
            user_id: Some(&self.id),
            username: Some(&self.username),
            ip: Some(&self.client.ip),
            user_agent: self.client.user_agent.as_deref(),
            action,
            target,
            outcome,
            detail,
        }
    }

    /// Append to the audit trail; a failure to audit is logged, not returned.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        target: Option<&str>,
        outcome: &str,
        detail: Option<&str>,
    ) {
        let entry = self.audit_entry(action, target, outcome, detail);
        if let Err(e) = state.store.audit(&entry).await {
            tracing::error!(error = %e, action, "could not write an audit entry");
        }
    }
}

impl StaffUser {
    /// The user of a live session, by the hash of its token; slides the idle timeout. `csrf` is
    /// checked when given (mutating requests authenticated by the cookie).
    pub async fn from_session(
        state: &AppState,
        hash: String,
        client: ClientInfo,
        csrf: Option<&str>,
    ) -> Result<StaffUser, ApiError> {
        let session = state
            .store
            .session(&hash)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let now = now_ms();
        let idle = ms(state.config.server.session_idle);
        let absolute = ms(state.config.server.session_absolute);
        let role = Role::parse(&session.user.role);
        if now - session.last_seen_at > idle
            || now - session.created_at > absolute
            || !session.user.active
            || role.is_none()
        {
            state.store.delete_session(&hash).await?;
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "session_expired",
                "your session has ended; sign in again",
            ));
        }
        if let Some(sent) = csrf
            && !same(sent, &session.csrf_token)
        {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf_failed",
                "missing or wrong X-CSRF-Token header",
            ));
        }
        if now - session.last_seen_at > RENEW_EVERY_MS {
            state.store.touch_session(&hash, now).await?;
        }
        Ok(StaffUser {
            id: session.user.id,
            username: session.user.username,
            role: role.expect("role checked above"),
            session_hash: hash,
            csrf_token: session.csrf_token,
            client,
        })
    }
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = ClientInfo::from_request_parts(parts, state).await?;
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
        let csrf =
            (!matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)).then(|| {
                parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
            });
        StaffUser::from_session(state, token_hash(token), client, csrf).await
    }
}

/// A permission, as a type, so a handler's signature says who may call it.
pub trait Perm: Send + Sync + 'static {
    const P: Permission;
}

macro_rules! permissions {
    ($($name:ident => $p:ident),* $(,)?) => {
        $(
            #[doc = concat!("The `", stringify!($p), "` permission.")]
            pub struct $name;
            impl Perm for $name {
                const P: Permission = Permission::$p;
            }
        )*
    };
}

permissions! {
    LockersView => LockersView,
    LockersOpen => LockersOpen,
    LockersBulkOpen => LockersBulkOpen,
    LockersBlock => LockersBlock,
    LockersRelease => LockersReleaseWithoutOpen,
    LockersTransfer => LockersTransfer,
    HelpView => HelpView,
    HelpAssign => HelpAssign,
    HelpResolve => HelpResolve,
    SystemConfigure => SystemConfigure,
    SystemKiosks => SystemKiosks,
    SystemLogs => SystemLogs,
    SystemUsers => SystemUsers,
}

/// A staff member holding permission `P`: the capability a handler asks for.
pub struct Staff<P: Perm>(pub StaffUser, PhantomData<P>);

impl<P: Perm> std::ops::Deref for Staff<P> {
    type Target = StaffUser;
    fn deref(&self) -> &StaffUser {
        &self.0
    }
}

impl<P: Perm> FromRequestParts<AppState> for Staff<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        if !user.role.allows(P::P) {
            let target = parts.uri.path().to_owned();
            user.audit(
                state,
                "authorization_denied",
                Some(&target),
                "denied",
                Some(P::P.as_str()),
            )
            .await;
            return Err(ApiError::forbidden(format!(
                "your role may not do this (needs {})",
                P::P.as_str()
            )));
        }
        Ok(Staff(user, PhantomData))
    }
}

/// An enrolled kiosk, by its device cookie or `Authorization: Bearer` token.
#[derive(Debug, Clone)]
pub struct KioskDevice {
    pub kiosk: String,
    pub credential_id: String,
}

impl FromRequestParts<AppState> for KioskDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)
            .or_else(|| cookie(&parts.headers, DEVICE_COOKIE))
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "this endpoint needs a paired kiosk",
                )
            })?;
        let hash = token_hash(token);
        if let Some((kiosk, credential_id)) = state.devices.get(&hash) {
            return Ok(KioskDevice {
                kiosk,
                credential_id,
            });
        }
        let cred = state
            .store
            .credential_by_token(&hash)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "invalid_credential",
                    "unknown or revoked kiosk credential",
                )
            })?;
        state
            .devices
            .put(hash, cred.kiosk_id.clone(), cred.id.clone());
        Ok(KioskDevice {
            kiosk: cred.kiosk_id,
            credential_id: cred.id,
        })
    }
}

/// JSON body with the API's error shape on failure (unknown fields are refused by the types).
/// The body must be a JSON object: serde would also fill a struct from an array, by position.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(Object(value)) = axum::Json::<Object<T>>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// `T` read from a JSON object only.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OnlyMaps<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OnlyMaps<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(OnlyMaps(PhantomData)).map(Object)
    }
}

/// Path parameters with the API's error shape on failure.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// Query parameters with the API's error shape on failure.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}
