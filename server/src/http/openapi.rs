//! The OpenAPI 3.1 document at `/api/openapi.json` and Swagger UI at `/api/docs`, both served
//! from the binary. Paths come from one table so the document lists every route.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};
use utoipa_swagger_ui::SwaggerUi;

/// Who may call a route.
#[derive(Clone, Copy)]
enum Access {
    Public,
    /// A staff session with this permission (see spec §7).
    Staff(&'static str),
    Kiosk,
}

use Access::{Kiosk, Public, Staff};

const ROUTES: &[(HttpMethod, &str, &str, &str, Access)] = &[
    (
        HttpMethod::Post,
        "/auth/login",
        "auth",
        "Sign in; sets the session cookie, returns the user and CSRF token",
        Public,
    ),
    (
        HttpMethod::Get,
        "/auth/me",
        "auth",
        "The signed-in user and CSRF token",
        Staff("any"),
    ),
    (
        HttpMethod::Post,
        "/auth/logout",
        "auth",
        "End the session",
        Staff("any"),
    ),
    (
        HttpMethod::Get,
        "/api/kiosks",
        "kiosks",
        "Kiosks with locker counts by state",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/pairing",
        "kiosks",
        "A one-time pairing code (10 minutes)",
        Staff("system:kiosks"),
    ),
    (
        HttpMethod::Get,
        "/api/kiosks/{kiosk}/credentials",
        "kiosks",
        "Device credentials of a kiosk",
        Staff("system:kiosks"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/credentials/{id}/revoke",
        "kiosks",
        "Revoke a device credential",
        Staff("system:kiosks"),
    ),
    (
        HttpMethod::Get,
        "/api/kiosks/{kiosk}/lockers",
        "lockers",
        "Every locker of a kiosk",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Get,
        "/api/kiosks/{kiosk}/lockers/{n}",
        "lockers",
        "One locker",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/open",
        "lockers",
        "Open & free (release) or open & keep; {release, override, reason}",
        Staff("lockers:open"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/block",
        "lockers",
        "Block; the owner is kept on record; {reason}",
        Staff("lockers:block"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/unblock",
        "lockers",
        "Unblock to the previous state",
        Staff("lockers:block"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/resolve",
        "lockers",
        "Resolve a hardware error; {note}",
        Staff("lockers:open"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/release",
        "lockers",
        "Free without opening; {reason} required",
        Staff("lockers:release_without_open"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/rename",
        "lockers",
        "Rename (≤ 20 characters, unique per kiosk); {name}",
        Staff("system:configure"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/transfer",
        "lockers",
        "Transfer to a new card; {card, reason}",
        Staff("lockers:transfer"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/bulk-open",
        "lockers",
        "Open several lockers, staggered; {lockers, release, exclude_vip, stagger_ms}",
        Staff("lockers:bulk_open"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/end-of-day",
        "lockers",
        "Open and free every owned non-VIP locker; the report is the command result",
        Staff("lockers:bulk_open"),
    ),
    (
        HttpMethod::Get,
        "/api/commands/{id}",
        "lockers",
        "A command and its result",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Get,
        "/api/events",
        "events",
        "Events, newest first; ?kiosk&locker&type&from&to&limit&cursor",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Get,
        "/api/audit",
        "events",
        "Audit trail; ?action&limit&cursor",
        Staff("system:logs"),
    ),
    (
        HttpMethod::Get,
        "/api/hardware",
        "system",
        "Buses, boards, health and pulse counters",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Get,
        "/api/settings",
        "system",
        "Card-flow settings in force",
        Staff("lockers:view"),
    ),
    (
        HttpMethod::Put,
        "/api/settings/master-pin",
        "system",
        "Set the master PIN; {pin}",
        Staff("system:configure"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/pair",
        "kiosk",
        "Exchange a pairing code for a device credential; {code}",
        Public,
    ),
    (
        HttpMethod::Get,
        "/api/kiosk/me",
        "kiosk",
        "This kiosk and its settings",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/scan",
        "kiosk",
        "A card was read; {card}",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/select",
        "kiosk",
        "Take an offered locker; {session, locker}",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/decide",
        "kiosk",
        "Finish or open only; {decision, choice}",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/heartbeat",
        "kiosk",
        "Heartbeat with telemetry",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/master/verify",
        "kiosk",
        "Check the master PIN; {pin}",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/master/open",
        "kiosk",
        "Open from the master screen; {locker, release}",
        Kiosk,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/master/end",
        "kiosk",
        "Leave the master screen",
        Kiosk,
    ),
    (HttpMethod::Get, "/health", "system", "Liveness", Public),
    (
        HttpMethod::Get,
        "/health/ready",
        "system",
        "Readiness: database and buses",
        Public,
    ),
    (
        HttpMethod::Get,
        "/metrics",
        "system",
        "Prometheus metrics (bearer token when configured)",
        Public,
    ),
];

fn build() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (method, path, tag, summary, access) in ROUTES {
        let mut op = OperationBuilder::new()
            .tag(*tag)
            .summary(Some(*summary))
            .response("200", ResponseBuilder::new().description("success"))
            .response(
                "400",
                ResponseBuilder::new()
                    .description("bad input: {\"error\": {code, message, field}}"),
            );
        op = match access {
            Public => op,
            Staff(perm) => op
                .description(Some(format!(
                    "Needs a staff session with `{perm}`; mutations need X-CSRF-Token."
                )))
                .security(SecurityRequirement::new("session", Vec::<String>::new()))
                .response("401", ResponseBuilder::new().description("no session"))
                .response(
                    "403",
                    ResponseBuilder::new().description("role lacks the permission, or CSRF failed"),
                ),
            Kiosk => op
                .description(Some(
                    "Needs a kiosk device credential (cookie or bearer token).".to_owned(),
                ))
                .security(SecurityRequirement::new("device", Vec::<String>::new()))
                .response(
                    "401",
                    ResponseBuilder::new().description("no device credential"),
                ),
        };
        paths = paths.path(*path, PathItem::new(method.clone(), op.build()));
    }
    let components = ComponentsBuilder::new()
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("kioskhub_session"))),
        )
        .security_scheme(
            "device",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Kioskhub API")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .build()
}

/// Swagger UI at `/api/docs`, reading the document above.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs").url("/api/openapi.json", build())
}
