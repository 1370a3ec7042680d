//! The master PIN (spec §3.4): sessions, the growing lockout, and master opens.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::json;

async fn with_pin(app: &TestApp) {
    let admin = app.admin().await;
    let (status, _) = admin
        .request(
            reqwest::Method::PUT,
            "/api/settings/master-pin",
            Some(json!({"pin": "246810"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Move a kiosk's lockout into the past, as if its time had run out.
async fn expire_lockout(app: &TestApp, kiosk: &str) {
    let mut state = app.state.store.master_lockout(kiosk).await.unwrap();
    state.master_locked_until = Some(kioskhub::time::now_ms() - 1);
    let mut tx = app.state.store.begin().await.unwrap();
    tx.set_master_lockout(kiosk, &state).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_without_a_master_session_is_refused_and_a_valid_pin_opens() {
    let app = TestApp::spawn().await;
    with_pin(&app).await;
    let kiosk = app.kiosk("men").await;
    let (status, err) = kiosk
        .post(
            "/api/kiosk/master/open",
            json!({"locker": 4, "release": false}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["error"]["code"], "master_session_required");
    let (status, ok) = kiosk
        .post("/api/kiosk/master/verify", json!({"pin": "246810"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["expires_in"], 60);
    let (status, opened) = kiosk
        .post(
            "/api/kiosk/master/open",
            json!({"locker": 4, "release": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(app.sim("bus-men").pulses(1, 4), 1);
    // The session is scoped to its kiosk.
    let other = app.kiosk("women").await;
    let (status, _) = other
        .post(
            "/api/kiosk/master/open",
            json!({"locker": 4, "release": false}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_pins_lock_master_access_for_1_5_15_then_60_minutes() {
    let app = TestApp::spawn().await;
    with_pin(&app).await;
    let kiosk = app.kiosk("men").await;
    for expected_minutes in [1, 5, 15, 60, 60] {
        for attempt in 1..=4 {
            let (status, err) = kiosk
                .post("/api/kiosk/master/verify", json!({"pin": "0000"}))
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(err["error"]["code"], "master_pin_wrong");
            assert!(
                err["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{} attempts left", 5 - attempt))
            );
        }
        let resp = kiosk
            .client
            .post(format!("{}/api/kiosk/master/verify", app.base))
            .bearer_auth(&kiosk.token)
            .json(&json!({"pin": "0000"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::LOCKED);
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(retry, expected_minutes * 60);
        // While locked even the right PIN is refused, by the server.
        let (status, err) = kiosk
            .post("/api/kiosk/master/verify", json!({"pin": "246810"}))
            .await;
        assert_eq!(status, StatusCode::LOCKED);
        assert_eq!(err["error"]["code"], "master_locked");
        expire_lockout(&app, "men").await;
    }
    let (_, events) = app
        .admin()
        .await
        .get("/api/events?type=master_lockout&kiosk=men")
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 5);
    assert_eq!(events["items"][0]["data"]["alert"], true);
    // A correct PIN after the lockout resets the count.
    let (status, _) = kiosk
        .post("/api/kiosk/master/verify", json!({"pin": "246810"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let state = app.state.store.master_lockout("men").await.unwrap();
    assert_eq!(state.master_lockout_level, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_master_pin_must_be_4_to_8_digits_and_verify_without_one_is_a_409() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let (status, err) = kiosk
        .post("/api/kiosk/master/verify", json!({"pin": "1234"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "master_pin_not_set");
    let admin = app.admin().await;
    for bad in ["123", "123456789", "12a4"] {
        let (status, err) = admin
            .request(
                reqwest::Method::PUT,
                "/api/settings/master-pin",
                Some(json!({"pin": bad})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(err["error"]["field"], "pin");
    }
}
