import {boxFacts, type GpuClaim} from '../shared/gpu-box.js'
import {isRecord} from '../shared/http-util.js'
import {claimGpus, reportedGpus, type SimMachine} from '../shared/machine.js'
import {deriveSeed, mulberry32} from '../shared/prng.js'

/**
 * `POST /_sim/gpu-report` on either simulator: makes one instance's box lie about its GPUs, so
 * a daemon-side check of "is this what I rented?" can be tested. Body:
 * `{"instance_id": ID, "gpu_name"?: "RTX 3090", "num_gpus"?: 2, "gpu_ram_mib"?: 24576}` (any
 * spelling of the model: a marketplace's name, a v0Name or nvidia-smi's). What is left out stays
 * as rented; `{"instance_id": ID}` alone makes it tell the truth again. The provider API keeps
 * showing what was rented: only the machine lies.
 */
export function parseGpuClaim(body: Record<string, unknown>): GpuClaim | string {
  const claim: GpuClaim = {}
  if (body.gpu_name !== undefined && body.gpu_name !== null) {
    if (typeof body.gpu_name !== 'string' || body.gpu_name.trim() === '') return 'gpu_name must be a GPU model name, e.g. "RTX 3090"'
    claim.name = body.gpu_name.trim()
  }
  const count = body.num_gpus ?? body.count
  if (count !== undefined && count !== null) {
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 64) return 'num_gpus must be a whole number from 1 to 64'
    claim.count = count as number
  }
  if (body.gpu_ram_mib !== undefined && body.gpu_ram_mib !== null) {
    if (!Number.isInteger(body.gpu_ram_mib) || (body.gpu_ram_mib as number) < 1) return 'gpu_ram_mib must be a positive whole number of MiB per GPU'
    claim.memoryMiB = body.gpu_ram_mib as number
  }
  return claim
}

/** The body `/_sim/gpu-report` takes, with an instance id written as `id` (`N`, `"<uuid>"`). */
export function gpuReportUsage(id: string): string {
  return `body must be {"instance_id": ${id}, "gpu_name"?: string, "num_gpus"?: N, "gpu_ram_mib"?: N}`
}

/** Applies a parsed claim and returns what nvidia-smi on the box now reports. */
export function applyGpuClaim(machine: SimMachine, instanceId: string | number, claim: GpuClaim): Record<string, unknown> {
  claimGpus(machine, claim, mulberry32(deriveSeed(0, `claim:${instanceId}`)))
  return renderReportedGpus(machine)
}

/** What the box's nvidia-smi says, for `/_sim/instances` and the reply of `/_sim/gpu-report`. */
export function renderReportedGpus(machine: SimMachine): Record<string, unknown> {
  const box = reportedGpus(machine)
  return {name: boxFacts(box).product, num_gpus: box.devices.length, gpu_ram_mib: box.memoryMiB, truthful: machine.claimedGpus === null}
}

export function isGpuReportBody(body: unknown): body is Record<string, unknown> {
  return isRecord(body) && body.instance_id !== undefined && body.instance_id !== null
}
