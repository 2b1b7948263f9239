import type {SqlDatabase} from './sql/sql-database.js'

export class MetaRepo {
  constructor(private readonly db: SqlDatabase) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db.get<{value: string}>('SELECT value FROM meta WHERE key = ?', [key])
    return row?.value ?? null
  }

  /** Returns the stored value, writing `value` first if the key was unset (by any process). */
  async getOrInit(key: string, value: () => string): Promise<string> {
    await this.db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value()])
    return (await this.get(key))!
  }
}
