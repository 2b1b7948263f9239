import {randomBytes} from 'node:crypto'
import {realpathSync} from 'node:fs'
import {join, resolve, sep} from 'node:path'

import {AppError} from '../core/errors.js'
import {DEFAULT_LIBVIRT, type NodeLibvirtSettings, type NodePricing} from '../core/node.js'
import {withNode, IdentityFileError, type NodeEndpoint} from '../providers/selfhosted/node-connection.js'
import {discoverNode, type NodeDiscovery} from '../providers/selfhosted/node-discovery.js'
import {nodeReadiness, type NodeReadiness} from '../providers/selfhosted/node-readiness.js'
import {HostKeyMismatchError, NodeUnreachableError, type NodeHostKey} from '../providers/selfhosted/node-shell.js'
import {ProbeOutputError} from '../providers/selfhosted/probe-output-error.js'
import type {StoredNode} from '../store/nodes-repo.js'
import {LOCAL_TENANT} from '../auth/principal.js'
import type {ServiceContext} from './context.js'
import {lockNode} from './node-slots.js'
import {callerTenant, isVisible, ownerOf, requireAdmin} from './tenancy.js'

export interface NodeRegistration {
  name: string
  host: string
  port: number
  user: string
  identityFile: string
  region: string
  pricing: NodePricing
  libvirt: Partial<NodeLibvirtSettings>
  /** `SHA256:...` the user already knows; without it the key seen on first contact is pinned. */
  trustHostKey: string | null
}

/** A node with what its last discovery means. */
export interface NodeView {
  node: StoredNode
  /** What the last discovery read off the node; null until the first. */
  discovery: NodeDiscovery | null
  readiness: NodeReadiness | null
  /** Slots held by sessions: `gpu:<address>` or `cpu:<n>`. */
  heldSlots: {slot: string; sessionId: string}[]
}

export function newNodeId(): string {
  return `node-${randomBytes(6).toString('hex')}`
}

/**
 * Registers a node: connects (checking the host key against `trustHostKey` when given, else
 * pinning the one it presents), discovers it, and stores it with what was found. A node that
 * is not ready yet is registered all the same: its readiness says what to fix, and
 * `nodes check` reads it again.
 */
export async function addNode(ctx: ServiceContext, registration: NodeRegistration): Promise<NodeView> {
  requireAdmin(ctx, 'registering a node')
  requireTenantKeyFolder(ctx, registration.identityFile)
  const taken = await ctx.store.nodes.byName(registration.name)
  if (taken && !isVisible(ctx, taken.tenantId)) {
    throw new AppError('conflict', `the node name ${registration.name} is taken on this server; choose another`, {field: 'name'})
  }
  if (taken) {
    throw new AppError('conflict', `a node named ${registration.name} is registered already; \`gpu-shopper nodes show ${registration.name}\` shows it`, {
      field: 'name',
    })
  }
  const libvirt: NodeLibvirtSettings = {
    uri: registration.libvirt.uri ?? DEFAULT_LIBVIRT.uri,
    pool: registration.libvirt.pool ?? DEFAULT_LIBVIRT.pool,
    network: registration.libvirt.network ?? DEFAULT_LIBVIRT.network,
    baseImage: registration.libvirt.baseImage ?? null,
    virtType: registration.libvirt.virtType ?? 'auto',
  }
  const endpoint: NodeEndpoint = {...registration, hostKeyFingerprint: registration.trustHostKey}
  const {hostKey, discovery} = await reach(endpoint, async (shell) => ({hostKey: shell.hostKey, discovery: await discoverNode(shell, libvirt)}), 'given')
  const now = ctx.clock.now()
  const node: StoredNode = {
    id: newNodeId(),
    name: registration.name,
    host: registration.host,
    port: registration.port,
    user: registration.user,
    identityFile: registration.identityFile,
    region: registration.region,
    pricing: registration.pricing,
    libvirt,
    hostKey,
    discovery,
    discoveredAt: now,
    createdAt: now,
    tenantId: ownerOf(ctx).tenantId,
  }
  await ctx.store.transaction(async () => {
    await lockNode(ctx, node.name)
    // Checked again: another registration of the name may have finished while we were connecting.
    if (await ctx.store.nodes.byName(node.name)) throw new AppError('conflict', `a node named ${node.name} was registered meanwhile`, {field: 'name'})
    await ctx.store.nodes.insert(node)
  })
  ctx.log.info({node: node.name, host_key: hostKey.fingerprint}, 'node registered')
  return view(ctx, node)
}

