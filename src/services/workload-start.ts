import {apiEndpoint, withoutValues, workloadStartLine, WORKLOAD_LOG} from '../core/workload-launch.js'
import {scrubSecrets} from '../log/logger.js'
import type {ProviderInstance} from '../providers/provider.js'
import {runRemoteCommand, type RemoteTarget} from '../ssh/run-command.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {crashPoint} from './crash-points.js'
import {recordSessionEvent} from './session-transitions.js'
import {openWorkloadEnv} from './workload-env.js'

/** How long one health probe of a model server may take. */
const HEALTH_PROBE_TIMEOUT_MS = 5_000

/** Where the workload stands after a provisioning step looked at it. */
export type WorkloadProgress = {ready: true; apiEndpoint: string | null; detail: string} | {ready: false; waitingFor: string}

/**
 * Starts the session's workload once, if it has a command (the start line is a no-op on a box
 * where it already started, so a step repeated after a crash is harmless), then says whether it is ready: a
 * model server when its health check answers 200 at the public address the provider mapped,
 * any other workload as soon as it is started.
 */
export async function advanceWorkload(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance, target: RemoteTarget): Promise<WorkloadProgress> {
  const launch = session.launch!
  // A launch may only choose the image or publish ports: nothing to start then.
  if (launch.onStart !== null && session.workloadStartedAt == null) {
    const env = openWorkloadEnv(ctx, session)
    const result = await runRemoteCommand(target, workloadStartLine(launch.onStart, env, session.resumes ?? 0), 15_000)
    if (result.exitCode !== 0) {
      // Its words go into the session's events: none of the variables' values may ride along.
      const said = withoutValues(scrubSecrets(result.stderr.trim()), env)
      throw new Error(`starting the workload exited with ${result.exitCode}: ${said.slice(0, 300)}`)
    }
    const now = ctx.clock.now()
    await ctx.store.sessions.update(session.id, 'provisioning', {workloadStartedAt: now}, now)
    await recordSessionEvent(ctx, session.id, 'workload_started', {
      actor: 'provisioner',
      message: `workload started: ${launch.modelId ? `serving ${launch.modelId} (${launch.image})` : describeCommand(launch.onStart)}; its output goes to ${WORKLOAD_LOG} on the instance`,
    })
    crashPoint('after-workload-start')
  }

  const first = launch.exposePorts[0]
  const published = first === undefined ? undefined : instance.ports?.get(first)
  const endpoint = published ? apiEndpoint(published.host, published.port) : null
  if (endpoint !== null && session.apiEndpoint !== endpoint) {
    const now = ctx.clock.now()
    await ctx.store.sessions.update(session.id, 'provisioning', {apiEndpoint: endpoint}, now)
  }
  if (launch.healthPath === null) {
    const started = launch.onStart === null ? `${launch.image ?? 'the default image'} booted` : 'workload started'
    return {ready: true, apiEndpoint: endpoint, detail: endpoint ? `${started}, port ${first} published at ${endpoint}` : started}
  }
  if (endpoint === null) return {ready: false, waitingFor: `${session.provider} to publish port ${first}`}
  const health = await probeHealth(`${endpoint}${launch.healthPath}`)
  if (health !== 200) return {ready: false, waitingFor: `the model server: ${endpoint}${launch.healthPath} ${health}`}
  return {ready: true, apiEndpoint: endpoint, detail: `the model server answers ${launch.healthPath} at ${endpoint}`}
}

/** The HTTP status of the health check, or why there was none. */
export async function probeHealth(url: string): Promise<number | string> {
  try {
    const res = await fetch(url, {signal: AbortSignal.timeout(HEALTH_PROBE_TIMEOUT_MS), redirect: 'manual'})
    await res.body?.cancel()
    return res.status
  } catch (err) {
    const cause = (err as {cause?: {code?: string}}).cause?.code
    return cause ? `not answering (${cause})` : `not answering (${err instanceof Error ? err.message : String(err)})`
  }
}

function describeCommand(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim()
  return `\`${oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine}\``
}
