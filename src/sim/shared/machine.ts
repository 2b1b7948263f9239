import {buildGpuBox, claimedGpuBox, type GpuBox, type GpuBoxSpec, type GpuClaim} from './gpu-box.js'
import {generateHostKey, type HostKey} from './host-key.js'
import type {Random} from './prng.js'

/**
 * One simulated machine behind an instance: its own SSH host key (so two instances never share
 * a fingerprint and `connect` can pin each), and the GPUs it really has, or claims to have when
 * a test makes it lie. Plain JSON, so it persists with the instance.
 */
export interface SimMachine {
  hostKey: HostKey
  gpus: GpuBox
  /** What nvidia-smi reports instead of `gpus` (set through the control API); null tells the truth. */
  claimedGpus: GpuBox | null
}

/** A new machine for a new instance: fresh host key, the rented GPUs with fresh device ids. */
export function newMachine(gpus: GpuBoxSpec): SimMachine {
  return {hostKey: generateHostKey(), gpus: buildGpuBox(gpus), claimedGpus: null}
}

/** The GPUs nvidia-smi shows: the claim when the machine lies, else the real ones. */
export function reportedGpus(machine: SimMachine): GpuBox {
  return machine.claimedGpus ?? machine.gpus
}

/** Makes the machine report other GPUs (an empty claim tells the truth again). */
export function claimGpus(machine: SimMachine, claim: GpuClaim, rng: Random): GpuBox {
  const empty = claim.name === undefined && claim.count === undefined && claim.memoryMiB === undefined
  machine.claimedGpus = empty ? null : claimedGpuBox(machine.gpus, claim, rng)
  return reportedGpus(machine)
}
