import {setTimeout as delay} from 'node:timers/promises'

import type {ApiClient} from '../../client/api-client.js'
import {ApiError, DaemonUnreachableError} from '../../client/errors.js'
import type {AppPaths} from '../../config/paths.js'
import type {AllocationDto, CreateAllocationBody} from '../../core/api/allocations.js'
import type {CreateSessionBody, SessionDto} from '../../core/api/sessions.js'
import {EXIT} from '../exit-codes.js'
import {NO_INSTANCE_CREATED, UserError, withNothingHappened} from '../errors.js'
import {bindSessionKey, discardPendingKey, prepareSessionKey, storeServerKey} from '../ssh/session-keys.js'
import {pruneEndedSessionKeys} from '../ssh/ended-session-keys.js'

export interface ProvisionInput extends Omit<CreateSessionBody, 'ssh_public_key' | 'idempotency_key'> {
  idempotencyKey: string
}

export interface Provisioned {
  session: SessionDto
  /**
   * Where the session's private key is (0600); never printed. Null when the create was a repeat
   * of one whose session has ended: the key was deleted then.
   */
  sshKeyPath: string | null
  idempotencyKey: string
}

export interface AllocationInput extends Omit<CreateAllocationBody, 'ssh_public_key' | 'idempotency_key'> {
  idempotencyKey: string
}

export interface Allocated {
  /** The allocation as the daemon replied, without any server-generated private key. */
  allocation: AllocationDto
  /** As for `Provisioned`. */
  sshKeyPath: string | null
  idempotencyKey: string
}

interface ProvisionContext {
  paths: AppPaths
  narrate?: (m: string) => void
}

const ATTEMPTS = 3

/** Said when a create's repeat returns a session that has ended: the first run's key went with it. */
export function endedRepeatNote(id: string, idempotencyKey: string): string {
  return `${id} was created by an earlier run with --idempotency-key ${idempotencyKey} and has ended; its private key was deleted when the session ended. Use a new --idempotency-key to rent again.`
}

/**
 * Creates a session from an offer id with a locally generated key pair. A refusal deletes the
 * unused key; see `createWithLocalKey` for the retry rules.
 */
export async function provisionSession(client: ApiClient, input: ProvisionInput, context: ProvisionContext): Promise<Provisioned> {
  const {idempotencyKey, ...fields} = input
  const {reply, sshKeyPath} = await createWithLocalKey(
    client,
    idempotencyKey,
    {scope: 'sessions', ...fields},
    context,
    (publicKey) => client.sessions.create({...fields, ssh_public_key: publicKey}, {idempotencyKey}),
    (reply) => ({id: reply.session.id, privateKey: reply.ssh_private_key}),
    {
      refused: {not_found: 'Pick a current offer from `gpu-shopper inventory` and pass its ID to --offer-id.'},
      unknown: `Check \`gpu-shopper sessions --consumer-id ${input.consumer_id}\`; retrying with --idempotency-key ${idempotencyKey} cannot create a second instance.`,
    },
  )
  // A repeat of a create whose session has ended gets the first reply back; show it as it is now.
  const session = sshKeyPath === null ? await client.sessions.get(reply.session.id).catch(() => reply.session) : reply.session
  return {session, sshKeyPath, idempotencyKey}
}

/**
 * Creates an allocation from a spec (SKU or GPU model, count, region): the daemon picks the
 * offer. The key pair and the retry rules are the same as for `provisionSession`.
 */
export async function provisionAllocation(client: ApiClient, input: AllocationInput, context: ProvisionContext): Promise<Allocated> {
  const {idempotencyKey, ...fields} = input
  const {reply, sshKeyPath} = await createWithLocalKey(
    client,
    idempotencyKey,
    {scope: 'allocations', ...fields},
    context,
    (publicKey) => client.allocations.create({...fields, ssh_public_key: publicKey}, {idempotencyKey}),
    (reply) => ({id: reply.id, privateKey: reply.ssh_private_key}),
    {
      // sku_unavailable keeps the generic fix (failure.ts): another SKU, region, count or price.
      refused: {},
      unknown: `Check \`gpu-shopper allocations list${input.consumer_id ? ` --consumer-id ${input.consumer_id}` : ''}\`; retrying with --idempotency-key ${idempotencyKey} cannot create a second allocation.`,
    },
  )
  const {ssh_private_key: _secret, ...first} = reply
  // As for sessions: an ended allocation's repeat shows it as it is now (released), same id.
  const allocation = sshKeyPath === null ? await client.allocations.get(first.id).catch(() => first) : first
  return {allocation, sshKeyPath, idempotencyKey}
}

/**
 * The shared create: a key pair stored under the idempotency key and `request` (the body's other
 * fields), the public half sent. A create whose reply was lost, or the user's repeat of it within
 * the idempotency window, is sent with the same idempotency key and the same body, which the
 * daemon answers with the first result: never two instances for one request.
 */
async function createWithLocalKey<R>(
  client: Pick<ApiClient, 'sessions'>,
  idempotencyKey: string,
  request: Record<string, unknown>,
  context: ProvisionContext,
  send: (publicKey: string) => Promise<R>,
  created: (reply: R) => {id: string; privateKey?: string},
  fixes: {refused: Partial<Record<string, string>>; unknown: string},
): Promise<{reply: R; sshKeyPath: string | null}> {
  // Keys of sessions that ended go first, so a repeat of a create whose session ended finds none.
  await pruneEndedSessionKeys(client, context.paths)
  const key = await prepareSessionKey(idempotencyKey, request, context.paths)
  for (let attempt = 1; ; attempt++) {
    try {
      const reply = await send(key.publicKey)
      const {id, privateKey} = created(reply)
      const bound = await bindSessionKey(idempotencyKey, request, id, context.paths)
      const sshKeyPath = privateKey ? await storeServerKey(id, privateKey, context.paths) : bound
      return {reply, sshKeyPath}
    } catch (err) {
      if (err instanceof ApiError) {
        // A 5xx other than stale inventory may have happened after the instance was ordered.
        const definite = err.status < 500 || err.errorType === 'stale_inventory' || err.errorType === 'service_unavailable'
        if (definite) {
          await discardPendingKey(idempotencyKey, request, context.paths)
          err.message = withNothingHappened(err.message, NO_INSTANCE_CREATED)
          const fix = fixes.refused[err.errorType]
          if (fix) err.fix = fix
        } else {
          err.fix = fixes.unknown
        }
        throw err
      }
      if (!(err instanceof DaemonUnreachableError)) throw err
      if (attempt >= ATTEMPTS) {
        throw new UserError(
          `${err.message}; ${err.maybeDelivered ? 'the request may or may not have created an instance' : 'no instance was created'}`,
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
