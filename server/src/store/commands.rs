//! Staff commands (spec §5.3): one row per command, executed at most once, with its result.

use super::{Store, StoreResult, WriteTx};

/// A command to record.
#[derive(Debug, Clone)]
pub struct NewCommand<'a> {
    pub id: &'a str,
    pub idem_key: Option<&'a str>,
    pub kind: &'a str,
    pub kiosk_id: &'a str,
    pub locker: Option<i64>,
    pub params: serde_json::Value,
    pub requested_by: &'a str,
    pub created_at: i64,
    pub deadline_at: i64,
}

/// A command as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommandRow {
    pub id: String,
    pub kind: String,
    pub kiosk_id: String,
    pub locker: Option<i64>,
    pub params: String,
    pub state: String,
    pub requested_by: String,
    pub created_at: i64,
    pub deadline_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub result: Option<String>,
    pub error_code: Option<String>,
}

const COLUMNS: &str = "id, kind, kiosk_id, locker, params, state, requested_by, created_at, \
    deadline_at, started_at, finished_at, result, error_code";

impl WriteTx {
    /// Insert a command in state `running`.
    pub async fn insert_command(&mut self, cmd: &NewCommand<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO commands (id, idem_key, kind, kiosk_id, locker, params, state, \
             requested_by, created_at, deadline_at, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $8)",
        )
        .bind(cmd.id)
        .bind(cmd.idem_key)
        .bind(cmd.kind)
        .bind(cmd.kiosk_id)
        .bind(cmd.locker)
        .bind(cmd.params.to_string())
        .bind(cmd.requested_by)
        .bind(cmd.created_at)
        .bind(cmd.deadline_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Record a command's final state and result.
    pub async fn finish_command(
        &mut self,
        id: &str,
        state: &str,
        result: &serde_json::Value,
        error_code: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE commands SET state = $1, result = $2, error_code = $3, finished_at = $4 \
             WHERE id = $5",
        )
        .bind(state)
        .bind(result.to_string())
        .bind(error_code)
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// One command by id.
    pub async fn command(&self, id: &str) -> StoreResult<CommandRow> {
        let sql = format!("SELECT {COLUMNS} FROM commands WHERE id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// One command by its idempotency key.
    pub async fn command_by_key(&self, key: &str) -> StoreResult<Option<CommandRow>> {
        let sql = format!("SELECT {COLUMNS} FROM commands WHERE idem_key = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Commands still marked running (after a crash they are expired at start-up).
    pub async fn expire_running_commands(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE commands SET state = 'expired', finished_at = $1, error_code = 'interrupted' \
             WHERE state IN ('queued', 'running')",
        )
        .bind(now)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
