import {httpFetch, type HttpFetch} from '../http-transport.js'
import {type Bearer, type BearerOptions, bearerForServer} from './access-token.js'
import {needsRefresh} from './token-expiry.js'

/**
 * The transport of a client that runs longer than an access token lives (the dashboard,
 * `--watch`): before each request, a token inside the renewal margin is renewed (through the
 * store and its lock, as at connect time), and every request carries the current one. A
 * request made with a fresh token costs nothing extra.
 */
export function refreshingFetch(server: string, initial: Bearer, options: BearerOptions = {}, base: HttpFetch = httpFetch): HttpFetch {
  const now = options.now ?? Date.now
  let current = initial
  return async (url, init = {}) => {
    const credentials = current.credentials
    if (credentials?.refreshToken && needsRefresh(credentials.expiresAt, now())) {
      current = (await bearerForServer(server, options)) ?? current
    }
    return base(url, {...init, headers: {...init.headers, authorization: `Bearer ${current.accessToken}`}})
  }
}
