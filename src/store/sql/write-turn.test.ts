import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setImmediate as nextTurn} from 'node:timers/promises'
import {Worker} from 'node:worker_threads'

import {afterEach, describe, expect, it} from 'vitest'

import {SqliteDatabase} from './sqlite-database.js'
import {WriteTurn} from './write-turn.js'

/**
 * A thread that takes the turn the way WriteTurn does (compare-exchange to its id + 1) and
 * holds it until told to give it back, or never when told to exit holding it.
 */
function holderThread(shared: SharedArrayBuffer): {thread: Worker; holding: Promise<void>; give(): void; dieHolding(): Promise<void>} {
  const thread = new Worker(
    `const {parentPort, workerData, threadId} = require('node:worker_threads')
     const cell = new Int32Array(workerData)
     if (Atomics.compareExchange(cell, 0, 0, threadId + 1) !== 0) throw new Error('the turn was taken')
     parentPort.postMessage('holding')
     parentPort.on('message', (m) => {
       if (m === 'give') { Atomics.store(cell, 0, 0); Atomics.notify(cell, 0); parentPort.close() }
       else process.exit(0)
     })`,
    {eval: true, workerData: shared},
  )
  const holding = new Promise<void>((resolve) => thread.once('message', () => resolve()))
  return {
    thread,
    holding,
    give: () => thread.postMessage('give'),
    dieHolding: () => new Promise<void>((resolve) => {
      thread.once('exit', () => resolve())
      thread.postMessage('exit')
    }),
  }
}

describe('WriteTurn', () => {
  it('is taken and given back by one thread at a time', async () => {
    const turn = new WriteTurn()
    await turn.take()
    await expect(turn.take()).rejects.toThrow(/already holds/)
    turn.give()
    await turn.take()
    turn.give()
  })

  it('waits for another thread to give the turn back without blocking this thread', async () => {
    const turn = new WriteTurn()
    const holder = holderThread(turn.shared)
    await holder.holding
    let taken = false
    const taking = turn.take().then(() => (taken = true))
    // While the other thread holds it, this thread's event loop keeps turning
    for (let i = 0; i < 20; i++) await nextTurn()
    expect(taken).toBe(false)
    holder.give()
    await taking
    expect(taken).toBe(true)
    turn.give()
    await holder.thread.terminate()
  })

  it('is freed for a thread that exited holding it, by whoever saw it exit', async () => {
    const turn = new WriteTurn()
    const holder = holderThread(turn.shared)
    await holder.holding
    const {threadId} = holder.thread
    const taking = turn.take()
    await holder.dieHolding()
    // Clearing for another thread changes nothing; for the one that held it, the waiter goes on
    turn.clearFor(threadId + 1000)
    turn.clearFor(threadId)
    await taking
    turn.give()
  })
})

describe('SqliteDatabase and the write turn', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, {recursive: true, force: true, maxRetries: 10})
  })

  it('makes a transaction, and a write outside one, wait for the thread holding the turn, then commits both', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-write-turn-'))
    const db = SqliteDatabase.open(join(dir, 'db.sqlite'))
    try {
      await db.exec('CREATE TABLE t (v INTEGER)')
      const location = db.location
      if (location?.engine !== 'sqlite' || !location.writeTurn) throw new Error('a SQLite file has a write turn to share')
      const holder = holderThread(location.writeTurn)
      await holder.holding

      const order: string[] = []
      const inTransaction = db.transaction(async () => {
        await db.run('INSERT INTO t VALUES (1)')
        order.push('transaction')
      })
      const alone = db.run('INSERT INTO t VALUES (2)').then(() => order.push('write'))
      for (let i = 0; i < 20; i++) await nextTurn()
      // Reads are not held up
      expect(await db.all('SELECT v FROM t')).toEqual([])
      expect(order).toEqual([])

      holder.give()
      await Promise.all([inTransaction, alone])
      expect(order).toEqual(['transaction', 'write'])
      expect(await db.all('SELECT v FROM t ORDER BY v')).toEqual([{v: 1}, {v: 2}])
      await holder.thread.terminate()
    } finally {
      await db.close()
    }
  })

  it('has no turn for an in-memory database, which no other connection can open', () => {
    expect(SqliteDatabase.open(':memory:').location).toBeNull()
  })
})
