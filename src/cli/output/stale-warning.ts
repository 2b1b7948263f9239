/**
 * One warning naming every provider served from last-good data, or null when all answered.
 * Shared by `inventory` and `catalog list` so both say it the same way.
 */
export function staleProvidersWarning(providers: readonly string[]): string | null {
  if (providers.length === 0) return null
  const names = providers.join(', ')
  const verb = providers.length === 1 ? 'is' : 'are'
  return `${names} ${verb} not answering: ${providers.length === 1 ? 'its' : 'their'} offers are the last ones seen and may be gone (renting them may fail with stale_inventory)`
}
