import {buildNoCloudSeed} from './libvirt/cloud-init-seed.js'
import {buildDomainXml} from './libvirt/domain-xml.js'
import {overlayVolumeOf, seedVolumeOf, type DomainName} from './libvirt/domain-names.js'
import {writeSeedIsoCommand} from './libvirt/seed-iso-command.js'
import {
  createOverlayCommand,
  defineCommand,
  domStateCommand,
  startCommand,
  volDeleteCommand,
  volInfoCommand,
  volPathCommand,
} from './libvirt/virsh-commands.js'
import {parseDomState, parseVolCapacity, parseVolPath} from './libvirt/virsh-output.js'
import type {HostGpu} from './host-gpus.js'
import {runOnNode, runOnNodeIdempotent} from './node-command.js'
import type {BaseImage} from './base-images.js'
import type {SliceShape} from './node-offers.js'
import type {NodeShell} from './node-shell.js'
import type {NodeLibvirtSettings} from '../../core/node.js'

/** The steps of bringing a slice up on its node, in order; each is a session event and a crash point. */
export const SLICE_PHASES = ['overlay-disk', 'cloud-init-seed', 'domain-defined', 'domain-started'] as const
export type SlicePhase = (typeof SLICE_PHASES)[number]

export interface SliceCreateSpec {
  nodeName: string
  libvirt: NodeLibvirtSettings
  /** KVM on the node (else the guest runs under TCG, and cannot have GPUs). */
  kvm: boolean
  baseImage: BaseImage
  domain: DomainName
  deploymentId: string
  sessionId: string
  shape: SliceShape
  diskGb: number
  sshPublicKeys: readonly string[]
  createdAt: Date
  onPhase: (phase: SlicePhase, message: string) => void
}

const GIB = 1024 ** 3
/** How a direct-kernel base image is booted: its root filesystem is the whole virtio disk. */
const DIRECT_KERNEL_CMDLINE = 'root=/dev/vda rw console=ttyS0'

/**
 * Brings the slice up, or finishes what an earlier attempt started: a domain already defined
 * is only started (if it is not running), and anything short of a defined domain is made
 * again from the start, since no guest has run on it yet. Every name is derived from the
 * instance label, so a retry finds exactly what the last attempt left.
 */
export async function createSlice(shell: NodeShell, spec: SliceCreateSpec): Promise<void> {
  const {uri, pool, network} = spec.libvirt
  const existing = await runOnNodeIdempotent(shell, domStateCommand(uri, spec.domain), 'reading the domain state', ['domain-not-found'])
  if (existing !== null) {
    if (parseDomState(existing).state !== 'running') {
      await runOnNode(shell, startCommand(uri, spec.domain), 'starting the domain')
      spec.onPhase('domain-started', `domain ${spec.domain} started again (defined by an earlier attempt)`)
    }
    return
  }

  const overlay = overlayVolumeOf(spec.domain)
  await runOnNodeIdempotent(shell, volDeleteCommand(uri, pool, overlay), 'removing a half-made overlay', ['volume-not-found'])
  const baseBytes = parseVolCapacity(await runOnNode(shell, volInfoCommand(uri, pool, spec.baseImage.name), `reading base image ${spec.baseImage.name}`))
  // An overlay smaller than its base cuts the guest's filesystem short (libvirt allows it silently).
  const sizeGiB = Math.max(spec.diskGb, Math.ceil(baseBytes / GIB))
  await runOnNode(shell, createOverlayCommand(uri, {pool, volume: overlay, sizeGiB, baseVolume: spec.baseImage.name}), 'creating the overlay disk')
  spec.onPhase('overlay-disk', `overlay disk ${overlay} (${sizeGiB} GiB) over ${spec.baseImage.name} on ${spec.nodeName}`)

  const seed = writeSeedIsoCommand({
    uri,
    pool,
    domain: spec.domain,
    files: buildNoCloudSeed({domain: spec.domain, hostname: spec.sessionId, authorizedKeys: spec.sshPublicKeys}),
  })
  await runOnNode(shell, seed, 'writing the cloud-init seed')
  spec.onPhase('cloud-init-seed', `cloud-init seed ${seed.volume}: user gpu with ${spec.sshPublicKeys.length} SSH key(s), hostname ${spec.sessionId}`)

  const path = async (volume: string) => parseVolPath(await runOnNode(shell, volPathCommand(uri, pool, volume), `locating volume ${volume}`))
  const kernel = spec.baseImage.kernel
  const initrd = spec.baseImage.initrd
  const built = buildDomainXml({
    instance: {deploymentId: spec.deploymentId, sessionId: spec.sessionId, nodeName: spec.nodeName, createdAt: spec.createdAt},
    type: spec.kvm ? 'kvm' : 'qemu',
    vcpus: spec.shape.vcpus,
    memoryMiB: spec.shape.memoryMiB,
    boot:
      kernel !== null && initrd !== null
        ? {kind: 'kernel', kernel: await path(kernel), initrd: await path(initrd), cmdline: DIRECT_KERNEL_CMDLINE}
        : {kind: 'disk'},
    overlayDiskPath: await path(overlay),
    seedIsoPath: await path(seedVolumeOf(spec.domain)),
    network,
    gpus: spec.shape.gpus,
    hideKvm: spec.shape.gpus.some((report) => isGeForce(report.gpu)),
  })
  await runOnNode(shell, defineCommand(uri, built.xml), 'defining the domain')
  const gpus = spec.shape.gpus.length
  spec.onPhase(
    'domain-defined',
    `domain ${built.name} defined: ${spec.shape.vcpus} vCPUs, ${spec.shape.memoryMiB} MiB, ${gpus === 0 ? 'no GPU' : `${gpus} GPU(s) passed through (${built.hostdevs.join(', ')})`}, ${spec.kvm ? 'KVM' : 'TCG (software emulation)'}`,
  )

  await runOnNode(shell, startCommand(uri, spec.domain), 'starting the domain')
  spec.onPhase('domain-started', `domain ${built.name} started on ${spec.nodeName}`)
}

/** GeForce drivers before R465 refuse to run (code 43) when they see a hypervisor. */
function isGeForce(gpu: HostGpu): boolean {
  return gpu.vendor === 'NVIDIA' && /^(RTX \d|GTX|TITAN)/.test(gpu.model?.name ?? '')
}
