/**
 * A session whose instance was stopped to keep its disk (`storage_policy: preserve`) is
 * `preserved`: live, billing storage only, until it is resumed or destroyed. Compute billing of
 * an instance stops at a verified stop (`compute_until`) and starts again when the provider says
 * it runs; a resumed session counts its resumes (its workload is started again, once per boot)
 * and when it was last resumed (its provisioning deadline runs from there).
 *
 * The status CHECK is widened by SQLite's documented procedure for loosening a constraint
 * (see SQLITE_SCHEMA_EDITS): every row already satisfies the new one, so nothing is rewritten.
 */
export const sql = `
ALTER TABLE session_billing ADD COLUMN compute_until INTEGER;
ALTER TABLE sessions ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN resumed_at INTEGER;
`

export const sessionsStatusCheck = {
  table: 'sessions',
  from: "CHECK (status IN ('pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed'))",
  to: "CHECK (status IN ('pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed', 'preserved'))",
}
