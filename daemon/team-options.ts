import {readFileSync} from 'node:fs'

import type {OidcServerOptions} from './server.js'
import {DEFAULT_CLAIM_MAPPING} from '../src/auth/claim-mapping.js'
import {ENV, readEnv} from '../src/config/env.js'
import {resolveRateLimit, type RateLimitConfig} from '../src/config/rate-limit.js'
import {insecureListenProblem} from '../src/core/listen-address.js'

/** The daemon's command-line values that make it a team server (`gpu-shopper serve` passes them). */
export interface TeamArgs {
  host: string
  'oidc-issuer'?: string
  'oidc-audience'?: string
  'oidc-client-id'?: string
  'oidc-scope'?: string[]
  'oidc-introspection-client-id'?: string
  'claim-user'?: string
  'claim-tenant'?: string
  'claim-role'?: string
  'claim-groups'?: string
  'admin-group'?: string[]
  'clock-skew'?: string
  'tls-cert'?: string
  'tls-key'?: string
  'trust-proxy'?: boolean
  'rate-limit'?: string
  'rate-limit-burst'?: string
}

export interface TeamOptions {
  oidc: OidcServerOptions
  tls: {cert: Buffer; key: Buffer} | undefined
  rateLimit: RateLimitConfig | null
}

/** Team mode's settings from the daemon's arguments, or null for the solo daemon; throws saying what is wrong. */
export function teamOptionsFrom(args: TeamArgs, env: NodeJS.ProcessEnv = process.env): TeamOptions | null {
  const issuer = args['oidc-issuer']
  if (issuer === undefined) return null
  const audience = args['oidc-audience']
  if (!audience) throw new Error('--oidc-audience is required with --oidc-issuer: the audience your IdP puts in access tokens for this server')
  if (Boolean(args['tls-cert']) !== Boolean(args['tls-key'])) throw new Error('--tls-cert and --tls-key go together')
  const tls = args['tls-cert'] && args['tls-key'] ? {cert: readPem(args['tls-cert'], '--tls-cert'), key: readPem(args['tls-key'], '--tls-key')} : undefined
  const insecure = insecureListenProblem(args.host, tls !== undefined, args['trust-proxy'] ?? false)
  if (insecure) throw new Error(`${insecure}; give --tls-cert and --tls-key, or --trust-proxy when a TLS proxy terminates HTTPS in front of this server`)
  const skew = Number(args['clock-skew'] ?? 30)
  if (!Number.isInteger(skew) || skew < 0 || skew > 600) throw new Error(`--clock-skew must be whole seconds from 0 to 600, got "${args['clock-skew']}"`)
  const introspectionClientId = args['oidc-introspection-client-id']
  const secret = readEnv(ENV.oidcClientSecret, env)
  if (introspectionClientId && !secret) throw new Error(`--oidc-introspection-client-id needs the client's secret in ${ENV.oidcClientSecret}`)
  return {
    oidc: {
      issuer,
      audience,
      clientId: args['oidc-client-id'] ?? 'gpu-shopper-cli',
      ...(args['oidc-scope']?.length ? {scopes: args['oidc-scope']} : {}),
      clockToleranceSec: skew,
      trustProxy: args['trust-proxy'] ?? false,
      introspection: introspectionClientId && secret ? {clientId: introspectionClientId, clientSecret: secret} : null,
      claims: {
        userClaim: args['claim-user'] ?? DEFAULT_CLAIM_MAPPING.userClaim,
        tenantClaim: args['claim-tenant'] ?? DEFAULT_CLAIM_MAPPING.tenantClaim,
        roleClaim: args['claim-role'] ?? DEFAULT_CLAIM_MAPPING.roleClaim,
        groupsClaim: args['claim-groups'] ?? DEFAULT_CLAIM_MAPPING.groupsClaim,
        adminGroups: args['admin-group']?.length ? args['admin-group'] : DEFAULT_CLAIM_MAPPING.adminGroups,
      },
    },
    tls,
    rateLimit: resolveRateLimit({requestsPerSecond: args['rate-limit'], burst: args['rate-limit-burst']}, env),
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new Error(`${flag} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}
