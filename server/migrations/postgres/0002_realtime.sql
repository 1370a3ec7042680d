-- Real-time push: each namespace's messages with a contiguous sequence, kept for replay.
CREATE TABLE ws_counters (
    namespace TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL
);

CREATE TABLE ws_events (
    namespace TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    ts        BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    rooms     TEXT NOT NULL,
    version   BIGINT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (namespace, seq)
);
CREATE INDEX ws_events_ts ON ws_events(ts);

-- One-use tickets for browsers, which cannot set headers on a WebSocket.
CREATE TABLE ws_tickets (
    ticket_hash  TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);

-- Whether a kiosk was last seen online, so each transition is announced once.
ALTER TABLE kiosks ADD COLUMN online BIGINT NOT NULL DEFAULT 0;
