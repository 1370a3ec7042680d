//! Card identifiers: one normalisation for every reader (kiosk page, evdev, serial), and the keyed
//! hash under which a card is stored so the database never holds a raw UID (spec §3.2).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Longest normalised UID kept.
pub const MAX_UID_LEN: usize = 64;
/// A UID with fewer significant digits than this is a suspected partial read.
pub const MIN_FULL_READ_DIGITS: usize = 8;
/// Longest raw reader input accepted before normalisation.
pub const MAX_RAW_LEN: usize = 256;

/// A normalised card UID: upper-case hex digits, leading zeros stripped, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardUid(String);

impl CardUid {
    /// Normalise what a reader sent: keep hex digits, upper-case them, strip leading zeros
    /// (noise some readers prepend), cap at 64 characters. `None` when nothing is left.
    pub fn normalise(raw: &str) -> Option<CardUid> {
        if raw.len() > MAX_RAW_LEN {
            return None;
        }
        let digits: String = raw
            .chars()
            .filter(char::is_ascii_hexdigit)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let significant = digits.trim_start_matches('0');
        if significant.is_empty() {
            return None;
        }
        Some(CardUid(significant.chars().take(MAX_UID_LEN).collect()))
    }

    /// Too few digits to trust on one read (spec §3.2: confirm with a second read).
    pub fn is_partial(&self) -> bool {
        self.0.len() < MIN_FULL_READ_DIGITS
    }

    /// The last four digits, the only part of a card staff ever see.
    pub fn hint(&self) -> String {
        let start = self.0.len().saturating_sub(4);
        format!("…{}", &self.0[start..])
    }

    /// The stored key: HMAC-SHA256 of the UID under the installation secret, hex.
    pub fn key(&self, secret: &[u8]) -> CardKey {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(self.0.as_bytes());
        CardKey(hex::encode(mac.finalize().into_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The keyed hash of a card UID: what the store keeps as a locker's owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardKey(String);

impl CardKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_noise_case_and_leading_zeros_are_normalised_away() {
        let a = CardUid::normalise("\u{2}00a1b2:c3d4-e5\r\n").unwrap();
        assert_eq!(a.as_str(), "A1B2C3D4E5");
        assert_eq!(CardUid::normalise("A1B2C3D4E5").unwrap(), a);
        assert_eq!(CardUid::normalise("0000"), None);
        assert_eq!(CardUid::normalise("xyz"), None);
    }

    #[test]
    fn uids_are_capped_at_64_digits_and_huge_input_is_refused() {
        let long = "F".repeat(100);
        assert_eq!(CardUid::normalise(&long).unwrap().as_str().len(), 64);
        assert_eq!(CardUid::normalise(&"1".repeat(300)), None);
    }

    #[test]
    fn fewer_than_8_digits_is_a_partial_read() {
        assert!(CardUid::normalise("1234567").unwrap().is_partial());
        assert!(!CardUid::normalise("12345678").unwrap().is_partial());
    }

    #[test]
    fn the_key_depends_on_the_secret_and_the_hint_shows_four_digits() {
        let uid = CardUid::normalise("0004A1B2C3").unwrap();
        assert_ne!(uid.key(b"one"), uid.key(b"two"));
        assert_eq!(uid.key(b"one"), uid.key(b"one"));
        assert!(!uid.key(b"one").as_str().contains("A1B2C3"));
        assert_eq!(uid.hint(), "…B2C3");
    }
}
