/**
 * A market refresh's worker thread: decodes the market's bytes as the daemon's main thread
 * hands them over and stores the offers through its own connection to the database, so the
 * main thread keeps answering requests. See market-ingest.ts for the other side.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {createMarketDecoder} from '../providers/market-decoders.js'
import {OffersRepo} from '../store/offers-repo.js'
import {PriceHistoryRepo} from '../store/price-history-repo.js'
import {openDatabase} from '../store/sql/open-database.js'
import {MarketIngestion} from './market-ingestion.js'
import type {FromIngestThread, IngestThreadData, ToIngestThread} from './market-ingest-protocol.js'

const port = parentPort!
const data = workerData as IngestThreadData
const send = (message: FromIngestThread) => port.postMessage(message)

const db = await openDatabase(data.location, 'gpu-shopper market ingest').catch((err: unknown) => {
  send({type: 'failed', message: `opening the database: ${(err as Error).message}`})
  port.close()
  return null
})

if (db) {
  const ingestion = new MarketIngestion(
    {db, offers: new OffersRepo(db), priceHistory: new PriceHistoryRepo(db)},
    data.provider,
    data.started,
    createMarketDecoder(data.format, data.decoderOptions),
  )
  /** Set once the outcome is sent (or the main thread gave up): later messages are ignored. */
  let over = false
  let queue: Promise<void> = Promise.resolve()
  const finish = async (message: FromIngestThread | null) => {
    await db.close().catch(() => {})
    if (message) send(message)
    port.close()
  }
  const handle = async (message: ToIngestThread): Promise<void> => {
    if (over) return
    try {
      if (message.type === 'chunk') {
        await ingestion.push(message.bytes)
        send({type: 'ack', bytes: message.bytes.byteLength})
      } else if (message.type === 'end') {
        const result = await ingestion.finish()
        over = true
        await finish({type: 'done', result})
      } else {
        over = true
        await finish(null)
      }
    } catch (err) {
      over = true
      await finish({type: 'failed', message: err instanceof Error ? err.message : String(err)})
    }
  }
  // Strictly in order: each chunk continues where the last one stopped.
  port.on('message', (message: ToIngestThread) => {
    queue = queue.then(() => handle(message))
  })
}
