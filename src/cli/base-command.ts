import {Command, Flags} from '@oclif/core'

import {type ConnectOptions, type Connection, connectToDaemon} from '../client/ensure-daemon.js'
import {failureEnvelope, successEnvelope} from './output/envelope.js'
import {EXIT} from './exit-codes.js'
import {UserError, withNothingHappened} from './errors.js'
import {type Failure, type FailureContext, describeFailure, failureToJson} from './failure.js'
import {simulatedBanner, stdoutIsTty, style, writeErr, writeOut} from './output/output.js'
import {outputFormatIn} from './output/output-mode.js'
import type {CommandDataSchemaName} from './json-contract/command-data-schemas.js'

/** What shared helpers may do to a command's output. */
export interface CommandIo {
  narrate(message: string): void
  out(text: string): void
  warn(message: string): void
  markSimulated(simulated: boolean | undefined): void
  interruptSignal(): AbortSignal
  json: boolean
}

/** Flags of every command that talks to the API. */
export const apiFlags = {
  server: Flags.string({
    description: 'Use the gpu-shopper server at this URL instead of the local daemon (also GPU_SHOPPER_SERVER; token from `auth login`, or GPU_SHOPPER_TOKEN).',
    helpGroup: 'GLOBAL',
  }),
}

/**
 * The one base of every command. It owns the cross-cutting parts so commands stay a
 * translation layer: the `--json` envelope, warnings, errors rendered with their fix, exit codes
 * that are the same with and without `--json`, stdout for results and stderr for narration,
 * the SIMULATED MARKET marker, and Ctrl-C.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true
  /**
   * The schema of what `--json` prints as `data` (and `--output json` alone), by its name in
   * COMMAND_DATA_SCHEMAS. A contract for scripts: `npm run schemas` publishes it as
   * schemas/commands/<command>.json and the e2e tests hold the real output to it.
   */
  declare static readonly dataSchema?: CommandDataSchemaName

  protected readonly warnings: string[] = []
  private bannerShown = false
  private interrupt: AbortController | undefined
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = []
  /** Where this run's requests go, for the fix of a refused token. */
  private failureContext: FailureContext = {}

  /** Epoch ms for renderers; one value per run so a table is consistent. */
  protected readonly now = Date.now()

  /** The standard `--json` envelope was asked for (oclif's own test). */
  protected envelopeJson(): boolean {
    return super.jsonEnabled()
  }

  /**
   * `--output json` on a command that has the flag, without --json: stdout carries the bare
   * result object (the quick start pipes it into `jq -r .id`) and errors go to stderr only.
   */
  protected bareJson(): boolean {
    return 'output' in ((this.ctor as {flags?: object}).flags ?? {}) && !this.envelopeJson() && outputFormatIn(this.argv) === 'json'
  }

  /** Either JSON mode: narration off, no tables, the result printed by oclif once run() returns. */
  override jsonEnabled(): boolean {
    return this.envelopeJson() || this.bareJson()
  }

  /** True when stdout is a terminal and no --json: tables, colour, prompts. */
  protected get interactive(): boolean {
    return !this.jsonEnabled() && stdoutIsTty()
  }

  /** Progress for a human, on stderr; silent under --json so stderr stays free for real problems. */
  protected narrate(message: string): void {
    if (!this.jsonEnabled()) writeErr(style.dim(message))
  }

  /** A result line or table, on stdout; under --json the envelope is the only output. */
  protected out(text: string): void {
    if (!this.jsonEnabled()) writeOut(text)
  }

  /** Something the user should know that did not stop the command; also in the envelope. */
  protected warnUser(message: string): void {
    this.warnings.push(message)
    // Bare --output json has no envelope to carry warnings: they go to stderr as for a person.
    if (!this.jsonEnabled() || this.bareJson()) writeErr(`${style.warn('Warning:')} ${message}`)
  }

  /**
   * A warning about where a secret went (a login stored in a file when no keychain answered):
   * said on stderr even under --json, where a script would otherwise bury it in the envelope.
   */
  protected warnLoudly(message: string): void {
    this.warnUser(message)
    if (this.envelopeJson()) writeErr(`${style.warn('Warning:')} ${message}`)
  }

  /** The output side of this command, for the src/cli helpers that several commands share. */
  protected get io(): CommandIo {
    return {
      narrate: (message) => this.narrate(message),
      out: (text) => this.out(text),
      warn: (message) => this.warnUser(message),
      markSimulated: (simulated) => this.markSimulated(simulated),
      interruptSignal: () => this.interruptSignal(),
      json: this.jsonEnabled(),
    }
  }

  /** Shown once per run whenever a reply says the market is simulated. */
  protected markSimulated(simulated: boolean | undefined): void {
    if (!simulated || this.bannerShown) return
    this.bannerShown = true
    if (!this.jsonEnabled()) writeErr(simulatedBanner())
  }

  /**
   * Runs the command's own checks of its flags, before anything is asked of the daemon: a refusal
   * then says what did not happen (`No instance was created.`), once, whatever the check said.
   */
  protected checkFlags<T>(nothingHappened: string, check: () => T): T {
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

  protected async connect(flags: {server?: string}, options: Omit<ConnectOptions, 'server' | 'narrate'> = {}): Promise<Connection> {
    const connection = await connectToDaemon({...options, server: flags.server, narrate: (message) => this.narrate(message), warn: (message) => this.warnLoudly(message)})
    this.failureContext = {connection: {mode: connection.mode, baseUrl: connection.baseUrl, tokenFromEnv: connection.tokenSource === 'env', tokenFromLogin: connection.tokenSource === 'login'}}
    return connection
  }

  /**
   * Aborted by the first Ctrl-C (or SIGTERM); the command then winds down and reports what it
   * left as it was. A second Ctrl-C exits at once.
   */
  protected interruptSignal(): AbortSignal {
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

  /**
   * Prints the success envelope now, for commands that keep running after their result is known
   * (`sim start`); such a command then returns undefined so nothing is printed twice.
   */
  protected emitResult(data: unknown): void {
    if (this.jsonEnabled()) this.logJson(this.toSuccessJson(data))
  }

  protected override toSuccessJson(result: unknown): unknown {
    return this.bareJson() ? result : successEnvelope(result, this.warnings)
  }

  /** Plain JSON, never colourised: the envelope is a contract for scripts. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  /**
   * Every error ends here. oclif's own catch would set exit code 1 under --json whatever the
   * error said, and print a stack trace for unexpected errors; we do neither.
   */
  protected override async catch(err: Error & {code?: string; oclif?: {exit?: number}}): Promise<void> {
    if (err?.code === 'EEXIT' && typeof err.oclif?.exit === 'number') {
      process.exitCode = err.oclif.exit
      return
    }
    const failure = describeFailure(err, this.failureContext)
    process.exitCode = failure.exitCode
    if (this.envelopeJson()) this.logJson(failureEnvelope(failureToJson(failure), this.warnings))
    // Under bare --output json stdout stays empty, so `ALLOC=$(… --output json | jq -r .id)` is empty, not "null".
    else writeErr(renderFailure(failure))
    if (process.env.DEBUG && err instanceof Error && err.stack && failure.errorType === 'internal_error') writeErr(err.stack)
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler)
    await super.finally(err)
  }
}

export function renderFailure(failure: Failure): string {
  const lines = [`${style.error('Error:')} ${failure.message}`]
  if (failure.fix) lines.push(`${style.bold('Fix:')} ${failure.fix}`)
  if (failure.requestId) lines.push(style.dim(`request id: ${failure.requestId}`))
  return lines.join('\n')
}
