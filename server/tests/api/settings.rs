//! Settings edited in the panel: layered over the configuration file, in force at once in the
//! card flow, restored to the file's value by `null`, kept across a restart, validated, audited
//! and logged.

use crate::helpers::{CONFIG, Kiosk, Staff, TestApp};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn document(admin: &Staff) -> Value {
    let (status, doc) = admin.get("/api/settings").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc
}

async fn put_site(admin: &Staff, body: Value) -> (StatusCode, Value) {
    admin
        .request(Method::PUT, "/api/settings/lockers", Some(body))
        .await
}

async fn put_kiosk(admin: &Staff, kiosk: &str, body: Value) -> (StatusCode, Value) {
    admin
        .request(
            Method::PUT,
            &format!("/api/kiosks/{kiosk}/settings"),
            Some(body),
        )
        .await
}

/// A card's scan at `kiosk`, expected to succeed.
async fn scan(kiosk: &Kiosk, card: &str) -> Value {
    let (status, out) = kiosk.scan(card).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out
}

/// How many lockers a fresh card is offered at `kiosk`, and for how long.
async fn offered(kiosk: &Kiosk, card: &str) -> (usize, u64) {
    let out = scan(kiosk, card).await;
    assert_eq!(out["action"], "choose", "{out}");
    (
        out["lockers"].as_array().unwrap().len(),
        out["expires_in"].as_u64().unwrap(),
    )
}

/// `GET /api/kiosk/me` as the kiosk.
async fn whoami(app: &TestApp, kiosk: &Kiosk) -> Value {
    let resp = kiosk
        .client
        .get(app.url("/api/kiosk/me"))
        .bearer_auth(&kiosk.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// A setting as `(value in force, source, inherited)`, in the document's site or kiosk scope.
fn setting(doc: &Value, kiosk: Option<&str>, field: &str) -> (Value, Value, Value) {
    let scope = match kiosk {
        None => &doc["site"],
        Some(k) => &doc["kiosks"][k],
    };
    let values = if kiosk.is_none() {
        &scope["lockers"]
    } else {
        scope
    };
    (
        values[field].clone(),
        scope["sources"][field].clone(),
        scope["inherited"][field].clone(),
    )
}

/// A kiosk's `(name, name_source, inherited name)` in the document.
fn name(doc: &Value, kiosk: &str) -> (String, String, String) {
    let k = &doc["kiosks"][kiosk];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&k["name"]),
        text(&k["name_source"]),
        text(&k["inherited"]["name"]),
    )
}

