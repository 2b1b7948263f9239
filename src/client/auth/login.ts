import {ENV, readEnv} from '../../config/env.js'
import {appPaths} from '../../config/paths.js'
import {ApiError} from '../errors.js'
import {fetchAuthConfig} from './auth-config.js'
import {loginWithBrowser} from './browser-login.js'
import {type StoredCredentials, credentialsFromTokens} from './credentials.js'
import {loginWithDevice, supportsDeviceFlow} from './device-login.js'
import {AuthError} from './errors.js'
import {discoverIssuer} from './issuer-client.js'
import {canOpenBrowser, openBrowser} from './open-browser.js'
import {type StoreKind, SecretStore} from './secret-store.js'
import {fetchWhoAmI, type WhoAmI} from './whoami.js'

export type LoginFlow = 'browser' | 'device' | 'token'

export interface LoginRequest {
  server: string
  tenantHint?: string
  /** `--device`: the device flow even where a browser could open. */
  device?: boolean
  /** `--no-browser`: print the authorization URL only. */
  noBrowser?: boolean
  /** `--with-token`: an access token read from stdin; no IdP round trip, nothing to refresh. */
  accessToken?: string
  env?: NodeJS.ProcessEnv
}

export interface LoginUi {
  /** Instructions for the person logging in (URLs, the device code); stderr. */
  say(message: string): void
  warn(message: string): void
  signal: AbortSignal
  now?: () => number
}

export interface LoginResult {
  server: string
  flow: LoginFlow
  user: string | null
  tenant: string | null
  role: string | null
  /** Epoch ms the access token expires; null when unknown. */
  expires_at: number | null
  refreshable: boolean
  store: StoreKind
  store_location: string
}

/**
 * `auth login`: asks the server how to log in, logs in at its IdP by the flow that fits the
 * machine, stores the tokens, then asks the server who it now takes us for.
 *
 * | situation                                   | flow                                  |
 * |---------------------------------------------|---------------------------------------|
 * | --with-token                                | the token from stdin, stored as it is |
 * | --device                                    | device flow                           |
 * | --no-browser                                | PKCE, URL printed only                |
 * | no browser can open and the IdP has devices | device flow                           |
 * | otherwise                                   | PKCE, browser opened, URL printed too |
 */
export async function login(request: LoginRequest, ui: LoginUi): Promise<LoginResult> {
  const env = request.env ?? process.env
  const now = ui.now ?? Date.now
  const store = new SecretStore({paths: appPaths(env), warn: ui.warn})
  const {server} = request

  const obtained =
    request.accessToken !== undefined
      ? {
          flow: 'token' as const,
          credentials: {server, issuer: null, clientId: null, audience: null, accessToken: request.accessToken, refreshToken: null, expiresAt: null, obtainedAt: now()},
        }
      : await loginAtIdp(request, ui, env, now)
  const {flow} = obtained
  let {credentials} = obtained

  const whoami = await askWhoAmI(server, credentials.accessToken, flow, ui)
  // A pasted token's lifetime is what the server reads from it.
  if (credentials.expiresAt === null && whoami?.expires_at) credentials = {...credentials, expiresAt: whoami.expires_at}
  const saved = await store.save(credentials)
  if (readEnv(ENV.token, env)) ui.warn(`${ENV.token} is set: commands keep using it instead of this login until you unset it`)
  return {
    server,
    flow,
    user: whoami?.user ?? null,
    tenant: whoami?.tenant ?? null,
    role: whoami?.role ?? null,
    expires_at: credentials.expiresAt,
    refreshable: credentials.refreshToken !== null,
    store: saved.store,
    store_location: saved.location,
  }
}

/** The browser or device flow at the IdP the server names; see the table on `login`. */
async function loginAtIdp(request: LoginRequest, ui: LoginUi, env: NodeJS.ProcessEnv, now: () => number): Promise<{credentials: StoredCredentials; flow: LoginFlow}> {
  const {server} = request
  const config = await fetchAuthConfig(server)
  if (config.mode !== 'oidc') {
    throw new AuthError('no_login_needed', {
      server,
      message: `${server} is a solo gpu-shopper daemon: it needs no login`,
      fix: 'Local commands use its token from the state file on their own; `gpu-shopper daemon token` prints it for curl.',
    })
  }
  const client = await discoverIssuer(config, server)
  const authorization = {server, scopes: config.scopes, audience: config.audience, tenantHint: request.tenantHint}
  if (request.device || (!request.noBrowser && !canOpenBrowser(env) && supportsDeviceFlow(client))) {
    const tokens = await loginWithDevice(client, authorization, {
      signal: ui.signal,
      showCode: ({verificationUri, verificationUriComplete, userCode}) => {
        ui.say(`To log in to ${server}, open ${verificationUri} on any device and enter the code ${userCode}`)
        if (verificationUriComplete) ui.say(`(or open ${verificationUriComplete} , which fills in the code)`)
        ui.say('Waiting for the login to be approved…')
      },
    })
    return {flow: 'device', credentials: credentialsFromTokens(server, config, tokens, now())}
  }
  const open = !request.noBrowser && canOpenBrowser(env)
  const tokens = await loginWithBrowser(client, authorization, {
    signal: ui.signal,
    showUrl: (url) => {
      ui.say(open ? `Opening your browser to log in to ${server}. If it does not open, open this URL:` : `To log in to ${server}, open this URL in a browser on this machine:`)
      ui.say(url)
      ui.say('Waiting for the browser to come back…')
    },
    openBrowser: open ? openBrowser : undefined,
  })
  return {flow: 'browser', credentials: credentialsFromTokens(server, config, tokens, now())}
}

/**
 * The server's view of the new token. A 401/403 means the token is not for this server (another
 * audience, an IdP it does not trust): storing it would only fail later, so the login fails
 * now. Any other failure is a warning: the login itself worked.
 */
async function askWhoAmI(server: string, accessToken: string, flow: LoginFlow, ui: LoginUi): Promise<WhoAmI | null> {
  try {
    return await fetchWhoAmI(server, accessToken)
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      throw new AuthError('login_failed', {
        server,
        message: `${server} refused the ${flow === 'token' ? 'token from stdin' : 'new access token'} (${err.message}); nothing was stored`,
        fix:
          flow === 'token'
            ? `Pipe in an access token issued for this server's audience, or log in with \`gpu-shopper auth login --server ${server}\`.`
            : 'Ask the server\'s admin whether your account may use this server (tenant and group claims).',
      })
    }
    ui.warn(`logged in, but ${server} did not say who you are (${err instanceof Error ? err.message : String(err)}); \`gpu-shopper auth status --server ${server}\` asks again`)
    return null
  }
}
