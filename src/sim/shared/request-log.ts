/** One request as a provider API received it, for tests that assert what an adapter sent. */
export interface LoggedRequest {
  /** Epoch ms on the simulator's clock. */
  at: number
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  /** Parsed JSON, the raw text when not JSON, or null when empty. */
  body: unknown
}

/** Keeps the last requests only: the demo runs for hours and must not grow without bound. */
const DEFAULT_CAPACITY = 5000

export class RequestLog {
  private entries: LoggedRequest[] = []

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  record(entry: LoggedRequest): void {
    this.entries.push({...entry, headers: maskHeaders(entry.headers), query: maskQuery(entry.query)})
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity)
  }

  list(): LoggedRequest[] {
    return [...this.entries]
  }

  clear(): void {
    this.entries = []
  }
}

/** Shows only the last 4 characters of a secret: enough to tell keys apart, useless to a reader. */
export function maskSecret(secret: string): string {
  return secret.length <= 4 ? '****' : '****' + secret.slice(-4)
}

function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization') {
      const match = /^(\S+)\s+(.*)$/.exec(value)
      out[name] = match ? `${match[1]} ${maskSecret(match[2] ?? '')}` : maskSecret(value)
    } else {
      out[name] = value
    }
  }
  return out
}

function maskQuery(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {...query}
  for (const name of ['api_key', 'api_token']) {
    const value = out[name]
    if (value !== undefined) out[name] = maskSecret(value)
  }
  return out
}
