import type {ProviderName} from '../core/provider-name.js'
import type {MarketDecoderOptions, MarketFormat} from '../providers/market-stream.js'
import type {DatabaseLocation} from '../store/sql/sql-database.js'
import type {IngestResult} from './market-ingestion.js'

/** What the ingest thread starts with: plain data only (it crosses threads). */
export interface IngestThreadData {
  location: DatabaseLocation
  provider: ProviderName
  started: number
  format: MarketFormat
  decoderOptions: MarketDecoderOptions
}

/** Main thread → ingest thread: the market's bytes in order, then its end (or an abort). */
export type ToIngestThread = {type: 'chunk'; bytes: Uint8Array} | {type: 'end'} | {type: 'abort'}

/** Ingest thread → main thread: each chunk stored (for flow control), then the outcome. */
export type FromIngestThread =
  | {type: 'ack'; bytes: number}
  | {type: 'done'; result: IngestResult}
  | {type: 'failed'; message: string}
