import {describe, expect, expectTypeOf, it} from 'vitest'
import type {z} from 'zod'

import type AuthLoginCommand from '../commands/auth/login.js'
import type AuthLogoutCommand from '../commands/auth/logout.js'
import type AuthStatusCommand from '../commands/auth/status.js'
import type AuthTokenCommand from '../commands/auth/token.js'
import type BudgetsRemove from '../commands/budgets/remove.js'
import type Connect from '../commands/connect.js'
import type Copy from '../commands/copy.js'
import type CostsExportCommand from '../commands/costs/export.js'
import type Costs from '../commands/costs/index.js'
import type DaemonLogsCommand from '../commands/daemon/logs.js'
import type DaemonStart from '../commands/daemon/start.js'
import type DaemonStatusCommand from '../commands/daemon/status.js'
import type DaemonStop from '../commands/daemon/stop.js'
import type DaemonTokenCommand from '../commands/daemon/token.js'
import type Demo from '../commands/demo.js'
import type Done from '../commands/done.js'
import type Provision from '../commands/provision.js'
import type Reconcile from '../commands/reconcile.js'
import type Sessions from '../commands/sessions/index.js'
import type SshConfig from '../commands/ssh-config.js'
import type SshKeysRemove from '../commands/ssh-keys/remove.js'
import type {LedgerComponent} from '../src/core/billing.js'
import {LEDGER_CSV_HEADER} from '../src/core/ledger-csv.js'
import type {SimulatorUrls as SimulatorUrlsType} from '../src/cli/flows/sim-loader.js'
import type {SshKeyRemovedReply} from '../src/core/api/ssh-keys.js'
import type {ErrorObject as ErrorObjectType, FailureEnvelope as FailureEnvelopeType, SuccessEnvelope as SuccessEnvelopeType} from '../src/cli/output/envelope.js'
import type {
  AuthLogin,
  AuthLogout,
  AuthStatus,
  AuthToken,
  BudgetRemoved,
  ConnectResult,
  CopyOutcome,
  CostsExport,
  CostsOrSessionCost,
  DaemonLogs,
  DaemonStarted,
  DaemonStatus,
  DaemonStopped,
  DaemonToken,
  DemoSummary,
  ProvisionResult,
  ReconcileResult,
  SessionReleased,
  SessionsOrSession,
  SimulatorUrls,
  SshConfigWritten,
} from '../src/cli/json-contract/command-results.js'
import {LEDGER_ROW_COLUMNS} from '../src/cli/json-contract/command-results.js'
import type {ErrorObject, FailureEnvelope, SuccessEnvelope} from '../src/cli/json-contract/envelope-schema.js'

/** What a command's run() resolves to: oclif prints it as `data` (nothing when undefined). */
type RunResult<C extends abstract new (...args: any[]) => {run(): Promise<unknown>}> = Exclude<Awaited<ReturnType<InstanceType<C>['run']>>, undefined>

describe('the schemas of the data the CLI composes', () => {
  it('describe the types the commands return (checked by tsc)', () => {
    // `branded` compares the resolved shapes, so `A & B` equals the one object type it amounts to.
    expectTypeOf<z.output<typeof DaemonStarted>>().branded.toEqualTypeOf<RunResult<typeof DaemonStart>>()
    expectTypeOf<z.output<typeof DaemonStatus>>().toEqualTypeOf<RunResult<typeof DaemonStatusCommand>>()
    expectTypeOf<z.output<typeof DaemonStopped>>().toEqualTypeOf<RunResult<typeof DaemonStop>>()
    expectTypeOf<z.output<typeof DaemonToken>>().toEqualTypeOf<RunResult<typeof DaemonTokenCommand>>()
    expectTypeOf<z.output<typeof DaemonLogs>>().toEqualTypeOf<RunResult<typeof DaemonLogsCommand>>()
    expectTypeOf<z.output<typeof ProvisionResult>>().toEqualTypeOf<RunResult<typeof Provision>>()
    expectTypeOf<z.output<typeof SessionsOrSession>>().toEqualTypeOf<RunResult<typeof Sessions>>()
    expectTypeOf<z.output<typeof SessionReleased>>().branded.toEqualTypeOf<RunResult<typeof Done>>()
    expectTypeOf<z.output<typeof CostsOrSessionCost>>().toEqualTypeOf<RunResult<typeof Costs>>()
    expectTypeOf<z.output<typeof BudgetRemoved>>().toEqualTypeOf<RunResult<typeof BudgetsRemove>>()
    expectTypeOf<z.output<typeof CopyOutcome>>().toEqualTypeOf<RunResult<typeof Copy>>()
    expectTypeOf<z.output<typeof DemoSummary>>().toEqualTypeOf<RunResult<typeof Demo>>()
    expectTypeOf<z.output<typeof ReconcileResult>>().branded.toEqualTypeOf<RunResult<typeof Reconcile>>()
    expectTypeOf<z.output<typeof SshConfigWritten>>().toEqualTypeOf<RunResult<typeof SshConfig>>()
    expectTypeOf<SshKeyRemovedReply>().toEqualTypeOf<RunResult<typeof SshKeysRemove>>()
    expectTypeOf<z.output<typeof AuthLogin>>().toEqualTypeOf<RunResult<typeof AuthLoginCommand>>()
    expectTypeOf<z.output<typeof AuthStatus>>().toEqualTypeOf<RunResult<typeof AuthStatusCommand>>()
    expectTypeOf<z.output<typeof AuthLogout>>().toEqualTypeOf<RunResult<typeof AuthLogoutCommand>>()
    expectTypeOf<z.output<typeof AuthToken>>().toEqualTypeOf<RunResult<typeof AuthTokenCommand>>()
    // `sim start` prints its result early (emitResult) and returns nothing.
    expectTypeOf<z.output<typeof SimulatorUrls>>().toEqualTypeOf<SimulatorUrlsType>()
  })

  it('are narrower where the returned type is loose, and still fit it (checked by tsc)', () => {
    // connect under --json prints the command and never runs it: no exit_code, and one mode's fields.
    expectTypeOf<z.output<typeof ConnectResult>>().toExtend<RunResult<typeof Connect>>()
    // The CLI parses the CSV into plain records; the schema names the header's columns.
    expectTypeOf<z.output<typeof CostsExport>>().toExtend<RunResult<typeof CostsExportCommand>>()
    expectTypeOf<z.output<typeof CostsExport>['rows'][number]['component']>().toEqualTypeOf<LedgerComponent>()
  })

  it('names the ledger CSV\'s columns, in its order', () => {
    expect(LEDGER_ROW_COLUMNS).toEqual(LEDGER_CSV_HEADER.split(','))
  })

  it('describe the envelope as src/cli/envelope.ts types it (checked by tsc)', () => {
    expectTypeOf<z.output<typeof SuccessEnvelope>>().toEqualTypeOf<SuccessEnvelopeType>()
    expectTypeOf<z.output<typeof FailureEnvelope>>().toEqualTypeOf<FailureEnvelopeType>()
    expectTypeOf<z.output<typeof ErrorObject>>().toEqualTypeOf<ErrorObjectType>()
  })
})
