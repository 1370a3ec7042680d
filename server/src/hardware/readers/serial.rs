//! Serial card readers: each card arrives as `STX(0x02) payload ETX(0x03)`, the payload in ASCII
//! (125 kHz modules such as the RDM6300 send ten hex digits and a two-digit checksum).
//!
//! A serial line is noisy: bytes outside a frame are dropped, a new STX restarts the frame (the
//! start of the previous one was lost), a frame that stalls for longer than `FRAME_GAP`
//! or grows past `MAX_PAYLOAD` is dropped, and a payload with control characters is noise, not a
//! card. The payload is handed over as read; `CardUid::normalise` interprets it.

use super::{Ended, Reader};
use std::time::Duration;
use tokio::io::AsyncReadExt as _;
use tokio::time::Instant;
use tokio_serial::SerialStream;
use tokio_util::sync::CancellationToken;

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
/// Longest payload accepted between STX and ETX.
pub const MAX_PAYLOAD: usize = 64;
/// A reader sends a frame in one burst; a longer pause inside one means it was cut off.
pub const FRAME_GAP: Duration = Duration::from_millis(300);

/// Splits a byte stream into card payloads.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    /// The payload so far, while inside a frame.
    frame: Option<Vec<u8>>,
    last_byte: Option<Instant>,
}

impl FrameDecoder {
    /// Feeds bytes that arrived at `now`; returns the payloads of the frames they completed.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<String> {
        if self
            .last_byte
            .is_some_and(|last| now.saturating_duration_since(last) > FRAME_GAP)
        {
            self.frame = None;
        }
        self.last_byte = Some(now);
        let mut cards = Vec::new();
        for &byte in bytes {
            match (byte, self.frame.as_mut()) {
                (STX, _) => self.frame = Some(Vec::new()),
                (ETX, Some(_)) => {
                    let payload = self.frame.take().unwrap_or_default();
                    cards.extend(card_text(&payload));
                }
                (_, Some(frame)) if frame.len() < MAX_PAYLOAD => frame.push(byte),
                (_, Some(_)) => self.frame = None,
                (_, None) => {}
            }
        }
        cards
    }
}

/// The payload as text, if it looks like a card: printable ASCII, surrounding CR/LF allowed.
fn card_text(payload: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(payload)
        .ok()?
        .trim_matches(['\r', '\n', ' ']);
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .then(|| text.to_owned())
}

/// Opens `port` and reads cards until it goes away or `stop` fires. `Err`: it could not be
/// opened.
pub(super) async fn connect(
    reader: &Reader,
    port: &str,
    baud: u32,
    stop: &CancellationToken,
) -> Result<Ended, String> {
    let builder = tokio_serial::new(port, baud);
    let mut stream = tokio::task::spawn_blocking(move || SerialStream::open(&builder))
        .await
        .map_err(|e| format!("opening {port} failed: {e}"))?
        .map_err(|e| format!("cannot open {port}: {e}"))?;
    reader.connected();
    let mut decoder = FrameDecoder::default();
    let mut chunk = [0u8; 256];
    loop {
        let read = tokio::select! {
            () = stop.cancelled() => return Ok(Ended::Stopped),
            read = stream.read(&mut chunk) => read,
        };
        match read {
            Ok(0) => return Ok(Ended::Lost(format!("{port} closed"))),
            Ok(n) => {
                for card in decoder.push(&chunk[..n], Instant::now()) {
                    reader.card(&card).await;
                }
            }
            Err(e) => return Ok(Ended::Lost(format!("{port}: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &str) -> Vec<u8> {
        let mut bytes = vec![STX];
        bytes.extend_from_slice(payload.as_bytes());
        bytes.push(ETX);
        bytes
    }

    #[test]
    fn a_frame_split_across_reads_yields_its_payload_once() {
        let mut d = FrameDecoder::default();
        let t = Instant::now();
        let bytes = frame("0F00A1B2C3D4\r\n");
        assert!(d.push(&bytes[..5], t).is_empty());
        assert_eq!(d.push(&bytes[5..], t), vec!["0F00A1B2C3D4"]);
        assert!(d.push(&[ETX], t).is_empty(), "a stray ETX is no card");
    }

    #[test]
    fn noise_partial_frames_and_overlong_frames_are_dropped() {
        let mut d = FrameDecoder::default();
        let t = Instant::now();
        let mut bytes = b"\xff\x00junk".to_vec();
        bytes.extend([STX, b'1', b'2']); // a frame whose end was lost
        bytes.extend(frame("04A1B2C3D4"));
        bytes.extend([STX, 0x07, b'9', ETX]); // a control character: noise
        bytes.push(STX);
        bytes.extend(vec![b'7'; MAX_PAYLOAD + 1]);
        bytes.push(ETX);
        bytes.extend(frame("11223344"));
        assert_eq!(d.push(&bytes, t), vec!["04A1B2C3D4", "11223344"]);
    }

    #[test]
    fn a_frame_that_stalls_is_dropped() {
        let mut d = FrameDecoder::default();
        let t = Instant::now();
        assert!(d.push(&[STX, b'1', b'2'], t).is_empty());
        let later = t + FRAME_GAP + Duration::from_millis(1);
        assert!(d.push(b"34\x03", later).is_empty());
        assert_eq!(d.push(&frame("5566"), later), vec!["5566"]);
    }
}
