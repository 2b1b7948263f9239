/** How a stretch of a word was quoted, which decides what expansion may do to it. */
export type Quoting = 'none' | 'single' | 'double'

/** A stretch of a word under one kind of quoting. */
export interface WordPart {
  text: string
  quote: Quoting
}

/**
 * One shell word, kept as its quoted parts: each simulated shell expands `$VAR`, `~` and globs
 * in the unquoted and double-quoted parts with what it knows, and leaves single-quoted text alone.
 */
export type ShellWord = WordPart[]

/** `1>` is read as `>`; `&` ends a list that runs in the background. */
export type ShellOperator = '&&' | '||' | ';' | '&' | '|' | '>' | '>>' | '<' | '2>' | '2>>' | '2>&1' | '&>'

/** A here-document's text; `literal` when its delimiter was quoted, so `$VAR` in it stays as written. */
export interface HereDocument {
  body: string
  literal: boolean
}

export type ShellToken = {word: ShellWord} | {op: ShellOperator} | {heredoc: HereDocument}

interface PendingHereDocument {
  delimiter: string
  doc: HereDocument
}

/**
 * Splits a command line into words, operators and here-documents the way bash reads them:
 * single and double quotes, backslashes, line continuations, `#` comments, newlines as `;`.
 * Expansion is left to the shell that runs the words. Returns bash's complaint when the line
 * cannot be read (an unbalanced quote, `<<` without a delimiter).
 */
export function tokenizeShellLine(line: string): ShellToken[] | string {
  const tokens: ShellToken[] = []
  const pendingHeredocs: PendingHereDocument[] = []
  let word: ShellWord = []
  let inWord = false
  const push = (textPart: string, quote: Quoting) => {
    const last = word[word.length - 1]
    if (last && last.quote === quote) last.text += textPart
    else word.push({text: textPart, quote})
    inWord = true
  }
  const endWord = () => {
    if (inWord) tokens.push({word})
    word = []
    inWord = false
  }
  let i = 0
  const operator = (op: ShellOperator, length: number) => {
    endWord()
    tokens.push({op})
    i += length
  }
  while (i < line.length) {
    const ch = line[i] as string
    const rest = line.slice(i)
    if (ch === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) return "unexpected EOF while looking for matching `''"
      push(line.slice(i + 1, end), 'single')
      i = end + 1
    } else if (ch === '"') {
      let j = i + 1
      let body = ''
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) {
          // An escaped `$` stays literal: it goes in as quoted text, away from variable expansion.
          if (line[j + 1] === '$') {
            push(body, 'double')
            push('$', 'single')
            body = ''
          } else body += line[j + 1]
          j += 2
          continue
        }
        body += line[j]
        j++
      }
      if (j >= line.length) return 'unexpected EOF while looking for matching `"\''
      push(body, 'double')
      i = j + 1
    } else if (ch === '\\' && i + 1 < line.length) {
      if (line[i + 1] !== '\n') push(line[i + 1] as string, 'single')
      i += 2
    } else if (ch === '#' && !inWord) {
      const end = line.indexOf('\n', i)
      i = end < 0 ? line.length : end
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord()
      i++
    } else if (ch === '\n') {
      operator(';', 1)
      // The lines after a command with here-documents are their bodies, not commands.
      i = readHeredocBodies(line, i, pendingHeredocs)
    } else if (rest.startsWith('<<')) {
      const match = /^<<-?[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(rest)
      if (!match) return `syntax error near unexpected token \`${/^<<-?[ \t]*(\S*)/.exec(rest)?.[1] || 'newline'}'`
      endWord()
      const doc: HereDocument = {body: '', literal: match[1] !== ''}
      tokens.push({heredoc: doc})
      pendingHeredocs.push({delimiter: match[2] as string, doc})
      i += match[0].length
    } else if (rest.startsWith('2>&1')) operator('2>&1', 4)
    else if (!inWord && /^[12]>/.test(rest)) {
      const append = rest[2] === '>'
      const op: ShellOperator = ch === '2' ? (append ? '2>>' : '2>') : append ? '>>' : '>'
      operator(op, append ? 3 : 2)
    } else if (rest.startsWith('&>')) operator('&>', 2)
    else if (rest.startsWith('&&') || rest.startsWith('||') || rest.startsWith('>>')) operator(rest.slice(0, 2) as ShellOperator, 2)
    else if (ch === '&' || ch === ';' || ch === '|' || ch === '>' || ch === '<') operator(ch, 1)
    else {
      push(ch, 'none')
      i++
    }
  }
  endWord()
  readHeredocBodies(line, line.length, pendingHeredocs)
  return tokens
}

/**
 * Fills each pending here-document with the lines after `start` up to its delimiter (surrounding
 * blanks allowed) and clears the list; returns where the next command starts.
 */
function readHeredocBodies(text: string, start: number, pending: PendingHereDocument[]): number {
  let position = start
  for (const {delimiter, doc} of pending) {
    const lines: string[] = []
    while (position < text.length) {
      const end = text.indexOf('\n', position)
      const lineText = text.slice(position, end < 0 ? text.length : end)
      position = end < 0 ? text.length : end + 1
      if (lineText.trim() === delimiter) break
      lines.push(lineText)
    }
    doc.body = lines.length === 0 ? '' : lines.join('\n') + '\n'
  }
  pending.length = 0
  return position
}
