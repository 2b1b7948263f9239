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

/**
 * PostgreSQL channel on which every committed session event is announced (`<id>`), so each
 * server process can pass it to its own SSE subscribers. Only the id travels: a notification
 * holds at most 8000 bytes and an event's message has no such bound.
 */
export const SESSION_EVENTS_CHANNEL = 'gpu_shopper_session_events'

interface SessionEventRow {
  id: number
  session_id: string
  at: number
  type: string
  from_status: string | null
  to_status: string | null
  actor: string
  message: string
}

export class SessionEventsRepo {
  constructor(private readonly db: SqlDatabase) {}

  async append(event: NewSessionEvent): Promise<SessionEvent> {
    const insert = 'INSERT INTO session_events (session_id, at, type, from_status, to_status, actor, message) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id'
    // On PostgreSQL the announcement is part of the same statement: it goes out when (and only
    // if) the event commits, with its transaction.
    const sql =
      this.db.dialect === 'postgres'
        ? `WITH inserted AS (${insert}) SELECT id, pg_notify('${SESSION_EVENTS_CHANNEL}', id::text) AS notified FROM inserted`
        : insert
    const row = await this.db.get<{id: number}>(sql, [event.sessionId, event.at, event.type, event.fromStatus, event.toStatus, event.actor, event.message])
    return {...event, id: row!.id}
  }

  async get(id: number): Promise<SessionEvent | null> {
    const row = await this.db.get<SessionEventRow>('SELECT * FROM session_events WHERE id = ?', [id])
    return row ? toEvent(row) : null
  }

  async listAfter(sessionId: string, afterId = 0, limit = 1000): Promise<SessionEvent[]> {
    const rows = await this.db.all<SessionEventRow>('SELECT * FROM session_events WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?', [sessionId, afterId, limit])
    return rows.map(toEvent)
  }
}

function toEvent(r: SessionEventRow): SessionEvent {
  return {
    id: r.id,
    sessionId: r.session_id,
    at: r.at,
    type: r.type,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    actor: r.actor,
    message: r.message,
  }
}
