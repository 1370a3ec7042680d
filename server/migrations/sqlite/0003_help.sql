-- Help requests (spec §8): raised at a kiosk or automatically by the card flow, worked on by
-- staff. Times are UTC epoch milliseconds. A photo, when there is one, is a file in the data
-- folder (`help/<id>.<ext>`); `photo_type` is its MIME type.
CREATE TABLE help_requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk_id         TEXT NOT NULL REFERENCES kiosks(id),
    category         TEXT NOT NULL
                     CHECK (category IN ('access_issue', 'card_issue', 'payment_issue', 'other')),
    note             TEXT,
    locker           INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'resolved')),
    source           TEXT NOT NULL CHECK (source IN ('kiosk', 'automatic')),
    photo_type       TEXT,
    assigned_to      TEXT REFERENCES users(id),
    resolution_notes TEXT,
    client_ref       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    resolved_at      INTEGER,
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX help_requests_status ON help_requests(status, created_at);
CREATE INDEX help_requests_kiosk ON help_requests(kiosk_id, created_at);
CREATE INDEX help_requests_created ON help_requests(created_at);
CREATE INDEX help_requests_updated ON help_requests(updated_at);
-- A kiosk retrying a request it queued while offline names it with its own reference.
CREATE UNIQUE INDEX help_requests_client_ref ON help_requests(kiosk_id, client_ref)
    WHERE client_ref IS NOT NULL;
-- At most one unresolved automatic request per locker: repeated scans do not flood the panel.
CREATE UNIQUE INDEX help_requests_automatic ON help_requests(kiosk_id, locker)
    WHERE source = 'automatic' AND status <> 'resolved';

-- Every step of a request, oldest first: created, assigned, resolved, reopened.
CREATE TABLE help_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    help_id     INTEGER NOT NULL REFERENCES help_requests(id),
    ts          INTEGER NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('created', 'assigned', 'resolved', 'reopened')),
    by_user     TEXT REFERENCES users(id),
    note        TEXT,
    assigned_to TEXT REFERENCES users(id)
);
CREATE INDEX help_history_request ON help_history(help_id, id);
