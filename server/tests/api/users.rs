//! Staff accounts and sessions managed by admins: create, list, change role, deactivate, reset a
//! password, list and revoke sessions; who may do it; and that taking rights away signs the
//! user out at once, WebSockets included.

use crate::helpers::{ADMIN_PASSWORD, Staff, TestApp};
use futures::StreamExt;
use kioskhub::auth::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `/ws/lockers` socket of `staff`'s session (through a ticket), past its welcome message.
async fn socket(app: &TestApp, staff: &Staff) -> Ws {
    let (status, t) = staff.post("/api/ws/ticket", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let url = format!(
        "{}/ws/lockers?ticket={}",
        app.base.replacen("http://", "ws://", 1),
        t["ticket"].as_str().unwrap()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
        Ok(Some(Ok(Message::Text(_)))) => ws,
        other => panic!("expected a welcome message, got {other:?}"),
    }
}

/// The close code the server ends `ws` with (skipping any messages before it).
async fn close_code(ws: &mut Ws) -> u16 {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => return u16::from(frame.code),
            Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// Is the socket still open (nothing but messages and pings for a moment)?
async fn still_open(ws: &mut Ws) -> bool {
    loop {
        match tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
            Err(_) => return true,
            Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(_) => return false,
        }
    }
}

async fn create(admin: &Staff, username: &str, role: &str, password: &str) -> (StatusCode, Value) {
    admin
        .post(
            "/api/users",
            json!({"username": username, "role": role, "password": password}),
        )
        .await
}

async fn patch(admin: &Staff, id: &str, body: Value) -> (StatusCode, Value) {
    admin
        .request(Method::PATCH, &format!("/api/users/{id}"), Some(body))
        .await
}

/// The listed user called `name`.
async fn listed(admin: &Staff, name: &str) -> Value {
    let (status, list) = admin.get("/api/users").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} is not listed: {list}"))
}

/// `GET /auth/me` as `staff`.
async fn me(staff: &Staff) -> StatusCode {
    staff.get("/auth/me").await.0
}

