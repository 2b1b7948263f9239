import {afterEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {runShellCommand, type ShellContext} from './fake-shell.js'
import {newMachine, type SimMachine} from './machine.js'
import {MachineWorkloads} from './machine-workloads.js'
import {mulberry32} from './prng.js'

const AT = Date.parse('2026-11-22T23:14:18Z')
const VLLM_IMAGE = 'vllm/vllm-openai:v0.6.4.post1'
const TGI_IMAGE = 'ghcr.io/huggingface/text-generation-inference:2.4.0'
/** The line the daemon sends to launch a workload once. */
const LAUNCH =
  "mkdir -p ~/.gpu-shopper && mkdir ~/.gpu-shopper/workload 2>/dev/null && nohup env 'HF_TOKEN=abc' 'FOO=b a r' sh -c 'vllm serve '\\''org/model-1'\\'' --host 0.0.0.0 --port 8000' > ~/.gpu-shopper/workload.log 2>&1 < /dev/null &"

const opened: MachineWorkloads[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.stop()))
})

/** A machine running `image`, its workloads and a root shell on it. */
function machineWith(image: string, clock: ManualClock, modelLoadMs = 3000, machine: SimMachine = newMachine({name: 'RTX 4090', count: 1, layout: 'metal', rng: mulberry32(1)}, clock, 'C.1')) {
  const workloads = new MachineWorkloads({machine, image, clock, modelLoadMs: () => modelLoadMs, changed: () => undefined})
  opened.push(workloads)
  const ctx: ShellContext = {
    hostname: 'C.1',
    gpuLoad: () => 'idle',
    gpus: () => machine.gpus,
    now: () => clock.now(),
    fs: machine.fs,
    hardware: {diskGb: 20, rootDevice: 'overlay', memoryMiB: 65_536, cpus: 16},
    workloads,
  }
  return {machine, workloads, run: (line: string) => runShellCommand(line, ctx)}
}

