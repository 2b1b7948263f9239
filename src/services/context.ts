import type {Clock} from '../core/clock.js'
import {IDEMPOTENCY_WINDOW_MS} from '../core/idempotency-window.js'
import type {Principal} from '../auth/principal.js'
import type {Store} from '../store/store.js'
import type {Logger} from '../log/logger.js'
import type {SessionEventBus} from './session-event-bus.js'
import type {ProviderRegistry} from './provider-registry.js'

export interface Timings {
  /** How often a provisioning session's instance is polled. */
  pollIntervalMs: number
  /** A session still not running after this long fails (and its instance is destroyed). */
  provisionTimeoutMs: number
  /** Lease on a claimed job; a dead daemon's jobs are taken again after it. */
  jobLeaseMs: number
  /** Inventory replies older than this are refreshed from the provider. */
  inventoryMaxAgeMs: number
  /** How often running sessions are billed into the ledger and expiries enforced. */
  lifecycleIntervalMs: number
  /** Idempotency records live this long. */
  idempotencyTtlMs: number
  /** How often the reconciler compares the store with the providers (besides start-up). */
  reconcileIntervalMs: number
  /** An instance labelled by this deployment with no live session is destroyed after this long. */
  orphanGraceMs: number
  /**
   * After a create whose outcome is unknown (timeout, crash), how long the label must stay
   * absent from the provider's list before another create is sent: lists lag (Vast.ai: minutes).
   */
  createDoubtMs: number
  /** How often running sessions with an idle threshold have their GPUs read. */
  idleSampleIntervalMs: number
  /** A session pending or stopping longer than this is stuck: failed (and destroyed, verified). */
  stuckAfterMs: number
  /** How long a self-hosted slice's guest may take to power off before its release pulls the plug. */
  sliceShutdownGraceMs: number
  /** The longest wait between two reads of a provider's charges for an ended session. */
  settleRetryMaxMs: number
  /** The longest back-off of a job whose steps keep failing (it doubles up to this). */
  retryMaxMs: number
  /** How long a create's reply waits for the provider's answer before saying `pending`. */
  createReplyWaitMs: number
}

export const DEFAULT_TIMINGS: Timings = {
  pollIntervalMs: 1_000,
  provisionTimeoutMs: 15 * 60_000,
  jobLeaseMs: 60_000,
  inventoryMaxAgeMs: 30_000,
  lifecycleIntervalMs: 10_000,
  idempotencyTtlMs: IDEMPOTENCY_WINDOW_MS,
  reconcileIntervalMs: 5 * 60_000,
  orphanGraceMs: 10 * 60_000,
  createDoubtMs: 3 * 60_000,
  idleSampleIntervalMs: 60_000,
  stuckAfterMs: 30 * 60_000,
  sliceShutdownGraceMs: 10_000,
  settleRetryMaxMs: 30_000,
  retryMaxMs: 60_000,
  createReplyWaitMs: 5_000,
}

/** What every use case needs: the one store, the clock, the providers, who we are. */
export interface ServiceContext {
  store: Store
  clock: Clock
  providers: ProviderRegistry
  events: SessionEventBus
  log: Logger
  deploymentId: string
  /**
   * This server process, unique among those sharing the database (host, pid, a random part):
   * the owner of the job leases it takes.
   */
  processId: string
  /** The daemon's own SSH identity, injected into every instance to verify access. */
  daemonKey: {privateKey: string; publicKey: string}
  simulated: boolean
  timings: Timings
  /**
   * Who a request acts for: it sees and changes only its tenant's rows. Absent for the daemon's
   * own workers (jobs, lifecycle, reconciler), which act on every tenant.
   */
  principal?: Principal
  /**
   * On a team server: the folder under which each tenant's node keys live (`<dir>/<tenant>/`).
   * A node's identity file must be there, or an admin of one tenant could name any file the
   * server can read (another tenant's node key, say) as their node's key.
   */
  nodeKeysDir?: string
}
