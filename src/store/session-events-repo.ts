import type {SqlDatabase} from './sql/sql-database.js'

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
  constructor(private readonly db: SqlDatabase) {}

  async append(event: NewSessionEvent): Promise<SessionEvent> {
    const row = await this.db.get<{id: number}>(
      'INSERT INTO session_events (session_id, at, type, from_status, to_status, actor, message) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [event.sessionId, event.at, event.type, event.fromStatus, event.toStatus, event.actor, event.message],
    )
    return {...event, id: row!.id}
  }

  async listAfter(sessionId: string, afterId = 0, limit = 1000): Promise<SessionEvent[]> {
    const rows = await this.db.all<{
      id: number
      session_id: string
      at: number
      type: string
      from_status: string | null
      to_status: string | null
      actor: string
      message: string
    }>('SELECT * FROM session_events WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?', [sessionId, afterId, limit])
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
