//! The technician's tools against simulated boards: scan, addressing, pulse, walk, inputs.

use crate::helpers::{generic, waveshare};
use kioskhub_relay::commission::{self, ScanReply, WalkControl};
use kioskhub_relay::frame::Request;
use kioskhub_relay::sim::{SimHandle, SimOptions};
use kioskhub_relay::{BoardKind, Endpoint};

fn line(boards: &[kioskhub_relay::BoardSpec]) -> (Endpoint, SimHandle) {
    let sim = SimHandle::new(boards, SimOptions::default());
    (sim.endpoint(), sim)
}

#[tokio::test]
async fn a_scan_lists_every_board_and_how_it_answered() {
    let (line, _sim) = line(&[waveshare(1), generic(3)]);
    let hits = commission::scan(&line, 1..=4).await.unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!((hits[0].slave, &hits[0].reply), (1, &ScanReply::Address(1)));
    assert_eq!(
        (hits[1].slave, &hits[1].reply),
        (3, &ScanReply::Refused { code: 2 })
    );
    assert!(hits.iter().all(|h| !h.likely_clash()));
}

#[tokio::test]
async fn a_scan_flags_two_boards_on_one_address() {
    let (line, _sim) = line(&[waveshare(1), waveshare(1), waveshare(2)]);
    let hits = commission::scan(&line, 1..=2).await.unwrap();
    assert!(hits[0].likely_clash(), "{hits:?}");
    assert!(!hits[1].likely_clash());
}

#[tokio::test]
async fn a_scan_of_an_empty_line_says_what_to_check() {
    let (line, _sim) = line(&[]);
    let err = commission::scan(&line, 1..=3).await.unwrap_err();
    assert!(err.problem.contains("no board answered at 1–3"), "{err}");
    assert!(err.hint.contains("A/B wiring"), "{err}");
}

#[tokio::test]
async fn the_address_of_a_lone_board_is_read_through_slave_0() {
    let (line, _sim) = line(&[waveshare(9)]);
    assert_eq!(commission::get_address(&line).await.unwrap(), 9);
}

#[tokio::test]
async fn reading_the_address_with_two_boards_on_the_line_is_refused() {
    let (line, _sim) = line(&[waveshare(1), waveshare(2)]);
    let err = commission::get_address(&line).await.unwrap_err();
    assert!(err.problem.contains("more than one board"), "{err}");
}

#[tokio::test]
async fn a_lone_board_gets_a_new_address_by_broadcast_and_it_is_read_back() {
    let (line, sim) = line(&[waveshare(1)]);
    commission::set_address(&line, None, 5).await.unwrap();
    assert_eq!(sim.addresses(), vec![5]);
    let broadcast = Request::WriteSingleRegister {
        address: 0x4000,
        value: 5,
    };
    let seen = sim.requests();
    assert!(seen.iter().any(|r| r.slave == 0 && r.request == broadcast));
    assert!(seen.last().is_some_and(|r| r.slave == 5), "read back at 5");
}

#[tokio::test]
async fn a_broadcast_address_change_is_refused_with_two_boards_on_the_line() {
    let (line, sim) = line(&[waveshare(1), waveshare(2)]);
    let err = commission::set_address(&line, None, 5).await.unwrap_err();
    assert!(err.hint.contains("disconnect every board but"), "{err}");
    assert_eq!(sim.addresses(), vec![1, 2], "nothing was written");
}

#[tokio::test]
async fn a_board_is_moved_to_a_free_address_and_never_onto_a_taken_one() {
    let (line, sim) = line(&[waveshare(1), waveshare(2)]);
    commission::set_address(&line, Some(2), 7).await.unwrap();
    assert_eq!(sim.addresses(), vec![1, 7]);
    let err = commission::set_address(&line, Some(1), 7)
        .await
        .unwrap_err();
    assert!(
        err.problem.contains("already answers at address 7"),
        "{err}"
    );
    assert_eq!(sim.addresses(), vec![1, 7]);
    let err = commission::set_address(&line, Some(1), 0)
        .await
        .unwrap_err();
    assert!(err.hint.contains("1 to 247"), "{err}");
}

#[tokio::test]
async fn pulse_walk_and_inputs_drive_one_board() {
    let (line, sim) = line(&[waveshare(1), generic(2)]);
    commission::pulse(&line, 1, 4, 500, BoardKind::Waveshare16)
        .await
        .unwrap();
    assert_eq!(sim.pulses(1, 4), 1);
    commission::pulse(&line, 2, 1, 100, BoardKind::Generic)
        .await
        .unwrap();
    assert!(
        !sim.coil(2, 1),
        "the generic OFF went out before pulse returned"
    );

    let mut seen = Vec::new();
    let steps = commission::walk(&line, 1, BoardKind::Waveshare16, 1..=16, 100, |step| {
        seen.push(step.channel);
        let next = if step.channel == 3 {
            WalkControl::Stop
        } else {
            WalkControl::Next
        };
        async move { next }
    })
    .await
    .unwrap();
    assert_eq!(seen, vec![1, 2, 3]);
    assert!(steps.iter().all(|s| s.outcome.is_ok()));
    assert_eq!((sim.pulses(1, 3), sim.pulses(1, 5)), (1, 0));

    sim.set_input(1, 2, true);
    let inputs = commission::read_inputs(&line, 1, 4).await.unwrap();
    assert_eq!(inputs, vec![false, true, false, false]);

    let err = commission::pulse(&line, 1, 1, 5000, BoardKind::Waveshare16)
        .await
        .unwrap_err();
    assert!(err.hint.contains("100–3000 ms"), "{err}");
    let err = commission::pulse(&line, 1, 17, 500, BoardKind::Waveshare16)
        .await
        .unwrap_err();
    assert!(
        err.hint.contains("kind"),
        "a channel the board lacks: {err}"
    );
}
