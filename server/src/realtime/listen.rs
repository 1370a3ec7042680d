//! Fan-out between instances on PostgreSQL: every transaction that appends real-time messages
//! also sends `NOTIFY kioskhub_ws` (delivered at commit); each instance listens and wakes its
//! hub, which reads the committed messages from the shared log in sequence order.

use super::Hub;
use std::time::Duration;

/// Listen for other instances' commits until the hub stops; reconnects after errors.
pub fn spawn(url: String, hub: Hub) {
    tokio::spawn(async move {
        let stop = hub.stop_token().clone();
        loop {
            let session = async {
                let mut listener = crate::store::WsListener::connect(&url).await?;
                // Anything committed while we were not listening is picked up by this wake-up.
                hub.wake();
                loop {
                    listener.recv().await?;
                    hub.wake();
                }
                #[allow(unreachable_code)]
                Ok::<(), crate::store::StoreError>(())
            };
            tokio::select! {
                () = stop.cancelled() => return,
                result = session => {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "PostgreSQL listener failed; reconnecting");
                    }
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    });
}
