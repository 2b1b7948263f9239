import {Box, Text} from 'ink'
import {memo, useEffect, useRef, useState} from 'react'

import {pricePerGpuMicroUsd} from '../../src/cli/output/columns/offers.js'
import {describePriceIncludes} from '../../src/core/offer-quote.js'
import {formatAge, formatPrice, formatReliability} from '../../src/cli/output/format.js'
import {medianTrendLines} from '../../src/cli/output/sparkline.js'
import type {OfferDto, PricePointDto} from '../../src/core/api/inventory.js'
import {errorText} from '../model/error-text.js'
import {useServices} from '../services.js'

// Scrolling through offers must not fire a request per row: the history of a model is asked
// for once the selection rests, and kept.
const SETTLE_MS = 150
const HISTORY_TTL_MS = 60_000

interface History {
  points: readonly PricePointDto[]
  at: number
}

/** The selected offer in full, and the price trend of its GPU model per provider; drawn again only when one of them changes. */
export const OfferDetail = memo(function OfferDetail({offer, height, width, now}: {offer: OfferDto | undefined; height: number; width: number; now: number}) {
  const {client, now: clock} = useServices()
  const cache = useRef(new Map<string, History>())
  const [, setVersion] = useState(0)
  const [error, setError] = useState<string | null>(null)
  const gpuType = offer?.gpu_type

  useEffect(() => {
    if (!gpuType) return
    const cached = cache.current.get(gpuType)
    if (cached && clock() - cached.at < HISTORY_TTL_MS) return
    const abort = new AbortController()
    const timer = setTimeout(() => {
      client.inventory.history({gpu_type: gpuType, limit: 500}, {signal: abort.signal}).then(
        (reply) => {
          cache.current.set(gpuType, {points: reply.points, at: clock()})
          setError(null)
          setVersion((v) => v + 1)
        },
        (err: unknown) => {
          if (!abort.signal.aborted) setError(errorText(err))
        },
      )
    }, SETTLE_MS)
    return () => {
      clearTimeout(timer)
      abort.abort()
    }
  }, [gpuType, client, clock])

  if (!offer) return <Box height={height} />
  const facts = [
    offer.disk_gb === null ? null : `disk ${offer.disk_gb} GB`,
    offer.cpu_cores === null ? null : `${offer.cpu_cores} vCPU`,
    offer.ram_gb === null ? null : `${offer.ram_gb} GB RAM`,
    offer.inet_down_mbps === null ? null : `${Math.round(offer.inet_down_mbps)} Mb/s down`,
    offer.cuda_version === null ? null : `CUDA ${offer.cuda_version}`,
    `seen ${formatAge(offer.fetched_at, now)}`,
  ].filter(Boolean)
  const history = cache.current.get(offer.gpu_type)
  const trend = history ? medianTrendLines(history.points) : []
  const trendLines = history
    ? trend.length
      ? trend.slice(0, height - 3)
      : ['no price history yet: one point per market refresh']
    : [error ?? 'loading price history…']
  return (
    <Box flexDirection="column" height={height} width={width}>
      {/* The rule is a border, not 150 "─" in a text: Ink measures every text's width again in
          every frame, and a line of box-drawing characters takes it the slow, grapheme by
          grapheme way (~0.4 ms a frame). */}
      <Box height={1} width={width}>
        <Text wrap="truncate" color="cyan">{`── ${offer.id} `}</Text>
        <Box flexGrow={1} borderStyle="single" borderColor="cyan" borderBottom={false} borderLeft={false} borderRight={false} />
      </Box>
      <Box flexDirection="column" height={Math.max(0, height - 1)} width={width} overflow="hidden">
        <Text wrap="truncate">
          <Text bold>{`${offer.gpu_count}x ${offer.gpu_type} ${offer.vram_gb} GB`}</Text>
          {`  ${formatPrice(offer.price_per_hour_micro_usd)}/h with ${describePriceIncludes(offer.price_includes)} (${formatPrice(pricePerGpuMicroUsd(offer))}/GPU/h)  ${offer.provider}  ${offer.location || '-'}${offer.country_code ? ` (${offer.country_code})` : ''}  reliability ${formatReliability(offer.reliability)}`}
        </Text>
        <Text wrap="truncate" dimColor>
          {facts.join(' · ')}
        </Text>
        <Text wrap="truncate" dimColor>{`${offer.gpu_type} median $/GPU/h per market refresh:`}</Text>
        {trendLines.map((line, i) => (
          <Text key={i} wrap="truncate">
            {`  ${line}`}
          </Text>
        ))}
      </Box>
    </Box>
  )
})
