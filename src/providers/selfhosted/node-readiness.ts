import type {NodeLibvirtSettings} from '../../core/node.js'
import {baseImagesIn, type BaseImage} from './base-images.js'
import type {NodeDiscovery} from './node-discovery.js'
import {checkPassthrough, type PassthroughReport} from './passthrough-preflight.js'
import {checkVmHost, type VmHostFinding} from './vm-host-findings.js'

/** `nodes check`: can the node run slices, which GPUs can be passed through, what to fix. */
export interface NodeReadiness {
  /** No blocker for VMs: CPU-only slices can run, and GPU slices on the ready GPUs. */
  vmReady: boolean
  vmHost: VmHostFinding[]
  passthrough: PassthroughReport
  baseImages: BaseImage[]
  /** Slices run with KVM (else under TCG, and without GPUs). */
  kvm: boolean
  /** The base image slices start from: the configured one, else the first by name. */
  baseImage: BaseImage | null
}

export function nodeReadiness(discovery: NodeDiscovery, settings: NodeLibvirtSettings, user: string): NodeReadiness {
  const vmHost = checkVmHost(discovery.facts, settings, user)
  const baseImages = discovery.facts.pool ? baseImagesIn(discovery.facts.pool.volumes) : []
  const baseImage =
    settings.baseImage !== null ? (baseImages.find((image) => image.name === settings.baseImage) ?? null) : (baseImages[0] ?? null)
  const kvmAvailable = discovery.facts.libvirt.state === 'reachable' && discovery.facts.libvirt.kvm
  return {
    kvm: settings.virtType === 'kvm' || (settings.virtType === 'auto' && kvmAvailable),
    vmReady: !vmHost.some((finding) => finding.severity === 'blocker') && baseImage !== null,
    vmHost,
    passthrough: checkPassthrough(discovery.probe),
    baseImages,
    baseImage,
  }
}
