import {generateKeyPairSync, randomUUID} from 'node:crypto'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import Provider, {type Configuration, type KoaContextWithOIDC} from 'oidc-provider'

/**
 * A real OpenID Connect provider (panva's oidc-provider) on loopback: the team's IdP in tests.
 * Two tenants, an admin in each; the CLI is a public native client (PKCE, loopback
 * redirect, device flow, refresh tokens), the team server a confidential one (introspection).
 * Access tokens for the server's audience are RFC 9068 JWTs carrying the tenant and groups.
 * Logins go through oidc-provider's own login form, which takes any password.
 */
export interface TestAccount {
  sub: string
  email: string
  tenant: string
  groups: string[]
}

export const TEST_ACCOUNTS: Record<string, TestAccount> = {
  alice: {sub: 'alice', email: 'alice@acme.test', tenant: 'acme', groups: ['gpu-admins']},
  bob: {sub: 'bob', email: 'bob@acme.test', tenant: 'acme', groups: ['ml']},
  carol: {sub: 'carol', email: 'carol@globex.test', tenant: 'globex', groups: ['ml']},
  dave: {sub: 'dave', email: 'dave@globex.test', tenant: 'globex', groups: ['gpu-admins']},
}

export const TEST_CLI_CLIENT_ID = 'gpu-shopper-cli'
export const TEST_SERVER_CLIENT_ID = 'gpu-shopper-server'
export const TEST_AUDIENCE = 'https://gpu-shopper.test/api'

export interface TestIdpOptions {
  /** Seconds an access token lives. */
  accessTokenTtl?: number
  refreshTokenTtl?: number
  /** The audience tokens are issued for. */
  audience?: string
  /** Reuse a port, so a restarted IdP keeps its issuer URL (key rotation). */
  port?: number
  /** `opaque` makes the server introspect its tokens. */
  accessTokenFormat?: 'jwt' | 'opaque'
  /** Access tokens carry an `nbf` this many seconds after they are issued: an IdP whose clock runs ahead. */
  notBeforeSec?: number
}

export interface TestIdp {
  issuer: string
  port: number
  audience: string
  serverClientSecret: string
  /** The key id access tokens are signed with now. */
  signingKid(): string
  /**
   * Rotates the signing key the way an IdP does: the new key signs from now on, and the old one
   * stays published so tokens already issued still verify.
   */
  rotateKeys(): Promise<void>
  stop(): Promise<void>
}

function newSigningKey(): Record<string, unknown> {
  const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  return {...privateKey.export({format: 'jwk'}), kid: randomUUID(), use: 'sig', alg: 'RS256'}
}

