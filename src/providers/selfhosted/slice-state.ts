import {instanceLabel} from '../../core/instance-label.js'
import type {MicroUsd} from '../../core/money.js'
import type {NodePricing} from '../../core/node.js'
import type {ProviderInstance, ProviderInstanceState, SshJump} from '../provider.js'
import {SLICE_USER} from './libvirt/cloud-init-seed.js'
import {parseInstanceMetadata, type InstanceMetadata} from './libvirt/domain-metadata.js'
import {labelOfDomain, parseSliceVolumeName, volumesOf, type DomainName} from './libvirt/domain-names.js'
import {ADDRESS_SOURCES, domIfAddrCommand, domStateCommand, dumpXmlCommand, listAllNamesCommand, volListCommand} from './libvirt/virsh-commands.js'
import {parseDomainNameList, parseDomIfAddr, parseDomState, parseVolList, type DomainStateReport} from './libvirt/virsh-output.js'
import {NodeCommandError, runOnNode, runOnNodeIdempotent} from './node-command.js'
import type {NodeShell} from './node-shell.js'
import {sliceInstanceId} from './slice-instance-id.js'
import type {NodeLibvirtSettings} from '../../core/node.js'

export interface SliceNode {
  name: string
  libvirt: NodeLibvirtSettings
  pricing: NodePricing
  jump: SshJump
}

/** What one slice costs per hour at its node's prices: per GPU, or the CPU-only slice price. */
export function slicePricePerHour(pricing: NodePricing, gpuCount: number): MicroUsd {
  return (gpuCount > 0 ? pricing.pricePerGpuHour * gpuCount : pricing.cpuSlicePricePerHour) as MicroUsd
}

/**
 * A slice as its node has it now: the domain's state, its guest address once the network has
 * leased it one (reached through the node), and how it bills, from our metadata in the domain.
 * A domain that is gone but left disks is reported `stopped`, so that release deletes them;
 * nothing at all is null.
 */
export async function readSlice(shell: NodeShell, node: SliceNode, domain: DomainName): Promise<ProviderInstance | null> {
  const {uri} = node.libvirt
  const stateText = await runOnNodeIdempotent(shell, domStateCommand(uri, domain), 'reading the domain state', ['domain-not-found'])
  const metadata = stateText === null ? undefined : await readMetadata(shell, node, domain)
  if (stateText === null || metadata === undefined) {
    const leftovers = await leftoverVolumes(shell, node, domain)
    return leftovers.length === 0 ? null : leftoverInstance(node, domain, leftovers)
  }
  const base = sliceInstance(node, domain, metadata)
  const {instanceState, message} = describeState(parseDomState(stateText))
  if (instanceState !== 'running') return {...base, state: instanceState, statusMessage: message, ssh: null}
  const address = await guestAddress(shell, node, domain)
  if (address === null) return {...base, state: 'provisioning', statusMessage: 'the guest is booting: no address on the network yet', ssh: null}
  return {
    ...base,
    state: 'running',
    statusMessage: `guest at ${address.ipv4} (${address.source}) on ${node.libvirt.network}, reached through ${node.name}`,
    ssh: {host: address.ipv4, port: 22, user: SLICE_USER, jump: node.jump},
  }
}

/**
 * Every slice of the node whose label starts with `labelPrefix`, domains and leftover disks
 * alike. A domain is a slice by its name; whose it is and how it bills come from the metadata we
 * wrote into it, which the label of a listed slice is read from.
 */
export async function listSlices(shell: NodeShell, node: SliceNode, labelPrefix: string | undefined): Promise<ProviderInstance[]> {
  const {uri} = node.libvirt
  const wanted = (label: string | null) => label !== null && (labelPrefix === undefined || label.startsWith(labelPrefix))
  const domains = parseDomainNameList(await runOnNode(shell, listAllNamesCommand(uri), 'listing domains')).filter(
    (name) => labelOfDomain(name) !== null,
  ) as DomainName[]
  const out: ProviderInstance[] = []
  const present = new Set<string>()
  for (const domain of domains) {
    const text = await runOnNodeIdempotent(shell, domStateCommand(uri, domain), 'reading the domain state', ['domain-not-found'])
    const metadata = text === null ? undefined : await readMetadata(shell, node, domain)
    // Undefined between the list and now: gone, unless it left disks (those are listed below).
    if (text === null || metadata === undefined) continue
    present.add(domain)
    const slice = sliceInstance(node, domain, metadata)
    if (!wanted(slice.label)) continue
    const {instanceState, message} = describeState(parseDomState(text))
    out.push({...slice, state: instanceState, statusMessage: message, ssh: null})
  }
  const orphanVolumes = new Map<DomainName, string[]>()
  for (const volume of parseVolList(await runOnNode(shell, volListCommand(uri, node.libvirt.pool), 'listing volumes'))) {
    const slice = parseSliceVolumeName(volume.name)
    if (!slice || present.has(slice.domain) || !wanted(labelOfDomain(slice.domain))) continue
    orphanVolumes.set(slice.domain, [...(orphanVolumes.get(slice.domain) ?? []), volume.name])
  }
  for (const [domain, volumes] of orphanVolumes) out.push(leftoverInstance(node, domain, volumes))
  return out
}

