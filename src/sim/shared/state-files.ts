import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/** What a simulator hands its state files: its state now, and its market with a version that moves when the market does. */
export interface SimSnapshot {
  state(): unknown
  market(): unknown
  marketVersion(): number
}

/**
 * Coalesces the writes of a burst of requests (a provisioning poll, an SFTP upload in chunks)
 * into one, while keeping what a kill -9 can lose to this short a window.
 */
const DEBOUNCE_MS = 40

/**
 * A simulator's state on disk, so a restarted daemon finds its simulated instances still
 * there: `<name>.json` (instances with their machines and disks, account, id sequences,
 * config) and `<name>-market.json` (the offers, rewritten only when the market changed).
 * Each is written whole to a temporary file and renamed over the old one, so a crash leaves
 * the previous state or the new one, never half of each. Mode 0600: the machines' SSH host
 * keys are in there.
 */
export class SimStateFiles {
  private timer: NodeJS.Timeout | null = null
  private stateDirty = false
  private writtenMarketVersion = -1
  /** The last write failure (a full disk, a removed directory); the simulators keep running. */
  lastError: string | null = null

  constructor(
    readonly dir: string,
    private readonly name: string,
    private readonly snapshot: SimSnapshot,
  ) {
    mkdirSync(dir, {recursive: true, mode: 0o700})
  }

  private get statePath(): string {
    return join(this.dir, `${this.name}.json`)
  }

  private get marketPath(): string {
    return join(this.dir, `${this.name}-market.json`)
  }

  /** What a previous run left, or nulls on a first run. A file that does not parse is an error: it is not silently replaced. */
  read(): {state: unknown; market: unknown} {
    return {state: readJson(this.statePath), market: readJson(this.marketPath)}
  }

  /** Marks the market as already on disk at this version (just restored from it). */
  marketRestored(version: number): void {
    this.writtenMarketVersion = version
  }

  /** Something changed: write it soon. */
  changed(): void {
    this.stateDirty = true
    this.schedule()
  }

  /** After a request: a change of any kind if it was not a GET, and the market if it moved (churn happens on reads). */
  afterRequest(method: string): void {
    if (method !== 'GET' && method !== 'HEAD') this.stateDirty = true
    if (this.stateDirty || this.snapshot.marketVersion() !== this.writtenMarketVersion) this.schedule()
  }

  /** Writes whatever is pending now; called on close so a clean stop loses nothing. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    try {
      const version = this.snapshot.marketVersion()
      if (version !== this.writtenMarketVersion) {
        writeAtomically(this.marketPath, JSON.stringify(this.snapshot.market()))
        this.writtenMarketVersion = version
      }
      if (this.stateDirty) {
        this.stateDirty = false
        writeAtomically(this.statePath, JSON.stringify(this.snapshot.state()))
      }
      this.lastError = null
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error)
    }
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => this.flush(), DEBOUNCE_MS)
  }
}

function readJson(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new Error(`${path} is not valid JSON; move it away to start the simulator afresh`)
  }
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, text, {mode: 0o600})
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw error
  }
}
