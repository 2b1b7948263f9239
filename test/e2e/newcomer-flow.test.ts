import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

/**
 * What a newcomer hit following the quick start and the workflows (issue 10): replaying a
 * create after its release, `--gpu-type H100`, extending past the maximum, and reading an
 * extended or ended session. The real binary against `daemon start --simulate` on port 0.
 */
describe('the newcomer flow through the CLI binary', () => {
  const {home, cli, data} = simulatedDaemonCli()
  let api: {url: string; token: string}
  const bare = async <T = any>(...args: string[]) => {
    const result = await cli([...args, '--output', 'json'])
    if (result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} --output json failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
    return JSON.parse(result.stdout) as T
  }
  const keyFiles = async () => readdir(join(home().home, 'data', 'keys'))
  const extend = (id: string, body: string) =>
    fetch(`${api.url}/api/v1/sessions/${id}/extend`, {
      method: 'POST',
      headers: {authorization: `Bearer ${api.token}`, 'content-type': 'application/json'},
      body,
    })
  const untilSessionStatus = (id: string, status: string) =>
    pollUntil(async () => {
      const s = await data('sessions', 'get', id)
      if (s.status === 'failed' && status !== 'failed') throw new Error(`session ${id} failed: ${s.failure_reason}`)
      return s.status === status ? s : undefined
    }, `${id} ${status}`, 60_000, 200)

  beforeAll(async () => {
    const state = JSON.parse(await readFile(home().stateFile, 'utf8')) as {url: string; token: string}
    api = {url: state.url, token: state.token}
  })

  describe('item 19: an idempotency key replayed after the release', () => {
    it('returns the original allocation, and leaves no pending file behind', async () => {
      const args = ['allocations', 'create', '--sku', 'rtx-4090', '--gpus', '1', '--region', 'US', '--idempotency-key', 'qs-001']
      const first = await bare(...args)
      expect((await keyFiles()).filter((f) => f.startsWith('pending-'))).toEqual([])

      await data('allocations', 'release', first.id)
      await untilSessionStatus(first.id, 'stopped')

      const again = await cli([...args, '--output', 'json'])
      expect(again.exitCode, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout).id).toBe(first.id)
      // Shown as it is now, not as the first reply had it.
      expect(JSON.parse(again.stdout).status).toBe('released')
      expect(again.stderr).not.toMatch(/different request/)
      // Its key went with the session: the replay says so instead of pointing at a missing file.
      expect(again.stderr).toMatch(/deleted when the session ended/)
      expect((await keyFiles()).filter((f) => f.startsWith('pending-'))).toEqual([])

      // Other flags under the same key are still a different request.
      const other = await cli(['allocations', 'create', '--sku', 'rtx-4090', '--gpus', '2', '--region', 'US', '--idempotency-key', 'qs-001'])
      expect(other.exitCode).not.toBe(0)
      expect(other.stderr).toMatch(/already used with a different request/)
      expect((await keyFiles()).filter((f) => f.startsWith('pending-'))).toEqual([])
    })

    it('replays provision --idempotency-key after the session ended', async () => {
      const args = ['provision', '--gpu-type', 'RTX 4090', '--hours', '1', '--idempotency-key', 'prov-001']
      const first = await data(...args)
      await data('done', first.session.id)
      await untilSessionStatus(first.session.id, 'stopped')

      const again = await cli([...args, '--json'])
      expect(again.exitCode, again.stderr).toBe(0)
      const envelope = again.json<any>()
      expect(envelope.data.session.id).toBe(first.session.id)
      expect(envelope.data.ssh_key_path).toBeNull()
      expect(envelope.warnings.join('\n')).toMatch(/deleted when the session ended/)
      expect(envelope.data.session.status).toBe('stopped')
      const human = await cli(args)
      expect(human.exitCode, human.stderr).toBe(0)
      expect(human.stdout).toMatch(/stopped on RTX 4090, ended \d\d:\d\d/)
      expect(human.stdout).not.toMatch(/expires/)
      expect((await keyFiles()).filter((f) => f.startsWith('pending-'))).toEqual([])
    })
  })

  describe('item 20: one GPU-type matcher', () => {
    it('provisions --gpu-type H100 from the offers `inventory --gpu-type H100` lists', async () => {
      const inventory = await data('inventory', '--gpu-type', 'H100', '--limit', '1000')
      expect(inventory.total).toBeGreaterThan(0)
      const models = new Set(inventory.offers.map((o: any) => o.gpu_type))
      expect([...models].every((m) => String(m).startsWith('H100'))).toBe(true)

      const created = await data('provision', '--gpu-type', 'H100', '--hours', '1')
      expect(created.session.gpu_type).toMatch(/^H100/)
      expect(inventory.offers.map((o: any) => o.id)).toContain(created.session.offer_id)
      await data('done', created.session.id)

      // A Vast.ai or TensorDock spelling finds the same model as its canonical name.
      const sxm = await data('inventory', '--gpu-type', 'H100 SXM', '--limit', '1000')
      const tensordockSpelling = await data('inventory', '--gpu-type', 'h100-sxm5-80gb', '--limit', '1000')
      expect(sxm.total).toBeGreaterThan(0)
      expect(tensordockSpelling.total).toBe(sxm.total)
      expect(new Set(sxm.offers.map((o: any) => o.gpu_type))).toEqual(new Set(['H100 80GB SXM']))

      // "A100 SXM" names the form factor, not the memory: both sizes of SXM, as in a provision.
      const a100 = await data('inventory', '--gpu-type', 'A100 SXM', '--limit', '1000')
      expect(a100.total).toBeGreaterThan(0)
      expect([...new Set(a100.offers.map((o: any) => o.gpu_type))].every((m) => /^A100 \d+GB SXM$/.test(String(m)))).toBe(true)
    })

    it('allocates a SKU typed as a model family', async () => {
      const created = await bare('allocations', 'create', '--sku', 'h100', '--gpus', '1')
      expect(created.gpu_type).toMatch(/^H100/)
      await data('allocations', 'release', created.id)
    })
  })

  describe('item 21 and 22: extending, and reading an extended or ended session', () => {
    it('keeps an extension made before the session runs', async () => {
      const created = await data('provision', '--gpu-type', 'RTX 4090', '--hours', '1')
      const id = created.session.id as string
      const extended = await extend(id, '{"additional_hours": 2}')
      expect(extended.status).toBe(200)
      const running = await untilSessionStatus(id, 'running')
      expect(running.reservation_hours).toBe(3)
      expect(Date.parse(running.expires_at) - Date.parse(running.started_at)).toBe(3 * 3_600_000)
      await data('done', id)
    })

    it('says what is wrong with an extension, and shows the hours reserved now', async () => {
      const created = await data('provision', '--gpu-type', 'RTX 4090', '--hours', '2', '--wait', '--timeout', '60')
      const id = created.session.id as string

      const tooMany = await extend(id, '{"additional_hours": 13}')
      expect(tooMany.status).toBe(409)
      const tooManyBody = (await tooMany.json()) as {error: string; max_additional_hours: number}
      expect(tooManyBody.error).toMatch(/12-hour/)
      expect(tooManyBody.error).toMatch(/at most 10 ?h/)
      expect(tooManyBody.error).not.toMatch(/required/)
      expect(tooManyBody.max_additional_hours).toBe(10)

      const asString = await extend(id, '{"additional_hours": "2"}')
      expect(asString.status).toBe(400)
      const asStringBody = (await asString.json()) as {error: string; error_type: string}
      expect(asStringBody.error_type).toBe('validation_error')
      expect(asStringBody.error).toMatch(/must be a number/)
      expect(asStringBody.error).toMatch(/1-12/)
      expect(asStringBody.error).not.toMatch(/required/)

      const missing = (await (await extend(id, '{}')).json()) as {error: string}
      expect(missing.error).toMatch(/is required/)

      const cliTooMany = await cli(['extend', id, '--hours', '11'])
      expect(cliTooMany.exitCode).not.toBe(0)
      expect(cliTooMany.stderr).toMatch(/at most 10 ?h/)
      expect(cliTooMany.stderr).toMatch(/--hours 10/)
      expect(cliTooMany.stderr).not.toMatch(/idempotency/)

      const cli13 = await cli(['extend', id, '--hours', '13'])
      expect(cli13.exitCode).not.toBe(0)
      expect(cli13.stderr).toMatch(/at most 10 ?h/)

      const extended = await cli(['extend', id, '--hours', '2'])
      expect(extended.exitCode, extended.stderr).toBe(0)
      const shown = await cli(['sessions', 'get', id])
      expect(shown.stdout).toMatch(/4 h reserved/)
      expect((await data('sessions', 'get', id)).reservation_hours).toBe(4)

      await data('done', id)
      await untilSessionStatus(id, 'stopped')
      const ended = await cli(['sessions', 'get', id])
      expect(ended.exitCode, ended.stderr).toBe(0)
      expect(ended.stdout).not.toMatch(/^Expires/m)
      expect(ended.stdout).toMatch(/^Ended\s+\d{2}:\d{2}/m)
      expect(ended.stdout).toMatch(/^SSH\s+-$/m)
      expect(ended.stdout).not.toMatch(/127\.0\.0\.1/)
      expect(ended.stdout).toMatch(/^Private key\s+deleted when the session ended/m)
      expect(ended.stdout).not.toMatch(/created elsewhere/)
    })
  })
})
