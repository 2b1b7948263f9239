import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {domainNameOf} from './domain-names.js'
import {leftoverVolumePlan, releasePlan} from './release-plan.js'
import {classifyVirshFailure} from './virsh-errors.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/virsh-9.0/${name}`, import.meta.url), 'utf8')

const DOMAIN = domainNameOf('gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f')
const V = 'env LC_ALL=C virsh -c qemu:///system'

describe('releasePlan', () => {
  it('stops the domain, undefines it, then wipes and deletes each of its disks by name', () => {
    // Given a slice to release
    // When its plan is made
    const plan = releasePlan({uri: 'qemu:///system', pool: 'gpu-shopper', domain: DOMAIN})

    // Then destroy comes first, storage is not left to undefine, and only wiping may fail
    expect(plan.map((step) => [step.action, step.run.command, step.bestEffort])).toEqual([
      ['destroy', `${V} destroy ${DOMAIN}`, false],
      ['undefine', `${V} undefine ${DOMAIN} --nvram --managed-save --snapshots-metadata --checkpoints-metadata`, false],
      [`wipe ${DOMAIN}.qcow2`, `${V} vol-wipe --pool gpu-shopper ${DOMAIN}.qcow2 --algorithm zero`, true],
      [`delete ${DOMAIN}.qcow2`, `${V} vol-delete --pool gpu-shopper ${DOMAIN}.qcow2`, false],
      [`wipe ${DOMAIN}-seed.iso`, `${V} vol-wipe --pool gpu-shopper ${DOMAIN}-seed.iso --algorithm zero`, true],
      [`delete ${DOMAIN}-seed.iso`, `${V} vol-delete --pool gpu-shopper ${DOMAIN}-seed.iso`, false],
    ])
    expect(plan.some((step) => /remove-all-storage|wipe-storage/.test(step.run.command))).toBe(false)
  })

  it('counts what a half-finished earlier release left done as done', () => {
    // Given the real errors virsh gives for a stopped domain, a gone domain and a gone volume
    const plan = releasePlan({uri: 'qemu:///system', pool: 'gpu-shopper', domain: DOMAIN})
    const step = (action: string) => plan.find((s) => s.action === action)!

    // Then each step that meets them treats them as already done
    expect(step('destroy').alreadyDone).toContain(classifyVirshFailure(fixture('destroy-not-running.stderr.txt')))
    expect(step('destroy').alreadyDone).toContain(classifyVirshFailure(fixture('domstate-nosuch.stderr.txt')))
    expect(step('undefine').alreadyDone).toContain(classifyVirshFailure(fixture('undefine-missing.stderr.txt')))
    expect(step(`delete ${DOMAIN}.qcow2`).alreadyDone).toContain(classifyVirshFailure(fixture('vol-delete-missing.stderr.txt')))
    expect(step(`wipe ${DOMAIN}.qcow2`).alreadyDone).toContain(classifyVirshFailure(fixture('vol-wipe-missing.stderr.txt')))
  })

  it('exists because virsh undefines the domain before it wipes its disks', () => {
    // Given the real output of `virsh undefine --nvram --remove-all-storage --wipe-storage`
    const out = fixture('undefine-remove-all-storage-wipe.txt')

    // Then the domain was already gone when the first wipe started: a failed wipe there
    // ("Failed! Volume not removed.") would leave a disk that no domain points at
    expect(out.indexOf('has been undefined')).toBeLessThan(out.indexOf('Wiping volume'))
  })

  it('skips wiping when asked', () => {
    const plan = releasePlan({uri: 'qemu:///system', pool: 'gpu-shopper', domain: DOMAIN, wipe: false})
    expect(plan.map((step) => step.action)).toEqual(['destroy', 'undefine', `delete ${DOMAIN}.qcow2`, `delete ${DOMAIN}-seed.iso`])
  })
})

describe('leftoverVolumePlan', () => {
  it('wipes and deletes disks whose domain is gone', () => {
    const plan = leftoverVolumePlan({uri: 'qemu:///system', pool: 'gpu-shopper', volumes: [`${DOMAIN}-seed.iso`]})
    expect(plan.map((step) => step.action)).toEqual([`wipe ${DOMAIN}-seed.iso`, `delete ${DOMAIN}-seed.iso`])
  })

  it.each(['ubuntu-24.04-cuda.qcow2', 'base.qcow2', `${DOMAIN}.img`])('never plans to delete %j', (volume) => {
    expect(() => leftoverVolumePlan({uri: 'qemu:///system', pool: 'gpu-shopper', volumes: [volume]})).toThrow(/not a slice volume/)
  })
})
