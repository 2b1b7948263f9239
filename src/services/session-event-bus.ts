import {EventEmitter} from 'node:events'

import type {SessionEvent} from '../store/session-events-repo.js'

/**
 * In-process fan-out of committed session events to SSE subscribers. Alone on its database, a
 * process delivers what it publishes itself. Beside other processes (PostgreSQL), events
 * arrive from the database's announcements instead (`relaySessionEvents`), its own included,
 * so every subscriber sees every process's events once, and only committed ones.
 */
export class SessionEventBus {
  private readonly emitter = new EventEmitter()

  constructor(private readonly relayed = false) {
    this.emitter.setMaxListeners(0)
  }

  /** A service's event, after its commit. */
  publish(event: SessionEvent): void {
    if (!this.relayed) this.deliver(event)
  }

  /** Hands the event to the session's subscribers. */
  deliver(event: SessionEvent): void {
    this.emitter.emit(event.sessionId, event)
  }

  subscribe(sessionId: string, listener: (event: SessionEvent) => void): () => void {
    this.emitter.on(sessionId, listener)
    return () => this.emitter.off(sessionId, listener)
  }
}
