import {setTimeout as sleep} from 'node:timers/promises'

import type {Clock} from '../../core/clock.js'
import type {InventoryQuery} from '../../core/inventory-query.js'
import type {Offer} from '../../core/offer.js'
import {InstanceSetupError, ProviderError, ProviderUnavailableError, StaleInventoryError} from '../errors.js'
import {PartialInstanceListError, type AdapterLogger, type CreateInstanceRequest, type CreatedInstance, type ProviderAdapter, type ProviderCapabilities, type ProviderInstance, type UnlistedScope} from '../provider.js'
import type {NodeDirectory, DirectoryNode} from './node-directory.js'
import {domainNameOf, sliceIdentityOf} from './libvirt/domain-names.js'
import {NodeCommandError} from './node-command.js'
import {withNode} from './node-connection.js'
import {CPU_SLICE, gpuSliceShape, nodeOffers, parseSliceOfferProviderId, type SliceShape} from './node-offers.js'
import {HostKeyMismatchError, NodeUnreachableError, type NodeShell} from './node-shell.js'
import {createSlice, type SlicePhase} from './slice-create.js'
import {parseSliceInstanceId, sliceInstanceId} from './slice-instance-id.js'
import {listSlices, readSlice, type SliceNode} from './slice-state.js'
import {releaseSlice} from './slice-release.js'

export interface SelfhostedAdapterOptions {
  directory: NodeDirectory
  clock: Clock
  logger?: AdapterLogger
  /** How long a guest may take to power off before release pulls the plug. */
  shutdownGraceMs?: number
}

/**
 * The third provider: the team's own nodes. Offers are their free capacity at the owner's
 * price; an instance is a libvirt domain on a node, made over SSH. Above this port nothing
 * knows about libvirt: a slice is created, polled, listed by label and destroyed like a rental.
 */
export class SelfhostedAdapter implements ProviderAdapter {
  readonly name = 'selfhosted' as const
  readonly capabilities: ProviderCapabilities = {serverSideFilters: false, attachSshKeyAfterCreate: false, singleUseOffers: false, resumableCreate: true, launch: {images: {kind: 'none'}, exposePorts: false}}

  constructor(private readonly options: SelfhostedAdapterOptions) {}

  async searchOffers(_query: InventoryQuery): Promise<Offer[]> {
    const now = this.options.clock.now()
    return (await this.options.directory.nodes()).flatMap((node) => nodeOffers(node.capacity, now))
  }

  async createInstance(request: CreateInstanceRequest): Promise<CreatedInstance> {
    const offer = parseSliceOfferProviderId(request.offerProviderId)
    if (!offer) throw new ProviderError('selfhosted', `${request.offerProviderId} is not a self-hosted offer`, false)
    const node = await this.options.directory.node(offer.node)
    if (!node) throw new StaleInventoryError('selfhosted', request.offerProviderId, `node ${offer.node} is no longer registered; no VM was created`)
    const {deploymentId, sessionId} = sliceIdentityOf(request.label)
    const held = await this.options.directory.slotsOf(sessionId)
    if (!held || held.nodeName !== node.endpoint.name) {
      throw new ProviderError('selfhosted', `no slots are reserved on ${node.endpoint.name} for ${sessionId}; no VM was created`, false)
    }
    const baseImage = node.capacity.readiness.baseImage
    if (!baseImage) throw new ProviderError('selfhosted', `node ${node.endpoint.name} has no base image in pool ${node.libvirt.pool}; no VM was created`, false)
    const domain = domainNameOf(request.label)
    const id = sliceInstanceId(node.endpoint.name, domain)
    let started = false
    await this.onNode(node, async (shell) => {
      await createSlice(shell, {
        nodeName: node.endpoint.name,
        libvirt: node.libvirt,
        kvm: node.capacity.readiness.kvm,
        baseImage,
        domain,
        deploymentId,
        sessionId,
        shape: shapeOf(node, offer.slice.kind === 'cpu' ? [] : held.slots),
        diskGb: request.diskGb,
        sshPublicKeys: request.sshPublicKeys,
        createdAt: new Date(this.options.clock.now()),
        onPhase: (phase: SlicePhase, message: string) => {
          started = true
          request.onStep?.(phase, message)
        },
      })
    }).catch((err: unknown) => {
      // Once a disk exists the slice must be torn down even if the rest failed: hand over its id.
      if (started && err instanceof ProviderError && !err.retryable) throw new InstanceSetupError('selfhosted', id, err.message, err)
      throw err
    })
    return {providerInstanceId: id}
  }

