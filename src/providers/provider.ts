import type {InventoryQuery} from '../core/inventory-query.js'
import type {LaunchSupport} from '../core/launch-support.js'
import type {MicroUsd} from '../core/money.js'
import type {Offer} from '../core/offer.js'
import type {ProviderName} from '../core/provider-name.js'
import type {SshJump} from '../core/ssh-jump.js'
import type {Template} from '../core/template.js'
import {ProviderError} from './errors.js'
import type {MarketStream} from './market-stream.js'

/**
 * The one port every marketplace sits behind. Adapters speak their provider's real HTTP API
 * at a configurable base URL and translate to and from these shapes; nothing above this
 * line knows a provider's wire format.
 */
export interface ProviderAdapter {
  readonly name: ProviderName
  readonly capabilities: ProviderCapabilities
  /** Offers matching the query, normalised; filters are pushed down to the provider where it can. */
  searchOffers(query: InventoryQuery, options?: CallOptions): Promise<Offer[]>
  /**
   * The provider's whole market (up to `limit` offers) as it downloads, for markets too large
   * to hold as one reply (Vast.ai's). Providers without it are refreshed through `searchOffers`.
   */
  streamMarket?(limit: number, options?: CallOptions): Promise<MarketStream>
  /** Rents the offer. Never retried blindly: callers look the label up first (see findByLabel). */
  createInstance(request: CreateInstanceRequest, options?: CallOptions): Promise<CreatedInstance>
  /** null when the provider says the instance does not exist (any more). */
  getInstance(providerInstanceId: string, options?: CallOptions): Promise<ProviderInstance | null>
  /**
   * Every instance on the account whose label starts with `labelPrefix` (all when omitted).
   * A provider spread over several places it must ask one by one (self-hosted nodes) throws
   * PartialInstanceListError when only some of them answered.
   */
  listInstances(filter?: {labelPrefix?: string}, options?: CallOptions): Promise<ProviderInstance[]>
  /** Idempotent: an instance that is already gone counts as destroyed. */
  destroyInstance(providerInstanceId: string, options?: CallOptions): Promise<void>
  /**
   * Stops the instance and keeps its disk, which bills on at the provider's storage rate
   * (`storage_policy: preserve`); left out where stopping does not keep or bill that way.
   * Idempotent. The stop is confirmed by reading the instance, not by this reply.
   */
  stopInstance?(providerInstanceId: string, options?: CallOptions): Promise<void>
  /** Starts a stopped instance again (a preserved session resumed). Idempotent. */
  startInstance?(providerInstanceId: string, options?: CallOptions): Promise<void>
  /**
   * Authorises keys on an existing instance (providers that attach keys after create). Needed
   * when an instance was adopted by its label: the create that made it may have died before
   * attaching them. Attaching a key twice is harmless.
   */
  attachSshKeys?(providerInstanceId: string, publicKeys: string[], options?: CallOptions): Promise<void>
  /**
   * What the provider itself charged for an instance, from its billing records, for the
   * instance's life `[createdAt, endedAt]`; null when its records do not cover that span yet
   * (charges can lag). Providers without per-instance charges leave this out.
   */
  instanceCharge?(providerInstanceId: string, span: {createdAt: number; endedAt: number}, options?: CallOptions): Promise<ProviderCharge | null>
  /**
   * The provider's ready-made setups (Vast.ai templates, TensorDock's OS images), normalised:
   * those worth listing (Vast.ai's recommended ones, every TensorDock image), or the one `query`
   * names whether listed or not (empty when there is no such template). Providers without
   * templates leave this out.
   */
  listTemplates?(query?: TemplateQuery, options?: CallOptions): Promise<Template[]>
}

export interface TemplateQuery {
  /** The provider's own template id (Vast.ai: the hash_id; TensorDock: the OS image). */
  providerTemplateId?: string
}

export interface ProviderCharge {
  amount: MicroUsd
  /** Epoch ms the provider's records for the instance run until. */
  coveredUntil: number
}

/**
 * How the provider bills the instance, read from its own records: times on the provider's
 * clock and rates as charged (rounded up to the micro-dollar).
 */
