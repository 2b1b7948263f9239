import type {SqlParams} from './sql-database.js'

/** A statement in PostgreSQL's form: `$n` placeholders, and which named parameter feeds each. */
interface Translated {
  text: string
  /** For named parameters: the name behind `$1`, `$2`, …; null when the statement is positional. */
  names: string[] | null
}

const cache = new Map<string, Translated>()
const CACHE_LIMIT = 1000

/**
 * Rewrites the repositories' SQLite-style parameters (`?`, `@name`) as PostgreSQL's `$n`,
 * leaving string literals, quoted identifiers and comments alone, and orders the values to
 * match. A named parameter used twice becomes one `$n`.
 */
export function toPostgres(sql: string, params: SqlParams | undefined): {text: string; values: unknown[]} {
  let translated = cache.get(sql)
  if (translated === undefined) {
    translated = translate(sql)
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(sql, translated)
  }
  if (params === undefined) return {text: translated.text, values: []}
  if (Array.isArray(params)) return {text: translated.text, values: params as unknown[]}
  const named = params as Readonly<Record<string, unknown>>
  const values = (translated.names ?? []).map((name) => {
    if (!(name in named)) throw new Error(`missing SQL parameter @${name}`)
    return named[name]
  })
  return {text: translated.text, values}
}

function translate(sql: string): Translated {
  let text = ''
  let positional = 0
  const names: string[] = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = closing(sql, i, c)
      text += sql.slice(i, end)
      i = end
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      const stop = end === -1 ? sql.length : end
      text += sql.slice(i, stop)
      i = stop
    } else if (c === '?') {
      text += `$${++positional}`
      i++
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0]
      let index = names.indexOf(name)
      if (index === -1) index = names.push(name) - 1
      text += `$${index + 1}`
      i += 1 + name.length
    } else {
      text += c
      i++
    }
  }
  if (positional && names.length) throw new Error('a statement mixes ? and @name parameters')
  return {text, names: names.length ? names : null}
}

/** Index just past the quote closing the one at `start`; a doubled quote is part of the text. */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}
