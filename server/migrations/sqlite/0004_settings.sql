-- Staff accounts and sessions for the admin panel.

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
