/**
 * The model servers some images ship, as a simulated machine's shell runs them: vLLM's
 * `vllm serve` (image `vllm/vllm-openai`) and Hugging Face TGI's `text-generation-launcher`
 * (image `…/text-generation-inference`). Here are their arguments and the lines they log: some at
 * launch, the rest once the model has loaded, so a log read while loading shows no
 * "Uvicorn running" or "Connected" yet.
 */

export const MODEL_SERVER_KINDS = ['vllm', 'tgi'] as const
export type ModelServerKind = (typeof MODEL_SERVER_KINDS)[number]

/** The program each is started with. */
export const MODEL_SERVER_COMMANDS: Record<ModelServerKind, string> = {vllm: 'vllm', tgi: 'text-generation-launcher'}

/** The versions the simulated images carry. */
export const VLLM_VERSION = '0.6.4.post1'
export const TGI_VERSION = '2.4.0'

/** Whether the image has the server's program: the vLLM and TGI images do; CUDA base images and VM OS images do not. */
export function imageProvides(image: string, kind: ModelServerKind): boolean {
  const name = image.toLowerCase()
  return kind === 'vllm' ? name.includes('vllm/vllm-openai') : name.includes('text-generation-inference')
}

/** What a launch asks the machine for: which server, serving which model, bound where. */
export interface ModelServerLaunch {
  kind: ModelServerKind
  model: string
  /** The address it binds inside the machine: `0.0.0.0` for every interface, `127.0.0.1` for the machine alone. */
  host: string
  /** The port inside the machine (the container port a provider publishes). */
  port: number
}

/** A launch the machine accepted: when it started, and its process id for the log. */
export interface StartedModelServer extends ModelServerLaunch {
  launchedAt: number
  pid: number
}

/** A model server a workload launched on a machine, as the state files keep it so it outlives a simulator restart. */
export interface LaunchedModelServer extends StartedModelServer {
  /** When it has loaded its model and answers (the simulator's clock). */
  readyAt: number
  /** The file its output goes to (the launch line's redirect), where it logs once loaded; null when nowhere. */
  logPath: string | null
  /** Whether the lines it logs once loaded are written. */
  readyLogged: boolean
}

/** What a launch came to: a running server, or the bind error it exited with. */
export type LaunchOutcome = {started: LaunchedModelServer} | {failed: StartedModelServer; error: BindError}

/** Why a bind failed, as the kernel says it. */
export interface BindError {
  errno: 98 | 99
  message: 'address already in use' | 'cannot assign requested address'
}

/** A program's parse of its command line: a launch, or what it prints and exits with instead. */
export type ParsedModelServerArgs = {launch: ModelServerLaunch} | {output: string; code: number}

/** Flags of either program that take no value; any other flag takes the word after it, as argparse and clap read them. */
const BOOLEAN_FLAGS = new Set([
  '--trust-remote-code', '--enforce-eager', '--disable-log-requests', '--disable-log-stats', '--enable-prefix-caching', '--enable-chunked-prefill',
  '--enable-auto-tool-choice', '--enable-lora', '--disable-frontend-multiprocessing', '--disable-custom-kernels', '--json-output', '--disable-grammar-support',
  '--disable-usage-stats', '--help', '-h',
])

/** `--name value` and `--name=value` options, and the words that are no option's value. */
function readOptions(args: readonly string[]): {options: Map<string, string>; positionals: string[]} {
  const options = new Map<string, string>()
  const positionals: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    if (eq > 0) options.set(arg.slice(0, eq), arg.slice(eq + 1))
    else if (BOOLEAN_FLAGS.has(arg) || args[i + 1] === undefined || (args[i + 1] as string).startsWith('--')) options.set(arg, 'true')
    else options.set(arg, args[++i] as string)
  }
  return {options, positionals}
}

function portValue(raw: string): number | null {
  const port = Number(raw)
  return /^\d+$/.test(raw) && port >= 1 && port <= 65535 ? port : null
}

