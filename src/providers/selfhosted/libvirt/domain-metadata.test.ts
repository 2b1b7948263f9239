import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {INSTANCE_METADATA_NAMESPACE, InstanceMetadataError, instanceMetadataXml, parseInstanceMetadata, type InstanceMetadata} from './domain-metadata.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/virsh-9.0/${name}`, import.meta.url), 'utf8')

// What fixtures/virsh-9.0/dumpxml.txt and metadata.txt were defined with (see fixtures/virsh-9.0/README.md).
const DEFINED: InstanceMetadata = {
  deploymentId: 'dep-1a2b3c4d',
  sessionId: 'sess-0a1b2c3d4e5f',
  nodeName: 'builder',
  gpuCount: 0,
  createdAt: new Date('2025-01-02T03:04:05Z'),
}

function errorOf(run: () => unknown): Error {
  try {
    run()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

describe('instance metadata', () => {
  it('reads it back from real `virsh dumpxml` output', () => {
    expect(parseInstanceMetadata(fixture('dumpxml.txt'))).toEqual(DEFINED)
  })

  it('reads it back from real `virsh metadata <dom> <uri>` output, where libvirt dropped the namespace', () => {
    const output = fixture('metadata.txt')
    expect(output).not.toContain('xmlns')
    expect(parseInstanceMetadata(output)).toEqual(DEFINED)
  })

  it('round-trips every field, with text that needs escaping', () => {
    // Given a node whose registered name has XML's special characters
    const metadata = {...DEFINED, nodeName: `lab <"rack 4"> & 'co'`, gpuCount: 8}

    // When the element is written inside a domain and read back
    const xml = `<domain type='kvm'>\n  <name>x</name>\n  <metadata>\n${instanceMetadataXml(metadata, '    ')}\n  </metadata>\n</domain>\n`

    // Then nothing changed
    expect(parseInstanceMetadata(xml)).toEqual(metadata)
  })

  it('finds the element by namespace whatever its prefix, and ignores another namespace', () => {
    const ours = instanceMetadataXml(DEFINED).replaceAll('gs:', 'x:').replace('xmlns:gs=', 'xmlns:x=')
    const theirs = `<instance xmlns="https://example.com/other"><label>nope</label></instance>`
    const xml = `<domain type='kvm'><metadata>${theirs}${ours}</metadata></domain>`
    expect(parseInstanceMetadata(xml)).toEqual(DEFINED)
  })

  it('reads a default-namespace element too', () => {
    const xml = `<domain type='kvm'><metadata><instance xmlns='${INSTANCE_METADATA_NAMESPACE}'>${instanceMetadataXml(DEFINED).split('\n').slice(1, -1).join('').replaceAll('gs:', '')}</instance></metadata></domain>`
    expect(parseInstanceMetadata(xml)).toEqual(DEFINED)
  })

  it('is null for a domain without our metadata', () => {
    const foreign = fixture('dumpxml.txt').replace(/<metadata>[\s\S]*<\/metadata>\n/, '')
    expect(parseInstanceMetadata(foreign)).toBeNull()
    expect(parseInstanceMetadata(`<?xml version="1.0"?>\n<domain type='kvm'><name>a</name></domain>`)).toBeNull()
  })

  it('refuses metadata whose label disagrees with its ids', () => {
    const forged = fixture('metadata.txt').replace('<sessionId>sess-0a1b2c3d4e5f<', '<sessionId>sess-ffffffffffff<')
    expect(errorOf(() => parseInstanceMetadata(forged))).toBeInstanceOf(InstanceMetadataError)
    expect(errorOf(() => parseInstanceMetadata(forged)).message).toMatch(/label .* does not match/)
  })

  it.each([
    ['a missing field', (x: string) => x.replace(/<nodeName>.*<\/nodeName>/, ''), /nodeName/],
    ['a field twice', (x: string) => x.replace('<gpuCount>0</gpuCount>', '<gpuCount>0</gpuCount><gpuCount>1</gpuCount>'), /twice/],
    ['a bad GPU count', (x: string) => x.replace('<gpuCount>0<', '<gpuCount>-1<'), /gpuCount/],
    ['a bad date', (x: string) => x.replace('2025-01-02T03:04:05.000Z', 'yesterday'), /createdAt/],
    ['an upper-case id', (x: string) => x.replace('<deploymentId>dep-1a2b3c4d<', '<deploymentId>DEP-1A2B3C4D<'), /deploymentId/],
    ['no closing tag', (x: string) => x.replace('</instance>', ''), /not closed/],
    ['something else', () => '<other/>', /expected a <domain>/],
  ])('throws on %s', (_what, corrupt, message) => {
    expect(() => parseInstanceMetadata(corrupt(fixture('metadata.txt')))).toThrow(message)
  })

  it('refuses to write metadata it could not read back', () => {
    expect(() => instanceMetadataXml({...DEFINED, sessionId: 'Sess 1'})).toThrow(/sessionId/)
    expect(() => instanceMetadataXml({...DEFINED, nodeName: 'a\nb'})).toThrow(/nodeName/)
    expect(() => instanceMetadataXml({...DEFINED, gpuCount: 1.5})).toThrow(/gpuCount/)
    expect(() => instanceMetadataXml({...DEFINED, createdAt: new Date('nope')})).toThrow(/createdAt/)
  })
})
