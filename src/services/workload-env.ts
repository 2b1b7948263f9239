import {AppError} from '../core/errors.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {sealingKeyOf} from './replayable-private-key.js'
import {openSealedSecret, sealSecret} from './secret-seal.js'

/** Binds sealed variables to their session: copied onto another row they do not open. */
function sealContext(sessionId: string): string {
  return `gpu-shopper/workload-env/v1\u0000${sessionId}`
}

/**
 * A launch's variables, sealed with the data dir's key: they are often tokens (HF_TOKEN), and
 * nothing secret is kept in plain text. Without a sealing key they cannot be kept at all, so a
 * create that has some is refused before anything is rented.
 */
export function sealWorkloadEnv(ctx: ServiceContext, sessionId: string, env: Readonly<Record<string, string>>): Buffer | null {
  if (Object.keys(env).length === 0) return null
  const key = sealingKeyOf(ctx)
  if (!key) {
    throw new AppError('service_unavailable', 'this server has no sealing key for secrets, so it cannot keep --env values; leave --env out. No instance was created.', {field: 'env'})
  }
  return sealSecret(key, JSON.stringify(env), sealContext(sessionId))
}

/** The session's variables, to start its workload with. */
export function openWorkloadEnv(ctx: ServiceContext, session: StoredSession): Record<string, string> {
  if (!session.launchEnvSealed) return {}
  const key = sealingKeyOf(ctx)
  const plaintext = key ? openSealedSecret(key, session.launchEnvSealed, sealContext(session.id)) : null
  if (plaintext === null) throw new Error('the workload variables could not be opened (the data dir sealing key changed?)')
  return JSON.parse(plaintext) as Record<string, string>
}
