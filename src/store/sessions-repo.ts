import {NO_RETRY, type RetryScope, type RetryTerms} from '../core/auto-retry.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {ProviderName} from '../core/provider-name.js'
import type {Session, StoragePolicy, WorkloadType} from '../core/session.js'
import {LIVE_STATUSES, SESSION_STATUSES, type SessionStatus} from '../core/session-status.js'
import type {SshJump} from '../core/ssh-jump.js'
import type {WorkloadLaunch} from '../core/workload-launch.js'
import {LOCAL_PRINCIPAL, LOCAL_TENANT} from '../auth/principal.js'
import type {SqlDatabase} from './sql/sql-database.js'

interface SessionRow {
  id: string
  consumer_id: string
  provider: string
  provider_instance_id: string | null
  offer_id: string
  offer_provider_id: string
  gpu_type: string
  gpu_count: number
  status: string
  ssh_host: string | null
  ssh_port: number | null
  ssh_user: string | null
  ssh_public_key: string
  ssh_host_key_fingerprint: string | null
  workload_type: string
  reservation_hours: number
  price_per_hour_micro: number
  disk_gb: number
  storage_policy: string
  idle_threshold_minutes: number
  template_hash_id: string | null
  hard_max_override: number
  created_at: number
  updated_at: number
  started_at: number | null
  expires_at: number
  stopped_at: number | null
  failure_reason: string | null
  spec_sku: string | null
  spec_gpu_type_key: string | null
  spec_gpu_count: number | null
  spec_region: string | null
  spec_country: string | null
  spec_max_price_micro: number | null
  spec_min_reliability: number | null
  offer_attempts: number
  create_attempted_at: number | null
  idle_since: number | null
  last_gpu_sample_at: number | null
  last_gpu_utilization_pct: number | null
  destroy_requested_at: number | null
  ssh_host_public_key: string | null
  ssh_jump: string | null
  launch: string | null
  launch_env: Buffer | null
  api_endpoint: string | null
  workload_started_at: number | null
  resumes: number
  resumed_at: number | null
  tenant_id: string
  created_by: string
  host_id: string | null
  max_retries: number
  retry_scope: string | null
  ssh_timeout_ms: number | null
  retry_of: string | null
  retried_as: string | null
  retry_attempt: number
}

/** What a session provisioned by spec asked for, kept so it can fail over to the next best offer. */
export interface SessionSpec {
  sku: string
  gpuTypeKey: string
  gpuCount: number
  /** As the user gave it (e.g. "us-buffalo-1"), for the allocation view. */
  region: string | null
  countryCode: string | null
  maxPricePerHour: MicroUsd | null
  minReliability: number
}

/** A registered key a session injects, as it was when the session was created. */
export interface AttachedSshKey {
  id: string
  /** Canonical `type base64`. */
  publicKey: string
}

export interface StoredSession extends Session {
  /** The provider's own offer id, needed to rent it. */
  offerProviderId: string
  spec: SessionSpec | null
  /** Offers tried so far (1 + failovers). */
  offerAttempts: number
  /** When a create was last sent to the provider: its outcome may be unknown until the instance is recorded. */
  createAttemptedAt: number | null
  /** Since when every GPU has read below the idle threshold; null while busy or unknown. */
  idleSince: number | null
  lastGpuSampleAt: number | null
  /** Highest utilisation across the GPUs in the last sample. */
  lastGpuUtilizationPct: number | null
  /** When the destroy request that the provider later confirmed went out: billing ends here. */
  destroyRequestedAt: number | null
  /**
   * The instance's host key (`type base64`) learned at verification, for a known_hosts line.
   * Always set on rows read from the store; optional so callers building rows by hand need not.
   */
  sshHostPublicKey?: string | null
  /** Registered keys injected besides the session's own, in the order asked; always set on rows read from the store. */
  attachedSshKeys?: readonly AttachedSshKey[]
  /** The host SSH goes through to reach the instance (a self-hosted node); null when it is reached directly. */
  sshJump?: SshJump | null
  /** What it launches once verified; null for an empty box. Always set on rows read from the store. */
  launch?: WorkloadLaunch | null
  /** The launch's variables, sealed (services/workload-env.ts); null when it has none. */
  launchEnvSealed?: Buffer | null
  /** The public URL of the workload's first exposed port, once the provider maps it. */
  apiEndpoint?: string | null
  /** When the workload was started on the instance; null until then (and again after a resume). */
  workloadStartedAt?: number | null
  /** How many times a preserved session was resumed: its workload starts once per boot. */
  resumes?: number
  /** When it was last resumed; its provisioning deadline runs from here. */
  resumedAt?: number | null
  /** The tenant that owns the session (`local` on the solo daemon); always set on rows read from the store. */
  tenantId?: string
  /** The user who created it; always set on rows read from the store. */
  createdBy?: string
  /** The machine it was rented on (`Offer.hostId`), for its provisioning outcome. */
  hostId?: string | null
  /** Its auto-retry terms (core/auto-retry.ts); always set on rows read from the store. */
  retry?: RetryTerms
  /** The failed try this session took the place of. */
  retryOf?: string | null
  /** The session that took this failed try's place. */
  retriedAs?: string | null
  /** 0 for the first try, 1 for the first retry... */
  retryAttempt?: number
}

