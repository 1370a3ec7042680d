//! Settings edited in the panel (spec §5.1, §3.2): the site-wide card-flow settings and each
//! kiosk's overrides and name, over the configuration file's values. Each request is a partial
//! update: a field left out is unchanged, `null` removes the panel's value so the file's applies
//! again. See [`crate::settings`] for the layering and the ranges.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, Staff, SystemConfigure};
use crate::app::AppState;
use crate::config::AssignmentMode;
use crate::settings::{Scope, SettingsError, parse_changes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

/// Present-but-`null` is `Some(None)` (remove the panel's value); absent is `None` (unchanged).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A partial update of the card-flow settings, plus `$extra` fields. Durations are seconds.
macro_rules! flow_update {
    ($(#[$meta:meta])* $name:ident { $($(#[$xmeta:meta])* $extra:ident: $xty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Deserialize, Serialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$xmeta])*
                #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
                $extra: Option<Option<$xty>>,
            )*
            /// `manual` or `automatic`.
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            assignment_mode: Option<Option<AssignmentMode>>,
            /// Lockers offered to a card (0–4096; 0 offers every free locker).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            max_offered_lockers: Option<Option<i64>>,
            /// Lockers one card may hold (1–16).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            max_lockers_per_credential: Option<Option<i64>>,
            /// Seconds to choose a locker (5–600).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            selection_timeout: Option<Option<f64>>,
            /// Seconds to answer finish / open only (5–600).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            decision_timeout: Option<Option<f64>>,
            /// Seconds after taking a locker during which "open only" is offered (0–86400; 0 disables).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            open_only_window: Option<Option<f64>>,
            /// Seconds a card must have held a locker to get it back automatically (0–604800).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            recent_holder_min_hold: Option<Option<f64>>,
            /// Seconds since release within which a recent holder gets its locker back (0–604800).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            recent_holder_window: Option<Option<f64>>,
            /// Seconds after which an owned locker shows as overdue (0–604800; 0 disables).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            overdue_after: Option<Option<f64>>,
            /// Seconds after which an owned locker is freed without opening (0–604800; 0 = off).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            auto_release_after: Option<Option<f64>>,
            /// Seconds within which a short (partial) read must repeat (0–30).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            partial_read_window: Option<Option<f64>>,
            /// Seconds within which a repeated read counts once (0–30).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            duplicate_read_window: Option<Option<f64>>,
            /// Relay pulse length in milliseconds (100–3000).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            pulse_ms: Option<Option<i64>>,
            /// Milliseconds between pulses of a bulk open (100–5000).
            #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
            bulk_stagger_ms: Option<Option<i64>>,
        }
    };
}

flow_update! {
    /// `PUT /api/settings/lockers`: site-wide card-flow settings.
    UpdateLockerSettings {}
}

flow_update! {
    /// `PUT /api/kiosks/{kiosk}/settings`: one kiosk's card-flow settings and name.
    UpdateKioskSettings {
        /// The kiosk's name (1–64 characters).
        name: String,
    }
}

impl From<SettingsError> for ApiError {
    fn from(err: SettingsError) -> Self {
        match err {
            SettingsError::UnknownKiosk(id) => {
                ApiError::not_found("kiosk_not_found", format!("unknown kiosk {id:?}"))
            }
            SettingsError::Invalid { field, message } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", message)
                    .with_field(field)
            }
            SettingsError::Store(e) => e.into(),
        }
    }
}

/// The settings document of `GET /api/settings`: the values in force site-wide (`site.lockers`)
/// and per kiosk (`kiosks.ID`, as before), each scope with `sources` (`file` or `panel` per
/// setting) and `inherited` (what removing the scope's panel value falls back to); kiosks also
/// with their `name` and `name_source`.
pub async fn document(state: &AppState) -> ApiResult<Value> {
    let settings = state.lockers.settings();
    let mut kiosks = Map::new();
    for kiosk in &state.config.kiosks {
        let Some((provenance, name)) = settings.kiosk_provenance(&kiosk.id) else {
            continue;
        };
        let Ok(Value::Object(mut entry)) = serde_json::to_value(settings.flow(&kiosk.id)) else {
            return Err(ApiError::internal(
                "card-flow settings serialise to an object",
            ));
        };
        let mut inherited = provenance.inherited;
        inherited.insert("name".into(), json!(name.file));
        entry.insert("name".into(), json!(name.value));
        entry.insert("name_source".into(), json!(name.source));
        entry.insert("sources".into(), Value::Object(provenance.sources));
        entry.insert("inherited".into(), Value::Object(inherited));
        kiosks.insert(kiosk.id.clone(), Value::Object(entry));
    }
    let site = settings.site_provenance();
    Ok(json!({
        "site": {
            "id": state.config.site.id,
            "name": state.config.site.name,
            "lockers": settings.site_flow(),
            "sources": site.sources,
            "inherited": site.inherited,
        },
        "kiosks": kiosks,
        "master_pin_set": state.lockers.master_pin_set().await?,
    }))
}

/// Store the edits of `body`, audit them, and answer with the whole settings document.
async fn update<T: Serialize>(
    state: &AppState,
    user: &Staff<SystemConfigure>,
    scope: Scope,
    body: &T,
) -> ApiResult<Json<Value>> {
    let pairs = match serde_json::to_value(body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(ApiError::internal("a settings body is an object")),
    };
    let edits = Value::Object(pairs.clone()).to_string();
    let changes = parse_changes(pairs, matches!(scope, Scope::Kiosk(_)))?;
    if !changes.is_empty() {
        state
            .lockers
            .settings()
            .change(&scope, changes, &user.actor().label())
            .await?;
        user.audit(
            state,
            "settings_changed",
            Some(&scope.key()),
            "succeeded",
            Some(&edits),
        )
        .await;
    }
    Ok(Json(document(state).await?))
}

/// `PUT /api/settings/lockers` (admin): site-wide card-flow settings, a partial update.
pub async fn update_locker_settings(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    ApiJson(body): ApiJson<UpdateLockerSettings>,
) -> ApiResult<Json<Value>> {
    update(&state, &user, Scope::Site, &body).await
}

/// `PUT /api/kiosks/{kiosk}/settings` (admin): a kiosk's overrides and name, a partial update.
pub async fn update_kiosk_settings(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    ApiPath(kiosk): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateKioskSettings>,
) -> ApiResult<Json<Value>> {
    state.lockers.kiosk(&kiosk)?;
    update(&state, &user, Scope::Kiosk(kiosk), &body).await
}
