import {OS_RELEASE} from './fake-shell.js'
import {buildGpuBox, claimedGpuBox, type GpuBox, type GpuBoxSpec, type GpuClaim} from './gpu-box.js'
import {generateHostKey, type HostKey} from './host-key.js'
import {MemoryFs, type MemoryFsJson} from './memory-fs.js'
import type {LaunchedModelServer} from './model-server-programs.js'
import type {Random} from './prng.js'

/**
 * One simulated machine behind an instance: its own SSH host key (so two instances never share
 * a fingerprint and `connect` can pin each), the GPUs it really has (or claims to have when a
 * test makes it lie), its one disk, which its shell and its SFTP server share, and the servers
 * its workloads started. Serialises to JSON (the disk through MemoryFs.toJSON), so it persists
 * with the instance.
 */
export interface SimMachine {
  hostKey: HostKey
  gpus: GpuBox
  /** What nvidia-smi reports instead of `gpus` (set through the control API); null tells the truth. */
  claimedGpus: GpuBox | null
  fs: MemoryFs
  /** Where its sshd last listened, so a restarted simulator opens the same port (when it is free). */
  sshPort: number | null
  /** Model servers running on it (machine-workloads.ts), so a restarted simulator starts them again. */
  workloads: LaunchedModelServer[]
  /** The kernel's log (`dmesg`): what happened to the machine, such as an OOM kill. */
  kernelLog: string[]
  /** Processes the kernel killed for want of memory, as its cgroup's memory.events counts them. */
  oomKills: number
}

/** A new machine for a new instance: fresh host key, the rented GPUs with fresh device ids, a fresh disk. */
export function newMachine(gpus: GpuBoxSpec, clock: {now(): number}, hostname: string): SimMachine {
  const fs = MemoryFs.standard(clock, {'/etc/os-release': OS_RELEASE, '/etc/hostname': `${hostname}\n`})
  return {hostKey: generateHostKey(), gpus: buildGpuBox(gpus), claimedGpus: null, fs, sshPort: null, workloads: [], kernelLog: [], oomKills: 0}
}

/** A machine as a state file held it (JSON.stringify wrote the disk through MemoryFs.toJSON). */
export function machineFromJSON(json: SimMachine, clock: {now(): number}): SimMachine {
  return {
    ...json,
    fs: MemoryFs.fromJSON(clock, json.fs as unknown as MemoryFsJson),
    sshPort: json.sshPort ?? null,
    workloads: json.workloads ?? [],
    kernelLog: json.kernelLog ?? [],
    oomKills: json.oomKills ?? 0,
  }
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