/** Our metadata in the domain; null for a domain defined without it (none of ours is), undefined when the domain is gone. */
async function readMetadata(shell: NodeShell, node: SliceNode, domain: DomainName): Promise<InstanceMetadata | null | undefined> {
  const xml = await runOnNodeIdempotent(shell, dumpXmlCommand(node.libvirt.uri, domain), 'reading the domain', ['domain-not-found'])
  return xml === null ? undefined : parseInstanceMetadata(xml)
}

/**
 * What a slice is, whatever its state: labelled by its metadata (by its name only when it has
 * none), billed from its creation at the node's price. We are the provider: its GPUs are held,
 * and billed, from the moment it was created.
 */
function sliceInstance(node: SliceNode, domain: DomainName, metadata: InstanceMetadata | null): Omit<ProviderInstance, 'state' | 'statusMessage' | 'ssh'> {
  const gpuCount = metadata?.gpuCount ?? 0
  const price = slicePricePerHour(node.pricing, gpuCount)
  return {
    providerInstanceId: sliceInstanceId(node.name, domain),
    label: metadata ? instanceLabel(metadata.deploymentId, metadata.sessionId) : labelOfDomain(domain),
    pricePerHour: price,
    billing: metadata ? {createdAt: metadata.createdAt.getTime(), runningSince: null, computeFromCreate: true, computePerHour: price, storagePerHour: 0 as MicroUsd} : null,
    gpuType: null,
    gpuCount,
  }
}

async function leftoverVolumes(shell: NodeShell, node: SliceNode, domain: DomainName): Promise<string[]> {
  const names = new Set(parseVolList(await runOnNode(shell, volListCommand(node.libvirt.uri, node.libvirt.pool), 'listing volumes')).map((v) => v.name))
  return volumesOf(domain).filter((volume) => names.has(volume))
}

function leftoverInstance(node: SliceNode, domain: DomainName, volumes: readonly string[]): ProviderInstance {
  return {
    providerInstanceId: sliceInstanceId(node.name, domain),
    label: labelOfDomain(domain),
    state: 'stopped',
    statusMessage: `no domain, but its disk(s) ${volumes.join(', ')} are left on ${node.name}`,
    ssh: null,
    pricePerHour: null,
    billing: null,
    gpuType: null,
    gpuCount: null,
  }
}

function describeState(report: DomainStateReport): {instanceState: ProviderInstanceState; message: string} {
  const why = report.reason ? ` (${report.reason})` : ''
  switch (report.state) {
    case 'running':
    case 'blocked':
      return {instanceState: 'running', message: `domain running${why}`}
    case 'crashed':
      return {instanceState: 'failed', message: `domain crashed${why}`}
    // We never pause a slice: a paused one was stopped by the hypervisor (a KVM internal error,
    // an I/O error on its disk), and will not go on by itself.
    case 'paused':
      return {instanceState: 'failed', message: `domain paused by the hypervisor${why}: see /var/log/libvirt/qemu/<domain>.log on the node`}
    case 'shut-off':
    case 'pmsuspended':
      return {instanceState: 'stopped', message: `domain ${report.state}${why}`}
    default:
      return {instanceState: 'provisioning', message: `domain ${report.state}${why}`}
  }
}

/** The guest's IPv4 address, from the network's leases, the guest agent, or the node's ARP table. */
async function guestAddress(shell: NodeShell, node: SliceNode, domain: DomainName): Promise<{ipv4: string; source: string} | null> {
  for (const source of ADDRESS_SOURCES) {
    try {
      const found = parseDomIfAddr(await runOnNode(shell, domIfAddrCommand(node.libvirt.uri, domain, source), `reading the guest address (${source})`))
      if (found) return {ipv4: found.ipv4, source}
    } catch (err) {
      // No agent in the guest, or no such source for this network: try the next one.
      if (!(err instanceof NodeCommandError)) throw err
    }
  }
  return null
}

export type {InstanceMetadata}
