import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {sharedArrayJson} from './plain-json.js'

const serializerFor = (member: string) => {
  const serialize = sharedArrayJson(member)({schema: {}, method: 'GET', url: '/', httpStatus: '200'})
  // A shared page's reply comes as bytes (a Buffer), any other as text
  return (data: unknown) => String(serialize(data) as unknown as string | Buffer)
}

describe('sharedArrayJson', () => {
  it('writes exactly what JSON.stringify writes, whether the array is shared (frozen) or not, and with or without other members', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), {maxLength: 5}), fc.dictionary(fc.string().filter((k) => k !== 'offers' && k !== '__proto__' && !/^\d+$/.test(k)), fc.jsonValue(), {maxKeys: 4}), fc.boolean(), (offers, rest, frozen) => {
        const serialize = serializerFor('offers')
        const data = {offers: frozen ? Object.freeze(offers) : offers, ...rest}
        expect(serialize(data)).toBe(JSON.stringify(data))
        expect(serialize(data)).toBe(JSON.stringify(data))
      }),
    )
  })

  it('writes a reply without the array (an error body) plainly', () => {
    const body = {error: 'bad', error_type: 'validation_error', request_id: 'r1'}
    expect(serializerFor('offers')(body)).toBe(JSON.stringify(body))
  })

  it('writes a shared array once and reuses it while the other members change, the same bytes while they do not', () => {
    const serialize = serializerFor('offers')
    let reads = 0
    const offer = {get id() {
      reads++
      return 'o1'
    }}
    const page = Object.freeze([offer])
    expect(serialize({offers: page, count: 1, stale_providers: []})).toBe('{"offers":[{"id":"o1"}],"count":1,"stale_providers":[]}')
    expect(serialize({offers: page, count: 1, stale_providers: ['vastai']})).toBe('{"offers":[{"id":"o1"}],"count":1,"stale_providers":["vastai"]}')
    expect(reads).toBe(1)
    const raw = sharedArrayJson('offers')({schema: {}, method: 'GET', url: '/', httpStatus: '200'})
    const again = {offers: page, count: 1}
    expect(raw(again)).toBe(raw({...again}))
  })
})
