//! Operations endpoints: health, readiness, metrics, OpenAPI, events pagination, the CLI pairing.

use crate::helpers::{TestApp, binary};
use kioskhub_relay::sim::SimFault;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn readiness_passes_and_warns_when_a_board_is_offline() {
    let app = TestApp::spawn().await;
    let ready: Value = Client::new()
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "pass");
    assert_eq!(ready["checks"]["database"]["status"], "pass");
    app.sim("bus-women").inject_fault(1, SimFault::Silent, None);
    let kiosk = app.kiosk("women").await;
    let (_, choose) = kiosk.scan("04A1B2C3D4").await;
    // Three failed operations in a row take a board offline.
    for locker in 1..=3 {
        let (status, _) = kiosk.select(&choose["session"], locker).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "the board is silent"
        );
    }
    let resp = Client::new()
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ready: Value = resp.json().await.unwrap();
    assert_eq!(ready["status"], "warn");
    assert_eq!(ready["checks"]["buses"][1]["boards_offline"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_lockers_pulses_and_logins() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let (status, _) = kiosk.scan("04A1B2C3D4").await;
    assert_eq!(status, StatusCode::OK);
    let text = Client::new()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "kioskhub_http_requests_total",
        "kioskhub_logins_total",
        "kioskhub_lockers{kiosk=\"men\",state=\"free\"}",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    let (_, choose) = kiosk.scan("04B2C3D4E5").await;
    kiosk.select(&choose["session"], 2).await;
    let text = Client::new()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("kioskhub_relay_pulses_total{bus=\"bus-men\",result=\"confirmed\"}"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_locker_and_kiosk_path() {
    let app = TestApp::spawn().await;
    let doc: Value = Client::new()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/kiosks",
        "/api/kiosks/{kiosk}/pairing",
        "/api/hardware",
        "/api/kiosks/{kiosk}/lockers/{n}/open",
        "/api/kiosks/{kiosk}/bulk-open",
        "/api/kiosks/{kiosk}/end-of-day",
        "/api/commands/{id}",
        "/api/events",
        "/api/kiosk/scan",
        "/api/kiosk/select",
        "/api/kiosk/decide",
        "/api/kiosk/master/verify",
        "/auth/login",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let page = Client::new()
        .get(app.url("/api/docs/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger"));
}

#[tokio::test(flavor = "multi_thread")]
async fn events_page_newest_first_with_a_cursor_and_filter_by_type() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for n in 1..=5 {
        admin
            .post(&format!("/api/kiosks/men/lockers/{n}/block"), json!({}))
            .await;
    }
    let (_, first) = admin.get("/api/events?type=locker_blocked&limit=2").await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["locker"], 5);
    assert_eq!(items[1]["locker"], 4);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = admin
        .get(&format!(
            "/api/events?type=locker_blocked&limit=2&cursor={cursor}"
        ))
        .await;
    let lockers: Vec<i64> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["locker"].as_i64().unwrap())
        .collect();
    assert_eq!(lockers, [3, 2]);
    let (_, last) = admin
        .get(&format!(
            "/api/events?type=locker_blocked&limit=2&cursor={}",
            second["next_cursor"].as_str().unwrap()
        ))
        .await;
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    assert!(last["next_cursor"].is_null());
    let (_, none) = admin
        .get("/api/events?type=locker_blocked&kiosk=women")
        .await;
    assert!(none["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn kiosk_pair_on_the_command_line_prints_a_code_that_pairs() {
    let app = TestApp::spawn().await;
    let dir = app.db.path().to_path_buf();
    std::fs::write(dir.join("kioskhub.toml"), &app.config_text).unwrap();
    let mut cmd = std::process::Command::new(binary());
    cmd.args(["kiosk", "pair", "women", "--data"]).arg(&dir);
    if let Some(url) = &app.db.url {
        cmd.env("KIOSKHUB_DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let code = text
        .split_whitespace()
        .find(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
        .expect("a code")
        .to_owned();
    let resp = Client::new()
        .post(app.url("/api/kiosk/pair"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["kiosk"], "women");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_narrows_by_user_and_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A failed sign-in is audited under the name that was tried.
    let status = Client::new()
        .post(app.url("/auth/login"))
        .json(&json!({"username": "someone-else", "password": "not-the-password"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["username"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let (status, mine) = admin.get("/api/audit?user=admin").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert!(
        !names(&mine).is_empty(),
        "the admin's sign-in is there: {mine}"
    );
    assert!(names(&mine).iter().all(|n| n == "admin"), "{mine}");
    let (_, theirs) = admin.get("/api/audit?user=someone-else").await;
    assert_eq!(names(&theirs), ["someone-else"], "{theirs}");

    let (_, since_2000) = admin.get("/api/audit?from=2000-01-01T00:00:00Z").await;
    assert!(names(&since_2000).len() >= 2, "{since_2000}");
    let (_, future) = admin.get("/api/audit?from=2999-01-01T00:00:00Z").await;
    assert_eq!(future["items"], json!([]));
    let (_, past) = admin.get("/api/audit?to=2000-01-01T00:00:00Z").await;
    assert_eq!(past["items"], json!([]));
    let (_, both) = admin
        .get("/api/audit?user=admin&action=login&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z")
        .await;
    assert!(!names(&both).is_empty(), "{both}");

    let (status, bad) = admin.get("/api/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["error"]["code"], "invalid_query");
    assert_eq!(bad["error"]["field"], "from");
}
