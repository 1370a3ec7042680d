//! Real-time push over real WebSockets: authentication per namespace, rooms, replay with `since`,
//! resync, publish-after-commit and ordering.

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The raw session token of a fresh admin sign-in (for cookie and bearer auth).
async fn session_token(app: &TestApp) -> String {
    let resp = reqwest::Client::new()
        .post(app.url("/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

fn ws_url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base.replacen("http://", "ws://", 1))
}

async fn connect(app: &TestApp, path: &str, header: Option<(&str, String)>) -> Result<Ws, WsError> {
    let mut req = ws_url(app, path).into_client_request().unwrap();
    if let Some((name, value)) = header {
        req.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

/// The next JSON text message, skipping pings; `None` on timeout or close.
async fn next(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            _ => return None,
        }
    }
}

/// Messages of `kind` until `count` arrived (skipping others).
async fn collect(ws: &mut Ws, kind: &str, count: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < count {
        let msg = next(ws, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("only {} {kind} messages arrived", out.len()));
        if msg["type"] == kind && msg["data"]["transient"].is_null() {
            out.push(msg);
        }
    }
    out
}

/// A socket of a fresh admin session on `path`, past its welcome message.
async fn admin_socket(app: &TestApp, path: &str) -> (Ws, Value) {
    let token = session_token(app).await;
    let mut ws = connect(
        app,
        path,
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    let welcome = next(&mut ws, Duration::from_secs(5)).await.unwrap();
    (ws, welcome)
}

fn status_of(err: WsError) -> u16 {
    match err {
        WsError::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panel_sees_a_scan_live_with_the_transient_opening_then_the_committed_change() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let mut ws = connect(
        &app,
        "/ws/lockers",
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    let hello = next(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(hello["type"], "connection");
    let kiosk = app.kiosk("men").await;
    kiosk.take("04A1B2C3D4", 5).await;
    let opening = next(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(opening["type"], "locker_state_changed");
    assert_eq!(opening["data"]["new_state"], "opening");
    assert!(
        opening["seq"].is_null(),
        "the transient state is not stored"
    );
    let changed = collect(&mut ws, "locker_state_changed", 1).await.remove(0);
    assert_eq!(changed["data"]["kiosk_id"], "men");
    assert_eq!(changed["data"]["locker"], 5);
    assert_eq!(changed["data"]["new_state"], "owned");
    assert_eq!(changed["room"], "kiosk:men");
    assert_eq!(changed["version"], 1);
    assert!(changed["seq"].as_i64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_namespace_checks_its_credentials() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    // No credential, a wrong one, a bearer session, a ticket used twice.
    assert_eq!(
        status_of(connect(&app, "/ws/lockers", None).await.unwrap_err()),
        401
    );
    assert_eq!(
        status_of(
            connect(
                &app,
                "/ws/lockers",
                Some(("authorization", "Bearer nope".into()))
            )
            .await
            .unwrap_err()
        ),
        401
    );
    connect(
        &app,
        "/ws/lockers",
        Some(("authorization", format!("Bearer {token}"))),
    )
    .await
    .unwrap();
    let admin = app.admin().await;
    let (status, ticket) = admin.post("/api/ws/ticket", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/ws/help?ticket={}", ticket["ticket"].as_str().unwrap());
    connect(&app, &path, None).await.unwrap();
    assert_eq!(
        status_of(connect(&app, &path, None).await.unwrap_err()),
        401,
        "a ticket is one-use"
    );
    // Roles: staff may not join /ws/events; public display needs nothing; the agent needs a device.
    let staff = app.user(kioskhub::auth::Role::Staff).await;
    let (_, t) = staff.post("/api/ws/ticket", json!({})).await;
    let err = connect(
        &app,
        &format!("/ws/events?ticket={}", t["ticket"].as_str().unwrap()),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(status_of(err), 403);
    connect(&app, "/ws/display", None).await.unwrap();
    assert_eq!(
        status_of(
            connect(
                &app,
                "/ws/agent",
                Some(("cookie", format!("kioskhub_session={token}")))
            )
            .await
            .unwrap_err()
        ),
        401
    );
    let kiosk = app.kiosk("men").await;
    connect(
        &app,
        "/ws/agent",
        Some(("authorization", format!("Bearer {}", kiosk.token))),
    )
    .await
    .unwrap();
    assert_eq!(
        status_of(connect(&app, "/ws/nowhere", None).await.unwrap_err()),
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rooms_narrow_delivery_and_bad_messages_get_an_error_not_a_disconnect() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let cookie = || Some(("cookie", format!("kioskhub_session={token}")));
    let mut women_only = connect(&app, "/ws/lockers", cookie()).await.unwrap();
    next(&mut women_only, Duration::from_secs(5)).await.unwrap();
    women_only
        .send(Message::Text(
            json!({"type": "join_room", "room": "kiosk:women"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next(&mut women_only, Duration::from_secs(5)).await.unwrap()["type"],
        "room_joined"
    );
    women_only
        .send(Message::Text("not json".into()))
        .await
        .unwrap();
    let err = next(&mut women_only, Duration::from_secs(5)).await.unwrap();
    assert_eq!(err["type"], "error");
    assert_eq!(err["data"]["code"], "invalid_message");
    women_only
        .send(Message::Text(
            json!({"type": "join_room", "room": "bad room!"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next(&mut women_only, Duration::from_secs(5)).await.unwrap()["data"]["code"],
        "invalid_room"
    );
    app.kiosk("men").await.take("04A1B2C3D4", 1).await;
    app.kiosk("women").await.take("04B2C3D4E5", 2).await;
    let got = collect(&mut women_only, "locker_state_changed", 1).await;
    assert_eq!(
        got[0]["data"]["kiosk_id"], "women",
        "the men's change did not reach a women-only client"
    );
    // A message for the whole namespace reaches clients in rooms too.
    let admin = app.admin().await;
    admin
        .post(
            "/api/websocket/broadcast",
            json!({"namespace": "/ws/lockers", "data": {"all": true}}),
        )
        .await;
    let everyone = collect(&mut women_only, "broadcast", 1).await;
    assert_eq!(everyone[0]["data"]["all"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconnecting_client_replays_what_it_missed_in_order_without_gaps_even_across_a_restart()
{
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let header = format!("kioskhub_session={token}");
    let mut ws = connect(&app, "/ws/lockers", Some(("cookie", header.clone())))
        .await
        .unwrap();
    next(&mut ws, Duration::from_secs(5)).await.unwrap();
    let kiosk = app.kiosk("men").await;
    kiosk.take("04A1B2C3D4", 1).await;
    let first = collect(&mut ws, "locker_state_changed", 1).await;
    let last_seen = first[0]["seq"].as_i64().unwrap();
    drop(ws);
    kiosk.take("04B2C3D4E5", 2).await;
    kiosk.take("04C3D4E5F6", 3).await;
    let app = app.restart().await;
    app.kiosk("men").await.take("04D4E5F6A7", 4).await;
    let mut ws = connect(
        &app,
        &format!("/ws/lockers?since={last_seen}"),
        Some(("cookie", header)),
    )
    .await
    .unwrap();
    let mut seqs = Vec::new();
    let mut lockers = Vec::new();
    while let Some(msg) = next(&mut ws, Duration::from_millis(800)).await {
        if let Some(seq) = msg["seq"].as_i64() {
            seqs.push(seq);
            if msg["type"] == "locker_state_changed" {
                lockers.push(msg["data"]["locker"].as_i64().unwrap());
            }
        }
    }
    let expected: Vec<i64> =
        (last_seen + 1..=last_seen + i64::try_from(seqs.len()).unwrap()).collect();
    assert_eq!(seqs, expected, "contiguous, in order, no duplicate");
    assert_eq!(lockers, [2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_since_older_than_what_is_kept_gets_resync_required() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    for n in 1..=3 {
        kiosk.take(&format!("0AB{n:07}"), n).await;
    }
    app.state.store.ws_purge(0, 1).await.unwrap();
    let token = session_token(&app).await;
    let mut ws = connect(
        &app,
        "/ws/lockers?since=1",
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    assert_eq!(
        next(&mut ws, Duration::from_secs(5)).await.unwrap()["type"],
        "connection"
    );
    let resync = next(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(resync["type"], "resync_required");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_change_publishes_nothing_and_leaves_no_gap() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let mut ws = connect(
        &app,
        "/ws/events",
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    let hello = next(&mut ws, Duration::from_secs(5)).await.unwrap();
    let start = hello["data"]["last_seq"].as_i64().unwrap();
    let event = kioskhub::store::NewEvent {
        ts: kioskhub::time::now_ms(),
        site: "main",
        kind: "test_rolled_back",
        kiosk_id: Some("men"),
        locker: None,
        actor: "test",
        data: json!({}),
    };
    let mut tx = app.state.store.begin().await.unwrap();
    kioskhub::events::append(&mut tx, &event).await.unwrap();
    drop(tx);
    app.state.hub.wake();
    while let Some(msg) = next(&mut ws, Duration::from_millis(700)).await {
        assert!(
            msg["seq"].is_null(),
            "nothing was committed, yet {msg} arrived"
        );
    }
    let admin = app.admin().await;
    admin
        .post("/api/kiosks/men/lockers/1/block", json!({}))
        .await;
    let logged = collect(&mut ws, "event_logged", 1).await;
    assert_eq!(
        logged[0]["seq"],
        start + 1,
        "the next committed message follows without a gap"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_changes_arrive_in_sequence_order() {
    let app = TestApp::spawn().await;
    let (mut ws, _welcome) = admin_socket(&app, "/ws/lockers").await;
    let mut screens = Vec::new();
    for _ in 0..8 {
        screens.push(app.kiosk("men").await);
    }
    let takes = screens
        .iter()
        .enumerate()
        .map(|(i, k)| k.take_owned(format!("0CD{i:07}"), i64::try_from(i).unwrap() + 1));
    futures::future::join_all(takes).await;
    let got = collect(&mut ws, "locker_state_changed", 8).await;
    let seqs: Vec<i64> = got.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_counts_connections_and_an_admin_broadcast_reaches_the_room() {
    let app = TestApp::spawn().await;
    let (mut ws, _welcome) = admin_socket(&app, "/ws/lockers").await;
    let admin = app.admin().await;
    let (_, status) = admin.get("/api/websocket/status").await;
    assert_eq!(status["namespaces"]["/ws/lockers"]["connections"], 1);
    let (code, body) = admin
        .post("/api/websocket/broadcast", json!({"namespace": "/ws/lockers", "room": "kiosk:men", "fallback_to_namespace": true, "data": {"text": "closing in 10 minutes"}}))
        .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        body["room"],
        Value::Null,
        "nobody in the room: sent to the namespace"
    );
    let msg = collect(&mut ws, "broadcast", 1).await.remove(0);
    assert_eq!(msg["data"]["text"], "closing in 10 minutes");
    // Audited in the message's own transaction.
    let (_, audit) = admin.get("/api/audit?action=ws_broadcast").await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["username"], "admin");
    assert_eq!(items[0]["target"], "/ws/lockers");
    assert_eq!(items[0]["outcome"], "succeeded");
    let (_, status) = admin.get("/api/websocket/status").await;
    assert!(
        status["namespaces"]["/ws/lockers"]["messages_sent"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let staff = app.user(kioskhub::auth::Role::Staff).await;
    let (code, _) = staff
        .post(
            "/api/websocket/broadcast",
            json!({"namespace": "/ws/lockers", "data": {}}),
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = admin
        .post(
            "/api/websocket/broadcast",
            json!({"namespace": "/ws/nowhere", "data": {}}),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broadcast_batch_is_delivered_in_order_and_one_bad_message_stores_none() {
    let app = TestApp::spawn().await;
    let (mut ws, _welcome) = admin_socket(&app, "/ws/lockers").await;
    let admin = app.admin().await;
    let messages: Vec<Value> = (0..5)
        .map(|i| json!({"namespace": "/ws/lockers", "data": {"n": i}}))
        .collect();
    let (code, body) = admin
        .post(
            "/api/websocket/broadcast/batch",
            json!({"messages": messages}),
        )
        .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    let got = collect(&mut ws, "broadcast", 5).await;
    let order: Vec<i64> = got
        .iter()
        .map(|m| m["data"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [0, 1, 2, 3, 4]);
    let seqs: Vec<i64> = got.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let (_, audit) = admin.get("/api/audit?action=ws_broadcast").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 5);

    // The third message names no namespace we have: nothing of the batch is stored or sent.
    let (_, status) = admin.get("/api/websocket/status").await;
    let last_seq = status["namespaces"]["/ws/lockers"]["last_seq"].clone();
    let (code, body) = admin
        .post(
            "/api/websocket/broadcast/batch",
            json!({"messages": [
                {"namespace": "/ws/lockers", "data": {"n": 5}},
                {"namespace": "/ws/lockers", "data": {"n": 6}},
                {"namespace": "/ws/nowhere", "data": {"n": 7}},
            ]}),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "messages[2].namespace", "{body}");
    for bad in [
        json!({"messages": []}),
        json!({"messages": vec![json!({"namespace": "/ws/lockers", "data": {}}); 101]}),
    ] {
        let (code, body) = admin.post("/api/websocket/broadcast/batch", bad).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "messages", "{body}");
    }
    let (_, status) = admin.get("/api/websocket/status").await;
    assert_eq!(status["namespaces"]["/ws/lockers"]["last_seq"], last_seq);
    let (_, audit) = admin.get("/api/audit?action=ws_broadcast").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 5);
    assert!(
        next(&mut ws, Duration::from_millis(300)).await.is_none(),
        "a refused batch sent nothing"
    );

    // Staff may watch, not broadcast.
    let staff = app.user(kioskhub::auth::Role::Staff).await;
    let (code, _) = staff
        .post(
            "/api/websocket/broadcast/batch",
            json!({"messages": [{"namespace": "/ws/lockers", "data": {}}]}),
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_out_closes_that_sessions_sockets() {
    let app = TestApp::spawn().await;
    let staff = app.login("admin", ADMIN_PASSWORD).await;
    let (_, t) = staff.post("/api/ws/ticket", json!({})).await;
    let mut ws = connect(
        &app,
        &format!("/ws/lockers?ticket={}", t["ticket"].as_str().unwrap()),
        None,
    )
    .await
    .unwrap();
    next(&mut ws, Duration::from_secs(5)).await.unwrap();
    let (code, _) = staff.post("/auth/logout", json!({})).await;
    assert_eq!(code, StatusCode::NO_CONTENT);
    match tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
    {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4401),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// A client whose socket is never read: the server's writes back up, its queue fills, and it is
/// dropped while the server stays responsive and its memory bounded.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_dropped_and_the_queue_stays_bounded() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let addr = app
        .base
        .trim_start_matches("http://")
        .parse::<std::net::SocketAddr>()
        .unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let mut req = ws_url(&app, "/ws/lockers").into_client_request().unwrap();
    req.headers_mut().insert(
        "cookie",
        format!("kioskhub_session={token}").parse().unwrap(),
    );
    let (mut slow, _) = tokio_tungstenite::client_async(req, stream).await.unwrap();
    let mut healthy = connect(
        &app,
        "/ws/lockers",
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    next(&mut healthy, Duration::from_secs(5)).await.unwrap();
    let reader = tokio::spawn(async move {
        let mut healthy = healthy;
        let mut got = 0;
        while got < 3000 {
            match next(&mut healthy, Duration::from_secs(10)).await {
                Some(msg) if msg["type"] == "broadcast" => {
                    assert_eq!(msg["data"]["i"], got, "in order, none missing");
                    got += 1;
                }
                Some(_) => {}
                None => break,
            }
        }
        (got, healthy)
    });
    // Far more than the 100-message queue and the socket buffers hold: 3,000 messages of
    // 16 KiB published straight into the hub.
    let blob = "x".repeat(16 * 1024);
    for i in 0..3000 {
        let event = kioskhub::realtime::Event::broadcast(
            kioskhub::realtime::Namespace::Lockers,
            None,
            json!({"i": i, "blob": blob}),
        );
        app.state.hub.publish_transient(&event);
        if i % 100 == 99 {
            // Let the healthy client's socket task keep up, as a real reader does.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let admin = app.admin().await;
    let (got, _healthy) = reader.await.unwrap();
    assert_eq!(got, 3000, "a client that keeps reading gets everything");
    // The slow client was dropped: the server's count says so, and reading now ends early.
    let admin_status = || async { admin.get("/api/websocket/status").await.1 };
    let mut dropped = 0;
    for _ in 0..100 {
        dropped = admin_status().await["namespaces"]["/ws/lockers"]["clients_dropped"]
            .as_u64()
            .unwrap();
        if dropped == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dropped, 1);
    let mut received = 0;
    let mut ended = false;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(5), slow.next()).await {
        match msg {
            Ok(Message::Text(_)) => received += 1,
            Ok(Message::Close(_)) | Err(_) => {
                ended = true;
                break;
            }
            _ => {}
        }
    }
    assert!(
        ended || received < 400,
        "the slow client was cut off ({received} messages)"
    );
    assert!(received < 400, "it did not get everything: {received}");
    let (_, status) = admin.get("/api/websocket/status").await;
    assert_eq!(
        status["namespaces"]["/ws/lockers"]["connections"], 1,
        "only the healthy client is left"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_never_answers_pings_is_closed() {
    let config = crate::helpers::CONFIG.replace(
        "[site]",
        "[server]\nws_ping_interval = \"200ms\"\nws_pong_timeout = \"600ms\"\n\n[site]",
    );
    let app = TestApp::spawn_with(&config, "").await;
    let (mut ws, _welcome) = admin_socket(&app, "/ws/lockers").await;
    // Do not read for a while: tungstenite answers pings only while reading.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut closed = false;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
        if matches!(msg, Ok(Message::Close(_)) | Err(_)) {
            closed = true;
            break;
        }
    }
    assert!(closed, "the server closed the silent client");
    // A client that reads (and so answers pings) stays connected past the timeout.
    let (mut alive, _welcome) = admin_socket(&app, "/ws/lockers").await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(100), alive.next()).await {
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) => panic!("a responsive client was closed"),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_is_announced_on_the_events_namespace() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let mut events = connect(
        &app,
        "/ws/events",
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    next(&mut events, Duration::from_secs(5)).await.unwrap();
    let _display = connect(&app, "/ws/display", None).await.unwrap();
    loop {
        let msg = next(&mut events, Duration::from_secs(5))
            .await
            .expect("an announcement");
        if msg["type"] == "connection" && msg["data"]["namespace"] == "/ws/display" {
            assert!(msg["seq"].is_null());
            break;
        }
    }
}

/// Two Kioskhub processes on one PostgreSQL database: a panel on one sees changes made on the
/// other, in order (LISTEN/NOTIFY wakes the hub; the messages come from the shared log).
#[tokio::test(flavor = "multi_thread")]
async fn two_instances_on_postgresql_deliver_each_others_events() {
    if std::env::var("KIOSKHUB_TEST_POSTGRES").map_or(true, |v| v.is_empty()) {
        // Only meaningful on PostgreSQL; the test command runs this suite there too.
        return;
    }
    let db = std::sync::Arc::new(crate::helpers::TestDb::new().await);
    let a = TestApp::spawn_on(db.clone(), crate::helpers::CONFIG, "", Duration::ZERO).await;
    let b = TestApp::spawn_on(db, crate::helpers::CONFIG, "", Duration::ZERO).await;
    let token = session_token(&b).await;
    let mut on_b = connect(
        &b,
        "/ws/lockers",
        Some(("cookie", format!("kioskhub_session={token}"))),
    )
    .await
    .unwrap();
    next(&mut on_b, Duration::from_secs(5)).await.unwrap();
    let kiosk = a.kiosk("men").await;
    for n in 1..=3 {
        kiosk.take(&format!("0EF{n:07}"), n).await;
    }
    let got = collect(&mut on_b, "locker_state_changed", 3).await;
    let lockers: Vec<i64> = got
        .iter()
        .map(|m| m["data"]["locker"].as_i64().unwrap())
        .collect();
    assert_eq!(lockers, [1, 2, 3]);
    let seqs: Vec<i64> = got.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_per_user_are_limited_and_freed_on_close() {
    let config = crate::helpers::CONFIG.replace(
        "[site]",
        "[server]\nws_max_connections_per_owner = 3\n\n[site]",
    );
    let app = TestApp::spawn_with(&config, "").await;
    let token = session_token(&app).await;
    let cookie = || Some(("cookie", format!("kioskhub_session={token}")));
    let mut open = Vec::new();
    for path in ["/ws/lockers", "/ws/help", "/ws/lockers"] {
        open.push(connect(&app, path, cookie()).await.unwrap());
    }
    assert_eq!(
        status_of(connect(&app, "/ws/events", cookie()).await.unwrap_err()),
        429
    );
    let mut first = open.remove(0);
    first.close(None).await.unwrap();
    drop(first);
    let mut allowed = false;
    for _ in 0..50 {
        if connect(&app, "/ws/events", cookie()).await.is_ok() {
            allowed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(allowed, "a closed connection frees its slot");
}

/// A WebSocket client written out byte by byte, to see what crosses the wire: whether
/// `permessage-deflate` was agreed and which frames carry RSV1 (compressed).
struct RawWs {
    tcp: tokio::net::TcpStream,
    /// The upgrade response's headers, lower-cased.
    headers: String,
}

/// One frame as read off the wire: whether RSV1 (compressed) was set, its opcode and payload.
struct RawFrame {
    compressed: bool,
    opcode: u8,
    payload: Vec<u8>,
}

impl RawWs {
    async fn connect(app: &TestApp, path: &str, token: &str, extensions: Option<&str>) -> RawWs {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = app.base.trim_start_matches("http://");
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let offer = extensions.map_or(String::new(), |e| {
            format!("Sec-WebSocket-Extensions: {e}\r\n")
        });
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: kioskhub_session={token}\r\n{offer}\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        // Byte by byte up to the blank line: nothing of the first frame is consumed.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 101"), "{head}");
        RawWs { tcp, headers: head }
    }

    async fn read(&mut self) -> RawFrame {
        use tokio::io::AsyncReadExt;
        let b0 = self.tcp.read_u8().await.unwrap();
        let b1 = self.tcp.read_u8().await.unwrap();
        assert_eq!(b1 & 0x80, 0, "a server's frames are not masked");
        let len = match b1 & 0x7f {
            126 => u64::from(self.tcp.read_u16().await.unwrap()),
            127 => self.tcp.read_u64().await.unwrap(),
            n => u64::from(n),
        };
        let mut payload = vec![0; usize::try_from(len).unwrap()];
        self.tcp.read_exact(&mut payload).await.unwrap();
        assert_ne!(b0 & 0x80, 0, "every message is one frame");
        RawFrame {
            compressed: b0 & 0x40 != 0,
            opcode: b0 & 0x0f,
            payload,
        }
    }

    /// The next text message as JSON, inflating it when it came compressed.
    async fn next_text(&mut self) -> (bool, Value) {
        loop {
            let frame = self.read().await;
            if frame.opcode != 1 {
                continue;
            }
            let text = if frame.compressed {
                inflate(&frame.payload)
            } else {
                frame.payload
            };
            return (frame.compressed, serde_json::from_slice(&text).unwrap());
        }
    }

    /// Send a masked text frame, deflated (RSV1 set) when `compress`.
    async fn send_text(&mut self, text: &str, compress: bool) {
        if compress {
            self.send_frame(0xc1, &deflate(text.as_bytes())).await;
        } else {
            self.send_frame(0x81, text.as_bytes()).await;
        }
    }

    /// Read up to the server's close frame; its status code.
    async fn close_code(&mut self) -> u16 {
        loop {
            let frame = self.read().await;
            if frame.opcode == 8 {
                return u16::from_be_bytes([frame.payload[0], frame.payload[1]]);
            }
        }
    }

    /// Send one masked frame whose first byte (FIN, RSV1, opcode) is `head`.
    async fn send_frame(&mut self, head: u8, payload: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut frame = vec![head];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | u8::try_from(n).unwrap()),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend(u16::try_from(n).unwrap().to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend((n as u64).to_be_bytes());
            }
        }
        frame.extend(mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.tcp.write_all(&frame).await.unwrap();
    }
}

/// RFC 7692: a message is raw DEFLATE ending in an empty stored block, whose last four bytes
/// (`00 00 ff ff`) are left off the wire.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::Compress::new(flate2::Compression::fast(), false);
    let mut out = Vec::with_capacity(data.len() + 64);
    z.compress_vec(data, &mut out, flate2::FlushCompress::Sync)
        .unwrap();
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

fn inflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::Decompress::new(false);
    let mut input = data.to_vec();
    input.extend([0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(64 * 1024);
    z.decompress_vec(&input, &mut out, flate2::FlushDecompress::Sync)
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_offers_compression_gets_long_messages_deflated_and_may_send_deflated() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let mut ws = RawWs::connect(
        &app,
        "/ws/lockers",
        &token,
        Some("permessage-deflate; client_max_window_bits"),
    )
    .await;
    assert!(
        ws.headers
            .contains("sec-websocket-extensions: permessage-deflate"),
        "{}",
        ws.headers
    );
    assert!(ws.headers.contains("server_no_context_takeover"));
    assert!(ws.headers.contains("client_no_context_takeover"));
    let (compressed, welcome) = ws.next_text().await;
    assert_eq!(welcome["type"], "connection");
    assert!(!compressed, "a short message is not worth deflating");

    let long = "Pool closes at 21:00 today. ".repeat(100);
    let admin = app.admin().await;
    let broadcast = || async {
        let (code, _) = admin
            .post(
                "/api/websocket/broadcast",
                json!({"namespace": "/ws/lockers", "data": {"text": long}}),
            )
            .await;
        assert_eq!(code, StatusCode::ACCEPTED);
    };
    broadcast().await;
    let (compressed, msg) = loop {
        let (compressed, msg) = ws.next_text().await;
        if msg["type"] == "broadcast" {
            break (compressed, msg);
        }
    };
    assert!(compressed, "a long message goes out deflated");
    assert_eq!(msg["data"]["text"], long.as_str());

    // Compressed in the other direction too, as browsers do.
    ws.send_text(r#"{"type": "join_room", "room": "kiosk:men"}"#, true)
        .await;
    let (_, joined) = ws.next_text().await;
    assert_eq!(joined["type"], "room_joined", "{joined}");
    assert_eq!(joined["data"]["room"], "kiosk:men");

    // A malformed offer is not an error: the connection goes on without compression.
    let mut garbled = RawWs::connect(
        &app,
        "/ws/lockers",
        &token,
        Some("permessage-deflate; client_max_window_bits=banana"),
    )
    .await;
    assert!(!garbled.headers.contains("sec-websocket-extensions"));
    assert_eq!(garbled.next_text().await.1["type"], "connection");

    // A client that does not offer it gets plain frames.
    let mut plain = RawWs::connect(&app, "/ws/lockers", &token, None).await;
    assert!(!plain.headers.contains("sec-websocket-extensions"));
    let (compressed, welcome) = plain.next_text().await;
    assert!(!compressed);
    assert_eq!(welcome["type"], "connection");
    broadcast().await;
    loop {
        let (compressed, msg) = plain.next_text().await;
        assert!(
            !compressed,
            "nothing is deflated for a client that did not ask"
        );
        if msg["type"] == "broadcast" {
            assert_eq!(msg["data"]["text"], long.as_str());
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_or_malformed_client_frame_closes_that_socket_only() {
    let app = TestApp::spawn().await;
    let token = session_token(&app).await;
    let (mut bystander, _) = admin_socket(&app, "/ws/lockers").await;

    // Larger than the 64 KiB a client may send: closed with 1009 (message too big).
    let mut big = RawWs::connect(&app, "/ws/lockers", &token, None).await;
    big.next_text().await;
    big.send_text(&"x".repeat(64 * 1024 + 1), false).await;
    assert_eq!(big.close_code().await, 1009);

    // A text frame that is not UTF-8: closed with 1007 (invalid payload).
    let mut bad = RawWs::connect(&app, "/ws/lockers", &token, None).await;
    bad.next_text().await;
    bad.send_frame(0x81, &[0xff, 0xfe, 0xfd]).await;
    assert_eq!(bad.close_code().await, 1007);

    // The other client goes on as before.
    bystander
        .send(Message::Text(
            r#"{"type": "join_room", "room": "kiosk:men"}"#.into(),
        ))
        .await
        .unwrap();
    let joined = next(&mut bystander, Duration::from_secs(5)).await.unwrap();
    assert_eq!(joined["type"], "room_joined");
    // A client's close is answered: the closing handshake completes.
    bystander.close(None).await.unwrap();
    let echo = tokio::time::timeout(Duration::from_secs(5), bystander.next())
        .await
        .unwrap();
    assert!(
        matches!(echo, Some(Ok(Message::Close(_)))),
        "the server echoes the close: {echo:?}"
    );
}
