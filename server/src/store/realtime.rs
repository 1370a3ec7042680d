//! Real-time messages per namespace (contiguous sequence, kept for replay) and WebSocket tickets.

use super::{Backend, Store, StoreResult, WriteTx};

/// A stored real-time message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WsRow {
    pub namespace: String,
    pub seq: i64,
    pub ts: i64,
    pub kind: String,
    pub rooms: String,
    pub version: i64,
    pub data: String,
}

impl WriteTx {
    /// Append a message to a namespace with the next sequence number. The counter row is locked
    /// until commit, so on PostgreSQL sequence order is commit order per namespace.
    pub async fn append_ws(
        &mut self,
        namespace: &str,
        ts: i64,
        kind: &str,
        rooms: &str,
        version: i64,
        data: &str,
    ) -> StoreResult<i64> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO ws_counters (namespace, seq) VALUES ($1, 1) \
             ON CONFLICT (namespace) DO UPDATE SET seq = ws_counters.seq + 1 RETURNING seq",
        )
        .bind(namespace)
        .fetch_one(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO ws_events (namespace, seq, ts, kind, rooms, version, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(namespace)
        .bind(seq)
        .bind(ts)
        .bind(kind)
        .bind(rooms)
        .bind(version)
        .bind(data)
        .execute(self.conn())
        .await?;
        Ok(seq)
    }

    /// Wake the real-time hubs of other instances when this transaction commits (PostgreSQL).
    pub async fn notify_ws(&mut self, namespace: &str, seq: i64) -> StoreResult<()> {
        if self.is_grouped() {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify('kioskhub_ws', $1)")
            .bind(format!("{namespace} {seq}"))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// Messages of a namespace after `after`, in order.
    pub async fn ws_after(
        &self,
        namespace: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<WsRow>> {
        Ok(sqlx::query_as(
            "SELECT namespace, seq, ts, kind, rooms, version, data FROM ws_events \
             WHERE namespace = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(namespace)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest committed sequence of every namespace that has messages.
    pub async fn ws_latest_all(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT namespace, seq FROM ws_counters")
            .fetch_all(&self.pool)
            .await?)
    }

    /// `(oldest kept, latest)` sequence of a namespace; `(0, 0)` when it has none.
    pub async fn ws_bounds(&self, namespace: &str) -> StoreResult<(i64, i64)> {
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM ws_counters WHERE namespace = $1")
                .bind(namespace)
                .fetch_optional(&self.pool)
                .await?;
        let oldest: Option<i64> =
            sqlx::query_scalar("SELECT MIN(seq) FROM ws_events WHERE namespace = $1")
                .bind(namespace)
                .fetch_one(&self.pool)
                .await?;
        let latest = latest.unwrap_or(0);
        Ok((oldest.unwrap_or(latest + 1), latest))
    }

    /// Drop messages older than `before_ts`, and all but the newest `keep` of each namespace.
    pub async fn ws_purge(&self, before_ts: i64, keep: i64) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let old = sqlx::query("DELETE FROM ws_events WHERE ts < $1")
            .bind(before_ts)
            .execute(tx.conn())
            .await?
            .rows_affected();
        let extra = sqlx::query(
            "DELETE FROM ws_events WHERE seq <= \
             (SELECT c.seq - $1 FROM ws_counters c WHERE c.namespace = ws_events.namespace)",
        )
        .bind(keep)
        .execute(tx.conn())
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM ws_tickets WHERE expires_at < $1")
            .bind(before_ts)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(old + extra)
    }

    /// Store a ticket's hash for a session.
    pub async fn insert_ws_ticket(
        &self,
        ticket_hash: &str,
        session_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO ws_tickets (ticket_hash, session_hash, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(ticket_hash)
        .bind(session_hash)
        .bind(expires_at)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Use a ticket once: its session hash if it was unused and unexpired.
    pub async fn consume_ws_ticket(
        &self,
        ticket_hash: &str,
        now: i64,
    ) -> StoreResult<Option<String>> {
        let mut tx = self.begin().await?;
        let session: Option<String> = sqlx::query_scalar(
            "UPDATE ws_tickets SET used_at = $1 WHERE ticket_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING session_hash",
        )
        .bind(now)
        .bind(ticket_hash)
        .fetch_optional(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// The database URL's backend, for the PostgreSQL listener.
    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }
}

/// A PostgreSQL listener on the real-time channel.
pub struct WsListener(sqlx::postgres::PgListener);

impl WsListener {
    pub async fn connect(url: &str) -> StoreResult<WsListener> {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen("kioskhub_ws").await?;
        Ok(WsListener(listener))
    }

    /// Wait for the next notification.
    pub async fn recv(&mut self) -> StoreResult<()> {
        self.0.recv().await?;
        Ok(())
    }
}
