import {z} from 'zod'

/**
 * How a client logs in to this server. The solo daemon needs no login (its token is in the
 * state file); a team server names its OpenID Connect issuer, the CLI's client id there, the
 * audience to ask tokens for, and the scopes.
 */
export const AuthConfigReply = z.object({
  mode: z.enum(['static', 'oidc']),
  issuer: z.string().nullable(),
  client_id: z.string().nullable(),
  audience: z.string().nullable(),
  scopes: z.array(z.string()),
})
export type AuthConfigReply = z.infer<typeof AuthConfigReply>

/** Who the bearer token says the caller is, as this server maps it. */
export const WhoAmIReply = z.object({
  user: z.string(),
  tenant: z.string(),
  role: z.enum(['admin', 'member']),
  /** When the access token expires (ISO 8601); null for the solo daemon's static token. */
  expires_at: z.string().nullable(),
  mode: z.enum(['static', 'oidc']),
})
export type WhoAmIReply = z.infer<typeof WhoAmIReply>
