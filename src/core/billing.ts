import type {MicroUsd} from './money.js'

/**
 * What a provider bills for one instance, on the provider's clock: storage from the create it
 * confirmed, compute from when it says the instance runs, both until the destroy it confirmed.
 * The ledger bills each component from its own origin, so a session costs what the provider
 * charges (Vast.ai: compute only while running, disk from creation).
 */
export interface InstanceBilling {
  sessionId: string
  /** Epoch ms the storage charge starts (the provider's create time). */
  storageFrom: number
  storagePerHour: MicroUsd
  /** Epoch ms the compute charge starts; null until the provider reports the instance running. */
  computeFrom: number | null
  /**
   * Epoch ms a verified stop ended the compute charge (a preserved session's disk bills on);
   * null while it runs. A resume moves computeFrom to the new start and clears this.
   */
  computeUntil: number | null
  computePerHour: MicroUsd
  /** Epoch ms the provider confirmed the destroy; null while the instance exists. */
  endedAt: number | null
  /** When the ledger was squared with the provider's own bill, or given up on; null while open. */
  settledAt: number | null
  /** The provider's own charge for the instance, once read; null when it has no such figure. */
  providerChargeMicro: MicroUsd | null
}

/** What a ledger row bills: compute or storage time, or a settlement with the provider's own bill. */
export type LedgerComponent = 'compute' | 'storage' | 'settlement'

export interface BilledComponent {
  component: Exclude<LedgerComponent, 'settlement'>
  from: number
  /** Where it stops short of the instance's end (compute of a stopped instance); null: it does not. */
  until: number | null
  pricePerHour: MicroUsd
}

/** The running charges of an instance: each with its origin and rate (zero rates bill nothing). */
export function billedComponents(billing: InstanceBilling): BilledComponent[] {
  const out: BilledComponent[] = []
  if (billing.storagePerHour > 0) out.push({component: 'storage', from: billing.storageFrom, until: null, pricePerHour: billing.storagePerHour})
  if (billing.computeFrom !== null && billing.computePerHour > 0) {
    out.push({component: 'compute', from: billing.computeFrom, until: billing.computeUntil, pricePerHour: billing.computePerHour})
  }
  return out
}

/** What the instance bills per hour while it runs: every component together. */
export function runningRate(billing: Pick<InstanceBilling, 'storagePerHour' | 'computePerHour'>): MicroUsd {
  return (billing.storagePerHour + billing.computePerHour) as MicroUsd
}
