import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {inject} from 'vitest'

import {Store} from '../../src/store/store.js'
import {createTestDatabase} from './postgres.js'

/** A fresh, migrated store and how to dispose of it. */
export interface OpenedStore {
  store: Store
  /** Opens the same database again (a second process, or a restart). */
  reopen(): Promise<Store>
  close(): Promise<void>
}

export interface StoreEngine {
  name: 'sqlite' | 'postgres'
  open(): Promise<OpenedStore>
}

/** Both engines the store runs on, for `describe.each(STORE_ENGINES)`: every store test runs on each. */
export const STORE_ENGINES: readonly StoreEngine[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-store-'))
      const file = join(dir, 'db.sqlite')
      const store = Store.open(file)
      const opened: Store[] = [store]
      return {
        store,
        async reopen() {
          const again = Store.open(file)
          opened.push(again)
          return again
        },
        async close() {
          for (const s of opened) await s.close().catch(() => undefined)
          rmSync(dir, {recursive: true, force: true, maxRetries: 10})
        },
      }
    },
  },
  {
    name: 'postgres',
    async open() {
      const database = await createTestDatabase(inject('postgresAdminUrl'))
      const store = await Store.connect({url: database.url, poolSize: 4})
      const opened: Store[] = [store]
      return {
        store,
        async reopen() {
          const again = await Store.connect({url: database.url, poolSize: 4})
          opened.push(again)
          return again
        },
        async close() {
          for (const s of opened) await s.close().catch(() => undefined)
          await database.drop()
        },
      }
    },
  },
]

/**
 * Two server processes on one fresh database, as contexts like `base`: two stores (connections)
 * on PostgreSQL; on SQLite, where one daemon owns the file, concurrent requests of that daemon.
 */
export async function twoProcessesOn<C extends {store: Store}>(engine: StoreEngine, base: C): Promise<{opened: OpenedStore; a: C; b: C}> {
  const opened = await engine.open()
  const other = engine.name === 'postgres' ? await opened.reopen() : opened.store
  return {opened, a: {...base, store: opened.store}, b: {...base, store: other}}
}
