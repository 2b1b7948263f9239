import {chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, dirname} from 'node:path'

import {afterAll, beforeAll, beforeEach, afterEach, describe, expect, it} from 'vitest'

import {AppError} from '../core/errors.js'
import type {NodeDiscovery} from '../providers/selfhosted/node-discovery.js'
import {asMicroUsd} from '../core/money.js'
import {startLoopbackSshd, type LoopbackSshd} from '../../test/support/loopback-sshd.js'
import {insertRunningSession, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {addNode, checkNode, getNode, listNodes, removeNode, trustNodeHostKey, type NodeRegistration} from './node-service.js'

// A real OpenSSH server on loopback is the node; discovery runs its real scripts on this
// machine, which has no GPU and (in CI) no IOMMU: the reports must say so.
describe('node service against a real sshd on loopback', () => {
  let sshd: LoopbackSshd
  let h: ServiceHarness

  beforeAll(async () => {
    sshd = await startLoopbackSshd()
  })
  afterAll(async () => {
    await sshd.stop()
  })
  beforeEach(async () => {
    h = await startServiceHarness()
  })
  afterEach(async () => {
    await h.close()
  })

  const registration = (over: Partial<NodeRegistration> = {}): NodeRegistration => ({
    name: 'box-1',
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.identityFile,
    region: 'home-lab',
    pricing: {pricePerGpuHour: asMicroUsd(500_000), cpuSlices: 2, cpuSlicePricePerHour: asMicroUsd(20_000)},
    libvirt: {},
    trustHostKey: null,
    ...over,
  })

  it('registers a node, pins the host key it presented, and reads what the node has', async () => {
    const {node, readiness} = await addNode(h.ctx, registration())
    expect(node.hostKey.fingerprint).toBe(sshd.hostKeyFingerprint)
    expect(node.hostKey.publicKey).toMatch(/^ssh-ed25519 AAAA/)
    expect(node.identityFile).toBe(sshd.identityFile)
    expect((node.discovery as NodeDiscovery).facts.cpus).toBeGreaterThan(0)
    expect((node.discovery as NodeDiscovery).facts.memTotalKiB).toBeGreaterThan(0)
    // This machine has no GPU: the preflight says so, as a blocker with what to do.
    expect(readiness!.passthrough.gpus).toEqual([])
    expect(readiness!.passthrough.passthroughPossible).toBe(false)
    expect(readiness!.passthrough.host.map((f) => f.code)).toContain('no-gpus')
    expect((await listNodes(h.ctx)).map((v) => v.node.name)).toEqual(['box-1'])
    // The key itself is never stored: only where it is.
    const raw = JSON.stringify(await h.ctx.store.nodes.list())
    expect(raw).not.toContain('PRIVATE KEY')
  })

  it('refuses a node whose host key is not the one the user gave, sending nothing', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43)
    const err = await addNode(h.ctx, registration({trustHostKey: wrong})).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).errorType).toBe('conflict')
    expect((err as AppError).message).toContain(sshd.hostKeyFingerprint)
    expect((err as AppError).message).toContain('--trust-host-key')
    expect(await listNodes(h.ctx)).toEqual([])
  })

  it('accepts the host key the user gave when the node presents it', async () => {
    const {node} = await addNode(h.ctx, registration({trustHostKey: sshd.hostKeyFingerprint}))
    expect(node.hostKey.fingerprint).toBe(sshd.hostKeyFingerprint)
  })

  it('refuses a changed host key with how to trust it, and trusts it only when the node presents it', async () => {
    await addNode(h.ctx, registration())
    const old = sshd.hostKeyFingerprint
    await sshd.rotateHostKey()
    const err = (await checkNode(h.ctx, 'box-1').catch((e: unknown) => e)) as AppError
    expect(err.errorType).toBe('conflict')
    expect(err.message).toContain(`presented host key ${sshd.hostKeyFingerprint}, but ${old} is pinned`)
    expect(err.message).toContain(`gpu-shopper nodes trust box-1 --host-key ${sshd.hostKeyFingerprint}`)

    const wrong = (await trustNodeHostKey(h.ctx, 'box-1', old).catch((e: unknown) => e)) as AppError
    expect(wrong.errorType).toBe('conflict')
    expect((await getNode(h.ctx, 'box-1')).node.hostKey.fingerprint).toBe(old)

    await trustNodeHostKey(h.ctx, 'box-1', sshd.hostKeyFingerprint)
    const checked = await checkNode(h.ctx, 'box-1')
    expect(checked.node.hostKey.fingerprint).toBe(sshd.hostKeyFingerprint)
  })

  it('says what is wrong with an identity file before connecting', async () => {
    const dir = dirname(sshd.identityFile)
    const cases: [string, RegExp][] = [
      [join(dir, 'nope'), /does not exist/],
      ['relative/key', /absolute/],
      [`${sshd.identityFile}.pub`, /not a private key/],
    ]
    for (const [identityFile, message] of cases) {
      const err = (await addNode(h.ctx, registration({identityFile})).catch((e: unknown) => e)) as AppError
      expect(err.errorType).toBe('validation_error')
      expect(err.message).toMatch(message)
      expect(err.details['field']).toBe('identity_file')
    }
  })

  it("on a team server, takes a node's key only from its tenant's key folder", async () => {
    // Given a team server whose acme admin names a key outside acme's folder (here: the loopback sshd's)
    const keys = mkdtempSync(join(tmpdir(), 'gpu-shopper-node-keys-'))
    try {
      const acme = {...h.ctx, nodeKeysDir: keys, principal: {user: 'alice', tenant: 'acme', role: 'admin' as const, expiresAt: null}}
      const outside = (await addNode(acme, registration()).catch((e: unknown) => e)) as AppError
      expect(outside.errorType).toBe('validation_error')
      expect(outside.message).toContain(`${join(keys, 'acme')}/`)
      // nor through a link in the folder to a file elsewhere
      mkdirSync(join(keys, 'acme'), {mode: 0o700})
      symlinkSync(sshd.identityFile, join(keys, 'acme', 'linked'))
      expect(((await addNode(acme, registration({identityFile: join(keys, 'acme', 'linked')})).catch((e: unknown) => e)) as AppError).errorType).toBe('validation_error')
      // When the operator put the key in acme's folder, the node registers for acme
      copyFileSync(sshd.identityFile, join(keys, 'acme', 'box-1'))
      chmodSync(join(keys, 'acme', 'box-1'), 0o600)
      const {node} = await addNode(acme, registration({identityFile: join(keys, 'acme', 'box-1')}))
      expect(node.tenantId).toBe('acme')
      expect((await listNodes(h.ctx)).map((v) => v.node.name)).toEqual(['box-1'])
      expect(await listNodes({...acme, principal: {...acme.principal, tenant: 'globex'}})).toEqual([])
    } finally {
      rmSync(keys, {recursive: true, force: true})
    }
  })

  it('says the node refused a key it does not know', async () => {
    const other = join(dirname(sshd.identityFile), 'other_ed25519')
    const {execFileSync} = await import('node:child_process')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other])
    const err = (await addNode(h.ctx, registration({identityFile: other})).catch((e: unknown) => e)) as AppError
    expect(err.errorType).toBe('provider_error')
    expect(err.message).toMatch(/refused the key/)
  })

  it('refuses a passphrase-protected key with why', async () => {
    const locked = join(dirname(sshd.identityFile), 'locked_ed25519')
    const {execFileSync} = await import('node:child_process')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', locked])
    const err = (await addNode(h.ctx, registration({identityFile: locked})).catch((e: unknown) => e)) as AppError
    expect(err.message).toMatch(/passphrase/)
  })

  it('refuses a second node of the same name, and a node that is unreachable', async () => {
    await addNode(h.ctx, registration())
    const again = (await addNode(h.ctx, registration()).catch((e: unknown) => e)) as AppError
    expect(again.errorType).toBe('conflict')
    const closed = (await addNode(h.ctx, registration({name: 'box-2', port: 1})).catch((e: unknown) => e)) as AppError
    expect(closed.errorType).toBe('provider_error')
    expect(closed.message).toMatch(/box-2/)
  })

  it('removes a node nobody uses, and refuses while a session holds a slot on it', async () => {
    const {node} = await addNode(h.ctx, registration())
    await insertRunningSession(h, 'sess-000000000001')
    await h.ctx.store.nodes.reserveSlots(node.id, ['cpu:1'], 'sess-000000000001', h.clock.now())
    const held = (await removeNode(h.ctx, 'box-1').catch((e: unknown) => e)) as AppError
    expect(held.errorType).toBe('conflict')
    expect(held.message).toContain('sess-000000000001')
    expect((await getNode(h.ctx, 'box-1')).heldSlots).toEqual([{slot: 'cpu:1', sessionId: 'sess-000000000001'}])

    await h.ctx.store.nodes.releaseSlots('sess-000000000001')
    expect((await removeNode(h.ctx, 'box-1')).id).toBe(node.id)
    expect(await listNodes(h.ctx)).toEqual([])
    await expect(getNode(h.ctx, 'box-1')).rejects.toThrow(/no node named box-1/)
  })
})
