import type {MicroUsd} from './money.js'
import type {ProviderName} from './provider-name.js'
import type {SessionStatus} from './session-status.js'

/** `llm_vllm` and `llm_tgi` start a model server and wait for it (see workload-launch.ts); the others are labels. */
export const WORKLOAD_TYPES = ['llm', 'training', 'batch', 'ssh', 'llm_vllm', 'llm_tgi'] as const
export type WorkloadType = (typeof WORKLOAD_TYPES)[number]

export const STORAGE_POLICIES = ['destroy', 'preserve'] as const
export type StoragePolicy = (typeof STORAGE_POLICIES)[number]

export interface Session {
  id: string
  consumerId: string
  provider: ProviderName
  providerInstanceId: string | null
  offerId: string
  gpuType: string
  gpuCount: number
  status: SessionStatus
  sshHost: string | null
  sshPort: number | null
  sshUser: string | null
  /** OpenSSH public key line the instance trusts for this session. */
  sshPublicKey: string
  /** SHA256 fingerprint of the host key learned at verification, pinned afterwards. */
  sshHostKeyFingerprint: string | null
  workloadType: WorkloadType
  reservationHours: number
  pricePerHour: MicroUsd
  diskGb: number
  storagePolicy: StoragePolicy
  idleThresholdMinutes: number
  templateHashId: string | null
  hardMaxOverride: boolean
  createdAt: number
  updatedAt: number
  /** Set when the instance starts running (billing starts). */
  startedAt: number | null
  expiresAt: number
  /** Verified stop time; accrual ends exactly here. */
  stoppedAt: number | null
  failureReason: string | null
}
