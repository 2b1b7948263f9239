import {StringDecoder} from 'node:string_decoder'

/**
 * Reads the elements of one array member of a JSON document that arrives in byte chunks
 * (`{"offers": [ {...}, {...}, … ]}`), a batch at a time: a 100k-offer market is 190 MB of
 * text, and holding it whole (the text, then every parsed object) is what made a refresh cost
 * hundreds of MiB. Each batch is decoded by JSON.parse, V8's native parser, so the elements
 * are exactly what parsing the whole document would give. The bytes become text as they
 * arrive (a character split between chunks is joined), so no byte buffers pile up.
 *
 * Batches end where an element of an array of objects ends: at a `}` followed by `,` and `{`.
 * Such a cut can also fall inside a string or a nested array; then the batch is not valid
 * JSON on its own, and the exact boundary is found by scanning that batch once instead.
 */
export class JsonArrayMemberReader {
  private readonly utf8 = new StringDecoder('utf8')
  private pending: string[] = []
  private pendingLength = 0
  /** The text before the array (and its `[`) is found; null once the array has started. */
  private prefix: string | null = ''

  constructor(
    private readonly member: string,
    private readonly options: {batchChars?: number; maxPrefixChars?: number; maxElementChars?: number} = {},
  ) {}

  /** Elements completed by this chunk, in order (often none). */
  push(chunk: Uint8Array): unknown[] {
    return this.pushText(this.utf8.write(chunk as Buffer))
  }

  /** The last elements; throws JsonStreamError unless the document was complete and well formed. */
  end(): unknown[] {
    const last = this.utf8.end()
    const elements = last === '' ? [] : this.pushText(last)
    if (this.prefix !== null) throw new JsonStreamError(`no "${this.member}" array in the reply`)
    const rest = this.take()
    // What is left is the array's tail and the rest of the document: prefixed with the start
    // of a one-member object, it is a complete document exactly when the original was. The
    // tail itself is read apart, up to its `]`: a later member of the same name as that one
    // member would win in JSON.parse.
    try {
      JSON.parse(`{"_":[${rest}`)
    } catch (err) {
      throw new JsonStreamError(`the reply is not complete JSON (${(err as Error).message})`)
    }
    const array = `[${rest}`
    const tail = JSON.parse(array.slice(0, skipValue(array, 0)!)) as unknown[]
    for (const element of tail) elements.push(element)
    return elements
  }

  private pushText(text: string): unknown[] {
    if (this.prefix !== null) {
      this.prefix += text
      const start = findArrayMember(this.prefix, this.member)
      if (start === null) {
        if (this.prefix.length > (this.options.maxPrefixChars ?? 64 * 1024)) throw new JsonStreamError(`no "${this.member}" array near the start of the reply`)
        return []
      }
      const rest = this.prefix.slice(start)
      this.prefix = null
      return rest === '' ? [] : this.pushText(rest)
    }
    this.pending.push(text)
    this.pendingLength += text.length
    if (this.pendingLength < (this.options.batchChars ?? 1 << 20)) return []
    return this.cut()
  }

  private take(): string {
    const all = this.pending.length === 1 ? this.pending[0]! : this.pending.join('')
    this.pending = []
    this.pendingLength = 0
    return all
  }

  /** Decodes every whole element pending; keeps the unfinished one. */
  private cut(): unknown[] {
    const all = this.take()
    let end = lastElementEnd(all)
    if (end !== null) {
      const elements = parseElements(all, end.close)
      if (elements !== null) return this.keep(all, end.next, elements)
      // The cut fell inside a string or a nested array: find the real boundary.
      end = scanLastElementEnd(all)
      if (end !== null) {
        const exact = parseElements(all, end.close)
        if (exact === null) throw new JsonStreamError('the reply is not valid JSON')
        return this.keep(all, end.next, exact)
      }
    }
    if (all.length > (this.options.maxElementChars ?? 64 << 20)) throw new JsonStreamError('an element of the reply is larger than any offer could be')
    this.pending = [all]
    this.pendingLength = all.length
    return []
  }

  private keep(all: string, from: number, elements: unknown[]): unknown[] {
    if (from < all.length) {
      const rest = all.slice(from)
      this.pending = [rest]
      this.pendingLength = rest.length
    }
    return elements
  }
}

