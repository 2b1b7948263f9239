import {Gauge, Registry} from 'prom-client'

import type {ServiceContext} from '../src/services/context.js'

/** Prometheus gauges read from the store at scrape time, so they are right after a restart too. */
export class DaemonMetrics {
  constructor(ctx: ServiceContext, readonly registry: Registry) {
    new Gauge({
      name: 'gpu_shopper_sessions',
      help: 'Sessions by provider and status',
      labelNames: ['provider', 'status'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const row of ctx.store.sessions.countByProviderAndStatus()) this.set({provider: row.provider, status: row.status}, row.n)
      },
    })
    new Gauge({
      name: 'gpu_shopper_inventory_age_seconds',
      help: 'Age of the newest offer per provider',
      labelNames: ['provider'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const [name] of ctx.providers.entries()) {
          const newest = ctx.store.offers.query({provider: name, sort: 'fetched_at', order: 'desc', limit: 1, includeUnavailable: true}).offers[0]
          if (newest) this.set({provider: name}, Math.max(0, (ctx.clock.now() - newest.fetchedAt) / 1000))
        }
      },
    })
  }

  async render(): Promise<{contentType: string; body: string}> {
    return {contentType: this.registry.contentType, body: await this.registry.metrics()}
  }
}
