import {createRequire} from 'node:module'

import {type Column, type RenderContext, rowCells, toTsv} from './columns/column.js'

type Colours = (typeof import('ansis'))['default']

let colours: Colours | undefined

/**
 * Colour only for a person at a terminal: ansis alone would also colour output piped to a
 * file when CI is set. NO_COLOR wins; FORCE_COLOR keeps ansis' own choice. ansis loads on the
 * first colour asked for (its CommonJS build, which a synchronous require can load): a `--json`
 * run colours nothing and so never pays for it.
 */
function ansi(): Colours {
  if (colours) return colours
  const ansis = createRequire(import.meta.url)('ansis') as typeof import('ansis')
  colours = process.env.NO_COLOR !== undefined ? new ansis.Ansis(0) : process.env.FORCE_COLOR !== undefined || process.stderr.isTTY ? ansis.default : new ansis.Ansis(0)
  return colours
}

/**
 * Results go to stdout, narration to stderr: a pipe or `--json` gets only the result. Tables
 * are drawn for a terminal and become tab-separated lines for a pipe.
 */
export function stdoutIsTty(): boolean {
  return process.stdout.isTTY === true
}

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function writeErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
}

export interface TableOptions {
  tty?: boolean
  ctx?: RenderContext
}

/** A table on a TTY (cli-table3, loaded only then), tab-separated lines otherwise. */
export async function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], options: TableOptions = {}): Promise<string> {
  const ctx = options.ctx ?? {now: Date.now()}
  const tty = options.tty ?? stdoutIsTty()
  if (!tty) return toTsv(columns, rows, ctx)
  const {default: Table} = await import('cli-table3')
  const table = new Table({
    head: columns.map((c) => ansi().bold(c.header)),
    colAligns: columns.map((c) => c.align ?? 'left'),
    style: {head: [], border: ['gray'], compact: true, 'padding-left': 1, 'padding-right': 1},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '},
  })
  for (const row of rows) {
    const cells = rowCells(columns, row, ctx)
    table.push(cells.map((cell, i) => columns[i]?.style?.(cell, row) ?? cell))
  }
  return table.toString()
}

/**
 * One record on one line: tab-separated for a pipe (`cut -f`), two spaces apart on a terminal,
 * where a raw tab jumps to the next tab stop and reads as a glitch.
 */
export function renderFields(fields: readonly string[], tty = stdoutIsTty()): string {
  return tty ? fields.join('  ') : fields.map((field) => field.replace(/[\t\n]/g, ' ')).join('\t')
}

/** "Label   value" lines for a single resource; the same on a TTY and in a pipe, minus colour. */
export function renderDetails(pairs: ReadonlyArray<readonly [string, string]>, tty = stdoutIsTty()): string {
  const width = Math.max(...pairs.map(([label]) => label.length))
  return pairs.map(([label, value]) => `${tty ? ansi().bold(label.padEnd(width)) : label.padEnd(width)}  ${value}`).join('\n')
}

/** Loud on purpose: nobody should mistake simulated prices and GPUs for the real market. */
export function simulatedBanner(): string {
  return `${ansi().bgYellow.black.bold(' SIMULATED MARKET ')} ${ansi().yellow('offers, GPUs and instances are simulated; no real money is spent')}`
}

export const style = {
  ok: (text: string) => ansi().green(text),
  warn: (text: string) => ansi().yellow(text),
  error: (text: string) => ansi().red(text),
  dim: (text: string) => ansi().dim(text),
  bold: (text: string) => ansi().bold(text),
  code: (text: string) => ansi().cyan(text),
}
