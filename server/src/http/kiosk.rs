//! The kiosk device API (device credential): the card flow, heartbeat and master PIN.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ClientInfo, KioskDevice};
use crate::app::AppState;
use crate::lockers::{DecisionChoice, LockerView, ScanOutcome};
use crate::time::now_ms;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    card: String,
}

/// `POST /api/kiosk/scan`: a card was read at this kiosk.
pub async fn scan(
    State(state): State<AppState>,
    device: KioskDevice,
    ApiJson(body): ApiJson<Scan>,
) -> ApiResult<Json<ScanOutcome>> {
    Ok(Json(
        state
            .lockers
            .scan(&device.kiosk, &device.credential_id, &body.card)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Select {
    session: String,
    locker: i64,
}

/// `POST /api/kiosk/select`: the member tapped a locker.
pub async fn select(
    State(state): State<AppState>,
    device: KioskDevice,
    ApiJson(body): ApiJson<Select>,
) -> ApiResult<Json<ScanOutcome>> {
    Ok(Json(
        state
            .lockers
            .select(
                &device.kiosk,
                &device.credential_id,
                &body.session,
                body.locker,
            )
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    decision: String,
    choice: DecisionChoice,
}

/// `POST /api/kiosk/decide`: finish or open only.
pub async fn decide(
    State(state): State<AppState>,
    device: KioskDevice,
    ApiJson(body): ApiJson<Decide>,
) -> ApiResult<Json<ScanOutcome>> {
    Ok(Json(
        state
            .lockers
            .decide(
                &device.kiosk,
                &device.credential_id,
                &body.decision,
                body.choice,
            )
            .await?,
    ))
}

/// Heartbeat telemetry (spec §5.2); every field optional (`{}` is a valid heartbeat). Shown as
/// the kiosk's `telemetry` in `GET /api/kiosks`, with the address it came from.
#[derive(Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// The kiosk app's version (≤ 64 characters).
    app_version: Option<String>,
    /// Seconds since the kiosk (or its app) started.
    uptime_s: Option<u64>,
    memory_mb: Option<f64>,
    disk_free_mb: Option<f64>,
    /// −50 to 150.
    cpu_temp_c: Option<f64>,
    /// ≤ 64 characters.
    reader_status: Option<String>,
    /// ≤ 500 characters.
    last_error: Option<String>,
    /// The kiosk browser's user agent (≤ 300 characters).
    user_agent: Option<String>,
    /// Screen size in CSS pixels.
    screen: Option<Screen>,
    /// The screen's language, a BCP 47 tag such as `tr-TR` (≤ 35 characters).
    language: Option<String>,
}

/// A screen's size in CSS pixels.
#[derive(Deserialize, serde::Serialize, Clone, Copy, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    width: u32,
    height: u32,
}

/// Each side of a screen, in pixels.
const SCREEN_SIDE: std::ops::RangeInclusive<u32> = 1..=16_384;

impl Heartbeat {
    /// Bounds on every field, so a kiosk cannot fill the database or the panel.
    fn check(&self) -> ApiResult<()> {
        for (field, value, max) in [
            ("app_version", &self.app_version, 64),
            ("reader_status", &self.reader_status, 64),
            ("last_error", &self.last_error, 500),
            ("user_agent", &self.user_agent, 300),
            ("language", &self.language, 35),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                return Err(ApiError::bad_request(
                    "too_long",
                    format!("{field} is longer than {max} characters"),
                )
                .with_field(field));
            }
        }
        let invalid = |field: &str, message: &str| {
            Err(ApiError::bad_request("invalid_value", message).with_field(field))
        };
        if let Some(lang) = &self.language
            && (lang.is_empty() || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return invalid("language", "language is a tag such as tr-TR");
        }
        if let Some(Screen { width, height }) = self.screen
            && !(SCREEN_SIDE.contains(&width) && SCREEN_SIDE.contains(&height))
        {
            return invalid("screen", "each side of the screen is 1 to 16384 pixels");
        }
        for (field, value, range) in [
            ("memory_mb", self.memory_mb, 0.0..=1e9),
            ("disk_free_mb", self.disk_free_mb, 0.0..=1e12),
            ("cpu_temp_c", self.cpu_temp_c, -50.0..=150.0),
        ] {
            if value.is_some_and(|v| !range.contains(&v)) {
                return invalid(field, "the value is out of range");
            }
        }
        Ok(())
    }
}

/// `POST /api/kiosk/heartbeat`.
pub async fn heartbeat(
    State(state): State<AppState>,
    device: KioskDevice,
    client: ClientInfo,
    ApiJson(beat): ApiJson<Heartbeat>,
) -> ApiResult<Json<Value>> {
    beat.check()?;
    let mut telemetry = serde_json::to_value(beat).unwrap_or(json!({}));
    telemetry["ip"] = json!(client.ip);
    let now = now_ms();
    let mut tx = state.store.begin().await?;
    let came_online = tx
        .record_heartbeat(&device.kiosk, now, &telemetry.to_string())
        .await?;
    let mut published = None;
    if came_online {
        let event = crate::store::NewEvent {
            ts: now,
            site: &state.config.site.id,
            kind: "kiosk_online",
            kiosk_id: Some(&device.kiosk),
            locker: None,
            actor: "system:heartbeat",
            data: json!({"telemetry": telemetry}),
        };
        let seq = crate::events::append(&mut tx, &event).await?;
        published = Some(crate::events::Published::from_event(seq, &event));
    }
    tx.commit().await?;
    if let Some(p) = published {
        state.events.publish(p);
    }
    Ok(Json(json!({"kiosk": device.kiosk, "next_in": 30})))
}

/// `GET /api/kiosk/me`: which kiosk this device is, and its settings.
pub async fn whoami(State(state): State<AppState>, device: KioskDevice) -> ApiResult<Json<Value>> {
    let kiosk = state.lockers.kiosk(&device.kiosk)?;
    let name = state
        .lockers
        .settings()
        .kiosk_name(&kiosk.id)
        .unwrap_or_else(|| kiosk.name.clone());
    let settings = state.lockers.flow_settings(&kiosk.id);
    Ok(Json(
        json!({"kiosk": kiosk.id, "name": name, "lockers": kiosk.lockers, "settings": settings}),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pin: String,
}

/// `POST /api/kiosk/master/verify`.
pub async fn master_verify(
    State(state): State<AppState>,
    device: KioskDevice,
    ApiJson(body): ApiJson<Pin>,
) -> ApiResult<Json<Value>> {
    if body.pin.len() > 16 {
        return Err(
            ApiError::bad_request("invalid_value", "a PIN has 4 to 8 digits").with_field("pin"),
        );
    }
    let expires_in = state
        .lockers
        .master_verify(&device.kiosk, &body.pin)
        .await?;
    Ok(Json(json!({"master": true, "expires_in": expires_in})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MasterOpen {
    locker: i64,
    release: bool,
}

/// `POST /api/kiosk/master/open`: needs a master session at this kiosk.
pub async fn master_open(
    State(state): State<AppState>,
    device: KioskDevice,
    ApiJson(body): ApiJson<MasterOpen>,
) -> ApiResult<Json<Value>> {
    let view: LockerView = state
        .lockers
        .master_open(&device.kiosk, body.locker, body.release)
        .await?;
    Ok(Json(
        json!({"action": "opened", "locker": view, "released": body.release}),
    ))
}

/// `POST /api/kiosk/master/end`: leave the master screen.
pub async fn master_end(State(state): State<AppState>, device: KioskDevice) -> StatusCode {
    state.lockers.end_master(&device.kiosk);
    StatusCode::NO_CONTENT
}