/// Audit entries with `action`, newest first.
async fn audited(admin: &Staff, action: &str) -> Vec<Value> {
    let (_, audit) = admin.get(&format!("/api/audit?action={action}")).await;
    audit["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_creates_lists_and_changes_users_and_every_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, user) = create(&admin, "Front.Desk-1", "staff", "a-long-password").await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["username"], "front.desk-1", "stored in lower case");
    assert_eq!(user["role"], "staff");
    assert_eq!(user["active"], true);
    assert!(user["created_at"].is_string(), "{user}");
    assert_eq!(user["last_login_at"], Value::Null);
    assert!(user.get("password_hash").is_none(), "{user}");
    let id = user["id"].as_str().unwrap().to_owned();

    // The new account signs in; the list shows when.
    let desk = app.login("front.desk-1", "a-long-password").await;
    assert_eq!(me(&desk).await, StatusCode::OK);
    let row = listed(&admin, "front.desk-1").await;
    assert!(row["last_login_at"].is_string(), "{row}");
    assert_eq!(listed(&admin, "admin").await["role"], "admin");
    let (_, list) = admin.get("/api/users").await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "front.desk-1"], "by name");

    let (status, changed) = patch(&admin, &id, json!({"role": "auditor"})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["role"], "auditor");
    assert_eq!(changed["active"], true);
    let (status, changed) = patch(&admin, &id, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["active"], false);
    assert_eq!(changed["role"], "auditor");
    let (status, same) = patch(&admin, &id, json!({})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an empty change is no change: {same}"
    );
    assert_eq!(same["active"], false);
    let (status, _) = patch(&admin, "no-such-user", json!({"active": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = admin
        .post(
            "/api/users/no-such-user/password",
            json!({"password": "another-long-one"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "user_not_found");

    let created = audited(&admin, "user_created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["target"], "front.desk-1");
    assert_eq!(created[0]["username"], "admin");
    assert_eq!(created[0]["detail"], "role=staff");
    let updated = audited(&admin, "user_updated").await;
    assert_eq!(
        updated.len(),
        2,
        "the empty change is not a change: {updated:?}"
    );
    assert!(
        updated[0]["detail"]
            .as_str()
            .unwrap()
            .contains("active=true→false"),
        "{updated:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_usernames_short_passwords_and_taken_names_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for name in [
        "ab",
        "has space",
        "ünïcode",
        "semi;colon",
        &"x".repeat(33),
        "",
    ] {
        let (status, body) = create(&admin, name, "staff", "a-long-password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_username", "{body}");
        assert_eq!(body["error"]["field"], "username", "{body}");
    }
    let (status, body) = create(&admin, &"x".repeat(32), "staff", "a-long-password").await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "32 characters are fine: {body}"
    );
    let (status, body) = create(&admin, "shorty", "staff", "nine-char").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "password_too_short");
    assert_eq!(body["error"]["field"], "password");
    let (status, body) = create(&admin, "longpw", "staff", &"p".repeat(257)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "password");
    let (status, body) = create(&admin, "boss", "owner", "a-long-password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_body");
    assert_eq!(body["error"]["field"], "role");

    let (status, _) = create(&admin, "desk", "staff", "a-long-password").await;
    assert_eq!(status, StatusCode::CREATED);
    for taken in ["desk", "DESK", "Admin"] {
        let (status, body) = create(&admin, taken, "auditor", "a-long-password").await;
        assert_eq!(status, StatusCode::CONFLICT, "{taken}: {body}");
        assert_eq!(body["error"]["code"], "username_taken");
        assert_eq!(body["error"]["field"], "username");
    }
    assert_eq!(listed(&admin, "desk").await["role"], "staff", "unchanged");
    let (_, list) = admin.get("/api/users").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
}

/// Every admin route of this area, with a body that would succeed for an admin.
fn admin_routes(user_id: &str, session_id: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/users".into(), None),
        (
            Method::POST,
            "/api/users".into(),
            Some(json!({"username": "intruder", "role": "admin", "password": "a-long-password"})),
        ),
        (
            Method::PATCH,
            format!("/api/users/{user_id}"),
            Some(json!({"role": "admin"})),
        ),
        (
            Method::POST,
            format!("/api/users/{user_id}/password"),
            Some(json!({"password": "taken-over-password"})),
        ),
        (Method::GET, "/api/sessions".into(), None),
        (
            Method::POST,
            format!("/api/sessions/{session_id}/revoke"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            "/api/settings/lockers".into(),
            Some(json!({"assignment_mode": "automatic"})),
        ),
        (
            Method::PUT,
            "/api/kiosks/men/settings".into(),
            Some(json!({"name": "Taken over"})),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_routes_need_a_session_an_admin_and_the_csrf_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.user(Role::Staff).await;
    let auditor = app.user(Role::Auditor).await;
    let staff_id = listed(&admin, "test-staff").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, sessions) = admin.get("/api/sessions").await;
    let session_id = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user"]["username"] == "test-staff")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, settings_before) = admin.get("/api/settings").await;
    let (_, users_before) = admin.get("/api/users").await;
    let anonymous = Client::new();
    for (method, path, body) in admin_routes(&staff_id, &session_id) {
        let what = format!("{method} {path}");
        let mut req = anonymous.request(method.clone(), app.url(&path));
        if let Some(b) = &body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{what}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["code"], "unauthenticated", "{what}");
        for (role, who) in [("staff", &staff), ("auditor", &auditor)] {
            let (status, resp) = who.request(method.clone(), &path, body.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {what}: {resp}");
            assert_eq!(resp["error"]["code"], "forbidden", "{role} {what}");
        }
        if method != Method::GET {
            // The admin's own cookie without the CSRF header.
            let mut req = admin.client.request(method.clone(), app.url(&path));
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "no CSRF: {what}");
            let err: Value = resp.json().await.unwrap();
            assert_eq!(err["error"]["code"], "csrf_failed", "{what}");
            let resp = admin
                .client
                .request(method.clone(), app.url(&path))
                .header("x-csrf-token", "not-the-token")
                .json(body.as_ref().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "wrong CSRF: {what}");
        }
    }
    // Nothing changed, and the staff session that was nearly revoked still works.
    assert_eq!(admin.get("/api/settings").await.1, settings_before);
    assert_eq!(admin.get("/api/users").await.1, users_before);
    assert_eq!(me(&staff).await, StatusCode::OK);
    let denied = audited(&admin, "authorization_denied").await;
    assert_eq!(denied.len(), 16, "8 routes × staff and auditor");

    let (_, doc) = admin.get("/api/openapi.json").await;
    for (path, method) in [
        ("/api/users", "get"),
        ("/api/users", "post"),
        ("/api/users/{id}", "patch"),
        ("/api/users/{id}/password", "post"),
        ("/api/sessions", "get"),
        ("/api/sessions/{id}/revoke", "post"),
        ("/api/settings/lockers", "put"),
        ("/api/kiosks/{kiosk}/settings", "put"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is documented");
        assert!(
            op["description"]
                .as_str()
                .is_some_and(|d| d.contains("system:")),
            "{method} {path} names its permission: {op}"
        );
    }
    // An account in the list is not the signed-in user of `POST /auth/login`: two schemas.
    let required = |name: &str| doc["components"]["schemas"][name]["required"].to_string();
    assert!(required("AccountView").contains("\"active\""), "{doc}");
    assert!(!required("UserView").contains("\"active\""), "{doc}");
    for schema in [
        "CreateUser",
        "UpdateUser",
        "ResetPassword",
        "AccountView",
        "AccountList",
        "SessionList",
        "UpdateLockerSettings",
        "UpdateKioskSettings",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is described"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_demotes_or_deactivates_themselves_and_an_active_admin_always_remains() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let admin_id = listed(&admin, "admin").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The only admin: demoting or deactivating it would leave none.
    for body in [json!({"active": false}), json!({"role": "staff"})] {
        let (status, resp) = patch(&admin, &admin_id, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}: {resp}");
        assert_eq!(resp["error"]["code"], "last_admin", "{resp}");
    }
    // With a second admin, it is still not yours to do.
    let (status, second) = create(&admin, "second", "admin", "a-long-password").await;
    assert_eq!(status, StatusCode::CREATED);
    let second_id = second["id"].as_str().unwrap().to_owned();
    for body in [json!({"active": false}), json!({"role": "auditor"})] {
        let (status, resp) = patch(&admin, &admin_id, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}: {resp}");
        assert_eq!(resp["error"]["code"], "cannot_change_self", "{resp}");
    }
    let (status, same) = patch(&admin, &admin_id, json!({"role": "admin", "active": true})).await;
    assert_eq!(status, StatusCode::OK, "no change is allowed: {same}");
    assert_eq!(me(&admin).await, StatusCode::OK, "and signs nobody out");

    // The second admin deactivates the first; now the second is the last one.
    let second_admin = app.login("second", "a-long-password").await;
    let (status, resp) = patch(&second_admin, &admin_id, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(me(&admin).await, StatusCode::UNAUTHORIZED);
    let (status, resp) = patch(&second_admin, &second_id, json!({"role": "staff"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(resp["error"]["code"], "last_admin");
    let (status, resp) = patch(&second_admin, &admin_id, json!({"active": true})).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    let refused: Vec<Value> = audited(&second_admin, "user_updated")
        .await
        .into_iter()
        .filter(|e| e["outcome"] == "refused")
        .collect();
    assert_eq!(refused.len(), 5, "each refusal is audited: {refused:?}");
    assert!(
        refused[0]["detail"]
            .as_str()
            .unwrap()
            .ends_with("(last_admin)"),
        "{refused:?}"
    );
    assert!(
        refused[1]["detail"]
            .as_str()
            .unwrap()
            .ends_with("(cannot_change_self)"),
        "{refused:?}"
    );

    // Two admins demoting each other at once: at most one wins, an admin remains.
    let first = app.login("admin", ADMIN_PASSWORD).await;
    let (a, b) = tokio::join!(
        patch(&first, &second_id, json!({"role": "staff"})),
        patch(&second_admin, &admin_id, json!({"role": "staff"})),
    );
    let wins = [a.0, b.0].iter().filter(|s| **s == StatusCode::OK).count();
    assert!(wins <= 1, "{a:?} {b:?}");
    for (status, body) in [&a, &b] {
        if *status != StatusCode::OK {
            assert!(
                *status == StatusCode::UNAUTHORIZED
                    || (*status == StatusCode::CONFLICT && body["error"]["code"] == "last_admin"),
                "the loser was signed out or refused: {status} {body}"
            );
        }
    }
    let admins = app
        .state
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == "admin" && u.active)
        .count();
    assert_eq!(admins, 2 - wins);
    assert!(admins >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn deactivating_a_user_ends_their_sessions_closes_their_sockets_and_blocks_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.user(Role::Staff).await;
    let id = listed(&admin, "test-staff").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut staff_ws = socket(&app, &staff).await;
    let mut admin_ws = socket(&app, &admin).await;
    let (status, body) = patch(&admin, &id, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(close_code(&mut staff_ws).await, 4401);
    assert!(still_open(&mut admin_ws).await, "other users keep theirs");
    assert_eq!(me(&staff).await, StatusCode::UNAUTHORIZED);
    let (status, _) = staff.get("/api/kiosks").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let resp = Client::new()
        .post(app.url("/auth/login"))
        .json(&json!({"username": "test-staff", "password": "a-long-test-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "a deactivated user cannot sign in"
    );
    let (_, sessions) = admin.get("/api/sessions").await;
    assert!(
        sessions["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["user"]["id"] != id.as_str()),
        "{sessions}"
    );

    // Reactivated, they sign in again; a role change signs them out again.
    let (status, _) = patch(&admin, &id, json!({"active": true})).await;
    assert_eq!(status, StatusCode::OK);
    let staff = app.login("test-staff", "a-long-test-password").await;
    let mut staff_ws = socket(&app, &staff).await;
    let (status, body) = patch(&admin, &id, json!({"role": "auditor"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(close_code(&mut staff_ws).await, 4401);
    assert_eq!(me(&staff).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_reset_signs_the_user_out_everywhere_but_in_the_resetting_admins_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.user(Role::Staff).await;
    let id = listed(&admin, "test-staff").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ws = socket(&app, &staff).await;
    for short in ["", "123456789"] {
        let (status, body) = admin
            .post(
                &format!("/api/users/{id}/password"),
                json!({"password": short}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "password");
    }
    assert_eq!(
        me(&staff).await,
        StatusCode::OK,
        "a refused reset changes nothing"
    );
    let (status, body) = admin
        .post(
            &format!("/api/users/{id}/password"),
            json!({"password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(close_code(&mut ws).await, 4401);
    assert_eq!(me(&staff).await, StatusCode::UNAUTHORIZED);
    let old = Client::new()
        .post(app.url("/auth/login"))
        .json(&json!({"username": "test-staff", "password": "a-long-test-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED, "the old password");
    let staff = app.login("test-staff", "a-brand-new-password").await;
    assert_eq!(me(&staff).await, StatusCode::OK);

    // An admin resetting their own password stays signed in here, and only here.
    let admin_id = listed(&admin, "admin").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = app.login("admin", ADMIN_PASSWORD).await;
    let (status, _) = admin
        .post(
            &format!("/api/users/{admin_id}/password"),
            json!({"password": "the-admins-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(me(&admin).await, StatusCode::OK);
    assert_eq!(me(&elsewhere).await, StatusCode::UNAUTHORIZED);
    let resets = audited(&admin, "user_password_reset").await;
    let targets: Vec<&str> = resets
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["admin", "test-staff"]);
}

/// A raw sign-in: the session token from the cookie, and the CSRF token.
async fn raw_login(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let resp = Client::new()
        .post(app.url("/auth/login"))
        .header("user-agent", "kiosk-tests/1.0")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let token = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    (token, body["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_listed_without_their_tokens_and_an_admin_can_revoke_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.user(Role::Staff).await;
    let (token, csrf) = raw_login(&app, "test-staff", "a-long-test-password").await;
    let mut ws = socket(&app, &staff).await;
    let (status, list) = admin.get("/api/sessions").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let text = list.to_string();
    for secret in [
        token.clone(),
        kioskhub::auth::token_hash(&token),
        csrf,
        admin.csrf.clone(),
    ] {
        assert!(!text.contains(&secret), "a secret is listed: {text}");
    }
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user"]["username"], "admin");
    for s in items {
        let mut keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "created_at",
                "current",
                "expires_at",
                "id",
                "ip",
                "last_seen_at",
                "user",
                "user_agent"
            ],
            "{s}"
        );
        assert_eq!(s["ip"], "127.0.0.1");
        assert!(s["expires_at"].as_str().unwrap() > s["last_seen_at"].as_str().unwrap());
    }
    let raw = items
        .iter()
        .find(|s| s["user_agent"] == "kiosk-tests/1.0")
        .expect("the raw sign-in, by its user agent");
    assert_eq!(raw["user"]["username"], "test-staff");

    // Revoke the staff member's other session: the one with the socket stays.
    let revoke = |id: &str| format!("/api/sessions/{id}/revoke");
    let (status, _) = admin
        .post(&revoke(raw["id"].as_str().unwrap()), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let resp = Client::new()
        .get(app.url("/auth/me"))
        .header("cookie", format!("kioskhub_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(still_open(&mut ws).await);
    assert_eq!(me(&staff).await, StatusCode::OK);
    // Revoke the one with the socket: it is closed.
    let (_, list) = admin.get("/api/sessions").await;
    let with_socket = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user"]["username"] == "test-staff")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = admin.post(&revoke(&with_socket), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut ws).await, 4401);
    assert_eq!(me(&staff).await, StatusCode::UNAUTHORIZED);
    let (status, body) = admin.post(&revoke(&with_socket), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "session_not_found");
    let (_, list) = admin.get("/api/sessions").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let revoked = audited(&admin, "session_revoked").await;
    assert_eq!(revoked.len(), 2);
    assert_eq!(revoked[0]["target"], "test-staff");
    assert_eq!(revoked[0]["detail"], with_socket.as_str());
}
