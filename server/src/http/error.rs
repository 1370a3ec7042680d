//! One error type for every handler: the status and the `{"error": {code, message, field}}`
//! body of spec §14. Internal causes are logged once and never sent to clients.

use crate::help::{HelpError, PhotoError};
use crate::lockers::LockerError;
use crate::store::StoreError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many attempts; try again in {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some(field) = self.field {
            body["field"] = json!(field);
        }
        let mut resp = (self.status, axum::Json(json!({"error": body}))).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found("not_found", "no such item"),
            StoreError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "changed by someone else; reload and try again",
            ),
            StoreError::Duplicate(_) => ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                "that value is already taken",
            ),
            other => ApiError::internal(other),
        }
    }
}

/// The machine-readable code of a locker error (also stored in failed commands).
pub fn locker_error_code(err: &LockerError) -> &'static str {
    use LockerError::*;
    match err {
        UnknownKiosk(_) => "kiosk_not_found",
        UnknownLocker { .. } => "locker_not_found",
        InvalidCard => "invalid_card",
        NoFreeLockers => "no_free_lockers",
        LockerTaken => "locker_taken",
        CredentialLimit => "credential_limit",
        OwnedElsewhere { .. } => "owned_elsewhere",
        LockerBlocked => "locker_blocked",
        LockerInError => "locker_error",
        LockerNotOffered => "locker_not_offered",
        SessionExpired => "session_expired",
        OpenOnlyWindowPassed => "open_only_window_passed",
        RelayFailed(_) => "relay_failed",
        CommandInFlight => "command_in_flight",
        InvalidState(_) => "invalid_state",
        VipOverrideRequired => "vip_override_required",
        ReasonRequired => "reason_required",
        NameTaken(_) => "name_taken",
        Invalid(_) => "invalid_value",
        MasterLocked { .. } => "master_locked",
        MasterPinWrong { .. } => "master_pin_wrong",
        MasterSessionRequired => "master_session_required",
        MasterPinNotSet => "master_pin_not_set",
        CommandNotFound => "command_not_found",
        CardBusy => "card_busy",
        Store(_) => "internal",
    }
}

impl From<LockerError> for ApiError {
    fn from(err: LockerError) -> Self {
        use LockerError::*;
        let status = match &err {
            UnknownKiosk(_) | UnknownLocker { .. } | CommandNotFound => StatusCode::NOT_FOUND,
            InvalidCard | Invalid(_) => StatusCode::BAD_REQUEST,
            NoFreeLockers
            | LockerTaken
            | CardBusy
            | CredentialLimit
            | OwnedElsewhere { .. }
            | CommandInFlight
            | InvalidState(_)
            | NameTaken(_)
            | MasterPinNotSet => StatusCode::CONFLICT,
            LockerBlocked | LockerInError | MasterLocked { .. } => StatusCode::LOCKED,
            SessionExpired => StatusCode::GONE,
            LockerNotOffered | OpenOnlyWindowPassed | VipOverrideRequired | ReasonRequired => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            RelayFailed(_) => StatusCode::SERVICE_UNAVAILABLE,
            MasterPinWrong { .. } | MasterSessionRequired => StatusCode::FORBIDDEN,
            Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let Store(inner) = err {
            return match inner {
                StoreError::Conflict => ApiError::new(
                    StatusCode::CONFLICT,
                    "locker_taken",
                    "that locker was just taken",
                ),
                other => ApiError::internal(other),
            };
        }
        let mut api = ApiError::new(status, locker_error_code(&err), err.to_string());
        match err {
            MasterLocked { retry_after_s } => api.retry_after = u64::try_from(retry_after_s).ok(),
            ReasonRequired => api.field = Some("reason".into()),
            InvalidCard => api.field = Some("card".into()),
            _ => {}
        }
        api
    }
}

impl From<HelpError> for ApiError {
    fn from(err: HelpError) -> Self {
        use HelpError::*;
        let message = err.to_string();
        let (status, code, field) = match err {
            NotFound(_) => (StatusCode::NOT_FOUND, "help_not_found", None),
            NoPhoto(_) => (StatusCode::NOT_FOUND, "no_photo", None),
            UnknownLocker(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "locker_not_found",
                Some("locker"),
            ),
            Resolved(_) => (StatusCode::CONFLICT, "help_resolved", None),
            NotResolved(_) => (StatusCode::CONFLICT, "help_not_resolved", None),
            InvalidAssignee(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_assignee",
                Some("user_id"),
            ),
            DuplicateAutomatic => (StatusCode::CONFLICT, "help_duplicate", None),
            Conflict => (StatusCode::CONFLICT, "conflict", None),
            Invalid { field, code, .. } => (StatusCode::BAD_REQUEST, code, Some(field)),
            InvalidQuery { field, .. } => (StatusCode::BAD_REQUEST, "invalid_query", Some(field)),
            Photo(PhotoError::TooLarge) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "photo_too_large",
                Some("photo"),
            ),
            Photo(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "photo_type",
                Some("photo"),
            ),
            PhotoStorage(e) => return ApiError::internal(format!("help photo storage: {e}")),
            Export(e) => return ApiError::internal(format!("help export: {e}")),
            Store(e) => return e.into(),
        };
        let api = ApiError::new(status, code, message);
        match field {
            Some(f) => api.with_field(f),
            None => api,
        }
    }
}

/// Pull `field` out of serde's "...: field: message" style text.
fn field_of(text: &str) -> Option<String> {
    if let Some(rest) = text.split("unknown field `").nth(1) {
        return rest.split('`').next().map(str::to_owned);
    }
    if let Some(rest) = text.split("missing field `").nth(1) {
        return rest.split('`').next().map(str::to_owned);
    }
    let after = text.split("target type: ").nth(1)?;
    let (path, _) = after.split_once(": ")?;
    (!path.contains(' ')).then(|| path.to_owned())
}

impl From<JsonRejection> for ApiError {
    fn from(rej: JsonRejection) -> Self {
        let text = rej.body_text();
        let err = match &rej {
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::bad_request("malformed_json", "the body is not valid JSON")
            }
            JsonRejection::JsonDataError(_) if text.contains("unknown field") => {
                ApiError::bad_request("unknown_field", text.clone())
            }
            JsonRejection::JsonDataError(_) => ApiError::bad_request("invalid_body", text.clone()),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send Content-Type: application/json",
            ),
            _ if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is too large",
            ),
            _ => ApiError::bad_request("invalid_body", text.clone()),
        };
        match field_of(&text) {
            Some(f) if err.status == StatusCode::BAD_REQUEST => err.with_field(f),
            _ => err,
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rej: PathRejection) -> Self {
        ApiError::bad_request("invalid_path", rej.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rej: QueryRejection) -> Self {
        let text = rej.body_text();
        let err = ApiError::bad_request("invalid_query", text.clone());
        match field_of(&text) {
            Some(f) => err.with_field(f),
            None => err,
        }
    }
}
