//! Help requests (spec §8) over the real server: raised by kiosks as JSON or multipart with a
//! photo, idempotent by the kiosk's reference, listed, exported, assigned, resolved and
//! reopened by staff, raised automatically by the card flow, and pushed on `/ws/help`.

use crate::helpers::{ADMIN_PASSWORD, Kiosk, Staff, TestApp};
use futures::StreamExt;
use kioskhub::auth::Role;
use kioskhub_relay::sim::SimFault;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x38, 0x21, 0x27, 0x07,
    0x00, 0x02, 0xB6, 0x01, 0x05, 0x34, 0xA6, 0x75, 0xAA, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A real 1×1 grey baseline JPEG: one quantisation table, one-code Huffman tables, one block.
fn jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00];
    j.extend([1u8; 64]);
    j.extend([
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
    ]);
    for class in [0x00u8, 0x10] {
        j.extend([0xFF, 0xC4, 0x00, 0x14, class, 0x01]);
        j.extend([0u8; 15]);
        j.push(0x00);
    }
    j.extend([
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3F, 0xFF, 0xD9,
    ]);
    j
}

const CARD_A: &str = "04A1B2C3D4";
const CARD_B: &str = "04B2C3D4E5";
const CARD_C: &str = "04C3D4E5F6";

/// One part of a multipart body.
enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        content_type: Option<&'a str>,
        bytes: &'a [u8],
    },
}

