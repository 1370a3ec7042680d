//! Kiosks, their device credentials and pairing codes, and the master-PIN lockout per kiosk.

use super::{Store, StoreResult, WriteTx, flag};

/// A kiosk as stored.
#[derive(Debug, Clone)]
pub struct KioskRow {
    pub id: String,
    pub site: String,
    pub name: String,
    pub locker_count: i64,
    pub retired: bool,
    pub last_heartbeat_at: Option<i64>,
    pub telemetry: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RawKiosk {
    id: String,
    site: String,
    name: String,
    locker_count: i64,
    retired: i64,
    last_heartbeat_at: Option<i64>,
    telemetry: Option<String>,
}

impl From<RawKiosk> for KioskRow {
    fn from(r: RawKiosk) -> Self {
        KioskRow {
            id: r.id,
            site: r.site,
            name: r.name,
            locker_count: r.locker_count,
            retired: flag(r.retired),
            last_heartbeat_at: r.last_heartbeat_at,
            telemetry: r.telemetry,
        }
    }
}

/// A device credential as stored (the token itself is never stored).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CredentialRow {
    pub id: String,
    pub kiosk_id: String,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Master-PIN failure state of one kiosk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct MasterLockout {
    pub master_failures: i64,
    pub master_lockout_level: i64,
    pub master_locked_until: Option<i64>,
}

impl Store {
    /// Active kiosks, by id.
    pub async fn kiosks(&self) -> StoreResult<Vec<KioskRow>> {
        let rows: Vec<RawKiosk> = sqlx::query_as(
            "SELECT id, site, name, locker_count, retired, last_heartbeat_at, telemetry \
             FROM kiosks WHERE retired = 0 ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(KioskRow::from).collect())
    }

    /// One active kiosk.
    pub async fn kiosk(&self, id: &str) -> StoreResult<KioskRow> {
        let row: RawKiosk = sqlx::query_as(
            "SELECT id, site, name, locker_count, retired, last_heartbeat_at, telemetry \
             FROM kiosks WHERE id = $1 AND retired = 0",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// The kiosk a live (unrevoked) credential belongs to, by token hash; marks it used.
    pub async fn credential_by_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<CredentialRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.kiosk_id, c.created_at, c.created_by, c.last_used_at, c.revoked_at \
             FROM kiosk_credentials c JOIN kiosks k ON k.id = c.kiosk_id \
             WHERE c.token_hash = $1 AND c.revoked_at IS NULL AND k.retired = 0",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Credentials of a kiosk, newest first.
    pub async fn credentials(&self, kiosk: &str) -> StoreResult<Vec<CredentialRow>> {
        Ok(sqlx::query_as(
            "SELECT id, kiosk_id, created_at, created_by, last_used_at, revoked_at \
             FROM kiosk_credentials WHERE kiosk_id = $1 ORDER BY created_at DESC",
        )
        .bind(kiosk)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Live (unrevoked) credentials per kiosk: the devices paired with each.
    pub async fn live_credential_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kiosk_id, CAST(COUNT(*) AS BIGINT) FROM kiosk_credentials \
             WHERE revoked_at IS NULL GROUP BY kiosk_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Master-PIN lockout state of a kiosk.
    pub async fn master_lockout(&self, kiosk: &str) -> StoreResult<MasterLockout> {
        Ok(sqlx::query_as(
            "SELECT master_failures, master_lockout_level, master_locked_until FROM kiosks \
             WHERE id = $1",
        )
        .bind(kiosk)
        .fetch_one(&self.pool)
        .await?)
    }
}

impl WriteTx {
    /// Insert or update a kiosk from the configuration (un-retiring it).
    pub async fn upsert_kiosk(
        &mut self,
        id: &str,
        site: &str,
        name: &str,
        locker_count: i64,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO kiosks (id, site, name, locker_count, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET site = excluded.site, name = excluded.name, \
             locker_count = excluded.locker_count, retired = 0",
        )
        .bind(id)
        .bind(site)
        .bind(name)
        .bind(locker_count)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Retire kiosks that are no longer configured; returns their ids.
    pub async fn retire_kiosks_except(&mut self, keep: &[String]) -> StoreResult<Vec<String>> {
        let all: Vec<String> = sqlx::query_scalar("SELECT id FROM kiosks WHERE retired = 0")
            .fetch_all(self.conn())
            .await?;
        let mut retired = Vec::new();
        for id in all.into_iter().filter(|id| !keep.contains(id)) {
            sqlx::query("UPDATE kiosks SET retired = 1 WHERE id = $1")
                .bind(&id)
                .execute(self.conn())
                .await?;
            retired.push(id);
        }
        Ok(retired)
    }

    /// Store a pairing code's hash.
    pub async fn insert_pairing_code(
        &mut self,
        code_hash: &str,
        kiosk: &str,
        now: i64,
        expires_at: i64,
        created_by: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO pairing_codes (code_hash, kiosk_id, created_at, expires_at, created_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code_hash)
        .bind(kiosk)
        .bind(now)
        .bind(expires_at)
        .bind(created_by)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Mark an unused, unexpired pairing code used; returns its kiosk.
    pub async fn consume_pairing_code(
        &mut self,
        code_hash: &str,
        now: i64,
    ) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "UPDATE pairing_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING kiosk_id",
        )
        .bind(now)
        .bind(code_hash)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Store a new device credential.
    pub async fn insert_credential(
        &mut self,
        id: &str,
        kiosk: &str,
        token_hash: &str,
        now: i64,
        created_by: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO kiosk_credentials (id, kiosk_id, token_hash, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(kiosk)
        .bind(token_hash)
        .bind(now)
        .bind(created_by)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Revoke a credential of a kiosk; false when there was no such live credential.
    pub async fn revoke_credential(
        &mut self,
        kiosk: &str,
        id: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE kiosk_credentials SET revoked_at = $1 WHERE id = $2 AND kiosk_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(kiosk)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Record a heartbeat and its telemetry; true when the kiosk was offline until now.
    pub async fn record_heartbeat(
        &mut self,
        kiosk: &str,
        now: i64,
        telemetry: &str,
    ) -> StoreResult<bool> {
        let was: Option<i64> = sqlx::query_scalar("SELECT online FROM kiosks WHERE id = $1")
            .bind(kiosk)
            .fetch_optional(self.conn())
            .await?;
        sqlx::query(
            "UPDATE kiosks SET last_heartbeat_at = $1, telemetry = $2, online = 1 WHERE id = $3",
        )
        .bind(now)
        .bind(telemetry)
        .bind(kiosk)
        .execute(self.conn())
        .await?;
        Ok(was == Some(0))
    }

    /// Mark kiosks whose last heartbeat is older than `before` offline; returns their ids.
    pub async fn mark_offline(&mut self, before: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "UPDATE kiosks SET online = 0 WHERE online = 1 AND last_heartbeat_at < $1 RETURNING id",
        )
        .bind(before)
        .fetch_all(self.conn())
        .await?)
    }

    /// Write a kiosk's master-PIN lockout state.
    pub async fn set_master_lockout(
        &mut self,
        kiosk: &str,
        state: &MasterLockout,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE kiosks SET master_failures = $1, master_lockout_level = $2, \
             master_locked_until = $3 WHERE id = $4",
        )
        .bind(state.master_failures)
        .bind(state.master_lockout_level)
        .bind(state.master_locked_until)
        .bind(kiosk)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
