import {toIso} from '../src/core/clock.js'
import {microToUsd, type MicroUsd} from '../src/core/money.js'
import {pricePerGpu, type Offer} from '../src/core/offer.js'
import {UNTRIED_CONFIDENCE, type HealthStats} from '../src/core/offer-health.js'
import type {HostHealthDto} from '../src/core/api/offer-health.js'
import type {HostHealthReport} from '../src/services/offer-health.js'
import type {AllocationDto} from '../src/core/api/allocations.js'
import type {AuditEntryDto} from '../src/core/api/audit.js'
import type {BudgetDto, BudgetRemovedReply} from '../src/core/api/budgets.js'
import type {CatalogItem} from '../src/core/api/catalog.js'
import type {MessageReply} from '../src/core/api/common.js'
import type {CostSummaryReply, CostsReply, SessionCostReply} from '../src/core/api/costs.js'
import type {OfferDto, PricePointDto} from '../src/core/api/inventory.js'
import type {SeriesPoint} from '../src/core/ledger-totals.js'
import type {BudgetStatus} from '../src/services/budget-service.js'
import type {CostReport, MonthSummary} from '../src/services/cost-service.js'
import type {CreatedSession} from '../src/services/session-service.js'
import type {CatalogRow} from '../src/store/offers-repo.js'
import type {StoredPricePoint} from '../src/store/price-history-repo.js'
import {skuOf} from '../src/core/sku.js'
import {ALLOCATION_STATUS} from '../src/core/session-status.js'
import type {CreateSessionReply, ExtendReply, SessionDto, SessionEventDto} from '../src/core/api/sessions.js'
import type {DiagnosticsReply} from '../src/core/api/diagnostics.js'
import type {SshKeyRemovedReply, SshKeyDto} from '../src/core/api/ssh-keys.js'
import type {NodeDto, NodeRemovedReply} from '../src/core/api/nodes.js'
import type {NodeView} from '../src/services/node-service.js'
import type {DatabaseStatus} from '../src/services/database-status.js'
import type {DatabaseStatus as DatabaseStatusDto} from '../src/core/api/health.js'
import type {AuditEntry} from '../src/store/audit-repo.js'
import type {StoredNode} from '../src/store/nodes-repo.js'
import type {SessionEvent} from '../src/store/session-events-repo.js'
import type {Diagnosis} from '../src/services/session-diagnostics.js'
import type {StoredSession} from '../src/store/sessions-repo.js'
import type {SshKey} from '../src/store/ssh-keys-repo.js'

/**
 * The wire form of a page of offers. The store hands out the same frozen page to every query
 * asking for it until the offers change, so its wire form is built once and shared too (and
 * `sharedArrayJson` writes it once). A shared array is frozen: it is the wire's, never to be changed.
 */
export function offerDtos(offers: readonly Offer[]): OfferDto[] {
  if (!Object.isFrozen(offers)) return offers.map(offerDto)
  let dtos = pageDtos.get(offers)
  if (dtos === undefined) {
    dtos = Object.freeze(offers.map(offerDto)) as OfferDto[]
    pageDtos.set(offers, dtos)
  }
  return dtos
}

const pageDtos = new WeakMap<readonly Offer[], OfferDto[]>()

