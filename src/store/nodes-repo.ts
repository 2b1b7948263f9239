import {asMicroUsd} from '../core/money.js'
import type {LibvirtUri, NodeLibvirtSettings, NodePricing, VirtType} from '../core/node.js'
import {LOCAL_TENANT} from '../auth/principal.js'
import type {SqlDatabase} from './sql/sql-database.js'

/** A registered self-hosted node. */
export interface StoredNode {
  id: string
  name: string
  host: string
  port: number
  user: string
  /** Absolute path of the private key on the daemon's machine; the key itself is never stored. */
  identityFile: string
  region: string
  pricing: NodePricing
  libvirt: NodeLibvirtSettings
  hostKey: {fingerprint: string; publicKey: string}
  /**
   * What the last discovery found (the selfhosted provider's NodeDiscovery, kept as JSON: the
   * store does not know its shape); null until the first one.
   */
  discovery: unknown
  discoveredAt: number | null
  createdAt: number
  /** The tenant that registered it and sees its offers; always set on rows read from the store. */
  tenantId?: string
}

/** A slot a session holds on a node: `gpu:<pci address>` or `cpu:<n>`. */
export interface NodeSlot {
  nodeId: string
  slot: string
  sessionId: string
  reservedAt: number
}

interface NodeRow {
  id: string
  name: string
  host: string
  port: number
  user: string
  identity_file: string
  region: string
  price_per_gpu_hour: number
  cpu_slices: number
  cpu_slice_price_per_hour: number
  libvirt_uri: string
  storage_pool: string
  network: string
  base_image: string | null
  virt_type: string
  host_key_fingerprint: string
  host_public_key: string
  discovery: string | null
  discovered_at: number | null
  created_at: number
  tenant_id: string
}

interface SlotRow {
  node_id: string
  slot: string
  session_id: string
  reserved_at: number
}

export class NodesRepo {
  constructor(private readonly db: SqlDatabase) {}

  async insert(node: StoredNode): Promise<void> {
    await this.db.run(
        `INSERT INTO nodes (id, name, host, port, "user", identity_file, region, price_per_gpu_hour, cpu_slices, cpu_slice_price_per_hour,
           libvirt_uri, storage_pool, network, base_image, virt_type, host_key_fingerprint, host_public_key, discovery, discovered_at, created_at, tenant_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        node.id,
        node.name,
        node.host,
        node.port,
        node.user,
        node.identityFile,
        node.region,
        node.pricing.pricePerGpuHour,
        node.pricing.cpuSlices,
        node.pricing.cpuSlicePricePerHour,
        node.libvirt.uri,
        node.libvirt.pool,
        node.libvirt.network,
        node.libvirt.baseImage,
        node.libvirt.virtType,
        node.hostKey.fingerprint,
        node.hostKey.publicKey,
        node.discovery === null ? null : JSON.stringify(node.discovery),
        node.discoveredAt,
        node.createdAt,
        node.tenantId ?? LOCAL_TENANT,
      ],
    )
  }

  async get(id: string): Promise<StoredNode | null> {
    const row = await this.db.get<NodeRow>('SELECT * FROM nodes WHERE id = ?', [id])
    return row ? toNode(row) : null
  }

  async byName(name: string): Promise<StoredNode | null> {
    const row = await this.db.get<NodeRow>('SELECT * FROM nodes WHERE name = ?', [name])
    return row ? toNode(row) : null
  }

  /** One tenant's nodes, or every tenant's (the selfhosted provider offers them all, each to its tenant). */
  async list(tenantId?: string): Promise<StoredNode[]> {
    const rows = await this.db.all<NodeRow>('SELECT * FROM nodes WHERE (CAST(@tenant AS TEXT) IS NULL OR tenant_id = @tenant) ORDER BY name', {tenant: tenantId ?? null})
    return rows.map(toNode)
  }

  async recordDiscovery(id: string, discovery: unknown, at: number): Promise<void> {
    await this.db.run('UPDATE nodes SET discovery = ?, discovered_at = ? WHERE id = ?', [JSON.stringify(discovery), at, id])
  }

  async pinHostKey(id: string, hostKey: {fingerprint: string; publicKey: string}): Promise<void> {
    await this.db.run('UPDATE nodes SET host_key_fingerprint = ?, host_public_key = ? WHERE id = ?', [hostKey.fingerprint, hostKey.publicKey, id])
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM nodes WHERE id = ?', [id])).changes === 1
  }

  /**
   * Throws SlotTakenError when another session holds one of the slots; callers run this in the
   * intent's transaction, which the error rolls back. (A conflict is skipped rather than raised
   * by the database: PostgreSQL would abort the whole transaction on it.)
   */
  async reserveSlots(nodeId: string, slots: readonly string[], sessionId: string, at: number): Promise<void> {
    for (const slot of slots) {
      const {changes} = await this.db.run('INSERT INTO node_slots (node_id, slot, session_id, reserved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        nodeId,
        slot,
        sessionId,
        at,
      ])
      if (changes === 0) throw new SlotTakenError(nodeId, slot)
    }
  }

  async releaseSlots(sessionId: string): Promise<number> {
    return (await this.db.run('DELETE FROM node_slots WHERE session_id = ?', [sessionId])).changes
  }

  async slotsOfSession(sessionId: string): Promise<NodeSlot[]> {
    return (await this.db.all<SlotRow>('SELECT * FROM node_slots WHERE session_id = ? ORDER BY slot', [sessionId])).map(toSlot)
  }

  async slots(nodeId?: string): Promise<NodeSlot[]> {
    const rows =
      nodeId === undefined
        ? await this.db.all<SlotRow>('SELECT * FROM node_slots ORDER BY node_id, slot')
        : await this.db.all<SlotRow>('SELECT * FROM node_slots WHERE node_id = ? ORDER BY slot', [nodeId])
    return rows.map(toSlot)
  }
}

export class SlotTakenError extends Error {
  constructor(
    readonly nodeId: string,
    readonly slot: string,
  ) {
    super(`slot ${slot} of ${nodeId} is held by another session`)
  }
}

function toSlot(r: SlotRow): NodeSlot {
  return {nodeId: r.node_id, slot: r.slot, sessionId: r.session_id, reservedAt: r.reserved_at}
}

function toNode(r: NodeRow): StoredNode {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: r.port,
    user: r.user,
    identityFile: r.identity_file,
    region: r.region,
    pricing: {pricePerGpuHour: asMicroUsd(r.price_per_gpu_hour), cpuSlices: r.cpu_slices, cpuSlicePricePerHour: asMicroUsd(r.cpu_slice_price_per_hour)},
    libvirt: {uri: r.libvirt_uri as LibvirtUri, pool: r.storage_pool, network: r.network, baseImage: r.base_image, virtType: r.virt_type as VirtType},
    hostKey: {fingerprint: r.host_key_fingerprint, publicKey: r.host_public_key},
    discovery: r.discovery === null ? null : (JSON.parse(r.discovery) as unknown),
    discoveredAt: r.discovered_at,
    createdAt: r.created_at,
    tenantId: r.tenant_id,
  }
}
