import {ENV, readEnv} from '../../config/env.js'
import {normalizeServerUrl} from '../../client/auth/server-url.js'
import {flagError} from '../errors.js'

/**
 * The team server an `auth` command is about: --server, else GPU_SHOPPER_SERVER, in the one
 * spelling credentials are stored under. The local daemon needs no login, so one is required.
 */
export function authServer(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag ?? readEnv(ENV.server, env)
  if (!given) {
    throw flagError('server', 'is required: logins are for a team server (the local daemon needs none)', 'Pass --server https://host:port, or set GPU_SHOPPER_SERVER.')
  }
  const server = normalizeServerUrl(given)
  if (!server) throw flagError('server', `must be an http(s) URL, got "${given}"`, 'Pass --server https://host:port.')
  return server
}