const BOUNDARY: &str = "kioskhub-test-7MA4YWxkTrZu0gW";

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend(value.as_bytes());
            }
            Part::File {
                name,
                content_type,
                bytes,
            } => {
                body.extend(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"photo\"\r\n"
                    )
                    .as_bytes(),
                );
                if let Some(ct) = content_type {
                    body.extend(format!("Content-Type: {ct}\r\n").as_bytes());
                }
                body.extend(b"\r\n");
                body.extend(*bytes);
            }
        }
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn send(req: RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request is sent");
    let status = resp.status();
    let text = resp.text().await.expect("body is read");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A client that keeps no idle connection (the server may close one whose body it refused).
fn fresh_client() -> Client {
    Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

async fn raise(kiosk: &Kiosk, body: Value) -> (StatusCode, Value) {
    kiosk.post("/api/help", body).await
}

async fn raise_form(kiosk: &Kiosk, parts: &[Part<'_>]) -> (StatusCode, Value) {
    send(
        fresh_client()
            .post(format!("{}/api/help", kiosk.base))
            .bearer_auth(&kiosk.token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(parts)),
    )
    .await
}

async fn raw_kiosk(
    kiosk: &Kiosk,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = fresh_client()
        .post(format!("{}/api/help", kiosk.base))
        .bearer_auth(&kiosk.token)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    send(req).await
}

#[track_caller]
fn assert_error(what: &str, resp: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(resp.0, status, "{what}: {}", resp.1);
    assert_eq!(resp.1["error"]["code"], code, "{what}: {}", resp.1);
    assert!(resp.1["error"]["message"].is_string(), "{what}: {}", resp.1);
}

#[track_caller]
fn assert_field(
    what: &str,
    resp: &(StatusCode, Value),
    status: StatusCode,
    code: &str,
    field: &str,
) {
    assert_error(what, resp, status, code);
    assert_eq!(resp.1["error"]["field"], field, "{what}: {}", resp.1);
}

fn photo_dir(app: &TestApp) -> PathBuf {
    app.db.path().join("help")
}

/// Files in the photo folder, sorted.
fn photo_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(photo_dir(app))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn total(admin: &Staff) -> i64 {
    let (status, page) = admin.get("/api/help?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["total"].as_i64().unwrap()
}

async fn events_of(admin: &Staff, kind: &str) -> Vec<Value> {
    let (status, body) = admin
        .get(&format!("/api/events?type={kind}&limit=500"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut items = body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

/// The ids of a list response, in order.
fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_raises_a_help_request_as_json_and_staff_read_it_with_its_history() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let (status, req) = raise(
        &kiosk,
        json!({"category": "access_issue", "note": "  Locker won't open  ", "locker": 7}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    let id = req["id"].as_i64().expect("an integer id");
    assert!(id > 0);
    assert_eq!(req["kiosk"], "men");
    assert_eq!(req["kiosk_name"], "Men");
    assert_eq!(req["category"], "access_issue");
    assert_eq!(req["note"], "Locker won't open", "trimmed");
    assert_eq!(req["locker"], 7);
    assert_eq!(req["status"], "open");
    assert_eq!(req["source"], "kiosk");
    assert_eq!(req["has_photo"], false);
    assert_eq!(req["assigned_to"], Value::Null);
    assert_eq!(req["resolution_notes"], Value::Null);
    assert_eq!(req["resolved_at"], Value::Null);
    let created = req["created_at"].as_str().unwrap();
    assert!(
        created.ends_with('Z') && kioskhub::time::parse_rfc3339(created).is_some(),
        "{created}"
    );
    assert_eq!(req["updated_at"], req["created_at"]);

    let (status, blank) = raise(&kiosk, json!({"category": "other", "note": " \n "})).await;
    assert_eq!(status, StatusCode::CREATED, "{blank}");
    assert_eq!(blank["note"], Value::Null, "an empty note is none");
    assert_eq!(blank["locker"], Value::Null);
    assert!(blank["id"].as_i64().unwrap() > id);

    let (status, detail) = admin.get(&format!("/api/help/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["note"], "Locker won't open");
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 1, "{detail}");
    assert_eq!(history[0]["action"], "created");
    assert_eq!(history[0]["by"], Value::Null);
    assert_eq!(history[0]["note"], Value::Null);
    assert!(history[0].get("assigned_to").is_none(), "{detail}");
    assert_eq!(history[0]["at"], req["created_at"]);

    let (status, summary) = admin.get("/api/help/summary").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(summary, json!({"open": 2, "assigned": 0, "unresolved": 2}));

    assert_error(
        "an unknown id",
        &admin.get("/api/help/999999").await,
        StatusCode::NOT_FOUND,
        "help_not_found",
    );
    assert_error(
        "a non-numeric id",
        &admin.get("/api/help/abc").await,
        StatusCode::BAD_REQUEST,
        "invalid_path",
    );
    assert_error(
        "a photo that was never sent",
        &admin.get(&format!("/api/help/{id}/photo")).await,
        StatusCode::NOT_FOUND,
        "no_photo",
    );
    let logged = events_of(&admin, "help_requested").await;
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[0]["actor"], "kiosk:men");
    assert_eq!(logged[0]["kiosk"], "men");
    assert_eq!(logged[0]["locker"], 7);
    assert_eq!(logged[0]["data"]["id"], id);
    // The kiosk's request survives a restart (durable before the 201).
    let app = app.restart().await;
    let admin = app.admin().await;
    assert_eq!(total(&admin).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn photos_travel_as_multipart_and_come_back_with_their_type() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let (status, png) = raise_form(
        &kiosk,
        &[
            Part::Text("category", "card_issue"),
            Part::Text("note", "Kartım okunmuyor"),
            Part::Text("locker", "3"),
            Part::File {
                name: "photo",
                content_type: Some("image/png"),
                bytes: PNG,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{png}");
    assert_eq!(png["has_photo"], true);
    assert_eq!(png["note"], "Kartım okunmuyor");
    assert_eq!(png["locker"], 3);
    assert_eq!(png["category"], "card_issue");
    let png_id = png["id"].as_i64().unwrap();

    let jpeg = jpeg();
    let (status, jpg) = raise_form(
        &kiosk,
        &[
            Part::File {
                name: "photo",
                content_type: Some("application/octet-stream"),
                bytes: &jpeg,
            },
            Part::Text("category", "other"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{jpg}");
    assert_eq!(jpg["has_photo"], true);
    let jpg_id = jpg["id"].as_i64().unwrap();

    for (id, bytes, mime) in [
        (png_id, PNG.to_vec(), "image/png"),
        (jpg_id, jpeg, "image/jpeg"),
    ] {
        let resp = admin
            .client
            .get(format!("{}/api/help/{id}/photo", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], mime);
        assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }

    // No photo part, or an empty one (a form whose file input was left empty): no photo.
    let (status, none) = raise_form(&kiosk, &[Part::Text("category", "payment_issue")]).await;
    assert_eq!(status, StatusCode::CREATED, "{none}");
    assert_eq!(none["has_photo"], false);
    assert_eq!(none["note"], Value::Null);
    let (status, empty) = raise_form(
        &kiosk,
        &[
            Part::Text("category", "other"),
            Part::Text("note", ""),
            Part::Text("locker", ""),
            Part::File {
                name: "photo",
                content_type: Some("application/octet-stream"),
                bytes: b"",
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{empty}");
    assert_eq!(empty["has_photo"], false);
    assert_eq!(empty["locker"], Value::Null);

    assert_eq!(
        photo_files(&app),
        [format!("{png_id}.png"), format!("{jpg_id}.jpg")],
        "the photos under their ids, and no temporary file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_client_ref_returns_the_existing_request_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let men = app.kiosk("men").await;
    let women = app.kiosk("women").await;
    let admin = app.admin().await;
    let body = json!({"category": "card_issue", "note": "queued offline", "client_ref": "q-1"});
    let (status, first) = raise(&men, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = raise(&men, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, first, "the same request, unchanged");
    // The reference is the kiosk's own: another kiosk may use the same one.
    let (status, other) = raise(&women, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    assert_ne!(other["id"], first["id"]);

    let parts = [
        Part::Text("category", "other"),
        Part::Text("client_ref", "q-2"),
        Part::File {
            name: "photo",
            content_type: Some("image/png"),
            bytes: PNG,
        },
    ];
    let (status, with_photo) = raise_form(&men, &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{with_photo}");
    let (status, again) = raise_form(&men, &parts).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], with_photo["id"]);
    assert_eq!(photo_files(&app), [format!("{}.png", with_photo["id"])]);

    assert_eq!(total(&admin).await, 3);
    assert_eq!(events_of(&admin, "help_requested").await.len(), 3);
    // Retried at the same time, a reference still makes one request.
    let body = json!({"category": "other", "client_ref": "q-3"});
    let results = futures::future::join_all((0..6).map(|_| raise(&men, body.clone()))).await;
    let created = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{results:?}");
    assert!(results.iter().all(|(_, r)| r["id"] == results[0].1["id"]));
    assert_eq!(total(&admin).await, 4);

    assert_field(
        "a reference over 64 characters",
        &raise(
            &men,
            json!({"category": "other", "client_ref": "r".repeat(65)}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "too_long",
        "client_ref",
    );
    assert_field(
        "an empty reference",
        &raise(&men, json!({"category": "other", "client_ref": ""})).await,
        StatusCode::BAD_REQUEST,
        "invalid_value",
        "client_ref",
    );
    assert_eq!(total(&admin).await, 4);
}

/// (what, declared type, bytes, expected status, expected code).
type PhotoCase<'a> = (&'a str, Option<&'a str>, Vec<u8>, StatusCode, &'a str);

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_or_unstorable_photo_leaves_no_row_and_no_file() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let mut big = PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let mut at_limit = PNG.to_vec();
    at_limit.resize(2 * 1024 * 1024, 0);
    let cases: [PhotoCase<'_>; 5] = [
        (
            "a photo over 2 MiB",
            Some("image/png"),
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "photo_too_large",
        ),
        (
            "a GIF",
            Some("image/gif"),
            b"GIF89a\x01\x00\x01\x00".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo_type",
        ),
        (
            "text declared as a PNG",
            Some("image/png"),
            b"this is not an image".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo_type",
        ),
        (
            "a PNG declared as a JPEG",
            Some("image/jpeg"),
            PNG.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo_type",
        ),
        (
            "text without a declared type",
            None,
            b"plain words".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo_type",
        ),
    ];
    for (what, content_type, bytes, status, code) in cases {
        let resp = raise_form(
            &kiosk,
            &[
                Part::Text("category", "other"),
                Part::File {
                    name: "photo",
                    content_type,
                    bytes: &bytes,
                },
            ],
        )
        .await;
        assert_field(what, &resp, status, code, "photo");
        assert_eq!(total(&admin).await, 0, "{what}: no row");
        assert!(photo_files(&app).is_empty(), "{what}: no file");
    }
    // A body far over the limit is refused the same way.
    let mut huge = PNG.to_vec();
    huge.resize(3 * 1024 * 1024, 0);
    let resp = raise_form(
        &kiosk,
        &[
            Part::Text("category", "other"),
            Part::File {
                name: "photo",
                content_type: Some("image/png"),
                bytes: &huge,
            },
        ],
    )
    .await;
    assert_field(
        "a 3 MiB photo",
        &resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "photo_too_large",
        "photo",
    );
    assert!(events_of(&admin, "help_requested").await.is_empty());

    // The photo cannot be written (the folder's place is taken by a file): nothing is inserted.
    std::fs::write(photo_dir(&app), b"not a folder").unwrap();
    let resp = raise_form(
        &kiosk,
        &[
            Part::Text("category", "other"),
            Part::File {
                name: "photo",
                content_type: Some("image/png"),
                bytes: PNG,
            },
        ],
    )
    .await;
    assert_error(
        "an unwritable photo",
        &resp,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    );
    assert_eq!(total(&admin).await, 0, "no row without its photo");
    assert!(events_of(&admin, "help_requested").await.is_empty());
    std::fs::remove_file(photo_dir(&app)).unwrap();

    // Exactly 2 MiB is accepted.
    let (status, ok) = raise_form(
        &kiosk,
        &[
            Part::Text("category", "other"),
            Part::File {
                name: "photo",
                content_type: Some("image/png"),
                bytes: &at_limit,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
    assert_eq!(photo_files(&app), [format!("{}.png", ok["id"])]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_to_post_help_is_refused_with_the_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let women = app.kiosk("women").await;
    let admin = app.admin().await;
    let json_ct = Some("application/json");
    for body in [
        "{",
        "not json",
        "",
        "{\"category\": \"other\"} trailing",
        "{\"category\":}",
        "{'category': 'other'}",
        "{\"category\": \"other\",}",
    ] {
        let resp = raw_kiosk(&kiosk, json_ct, body.as_bytes().to_vec()).await;
        assert_error(
            &format!("{body:?}"),
            &resp,
            StatusCode::BAD_REQUEST,
            "malformed_json",
        );
    }
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            json!({"category": "other", "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "unknown_field",
            "colour",
        ),
        (
            json!({"category": 5}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "category",
        ),
        (
            json!({"category": "fire"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "category",
        ),
        (
            json!({"note": "no category"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "category",
        ),
        (
            json!({"category": "other", "locker": "seven"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "locker",
        ),
        (
            json!({"category": "other", "note": 12}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "note",
        ),
        (
            json!({"category": "other", "note": "n".repeat(501)}),
            StatusCode::BAD_REQUEST,
            "too_long",
            "note",
        ),
        (
            json!({"category": "other", "locker": 33}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "locker_not_found",
            "locker",
        ),
        (
            json!({"category": "other", "locker": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "locker_not_found",
            "locker",
        ),
    ];
    for (body, status, code, field) in cases {
        assert_field(
            &body.to_string(),
            &raise(&kiosk, body.clone()).await,
            status,
            code,
            field,
        );
    }
    // Locker 20 exists at the men's kiosk, not at the women's (16 lockers).
    assert_field(
        "another kiosk's locker",
        &raise(&women, json!({"category": "other", "locker": 20})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "locker_not_found",
        "locker",
    );
    let oversize = format!(
        "{{\"category\": \"other\", \"note\": \"{}\"}}",
        "x".repeat(64 * 1024)
    );
    assert_error(
        "a JSON body over 64 KiB",
        &raw_kiosk(&kiosk, json_ct, oversize.into_bytes()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        assert_error(
            &format!("content type {ct:?}"),
            &raw_kiosk(&kiosk, ct, b"{\"category\": \"other\"}".to_vec()).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
    }
    // The multipart form is checked field by field too.
    let long_note = "n".repeat(5000);
    let form_cases: Vec<(Vec<Part<'_>>, &str, &str)> = vec![
        (
            vec![Part::Text("category", "other"), Part::Text("colour", "red")],
            "unknown_field",
            "colour",
        ),
        (
            vec![Part::Text("note", "no category")],
            "invalid_body",
            "category",
        ),
        (
            vec![Part::Text("category", "fire")],
            "invalid_body",
            "category",
        ),
        (
            vec![Part::Text("category", "other"), Part::Text("locker", "x")],
            "invalid_body",
            "locker",
        ),
        (
            vec![
                Part::Text("category", "other"),
                Part::Text("note", &long_note),
            ],
            "too_long",
            "note",
        ),
        (
            vec![
                Part::Text("category", "other"),
                Part::Text("category", "other"),
            ],
            "invalid_body",
            "category",
        ),
    ];
    for (parts, code, field) in form_cases {
        assert_field(
            &format!("form {code} {field}"),
            &raise_form(&kiosk, &parts).await,
            StatusCode::BAD_REQUEST,
            code,
            field,
        );
    }
    assert_field(
        "a form naming an unknown locker",
        &raise_form(
            &kiosk,
            &[Part::Text("category", "other"), Part::Text("locker", "99")],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "locker_not_found",
        "locker",
    );
    assert_error(
        "multipart without a boundary",
        &raw_kiosk(&kiosk, Some("multipart/form-data"), b"--x\r\n".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "invalid_body",
    );
    assert_error(
        "a truncated multipart body",
        &raw_kiosk(
            &kiosk,
            Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\noth")
                .into_bytes(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_body",
    );

    // Only a paired kiosk may raise a request: not nobody, not a forged token, not staff.
    let body = json!({"category": "other"});
    let client = fresh_client();
    assert_error(
        "no credential",
        &send(client.post(app.url("/api/help")).json(&body)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_error(
        "a forged token",
        &send(
            client
                .post(app.url("/api/help"))
                .bearer_auth("forged")
                .json(&body),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credential",
    );
    assert_error(
        "a staff session",
        &admin.post("/api/help", body.clone()).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_eq!(total(&admin).await, 0, "nothing was stored");
    assert!(events_of(&admin, "help_requested").await.is_empty());
    assert!(photo_files(&app).is_empty());
    // At the limits, accepted.
    let (status, ok) = raise(
        &kiosk,
        json!({"category": "other", "note": "ğ".repeat(500), "locker": 32, "client_ref": "r".repeat(64)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
}

/// Every staff help route (method, path, body) for request `id`.
fn staff_routes(id: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/help".into(), None),
        (Method::GET, "/api/help/summary".into(), None),
        (Method::GET, "/api/help/export.csv".into(), None),
        (Method::GET, format!("/api/help/{id}"), None),
        (Method::GET, format!("/api/help/{id}/photo"), None),
        (
            Method::POST,
            format!("/api/help/{id}/assign"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/help/{id}/resolve"),
            Some(json!({"notes": "done"})),
        ),
        (
            Method::POST,
            format!("/api/help/{id}/reopen"),
            Some(json!({})),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_routes_check_the_credential_the_role_and_csrf_and_refuse_bad_bodies() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let auditor = app.user(Role::Auditor).await;
    let (_, req) = raise_form(
        &kiosk,
        &[
            Part::Text("category", "other"),
            Part::File {
                name: "photo",
                content_type: Some("image/png"),
                bytes: PNG,
            },
        ],
    )
    .await;
    let id = req["id"].as_i64().unwrap();
    let client = fresh_client();
    for (method, path, body) in staff_routes(id) {
        let with_body = |r: RequestBuilder| match &body {
            Some(b) => r.json(b),
            None => r,
        };
        let what = format!("{method} {path}");
        let anon = with_body(client.request(method.clone(), app.url(&path)));
        assert_error(
            &what,
            &send(anon).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        let as_kiosk = with_body(
            client
                .request(method.clone(), app.url(&path))
                .bearer_auth(&kiosk.token),
        );
        assert_error(
            &format!("kiosk token on {what}"),
            &send(as_kiosk).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        let (status, resp) = auditor.request(method.clone(), &path, body.clone()).await;
        if method == Method::GET {
            assert_eq!(status, StatusCode::OK, "the auditor reads {what}: {resp}");
        } else {
            assert_error(
                &format!("auditor on {what}"),
                &(status, resp),
                StatusCode::FORBIDDEN,
                "forbidden",
            );
            // A session without its CSRF token is refused before anything else.
            let no_csrf = with_body(admin.client.request(method.clone(), app.url(&path)));
            assert_error(
                &format!("no CSRF on {what}"),
                &send(no_csrf).await,
                StatusCode::FORBIDDEN,
                "csrf_failed",
            );
        }
    }
    let (_, denied) = admin.get("/api/audit?action=authorization_denied").await;
    let denied: Vec<&Value> = denied["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["username"] == "test-auditor")
        .collect();
    let mut needed: Vec<&str> = denied
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    needed.sort();
    assert_eq!(needed, ["help:assign", "help:resolve", "help:resolve"]);

    // Bad bodies on each staff action.
    let raw = |path: String, ct: Option<&'static str>, body: Vec<u8>| {
        let mut r = admin
            .client
            .post(app.url(&path))
            .header("x-csrf-token", &admin.csrf)
            .body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        send(r)
    };
    for action in ["assign", "resolve", "reopen"] {
        let path = format!("/api/help/{id}/{action}");
        for body in ["{", "not json", ""] {
            let resp = raw(path.clone(), Some("application/json"), body.into()).await;
            assert_error(
                &format!("{path} {body:?}"),
                &resp,
                StatusCode::BAD_REQUEST,
                "malformed_json",
            );
        }
        let resp = raw(path.clone(), Some("text/plain"), b"{}".to_vec()).await;
        assert_error(
            &path,
            &resp,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
        let big = format!("{{\"notes\": \"{}\"}}", "x".repeat(64 * 1024));
        let resp = raw(path.clone(), Some("application/json"), big.into_bytes()).await;
        assert_error(
            &path,
            &resp,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        );
        let resp = admin.post(&path, json!({"extra": 1})).await;
        assert_field(
            &path,
            &resp,
            StatusCode::BAD_REQUEST,
            "unknown_field",
            "extra",
        );
    }
    let cases: Vec<(&str, Value, StatusCode, &str, &str)> = vec![
        (
            "assign",
            json!({"user_id": 5}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "user_id",
        ),
        (
            "assign",
            json!({"user_id": "no-such-user"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_assignee",
            "user_id",
        ),
        (
            "resolve",
            json!({}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "notes",
        ),
        (
            "resolve",
            json!({"notes": 5}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "notes",
        ),
        (
            "resolve",
            json!({"notes": "   "}),
            StatusCode::BAD_REQUEST,
            "invalid_value",
            "notes",
        ),
        (
            "resolve",
            json!({"notes": "n".repeat(1001)}),
            StatusCode::BAD_REQUEST,
            "too_long",
            "notes",
        ),
        (
            "reopen",
            json!({"reason": "r".repeat(501)}),
            StatusCode::BAD_REQUEST,
            "too_long",
            "reason",
        ),
    ];
    for (action, body, status, code, field) in cases {
        let resp = admin
            .post(&format!("/api/help/{id}/{action}"), body.clone())
            .await;
        assert_field(&format!("{action} {body}"), &resp, status, code, field);
    }
    // Bad list and export parameters name the parameter.
    for (query, field) in [
        ("status=closed", "status"),
        ("category=fire", "category"),
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("sort=id", "sort"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("colour=red", "colour"),
    ] {
        let resp = admin.get(&format!("/api/help?{query}")).await;
        assert_field(
            query,
            &resp,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            field,
        );
    }
    for (query, field) in [("status=closed", "status"), ("page=1", "page")] {
        let resp = admin.get(&format!("/api/help/export.csv?{query}")).await;
        assert_field(
            query,
            &resp,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            field,
        );
    }
    // Nothing above changed the request.
    let (_, detail) = admin.get(&format!("/api/help/{id}")).await;
    assert_eq!(detail["status"], "open", "{detail}");
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    assert!(events_of(&admin, "help_assigned").await.is_empty());
    assert!(events_of(&admin, "help_resolved").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_filter_sort_and_page() {
    let app = TestApp::spawn().await;
    let men = app.kiosk("men").await;
    let women = app.kiosk("women").await;
    let admin = app.admin().await;
    let before = kioskhub::time::rfc3339(kioskhub::time::now_ms() - 1000);
    let mut made = Vec::new();
    for (kiosk, body) in [
        (
            &men,
            json!({"category": "access_issue", "note": "Door STUCK", "locker": 1}),
        ),
        (&men, json!({"category": "card_issue", "note": "card lost"})),
        (
            &women,
            json!({"category": "payment_issue", "note": "paid twice"}),
        ),
        (&men, json!({"category": "other", "note": "100% broken"})),
        (&men, json!({"category": "other", "note": "broken_thing"})),
    ] {
        let (status, r) = raise(kiosk, body).await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        made.push(r["id"].as_i64().unwrap());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let newest_first: Vec<i64> = made.iter().rev().copied().collect();
    let (_, page) = admin.get("/api/help").await;
    assert_eq!(ids(&page), newest_first);
    assert_eq!(page["total"], 5);
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 25);
    let (_, page) = admin.get("/api/help?sort=created_at").await;
    assert_eq!(ids(&page), made);

    let query = |q: &str| {
        let admin = admin.clone();
        let q = q.to_owned();
        async move {
            let (status, page) = admin.get(&format!("/api/help?{q}")).await;
            assert_eq!(status, StatusCode::OK, "{q}: {page}");
            (ids(&page), page["total"].as_i64().unwrap())
        }
    };
    assert_eq!(query("kiosk=women").await, (vec![made[2]], 1));
    assert_eq!(query("category=card_issue").await, (vec![made[1]], 1));
    assert_eq!(
        query("category=card_issue,payment_issue").await,
        (vec![made[2], made[1]], 2)
    );
    assert_eq!(
        query("q=stuck").await,
        (vec![made[0]], 1),
        "case-insensitive"
    );
    assert_eq!(query("q=100%25").await, (vec![made[3]], 1), "% is literal");
    assert_eq!(query("q=_").await, (vec![made[4]], 1), "_ is literal");
    assert_eq!(
        query(&format!("q=%23{}", made[1])).await,
        (vec![made[1]], 1),
        "#id"
    );
    let later = kioskhub::time::rfc3339(kioskhub::time::now_ms() + 3_600_000);
    assert_eq!(query(&format!("from={later}")).await.1, 0);
    assert_eq!(query(&format!("to={before}")).await.1, 0);
    assert_eq!(query(&format!("from={before}&to={later}")).await.1, 5);

    // Pages of two, stable, with the total on each.
    assert_eq!(query("per_page=2").await, (newest_first[..2].to_vec(), 5));
    assert_eq!(
        query("per_page=2&page=2").await,
        (newest_first[2..4].to_vec(), 5)
    );
    assert_eq!(
        query("per_page=2&page=3").await,
        (newest_first[4..].to_vec(), 5)
    );
    assert_eq!(query("per_page=2&page=4").await, (vec![], 5));

    // Statuses: assign one, resolve another.
    let (status, _) = admin
        .post(&format!("/api/help/{}/assign", made[1]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin
        .post(
            &format!("/api/help/{}/resolve", made[3]),
            json!({"notes": "fixed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(query("status=assigned").await, (vec![made[1]], 1));
    assert_eq!(query("status=resolved").await, (vec![made[3]], 1));
    assert_eq!(query("status=open,assigned").await.1, 4);
    assert_eq!(
        query("status=open&kiosk=men").await,
        (vec![made[4], made[0]], 2)
    );
    assert_eq!(
        query("sort=-updated_at").await.0[0],
        made[3],
        "last changed first"
    );
    assert_eq!(query("sort=updated_at").await.0[0], made[0]);
    assert_eq!(
        query("sort=status").await.0,
        vec![made[4], made[2], made[0], made[1], made[3]],
        "open (newest first), then assigned, then resolved"
    );
    let (_, summary) = admin.get("/api/help/summary").await;
    assert_eq!(summary, json!({"open": 3, "assigned": 1, "unresolved": 4}));
}

#[tokio::test(flavor = "multi_thread")]
async fn assign_resolve_and_reopen_follow_the_rules_and_keep_the_history() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let staff = app.user(Role::Staff).await;
    let auditor = app.user(Role::Auditor).await;
    let (_, me) = admin.get("/auth/me").await;
    let admin_id = me["user"]["id"].as_str().unwrap().to_owned();
    let (_, me) = staff.get("/auth/me").await;
    let staff_id = me["user"]["id"].as_str().unwrap().to_owned();
    let (_, me) = auditor.get("/auth/me").await;
    let auditor_id = me["user"]["id"].as_str().unwrap().to_owned();
    let (_, req) = raise(&kiosk, json!({"category": "access_issue", "locker": 4})).await;
    let id = req["id"].as_i64().unwrap();
    let path = |action: &str| format!("/api/help/{id}/{action}");

    // Staff take it themselves.
    let (status, taken) = staff.post(&path("assign"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["status"], "assigned");
    assert_eq!(
        taken["assigned_to"],
        json!({"id": staff_id, "username": "test-staff"})
    );
    assert_ne!(taken["updated_at"], req["updated_at"]);
    // Taking it again changes nothing.
    let (status, again) = staff.post(&path("assign"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, taken);
    // Only an active staff member or admin can be assigned.
    assert_field(
        "assigning an auditor",
        &admin
            .post(&path("assign"), json!({"user_id": auditor_id}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_assignee",
        "user_id",
    );
    // An admin hands it to themselves.
    let (status, handed) = staff
        .post(&path("assign"), json!({"user_id": admin_id}))
        .await;
    assert_eq!(status, StatusCode::OK, "{handed}");
    assert_eq!(handed["assigned_to"]["username"], "admin");

    let (status, resolved) = staff
        .post(&path("resolve"), json!({"notes": "  Reset the lock  "}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolution_notes"], "Reset the lock");
    assert!(resolved["resolved_at"].is_string());
    assert_eq!(
        resolved["assigned_to"]["username"], "admin",
        "the assignee stays on record"
    );
    assert_error(
        "resolving twice",
        &staff
            .post(&path("resolve"), json!({"notes": "again"}))
            .await,
        StatusCode::CONFLICT,
        "help_resolved",
    );
    assert_error(
        "assigning a resolved request",
        &staff.post(&path("assign"), json!({})).await,
        StatusCode::CONFLICT,
        "help_resolved",
    );

    let (status, reopened) = staff
        .post(&path("reopen"), json!({"reason": "still stuck"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{reopened}");
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["assigned_to"], Value::Null);
    assert_eq!(reopened["resolution_notes"], Value::Null);
    assert_eq!(reopened["resolved_at"], Value::Null);
    assert_error(
        "reopening an open request",
        &staff.post(&path("reopen"), json!({})).await,
        StatusCode::CONFLICT,
        "help_not_resolved",
    );
    assert_error(
        "an unknown request",
        &staff.post("/api/help/424242/assign", json!({})).await,
        StatusCode::NOT_FOUND,
        "help_not_found",
    );

    let (_, detail) = admin.get(&format!("/api/help/{id}")).await;
    let history = detail["history"].as_array().unwrap();
    let steps: Vec<&str> = history
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["created", "assigned", "assigned", "resolved", "reopened"],
        "{detail}"
    );
    assert_eq!(history[0]["by"], Value::Null);
    assert_eq!(history[1]["by"]["username"], "test-staff");
    assert_eq!(history[1]["assigned_to"]["username"], "test-staff");
    assert_eq!(history[2]["assigned_to"]["id"], admin_id.as_str());
    assert_eq!(history[3]["note"], "Reset the lock");
    assert!(history[3].get("assigned_to").is_none());
    assert_eq!(history[4]["note"], "still stuck");
    let times: Vec<i64> = history
        .iter()
        .map(|h| kioskhub::time::parse_rfc3339(h["at"].as_str().unwrap()).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // One event per change, naming the previous status.
    let assigned = events_of(&admin, "help_assigned").await;
    assert_eq!(assigned.len(), 2);
    assert_eq!(assigned[0]["data"]["previous_status"], "open");
    assert_eq!(assigned[0]["actor"], "staff:test-staff");
    assert_eq!(assigned[1]["data"]["previous_status"], "assigned");
    let resolved = events_of(&admin, "help_resolved").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["data"]["status"], "resolved");
    assert_eq!(events_of(&admin, "help_reopened").await.len(), 1);

    // Every staff action is audited, refused ones too.
    let (_, audit) = admin.get("/api/audit?action=help_assign").await;
    let outcomes: Vec<(&str, &str)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    let target = format!("help:{id}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|(t, o)| *t == target && *o == "succeeded")
            .count(),
        3,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|(t, o)| *t == target && *o == "failed")
            .count(),
        2,
        "{outcomes:?}"
    );
    let (_, audit) = admin.get("/api/audit?action=help_resolve").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2);
    let (_, audit) = admin.get("/api/audit?action=help_reopen").await;
    assert_eq!(audit["items"][0]["username"], "test-staff");
    let (_, summary) = admin.get("/api/help/summary").await;
    assert_eq!(summary, json!({"open": 1, "assigned": 0, "unresolved": 1}));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_export_quotes_and_neutralises_cells_and_follows_the_filters() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let tricky = "=HYPERLINK(\"http://x\"), \"quoted\", and\nnewline";
    let (_, first) = raise(
        &kiosk,
        json!({"category": "card_issue", "note": tricky, "locker": 2}),
    )
    .await;
    let (_, second) = raise(&kiosk, json!({"category": "other", "note": "+90 555 0000"})).await;
    let (_, third) = raise(
        &kiosk,
        json!({"category": "other", "note": "plain, with a comma"}),
    )
    .await;
    let (status, _) = admin
        .post(
            &format!("/api/help/{}/resolve", second["id"]),
            json!({"notes": "@admin -fixed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let resp = admin
        .client
        .get(app.url("/api/help/export.csv?sort=created_at"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"help-requests-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let text = resp.text().await.unwrap();
    assert!(
        text.starts_with("id,created_at,updated_at,resolved_at,status,category,source,kiosk,kiosk_name,locker,note,has_photo,assigned_to,resolution_notes\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x\"\"), \"\"quoted\"\", and\nnewline\""),
        "quotes doubled, the whole cell quoted, the formula neutralised: {text}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][0], first["id"].to_string());
    assert_eq!(&rows[0][10], format!("'{tricky}"));
    assert_eq!(&rows[0][9], "2");
    assert_eq!(&rows[0][7], "men");
    assert_eq!(&rows[0][8], "Men");
    assert_eq!(&rows[0][11], "false");
    assert_eq!(&rows[1][10], "'+90 555 0000");
    assert_eq!(&rows[1][4], "resolved");
    assert_eq!(&rows[1][13], "'@admin -fixed");
    assert!(!rows[1][3].is_empty(), "resolved_at");
    assert_eq!(&rows[2][10], "plain, with a comma");
    assert_eq!(&rows[2][0], third["id"].to_string());
    assert_eq!(&rows[2][9], "");

    let text = admin
        .client
        .get(app.url("/api/help/export.csv?category=card_issue"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][5], "card_issue");
    let text = admin
        .client
        .get(app.url("/api/help/export.csv?status=open&kiosk=women"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 1, "the header alone: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_members_blocked_or_failing_locker_raises_one_automatic_request() {
    let app =
        TestApp::spawn_with(crate::helpers::CONFIG, "duplicate_read_window = \"100ms\"").await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let automatic = |admin: Staff, locker: i64| async move {
        let (_, page) = admin.get("/api/help?per_page=100&sort=created_at").await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["source"] == "automatic" && r["locker"] == locker)
            .cloned()
            .collect::<Vec<Value>>()
    };
    let pause = || tokio::time::sleep(Duration::from_millis(150));

    kiosk.take(CARD_A, 3).await;
    let (status, _) = admin
        .post("/api/kiosks/men/lockers/3/block", json!({"reason": "leak"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    pause().await;
    let (status, refused) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::LOCKED, "{refused}");
    assert_eq!(refused["error"]["code"], "locker_blocked");
    let raised = automatic(admin.clone(), 3).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    let first = &raised[0];
    assert_eq!(first["category"], "access_issue");
    assert_eq!(first["kiosk"], "men");
    assert_eq!(first["status"], "open");
    assert!(
        first["note"].as_str().unwrap().contains("blocked"),
        "{first}"
    );
    let requested = events_of(&admin, "help_requested").await;
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0]["actor"], "system:help");
    assert_eq!(requested[0]["locker"], 3);
    // The refusal does not change how the locker is shown.
    let refusals = app.events("men", 3, "locker_access_refused").await;
    assert_eq!(refusals[0]["data"]["new_state"], "blocked");

    // Repeated scans: refused each time, one request all the same.
    for _ in 0..3 {
        pause().await;
        let (status, _) = kiosk.scan(CARD_A).await;
        assert_eq!(status, StatusCode::LOCKED);
    }
    assert_eq!(automatic(admin.clone(), 3).await.len(), 1);
    assert_eq!(app.events("men", 3, "locker_access_refused").await.len(), 4);

    // Once resolved, the next refusal raises a new one; the old one cannot be reopened beside it.
    let first_id = first["id"].as_i64().unwrap();
    let (status, _) = admin
        .post(
            &format!("/api/help/{first_id}/resolve"),
            json!({"notes": "checked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    pause().await;
    let (status, _) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::LOCKED);
    let raised = automatic(admin.clone(), 3).await;
    assert_eq!(raised.len(), 2);
    assert_eq!(raised[1]["status"], "open");
    assert_error(
        "reopening beside an unresolved automatic request",
        &admin
            .post(&format!("/api/help/{first_id}/reopen"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "help_duplicate",
    );

    // A member's own locker that does not confirm opening raises one too.
    kiosk.take(CARD_B, 6).await;
    app.sim("bus-men").inject_fault(1, SimFault::Silent, None);
    pause().await;
    let (status, decide) = kiosk.scan(CARD_B).await;
    assert_eq!(status, StatusCode::OK, "{decide}");
    let (status, failed) = kiosk.decide(&decide["decision"], "finish").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{failed}");
    let raised = automatic(admin.clone(), 6).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert!(
        raised[0]["note"]
            .as_str()
            .unwrap()
            .contains("did not confirm opening"),
        "{}",
        raised[0]
    );
    // …and scanning at the locker now in error adds none.
    pause().await;
    let (status, in_error) = kiosk.scan(CARD_B).await;
    assert_eq!(status, StatusCode::LOCKED, "{in_error}");
    assert_eq!(in_error["error"]["code"], "locker_error");
    assert_eq!(automatic(admin.clone(), 6).await.len(), 1);

    // A locker that was never the member's (a failed assignment) raises nothing.
    let (_, choose) = kiosk.scan(CARD_C).await;
    let (status, _) = kiosk.select(&choose["session"], 7).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(automatic(admin.clone(), 7).await.is_empty());
    app.sim("bus-men").clear_fault(1);
    assert_eq!(total(&admin).await, 3);
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `/ws/help` socket of a fresh admin session, past its welcome.
async fn help_socket(app: &TestApp) -> Ws {
    let resp = Client::new()
        .post(app.url("/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let session = cookie.split(';').next().unwrap().to_owned();
    let mut req = format!("{}/ws/help", app.base.replacen("http://", "ws://", 1))
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", session.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let welcome = next_message(&mut ws).await;
    assert_eq!(welcome["type"], "connection");
    ws
}

async fn next_message(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).unwrap(),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("no message on /ws/help: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn help_changes_are_pushed_on_ws_help() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let admin = app.admin().await;
    let mut ws = help_socket(&app).await;

    let (_, req) = raise(
        &kiosk,
        json!({"category": "card_issue", "note": "hello", "locker": 9}),
    )
    .await;
    let id = req["id"].as_i64().unwrap();
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["type"], "help_requested", "{msg}");
    assert!(msg["seq"].is_i64(), "stored for replay: {msg}");
    assert_eq!(msg["room"], "kiosk:men");
    assert_eq!(msg["rooms"], json!(["kiosk:men", format!("help:{id}")]));
    assert_eq!(msg["data"], req, "the request as the API shows it");

    let (_, assigned) = admin
        .post(&format!("/api/help/{id}/assign"), json!({}))
        .await;
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["type"], "help_status_updated", "{msg}");
    assert_eq!(msg["data"]["status"], "assigned");
    assert_eq!(msg["data"]["previous_status"], "open");
    assert_eq!(msg["data"]["action"], "assigned");
    assert_eq!(msg["data"]["assigned_to"], assigned["assigned_to"]);
    let first_seq = msg["seq"].as_i64().unwrap();

    admin
        .post(&format!("/api/help/{id}/resolve"), json!({"notes": "done"}))
        .await;
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["type"], "help_status_updated");
    assert_eq!(msg["data"]["status"], "resolved");
    assert_eq!(msg["data"]["previous_status"], "assigned");
    assert_eq!(msg["data"]["resolution_notes"], "done");
    assert_eq!(msg["seq"].as_i64().unwrap(), first_seq + 1, "contiguous");

    // An automatic request is pushed the same way.
    kiosk.take(CARD_A, 12).await;
    admin
        .post("/api/kiosks/men/lockers/12/block", json!({}))
        .await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, _) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::LOCKED);
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["type"], "help_requested");
    assert_eq!(msg["data"]["source"], "automatic");
    assert_eq!(msg["data"]["locker"], 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_help_route() {
    let app = TestApp::spawn().await;
    let doc: Value = Client::new()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (method, path) in [
        ("post", "/api/help"),
        ("get", "/api/help"),
        ("get", "/api/help/summary"),
        ("get", "/api/help/export.csv"),
        ("get", "/api/help/{id}"),
        ("get", "/api/help/{id}/photo"),
        ("post", "/api/help/{id}/assign"),
        ("post", "/api/help/{id}/resolve"),
        ("post", "/api/help/{id}/reopen"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let create = &doc["paths"]["/api/help"]["post"];
    assert!(create["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(create["requestBody"]["content"]["application/json"].is_object());
    assert!(create["responses"]["201"].is_object());
    for schema in [
        "CreateHelp",
        "CreateHelpForm",
        "HelpRequestView",
        "HelpDetail",
        "HelpPage",
        "HelpSummary",
        "AssignHelp",
        "ResolveHelp",
        "ReopenHelp",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    assert!(
        doc["paths"]["/api/help/{id}/photo"]["get"]["responses"]["200"]["content"]["image/png"]
            .is_object()
    );
}
