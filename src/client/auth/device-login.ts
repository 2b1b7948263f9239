import type {TokenReply} from './credentials.js'
import {type AuthorizationRequest, hintParameters} from './browser-login.js'
import {AuthError} from './errors.js'
import {type IssuerClient, describeOidcError} from './issuer-client.js'

export interface DeviceLoginUi {
  /** Tells the user where to go and which code to enter. */
  showCode(prompt: {verificationUri: string; verificationUriComplete: string | null; userCode: string}): void
  signal: AbortSignal
}

/** True when the IdP offers the device authorization grant (RFC 8628). */
export function supportsDeviceFlow(client: IssuerClient): boolean {
  return typeof client.config.serverMetadata().device_authorization_endpoint === 'string'
}

/**
 * The device authorization grant (RFC 8628), for a machine without a browser: the user opens
 * a URL on any device and enters a code; the CLI polls the token endpoint at the interval the
 * IdP asks for until the login is approved, refused or the code expires.
 */
export async function loginWithDevice(client: IssuerClient, request: AuthorizationRequest, ui: DeviceLoginUi): Promise<TokenReply> {
  const {oidc, config} = client
  if (!supportsDeviceFlow(client)) {
    throw new AuthError('login_failed', {
      server: request.server,
      message: `the identity provider ${config.serverMetadata().issuer} does not offer the device flow; you were not logged in`,
      fix: `Log in with a browser: \`gpu-shopper auth login --server ${request.server}\` (with --no-browser it prints the URL to open).`,
    })
  }
  let started
  try {
    started = await oidc.initiateDeviceAuthorization(config, {scope: request.scopes.join(' '), resource: request.audience, ...hintParameters(request)})
  } catch (err) {
    throw new AuthError('login_failed', {
      server: request.server,
      message: `the identity provider refused to start a device login (${describeOidcError(err)}); you were not logged in`,
      fix: 'Retry; if it persists, ask the server\'s admin whether the CLI client may use the device flow.',
    })
  }
  ui.showCode({
    verificationUri: started.verification_uri,
    verificationUriComplete: typeof started.verification_uri_complete === 'string' ? started.verification_uri_complete : null,
    userCode: started.user_code,
  })
  try {
    return await oidc.pollDeviceAuthorizationGrant(config, started, {resource: request.audience}, {signal: ui.signal})
  } catch (err) {
    if (ui.signal.aborted) throw err
    throw new AuthError('login_failed', {
      server: request.server,
      message: `the device login did not complete (${describeOidcError(err)}); you were not logged in`,
      fix: 'Run the login again and approve it before the code expires.',
    })
  }
}
