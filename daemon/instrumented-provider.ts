import {Counter, Histogram, type Registry} from 'prom-client'

import type {ProviderAdapter} from '../src/providers/provider.js'

const METHODS = ['searchOffers', 'streamMarket', 'createInstance', 'getInstance', 'listInstances', 'destroyInstance', 'stopInstance', 'startInstance', 'attachSshKeys', 'instanceCharge'] as const

export interface ProviderMetrics {
  calls: Histogram<'provider' | 'method' | 'outcome'>
  errors: Counter<'provider' | 'method' | 'error'>
}

export function createProviderMetrics(registry: Registry): ProviderMetrics {
  return {
    calls: new Histogram({
      name: 'gpu_shopper_provider_call_seconds',
      help: 'Provider API call latency by provider, method and outcome',
      labelNames: ['provider', 'method', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'gpu_shopper_provider_errors_total',
      help: 'Provider API errors by provider, method and error class',
      labelNames: ['provider', 'method', 'error'],
      registers: [registry],
    }),
  }
}

/** Wraps an adapter so every call is timed and every failure counted, without the adapter knowing. */
export function instrumentProvider(adapter: ProviderAdapter, metrics: ProviderMetrics): ProviderAdapter {
  const wrapped = Object.create(adapter) as ProviderAdapter
  for (const method of METHODS) {
    if (!adapter[method]) continue
    const original = adapter[method]!.bind(adapter) as (...args: unknown[]) => Promise<unknown>
    ;(wrapped as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      const end = metrics.calls.startTimer({provider: adapter.name, method})
      try {
        const result = await original(...args)
        end({outcome: 'ok'})
        return result
      } catch (err) {
        end({outcome: 'error'})
        metrics.errors.inc({provider: adapter.name, method, error: err instanceof Error ? err.name : 'unknown'})
        throw err
      }
    }
  }
  return wrapped
}
