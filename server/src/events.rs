//! The event log's write path and the publication of committed events.
//!
//! [`append`] writes a log entry and, in the same transaction, the real-time messages it produces
//! (rule 6: the change, its event and its push are one commit). After the commit the writer
//! publishes on the [`EventHub`]; the real-time hub treats that only as a wake-up and reads the
//! committed messages back from the store, so delivery is in commit order and never shows an
//! uncommitted change.

use crate::realtime::event::{VERSION, from_log};
use crate::store::{NewEvent, StoreResult, WriteTx};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Append a log event and its real-time messages inside `tx`; returns the log sequence.
pub async fn append(tx: &mut WriteTx, event: &NewEvent<'_>) -> StoreResult<i64> {
    let seq = tx.insert_event(event).await?;
    for ws in from_log(seq, event) {
        let rooms = serde_json::to_string(&ws.rooms).unwrap_or_else(|_| "[]".into());
        let ws_seq = tx
            .append_ws(
                ws.namespace.path(),
                event.ts,
                ws.kind,
                &rooms,
                VERSION,
                &ws.data.to_string(),
            )
            .await?;
        tx.notify_ws(ws.namespace.path(), ws_seq).await?;
    }
    Ok(seq)
}

/// A committed event.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub seq: i64,
    pub ts: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub kiosk: Option<String>,
    pub locker: Option<i64>,
    pub actor: String,
    pub data: serde_json::Value,
}

impl Published {
    pub fn from_event(seq: i64, e: &NewEvent<'_>) -> Self {
        Published {
            seq,
            ts: e.ts,
            kind: e.kind.to_owned(),
            kiosk: e.kiosk_id.map(str::to_owned),
            locker: e.locker,
            actor: e.actor.to_owned(),
            data: e.data.clone(),
        }
    }
}

/// What the hub carries: a committed log event, or a transient real-time event (not stored).
#[derive(Debug, Clone)]
pub enum Notice {
    Committed(Arc<Published>),
    Transient(Arc<crate::realtime::Event>),
}

/// Fan-out of committed events; a slow subscriber lags and is told so by `broadcast`.
#[derive(Debug, Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Notice>,
}

impl Default for EventHub {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        EventHub { tx }
    }
}

impl EventHub {
    pub fn publish(&self, event: Published) {
        // No subscriber is not an error: the event is in the log already.
        let _ = self.tx.send(Notice::Committed(Arc::new(event)));
    }

    /// Announce something that is not stored (a locker `opening` while its pulse is in flight).
    pub fn transient(&self, event: crate::realtime::Event) {
        let _ = self.tx.send(Notice::Transient(Arc::new(event)));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }
}
