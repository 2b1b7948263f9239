import type {FastifySerializerCompiler} from 'fastify/types/schema.js'

/**
 * Replies written with JSON.stringify instead of through their zod schema, for the routes
 * polled hardest (the inventory, `/health`). Checking each reply against the schema cost 5x
 * the writing (0.8 ms for a page of 50 offers); fast-json-stringify, measured on the same
 * page, was no faster than JSON.stringify (its nullable fields take the slow path). The
 * schemas still document these replies in the OpenAPI document, their DTOs are built field
 * by field (dto.ts), and the contract tests validate real replies against them.
 */
export const plainJson: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data)

/**
 * `plainJson` for a reply whose `member` is an array shared between replies (a page of offers
 * the store remembers, see `offerDtos`): the array is written once, and the whole reply is
 * kept as bytes while the rest of it (`stale_providers`) stays the same, so a page asked for
 * again costs a socket write, not its serialisation and encoding (~0.1 ms for 50 offers, then
 * the largest cost of the request; 540 KB of text encoded again for a page of 1,000). The
 * member is written first, where the replies put it; replies without the array are written
 * plainly.
 */
export function sharedArrayJson(member: string): FastifySerializerCompiler<unknown> {
  const written = new WeakMap<readonly unknown[], {text: string; rest?: string; reply?: Buffer}>()
  const prefix = `{${JSON.stringify(member)}:`
  return () => (data) => {
    const shared = (data as Record<string, unknown>)[member]
    if (!Array.isArray(shared) || !Object.isFrozen(shared)) return JSON.stringify(data)
    let page = written.get(shared)
    if (page === undefined) {
      page = {text: JSON.stringify(shared)}
      written.set(shared, page)
    }
    const rest = JSON.stringify({...(data as object), [member]: undefined})
    if (page.reply === undefined || page.rest !== rest) {
      page.rest = rest
      page.reply = Buffer.from(rest === '{}' ? `${prefix}${page.text}}` : `${prefix}${page.text},${rest.slice(1)}`)
    }
    // Fastify sends a Buffer from a serializer as it is; nothing writes into it after.
    return page.reply as unknown as string
  }
}