/** Wire shapes: the seed's decimal USD fields plus exact micro-USD twins, RFC 3339 times. */
export function offerDto(o: Offer): OfferDto {
  return {
    id: o.id,
    provider: o.provider,
    provider_id: o.providerId,
    gpu_type: o.gpuType,
    gpu_count: o.gpuCount,
    vram_gb: o.vramGb,
    price_per_hour: microToUsd(o.pricePerHour),
    price_per_hour_micro_usd: o.pricePerHour,
    price_per_gpu_hour: microToUsd(pricePerGpu(o)),
    location: o.location,
    country_code: o.countryCode,
    reliability: o.reliability,
    available: o.available,
    fetched_at: toIso(o.fetchedAt),
    cuda_version: o.cudaVersion,
    disk_gb: o.diskGb,
    cpu_cores: o.cpuCores,
    ram_gb: o.ramGb,
    inet_down_mbps: o.inetDownMbps,
    price_includes: {disk_gb: o.priceIncludes.diskGb, vcpus: o.priceIncludes.vcpus, ram_gb: o.priceIncludes.ramGb},
    disk_rate: o.diskRate && {usd_per_gb: o.diskRate.usdPerGb, per: o.diskRate.per, minimum_gb: o.diskRate.minimumGb},
    host_id: o.hostId ?? null,
    availability_confidence: UNTRIED_CONFIDENCE,
    cooling_down_until: null,
  }
}

export function hostHealthDto(h: HostHealthReport): HostHealthDto {
  return {
    host_id: h.hostId,
    provider: h.provider,
    attempts: h.health.attempts,
    failures: h.health.failures,
    consecutive_failures: h.health.consecutiveFailures,
    availability_confidence: h.health.confidence,
    cooling_down_until: h.health.coolingDownUntil === null ? null : toIso(h.health.coolingDownUntil),
    last_success_at: h.health.lastSuccessAt === null ? null : toIso(h.health.lastSuccessAt),
    last_failure: h.lastFailure && {kind: h.lastFailure.kind, at: toIso(h.lastFailure.at)},
    offer_ids: h.offerIds,
  }
}

/**
 * A page's DTOs with what is known of their health: the shared (frozen, cached) DTOs when none
 * of its offers has a history, the usual case; otherwise a page where those that have one say
 * so, shared as long as the page and its health are (services/offer-health.ts `healthOfPage`).
 */
export function offerDtosWithHealth(offers: readonly Offer[], health: ReadonlyMap<string, HealthStats>): OfferDto[] {
  const dtos = offerDtos(offers)
  if (health.size === 0) return dtos
  const known = healthDtos.get(health)
  if (known?.dtos === dtos) return known.page
  const page = dtos.map((dto) => {
    const h = health.get(dto.id)
    return h ? {...dto, availability_confidence: h.confidence, cooling_down_until: h.coolingDownUntil === null ? null : toIso(h.coolingDownUntil)} : dto
  })
  if (!Object.isFrozen(dtos)) return page
  Object.freeze(page)
  healthDtos.set(health, {dtos, page})
  return page
}

const healthDtos = new WeakMap<ReadonlyMap<string, HealthStats>, {dtos: OfferDto[]; page: OfferDto[]}>()

