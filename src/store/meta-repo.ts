import type {Db} from './database.js'

export class MetaRepo {
  constructor(private readonly db: Db) {}

  get(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as {value: string} | undefined
    return row?.value ?? null
  }

  /** Returns the stored value, writing `value` first if the key was unset. */
  getOrInit(key: string, value: () => string): string {
    return this.db.transaction(() => {
      const existing = this.get(key)
      if (existing !== null) return existing
      const fresh = value()
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, fresh)
      return fresh
    })()
  }
}
