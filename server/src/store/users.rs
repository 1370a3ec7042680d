//! Staff accounts and their sessions.

use super::{Store, StoreResult, WriteTx, flag};

/// A staff account as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RawUser {
    id: String,
    username: String,
    role: String,
    password_hash: String,
    active: i64,
    created_at: i64,
    last_login_at: Option<i64>,
}

impl From<RawUser> for UserRow {
    fn from(r: RawUser) -> Self {
        UserRow {
            id: r.id,
            username: r.username,
            role: r.role,
            password_hash: r.password_hash,
            active: flag(r.active),
            created_at: r.created_at,
            last_login_at: r.last_login_at,
        }
    }
}

/// A session joined with its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The public id the panel lists and revokes sessions by (not the token, nor its hash).
    pub id: String,
    pub id_hash: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user: UserRow,
}

#[derive(sqlx::FromRow)]
struct RawSession {
    session_id: String,
    id_hash: String,
    csrf_token: String,
    s_created_at: i64,
    last_seen_at: i64,
    id: String,
    username: String,
    role: String,
    password_hash: String,
    active: i64,
    created_at: i64,
    last_login_at: Option<i64>,
}

/// A live session as the panel lists it: never the token or its hash, except `id_hash` for the
/// server to tell the caller's own session apart and close its sockets.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    pub id: String,
    pub id_hash: String,
    pub user_id: String,
    pub username: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

const USER_COLUMNS: &str = "id, username, role, password_hash, active, created_at, last_login_at";

impl Store {
    /// A user by name.
    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row: Option<RawUser> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(UserRow::from))
    }

    /// A user by id.
    pub async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<RawUser> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(UserRow::from))
    }

    /// Every user, by name.
    pub async fn users(&self) -> StoreResult<Vec<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        let rows: Vec<RawUser> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(UserRow::from).collect())
    }

    /// A session by the hash of its id, with its user.
    pub async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRow>> {
        let row: Option<RawSession> = sqlx::query_as(
            "SELECT s.id AS session_id, s.id_hash, s.csrf_token, s.created_at AS s_created_at, \
             s.last_seen_at, u.id, u.username, u.role, u.password_hash, u.active, u.created_at, \
             u.last_login_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SessionRow {
            id: r.session_id,
            id_hash: r.id_hash,
            csrf_token: r.csrf_token,
            created_at: r.s_created_at,
            last_seen_at: r.last_seen_at,
            user: UserRow {
                id: r.id,
                username: r.username,
                role: r.role,
                password_hash: r.password_hash,
                active: flag(r.active),
                created_at: r.created_at,
                last_login_at: r.last_login_at,
            },
        }))
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<RawUser> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(UserRow::from))
    }

    /// Sessions seen since `idle_after` and created since `created_after` (the live ones),
    /// most recently seen first.
    pub async fn live_sessions(
        &self,
        idle_after: i64,
        created_after: i64,
    ) -> StoreResult<Vec<SessionInfo>> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.id_hash, s.user_id, u.username, s.created_at, s.last_seen_at, s.ip, \
             s.user_agent FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.last_seen_at >= $1 AND s.created_at >= $2 AND u.active = 1 \
             ORDER BY s.last_seen_at DESC, s.id",
        )
        .bind(idle_after)
        .bind(created_after)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Slide a session's idle timeout forward.
    pub async fn touch_session(&self, id_hash: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// Delete a session (logout or expiry).
    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// Delete sessions idle since before `idle_before` or created before `created_before`.
    pub async fn purge_sessions(&self, idle_before: i64, created_before: i64) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

impl WriteTx {
    /// Create a user.
    pub async fn insert_user(&mut self, user: &UserRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, username, role, password_hash, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&user.role)
        .bind(&user.password_hash)
        .bind(i64::from(user.active))
        .bind(user.created_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replace a user's password hash; false when there is no such user.
    pub async fn set_password_hash(
        &mut self,
        user_id: &str,
        hash: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now)
                .bind(user_id)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Delete every session of a user (password change, deactivation).
    pub async fn delete_user_sessions(&mut self, user_id: &str) -> StoreResult<()> {
        self.delete_user_sessions_except(user_id, None).await
    }

    /// Delete every session of a user but `keep` (a token hash), if given.
    pub async fn delete_user_sessions_except(
        &mut self,
        user_id: &str,
        keep: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)")
            .bind(user_id)
            .bind(keep)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Delete a session by its public id; its token hash and user when there was one.
    pub async fn delete_session_by_id(
        &mut self,
        id: &str,
    ) -> StoreResult<Option<(String, String)>> {
        Ok(
            sqlx::query_as("DELETE FROM sessions WHERE id = $1 RETURNING id_hash, user_id")
                .bind(id)
                .fetch_optional(self.conn())
                .await?,
        )
    }

    /// Serialise changes to accounts, so two admins demoting each other cannot both succeed
    /// (the rule "at least one active admin" is checked after the change, in the same
    /// transaction). On SQLite writers are serialised already; on PostgreSQL this takes a row
    /// lock held until commit.
    pub async fn lock_users(&mut self) -> StoreResult<()> {
        if self.is_grouped() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('users_lock', '') \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// A user by id, read inside the transaction.
    pub async fn user(&mut self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<RawUser> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(UserRow::from))
    }

    /// Set a user's role and active flag.
    pub async fn update_user(
        &mut self,
        id: &str,
        role: &str,
        active: bool,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET role = $1, active = $2, updated_at = $3 WHERE id = $4")
            .bind(role)
            .bind(i64::from(active))
            .bind(now)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Active admins, counted inside the transaction.
    pub async fn count_active_admins(&mut self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE role = 'admin' AND active = 1",
        )
        .fetch_one(self.conn())
        .await?)
    }

    /// Note a successful sign-in.
    pub async fn set_last_login(&mut self, user_id: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Create a session: `id` is its public id, `id_hash` the hash of its token.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_session(
        &mut self,
        id: &str,
        id_hash: &str,
        user_id: &str,
        csrf: &str,
        now: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, id_hash, user_id, csrf_token, created_at, last_seen_at, \
             ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        )
        .bind(id)
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now)
        .bind(ip)
        .bind(user_agent)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
