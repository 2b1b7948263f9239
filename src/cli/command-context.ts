import {type ConnectOptions, type Connection, connectToDaemon} from '../client/ensure-daemon.js'
import {successEnvelope} from './output/envelope.js'
import {EXIT} from './exit-codes.js'
import {UserError, withNothingHappened} from './errors.js'
import type {Failure, FailureContext} from './failure.js'
import {simulatedBanner, style, writeErr, writeOut} from './output/output.js'

/** What shared helpers may do to a command's output. */
export interface CommandIo {
  narrate(message: string): void
  out(text: string): void
  warn(message: string): void
  markSimulated(simulated: boolean | undefined): void
  interruptSignal(): AbortSignal
  json: boolean
}

/**
 * Which JSON a run prints, asked each time rather than fixed at the start: oclif decides it from
 * argv, which its parse may still rewrite.
 */
export interface JsonMode {
  /** The standard `{ok, data, warnings}` envelope (`--json`). */
  envelope(): boolean
  /** The bare result object (`--output json` on a command with that flag, without --json). */
  bare(): boolean
}

/**
 * One run of a command, without oclif: the `--json` envelope, warnings, errors rendered with
 * their fix and exit code, stdout for results and stderr for narration, the SIMULATED MARKET
 * marker, and Ctrl-C. BaseCommand holds one for every oclif command, and the CLI's fast path
 * (src/cli/fast-path) one for the commands it runs without loading oclif, so both behave alike
 * by construction.
 */
export class CommandContext {
  readonly warnings: string[] = []
  /** Epoch ms for renderers; one value per run so a table is consistent. */
  readonly now = Date.now()
  private bannerShown = false
  private interrupt: AbortController | undefined
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = []
  /** Where this run's requests go, for the fix of a refused token. */
  private failureContext: FailureContext = {}

  constructor(private readonly mode: JsonMode) {}

  envelopeJson(): boolean {
    return this.mode.envelope()
  }

  bareJson(): boolean {
    return this.mode.bare()
  }

  /** Either JSON mode: narration off, no tables, the result printed once the run returns. */
  jsonEnabled(): boolean {
    return this.mode.envelope() || this.mode.bare()
  }

  /** Progress for a human, on stderr; silent under --json so stderr stays free for real problems. */
  narrate(message: string): void {
    if (!this.jsonEnabled()) writeErr(style.dim(message))
  }

  /** A result line or table, on stdout; under --json the envelope is the only output. */
  out(text: string): void {
    if (!this.jsonEnabled()) writeOut(text)
  }

  /** Something the user should know that did not stop the command; also in the envelope. */
  warnUser(message: string): void {
    this.warnings.push(message)
    // Bare --output json has no envelope to carry warnings: they go to stderr as for a person.
    if (!this.jsonEnabled() || this.bareJson()) writeErr(`${style.warn('Warning:')} ${message}`)
  }

  /**
   * A warning about where a secret went (a login stored in a file when no keychain answered):
   * said on stderr even under --json, where a script would otherwise bury it in the envelope.
   */
  warnLoudly(message: string): void {
    this.warnUser(message)
    if (this.envelopeJson()) writeErr(`${style.warn('Warning:')} ${message}`)
  }

  /** Shown once per run whenever a reply says the market is simulated. */
  markSimulated(simulated: boolean | undefined): void {
    if (!simulated || this.bannerShown) return
    this.bannerShown = true
    if (!this.jsonEnabled()) writeErr(simulatedBanner())
  }

  /** The output side of this run, for the src/cli helpers that several commands share. */
  get io(): CommandIo {
    return {
      narrate: (message) => this.narrate(message),
      out: (text) => this.out(text),
      warn: (message) => this.warnUser(message),
      markSimulated: (simulated) => this.markSimulated(simulated),
      interruptSignal: () => this.interruptSignal(),
      json: this.jsonEnabled(),
    }
  }

  /**
   * Runs the command's own checks of its flags, before anything is asked of the daemon: a refusal
   * then says what did not happen (`No instance was created.`), once, whatever the check said.
   */
  checkFlags<T>(nothingHappened: string, check: () => T): T {
    const amend = (err: unknown): never => {
      if (err instanceof UserError) err.message = withNothingHappened(err.message, nothingHappened)
      throw err
    }
    try {
      const result = check()
      // Checks that read local files are async: their refusals say the same.
      return (result instanceof Promise ? result.catch(amend) : result) as T
    } catch (err) {
      return amend(err)
    }
  }

  async connect(flags: {server?: string}, options: Omit<ConnectOptions, 'server' | 'narrate'> = {}): Promise<Connection> {
    const connection = await connectToDaemon({...options, server: flags.server, narrate: (message) => this.narrate(message), warn: (message) => this.warnLoudly(message)})
    this.failureContext = {connection: {mode: connection.mode, baseUrl: connection.baseUrl, tokenFromEnv: connection.tokenSource === 'env', tokenFromLogin: connection.tokenSource === 'login'}}
    return connection
  }

  /**
   * Aborted by the first Ctrl-C (or SIGTERM); the command then winds down and reports what it
   * left as it was. A second Ctrl-C exits at once.
   */
  interruptSignal(): AbortSignal {
    if (this.interrupt) return this.interrupt.signal
    const controller = new AbortController()
    this.interrupt = controller
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        if (controller.signal.aborted) process.exit(EXIT.INTERRUPTED)
        controller.abort(new DOMException(`received ${signal}`, 'AbortError'))
      }
      process.on(signal, handler)
      this.signalHandlers.push([signal, handler])
    }
    return controller.signal
  }

  /** What `--json` prints for a result: the envelope, or the object alone under bare --output json. */
  successJson(result: unknown): unknown {
    return this.bareJson() ? result : successEnvelope(result, this.warnings)
  }

  /** Plain JSON, never colourised: the envelope is a contract for scripts. */
  printJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  /**
   * Every error ends here: its exit code, then the failure envelope under --json or the message
   * and its fix on stderr. Never a stack trace, unless DEBUG asks for one of an unexpected error.
   */
  async fail(err: unknown): Promise<void> {
    const exit = (err as {code?: unknown; oclif?: {exit?: unknown}} | null)?.oclif?.exit
    if ((err as {code?: unknown} | null)?.code === 'EEXIT' && typeof exit === 'number') {
      process.exitCode = exit
      return
    }
    // What explains a failure loads only when something failed: most runs succeed.
    const [{describeFailure, failureToJson}, {failureEnvelope}] = await Promise.all([import('./failure.js'), import('./output/envelope.js')])
    const failure = describeFailure(err, this.failureContext)
    process.exitCode = failure.exitCode
    if (this.envelopeJson()) this.printJson(failureEnvelope(failureToJson(failure), this.warnings))
    // Under bare --output json stdout stays empty, so `ALLOC=$(… --output json | jq -r .id)` is empty, not "null".
    else writeErr(renderFailure(failure))
    if (process.env.DEBUG && err instanceof Error && err.stack && failure.errorType === 'internal_error') writeErr(err.stack)
  }

  /** Lets go of what the run took from the process (its Ctrl-C handlers). */
  dispose(): void {
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler)
    this.signalHandlers.length = 0
  }
}

export function renderFailure(failure: Failure): string {
  const lines = [`${style.error('Error:')} ${failure.message}`]
  if (failure.fix) lines.push(`${style.bold('Fix:')} ${failure.fix}`)
  if (failure.requestId) lines.push(style.dim(`request id: ${failure.requestId}`))
  return lines.join('\n')
}