/** Asks the server behind the machine's port, as a client on the network reaches it. */
async function request(workloads: MachineWorkloads, port: number, path: string, body?: unknown): Promise<{status: number; text: string; json: () => any}> {
  const target = await workloads.target(port, 'network')
  if (target === null) throw new Error(`nothing serves port ${port}`)
  const res = await fetch(`http://127.0.0.1:${target}${path}`, body === undefined ? {} : {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
  const text = await res.text()
  return {status: res.status, text, json: () => JSON.parse(text)}
}

describe('workloads on a simulated machine', () => {
  it('launches vLLM once from the daemon\'s line: 503 while the model loads, then an OpenAI-style API, and the log follows', async () => {
    // Given a vLLM image and the daemon's launch line
    const clock = new ManualClock(AT)
    const {machine, workloads, run} = machineWith(VLLM_IMAGE, clock)
    expect(run('which vllm')).toEqual({stdout: '/usr/local/bin/vllm\n', stderr: '', code: 0})

    // When it runs, the server starts loading and logs its start
    expect(run(LAUNCH)).toEqual({stdout: '', stderr: '', code: 0})
    const log = () => run('cat ~/.gpu-shopper/workload.log').stdout
    expect(log()).toContain('vLLM API server version 0.6.4.post1')
    expect(log()).toContain('Starting to load model org/model-1...')
    expect(log()).not.toContain('Uvicorn running')
    expect((await request(workloads, 8000, '/health')).status).toBe(503)

    // And the same line again starts nothing (the workload directory exists), nor does another server on the port
    expect(run(LAUNCH).code).toBe(0)
    expect(workloads.describe()).toEqual([expect.objectContaining({kind: 'vllm', model: 'org/model-1', port: 8000, state: 'loading', log_path: '/root/.gpu-shopper/workload.log'})])
    const again = run('vllm serve org/other --port 8000')
    expect(again.code).toBe(1)
    expect(again.stdout).toContain("ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use")
    expect(run('vllm serve org/other --port 22').stdout).toContain('address already in use')

    // Then once the model has loaded it answers, and its log says so
    clock.advance(3000)
    expect(await request(workloads, 8000, '/health')).toMatchObject({status: 200, text: ''})
    expect(log()).toContain('INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)')
    expect(log()).toMatch(/INFO: {5}Started server process \[\d+\]/)
    expect(machine.workloads[0]?.readyLogged).toBe(true)
    const models = (await request(workloads, 8000, '/v1/models')).json()
    expect(models).toMatchObject({object: 'list', data: [{id: 'org/model-1', object: 'model', owned_by: 'vllm', root: 'org/model-1'}]})

    // And its replies are small, OpenAI-shaped and the same for the same prompt
    const ask = () => request(workloads, 8000, '/v1/completions', {model: 'org/model-1', prompt: 'Say hi', max_tokens: 5})
    const first = (await ask()).json()
    expect(first).toMatchObject({object: 'text_completion', model: 'org/model-1', choices: [{index: 0, finish_reason: 'length'}], usage: {prompt_tokens: 2, completion_tokens: 5, total_tokens: 7}})
    expect((await ask()).json().choices[0].text).toBe(first.choices[0].text)
    const chat = (await request(workloads, 8000, '/v1/chat/completions', {messages: [{role: 'user', content: 'Hello'}]})).json()
    expect(chat).toMatchObject({object: 'chat.completion', choices: [{message: {role: 'assistant'}, finish_reason: 'stop'}]})
    expect(chat.choices[0].message.content).toMatch(/^[A-Z].*\.$/)
    const stream = await request(workloads, 8000, '/v1/chat/completions', {messages: [{role: 'user', content: 'Hello'}], stream: true})
    expect(stream.text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(stream.text.split('\n\n').filter((e) => e.includes('chat.completion.chunk')).length).toBeGreaterThan(2)
    expect(await request(workloads, 8000, '/v1/completions', {model: 'org/else', prompt: 'x'})).toMatchObject({status: 404})
    expect(await request(workloads, 8000, '/nope')).toMatchObject({status: 404, text: '{"detail":"Not Found"}'})
  })

  it('keeps a server bound to 127.0.0.1 to the machine itself, and fails a host the machine does not have', async () => {
    const clock = new ManualClock(AT)
    const {workloads, run} = machineWith(VLLM_IMAGE, clock, 0)
    expect(run('vllm serve org/m --host 127.0.0.1 --port 9000 > /tmp/v.log').code).toBe(0)
    expect(run('cat /tmp/v.log').stdout).toContain('Uvicorn running on http://127.0.0.1:9000')
    expect(await workloads.target(9000, 'network')).toBeNull()
    expect(await workloads.target(9000, 'machine')).toEqual(expect.any(Number))
    expect(run('vllm serve org/m --host 10.9.8.7 --port 9001').stdout).toContain('[Errno 99] error while attempting to bind on address (\'10.9.8.7\', 9001): cannot assign requested address')
    expect(run('vllm serve')).toMatchObject({code: 2, stderr: expect.stringContaining('the following arguments are required: model_tag')})
  })

  it('launches TGI with its defaults, /info naming the model and /generate answering', async () => {
    const clock = new ManualClock(AT)
    const {workloads, run} = machineWith(TGI_IMAGE, clock, 0)
    expect(run("nohup sh -c 'text-generation-launcher --model-id '\\''org/m'\\'' --hostname 0.0.0.0 --port 8080' > /tmp/tgi.log 2>&1 < /dev/null &").code).toBe(0)
    const log = run('cat /tmp/tgi.log').stdout
    expect(log).toContain('INFO download: text_generation_launcher: Starting download process.')
    expect(log).toMatch(/Connected\n$/)
    expect((await request(workloads, 8080, '/health')).status).toBe(200)
    expect((await request(workloads, 8080, '/info')).json()).toMatchObject({model_id: 'org/m', version: '2.4.0'})
    const generated = (await request(workloads, 8080, '/generate', {inputs: 'Hello', parameters: {max_new_tokens: 4}})).json()
    expect(generated.generated_text.split(' ')).toHaveLength(4)
    // The image's PORT=80 is the default; a second server on it finds it in use
    expect(run('text-generation-launcher --model-id org/m2').code).toBe(0)
    expect(workloads.describe().map((w) => w.port)).toEqual([8080, 80])
    expect(run('text-generation-launcher --model-id org/m3').stdout).toContain('message: "Address already in use"')
    expect(run('vllm serve org/m')).toMatchObject({code: 127, stderr: 'bash: vllm: command not found\n'})
  })

  it('brings launched servers back after a restart with the same load deadline, and forgets them on power-off', async () => {
    const clock = new ManualClock(AT)
    const first = machineWith(VLLM_IMAGE, clock)
    expect(first.run(LAUNCH).code).toBe(0)
    await first.workloads.stop()
    expect(await first.workloads.target(8000, 'network')).toBeNull()

    // A new simulator process over the same machine (its state file) starts the server again, still loading
    const second = machineWith(VLLM_IMAGE, clock, 3000, first.machine)
    second.workloads.resume()
    expect((await request(second.workloads, 8000, '/health')).status).toBe(503)
    clock.advance(3000)
    expect((await request(second.workloads, 8000, '/health')).status).toBe(200)

    await second.workloads.kill()
    expect(first.machine.workloads).toEqual([])
    expect(await second.workloads.target(8000, 'network')).toBeNull()
  })
})
