//! Group commit for SQLite. Every durable commit costs an `fsync` of the WAL, and SQLite has one
//! writer at a time, so committing each change on its own caps a Pi (or any disk) at a few
//! hundred changes per second. Instead, writers queue on one gate and each runs inside a shared
//! transaction under its own savepoint; the transaction is committed — one `fsync` — as soon as
//! nobody else is queued (or by a flusher task when the last writer in the queue gave up), and
//! every writer of the batch is answered only after that commit. A writer that fails or is
//! dropped rolls back to its savepoint alone.
//!
//! Rule 5 holds: a writer's `commit()` returns only once its change is on disk.

use super::{StoreError, StoreResult};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};

/// Most writers sharing one commit.
const MAX_BATCH: usize = 128;

type Waiter = oneshot::Sender<Result<(), String>>;

#[derive(Default)]
pub(super) struct Batch {
    tx: Option<Transaction<'static, Any>>,
    waiters: Vec<Waiter>,
    /// A writer was dropped inside its savepoint; undo it before anything else.
    pending_rollback: bool,
}

pub(super) struct Group {
    pool: AnyPool,
    batch: Arc<Mutex<Batch>>,
    queued: AtomicUsize,
    flush: Notify,
    closed: AtomicBool,
}

/// A writer's turn on the shared transaction.
pub(super) struct GroupTx {
    group: Arc<Group>,
    guard: Option<OwnedMutexGuard<Batch>>,
}

impl Group {
    pub(super) fn start(pool: AnyPool) -> Arc<Group> {
        let group = Arc::new(Group {
            pool,
            batch: Arc::new(Mutex::new(Batch::default())),
            queued: AtomicUsize::new(0),
            flush: Notify::new(),
            closed: AtomicBool::new(false),
        });
        let flusher = group.clone();
        tokio::spawn(async move {
            while !flusher.closed.load(Ordering::Acquire) {
                flusher.flush.notified().await;
                let mut batch = flusher.batch.clone().lock_owned().await;
                Self::settle(&mut batch).await;
            }
        });
        group
    }

    /// Begin a writer's turn: wait for the gate, open the shared transaction if needed, and set
    /// this writer's savepoint.
    pub(super) async fn begin(self: &Arc<Self>) -> StoreResult<GroupTx> {
        self.queued.fetch_add(1, Ordering::AcqRel);
        let mut batch = self.batch.clone().lock_owned().await;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        Self::undo_dropped(&mut batch).await;
        if batch.tx.is_none() {
            batch.tx = Some(self.pool.begin().await?);
        }
        let tx = batch.tx.as_mut().expect("transaction opened above");
        if let Err(e) = sqlx::query("SAVEPOINT writer").execute(&mut **tx).await {
            Self::abort(&mut batch, &e.to_string()).await;
            return Err(e.into());
        }
        Ok(GroupTx {
            group: self.clone(),
            guard: Some(batch),
        })
    }

    /// Roll back a dropped writer's savepoint.
    async fn undo_dropped(batch: &mut Batch) {
        if !std::mem::take(&mut batch.pending_rollback) {
            return;
        }
        if let Some(tx) = batch.tx.as_mut() {
            let undo = sqlx::query("ROLLBACK TO SAVEPOINT writer")
                .execute(&mut **tx)
                .await;
            let release = sqlx::query("RELEASE SAVEPOINT writer")
                .execute(&mut **tx)
                .await;
            if let Err(e) = undo.and(release) {
                Self::abort(batch, &e.to_string()).await;
            }
        }
    }

