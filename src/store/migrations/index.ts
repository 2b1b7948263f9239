import {sql as initial} from './001-initial.js'

/** Applied in order; `PRAGMA user_version` records the last one applied. Never edit a shipped entry. */
export const MIGRATIONS: readonly {version: number; name: string; sql: string}[] = [
  {version: 1, name: 'initial', sql: initial},
]
