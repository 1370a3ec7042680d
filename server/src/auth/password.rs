//! Argon2id password and PIN hashing, off the async runtime (each hash takes tens of ms).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params};

/// Minimum staff password length (spec §7).
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (Argon2 takes any length; this bounds the work per request).
pub const MAX_PASSWORD_LEN: usize = 256;

fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Hash a secret with the current parameters into a PHC string.
pub async fn hash(secret: String) -> String {
    tokio::task::spawn_blocking(move || hash_blocking(&secret))
        .await
        .expect("password hashing task panicked")
}

/// Hash on the current thread (CLI and tests).
pub fn hash_blocking(secret: &str) -> String {
    hasher()
        .hash_password(secret.as_bytes())
        .expect("Argon2 with default parameters cannot fail")
        .to_string()
}

/// Does `secret` match the PHC string `stored`? A malformed hash never matches.
pub async fn verify(secret: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&secret, &stored))
        .await
        .expect("password verification task panicked")
}

pub fn verify_blocking(secret: &str, stored: &str) -> bool {
    hasher().verify_password(secret.as_bytes(), stored).is_ok()
}

/// Was `stored` made with other parameters or another algorithm than today's?
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let current = Params::default();
    let same_params = Params::try_from(&parsed).is_ok_and(|p| {
        p.m_cost() == current.m_cost()
            && p.t_cost() == current.t_cost()
            && p.p_cost() == current.p_cost()
    });
    !(same_params && parsed.algorithm == Algorithm::Argon2id.ident())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let h = hash_blocking("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking("correct horse battery", &h));
        assert!(!verify_blocking("correct horse batterY", &h));
        assert!(!verify_blocking("x", "not a hash"));
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn hashes_with_weaker_parameters_are_flagged_for_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            argon2::Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        );
        let h = weak
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify_blocking("correct horse battery", &h));
        assert!(needs_rehash(&h));
        assert!(needs_rehash("garbage"));
    }
}
