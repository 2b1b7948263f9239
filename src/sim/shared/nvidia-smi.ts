import {boxFacts, sampleGpu, type GpuBox, type GpuDevice, type GpuLoad, type GpuSample} from './gpu-box.js'
import type {GpuModelFacts} from './gpu-models.js'
import {renderNvidiaSmiXml} from './nvidia-smi-xml.js'

export type {GpuLoad}

export interface CommandResult {
  stdout: string
  stderr: string
  code: number
}

/** What the simulated driver sees when nvidia-smi runs. */
export interface NvidiaSmiContext {
  box: GpuBox
  load: GpuLoad
  /** Epoch ms, from the simulator's clock. */
  now: number
  /** Readings per GPU index; by default the deterministic reading for `load`. Tests pin the fixture's. */
  sample?: (index: number, facts: GpuModelFacts) => GpuSample
}

interface SelectedGpu {
  index: number
  device: GpuDevice
  facts: GpuModelFacts
  sample: GpuSample
}

const INVALID_ARGS = "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n"

/**
 * Answers the nvidia-smi invocations our code and users run (the table, `-L`, `--query-gpu`
 * with `--format=csv[,noheader][,nounits]`, `-q -x`, `-i`), for the machine's own GPUs, in the
 * byte layout of the real outputs in fixtures/nvidia-smi. `args` excludes the program name.
 */
export function runNvidiaSmi(args: readonly string[], ctx: NvidiaSmiContext): CommandResult {
  let query: string | undefined
  let format: string | undefined
  let ids: string | undefined
  let list = false
  let q = false
  let x = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '-L' || arg === '--list-gpus') list = true
    else if (/^-[qx]+$/.test(arg)) {
      q ||= arg.includes('q')
      x ||= arg.includes('x')
    } else if (arg === '--query') q = true
    else if (arg === '--xml-format') x = true
    else if (arg.startsWith('--query-gpu=')) query = arg.slice('--query-gpu='.length)
    else if (arg === '--query-gpu') query = args[++i]
    else if (arg.startsWith('--format=')) format = arg.slice('--format='.length)
    else if (arg === '--format') format = args[++i]
    else if (arg === '-i' || arg === '--id') ids = args[++i]
    else if (arg.startsWith('--id=')) ids = arg.slice('--id='.length)
    else if (/^-i\d[\d,]*$/.test(arg)) ids = arg.slice(2)
    else return invalid()
  }
  const selected = select(ctx, ids)
  if (typeof selected === 'string') return {stdout: selected, stderr: '', code: 6}

  if (query !== undefined) {
    if (list || q || x) return invalid()
    if (format === undefined) return {stdout: '--format must be specified when using --query-gpu.\n', stderr: '', code: 2}
    return renderQuery(ctx, selected, query, format)
  }
  if (format !== undefined) return invalid()
  if (list) return q || x ? invalid() : ok(selected.map((g) => `GPU ${g.index}: ${g.facts.product} (UUID: ${g.device.uuid})\n`).join(''))
  if (q && x) return ok(renderNvidiaSmiXml(ctx.box, selected, asctime(ctx.now)))
  if (q || x) return invalid()
  return ok(renderTable(ctx, selected))
}

function select(ctx: NvidiaSmiContext, ids: string | undefined): SelectedGpu[] | string {
  const facts = boxFacts(ctx.box)
  const all = ctx.box.devices.map((device, index) => ({
    index,
    device,
    facts,
    sample: ctx.sample ? ctx.sample(index, facts) : sampleGpu(facts, index, ctx.load),
  }))
  if (ids === undefined) return all
  const out: SelectedGpu[] = []
  for (const id of ids.split(',').map((s) => s.trim())) {
    const gpu = /^\d+$/.test(id) ? all[Number(id)] : all.find((g) => g.device.uuid === id || g.device.busId === id)
    if (!gpu) return 'No devices were found\n'
    out.push(gpu)
  }
  return out
}

