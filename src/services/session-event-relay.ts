import {scrubSecrets} from '../log/logger.js'
import {SESSION_EVENTS_CHANNEL} from '../store/session-events-repo.js'
import type {ServiceContext} from './context.js'

/**
 * Passes every session event committed by any process on the database to this process's
 * subscribers (LISTEN on the channel the events repository announces on). Events are read
 * back by id in the order announced, so a subscriber sees them in commit order. After a lost
 * connection, subscribers that care (SSE streams) catch up from the table by the last id they
 * sent. Resolves once listening; `stop` ends it. Nothing to do on SQLite (one process).
 */
export async function relaySessionEvents(ctx: ServiceContext): Promise<{stop(): Promise<void>}> {
  const db = ctx.store.db
  if (db.dialect !== 'postgres') return {stop: async () => {}}
  const {PostgresDatabase} = await import('../store/sql/postgres-database.js')
  if (!(db instanceof PostgresDatabase)) throw new Error('a PostgreSQL store without a PostgreSQL connection')
  let chain = Promise.resolve()
  const listener = await db.listen(SESSION_EVENTS_CHANNEL, (payload) => {
    const id = Number(payload)
    if (!Number.isSafeInteger(id)) return
    chain = chain.then(async () => {
      try {
        const event = await ctx.store.events.get(id)
        if (event) ctx.events.deliver(event)
      } catch (err) {
        ctx.log.warn({event_id: id, err: scrubSecrets(String(err))}, 'reading an announced session event failed')
      }
    })
  })
  return {
    async stop() {
      await listener.stop()
      await chain
    },
  }
}