    /// Commit the shared transaction and answer every writer of the batch.
    async fn settle(batch: &mut Batch) {
        Self::undo_dropped(batch).await;
        let Some(tx) = batch.tx.take() else { return };
        let result = tx.commit().await.map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, writers = batch.waiters.len(), "group commit failed");
        }
        for waiter in batch.waiters.drain(..) {
            let _ = waiter.send(result.clone());
        }
    }

    /// The shared transaction is unusable: roll it back and fail its writers.
    async fn abort(batch: &mut Batch, reason: &str) {
        if let Some(tx) = batch.tx.take() {
            let _ = tx.rollback().await;
        }
        batch.pending_rollback = false;
        for waiter in batch.waiters.drain(..) {
            let _ = waiter.send(Err(reason.to_owned()));
        }
    }

    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.flush.notify_one();
    }
}

impl GroupTx {
    pub(super) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        let batch = self.guard.as_mut().expect("a live writer holds the gate");
        batch
            .tx
            .as_mut()
            .expect("a live writer has the transaction")
    }

    /// Keep this writer's changes and wait until they are durable.
    pub(super) async fn commit(mut self) -> StoreResult<()> {
        let mut batch = self.guard.take().expect("a live writer holds the gate");
        let tx = batch
            .tx
            .as_mut()
            .expect("a live writer has the transaction");
        if let Err(e) = sqlx::query("RELEASE SAVEPOINT writer")
            .execute(&mut **tx)
            .await
        {
            Group::abort(&mut batch, &e.to_string()).await;
            return Err(e.into());
        }
        let (done, wait) = oneshot::channel();
        batch.waiters.push(done);
        if self.group.queued.load(Ordering::Acquire) == 0 || batch.waiters.len() >= MAX_BATCH {
            // Nobody is waiting to join this batch: commit it now.
            Group::settle(&mut batch).await;
        } else {
            // Others are queued: they join the batch; the flusher, queued behind them, commits.
            self.group.flush.notify_one();
        }
        drop(batch);
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Db(sqlx::Error::Protocol(format!(
                "commit failed: {e}"
            )))),
            Err(_) => Err(StoreError::Db(sqlx::Error::Protocol(
                "commit was abandoned".into(),
            ))),
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        if let Some(mut batch) = self.guard.take() {
            // Dropped without commit: undo this writer's savepoint before the next one runs,
            // and make sure someone settles the batch if nobody else comes.
            batch.pending_rollback = true;
            drop(batch);
            self.group.flush.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    async fn put(store: &Store, key: &str, keep: bool) -> bool {
        let mut tx = store.begin().await.unwrap();
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, 'v')")
            .bind(key)
            .execute(tx.conn())
            .await
            .unwrap();
        if keep {
            tx.commit().await.unwrap();
        }
        keep
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_share_commits_and_a_dropped_one_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display());
        let store = Store::open(&url).await.unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { (i, put(&store, &format!("k{i}"), i % 7 != 0).await) })
            })
            .collect();
        let mut expected = Vec::new();
        for t in tasks {
            let (i, kept) = t.await.unwrap();
            if kept {
                expected.push(format!("k{i}"));
            }
        }
        store.close().await;
        // A fresh pool on the same file sees exactly the committed writers.
        let reopened = Store::open(&url).await.unwrap();
        for i in 0..200 {
            let found = reopened.meta(&format!("k{i}")).await.unwrap().is_some();
            assert_eq!(found, i % 7 != 0, "writer {i}");
        }
        assert_eq!(expected.len(), 171);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_statement_fails_only_its_writer() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display());
        let store = Store::open(&url).await.unwrap();
        put(&store, "taken", true).await;
        let a = {
            let store = store.clone();
            tokio::spawn(async move { put(&store, "fresh", true).await })
        };
        let mut tx = store.begin().await.unwrap();
        let dup = sqlx::query("INSERT INTO meta (key, value) VALUES ('taken', 'x')")
            .execute(tx.conn())
            .await;
        assert!(dup.is_err(), "a unique violation");
        drop(tx);
        assert!(a.await.unwrap());
        assert_eq!(store.meta("fresh").await.unwrap().as_deref(), Some("v"));
        assert_eq!(store.meta("taken").await.unwrap().as_deref(), Some("v"));
    }
}
