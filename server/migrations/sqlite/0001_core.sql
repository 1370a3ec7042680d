-- Kioskhub core schema (SQLite). Times are UTC epoch milliseconds; flags are 0/1 integers.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'auditor')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE kiosks (
    id                   TEXT PRIMARY KEY,
    site                 TEXT NOT NULL,
    name                 TEXT NOT NULL,
    locker_count         INTEGER NOT NULL,
    retired              INTEGER NOT NULL DEFAULT 0,
    last_heartbeat_at    INTEGER,
    telemetry            TEXT,
    master_failures      INTEGER NOT NULL DEFAULT 0,
    master_lockout_level INTEGER NOT NULL DEFAULT 0,
    master_locked_until  INTEGER,
    created_at           INTEGER NOT NULL
);

CREATE TABLE kiosk_credentials (
    id           TEXT PRIMARY KEY,
    kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    created_by   TEXT,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE pairing_codes (
    code_hash  TEXT PRIMARY KEY,
    kiosk_id   TEXT NOT NULL REFERENCES kiosks(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    created_by TEXT,
    used_at    INTEGER
);

CREATE TABLE lockers (
    kiosk_id        TEXT NOT NULL REFERENCES kiosks(id),
    number          INTEGER NOT NULL,
    name            TEXT,
    state           TEXT NOT NULL CHECK (state IN ('free', 'owned', 'blocked', 'error')),
    prev_state      TEXT,
    owner_key       TEXT,
    owner_hint      TEXT,
    owned_at        INTEGER,
    vip_card_key    TEXT,
    retired         INTEGER NOT NULL DEFAULT 0,
    bus             TEXT NOT NULL,
    slave           INTEGER NOT NULL,
    channel         INTEGER NOT NULL,
    last_owner_key  TEXT,
    last_owned_at   INTEGER,
    released_at     INTEGER,
    last_opened_at  INTEGER,
    version         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kiosk_id, number)
);
CREATE UNIQUE INDEX lockers_name ON lockers(kiosk_id, name) WHERE name IS NOT NULL;
CREATE INDEX lockers_owner ON lockers(owner_key) WHERE owner_key IS NOT NULL;
CREATE INDEX lockers_last_owner ON lockers(last_owner_key) WHERE last_owner_key IS NOT NULL;

-- One row per card ever seen; updated inside every assignment so that two assignments for the
-- same card serialise on this row (the per-credential locker cap holds across kiosks).
CREATE TABLE cards (
    card_key     TEXT PRIMARY KEY,
    hint         TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE relay_channels (
    bus     TEXT NOT NULL,
    slave   INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    pulses  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bus, slave, channel)
);

CREATE TABLE events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts       INTEGER NOT NULL,
    site     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    kiosk_id TEXT,
    locker   INTEGER,
    actor    TEXT NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX events_locker ON events(kiosk_id, locker, seq);
CREATE INDEX events_kind ON events(kind, seq);
CREATE INDEX events_ts ON events(ts);

CREATE TABLE commands (
    id            TEXT PRIMARY KEY,
    idem_key      TEXT UNIQUE,
    kind          TEXT NOT NULL,
    kiosk_id      TEXT NOT NULL,
    locker        INTEGER,
    params        TEXT NOT NULL,
    state         TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    deadline_at   INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    result        TEXT,
    error_code    TEXT
);
CREATE INDEX commands_kiosk ON commands(kiosk_id, created_at);

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         INTEGER NOT NULL,
    user_id    TEXT,
    username   TEXT,
    ip         TEXT,
    user_agent TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_ts ON audit(ts);
