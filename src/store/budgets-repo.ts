import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {SqlDatabase} from './sql/sql-database.js'

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
  constructor(private readonly db: SqlDatabase) {}

  /** Sets the limit; a changed limit re-arms this month's alert and limit action. */
  async upsert(tenantId: string, consumerId: string, monthlyLimit: MicroUsd, alertThreshold: number, onLimit: OnLimit, now: number): Promise<Budget> {
    await this.db.run(
        `INSERT INTO consumer_budgets (tenant_id, consumer_id, monthly_limit_micro, alert_threshold, on_limit, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, consumer_id) DO UPDATE SET monthly_limit_micro = excluded.monthly_limit_micro,
           alert_threshold = excluded.alert_threshold, on_limit = excluded.on_limit, alerted_month = NULL,
           limit_reached_month = NULL, updated_at = excluded.updated_at`,
      [tenantId, consumerId, monthlyLimit, alertThreshold, onLimit, now, now],
    )
    return (await this.get(tenantId, consumerId))!
  }

  async get(tenantId: string, consumerId: string): Promise<Budget | null> {
    const row = await this.db.get<BudgetRow>('SELECT * FROM consumer_budgets WHERE tenant_id = ? AND consumer_id = ?', [tenantId, consumerId])
    return row ? toBudget(row) : null
  }

  /** One tenant's budgets, or every tenant's (the enforcement tick). */
  async list(tenantId?: string): Promise<Budget[]> {
    const rows = await this.db.all<BudgetRow>(
      'SELECT * FROM consumer_budgets WHERE (CAST(@tenant AS TEXT) IS NULL OR tenant_id = @tenant) ORDER BY tenant_id, consumer_id',
      {tenant: tenantId ?? null},
    )
    return rows.map(toBudget)
  }

  async remove(tenantId: string, consumerId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM consumer_budgets WHERE tenant_id = ? AND consumer_id = ?', [tenantId, consumerId])).changes === 1
  }

  async markAlerted(budget: Budget, month: string, now: number): Promise<void> {
    await this.db.run('UPDATE consumer_budgets SET alerted_month = ?, updated_at = ? WHERE tenant_id = ? AND consumer_id = ?', [
      month,
      now,
      budget.tenantId,
      budget.consumerId,
    ])
  }

  async markLimitReached(budget: Budget, month: string, now: number): Promise<void> {
    await this.db.run('UPDATE consumer_budgets SET limit_reached_month = ?, updated_at = ? WHERE tenant_id = ? AND consumer_id = ?', [
      month,
      now,
      budget.tenantId,
      budget.consumerId,
    ])
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
