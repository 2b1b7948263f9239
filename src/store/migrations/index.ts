import {sql as initial} from './001-initial.js'
import {sql as specsAndPriceHistory} from './002-specs-and-price-history.js'
import {sql as budgets} from './003-budgets.js'
import {sql as sshKeys} from './004-ssh-keys.js'
import {sql as offerSortIndexes} from './005-offer-sort-indexes.js'
import {sql as providerBilling} from './006-provider-billing.js'
import {sql as offerPriceBasis} from './007-offer-price-basis.js'
import {sql as idempotencyResults} from './008-idempotency-results.js'
import {sql as nodes} from './009-nodes.js'
import {sql as tenancy} from './010-tenancy.js'
import {sql as sharedState} from './011-shared-state.js'
import {sql as coveringOfferIndexes} from './012-covering-offer-indexes.js'
import {sql as workloadLaunch} from './013-workload-launch.js'
import {sessionsStatusCheck, sql as preservedSessions} from './014-preserved-sessions.js'
import {sql as offerHealth} from './015-offer-health.js'

/**
 * A table definition edited in place, by SQLite's procedure for loosening a constraint
 * (https://sqlite.org/lang_altertable.html, "making other kinds of table schema changes"): only
 * for edits every existing row already satisfies, such as a CHECK that allows one more value.
 */
export interface SchemaEdit {
  table: string
  from: string
  to: string
}

export interface SqliteMigration {
  version: number
  name: string
  sql: string
  schemaEdit?: SchemaEdit
}

/** Applied in order; `PRAGMA user_version` records the last one applied. Never edit a shipped entry; a
 * new one is written for PostgreSQL too (./postgres/), under the same version number. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {version: 1, name: 'initial', sql: initial},
  {version: 2, name: 'specs-and-price-history', sql: specsAndPriceHistory},
  {version: 3, name: 'budgets', sql: budgets},
  {version: 4, name: 'ssh-keys', sql: sshKeys},
  {version: 5, name: 'offer-sort-indexes', sql: offerSortIndexes},
  {version: 6, name: 'provider-billing', sql: providerBilling},
  {version: 7, name: 'offer-price-basis', sql: offerPriceBasis},
  {version: 8, name: 'idempotency-results', sql: idempotencyResults},
  {version: 9, name: 'nodes', sql: nodes},
  {version: 10, name: 'tenancy', sql: tenancy},
  {version: 11, name: 'shared-state', sql: sharedState},
  {version: 12, name: 'covering-offer-indexes', sql: coveringOfferIndexes},
  {version: 13, name: 'workload-launch', sql: workloadLaunch},
  {version: 14, name: 'preserved-sessions', sql: preservedSessions, schemaEdit: sessionsStatusCheck},
  {version: 15, name: 'offer-health', sql: offerHealth},
]
