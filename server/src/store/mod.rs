//! The store: the only module that speaks SQL. One code path for SQLite and PostgreSQL through
//! sqlx's `Any` driver, with a portable SQL subset (`$n` placeholders, BIGINT epoch milliseconds,
//! 0/1 flags) and one migrations folder per backend.
//!
//! Durability (rule 5): SQLite runs in WAL mode with `synchronous=FULL`, so a commit returns only
//! once it is on disk. Writers go through [`Store::begin`]; on SQLite they queue on one gate and
//! share commits (see `group.rs`), so one `fsync` makes a whole batch of changes durable.

mod audit;
mod commands;
mod events;
mod group;
mod help;
mod kiosks;
mod lockers;
mod realtime;
mod settings;
mod users;

pub use audit::{AuditEntry, AuditFilter, NewAudit};
pub use commands::{CommandRow, NewCommand};
pub use events::{EventFilter, EventRow, NewEvent};
pub use help::{HelpFilter, HelpHistoryRow, HelpOrder, HelpRow, HelpUpdate, NewHelpRow};
pub use kiosks::{CredentialRow, KioskRow, MasterLockout};
pub use lockers::{LockerRow, LockerUpdate, LockerWiring};
pub use realtime::{WsListener, WsRow};
pub use settings::SettingRow;
pub use users::{SessionInfo, SessionRow, UserRow};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the row changed since it was read")]
    Conflict,
    #[error("a unique value is already taken: {0}")]
    Duplicate(String),
    #[error("not found")]
    NotFound,
    #[error(
        "the database schema (version {found}) is newer than this binary understands (version {known}); upgrade Kioskhub"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.message().to_owned())
            }
            _ => StoreError::Db(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A cheap, cloneable handle on the database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's group commit; PostgreSQL uses a transaction per writer.
    group: Option<Arc<group::Group>>,
}

/// A write transaction. Dropping it without [`WriteTx::commit`] rolls back.
pub struct WriteTx(TxKind);

enum TxKind {
    Plain(Transaction<'static, Any>),
    Grouped(group::GroupTx),
}

impl WriteTx {
    /// Commit; returns only once the change is durable.
    pub async fn commit(self) -> StoreResult<()> {
        match self.0 {
            TxKind::Plain(tx) => Ok(tx.commit().await?),
            TxKind::Grouped(tx) => tx.commit().await,
        }
    }

    /// Is this a turn in SQLite's group commit (writers already serialised)?
    fn is_grouped(&self) -> bool {
        matches!(self.0, TxKind::Grouped(_))
    }

    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.0 {
            TxKind::Plain(tx) => tx,
            TxKind::Grouped(tx) => tx.conn(),
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Connect, apply pending migrations, and refuse a schema newer than this binary.
    pub async fn open(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .min_connections(1)
                    // A connection to a local file does not go stale, and sqlx already pings it
                    // when it comes back to the pool. A second ping before every use is one more
                    // hand-over to the connection's thread per query (a third of a read's cost).
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        let group = (backend == Backend::Sqlite).then(|| group::Group::start(pool.clone()));
        let store = Store {
            pool,
            backend,
            group,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    async fn migrate(&self) -> StoreResult<()> {
        let known = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let found: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_optional(&self.pool)
                .await
                .ok()
                .flatten();
        if let Some(found) = found
            && found > known
        {
            return Err(StoreError::NewerSchema { found, known });
        }
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Start a write transaction (on SQLite, a turn in the group commit).
    pub async fn begin(&self) -> StoreResult<WriteTx> {
        Ok(WriteTx(match &self.group {
            Some(group) => TxKind::Grouped(group.begin().await?),
            None => TxKind::Plain(self.pool.begin().await?),
        }))
    }

    /// Is the database answering?
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Read a value from the key/value `meta` table.
    pub async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Write a value to the `meta` table.
    pub async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Read a meta value, or store `make()` under `key` if there is none yet.
    pub async fn meta_or_init(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> StoreResult<String> {
        if let Some(v) = self.meta(key).await? {
            return Ok(v);
        }
        let value = make();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(&value)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(self.meta(key).await?.unwrap_or(value))
    }

    /// Close the pool, waiting for connections to finish.
    pub async fn close(&self) {
        if let Some(group) = &self.group {
            group.close();
        }
        self.pool.close().await;
    }
}

/// Convert a 0/1 column.
fn flag(v: i64) -> bool {
    v != 0
}
