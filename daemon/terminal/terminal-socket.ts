/**
 * The part of a `ws` WebSocket the relay uses. `ws` ships no type declarations here, so the
 * relay states what it relies on instead of passing `any` around.
 */
export interface TerminalSocket {
  readonly readyState: number
  readonly bufferedAmount: number
  send(data: Buffer | string, cb?: (err?: Error) => void): void
  close(code?: number, reason?: string): void
  terminate(): void
  pause(): void
  resume(): void
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
}

/** `WebSocket.OPEN` of the WHATWG API and of `ws`. */
export const SOCKET_OPEN = 1

export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
