-- Kioskhub core schema (PostgreSQL). Times are UTC epoch milliseconds; flags are 0/1 integers.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'auditor')),
    password_hash TEXT NOT NULL,
    active        BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE kiosks (
    id                   TEXT PRIMARY KEY,
    site                 TEXT NOT NULL,
    name                 TEXT NOT NULL,
    locker_count         BIGINT NOT NULL,
    retired              BIGINT NOT NULL DEFAULT 0,
    last_heartbeat_at    BIGINT,
    telemetry            TEXT,
    master_failures      BIGINT NOT NULL DEFAULT 0,
    master_lockout_level BIGINT NOT NULL DEFAULT 0,
    master_locked_until  BIGINT,
    created_at           BIGINT NOT NULL
);

CREATE TABLE kiosk_credentials (
    id           TEXT PRIMARY KEY,
    kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    created_by   TEXT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE pairing_codes (
    code_hash  TEXT PRIMARY KEY,
    kiosk_id   TEXT NOT NULL REFERENCES kiosks(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_by TEXT,
    used_at    BIGINT
);

CREATE TABLE lockers (
    kiosk_id        TEXT NOT NULL REFERENCES kiosks(id),
    number          BIGINT NOT NULL,
    name            TEXT,
    state           TEXT NOT NULL CHECK (state IN ('free', 'owned', 'blocked', 'error')),
    prev_state      TEXT,
    owner_key       TEXT,
    owner_hint      TEXT,
    owned_at        BIGINT,
    vip_card_key    TEXT,
    retired         BIGINT NOT NULL DEFAULT 0,
    bus             TEXT NOT NULL,
    slave           BIGINT NOT NULL,
    channel         BIGINT NOT NULL,
    last_owner_key  TEXT,
    last_owned_at   BIGINT,
    released_at     BIGINT,
    last_opened_at  BIGINT,
    version         BIGINT NOT NULL DEFAULT 0,
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
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE relay_channels (
    bus     TEXT NOT NULL,
    slave   BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    pulses  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bus, slave, channel)
);

CREATE TABLE events (
    seq      BIGSERIAL PRIMARY KEY,
    ts       BIGINT NOT NULL,
    site     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    kiosk_id TEXT,
    locker   BIGINT,
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
    locker        BIGINT,
    params        TEXT NOT NULL,
    state         TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    deadline_at   BIGINT NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    result        TEXT,
    error_code    TEXT
);
CREATE INDEX commands_kiosk ON commands(kiosk_id, created_at);

CREATE TABLE audit (
    id         BIGSERIAL PRIMARY KEY,
    ts         BIGINT NOT NULL,
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
