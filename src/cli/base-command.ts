import {Command, Flags} from '@oclif/core'

import type {ConnectOptions, Connection} from '../client/ensure-daemon.js'
import {CommandContext, type CommandIo} from './command-context.js'
import {stdoutIsTty} from './output/output.js'
import {outputFormatIn} from './output/output-mode.js'
import type {CommandDataSchemaName} from './json-contract/command-data-schemas.js'

export type {CommandIo} from './command-context.js'
export {renderFailure} from './command-context.js'

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

  /** The run's output, errors and Ctrl-C, shared with the fast path that runs without oclif. */
  protected readonly context = new CommandContext({envelope: () => this.envelopeJson(), bare: () => this.bareJson()})

  protected get warnings(): string[] {
    return this.context.warnings
  }

  /** Epoch ms for renderers; one value per run so a table is consistent. */
  protected get now(): number {
    return this.context.now
  }

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
    return this.context.jsonEnabled()
  }

  /** True when stdout is a terminal and no --json: tables, colour, prompts. */
  protected get interactive(): boolean {
    return !this.jsonEnabled() && stdoutIsTty()
  }

  /** Progress for a human, on stderr; silent under --json so stderr stays free for real problems. */
  protected narrate(message: string): void {
    this.context.narrate(message)
  }

  /** A result line or table, on stdout; under --json the envelope is the only output. */
  protected out(text: string): void {
    this.context.out(text)
  }

  /** Something the user should know that did not stop the command; also in the envelope. */
  protected warnUser(message: string): void {
    this.context.warnUser(message)
  }

  /** A warning said on stderr even under --json (where a secret went); also in the envelope. */
  protected warnLoudly(message: string): void {
    this.context.warnLoudly(message)
  }

  /** The output side of this command, for the src/cli helpers that several commands share. */
  protected get io(): CommandIo {
    return this.context.io
  }

  /** Shown once per run whenever a reply says the market is simulated. */
  protected markSimulated(simulated: boolean | undefined): void {
    this.context.markSimulated(simulated)
  }

  /** The command's own checks of its flags; a refusal says what did not happen, once. */
  protected checkFlags<T>(nothingHappened: string, check: () => T): T {
    return this.context.checkFlags(nothingHappened, check)
  }

  protected connect(flags: {server?: string}, options: Omit<ConnectOptions, 'server' | 'narrate'> = {}): Promise<Connection> {
    return this.context.connect(flags, options)
  }

  /** Aborted by the first Ctrl-C (or SIGTERM); a second Ctrl-C exits at once. */
  protected interruptSignal(): AbortSignal {
    return this.context.interruptSignal()
  }

  /**
   * Prints the success envelope now, for commands that keep running after their result is known
   * (`sim start`); such a command then returns undefined so nothing is printed twice.
   */
  protected emitResult(data: unknown): void {
    if (this.jsonEnabled()) this.logJson(this.toSuccessJson(data))
  }

  protected override toSuccessJson(result: unknown): unknown {
    return this.context.successJson(result)
  }

  /** Plain JSON, never colourised: the envelope is a contract for scripts. */
  protected override logJson(json: unknown): void {
    this.context.printJson(json)
  }

  /**
   * Every error ends here. oclif's own catch would set exit code 1 under --json whatever the
   * error said, and print a stack trace for unexpected errors; we do neither.
   */
  protected override async catch(err: Error & {code?: string; oclif?: {exit?: number}}): Promise<void> {
    await this.context.fail(err)
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.context.dispose()
    await super.finally(err)
  }
}
