import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {packageRoot} from '../../config/paths.js'

export type GpuLoad = 'idle' | 'busy'

export interface CommandResult {
  stdout: string
  stderr: string
  code: number
}

interface Fixtures {
  table: Record<GpuLoad, string>
  list: string
  xml: string
  query: Record<GpuLoad, QueryFixture>
}

/** One GPU row of a `--query-gpu --format=csv` fixture, by field name. */
interface QueryFixture {
  fields: Map<string, {header: string; value: string; unit: string | null}>
}

let cached: Fixtures | undefined

/**
 * The outputs come from a real H100 (fixtures/nvidia-smi/), so whatever the simulated offer's
 * GPU, the machine answers as that H100: parsers are tested against bytes a real driver wrote.
 */
function fixtures(): Fixtures {
  if (cached) return cached
  const dir = join(packageRoot(), 'fixtures', 'nvidia-smi')
  const read = (name: string) => readFileSync(join(dir, name), 'utf8')
  cached = {
    table: {idle: read('nvidia-smi.txt'), busy: read('nvidia-smi-busy.txt')},
    list: read('nvidia-smi-L.txt'),
    xml: read('nvidia-smi-q.xml'),
    query: {idle: parseQueryCsv(read('nvidia-smi-query.csv')), busy: parseQueryCsv(read('nvidia-smi-query-busy.csv'))},
  }
  return cached
}

function parseQueryCsv(text: string): QueryFixture {
  const [headerLine = '', valueLine = ''] = text.split('\n')
  const headers = headerLine.split(', ')
  const values = valueLine.split(', ')
  const fields = new Map<string, {header: string; value: string; unit: string | null}>()
  headers.forEach((header, i) => {
    const match = /^(\S+)(?: \[(.+)\])?$/.exec(header)
    const name = match?.[1] ?? header
    fields.set(name, {header, value: values[i] ?? '', unit: match?.[2] ?? null})
  })
  return {fields}
}

/** Names nvidia-smi accepts as synonyms of the fixture's field names. */
const ALIASES: Record<string, string> = {
  gpu_name: 'name',
  gpu_uuid: 'uuid',
  gpu_bus_id: 'pci.bus_id',
  'pci.bus': 'pci.bus_id',
}

const INVALID_ARGS = 'Invalid combination of input arguments. Please run \'nvidia-smi -h\' for help.\n'

/** Answers the nvidia-smi invocations our code and users run; `args` excludes the program name. */
export function runNvidiaSmi(args: readonly string[], load: GpuLoad): CommandResult {
  const f = fixtures()
  if (args.length === 0) return ok(f.table[load])
  if (args.length === 1 && (args[0] === '-L' || args[0] === '--list-gpus')) return ok(f.list)
  const sorted = [...args].sort().join(' ')
  if (sorted === '-q -x' || sorted === '-x -q' || sorted === '-qx' || sorted === '-xq') return ok(f.xml)

  let query: string | undefined
  let format: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg.startsWith('--query-gpu=')) query = arg.slice('--query-gpu='.length)
    else if (arg === '--query-gpu') query = args[++i]
    else if (arg.startsWith('--format=')) format = arg.slice('--format='.length)
    else if (arg === '--format') format = args[++i]
    else if (arg === '-i' || arg === '--id') i++
    else if (arg.startsWith('--id=') || /^-i\d+$/.test(arg)) continue
    else return {stdout: INVALID_ARGS, stderr: '', code: 2}
  }
  if (query === undefined) return {stdout: INVALID_ARGS, stderr: '', code: 2}
  if (format === undefined) return {stdout: '--format must be specified when using --query-gpu.\n', stderr: '', code: 2}
  const options = format.split(',').map((o) => o.trim())
  if (options[0] !== 'csv' || options.some((o) => !['csv', 'noheader', 'nounits'].includes(o))) {
    return {stdout: `"${format}" is not a valid format.\n`, stderr: '', code: 2}
  }
  const noHeader = options.includes('noheader')
  const noUnits = options.includes('nounits')
  const names = query.split(',').map((n) => n.trim()).filter((n) => n !== '')
  const row = f.query[load]
  const cells: {header: string; value: string}[] = []
  for (const name of names) {
    const field = row.fields.get(ALIASES[name] ?? name)
    if (!field) return {stdout: `Field "${name}" is not a valid field to query.\n\n`, stderr: '', code: 2}
    const value = noUnits && field.unit && field.value.endsWith(' ' + field.unit) ? field.value.slice(0, -field.unit.length - 1) : field.value
    cells.push({header: field.header, value})
  }
  const lines: string[] = []
  // nvidia-smi keeps the unit in the header even with nounits.
  if (!noHeader) lines.push(cells.map((c) => c.header).join(', '))
  lines.push(cells.map((c) => c.value).join(', '))
  return ok(lines.join('\n') + '\n')
}

function ok(stdout: string): CommandResult {
  return {stdout, stderr: '', code: 0}
}
