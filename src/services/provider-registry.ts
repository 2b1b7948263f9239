import type {ProviderName} from '../core/provider-name.js'
import {AppError} from '../core/errors.js'
import type {ProviderAdapter} from '../providers/provider.js'

export interface RegisteredProvider {
  adapter: ProviderAdapter
  baseUrl: string
}

/** The configured marketplaces. A provider without credentials is simply absent. */
export class ProviderRegistry {
  private readonly byName = new Map<ProviderName, RegisteredProvider>()

  register(name: ProviderName, provider: RegisteredProvider): void {
    this.byName.set(name, provider)
  }

  get(name: ProviderName): ProviderAdapter {
    const entry = this.byName.get(name)
    if (!entry) {
      throw new AppError('provider_error', `provider ${name} is not configured on this daemon; nothing was sent to it`, {provider: name})
    }
    return entry.adapter
  }

  has(name: ProviderName): boolean {
    return this.byName.has(name)
  }

  entries(): [ProviderName, RegisteredProvider][] {
    return [...this.byName.entries()]
  }
}
