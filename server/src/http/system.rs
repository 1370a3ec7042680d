//! Events, audit, hardware, settings, health and metrics.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, LockersView, Staff, SystemConfigure, SystemLogs};
use crate::app::AppState;
use crate::store::{AuditFilter, EventFilter};
use crate::time::{now_ms, parse_rfc3339, rfc3339};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const MAX_LIMIT: i64 = 500;

fn limit(value: Option<i64>) -> ApiResult<i64> {
    match value {
        None => Ok(100),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be 1–{MAX_LIMIT}"),
        )
        .with_field("limit")),
    }
}

fn time_param(value: Option<&str>, field: &str) -> ApiResult<Option<i64>> {
    value
        .map(|v| {
            parse_rfc3339(v).ok_or_else(|| {
                ApiError::bad_request("invalid_query", format!("{field} must be an RFC 3339 time"))
                    .with_field(field)
            })
        })
        .transpose()
}

fn cursor(value: Option<&str>) -> ApiResult<Option<i64>> {
    value
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ApiError::bad_request("invalid_query", "cursor is not valid").with_field("cursor")
            })
        })
        .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    kiosk: Option<String>,
    locker: Option<i64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /api/events`: newest first, cursor pagination.
pub async fn list_events(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<Value>> {
    let filter = EventFilter {
        kiosk: q.kiosk,
        locker: q.locker,
        kind: q.kind,
        from_ts: time_param(q.from.as_deref(), "from")?,
        to_ts: time_param(q.to.as_deref(), "to")?,
        before: cursor(q.cursor.as_deref())?,
        limit: limit(q.limit)?,
    };
    let rows = state.store.events(&filter).await?;
    let next = (rows.len() as i64 == filter.limit)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "seq": r.seq, "ts": rfc3339(r.ts), "type": r.kind, "kiosk": r.kiosk_id, "locker": r.locker,
                "actor": r.actor, "data": serde_json::from_str::<Value>(&r.data).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    action: Option<String>,
    /// Entries by this user (the name at the time of the entry).
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /api/audit` (admin, auditor).
pub async fn list_audit(
    State(state): State<AppState>,
    _user: Staff<SystemLogs>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let limit = limit(q.limit)?;
    let rows = state
        .store
        .audit_entries(
            &AuditFilter {
                action: q.action.as_deref(),
                username: q.user.as_deref(),
                from_ts: time_param(q.from.as_deref(), "from")?,
                to_ts: time_param(q.to.as_deref(), "to")?,
            },
            cursor(q.cursor.as_deref())?,
            limit,
        )
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Json(json!({"items": rows, "next_cursor": next})))
}

