import {chmod, writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'

import {type LedgerRow, ledgerRowsOf} from './csv.js'
import {flagError} from '../errors.js'
import {isLocalFileError, localFileError} from '../flags/local-path.js'
import {checkDate, checkNotBlank} from '../flags/validate.js'

export interface CostsExportFlags {
  'consumer-id'?: string
  'session-id'?: string
  'start-date'?: string
  'end-date'?: string
  'output-file'?: string
}

/** `costs export --json`: where the CSV went (when to a file) and its rows as objects. */
export interface CostsExportResult {
  path?: string
  rows: LedgerRow[]
}

export function checkExportFlags(flags: CostsExportFlags): void {
  checkNotBlank('consumer-id', flags['consumer-id'])
  checkNotBlank('session-id', flags['session-id'])
  checkNotBlank('output-file', flags['output-file'])
  checkDate('start-date', flags['start-date'])
  checkDate('end-date', flags['end-date'])
  if (flags['start-date'] && flags['end-date'] && flags['start-date'] > flags['end-date']) {
    throw flagError('start-date', `(${flags['start-date']}) is after --end-date (${flags['end-date']})`, 'Swap them.')
  }
}

/**
 * Writes the CSV exactly as the daemon sent it (CRLF line ends kept) and makes the file 0644:
 * a cost report is for sharing, and `mode` alone would only apply to a new file, under umask.
 */
export async function writeExportFile(path: string, csv: string): Promise<string> {
  const absolute = resolve(path)
  try {
    await writeFile(absolute, csv, {mode: 0o644})
    await chmod(absolute, 0o644)
  } catch (err) {
    if (isLocalFileError(err)) throw localFileError('--output-file', path, err, 'the export may be incomplete')
    throw err
  }
  return absolute
}

export function exportResult(csv: string, path?: string): CostsExportResult {
  const rows = ledgerRowsOf(csv)
  return path === undefined ? {rows} : {path, rows}
}
