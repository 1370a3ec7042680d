//! The card flow of spec §3.2 through the kiosk API, with the simulated boards.

use crate::helpers::{CONFIG, TestApp};
use kioskhub_relay::sim::SimFault;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const CARD_A: &str = "04A1B2C3D4";
const CARD_B: &str = "04B2C3D4E5";

fn numbers(choose: &Value) -> Vec<i64> {
    choose["lockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number"].as_i64().unwrap())
        .collect()
}

async fn set_vip(app: &TestApp, kiosk: &str, number: i64, card: &str) {
    let (_, key) = app.state.lockers.card(card).unwrap();
    let mut row = app.state.store.locker(kiosk, number).await.unwrap();
    row.vip_card_key = Some(key.as_str().to_owned());
    let mut tx = app.state.store.begin().await.unwrap();
    tx.update_locker(&row).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_card_is_offered_only_free_walk_in_lockers_of_its_kiosk() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    set_vip(&app, "men", 2, "0CAFEBABE1").await;
    let (status, _) = admin
        .post(
            "/api/kiosks/men/lockers/3/block",
            serde_json::json!({"reason": "hinge"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD_B, 1).await;

    let (status, choose) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(choose["action"], "choose");
    assert_eq!(choose["expires_in"], 30);
    let offered = numbers(&choose);
    assert_eq!(offered.len(), 29, "32 minus owned 1, VIP 2, blocked 3");
    assert!(!offered.iter().any(|n| [1, 2, 3].contains(n)));
    assert!(offered.iter().all(|n| (1..=32).contains(n)));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_offer_is_capped_by_max_offered_lockers() {
    let app = TestApp::spawn_with(CONFIG, "max_offered_lockers = 5").await;
    let kiosk = app.kiosk("women").await;
    let (_, choose) = kiosk.scan(CARD_A).await;
    assert_eq!(numbers(&choose), vec![1, 2, 3, 4, 5]);
}

#[tokio::test(flavor = "multi_thread")]
async fn selecting_assigns_and_pulses_exactly_the_mapped_channel() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let opened = kiosk.take(CARD_A, 20).await;
    assert_eq!(opened["action"], "opened");
    assert_eq!(opened["assigned"], true);
    assert_eq!(opened["locker"]["number"], 20);
    assert_eq!(opened["locker"]["state"], "owned");
    assert_eq!(opened["locker"]["owner_hint"], "…C3D4");
    // Locker 20 is board 2, channel 4; nothing else moved.
    let sim = app.sim("bus-men");
    assert_eq!(sim.pulses(2, 4), 1);
    assert_eq!(app.total_pulses(), 1);
    let events = app.events("men", 20, "locker_assigned").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["new_state"], "owned");
    assert_eq!(events[0]["actor"], "kiosk:men");
    // The pulse counter is persisted and shown per channel.
    let admin = app.admin().await;
    let (_, hw) = admin.get("/api/hardware").await;
    let board2 = &hw["buses"][0]["boards"][1];
    assert_eq!(board2["slave"], 2);
    assert_eq!(board2["channels"][3]["pulses"], 1);
    assert_eq!(board2["channels"][3]["locker"]["number"], 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_pulse_rolls_the_assignment_back_and_flags_the_locker() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    app.sim("bus-men").inject_fault(1, SimFault::Silent, None);
    let (_, choose) = kiosk.scan(CARD_A).await;
    let (status, err) = kiosk.select(&choose["session"], 5).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(err["error"]["code"], "relay_failed");
    let row = app.state.store.locker("men", 5).await.unwrap();
    assert_eq!(row.owner_key, None, "the card must not own the locker");
    assert_eq!(row.state.as_str(), "error");
    assert_eq!(app.events("men", 5, "locker_assigned").await.len(), 0);
    let alerts = app.events("men", 5, "locker_error").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["data"]["error"], "relay_timeout");
    // The same session can still take a locker on a healthy board.
    app.sim("bus-men").clear_fault(1);
    let (status, opened) = kiosk.select(&choose["session"], 17).await;
    assert_eq!(status, StatusCode::OK, "{opened}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_card_with_a_locker_is_asked_to_decide_and_finish_frees_it_with_the_held_time() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD_A, 4).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, decide) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decide["action"], "decide", "never choose: {decide}");
    assert_eq!(decide["locker"]["number"], 4);
    assert_eq!(decide["open_only_allowed"], true);
    let (status, done) = kiosk.decide(&decide["decision"], "finish").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["action"], "opened");
    assert_eq!(done["released"], true);
    assert_eq!(
        app.state
            .store
            .locker("men", 4)
            .await
            .unwrap()
            .state
            .as_str(),
        "free"
    );
    let released = app.events("men", 4, "locker_released").await;
    assert_eq!(released.len(), 1);
    assert!(released[0]["data"]["held_ms"].as_i64().unwrap() >= 1500);
    assert_eq!(app.sim("bus-men").pulses(1, 4), 2);
    // A used decision cannot be replayed.
    let (status, _) = kiosk.decide(&decide["decision"], "finish").await;
    assert_eq!(status, StatusCode::GONE);
}

#[tokio::test(flavor = "multi_thread")]
async fn open_only_keeps_the_locker_and_is_refused_after_the_window() {
    let app = TestApp::spawn_with(
        CONFIG,
        "open_only_window = \"2s\"\nduplicate_read_window = \"100ms\"",
    )
    .await;
    let kiosk = app.kiosk("women").await;
    kiosk.take(CARD_A, 9).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, decide) = kiosk.scan(CARD_A).await;
    let (status, done) = kiosk.decide(&decide["decision"], "open_only").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["released"], false);
    assert_eq!(
        app.state
            .store
            .locker("women", 9)
            .await
            .unwrap()
            .state
            .as_str(),
        "owned"
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, late) = kiosk.scan(CARD_A).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, err) = kiosk.decide(&late["decision"], "open_only").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "open_only_window_passed");
    let (_, again) = kiosk.scan(CARD_A).await;
    assert_eq!(again["open_only_allowed"], false);
    assert_eq!(
        app.state
            .store
            .locker("women", 9)
            .await
            .unwrap()
            .owner_hint
            .as_deref(),
        Some("…C3D4")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_cards_racing_for_one_locker_yield_one_winner_and_a_409() {
    let db = std::sync::Arc::new(crate::helpers::TestDb::new().await);
    let app = TestApp::spawn_on(db, CONFIG, "", Duration::from_millis(30)).await;
    // Two screens of the same changing room.
    let screen1 = app.kiosk("men").await;
    let screen2 = app.kiosk("men").await;
    let (_, c1) = screen1.scan(CARD_A).await;
    let (_, c2) = screen2.scan(CARD_B).await;
    let (a, b) = tokio::join!(
        screen1.select(&c1["session"], 8),
        screen2.select(&c2["session"], 8)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let loser = if a.0 == StatusCode::CONFLICT {
        a.1
    } else {
        b.1
    };
    assert_eq!(loser["error"]["code"], "locker_taken");
    assert_eq!(app.events("men", 8, "locker_assigned").await.len(), 1);
    assert_eq!(
        app.sim("bus-men").pulses(1, 8),
        1,
        "the loser fired no relay"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_scan_cancels_the_open_session_and_sessions_expire() {
    let app = TestApp::spawn_with(CONFIG, "selection_timeout = \"1s\"").await;
    let kiosk = app.kiosk("men").await;
    let (_, first) = kiosk.scan(CARD_A).await;
    let (_, second) = kiosk.scan(CARD_B).await;
    let (status, err) = kiosk.select(&first["session"], 1).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(err["error"]["code"], "session_expired");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = kiosk.select(&second["session"], 1).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(app.total_pulses(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locker_not_offered_cannot_be_selected() {
    let app = TestApp::spawn_with(CONFIG, "max_offered_lockers = 2").await;
    let kiosk = app.kiosk("men").await;
    let (_, choose) = kiosk.scan(CARD_A).await;
    let (status, err) = kiosk.select(&choose["session"], 30).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "locker_not_offered");
}

#[tokio::test(flavor = "multi_thread")]
async fn automatic_mode_gives_the_least_recently_used_locker_then_the_recent_holder_its_own() {
    let app = TestApp::spawn_with(CONFIG, "assignment_mode = \"automatic\"\nrecent_holder_min_hold = \"1s\"\nduplicate_read_window = \"100ms\"").await;
    let kiosk = app.kiosk("women").await;
    let (status, first) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["action"], "opened");
    assert_eq!(first["assigned"], true);
    assert_eq!(
        first["locker"]["number"], 1,
        "never used lockers first, lowest number"
    );
    let (_, second) = kiosk.scan(CARD_B).await;
    assert_eq!(second["locker"]["number"], 2);
    // A too-short hold: B releases right away and gets the least recently used locker next time.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, d) = kiosk.scan(CARD_B).await;
    kiosk.decide(&d["decision"], "finish").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, again) = kiosk.scan(CARD_B).await;
    assert_eq!(
        again["locker"]["number"], 3,
        "held < recent_holder_min_hold: not its old locker"
    );
    // A long enough hold: A keeps 1 for > 1 s, releases, and gets 1 back.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (_, d) = kiosk.scan(CARD_A).await;
    kiosk.decide(&d["decision"], "finish").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, back) = kiosk.scan(CARD_A).await;
    assert_eq!(back["locker"]["number"], 1, "{back}");
    let events = app.events("women", 1, "locker_assigned").await;
    assert_eq!(
        events.last().unwrap()["data"]["assignment"],
        "recent_holder"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_free_locker_is_a_409_and_changes_nothing() {
    let app = TestApp::spawn_with(CONFIG, "assignment_mode = \"automatic\"").await;
    let kiosk = app.kiosk("women").await;
    for i in 0..16 {
        let (status, body) = kiosk.scan(&format!("AB{i:08}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, err) = kiosk.scan("FFEEDDCCBB").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "no_free_lockers");
    assert_eq!(app.total_pulses(), 16);
}

#[tokio::test(flavor = "multi_thread")]
async fn overdue_is_flagged_and_auto_release_is_off_by_default() {
    let app = TestApp::spawn_with(CONFIG, "overdue_after = \"1s\"").await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD_A, 6).await;
    let admin = app.admin().await;
    let (_, before) = admin.get("/api/kiosks/men/lockers/6").await;
    assert_eq!(before["overdue"], false);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, after) = admin.get("/api/kiosks/men/lockers/6").await;
    assert_eq!(after["overdue"], true);
    assert_eq!(after["state"], "owned", "overdue changes no state");
    let outcome = kioskhub::jobs::Housekeeping::default()
        .tick(&app.state, kioskhub::time::now_ms() + 48 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(outcome.auto_released, 0);
    assert_eq!(
        app.state
            .store
            .locker("men", 6)
            .await
            .unwrap()
            .state
            .as_str(),
        "owned"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_release_frees_without_opening_when_enabled() {
    let app = TestApp::spawn_with(CONFIG, "auto_release_after = \"1s\"").await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD_A, 6).await;
    let outcome = kioskhub::jobs::Housekeeping::default()
        .tick(&app.state, kioskhub::time::now_ms() + 2000)
        .await
        .unwrap();
    assert_eq!(outcome.auto_released, 1);
    assert_eq!(
        app.state
            .store
            .locker("men", 6)
            .await
            .unwrap()
            .state
            .as_str(),
        "free"
    );
    assert_eq!(app.total_pulses(), 1, "released without a pulse");
    assert_eq!(app.events("men", 6, "locker_auto_released").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_read_needs_a_second_identical_read_and_duplicates_count_once() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    let (status, first) = kiosk.scan("1234").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["action"], "confirm_read");
    let (_, second) = kiosk.scan("1234").await;
    assert_eq!(second["action"], "choose");
    let (_, dup) = kiosk.scan("1234").await;
    assert_eq!(dup["action"], "ignored");
    assert_eq!(dup["reason"], "duplicate_read");
    let (_, full) = kiosk.scan(CARD_A).await;
    assert_eq!(full["action"], "choose");
    let (_, dup) = kiosk.scan(&CARD_A.to_lowercase()).await;
    assert_eq!(
        dup["action"], "ignored",
        "normalised UIDs are the same card"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_lockers_owner_is_refused_with_423_and_an_event() {
    let app = TestApp::spawn().await;
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD_A, 10).await;
    let admin = app.admin().await;
    admin
        .post(
            "/api/kiosks/men/lockers/10/block",
            serde_json::json!({"reason": "inspection"}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, err) = kiosk.scan(CARD_A).await;
    assert_eq!(status, StatusCode::LOCKED);
    assert_eq!(err["error"]["code"], "locker_blocked");
    assert_eq!(
        app.events("men", 10, "locker_access_refused").await.len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vip_card_opens_its_locker_and_keeps_it() {
    let app = TestApp::spawn().await;
    set_vip(&app, "men", 32, "0DEADBEEF1").await;
    let kiosk = app.kiosk("men").await;
    let (status, opened) = kiosk.scan("0DEADBEEF1").await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["action"], "opened");
    assert_eq!(opened["locker"]["number"], 32);
    assert_eq!(opened["locker"]["state"], "vip");
    assert_eq!(app.sim("bus-men").pulses(2, 16), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_card_may_hold_only_one_locker_across_kiosks() {
    let app = TestApp::spawn().await;
    let men = app.kiosk("men").await;
    let women = app.kiosk("women").await;
    men.take(CARD_A, 1).await;
    let (status, err) = women.scan(CARD_A).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "owned_elsewhere");
}

#[tokio::test(flavor = "multi_thread")]
async fn start_up_and_restart_fire_no_relay_and_state_survives() {
    let app = TestApp::spawn().await;
    assert_eq!(app.total_pulses(), 0);
    let kiosk = app.kiosk("men").await;
    kiosk.take(CARD_A, 11).await;
    let app = app.restart().await;
    assert_eq!(app.total_pulses(), 0, "a restart pulses nothing");
    let row = app.state.store.locker("men", 11).await.unwrap();
    assert_eq!(row.state.as_str(), "owned");
    let kiosk = app.kiosk("men").await;
    let (_, decide) = kiosk.scan(CARD_A).await;
    assert_eq!(decide["action"], "decide");
}

/// Every fault a board can produce, end to end through the card flow: the assignment is rolled
/// back (rule 2), the locker goes to `error` with an alert naming the failure, and once the fault
/// clears and staff resolve the locker, the same flow succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn every_injected_relay_fault_rolls_back_alerts_and_recovers() {
    let cases = [
        (SimFault::Silent, "relay_timeout"),
        (SimFault::BadCrc, "relay_crc"),
        (SimFault::Exception(4), "relay_exception"),
        (SimFault::WrongEcho, "relay_mismatch"),
        // Slower than every attempt's timeout together (the board acts, but too late).
        (SimFault::Slow(Duration::from_millis(1500)), "relay_timeout"),
        (SimFault::AddressClash, "relay_crc"),
    ];
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let kiosk = app.kiosk("men").await;
    for (i, (fault, code)) in cases.into_iter().enumerate() {
        let locker = i64::try_from(i).unwrap() + 1;
        let card = format!("0FA{i:07}");
        app.sim("bus-men").inject_fault(1, fault, None);
        let (_, choose) = kiosk.scan(&card).await;
        let (status, err) = kiosk.select(&choose["session"], locker).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{fault:?}: {err}");
        assert_eq!(err["error"]["code"], "relay_failed");
        let row = app.state.store.locker("men", locker).await.unwrap();
        assert_eq!(row.state.as_str(), "error", "{fault:?}");
        assert!(row.owner_key.is_none(), "{fault:?}: rolled back");
        let alerts = app.events("men", locker, "locker_error").await;
        assert_eq!(alerts.len(), 1, "{fault:?}");
        assert_eq!(alerts[0]["data"]["error"], code, "{fault:?}");
        assert_eq!(alerts[0]["data"]["alert"], true);
        app.sim("bus-men").clear_fault(1);
        let (status, _) = admin
            .post(
                &format!("/api/kiosks/men/lockers/{locker}/resolve"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{fault:?}");
        // Let late replies drain and the duplicate-read window pass.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let (_, choose) = kiosk.scan(&card).await;
        let (status, opened) = kiosk.select(&choose["session"], locker).await;
        assert_eq!(status, StatusCode::OK, "{fault:?} cleared: {opened}");
    }
}
