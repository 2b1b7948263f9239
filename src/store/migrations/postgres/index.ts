import {sql as baseline} from './010-baseline.js'
import {sql as sharedState} from './011-shared-state.js'
import {sql as coveringOfferIndexes} from './012-covering-offer-indexes.js'
import {sql as workloadLaunch} from './013-workload-launch.js'
import {sql as preservedSessions} from './014-preserved-sessions.js'
import {sql as offerHealth} from './015-offer-health.js'

/**
 * Applied in order under an advisory lock; `schema_migrations` records each one. Versions are
 * SQLite's: a version means the same schema on both engines. Never edit a shipped entry.
 */
export const POSTGRES_MIGRATIONS: readonly {version: number; name: string; sql: string}[] = [
  {version: 10, name: 'baseline', sql: baseline},
  {version: 11, name: 'shared-state', sql: sharedState},
  {version: 12, name: 'covering-offer-indexes', sql: coveringOfferIndexes},
  {version: 13, name: 'workload-launch', sql: workloadLaunch},
  {version: 14, name: 'preserved-sessions', sql: preservedSessions},
  {version: 15, name: 'offer-health', sql: offerHealth},
]
