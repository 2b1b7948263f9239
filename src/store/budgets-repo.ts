import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {Db} from './database.js'

export type OnLimit = 'release' | 'alert'

export interface Budget {
  tenantId: string
  consumerId: string
  monthlyLimit: MicroUsd
  /** 0..1 of the limit at which an alert fires once a month. */
  alertThreshold: number
  onLimit: OnLimit
  alertedMonth: string | null
  limitReachedMonth: string | null
  createdAt: number
  updatedAt: number
}

interface BudgetRow {
  tenant_id: string
  consumer_id: string
  monthly_limit_micro: number
  alert_threshold: number
  on_limit: string
  alerted_month: string | null
  limit_reached_month: string | null
  created_at: number
  updated_at: number
}

export class BudgetsRepo {
  constructor(private readonly db: Db) {}

  /** Sets the limit; a changed limit re-arms this month's alert and limit action. */
  upsert(tenantId: string, consumerId: string, monthlyLimit: MicroUsd, alertThreshold: number, onLimit: OnLimit, now: number): Budget {
    this.db
      .prepare(
        `INSERT INTO consumer_budgets (tenant_id, consumer_id, monthly_limit_micro, alert_threshold, on_limit, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, consumer_id) DO UPDATE SET monthly_limit_micro = excluded.monthly_limit_micro,
           alert_threshold = excluded.alert_threshold, on_limit = excluded.on_limit, alerted_month = NULL,
           limit_reached_month = NULL, updated_at = excluded.updated_at`,
      )
      .run(tenantId, consumerId, monthlyLimit, alertThreshold, onLimit, now, now)
    return this.get(tenantId, consumerId)!
  }

  get(tenantId: string, consumerId: string): Budget | null {
    const row = this.db.prepare('SELECT * FROM consumer_budgets WHERE tenant_id = ? AND consumer_id = ?').get(tenantId, consumerId) as BudgetRow | undefined
    return row ? toBudget(row) : null
  }

  /** One tenant's budgets, or every tenant's (the enforcement tick). */
  list(tenantId?: string): Budget[] {
    const rows = this.db
      .prepare('SELECT * FROM consumer_budgets WHERE (@tenant IS NULL OR tenant_id = @tenant) ORDER BY tenant_id, consumer_id')
      .all({tenant: tenantId ?? null}) as BudgetRow[]
    return rows.map(toBudget)
  }

  remove(tenantId: string, consumerId: string): boolean {
    return this.db.prepare('DELETE FROM consumer_budgets WHERE tenant_id = ? AND consumer_id = ?').run(tenantId, consumerId).changes === 1
  }

  markAlerted(budget: Budget, month: string, now: number): void {
    this.db.prepare('UPDATE consumer_budgets SET alerted_month = ?, updated_at = ? WHERE tenant_id = ? AND consumer_id = ?').run(month, now, budget.tenantId, budget.consumerId)
  }

  markLimitReached(budget: Budget, month: string, now: number): void {
    this.db
      .prepare('UPDATE consumer_budgets SET limit_reached_month = ?, updated_at = ? WHERE tenant_id = ? AND consumer_id = ?')
      .run(month, now, budget.tenantId, budget.consumerId)
  }
}

function toBudget(r: BudgetRow): Budget {
  return {
    tenantId: r.tenant_id,
    consumerId: r.consumer_id,
    monthlyLimit: asMicroUsd(r.monthly_limit_micro),
    alertThreshold: r.alert_threshold,
    onLimit: r.on_limit as OnLimit,
    alertedMonth: r.alerted_month,
    limitReachedMonth: r.limit_reached_month,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}
