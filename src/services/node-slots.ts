import {AppError} from '../core/errors.js'
import type {Offer} from '../core/offer.js'
import {freeCpuSlots, freeGpusByModel, parseSliceOfferProviderId} from '../providers/selfhosted/node-offers.js'
import type {ServiceContext} from './context.js'
import {storeNodeDirectory} from './node-directory.js'

/**
 * Reserves what a self-hosted offer rents, for the session being created: the GPUs (each with
 * every function of its IOMMU group) or a CPU-only slice. Runs inside the intent's transaction:
 * if another create took them first, the primary key refuses the rows and nothing is created.
 * Returns the slots, for the session's first event. Offers of marketplaces reserve nothing.
 */
export async function reserveNodeSlots(ctx: ServiceContext, sessionId: string, offer: Offer): Promise<string[]> {
  if (offer.provider !== 'selfhosted') return []
  const parsed = parseSliceOfferProviderId(offer.providerId)
  // Creates on other server processes pick from the same free slots: one at a time per node,
  // so the second sees what the first took and picks others instead of colliding.
  if (parsed) await lockNode(ctx, parsed.node)
  const node = parsed ? await storeNodeDirectory(ctx.store).node(parsed.node) : null
  const stored = parsed ? await ctx.store.nodes.byName(parsed.node) : null
  if (!parsed || !node || !stored) {
    throw new AppError('stale_inventory', `offer ${offer.id} is no longer available: its node is not registered. No instance was created.`, {offer_id: offer.id})
  }
  if (!node.capacity.readiness.vmReady) {
    throw new AppError('sku_unavailable', `node ${parsed.node} cannot run VMs now (\`gpu-shopper nodes check ${parsed.node}\` says why). No instance was created.`, {
      offer_id: offer.id,
    })
  }
  let slots: string[]
  if (parsed.slice.kind === 'cpu') {
    const free = freeCpuSlots(node.capacity)
    if (free.length === 0) throw taken(offer, `all ${node.capacity.pricing.cpuSlices} CPU-only slices of ${parsed.node} are in use`)
    slots = [free[0]!]
  } else {
    const free = freeGpusByModel(node.capacity).get(parsed.slice.modelKey) ?? []
    if (free.length < parsed.slice.count) throw taken(offer, `${parsed.node} has ${free.length} such GPU(s) free, not ${parsed.slice.count}`)
    // Each GPU with everything VFIO hands over with it: a group-mate GPU is held too.
    slots = [...new Set(free.slice(0, parsed.slice.count).flatMap((report) => report.passTogether.map((address) => `gpu:${address}`)))].sort()
  }
  try {
    await ctx.store.nodes.reserveSlots(stored.id, slots, sessionId, ctx.clock.now())
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(offer, `another session took ${parsed.node}'s capacity first`)
    throw err
  }
  return slots
}

/** Serialises, until the transaction ends, the changes that depend on what a node holds (reserving, registering, removing). */
export async function lockNode(ctx: ServiceContext, name: string): Promise<void> {
  await ctx.store.db.lockKey(`node:${name}`)
}

/** A slot row that exists already: SQLite's primary key code, or PostgreSQL's unique_violation. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as {code?: string}).code
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

function taken(offer: Offer, why: string): AppError {
  return new AppError('sku_unavailable', `offer ${offer.id} is no longer free: ${why}. No instance was created.`, {offer_id: offer.id})
}

