import {DEFAULT_DISK_GB} from '../../src/core/limits.js'
import {asMicroUsd, toMicroUsd} from '../../src/core/money.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import type {Offer} from '../../src/core/offer.js'
import type {CreateSessionInput} from '../../src/services/session-service.js'
import type {StoredSession} from '../../src/store/sessions-repo.js'

/**
 * A stored offer for unit tests: one RTX 4090 in Texas at $0.40/h, priced for the default 50 GB
 * disk at Vast.ai's monthly disk rate. The provider and its id are read from `id`
 * (`vastai-123`, `tensordock-<location>-<name>`); `over` changes the rest.
 */
export function offerFixture(id: string, over: Partial<Offer> = {}): Offer {
  const dash = id.indexOf('-')
  return {
    id,
    provider: id.slice(0, dash) as Offer['provider'],
    providerId: id.slice(dash + 1),
    gpuType: 'RTX 4090',
    gpuCount: 1,
    vramGb: 24,
    pricePerHour: toMicroUsd(0.4),
    location: 'Texas, US',
    countryCode: 'US',
    reliability: 0.99,
    available: true,
    fetchedAt: 0,
    cudaVersion: 12.4,
    diskGb: 200,
    cpuCores: 16,
    ramGb: 64,
    inetDownMbps: 900,
    priceIncludes: {diskGb: 50, vcpus: null, ramGb: null},
    diskRate: {usdPerGb: 0.15, per: 'month', minimumGb: 1},
    ...over,
  }
}

/** What a create asks for, as a route would pass it on: 2 h of `offerId` with the default disk and no key. */
export function sessionInputFixture(offerId: string, over: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    consumerId: 'team',
    offerId,
    workloadType: 'ssh',
    launch: {workloadType: 'ssh', image: null, onStart: null, env: {}, exposePorts: [], modelId: null},
    reservationHours: 2,
    idleThresholdMinutes: 0,
    storagePolicy: 'destroy',
    diskGb: DEFAULT_DISK_GB,
    templateHashId: null,
    sshPublicKey: null,
    sshKeyIds: [],
    hardMaxOverride: false,
    ...over,
  }
}

/** A session row as the store keeps it: running on `vastai-1` since `now`, for an hour. */
export function storedSessionFixture(id: string, now: number, over: Partial<StoredSession> = {}): StoredSession {
  return {
    id,
    consumerId: 'tests',
    provider: 'vastai',
    providerInstanceId: null,
    offerId: 'vastai-1',
    offerProviderId: '1',
    gpuType: 'RTX 4090',
    gpuCount: 1,
    status: 'running',
    sshHost: null,
    sshPort: null,
    sshUser: null,
    sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7p2Gkq6bH3n4Yk0Zx1v8W0G1bq2Jk3Xy7m5Qh0d9Ts test',
    sshHostKeyFingerprint: null,
    workloadType: 'ssh',
    reservationHours: 1,
    pricePerHour: asMicroUsd(360_000),
    diskGb: 50,
    storagePolicy: 'destroy',
    idleThresholdMinutes: 0,
    templateHashId: null,
    hardMaxOverride: false,
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    expiresAt: now + 3_600_000,
    stoppedAt: null,
    failureReason: null,
    spec: null,
    offerAttempts: 1,
    createAttemptedAt: null,
    idleSince: null,
    lastGpuSampleAt: null,
    lastGpuUtilizationPct: null,
    destroyRequestedAt: null,
    ...over,
  }
}

/** An offer as the API lists it, for clients' tests: the same RTX 4090 in Texas at $0.40/h, 0.95 reliable; `fields` changes the rest. */
export function offerDtoFixture(id: string, fields: Partial<OfferDto> = {}): OfferDto {
  return {
    id,
    provider: 'vastai',
    provider_id: id,
    gpu_type: 'RTX 4090',
    gpu_count: 1,
    vram_gb: 24,
    price_per_hour: 0.4,
    price_per_hour_micro_usd: 400_000,
    price_per_gpu_hour: 0.4,
    location: 'Texas, US',
    country_code: 'US',
    reliability: 0.95,
    available: true,
    fetched_at: '2026-12-01T10:00:00Z',
    cuda_version: 12.4,
    disk_gb: 100,
    cpu_cores: 16,
    ram_gb: 64,
    inet_down_mbps: 900,
    price_includes: {disk_gb: 50, vcpus: null, ram_gb: null},
    disk_rate: null,
    host_id: null,
    availability_confidence: 0.9,
    cooling_down_until: null,
    ...fields,
  }
}
