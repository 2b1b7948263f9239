import type {Db} from './database.js'

export interface SessionEvent {
  id: number
  sessionId: string
  at: number
  type: string
  fromStatus: string | null
  toStatus: string | null
  actor: string
  message: string
}

export type NewSessionEvent = Omit<SessionEvent, 'id'>

export class SessionEventsRepo {
  constructor(private readonly db: Db) {}

  append(event: NewSessionEvent): SessionEvent {
    const info = this.db
      .prepare(
        'INSERT INTO session_events (session_id, at, type, from_status, to_status, actor, message) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(event.sessionId, event.at, event.type, event.fromStatus, event.toStatus, event.actor, event.message)
    return {...event, id: Number(info.lastInsertRowid)}
  }

  listAfter(sessionId: string, afterId = 0, limit = 1000): SessionEvent[] {
    const rows = this.db
      .prepare('SELECT * FROM session_events WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(sessionId, afterId, limit) as {
      id: number
      session_id: string
      at: number
      type: string
      from_status: string | null
      to_status: string | null
      actor: string
      message: string
    }[]
    return rows.map((r) => ({
      id: r.id,
      sessionId: r.session_id,
      at: r.at,
      type: r.type,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      actor: r.actor,
      message: r.message,
    }))
  }
}
