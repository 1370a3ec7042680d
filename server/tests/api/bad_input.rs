//! Bad input on every endpoint: malformed JSON, wrong types, unknown fields, oversize, bad paths.

use crate::helpers::{ADMIN_PASSWORD, Kiosk, TestApp};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Who calls an endpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    /// The signed-in admin (session cookie and CSRF token).
    Admin,
    /// The paired `men` kiosk (bearer token).
    Kiosk,
    /// Nobody.
    Public,
}

/// An endpoint that takes a JSON body.
struct Endpoint {
    caller: Caller,
    method: Method,
    path: &'static str,
    /// A well-formed body (never sent as is: every case here breaks it somehow).
    valid: Value,
    /// The same body with one field of the wrong type…
    wrong_type: Value,
    /// …this one.
    field: &'static str,
    /// A required field, when the body has one.
    required: Option<&'static str>,
}

fn endpoints() -> Vec<Endpoint> {
    use Caller::{Admin, Kiosk, Public};
    let e = |caller, method, path, valid, wrong_type, field, required| Endpoint {
        caller,
        method,
        path,
        valid,
        wrong_type,
        field,
        required,
    };
    let post = Method::POST;
    vec![
        e(
            Admin,
            post.clone(),
            "/api/websocket/broadcast",
            json!({"namespace": "/ws/lockers", "data": {"text": "t"}}),
            json!({"namespace": 5, "data": {}}),
            "namespace",
            Some("namespace"),
        ),
        e(
            Admin,
            post.clone(),
            "/api/websocket/broadcast/batch",
            json!({"messages": [{"namespace": "/ws/lockers", "data": {"text": "t"}}]}),
            json!({"messages": {"namespace": "/ws/lockers"}}),
            "messages",
            Some("messages"),
        ),
        e(
            Public,
            post.clone(),
            "/auth/login",
            json!({"username": "admin", "password": "not-the-password"}),
            json!({"username": "admin", "password": 1234567890}),
            "password",
            Some("password"),
        ),
        e(
            Public,
            post.clone(),
            "/api/kiosk/pair",
            json!({"code": "AAAA-BBBB"}),
            json!({"code": 12345678}),
            "code",
            Some("code"),
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/lockers/1/open",
            json!({"release": true, "override": false, "reason": "r"}),
            json!({"release": "yes"}),
            "release",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/lockers/1/block",
            json!({"reason": "r"}),
            json!({"reason": 5}),
            "reason",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/lockers/1/resolve",
            json!({"note": "n"}),
            json!({"note": true}),
            "note",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/lockers/1/release",
            json!({"reason": "r"}),
            json!({"reason": ["r"]}),
            "reason",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/lockers/1/rename",
            json!({"name": "A1"}),
            json!({"name": 7}),
            "name",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/lockers/1/transfer",
            json!({"card": "04A1B2C3D4", "reason": "r"}),
            json!({"card": 4}),
            "card",
            Some("card"),
        ),
        e(
            Admin,
            post.clone(),
            "/api/kiosks/men/bulk-open",
            json!({"lockers": [1, 2], "release": false, "exclude_vip": true, "stagger_ms": 100}),
            json!({"lockers": "1,2"}),
            "lockers",
            Some("lockers"),
        ),
        e(
            Admin,
            Method::PUT,
            "/api/settings/master-pin",
            json!({"pin": "2468"}),
            json!({"pin": 2468}),
            "pin",
            Some("pin"),
        ),
        e(
            Admin,
            Method::PUT,
            "/api/settings/lockers",
            json!({"selection_timeout": 45, "assignment_mode": "automatic"}),
            json!({"selection_timeout": "45s"}),
            "selection_timeout",
            None,
        ),
        e(
            Admin,
            Method::PUT,
            "/api/kiosks/men/settings",
            json!({"name": "Gents", "pulse_ms": 700}),
            json!({"name": 5}),
            "name",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/users",
            json!({"username": "newcomer", "role": "staff", "password": "a-long-password"}),
            json!({"username": 5, "role": "staff", "password": "a-long-password"}),
            "username",
            Some("username"),
        ),
        e(
            Admin,
            Method::PATCH,
            "/api/users/no-such-user",
            json!({"role": "staff", "active": false}),
            json!({"active": "no"}),
            "active",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/users/no-such-user/password",
            json!({"password": "a-long-password"}),
            json!({"password": 12_345_678_901_u64}),
            "password",
            Some("password"),
        ),
        e(
            Kiosk,
            post.clone(),
            "/api/kiosk/scan",
            json!({"card": "04A1B2C3D4"}),
            json!({"card": 42}),
            "card",
            Some("card"),
        ),
        e(
            Kiosk,
            post.clone(),
            "/api/kiosk/select",
            json!({"session": "s", "locker": 1}),
            json!({"session": "s", "locker": "one"}),
            "locker",
            Some("locker"),
        ),
        e(
            Kiosk,
            post.clone(),
            "/api/kiosk/decide",
            json!({"decision": "d", "choice": "finish"}),
            json!({"decision": "d", "choice": "maybe"}),
            "choice",
            Some("decision"),
        ),
        e(
            Kiosk,
            post.clone(),
            "/api/kiosk/master/verify",
            json!({"pin": "2468"}),
            json!({"pin": 2468}),
            "pin",
            Some("pin"),
        ),
        e(
            Kiosk,
            post.clone(),
            "/api/help",
            json!({"category": "other", "note": "n", "locker": 1}),
            json!({"category": "other", "locker": "one"}),
            "locker",
            Some("category"),
        ),
        e(
            Admin,
            post.clone(),
            "/api/help/1/assign",
            json!({"user_id": "someone"}),
            json!({"user_id": 5}),
            "user_id",
            None,
        ),
        e(
            Admin,
            post.clone(),
            "/api/help/1/resolve",
            json!({"notes": "done"}),
            json!({"notes": ["done"]}),
            "notes",
            Some("notes"),
        ),
        e(
            Admin,
            post.clone(),
            "/api/help/1/reopen",
            json!({"reason": "again"}),
            json!({"reason": false}),
            "reason",
            None,
        ),
        e(
            Kiosk,
            post,
            "/api/kiosk/master/open",
            json!({"locker": 1, "release": false}),
            json!({"locker": 1, "release": "no"}),
            "release",
            Some("release"),
        ),
    ]
}

