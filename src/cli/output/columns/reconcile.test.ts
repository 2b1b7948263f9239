import {describe, expect, it} from 'vitest'

import {type ReconcileResult, alignedTable, ORPHAN_COLUMNS, reconcileErrorSummary, renderReconcileReport} from './reconcile.js'

const NOW = Date.parse('2026-01-15T12:00:00Z')

const base: ReconcileResult = {
  mode: 'daemon',
  dry_run: false,
  at: '2026-01-15T12:00:00.000Z',
  deployment_id: 'dep-abc',
  orphans: [],
  ghosts: [],
  adopted: [],
  errors: [],
  foreign_instances: 0,
  simulated: true,
}

const orphan = {provider: 'vastai', provider_instance_id: '1001', label: 'gpu-shopper:dep-abc:sess-gone', session_id: 'sess-gone', reason: 'no such session', action: 'would-destroy' as const}

describe('renderReconcileReport', () => {
  it('says it ran via the daemon and that nothing was found', () => {
    const text = renderReconcileReport(base, {now: NOW})
    expect(text.split('\n')[0]).toBe('Reconciled via the daemon.')
    expect(text).toContain('Orphans: none')
    expect(text).toContain('Ghosts: none')
    expect(text).toContain('Adopted: none')
    expect(text).toContain('No instances of anyone else were found (deployment dep-abc).')
    expect(text).not.toContain('Errors')
  })

  it('lists a dry run\'s orphans with provider, instance, label, reason and action, and how to act', () => {
    // Given a dry run without a daemon that found one orphan and left two foreign instances
    const result: ReconcileResult = {...base, mode: 'offline', dry_run: true, orphans: [orphan], foreign_instances: 2}

    // When it is rendered
    const lines = renderReconcileReport(result, {now: NOW}).split('\n')

    // Then the mode, the orphan row, the foreign count and the next step are all there
    expect(lines[0]).toBe('Daemon not running: talked to the providers directly. Dry run: nothing was destroyed, stopped or adopted.')
    const header = lines.findIndex((l) => l.trim().startsWith('PROVIDER'))
    expect(lines[header - 1]).toMatch(/^Orphans \(1\):/)
    expect(lines[header]!.trim().split(/\s{2,}/)).toEqual(['PROVIDER', 'INSTANCE', 'LABEL', 'REASON', 'ACTION'])
    expect(lines[header + 1]!.trim().split(/\s{2,}/)).toEqual(['vastai', '1001', 'gpu-shopper:dep-abc:sess-gone', 'no such session', 'would-destroy'])
    expect(lines).toContain('Left alone: 2 instances not started by this deployment (dep-abc).')
    expect(lines.at(-1)).toBe('Run `gpu-shopper reconcile` without --dry-run to act on it.')
  })

  it('lists ghosts, adoptions, errors and orphans still in their grace period', () => {
    const result: ReconcileResult = {
      ...base,
      orphans: [{...orphan, label: null, action: 'in-grace'}],
      ghosts: [{provider: 'tensordock', session_id: 'sess-2', provider_instance_id: 'td-9', action: 'marked-stopped'}],
      adopted: [{provider: 'vastai', session_id: 'sess-3', provider_instance_id: '77', action: 'adopted'}],
      errors: [{provider: 'tensordock', message: 'HTTP 503'}],
      foreign_instances: 1,
    }
    const text = renderReconcileReport(result, {now: NOW})
    expect(text).toMatch(/Ghosts \(1\):[^\n]*\n\s+PROVIDER\s+SESSION\s+INSTANCE\s+ACTION\n\s+tensordock\s+sess-2\s+td-9\s+marked-stopped/)
    expect(text).toMatch(/Adopted \(1\):[^\n]*\n\s+PROVIDER[^\n]*\n\s+vastai\s+sess-3\s+77\s+adopted/)
    expect(text).toContain('Errors (1): these providers were not fully reconciled\n  tensordock: HTTP 503')
    expect(text).toMatch(/vastai\s+1001\s+-\s+no such session\s+in-grace/)
    expect(text).toContain('1 orphan is in the grace period')
    expect(text).toContain('Left alone: 1 instance not started by this deployment')
  })
})

describe('alignedTable', () => {
  it('pads every column but the last to its widest cell', () => {
    const lines = alignedTable(ORPHAN_COLUMNS, [orphan, {...orphan, provider: 'tensordock', provider_instance_id: '7'}], {now: NOW})
    expect(lines).toHaveLength(3)
    const actionAt = lines[0]!.indexOf('ACTION')
    for (const line of lines.slice(1)) expect(line.indexOf('would-destroy')).toBe(actionAt)
  })
})

describe('reconcileErrorSummary', () => {
  it('names the providers and the first message', () => {
    expect(reconcileErrorSummary([{provider: 'vastai', message: 'timeout'}])).toBe('reconcile hit 1 error (vastai): timeout')
    expect(
      reconcileErrorSummary([
        {provider: 'vastai', message: 'timeout'},
        {provider: 'vastai', message: 'x'},
        {provider: 'tensordock', message: 'y'},
      ]),
    ).toBe('reconcile hit 3 errors (vastai, tensordock): timeout (and 2 more)')
  })
})