fn entry(value: Value, source: &str, inherited: Value) -> (Value, Value, Value) {
    (value, json!(source), inherited)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_more_specific_scope_wins_and_within_a_scope_the_panel_beats_the_file() {
    // The file: 20 s to choose everywhere, and at most 4 lockers offered at `women`.
    let config = format!("{CONFIG}\n[kiosk.settings]\nmax_offered_lockers = 4\n");
    let app = TestApp::spawn_with(&config, "selection_timeout = \"20s\"").await;
    let admin = app.admin().await;
    let (men, women) = (app.kiosk("men").await, app.kiosk("women").await);
    let doc = document(&admin).await;
    assert_eq!(doc["site"]["lockers"]["selection_timeout"], 20.0);
    assert_eq!(
        setting(&doc, None, "selection_timeout"),
        entry(json!(20.0), "file", json!(20.0))
    );
    assert_eq!(doc["kiosks"]["women"]["max_offered_lockers"], 4);
    assert_eq!(doc["kiosks"]["men"]["max_offered_lockers"], Value::Null);
    assert_eq!(
        setting(&doc, Some("women"), "max_offered_lockers"),
        entry(json!(4), "file", json!(4))
    );
    assert_eq!(
        setting(&doc, Some("men"), "max_offered_lockers"),
        entry(Value::Null, "file", Value::Null),
        "null: every free locker is offered"
    );
    assert_eq!(
        name(&doc, "men"),
        ("Men".into(), "file".into(), "Men".into())
    );
    assert_eq!(doc["master_pin_set"], false);
    assert_eq!(offered(&men, "04A1B2C301").await, (32, 20));
    assert_eq!(offered(&women, "04A1B2C302").await, (4, 20));

    // Site-wide in the panel: `men` follows; `women` keeps its own file value.
    let (status, doc) = put_site(&admin, json!({"max_offered_lockers": 2})).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        setting(&doc, None, "max_offered_lockers"),
        entry(json!(2), "panel", Value::Null)
    );
    assert_eq!(
        setting(&doc, Some("men"), "max_offered_lockers"),
        entry(json!(2), "panel", json!(2))
    );
    assert_eq!(
        setting(&doc, Some("women"), "max_offered_lockers"),
        entry(json!(4), "file", json!(4))
    );
    assert_eq!(offered(&men, "04A1B2C303").await, (2, 20));
    assert_eq!(offered(&women, "04A1B2C304").await, (4, 20));

    // The kiosk's own panel value beats its file value; null brings the file's back.
    let (status, doc) = put_kiosk(&admin, "women", json!({"max_offered_lockers": 1})).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        setting(&doc, Some("women"), "max_offered_lockers"),
        entry(json!(1), "panel", json!(4))
    );
    assert_eq!(offered(&women, "04A1B2C305").await, (1, 20));
    assert_eq!(offered(&men, "04A1B2C306").await, (2, 20), "men unchanged");
    let (status, doc) = put_kiosk(&admin, "women", json!({"max_offered_lockers": null})).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["kiosks"]["women"]["max_offered_lockers"], 4);
    assert_eq!(offered(&women, "04A1B2C307").await, (4, 20));
    let (status, _) = put_site(&admin, json!({"max_offered_lockers": null})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(offered(&men, "04A1B2C308").await, (32, 20));
    let doc = document(&admin).await;
    assert_eq!(setting(&doc, Some("men"), "max_offered_lockers").1, "file");
}

