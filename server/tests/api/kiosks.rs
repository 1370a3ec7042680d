//! The Kiosks page: each kiosk's telemetry from its heartbeat and its paired devices.

use crate::helpers::{Kiosk, Staff, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The `GET /api/kiosks` item of `id`.
async fn kiosk_item(admin: &Staff, id: &str) -> Value {
    let (status, list) = admin.get("/api/kiosks").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .cloned()
        .unwrap()
}

async fn beat(kiosk: &Kiosk, body: Value) -> (StatusCode, Value) {
    kiosk.post("/api/kiosk/heartbeat", body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn heartbeat_telemetry_shows_on_the_kiosks_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let men = app.kiosk("men").await;
    let before = kiosk_item(&admin, "men").await;
    assert_eq!(before["telemetry"], Value::Null);
    assert_eq!(before["online"], false);
    let telemetry = json!({
        "app_version": "1.4.2",
        "uptime_s": 86_400,
        "memory_mb": 412.5,
        "disk_free_mb": 20_480.0,
        "cpu_temp_c": 51.2,
        "reader_status": "ok",
        "last_error": null,
        "user_agent": "Mozilla/5.0 (X11; Linux aarch64) Chromium/120",
        "screen": {"width": 1024, "height": 600},
        "language": "tr-TR",
    });
    let (status, resp) = beat(&men, telemetry.clone()).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    let item = kiosk_item(&admin, "men").await;
    assert_eq!(item["online"], true);
    assert!(item["last_heartbeat"].is_string());
    let mut expected = telemetry;
    expected["ip"] = json!("127.0.0.1");
    assert_eq!(item["telemetry"], expected);
    assert!(item["lockers"]["total"] == 32, "{item}");

    // Out of bounds: refused, naming the field; the last telemetry stays.
    let cases = [
        (
            json!({"user_agent": "u".repeat(301)}),
            "too_long",
            "user_agent",
        ),
        (
            json!({"app_version": "v".repeat(65)}),
            "too_long",
            "app_version",
        ),
        (
            json!({"last_error": "e".repeat(501)}),
            "too_long",
            "last_error",
        ),
        (json!({"language": "en US"}), "invalid_value", "language"),
        (json!({"language": ""}), "invalid_value", "language"),
        (
            json!({"screen": {"width": 0, "height": 600}}),
            "invalid_value",
            "screen",
        ),
        (
            json!({"screen": {"width": 1024, "height": 20_000}}),
            "invalid_value",
            "screen",
        ),
        (json!({"cpu_temp_c": 500}), "invalid_value", "cpu_temp_c"),
        (json!({"memory_mb": -1}), "invalid_value", "memory_mb"),
    ];
    for body in [
        json!({"screen": "1024x600"}),
        json!({"screen": {"width": 1024}}),
        json!({"screen": {"width": 1024, "height": 600, "depth": 24}}),
    ] {
        let (status, resp) = beat(&men, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert!(
            ["invalid_body", "unknown_field"].contains(&resp["error"]["code"].as_str().unwrap()),
            "{resp}"
        );
    }
    let (status, resp) = beat(&men, json!([])).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a body is an object: {resp}"
    );
    assert_eq!(resp["error"]["code"], "invalid_body");
    for (body, code, field) in cases {
        let (status, resp) = beat(&men, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert_eq!(resp["error"]["code"], code, "{resp}");
        assert_eq!(resp["error"]["field"], field, "{resp}");
    }
    assert_eq!(kiosk_item(&admin, "men").await["telemetry"], expected);

    // A newer heartbeat replaces the telemetry.
    let (status, _) = beat(&men, json!({"uptime_s": 5, "language": "en"})).await;
    assert_eq!(status, StatusCode::OK);
    let telemetry = &kiosk_item(&admin, "men").await["telemetry"];
    assert_eq!(telemetry["uptime_s"], 5);
    assert_eq!(telemetry["app_version"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn paired_devices_count_the_live_credentials_of_each_kiosk() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    assert_eq!(kiosk_item(&admin, "men").await["paired_devices"], 0);
    let first = app.kiosk("men").await;
    let second = app.kiosk("men").await;
    assert_eq!(kiosk_item(&admin, "men").await["paired_devices"], 2);
    assert_eq!(kiosk_item(&admin, "women").await["paired_devices"], 0);
    let (_, creds) = admin.get("/api/kiosks/men/credentials").await;
    let newest = creds["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = admin
        .post(
            &format!("/api/kiosks/men/credentials/{newest}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(kiosk_item(&admin, "men").await["paired_devices"], 1);
    let (a, _) = beat(&first, json!({})).await;
    let (b, _) = beat(&second, json!({})).await;
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNAUTHORIZED],
        "the revoked device is refused, the other still works"
    );
}
