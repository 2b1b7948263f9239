import type {TestProject} from 'vitest/node'

import {startPostgresCluster} from './postgres.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's `postgres` database: tests create their own databases on it. */
    postgresAdminUrl: string
  }
}

/** One PostgreSQL cluster for the whole run; each test file makes its own database on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgresCluster()
  project.provide('postgresAdminUrl', cluster.adminUrl)
  return () => cluster.stop()
}
