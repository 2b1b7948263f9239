import {DIAGNOSTICS_COMMAND, parseInstanceReadings, readingProblems, type InstanceReadings} from '../core/diagnostics.js'
import {scrubSecrets} from '../log/logger.js'
import {runRemoteCommand} from '../ssh/run-command.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {instanceLogin} from './instance-login.js'
import {getSession} from './session-service.js'
import {probeHealth} from './workload-start.js'

export interface Diagnosis {
  session: StoredSession
  at: number
  provider: {instanceId: string | null; state: string | null; statusMessage: string | null; error: string | null}
  ssh: {reachable: boolean; target: string | null; latencyMs: number | null; error: string | null}
  readings: InstanceReadings | null
  workload: {healthUrl: string | null; health: number | string | null; logTail: string[]} | null
  problems: string[]
}

/** How long the diagnosis may wait for the instance to answer over SSH. */
const SSH_TIMEOUT_MS = 20_000

const message = (err: unknown) => scrubSecrets(err instanceof Error ? err.message : String(err))

/**
 * What is going on with a session's instance, as its owner would check by hand: the provider's
 * own status, whether SSH answers (with the pinned host key), the GPUs, disk and memory, OOM
 * kills, and the workload's health and last log lines. Read-only: nothing on the instance or in
 * the store changes.
 */
export async function diagnoseSession(ctx: ServiceContext, id: string): Promise<Diagnosis> {
  const session = await getSession(ctx, id)
  const at = ctx.clock.now()
  const provider = await providerView(ctx, session)
  const {ssh, readings} = await readInstance(ctx, session)
  const launch = session.launch
  const healthUrl = launch?.healthPath && session.apiEndpoint ? `${session.apiEndpoint}${launch.healthPath}` : null
  const workload = launch ? {healthUrl, health: healthUrl ? await probeHealth(healthUrl) : null, logTail: readings?.logTail ?? []} : null

  const problems: string[] = []
  const live = session.status === 'running' || session.status === 'provisioning'
  if (provider.error) problems.push(`${session.provider} did not answer: ${provider.error}`)
  else if (live && session.providerInstanceId && provider.state === null) problems.push(`${session.provider} no longer lists instance ${session.providerInstanceId}`)
  else if (session.status === 'running' && provider.state !== null && provider.state !== 'running') problems.push(`${session.provider} reports the instance ${provider.state}: ${provider.statusMessage ?? 'no reason given'}`)
  if (live && !ssh.reachable && ssh.target) problems.push(`SSH does not answer at ${ssh.target}: ${ssh.error}`)
  if (readings) problems.push(...readingProblems(readings, session.gpuCount))
  if (workload?.healthUrl && workload.health !== 200) problems.push(`the workload's health check ${workload.healthUrl} answers ${workload.health}`)
  return {session, at, provider, ssh, readings, workload, problems}
}

async function providerView(ctx: ServiceContext, session: StoredSession): Promise<Diagnosis['provider']> {
  const instanceId = session.providerInstanceId
  if (!instanceId) return {instanceId: null, state: null, statusMessage: null, error: null}
  try {
    const instance = await ctx.providers.get(session.provider).getInstance(instanceId)
    return {instanceId, state: instance?.state ?? null, statusMessage: instance?.statusMessage ?? null, error: null}
  } catch (err) {
    return {instanceId, state: null, statusMessage: null, error: message(err)}
  }
}

/** Logs in with the daemon's key and the host key pinned at verification, and runs the readings in one exec. */
async function readInstance(ctx: ServiceContext, session: StoredSession): Promise<{ssh: Diagnosis['ssh']; readings: InstanceReadings | null}> {
  const {sshHost: host, sshPort: port, sshUser: user, sshHostKeyFingerprint: pinned} = session
  if (!host || !port || !user || !pinned || (session.status !== 'running' && session.status !== 'provisioning')) {
    const why = session.status === 'running' || session.status === 'provisioning' ? 'its SSH is not verified yet' : `the session is ${session.status}`
    return {ssh: {reachable: false, target: null, latencyMs: null, error: why}, readings: null}
  }
  const target = `${user}@${host}:${port}${session.sshJump ? ` via ${session.sshJump.user}@${session.sshJump.host}:${session.sshJump.port}` : ''}`
  const started = performance.now()
  try {
    const result = await runRemoteCommand(await instanceLogin(ctx, {host, port, user, jump: session.sshJump}, pinned), DIAGNOSTICS_COMMAND, SSH_TIMEOUT_MS)
    return {ssh: {reachable: true, target, latencyMs: Math.round(performance.now() - started), error: null}, readings: parseInstanceReadings(result.stdout)}
  } catch (err) {
    return {ssh: {reachable: false, target, latencyMs: null, error: message(err)}, readings: null}
  }
}
