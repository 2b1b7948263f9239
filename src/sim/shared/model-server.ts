import {createHash} from 'node:crypto'
import {createServer, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {closeHttp, listenHttp} from './http-listen.js'
import {isRecord, readSimRequest, sendJson, type SimRequest} from './http-util.js'
import {TGI_VERSION, VLLM_VERSION, type ModelServerKind} from './model-server-programs.js'

export interface ModelServerOptions {
  kind: ModelServerKind
  model: string
  /** From this instant on the simulator's clock it answers; before it, 503 as a server still loading its model. */
  readyAt: number
  clock: {now(): number}
  /** Before each request is answered: the machine writes the log lines that are due by now. */
  onRequest?(): void
}

/** One launched model server, listening on a loopback port of its own. */
export interface ModelServer {
  readonly port: number
  close(): Promise<void>
}

/**
 * A stand-in for the HTTP API of a model server a workload launched: vLLM's OpenAI-compatible
 * server or TGI's router, answering with small deterministic replies (the same prompt gets the
 * same text), so a client's health polling, model listing and first request work end to end.
 * It is a real server on 127.0.0.1: the machine's published ports and SSH forwards connect to it.
 */
export async function serveModel(options: ModelServerOptions): Promise<ModelServer> {
  let served = 0
  const server = createServer((req, res) => {
    res.on('error', () => undefined)
    readSimRequest(req)
      .then((request) => {
        options.onRequest?.()
        served++
        if (options.kind === 'vllm') answerVllm(options, request, res, served)
        else answerTgi(options, request, res, served)
      })
      .catch(() => request400(res))
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  await listenHttp(server, '127.0.0.1', 0)
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    port,
    close() {
      closing ??= closeHttp(server)
      return closing
    },
  }
}

function request400(res: ServerResponse): void {
  sendJson(res, 400, {error: 'request could not be read'})
}

/** A 200 with no body, as both servers answer `/health`. */
function emptyOk(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(200, {'Content-Length': '0'})
  res.end()
}

type Routes = Record<string, readonly string[]>

/** 404 for a path the server does not have, 405 for a method it does not take there; null when the route exists. */
function routeMiss(routes: Routes, request: SimRequest): 404 | 405 | null {
  const methods = routes[request.path]
  if (!methods) return 404
  return methods.includes(request.method) ? null : 405
}

function isLoading(options: ModelServerOptions): boolean {
  return options.clock.now() < options.readyAt
}

const VLLM_ROUTES: Routes = {
  '/health': ['GET'],
  '/version': ['GET'],
  '/v1/models': ['GET'],
  '/v1/completions': ['POST'],
  '/v1/chat/completions': ['POST'],
}

/** vLLM's error body (an OpenAI-style ErrorResponse). */
function vllmError(res: ServerResponse, code: number, type: string, message: string): void {
  sendJson(res, code, {object: 'error', message, type, param: null, code})
}

function answerVllm(options: ModelServerOptions, request: SimRequest, res: ServerResponse, served: number): void {
  // FastAPI's own answers for a route that is not there.
  const miss = routeMiss(VLLM_ROUTES, request)
  if (miss === 404) return sendJson(res, 404, {detail: 'Not Found'})
  if (miss === 405) return sendJson(res, 405, {detail: 'Method Not Allowed'})
  if (isLoading(options)) return vllmError(res, 503, 'ServiceUnavailableError', 'The model is still loading')
  const created = Math.floor(options.clock.now() / 1000)
  switch (request.path) {
    case '/health':
      return emptyOk(res)
    case '/version':
      return sendJson(res, 200, {version: VLLM_VERSION})
    case '/v1/models':
      return sendJson(res, 200, {
        object: 'list',
        data: [{
          id: options.model,
          object: 'model',
          created,
          owned_by: 'vllm',
          root: options.model,
          parent: null,
          max_model_len: MAX_MODEL_LEN,
          permission: [{
            id: `modelperm-${digest(`perm:${options.model}`)}`, object: 'model_permission', created, allow_create_engine: false, allow_sampling: true,
            allow_logprobs: true, allow_search_indices: false, allow_view: true, allow_fine_tuning: false, organization: '*', group: null, is_blocking: false,
          }],
        }],
      })
  }
  const completion = parseCompletionRequest(request, options.model)
  if ('error' in completion) return vllmError(res, completion.status, completion.status === 404 ? 'NotFoundError' : 'BadRequestError', completion.error)
  openAiReply(res, {model: options.model, created, served, request: completion, chat: request.path === '/v1/chat/completions', fingerprint: null})
}

const TGI_ROUTES: Routes = {
  '/health': ['GET'],
  '/info': ['GET'],
  '/generate': ['POST'],
  '/v1/completions': ['POST'],
  '/v1/chat/completions': ['POST'],
}

function answerTgi(options: ModelServerOptions, request: SimRequest, res: ServerResponse, served: number): void {
  const miss = routeMiss(TGI_ROUTES, request)
  if (miss === 404) return sendJson(res, 404, {error: 'Not Found', error_type: 'not_found'})
  if (miss === 405) return sendJson(res, 405, {error: 'Method Not Allowed', error_type: 'method_not_allowed'})
  if (isLoading(options)) return sendJson(res, 503, {error: 'unhealthy', error_type: 'healthcheck'})
  switch (request.path) {
    case '/health':
      return emptyOk(res)
    case '/info':
      return sendJson(res, 200, {
        model_id: options.model, model_sha: null, model_dtype: 'torch.float16', model_device_type: 'cuda', model_pipeline_tag: 'text-generation',
        max_concurrent_requests: 128, max_best_of: 2, max_stop_sequences: 4, max_input_tokens: MAX_MODEL_LEN - 1, max_total_tokens: MAX_MODEL_LEN,
        validation_workers: 2, max_client_batch_size: 4, router: 'text-generation-router', version: TGI_VERSION, sha: null, docker_label: null,
      })
    case '/generate': {
      const body = request.body
      if (request.badJson || !isRecord(body) || typeof body.inputs !== 'string') {
        return sendJson(res, 422, {error: 'Failed to deserialize the JSON body into the target type: missing field `inputs`', error_type: 'validation'})
      }
      const parameters = isRecord(body.parameters) ? body.parameters : {}
      const limit = parameters.max_new_tokens === undefined || parameters.max_new_tokens === null ? 100 : Number(parameters.max_new_tokens)
      if (!Number.isInteger(limit) || limit < 1) return sendJson(res, 422, {error: 'Input validation error: `max_new_tokens` must be strictly positive', error_type: 'validation'})
      return sendJson(res, 200, {generated_text: replyWords(body.inputs, limit).words.join(' ')})
    }
  }
  const completion = parseCompletionRequest(request, null)
  if ('error' in completion) return sendJson(res, 422, {error: completion.error, error_type: 'validation'})
  const created = Math.floor(options.clock.now() / 1000)
  openAiReply(res, {model: options.model, created, served, request: completion, chat: request.path === '/v1/chat/completions', fingerprint: `${TGI_VERSION}-native`})
}

const MAX_MODEL_LEN = 4096

/** How long the simulated model's natural answer is, in tokens (one word each); a lower max_tokens cuts it. */
const ANSWER_TOKENS = 12
const VOCABULARY = 'this is a simulated reply from the model server it says the same words for the same prompt every time so tests can check it'.split(' ')

/** The words the model answers a prompt with, and whether it stopped on its own or hit the limit. */
function replyWords(prompt: string, limit: number): {words: string[]; finish: 'stop' | 'length'} {
  const start = Number.parseInt(digest(prompt).slice(0, 8), 16) % VOCABULARY.length
  const count = Math.min(limit, ANSWER_TOKENS)
  const words = Array.from({length: count}, (_, i) => VOCABULARY[(start + i) % VOCABULARY.length] as string)
  return {words, finish: limit < ANSWER_TOKENS ? 'length' : 'stop'}
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function countTokens(text: string): number {
  return Math.max(1, text.split(/\s+/).filter((w) => w !== '').length)
}

interface CompletionRequest {
  /** The prompt, or the chat's messages joined, as the model reads them. */
  prompt: string
  promptTokens: number
  maxTokens: number
  stream: boolean
}

/** An OpenAI completions or chat body checked as vLLM checks it; `model`, when given, must be the one served. */
function parseCompletionRequest(request: SimRequest, servedModel: string | null): CompletionRequest | {status: 400 | 404; error: string} {
  const body = request.body
  if (request.badJson) return {status: 400, error: 'JSON decode error: the request body is not valid JSON'}
  if (!isRecord(body)) return {status: 400, error: 'The request body must be a JSON object'}
  if (servedModel !== null && body.model !== undefined && body.model !== servedModel) {
    return {status: 404, error: `The model \`${String(body.model)}\` does not exist.`}
  }
  const chat = request.path === '/v1/chat/completions'
  let prompt: string
  let promptTokens: number
  if (chat) {
    const messages = body.messages
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => isRecord(m) && typeof m.role === 'string')) {
      return {status: 400, error: 'messages must be a non-empty list of {"role", "content"} objects'}
    }
    const texts = (messages as Record<string, unknown>[]).map((m) => messageText(m.content))
    prompt = texts.join('\n')
    // Each message costs a few tokens of chat template besides its text.
    promptTokens = texts.reduce((sum, t) => sum + countTokens(t) + 4, 0)
  } else {
    const raw = Array.isArray(body.prompt) && body.prompt.length === 1 ? body.prompt[0] : body.prompt
    if (typeof raw !== 'string') return {status: 400, error: 'prompt must be a string'}
    prompt = raw
    promptTokens = countTokens(raw)
  }
  const rawMax = body.max_tokens ?? body.max_completion_tokens
  // vLLM's completions default to 16 tokens; a chat runs until the model stops.
  const maxTokens = rawMax === undefined || rawMax === null ? (chat ? MAX_MODEL_LEN - promptTokens : 16) : Number(rawMax)
  if (!Number.isInteger(maxTokens) || maxTokens < 1) return {status: 400, error: 'max_tokens must be at least 1'}
  return {prompt, promptTokens, maxTokens, stream: body.stream === true}
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join(' ')
  return ''
}

interface OpenAiReply {
  model: string
  created: number
  /** How many requests the server has answered, this one included: each reply gets its own id. */
  served: number
  request: CompletionRequest
  chat: boolean
  /** TGI names its version here; vLLM leaves it out. */
  fingerprint: string | null
}

/** A completion or chat completion, whole or as server-sent events (`stream: true`) ending in `[DONE]`. */
function openAiReply(res: ServerResponse, reply: OpenAiReply): void {
  const {model, created, request, chat} = reply
  const {words, finish} = replyWords(request.prompt, request.maxTokens)
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-${digest(`${reply.served}:${model}:${request.prompt}`).slice(0, 32)}`
  const object = chat ? 'chat.completion' : 'text_completion'
  const fingerprint = reply.fingerprint === null ? {} : {system_fingerprint: reply.fingerprint}
  const usage = {prompt_tokens: request.promptTokens, total_tokens: request.promptTokens + words.length, completion_tokens: words.length}
  const text = chat ? sentence(words) : ' ' + words.join(' ')
  if (!request.stream) {
    const choice = chat
      ? {index: 0, message: {role: 'assistant', content: text, tool_calls: []}, logprobs: null, finish_reason: finish, stop_reason: null}
      : {index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null}
    return sendJson(res, 200, {id, object, created, model, ...fingerprint, choices: [choice], usage})
  }
  if (res.headersSent || res.destroyed) return
  res.writeHead(200, {'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache'})
  const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion'
  const event = (choice: Record<string, unknown>) => `data: ${JSON.stringify({id, object: chunkObject, created, model, ...fingerprint, choices: [{index: 0, ...choice}]})}\n\n`
  // One event per token, as both servers stream.
  const pieces = text.split(/(?= )/)
  let out = chat ? event({delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null}) : ''
  for (const piece of pieces) out += event(chat ? {delta: {content: piece}, logprobs: null, finish_reason: null} : {text: piece, logprobs: null, finish_reason: null, stop_reason: null})
  out += event(chat ? {delta: {}, logprobs: null, finish_reason: finish, stop_reason: null} : {text: '', logprobs: null, finish_reason: finish, stop_reason: null})
  res.end(out + 'data: [DONE]\n\n')
}

function sentence(words: readonly string[]): string {
  const text = words.join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1) + '.'
}
