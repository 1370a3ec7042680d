//! The embedded web app: which HTML document answers which client path, and that the pairing
//! link under `/kiosk` stays the server's own route.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use std::path::Path;

/// A built file of the web app, when `web/dist` exists (debug builds read it from disk).
fn built(file: &str) -> Option<String> {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../web/dist")
            .join(file),
    )
    .ok()
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let resp = client.get(app.url(path)).send().await.expect("GET");
    let status = resp.status();
    let kind = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, resp.text().await.expect("body"))
}

fn assert_shell(path: &str, body: &str, file: &str) {
    match built(file) {
        Some(expected) => assert_eq!(body, expected, "{path} should serve {file}"),
        None => assert!(body.contains("was not built"), "{path}: {body}"),
    }
}

#[tokio::test]
async fn kiosk_paths_get_the_kiosk_screen_and_other_client_paths_the_panel() {
    let app = TestApp::spawn().await;
    for path in ["/kiosk", "/kiosk/", "/kiosk/help"] {
        let (status, kind, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert_shell(path, &body, "kiosk.html");
    }
    for path in ["/", "/login", "/kiosks/men", "/kioskx"] {
        let (status, kind, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert_shell(path, &body, "index.html");
    }
    if let (Some(kiosk), Some(panel)) = (built("kiosk.html"), built("index.html")) {
        assert_ne!(kiosk, panel, "the kiosk has its own entry");
    }
}

#[tokio::test]
async fn the_pairing_link_is_answered_by_the_server_not_the_kiosk_screen() {
    let app = TestApp::spawn().await;
    let (status, kind, body) = get(&app, "/kiosk/pair?code=NOT-A-CODE").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(kind.starts_with("application/json"), "{kind}");
    let error: Value = serde_json::from_str(&body).expect("JSON error");
    assert_eq!(error["error"]["code"], "invalid_code");

    let (status, kind, _) = get(&app, "/kiosk/pair").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(kind.starts_with("application/json"), "{kind}");
}
