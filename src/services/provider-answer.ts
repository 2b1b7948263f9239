import {isTerminal} from '../core/session-status.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {findSession} from './session-service.js'

/** The provider has answered the session's create: it has an instance, or the session has ended. */
function providerAnswered(session: StoredSession): boolean {
  return session.providerInstanceId !== null || session.status === 'running' || session.status === 'stopping' || isTerminal(session.status)
}

/**
 * The session as it stands once the provider has answered its create, waiting at most
 * `waitMs` for that answer (the provision job runs it, in this process or another). A create
 * reply then says `provisioning` with the provider's instance, as the seed's reply does, and
 * says `pending` only when the provider is slow; the wait never holds the reply longer.
 */
export async function awaitProviderAnswer(ctx: ServiceContext, session: StoredSession, waitMs: number): Promise<StoredSession> {
  if (waitMs <= 0 || providerAnswered(session)) return session
  return new Promise((resolve) => {
    let latest = session
    let settled = false
    let reading = Promise.resolve()
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      unsubscribe()
      resolve(latest)
    }
    // Each event is a reason to look again; reads are chained so the newest read wins.
    const look = () => {
      reading = reading.then(async () => {
        if (settled) return
        const current = await findSession(ctx, session.id).catch(() => null)
        if (!current) return finish()
        latest = current
        if (providerAnswered(current)) finish()
      })
    }
    const unsubscribe = ctx.events.subscribe(session.id, look)
    const timer = setTimeout(() => {
      // One last look, so an answer that landed just now is not reported as pending.
      look()
      void reading.then(finish)
    }, waitMs)
    timer.unref?.()
    // The answer may have landed between the caller's read and the subscription.
    look()
  })
}
