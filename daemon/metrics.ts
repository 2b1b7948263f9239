import {Gauge, Registry} from 'prom-client'

import type {ServiceContext} from '../src/services/context.js'
import {nodeUsage, type NodeUsage} from '../src/services/node-service.js'
import type {Reconciler} from '../src/services/reconciler.js'
import {callerTenant} from '../src/services/tenancy.js'

/** What a scrape may see of the tenants' data, read once per scrape. */
interface ScrapeView {
  sessions: {provider: string; status: string; n: number}[]
  nodes: NodeUsage[]
}

/**
 * Prometheus gauges read from the store at scrape time, so they are right after a restart too.
 * Sessions and nodes are the scraping caller's tenant's; the reconciler's counts and the market's
 * age are the server's own (numbers, no one's ids).
 */
export class DaemonMetrics {
  private view: ScrapeView = {sessions: [], nodes: []}
  /** Scrapes one at a time: each sets the view its gauges read. */
  private scraping: Promise<unknown> = Promise.resolve()

  constructor(ctx: ServiceContext, readonly registry: Registry, reconciler: Reconciler) {
    const view = () => this.view
    new Gauge({
      name: 'gpu_shopper_unverified_destroys',
      help: 'Instances whose destruction has been retried and is not verified yet',
      registers: [this.registry],
      async collect() {
        this.set(await ctx.store.jobs.countRetrying('release'))
      },
    })
    new Gauge({
      name: 'gpu_shopper_orphans',
      help: 'Orphaned instances found by the last reconciliation and not destroyed yet (in grace or failing)',
      registers: [this.registry],
      collect() {
        this.set(reconciler.last()?.orphans.filter((o) => o.action !== 'destroyed').length ?? 0)
      },
    })
    new Gauge({
      name: 'gpu_shopper_orphans_destroyed',
      help: 'Orphaned instances destroyed by the reconciler since the daemon started',
      registers: [this.registry],
      collect() {
        this.set(reconciler.totals.orphansDestroyed)
      },
    })
    new Gauge({
      name: 'gpu_shopper_ghosts_stopped',
      help: 'Sessions stopped because their instance vanished at the provider, since the daemon started',
      registers: [this.registry],
      collect() {
        this.set(reconciler.totals.ghostsStopped)
      },
    })
    new Gauge({
      name: 'gpu_shopper_sessions',
      help: 'Sessions by provider and status',
      labelNames: ['provider', 'status'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const row of view().sessions) this.set({provider: row.provider, status: row.status}, row.n)
      },
    })
    new Gauge({
      name: 'gpu_shopper_node_gpus',
      help: 'GPUs of each self-hosted node: free and ready for passthrough, held by a session, or not ready (see nodes check)',
      labelNames: ['node', 'state'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const usage of view().nodes) {
          this.set({node: usage.name, state: 'ready'}, usage.gpusReady)
          this.set({node: usage.name, state: 'held'}, usage.gpusHeld)
          this.set({node: usage.name, state: 'not_ready'}, usage.gpusNotReady)
        }
      },
    })
    new Gauge({
      name: 'gpu_shopper_node_cpu_slices',
      help: 'CPU-only slices of each self-hosted node, free and held',
      labelNames: ['node', 'state'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const usage of view().nodes) {
          this.set({node: usage.name, state: 'free'}, usage.cpuSlicesFree)
          this.set({node: usage.name, state: 'held'}, usage.cpuSlicesHeld)
        }
      },
    })
    new Gauge({
      name: 'gpu_shopper_inventory_age_seconds',
      help: 'Age of the newest offer per provider',
      labelNames: ['provider'],
      registers: [this.registry],
      async collect() {
        this.reset()
        for (const [name] of ctx.providers.entries()) {
          const newest = (await ctx.store.offers.query({provider: name, sort: 'fetched_at', order: 'desc', limit: 1, includeUnavailable: true})).offers[0]
          if (newest) this.set({provider: name}, Math.max(0, (ctx.clock.now() - newest.fetchedAt) / 1000))
        }
      },
    })
  }

  /** The metrics as `scope`'s caller may see them. */
  render(scope: ServiceContext): Promise<{contentType: string; body: string}> {
    const rendered = this.scraping.then(async () => {
      this.view = {sessions: await scope.store.sessions.countByProviderAndStatus(callerTenant(scope)), nodes: await nodeUsage(scope)}
      return {contentType: this.registry.contentType, body: await this.registry.metrics()}
    })
    this.scraping = rendered.catch(() => undefined)
    return rendered
  }
}
