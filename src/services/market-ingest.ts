import {setImmediate as yieldToEvents} from 'node:timers/promises'
import {Worker, type WorkerOptions} from 'node:worker_threads'

import type {ProviderName} from '../core/provider-name.js'
import {createMarketDecoder} from '../providers/market-decoders.js'
import type {MarketStream} from '../providers/market-stream.js'
import {WriteTurn} from '../store/sql/write-turn.js'
import type {Store} from '../store/store.js'
import type {FromIngestThread, IngestThreadData, ToIngestThread} from './market-ingest-protocol.js'
import {MarketIngestion, type IngestResult} from './market-ingestion.js'

/** Market bytes handed to the ingest thread and not yet stored: bounds memory whatever the download speed. */
const MAX_BYTES_IN_FLIGHT = 4 << 20
/** The ingest thread's heap: a batch of offers needs a few MiB; a runaway one is stopped, not the daemon. */
const THREAD_HEAP_MB = 96

export class MarketIngestError extends Error {
  override name = 'MarketIngestError'
}

/**
 * Reads a provider's market stream into the store off the main thread: a worker thread
 * decodes and stores it through its own database connection while this thread only moves
 * bytes, so requests are answered throughout. The thread lives for one refresh, and its
 * memory goes with it. Only a store no second connection can open (in-memory SQLite, in tests)
 * is filled here, a chunk per turn of the event loop.
 */
export async function ingestMarket(
  store: Store,
  provider: ProviderName,
  stream: MarketStream,
  started: number,
  signal?: AbortSignal,
): Promise<IngestResult> {
  try {
    const location = store.db.location
    if (location === null) return await ingestHere(store, provider, stream, started, signal)
    return await ingestInThread({location, provider, started, format: stream.format, decoderOptions: stream.decoderOptions}, stream, signal)
  } catch (err) {
    await stream.cancel()
    if (err instanceof MarketIngestError || signal?.aborted) throw err
    throw new MarketIngestError(`${provider}: downloading the market failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}

async function ingestHere(target: Store, provider: ProviderName, stream: MarketStream, started: number, signal?: AbortSignal): Promise<IngestResult> {
  const ingestion = new MarketIngestion(target, provider, started, createMarketDecoder(stream.format, stream.decoderOptions))
  for await (const chunk of stream.body) {
    signal?.throwIfAborted()
    await ingestion.push(chunk).catch(rethrowAs(provider))
    await yieldToEvents()
  }
  return ingestion.finish().catch(rethrowAs(provider))
}

function rethrowAs(provider: ProviderName): (err: unknown) => never {
  return (err) => {
    throw readFailed(provider, err instanceof Error ? err.message : String(err))
  }
}

function readFailed(provider: ProviderName, reason: string): MarketIngestError {
  return new MarketIngestError(`${provider}: reading the market failed: ${reason}`)
}

async function ingestInThread(data: IngestThreadData, stream: MarketStream, signal?: AbortSignal): Promise<IngestResult> {
  const thread = startIngestThread(data)
  let inFlight = 0
  let wake: (() => void) | null = null
  let outcome: {result: IngestResult} | {error: Error} | null = null
  const settled = new Promise<void>((resolve) => {
    const settle = (value: typeof outcome) => {
      outcome ??= value
      wake?.()
      resolve()
    }
    thread.on('message', (message: FromIngestThread) => {
      if (message.type === 'ack') {
        inFlight -= message.bytes
        wake?.()
      } else if (message.type === 'done') settle({result: message.result})
      else settle({error: readFailed(data.provider, message.message)})
    })
    thread.on('error', (err) => settle({error: new MarketIngestError(`${data.provider}: the market ingest thread failed: ${err.message}`)}))
    thread.on('exit', () => settle({error: new MarketIngestError(`${data.provider}: the market ingest thread stopped before it finished`)}))
  })
  const post = (message: ToIngestThread) => thread.postMessage(message)
  try {
    for await (const chunk of stream.body) {
      if (outcome) break
      signal?.throwIfAborted()
      const size = chunk.byteLength
      // Handed over, not copied, when the chunk is a buffer of its own (as the socket's reads are).
      const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer
      thread.postMessage({type: 'chunk', bytes: chunk} satisfies ToIngestThread, whole ? [chunk.buffer] : [])
      inFlight += size
      while (inFlight > MAX_BYTES_IN_FLIGHT && !outcome) await new Promise<void>((resolve) => (wake = resolve))
      wake = null
    }
    if (!outcome) post({type: 'end'})
    await settled
  } catch (err) {
    post({type: 'abort'})
    throw err
  } finally {
    // Whatever happened, the thread (and its memory) does not outlive the refresh.
    void thread.terminate()
  }
  const end = outcome as {result: IngestResult} | {error: Error} | null
  if (end === null) throw new MarketIngestError(`${data.provider}: the market ingest thread gave no outcome`)
  if ('error' in end) throw end.error
  return end.result
}

function startIngestThread(data: IngestThreadData): Worker {
  const options = {workerData: data, resourceLimits: {maxOldGenerationSizeMb: THREAD_HEAP_MB}}
  const thread = spawnIngestThread(options)
  // A thread stopped mid-batch (an abort, its heap limit) cannot give the write turn back.
  const {location} = data
  if (location.engine === 'sqlite' && location.writeTurn) {
    const turn = new WriteTurn(location.writeTurn)
    const {threadId} = thread
    thread.once('exit', () => turn.clearFor(threadId))
  }
  return thread
}

function spawnIngestThread(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./market-ingest-thread.js', import.meta.url), options)
  // From the TypeScript sources (the tests), the thread loads its module through tsx.
  const entry = new URL('./market-ingest-thread.ts', import.meta.url).href
  const bootstrap = `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, {...options, eval: true})
}
