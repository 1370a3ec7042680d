//! The HTTP API: routes, security headers, body limits, and JSON 404/405 under `/api`.

pub mod auth;
pub mod error;
pub mod extract;
pub mod help;
pub mod kiosk;
pub mod kiosks;
pub mod lockers;
mod openapi;
pub mod realtime;
pub mod settings;
pub mod system;
pub mod users;

use crate::app::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use error::ApiError;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self' ws: wss:; font-src 'self' data:; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The whole router, state attached.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/kiosks", get(kiosks::list_kiosks))
        .route("/api/kiosks/{kiosk}/pairing", post(kiosks::pairing))
        .route(
            "/api/kiosks/{kiosk}/credentials",
            get(kiosks::list_credentials),
        )
        .route(
            "/api/kiosks/{kiosk}/credentials/{id}/revoke",
            post(kiosks::revoke_credential),
        )
        .route("/api/kiosks/{kiosk}/lockers", get(lockers::list_lockers))
        .route("/api/kiosks/{kiosk}/lockers/{n}", get(lockers::get_locker))
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/open",
            post(lockers::open_locker),
        )
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/block",
            post(lockers::block_locker),
        )
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/unblock",
            post(lockers::unblock_locker),
        )
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/resolve",
            post(lockers::resolve_locker),
        )
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/release",
            post(lockers::release_locker),
        )
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/rename",
            post(lockers::rename_locker),
        )
        .route(
            "/api/kiosks/{kiosk}/lockers/{n}/transfer",
            post(lockers::transfer_locker),
        )
        .route("/api/kiosks/{kiosk}/bulk-open", post(lockers::bulk_open))
        .route("/api/kiosks/{kiosk}/end-of-day", post(lockers::end_of_day))
        .route("/api/commands/{id}", get(lockers::get_command))
        .route(
            "/api/help",
            get(help::list_help)
                .post(help::create_help.layer(DefaultBodyLimit::max(help::HELP_BODY))),
        )
        .route("/api/help/summary", get(help::help_summary))
        .route("/api/help/export.csv", get(help::export_help))
        .route("/api/help/{id}", get(help::get_help))
        .route("/api/help/{id}/photo", get(help::help_photo))
        .route("/api/help/{id}/assign", post(help::assign_help))
        .route("/api/help/{id}/resolve", post(help::resolve_help))
        .route("/api/help/{id}/reopen", post(help::reopen_help))
        .route("/api/events", get(system::list_events))
        .route("/api/audit", get(system::list_audit))
        .route("/api/hardware", get(system::hardware))
        .route("/api/settings", get(system::settings))
        .route("/api/settings/master-pin", put(system::set_master_pin))
        .route(
            "/api/settings/lockers",
            put(settings::update_locker_settings),
        )
        .route(
            "/api/kiosks/{kiosk}/settings",
            put(settings::update_kiosk_settings),
        )
        .route(
            "/api/users",
            get(users::list_users).post(users::create_user),
        )
        .route("/api/users/{id}", patch(users::update_user))
        .route("/api/users/{id}/password", post(users::reset_password))
        .route("/api/sessions", get(users::list_sessions))
        .route("/api/sessions/{id}/revoke", post(users::revoke_session))
        .route("/api/ws/ticket", post(realtime::ticket))
        .route("/api/websocket/status", get(realtime::status))
        .route("/api/websocket/broadcast", post(realtime::broadcast))
        .route(
            "/api/websocket/broadcast/batch",
            post(realtime::broadcast_batch),
        )
        .route("/ws/{namespace}", get(crate::realtime::socket::upgrade))
        .route("/api/kiosk/pair", post(kiosks::pair))
        .route("/api/kiosk/me", get(kiosk::whoami))
        .route("/api/kiosk/scan", post(kiosk::scan))
        .route("/api/kiosk/select", post(kiosk::select))
        .route("/api/kiosk/decide", post(kiosk::decide))
        .route("/api/kiosk/heartbeat", post(kiosk::heartbeat))
        .route("/api/kiosk/master/verify", post(kiosk::master_verify))
        .route("/api/kiosk/master/open", post(kiosk::master_open))
        .route("/api/kiosk/master/end", post(kiosk::master_end))
        .route("/auth/login", post(auth::login))
        .route("/auth/me", get(auth::me))
        .route("/auth/logout", post(auth::logout))
        .route("/health", get(system::health))
        .route("/health/ready", get(system::ready))
        .route("/metrics", get(system::metrics))
        .route("/kiosk/pair", get(kiosks::pair_in_browser))
        .merge(openapi::swagger_ui())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(crate::web::serve_asset)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(count_requests))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// JSON 404 for unknown API paths (the web app answers everything else).
pub async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::not_found(
        "route_not_found",
        format!("no such endpoint: {}", uri.path()),
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method",
    )
}

/// Count requests by method and status class for `/metrics`.
async fn count_requests(req: Request<axum::body::Body>, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = format!("{}xx", resp.status().as_u16() / 100);
    metrics::counter!("kioskhub_http_requests_total", "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("kioskhub_http_request_seconds").record(started.elapsed().as_secs_f64());
    resp.into_response()
}
