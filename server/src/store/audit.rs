//! The audit trail: who did what, from where, with what outcome.

use super::{Store, StoreResult, WriteTx};

/// An audit entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAudit<'a> {
    pub ts: i64,
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
}

/// An audit entry as stored.
/// What `audit_entries` narrows by; `None` matches everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilter<'a> {
    pub action: Option<&'a str>,
    pub username: Option<&'a str>,
    /// Epoch milliseconds, inclusive.
    pub from_ts: Option<i64>,
    /// Epoch milliseconds, inclusive.
    pub to_ts: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub ts: i64,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

impl Store {
    /// Append an audit entry in its own transaction.
    pub async fn audit(&self, entry: &NewAudit<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.insert_audit(entry).await?;
        tx.commit().await
    }

    /// Audit entries, newest first, before the cursor `before` (an id), narrowed by `filter`.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter<'_>,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, ts, user_id, username, ip, user_agent, action, target, outcome, detail \
             FROM audit WHERE ($1 IS NULL OR action = $1) AND ($2 IS NULL OR id < $2) \
             AND ($4 IS NULL OR username = $4) AND ($5 IS NULL OR ts >= $5) \
             AND ($6 IS NULL OR ts <= $6) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(filter.action)
        .bind(before)
        .bind(limit)
        .bind(filter.username)
        .bind(filter.from_ts)
        .bind(filter.to_ts)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl WriteTx {
    /// Append an audit entry inside this transaction: it commits (or not) with the change.
    pub async fn insert_audit(&mut self, entry: &NewAudit<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit (ts, user_id, username, ip, user_agent, action, target, outcome, \
             detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(entry.ts)
        .bind(entry.user_id)
        .bind(entry.username)
        .bind(entry.ip)
        .bind(entry.user_agent)
        .bind(entry.action)
        .bind(entry.target)
        .bind(entry.outcome)
        .bind(entry.detail)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
