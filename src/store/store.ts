import {AuditRepo} from './audit-repo.js'
import {BillingRepo} from './billing-repo.js'
import {BudgetsRepo} from './budgets-repo.js'
import {IdempotencyRepo} from './idempotency-repo.js'
import {JobsRepo} from './jobs-repo.js'
import {SoleLeader, type LeaderLocks} from './leader-locks.js'
import {LedgerRepo} from './ledger-repo.js'
import {MetaRepo} from './meta-repo.js'
import {NodesRepo} from './nodes-repo.js'
import {OffersRepo} from './offers-repo.js'
import {PriceHistoryRepo} from './price-history-repo.js'
import {ProviderRefreshRepo} from './provider-refresh-repo.js'
import {ProvisionOutcomesRepo} from './provision-outcomes-repo.js'
import {SessionEventsRepo} from './session-events-repo.js'
import {SessionsRepo} from './sessions-repo.js'
import {RateLimitRepo} from './rate-limit-repo.js'
import {SshKeysRepo} from './ssh-keys-repo.js'
import {TerminalTokensRepo} from './terminal-tokens-repo.js'
import type {PostgresOptions} from './sql/postgres-database.js'
import type {SqlDatabase} from './sql/sql-database.js'
import {SqliteDatabase} from './sql/sqlite-database.js'

/**
 * The repositories over one database, SQLite (the embedded default) or PostgreSQL (a team
 * server with several processes); `transaction` runs a function atomically across them.
 */
export class Store {
  readonly meta: MetaRepo
  readonly offers: OffersRepo
  readonly sessions: SessionsRepo
  readonly events: SessionEventsRepo
  readonly ledger: LedgerRepo
  readonly idempotency: IdempotencyRepo
  readonly jobs: JobsRepo
  readonly priceHistory: PriceHistoryRepo
  readonly budgets: BudgetsRepo
  readonly sshKeys: SshKeysRepo
  readonly billing: BillingRepo
  readonly nodes: NodesRepo
  readonly audit: AuditRepo
  readonly providerRefresh: ProviderRefreshRepo
  readonly terminalTokens: TerminalTokensRepo
  readonly rateLimits: RateLimitRepo
  readonly outcomes: ProvisionOutcomesRepo

  constructor(
    readonly db: SqlDatabase,
    /** Which single-process roles (a market refresh, the reconciler) this process plays. */
    readonly leaders: LeaderLocks = new SoleLeader(),
  ) {
    this.meta = new MetaRepo(db)
    this.offers = new OffersRepo(db)
    this.sessions = new SessionsRepo(db)
    this.events = new SessionEventsRepo(db)
    this.ledger = new LedgerRepo(db)
    this.idempotency = new IdempotencyRepo(db)
    this.jobs = new JobsRepo(db)
    this.priceHistory = new PriceHistoryRepo(db)
    this.budgets = new BudgetsRepo(db)
    this.sshKeys = new SshKeysRepo(db)
    this.billing = new BillingRepo(db)
    this.nodes = new NodesRepo(db)
    this.audit = new AuditRepo(db)
    this.providerRefresh = new ProviderRefreshRepo(db)
    this.terminalTokens = new TerminalTokensRepo(db)
    this.rateLimits = new RateLimitRepo(db)
    this.outcomes = new ProvisionOutcomesRepo(db)
  }

  /** The embedded store: one SQLite file (created and migrated if needed). */
  static open(file: string): Store {
    return new Store(SqliteDatabase.open(file))
  }

  /** A PostgreSQL database shared by several server processes (migrated if needed). */
  static async connect(options: PostgresOptions): Promise<Store> {
    // The PostgreSQL driver only for a deployment on PostgreSQL: the embedded daemon starts without it.
    const [{PostgresDatabase}, {PostgresLeaderLocks}] = await Promise.all([import('./sql/postgres-database.js'), import('./postgres-leader-locks.js')])
    return new Store(await PostgresDatabase.open(options), new PostgresLeaderLocks(options.url))
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(fn)
  }

  /**
   * A transaction that is on disk when this returns, power loss included: for a commit a paid
   * action at a provider depends on. Inside another transaction, that one's commit decides.
   */
  durably<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(fn, {durable: true})
  }

  /** Reads that must agree with each other (totals and their parts) while others write. */
  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(fn, {snapshot: true})
  }

  async close(): Promise<void> {
    await this.leaders.close()
    await this.db.close()
  }
}
