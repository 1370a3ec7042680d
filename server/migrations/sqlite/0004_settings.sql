-- Settings edited in the panel, layered over the configuration file's values (spec §5.1).
-- scope is 'site' or 'kiosk:<id>'; name is a card-flow setting (or 'name' for a kiosk);
-- value is JSON. A missing row means the file's value applies.
CREATE TABLE settings (
    scope      TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (scope, name)
);

-- Sessions get a public id for the panel to list and revoke them by; the token's hash stays
-- the key and is never shown.
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = lower(hex(randomblob(16))) WHERE id IS NULL;
CREATE UNIQUE INDEX sessions_id ON sessions(id);

-- When each user last signed in (filled from the audit trail for existing users).
ALTER TABLE users ADD COLUMN last_login_at INTEGER;
UPDATE users SET last_login_at = (
    SELECT MAX(a.ts) FROM audit a
    WHERE a.user_id = users.id AND a.action = 'login' AND a.outcome = 'succeeded'
);
