import pg from 'pg'

/** How long to wait before connecting again after the listening connection broke. */
const RECONNECT_MS = 1_000

/**
 * LISTEN on one channel over a connection of its own, connecting again when it breaks. What
 * was notified while it was down is not replayed: listeners that must not miss anything read
 * the table behind the notifications when `onReconnect` fires.
 */
export class PostgresListener {
  private client: pg.Client | null = null
  private stopped = false
  private retry: NodeJS.Timeout | null = null

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly onReconnect: () => void = () => {},
  ) {}

  /** Resolves once listening, so nothing committed after it is missed. */
  async start(): Promise<void> {
    await this.connect(false)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.retry) clearTimeout(this.retry)
    const client = this.client
    this.client = null
    await client?.end().catch(() => undefined)
  }

  private async connect(again: boolean): Promise<void> {
    const client = new pg.Client({connectionString: this.url, application_name: `gpu-shopper listen ${this.channel}`})
    const broken = () => {
      if (this.client !== client) return
      this.client = null
      void client.end().catch(() => undefined)
      this.scheduleReconnect()
    }
    client.on('error', broken)
    client.on('end', broken)
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) this.onPayload(message.payload)
    })
    await client.connect()
    await client.query(`LISTEN ${this.channel}`)
    if (this.stopped) {
      await client.end().catch(() => undefined)
      return
    }
    this.client = client
    if (again) this.onReconnect()
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return
    this.retry = setTimeout(() => {
      this.retry = null
      this.connect(true).catch(() => this.scheduleReconnect())
    }, RECONNECT_MS)
    this.retry.unref?.()
  }
}
