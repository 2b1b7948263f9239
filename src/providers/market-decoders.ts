import type {MarketDecoder, MarketDecoderOptions, MarketFormat} from './market-stream.js'
import {VastMarketDecoder} from './vastai/vastai-market-decoder.js'

/** The decoder for a market stream's format; what the ingest thread builds from plain data. */
export function createMarketDecoder(format: MarketFormat, options: MarketDecoderOptions): MarketDecoder {
  switch (format) {
    case 'vastai-bundles':
      return new VastMarketDecoder(options)
  }
}
