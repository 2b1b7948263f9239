import type {z} from 'zod'

import {AllocationDto, AllocationsReply} from '../../core/api/allocations.js'
import {AuditReply} from '../../core/api/audit.js'
import {BudgetDto, BudgetsReply} from '../../core/api/budgets.js'
import {CatalogReply} from '../../core/api/catalog.js'
import {MessageReply} from '../../core/api/common.js'
import {CostSummaryReply} from '../../core/api/costs.js'
import {DiagnosticsReply} from '../../core/api/diagnostics.js'
import {HistoryReply, InventoryReply} from '../../core/api/inventory.js'
import {NodeDto, NodeRemovedReply, NodesReply} from '../../core/api/nodes.js'
import {OfferHealthReply} from '../../core/api/offer-health.js'
import {ExtendReply, SessionDto} from '../../core/api/sessions.js'
import {SshKeyDto, SshKeyRemovedReply, SshKeysReply} from '../../core/api/ssh-keys.js'
import {TemplateReply, TemplatesReply} from '../../core/api/templates.js'
import {
  AuthLogin,
  AuthLogout,
  AuthStatus,
  AuthToken,
  BudgetRemoved,
  ConnectResult,
  CopyOutcome,
  CostsExport,
  CostsOrSessionCost,
  DaemonLogs,
  DaemonStarted,
  DaemonStatus,
  DaemonStopped,
  DaemonToken,
  DemoSummary,
  NoData,
  ProvisionResult,
  ReconcileResult,
  SessionReleased,
  SessionsOrSession,
  SimulatorUrls,
  SshConfigWritten,
} from './command-results.js'

/**
 * Every schema a command's `--json` data may follow, by the name a command declares in its
 * `dataSchema`. A name, not the schema itself, so that commands never load zod.
 */
export const COMMAND_DATA_SCHEMAS = {
  AllocationDto,
  AllocationsReply,
  AuditReply,
  AuthLogin,
  AuthLogout,
  AuthStatus,
  AuthToken,
  BudgetDto,
  BudgetRemoved,
  BudgetsReply,
  CatalogReply,
  ConnectResult,
  CopyOutcome,
  CostsExport,
  CostsOrSessionCost,
  CostSummaryReply,
  DaemonLogs,
  DaemonStarted,
  DaemonStatus,
  DaemonStopped,
  DaemonToken,
  DemoSummary,
  DiagnosticsReply,
  ExtendReply,
  HistoryReply,
  InventoryReply,
  MessageReply,
  NoData,
  NodeDto,
  NodeRemovedReply,
  NodesReply,
  OfferHealthReply,
  ProvisionResult,
  ReconcileResult,
  SessionDto,
  SessionReleased,
  SessionsOrSession,
  SimulatorUrls,
  SshConfigWritten,
  SshKeyDto,
  SshKeyRemovedReply,
  SshKeysReply,
  TemplateReply,
  TemplatesReply,
} satisfies Record<string, z.ZodType>

export type CommandDataSchemaName = keyof typeof COMMAND_DATA_SCHEMAS
