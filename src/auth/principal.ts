/**
 * Who is calling, as the team server sees it: a user of one tenant with one role. Every route
 * acts for a principal; the local daemon's static token stands for its one local admin.
 */
export const ROLES = ['admin', 'member'] as const
export type Role = (typeof ROLES)[number]

export interface Principal {
  /** Stable id of the user at the IdP (the configured user claim, `sub` by default). */
  user: string
  tenant: string
  role: Role
  /** Epoch ms when the credential that proved this expires; null for the local static token. */
  expiresAt: number | null
}

/** The solo daemon's one tenant; rows from before tenancy belong to it too. */
export const LOCAL_TENANT = 'local'

/** The solo daemon's caller: whoever holds the state file's token owns everything on it. */
export const LOCAL_PRINCIPAL: Principal = {user: 'local', tenant: LOCAL_TENANT, role: 'admin', expiresAt: null}
