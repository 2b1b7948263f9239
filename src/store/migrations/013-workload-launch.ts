/**
 * What a session launches once its box is verified (core/workload-launch.ts): the launch as
 * JSON (image, command, variable names, ports, model), the variables' values sealed with the
 * data dir's key (they are often tokens), the public URL of its server once the provider maps
 * the port, and when the workload was started (a resumed provisioning step starts it once).
 */
export const sql = `
ALTER TABLE sessions ADD COLUMN launch TEXT;
ALTER TABLE sessions ADD COLUMN launch_env BLOB;
ALTER TABLE sessions ADD COLUMN api_endpoint TEXT;
ALTER TABLE sessions ADD COLUMN workload_started_at INTEGER;
`
