import {Counter, Histogram, type Registry} from 'prom-client'

import type {ProviderAdapter} from '../src/providers/provider.js'

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

/** Every method an adapter has, its class's and its own (a plain object adapter in tests). */
function methodNames(adapter: ProviderAdapter): string[] {
  const names = new Set<string>()
  for (let o: object | null = adapter; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (adapter as unknown as Record<string, unknown>)[name] === 'function') names.add(name)
    }
  }
  return [...names]
}

/**
 * Wraps an adapter so every provider call (every method that returns a promise) is timed and
 * every failure counted, without the adapter knowing. Every method is bound to the adapter: one
 * left to the prototype would run on the wrapper and lose the adapter's private fields.
 */
export function instrumentProvider(adapter: ProviderAdapter, metrics: ProviderMetrics): ProviderAdapter {
  const wrapped = Object.create(adapter) as Record<string, unknown>
  const methods = adapter as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const method of methodNames(adapter)) {
    const original = methods[method]!.bind(adapter)
    wrapped[method] = (...args: unknown[]) => {
      const end = metrics.calls.startTimer({provider: adapter.name, method})
      const result = original(...args)
      if (!(result instanceof Promise)) return result
      return result.then(
        (value: unknown) => {
          end({outcome: 'ok'})
          return value
        },
        (err: unknown) => {
          end({outcome: 'error'})
          metrics.errors.inc({provider: adapter.name, method, error: err instanceof Error ? err.name : 'unknown'})
          throw err
        },
      )
    }
  }
  return wrapped as unknown as ProviderAdapter
}
