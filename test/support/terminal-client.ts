import {createRequire} from 'node:module'

import {pollUntil} from './poll.js'

/** The part of the `ws` client these tests use (`ws` ships no type declarations here). */
interface WsClient {
  readonly readyState: number
  send(data: string | Buffer): void
  close(code?: number): void
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown
  on(event: 'open', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
}
type WsConstructor = new (url: string, options?: {headers?: Record<string, string>}) => WsClient

const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor

export interface TerminalClient {
  /** Everything the relay sent so far, as text. */
  output(): string
  send(data: string | Buffer): void
  close(): void
  /** Resolves with the close frame; never rejects. */
  closed: Promise<{code: number; reason: string}>
  waitFor(text: string | RegExp, what?: string): Promise<string>
}

/** A real WebSocket client on the browser terminal's ws_url, as a browser would use it. */
export function openTerminalClient(url: string, headers: Record<string, string> = {}): TerminalClient {
  const socket = new WebSocket(url, {headers})
  let output = ''
  socket.on('message', (data) => (output += data.toString('utf8')))
  socket.on('error', () => undefined)
  const closed = new Promise<{code: number; reason: string}>((resolve) => socket.on('close', (code, reason) => resolve({code, reason: reason.toString('utf8')})))
  return {
    output: () => output,
    send: (data) => socket.send(data),
    close: () => socket.close(),
    closed,
    waitFor: (text, what = String(text)) =>
      pollUntil(() => ((typeof text === 'string' ? output.includes(text) : text.test(output)) ? output : undefined), `${what} in the terminal`, 15_000).catch(
        (err: Error) => {
          throw new Error(`${err.message}; it shows ${JSON.stringify(output)}`)
        },
      ),
  }
}