/// The heartbeat endpoint, whose fields are all optional.
const HEARTBEAT: &str = "/api/kiosk/heartbeat";

/// Everything a bad request must leave untouched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    /// (kiosk, number, state, version, name, owner hint) of every locker.
    lockers: Vec<Value>,
    events: Value,
    credentials: usize,
    /// The whole settings document (the master PIN, site and kiosk settings).
    settings: Value,
    users: Value,
    heartbeat: Value,
    pulses: u64,
}

struct Ctx {
    app: TestApp,
    /// One client for every request, keeping no idle connections: the server closes a
    /// connection whose oversized body it did not read, and a pooled client could reuse it.
    client: Client,
    /// The admin's `kioskhub_session=…` cookie and CSRF token.
    cookie: String,
    csrf: String,
    kiosk: Kiosk,
}

impl Ctx {
    /// A fresh server with a signed-in admin and a paired `men` kiosk.
    async fn new() -> Ctx {
        let app = TestApp::spawn().await;
        let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let resp = client
            .post(app.url("/auth/login"))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|c| c.starts_with("kioskhub_session="))
            .expect("a session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let login: Value = resp.json().await.unwrap();
        let csrf = login["csrf_token"].as_str().unwrap().to_owned();
        let mut ctx = Ctx {
            app,
            client,
            cookie,
            csrf,
            kiosk: Kiosk {
                client: Client::new(),
                base: String::new(),
                token: String::new(),
            },
        };
        let (status, code) = ctx
            .json(
                Caller::Admin,
                Method::POST,
                "/api/kiosks/men/pairing",
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{code}");
        let (status, body) = ctx
            .json(
                Caller::Public,
                Method::POST,
                "/api/kiosk/pair",
                &json!({"code": code["code"]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ctx.kiosk = Kiosk {
            client: ctx.client.clone(),
            base: ctx.app.base.clone(),
            token: body["token"].as_str().unwrap().to_owned(),
        };
        ctx
    }

    /// A request as `caller`, with its credential (and CSRF token) but no body yet.
    fn request(&self, caller: Caller, method: Method, path: &str) -> RequestBuilder {
        let req = self.client.request(method.clone(), self.app.url(path));
        match caller {
            Caller::Admin if method == Method::GET => req.header("cookie", &self.cookie),
            Caller::Admin => req
                .header("cookie", &self.cookie)
                .header("x-csrf-token", &self.csrf),
            Caller::Kiosk => req.bearer_auth(&self.kiosk.token),
            Caller::Public => req,
        }
    }

    /// Send raw bytes with an optional Content-Type.
    async fn raw(
        &self,
        caller: Caller,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(caller, method, path).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        send(req).await
    }

    async fn json(
        &self,
        caller: Caller,
        method: Method,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        send(self.request(caller, method, path).json(body)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Caller::Admin, Method::GET, path)).await
    }

    async fn snapshot(&self) -> Snapshot {
        let mut lockers = Vec::new();
        for kiosk in ["men", "women"] {
            let (status, list) = self.get(&format!("/api/kiosks/{kiosk}/lockers")).await;
            assert_eq!(status, StatusCode::OK, "{list}");
            for l in list["items"].as_array().unwrap() {
                lockers.push(json!([
                    l["kiosk"],
                    l["number"],
                    l["state"],
                    l["version"],
                    l["name"],
                    l["owner_hint"]
                ]));
            }
        }
        let (_, events) = self.get("/api/events?limit=500").await;
        let (_, creds) = self.get("/api/kiosks/men/credentials").await;
        let (_, settings) = self.get("/api/settings").await;
        let (_, kiosks) = self.get("/api/kiosks").await;
        let (_, users) = self.get("/api/users").await;
        Snapshot {
            lockers,
            events: events["items"].clone(),
            credentials: creds["items"].as_array().unwrap().len(),
            settings,
            users: users["items"].clone(),
            heartbeat: kiosks["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["last_heartbeat"].clone())
                .collect(),
            pulses: self.app.total_pulses(),
        }
    }

    /// Assert that nothing changed since `before`.
    async fn unchanged(&self, before: &Snapshot, what: &str) {
        let after = self.snapshot().await;
        assert_eq!(before.lockers, after.lockers, "{what}: a locker changed");
        assert_eq!(before.events, after.events, "{what}: an event was written");
        assert_eq!(
            before.credentials, after.credentials,
            "{what}: a credential changed"
        );
        assert_eq!(
            before.settings, after.settings,
            "{what}: the settings or the master PIN changed"
        );
        assert_eq!(before.users, after.users, "{what}: a user changed");
        assert_eq!(
            before.heartbeat, after.heartbeat,
            "{what}: a heartbeat was recorded"
        );
        assert_eq!(before.pulses, after.pulses, "{what}: a relay pulsed");
    }
}

async fn send(req: RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request is sent");
    let status = resp.status();
    let text = resp.text().await.expect("body is read");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Assert an error response's status and code (and field, when given).
#[track_caller]
fn assert_error(
    what: &str,
    (status, body): &(StatusCode, Value),
    want: StatusCode,
    code: &str,
    field: Option<&str>,
) {
    assert_eq!(*status, want, "{what}: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(
        body["error"]["message"].is_string(),
        "{what}: a message: {body}"
    );
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], field, "{what}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_refused_with_400_malformed_json_on_every_body_endpoint() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for ep in endpoints() {
        // Broken in several ways, each around the endpoint's own well-formed body (so the parser
        // meets the syntax error before anything it could refuse as data).
        let valid = ep.valid.to_string();
        let first = ep.valid.as_object().unwrap().keys().next().unwrap().clone();
        let bodies = [
            "{".to_owned(),
            "not json".to_owned(),
            String::new(),
            format!("{valid} trailing"),
            valid[..valid.len() - 1].to_owned(),
            format!("{{\"{first}\":}}"),
            format!("{{\"{first}\" {}", &valid[first.len() + 4..]),
            valid.replace('"', "'"),
            valid.replacen('}', ",}", 1),
        ];
        for body in bodies {
            let what = format!("{} {} with {body:?}", ep.method, ep.path);
            let resp = ctx
                .raw(
                    ep.caller,
                    ep.method.clone(),
                    ep.path,
                    Some("application/json"),
                    body,
                )
                .await;
            assert_error(
                &what,
                &resp,
                StatusCode::BAD_REQUEST,
                "malformed_json",
                None,
            );
            assert!(resp.1["error"].get("field").is_none(), "{what}: {}", resp.1);
        }
        ctx.unchanged(&before, ep.path).await;
    }
    for body in ["{", "not json", "{\"uptime_s\": 1} trailing"] {
        let resp = ctx
            .raw(
                Caller::Kiosk,
                Method::POST,
                HEARTBEAT,
                Some("application/json"),
                body,
            )
            .await;
        assert_error(
            &format!("heartbeat with {body:?}"),
            &resp,
            StatusCode::BAD_REQUEST,
            "malformed_json",
            None,
        );
    }
    ctx.unchanged(&before, HEARTBEAT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_types_and_missing_fields_are_refused_with_400_invalid_body_and_the_field() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for ep in endpoints() {
        let what = format!("{} {} with {}", ep.method, ep.path, ep.wrong_type);
        let resp = ctx
            .json(ep.caller, ep.method.clone(), ep.path, &ep.wrong_type)
            .await;
        assert_error(
            &what,
            &resp,
            StatusCode::BAD_REQUEST,
            "invalid_body",
            Some(ep.field),
        );
        if let Some(required) = ep.required {
            let mut body = ep.valid.clone();
            body.as_object_mut().unwrap().remove(required);
            let what = format!("{} {} without {required}", ep.method, ep.path);
            let resp = ctx.json(ep.caller, ep.method.clone(), ep.path, &body).await;
            assert_error(
                &what,
                &resp,
                StatusCode::BAD_REQUEST,
                "invalid_body",
                Some(required),
            );
        }
        // Not an object at all: no field to name.
        for body in [json!([]), json!("text"), json!(null), json!(42)] {
            let what = format!("{} {} with {body}", ep.method, ep.path);
            let resp = ctx.json(ep.caller, ep.method.clone(), ep.path, &body).await;
            assert_error(&what, &resp, StatusCode::BAD_REQUEST, "invalid_body", None);
        }
        ctx.unchanged(&before, ep.path).await;
    }
    let resp = ctx
        .json(
            Caller::Kiosk,
            Method::POST,
            HEARTBEAT,
            &json!({"uptime_s": "long"}),
        )
        .await;
    assert_error(
        "heartbeat with a string uptime",
        &resp,
        StatusCode::BAD_REQUEST,
        "invalid_body",
        None,
    );
    let resp = ctx
        .json(
            Caller::Kiosk,
            Method::POST,
            HEARTBEAT,
            &json!({"uptime_s": -1}),
        )
        .await;
    assert_error(
        "heartbeat with a negative uptime",
        &resp,
        StatusCode::BAD_REQUEST,
        "invalid_body",
        None,
    );
    ctx.unchanged(&before, HEARTBEAT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_fields_are_refused_with_400_unknown_field_naming_the_field() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for ep in endpoints() {
        let mut body = ep.valid.clone();
        body["bogus"] = json!(1);
        let what = format!("{} {} with {body}", ep.method, ep.path);
        let resp = ctx.json(ep.caller, ep.method.clone(), ep.path, &body).await;
        assert_error(
            &what,
            &resp,
            StatusCode::BAD_REQUEST,
            "unknown_field",
            Some("bogus"),
        );
        // A field name that differs only in case is unknown too.
        let mut body = ep.valid.clone();
        let (first, value) = body
            .as_object()
            .unwrap()
            .iter()
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap();
        body.as_object_mut().unwrap().remove(&first);
        let upper = first.to_uppercase();
        body[&upper] = value;
        let resp = ctx.json(ep.caller, ep.method.clone(), ep.path, &body).await;
        assert_error(
            &format!("{} {} with {body}", ep.method, ep.path),
            &resp,
            StatusCode::BAD_REQUEST,
            "unknown_field",
            Some(&upper),
        );
        ctx.unchanged(&before, ep.path).await;
    }
    let resp = ctx
        .json(
            Caller::Kiosk,
            Method::POST,
            HEARTBEAT,
            &json!({"uptime_s": 1, "bogus": 1}),
        )
        .await;
    assert_error(
        "heartbeat with an unknown field",
        &resp,
        StatusCode::BAD_REQUEST,
        "unknown_field",
        None,
    );
    ctx.unchanged(&before, HEARTBEAT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_64_kib_is_refused_with_413_body_too_large() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for ep in endpoints() {
        // Valid JSON, just too big: the body is padded with whitespace past the limit.
        let body = format!("{}{}", ep.valid, " ".repeat(64 * 1024 + 1));
        let what = format!("{} {} with {} bytes", ep.method, ep.path, body.len());
        let resp = ctx
            .raw(
                ep.caller,
                ep.method.clone(),
                ep.path,
                Some("application/json"),
                body,
            )
            .await;
        assert_error(
            &what,
            &resp,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            None,
        );
        // Far over the limit, in one string.
        let mut body = ep.valid.clone();
        body["padding"] = json!("x".repeat(1024 * 1024));
        let resp = ctx.json(ep.caller, ep.method.clone(), ep.path, &body).await;
        assert_error(
            &format!("{what} (1 MiB)"),
            &resp,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            None,
        );
        ctx.unchanged(&before, ep.path).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_just_under_64_kib_is_accepted() {
    let ctx = Ctx::new().await;
    let body = format!(
        "{}{}",
        json!({"reason": "padded"}),
        " ".repeat(64 * 1024 - 100)
    );
    let resp = ctx
        .raw(
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/5/block",
            Some("application/json"),
            body,
        )
        .await;
    assert_eq!(resp.0, StatusCode::OK, "{}", resp.1);
    assert_eq!(resp.1["result"]["locker"]["state"], "blocked", "{}", resp.1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_without_a_json_content_type_is_refused_with_415() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for ep in endpoints() {
        let body = ep.valid.to_string();
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let what = format!("{} {} with Content-Type {ct:?}", ep.method, ep.path);
            let resp = ctx
                .raw(ep.caller, ep.method.clone(), ep.path, ct, body.clone())
                .await;
            assert_error(
                &what,
                &resp,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            );
        }
        // A JSON media type with parameters is fine as far as the type goes.
        let mut bogus = ep.valid.clone();
        bogus["bogus"] = json!(1);
        let resp = ctx
            .raw(
                ep.caller,
                ep.method.clone(),
                ep.path,
                Some("application/json; charset=utf-8"),
                bogus.to_string(),
            )
            .await;
        assert_error(
            ep.path,
            &resp,
            StatusCode::BAD_REQUEST,
            "unknown_field",
            Some("bogus"),
        );
        ctx.unchanged(&before, ep.path).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_paths_get_invalid_path_or_a_404_naming_what_is_missing() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    let admin = Caller::Admin;
    let cases: Vec<(Method, &str, Option<Value>, StatusCode, &str)> = vec![
        (
            Method::GET,
            "/api/kiosks/men/lockers/abc",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::GET,
            "/api/kiosks/men/lockers/1.5",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::GET,
            "/api/kiosks/men/lockers/99999999999999999999",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/abc/open",
            Some(json!({})),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/abc/block",
            Some(json!({})),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/x/unblock",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::GET,
            "/api/kiosks/nope/lockers",
            None,
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::GET,
            "/api/kiosks/nope/lockers/1",
            None,
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::GET,
            "/api/kiosks/nope/credentials",
            None,
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/nope/pairing",
            Some(json!({})),
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/nope/lockers/1/open",
            Some(json!({})),
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/nope/lockers/1/block",
            Some(json!({})),
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/nope/bulk-open",
            Some(json!({"lockers": [1]})),
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/nope/end-of-day",
            None,
            StatusCode::NOT_FOUND,
            "kiosk_not_found",
        ),
        (
            Method::GET,
            "/api/kiosks/men/lockers/99",
            None,
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::GET,
            "/api/kiosks/men/lockers/0",
            None,
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::GET,
            "/api/kiosks/men/lockers/-1",
            None,
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::GET,
            "/api/kiosks/women/lockers/17",
            None,
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/99/open",
            Some(json!({})),
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/99/block",
            Some(json!({"reason": "r"})),
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/99/release",
            Some(json!({"reason": "r"})),
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/99/rename",
            Some(json!({"name": "x"})),
            StatusCode::NOT_FOUND,
            "locker_not_found",
        ),
        (
            Method::GET,
            "/api/commands/no-such-command",
            None,
            StatusCode::NOT_FOUND,
            "command_not_found",
        ),
        (
            Method::POST,
            "/api/kiosks/men/credentials/no-such-id/revoke",
            None,
            StatusCode::NOT_FOUND,
            "credential_not_found",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let what = format!("{method} {path}");
        let req = ctx.request(admin, method, path);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let resp = send(req).await;
        assert_error(&what, &resp, status, code, None);
        ctx.unchanged(&before, &what).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_api_routes_get_a_json_404_and_wrong_methods_a_json_405() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for (caller, method, path) in [
        (Caller::Admin, Method::GET, "/api/nope"),
        (Caller::Admin, Method::GET, "/api"),
        (Caller::Admin, Method::POST, "/api/nope"),
        (Caller::Admin, Method::GET, "/api/kiosks/men/nope"),
        (Caller::Admin, Method::GET, "/api/kiosks/men/lockers/1/nope"),
        (
            Caller::Admin,
            Method::DELETE,
            "/api/kiosks/men/lockers/1/open/extra",
        ),
        (Caller::Public, Method::GET, "/api/nope"),
        (Caller::Public, Method::GET, "/auth/nope"),
        (Caller::Kiosk, Method::POST, "/api/kiosk/nope"),
    ] {
        let what = format!("{caller:?} {method} {path}");
        let resp = send(ctx.request(caller, method, path)).await;
        assert_error(&what, &resp, StatusCode::NOT_FOUND, "route_not_found", None);
        assert!(
            resp.1["error"]["message"].as_str().unwrap().contains(path),
            "{what}: {}",
            resp.1
        );
    }
    for (caller, method, path) in [
        (Caller::Admin, Method::DELETE, "/api/kiosks"),
        (Caller::Admin, Method::POST, "/api/kiosks"),
        (Caller::Admin, Method::GET, "/api/kiosks/men/lockers/1/open"),
        (Caller::Admin, Method::DELETE, "/api/kiosks/men/lockers/1"),
        (Caller::Admin, Method::PATCH, "/api/kiosks/men/lockers/1"),
        (Caller::Admin, Method::POST, "/api/events"),
        (Caller::Admin, Method::POST, "/api/settings/master-pin"),
        (Caller::Admin, Method::GET, "/api/settings/master-pin"),
        (Caller::Public, Method::GET, "/auth/login"),
        (Caller::Public, Method::PUT, "/auth/login"),
        (Caller::Public, Method::GET, "/api/kiosk/pair"),
        (Caller::Kiosk, Method::GET, "/api/kiosk/scan"),
        (Caller::Kiosk, Method::POST, "/api/kiosk/me"),
        (Caller::Public, Method::POST, "/health"),
    ] {
        let what = format!("{caller:?} {method} {path}");
        let resp = send(ctx.request(caller, method, path).json(&json!({}))).await;
        assert_error(
            &what,
            &resp,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        );
    }
    ctx.unchanged(&before, "unknown routes and methods").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_query_parameters_on_events_and_audit_get_400_invalid_query() {
    let ctx = Ctx::new().await;
    let cases: &[(&str, Option<&str>)] = &[
        ("/api/events?limit=0", Some("limit")),
        ("/api/events?limit=501", Some("limit")),
        ("/api/events?limit=-5", Some("limit")),
        ("/api/events?limit=abc", None),
        ("/api/events?limit=", None),
        ("/api/events?from=yesterday", Some("from")),
        ("/api/events?to=2024-13-45T00:00:00Z", Some("to")),
        ("/api/events?cursor=abc", Some("cursor")),
        ("/api/events?locker=abc", None),
        ("/api/events?bogus=1", Some("bogus")),
        ("/api/events?limit=10&Limit=10", Some("Limit")),
        ("/api/audit?limit=0", Some("limit")),
        ("/api/audit?cursor=abc", Some("cursor")),
        ("/api/audit?bogus=1", Some("bogus")),
    ];
    for (path, field) in cases {
        let resp = ctx.get(path).await;
        assert_error(
            path,
            &resp,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            *field,
        );
    }
    // The same parameters, well formed, are accepted.
    for path in [
        "/api/events?limit=1",
        "/api/events?limit=500",
        "/api/events?from=2020-01-01T00:00:00Z&to=2999-01-01T00:00:00Z",
        "/api/events?kiosk=men&locker=1&type=locker_assigned",
        "/api/audit?limit=1&action=login",
    ] {
        let (status, body) = ctx.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body["items"].is_array(), "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_values_are_refused_with_400_and_change_nothing() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    let long_reason = "r".repeat(501);
    let long_card = format!("04A1B2C3D4{}", "0".repeat(247));
    assert_eq!(long_card.len(), 257);
    let cases: Vec<(Caller, Method, &str, Value, &str, &str)> = vec![
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/open",
            json!({"reason": long_reason}),
            "too_long",
            "reason",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/block",
            json!({"reason": long_reason}),
            "too_long",
            "reason",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/release",
            json!({"reason": long_reason}),
            "too_long",
            "reason",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/transfer",
            json!({"card": "04A1B2C3D4", "reason": long_reason}),
            "too_long",
            "reason",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/resolve",
            json!({"note": long_reason}),
            "too_long",
            "note",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/block",
            json!({"reason": "é".repeat(501)}),
            "too_long",
            "reason",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/rename",
            json!({"name": "n".repeat(21)}),
            "too_long",
            "name",
        ),
        (
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/rename",
            json!({"name": "é".repeat(21)}),
            "too_long",
            "name",
        ),
        (
            Caller::Admin,
            Method::PUT,
            "/api/settings/master-pin",
            json!({"pin": "1".repeat(17)}),
            "invalid_value",
            "pin",
        ),
        (
            Caller::Kiosk,
            Method::POST,
            "/api/kiosk/scan",
            json!({"card": long_card}),
            "invalid_card",
            "card",
        ),
        (
            Caller::Kiosk,
            Method::POST,
            "/api/kiosk/master/verify",
            json!({"pin": "1".repeat(17)}),
            "invalid_value",
            "pin",
        ),
        (
            Caller::Public,
            Method::POST,
            "/api/kiosk/pair",
            json!({"code": "A".repeat(33)}),
            "invalid_code",
            "code",
        ),
    ];
    for (caller, method, path, body, code, field) in cases {
        let what = format!("{method} {path}");
        let resp = ctx.json(caller, method, path, &body).await;
        assert_error(&what, &resp, StatusCode::BAD_REQUEST, code, Some(field));
        ctx.unchanged(&before, &what).await;
    }
    // An over-long Idempotency-Key is refused before anything runs.
    let req = ctx
        .request(
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/block",
        )
        .header("idempotency-key", "k".repeat(101))
        .json(&json!({"reason": "r"}));
    let resp = send(req).await;
    assert_error(
        "a 101-character Idempotency-Key",
        &resp,
        StatusCode::BAD_REQUEST,
        "invalid_header",
        Some("Idempotency-Key"),
    );
    ctx.unchanged(&before, "Idempotency-Key").await;
    // A transfer to an over-long card is refused as well, and the locker is untouched (it does
    // leave a failed command and its event behind: see the ignored test below).
    let transfer = json!({"card": long_card});
    let resp = ctx
        .json(
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/1/transfer",
            &transfer,
        )
        .await;
    assert_error(
        "transfer to a 257-character card",
        &resp,
        StatusCode::BAD_REQUEST,
        "invalid_card",
        Some("card"),
    );
    assert_eq!(ctx.snapshot().await.lockers, before.lockers);
}

#[tokio::test(flavor = "multi_thread")]
async fn values_at_the_length_limits_are_accepted() {
    let ctx = Ctx::new().await;
    let (status, body) = ctx
        .json(
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/2/block",
            &json!({"reason": "é".repeat(500)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let name = "n".repeat(20);
    let (status, body) = ctx
        .json(
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/3/rename",
            &json!({"name": format!("  {name}  ")}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "surrounding spaces are trimmed before counting: {body}"
    );
    assert_eq!(body["result"]["locker"]["name"], name.as_str(), "{body}");
    let card = format!("{}04A1B2C3D4", " ".repeat(246));
    assert_eq!(card.len(), 256);
    let (status, body) = ctx.kiosk.scan(&card).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["action"], "choose", "{body}");
}

/// The locker and event state around a staff transfer of locker 4 to `card`.
async fn transfer_with(ctx: &Ctx, card: &str) -> ((StatusCode, Value), Snapshot, Snapshot) {
    let before = ctx.snapshot().await;
    let resp = ctx
        .json(
            Caller::Admin,
            Method::POST,
            "/api/kiosks/men/lockers/4/transfer",
            &json!({"card": card}),
        )
        .await;
    (resp, before, ctx.snapshot().await)
}

/// A transfer's card is checked before any command is recorded.
#[tokio::test(flavor = "multi_thread")]
async fn an_over_long_card_in_a_transfer_is_refused_with_400_invalid_card_and_writes_nothing() {
    let ctx = Ctx::new().await;
    ctx.kiosk.take("04A1B2C3D4", 4).await;
    let long_card = format!("04B2C3D4E5{}", "0".repeat(247));
    let (resp, before, after) = transfer_with(&ctx, &long_card).await;
    assert_error(
        "transfer to a 257-character card",
        &resp,
        StatusCode::BAD_REQUEST,
        "invalid_card",
        Some("card"),
    );
    assert_eq!(before.lockers, after.lockers, "the locker did not change");
    assert_eq!(
        before.events, after.events,
        "a refused transfer writes no event"
    );
    let row = ctx.app.state.store.locker("men", 4).await.unwrap();
    assert_eq!(
        row.owner_hint.as_deref(),
        Some("…C3D4"),
        "still the old card's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_object_heartbeat_is_accepted_and_recorded() {
    let ctx = Ctx::new().await;
    for body in ["{}", "  {}\n"] {
        let (status, resp) = ctx
            .raw(
                Caller::Kiosk,
                Method::POST,
                HEARTBEAT,
                Some("application/json"),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body:?}: {resp}");
        assert_eq!(resp["kiosk"], "men");
    }
    let (_, kiosks) = ctx.get("/api/kiosks").await;
    let men = kiosks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "men")
        .unwrap();
    assert!(men["last_heartbeat"].is_string(), "{men}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_heartbeat_is_refused_with_the_json_413_body_too_large() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    let body = format!("{}{}", json!({"uptime_s": 1}), " ".repeat(64 * 1024 + 1));
    let resp = ctx
        .raw(
            Caller::Kiosk,
            Method::POST,
            HEARTBEAT,
            Some("application/json"),
            body,
        )
        .await;
    assert_error(
        "an oversized heartbeat",
        &resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        None,
    );
    ctx.unchanged(&before, HEARTBEAT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_heartbeat_names_an_unknown_field() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    let resp = ctx
        .json(
            Caller::Kiosk,
            Method::POST,
            HEARTBEAT,
            &json!({"uptime_s": 1, "bogus": 1}),
        )
        .await;
    assert_error(
        "heartbeat with an unknown field",
        &resp,
        StatusCode::BAD_REQUEST,
        "unknown_field",
        Some("bogus"),
    );
    ctx.unchanged(&before, HEARTBEAT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_heartbeat_body_without_a_json_content_type_is_refused_with_415() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for ct in [None, Some("text/plain")] {
        let resp = ctx
            .raw(
                Caller::Kiosk,
                Method::POST,
                HEARTBEAT,
                ct,
                json!({"uptime_s": 1}).to_string(),
            )
            .await;
        assert_error(
            &format!("heartbeat with {ct:?}"),
            &resp,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        );
    }
    ctx.unchanged(&before, HEARTBEAT).await;
}
