//! Publishing of committed events to in-process subscribers (the real-time hub, tests).
//! Only events whose transaction has committed are published, in commit order per writer.

use crate::store::NewEvent;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

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

/// Fan-out of committed events; a slow subscriber lags and is told so by `broadcast`.
#[derive(Debug, Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<Published>>,
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
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }
}