export async function listNodes(ctx: ServiceContext): Promise<NodeView[]> {
  const views: NodeView[] = []
  for (const node of await ctx.store.nodes.list(callerTenant(ctx))) views.push(await view(ctx, node))
  return views
}

export async function getNode(ctx: ServiceContext, name: string): Promise<NodeView> {
  return view(ctx, await nodeNamed(ctx, name))
}

/** Reads the node again over its pinned host key and keeps what it finds. */
export async function checkNode(ctx: ServiceContext, name: string): Promise<NodeView> {
  const node = await nodeNamed(ctx, name)
  requireAdmin(ctx, 'checking a node')
  const discovery: NodeDiscovery = await reach(endpointOf(node), (shell) => discoverNode(shell, node.libvirt))
  await ctx.store.nodes.recordDiscovery(node.id, discovery, ctx.clock.now())
  return view(ctx, (await ctx.store.nodes.get(node.id))!)
}

/**
 * Pins a new host key after the owner has checked it on the node (a reinstall, rotated keys).
 * The node must present exactly that key now, or nothing changes.
 */
export async function trustNodeHostKey(ctx: ServiceContext, name: string, fingerprint: string): Promise<NodeView> {
  const node = await nodeNamed(ctx, name)
  requireAdmin(ctx, "pinning a node's host key")
  const hostKey: NodeHostKey = await reach({...endpointOf(node), hostKeyFingerprint: fingerprint}, async (shell) => shell.hostKey, 'to-pin')
  await ctx.store.nodes.pinHostKey(node.id, hostKey)
  ctx.log.info({node: node.name, host_key: hostKey.fingerprint, previous: node.hostKey.fingerprint}, 'node host key pinned again')
  return view(ctx, (await ctx.store.nodes.get(node.id))!)
}

/** Forgets a node; refused while a session holds a slot on it (its VM must be released first). */
export async function removeNode(ctx: ServiceContext, name: string): Promise<StoredNode> {
  const node = await nodeNamed(ctx, name)
  requireAdmin(ctx, 'removing a node')
  return ctx.store.transaction(async () => {
    // A create on another server process must not reserve a slot on it between the check and the delete.
    await lockNode(ctx, node.name)
    const held = await ctx.store.nodes.slots(node.id)
    if (held.length > 0) {
      const sessions = [...new Set(held.map((slot) => slot.sessionId))]
      throw new AppError('conflict', `node ${name} still runs ${sessions.length} session(s) (${sessions.join(', ')}): release them first (\`gpu-shopper done <id>\`)`, {
        node: name,
        session_ids: sessions,
      })
    }
    await ctx.store.nodes.delete(node.id)
    return node
  })
}

/** Per node, for /metrics: its GPUs ready, held and not ready, and its CPU-only slices free and held. */
export interface NodeUsage {
  name: string
  gpusReady: number
  gpusNotReady: number
  gpusHeld: number
  cpuSlicesFree: number
  cpuSlicesHeld: number
}

export async function nodeUsage(ctx: ServiceContext): Promise<NodeUsage[]> {
  return (await listNodes(ctx)).map(({node, readiness, heldSlots}) => {
    const held = new Set(heldSlots.map((s) => s.slot))
    const gpus = readiness?.passthrough.gpus ?? []
    const gpusHeld = gpus.filter((g) => held.has(`gpu:${g.gpu.device.address}`)).length
    const cpuSlicesHeld = heldSlots.filter((s) => s.slot.startsWith('cpu:')).length
    return {
      name: node.name,
      gpusReady: gpus.filter((g) => g.ready).length - gpusHeld,
      gpusNotReady: gpus.filter((g) => !g.ready).length,
      gpusHeld,
      cpuSlicesFree: Math.max(0, node.pricing.cpuSlices - cpuSlicesHeld),
      cpuSlicesHeld,
    }
  })
}

