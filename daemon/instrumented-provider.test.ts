import {Registry} from 'prom-client'
import {describe, expect, it} from 'vitest'

import {recordOnlyProvider} from '../test/support/record-only-provider.js'
import type {ProviderAdapter} from '../src/providers/provider.js'
import {createProviderMetrics, instrumentProvider} from './instrumented-provider.js'

/** An adapter class with private state, as the real ones are, and a method no list names in advance. */
class PrivateStateAdapter {
  readonly #stopped: string[] = []
  readonly inner = recordOnlyProvider('vastai')
  readonly name = 'vastai' as const
  readonly capabilities = this.inner.capabilities
  searchOffers = this.inner.searchOffers
  createInstance = this.inner.createInstance
  getInstance = this.inner.getInstance
  listInstances = this.inner.listInstances
  destroyInstance = this.inner.destroyInstance
  async stopInstance(id: string): Promise<void> {
    if (id === 'bad') throw new Error('refused')
    this.#stopped.push(id)
  }
  stopped(): readonly string[] {
    return this.#stopped
  }
}

describe('instrumentProvider', () => {
  it('times and counts every method returning a promise, bound to the adapter, and passes synchronous ones through', async () => {
    const registry = new Registry()
    const adapter = new PrivateStateAdapter()
    const wrapped = instrumentProvider(adapter as unknown as ProviderAdapter, createProviderMetrics(registry)) as unknown as PrivateStateAdapter
    await wrapped.stopInstance('9000001')
    await expect(wrapped.stopInstance('bad')).rejects.toThrow('refused')
    expect(wrapped.stopped()).toEqual(['9000001'])

    const metrics = await registry.getMetricsAsJSON()
    const calls = metrics.find((m) => m.name === 'gpu_shopper_provider_call_seconds')!.values.filter((v) => (v as {metricName?: string}).metricName?.endsWith('_count'))
    expect(calls.map((v) => [v.labels.method, v.labels.outcome, v.value])).toEqual(expect.arrayContaining([['stopInstance', 'ok', 1], ['stopInstance', 'error', 1]]))
    expect(calls.some((v) => v.labels.method === 'stopped')).toBe(false)
    const errors = metrics.find((m) => m.name === 'gpu_shopper_provider_errors_total')!.values
    expect(errors.map((v) => [v.labels.method, v.value])).toEqual([['stopInstance', 1]])
  })
})
