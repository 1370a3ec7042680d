//! Staff roles and permissions (spec §7), secret tokens, and password hashing.

pub mod password;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A staff role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Staff,
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "staff" => Role::Staff,
            "auditor" => Role::Auditor,
            _ => return None,
        })
    }

    /// The permission matrix of spec §7.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Staff => matches!(
                p,
                LockersView
                    | LockersOpen
                    | LockersBulkOpen
                    | HelpView
                    | HelpAssign
                    | HelpResolve
                    | VipView
                    | QueueServe
                    | ReportsView
                    | ReportsExport
            ),
            Role::Auditor => matches!(
                p,
                LockersView | HelpView | VipView | ReportsView | ReportsExport | SystemLogs
            ),
        }
    }
}

/// A permission from the matrix of spec §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    LockersView,
    LockersOpen,
    LockersBulkOpen,
    LockersBlock,
    LockersReleaseWithoutOpen,
    LockersTransfer,
    HelpView,
    HelpAssign,
    HelpResolve,
    VipView,
    VipCreate,
    VipModify,
    VipCancel,
    VipPayments,
    QueueServe,
    QueueConfigure,
    ReportsView,
    ReportsExport,
    SystemConfigure,
    SystemUsers,
    SystemKiosks,
    SystemLogs,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        use Permission::*;
        match self {
            LockersView => "lockers:view",
            LockersOpen => "lockers:open",
            LockersBulkOpen => "lockers:bulk_open",
            LockersBlock => "lockers:block",
            LockersReleaseWithoutOpen => "lockers:release_without_open",
            LockersTransfer => "lockers:transfer",
            HelpView => "help:view",
            HelpAssign => "help:assign",
            HelpResolve => "help:resolve",
            VipView => "vip:view",
            VipCreate => "vip:create",
            VipModify => "vip:modify",
            VipCancel => "vip:cancel",
            VipPayments => "vip:payments",
            QueueServe => "queue:serve",
            QueueConfigure => "queue:configure",
            ReportsView => "reports:view",
            ReportsExport => "reports:export",
            SystemConfigure => "system:configure",
            SystemUsers => "system:users",
            SystemKiosks => "system:kiosks",
            SystemLogs => "system:logs",
        }
    }
}

/// A fresh random secret token (256 bits), URL-safe.
pub fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The stored form of a high-entropy token: SHA-256, hex. (Tokens are random, so a fast hash is
/// enough; passwords and PINs use Argon2id.)
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random password for the first admin: 20 characters from an unambiguous alphabet.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

/// A one-time pairing code: 8 characters from the same alphabet, upper case, as `ABCD-EFGH`.
pub fn pairing_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw: String = (0..8)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect();
    format!("{}-{}", &raw[..4], &raw[4..])
}

/// Normalise a typed pairing code (case, dashes, spaces) before hashing.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_matches_the_spec() {
        assert!(Role::Staff.allows(Permission::LockersOpen));
        assert!(Role::Staff.allows(Permission::LockersBulkOpen));
        assert!(!Role::Staff.allows(Permission::LockersBlock));
        assert!(!Role::Staff.allows(Permission::LockersTransfer));
        assert!(!Role::Staff.allows(Permission::SystemLogs));
        assert!(Role::Auditor.allows(Permission::SystemLogs));
        assert!(Role::Auditor.allows(Permission::LockersView));
        assert!(!Role::Auditor.allows(Permission::LockersOpen));
        assert!(Role::Admin.allows(Permission::SystemUsers));
    }

    #[test]
    fn tokens_and_codes_are_random_and_codes_normalise() {
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 43);
        let code = pairing_code();
        assert_eq!(code.len(), 9);
        assert_eq!(normalise_code(&code.to_lowercase()), code.replace('-', ""));
        assert_eq!(random_password().len(), 20);
    }
}
