import type {MicroUsd} from './money.js'

/**
 * A team's own GPU server, registered by its owner. Its name is part of offer ids, instance
 * ids and remote file names, so it is kept to what is safe everywhere: lowercase letters,
 * digits and dashes.
 */
export const NODE_NAME = /^[a-z][a-z0-9-]{0,31}$/
export const NODE_NAME_RULE = '1-32 lowercase letters, digits and dashes, starting with a letter'

/** libvirt connections a node may be driven through: the system daemon, or the SSH user's own. */
export const LIBVIRT_URIS = ['qemu:///system', 'qemu:///session'] as const
export type LibvirtUri = (typeof LIBVIRT_URIS)[number]

/** Storage pool, network and volume names we pass to virsh: no spaces, quotes or slashes. */
export const LIBVIRT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const LIBVIRT_NAME_RULE = '1-64 letters, digits, dots, dashes and underscores'

export const DEFAULT_LIBVIRT = {uri: 'qemu:///system', pool: 'gpu-shopper', network: 'default'} as const

/**
 * How slices are virtualised: `kvm`, `qemu` (TCG, software emulation: slow, no GPUs), or `auto`
 * (KVM where the node offers it). `qemu` is for nodes whose KVM is listed but broken, such as a
 * VM without working nested virtualisation, where KVM guests stop with an internal error.
 */
export const VIRT_TYPES = ['auto', 'kvm', 'qemu'] as const
export type VirtType = (typeof VIRT_TYPES)[number]

export interface NodeLibvirtSettings {
  uri: LibvirtUri
  pool: string
  network: string
  /** The pool volume new slices are overlaid on; null means the one base image the node has. */
  baseImage: string | null
  virtType: VirtType
}

export interface NodePricing {
  pricePerGpuHour: MicroUsd
  /** How many CPU-only slices the owner lets run at once (0: none). */
  cpuSlices: number
  cpuSlicePricePerHour: MicroUsd
}
