import type {NodeLibvirtSettings} from '../../core/node.js'
import {baseImagesIn} from './base-images.js'
import type {LibvirtFacts} from './libvirt-facts.js'
import type {Finding} from './passthrough-findings.js'

export type VmHostFindingCode =
  | 'libvirt-missing'
  | 'libvirt-unreachable'
  | 'tools-missing'
  | 'pool-missing'
  | 'pool-inactive'
  | 'network-missing'
  | 'network-inactive'
  | 'no-base-image'
  | 'base-image-missing'
  | 'no-kvm'
  | 'pool-nearly-full'

export type VmHostFinding = Finding<VmHostFindingCode>

/** Below this much free space in the pool a slice's overlay may fill it up mid-job. */
export const MIN_POOL_FREE_BYTES = 10 * 1024 ** 3

/**
 * Whether a node can run slice VMs at all, GPUs aside: libvirt reachable as the SSH user,
 * the pool and network there and active, the tools provisioning runs, a base image. Each
 * finding carries the exact commands that fix it on a Debian or Ubuntu host.
 */
export function checkVmHost(facts: LibvirtFacts, settings: NodeLibvirtSettings, user: string): VmHostFinding[] {
  const virsh = `virsh -c ${settings.uri}`
  const findings: VmHostFinding[] = []
  const missingTools = [
    !facts.tools.virsh && 'virsh (libvirt-clients)',
    !facts.tools.qemuImg && 'qemu-img (qemu-utils)',
    !facts.tools.genisoimage && 'genisoimage',
    !facts.tools.base64 && 'base64 (coreutils)',
  ].filter((tool): tool is string => tool !== false)
  if (facts.libvirt.state === 'missing') {
    findings.push({
      code: 'libvirt-missing',
      severity: 'blocker',
      message: 'libvirt is not installed: there is no virsh on the node.',
      fix: 'sudo apt-get install -y libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils genisoimage && sudo systemctl enable --now libvirtd',
    })
    return findings
  }
  if (facts.libvirt.state === 'unreachable') {
    findings.push({
      code: 'libvirt-unreachable',
      severity: 'blocker',
      message: `${user} cannot use ${settings.uri}: ${facts.libvirt.error}`,
      fix: `Start libvirt (sudo systemctl enable --now libvirtd) and let ${user} use it (sudo usermod -aG libvirt ${user}, then a new login).`,
    })
    return findings
  }
  if (missingTools.length > 0) {
    findings.push({
      code: 'tools-missing',
      severity: 'blocker',
      message: `Provisioning needs ${missingTools.join(', ')} on the node.`,
      fix: 'sudo apt-get install -y libvirt-clients qemu-utils genisoimage coreutils',
    })
  }
  if (facts.pool === null) {
    findings.push({
      code: 'pool-missing',
      severity: 'blocker',
      message: `libvirt has no storage pool named ${settings.pool}: slices' disks and base images live there.`,
      fix: `${virsh} pool-define-as ${settings.pool} dir --target /var/lib/gpu-shopper/pool && ${virsh} pool-build ${settings.pool} && ${virsh} pool-start ${settings.pool} && ${virsh} pool-autostart ${settings.pool}`,
    })
  } else if (facts.pool.state !== 'running') {
    findings.push({
      code: 'pool-inactive',
      severity: 'blocker',
      message: `The storage pool ${settings.pool} is ${facts.pool.state}, not running.`,
      fix: `${virsh} pool-start ${settings.pool} && ${virsh} pool-autostart ${settings.pool}`,
    })
  } else {
    const images = baseImagesIn(facts.pool.volumes)
    if (images.length === 0) {
      findings.push({
        code: 'no-base-image',
        severity: 'blocker',
        message: `The pool ${settings.pool} holds no base image (a .qcow2, .img or .raw volume) for slices to start from.`,
        fix: `Copy a cloud image with cloud-init (e.g. debian-12-genericcloud-amd64.qcow2) into ${facts.pool.path ?? 'the pool directory'}, then ${virsh} pool-refresh ${settings.pool}`,
      })
    } else if (settings.baseImage !== null && !images.some((image) => image.name === settings.baseImage)) {
      findings.push({
        code: 'base-image-missing',
        severity: 'blocker',
        message: `The base image ${settings.baseImage} is not in the pool ${settings.pool} (it has ${images.map((image) => image.name).join(', ')}).`,
        fix: `Copy ${settings.baseImage} into ${facts.pool.path ?? 'the pool directory'} and run ${virsh} pool-refresh ${settings.pool}, or register the node again with --base-image set to one it has.`,
      })
    }
    if (facts.pool.availableBytes < MIN_POOL_FREE_BYTES) {
      findings.push({
        code: 'pool-nearly-full',
        severity: 'warning',
        message: `The pool ${settings.pool} has ${(facts.pool.availableBytes / 1024 ** 3).toFixed(1)} GiB free: a slice's disk grows as it writes.`,
        fix: `Free space under ${facts.pool.path ?? 'the pool directory'}, or move the pool to a larger disk.`,
      })
    }
  }
  if (facts.networkActive === null) {
    findings.push({
      code: 'network-missing',
      severity: 'blocker',
      message: `libvirt has no network named ${settings.network}: slices attach their NIC to it.`,
      fix: `Define it (Debian ships /usr/share/libvirt/networks/default.xml: ${virsh} net-define /usr/share/libvirt/networks/default.xml), then ${virsh} net-start ${settings.network} && ${virsh} net-autostart ${settings.network}`,
    })
  } else if (!facts.networkActive) {
    findings.push({
      code: 'network-inactive',
      severity: 'blocker',
      message: `The network ${settings.network} is not active.`,
      fix: `${virsh} net-start ${settings.network} && ${virsh} net-autostart ${settings.network}`,
    })
  }
  const enableKvm = 'Turn on virtualisation (VT-x / AMD-V) in the firmware setup, then sudo modprobe kvm_intel (or kvm_amd) and check that /dev/kvm exists.'
  if (settings.virtType === 'kvm' && !facts.libvirt.kvm) {
    findings.push({code: 'no-kvm', severity: 'blocker', message: 'The node is set to run slices with KVM, and KVM is not available.', fix: enableKvm})
  } else if (settings.virtType === 'qemu') {
    findings.push({
      code: 'no-kvm',
      severity: 'warning',
      message: 'The node is set to run slices under software emulation (--virt-type qemu): many times slower, and no GPU slices (passthrough needs KVM).',
      fix: 'Where KVM works on the node, register it again with --virt-type auto or kvm.',
    })
  } else if (!facts.libvirt.kvm) {
    findings.push({
      code: 'no-kvm',
      severity: 'warning',
      message: 'KVM is not available: slices run under software emulation (TCG), many times slower, and GPU passthrough needs KVM.',
      fix: enableKvm,
    })
  }
  return findings
}
