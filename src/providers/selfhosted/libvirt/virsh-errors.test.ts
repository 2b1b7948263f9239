import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {classifyVirshFailure, virshErrorMessage} from './virsh-errors.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/virsh-9.0/${name}`, import.meta.url), 'utf8')

describe('classifyVirshFailure', () => {
  it.each([
    ['destroy-not-running.stderr.txt', 'domain-not-running'],
    ['domifaddr-not-running.stderr.txt', 'domain-not-running'],
    ['domstate-nosuch.stderr.txt', 'domain-not-found'],
    ['undefine-missing.stderr.txt', 'domain-not-found'],
    ['vol-delete-missing.stderr.txt', 'volume-not-found'],
    ['vol-wipe-missing.stderr.txt', 'volume-not-found'],
    ['vol-create-nobacking.stderr.txt', 'volume-not-found'],
    ['vol-create-exists.stderr.txt', 'volume-exists'],
    ['pool-info-missing.stderr.txt', 'pool-not-found'],
    ['metadata-missing.stderr.txt', 'metadata-not-found'],
    ['domifaddr-agent.stderr.txt', 'agent-unavailable'],
    ['domifaddr-arp.stderr.txt', 'other'],
  ])('reads the real %s as %s', (name, failure) => {
    expect(classifyVirshFailure(fixture(name))).toBe(failure)
  })

  it.each([
    ['error: Failed to query for interfaces addresses\nerror: argument unsupported: QEMU guest agent is not configured\n', 'agent-unavailable'],
    ["error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n", 'connection-failed'],
    ["error: Domain not found: no domain with matching name 'x'\n", 'domain-not-found'],
    ['error: Requested operation is not valid: cannot undefine domain with nvram\n', 'other'],
    ['', 'other'],
  ])('reads %j as %s', (stderr, failure) => {
    expect(classifyVirshFailure(stderr)).toBe(failure)
  })
})

describe('virshErrorMessage', () => {
  it('joins virsh’s lines without their prefixes', () => {
    expect(virshErrorMessage(fixture('destroy-not-running.stderr.txt'))).toBe("Failed to destroy domain 'builder-test-dom': Requested operation is not valid: domain is not running")
  })
})
