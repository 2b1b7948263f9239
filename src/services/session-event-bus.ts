import {EventEmitter} from 'node:events'

import type {SessionEvent} from '../store/session-events-repo.js'

/** In-process fan-out of committed session events to SSE subscribers. */
export class SessionEventBus {
  private readonly emitter = new EventEmitter()

  constructor() {
    this.emitter.setMaxListeners(0)
  }

  publish(event: SessionEvent): void {
    this.emitter.emit(event.sessionId, event)
  }

  subscribe(sessionId: string, listener: (event: SessionEvent) => void): () => void {
    this.emitter.on(sessionId, listener)
    return () => this.emitter.off(sessionId, listener)
  }
}
