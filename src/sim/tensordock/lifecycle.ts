/**
 * How a simulated TensorDock VM moves through its statuses (providers.md §2.7). Computed from
 * the clock on every read, never by timers, so a ManualClock drives it step by step.
 */
export const TD_OUTCOMES = ['running', 'error', 'stopped'] as const
/**
 * Where a VM ends up once created: `running`, or a failure seen live: `error`, or `stopped`
 * straight after create (H100 SXM5, BUG-011).
 */
export type TdOutcome = (typeof TD_OUTCOMES)[number]

export interface TensorDockTimings {
  /** `creating` before the first `running`. */
  creatingMs: number
  /** `ipAddress` is `""` until this long after create (live: 5–30 s; short so the demo is snappy). */
  ipAssignMs: number
  /** cloud-init's runcmd (the only thing that installs SSH keys) finishes this long after create (live: 60–90 s). */
  cloudInitMs: number
  /** For failure outcomes: how long it runs before failing (0 = fails as soon as it is up). */
  failAfterMs: number
  /** `starting` after `POST /instances/{id}/start`. */
  startingMs: number
  /** `stopping` after `POST /instances/{id}/stop`. */
  stoppingMs: number
  /**
   * How long a model server a workload launches loads before `/health` answers 200. Read from
   * the simulator's config at each launch, not from the instance's copy.
   */
  modelLoadMs: number
}

export const DEFAULT_TD_TIMINGS: TensorDockTimings = {
  creatingMs: 500,
  ipAssignMs: 1000,
  cloudInitMs: 1500,
  failAfterMs: 0,
  startingMs: 500,
  stoppingMs: 500,
  // Live a 7B model takes a minute or more; short so the demo is snappy.
  modelLoadMs: 3000,
}

/** One stretch during which the VM was meant to run: from create or a start, to a stop. */
export interface TdBoot {
  startMs: number
  endMs: number | null
}

export interface TdLifecycleInput {
  outcome: TdOutcome
  timings: TensorDockTimings
  boots: readonly TdBoot[]
  /** A status pinned through the control API; wins over the clock. */
  pinnedStatus?: string | undefined
}

export function tdStatusAt(input: TdLifecycleInput, nowMs: number): string {
  if (input.pinnedStatus !== undefined) return input.pinnedStatus
  const t = input.timings
  const index = input.boots.length - 1
  const last = input.boots[index]
  if (!last) return 'stopped'
  if (last.endMs !== null && last.endMs <= nowMs) return nowMs - last.endMs < t.stoppingMs ? 'stopping' : 'stopped'
  const elapsed = nowMs - last.startMs
  const upAfter = index === 0 ? t.creatingMs : t.startingMs
  if (elapsed < upAfter) return index === 0 ? 'creating' : 'starting'
  if (input.outcome === 'running' || elapsed - upAfter < t.failAfterMs) return 'running'
  return input.outcome
}
