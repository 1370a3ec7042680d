//! Help requests and their history (spec §8).

use super::{Store, StoreError, StoreResult, WriteTx};

/// A help request as stored, with its kiosk's name and its assignee's username.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HelpRow {
    pub id: i64,
    pub kiosk_id: String,
    pub kiosk_name: String,
    pub category: String,
    pub note: Option<String>,
    pub locker: Option<i64>,
    pub status: String,
    pub source: String,
    pub photo_type: Option<String>,
    pub assigned_to: Option<String>,
    pub assigned_username: Option<String>,
    pub resolution_notes: Option<String>,
    pub client_ref: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub version: i64,
}

/// A help request to insert.
#[derive(Debug, Clone)]
pub struct NewHelpRow<'a> {
    pub kiosk_id: &'a str,
    pub category: &'a str,
    pub note: Option<&'a str>,
    pub locker: Option<i64>,
    pub source: &'a str,
    pub photo_type: Option<&'a str>,
    pub client_ref: Option<&'a str>,
    pub now: i64,
}

/// The fields a status change writes, checked against `version`.
#[derive(Debug, Clone)]
pub struct HelpUpdate<'a> {
    pub id: i64,
    pub version: i64,
    pub status: &'a str,
    pub assigned_to: Option<&'a str>,
    pub resolution_notes: Option<&'a str>,
    pub resolved_at: Option<i64>,
    pub now: i64,
}

/// One step of a request's history, with usernames.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HelpHistoryRow {
    pub ts: i64,
    pub action: String,
    pub by_user: Option<String>,
    pub by_username: Option<String>,
    pub note: Option<String>,
    pub assigned_to: Option<String>,
    pub assigned_username: Option<String>,
}

/// How a list is ordered; every order ends on the id so pages are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HelpOrder {
    CreatedAsc,
    #[default]
    CreatedDesc,
    UpdatedAsc,
    UpdatedDesc,
    /// Open first, then assigned, then resolved; newest first within each.
    Status,
}

impl HelpOrder {
    fn sql(self) -> &'static str {
        match self {
            HelpOrder::CreatedAsc => "h.created_at ASC, h.id ASC",
            HelpOrder::CreatedDesc => "h.created_at DESC, h.id DESC",
            HelpOrder::UpdatedAsc => "h.updated_at ASC, h.id ASC",
            HelpOrder::UpdatedDesc => "h.updated_at DESC, h.id DESC",
            HelpOrder::Status => {
                "CASE h.status WHEN 'open' THEN 0 WHEN 'assigned' THEN 1 ELSE 2 END, \
                 h.created_at DESC, h.id DESC"
            }
        }
    }
}

/// Filters for listing help requests. Empty lists and `None` match everything.
#[derive(Debug, Clone, Default)]
pub struct HelpFilter {
    pub statuses: Vec<String>,
    pub categories: Vec<String>,
    pub kiosk: Option<String>,
    pub from_ts: Option<i64>,
    pub to_ts: Option<i64>,
    /// Lower-case text searched in the note.
    pub text: Option<String>,
    /// An id the search text names (`42` or `#42`), matched besides the note.
    pub text_id: Option<i64>,
    pub order: HelpOrder,
}

/// A bound value of a dynamically built statement.
enum Arg {
    Text(String),
    Int(i64),
}

/// Arguments of a statement built clause by clause; each push names its placeholder.
#[derive(Default)]
struct Args(Vec<Arg>);

impl Args {
    fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    /// `(col = $a OR col = $b ...)`.
    fn any_of(&mut self, col: &str, values: &[String]) -> String {
        let alts: Vec<String> = values
            .iter()
            .map(|v| format!("{col} = {}", self.push(Arg::Text(v.clone()))))
            .collect();
        format!("({})", alts.join(" OR "))
    }
}

impl HelpFilter {
    /// The `WHERE` clause and its arguments.
    fn clause(&self) -> (String, Args) {
        let mut parts = Vec::new();
        let mut args = Args::default();
        if !self.statuses.is_empty() {
            parts.push(args.any_of("h.status", &self.statuses));
        }
        if !self.categories.is_empty() {
            parts.push(args.any_of("h.category", &self.categories));
        }
        if let Some(k) = &self.kiosk {
            parts.push(format!("h.kiosk_id = {}", args.push(Arg::Text(k.clone()))));
        }
        if let Some(from) = self.from_ts {
            parts.push(format!("h.created_at >= {}", args.push(Arg::Int(from))));
        }
        if let Some(to) = self.to_ts {
            parts.push(format!("h.created_at < {}", args.push(Arg::Int(to))));
        }
        if let Some(text) = &self.text {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let like = args.push(Arg::Text(format!("%{escaped}%")));
            let by_id = match self.text_id {
                Some(id) => format!(" OR h.id = {}", args.push(Arg::Int(id))),
                None => String::new(),
            };
            parts.push(format!("(LOWER(h.note) LIKE {like} ESCAPE '\\'{by_id})"));
        }
        let clause = if parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", parts.join(" AND "))
        };
        (clause, args)
    }
}

