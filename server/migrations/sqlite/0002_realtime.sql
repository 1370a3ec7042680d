-- Real-time push: each namespace's messages with a contiguous sequence, kept for replay.
CREATE TABLE ws_counters (
    namespace TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL
);

CREATE TABLE ws_events (
    namespace TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    rooms     TEXT NOT NULL,
    version   INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (namespace, seq)
);
CREATE INDEX ws_events_ts ON ws_events(ts);

-- One-use tickets for browsers, which cannot set headers on a WebSocket.
CREATE TABLE ws_tickets (
    ticket_hash  TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);

-- Whether a kiosk was last seen online, so each transition is announced once.
ALTER TABLE kiosks ADD COLUMN online INTEGER NOT NULL DEFAULT 0;
