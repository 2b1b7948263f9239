import {describe, expect, it} from 'vitest'

import {parseSse, type SseMessage} from './sse.js'

async function collect(chunks: string[]): Promise<SseMessage[]> {
  async function* source() {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk)
  }
  const out: SseMessage[] = []
  for await (const message of parseSse(source())) out.push(message)
  return out
}

describe('parseSse', () => {
  it('dispatches an event on a blank line with its type, data and id', async () => {
    expect(await collect(['id: 7\nevent: session-event\ndata: {"a":1}\n\n'])).toEqual([{event: 'session-event', data: '{"a":1}', id: '7'}])
  })

  it('joins multi-line data and defaults the type to "message"', async () => {
    expect(await collect(['data: one\ndata: two\n\n'])).toEqual([{event: 'message', data: 'one\ntwo', id: null}])
  })

  it('reassembles events split across chunks, including a CRLF split between chunks', async () => {
    const messages = await collect(['ev', 'ent: x\r', '\ndata: {"b"', ':2}\r\n\r\n', 'data: c\r\r'])
    expect(messages).toEqual([
      {event: 'x', data: '{"b":2}', id: null},
      {event: 'message', data: 'c', id: null},
    ])
  })

  it('ignores comments, unknown fields and events without data, and strips a leading BOM', async () => {
    const messages = await collect(['\uFEFF: keep-alive\n\n', 'retry: 1000\nevent: ping\n\n', 'data:no-space\n\n'])
    expect(messages).toEqual([{event: 'message', data: 'no-space', id: null}])
  })

  it('keeps the last id for later events and drops a final event that never ended', async () => {
    const messages = await collect(['id: 3\ndata: a\n\ndata: b\n\ndata: cut-off'])
    expect(messages.map((m) => [m.data, m.id])).toEqual([
      ['a', '3'],
      ['b', '3'],
    ])
  })
})
