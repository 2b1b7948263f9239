import {describeGpu, vramGbFromMib} from './gpu-names.js'

/** One GPU as the box itself reports it (`nvidia-smi --query-gpu=name,memory.total`). */
export interface ReportedGpu {
  name: string
  memoryMib: number
}

/** What the listing promised. */
export interface ListedGpus {
  gpuType: string
  gpuCount: number
  /** Per GPU; null when the listing did not say. */
  vramGb: number | null
}

/** The command whose output `parseReportedGpus` reads: one CSV line per GPU. */
export const GPU_REPORT_COMMAND = 'nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits'

/** Reads `name, memory.total` lines; null when the output is not that (nvidia-smi broken, no driver). */
export function parseReportedGpus(stdout: string): ReportedGpu[] | null {
  const gpus: ReportedGpu[] = []
  for (const line of stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const comma = line.lastIndexOf(',')
    if (comma <= 0) return null
    const name = line.slice(0, comma).trim()
    const memoryMib = Number(line.slice(comma + 1).trim())
    if (name === '' || !Number.isFinite(memoryMib) || memoryMib <= 0) return null
    gpus.push({name, memoryMib})
  }
  return gpus.length > 0 ? gpus : null
}

/**
 * Whether the box is what was rented: as many GPUs as listed, each of the listed model (and
 * form factor, where both sides name one) with the listed VRAM. Returns why not, or null when
 * it matches. Names are compared through the one normaliser every marketplace's names go
 * through, so "NVIDIA GeForce RTX 4090" is an "RTX 4090" and "NVIDIA H100 80GB HBM3" an "H100 SXM".
 */
export function listingMismatch(reported: readonly ReportedGpu[], listed: ListedGpus): string | null {
  const expected = describeGpu(listed.gpuType, listed.vramGb ?? undefined)
  const problems: string[] = []
  if (reported.length !== listed.gpuCount) problems.push(`${reported.length} GPU${reported.length === 1 ? '' : 's'} instead of ${listed.gpuCount}`)
  const seen = new Set<string>()
  for (const gpu of reported) {
    const vramGb = vramGbFromMib(gpu.memoryMib)
    const actual = describeGpu(gpu.name, vramGb)
    const wrongModel = actual.family.toLowerCase() !== expected.family.toLowerCase()
    const wrongForm = actual.formFactor !== null && expected.formFactor !== null && actual.formFactor !== expected.formFactor
    const wrongVram = listed.vramGb !== null && vramGb !== listed.vramGb
    if (!wrongModel && !wrongForm && !wrongVram) continue
    const what = `${gpu.name} with ${vramGb} GB`
    if (!seen.has(what)) problems.push(what)
    seen.add(what)
  }
  if (problems.length === 0) return null
  const promised = `${listed.gpuCount}x ${listed.gpuType}${listed.vramGb !== null ? ` ${listed.vramGb} GB` : ''}`
  return `the box does not match its listing: listed ${promised}, nvidia-smi reports ${problems.join('; ')}`
}
