import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {appPaths, daemonStateFile, databaseFile, sessionKeysDir} from '../src/config/paths.js'
import {generateSessionKeyPair} from '../src/ssh/keys.js'
import {pollUntil} from '../test/support/poll.js'

/**
 * The real daemon entry (daemon/main.ts, run from source) as its own process, so every byte it
 * logs (its pino log and Fastify's request log, both on stdout/stderr, which the CLI appends to
 * daemon.log) is captured, at the most verbose level.
 */
describe('secrets at rest and in the log', () => {
  let home: string
  let child: ChildProcess
  let output = ''
  let url: string
  let token: string
  const paths = () => appPaths({GPU_SHOPPER_HOME: home})
  const call = async (method: string, path: string, body?: object, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {authorization: `Bearer ${token}`, ...(body ? {'content-type': 'application/json'} : {}), ...headers},
      body: body ? JSON.stringify(body) : undefined,
    })
    return {status: res.status, json: (await res.json()) as any}
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-at-rest-'))
    child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), '--port', '0', '--simulate'], {
      env: {...process.env, GPU_SHOPPER_HOME: home, GPU_SHOPPER_LOG_LEVEL: 'trace', GPU_SHOPPER_TIMINGS: JSON.stringify({pollIntervalMs: 50})},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')))
    child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')))
    const state = await pollUntil(() => {
      if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${output}`)
      const file = daemonStateFile(paths())
      if (!existsSync(file)) return undefined
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as {pid: number; url: string; token: string}
      return parsed.pid === child.pid ? parsed : undefined
    }, 'daemon state file', 30_000)
    url = state.url
    token = state.token
    await pollUntil(async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined), 'daemon healthy', 30_000)
  }, 60_000)

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(home, {recursive: true, force: true})
  })

  it('keeps no private key material in the SQLite file, its WAL or the daemon log', async () => {
    const generated: string[] = []
    // Given server-generated keys handed out by a session create and an allocation create, each replayed once,
    const offer = (await call('GET', '/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=1')).json.offers[0]
    const sessionBody = {consumer_id: 'tests', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1}
    const session = await call('POST', '/api/v1/sessions', sessionBody, {'x-idempotency-key': 'at-rest-1'})
    expect(session.status).toBe(201)
    generated.push(session.json.ssh_private_key)
    expect((await call('POST', '/api/v1/sessions', sessionBody, {'x-idempotency-key': 'at-rest-1'})).json.ssh_private_key).toBe(session.json.ssh_private_key)
    const allocation = await call('POST', '/api/v1/allocations', {sku: 'rtx-4090', gpus_total: 1}, {'x-idempotency-key': 'at-rest-2'})
    expect(allocation.status).toBe(201)
    generated.push(allocation.json.ssh_private_key)
    expect((await call('POST', '/api/v1/allocations', {sku: 'rtx-4090', gpus_total: 1}, {'x-idempotency-key': 'at-rest-2'})).json.ssh_private_key).toBe(
      allocation.json.ssh_private_key,
    )
    // and a private key pasted into the registry by mistake (refused),
    const pasted = generateSessionKeyPair('pasted by mistake').privateKey
    generated.push(pasted)
    expect((await call('POST', '/api/v1/iam/ssh-keys', {title: 'oops', key_body: pasted})).status).toBe(400)
    // with both sessions verified over SSH (the daemon used its own key and logged the steps),
    for (const id of [session.json.session.id, allocation.json.id]) {
      await pollUntil(async () => {
        const s = (await call('GET', `/api/v1/sessions/${id}`)).json
        if (s.status === 'failed') throw new Error(s.failure_reason)
        return s.status === 'running' ? s : undefined
      }, `session ${id} running`)
    }
    expect(generated.every((k) => /BEGIN OPENSSH PRIVATE KEY/.test(k))).toBe(true)

    // When the database file, its WAL and everything the daemon printed are searched,
    const dbFile = databaseFile(paths())
    expect(existsSync(`${dbFile}-wal`)).toBe(true)
    const haystacks = [dbFile, `${dbFile}-wal`].map((f) => ({where: f, text: readFileSync(f).toString('latin1')}))
    haystacks.push({where: 'daemon log', text: output})
    expect(output).toContain('"msg":"daemon listening"')
    expect(output).toContain('"url":"/api/v1/iam/ssh-keys"')

    // Then no PEM header and no line of any generated private key's body is found,
    for (const {where, text} of haystacks) {
      expect(text.includes('OPENSSH PRIVATE KEY'), `PEM header in ${where}`).toBe(false)
      for (const privateKey of generated) {
        const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----'))
        expect(text.includes(body.join('')), `a private key body in ${where}`).toBe(false)
        for (const line of body) expect(text.includes(line), `a private key line in ${where}`).toBe(false)
      }
    }
    // and the key that seals them is a 0600 file of its own, not in the database either.
    const sealingKeyFile = join(sessionKeysDir(paths()), 'replay_sealing.key')
    expect(statSync(sealingKeyFile).mode & 0o777).toBe(0o600)
    const sealingKey = readFileSync(sealingKeyFile).toString('latin1')
    for (const {where, text} of haystacks) expect(text.includes(sealingKey), `the sealing key in ${where}`).toBe(false)
  }, 60_000)
})
