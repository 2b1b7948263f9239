import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/** A simulator its state files read from: its state now, and its market with a version that moves when the market does. */
export interface PersistentSim {
  toJSON(): unknown
  readonly market: {toJSON(): unknown; readonly version: number}
}

/** What a previous run left: nulls on a first run, and for a market that was not the one asked for. */
export interface SavedSim<State, Market> {
  state: State | null
  market: Market | null
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
    private readonly sim: PersistentSim,
  ) {
    mkdirSync(dir, {recursive: true, mode: 0o700})
  }

  /** The state files of a simulator started with a state directory; null keeps it in memory only. */
  static open(dir: string | undefined, name: string, sim: PersistentSim): SimStateFiles | null {
    return dir === undefined ? null : new SimStateFiles(dir, name, sim)
  }

  private get statePath(): string {
    return join(this.dir, `${this.name}.json`)
  }

  private get marketPath(): string {
    return join(this.dir, `${this.name}-market.json`)
  }

  /**
   * What a previous run left. A saved market `reusable` refuses (another seed or size) is left
   * out, to be generated afresh. A file that does not parse is an error: it is not silently replaced.
   */
  read<State, Market>(reusable: (market: Market) => boolean): SavedSim<State, Market> {
    const market = readJson(this.marketPath) as Market | null
    return {state: readJson(this.statePath) as State | null, market: market !== null && reusable(market) ? market : null}
  }

  /** Marks the market as already on disk as it is now (just restored from it). */
  marketRestored(): void {
    this.writtenMarketVersion = this.sim.market.version
  }

  /** The market was replaced by a new one (a reset): it is written whole, whatever its version. */
  marketReplaced(): void {
    this.writtenMarketVersion = -1
    this.changed()
  }

  /** Something changed: write it soon. */
  changed(): void {
    this.stateDirty = true
    this.schedule()
  }

  /** After a request: a change of any kind if it was not a GET, and the market if it moved (churn happens on reads). */
  afterRequest(method: string): void {
    if (method !== 'GET' && method !== 'HEAD') this.stateDirty = true
    if (this.stateDirty || this.sim.market.version !== this.writtenMarketVersion) this.schedule()
  }

  /** Writes whatever is pending now; called on close so a clean stop loses nothing. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    try {
      const version = this.sim.market.version
      if (version !== this.writtenMarketVersion) {
        writeAtomically(this.marketPath, JSON.stringify(this.sim.market.toJSON()))
        this.writtenMarketVersion = version
      }
      if (this.stateDirty) {
        this.stateDirty = false
        writeAtomically(this.statePath, JSON.stringify(this.sim.toJSON()))
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