/** `vllm serve MODEL [--host H] [--port P]`, other flags accepted and ignored; `vllm --version`. */
export function parseVllmArgs(args: readonly string[]): ParsedModelServerArgs {
  const usage = 'usage: vllm [-h] [-v] {chat,complete,serve} ...\n'
  if (args[0] === '--version' || args[0] === '-v') return {output: `${VLLM_VERSION}\n`, code: 0}
  if (args[0] !== 'serve') {
    const error = args[0] === undefined ? 'the following arguments are required: subparser' : `argument subparser: invalid choice: '${args[0]}' (choose from 'chat', 'complete', 'serve')`
    return {output: `${usage}vllm: error: ${error}\n`, code: 2}
  }
  const {options, positionals} = readOptions(args.slice(1))
  const serveUsage = 'usage: vllm serve <model_tag> [options]\n'
  if (options.has('--help') || options.has('-h')) return {output: serveUsage, code: 0}
  const model = positionals[0] ?? options.get('--model')
  if (model === undefined) return {output: `${serveUsage}vllm serve: error: the following arguments are required: model_tag\n`, code: 2}
  const rawPort = options.get('--port') ?? '8000'
  const port = portValue(rawPort)
  if (port === null) return {output: `${serveUsage}vllm serve: error: argument --port: invalid int value: '${rawPort}'\n`, code: 2}
  // Without --host vLLM binds every interface.
  return {launch: {kind: 'vllm', model, host: options.get('--host') ?? '0.0.0.0', port}}
}

/**
 * `text-generation-launcher --model-id M [--hostname H] [--port P]`, or `MODEL_ID` / `PORT` from
 * the environment as clap reads them. The TGI image sets `PORT=80`, hence that default.
 */
export function parseTgiArgs(args: readonly string[], env: Readonly<Record<string, string>>): ParsedModelServerArgs {
  const {options} = readOptions(args)
  if (options.has('--version') || options.has('-V')) return {output: `text-generation-launcher ${TGI_VERSION}\n`, code: 0}
  if (options.has('--help') || options.has('-h')) return {output: 'Usage: text-generation-launcher [OPTIONS]\n', code: 0}
  const rawPort = options.get('--port') ?? env.PORT ?? '80'
  const port = portValue(rawPort)
  if (port === null) {
    return {output: `error: invalid value '${rawPort}' for '--port <PORT>': invalid digit found in string\n\nFor more information, try '--help'.\n`, code: 2}
  }
  const model = options.get('--model-id') ?? env.MODEL_ID ?? 'bigscience/bloom-560m'
  return {launch: {kind: 'tgi', model, host: options.get('--hostname') ?? '0.0.0.0', port}}
}

/** What the server logs as it starts, before the model is loaded. */
export function launchLog(server: StartedModelServer): string {
  return server.kind === 'vllm' ? vllmLaunchLog(server) : tgiLaunchLog(server)
}

/** What it logs once the model is loaded and it answers requests, dated `readyAt`. */
export function readyLog(server: StartedModelServer, readyAt: number): string {
  return server.kind === 'vllm' ? vllmReadyLog(server, readyAt) : tgiReadyLog(server, readyAt)
}

/** What it logs when its port cannot be bound, before it exits 1. */
export function bindFailureLog(server: StartedModelServer, error: BindError): string {
  if (server.kind === 'vllm') {
    return `ERROR:    [Errno ${error.errno}] error while attempting to bind on address ('${server.host}', ${server.port}): ${error.message}\n`
  }
  const kind = error.errno === 98 ? 'AddrInUse' : 'AddrNotAvailable'
  const message = error.errno === 98 ? 'Address already in use' : 'Cannot assign requested address'
  const at = tgiTime(server.launchedAt)
  return (
    `Error: Axum(hyper::Error(Listen, Os { code: ${error.errno}, kind: ${kind}, message: "${message}" }))\n` +
    `${at} ERROR text_generation_launcher: Webserver Crashed\n` +
    `${at}  INFO text_generation_launcher: Shutting down shards\n` +
    'Error: WebserverFailed\n'
  )
}

