import {AccessTokenVerifier} from '../../src/auth/access-token-verifier.js'
import {DEFAULT_CLAIM_MAPPING} from '../../src/auth/claim-mapping.js'
import {json, startTestServer, type RecordedRequest} from './http-server.js'
import {TEST_CLI_CLIENT_ID, type TestIdp} from './test-idp.js'

export interface AuthServerStandIn {
  url: string
  requests: RecordedRequest[]
  /** The bearer tokens the server accepted, in order (what a silent refresh changes). */
  acceptedTokens: string[]
  close(): Promise<void>
}

/**
 * The slice of the team server the CLI's login talks to, until `gpu-shopper serve` exists:
 * `/api/v1/auth/config` as the server contract has it, `/api/v1/auth/whoami` and
 * `GET /api/v1/sessions` behind bearer tokens checked as the real server checks them (the same
 * AccessTokenVerifier, against the real IdP's keys, for its audience). `mode: 'static'` is the
 * solo local daemon's answer.
 */
export async function startAuthServerStandIn(idp: TestIdp | null, options: {mode?: 'oidc' | 'static'} = {}): Promise<AuthServerStandIn> {
  const verifier = idp
    ? new AccessTokenVerifier({issuer: idp.issuer, audience: idp.audience, claims: DEFAULT_CLAIM_MAPPING, clockToleranceSec: 0, introspection: null}, {now: () => Date.now()})
    : null
  const acceptedTokens: string[] = []
  const server = await startTestServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/api/v1/auth/config') {
      if (options.mode === 'static' || !idp) return json(res, 200, {mode: 'static', issuer: null, client_id: null, audience: null, scopes: []})
      return json(res, 200, {mode: 'oidc', issuer: idp.issuer, client_id: TEST_CLI_CLIENT_ID, audience: idp.audience, scopes: ['openid', 'profile', 'email', 'offline_access']})
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (!token || !verifier) return json(res, 401, {error: 'a bearer token is required', error_type: 'unauthorized'})
    verifier.verify(token).then(
      (principal) => {
        acceptedTokens.push(token)
        if (path === '/api/v1/auth/whoami') return json(res, 200, {user: principal.user, tenant: principal.tenant, role: principal.role, expires_at: principal.expiresAt})
        if (path === '/api/v1/sessions') return json(res, 200, {sessions: [], count: 0, total: 0, simulated: true})
        return json(res, 404, {error: `no route ${path}`, error_type: 'not_found'})
      },
      (err: Error) => json(res, 401, {error: err.message, error_type: 'unauthorized'}),
    )
  })
  return {url: server.url, requests: server.requests, acceptedTokens, close: () => server.close()}
}