export interface InstanceBillingTerms {
  /** When the provider created it (storage bills from here); null when it does not say. */
  createdAt: number | null
  /** When it started running (compute bills from here); null while not running or unknown. */
  runningSince: number | null
  /** True when compute bills from creation, running or not (TensorDock's VMs). */
  computeFromCreate: boolean
  computePerHour: MicroUsd
  storagePerHour: MicroUsd
}

export interface ProviderCapabilities {
  /** The provider can filter offers server-side (otherwise we filter after fetching). */
  serverSideFilters: boolean
  /** Keys must be attached after create (Vast.ai: `ssh_key` in the create body is unreliable). */
  attachSshKeyAfterCreate: boolean
  /** An offer is one machine and can be rented once (Vast.ai asks); else a listing with capacity. */
  singleUseOffers: boolean
  /**
   * Create is deterministic by label and finishes what an earlier attempt left (self-hosted:
   * we are the provider): after a create of unknown outcome, call it again instead of waiting
   * for the label to show in a lagging list.
   */
  resumableCreate: boolean
  /** What it can run on an instance: which images, whether ports can be published. */
  launch: LaunchSupport
}

/** What an adapter logs through; pino-compatible, so the daemon can pass its logger straight in. */
export interface AdapterLogger {
  warn(details: Record<string, unknown>, message: string): void
}

export interface CallOptions {
  signal?: AbortSignal
  /** A poll that can come later: sent only with spare pacing, never retried or waited on (see JsonRequest.background). */
  background?: boolean
}

export interface CreateInstanceRequest {
  /** The provider's own offer id (the part after `<provider>-`). */
  offerProviderId: string
  /**
   * Told each step of a create that takes several (a self-hosted slice: disk, seed, domain,
   * start), as it completes: the caller records it, and may die there in crash tests.
   */
  onStep?: (step: string, message: string) => void
  /** `gpu-shopper:<deployment_id>:<session_id>`. */
  label: string
  /** OpenSSH public key lines to authorise for the default user and root. */
  sshPublicKeys: string[]
  diskGb: number
  /** Container or OS image; the adapter's default when absent. */
  image?: string | null
  /** Ports to publish; the instance reports where each is reachable (ProviderInstance.ports). */
  exposePorts?: readonly number[]
  templateHashId?: string | null
}

export interface CreatedInstance {
  providerInstanceId: string
}

export type {SshJump}

export type ProviderInstanceState = 'provisioning' | 'running' | 'stopped' | 'failed'

export interface ProviderInstance {
  providerInstanceId: string
  label: string | null
  state: ProviderInstanceState
  /** The provider's own status text, for events and failure reasons. */
  statusMessage: string | null
  /** Reachable SSH endpoint, once the provider reports one. */
  ssh: {host: string; port: number; user: string; jump?: SshJump} | null
  /** Where each published port is reachable, keyed by the instance's own port; empty until the provider maps them. */
  ports?: ReadonlyMap<number, {host: string; port: number}>
  /** What the provider actually charges per hour while it runs, when it says. */
  pricePerHour: MicroUsd | null
  /** How it bills, when the provider's reply says enough to know. */
  billing: InstanceBillingTerms | null
  gpuType: string | null
  gpuCount: number | null
}

/** One place a provider lists from (a self-hosted node) that did not answer, and why. */
export interface UnlistedScope {
  scope: string
  error: ProviderError
}

/**
 * Some of a provider's places answered a list and some did not. An error, not a short list, so
 * that no caller concludes "absent" from it by accident (a label lookup before a create, ghost
 * marking): only one that knows what it is doing (the reconciler) reads `instances`, and then
 * only as "these exist", never as "nothing else does". Retryable: the places may answer later.
 */
export class PartialInstanceListError extends ProviderError {
  constructor(
    provider: ProviderName,
    readonly instances: readonly ProviderInstance[],
    readonly unlisted: readonly UnlistedScope[],
  ) {
    super(provider, `the instance list is incomplete: ${unlisted.map((u) => u.error.message).join('; ')}`, true)
    this.name = 'PartialInstanceListError'
  }
}
