import {AuditRepo} from './audit-repo.js'
import {BillingRepo} from './billing-repo.js'
import {BudgetsRepo} from './budgets-repo.js'
import {openDatabase, type Db} from './database.js'
import {IdempotencyRepo} from './idempotency-repo.js'
import {JobsRepo} from './jobs-repo.js'
import {LedgerRepo} from './ledger-repo.js'
import {MetaRepo} from './meta-repo.js'
import {NodesRepo} from './nodes-repo.js'
import {OffersRepo} from './offers-repo.js'
import {PriceHistoryRepo} from './price-history-repo.js'
import {SessionEventsRepo} from './session-events-repo.js'
import {SessionsRepo} from './sessions-repo.js'
import {SshKeysRepo} from './ssh-keys-repo.js'

/** The repositories over one database; `transaction` runs a function atomically across them. */
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

  constructor(readonly db: Db) {
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
  }

  static open(file: string): Store {
    return new Store(openDatabase(file))
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /**
   * A transaction that is on disk when this returns, power loss included: for a commit a paid
   * action at a provider depends on. Syncing the write-ahead log also makes every earlier commit
   * durable.
   */
  durably<T>(fn: () => T): T {
    // Inside another transaction SQLite cannot change the sync level; that one's commit decides.
    if (this.db.inTransaction) return this.transaction(fn)
    this.db.pragma('synchronous = FULL')
    try {
      return this.transaction(fn)
    } finally {
      this.db.pragma('synchronous = NORMAL')
    }
  }

  close(): void {
    this.db.close()
  }
}