export function sessionDto(s: StoredSession, totalCost: MicroUsd, simulated: boolean): SessionDto {
  return {
    id: s.id,
    consumer_id: s.consumerId,
    provider: s.provider,
    provider_instance_id: s.providerInstanceId,
    offer_id: s.offerId,
    gpu_type: s.gpuType,
    gpu_count: s.gpuCount,
    status: s.status,
    ssh_host: s.sshHost,
    ssh_port: s.sshPort,
    ssh_user: s.sshUser,
    ssh_host_key_fingerprint: s.sshHostKeyFingerprint,
    ssh_host_public_key: s.sshHostPublicKey ?? null,
    ssh_jump: s.sshJump
      ? {
          host: s.sshJump.host,
          port: s.sshJump.port,
          user: s.sshJump.user,
          host_key_fingerprint: s.sshJump.hostKeyFingerprint,
          host_public_key: s.sshJump.hostPublicKey,
          identity_file: s.sshJump.identityFile,
        }
      : null,
    ssh_key_ids: (s.attachedSshKeys ?? []).map((k) => k.id),
    workload_type: s.workloadType,
    launch: s.launch
      ? {image: s.launch.image, on_start: s.launch.onStart, env_keys: s.launch.envKeys, expose: s.launch.exposePorts, model_id: s.launch.modelId, health_path: s.launch.healthPath}
      : null,
    api_endpoint: s.apiEndpoint ?? null,
    reservation_hours: s.reservationHours,
    price_per_hour: microToUsd(s.pricePerHour),
    price_per_hour_micro_usd: s.pricePerHour,
    disk_gb: s.diskGb,
    storage_policy: s.storagePolicy,
    template_hash_id: s.templateHashId,
    idle_threshold_minutes: s.idleThresholdMinutes,
    hard_max_override: s.hardMaxOverride,
    created_at: toIso(s.createdAt),
    started_at: s.startedAt === null ? null : toIso(s.startedAt),
    expires_at: toIso(s.expiresAt),
    stopped_at: s.stoppedAt === null ? null : toIso(s.stoppedAt),
    failure_reason: s.failureReason,
    total_cost: microToUsd(totalCost),
    total_cost_micro_usd: totalCost,
    simulated,
    auto_retry:
      s.retry && s.retry.maxRetries > 0
        ? {max_retries: s.retry.maxRetries, retry_scope: s.retry.scope, ssh_timeout_seconds: s.retry.sshTimeoutMs === null ? null : Math.round(s.retry.sshTimeoutMs / 1000)}
        : null,
    retry_of: s.retryOf ?? null,
    retried_as: s.retriedAs ?? null,
    retry_attempt: s.retryAttempt ?? 0,
    host_id: s.hostId ?? null,
  }
}

export function eventDto(e: SessionEvent): SessionEventDto {
  return {
    id: e.id,
    session_id: e.sessionId,
    at: toIso(e.at),
    type: e.type,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    actor: e.actor,
    message: e.message,
  }
}

export function breakdown(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, microToUsd(v)]))
}

/** A session in the quick start's GPUaaS vocabulary. */
export function allocationDto(s: StoredSession, simulated: boolean): AllocationDto {
  return {
    id: s.id,
    sku: s.spec?.sku ?? skuOf(s.gpuType),
    gpu_type: s.gpuType,
    gpus_total: s.gpuCount,
    region_code: s.spec?.region ?? null,
    status: ALLOCATION_STATUS[s.status] as AllocationDto['status'],
    failure_reason: s.failureReason,
    consumer_id: s.consumerId,
    provider: s.provider,
    offer_id: s.offerId,
    offer_attempts: s.offerAttempts,
    hourly_price_minor: Math.round(s.pricePerHour / 10_000),
    price_per_hour: microToUsd(s.pricePerHour),
    price_per_hour_micro_usd: s.pricePerHour,
    created_at: toIso(s.createdAt),
    expires_at: toIso(s.expiresAt),
    connection:
      s.status === 'running' && s.sshHost && s.sshPort && s.sshUser
        ? {
            // A guest behind a node has only an address on the node's private network.
            private_ip: s.sshJump ? s.sshHost : null,
            ssh_host: s.sshHost,
            ssh_port: s.sshPort,
            ssh_user: s.sshUser,
            via: s.sshJump ? `${s.sshJump.user}@${s.sshJump.host}:${s.sshJump.port}` : null,
          }
        : null,
    api_endpoint: s.apiEndpoint ?? null,
    retried_as: s.retriedAs ?? null,
    simulated,
  }
}

/** A registered key: its public half only. */
export function sshKeyDto(k: SshKey): SshKeyDto {
  return {id: k.id, title: k.title, fingerprint: k.fingerprint, key_type: k.keyType, public_key: k.publicKey, created_at: toIso(k.createdAt)}
}

/** A new session (or the first reply again, for a retried create): nothing is billed yet. */
export function createdSessionDto(created: CreatedSession, billed: MicroUsd, simulated: boolean): CreateSessionReply {
  return {session: sessionDto(created.session, billed, simulated), ...(created.sshPrivateKey ? {ssh_private_key: created.sshPrivateKey} : {})}
}

