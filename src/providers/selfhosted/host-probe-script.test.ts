import {execFileSync, spawn} from 'node:child_process'
import {closeSync, existsSync, openSync, readdirSync, readFileSync, realpathSync} from 'node:fs'
import {basename, join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {pollUntil} from '../../../test/support/poll.js'
import {HOST_PROBE_SCRIPT} from './host-probe-script.js'
import {parseHostProbe} from './host-probe.js'

const PCI_DEVICES = '/sys/bus/pci/devices'

/** What sysfs itself says about one device, read by Node rather than by the script. */
function sysfs(address: string, file: string): string {
  return readFileSync(join(PCI_DEVICES, address, file), 'utf8').trim()
}

describe('HOST_PROBE_SCRIPT', () => {
  it('runs under this machine\'s sh and reports what its sysfs and procfs hold', () => {
    // Given this machine (a VM: PCI devices in /sys, possibly none in an IOMMU group, no GPU)
    // When the probe runs as the node's shell would run it, fed to `sh -s`
    const output = execFileSync('sh', ['-s'], {input: HOST_PROBE_SCRIPT, encoding: 'utf8', timeout: 30_000})
    const probe = parseHostProbe(output)

    // Then every PCI device sysfs lists is there with its ids, driver and group
    const addresses = existsSync(PCI_DEVICES) ? readdirSync(PCI_DEVICES).sort() : []
    expect(probe.devices.map((device) => device.address)).toEqual(addresses)
    for (const device of probe.devices) {
      expect(`0x${device.vendorId}`).toBe(sysfs(device.address, 'vendor'))
      expect(`0x${device.deviceId}`).toBe(sysfs(device.address, 'device'))
      expect(`0x${device.classCode}`).toBe(sysfs(device.address, 'class'))
      const driverLink = join(PCI_DEVICES, device.address, 'driver')
      expect(device.driver).toBe(existsSync(driverLink) ? basename(realpathSync(driverLink)) : null)
      const groupLink = join(PCI_DEVICES, device.address, 'iommu_group')
      expect(device.iommuGroup).toBe(existsSync(groupLink) ? Number(basename(realpathSync(groupLink))) : null)
    }
    // And the host facts match /proc
    const iommuGroups = existsSync('/sys/kernel/iommu_groups') ? readdirSync('/sys/kernel/iommu_groups').length : 0
    expect(probe.host.iommuGroupCount).toBe(iommuGroups)
    expect(probe.host.kernelCommandLine).toBe(readFileSync('/proc/cmdline', 'utf8').trim())
    expect(probe.host.vfioPci === 'loaded').toBe(existsSync('/sys/bus/pci/drivers/vfio-pci'))
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
    expect(probe.host.virtualMachine).toBe(/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo))
    const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1]
    expect(probe.host.cpuVendor).toBe(vendor === 'GenuineIntel' ? 'intel' : vendor === 'AuthenticAMD' ? 'amd' : 'other')
    expect(probe.host.memAvailableKiB).toBeGreaterThan(0)
    // And the process scan says how much it could see: everything only as root
    expect(probe.processScan).toBe(process.getuid?.() === 0 ? 'complete' : 'own-processes')
  })

  it('names the process that holds a device file, on one line whatever it calls itself', async () => {
    // Given a process holding /dev/zero open that has renamed itself with a line break in the
    // name, and the probe looking for /dev/zero in place of /dev/vfio/<n> (this machine has no
    // GPU device files for a process to hold)
    const script = HOST_PROBE_SCRIPT.replace("-lname '/dev/vfio/[0-9]*'", "-lname '/dev/zero'")
    expect(script).not.toBe(HOST_PROBE_SCRIPT)
    const zero = openSync('/dev/zero', 'r')
    const holder = spawn('sh', ['-c', 'printf "sleepy\\nhead" > /proc/$$/comm; read line'], {stdio: ['pipe', 'ignore', 'ignore', zero]})
    closeSync(zero)
    try {
      await pollUntil(() => (readFileSync(`/proc/${holder.pid}/comm`, 'utf8') === 'sleepy\nhead\n' ? true : undefined), 'the holder to rename itself', 5_000, 10)

      // When the probe runs
      const probe = parseHostProbe(execFileSync('sh', ['-s'], {input: script, encoding: 'utf8', timeout: 30_000}))

      // Then the scan reports that process by pid, with the file it holds and its name on one line
      expect(probe.openDeviceNodes).toContainEqual({pid: holder.pid, node: '/dev/zero', command: 'sleepyhead'})
    } finally {
      holder.kill()
    }
  })
})
