import {asMicroUsd} from '../core/money.js'
import type {LibvirtUri, NodeLibvirtSettings, NodePricing, VirtType} from '../core/node.js'
import {LOCAL_TENANT} from '../auth/principal.js'
import type {Db} from './database.js'

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
  constructor(private readonly db: Db) {}

  insert(node: StoredNode): void {
    this.db
      .prepare(
        `INSERT INTO nodes (id, name, host, port, user, identity_file, region, price_per_gpu_hour, cpu_slices, cpu_slice_price_per_hour,
           libvirt_uri, storage_pool, network, base_image, virt_type, host_key_fingerprint, host_public_key, discovery, discovered_at, created_at, tenant_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      )
  }

  get(id: string): StoredNode | null {
    const row = this.db.prepare('SELECT * FROM nodes WHERE id = ?').get(id) as NodeRow | undefined
    return row ? toNode(row) : null
  }

  byName(name: string): StoredNode | null {
    const row = this.db.prepare('SELECT * FROM nodes WHERE name = ?').get(name) as NodeRow | undefined
    return row ? toNode(row) : null
  }

  /** One tenant's nodes, or every tenant's (the selfhosted provider offers them all, each to its tenant). */
  list(tenantId?: string): StoredNode[] {
    const rows = this.db.prepare('SELECT * FROM nodes WHERE (@tenant IS NULL OR tenant_id = @tenant) ORDER BY name').all({tenant: tenantId ?? null}) as NodeRow[]
    return rows.map(toNode)
  }

  recordDiscovery(id: string, discovery: unknown, at: number): void {
    this.db.prepare('UPDATE nodes SET discovery = ?, discovered_at = ? WHERE id = ?').run(JSON.stringify(discovery), at, id)
  }

  pinHostKey(id: string, hostKey: {fingerprint: string; publicKey: string}): void {
    this.db.prepare('UPDATE nodes SET host_key_fingerprint = ?, host_public_key = ? WHERE id = ?').run(hostKey.fingerprint, hostKey.publicKey, id)
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM nodes WHERE id = ?').run(id).changes === 1
  }

  /** Throws (SQLITE_CONSTRAINT_PRIMARYKEY) when another session holds one of the slots: callers run this in the intent's transaction. */
  reserveSlots(nodeId: string, slots: readonly string[], sessionId: string, at: number): void {
    const insert = this.db.prepare('INSERT INTO node_slots (node_id, slot, session_id, reserved_at) VALUES (?, ?, ?, ?)')
    for (const slot of slots) insert.run(nodeId, slot, sessionId, at)
  }

  releaseSlots(sessionId: string): number {
    return this.db.prepare('DELETE FROM node_slots WHERE session_id = ?').run(sessionId).changes
  }

  slotsOfSession(sessionId: string): NodeSlot[] {
    return (this.db.prepare('SELECT * FROM node_slots WHERE session_id = ? ORDER BY slot').all(sessionId) as SlotRow[]).map(toSlot)
  }

  slots(nodeId?: string): NodeSlot[] {
    const rows = (
      nodeId === undefined
        ? this.db.prepare('SELECT * FROM node_slots ORDER BY node_id, slot').all()
        : this.db.prepare('SELECT * FROM node_slots WHERE node_id = ? ORDER BY slot').all(nodeId)
    ) as SlotRow[]
    return rows.map(toSlot)
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