#[tokio::test(flavor = "multi_thread")]
async fn site_wide_changes_reach_the_card_flow_at_once_and_null_restores_the_file() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let men = app.kiosk("men").await;
    assert_eq!(offered(&men, "04A1B2C311").await, (32, 30));

    // Automatic assignment and a longer selection time, without a restart.
    let (status, doc) = put_site(
        &admin,
        json!({"assignment_mode": "automatic", "selection_timeout": 45}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["site"]["lockers"]["assignment_mode"], "automatic");
    assert_eq!(doc["kiosks"]["men"]["assignment_mode"], "automatic");
    assert_eq!(
        setting(&doc, None, "assignment_mode"),
        entry(json!("automatic"), "panel", json!("manual"))
    );
    assert_eq!(
        whoami(&app, &men).await["settings"]["selection_timeout"],
        45.0
    );
    let out = scan(&men, "04A1B2C312").await;
    assert_eq!(out["action"], "opened", "assigned automatically: {out}");
    assert_eq!(out["assigned"], true);

    // Back to the file's manual mode; the panel's selection time stays until it is removed.
    let (status, _) = put_site(&admin, json!({"assignment_mode": null})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(offered(&men, "04A1B2C313").await, (31, 45));
    let (status, doc) = put_site(&admin, json!({"selection_timeout": null})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        setting(&doc, None, "selection_timeout"),
        entry(json!(30.0), "file", json!(30.0))
    );
    assert_eq!(offered(&men, "04A1B2C314").await, (31, 30));

    // The owner of a locker reads again: a duplicate within a 30 s duplicate-read window, a
    // question once the window is 0; "open only" follows the open-only window.
    let owner = "04A1B2C312";
    let (status, _) = put_site(&admin, json!({"duplicate_read_window": 30})).await;
    assert_eq!(status, StatusCode::OK);
    let out = scan(&men, owner).await;
    assert_eq!(
        out["action"], "ignored",
        "within 30 s of its first read: {out}"
    );
    let (status, _) = put_site(&admin, json!({"duplicate_read_window": 0})).await;
    assert_eq!(status, StatusCode::OK);
    let out = scan(&men, owner).await;
    assert_eq!(out["action"], "decide", "{out}");
    assert_eq!(out["open_only_allowed"], true);
    let (status, _) = put_site(&admin, json!({"open_only_window": 0})).await;
    assert_eq!(status, StatusCode::OK);
    let out = scan(&men, owner).await;
    assert_eq!(out["action"], "decide", "{out}");
    assert_eq!(out["open_only_allowed"], false);
    let (status, _) = put_site(&admin, json!({"open_only_window": null})).await;
    assert_eq!(status, StatusCode::OK);
    let out = scan(&men, owner).await;
    assert_eq!(out["open_only_allowed"], true, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_override_applies_there_only_and_its_new_name_shows_everywhere() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (men, women) = (app.kiosk("men").await, app.kiosk("women").await);
    let (status, doc) = put_kiosk(
        &admin,
        "women",
        json!({"name": "  Ladies  ", "max_offered_lockers": 3, "selection_timeout": 12.5}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        name(&doc, "women"),
        ("Ladies".into(), "panel".into(), "Women".into())
    );
    assert_eq!(
        setting(&doc, Some("women"), "selection_timeout"),
        entry(json!(12.5), "panel", json!(30.0))
    );
    assert_eq!(doc["site"]["lockers"]["selection_timeout"], 30.0);
    assert_eq!(offered(&women, "04A1B2C321").await, (3, 12));
    assert_eq!(offered(&men, "04A1B2C322").await, (32, 30));
    let me = whoami(&app, &women).await;
    assert_eq!(me["name"], "Ladies");
    assert_eq!(me["settings"]["max_offered_lockers"], 3);
    let (_, kiosks) = admin.get("/api/kiosks").await;
    let names: Vec<&str> = kiosks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Men", "Ladies"]);

    let (status, doc) = put_kiosk(&admin, "women", json!({"name": null})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        name(&doc, "women"),
        ("Women".into(), "file".into(), "Women".into())
    );
    assert_eq!(whoami(&app, &women).await["name"], "Women");
    let (status, body) = put_kiosk(&admin, "pool", json!({"name": "Pool"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "kiosk_not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn values_out_of_range_are_refused_with_422_naming_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = document(&admin).await;
    let site_cases = [
        (json!({"selection_timeout": 4}), "selection_timeout"),
        (json!({"selection_timeout": 601}), "selection_timeout"),
        (json!({"decision_timeout": 0}), "decision_timeout"),
        (json!({"open_only_window": -1}), "open_only_window"),
        (json!({"open_only_window": 86_401}), "open_only_window"),
        (
            json!({"recent_holder_min_hold": 604_801}),
            "recent_holder_min_hold",
        ),
        (
            json!({"recent_holder_window": 1e12}),
            "recent_holder_window",
        ),
        (json!({"overdue_after": -0.5}), "overdue_after"),
        (json!({"auto_release_after": 700_000}), "auto_release_after"),
        (json!({"partial_read_window": 31}), "partial_read_window"),
        (
            json!({"duplicate_read_window": 30.5}),
            "duplicate_read_window",
        ),
        (json!({"max_offered_lockers": -1}), "max_offered_lockers"),
        (json!({"max_offered_lockers": 4097}), "max_offered_lockers"),
        (
            json!({"max_lockers_per_credential": 0}),
            "max_lockers_per_credential",
        ),
        (
            json!({"max_lockers_per_credential": 17}),
            "max_lockers_per_credential",
        ),
        (json!({"pulse_ms": 99}), "pulse_ms"),
        (json!({"pulse_ms": 3001}), "pulse_ms"),
        (json!({"bulk_stagger_ms": 99}), "bulk_stagger_ms"),
        (json!({"bulk_stagger_ms": 5001}), "bulk_stagger_ms"),
        // Valid values with one out of range: nothing is applied.
        (
            json!({"selection_timeout": 45, "assignment_mode": "automatic", "pulse_ms": 50}),
            "pulse_ms",
        ),
    ];
    for (body, field) in site_cases {
        let (status, resp) = put_site(&admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        assert_eq!(resp["error"]["code"], "invalid_value", "{body}: {resp}");
        assert_eq!(resp["error"]["field"], field, "{body}: {resp}");
        assert!(
            resp["error"]["message"].as_str().unwrap().contains(field),
            "{resp}"
        );
    }
    for name in [
        json!(""),
        json!("   "),
        json!("x".repeat(65)),
        json!("two\nlines"),
    ] {
        let body = json!({"name": name});
        let (status, resp) = put_kiosk(&admin, "men", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        assert_eq!(resp["error"]["field"], "name", "{resp}");
    }
    // Wrong types are bad input, like everywhere else; a name is for kiosks only.
    for body in [
        json!({"assignment_mode": "random"}),
        json!({"selection_timeout": "30s"}),
        json!({"pulse_ms": 500.5}),
    ] {
        let (status, resp) = put_site(&admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert_eq!(resp["error"]["code"], "invalid_body", "{resp}");
    }
    let (status, resp) = put_site(&admin, json!({"name": "Site"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{resp}");
    assert_eq!(resp["error"]["code"], "unknown_field");
    assert_eq!(document(&admin).await, before, "nothing changed");
    let (_, events) = admin.get("/api/events?type=settings_changed").await;
    assert_eq!(events["items"], json!([]));

    // The ends of each range are accepted, and an empty update is no change.
    let (status, resp) = put_site(
        &admin,
        json!({"selection_timeout": 5, "decision_timeout": 600, "pulse_ms": 3000,
               "bulk_stagger_ms": 100, "max_offered_lockers": 4096, "open_only_window": 86_400}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["site"]["lockers"]["pulse_ms"], 3000);
    let (status, same) = put_kiosk(&admin, "men", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same, resp);
    let (_, events) = admin.get("/api/events?type=settings_changed").await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn panel_settings_survive_a_restart() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, _) = put_site(
        &admin,
        json!({"selection_timeout": 45, "overdue_after": 7200}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put_kiosk(
        &admin,
        "women",
        json!({"name": "Ladies", "max_offered_lockers": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let before = document(&admin).await;

    let app = app.restart().await;
    let admin = app.admin().await;
    let after = document(&admin).await;
    assert_eq!(after, before);
    assert_eq!(
        setting(&after, None, "overdue_after"),
        entry(json!(7200.0), "panel", json!(14400.0))
    );
    let women = app.kiosk("women").await;
    assert_eq!(offered(&women, "04A1B2C331").await, (2, 45));
    assert_eq!(whoami(&app, &women).await["name"], "Ladies");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_is_audited_and_logged_as_settings_changed_for_other_panels() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, t) = admin.post("/api/ws/ticket", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let url = format!(
        "{}/ws/events?ticket={}",
        app.base.replacen("http://", "ws://", 1),
        t["ticket"].as_str().unwrap()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();

    let (status, _) = put_site(
        &admin,
        json!({"assignment_mode": "automatic", "pulse_ms": 700}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put_kiosk(&admin, "men", json!({"name": "Gents", "pulse_ms": null})).await;
    assert_eq!(status, StatusCode::OK);

    // Another panel hears of both.
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let msg = match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t).unwrap(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("only {} settings messages arrived: {other:?}", heard.len()),
        };
        if msg["type"] == "event_logged" && msg["data"]["type"] == "settings_changed" {
            heard.push(msg["data"].clone());
        }
    }
    assert_eq!(
        heard[0]["data"],
        json!({"scope": "site", "changes": {"assignment_mode": "automatic", "pulse_ms": 700}})
    );
    assert_eq!(heard[0]["actor"], "staff:admin");
    assert_eq!(heard[1]["kiosk_id"], "men");
    assert_eq!(
        heard[1]["data"],
        json!({"scope": "kiosk:men", "changes": {"name": "Gents", "pulse_ms": null}})
    );

    let (_, events) = admin.get("/api/events?type=settings_changed").await;
    assert_eq!(events["items"].as_array().unwrap().len(), 2);
    let (_, audit) = admin.get("/api/audit?action=settings_changed").await;
    let audit = audit["items"].as_array().unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0]["target"], "kiosk:men");
    assert_eq!(audit[0]["username"], "admin");
    assert_eq!(audit[0]["outcome"], "succeeded");
    let detail: Value = serde_json::from_str(audit[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail, json!({"name": "Gents", "pulse_ms": null}));
    assert_eq!(audit[1]["target"], "site");
}
