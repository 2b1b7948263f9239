import {once} from 'node:events'
import {setImmediate as yieldToEvents} from 'node:timers/promises'
import type {IncomingMessage, ServerResponse} from 'node:http'

/**
 * Exactly `application/json`, no charset: vast.py's `search offers` rejects anything else
 * ("invalid return Content-Type: application/json; charset=utf-8").
 */
export const JSON_CONTENT_TYPE = 'application/json'

export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  sendRaw(res, status, JSON.stringify(body), JSON_CONTENT_TYPE, extraHeaders)
}

export function sendText(res: ServerResponse, status: number, text: string, extraHeaders: Record<string, string> = {}): void {
  sendRaw(res, status, text, 'text/plain', extraHeaders)
}

export function sendRaw(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return
  const payload = Buffer.from(body, 'utf8')
  res.writeHead(status, {'Content-Type': contentType, 'Content-Length': String(payload.length), ...extraHeaders})
  res.end(payload)
}

/** Bodies are small JSON documents; the cap keeps a runaway client from filling memory. */
const MAX_BODY_BYTES = 8 * 1024 * 1024

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export class BadJsonError extends Error {}

/** `undefined` for an empty body; throws BadJsonError when the body is not JSON. */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString('utf8').trim()
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new BadJsonError('request body is not valid JSON')
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of params) out[key] = value
  return out
}

/** What a route handler answers; written out by one place so headers stay exact. */
export type ImmediateReply =
  | {status: number; json: unknown; headers?: Record<string, string>}
  | {status: number; text: string; contentType?: string; headers?: Record<string, string>}
  | {status: number; jsonList: JsonList; headers?: Record<string, string>}

/**
 * A JSON object whose last member is a long list: `{...fields, [member]: items}`, written a
 * slice of items at a time (chunked), as a real API streams a 100k-offer search, so the
 * simulator never holds the whole text and a daemon it runs in keeps answering meanwhile.
 */
export interface JsonList {
  fields: Record<string, unknown>
  member: string
  items: readonly unknown[]
}

export type Reply =
  | ImmediateReply
  /** Never answer: the client's own timeout ends the request (close() cuts it otherwise). */
  | {hold: true}

export function jsonReply(status: number, json: unknown, headers?: Record<string, string>): ImmediateReply {
  return headers ? {status, json, headers} : {status, json}
}

export function jsonListReply(status: number, fields: Record<string, unknown>, member: string, items: readonly unknown[]): ImmediateReply {
  return {status, jsonList: {fields, member, items}}
}

/** Writes an immediate reply; a held one is the caller's to park (see HeldResponses). */
export async function sendReply(res: ServerResponse, reply: Reply): Promise<void> {
  if ('hold' in reply) return
  if ('json' in reply) sendJson(res, reply.status, reply.json, reply.headers)
  else if ('jsonList' in reply) await sendJsonList(res, reply.status, reply.jsonList, reply.headers)
  else sendRaw(res, reply.status, reply.text, reply.contentType ?? 'text/plain', reply.headers)
}

/** Items per write: ~1 MB of Vast.ai offers. */
const LIST_SLICE = 500

async function sendJsonList(res: ServerResponse, status: number, {fields, member, items}: JsonList, extraHeaders: Record<string, string> = {}): Promise<void> {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, {'Content-Type': JSON_CONTENT_TYPE, ...extraHeaders})
  // The list is the last member: the object up to its opening bracket.
  const open = JSON.stringify({...fields, [member]: []}).slice(0, -2)
  let ready = res.write(open)
  for (let i = 0; i < items.length && !res.destroyed; i += LIST_SLICE) {
    if (ready) await yieldToEvents()
    else await once(res, 'drain').catch(() => undefined)
    const slice = items.slice(i, i + LIST_SLICE).map((item) => JSON.stringify(item)).join(',')
    ready = res.write(i === 0 ? slice : `,${slice}`)
  }
  if (!res.destroyed) res.end(']}')
}

/** The token of `Authorization: Bearer <token>`, or null without one. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization
  if (!header) return null
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim() || null
}

/** Request headers as one string each, for the request log. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

export interface SimRequest {
  method: string
  url: URL
  path: string
  /** Parsed JSON, or the raw text when `badJson` (each API answers that in its own words). */
  body: unknown
  badJson: boolean
}

/** Reads and parses one request the way every simulated API does. */
export async function readSimRequest(req: IncomingMessage): Promise<SimRequest> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid')
  const raw = await readBody(req)
  try {
    return {method: req.method ?? 'GET', url, path: url.pathname, body: parseJsonBody(raw), badJson: false}
  } catch (error) {
    if (!(error instanceof BadJsonError)) throw error
    return {method: req.method ?? 'GET', url, path: url.pathname, body: raw.toString('utf8'), badJson: true}
  }
}