/// `GET /api/hardware`: buses, boards, health and confirmed-pulse counters per channel.
pub async fn hardware(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
) -> ApiResult<Json<Value>> {
    let mut counters: BTreeMap<(String, i64, i64), i64> = BTreeMap::new();
    for (bus, slave, channel, pulses) in state.store.pulse_counters().await? {
        counters.insert((bus, slave, channel), pulses);
    }
    let mut wiring: BTreeMap<(String, i64, i64), (String, i64)> = BTreeMap::new();
    for kiosk in &state.config.kiosks {
        for l in state.store.lockers(&kiosk.id).await? {
            wiring.insert(
                (l.bus.clone(), l.slave, l.channel),
                (l.kiosk_id.clone(), l.number),
            );
        }
    }
    let buses: Vec<Value> = state
        .relays
        .iter()
        .map(|(cfg, bus)| {
            let boards: Vec<Value> = bus
                .health()
                .into_iter()
                .map(|h| {
                    let slave = i64::from(h.slave);
                    let channels: Vec<Value> = (1..=i64::from(h.channels))
                        .map(|ch| {
                            let key = (cfg.name.clone(), slave, ch);
                            let since_start = usize::try_from(ch - 1).ok().and_then(|i| h.pulses.get(i)).copied().unwrap_or(0);
                            json!({
                                "channel": ch,
                                "pulses": counters.get(&key).copied().unwrap_or(0),
                                "pulses_since_start": since_start,
                                "locker": wiring.get(&key).map(|(k, n)| json!({"kiosk": k, "number": n})),
                            })
                        })
                        .collect();
                    json!({
                        "slave": h.slave, "kind": h.kind, "online": h.online,
                        "last_success": h.last_success_ms.map(rfc3339), "successes": h.successes,
                        "errors": h.errors, "last_error": h.last_error, "last_latency_us": h.last_latency_us,
                        "consecutive_failures": h.consecutive_failures, "error_rate": h.error_rate,
                        "last_probe": h.last_probe_ms.map(rfc3339),
                        "channels": channels,
                    })
                })
                .collect();
            let port = match &cfg.port {
                crate::config::BusPort::Sim => "sim".to_owned(),
                crate::config::BusPort::Serial(p) => p.clone(),
                crate::config::BusPort::Tcp(a) => format!("tcp://{a}"),
            };
            json!({"name": cfg.name, "port": port, "baud": cfg.baud, "boards": boards})
        })
        .collect();
    Ok(Json(
        json!({"buses": buses, "readers": state.readers.snapshot()}),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MasterPin {
    pin: String,
}

/// `PUT /api/settings/master-pin` (admin).
pub async fn set_master_pin(
    State(state): State<AppState>,
    user: Staff<SystemConfigure>,
    ApiJson(body): ApiJson<MasterPin>,
) -> ApiResult<StatusCode> {
    if body.pin.len() > 16 {
        return Err(
            ApiError::bad_request("invalid_value", "the master PIN must be 4 to 8 digits")
                .with_field("pin"),
        );
    }
    let result = state.lockers.set_master_pin(&body.pin, &user.actor()).await;
    user.audit(
        &state,
        "master_pin_set",
        None,
        if result.is_ok() {
            "succeeded"
        } else {
            "failed"
        },
        None,
    )
    .await;
    result.map_err(|e| ApiError::from(e).with_field("pin"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/settings`: the card-flow settings in force, site-wide and per kiosk, with where
/// each value comes from (`file` or `panel`).
pub async fn settings(
    State(state): State<AppState>,
    _user: Staff<LockersView>,
) -> ApiResult<Json<Value>> {
    Ok(Json(super::settings::document(&state).await?))
}

/// `GET /health`: liveness.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "pass", "version": env!("CARGO_PKG_VERSION")}))
}

/// `GET /health/ready`: database and relay buses, in the `pass | warn | fail` shape.
pub async fn ready(State(state): State<AppState>) -> Response {
    let started = std::time::Instant::now();
    let db = match state.store.ping().await {
        Ok(()) => json!({"status": "pass", "latency_ms": started.elapsed().as_secs_f64() * 1000.0}),
        Err(e) => json!({"status": "fail", "output": e.to_string()}),
    };
    let mut relays_ok = true;
    let buses: Vec<Value> = state
        .relays
        .iter()
        .map(|(cfg, bus)| {
            let boards = bus.health();
            let offline = boards.iter().filter(|b| !b.online).count();
            relays_ok &= offline == 0;
            json!({"name": cfg.name, "status": if offline == 0 { "pass" } else { "warn" }, "boards_offline": offline})
        })
        .collect();
    let db_ok = db["status"] == "pass";
    let status = match (db_ok, relays_ok) {
        (false, _) => "fail",
        (true, false) => "warn",
        (true, true) => "pass",
    };
    let code = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!({"status": status, "checks": {"database": db, "buses": buses}, "time": rfc3339(now_ms())}))).into_response()
}

/// `GET /metrics`: Prometheus text; a bearer token is required when configured.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = &state.config.server.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if sent != Some(token.as_str()) {
            return Err(ApiError::unauthenticated());
        }
    }
    let mut by_state: BTreeMap<(String, &'static str), f64> = BTreeMap::new();
    for (kiosk, st, vip, n) in state.store.locker_counts().await? {
        let label = match (vip, st.as_str()) {
            (true, "free" | "owned") => "vip",
            (_, "free") => "free",
            (_, "owned") => "owned",
            (_, "blocked") => "blocked",
            _ => "error",
        };
        *by_state.entry((kiosk, label)).or_default() += n as f64;
    }
    for kiosk in &state.config.kiosks {
        for label in ["free", "owned", "blocked", "error", "vip"] {
            let n = by_state
                .get(&(kiosk.id.clone(), label))
                .copied()
                .unwrap_or(0.0);
            metrics::gauge!("kioskhub_lockers", "kiosk" => kiosk.id.clone(), "state" => label)
                .set(n);
        }
    }
    let body = state.metrics.render();
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response())
}
