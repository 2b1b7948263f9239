import {threadId} from 'node:worker_threads'

/**
 * Whose turn it is to write one SQLite file, among the threads of one process: the daemon's
 * main thread and a market refresh's ingest thread, each with its own connection.
 *
 * SQLite lets one connection write at a time and makes the others wait in its busy handler,
 * which sleeps: on the main thread that froze every request for as long as the ingest thread's
 * transaction took (50-80 ms under load). Taking this turn first makes the main thread wait
 * for it the way it waits for anything else, asynchronously, still answering requests; SQLite's
 * busy handler stays the guard against other processes (a CLI's offline reconcile).
 *
 * The cell holds 0 when nobody writes, else the writer's thread id + 1, so a thread that dies
 * holding the turn (a refresh aborted mid-batch) can be cleared by who saw it exit.
 */
export class WriteTurn {
  private readonly cell: Int32Array
  private readonly self = threadId + 1

  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.cell = new Int32Array(shared)
  }

  async take(): Promise<void> {
    for (;;) {
      const holder = Atomics.compareExchange(this.cell, 0, 0, this.self)
      if (holder === 0) return
      if (holder === this.self) throw new Error('this thread already holds the write turn')
      const wait = Atomics.waitAsync(this.cell, 0, holder)
      if (wait.async) await wait.value
    }
  }

  give(): void {
    this.release(this.self)
  }

  /** Frees the turn if the thread `threadIdOfHolder` held it (it exited without giving it back). */
  clearFor(threadIdOfHolder: number): void {
    this.release(threadIdOfHolder + 1)
  }

  private release(holder: number): void {
    if (Atomics.compareExchange(this.cell, 0, holder, 0) === holder) Atomics.notify(this.cell, 0)
  }
}
