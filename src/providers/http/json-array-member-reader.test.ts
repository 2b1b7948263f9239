import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {JsonArrayMemberReader, JsonStreamError} from './json-array-member-reader.js'

/** Feeds `text` to a reader in the given chunk sizes (cycled), UTF-8 encoded: characters may split between chunks. */
function readAll(text: string, chunkSizes: readonly number[], batchChars: number, member = 'offers'): unknown[] {
  const reader = new JsonArrayMemberReader(member, {batchChars})
  const bytes = Buffer.from(text, 'utf8')
  const out: unknown[] = []
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!
    out.push(...reader.push(bytes.subarray(at, at + size)))
    at += size
  }
  out.push(...reader.end())
  return out
}

// Strings with what could confuse a cut: braces, commas, quotes, escapes and multi-byte characters.
const trickyString = fc.oneof(
  fc.string(),
  fc.constantFrom('},{', '}, {', '"},{"', '\\', 'é', '€uro', '🚀', '}\n,\n{', '[{}]'),
)
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    {depthSize: 'small'},
    fc.integer(),
    fc.double({noNaN: true, noDefaultInfinity: true}),
    fc.boolean(),
    fc.constant(null),
    trickyString,
    fc.array(tie('value'), {maxLength: 3}),
    fc.dictionary(trickyString, tie('value'), {maxKeys: 3}),
  ),
})).value
const element = fc.dictionary(trickyString, jsonValue, {maxKeys: 6})

describe('JsonArrayMemberReader', () => {
  it('reads exactly the elements JSON.parse reads, however the document is chunked and batched', () => {
    fc.assert(
      fc.property(
        fc.array(element, {maxLength: 40}),
        fc.dictionary(fc.string().filter((k) => k !== 'offers'), jsonValue, {maxKeys: 2}),
        fc.dictionary(fc.string().filter((k) => k !== 'offers'), jsonValue, {maxKeys: 2}),
        fc.constantFrom(undefined, 1, 2),
        fc.array(fc.integer({min: 1, max: 300}), {minLength: 1, maxLength: 5}),
        fc.integer({min: 1, max: 2000}),
        (offers, before, after, indent, chunkSizes, batchChars) => {
          // Other members before and after the array, compact or pretty-printed.
          const text = JSON.stringify({...before, offers, ...after}, null, indent)
          expect(readAll(text, chunkSizes, batchChars)).toEqual(JSON.parse(text).offers)
        },
      ),
      {numRuns: 300},
    )
  })

  it('reads the array when a later member has any name, the one it reads the tail under included', () => {
    // Found by the property test: {"offers":[],"_":{}} read as no array, the tail having been
    // parsed as the member "_" of an object, which the later "_" overwrote.
    for (const later of ['_', 'offers_', '']) {
      for (const offers of [[], [{id: 1}], [{id: 1}, {id: 2}]]) {
        const text = JSON.stringify({offers, [later]: {}, z: [1]})
        expect(readAll(text, [1], 1)).toEqual(offers)
        expect(readAll(text, [64], 1 << 20)).toEqual(offers)
      }
    }
  })

  it('reads a large array a batch at a time', () => {
    const offers = Array.from({length: 5000}, (_, i) => ({id: i, gpu_name: i % 7 ? 'RTX 4090' : 'A100 "SXM" },{', search: {totalHour: i / 10}}))
    const reader = new JsonArrayMemberReader('offers', {batchChars: 4096})
    const bytes = Buffer.from(JSON.stringify({offers}))
    let biggestBatch = 0
    const out: unknown[] = []
    for (let at = 0; at < bytes.length; at += 1000) {
      const batch = reader.push(bytes.subarray(at, at + 1000))
      biggestBatch = Math.max(biggestBatch, batch.length)
      out.push(...batch)
    }
    out.push(...reader.end())
    expect(out).toEqual(offers)
    // Never more than a batch's worth at once.
    expect(biggestBatch).toBeLessThan(200)
  })

  it('refuses a document that is cut short, malformed, or has no such array', () => {
    const cases: [string, RegExp][] = [
      ['{"offers": [{"id": 1}, {"id": 2}', /not complete JSON/],
      ['{"offers": [{"id": 1}, {"id": 2]}', /not complete JSON/],
      ['{"offers": {"id": 1}}', /is not an array/],
      ['{"msg": "no offers here"}', /no "offers" array/],
      ['[{"id": 1}]', /not a JSON object/],
      ['', /no "offers" array/],
      ['{"offers": [{"id": 1}]} trailing', /not complete JSON/],
    ]
    for (const [text, error] of cases) {
      expect(() => readAll(text, [3], 8), text).toThrow(JsonStreamError)
      expect(() => readAll(text, [3], 8), text).toThrow(error)
    }
  })

  it('refuses an element larger than the limit instead of holding it', () => {
    const reader = new JsonArrayMemberReader('offers', {batchChars: 10, maxElementChars: 1000})
    reader.push(Buffer.from('{"offers": [{"x": "'))
    expect(() => reader.push(Buffer.from('a'.repeat(2000)))).toThrow(/larger than any offer/)
  })
})
