//! The OpenAPI 3.1 document at `/api/openapi.json` and Swagger UI at `/api/docs`, both served
//! from the binary. Paths come from one table so the document lists every route.

use super::{auth, help, kiosk, kiosks, lockers, settings, system, users};
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
    Schema,
};
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

/// (method, path, tag, summary, access, request schema, response schema)
type Route = (
    HttpMethod,
    &'static str,
    &'static str,
    &'static str,
    Access,
    Option<&'static str>,
    Option<&'static str>,
);

const ROUTES: &[Route] = &[
    (
        HttpMethod::Post,
        "/auth/login",
        "auth",
        "Sign in; sets the session cookie, returns the user and CSRF token",
        Public,
        Some("Login"),
        Some("SessionView"),
    ),
    (
        HttpMethod::Get,
        "/auth/me",
        "auth",
        "The signed-in user and CSRF token",
        Staff("any"),
        None,
        Some("SessionView"),
    ),
    (
        HttpMethod::Post,
        "/auth/logout",
        "auth",
        "End the session",
        Staff("any"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/kiosks",
        "kiosks",
        "Kiosks with locker counts by state, last telemetry and paired devices",
        Staff("lockers:view"),
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/pairing",
        "kiosks",
        "A one-time pairing code (10 minutes)",
        Staff("system:kiosks"),
        None,
        Some("PairingView"),
    ),
    (
        HttpMethod::Get,
        "/api/kiosks/{kiosk}/credentials",
        "kiosks",
        "Device credentials of a kiosk",
        Staff("system:kiosks"),
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/credentials/{id}/revoke",
        "kiosks",
        "Revoke a device credential",
        Staff("system:kiosks"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/kiosks/{kiosk}/lockers",
        "lockers",
        "Every locker of a kiosk",
        Staff("lockers:view"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/kiosks/{kiosk}/lockers/{n}",
        "lockers",
        "One locker",
        Staff("lockers:view"),
        None,
        Some("LockerView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/open",
        "lockers",
        "Open & free (release) or open & keep; {release, override, reason}",
        Staff("lockers:open"),
        Some("Open"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/block",
        "lockers",
        "Block; the owner is kept on record; {reason}",
        Staff("lockers:block"),
        Some("Reason"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/unblock",
        "lockers",
        "Unblock to the previous state",
        Staff("lockers:block"),
        None,
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/resolve",
        "lockers",
        "Resolve a hardware error; {note}",
        Staff("lockers:open"),
        Some("Resolve"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/release",
        "lockers",
        "Free without opening; {reason} required",
        Staff("lockers:release_without_open"),
        Some("Reason"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/rename",
        "lockers",
        "Rename (≤ 20 characters, unique per kiosk); {name}",
        Staff("system:configure"),
        Some("Rename"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/lockers/{n}/transfer",
        "lockers",
        "Transfer to a new card; {card, reason}",
        Staff("lockers:transfer"),
        Some("Transfer"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/bulk-open",
        "lockers",
        "Open several lockers, staggered; {lockers, release, exclude_vip, stagger_ms}",
        Staff("lockers:bulk_open"),
        Some("BulkOpen"),
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosks/{kiosk}/end-of-day",
        "lockers",
        "Open and free every owned non-VIP locker; the report is the command result",
        Staff("lockers:bulk_open"),
        None,
        Some("CommandView"),
    ),
    (
        HttpMethod::Get,
        "/api/commands/{id}",
        "lockers",
        "A command and its result",
        Staff("lockers:view"),
        None,
        Some("CommandView"),
    ),
    (
        HttpMethod::Post,
        "/api/help",
        "help",
        "Raise a help request: JSON, or multipart/form-data with a photo (JPEG/PNG/WebP, ≤ 2 MiB); 201, or 200 with the request a repeated client_ref names",
        Kiosk,
        Some("CreateHelp"),
        Some("HelpRequestView"),
    ),
    (
        HttpMethod::Get,
        "/api/help",
        "help",
        "Help requests; ?status&category (comma lists) &kiosk&from&to (RFC 3339) &q&sort&page&per_page",
        Staff("help:view"),
        None,
        Some("HelpPage"),
    ),
    (
        HttpMethod::Get,
        "/api/help/summary",
        "help",
        "Unresolved counts for the panel header",
        Staff("help:view"),
        None,
        Some("HelpSummary"),
    ),
    (
        HttpMethod::Get,
        "/api/help/export.csv",
        "help",
        "Every matching request as CSV; the list's filters",
        Staff("help:view"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/help/{id}",
        "help",
        "A help request with its history",
        Staff("help:view"),
        None,
        Some("HelpDetail"),
    ),
    (
        HttpMethod::Get,
        "/api/help/{id}/photo",
        "help",
        "The request's photo with its image type; 404 no_photo without one",
        Staff("help:view"),
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/help/{id}/assign",
        "help",
        "Assign to an active staff member or admin (default: the caller); 409 help_resolved",
        Staff("help:assign"),
        Some("AssignHelp"),
        Some("HelpRequestView"),
    ),
    (
        HttpMethod::Post,
        "/api/help/{id}/resolve",
        "help",
        "Resolve with notes (1–1000 characters); 409 help_resolved",
        Staff("help:resolve"),
        Some("ResolveHelp"),
        Some("HelpRequestView"),
    ),
    (
        HttpMethod::Post,
        "/api/help/{id}/reopen",
        "help",
        "Reopen a resolved request; assignment cleared; 409 help_not_resolved",
        Staff("help:resolve"),
        Some("ReopenHelp"),
        Some("HelpRequestView"),
    ),
    (
        HttpMethod::Get,
        "/api/events",
        "events",
        "Events, newest first; ?kiosk&locker&type&from&to&limit&cursor",
        Staff("lockers:view"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/audit",
        "events",
        "Audit trail, newest first; ?action&user&from&to (RFC 3339)&limit&cursor",
        Staff("system:logs"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/hardware",
        "system",
        "Buses, boards, health and pulse counters",
        Staff("lockers:view"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/settings",
        "system",
        "Card-flow settings in force, site-wide and per kiosk, each with its source (file or panel)",
        Staff("lockers:view"),
        None,
        None,
    ),
    (
        HttpMethod::Put,
        "/api/settings/master-pin",
        "system",
        "Set the master PIN; {pin}",
        Staff("system:configure"),
        Some("MasterPin"),
        None,
    ),
    (
        HttpMethod::Put,
        "/api/settings/lockers",
        "system",
        "Site-wide card-flow settings (partial; null restores the file's value); returns the settings",
        Staff("system:configure"),
        Some("UpdateLockerSettings"),
        None,
    ),
    (
        HttpMethod::Put,
        "/api/kiosks/{kiosk}/settings",
        "kiosks",
        "A kiosk's name and card-flow overrides (partial; null restores the file's value); returns the settings",
        Staff("system:configure"),
        Some("UpdateKioskSettings"),
        None,
    ),
    (
        HttpMethod::Get,
        "/api/users",
        "users",
        "Every staff account",
        Staff("system:users"),
        None,
        Some("AccountList"),
    ),
    (
        HttpMethod::Post,
        "/api/users",
        "users",
        "Create a staff account (201); {username, role, password}",
        Staff("system:users"),
        Some("CreateUser"),
        Some("AccountView"),
    ),
    (
        HttpMethod::Patch,
        "/api/users/{id}",
        "users",
        "Change a role or (de)activate; ends the user's sessions; {role?, active?}",
        Staff("system:users"),
        Some("UpdateUser"),
        Some("AccountView"),
    ),
    (
        HttpMethod::Post,
        "/api/users/{id}/password",
        "users",
        "Set a new password (204); signs the user out everywhere; {password}",
        Staff("system:users"),
        Some("ResetPassword"),
        None,
    ),
    (
        HttpMethod::Get,
        "/api/sessions",
        "users",
        "Live staff sessions",
        Staff("system:users"),
        None,
        Some("SessionList"),
    ),
    (
        HttpMethod::Post,
        "/api/sessions/{id}/revoke",
        "users",
        "End a session (204) and close its WebSockets",
        Staff("system:users"),
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/ws/ticket",
        "realtime",
        "A one-use WebSocket ticket, valid 30 s, for ?ticket=",
        Staff("any"),
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/api/websocket/status",
        "realtime",
        "Connections per namespace, publish-to-write latency, messages sent and clients dropped",
        Staff("lockers:view"),
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/websocket/broadcast",
        "realtime",
        "Send a stored message to a namespace or room",
        Staff("system:configure"),
        Some("Broadcast"),
        None,
    ),
    (
        HttpMethod::Post,
        "/api/websocket/broadcast/batch",
        "realtime",
        "Send 1–100 stored messages in one transaction, delivered in order; one bad message refuses them all",
        Staff("system:configure"),
        Some("BroadcastBatch"),
        None,
    ),
    (
        HttpMethod::Get,
        "/ws/{namespace}",
        "realtime",
        "WebSocket: lockers, help, events, queue (staff: cookie, bearer or ?ticket=), display (public), agent (device); ?since=SEQ replays",
        Public,
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/pair",
        "kiosk",
        "Exchange a pairing code for a device credential; {code}",
        Public,
        Some("Pair"),
        None,
    ),
    (
        HttpMethod::Get,
        "/api/kiosk/me",
        "kiosk",
        "This kiosk and its settings",
        Kiosk,
        None,
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/scan",
        "kiosk",
        "A card was read; {card}",
        Kiosk,
        Some("Scan"),
        Some("ScanOutcome"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/select",
        "kiosk",
        "Take an offered locker; {session, locker}",
        Kiosk,
        Some("Select"),
        Some("ScanOutcome"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/decide",
        "kiosk",
        "Finish or open only; {decision, choice}",
        Kiosk,
        Some("Decide"),
        Some("ScanOutcome"),
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/heartbeat",
        "kiosk",
        "Heartbeat with telemetry",
        Kiosk,
        Some("Heartbeat"),
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/master/verify",
        "kiosk",
        "Check the master PIN; {pin}",
        Kiosk,
        Some("Pin"),
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/master/open",
        "kiosk",
        "Open from the master screen; {locker, release}",
        Kiosk,
        Some("MasterOpen"),
        None,
    ),
    (
        HttpMethod::Post,
        "/api/kiosk/master/end",
        "kiosk",
        "Leave the master screen",
        Kiosk,
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/health",
        "system",
        "Liveness",
        Public,
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/health/ready",
        "system",
        "Readiness: database and buses",
        Public,
        None,
        None,
    ),
    (
        HttpMethod::Get,
        "/metrics",
        "system",
        "Prometheus metrics (bearer token when configured)",
        Public,
        None,
        None,
    ),
];

/// Every request and response schema the table names, with the schemas they contain.
fn schemas() -> Vec<(String, RefOr<Schema>)> {
    fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
        out.push((T::name().into_owned(), T::schema()));
        T::schemas(out);
    }
    let mut out = Vec::new();
    add::<auth::Login>(&mut out);
    add::<auth::SessionView>(&mut out);
    add::<kiosks::PairingView>(&mut out);
    add::<kiosks::Pair>(&mut out);
    add::<kiosks::KioskView>(&mut out);
    add::<lockers::Open>(&mut out);
    add::<lockers::Reason>(&mut out);
    add::<lockers::Resolve>(&mut out);
    add::<lockers::Rename>(&mut out);
    add::<lockers::Transfer>(&mut out);
    add::<lockers::BulkOpen>(&mut out);
    add::<system::MasterPin>(&mut out);
    add::<settings::UpdateLockerSettings>(&mut out);
    add::<settings::UpdateKioskSettings>(&mut out);
    add::<users::AccountView>(&mut out);
    add::<users::AccountList>(&mut out);
    add::<users::CreateUser>(&mut out);
    add::<users::UpdateUser>(&mut out);
    add::<users::ResetPassword>(&mut out);
    add::<users::SessionList>(&mut out);
    add::<super::realtime::Broadcast>(&mut out);
    add::<super::realtime::BroadcastBatch>(&mut out);
    add::<kiosk::Scan>(&mut out);
    add::<kiosk::Select>(&mut out);
    add::<kiosk::Decide>(&mut out);
    add::<kiosk::Heartbeat>(&mut out);
    add::<kiosk::Pin>(&mut out);
    add::<kiosk::MasterOpen>(&mut out);
    add::<crate::lockers::LockerView>(&mut out);
    add::<crate::lockers::CommandView>(&mut out);
    add::<crate::lockers::ScanOutcome>(&mut out);
    add::<help::CreateHelp>(&mut out);
    add::<help::AssignHelp>(&mut out);
    add::<help::ResolveHelp>(&mut out);
    add::<help::ReopenHelp>(&mut out);
    add::<crate::help::HelpRequestView>(&mut out);
    add::<crate::help::HelpDetail>(&mut out);
    add::<crate::help::HelpPage>(&mut out);
    add::<crate::help::HelpSummary>(&mut out);
    out.push(("CreateHelpForm".into(), help_form().into()));
    out
}

/// The multipart form of `POST /api/help`: `CreateHelp`'s fields as text parts and a photo.
fn help_form() -> Schema {
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .build()
    };
    ObjectBuilder::new()
        .property(
            "category",
            text("access_issue, card_issue, payment_issue or other"),
        )
        .required("category")
        .property("note", text("at most 500 characters"))
        .property("locker", text("a locker number of this kiosk"))
        .property(
            "client_ref",
            text("the kiosk's own reference, 1–64 characters"),
        )
        .property(
            "photo",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .description(Some(
                    "JPEG, PNG or WebP (checked by its bytes), at most 2 MiB",
                ))
                .build(),
        )
        .into()
}

/// What the table cannot say: other media types and a 201.
fn special(method: &HttpMethod, path: &str, mut op: OperationBuilder) -> OperationBuilder {
    let binary = || {
        ContentBuilder::new()
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
            ))
            .build()
    };
    match (method, path) {
        (HttpMethod::Post, "/api/help") => {
            let created = ResponseBuilder::new().description("created").content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("HelpRequestView")))
                    .build(),
            );
            op = op
                .response("201", created)
                .response(
                    "413",
                    ResponseBuilder::new().description("photo_too_large or body_too_large"),
                )
                .response(
                    "415",
                    ResponseBuilder::new().description("photo_type, or an unsupported body"),
                )
                .response(
                    "422",
                    ResponseBuilder::new().description("locker_not_found"),
                );
        }
        (HttpMethod::Get, "/api/help/{id}/photo") => {
            let ok = ResponseBuilder::new()
                .description("the photo")
                .content("image/jpeg", binary())
                .content("image/png", binary())
                .content("image/webp", binary());
            op = op.response("200", ok).response(
                "404",
                ResponseBuilder::new().description("help_not_found or no_photo"),
            );
        }
        (HttpMethod::Get, "/api/help/export.csv") => {
            let csv = ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build();
            op = op.response(
                "200",
                ResponseBuilder::new()
                    .description("RFC 4180 CSV with a header row, as an attachment")
                    .content("text/csv; charset=utf-8", csv),
            );
        }
        _ => {}
    }
    op
}

fn build() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (method, path, tag, summary, access, request, response) in ROUTES {
        let mut ok = ResponseBuilder::new().description("success");
        if let Some(name) = response {
            ok = ok.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(*name)))
                    .build(),
            );
        }
        let mut op = OperationBuilder::new()
            .tag(*tag)
            .summary(Some(*summary))
            .response("200", ok)
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
        if let Some(name) = request {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(*name)))
                .build();
            let mut body = RequestBodyBuilder::new()
                .content("application/json", content)
                .required(Some(Required::True));
            if *name == "CreateHelp" {
                let form = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("CreateHelpForm")))
                    .build();
                body = body.content("multipart/form-data", form);
            }
            op = op.request_body(Some(body.build()));
        }
        op = special(method, path, op);
        paths = paths.path(*path, PathItem::new(method.clone(), op.build()));
    }
    let mut components = ComponentsBuilder::new();
    for (name, schema) in schemas() {
        components = components.schema(name, schema);
    }
    let components = components
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
