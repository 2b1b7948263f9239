import type {CommandContext} from '../command-context.js'
import {flagError} from '../errors.js'
import {checkIntRange, checkNotBlank} from '../flags/validate.js'
import {forgetKeysOfEnded} from '../ssh/ended-session-keys.js'
import {appPaths} from '../../config/paths.js'
import type {SessionDto, SessionsReply} from '../../core/api/sessions.js'
import {MAX_PAGE_SIZE} from '../../core/limits.js'

/** The flags of `gpu-shopper sessions`, as oclif or the fast path parsed them. */
export interface SessionsFlags {
  server?: string
  'consumer-id'?: string
  status?: string
  provider?: string
  limit?: number
  id?: string
  watch?: boolean
  timeout: number
}

/**
 * `gpu-shopper sessions`: the list, or one session with --id. Shared by the oclif command and
 * the fast path (src/cli/fast-path), which runs it without loading oclif; what each prints is
 * decided here and by the context, so both print the same.
 */
export async function runSessions(ctx: CommandContext, flags: SessionsFlags): Promise<SessionsReply | SessionDto> {
  checkNotBlank('consumer-id', flags['consumer-id'])
  checkNotBlank('id', flags.id)
  checkIntRange('limit', flags.limit, 1, MAX_PAGE_SIZE)
  checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
  if (flags.id && (flags['consumer-id'] || flags.status || flags.provider || flags.limit)) {
    throw flagError('id', 'shows one session and cannot be combined with list filters', 'Drop --consumer-id/--status/--provider/--limit, or drop --id.')
  }
  const {client} = await ctx.connect(flags)
  if (flags.id) {
    // Watching and the detail view load only for --id: the list, the common case, skips them.
    const {showSession} = await import('../output/session-view.js')
    const session = await showSession(ctx.io, client, flags.id, {watch: flags.watch, timeoutSeconds: flags.timeout})
    await forgetKeysOfEnded([session], appPaths())
    return session
  }

  const reply = await client.sessions.list({
    consumer_id: flags['consumer-id'],
    status: flags.status,
    provider: flags.provider,
    limit: flags.limit,
  })
  ctx.markSimulated(reply.simulated)
  await forgetKeysOfEnded(reply.sessions, appPaths())
  if (reply.sessions.length === 0) {
    ctx.narrate('No sessions match. Rent a GPU with: gpu-shopper provision --offer-id <ID> --hours 1')
  } else if (!ctx.jsonEnabled()) {
    // The table's columns (and their colours) load only when a table is drawn.
    const [{SESSION_COLUMNS}, {renderTable}, {countOf}] = await Promise.all([
      import('../output/columns/sessions.js'),
      import('../output/output.js'),
      import('../output/format.js'),
    ])
    ctx.out(await renderTable(SESSION_COLUMNS, reply.sessions, {ctx: {now: ctx.now}}))
    ctx.narrate(`${countOf(reply.count, reply.total, 'session')}.`)
  }
  return reply
}