  async getInstance(providerInstanceId: string): Promise<ProviderInstance | null> {
    const where = await this.locate(providerInstanceId)
    if (!where) return null
    return this.onNode(where.node, (shell) => readSlice(shell, sliceNode(where.node), where.domain))
  }

  /**
   * Asks every node. One node down must not hide the others' slices from the reconciler, nor
   * pass for "no slices there": when some answered, PartialInstanceListError carries what they
   * listed; when none did, the first node's error is thrown as it is.
   */
  async listInstances(filter: {labelPrefix?: string} = {}): Promise<ProviderInstance[]> {
    const listed: ProviderInstance[] = []
    const unlisted: UnlistedScope[] = []
    let answered = 0
    for (const node of await this.options.directory.nodes()) {
      try {
        listed.push(...(await this.onNode(node, (shell) => listSlices(shell, sliceNode(node), filter.labelPrefix))))
        answered++
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err
        unlisted.push({scope: node.endpoint.name, error: err})
      }
    }
    if (unlisted.length === 0) return listed
    if (answered === 0) throw unlisted[0]!.error
    throw new PartialInstanceListError('selfhosted', listed, unlisted)
  }

  async destroyInstance(providerInstanceId: string): Promise<void> {
    const parsed = parseSliceInstanceId(providerInstanceId)
    if (!parsed) throw new ProviderError('selfhosted', `${providerInstanceId} is not a self-hosted instance id`, false)
    const node = await this.options.directory.node(parsed.node)
    if (!node) {
      throw new ProviderError('selfhosted', `node ${parsed.node} is no longer registered, so ${parsed.domain} cannot be reached: register the node again to release it`, false)
    }
    const clock = this.options.clock
    await this.onNode(node, (shell) =>
      releaseSlice(shell, node.libvirt, parsed.domain, {
        shutdownGraceMs: this.options.shutdownGraceMs ?? 10_000,
        pollMs: 500,
        sleep: (ms) => sleep(ms),
        now: () => clock.now(),
        warn: (message) => this.options.logger?.warn({node: node.endpoint.name, domain: parsed.domain}, message),
      }),
    )
  }

  private async locate(providerInstanceId: string): Promise<{node: DirectoryNode; domain: ReturnType<typeof domainNameOf>} | null> {
    const parsed = parseSliceInstanceId(providerInstanceId)
    if (!parsed) return null
    const node = await this.options.directory.node(parsed.node)
    return node ? {node, domain: parsed.domain} : null
  }

  /** One SSH connection for the call; what goes wrong becomes a ProviderError saying whether a retry may help. */
  private async onNode<T>(node: DirectoryNode, use: (shell: NodeShell) => Promise<T>): Promise<T> {
    try {
      return await withNode(node.endpoint, use)
    } catch (err) {
      const at = `node ${node.endpoint.name}`
      if (err instanceof HostKeyMismatchError) throw new ProviderError('selfhosted', `${at}: ${err.message}; run \`gpu-shopper nodes check ${node.endpoint.name}\` for what to do`, false)
      if (err instanceof NodeUnreachableError) throw new ProviderUnavailableError('selfhosted', `${at}: ${err.message}`)
      // virsh could not reach libvirtd: the node is there, its daemon is not (yet).
      if (err instanceof NodeCommandError) throw new ProviderError('selfhosted', `${at}: ${err.message}`, err.failure === 'connection-failed')
      if (err instanceof ProviderError) throw err
      throw new ProviderError('selfhosted', `${at}: ${err instanceof Error ? err.message : String(err)}`, false)
    }
  }
}

export function createSelfhostedAdapter(options: SelfhostedAdapterOptions): SelfhostedAdapter {
  return new SelfhostedAdapter(options)
}

function sliceNode(node: DirectoryNode): SliceNode {
  const {endpoint} = node
  return {
    name: endpoint.name,
    libvirt: node.libvirt,
    pricing: node.capacity.pricing,
    jump: {
      host: endpoint.host,
      port: endpoint.port,
      user: endpoint.user,
      hostKeyFingerprint: endpoint.hostKeyFingerprint ?? '',
      hostPublicKey: node.hostPublicKey,
      identityFile: endpoint.identityFile,
    },
  }
}

/** The VM a session's slots make: the reserved GPUs (with their groups), or a CPU-only slice. */
function shapeOf(node: DirectoryNode, slots: readonly string[]): SliceShape {
  const addresses = new Set(slots.filter((slot) => slot.startsWith('gpu:')).map((slot) => slot.slice(4)))
  const gpus = node.capacity.readiness.passthrough.gpus.filter((report) => addresses.has(report.gpu.device.address))
  return gpus.length === 0 ? {gpus: [], ...CPU_SLICE} : gpuSliceShape(node.capacity, gpus)
}
