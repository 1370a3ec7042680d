//! Staff actions as commands (spec §3.3, §5.3) through the staff API.

use crate::helpers::TestApp;
use kioskhub_relay::sim::SimFault;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

const CARD: &str = "04A1B2C3D4";

#[tokio::test(flavor = "multi_thread")]
async fn block_keeps_the_owner_and_unblock_restores_it() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD, 5).await;
    let admin = app.admin().await;
    let (status, cmd) = admin
        .post(
            "/api/kiosks/men/lockers/5/block",
            json!({"reason": "spill"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(cmd["state"], "succeeded");
    assert_eq!(cmd["type"], "block");
    assert_eq!(cmd["result"]["locker"]["state"], "blocked");
    assert_eq!(cmd["result"]["locker"]["owner_hint"], "…C3D4");
    let (status, cmd) = admin
        .post("/api/kiosks/men/lockers/5/unblock", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(cmd["result"]["locker"]["state"], "owned");
    let (_, readback) = admin
        .get(&format!("/api/commands/{}", cmd["id"].as_str().unwrap()))
        .await;
    assert_eq!(readback["state"], "succeeded");
    assert_eq!(app.total_pulses(), 1, "block and unblock fire nothing");
    let (_, events) = admin.get("/api/events?kiosk=men&locker=5").await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.starts_with(&[
            "command_finished",
            "locker_unblocked",
            "command_finished",
            "locker_blocked"
        ]),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn open_and_free_releases_and_open_and_keep_inspects() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD, 7).await;
    let staff = app.user(kioskhub::auth::Role::Staff).await;
    let (status, cmd) = staff
        .post(
            "/api/kiosks/men/lockers/7/open",
            json!({"release": false, "reason": "inspect"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(cmd["result"]["locker"]["state"], "owned");
    let (_, cmd) = staff
        .post("/api/kiosks/men/lockers/7/open", json!({"release": true}))
        .await;
    assert_eq!(cmd["result"]["locker"]["state"], "free");
    assert_eq!(app.sim("bus-men").pulses(1, 7), 3);
    let released = app.events("men", 7, "locker_released").await;
    assert_eq!(released[0]["actor"], "staff:test-staff");
    assert!(released[0]["data"]["held_ms"].is_i64());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vip_locker_needs_an_explicit_override_to_open() {
    let app = TestApp::spawn().await;
    let (_, key) = app.state.lockers.card("0DEADBEEF1").unwrap();
    let mut row = app.state.store.locker("men", 30).await.unwrap();
    row.vip_card_key = Some(key.as_str().to_owned());
    let mut tx = app.state.store.begin().await.unwrap();
    tx.update_locker(&row).await.unwrap();
    tx.commit().await.unwrap();
    let admin = app.admin().await;
    let (status, err) = admin
        .post("/api/kiosks/men/lockers/30/open", json!({"release": true}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "vip_override_required");
    assert_eq!(app.total_pulses(), 0);
    let (status, cmd) = admin
        .post(
            "/api/kiosks/men/lockers/30/open",
            json!({"release": true, "override": true, "reason": "member asked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(
        cmd["result"]["locker"]["state"], "vip",
        "a VIP locker is never released by opening"
    );
    assert_eq!(app.total_pulses(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_open_is_staggered_skips_vip_and_runs_once_per_idempotency_key() {
    let app = TestApp::spawn().await;
    let (_, key) = app.state.lockers.card("0DEADBEEF1").unwrap();
    let mut row = app.state.store.locker("men", 3).await.unwrap();
    row.vip_card_key = Some(key.as_str().to_owned());
    let mut tx = app.state.store.begin().await.unwrap();
    tx.update_locker(&row).await.unwrap();
    tx.commit().await.unwrap();
    let admin = app.admin().await;
    let body = json!({"lockers": [1, 2, 3, 4], "stagger_ms": 200});
    let started = Instant::now();
    let resp = admin
        .client
        .post(app.url("/api/kiosks/men/bulk-open"))
        .header("x-csrf-token", &admin.csrf)
        .header("idempotency-key", "bulk-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let cmd: serde_json::Value = resp.json().await.unwrap();
    let id = cmd["id"].as_str().unwrap().to_owned();
    // A second command for a locker of the running bulk open is refused.
    let (status, err) = admin
        .post("/api/kiosks/men/lockers/4/open", json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "command_in_flight");
    let done = admin.wait_command(&id).await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "three pulses, 200 ms apart"
    );
    assert_eq!(done["state"], "succeeded");
    let results: Vec<&str> = done["result"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["opened", "opened", "skipped_vip", "opened"]);
    assert_eq!(app.total_pulses(), 3);
    // The same key returns the same command and runs nothing again.
    let again = admin
        .client
        .post(app.url("/api/kiosks/men/bulk-open"))
        .header("x-csrf-token", &admin.csrf)
        .header("idempotency-key", "bulk-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"], id.as_str());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.total_pulses(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn end_of_day_opens_and_frees_every_owned_walk_in_locker_with_a_report() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("women").await;
    kiosk.take("0AAAA00001", 1).await;
    kiosk.take("0AAAA00002", 5).await;
    let admin = app.admin().await;
    let (status, cmd) = admin.post("/api/kiosks/women/end-of-day", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{cmd}");
    let done = admin.wait_command(cmd["id"].as_str().unwrap()).await;
    let rows = done["result"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["locker"], 1);
    assert_eq!(rows[0]["result"], "opened_and_freed");
    assert_eq!(rows[0]["owner_hint"], "…0001");
    assert!(rows[0]["held_ms"].is_i64());
    assert_eq!(
        app.state
            .store
            .locker("women", 5)
            .await
            .unwrap()
            .state
            .as_str(),
        "free"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn free_without_opening_needs_a_reason_and_transfer_moves_the_locker_to_a_new_card() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD, 9).await;
    let admin = app.admin().await;
    let (status, err) = admin
        .post("/api/kiosks/men/lockers/9/release", json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "reason_required");
    let (status, cmd) = admin
        .post(
            "/api/kiosks/men/lockers/9/transfer",
            json!({"card": "0BBBB11112", "reason": "lost card"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(cmd["result"]["locker"]["owner_hint"], "…1112");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (_, old) = kiosk.scan(CARD).await;
    assert_eq!(old["action"], "choose", "the old card no longer opens it");
    let (_, new) = kiosk.scan("0BBBB11112").await;
    assert_eq!(new["action"], "decide");
    assert_eq!(new["locker"]["number"], 9);
    let (status, cmd) = admin
        .post(
            "/api/kiosks/men/lockers/9/release",
            json!({"reason": "member left"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(cmd["result"]["locker"]["state"], "free");
    assert_eq!(app.total_pulses(), 1, "only the first take pulsed");
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_is_unique_per_kiosk_and_resolve_returns_an_error_locker_to_its_state() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, _) = admin
        .post(
            "/api/kiosks/men/lockers/1/rename",
            json!({"name": "Window"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = admin
        .post(
            "/api/kiosks/men/lockers/2/rename",
            json!({"name": "Window"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "name_taken");
    let (status, _) = admin
        .post(
            "/api/kiosks/women/lockers/2/rename",
            json!({"name": "Window"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "another kiosk may use the name");

    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD, 2).await;
    app.sim("bus-men")
        .inject_fault(1, SimFault::Exception(4), Some(1));
    let (status, err) = admin
        .post("/api/kiosks/men/lockers/2/open", json!({"release": true}))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(err["error"]["code"], "relay_failed");
    let row = app.state.store.locker("men", 2).await.unwrap();
    assert_eq!(row.state.as_str(), "error");
    assert!(
        row.owner_key.is_some(),
        "ownership is never dropped because of a hardware fault"
    );
    let (status, cmd) = admin
        .post(
            "/api/kiosks/men/lockers/2/resolve",
            json!({"note": "reseated cable"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cmd}");
    assert_eq!(cmd["result"]["locker"]["state"], "owned");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nightly_end_of_day_runs_when_its_time_passes_and_never_at_start_up() {
    let config = crate::helpers::CONFIG.replace(
        "name = \"Test site\"",
        "name = \"Test site\"\nend_of_day = \"23:30\"\nutc_offset = \"+03:00\"",
    );
    let app = TestApp::spawn_with(&config, "").await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD, 12).await;
    // 23:30 local (+03:00) is 20:30 UTC on some day.
    let day = kioskhub::time::now_ms().div_euclid(86_400_000) * 86_400_000 + 10 * 86_400_000;
    let moment = day + (20 * 60 + 30) * 60_000;
    let mut jobs = kioskhub::jobs::Housekeeping::default();
    // A hub starting after the time does nothing; ticking past it runs it once.
    assert_eq!(
        jobs.tick(&app.state, moment + 60_000)
            .await
            .unwrap()
            .end_of_day_kiosks,
        0
    );
    assert_eq!(
        jobs.tick(&app.state, moment + 120_000)
            .await
            .unwrap()
            .end_of_day_kiosks,
        0
    );
    let mut jobs = kioskhub::jobs::Housekeeping::default();
    jobs.tick(&app.state, moment - 5_000).await.unwrap();
    assert_eq!(
        jobs.tick(&app.state, moment)
            .await
            .unwrap()
            .end_of_day_kiosks,
        2
    );
    assert_eq!(
        jobs.tick(&app.state, moment + 5_000)
            .await
            .unwrap()
            .end_of_day_kiosks,
        0
    );
    for _ in 0..200 {
        if app
            .state
            .store
            .locker("men", 12)
            .await
            .unwrap()
            .state
            .as_str()
            == "free"
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        app.state
            .store
            .locker("men", 12)
            .await
            .unwrap()
            .state
            .as_str(),
        "free"
    );
    // (The far-future ticks expired every session: sign in again.)
    let (_, events) = app
        .login("admin", crate::helpers::ADMIN_PASSWORD)
        .await
        .get("/api/events?kiosk=men&locker=12&type=locker_released")
        .await;
    assert_eq!(events["items"][0]["actor"], "system:end_of_day", "{events}");
    // A second instance of the job (or a restart) does not run the same day again.
    let mut other = kioskhub::jobs::Housekeeping::default();
    other.tick(&app.state, moment - 1).await.unwrap();
    assert_eq!(
        other
            .tick(&app.state, moment + 1)
            .await
            .unwrap()
            .end_of_day_kiosks,
        0
    );
}