/** vLLM's log time: month-day and UTC time of day. */
function vllmTime(epochMs: number): string {
  const d = new Date(epochMs)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
}

function vllmLaunchLog(s: StartedModelServer): string {
  const at = vllmTime(s.launchedAt)
  return (
    `INFO ${at} api_server.py:585] vLLM API server version ${VLLM_VERSION}\n` +
    `INFO ${at} api_server.py:586] args: Namespace(subparser='serve', model_tag='${s.model}', host='${s.host}', port=${s.port}, model='${s.model}', tokenizer=None, served_model_name=None, tensor_parallel_size=1)\n` +
    `INFO ${at} api_server.py:175] Multiprocessing frontend to use ipc:///tmp/vllm-${s.pid} for IPC Path.\n` +
    `INFO ${at} api_server.py:194] Started engine process with PID ${s.pid + 1}\n` +
    `INFO ${at} llm_engine.py:249] Initializing an LLM engine (v${VLLM_VERSION}) with config: model='${s.model}', tokenizer='${s.model}', dtype=torch.bfloat16, tensor_parallel_size=1, seed=0, served_model_name=${s.model}\n` +
    `INFO ${at} model_runner.py:1072] Starting to load model ${s.model}...\n`
  )
}

function vllmReadyLog(s: StartedModelServer, readyAt: number): string {
  const at = vllmTime(readyAt)
  const routes = [['/health', 'GET'], ['/v1/models', 'GET'], ['/version', 'GET'], ['/v1/chat/completions', 'POST'], ['/v1/completions', 'POST']]
  return (
    `INFO ${at} model_runner.py:1077] Loading model weights took 14.9595 GB\n` +
    `INFO ${at} launcher.py:19] Available routes are:\n` +
    routes.map(([path, method]) => `INFO ${at} launcher.py:27] Route: ${path}, Methods: ${method}\n`).join('') +
    `INFO:     Started server process [${s.pid}]\n` +
    'INFO:     Waiting for application startup.\n' +
    'INFO:     Application startup complete.\n' +
    `INFO:     Uvicorn running on http://${s.host}:${s.port} (Press CTRL+C to quit)\n`
  )
}

/** TGI's tracing time: RFC 3339 in UTC with microseconds. */
function tgiTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

function tgiLaunchLog(s: StartedModelServer): string {
  const at = tgiTime(s.launchedAt)
  return (
    `${at}  INFO text_generation_launcher: Args { model_id: "${s.model}", revision: None, validation_workers: 2, sharded: None, num_shard: None, quantize: None, ` +
    `max_concurrent_requests: 128, hostname: "${s.host}", port: ${s.port}, shard_uds_path: "/tmp/text-generation-server", huggingface_hub_cache: Some("/data"), json_output: false }\n` +
    `${at}  INFO download: text_generation_launcher: Starting download process.\n` +
    `${at}  INFO download: text_generation_launcher: Successfully downloaded weights.\n` +
    `${at}  INFO shard-manager: text_generation_launcher: Starting shard rank=0\n`
  )
}

function tgiReadyLog(s: StartedModelServer, readyAt: number): string {
  const at = tgiTime(readyAt)
  const seconds = ((readyAt - s.launchedAt) / 1000).toFixed(1)
  return (
    `${at}  INFO text_generation_launcher: Server started at unix:///tmp/text-generation-server-0\n` +
    `${at}  INFO shard-manager: text_generation_launcher: Shard ready in ${seconds}s rank=0\n` +
    `${at}  INFO text_generation_launcher: Starting Webserver\n` +
    `${at}  INFO text_generation_router::server: router/src/server.rs:1869: Warming up model\n` +
    `${at}  INFO text_generation_router::server: router/src/server.rs:1896: Setting max batch total tokens to 16000\n` +
    `${at}  INFO text_generation_router::server: router/src/server.rs:2093: Connected\n`
  )
}