const SELECT: &str = "SELECT h.id, h.kiosk_id, COALESCE(k.name, h.kiosk_id) AS kiosk_name, \
    h.category, h.note, h.locker, h.status, h.source, h.photo_type, h.assigned_to, \
    u.username AS assigned_username, h.resolution_notes, h.client_ref, h.created_at, \
    h.updated_at, h.resolved_at, h.version \
    FROM help_requests h LEFT JOIN kiosks k ON k.id = h.kiosk_id \
    LEFT JOIN users u ON u.id = h.assigned_to";

fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>,
    args: Args,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
    for arg in args.0 {
        q = match arg {
            Arg::Text(s) => q.bind(s),
            Arg::Int(i) => q.bind(i),
        };
    }
    q
}

impl Store {
    /// One help request.
    pub async fn help_request(&self, id: i64) -> StoreResult<HelpRow> {
        let sql = format!("{SELECT} WHERE h.id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// The request a kiosk sent under its own reference, if any.
    pub async fn help_by_client_ref(
        &self,
        kiosk: &str,
        client_ref: &str,
    ) -> StoreResult<Option<HelpRow>> {
        let sql = format!("{SELECT} WHERE h.kiosk_id = $1 AND h.client_ref = $2");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kiosk)
            .bind(client_ref)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// One page of requests matching `filter` (`limit` None: every match).
    pub async fn help_requests(
        &self,
        filter: &HelpFilter,
        limit: Option<i64>,
        offset: i64,
    ) -> StoreResult<Vec<HelpRow>> {
        let (clause, mut args) = filter.clause();
        let mut sql = format!("{SELECT}{clause} ORDER BY {}", filter.order.sql());
        if let Some(limit) = limit {
            let limit = args.push(Arg::Int(limit));
            let offset = args.push(Arg::Int(offset));
            sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        }
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        Ok(bind_all(q, args).fetch_all(&self.pool).await?)
    }

    /// How many requests match `filter`.
    pub async fn count_help_requests(&self, filter: &HelpFilter) -> StoreResult<i64> {
        let (clause, args) = filter.clause();
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM help_requests h{clause}");
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        let (n,): (i64,) = bind_all(q, args).fetch_one(&self.pool).await?;
        Ok(n)
    }

    /// Unresolved requests by status: `(status, count)`.
    pub async fn help_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM help_requests \
             WHERE status <> 'resolved' GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// A request's history, oldest first.
    pub async fn help_history(&self, id: i64) -> StoreResult<Vec<HelpHistoryRow>> {
        Ok(sqlx::query_as(
            "SELECT hh.ts, hh.action, hh.by_user, ub.username AS by_username, hh.note, \
             hh.assigned_to, ua.username AS assigned_username FROM help_history hh \
             LEFT JOIN users ub ON ub.id = hh.by_user \
             LEFT JOIN users ua ON ua.id = hh.assigned_to \
             WHERE hh.help_id = $1 ORDER BY hh.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl WriteTx {
    /// Insert a request unless a unique rule refuses it (the kiosk's `client_ref` is taken, or
    /// the locker already has an unresolved automatic request): then `None`, nothing written.
    pub async fn insert_help(&mut self, new: &NewHelpRow<'_>) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO help_requests (kiosk_id, category, note, locker, status, source, \
             photo_type, client_ref, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $8, 0) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(new.kiosk_id)
        .bind(new.category)
        .bind(new.note)
        .bind(new.locker)
        .bind(new.source)
        .bind(new.photo_type)
        .bind(new.client_ref)
        .bind(new.now)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Re-read a request inside the transaction.
    pub async fn help_request(&mut self, id: i64) -> StoreResult<HelpRow> {
        let sql = format!("{SELECT} WHERE h.id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(self.conn())
            .await?)
    }

    /// The request a kiosk sent under its own reference, read inside the transaction.
    pub async fn help_by_client_ref(
        &mut self,
        kiosk: &str,
        client_ref: &str,
    ) -> StoreResult<Option<HelpRow>> {
        let sql = format!("{SELECT} WHERE h.kiosk_id = $1 AND h.client_ref = $2");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kiosk)
            .bind(client_ref)
            .fetch_optional(self.conn())
            .await?)
    }

    /// Write a status change if the request's version is still `update.version`; a lost race
    /// is [`StoreError::Conflict`].
    pub async fn update_help(&mut self, update: &HelpUpdate<'_>) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE help_requests SET status = $1, assigned_to = $2, resolution_notes = $3, \
             resolved_at = $4, updated_at = $5, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(update.status)
        .bind(update.assigned_to)
        .bind(update.resolution_notes)
        .bind(update.resolved_at)
        .bind(update.now)
        .bind(update.id)
        .bind(update.version)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    /// Append one step to a request's history.
    pub async fn insert_help_history(
        &mut self,
        help_id: i64,
        ts: i64,
        action: &str,
        by_user: Option<&str>,
        note: Option<&str>,
        assigned_to: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO help_history (help_id, ts, action, by_user, note, assigned_to) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(help_id)
        .bind(ts)
        .bind(action)
        .bind(by_user)
        .bind(note)
        .bind(assigned_to)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
