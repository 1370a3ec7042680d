//! USB card readers that present themselves as a keyboard: read from their Linux input device
//! (`/dev/input/by-id/…-event-kbd`) with an exclusive grab, so the digits they type reach only
//! Kioskhub and never a focused window or a console login.
//!
//! A card is the digits (and the hex letters A–F some readers type) pressed before Enter. Key
//! releases, autorepeats, modifiers and other keys are ignored; digits left over from a read cut
//! short are dropped when the next key comes more than `KEY_GAP` later, so they never prefix the
//! next card. An unplugged reader ends the event stream; the task reopens the device path when
//! it comes back (the `by-id` link reappears with the device).

use super::{Ended, Reader};
use evdev::{Device, KeyCode};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// `EV_KEY` (linux/input-event-codes.h).
pub const EV_KEY: u16 = 0x01;
/// A reader types a card in one burst; a longer pause drops what came before it.
pub const KEY_GAP: Duration = Duration::from_secs(1);
/// Longest card accepted; longer input is not a card.
pub const MAX_KEYS: usize = 64;

/// Turns key events into cards.
#[derive(Debug, Default)]
pub struct KeyDecoder {
    typed: String,
    overflow: bool,
    last_key: Option<Instant>,
}

impl KeyDecoder {
    /// Feeds one input event (`type`, `code`, `value`) seen at `now`; returns a card when it was
    /// the Enter that completes one.
    pub fn push(&mut self, kind: u16, code: u16, value: i32, now: Instant) -> Option<String> {
        // Only presses: 0 is a release, 2 an autorepeat.
        if kind != EV_KEY || value != 1 {
            return None;
        }
        if self
            .last_key
            .is_some_and(|last| now.saturating_duration_since(last) > KEY_GAP)
        {
            self.clear();
        }
        self.last_key = Some(now);
        let key = KeyCode(code);
        if key == KeyCode::KEY_ENTER || key == KeyCode::KEY_KPENTER {
            let card = std::mem::take(&mut self.typed);
            let overflow = std::mem::replace(&mut self.overflow, false);
            return (!card.is_empty() && !overflow).then_some(card);
        }
        if let Some(c) = character(key) {
            if self.typed.len() < MAX_KEYS {
                self.typed.push(c);
            } else {
                self.overflow = true;
            }
        }
        None
    }

    fn clear(&mut self) {
        self.typed.clear();
        self.overflow = false;
    }
}

/// The character a card reader means by `key`, if it is part of a card.
fn character(key: KeyCode) -> Option<char> {
    const ROW: [KeyCode; 10] = [
        KeyCode::KEY_0,
        KeyCode::KEY_1,
        KeyCode::KEY_2,
        KeyCode::KEY_3,
        KeyCode::KEY_4,
        KeyCode::KEY_5,
        KeyCode::KEY_6,
        KeyCode::KEY_7,
        KeyCode::KEY_8,
        KeyCode::KEY_9,
    ];
    const PAD: [KeyCode; 10] = [
        KeyCode::KEY_KP0,
        KeyCode::KEY_KP1,
        KeyCode::KEY_KP2,
        KeyCode::KEY_KP3,
        KeyCode::KEY_KP4,
        KeyCode::KEY_KP5,
        KeyCode::KEY_KP6,
        KeyCode::KEY_KP7,
        KeyCode::KEY_KP8,
        KeyCode::KEY_KP9,
    ];
    const HEX: [(KeyCode, char); 6] = [
        (KeyCode::KEY_A, 'A'),
        (KeyCode::KEY_B, 'B'),
        (KeyCode::KEY_C, 'C'),
        (KeyCode::KEY_D, 'D'),
        (KeyCode::KEY_E, 'E'),
        (KeyCode::KEY_F, 'F'),
    ];
    let digit = |keys: &[KeyCode; 10]| {
        keys.iter()
            .position(|k| *k == key)
            .and_then(|d| char::from_digit(u32::try_from(d).ok()?, 10))
    };
    digit(&ROW)
        .or_else(|| digit(&PAD))
        .or_else(|| HEX.iter().find(|(k, _)| *k == key).map(|(_, c)| *c))
}

/// Opens and grabs `device`, then reads cards until it goes away or `stop` fires. `Err`: it
/// could not be opened or grabbed (missing, no permission, grabbed by another program).
pub(super) async fn connect(
    reader: &Reader,
    device: &str,
    stop: &CancellationToken,
) -> Result<Ended, String> {
    let path = device.to_owned();
    let opened = tokio::task::spawn_blocking(move || {
        let mut input = Device::open(&path)?;
        input.grab()?;
        Ok::<_, std::io::Error>(input)
    })
    .await
    .map_err(|e| format!("opening {device} failed: {e}"))?
    .map_err(|e| format!("cannot open and grab {device}: {e}"))?;
    let mut events = opened
        .into_event_stream()
        .map_err(|e| format!("cannot read {device}: {e}"))?;
    reader.connected();
    let mut decoder = KeyDecoder::default();
    loop {
        let event = tokio::select! {
            () = stop.cancelled() => return Ok(Ended::Stopped),
            event = events.next_event() => event,
        };
        match event {
            Ok(ev) => {
                let card = decoder.push(ev.event_type().0, ev.code(), ev.value(), Instant::now());
                if let Some(card) = card {
                    reader.card(&card).await;
                }
            }
            Err(e) => return Ok(Ended::Lost(format!("{device}: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(seconds since the first event, type, code, value)` from evtest's output; a SYN_REPORT
    /// line is `(t, 0, 0, 0)`, and non-decimal values (MSC_SCAN's hex) read as 0.
    fn recorded(text: &str) -> Vec<(f64, u16, u16, i32)> {
        let field = |line: &str, key: &str| -> Option<String> {
            let rest = line.split(key).nth(1)?;
            Some(rest.split([',', ' ']).next()?.to_owned())
        };
        let mut first = None;
        text.lines()
            .filter(|l| l.starts_with("Event: "))
            .map(|l| {
                let time: f64 = field(l, "time ").and_then(|t| t.parse().ok()).unwrap();
                let since = time - *first.get_or_insert(time);
                let number = |key| field(l, key).and_then(|v| v.parse().ok()).unwrap_or(0);
                let kind = u16::try_from(number("type ")).unwrap();
                let code = u16::try_from(number("code ")).unwrap();
                (since, kind, code, number("value "))
            })
            .collect()
    }

    #[test]
    fn a_recorded_reader_stream_decodes_to_its_cards() {
        let stream = recorded(include_str!("evtest-usb-reader.txt"));
        assert!(stream.len() > 200);
        let start = Instant::now();
        let mut decoder = KeyDecoder::default();
        let cards: Vec<String> = stream
            .into_iter()
            .filter_map(|(at, kind, code, value)| {
                decoder.push(kind, code, value, start + Duration::from_secs_f64(at))
            })
            .collect();
        assert_eq!(cards, vec!["0012345678", "04A1B2C3D4", "11223344"]);
    }

    #[test]
    fn input_longer_than_a_card_is_dropped_at_enter() {
        let mut d = KeyDecoder::default();
        let t = Instant::now();
        for _ in 0..=MAX_KEYS {
            assert_eq!(d.push(EV_KEY, KeyCode::KEY_5.0, 1, t), None);
        }
        assert_eq!(d.push(EV_KEY, KeyCode::KEY_ENTER.0, 1, t), None);
        d.push(EV_KEY, KeyCode::KEY_7.0, 1, t);
        assert_eq!(
            d.push(EV_KEY, KeyCode::KEY_ENTER.0, 1, t),
            Some("7".to_owned())
        );
    }
}
