//! The append-only event log (rule 6): one row per state change, written in the same
//! transaction as the change.

use super::{Store, StoreResult, WriteTx};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub ts: i64,
    pub site: &'a str,
    pub kind: &'a str,
    pub kiosk_id: Option<&'a str>,
    pub locker: Option<i64>,
    pub actor: &'a str,
    pub data: serde_json::Value,
}

/// An event as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub ts: i64,
    pub site: String,
    pub kind: String,
    pub kiosk_id: Option<String>,
    pub locker: Option<i64>,
    pub actor: String,
    pub data: String,
}

/// Filters for listing events, newest first; `before` is the cursor (a `seq`).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kiosk: Option<String>,
    pub locker: Option<i64>,
    pub kind: Option<String>,
    pub from_ts: Option<i64>,
    pub to_ts: Option<i64>,
    pub before: Option<i64>,
    pub limit: i64,
}

impl WriteTx {
    /// Append an event; returns its sequence number.
    pub async fn insert_event(&mut self, event: &NewEvent<'_>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO events (ts, site, kind, kiosk_id, locker, actor, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
        )
        .bind(event.ts)
        .bind(event.site)
        .bind(event.kind)
        .bind(event.kiosk_id)
        .bind(event.locker)
        .bind(event.actor)
        .bind(event.data.to_string())
        .fetch_one(self.conn())
        .await?)
    }
}

impl Store {
    /// Events matching `filter`, newest first.
    pub async fn events(&self, filter: &EventFilter) -> StoreResult<Vec<EventRow>> {
        // Optional filters as "($n IS NULL OR col = $n)" keep one portable statement.
        Ok(sqlx::query_as(
            "SELECT seq, ts, site, kind, kiosk_id, locker, actor, data FROM events \
             WHERE ($1 IS NULL OR kiosk_id = $1) AND ($2 IS NULL OR locker = $2) \
             AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR ts >= $4) \
             AND ($5 IS NULL OR ts < $5) AND ($6 IS NULL OR seq < $6) \
             ORDER BY seq DESC LIMIT $7",
        )
        .bind(filter.kiosk.as_deref())
        .bind(filter.locker)
        .bind(filter.kind.as_deref())
        .bind(filter.from_ts)
        .bind(filter.to_ts)
        .bind(filter.before)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
