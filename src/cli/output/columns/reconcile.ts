import type {ReconcileReply} from '../../../core/api/reconcile.js'
import {type Column, type RenderContext, rowCells} from './column.js'

export type Orphan = ReconcileReply['orphans'][number]
export type Ghost = ReconcileReply['ghosts'][number]
export type Adopted = ReconcileReply['adopted'][number]
export type ReconcileError = ReconcileReply['errors'][number]

/** How the reconcile ran: through the daemon's API, or by the offline runner with no daemon up. */
export type ReconcileMode = 'daemon' | 'offline'

/** `reconcile`'s result: the daemon's reply plus which way it ran. */
export type ReconcileResult = ReconcileReply & {mode: ReconcileMode}

export const ORPHAN_COLUMNS: readonly Column<Orphan>[] = [
  {id: 'provider', header: 'PROVIDER', value: (o) => o.provider},
  {id: 'instance', header: 'INSTANCE', value: (o) => o.provider_instance_id},
  {id: 'label', header: 'LABEL', value: (o) => o.label ?? '-'},
  {id: 'reason', header: 'REASON', value: (o) => o.reason},
  {id: 'action', header: 'ACTION', value: (o) => o.action},
]

export const GHOST_COLUMNS: readonly Column<Ghost>[] = [
  {id: 'provider', header: 'PROVIDER', value: (g) => g.provider},
  {id: 'session', header: 'SESSION', value: (g) => g.session_id},
  {id: 'instance', header: 'INSTANCE', value: (g) => g.provider_instance_id},
  {id: 'action', header: 'ACTION', value: (g) => g.action},
]

export const ADOPTED_COLUMNS: readonly Column<Adopted>[] = [
  {id: 'provider', header: 'PROVIDER', value: (a) => a.provider},
  {id: 'session', header: 'SESSION', value: (a) => a.session_id},
  {id: 'instance', header: 'INSTANCE', value: (a) => a.provider_instance_id},
  {id: 'action', header: 'ACTION', value: (a) => a.action},
]

export function reconcileModeLine(mode: ReconcileMode): string {
  return mode === 'daemon' ? 'Reconciled via the daemon.' : 'Daemon not running: talked to the providers directly.'
}

/**
 * The whole report as plain text, the same on a terminal and in a pipe: a section per finding
 * kind with a header line and aligned columns, then what was left alone and what failed.
 */
export function renderReconcileReport(result: ReconcileResult, ctx: RenderContext): string {
  const lines = [`${reconcileModeLine(result.mode)}${result.dry_run ? ' Dry run: nothing was destroyed, stopped or adopted.' : ''}`]
  lines.push(...section('Orphans', 'instances labelled by this deployment that no live session owns', ORPHAN_COLUMNS, result.orphans, ctx))
  lines.push(...section('Ghosts', 'live sessions whose instance is gone at the provider', GHOST_COLUMNS, result.ghosts, ctx))
  lines.push(...section('Adopted', 'instances of sessions whose create reply was lost', ADOPTED_COLUMNS, result.adopted, ctx))
  if (result.errors.length > 0) {
    lines.push('', `Errors (${result.errors.length}): these providers were not fully reconciled`)
    for (const e of result.errors) lines.push(`  ${e.provider}: ${e.message}`)
    lines.push('')
  }
  lines.push(foreignLine(result.foreign_instances, result.deployment_id))
  const pending = result.orphans.filter((o) => o.action === 'would-destroy').length + result.ghosts.filter((g) => g.action === 'would-mark-stopped').length
  if (result.dry_run && pending > 0) lines.push(`Run \`gpu-shopper reconcile\` without --dry-run to act on ${pending === 1 ? 'it' : `these ${pending}`}.`)
  const inGrace = result.orphans.filter((o) => o.action === 'in-grace').length
  if (inGrace > 0) lines.push(`${inGrace} orphan${inGrace === 1 ? ' is' : 's are'} in the grace period (a create may still be finishing); the daemon destroys ${inGrace === 1 ? 'it' : 'them'} once it is over.`)
  // Empty sections are one line each; a table gets a blank line either side, never two.
  return lines.filter((line, i) => line !== '' || (i > 0 && lines[i - 1] !== '')).join('\n')
}

function foreignLine(count: number, deploymentId: string): string {
  if (count === 0) return `No instances of anyone else were found (deployment ${deploymentId}).`
  return `Left alone: ${count} instance${count === 1 ? '' : 's'} not started by this deployment (${deploymentId}).`
}

function section<T>(title: string, what: string, columns: readonly Column<T>[], rows: readonly T[], ctx: RenderContext): string[] {
  if (rows.length === 0) return [`${title}: none`]
  return ['', `${title} (${rows.length}): ${what}`, ...alignedTable(columns, rows, ctx).map((line) => `  ${line}`), '']
}

/** A header and rows padded to column width; the last column is not padded. */
export function alignedTable<T>(columns: readonly Column<T>[], rows: readonly T[], ctx: RenderContext): string[] {
  const table = [columns.map((c) => c.header), ...rows.map((row) => rowCells(columns, row, ctx).map((cell) => cell.replace(/[\t\n]/g, ' ')))]
  const widths = columns.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)))
  return table.map((cells) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
}

/** The report's problems in one sentence, for the error that sets the exit code. */
export function reconcileErrorSummary(errors: readonly ReconcileError[]): string {
  const providers = [...new Set(errors.map((e) => e.provider))]
  return `reconcile hit ${errors.length} error${errors.length === 1 ? '' : 's'} (${providers.join(', ')}): ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
}
