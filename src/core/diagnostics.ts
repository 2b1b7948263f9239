import {WORKLOAD_LOG} from './workload-launch.js'

/** How many lines of the workload's log a diagnosis shows. */
export const LOG_TAIL_LINES = 20

const SECTIONS = ['gpus', 'disk', 'memory', 'kernel', 'cgroup', 'log'] as const
type Section = (typeof SECTIONS)[number]
const MARK = '--- gpu-shopper:'

/**
 * One SSH exec that gathers what a diagnosis needs, each part after its own marker line so one
 * failing command (no nvidia-smi, dmesg not permitted in a container) costs only its part.
 * OOM kills are read from the kernel log where it may be read (a VM) and from the cgroup's
 * memory.events, which counts them inside a container too.
 */
export const DIAGNOSTICS_COMMAND = [
  `echo '${MARK}gpus'; nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu,temperature.gpu --format=csv,noheader,nounits 2>&1`,
  `echo '${MARK}disk'; df -P -k / 2>&1`,
  `echo '${MARK}memory'; free -m 2>&1`,
  `echo '${MARK}kernel'; dmesg 2>&1 | grep -iE 'out of memory|oom-kill|killed process|read kernel buffer' | tail -n 5`,
  `echo '${MARK}cgroup'; cat /sys/fs/cgroup/memory.events 2>/dev/null`,
  `echo '${MARK}log'; tail -n ${LOG_TAIL_LINES} ${WORKLOAD_LOG} 2>/dev/null`,
].join('; ')

export interface GpuReading {
  name: string
  memoryUsedMiB: number | null
  memoryTotalMiB: number | null
  utilizationPct: number | null
  temperatureC: number | null
}

export interface InstanceReadings {
  /** null when nvidia-smi did not answer with readings (its output is in `gpuError`). */
  gpus: GpuReading[] | null
  gpuError: string | null
  disk: {sizeGb: number; usedGb: number; availableGb: number; usedPct: number} | null
  memory: {totalMiB: number; usedMiB: number; availableMiB: number} | null
  /** Kernel log lines about OOM kills; null when the kernel log cannot be read here (a container). */
  oomKernelLines: string[] | null
  /** The cgroup's count of OOM kills; null where it is not exposed. */
  oomKills: number | null
  logTail: string[]
}

/** Splits the command's output into its parts. */
function sections(stdout: string): Map<Section, string[]> {
  const out = new Map<Section, string[]>()
  let current: Section | null = null
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      const name = line.slice(MARK.length).trim() as Section
      current = (SECTIONS as readonly string[]).includes(name) ? name : null
      if (current) out.set(current, [])
      continue
    }
    if (current) out.get(current)!.push(line)
  }
  for (const lines of out.values()) while (lines.length > 0 && lines.at(-1) === '') lines.pop()
  return out
}

const numberOrNull = (text: string | undefined): number | null => {
  const n = Number(text?.trim())
  return text !== undefined && text.trim() !== '' && Number.isFinite(n) ? n : null
}

/** Reads DIAGNOSTICS_COMMAND's output; a part that is missing or unreadable is null, never a guess. */
export function parseInstanceReadings(stdout: string): InstanceReadings {
  const parts = sections(stdout)
  const gpuLines = (parts.get('gpus') ?? []).filter((l) => l.trim() !== '')
  const gpuRows = gpuLines.map((l) => l.split(',').map((c) => c.trim()))
  const gpusReadable = gpuRows.length > 0 && gpuRows.every((r) => r.length === 5 && numberOrNull(r[2]) !== null)
  const kernel = parts.get('kernel') ?? []
  const kernelDenied = kernel.some((l) => /read kernel buffer|operation not permitted/i.test(l))
  const oomEvents = (parts.get('cgroup') ?? []).map((l) => /^oom_kill\s+(\d+)$/.exec(l.trim())).find((m) => m !== null)
  return {
    gpus: gpusReadable
      ? gpuRows.map(([name, used, total, util, temp]) => ({
          name: name!,
          memoryUsedMiB: numberOrNull(used),
          memoryTotalMiB: numberOrNull(total),
          utilizationPct: numberOrNull(util),
          temperatureC: numberOrNull(temp),
        }))
      : null,
    gpuError: gpusReadable ? null : gpuLines.join('\n').trim() || 'nvidia-smi printed nothing',
    disk: parseDf(parts.get('disk') ?? []),
    memory: parseFree(parts.get('memory') ?? []),
    oomKernelLines: kernelDenied ? null : kernel.filter((l) => l.trim() !== ''),
    oomKills: oomEvents ? Number(oomEvents[1]) : null,
    logTail: parts.get('log') ?? [],
  }
}

/** `df -P -k /`: the root filesystem's line, in GB. */
function parseDf(lines: string[]): InstanceReadings['disk'] {
  const row = lines.find((l) => /\s\/$/.test(l.trim()))?.trim().split(/\s+/)
  if (!row || row.length < 6) return null
  const size = numberOrNull(row[1])
  const used = numberOrNull(row[2])
  const available = numberOrNull(row[3])
  const pct = numberOrNull(row[4]?.replace('%', ''))
  if (size === null || used === null || available === null || pct === null) return null
  const gb = (kib: number) => Math.round((kib / 1024 ** 2) * 10) / 10
  return {sizeGb: gb(size), usedGb: gb(used), availableGb: gb(available), usedPct: pct}
}

/** `free -m`: the Mem line (total, used, …, available last). */
function parseFree(lines: string[]): InstanceReadings['memory'] {
  const row = lines.find((l) => l.startsWith('Mem:'))?.trim().split(/\s+/)
  if (!row || row.length < 7) return null
  const total = numberOrNull(row[1])
  const used = numberOrNull(row[2])
  const available = numberOrNull(row[6])
  if (total === null || used === null || available === null) return null
  return {totalMiB: total, usedMiB: used, availableMiB: available}
}

/** What a person should look at first, from the readings; empty when nothing stands out. */
export function readingProblems(r: InstanceReadings, expectedGpus: number): string[] {
  const problems: string[] = []
  if (expectedGpus > 0 && r.gpus === null) problems.push(`nvidia-smi did not answer: ${r.gpuError}`)
  else if (r.gpus !== null && r.gpus.length < expectedGpus) problems.push(`nvidia-smi lists ${r.gpus.length} of the ${expectedGpus} GPUs rented`)
  if (r.disk && r.disk.usedPct >= 90) problems.push(`the disk is ${r.disk.usedPct}% full (${r.disk.availableGb} GB left)`)
  if (r.memory && r.memory.availableMiB < r.memory.totalMiB * 0.05) problems.push(`memory is nearly exhausted (${r.memory.availableMiB} MiB available of ${r.memory.totalMiB})`)
  const kernelKills = r.oomKernelLines?.filter((l) => /killed process/i.test(l)).length ?? 0
  if ((r.oomKills ?? 0) > 0 || kernelKills > 0) problems.push(`out of memory: ${Math.max(r.oomKills ?? 0, kernelKills)} process(es) killed by the kernel`)
  return problems
}
