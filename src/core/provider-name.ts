export const PROVIDER_NAMES = ['vastai', 'tensordock', 'selfhosted'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value)
}
