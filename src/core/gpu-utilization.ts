/**
 * Reads `nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv[,noheader][,nounits]`.
 * With a header the columns are found by name (nvidia-smi keeps the unit in the header, e.g.
 * "utilization.gpu [%]", even with nounits); without one, the order of our own query is assumed.
 */
export const GPU_QUERY_COMMAND = 'nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv'

export interface GpuUtilization {
  index: number
  /** 0..100 */
  utilizationPct: number
  memoryUsedMib: number | null
}

export function parseGpuUtilization(csv: string): GpuUtilization[] {
  const lines = csv.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
  if (lines.length === 0) throw new Error('nvidia-smi printed nothing')
  const first = splitCsv(lines[0]!)
  const hasHeader = first.some((cell) => /[a-z]/i.test(cell) && !/^\d/.test(cell) && cell.includes('.'))
  let indexCol = 0
  let utilCol = 1
  let memCol: number | null = 2
  if (hasHeader) {
    const names = first.map((h) => h.replace(/\s*\[.*\]$/, '').trim())
    indexCol = names.indexOf('index')
    utilCol = names.indexOf('utilization.gpu')
    const mem = names.indexOf('memory.used')
    memCol = mem >= 0 ? mem : null
    if (utilCol < 0) throw new Error('nvidia-smi output has no utilization.gpu column')
  }
  const rows = hasHeader ? lines.slice(1) : lines
  if (rows.length === 0) throw new Error('nvidia-smi listed no GPU')
  return rows.map((line, i) => {
    const cells = splitCsv(line)
    const util = numberOf(cells[utilCol])
    if (util === null) throw new Error(`cannot read GPU utilisation from "${line}" (is the GPU lost or the driver broken?)`)
    return {
      index: indexCol >= 0 ? (numberOf(cells[indexCol]) ?? i) : i,
      utilizationPct: util,
      memoryUsedMib: memCol === null ? null : numberOf(cells[memCol]),
    }
  })
}

/** Idle means every GPU is below the threshold in this sample. */
export function allGpusIdle(gpus: readonly GpuUtilization[], thresholdPct: number): boolean {
  return gpus.length > 0 && gpus.every((g) => g.utilizationPct < thresholdPct)
}

function splitCsv(line: string): string[] {
  return line.split(',').map((c) => c.trim())
}

/** "100 %", "1395 MiB", "7" → number; "[N/A]", "[GPU is lost]" → null. */
function numberOf(cell: string | undefined): number | null {
  if (cell === undefined) return null
  const match = /^(-?\d+(?:\.\d+)?)(?:\s*(?:%|MiB|W))?$/.exec(cell.trim())
  return match ? Number(match[1]) : null
}
