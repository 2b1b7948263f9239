import type {AuditEntryDto} from '../../../core/api/audit.js'
import {formatClock} from '../format.js'
import type {Column} from './column.js'

export const AUDIT_COLUMNS: readonly Column<AuditEntryDto>[] = [
  {id: 'id', header: 'ID', value: (e) => String(e.id)},
  {id: 'at', header: 'AT', value: (e, ctx) => formatClock(e.at, ctx.now)},
  {id: 'user', header: 'USER', value: (e) => `${e.user} (${e.role})`},
  {id: 'request', header: 'REQUEST', value: (e) => `${e.method} ${e.route}`},
  {id: 'target', header: 'TARGET', value: (e) => e.target ?? '-'},
  {id: 'outcome', header: 'OUTCOME', value: (e) => `${e.outcome} ${e.status_code}`},
  {id: 'request_id', header: 'REQUEST ID', value: (e) => e.request_id},
]
