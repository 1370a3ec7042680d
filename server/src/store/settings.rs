//! Settings edited in the panel: one row per overridden value, keyed by scope and name.

use super::{Store, StoreResult, WriteTx};

/// One panel setting as stored; `value` is JSON.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingRow {
    pub scope: String,
    pub name: String,
    pub value: String,
    pub updated_at: i64,
    pub updated_by: String,
}

impl Store {
    /// Every panel setting, by scope and name.
    pub async fn settings(&self) -> StoreResult<Vec<SettingRow>> {
        Ok(sqlx::query_as(
            "SELECT scope, name, value, updated_at, updated_by FROM settings ORDER BY scope, name",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

impl WriteTx {
    /// Store a panel setting, replacing any earlier value.
    pub async fn put_setting(&mut self, row: &SettingRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (scope, name, value, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, name) DO UPDATE \
             SET value = excluded.value, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(&row.scope)
        .bind(&row.name)
        .bind(&row.value)
        .bind(row.updated_at)
        .bind(&row.updated_by)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Remove a panel setting, so the file's value applies again.
    pub async fn delete_setting(&mut self, scope: &str, name: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM settings WHERE scope = $1 AND name = $2")
            .bind(scope)
            .bind(name)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
