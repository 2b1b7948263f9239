import {describe, expect, it} from 'vitest'

import {tokenizeShellLine} from './shell-tokenizer.js'

describe('tokenizeShellLine', () => {
  it('keeps each word as its quoted parts, so the shell that runs it decides what expands', () => {
    expect(tokenizeShellLine(`echo a'$B'"$C\\$D"\\ e`)).toEqual([
      {word: [{text: 'echo', quote: 'none'}]},
      {
        word: [
          {text: 'a', quote: 'none'},
          {text: '$B', quote: 'single'},
          {text: '$C', quote: 'double'},
          {text: '$', quote: 'single'},
          {text: 'D', quote: 'double'},
          {text: ' ', quote: 'single'},
          {text: 'e', quote: 'none'},
        ],
      },
    ])
  })

  it('reads operators and redirections as bash does: newlines separate, 1> is >, # starts a comment', () => {
    const ops = (line: string) => (tokenizeShellLine(line) as {op?: string}[]).map((t) => t.op ?? 'word')
    expect(ops('a && b || c; d | e & f')).toEqual(['word', '&&', 'word', '||', 'word', ';', 'word', '|', 'word', '&', 'word'])
    expect(ops('a 2>/dev/null </dev/null&')).toEqual(['word', '2>', 'word', '<', 'word', '&'])
    expect(ops('a >f >>g <h 2>i 2>>j 2>&1 &>k 1>l 1>>m')).toEqual(['word', '>', 'word', '>>', 'word', '<', 'word', '2>', 'word', '2>>', 'word', '2>&1', '&>', 'word', '>', 'word', '>>', 'word'])
    expect(ops('a # b > c\nd')).toEqual(['word', ';', 'word'])
    expect(ops('a#b \\\n c')).toEqual(['word', 'word'])
  })

  it('takes the lines after a command as its here-documents, quoted delimiters marking them literal', () => {
    expect(tokenizeShellLine("cat <<EOF >a; cat <<-'END'\none\nEOF\ntwo\n  END\necho done")).toEqual([
      {word: [{text: 'cat', quote: 'none'}]},
      {heredoc: {body: 'one\n', literal: false}},
      {op: '>'},
      {word: [{text: 'a', quote: 'none'}]},
      {op: ';'},
      {word: [{text: 'cat', quote: 'none'}]},
      {heredoc: {body: 'two\n', literal: true}},
      {op: ';'},
      {word: [{text: 'echo', quote: 'none'}]},
      {word: [{text: 'done', quote: 'none'}]},
    ])
  })

  it("returns bash's complaint for a line it cannot read", () => {
    expect(tokenizeShellLine("echo 'a")).toBe("unexpected EOF while looking for matching `''")
    expect(tokenizeShellLine('echo "a')).toBe('unexpected EOF while looking for matching `"\'')
    expect(tokenizeShellLine('cat <<')).toBe("syntax error near unexpected token `newline'")
  })
})
