/**
 * Idempotency records keep what the service returned (JSON), named by operation, instead of an
 * HTTP status and body under a route's path: the service owns idempotency for every route.
 * Records of creates written before keep their session id, and a replay of one answers with that
 * session as it is now. Records of releases are dropped: a repeated release of the same session
 * is harmless by itself.
 */
export const sql = `
ALTER TABLE idempotency_keys ADD COLUMN result TEXT;
ALTER TABLE idempotency_keys DROP COLUMN status_code;
ALTER TABLE idempotency_keys DROP COLUMN response_body;
DELETE FROM idempotency_keys WHERE scope NOT IN ('POST /api/v1/sessions', 'POST /api/v1/allocations');
UPDATE idempotency_keys SET scope = 'create-session' WHERE scope = 'POST /api/v1/sessions';
UPDATE idempotency_keys SET scope = 'create-session-by-spec' WHERE scope = 'POST /api/v1/allocations';
`
