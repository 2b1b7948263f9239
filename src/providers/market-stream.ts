import type {Offer} from '../core/offer.js'

/** How the bytes of a market stream are decoded (see market-decoders.ts). */
export type MarketFormat = 'vastai-bundles'

/** What a decoder needs besides the bytes: plain data, so it can cross to a worker thread. */
export interface MarketDecoderOptions {
  /** When the provider answered; every offer of the stream was fetched then. */
  fetchedAt: number
  /** The disk the search asked the provider to price in (Vast.ai's `allocated_storage`). */
  allocatedStorageGb: number
}

/**
 * A provider's whole market as it downloads. A 100k-offer Vast.ai market is ~190 MB of JSON:
 * it is decoded and stored a batch at a time (off the daemon's request path), never held whole.
 */
export interface MarketStream {
  format: MarketFormat
  decoderOptions: MarketDecoderOptions
  body: AsyncIterable<Uint8Array>
  /** Stops the download; for a refresh abandoned halfway. */
  cancel(): Promise<void>
}

/** Turns a market's bytes into normalised offers as they arrive. */
export interface MarketDecoder {
  /** Offers completed by this chunk (often none). */
  push(chunk: Uint8Array): Offer[]
  /** The last offers; throws when the reply was not a complete, well-formed market. */
  end(): Offer[]
  /** Offers that could not be read: counted, not fatal. */
  readonly skipped: number
  /** Why, for the first few skipped offers (ids and field paths, never whole bodies). */
  readonly problems: readonly string[]
}
