import {DEFAULT_DISK_GB} from '../../src/core/limits.js'
import {toMicroUsd} from '../../src/core/money.js'
import type {Offer} from '../../src/core/offer.js'
import type {CreateSessionInput} from '../../src/services/session-service.js'

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
