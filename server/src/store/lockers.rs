//! Lockers, the cards that own them, and per-channel pulse counters.

use super::{Store, StoreError, StoreResult, WriteTx, flag};
use crate::lockers::LockerState;

/// A locker as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LockerRow {
    pub kiosk_id: String,
    pub number: i64,
    pub name: Option<String>,
    pub state: LockerState,
    pub prev_state: Option<LockerState>,
    pub owner_key: Option<String>,
    pub owner_hint: Option<String>,
    pub owned_at: Option<i64>,
    pub vip_card_key: Option<String>,
    pub retired: bool,
    pub bus: String,
    pub slave: i64,
    pub channel: i64,
    pub last_owner_key: Option<String>,
    pub last_owned_at: Option<i64>,
    pub released_at: Option<i64>,
    pub last_opened_at: Option<i64>,
    pub version: i64,
}

/// Where a locker is wired, for synchronising the configuration into the store.
#[derive(Debug, Clone)]
pub struct LockerWiring {
    pub number: i64,
    pub bus: String,
    pub slave: i64,
    pub channel: i64,
}

/// The mutable part of a locker, written with an optimistic version check.
pub type LockerUpdate = LockerRow;

#[derive(sqlx::FromRow)]
struct RawLocker {
    kiosk_id: String,
    number: i64,
    name: Option<String>,
    state: String,
    prev_state: Option<String>,
    owner_key: Option<String>,
    owner_hint: Option<String>,
    owned_at: Option<i64>,
    vip_card_key: Option<String>,
    retired: i64,
    bus: String,
    slave: i64,
    channel: i64,
    last_owner_key: Option<String>,
    last_owned_at: Option<i64>,
    released_at: Option<i64>,
    last_opened_at: Option<i64>,
    version: i64,
}

impl TryFrom<RawLocker> for LockerRow {
    type Error = StoreError;
    fn try_from(r: RawLocker) -> StoreResult<Self> {
        let parse = |s: &str| {
            LockerState::parse(s)
                .ok_or_else(|| StoreError::Db(sqlx::Error::Decode(format!("bad state {s}").into())))
        };
        Ok(LockerRow {
            state: parse(&r.state)?,
            prev_state: r.prev_state.as_deref().map(parse).transpose()?,
            kiosk_id: r.kiosk_id,
            number: r.number,
            name: r.name,
            owner_key: r.owner_key,
            owner_hint: r.owner_hint,
            owned_at: r.owned_at,
            vip_card_key: r.vip_card_key,
            retired: flag(r.retired),
            bus: r.bus,
            slave: r.slave,
            channel: r.channel,
            last_owner_key: r.last_owner_key,
            last_owned_at: r.last_owned_at,
            released_at: r.released_at,
            last_opened_at: r.last_opened_at,
            version: r.version,
        })
    }
}

const COLUMNS: &str = "kiosk_id, number, name, state, prev_state, owner_key, owner_hint, owned_at, \
    vip_card_key, retired, bus, slave, channel, last_owner_key, last_owned_at, released_at, \
    last_opened_at, version";

fn convert(rows: Vec<RawLocker>) -> StoreResult<Vec<LockerRow>> {
    rows.into_iter().map(LockerRow::try_from).collect()
}