export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  const audience = options.audience ?? TEST_AUDIENCE
  const serverClientSecret = randomUUID()
  let keys = [newSigningKey()]
  let server: Server | undefined
  let port = options.port ?? 0

  const configuration = (): Configuration => ({
    clients: [
      {
        client_id: TEST_CLI_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        // RFC 8252: a native client's loopback redirect may use any port.
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
      {
        client_id: TEST_SERVER_CLIENT_ID,
        client_secret: serverClientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: {keys: keys as never},
    findAccount: async (_ctx, id) => {
      const account = TEST_ACCOUNTS[id]
      if (!account) return undefined
      return {accountId: id, claims: async () => ({sub: id, email: account.email, tenant: account.tenant, groups: account.groups})}
    },
    claims: {openid: ['sub'], email: ['email'], tenant: ['tenant', 'groups']},
    scopes: ['openid', 'offline_access', 'email', 'tenant'],
    features: {
      devInteractions: {enabled: true},
      deviceFlow: {enabled: true},
      revocation: {enabled: true},
      introspection: {enabled: true},
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== audience) throw new Error(`unknown resource ${resource}`)
          return {scope: 'openid offline_access email tenant', audience, accessTokenTTL: options.accessTokenTtl ?? 300, accessTokenFormat: options.accessTokenFormat ?? 'jwt', jwt: {sign: {alg: 'RS256'}}}
        },
      },
    },
    // What the team server maps to a tenant and a role, in every access token.
    extraTokenClaims: async (_ctx, token) => {
      const account = 'accountId' in token && token.accountId ? TEST_ACCOUNTS[token.accountId as string] : undefined
      if (!account) return undefined
      // Introspection repeats these claims too, so an opaque token has the same `nbf`.
      const notBefore = options.notBeforeSec === undefined ? {} : {nbf: Math.floor(Date.now() / 1000) + options.notBeforeSec}
      return {email: account.email, tenant: account.tenant, groups: account.groups, ...notBefore}
    },
    // First-party client: the user is not asked to consent to what the CLI requests.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const session = ctx.oidc.session
      const client = ctx.oidc.client
      if (!session?.accountId || !client) return undefined
      const grant = new ctx.oidc.provider.Grant({clientId: client.clientId, accountId: session.accountId})
      grant.addOIDCScope('openid offline_access email tenant')
      grant.addResourceScope(audience, 'openid offline_access email tenant')
      await grant.save()
      return grant
    },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: options.accessTokenTtl ?? 300,
      RefreshToken: options.refreshTokenTtl ?? 3600,
      DeviceCode: 600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    pkce: {required: () => true},
    cookies: {keys: [randomUUID()]},
  })

  const start = async (): Promise<void> => {
    const issuer = `http://127.0.0.1:${port}`
    const provider = new Provider(issuer, configuration())
    // Loopback HTTP, no proxy in front.
    provider.proxy = false
    const handle = provider.callback()
    // No keep-alive: a restart (key rotation) must not leave clients holding dead connections.
    server = createServer((req, res) => {
      res.shouldKeepAlive = false
      void handle(req, res)
    })
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(port, '127.0.0.1', () => resolve())
    })
    port = (server.address() as AddressInfo).port
  }

  const stopServer = async (): Promise<void> => {
    const s = server
    server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  // The issuer must be known before the provider is made: find a free port first when none was given.
  if (port === 0) {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
    port = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
  }
  await start()

  return {
    get issuer() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    audience,
    serverClientSecret,
    signingKid: () => keys[0]!['kid'] as string,
    async rotateKeys() {
      keys = [newSigningKey(), ...keys]
      await stopServer()
      await start()
    },
    stop: stopServer,
  }
}

/**
 * Approves a device login as a person would in a browser, over plain HTTP: the user code page,
 * its confirmation, oidc-provider's login form (as `login`) and its consent. Walks each page's
 * form, keeping the IdP's cookies.
 */
export async function approveDeviceLogin(verificationUriComplete: string, login: string): Promise<void> {
  const jar = new Map<string, string>()
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(url, {...init, redirect: 'manual', headers: {cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ')}})
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? ''
      const at = pair.indexOf('=')
      if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
    return res
  }
  let res = await go(verificationUriComplete)
  for (let step = 0; step < 16; step++) {
    const location = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && location) {
      res = await go(new URL(location, res.url || verificationUriComplete).href)
      continue
    }
    const html = await res.text()
    if (/<title>Sign-in Success<\/title>/.test(html)) return
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html)
    if (!form) throw new Error(`device login for ${login} ended on a page without a form (HTTP ${res.status}): ${html.replace(/\s+/g, ' ').slice(0, 300)}`)
    const fields = new URLSearchParams()
    for (const input of form[2]!.matchAll(/<input[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1]
      if (!name) continue
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? ''
      fields.set(name, name === 'login' ? login : name === 'password' ? 'any password' : value)
    }
    if (/name="confirm"/.test(form[2]!)) fields.set('confirm', 'yes')
    res = await go(new URL(form[1]!, verificationUriComplete).href, {method: 'POST', body: fields})
  }
  throw new Error(`device login for ${login} did not finish`)
}

export interface IdpTokens {
  access_token: string
  refresh_token?: string
  id_token?: string
  expires_in: number
}

/** Tokens for `login` from the CLI's client, by the device flow approved over HTTP. */
export async function deviceFlowTokens(idp: TestIdp, login: string, resource = idp.audience): Promise<IdpTokens> {
  const started = await fetch(`${idp.issuer}/device/auth`, {
    method: 'POST',
    body: new URLSearchParams({client_id: TEST_CLI_CLIENT_ID, scope: 'openid offline_access email tenant', resource}),
  })
  const device = (await started.json()) as {device_code: string; verification_uri_complete: string; error?: string}
  if (!started.ok) throw new Error(`device authorization failed: ${JSON.stringify(device)}`)
  await approveDeviceLogin(device.verification_uri_complete, login)
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({client_id: TEST_CLI_CLIENT_ID, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code}),
  })
  const tokens = (await res.json()) as IdpTokens & {error?: string}
  if (!res.ok) throw new Error(`device token request failed: ${JSON.stringify(tokens)}`)
  return tokens
}
