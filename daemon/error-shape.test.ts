import {connect} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

/**
 * Every error reply has one shape, `{error, error_type, request_id}` with the id also in
 * X-Request-Id, including the ones Fastify and Node's HTTP parser answer before any route runs.
 * Raw sockets, because clients like fetch refuse to send most of these requests.
 */
describe('one error shape for every reply', () => {
  let test: TestDaemon
  let host: string
  beforeAll(async () => {
    test = await startTestDaemon('error-shape')
    host = new URL(test.daemon.url).host
  })
  afterAll(async () => test?.close())

  /** Sends raw bytes and reads the reply until the server closes or a full JSON body arrived. */
  function raw(request: string): Promise<{status: number; headers: Record<string, string>; body: any}> {
    const {port} = new URL(test.daemon.url)
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      let text = ''
      const done = () => {
        const [head = '', ...rest] = text.split('\r\n\r\n')
        const [statusLine = '', ...headerLines] = head.split('\r\n')
        const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
        const body = rest.join('\r\n\r\n')
        let parsed: unknown = body
        try {
          parsed = JSON.parse(body)
        } catch {
          // left as text: the assertions below show it
        }
        resolve({status: Number(statusLine.split(' ')[1]), headers, body: parsed})
      }
      socket.setEncoding('utf8')
      socket.on('data', (d: string) => {
        text += d
        const length = /content-length:\s*(\d+)/i.exec(text)?.[1]
        const bodyStart = text.indexOf('\r\n\r\n')
        if (length !== undefined && bodyStart >= 0 && Buffer.byteLength(text.slice(bodyStart + 4)) >= Number(length)) {
          socket.destroy()
          done()
        }
      })
      socket.on('end', done)
      socket.on('error', reject)
      socket.write(request)
    })
  }

  const auth = () => `Authorization: Bearer ${test.daemon.token}\r\n`

  function expectShape(reply: {status: number; headers: Record<string, string>; body: any}, status: number, errorType: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status)
    expect(typeof reply.body.error, JSON.stringify(reply.body)).toBe('string')
    expect(reply.body.error_type).toBe(errorType)
    expect(reply.body.request_id).toMatch(/^req-[0-9a-f]{12}$/)
    expect(reply.headers['x-request-id']).toBe(reply.body.request_id)
    expect(reply.headers['content-type']).toMatch(/^application\/json/)
    // Nothing internal leaks: no Fastify codes or status fields of its own.
    expect(reply.body).not.toHaveProperty('code')
    expect(reply.body).not.toHaveProperty('statusCode')
  }

  it('a malformed URL is a 400 validation error', async () => {
    expectShape(await raw(`GET /api/v1/sessions/%E0%A4%A HTTP/1.1\r\nHost: ${host}\r\n${auth()}Connection: close\r\n\r\n`), 400, 'validation_error')
  })

  it('a path parameter longer than any valid id is a 414', async () => {
    expectShape(await raw(`GET /api/v1/consumers/${'x'.repeat(5000)}/budget HTTP/1.1\r\nHost: ${host}\r\n${auth()}Connection: close\r\n\r\n`), 414, 'validation_error')
  })

  it('a request line or headers too large for the parser is a 431', async () => {
    expectShape(await raw(`GET /api/v1/sessions?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: ${host}\r\n${auth()}Connection: close\r\n\r\n`), 431, 'validation_error')
  })

  it('bytes that are not HTTP are a 400', async () => {
    expectShape(await raw('NOT HTTP AT ALL\r\n\r\n'), 400, 'validation_error')
  })

  it('a body too large, a bad content type and bad JSON keep the shape', async () => {
    const body = 'x'.repeat(1024 * 1024 + 10)
    const post = (type: string, payload: string) =>
      `POST /api/v1/sessions HTTP/1.1\r\nHost: ${host}\r\n${auth()}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`
    expectShape(await raw(post('application/json', `"${body}"`)), 413, 'validation_error')
    expectShape(await raw(post('application/xml', '<a/>')), 415, 'validation_error')
    expectShape(await raw(post('application/json', '{"consumer_id":')), 400, 'validation_error')
  })

  it('an unknown route or method is a 404', async () => {
    expectShape(await raw(`GET /api/v1/nope HTTP/1.1\r\nHost: ${host}\r\n${auth()}Connection: close\r\n\r\n`), 404, 'not_found')
    expectShape(await raw(`PROPFIND /api/v1/sessions HTTP/1.1\r\nHost: ${host}\r\n${auth()}Connection: close\r\n\r\n`), 404, 'not_found')
  })
})
