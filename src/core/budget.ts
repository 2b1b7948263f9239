/** What happens when a consumer's spend reaches its monthly limit: its sessions are released, or it is only told. */
export const ON_LIMIT_ACTIONS = ['release', 'alert'] as const
export type OnLimitAction = (typeof ON_LIMIT_ACTIONS)[number]