export function createdAllocationDto(created: CreatedSession, simulated: boolean): AllocationDto {
  return {...allocationDto(created.session, simulated), ...(created.sshPrivateKey ? {ssh_private_key: created.sshPrivateKey} : {})}
}

/** What a release did, in words, for the session as the release left it. */
export function releaseReply(session: StoredSession, simulated: boolean, mode: 'release' | 'destroy' = 'release'): MessageReply {
  return {message: releaseMessage(session, mode), session_id: session.id, simulated}
}

function releaseMessage(session: StoredSession, mode: 'release' | 'destroy'): string {
  if (session.status === 'preserved') return `session is preserved: its instance is stopped and its disk kept, billing storage; resume it (POST /api/v1/sessions/${session.id}/resume) or destroy it (DELETE /api/v1/sessions/${session.id})`
  // Only a session that ran keeps its disk (see releaseSession).
  if (session.status === 'stopping' && mode === 'release' && session.storagePolicy === 'preserve' && session.startedAt !== null) {
    return 'session is stopping: the instance will be stopped and its disk kept (storage_policy preserve), billing storage only, once the provider confirms'
  }
  if (session.status === 'stopped') return 'session already stopped'
  if (session.status === 'failed') return `session already failed${session.providerInstanceId && session.stoppedAt === null ? '; its instance is being destroyed' : ''}`
  return 'session is stopping: the instance will be destroyed and billing closed once the provider confirms'
}

export function extendReply(session: StoredSession, additionalHours: number, simulated: boolean): ExtendReply {
  return {message: `session extended by ${additionalHours} hour(s)`, session_id: session.id, new_expires_at: toIso(session.expiresAt), simulated}
}

export function budgetDto(s: BudgetStatus, simulated: boolean): BudgetDto {
  return {
    consumer_id: s.budget.consumerId,
    month: s.month,
    monthly_limit: microToUsd(s.budget.monthlyLimit),
    monthly_limit_micro_usd: s.budget.monthlyLimit,
    alert_threshold: s.budget.alertThreshold,
    on_limit: s.budget.onLimit,
    spent: microToUsd(s.spent),
    spent_micro_usd: s.spent,
    committed: microToUsd(s.committed),
    committed_micro_usd: s.committed,
    remaining: microToUsd(s.remaining),
    remaining_micro_usd: s.remaining,
    alerted: s.budget.alertedMonth === s.month,
    limit_reached: s.budget.limitReachedMonth === s.month,
    simulated,
  }
}

export function budgetRemovedReply(consumerId: string, simulated: boolean): BudgetRemovedReply {
  return {message: `budget of ${consumerId} removed`, simulated}
}

const HOUR_MS = 3_600_000

/** Billed hours to the millisecond's order (6 decimals), so short sessions do not read as 0. */
const hoursUsed = (ms: number) => Math.round((ms / HOUR_MS) * 1e6) / 1e6

export function sessionCostDto(cost: {session: StoredSession; total: MicroUsd; billedMs: number; byComponent: Record<string, MicroUsd>}, simulated: boolean): SessionCostReply {
  return {
    session_id: cost.session.id,
    total_cost: microToUsd(cost.total),
    total_cost_micro_usd: cost.total,
    currency: 'USD',
    hours_used: hoursUsed(cost.billedMs),
    status: cost.session.status,
    by_component_micro_usd: cost.byComponent,
    simulated,
  }
}

export function costReportDto(report: CostReport, consumerId: string | undefined, series: SeriesPoint[] | undefined, simulated: boolean): CostsReply {
  return {
    consumer_id: consumerId ?? null,
    start_date: report.startDate ?? null,
    end_date: report.endDate ?? null,
    total_cost: microToUsd(report.total),
    total_cost_micro_usd: report.total,
    currency: 'USD',
    session_count: report.sessionCount,
    hours_used: hoursUsed(report.billedMs),
    by_provider: breakdown(report.byProvider),
    by_gpu_type: breakdown(report.byGpuType),
    by_provider_micro_usd: report.byProvider,
    by_gpu_type_micro_usd: report.byGpuType,
    by_component_micro_usd: report.byComponent,
    ...(series ? {series: series.map((p) => ({period: p.period, total_cost: microToUsd(p.total), total_cost_micro_usd: p.total}))} : {}),
    simulated,
  }
}

