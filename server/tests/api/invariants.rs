//! Rule 1 under concurrency, as a property: many simultaneous scan/select attempts for few
//! lockers never give a locker two owners nor a card two lockers.

use crate::helpers::{Kiosk, TestApp, TestDb};
use proptest::prelude::*;
use reqwest::StatusCode;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

const FEW_LOCKERS: &str = r#"
[lockers]

[[bus]]
name = "bus"
port = "sim"
turnaround = "0"

[[board]]
bus = "bus"
slave = 1
kind = "waveshare16"

[[kiosk]]
id = "small"
lockers = 3
boards = [{ bus = "bus", slave = 1 }]
"#;

async fn attempt(station: Arc<Kiosk>, card: String, locker: i64) -> Option<(String, i64)> {
    let (status, choose) = station.scan(&card).await;
    if status != StatusCode::OK || choose["action"] != "choose" {
        return None;
    }
    let (status, body) = station.select(&choose["session"], locker).await;
    match status {
        StatusCode::OK => Some((card, locker)),
        StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::GONE => None,
        other => panic!("unexpected {other}: {body}"),
    }
}

async fn run(attempts: Vec<(usize, i64)>) {
    let db = Arc::new(TestDb::new().await);
    let app = TestApp::spawn_on(db, FEW_LOCKERS, "", Duration::from_millis(5)).await;
    let mut stations = Vec::new();
    for _ in 0..attempts.len() {
        stations.push(Arc::new(app.kiosk("small").await));
    }
    let tasks: Vec<_> = attempts
        .iter()
        .zip(stations)
        .map(|((card, locker), station)| {
            tokio::spawn(attempt(station, format!("CAFE{card:06}"), *locker))
        })
        .collect();
    let mut wins = Vec::new();
    for t in tasks {
        if let Some(win) = t.await.unwrap() {
            wins.push(win);
        }
    }
    let lockers: HashSet<i64> = wins.iter().map(|w| w.1).collect();
    let cards: HashSet<&String> = wins.iter().map(|w| &w.0).collect();
    assert_eq!(
        lockers.len(),
        wins.len(),
        "a locker was given twice: {wins:?}"
    );
    assert_eq!(cards.len(), wins.len(), "a card got two lockers: {wins:?}");
    // The store agrees with what the kiosks were told.
    let rows = app.state.store.lockers("small").await.unwrap();
    let mut owners: HashMap<String, i64> = HashMap::new();
    for row in rows.iter().filter(|r| r.owner_key.is_some()) {
        assert!(
            owners
                .insert(row.owner_key.clone().unwrap(), row.number)
                .is_none(),
            "one card owns two lockers in the store"
        );
    }
    assert_eq!(owners.len(), wins.len());
    for (card, locker) in &wins {
        let (_, key) = app.state.lockers.card(card).unwrap();
        assert_eq!(owners.get(key.as_str()), Some(locker));
    }
    assert_eq!(
        app.total_pulses() as usize,
        wins.len(),
        "every pulse belongs to a committed assignment"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_scans_never_double_assign(attempts in prop::collection::vec((0usize..5, 1i64..=3), 4..14)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(attempts));
    }
}
