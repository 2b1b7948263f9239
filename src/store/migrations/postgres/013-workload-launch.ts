/** SQLite's migration 013: a session's workload launch; see there. */
export const sql = `
ALTER TABLE sessions ADD COLUMN launch text;
ALTER TABLE sessions ADD COLUMN launch_env bytea;
ALTER TABLE sessions ADD COLUMN api_endpoint text;
ALTER TABLE sessions ADD COLUMN workload_started_at bigint;
`