export function costSummaryDto(summary: MonthSummary, consumerId: string | undefined, simulated: boolean): CostSummaryReply {
  const {month, report} = summary
  return {
    ...costReportDto(report, consumerId, undefined, simulated),
    month: month.label,
    by_consumer: breakdown(report.byConsumer),
    by_consumer_micro_usd: report.byConsumer,
    active_sessions: summary.activeSessions,
  }
}

export function catalogItemDto(r: CatalogRow): CatalogItem {
  return {
    sku: skuOf(r.gpuType),
    gpu_type: r.gpuType,
    vram_gb: r.vramGb,
    gpus_total: r.gpuCount,
    hourly_price_minor: Math.round(r.minPrice / 10_000),
    min_price_per_hour: microToUsd(r.minPrice),
    max_price_per_hour: microToUsd(r.maxPrice),
    min_price_per_hour_micro_usd: r.minPrice,
    max_price_per_hour_micro_usd: r.maxPrice,
    offers: r.offers,
    regions: r.countries,
    providers: r.providers,
  }
}

export function pricePointDto(p: StoredPricePoint): PricePointDto {
  return {
    at: toIso(p.at),
    provider: p.provider,
    gpu_type: p.gpuType,
    min_price_per_gpu_hour: microToUsd(p.min),
    median_price_per_gpu_hour: microToUsd(p.median),
    min_price_per_gpu_hour_micro_usd: p.min,
    median_price_per_gpu_hour_micro_usd: p.median,
    offer_count: p.count,
  }
}

export function deletedSshKeyReply(k: SshKey): SshKeyRemovedReply {
  return {message: `SSH key ${k.id} ("${k.title}") removed; instances already set up with it keep it until they are released`, id: k.id}
}

const GIB = 1024 ** 3

/** A node with its resources, GPUs (and who holds them) and every finding with its fix. */
export function nodeDto({node, discovery, readiness, heldSlots}: NodeView): NodeDto {
  const facts = discovery?.facts ?? null
  const holder = new Map(heldSlots.map((held) => [held.slot, held.sessionId]))
  return {
    id: node.id,
    name: node.name,
    host: node.host,
    port: node.port,
    user: node.user,
    identity_file: node.identityFile,
    region: node.region,
    price_per_gpu_hour: microToUsd(node.pricing.pricePerGpuHour),
    price_per_gpu_hour_micro_usd: node.pricing.pricePerGpuHour,
    cpu_slices: node.pricing.cpuSlices,
    cpu_slice_price_per_hour: microToUsd(node.pricing.cpuSlicePricePerHour),
    cpu_slice_price_per_hour_micro_usd: node.pricing.cpuSlicePricePerHour,
    libvirt: {uri: node.libvirt.uri, storage_pool: node.libvirt.pool, network: node.libvirt.network, base_image: node.libvirt.baseImage, virt_type: node.libvirt.virtType},
    host_key_fingerprint: node.hostKey.fingerprint,
    status: readiness === null ? 'unknown' : readiness.vmReady ? 'ready' : 'not_ready',
    resources:
      facts === null
        ? null
        : {
            cpus: facts.cpus,
            memory_gib: Math.round((facts.memTotalKiB / 1024 ** 2) * 10) / 10,
            libvirt_version: facts.libvirt.state === 'reachable' ? facts.libvirt.version : null,
            hypervisor: facts.libvirt.state === 'reachable' ? facts.libvirt.hypervisor : null,
            kvm: facts.libvirt.state === 'reachable' && facts.libvirt.kvm,
            pool_path: facts.pool?.path ?? null,
            pool_free_gib: facts.pool ? Math.round((facts.pool.availableBytes / GIB) * 10) / 10 : null,
          },
    base_images: (readiness?.baseImages ?? []).map((image) => ({name: image.name, direct_kernel: image.kernel !== null})),
    gpus: (readiness?.passthrough.gpus ?? []).map(({gpu, ready, passTogether, findings}) => ({
      address: gpu.device.address,
      vendor: gpu.vendor,
      vendor_id: gpu.device.vendorId,
      device_id: gpu.device.deviceId,
      model: gpu.model?.name ?? null,
      vram_gb: gpu.model?.vramGb ?? null,
      driver: gpu.device.driver,
      iommu_group: gpu.device.iommuGroup,
      ready,
      pass_together: passTogether,
      findings,
      held_by: holder.get(`gpu:${gpu.device.address}`) ?? null,
    })),
    findings: [
      ...(readiness?.vmHost ?? []).map((finding) => ({...finding, scope: 'vm' as const})),
      ...(readiness?.passthrough.host ?? []).map((finding) => ({...finding, scope: 'passthrough' as const})),
    ],
    passthrough_possible: readiness?.passthrough.passthroughPossible ?? false,
    held_slots: heldSlots.map(({slot, sessionId}) => ({slot, session_id: sessionId})),
    discovered_at: node.discoveredAt === null ? null : toIso(node.discoveredAt),
    created_at: toIso(node.createdAt),
  }
}

