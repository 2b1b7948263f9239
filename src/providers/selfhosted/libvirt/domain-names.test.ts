import {describe, expect, it} from 'vitest'

import {instanceLabel} from '../../../core/instance-label.js'
import {domainNameOf, labelOfDomain, overlayVolumeOf, parseDomainName, parseSliceVolumeName, seedVolumeOf, sliceIdentityOf, volumesOf} from './domain-names.js'

const LABEL = 'gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f'
const DOMAIN = 'gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f'

describe('domain names', () => {
  it('derives the domain and its volumes from the label, and back', () => {
    // Given a session's instance label
    // When its libvirt names are derived
    const domain = domainNameOf(LABEL)

    // Then ':' became '_' and each volume maps back to the label
    expect(domain).toBe(DOMAIN)
    expect(labelOfDomain(domain)).toBe(LABEL)
    expect(overlayVolumeOf(domain)).toBe(`${DOMAIN}.qcow2`)
    expect(seedVolumeOf(domain)).toBe(`${DOMAIN}-seed.iso`)
    expect(volumesOf(domain)).toEqual([`${DOMAIN}.qcow2`, `${DOMAIN}-seed.iso`])
    expect(parseSliceVolumeName(overlayVolumeOf(domain))).toEqual({label: LABEL, domain: DOMAIN, kind: 'overlay'})
    expect(parseSliceVolumeName(seedVolumeOf(domain))).toEqual({label: LABEL, domain: DOMAIN, kind: 'seed'})
  })

  it('keeps a session id that itself ends in -seed apart from a seed volume', () => {
    const domain = domainNameOf(instanceLabel('dep-1a2b3c4d', 'sess-x-seed'))
    expect(parseSliceVolumeName(`${domain}.qcow2`)).toMatchObject({label: 'gpu-shopper:dep-1a2b3c4d:sess-x-seed', kind: 'overlay'})
    expect(parseSliceVolumeName(`${domain}-seed.iso`)).toMatchObject({label: 'gpu-shopper:dep-1a2b3c4d:sess-x-seed', kind: 'seed'})
  })

  it.each([
    'gpu-shopper:Dep-1:sess-1',
    'gpu-shopper:dep_1:sess-1',
    'gpu-shopper:dep-1:-sess',
    'gpu-shopper:dep-1:sess 1',
    "gpu-shopper:dep-1:sess';reboot",
    'gpu-shopper:dep-1:sess-1\n',
    'gpu-shopper:dep-1:sess-1:extra',
    'gpu-shopper:dep-1:',
    'other:dep-1:sess-1',
    `gpu-shopper:dep-1:${'a'.repeat(41)}`,
  ])('refuses %j as a label', (label) => {
    expect(() => domainNameOf(label)).toThrow()
  })

  it('gives the identity of a valid label', () => {
    expect(sliceIdentityOf(LABEL)).toEqual({deploymentId: 'dep-1a2b3c4d', sessionId: 'sess-0a1b2c3d4e5f'})
  })

  it.each([
    'builder-test-dom',
    'default',
    'gpu-shopper_dep-1a2b3c4d',
    'gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f_x',
    'gpu-shopper_DEP-1_sess-1',
    'gpu-shopper_dep-1_-sess',
    'gpu_shopper_dep-1_sess-1',
    'gpu-shopper__sess-1',
  ])('says %j is not one of our domains', (name) => {
    expect(labelOfDomain(name)).toBeNull()
    expect(() => parseDomainName(name)).toThrow(/not a gpu-shopper domain name/)
  })

  it.each([
    'base.qcow2',
    'debian-12-genericcloud-amd64.qcow2',
    `${DOMAIN}.iso`,
    `${DOMAIN}-seed.qcow2.bak`,
    `${DOMAIN}.qcow2 `,
    `x${DOMAIN}.qcow2`,
    'gpu-shopper_dep-1_sess-1.img',
  ])('leaves %j alone when looking for leftover disks', (volume) => {
    expect(parseSliceVolumeName(volume)).toBeNull()
  })

  it('refuses to name volumes of a domain that is not ours', () => {
    expect(() => overlayVolumeOf('default' as never)).toThrow()
  })
})
