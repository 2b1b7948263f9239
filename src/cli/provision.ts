import {setTimeout as delay} from 'node:timers/promises'

import type {ApiClient} from '../client/api-client.js'
import {ApiError, DaemonUnreachableError} from '../client/errors.js'
import type {AppPaths} from '../config/paths.js'
import type {CreateSessionBody, SessionDto} from '../core/api/sessions.js'
import {EXIT} from './exit-codes.js'
import {UserError, withNothingHappened} from './errors.js'
import {bindSessionKey, discardPendingKey, prepareSessionKey, storeServerKey} from './session-keys.js'

export interface ProvisionInput extends Omit<CreateSessionBody, 'ssh_public_key' | 'idempotency_key'> {
  idempotencyKey: string
}

export interface Provisioned {
  session: SessionDto
  /** Where the session's private key is (0600); never printed. */
  sshKeyPath: string
  idempotencyKey: string
}

const ATTEMPTS = 3

/**
 * Creates a session with a locally generated key pair. A create whose reply was lost is sent
 * again with the same idempotency key (and so the same body), which the daemon answers with the
 * first result: never two instances for one request. A refusal deletes the unused key.
 */
export async function provisionSession(client: ApiClient, input: ProvisionInput, context: {paths: AppPaths; narrate?: (m: string) => void}): Promise<Provisioned> {
  const {idempotencyKey, ...fields} = input
  const key = await prepareSessionKey(idempotencyKey, context.paths)
  const body: CreateSessionBody = {...fields, ssh_public_key: key.publicKey}
  for (let attempt = 1; ; attempt++) {
    try {
      const reply = await client.sessions.create(body, {idempotencyKey})
      const sshKeyPath = reply.ssh_private_key
        ? await storeServerKey(reply.session.id, reply.ssh_private_key, context.paths)
        : await bindSessionKey(idempotencyKey, reply.session.id, context.paths)
      return {session: reply.session, sshKeyPath, idempotencyKey}
    } catch (err) {
      if (err instanceof ApiError) {
        // A 5xx other than stale inventory may have happened after the instance was ordered.
        const definite = err.status < 500 || err.errorType === 'stale_inventory' || err.errorType === 'service_unavailable'
        if (definite) {
          await discardPendingKey(idempotencyKey, context.paths)
          err.message = withNothingHappened(err.message, 'No instance was created.')
          if (err.errorType === 'not_found') (err as ApiError & {fix?: string}).fix = 'Pick a current offer from `gpu-shopper inventory` and pass its ID to --offer-id.'
        } else {
          ;(err as ApiError & {fix?: string}).fix = `Check \`gpu-shopper sessions --consumer-id ${input.consumer_id}\`; retrying with --idempotency-key ${idempotencyKey} cannot create a second instance.`
        }
        throw err
      }
      if (!(err instanceof DaemonUnreachableError)) throw err
      if (attempt >= ATTEMPTS) {
        throw new UserError(
          `${err.message}; ${err.maybeDelivered ? 'the request may or may not have created a session' : 'no instance was created'}`,
          {
            errorType: 'daemon_unreachable',
            exitCode: EXIT.UNREACHABLE,
            fix: `${err.fix} Then retry with --idempotency-key ${idempotencyKey}: it cannot create a second instance.`,
            details: {idempotency_key: idempotencyKey},
          },
        )
      }
      context.narrate?.(`No reply from the daemon (${err.reason}); retrying with the same idempotency key…`)
      await delay(500 * attempt)
    }
  }
}