export function removedNodeReply(node: StoredNode): NodeRemovedReply {
  return {message: `node ${node.name} removed; its base images and libvirt setup on the host are left as they are`, id: node.id, name: node.name}
}

export function auditEntryDto(e: AuditEntry): AuditEntryDto {
  return {
    id: e.id,
    at: toIso(e.at),
    user: e.userId,
    tenant: e.tenantId,
    role: e.role,
    method: e.method,
    route: e.route,
    target: e.target,
    request_id: e.requestId,
    status_code: e.statusCode,
    outcome: e.outcome,
  }
}

export function databaseStatusDto(status: DatabaseStatus): DatabaseStatusDto {
  return {
    engine: status.engine,
    reachable: status.reachable,
    latency_ms: status.latencyMs,
    schema_version: status.schemaVersion,
    error: status.error,
    leader_roles: status.leaderRoles,
  }
}

/** A diagnosis in the API's words (see services/session-diagnostics.ts). */
export function diagnosticsDto(d: Diagnosis, simulated: boolean): DiagnosticsReply {
  const r = d.readings
  return {
    session_id: d.session.id,
    status: d.session.status,
    at: toIso(d.at),
    provider: {name: d.session.provider, instance_id: d.provider.instanceId, state: d.provider.state, status_message: d.provider.statusMessage, error: d.provider.error},
    ssh: {reachable: d.ssh.reachable, target: d.ssh.target, latency_ms: d.ssh.latencyMs, error: d.ssh.error},
    gpus:
      r?.gpus?.map((g) => ({name: g.name, memory_used_mib: g.memoryUsedMiB, memory_total_mib: g.memoryTotalMiB, utilization_pct: g.utilizationPct, temperature_c: g.temperatureC})) ?? null,
    gpu_error: r?.gpuError ?? null,
    disk: r?.disk ? {size_gb: r.disk.sizeGb, used_gb: r.disk.usedGb, available_gb: r.disk.availableGb, used_pct: r.disk.usedPct} : null,
    memory: r?.memory ? {total_mib: r.memory.totalMiB, used_mib: r.memory.usedMiB, available_mib: r.memory.availableMiB} : null,
    oom_kills: r?.oomKills ?? null,
    oom_kernel_lines: r?.oomKernelLines ?? null,
    workload: d.workload ? {health_url: d.workload.healthUrl, health: d.workload.health, log_tail: d.workload.logTail} : null,
    problems: d.problems,
    simulated,
  }
}
