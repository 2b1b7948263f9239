import {toIso} from '../src/core/clock.js'
import {microToUsd, type MicroUsd} from '../src/core/money.js'
import type {Offer} from '../src/core/offer.js'
import type {AllocationDto} from '../src/core/api/allocations.js'
import type {OfferDto} from '../src/core/api/inventory.js'
import {skuOf} from '../src/core/sku.js'
import {ALLOCATION_STATUS} from '../src/core/session-status.js'
import type {SessionDto, SessionEventDto} from '../src/core/api/sessions.js'
import type {SshKeyDto} from '../src/core/api/ssh-keys.js'
import type {SessionEvent} from '../src/store/session-events-repo.js'
import type {StoredSession} from '../src/store/sessions-repo.js'
import type {SshKey} from '../src/store/ssh-keys-repo.js'

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
    price_per_gpu_hour: microToUsd(Math.round(o.pricePerHour / o.gpuCount)),
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
  }
}

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
    ssh_key_ids: (s.attachedSshKeys ?? []).map((k) => k.id),
    workload_type: s.workloadType,
    reservation_hours: s.reservationHours,
    price_per_hour: microToUsd(s.pricePerHour),
    price_per_hour_micro_usd: s.pricePerHour,
    disk_gb: s.diskGb,
    storage_policy: s.storagePolicy,
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
        ? {private_ip: null, ssh_host: s.sshHost, ssh_port: s.sshPort, ssh_user: s.sshUser}
        : null,
    simulated,
  }
}

/** A registered key: its public half only. */
export function sshKeyDto(k: SshKey): SshKeyDto {
  return {id: k.id, title: k.title, fingerprint: k.fingerprint, key_type: k.keyType, public_key: k.publicKey, created_at: toIso(k.createdAt)}
}
