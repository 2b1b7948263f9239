/** SQLite's migration 014: preserved sessions and compute that stops with the instance; see there. */
export const sql = `
ALTER TABLE session_billing ADD COLUMN compute_until bigint;
ALTER TABLE sessions ADD COLUMN resumes bigint NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN resumed_at bigint;
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check CHECK (status IN ('pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed', 'preserved'));
`