export interface SessionListFilter {
  /** Only this tenant's sessions; all tenants' when absent (the daemon's own workers). */
  tenantId?: string
  consumerId?: string
  status?: SessionStatus
  statuses?: readonly SessionStatus[]
  provider?: ProviderName
  limit?: number
  offset?: number
}

/** Columns a state change may set alongside the status. */
export type SessionPatch = Partial<
  Pick<
    Session,
    | 'providerInstanceId'
    | 'sshHost'
    | 'sshPort'
    | 'sshUser'
    | 'sshHostKeyFingerprint'
    | 'startedAt'
    | 'expiresAt'
    | 'stoppedAt'
    | 'failureReason'
    | 'pricePerHour'
    | 'status'
    | 'provider'
    | 'offerId'
    | 'gpuType'
    | 'gpuCount'
    | 'reservationHours'
  >
> & {
  offerProviderId?: string
  offerAttempts?: number
  createAttemptedAt?: number | null
  idleSince?: number | null
  lastGpuSampleAt?: number | null
  lastGpuUtilizationPct?: number | null
  destroyRequestedAt?: number | null
  sshHostPublicKey?: string | null
  sshJump?: SshJump | null
  apiEndpoint?: string | null
  workloadStartedAt?: number | null
  resumes?: number
  resumedAt?: number | null
  hostId?: string | null
  retriedAs?: string | null
}

const PATCH_COLUMNS: Record<keyof SessionPatch, string> = {
  providerInstanceId: 'provider_instance_id',
  sshHost: 'ssh_host',
  sshPort: 'ssh_port',
  sshUser: 'ssh_user',
  sshHostKeyFingerprint: 'ssh_host_key_fingerprint',
  startedAt: 'started_at',
  expiresAt: 'expires_at',
  stoppedAt: 'stopped_at',
  failureReason: 'failure_reason',
  pricePerHour: 'price_per_hour_micro',
  status: 'status',
  provider: 'provider',
  offerId: 'offer_id',
  gpuType: 'gpu_type',
  gpuCount: 'gpu_count',
  reservationHours: 'reservation_hours',
  offerProviderId: 'offer_provider_id',
  offerAttempts: 'offer_attempts',
  createAttemptedAt: 'create_attempted_at',
  idleSince: 'idle_since',
  lastGpuSampleAt: 'last_gpu_sample_at',
  lastGpuUtilizationPct: 'last_gpu_utilization_pct',
  destroyRequestedAt: 'destroy_requested_at',
  sshHostPublicKey: 'ssh_host_public_key',
  sshJump: 'ssh_jump',
  apiEndpoint: 'api_endpoint',
  workloadStartedAt: 'workload_started_at',
  resumes: 'resumes',
  resumedAt: 'resumed_at',
  hostId: 'host_id',
  retriedAs: 'retried_as',
}

/** Statuses in which a session still holds (or is about to hold) what it rented. */
const LIVE_SQL = LIVE_STATUSES.map((s) => `'${s}'`).join(', ')

export class SessionsRepo {
  constructor(private readonly db: SqlDatabase) {}

