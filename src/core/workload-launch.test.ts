import {describe, expect, it} from 'vitest'

import {apiEndpoint, isImageReference, resolveLaunch, withoutValues, workloadStartLine, type LaunchRequest} from './workload-launch.js'

const plain: LaunchRequest = {workloadType: 'ssh', image: null, onStart: null, env: {}, exposePorts: [], modelId: null}

function problemOf(request: Partial<LaunchRequest>): string | null {
  const resolved = resolveLaunch({...plain, ...request})
  return 'problem' in resolved ? `${resolved.problem.field}: ${resolved.problem.message}` : null
}

describe('resolveLaunch', () => {
  it('fills a vLLM workload: its image, its server command, its port first, its health check', () => {
    const resolved = resolveLaunch({...plain, workloadType: 'llm_vllm', modelId: 'Qwen/Qwen2.5-0.5B-Instruct', exposePorts: [9000, 8000], env: {HF_TOKEN: 'hf_x'}})
    expect(resolved).toEqual({
      launch: {
        image: 'vllm/vllm-openai:v0.8.5',
        onStart: 'vllm serve Qwen/Qwen2.5-0.5B-Instruct --host 0.0.0.0 --port 8000',
        envKeys: ['HF_TOKEN'],
        exposePorts: [8000, 9000],
        modelId: 'Qwen/Qwen2.5-0.5B-Instruct',
        healthPath: '/health',
      },
    })
  })

  it('fills a TGI workload, keeping an image the user chose', () => {
    const resolved = resolveLaunch({...plain, workloadType: 'llm_tgi', modelId: 'org/m', image: 'ghcr.io/huggingface/text-generation-inference:3.0.0'})
    expect(resolved).toMatchObject({launch: {image: 'ghcr.io/huggingface/text-generation-inference:3.0.0', exposePorts: [8080], onStart: 'text-generation-launcher --model-id org/m --hostname 0.0.0.0 --port 8080'}})
  })

  it('passes a plain launch through, ports once each', () => {
    expect(resolveLaunch({...plain, image: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime', onStart: 'python train.py', exposePorts: [6006, 6006]})).toEqual({
      launch: {image: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime', onStart: 'python train.py', envKeys: [], exposePorts: [6006], modelId: null, healthPath: null},
    })
  })

  it('refuses what cannot be launched, naming the field and the fix', () => {
    expect(problemOf({image: 'Not An Image'})).toMatch(/^image: .*name\[:tag\]/)
    expect(problemOf({onStart: '  '})).toMatch(/^on_start: is empty/)
    expect(problemOf({onStart: 'x'.repeat(4097)})).toMatch(/^on_start: is longer than 4096/)
    expect(problemOf({env: {'1X': 'v'}})).toMatch(/^env: "1X" is not a variable name/)
    expect(problemOf({env: {'-p 8000:8000': '1'}})).toMatch(/^env: .* is not a variable name/)
    expect(problemOf({env: {X: 'a\nb'}})).toMatch(/^env: X contains a newline/)
    expect(problemOf({exposePorts: [22]})).toMatch(/^expose: 22 is SSH/)
    expect(problemOf({exposePorts: [70000]})).toMatch(/^expose: 70000 is not a port/)
    expect(problemOf({workloadType: 'llm_vllm'})).toMatch(/^model_id: is required/)
    expect(problemOf({workloadType: 'llm_vllm', modelId: 'no-slash'})).toMatch(/^model_id: .* org\/name/)
    expect(problemOf({workloadType: 'llm_vllm', modelId: 'a/b', onStart: 'x'})).toMatch(/^on_start: cannot be given/)
    expect(problemOf({modelId: 'a/b'})).toMatch(/^model_id: is only for/)
  })
})

describe('isImageReference', () => {
  it('follows Docker reference grammar', () => {
    for (const ok of ['ubuntu', 'vllm/vllm-openai:v0.8.5', 'ghcr.io/huggingface/text-generation-inference:3.3.4', 'localhost:5000/a/b_c:1', `r/x@sha256:${'a'.repeat(64)}`]) {
      expect(isImageReference(ok), ok).toBe(true)
    }
    for (const bad of ['', 'UPPER/case', 'a b', 'a;rm -rf /', 'img:', 'img:-x', '/abs', `a:${'t'.repeat(129)}`]) expect(isImageReference(bad), bad).toBe(false)
  })
})

describe('workloadStartLine', () => {
  it('starts once, detached, with the environment and the command each one quoted word', () => {
    expect(workloadStartLine("vllm serve 'org/m'", {HF_TOKEN: 'abc', FOO: 'b a r'})).toBe(
      `mkdir -p ~/.gpu-shopper && mkdir ~/.gpu-shopper/started.0 2>/dev/null && nohup env HF_TOKEN=abc 'FOO=b a r' sh -c 'vllm serve '\\''org/m'\\''' >> ~/.gpu-shopper/workload.log 2>&1 < /dev/null &`,
    )
    expect(workloadStartLine('python3 -m http.server 8000', {}, 2)).toBe(
      "mkdir -p ~/.gpu-shopper && mkdir ~/.gpu-shopper/started.2 2>/dev/null && nohup sh -c 'python3 -m http.server 8000' >> ~/.gpu-shopper/workload.log 2>&1 < /dev/null &",
    )
  })
})

describe('withoutValues', () => {
  it('takes every variable\'s value out of what the instance said', () => {
    expect(withoutValues('sh: hf_secret_123: not found; hf_secret_123 again; on', {HF_TOKEN: 'hf_secret_123', FLAG: 'on'})).toBe('sh: [redacted]: not found; [redacted] again; on')
  })
})

describe('apiEndpoint', () => {
  it('brackets IPv6 hosts', () => {
    expect(apiEndpoint('203.0.113.4', 41022)).toBe('http://203.0.113.4:41022')
    expect(apiEndpoint('2001:db8::1', 80)).toBe('http://[2001:db8::1]:80')
  })
})