/** `Sun Nov 22 23:14:18 2026`: the C library's asctime, as nvidia-smi prints its clock (UTC here). */
export function asctime(epochMs: number): string {
  const d = new Date(epochMs)
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const two = (n: number) => String(n).padStart(2, '0')
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${time} ${d.getUTCFullYear()}`
}

const RULE = '+-----------------------------------------+------------------------+----------------------+'
const WIDE_RULE = '+-----------------------------------------------------------------------------------------+'

/** The default table; column widths as in fixtures/nvidia-smi/nvidia-smi.txt (driver 580). */
function renderTable(ctx: NvidiaSmiContext, gpus: readonly SelectedGpu[]): string {
  const box = ctx.box
  const lines = [
    `${asctime(ctx.now)}       `,
    WIDE_RULE,
    `| NVIDIA-SMI ${box.driverVersion.padEnd(23)}Driver Version: ${box.driverVersion.padEnd(15)}CUDA Version: ${box.cudaVersion.padEnd(9)}|`,
    RULE,
    '| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |',
    '| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |',
    '|                                         |                        |               MIG M. |',
    '|=========================================+========================+======================|',
  ]
  for (const {index, device, facts: f, sample: s} of gpus) {
    const fan = s.fanPct === null ? 'N/A' : `${s.fanPct}%`
    lines.push(
      `|${String(index).padStart(4)}  ${tableName(f.product).padEnd(31)}${(f.datacenter ? 'On' : 'Off').padEnd(4)}|   ${device.busId} ${'Off'.padStart(3)} |${f.ecc.padStart(21)} |`,
      `| ${fan.padStart(3)}  ${String(s.tempC).padStart(3)}C    ${s.pstate.padEnd(2)}${`${Math.round(s.powerW)}W`.padStart(16)} / ${`${f.tdpW}W`.padStart(5)} |` +
        `${`${s.memUsedMiB}MiB`.padStart(11)} / ${`${box.memoryMiB}MiB`.padStart(9)} |${`${s.utilGpu}%`.padStart(8)}${'Default'.padStart(13)} |`,
      `|${' '.repeat(41)}|${' '.repeat(24)}|${(f.mig ? 'Disabled' : 'N/A').padStart(21)} |`,
      RULE,
    )
  }
  lines.push(
    '',
    WIDE_RULE,
    '| Processes:                                                                              |',
    '|  GPU   GI   CI              PID   Type   Process name                        GPU Memory |',
    '|        ID   ID                                                               Usage      |',
    '|=========================================================================================|',
  )
  const processes = gpus.flatMap((g) => g.sample.processes.map((p) => ({...p, index: g.index})))
  if (processes.length === 0) lines.push('|  No running processes found                                                             |')
  for (const p of processes) {
    lines.push(`|${String(p.index).padStart(5)}   N/A  N/A${String(p.pid).padStart(16)}${'C'.padStart(7)}   ${p.name.slice(0, 35).padEnd(36)}${`${p.memMiB}MiB`.padStart(10)} |`)
  }
  lines.push(WIDE_RULE)
  return lines.join('\n') + '\n'
}

/** Long product names are cut as the driver cuts them: "NVIDIA RTX 6000 Ada Gene...". */
function tableName(product: string): string {
  return product.length > 28 ? product.slice(0, 24) + '...' : product
}

interface QueryField {
  header: string
  unit: string | null
  value(g: SelectedGpu, ctx: NvidiaSmiContext): string | number | null
}

const field = (header: string, unit: string | null, value: QueryField['value']): QueryField => ({header, unit, value})
const memoryTotal = (ctx: NvidiaSmiContext) => ctx.box.memoryMiB
const reservedMiB = (ctx: NvidiaSmiContext) => Math.round(memoryTotal(ctx) * 0.005885)

/** `--query-gpu` fields by nvidia-smi's names; null values print as `[N/A]` as the driver does. */
const FIELDS: Record<string, QueryField> = {
  timestamp: field('timestamp', null, (_g, ctx) => csvTimestamp(ctx.now)),
  driver_version: field('driver_version', null, (_g, ctx) => ctx.box.driverVersion),
  count: field('count', null, (_g, ctx) => ctx.box.devices.length),
  index: field('index', null, (g) => g.index),
  name: field('name', null, (g) => g.facts.product),
  serial: field('serial', null, (g) => g.device.serial),
  uuid: field('uuid', null, (g) => g.device.uuid),
  'pci.bus_id': field('pci.bus_id', null, (g) => g.device.busId),
  'pci.domain': field('pci.domain', null, () => '0x0000'),
  'pci.bus': field('pci.bus', null, (g) => `0x${g.device.busId.slice(9, 11)}`),
  'pci.device': field('pci.device', null, (g) => `0x${g.device.busId.slice(12, 14)}`),
  'pci.device_id': field('pci.device_id', null, (g) => `0x${g.facts.pciDeviceId}`),
  vbios_version: field('vbios_version', null, () => '96.00.DA.00.0C'),
  persistence_mode: field('persistence_mode', null, (g) => (g.facts.datacenter ? 'Enabled' : 'Disabled')),
  display_active: field('display_active', null, () => 'Disabled'),
  display_mode: field('display_mode', null, () => 'Requested functionality has been deprecated'),
  'fan.speed': field('fan.speed', '%', (g) => g.sample.fanPct),
  pstate: field('pstate', null, (g) => g.sample.pstate),
  compute_cap: field('compute_cap', null, (g) => computeCapability(g.facts)),
  'memory.total': field('memory.total', 'MiB', (_g, ctx) => memoryTotal(ctx)),
  'memory.reserved': field('memory.reserved', 'MiB', (_g, ctx) => reservedMiB(ctx)),
  'memory.used': field('memory.used', 'MiB', (g) => g.sample.memUsedMiB),
  'memory.free': field('memory.free', 'MiB', (g, ctx) => memoryTotal(ctx) - reservedMiB(ctx) - g.sample.memUsedMiB),
  'utilization.gpu': field('utilization.gpu', '%', (g) => g.sample.utilGpu),
  'utilization.memory': field('utilization.memory', '%', (g) => g.sample.utilMem),
  'temperature.gpu': field('temperature.gpu', null, (g) => g.sample.tempC),
  'temperature.memory': field('temperature.memory', null, (g) => g.sample.memTempC),
  'power.draw': field('power.draw', 'W', (g) => g.sample.powerW.toFixed(2)),
  'power.draw.average': field('power.draw.average', 'W', (g) => g.sample.avgPowerW.toFixed(2)),
  'power.draw.instant': field('power.draw.instant', 'W', (g) => g.sample.powerW.toFixed(2)),
  'power.limit': field('power.limit', 'W', (g) => g.facts.tdpW.toFixed(2)),
  'enforced.power.limit': field('enforced.power.limit', 'W', (g) => g.facts.tdpW.toFixed(2)),
  'power.default_limit': field('power.default_limit', 'W', (g) => g.facts.tdpW.toFixed(2)),
  'power.min_limit': field('power.min_limit', 'W', (g) => g.facts.minPowerW.toFixed(2)),
  'power.max_limit': field('power.max_limit', 'W', (g) => g.facts.tdpW.toFixed(2)),
  'clocks.current.graphics': field('clocks.current.graphics', 'MHz', (g) => g.sample.graphicsClock),
  'clocks.current.sm': field('clocks.current.sm', 'MHz', (g) => g.sample.graphicsClock),
  'clocks.current.memory': field('clocks.current.memory', 'MHz', (g) => g.sample.memClock),
  'clocks.current.video': field('clocks.current.video', 'MHz', (g) => g.sample.videoClock),
  'clocks.max.graphics': field('clocks.max.graphics', 'MHz', (g) => g.facts.clocks.maxGraphics),
  'clocks.max.sm': field('clocks.max.sm', 'MHz', (g) => g.facts.clocks.maxGraphics),
  'clocks.max.memory': field('clocks.max.memory', 'MHz', (g) => g.facts.clocks.mem[0] ?? null),
  'mig.mode.current': field('mig.mode.current', null, (g) => (g.facts.mig ? 'Disabled' : null)),
  'ecc.mode.current': field('ecc.mode.current', null, (g) => (g.facts.ecc === '0' ? 'Enabled' : g.facts.ecc === 'Off' ? 'Disabled' : null)),
}

/** Names nvidia-smi accepts as synonyms of the canonical field names. */
const ALIASES: Record<string, string> = {
  gpu_name: 'name',
  gpu_uuid: 'uuid',
  gpu_serial: 'serial',
  gpu_bus_id: 'pci.bus_id',
  'pci.bus_id': 'pci.bus_id',
  'clocks.gr': 'clocks.current.graphics',
  'clocks.sm': 'clocks.current.sm',
  'clocks.mem': 'clocks.current.memory',
  'clocks.video': 'clocks.current.video',
  'clocks.max.gr': 'clocks.max.graphics',
  'clocks.max.mem': 'clocks.max.memory',
  'fan.speed': 'fan.speed',
  'persistence.mode': 'persistence_mode',
  'driver.version': 'driver_version',
}

function renderQuery(ctx: NvidiaSmiContext, gpus: readonly SelectedGpu[], query: string, format: string): CommandResult {
  const options = format.split(',').map((o) => o.trim())
  if (options[0] !== 'csv' || options.some((o) => !['csv', 'noheader', 'nounits'].includes(o))) {
    return {stdout: `"${format}" is not a valid format.\n`, stderr: '', code: 2}
  }
  const noHeader = options.includes('noheader')
  const noUnits = options.includes('nounits')
  const names = query.split(',').map((n) => n.trim()).filter((n) => n !== '')
  const fields: QueryField[] = []
  for (const name of names) {
    const found = FIELDS[ALIASES[name] ?? name]
    if (!found) return {stdout: `Field "${name}" is not a valid field to query.\n\n`, stderr: '', code: 2}
    fields.push(found)
  }
  const lines: string[] = []
  // nvidia-smi keeps the unit in the header even with nounits.
  if (!noHeader) lines.push(fields.map((f) => (f.unit ? `${f.header} [${f.unit}]` : f.header)).join(', '))
  for (const gpu of gpus) {
    lines.push(
      fields
        .map((f) => {
          const value = f.value(gpu, ctx)
          if (value === null) return '[N/A]'
          return f.unit && !noUnits ? `${value} ${f.unit}` : String(value)
        })
        .join(', '),
    )
  }
  return ok(lines.join('\n') + '\n')
}

/** `2026/11/22 23:14:18.123`, the CSV `timestamp` format. */
function csvTimestamp(epochMs: number): string {
  const d = new Date(epochMs)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
}

function computeCapability(facts: GpuModelFacts): string {
  if (facts.product.includes('A100')) return '8.0'
  if (facts.product.includes('B200')) return '10.0'
  switch (facts.architecture) {
    case 'Volta':
      return '7.0'
    case 'Turing':
      return '7.5'
    case 'Ampere':
      return '8.6'
    case 'Ada Lovelace':
      return '8.9'
    case 'Hopper':
      return '9.0'
    case 'Blackwell':
      return '12.0'
    default:
      return '8.0'
  }
}

function invalid(): CommandResult {
  return {stdout: INVALID_ARGS, stderr: '', code: 2}
}

function ok(stdout: string): CommandResult {
  return {stdout, stderr: '', code: 0}
}
