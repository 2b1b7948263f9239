import {z} from 'zod'

import type {Principal, Role} from './principal.js'

/**
 * Which claims of an access token name the user, the tenant and the role. IdPs differ: Keycloak
 * and Okta put groups in `groups`, Entra ID in `roles`; a tenant is often a custom claim. The
 * role is `admin` when the role claim says so or when one of the user's groups is an admin group.
 */
export interface ClaimMapping {
  userClaim: string
  tenantClaim: string
  /** A claim whose value is `admin` or `member` (a string or an array holding one); null when unused. */
  roleClaim: string | null
  groupsClaim: string
  adminGroups: readonly string[]
}

export const DEFAULT_CLAIM_MAPPING: ClaimMapping = {
  userClaim: 'sub',
  tenantClaim: 'tenant',
  roleClaim: null,
  groupsClaim: 'groups',
  adminGroups: ['gpu-admins'],
}

/** Why a verified token still does not make a principal: the IdP is not mapped as configured. */
export class ClaimMappingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClaimMappingError'
  }
}

// A tenant and a user id end up in paths, logs and labels: printable, bounded, no separators of ours.
const IDENTITY = z
  .string()
  .min(1)
  .max(200)
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  .regex(/^[^\s:/\\\u0000-\u001f\u007f]+$/u, 'no spaces, colons, slashes or control characters')

function textClaim(claims: Record<string, unknown>, name: string, what: string): string {
  const value = claims[name]
  if (value === undefined || value === null) {
    throw new ClaimMappingError(`the access token has no "${name}" claim, which names the ${what}; map it at the IdP or start the server with the claim your IdP uses`)
  }
  const parsed = IDENTITY.safeParse(typeof value === 'number' ? String(value) : value)
  if (!parsed.success) throw new ClaimMappingError(`the "${name}" claim (the ${what}) is not a usable name: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

function listClaim(claims: Record<string, unknown>, name: string): string[] {
  const value = claims[name]
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean)
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return []
}

export function principalFromClaims(claims: Record<string, unknown>, mapping: ClaimMapping, expiresAt: number | null): Principal {
  const user = textClaim(claims, mapping.userClaim, 'user')
  const tenant = textClaim(claims, mapping.tenantClaim, 'tenant')
  const roles = mapping.roleClaim ? listClaim(claims, mapping.roleClaim) : []
  const groups = listClaim(claims, mapping.groupsClaim)
  const admin = roles.includes('admin') || groups.some((g) => mapping.adminGroups.includes(g))
  const role: Role = admin ? 'admin' : 'member'
  return {user, tenant, role, expiresAt}
}
