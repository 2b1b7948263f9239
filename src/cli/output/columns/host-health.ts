import type {HostHealthDto} from '../../../core/api/offer-health.js'
import {formatAge} from '../format.js'
import {pointTime} from './price-history.js'
import type {Column} from './column.js'

export const HOST_HEALTH_COLUMNS: readonly Column<HostHealthDto>[] = [
  {id: 'host', header: 'HOST', value: (h) => h.host_id ?? `(offer ${h.offer_ids[0] ?? '?'})`},
  {id: 'provider', header: 'PROVIDER', value: (h) => h.provider},
  {id: 'confidence', header: 'UP%', align: 'right', value: (h) => `${Math.round(h.availability_confidence * 100)}%`},
  {id: 'attempts', header: 'TRIES', align: 'right', value: (h) => String(h.attempts)},
  {id: 'failures', header: 'FAILED', align: 'right', value: (h) => String(h.failures)},
  {id: 'in_a_row', header: 'IN A ROW', align: 'right', value: (h) => String(h.consecutive_failures)},
  {id: 'last_failure', header: 'LAST FAILURE', value: (h, ctx) => (h.last_failure ? `${h.last_failure.kind}, ${formatAge(h.last_failure.at, ctx.now)}` : '-')},
  {id: 'cooling', header: 'SKIPPED UNTIL', value: (h) => (h.cooling_down_until ? pointTime(h.cooling_down_until) : '-')},
]
