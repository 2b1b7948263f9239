import type {SshKeyDto} from '../../../core/api/ssh-keys.js'
import {formatClock} from '../format.js'
import type {Column} from './column.js'

export const SSH_KEY_COLUMNS: readonly Column<SshKeyDto>[] = [
  {id: 'id', header: 'ID', value: (k) => k.id},
  {id: 'title', header: 'TITLE', value: (k) => k.title},
  {id: 'type', header: 'TYPE', value: (k) => k.key_type},
  {id: 'fingerprint', header: 'FINGERPRINT', value: (k) => k.fingerprint},
  {id: 'created', header: 'CREATED', value: (k, ctx) => formatClock(k.created_at, ctx.now)},
]
