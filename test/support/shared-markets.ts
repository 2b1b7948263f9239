import {inject} from 'vitest'

import {startTensorDockSim, startVastSim, type TensorDockSimHandle, type VastSimHandle} from '../../src/sim/index.js'
import {createTestDatabase} from './postgres.js'

/** A fresh PostgreSQL database and one pair of simulated marketplaces, for several `serve` processes to share. */
export interface SharedMarkets {
  /** What points a server at them (`startTeamServer(..., {simulate: false, env})`). */
  env: NodeJS.ProcessEnv
  vast: VastSimHandle
  tensordock: TensorDockSimHandle
  databaseUrl: string
  close(): Promise<void>
}

/**
 * The marketplaces run in the test process and pace like a local service (a server's own
 * simulators would differ from process to process); `env` adds to or overrides the variables.
 */
export async function startSharedMarkets(options: {offerCount?: number; env?: NodeJS.ProcessEnv} = {}): Promise<SharedMarkets> {
  const database = await createTestDatabase(inject('postgresAdminUrl'))
  const vast = await startVastSim({port: 0, ...(options.offerCount ? {offerCount: options.offerCount} : {})})
  const tensordock = await startTensorDockSim({port: 0})
  return {
    env: {
      GPU_SHOPPER_DATABASE_URL: database.url,
      VASTAI_API_URL: vast.url,
      VASTAI_API_KEY: 'shared-markets-key',
      TENSORDOCK_API_URL: tensordock.url,
      TENSORDOCK_API_TOKEN: 'shared-markets-token',
      GPU_SHOPPER_VASTAI_CALLS_PER_SECOND: '500',
      GPU_SHOPPER_TENSORDOCK_CALLS_PER_SECOND: '500',
      ...options.env,
    },
    vast,
    tensordock,
    databaseUrl: database.url,
    async close() {
      await vast.close()
      await tensordock.close()
      await database.drop()
    },
  }
}
