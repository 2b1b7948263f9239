/**
 * What can go wrong logging in or renewing a login, as values the CLI maps to exit codes and
 * fixes. Each names the command that fixes it: a login problem is only ever fixed by the user.
 */
export type AuthErrorKind =
  /** Stored credentials exist but cannot be renewed (refresh token expired, revoked, spent). */
  | 'login_required'
  /** Nothing stored for the server. */
  | 'not_logged_in'
  /** The IdP refused or the user gave up (access_denied, expired device code, a wrong callback). */
  | 'login_failed'
  /** The server or its IdP did not answer, or answered with something that is not OIDC. */
  | 'idp_unreachable'
  /** The server is a solo local daemon: its token comes from its state file. */
  | 'no_login_needed'

export class AuthError extends Error {
  readonly kind: AuthErrorKind
  readonly fix: string
  readonly server: string

  constructor(kind: AuthErrorKind, init: {server: string; message: string; fix: string}) {
    super(init.message)
    this.name = 'AuthError'
    this.kind = kind
    this.server = init.server
    this.fix = init.fix
  }
}

/** The exact command that logs in to `server`; every "log in again" message prints it. */
export function loginCommand(server: string): string {
  return `gpu-shopper auth login --server ${server}`
}

/** The stored login cannot be renewed: say so, and the exact command that makes a new one. */
export function loginRequired(server: string, reason: string): AuthError {
  return new AuthError('login_required', {
    server,
    message: `your login to ${server} has expired or was revoked (${reason}); nothing was sent to the server`,
    fix: `Log in again: \`${loginCommand(server)}\` (add --device on a machine without a browser).`,
  })
}

export function notLoggedIn(server: string): AuthError {
  return new AuthError('not_logged_in', {
    server,
    message: `you are not logged in to ${server}`,
    fix: `Log in: \`${loginCommand(server)}\`, or set GPU_SHOPPER_TOKEN to an access token for it.`,
  })
}
