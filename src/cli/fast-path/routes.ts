import type {SessionsFlags} from '../actions/sessions.js'
import type {CommandContext} from '../command-context.js'
import {PROVIDER_NAMES} from '../../core/provider-name.js'
import {SESSION_STATUSES} from '../../core/session-status.js'
import type {FastFlag, FastFlags} from './parse-flags.js'

/**
 * A command the CLI runs without loading oclif when its arguments are plain: its flags as the
 * fast path reads them (the same names, kinds, options and defaults as the oclif command's, which
 * fast-path.test.ts holds them to), and what it runs, shared with the oclif command.
 */
export interface FastRoute {
  /** The command's words, as typed: `['sessions']`. */
  words: readonly string[]
  /** Every flag the route accepts, `--json` included; any other word sends the run to oclif. */
  flags: Readonly<Record<string, FastFlag>>
  /** Loaded only once the arguments are known to be the fast path's. */
  run(ctx: CommandContext, flags: FastFlags): Promise<unknown>
}

const json: FastFlag = {type: 'boolean'}
const server: FastFlag = {type: 'string'}

/**
 * The hot commands: what scripts and people run most often, where oclif's own loading (about as
 * long again as Node's start) would be most of the wait. A command whose flags need
 * more than FastFlag (an `--output`, a decimal, a relationship other than dependsOn) stays on oclif.
 */
export const FAST_ROUTES: readonly FastRoute[] = [
  {
    words: ['sessions'],
    flags: {
      json,
      server,
      'consumer-id': {type: 'string'},
      status: {type: 'string', options: SESSION_STATUSES},
      provider: {type: 'string', options: PROVIDER_NAMES},
      limit: {type: 'integer'},
      id: {type: 'string'},
      watch: {type: 'boolean', dependsOn: ['id']},
      timeout: {type: 'integer', default: 600},
    },
    async run(ctx, flags) {
      const {runSessions} = await import('../actions/sessions.js')
      return runSessions(ctx, flags as unknown as SessionsFlags)
    },
  },
]
