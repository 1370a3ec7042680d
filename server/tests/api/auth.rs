//! Staff authentication, sessions, CSRF, rate limits and the role matrix.

use crate::helpers::{ADMIN_PASSWORD, Kiosk, Staff, TestApp};
use kioskhub::auth::Role;
use reqwest::header::{HeaderMap, RETRY_AFTER, SET_COOKIE};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// The `error.code` of an error body ("" when there is none).
fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// Send a request and return its status, headers and JSON body (`Null` when not JSON).
async fn send(req: RequestBuilder) -> (StatusCode, HeaderMap, Value) {
    let resp = req.send().await.expect("request is sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body is read");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// Every `Set-Cookie` header of a response.
fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ASCII cookie").to_owned())
        .collect()
}

/// The `name=value` pair of the `Set-Cookie` header that sets `name`.
fn cookie_pair(headers: &HeaderMap, name: &str) -> String {
    let cookie = set_cookies(headers)
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {headers:?}"));
    cookie
        .split(';')
        .next()
        .expect("a cookie has a pair")
        .trim()
        .to_owned()
}

/// Sign in with a plain client (no cookie jar); returns the login response.
async fn raw_login(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (StatusCode, HeaderMap, Value) {
    send(
        Client::new()
            .post(app.url("/auth/login"))
            .json(&json!({"username": username, "password": password})),
    )
    .await
}

/// Pair a kiosk with a code from `admin`, through the API.
async fn pair(app: &TestApp, admin: &Staff, kiosk: &str) -> Kiosk {
    let (status, code) = admin
        .post(&format!("/api/kiosks/{kiosk}/pairing"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{code}");
    let (status, _, body) = send(
        Client::new()
            .post(app.url("/api/kiosk/pair"))
            .json(&json!({"code": code["code"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Kiosk {
        client: Client::new(),
        base: app.base.clone(),
        token: body["token"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_me_and_logout_work_and_logout_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let client = Client::builder().cookie_store(true).build().unwrap();
    let (status, headers, body) = send(
        client
            .post(app.url("/auth/login"))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");
    assert!(
        body["user"]["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    let csrf = body["csrf_token"]
        .as_str()
        .expect("a CSRF token")
        .to_owned();
    assert!(
        csrf.len() >= 32,
        "the CSRF token is a long random secret: {csrf}"
    );
    assert!(body.get("password_hash").is_none() && body["user"].get("password_hash").is_none());

    let cookies = set_cookies(&headers);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("kioskhub_session="))
        .expect("a session cookie");
    let attrs: Vec<&str> = session.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{session}");
    assert!(attrs.contains(&"SameSite=Strict"), "{session}");
    assert!(attrs.contains(&"Path=/"), "{session}");
    let pair = cookie_pair(&headers, "kioskhub_session");
    assert_ne!(pair, "kioskhub_session=", "the cookie carries a token");
    assert!(
        !pair.contains(&csrf),
        "the session token is not the CSRF token"
    );

    let (status, _, me) = send(client.get(app.url("/auth/me"))).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(me["user"]["id"], body["user"]["id"]);
    assert_eq!(me["csrf_token"], csrf.as_str());

    let (status, headers, out) = send(
        client
            .post(app.url("/auth/logout"))
            .header("x-csrf-token", &csrf),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{out}");
    let cleared = cookie_pair(&headers, "kioskhub_session");
    assert_eq!(cleared, "kioskhub_session=", "logout clears the cookie");
    assert!(set_cookies(&headers)[0].contains("Max-Age=0"));

    // The browser forgot the cookie…
    let (status, _, me) = send(client.get(app.url("/auth/me"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{me}");
    assert_eq!(code(&me), "unauthenticated");
    // …and the server forgot the session: the old cookie sent by hand is refused too.
    let (status, _, me) = send(
        Client::new()
            .get(app.url("/auth/me"))
            .header("cookie", &pair),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{me}");
    assert_eq!(code(&me), "unauthenticated");
    let (status, _, again) = send(
        Client::new()
            .post(app.url("/auth/logout"))
            .header("cookie", &pair)
            .header("x-csrf-token", &csrf),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{again}");
    assert_eq!(code(&again), "unauthenticated");

    // The login and the logout are audited.
    let admin = app.admin().await;
    let (_, logins) = admin.get("/api/audit?action=login").await;
    assert!(
        logins["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["outcome"] == "succeeded" && e["username"] == "admin")
    );
    let (_, logouts) = admin.get("/api/audit?action=logout").await;
    assert_eq!(logouts["items"].as_array().unwrap().len(), 1, "{logouts}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401_and_no_cookie() {
    let app = TestApp::spawn().await;
    let (status, headers, wrong) = raw_login(&app, "admin", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    assert_eq!(code(&wrong), "invalid_credentials");
    assert!(
        set_cookies(&headers).is_empty(),
        "no session for a failed login"
    );
    assert!(wrong.get("csrf_token").is_none());

    let (status, headers, unknown) = raw_login(&app, "nobody-here", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{unknown}");
    assert_eq!(code(&unknown), "invalid_credentials");
    assert!(set_cookies(&headers).is_empty());
    assert_eq!(wrong, unknown, "the two failures must be indistinguishable");

    // The right password still works, and both failures were audited.
    let admin = app.admin().await;
    let (_, audit) = admin.get("/api/audit?action=login").await;
    let failed = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "failed")
        .count();
    assert_eq!(failed, 2, "{audit}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_survives_a_server_restart() {
    let app = TestApp::spawn().await;
    let (status, headers, login) = raw_login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let cookie = cookie_pair(&headers, "kioskhub_session");
    let csrf = login["csrf_token"].as_str().unwrap().to_owned();

    let app = app.restart().await;
    let client = Client::new();
    let (status, _, me) = send(client.get(app.url("/auth/me")).header("cookie", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(
        me["csrf_token"],
        csrf.as_str(),
        "the same session, with the same CSRF token"
    );

    // The restored session can still act, with its CSRF token.
    let (status, _, blocked) = send(
        client
            .post(app.url("/api/kiosks/men/lockers/1/block"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({"reason": "after restart"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{blocked}");
    assert_eq!(
        app.state
            .store
            .locker("men", 1)
            .await
            .unwrap()
            .state
            .as_str(),
        "blocked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_authenticated_post_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let other = app.login("admin", ADMIN_PASSWORD).await;
    assert_ne!(
        admin.csrf, other.csrf,
        "each session has its own CSRF token"
    );
    let (_, before) = admin.get("/api/kiosks/men/lockers/1").await;
    let (_, events_before) = admin.get("/api/events?limit=500").await;

    let block = app.url("/api/kiosks/men/lockers/1/block");
    let body = json!({"reason": "csrf"});
    let attempts: Vec<(&str, RequestBuilder)> = vec![
        ("no header", admin.client.post(&block).json(&body)),
        (
            "empty header",
            admin
                .client
                .post(&block)
                .header("x-csrf-token", "")
                .json(&body),
        ),
        (
            "wrong token",
            admin
                .client
                .post(&block)
                .header("x-csrf-token", "not-the-token")
                .json(&body),
        ),
        (
            "another session's token",
            admin
                .client
                .post(&block)
                .header("x-csrf-token", &other.csrf)
                .json(&body),
        ),
        (
            "token with one more char",
            admin
                .client
                .post(&block)
                .header("x-csrf-token", format!("{}x", admin.csrf))
                .json(&body),
        ),
        (
            "no header, PUT",
            admin
                .client
                .put(app.url("/api/settings/master-pin"))
                .json(&json!({"pin": "2468"})),
        ),
        (
            "no header, pairing",
            admin
                .client
                .post(app.url("/api/kiosks/men/pairing"))
                .json(&json!({})),
        ),
        (
            "no header, open",
            admin
                .client
                .post(app.url("/api/kiosks/men/lockers/2/open"))
                .json(&json!({})),
        ),
        (
            "no header, logout",
            admin.client.post(app.url("/auth/logout")),
        ),
    ];
    for (what, req) in attempts {
        let (status, _, err) = send(req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {err}");
        assert_eq!(code(&err), "csrf_failed", "{what}: {err}");
    }

    // Nothing changed: the locker is not blocked, nothing pulsed, no event or command, the PIN is
    // unset and the session (whose logout was refused) still works.
    let (status, after) = admin.get("/api/kiosks/men/lockers/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["state"], "free");
    assert_eq!(after["version"], before["version"]);
    assert_eq!(app.total_pulses(), 0);
    let (_, events_after) = admin.get("/api/events?limit=500").await;
    assert_eq!(
        events_after["items"], events_before["items"],
        "no new event"
    );
    let (_, settings) = admin.get("/api/settings").await;
    assert_eq!(settings["master_pin_set"], false);
    for action in [
        "locker_block",
        "locker_open",
        "master_pin_set",
        "kiosk_pairing_code",
        "logout",
    ] {
        let (_, audit) = admin.get(&format!("/api/audit?action={action}")).await;
        assert_eq!(audit["items"], json!([]), "{action}");
    }

    // The right token works.
    let (status, ok) = admin.post("/api/kiosks/men/lockers/1/block", body).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sixth_login_within_a_minute_is_rate_limited_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    for attempt in 1..=5 {
        let (status, _, body) = raw_login(&app, "admin", "wrong-password-123").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}: {body}"
        );
        assert_eq!(code(&body), "invalid_credentials");
    }
    let (status, headers, body) = raw_login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code(&body), "rate_limited");
    let retry = headers
        .get(RETRY_AFTER)
        .expect("a Retry-After header")
        .to_str()
        .unwrap();
    let secs: u64 = retry
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is whole seconds: {retry}"));
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    assert!(
        set_cookies(&headers).is_empty(),
        "no session when rate limited"
    );

    // Still limited for an unknown user from the same address.
    let (status, _, body) = raw_login(&app, "someone-else", "whatever-password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code(&body), "rate_limited");
}

/// One representative route per permission family, and the roles that may call it (spec §7).
fn matrix() -> Vec<(Method, &'static str, Option<Value>, &'static [Role])> {
    use Role::{Admin, Auditor, Staff};
    let lockers = "/api/kiosks/men/lockers";
    vec![
        (Method::GET, "/api/kiosks", None, &[Admin, Staff, Auditor]),
        (Method::GET, lockers, None, &[Admin, Staff, Auditor]),
        (
            Method::POST,
            "/api/kiosks/men/lockers/1/open",
            Some(json!({})),
            &[Admin, Staff],
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/1/block",
            Some(json!({"reason": "matrix"})),
            &[Admin],
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/1/release",
            Some(json!({"reason": "x"})),
            &[Admin],
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/1/transfer",
            Some(json!({"card": "04A1B2C3D4"})),
            &[Admin],
        ),
        (
            Method::POST,
            "/api/kiosks/men/bulk-open",
            Some(json!({"lockers": [2]})),
            &[Admin, Staff],
        ),
        (
            Method::POST,
            "/api/kiosks/men/pairing",
            Some(json!({})),
            &[Admin],
        ),
        (Method::GET, "/api/audit", None, &[Admin, Auditor]),
        (
            Method::PUT,
            "/api/settings/master-pin",
            Some(json!({"pin": "2468"})),
            &[Admin],
        ),
        (
            Method::POST,
            "/api/kiosks/men/lockers/1/rename",
            Some(json!({"name": "A1"})),
            &[Admin],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_role_matrix_of_the_spec_is_enforced_and_denials_are_audited() {
    let app = TestApp::spawn().await;
    let mut denied: Vec<(String, String)> = Vec::new();
    for role in [Role::Auditor, Role::Staff, Role::Admin] {
        let user = if role == Role::Admin {
            app.admin().await
        } else {
            app.user(role).await
        };
        let username = if role == Role::Admin {
            "admin".to_owned()
        } else {
            format!("test-{}", role.as_str())
        };
        for (method, path, body, allowed) in matrix() {
            let (status, resp) = user.request(method.clone(), path, body).await;
            let what = format!("{} {method} {path}: {status} {resp}", role.as_str());
            if allowed.contains(&role) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "allowed, but refused: {what}"
                );
                assert!(!status.is_server_error(), "{what}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "denied: {what}");
                assert_eq!(code(&resp), "forbidden", "{what}");
                denied.push((username.clone(), path.to_owned()));
            }
        }
    }
    assert_eq!(denied.len(), 15, "7 for staff, 8 for auditor");

    // Every denial is in the audit trail, with who, where and which permission was missing.
    let admin = app.admin().await;
    let (status, audit) = admin
        .get("/api/audit?action=authorization_denied&limit=500")
        .await;
    assert_eq!(status, StatusCode::OK);
    let entries = audit["items"].as_array().unwrap();
    let mut logged: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["username"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    logged.sort();
    denied.sort();
    assert_eq!(logged, denied);
    for e in entries {
        assert_eq!(e["outcome"], "denied", "{e}");
        assert_eq!(e["ip"], "127.0.0.1", "{e}");
        assert!(
            e["detail"].as_str().is_some_and(|d| d.contains(':')),
            "the missing permission: {e}"
        );
    }
    let staff_block = entries
        .iter()
        .find(|e| e["username"] == "test-staff" && e["target"] == "/api/kiosks/men/lockers/1/block")
        .unwrap();
    assert_eq!(staff_block["detail"], "lockers:block");
    let auditor_open = entries
        .iter()
        .find(|e| {
            e["username"] == "test-auditor" && e["target"] == "/api/kiosks/men/lockers/1/open"
        })
        .unwrap();
    assert_eq!(auditor_open["detail"], "lockers:open");
}

/// Every route that needs a staff session (method, path).
const STAFF_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/kiosks"),
    ("POST", "/api/kiosks/men/pairing"),
    ("GET", "/api/kiosks/men/credentials"),
    ("POST", "/api/kiosks/men/credentials/some-id/revoke"),
    ("GET", "/api/kiosks/men/lockers"),
    ("GET", "/api/kiosks/men/lockers/1"),
    ("POST", "/api/kiosks/men/lockers/1/open"),
    ("POST", "/api/kiosks/men/lockers/1/block"),
    ("POST", "/api/kiosks/men/lockers/1/unblock"),
    ("POST", "/api/kiosks/men/lockers/1/resolve"),
    ("POST", "/api/kiosks/men/lockers/1/release"),
    ("POST", "/api/kiosks/men/lockers/1/rename"),
    ("POST", "/api/kiosks/men/lockers/1/transfer"),
    ("POST", "/api/kiosks/men/bulk-open"),
    ("POST", "/api/kiosks/men/end-of-day"),
    ("GET", "/api/commands/some-id"),
    ("GET", "/api/help"),
    ("GET", "/api/help/summary"),
    ("GET", "/api/help/export.csv"),
    ("GET", "/api/help/1"),
    ("GET", "/api/help/1/photo"),
    ("POST", "/api/help/1/assign"),
    ("POST", "/api/help/1/resolve"),
    ("POST", "/api/help/1/reopen"),
    ("GET", "/api/events"),
    ("GET", "/api/audit"),
    ("GET", "/api/hardware"),
    ("GET", "/api/settings"),
    ("PUT", "/api/settings/master-pin"),
    ("POST", "/api/ws/ticket"),
    ("GET", "/api/websocket/status"),
    ("POST", "/api/websocket/broadcast"),
    ("POST", "/api/websocket/broadcast/batch"),
    ("GET", "/auth/me"),
    ("POST", "/auth/logout"),
];

/// Every route that needs a kiosk device credential (method, path).
const KIOSK_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/kiosk/me"),
    ("POST", "/api/kiosk/scan"),
    ("POST", "/api/help"),
    ("POST", "/api/kiosk/select"),
    ("POST", "/api/kiosk/decide"),
    ("POST", "/api/kiosk/heartbeat"),
    ("POST", "/api/kiosk/master/verify"),
    ("POST", "/api/kiosk/master/open"),
    ("POST", "/api/kiosk/master/end"),
];

fn request(client: &Client, app: &TestApp, method: &str, path: &str) -> RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let req = client.request(method.clone(), app.url(path));
    if method == Method::GET {
        req
    } else {
        req.json(&json!({}))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_non_public_route_answers_401_without_a_credential() {
    let app = TestApp::spawn().await;
    let client = Client::new();
    for (method, path) in STAFF_ROUTES.iter().chain(KIOSK_ROUTES) {
        let (status, _, body) = send(request(&client, &app, method, path)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        assert_eq!(code(&body), "unauthenticated", "{method} {path}: {body}");
    }
    // A made-up session cookie is no better, nor a made-up kiosk token.
    for (method, path) in STAFF_ROUTES {
        let req = request(&client, &app, method, path)
            .header("cookie", "kioskhub_session=forged")
            .header("x-csrf-token", "forged");
        let (status, _, body) = send(req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        assert_eq!(code(&body), "unauthenticated", "{method} {path}: {body}");
    }
    for (method, path) in KIOSK_ROUTES {
        for req in [
            request(&client, &app, method, path).bearer_auth("forged"),
            request(&client, &app, method, path).header("cookie", "kioskhub_device=forged"),
        ] {
            let (status, _, body) = send(req).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
            assert_eq!(code(&body), "invalid_credential", "{method} {path}: {body}");
        }
    }
    assert_eq!(app.total_pulses(), 0);
    assert_eq!(
        app.state
            .store
            .locker("men", 1)
            .await
            .unwrap()
            .state
            .as_str(),
        "free"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn public_routes_answer_without_credentials() {
    let app = TestApp::spawn().await;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (status, _, health) = send(client.get(app.url("/health"))).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["status"], "pass");
    let (status, _, ready) = send(client.get(app.url("/health/ready"))).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["checks"]["database"]["status"], "pass");
    let (status, _, doc) = send(client.get(app.url("/api/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{doc}"
    );
    assert!(
        doc["paths"].get("/api/kiosk/scan").is_some(),
        "the kiosk API is documented"
    );
    let resp = client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().to_lowercase().contains("<html"));
    let resp = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // The pairing exchange is public: a bad code is refused as a bad code, not as "sign in".
    let (status, _, body) = send(
        client
            .post(app.url("/api/kiosk/pair"))
            .json(&json!({"code": "AAAA-BBBB"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(code(&body), "invalid_code");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_kiosk_credential_gets_401_invalid_credential() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let kiosk = pair(&app, &admin, "men").await;
    let me = |k: &Kiosk| {
        k.client
            .get(format!("{}/api/kiosk/me", k.base))
            .bearer_auth(&k.token)
    };
    let (status, _, body) = send(me(&kiosk)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kiosk"], "men");

    let (status, creds) = admin.get("/api/kiosks/men/credentials").await;
    assert_eq!(status, StatusCode::OK, "{creds}");
    let items = creds["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{creds}");
    assert_eq!(items[0]["revoked_at"], Value::Null);
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = admin
        .post(
            &format!("/api/kiosks/men/credentials/{id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, creds) = admin.get("/api/kiosks/men/credentials").await;
    assert!(creds["items"][0]["revoked_at"].is_string(), "{creds}");

    let (status, _, body) = send(me(&kiosk)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(code(&body), "invalid_credential");
    let (status, body) = kiosk.scan("04A1B2C3D4").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(code(&body), "invalid_credential");
    assert_eq!(app.total_pulses(), 0);

    // Revoking twice, or another kiosk's credential, is a 404.
    let (status, body) = admin
        .post(
            &format!("/api/kiosks/men/credentials/{id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "credential_not_found");
    let women = pair(&app, &admin, "women").await;
    let (_, creds) = admin.get("/api/kiosks/women/credentials").await;
    let women_id = creds["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = admin
        .post(
            &format!("/api/kiosks/men/credentials/{women_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "credential_not_found");
    let (status, _, _) = send(me(&women)).await;
    assert_eq!(status, StatusCode::OK, "the women's kiosk is untouched");
    let (_, events) = admin.get("/api/events?type=kiosk_credential_revoked").await;
    let events = events["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["kiosk"], "men");
    assert_eq!(events[0]["data"]["credential"], id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_token_cannot_call_staff_routes_and_a_staff_session_cannot_call_kiosk_routes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let kiosk = pair(&app, &admin, "men").await;
    for (method, path) in STAFF_ROUTES {
        let req = request(&kiosk.client, &app, method, path).bearer_auth(&kiosk.token);
        let (status, _, body) = send(req).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "kiosk token on {method} {path}: {body}"
        );
        assert_eq!(code(&body), "unauthenticated", "{method} {path}: {body}");
        let req = request(&kiosk.client, &app, method, path)
            .header("cookie", format!("kioskhub_device={}", kiosk.token));
        let (status, _, body) = send(req).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "device cookie on {method} {path}: {body}"
        );
    }
    for (method, path) in KIOSK_ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = (method != Method::GET).then(|| json!({}));
        let (status, resp) = admin.request(method.clone(), path, body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "staff session on {method} {path}: {resp}"
        );
        assert_eq!(code(&resp), "unauthenticated", "{method} {path}: {resp}");
    }
    assert_eq!(app.total_pulses(), 0);
    // Both still work where they belong.
    let (status, _) = admin.get("/api/kiosks").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = kiosk.scan("04A1B2C3D4").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pairing_code_works_once_and_pairing_sets_a_device_cookie() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, created) = admin.post("/api/kiosks/men/pairing", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["kiosk"], "men");
    let code_text = created["code"].as_str().unwrap().to_owned();
    assert_eq!(code_text.len(), 9, "ABCD-EFGH: {code_text}");
    assert_eq!(created["url"], format!("/kiosk/pair?code={code_text}"));
    assert!(created["expires_at"].is_string());

    let client = Client::new();
    let (status, headers, paired) = send(
        client
            .post(app.url("/api/kiosk/pair"))
            .json(&json!({"code": code_text})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paired}");
    assert_eq!(paired["kiosk"], "men");
    let token = paired["token"].as_str().unwrap().to_owned();
    let cookie = set_cookies(&headers)
        .into_iter()
        .find(|c| c.starts_with("kioskhub_device="))
        .expect("device cookie");
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert_eq!(attrs[0], format!("kioskhub_device={token}"));
    assert!(
        attrs.contains(&"HttpOnly")
            && attrs.contains(&"SameSite=Strict")
            && attrs.contains(&"Path=/"),
        "{cookie}"
    );
    // The cookie alone authenticates the kiosk.
    let (status, _, me) = send(
        client
            .get(app.url("/api/kiosk/me"))
            .header("cookie", attrs[0]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["kiosk"], "men");

    // The same code again, as typed or normalised differently, is refused.
    let lower = code_text.to_lowercase().replace('-', " ");
    for again in [code_text.clone(), lower] {
        let (status, headers, body) = send(
            client
                .post(app.url("/api/kiosk/pair"))
                .json(&json!({"code": again})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{again}: {body}");
        assert_eq!(code(&body), "invalid_code");
        assert_eq!(body["error"]["field"], "code");
        assert!(set_cookies(&headers).is_empty());
    }
    let (_, creds) = admin.get("/api/kiosks/men/credentials").await;
    assert_eq!(
        creds["items"].as_array().unwrap().len(),
        1,
        "one credential for one code: {creds}"
    );

    // The browser flow: a fresh code in the printed URL pairs once and redirects to the kiosk page.
    let (_, created) = admin.post("/api/kiosks/women/pairing", json!({})).await;
    let url = app.url(created["url"].as_str().unwrap());
    let browser = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (status, headers, _) = send(browser.get(&url)).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(headers["location"], "/kiosk");
    let device = cookie_pair(&headers, "kioskhub_device");
    let (status, _, me) = send(
        browser
            .get(app.url("/api/kiosk/me"))
            .header("cookie", &device),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["kiosk"], "women");
    let (status, _, body) = send(browser.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(code(&body), "invalid_code");
}

fn assert_security_headers(what: &str, headers: &HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let csp = get("content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{what}: CSP {csp:?}");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(csp.contains("object-src 'none'"), "{what}: CSP {csp:?}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(
        get("referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn security_headers_are_on_api_responses_errors_and_the_web_app() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let resp = admin
        .client
        .get(app.url("/api/kiosks"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_security_headers("GET /api/kiosks", resp.headers());
    let (status, headers, _) = send(Client::new().get(app.url("/api/kiosks"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_security_headers("401 on /api/kiosks", &headers);
    let (status, headers, _) = send(Client::new().get(app.url("/api/no-such-route"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_security_headers("404 under /api", &headers);
    let (status, headers, _) = send(Client::new().get(app.url("/health"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_security_headers("GET /health", &headers);

    let resp = Client::new().get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_security_headers("GET /", resp.headers());
    let resp = Client::new()
        .get(app.url("/staff/lockers"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "a client-side route gets the app shell"
    );
    assert_security_headers("GET /staff/lockers", resp.headers());
}