export class JsonStreamError extends Error {}

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
}

/** The elements in `text[0..=close]`, or null when that is not a run of whole elements. */
function parseElements(text: string, close: number): unknown[] | null {
  try {
    return JSON.parse(`[${text.slice(0, close + 1)}]`) as unknown[]
  } catch {
    return null
  }
}

interface ElementEnd {
  /** Index of the element's closing `}`. */
  close: number
  /** Index where the next element starts (past the comma). */
  next: number
}

/** The last `}` followed by `,` and `{` (whitespace allowed): a likely element end. */
function lastElementEnd(text: string): ElementEnd | null {
  for (let i = text.lastIndexOf('}'); i >= 0; i = i === 0 ? -1 : text.lastIndexOf('}', i - 1)) {
    let j = i + 1
    while (isSpace(text.charCodeAt(j))) j++
    if (text.charCodeAt(j) !== COMMA) continue
    j++
    while (isSpace(text.charCodeAt(j))) j++
    if (text.charCodeAt(j) === OPEN_BRACE) return {close: i, next: j}
  }
  return null
}

/** The exact last element end, tracking strings and depth from the first element's start. */
function scanLastElementEnd(text: string): ElementEnd | null {
  let depth = 0
  let inString = false
  let last: ElementEnd | null = null
  let closedAt = -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
      continue
    }
    if (c === QUOTE) inString = true
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
      // Past the array's own `]`: what follows are other members of the document.
      if (depth < 0) break
      if (depth === 0) closedAt = i
    } else if (c === COMMA && depth === 0 && closedAt >= 0) {
      last = {close: closedAt, next: i + 1}
    }
  }
  return last
}

/** Index just past the `[` of the top-level member `name`, or null when not (yet) seen. */
function findArrayMember(text: string, name: string): number | null {
  let i = skipSpace(text, 0)
  if (i >= text.length) return null
  if (text.charCodeAt(i) !== OPEN_BRACE) throw new JsonStreamError('the reply is not a JSON object')
  i++
  for (;;) {
    i = skipSpace(text, i)
    if (i >= text.length) return null
    if (text.charCodeAt(i) === CLOSE_BRACE) throw new JsonStreamError(`no "${name}" array in the reply`)
    const keyEnd = stringEnd(text, i)
    if (keyEnd === null) return null
    const key = JSON.parse(text.slice(i, keyEnd)) as string
    i = skipSpace(text, keyEnd)
    if (i >= text.length) return null
    if (text.charCodeAt(i) !== COLON) throw new JsonStreamError('the reply is not valid JSON')
    i = skipSpace(text, i + 1)
    if (i >= text.length) return null
    if (key === name) {
      if (text.charCodeAt(i) !== OPEN_BRACKET) throw new JsonStreamError(`"${name}" is not an array`)
      return i + 1
    }
    const valueEnd = skipValue(text, i)
    if (valueEnd === null) return null
    i = skipSpace(text, valueEnd)
    if (i >= text.length) return null
    if (text.charCodeAt(i) === COMMA) i++
    else if (text.charCodeAt(i) === CLOSE_BRACE) throw new JsonStreamError(`no "${name}" array in the reply`)
    else throw new JsonStreamError('the reply is not valid JSON')
  }
}

function skipSpace(text: string, from: number): number {
  let i = from
  while (isSpace(text.charCodeAt(i))) i++
  return i
}

/** Index past the closing quote of the string starting at `from`; null when it is not complete yet. */
function stringEnd(text: string, from: number): number | null {
  if (text.charCodeAt(from) !== QUOTE) throw new JsonStreamError('the reply is not valid JSON')
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === BACKSLASH) i++
    else if (c === QUOTE) return i + 1
  }
  return null
}

/** Index past the value starting at `from`; null when it is not complete yet. */
function skipValue(text: string, from: number): number | null {
  const first = text.charCodeAt(from)
  if (first === QUOTE) return stringEnd(text, from)
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number or a literal runs to the next delimiter.
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === COMMA || c === CLOSE_BRACE || isSpace(c)) return i
    }
    return null
  }
  let depth = 0
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const end = stringEnd(text, i)
      if (end === null) return null
      i = end - 1
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return null
}