  async insert(s: StoredSession): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run(
        `INSERT INTO sessions (id, consumer_id, provider, provider_instance_id, offer_id, offer_provider_id, gpu_type,
          gpu_count, status, ssh_host, ssh_port, ssh_user, ssh_public_key, ssh_host_key_fingerprint, workload_type,
          reservation_hours, price_per_hour_micro, disk_gb, storage_policy, idle_threshold_minutes, template_hash_id,
          hard_max_override, created_at, updated_at, started_at, expires_at, stopped_at, failure_reason, spec_sku,
          spec_gpu_type_key, spec_gpu_count, spec_region, spec_country, spec_max_price_micro, spec_min_reliability,
          offer_attempts, create_attempted_at, idle_since, last_gpu_sample_at, last_gpu_utilization_pct,
          destroy_requested_at, ssh_host_public_key, launch, launch_env, tenant_id, created_by, host_id, max_retries,
          retry_scope, ssh_timeout_ms, retry_of, retry_attempt)
        VALUES (@id, @consumer_id, @provider, @provider_instance_id, @offer_id, @offer_provider_id, @gpu_type,
          @gpu_count, @status, @ssh_host, @ssh_port, @ssh_user, @ssh_public_key, @ssh_host_key_fingerprint, @workload_type,
          @reservation_hours, @price_per_hour_micro, @disk_gb, @storage_policy, @idle_threshold_minutes, @template_hash_id,
          @hard_max_override, @created_at, @updated_at, @started_at, @expires_at, @stopped_at, @failure_reason, @spec_sku,
          @spec_gpu_type_key, @spec_gpu_count, @spec_region, @spec_country, @spec_max_price_micro, @spec_min_reliability,
          @offer_attempts, @create_attempted_at, @idle_since, @last_gpu_sample_at, @last_gpu_utilization_pct,
          @destroy_requested_at, @ssh_host_public_key, @launch, @launch_env, @tenant_id, @created_by, @host_id, @max_retries,
          @retry_scope, @ssh_timeout_ms, @retry_of, @retry_attempt)`,
        {...toRow(s)},
      )
      for (const [position, key] of (s.attachedSshKeys ?? []).entries()) {
        await this.db.run('INSERT INTO session_ssh_keys (session_id, position, ssh_key_id, public_key) VALUES (?, ?, ?, ?)', [s.id, position, key.id, key.publicKey])
      }
    })
  }

  async get(id: string): Promise<StoredSession | null> {
    const row = await this.db.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', [id])
    return row ? (await this.#withKeys([toSession(row)]))[0]! : null
  }

  /**
   * Records `providerInstanceId` as the session's instance unless another is recorded already,
   * whatever the session's status; whether it is the session's instance now. One statement, so
   * two attempts that each made an instance (a job taken over from a process that stalled past
   * its lease) cannot both win: the loser's instance is a duplicate, never the session's.
   * `expected`: only while the session is in one of these statuses.
   */
  async claimInstance(id: string, providerInstanceId: string, now: number, expected: readonly SessionStatus[] = SESSION_STATUSES): Promise<boolean> {
    const params: Record<string, unknown> = {id, pid: providerInstanceId, now}
    expected.forEach((s, i) => (params[`s${i}`] = s))
    const {changes} = await this.db.run(
      `UPDATE sessions SET provider_instance_id = @pid, updated_at = @now
       WHERE id = @id AND (provider_instance_id IS NULL OR provider_instance_id = @pid) AND status IN (${expected.map((_, i) => `@s${i}`).join(', ')})`,
      params,
    )
    return changes === 1
  }

  /**
   * Applies `patch` only if the session is still in `expected` status: the compare-and-set
   * that keeps two workers from moving one session in different directions.
   */
  async update(id: string, expected: SessionStatus | readonly SessionStatus[], patch: SessionPatch, now: number): Promise<boolean> {
    const sets = ['updated_at = @updated_at']
    const params: Record<string, unknown> = {id, updated_at: now}
    for (const [key, value] of Object.entries(patch) as [keyof SessionPatch, unknown][]) {
      if (value === undefined) continue
      const column = PATCH_COLUMNS[key]
      sets.push(`${column} = @${column}`)
      params[column] = typeof value === 'boolean' ? (value ? 1 : 0) : value !== null && typeof value === 'object' ? JSON.stringify(value) : value
    }
    const statuses = typeof expected === 'string' ? [expected] : [...expected]
    const placeholders = statuses.map((_, i) => `@s${i}`).join(', ')
    statuses.forEach((s, i) => (params[`s${i}`] = s))
    return (await this.db.run(`UPDATE sessions SET ${sets.join(', ')} WHERE id = @id AND status IN (${placeholders})`, params)).changes === 1
  }

  async list(filter: SessionListFilter = {}): Promise<{sessions: StoredSession[]; total: number}> {
    const where: string[] = []
    const params: Record<string, unknown> = {}
    if (filter.tenantId !== undefined) {
      where.push('tenant_id = @tenant')
      params.tenant = filter.tenantId
    }
    if (filter.consumerId) {
      where.push('consumer_id = @consumer')
      params.consumer = filter.consumerId
    }
    const statuses = filter.status ? [filter.status] : filter.statuses
    if (statuses?.length) {
      where.push(`status IN (${statuses.map((_, i) => `@st${i}`).join(', ')})`)
      statuses.forEach((s, i) => (params[`st${i}`] = s))
    }
    if (filter.provider) {
      where.push('provider = @provider')
      params.provider = filter.provider
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const total = (await this.db.get<{n: number}>(`SELECT count(*) AS n FROM sessions ${whereSql}`, params))!.n
    const rows = await this.db.all<SessionRow>(`SELECT * FROM sessions ${whereSql} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`, {
      ...params,
      limit: filter.limit ?? 100,
      offset: filter.offset ?? 0,
    })
    return {sessions: await this.#withKeys(rows.map(toSession)), total}
  }

  /** One query for the attached keys of a whole page of sessions. */
  async #withKeys(sessions: StoredSession[]): Promise<StoredSession[]> {
    if (sessions.length === 0) return sessions
    const rows = await this.db.all<{session_id: string; ssh_key_id: string; public_key: string}>(
      `SELECT session_id, ssh_key_id, public_key FROM session_ssh_keys
       WHERE ${this.db.inList('session_id', '@ids')} ORDER BY session_id, position`,
      {ids: this.db.list(sessions.map((s) => s.id))},
    )
    const bySession = new Map<string, AttachedSshKey[]>()
    for (const r of rows) {
      const list = bySession.get(r.session_id) ?? []
      list.push({id: r.ssh_key_id, publicKey: r.public_key})
      bySession.set(r.session_id, list)
    }
    return sessions.map((s) => ({...s, attachedSshKeys: bySession.get(s.id) ?? []}))
  }

  /** The live session (not yet stopped) that rented `offerId`, if any. */
  async liveHolderOf(offerId: string): Promise<{id: string; status: SessionStatus} | null> {
    const row = await this.db.get<{id: string; status: SessionStatus}>(
      `SELECT id, status FROM sessions WHERE offer_id = ? AND status IN (${LIVE_SQL}) ORDER BY created_at LIMIT 1`,
      [offerId],
    )
    return row ?? null
  }

  /** Offers that live sessions hold. */
  async liveOfferIds(): Promise<string[]> {
    return (await this.db.all<{offer_id: string}>(`SELECT DISTINCT offer_id FROM sessions WHERE status IN (${LIVE_SQL})`)).map((r) => r.offer_id)
  }

  /** One tenant's sessions counted, or every tenant's. */
  async countByProviderAndStatus(tenantId?: string): Promise<{provider: string; status: string; n: number}[]> {
    return this.db.all<{provider: string; status: string; n: number}>(
      'SELECT provider, status, count(*) AS n FROM sessions WHERE (CAST(@tenant AS TEXT) IS NULL OR tenant_id = @tenant) GROUP BY provider, status',
      {tenant: tenantId ?? null},
    )
  }
}

function toRow(s: StoredSession): SessionRow {
  return {
    id: s.id,
    consumer_id: s.consumerId,
    provider: s.provider,
    provider_instance_id: s.providerInstanceId,
    offer_id: s.offerId,
    offer_provider_id: s.offerProviderId,
    gpu_type: s.gpuType,
    gpu_count: s.gpuCount,
    status: s.status,
    ssh_host: s.sshHost,
    ssh_port: s.sshPort,
    ssh_user: s.sshUser,
    ssh_public_key: s.sshPublicKey,
    ssh_host_key_fingerprint: s.sshHostKeyFingerprint,
    workload_type: s.workloadType,
    reservation_hours: s.reservationHours,
    price_per_hour_micro: s.pricePerHour,
    disk_gb: s.diskGb,
    storage_policy: s.storagePolicy,
    idle_threshold_minutes: s.idleThresholdMinutes,
    template_hash_id: s.templateHashId,
    hard_max_override: s.hardMaxOverride ? 1 : 0,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    started_at: s.startedAt,
    expires_at: s.expiresAt,
    stopped_at: s.stoppedAt,
    failure_reason: s.failureReason,
    spec_sku: s.spec?.sku ?? null,
    spec_gpu_type_key: s.spec?.gpuTypeKey ?? null,
    spec_gpu_count: s.spec?.gpuCount ?? null,
    spec_region: s.spec?.region ?? null,
    spec_country: s.spec?.countryCode ?? null,
    spec_max_price_micro: s.spec?.maxPricePerHour ?? null,
    spec_min_reliability: s.spec?.minReliability ?? null,
    offer_attempts: s.offerAttempts,
    create_attempted_at: s.createAttemptedAt,
    idle_since: s.idleSince,
    last_gpu_sample_at: s.lastGpuSampleAt,
    last_gpu_utilization_pct: s.lastGpuUtilizationPct,
    destroy_requested_at: s.destroyRequestedAt,
    ssh_host_public_key: s.sshHostPublicKey ?? null,
    ssh_jump: s.sshJump ? JSON.stringify(s.sshJump) : null,
    launch: s.launch ? JSON.stringify(s.launch) : null,
    launch_env: s.launchEnvSealed ?? null,
    api_endpoint: s.apiEndpoint ?? null,
    workload_started_at: s.workloadStartedAt ?? null,
    resumes: s.resumes ?? 0,
    resumed_at: s.resumedAt ?? null,
    tenant_id: s.tenantId ?? LOCAL_TENANT,
    created_by: s.createdBy ?? LOCAL_PRINCIPAL.user,
    host_id: s.hostId ?? null,
    max_retries: s.retry?.maxRetries ?? 0,
    retry_scope: s.retry && s.retry.maxRetries > 0 ? s.retry.scope : null,
    ssh_timeout_ms: s.retry?.sshTimeoutMs ?? null,
    retry_of: s.retryOf ?? null,
    retried_as: s.retriedAs ?? null,
    retry_attempt: s.retryAttempt ?? 0,
  }
}

function toSession(r: SessionRow): StoredSession {
  return {
    id: r.id,
    consumerId: r.consumer_id,
    provider: r.provider as ProviderName,
    providerInstanceId: r.provider_instance_id,
    offerId: r.offer_id,
    offerProviderId: r.offer_provider_id,
    gpuType: r.gpu_type,
    gpuCount: r.gpu_count,
    status: r.status as SessionStatus,
    sshHost: r.ssh_host,
    sshPort: r.ssh_port,
    sshUser: r.ssh_user,
    sshPublicKey: r.ssh_public_key,
    sshHostKeyFingerprint: r.ssh_host_key_fingerprint,
    workloadType: r.workload_type as WorkloadType,
    reservationHours: r.reservation_hours,
    pricePerHour: asMicroUsd(r.price_per_hour_micro),
    diskGb: r.disk_gb,
    storagePolicy: r.storage_policy as StoragePolicy,
    idleThresholdMinutes: r.idle_threshold_minutes,
    templateHashId: r.template_hash_id,
    hardMaxOverride: r.hard_max_override === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    expiresAt: r.expires_at,
    stoppedAt: r.stopped_at,
    failureReason: r.failure_reason,
    spec:
      r.spec_sku === null
        ? null
        : {
            sku: r.spec_sku,
            gpuTypeKey: r.spec_gpu_type_key ?? '',
            gpuCount: r.spec_gpu_count ?? 1,
            region: r.spec_region,
            countryCode: r.spec_country,
            maxPricePerHour: r.spec_max_price_micro === null ? null : asMicroUsd(r.spec_max_price_micro),
            minReliability: r.spec_min_reliability ?? 0,
          },
    offerAttempts: r.offer_attempts,
    createAttemptedAt: r.create_attempted_at,
    idleSince: r.idle_since,
    lastGpuSampleAt: r.last_gpu_sample_at,
    lastGpuUtilizationPct: r.last_gpu_utilization_pct,
    destroyRequestedAt: r.destroy_requested_at,
    sshHostPublicKey: r.ssh_host_public_key,
    sshJump: r.ssh_jump === null ? null : (JSON.parse(r.ssh_jump) as SshJump),
    launch: r.launch === null ? null : (JSON.parse(r.launch) as WorkloadLaunch),
    launchEnvSealed: r.launch_env === null ? null : Buffer.from(r.launch_env),
    apiEndpoint: r.api_endpoint,
    workloadStartedAt: r.workload_started_at,
    resumes: r.resumes,
    resumedAt: r.resumed_at,
    tenantId: r.tenant_id,
    createdBy: r.created_by,
    hostId: r.host_id,
    retry: {maxRetries: r.max_retries, scope: (r.retry_scope ?? NO_RETRY.scope) as RetryScope, sshTimeoutMs: r.ssh_timeout_ms === null ? null : Number(r.ssh_timeout_ms)},
    retryOf: r.retry_of,
    retriedAs: r.retried_as,
    retryAttempt: r.retry_attempt,
  }
}
