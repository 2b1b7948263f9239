import type {NodeDto} from '../../../core/api/nodes.js'
import {formatHourly} from '../format.js'
import {style} from '../output.js'
import type {Column} from './column.js'

export const NODE_COLUMNS: readonly Column<NodeDto>[] = [
  {id: 'name', header: 'NAME', value: (n) => n.name},
  {id: 'endpoint', header: 'ENDPOINT', value: (n) => `${n.user}@${n.host}:${n.port}`},
  {id: 'region', header: 'REGION', value: (n) => n.region},
  {
    id: 'status',
    header: 'STATUS',
    value: (n) => n.status.replace('_', ' '),
    style: (text, n) => (n.status === 'ready' ? style.ok(text) : n.status === 'not_ready' ? style.warn(text) : text),
  },
  {id: 'gpus', header: 'GPUS', align: 'right', value: (n) => `${n.gpus.filter((g) => g.ready).length}/${n.gpus.length}`},
  {id: 'cpu-slices', header: 'CPU SLICES', align: 'right', value: (n) => String(n.cpu_slices)},
  {id: 'price', header: 'PER GPU', align: 'right', value: (n) => formatHourly(n.price_per_gpu_hour_micro_usd)},
  {id: 'held', header: 'IN USE', align: 'right', value: (n) => String(n.held_slots.length)},
]
