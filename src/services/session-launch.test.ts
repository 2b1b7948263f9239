import {randomBytes} from 'node:crypto'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {offerFixture, sessionInputFixture} from '../../test/support/offer-fixture.js'
import {recordOnlyProvider} from '../../test/support/record-only-provider.js'
import {refusalOf} from '../../test/support/refusal.js'
import {startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {toMicroUsd} from '../core/money.js'
import type {LaunchRequest} from '../core/workload-launch.js'
import type {SealingKeyHolder} from './replayable-private-key.js'
import {createSession, createSessionBySpec} from './session-service.js'
import {openWorkloadEnv} from './workload-env.js'

const noLaunch: LaunchRequest = {workloadType: 'ssh', image: null, onStart: null, env: {}, exposePorts: [], modelId: null}

describe('a create with a workload launch', () => {
  let h: ServiceHarness
  const create = (offerId: string, launch: Partial<LaunchRequest>) =>
    createSession(h.ctx, sessionInputFixture(offerId, {workloadType: launch.workloadType ?? 'ssh', launch: {...noLaunch, ...launch}}), {key: undefined, fingerprint: launch})
  const sessionsWritten = async () => (await h.ctx.store.sessions.list({limit: 100})).total

  beforeEach(async () => {
    h = await startServiceHarness()
    ;(h.ctx.daemonKey as SealingKeyHolder).sealingKey = randomBytes(32)
    h.ctx.providers.register('tensordock', {baseUrl: 'http://127.0.0.1:9', adapter: recordOnlyProvider('tensordock', {launch: {images: {kind: 'os', names: ['ubuntu2204', 'debian12'], default: 'ubuntu2204'}, exposePorts: true}})})
    h.ctx.providers.register('selfhosted', {baseUrl: 'ssh://node', adapter: recordOnlyProvider('selfhosted', {resumableCreate: true, launch: {images: {kind: 'none'}, exposePorts: false}})})
    await h.ctx.store.offers.upsertMany([offerFixture('vastai-1'), offerFixture('tensordock-td1', {provider: 'tensordock', providerId: 'td1'}), offerFixture('selfhosted-lab.1x', {provider: 'selfhosted', providerId: 'lab.1x'})])
  })
  afterEach(async () => h.close())

  it('records a vLLM workload filled in, its variables sealed (not in the database in plain text) and opened again for the start', async () => {
    const {session} = await create('vastai-1', {workloadType: 'llm_vllm', modelId: 'Qwen/Qwen2.5-0.5B-Instruct', env: {HF_TOKEN: 'hf_secret_value_123'}})
    const stored = (await h.ctx.store.sessions.get(session.id))!
    expect(stored.launch).toEqual({
      image: 'vllm/vllm-openai:v0.8.5',
      onStart: 'vllm serve Qwen/Qwen2.5-0.5B-Instruct --host 0.0.0.0 --port 8000',
      envKeys: ['HF_TOKEN'],
      exposePorts: [8000],
      modelId: 'Qwen/Qwen2.5-0.5B-Instruct',
      healthPath: '/health',
    })
    expect(stored.apiEndpoint).toBeNull()
    expect(openWorkloadEnv(h.ctx, stored)).toEqual({HF_TOKEN: 'hf_secret_value_123'})
    const rows = await h.ctx.store.db.all<Record<string, unknown>>('SELECT * FROM sessions')
    const idempotency = await h.ctx.store.db.all<Record<string, unknown>>('SELECT * FROM idempotency_keys')
    const everything = JSON.stringify([rows, idempotency], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v))
    expect(everything).toContain('HF_TOKEN')
    expect(everything).not.toContain('hf_secret_value_123')
  })

  it('records no launch for an empty box', async () => {
    const {session} = await create('vastai-1', {})
    expect((await h.ctx.store.sessions.get(session.id))!.launch).toBeNull()
  })

  it('takes a TensorDock OS image, an on-start command and a published port', async () => {
    const {session} = await create('tensordock-td1', {image: 'debian12', onStart: 'python3 -m http.server 8000', exposePorts: [8000]})
    expect((await h.ctx.store.sessions.get(session.id))!.launch).toMatchObject({image: 'debian12', onStart: 'python3 -m http.server 8000', exposePorts: [8000], healthPath: null})
  })

  it('refuses, before anything is recorded, what the request or the provider cannot run, naming the field', async () => {
    const cases: Array<[string, Partial<LaunchRequest>, string, RegExp]> = [
      ['vastai-1', {image: 'Bad Image'}, 'image', /not an image reference/],
      ['vastai-1', {workloadType: 'llm_tgi'}, 'model_id', /is required/],
      ['vastai-1', {env: {TOKEN: 'x'}}, 'env', /nothing is started: add --on-start/],
      ['tensordock-td1', {workloadType: 'llm_vllm', modelId: 'org/m'}, 'workload_type', /rents VMs from OS images, not containers; pick a vastai offer/],
      ['tensordock-td1', {image: 'vllm/vllm-openai:v0.8.5', onStart: 'x'}, 'image', /not one of tensordock's OS images \(ubuntu2204, debian12\)/],
      ['selfhosted-lab.1x', {onStart: 'x', exposePorts: [8000]}, 'expose', /cannot publish ports.*--forward/],
      ['selfhosted-lab.1x', {image: 'debian12'}, 'image', /boots its own base image/],
    ]
    for (const [offerId, launch, field, message] of cases) {
      const refusal = await refusalOf(() => create(offerId, launch))
      expect(refusal.errorType, `${offerId} ${JSON.stringify(launch)}`).toBe('validation_error')
      expect(refusal.details).toEqual({field})
      expect(refusal.message).toMatch(message)
      expect(refusal.message).toMatch(/No instance was created\.$/)
    }
    expect(await sessionsWritten()).toBe(0)
  })

  it('refuses to preserve a disk where the provider cannot stop and keep it', async () => {
    const refusal = await refusalOf(() => createSession(h.ctx, sessionInputFixture('tensordock-td1', {storagePolicy: 'preserve'}), {key: undefined, fingerprint: 'preserve'}))
    expect(refusal).toMatchObject({errorType: 'validation_error', details: {field: 'storage_policy'}})
    expect(refusal.message).toMatch(/^storage_policy: preserve keeps a stopped instance's disk, billing storage only; gpu-shopper can do that at vastai, not at tensordock yet/)
    expect(await sessionsWritten()).toBe(0)
  })

  it('provisions by spec only among the providers that can run it: a preserved disk or a model server skips a cheaper TensorDock offer', async () => {
    await h.ctx.store.offers.upsertMany([offerFixture('tensordock-td1', {provider: 'tensordock', providerId: 'td1', pricePerHour: toMicroUsd(0.1)})])
    const spec = {gpuType: 'RTX 4090', gpuCount: 1, region: null, maxPricePerHour: null, minReliability: 0}
    const bySpec = (over: Parameters<typeof sessionInputFixture>[1]) => {
      const {offerId: _offerId, ...input} = sessionInputFixture('-', over)
      return createSessionBySpec(h.ctx, spec, input, {key: undefined, fingerprint: over})
    }
    expect((await bySpec({})).session.offerId).toBe('tensordock-td1')
    expect((await bySpec({storagePolicy: 'preserve'})).session.offerId).toBe('vastai-1')
    const serving = {workloadType: 'llm_vllm' as const, modelId: 'org/m'}
    await h.ctx.store.offers.upsertMany([offerFixture('vastai-2', {pricePerHour: toMicroUsd(0.5)})])
    expect((await bySpec({workloadType: 'llm_vllm', launch: {...noLaunch, ...serving}})).session.offerId).toMatch(/^vastai-/)
  })

  it('refuses variables it could not keep sealed', async () => {
    delete (h.ctx.daemonKey as SealingKeyHolder).sealingKey
    const refusal = await refusalOf(() => create('vastai-1', {onStart: 'env', env: {TOKEN: 'x'}}))
    expect(refusal).toMatchObject({errorType: 'service_unavailable', details: {field: 'env'}})
    expect(await sessionsWritten()).toBe(0)
  })
})
