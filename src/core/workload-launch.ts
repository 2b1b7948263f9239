import {shellQuote} from './shell-quote.js'
import type {WorkloadType} from './session.js'

/**
 * What a session runs once its box is verified: a container image (or a VM's OS image), a
 * command started once, its environment, and the ports published for it. A model-serving
 * workload fills these from the model it serves and adds the health check that decides when
 * the session is running.
 */
export interface WorkloadLaunch {
  /** Container image (Vast.ai) or OS image (TensorDock); null: the provider's default. */
  image: string | null
  /** Started once, detached, after SSH and the GPUs are verified; its output goes to WORKLOAD_LOG. */
  onStart: string | null
  /** Variable names only: the values are secrets kept sealed beside the session. */
  envKeys: string[]
  /** Container (or VM) ports published by the provider, in the order asked. */
  exposePorts: number[]
  /** The model a model-serving workload serves (`org/name`). */
  modelId: string | null
  /** The server's readiness check, on the first exposed port; null: running once started. */
  healthPath: string | null
}

/** The model servers gpu-shopper knows how to start and wait for. */
export const MODEL_SERVER_WORKLOADS = ['llm_vllm', 'llm_tgi'] as const
export type ModelServerWorkload = (typeof MODEL_SERVER_WORKLOADS)[number]

export function isModelServerWorkload(type: WorkloadType): type is ModelServerWorkload {
  return (MODEL_SERVER_WORKLOADS as readonly string[]).includes(type)
}

interface ModelServer {
  image: string
  port: number
  healthPath: string
  /** The server's argv for a model id; every argument quoted when sent. */
  argv(modelId: string, port: number): string[]
}

/**
 * Images pinned to releases known to take these arguments (vLLM's OpenAI-compatible server and
 * Hugging Face's text-generation-inference). Both answer `GET /health` with 200 once the model
 * is loaded. Vast.ai's SSH launch replaces an image's entrypoint, so the server is started by
 * its own command, as the images' entrypoints would.
 */
export const MODEL_SERVERS: Readonly<Record<ModelServerWorkload, ModelServer>> = {
  llm_vllm: {
    image: 'vllm/vllm-openai:v0.8.5',
    port: 8000,
    healthPath: '/health',
    argv: (modelId, port) => ['vllm', 'serve', modelId, '--host', '0.0.0.0', '--port', String(port)],
  },
  llm_tgi: {
    image: 'ghcr.io/huggingface/text-generation-inference:3.3.4',
    port: 8080,
    healthPath: '/health',
    argv: (modelId, port) => ['text-generation-launcher', '--model-id', modelId, '--hostname', '0.0.0.0', '--port', String(port)],
  },
}

/** Where the workload's output goes on the instance, relative to the login's home. */
export const WORKLOAD_DIR = '~/.gpu-shopper'
export const WORKLOAD_LOG = `${WORKLOAD_DIR}/workload.log`

export const MAX_ON_START_LENGTH = 4096
export const MAX_ENV_VARS = 32
export const MAX_ENV_VALUE_LENGTH = 4096
export const MAX_EXPOSED_PORTS = 8
export const MAX_IMAGE_LENGTH = 1024

/** What the user asked for on create, before a model workload fills in its parts. */
export interface LaunchRequest {
  workloadType: WorkloadType
  image: string | null
  onStart: string | null
  env: Record<string, string>
  exposePorts: number[]
  modelId: string | null
}

/** A request's mistake: the field it is in and what to do instead. */
export interface LaunchProblem {
  field: 'image' | 'on_start' | 'env' | 'expose' | 'model_id' | 'workload_type'
  message: string
}

// Docker's reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest].
// A first component is a registry only when it looks like a host: a dot, a port, or localhost.
const HOST_LABEL = String.raw`[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?`
const REGISTRY = String.raw`(?:(?:localhost|${HOST_LABEL}(?:\.${HOST_LABEL})+)(?::[0-9]+)?/|${HOST_LABEL}:[0-9]+/)`
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
const IMAGE_REFERENCE = new RegExp(String.raw`^${REGISTRY}?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`)
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
// Hugging Face repository ids: an owner and a name, letters, digits, `-`, `_` and `.`.
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/
// eslint-disable-next-line no-control-regex -- control characters are what must not reach a remote shell line
const CONTROL_EXCEPT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f]/

/** Whether a container image reference is well formed (`vllm/vllm-openai:v0.8.5`, `ghcr.io/org/img@sha256:…`). */
export function isImageReference(image: string): boolean {
  return image.length <= MAX_IMAGE_LENGTH && IMAGE_REFERENCE.test(image)
}

/**
 * The launch a create asks for, or the first thing wrong with it. Only the request's own
 * consistency is checked here; what a provider can run is its adapter's to say.
 */
