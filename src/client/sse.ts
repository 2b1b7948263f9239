/** One dispatched Server-Sent Event. */
export interface SseMessage {
  event: string
  data: string
  id: string | null
}

/**
 * Parses a `text/event-stream` body per the WHATWG rules that matter to us: any line ending,
 * `field: value` with one optional space, multi-line `data`, comments, and dispatch on a
 * blank line. A final event without its blank line is dropped, as browsers do, because it may
 * be cut off mid-way.
 */
export async function* parseSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder()
  let buffer = ''
  let first = true
  let event = ''
  let data: string[] = []
  let id: string | null = null
  let lastId: string | null = null

  const takeLine = (line: string): SseMessage | null => {
    if (line === '') {
      if (id !== null) lastId = id
      const message = data.length > 0 ? {event: event || 'message', data: data.join('\n'), id: lastId} : null
      event = ''
      data = []
      id = null
      return message
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\0')) id = value
    return null
  }

  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, {stream: true})
    if (first && buffer.length > 0) {
      if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1)
      first = false
    }
    // A lone '\r' at the end may be the first half of '\r\n': wait for the next chunk.
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer)
      if (!match) break
      if (match[0] === '\r' && match.index === buffer.length - 1) break
      const line = buffer.slice(0, match.index)
      buffer = buffer.slice(match.index + match[0].length)
      const message = takeLine(line)
      if (message) yield message
    }
  }
  // The stream ended right after a '\r' that was held back above: it was a line end after all.
  if (buffer.endsWith('\r')) {
    for (const line of buffer.slice(0, -1).split(/\r\n|\r|\n/)) {
      const message = takeLine(line)
      if (message) yield message
    }
  }
}