export function endpointOf(node: StoredNode): NodeEndpoint {
  return {name: node.name, host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, hostKeyFingerprint: node.hostKey.fingerprint}
}

async function view(ctx: ServiceContext, node: StoredNode): Promise<NodeView> {
  const discovery = node.discovery as NodeDiscovery | null
  return {
    node,
    discovery,
    readiness: discovery ? nodeReadiness(discovery, node.libvirt, node.user) : null,
    heldSlots: (await ctx.store.nodes.slots(node.id)).map(({slot, sessionId}) => ({slot, sessionId})),
  }
}

/** On a team server a node's key must sit in its tenant's key folder (see `nodeKeysDir`). */
function requireTenantKeyFolder(ctx: ServiceContext, identityFile: string): void {
  const principal = ctx.principal
  if (!ctx.nodeKeysDir || !principal || principal.tenant === LOCAL_TENANT) return
  const folder = join(ctx.nodeKeysDir, principal.tenant)
  // Symbolic links resolved on both sides: a link in the folder to a file elsewhere does not count.
  const real = (path: string) => {
    try {
      return realpathSync(path)
    } catch {
      return resolve(path)
    }
  }
  if (!real(identityFile).startsWith(real(folder) + sep)) {
    throw new AppError(
      'validation_error',
      `identity_file: on this team server a node's private key must be in ${folder}/ (the server's operator puts it there, readable by the server only); ${identityFile} is not`,
      {field: 'identity_file'},
    )
  }
}

async function nodeNamed(ctx: ServiceContext, name: string): Promise<StoredNode> {
  const node = await ctx.store.nodes.byName(name)
  if (!node || !isVisible(ctx, node.tenantId)) throw new AppError('not_found', `no node named ${name}; \`gpu-shopper nodes list\` shows the registered ones`, {node: name})
  return node
}

/** Connects and runs `use`, turning what can go wrong on the way into errors the user can act on. */
async function reach<T>(endpoint: NodeEndpoint, use: Parameters<typeof withNode<T>>[1], expected: 'pinned' | 'given' | 'to-pin' = 'pinned'): Promise<T> {
  const where = `${endpoint.user}@${endpoint.host}:${endpoint.port}`
  try {
    return await withNode(endpoint, use)
  } catch (err) {
    if (err instanceof IdentityFileError) throw new AppError('validation_error', `identity_file: ${err.message}`, {field: 'identity_file'})
    if (err instanceof HostKeyMismatchError) {
      const check = 'check the fingerprint on the node itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)'
      const fix =
        expected === 'pinned'
          ? `If the node was reinstalled or its host keys changed on purpose, ${check} and run \`gpu-shopper nodes trust ${endpoint.name} --host-key ${err.presented}\``
          : `If you copied the fingerprint from an old install, ${check} and pass that to ${expected === 'given' ? '--trust-host-key' : '--host-key'}`
      throw new AppError(
        'conflict',
        `${endpoint.name} (${where}) presented host key ${err.presented}, but ${err.pinned} is ${expected === 'pinned' ? 'pinned' : 'what you gave'}; nothing was sent to it. ` +
          `${fix}; otherwise someone may be intercepting the connection: do not trust it.`,
        {node: endpoint.name, expected: err.pinned, presented: err.presented},
      )
    }
    if (err instanceof NodeUnreachableError) throw new AppError('provider_error', `node ${endpoint.name}: ${err.message}`, {node: endpoint.name})
    if (err instanceof ProbeOutputError) throw new AppError('provider_error', `node ${endpoint.name}: its discovery output could not be read: ${err.message}`, {node: endpoint.name})
    throw err
  }
}
