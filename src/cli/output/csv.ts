/**
 * RFC 4180 CSV as the daemon's ledger export writes it: CRLF (or LF) line ends, cells quoted
 * when they hold a comma, quote or line break, quotes doubled inside. Pure, for `costs export`.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let quoted = false
  let i = 0
  const endRecord = () => {
    record.push(cell)
    records.push(record)
    record = []
    cell = ''
  }
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i += 2
        continue
      }
      if (ch === '"') quoted = false
      else cell += ch
      i++
      continue
    }
    if (ch === '"' && cell === '') quoted = true
    else if (ch === ',') {
      record.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRecord()
      i++
    } else if (ch === '\n') endRecord()
    else cell += ch
    i++
  }
  // A last line without its line break still counts; an empty tail after the final CRLF does not.
  if (cell !== '' || record.length > 0) endRecord()
  return records
}

/** The ledger export's columns that hold numbers; the others stay text. */
const NUMERIC = new Set(['seconds', 'price_per_hour_usd', 'amount_usd', 'amount_micro_usd'])

export type LedgerRow = Record<string, string | number>

/**
 * The CSV's data rows as objects keyed by its header line, numbers as numbers (the
 * `amount_micro_usd` integers stay exact: they are well inside 2^53).
 */
export function ledgerRowsOf(text: string): LedgerRow[] {
  const [header, ...records] = parseCsv(text)
  if (!header) return []
  return records.map((cells) => {
    const row: LedgerRow = {}
    header.forEach((name, i) => {
      const cell = cells[i] ?? ''
      row[name] = NUMERIC.has(name) && cell !== '' && Number.isFinite(Number(cell)) ? Number(cell) : cell
    })
    return row
  })
}
