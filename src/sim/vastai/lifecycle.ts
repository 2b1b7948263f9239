/**
 * How a simulated Vast instance moves through `actual_status` (providers.md §1.8). Computed
 * from the clock on every read, never by timers, so a ManualClock drives it step by step.
 */
export const FINAL_OUTCOMES = ['running', 'exited', 'offline', 'unknown', 'created', 'outbid'] as const
/**
 * Where an instance ends up after loading: `running`, or a failure as seen live: the container
 * `exited`, the host went `offline` or `unknown`, it stays `created` with an OCI error (never
 * starts), or a spot instance was `outbid` (stopped on all three states).
 */
export type FinalOutcome = (typeof FINAL_OUTCOMES)[number]

export interface VastTimings {
  /** `actual_status: null`, while Vast finds the machine. */
  provisioningMs: number
  /** `created`: container created, not started. */
  createdMs: number
  /** `loading`: image pull. Live this can take 10–60 min; the default keeps the demo snappy. */
  loadingMs: number
  /** For failure outcomes: how long it runs before failing (0 = fails straight after loading). */
  failAfterMs: number
  /** How long an attached SSH key takes before the host accepts it (live: 10–15 s). */
  keyPropagationMs: number
  /**
   * How long a model server a workload launches (vLLM, TGI) loads before `/health` answers 200.
   * Read from the simulator's config at each launch, not from the instance's copy.
   */
  modelLoadMs: number
}

export const DEFAULT_TIMINGS: VastTimings = {
  provisioningMs: 250,
  createdMs: 500,
  loadingMs: 1500,
  failAfterMs: 0,
  keyPropagationMs: 0,
  // Live a 7B model takes a minute or more; short so the demo is snappy.
  modelLoadMs: 3000,
}

export const OCI_ERROR_MSG =
  'Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as \'legacy\'\nnvidia-container-cli: initialization error: nvml error: driver not loaded: unknown'

export interface StatusView {
  actual_status: string | null
  intended_status: string
  cur_state: string
  next_state: string
  status_msg: string | null
}

/** One stretch during which the instance was meant to run: from create or a start, to a stop. */
export interface BootSegment {
  startMs: number
  endMs: number | null
}

export interface LifecycleInput {
  image: string
  outcome: FinalOutcome
  timings: VastTimings
  boots: readonly BootSegment[]
  /** A status pinned through the control API; wins over the clock while the instance is meant to run. */
  pinnedStatus?: string | null | undefined
}

function bootMs(t: VastTimings): number {
  return t.provisioningMs + t.createdMs + t.loadingMs
}

const STOPPED: StatusView = {actual_status: 'stopped', intended_status: 'stopped', cur_state: 'stopped', next_state: 'stopped', status_msg: null}

export function statusAt(input: LifecycleInput, nowMs: number): StatusView {
  const last = input.boots[input.boots.length - 1]
  if (!last || (last.endMs !== null && last.endMs <= nowMs)) return {...STOPPED, status_msg: 'stopped by user'}
  const running = {intended_status: 'running', cur_state: 'running', next_state: 'running'}
  if (input.pinnedStatus !== undefined) {
    return {...running, actual_status: input.pinnedStatus, status_msg: input.pinnedStatus === 'created' && input.outcome === 'created' ? OCI_ERROR_MSG : null}
  }
  const t = input.timings
  const elapsed = nowMs - last.startMs
  if (elapsed < t.provisioningMs) return {...running, actual_status: null, status_msg: null}
  if (input.outcome === 'created') return {...running, actual_status: 'created', status_msg: elapsed < t.provisioningMs + t.createdMs ? null : OCI_ERROR_MSG}
  if (elapsed < t.provisioningMs + t.createdMs) return {...running, actual_status: 'created', status_msg: null}
  if (elapsed < bootMs(t)) return {...running, actual_status: 'loading', status_msg: `Pulling image ${input.image}`}
  const ranFor = elapsed - bootMs(t)
  if (input.outcome === 'running' || ranFor < t.failAfterMs) {
    return {...running, actual_status: 'running', status_msg: `success, running ${input.image}/ssh`}
  }
  switch (input.outcome) {
    case 'exited':
      return {...running, actual_status: 'exited', status_msg: 'Error: container exited with code 1'}
    case 'offline':
      return {...running, actual_status: 'offline', status_msg: 'host is offline'}
    case 'unknown':
      return {...running, actual_status: 'unknown', status_msg: null}
    case 'outbid':
      return {...STOPPED, status_msg: 'outbid: another renter bid higher'}
  }
}

/** The stretches of `[from, to)` during which the instance was `running` (GPU billing on). */
export function runningIntervals(input: LifecycleInput, toMs: number): [number, number][] {
  const out: [number, number][] = []
  for (const seg of input.boots) {
    const end = Math.min(seg.endMs ?? Infinity, toMs)
    let start: number
    let stop = end
    if (input.pinnedStatus !== undefined) {
      if (input.pinnedStatus !== 'running') continue
      start = seg.startMs
    } else {
      if (input.outcome === 'created') continue
      start = seg.startMs + bootMs(input.timings)
      if (input.outcome !== 'running') stop = Math.min(end, start + input.timings.failAfterMs)
    }
    if (stop > start) out.push([start, stop])
  }
  return out
}