impl Store {
    /// Every active locker of a kiosk, by number.
    pub async fn lockers(&self, kiosk: &str) -> StoreResult<Vec<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE kiosk_id = $1 AND retired = 0 ORDER BY number"
        );
        convert(
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(kiosk)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// One active locker.
    pub async fn locker(&self, kiosk: &str, number: i64) -> StoreResult<LockerRow> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE kiosk_id = $1 AND number = $2 AND retired = 0"
        );
        let raw: RawLocker = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kiosk)
            .bind(number)
            .fetch_one(&self.pool)
            .await?;
        raw.try_into()
    }

    /// Active lockers owned by a card, anywhere on the site.
    pub async fn lockers_owned_by(&self, card_key: &str) -> StoreResult<Vec<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE owner_key = $1 AND retired = 0 \
             ORDER BY owned_at DESC"
        );
        convert(
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(card_key)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The active locker bound to a VIP card, if any.
    pub async fn vip_locker_of(&self, card_key: &str) -> StoreResult<Option<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE vip_card_key = $1 AND retired = 0 LIMIT 1"
        );
        let raw: Option<RawLocker> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(card_key)
            .fetch_optional(&self.pool)
            .await?;
        raw.map(LockerRow::try_from).transpose()
    }

    /// Free walk-in lockers of a kiosk (not VIP, not retired), lowest numbers first.
    pub async fn free_lockers(&self, kiosk: &str, limit: i64) -> StoreResult<Vec<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE kiosk_id = $1 AND state = 'free' AND retired = 0 \
             AND vip_card_key IS NULL ORDER BY number LIMIT $2"
        );
        convert(
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(kiosk)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The least-recently-used free walk-in locker of a kiosk.
    pub async fn least_recently_used(&self, kiosk: &str) -> StoreResult<Option<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE kiosk_id = $1 AND state = 'free' AND retired = 0 \
             AND vip_card_key IS NULL \
             ORDER BY COALESCE(last_opened_at, 0), COALESCE(released_at, 0), number LIMIT 1"
        );
        let raw: Option<RawLocker> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kiosk)
            .fetch_optional(&self.pool)
            .await?;
        raw.map(LockerRow::try_from).transpose()
    }

    /// The free locker this card last held at this kiosk, if it held it at least `min_hold_ms`
    /// and released it at or after `released_since`.
    pub async fn recent_holder_locker(
        &self,
        kiosk: &str,
        card_key: &str,
        min_hold_ms: i64,
        released_since: i64,
    ) -> StoreResult<Option<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE kiosk_id = $1 AND last_owner_key = $2 \
             AND state = 'free' AND retired = 0 AND vip_card_key IS NULL \
             AND released_at >= $3 AND released_at - last_owned_at >= $4 \
             ORDER BY released_at DESC LIMIT 1"
        );
        let raw: Option<RawLocker> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kiosk)
            .bind(card_key)
            .bind(released_since)
            .bind(min_hold_ms)
            .fetch_optional(&self.pool)
            .await?;
        raw.map(LockerRow::try_from).transpose()
    }

    /// Owned walk-in lockers whose owner took them at or before `owned_before`, site-wide.
    pub async fn owned_since_before(&self, owned_before: i64) -> StoreResult<Vec<LockerRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM lockers WHERE state = 'owned' AND retired = 0 \
             AND vip_card_key IS NULL AND owned_at <= $1 ORDER BY kiosk_id, number"
        );
        convert(
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(owned_before)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Locker counts per kiosk and stored state: `(kiosk, state, vip, count)`.
    pub async fn locker_counts(&self) -> StoreResult<Vec<(String, String, bool, i64)>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT kiosk_id, state, CASE WHEN vip_card_key IS NULL THEN 0 ELSE 1 END AS vip, \
             CAST(COUNT(*) AS BIGINT) FROM lockers WHERE retired = 0 \
             GROUP BY kiosk_id, state, CASE WHEN vip_card_key IS NULL THEN 0 ELSE 1 END",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(k, s, v, c)| (k, s, flag(v), c))
            .collect())
    }

    /// Confirmed-pulse counters: `(bus, slave, channel, pulses)`.
    pub async fn pulse_counters(&self) -> StoreResult<Vec<(String, i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT bus, slave, channel, pulses FROM relay_channels ORDER BY bus, slave, channel",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

impl WriteTx {
    /// Re-read a locker inside the transaction.
    pub async fn locker(&mut self, kiosk: &str, number: i64) -> StoreResult<LockerRow> {
        let sql = format!("SELECT {COLUMNS} FROM lockers WHERE kiosk_id = $1 AND number = $2");
        let raw: RawLocker = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kiosk)
            .bind(number)
            .fetch_one(self.conn())
            .await?;
        raw.try_into()
    }

    /// Write a locker's mutable fields if its version is still `row.version`; the stored version
    /// becomes `row.version + 1`. A lost race is [`StoreError::Conflict`].
    pub async fn update_locker(&mut self, row: &LockerUpdate) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE lockers SET name = $1, state = $2, prev_state = $3, owner_key = $4, \
             owner_hint = $5, owned_at = $6, vip_card_key = $7, last_owner_key = $8, \
             last_owned_at = $9, released_at = $10, last_opened_at = $11, version = version + 1 \
             WHERE kiosk_id = $12 AND number = $13 AND version = $14",
        )
        .bind(&row.name)
        .bind(row.state.as_str())
        .bind(row.prev_state.map(LockerState::as_str))
        .bind(&row.owner_key)
        .bind(&row.owner_hint)
        .bind(row.owned_at)
        .bind(&row.vip_card_key)
        .bind(&row.last_owner_key)
        .bind(row.last_owned_at)
        .bind(row.released_at)
        .bind(row.last_opened_at)
        .bind(&row.kiosk_id)
        .bind(row.number)
        .bind(row.version)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    /// Take a card's row lock so that concurrent assignments of one card serialise on
    /// PostgreSQL. SQLite runs one writer at a time already, so there it costs nothing.
    pub async fn lock_card(&mut self, card_key: &str, hint: &str, now: i64) -> StoreResult<()> {
        if self.is_grouped() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO cards (card_key, hint, first_seen_at, last_seen_at, version) \
             VALUES ($1, $2, $3, $3, 0) ON CONFLICT (card_key) DO UPDATE \
             SET last_seen_at = excluded.last_seen_at, version = cards.version + 1",
        )
        .bind(card_key)
        .bind(hint)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// How many active lockers a card owns, read inside the transaction.
    pub async fn count_owned_by(&mut self, card_key: &str) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM lockers WHERE owner_key = $1 AND retired = 0",
        )
        .bind(card_key)
        .fetch_one(self.conn())
        .await?)
    }

    /// Count one confirmed pulse on a channel.
    pub async fn count_pulse(&mut self, bus: &str, slave: i64, channel: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO relay_channels (bus, slave, channel, pulses) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (bus, slave, channel) DO UPDATE SET pulses = relay_channels.pulses + 1",
        )
        .bind(bus)
        .bind(slave)
        .bind(channel)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Add lockers that the configuration declares and the store lacks, update their wiring,
    /// un-retire returning ones, and retire lockers beyond `wiring` that have no owner.
    /// Returns the numbers that could not be retired because someone owns them.
    pub async fn sync_lockers(
        &mut self,
        kiosk: &str,
        wiring: &[LockerWiring],
    ) -> StoreResult<Vec<i64>> {
        for w in wiring {
            sqlx::query(
                "INSERT INTO lockers (kiosk_id, number, state, bus, slave, channel, version) \
                 VALUES ($1, $2, 'free', $3, $4, $5, 0) ON CONFLICT (kiosk_id, number) DO UPDATE \
                 SET bus = excluded.bus, slave = excluded.slave, channel = excluded.channel, \
                 retired = 0",
            )
            .bind(kiosk)
            .bind(w.number)
            .bind(&w.bus)
            .bind(w.slave)
            .bind(w.channel)
            .execute(self.conn())
            .await?;
        }
        let max = i64::try_from(wiring.len()).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE lockers SET retired = 1 WHERE kiosk_id = $1 AND number > $2 \
             AND owner_key IS NULL AND vip_card_key IS NULL",
        )
        .bind(kiosk)
        .bind(max)
        .execute(self.conn())
        .await?;
        Ok(sqlx::query_scalar(
            "SELECT number FROM lockers WHERE kiosk_id = $1 AND number > $2 AND retired = 0",
        )
        .bind(kiosk)
        .bind(max)
        .fetch_all(self.conn())
        .await?)
    }
}
