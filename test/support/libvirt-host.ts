import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

/**
 * This machine as a libvirt host for the self-hosted tests: the real libvirtd that
 * `scripts/libvirt-up.sh` starts (with the `default` network and the `gpu-shopper` pool), and the
 * small Debian guest that `scripts/build-test-guest.sh` builds, imported into the pool as a base
 * image. `.ci/run` runs both; on a workstation run them once by hand (as root).
 */
export const TEST_POOL = 'gpu-shopper'
export const TEST_BASE_IMAGE = 'debian-12-base.qcow2'
const GUEST_DIR = process.env['GPU_SHOPPER_TEST_GUEST_DIR'] ?? '/var/cache/gpu-shopper-test-guest'
const URI = 'qemu:///system'

export function virsh(...args: string[]): string {
  return execFileSync('virsh', ['-q', '-c', URI, ...args], {encoding: 'utf8', env: {...process.env, LC_ALL: 'C'}})
}

/** Throws with what to run when libvirt or the guest image is missing: never a silent skip. */
export function ensureLibvirtHost(): void {
  try {
    virsh('pool-info', TEST_POOL)
  } catch (err) {
    throw new Error(`no libvirt host with a ${TEST_POOL} pool here (${(err as Error).message.trim()}): run scripts/libvirt-up.sh as root`)
  }
  const volumes = poolVolumes()
  for (const suffix of ['.qcow2', '.vmlinuz', '.initrd']) {
    const volume = TEST_BASE_IMAGE.replace('.qcow2', suffix)
    if (volumes.includes(volume)) continue
    const file = join(GUEST_DIR, volume)
    if (!existsSync(join(GUEST_DIR, 'debian-12-base.ready')) || !existsSync(file)) {
      throw new Error(`the test guest is not built (${file} missing): run scripts/build-test-guest.sh ${GUEST_DIR} as root`)
    }
    const path = virsh('pool-dumpxml', TEST_POOL).match(/<path>([^<]+)<\/path>/)?.[1]
    if (!path) throw new Error(`pool ${TEST_POOL} has no target path`)
    execFileSync('cp', ['--sparse=always', file, join(path, volume)])
  }
  virsh('pool-refresh', TEST_POOL)
}

export function poolVolumes(): string[] {
  return virsh('vol-list', TEST_POOL)
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '')
}

export function domainNames(): string[] {
  return virsh('list', '--all', '--name')
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name !== '')
}

/** Everything of one deployment left on the host: domains and volumes named after its slices. */
export function leftoversOf(deploymentId: string): {domains: string[]; volumes: string[]} {
  const prefix = `gpu-shopper_${deploymentId}_`
  return {domains: domainNames().filter((d) => d.startsWith(prefix)), volumes: poolVolumes().filter((v) => v.startsWith(prefix))}
}
