import type {ApiClient} from '../../client/api-client.js'
import type {SessionDto} from '../../core/api/sessions.js'
import type {CommandIo} from '../command-context.js'
import {sessionDetails} from './columns/sessions.js'
import {withFix} from '../failure.js'
import {renderDetails} from './output.js'
import {watchSession} from '../flows/session-watch.js'

/**
 * `sessions get ID` and `sessions --id ID`: one session, optionally followed first. `extraRows`
 * are built from the session as shown (after the watch): a line can depend on its status.
 */
export async function showSession(
  io: CommandIo,
  client: ApiClient,
  id: string,
  options: {watch?: boolean; timeoutSeconds: number; extraRows?: (session: SessionDto) => Promise<ReadonlyArray<[string, string]>>},
): Promise<SessionDto> {
  let session: SessionDto
  try {
    session = await client.sessions.get(id)
  } catch (err) {
    throw withFix(err, {not_found: `No session ${id}. List yours with \`gpu-shopper sessions\`.`})
  }
  io.markSimulated(session.simulated)
  if (options.watch) {
    session = await watchSession(client, id, {timeoutSeconds: options.timeoutSeconds, signal: io.interruptSignal(), narrate: io.narrate})
  }
  const extra = options.extraRows && !io.json ? await options.extraRows(session) : []
  io.out(renderDetails([...sessionDetails(session, {now: Date.now()}), ...extra]))
  return session
}
