import type {ProviderName} from '../../src/core/provider-name.js'
import type {ProviderAdapter, ProviderCapabilities} from '../../src/providers/provider.js'

/**
 * A marketplace that is configured but must never be called: creating a session only records
 * the intent, so any call fails the test. Its capabilities are a container marketplace's
 * unless `over` says otherwise.
 */
export function recordOnlyProvider(name: ProviderName, over: Partial<ProviderCapabilities> = {}): ProviderAdapter {
  const never = () => Promise.reject(new Error(`${name} must not be called while a session is only being recorded`))
  return {
    name,
    capabilities: {
      serverSideFilters: false,
      attachSshKeyAfterCreate: false,
      singleUseOffers: false,
      resumableCreate: false,
      launch: {images: {kind: 'container', default: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04'}, exposePorts: true},
      ...over,
    },
    searchOffers: never,
    createInstance: never,
    getInstance: never,
    listInstances: never,
    destroyInstance: never,
  }
}
