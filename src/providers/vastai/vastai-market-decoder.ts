import type {Offer} from '../../core/offer.js'
import {JsonArrayMemberReader} from '../http/json-array-member-reader.js'
import type {MarketDecoder, MarketDecoderOptions} from '../market-stream.js'
import {VastOfferReader} from './vastai-offer.js'

/** A `/bundles/` reply (`{"offers": [...]}`) read a batch of offers at a time. */
export class VastMarketDecoder implements MarketDecoder {
  private readonly json = new JsonArrayMemberReader('offers')
  private readonly reader: VastOfferReader

  constructor(options: MarketDecoderOptions) {
    this.reader = new VastOfferReader(options.fetchedAt, options.allocatedStorageGb)
  }

  get skipped(): number {
    return this.reader.skipped
  }

  get problems(): readonly string[] {
    return this.reader.problems
  }

  push(chunk: Uint8Array): Offer[] {
    return this.reader.read(this.json.push(chunk))
  }

  end(): Offer[] {
    return this.reader.read(this.json.end())
  }
}