export function resolveLaunch(request: LaunchRequest): {launch: WorkloadLaunch} | {problem: LaunchProblem} {
  const problem = requestProblem(request)
  if (problem) return {problem}
  const exposePorts = [...new Set(request.exposePorts)]
  const envKeys = Object.keys(request.env)
  if (isModelServerWorkload(request.workloadType)) {
    const server = MODEL_SERVERS[request.workloadType]
    const modelId = request.modelId!
    return {
      launch: {
        image: request.image ?? server.image,
        onStart: server.argv(modelId, server.port).map(shellQuote).join(' '),
        envKeys,
        exposePorts: [server.port, ...exposePorts.filter((p) => p !== server.port)],
        modelId,
        healthPath: server.healthPath,
      },
    }
  }
  return {launch: {image: request.image, onStart: request.onStart, envKeys, exposePorts, modelId: null, healthPath: null}}
}

function requestProblem(r: LaunchRequest): LaunchProblem | null {
  if (r.image !== null && !isImageReference(r.image)) {
    return {field: 'image', message: `"${r.image.slice(0, 80)}" is not an image reference; use the form name[:tag], e.g. vllm/vllm-openai:v0.8.5 or ghcr.io/org/image:tag`}
  }
  if (r.onStart !== null) {
    if (r.onStart.trim() === '') return {field: 'on_start', message: 'is empty; give the command to run once the instance is verified, or leave it out'}
    if (r.onStart.length > MAX_ON_START_LENGTH) return {field: 'on_start', message: `is longer than ${MAX_ON_START_LENGTH} characters; put the script in a file on the instance and run that`}
    if (r.onStart.includes('\0')) return {field: 'on_start', message: 'contains a NUL byte'}
  }
  const env = Object.entries(r.env)
  if (env.length > MAX_ENV_VARS) return {field: 'env', message: `has ${env.length} variables; at most ${MAX_ENV_VARS}`}
  for (const [name, value] of env) {
    if (!ENV_NAME.test(name)) return {field: 'env', message: `"${name.slice(0, 80)}" is not a variable name: letters, digits and _, not starting with a digit (write K=V)`}
    if (value.length > MAX_ENV_VALUE_LENGTH) return {field: 'env', message: `${name} is longer than ${MAX_ENV_VALUE_LENGTH} characters`}
    if (CONTROL_EXCEPT_TAB.test(value)) return {field: 'env', message: `${name} contains a newline or control character`}
  }
  if (r.exposePorts.length > MAX_EXPOSED_PORTS) return {field: 'expose', message: `names ${r.exposePorts.length} ports; at most ${MAX_EXPOSED_PORTS}`}
  for (const port of r.exposePorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) return {field: 'expose', message: `${port} is not a port number (1-65535)`}
    if (port === 22) return {field: 'expose', message: '22 is SSH, which every session has already; expose your server\'s port'}
  }
  const serves = isModelServerWorkload(r.workloadType)
  if (serves) {
    if (r.modelId === null) return {field: 'model_id', message: `is required with workload type ${r.workloadType}: the model to serve, e.g. --model-id Qwen/Qwen2.5-0.5B-Instruct`}
    if (!MODEL_ID.test(r.modelId)) return {field: 'model_id', message: `"${r.modelId.slice(0, 100)}" is not a model id of the form org/name (e.g. Qwen/Qwen2.5-0.5B-Instruct)`}
    if (r.onStart !== null) return {field: 'on_start', message: `cannot be given with workload type ${r.workloadType}, which starts the model server itself; use --workload-type ssh to run your own command`}
  } else if (r.modelId !== null) {
    return {field: 'model_id', message: `is only for the model-serving workload types (${MODEL_SERVER_WORKLOADS.join(', ')}); add --workload-type llm_vllm or leave it out`}
  }
  return null
}

/**
 * The line that starts the workload over SSH, once per boot: the boot's marker directory is made
 * atomically, so a repeated step (a retry, a daemon restarted after a crash) finds it and starts
 * nothing more, while a resumed instance (boot 1, 2, …) starts it again. Detached with nohup and
 * its output in WORKLOAD_LOG, so it outlives the SSH session.
 */
export function workloadStartLine(onStart: string, env: Readonly<Record<string, string>>, boot = 0): string {
  const assignments = Object.entries(env).map(([name, value]) => shellQuote(`${name}=${value}`))
  const program = [...(assignments.length > 0 ? ['env', ...assignments] : []), 'sh', '-c', shellQuote(onStart)].join(' ')
  return `mkdir -p ${WORKLOAD_DIR} && mkdir ${WORKLOAD_DIR}/started.${boot} 2>/dev/null && nohup ${program} >> ${WORKLOAD_LOG} 2>&1 < /dev/null &`
}

/**
 * `text` with every variable's value taken out, for what the instance said about a start to be
 * recorded; values under 4 characters are left (they would blank common words, and are no secret).
 */
export function withoutValues(text: string, env: Readonly<Record<string, string>>): string {
  return Object.values(env).reduce((out, value) => (value.length >= 4 ? out.replaceAll(value, '[redacted]') : out), text)
}

/** The public URL of an exposed port, as the provider maps it. */
export function apiEndpoint(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
