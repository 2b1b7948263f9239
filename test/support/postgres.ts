import {execFile, execFileSync} from 'node:child_process'
import {chownSync, existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import pg from 'pg'

const exec = promisify(execFile)

/** A throwaway PostgreSQL server: its own data directory, on a loopback port, trusting local connections. */
export interface PostgresCluster {
  /** The `postgres` database, for creating and dropping test databases. */
  adminUrl: string
  stop(): Promise<void>
}

/**
 * Debian's server binaries (`apt-get install postgresql`), newest version first; or where
 * GPU_SHOPPER_PG_BIN points.
 */
function serverBinDir(): string {
  const fromEnv = process.env.GPU_SHOPPER_PG_BIN
  if (fromEnv) return fromEnv
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (!newest) throw new Error('PostgreSQL server binaries not found: install them (apt-get install postgresql) or set GPU_SHOPPER_PG_BIN to their bin directory')
  return join(root, newest, 'bin')
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

/**
 * initdb + pg_ctl in a temp directory. PostgreSQL refuses to run as root, so under root (CI)
 * the server runs as Debian's `postgres` user. fsync is off: a test cluster never outlives its run.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = serverBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-pg-'))
  const data = join(dir, 'data')
  const asRoot = userInfo().uid === 0
  const run = (command: string, args: string[]) =>
    asRoot ? exec('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]) : exec(join(bin, command), args)
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim()
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim()
    chownSync(dir, Number(ids), Number(gid))
  }
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--locale=C', '-E', 'UTF8'])
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
  await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start'])
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined)
      rmSync(dir, {recursive: true, force: true, maxRetries: 10})
    },
  }
}

/** A fresh, empty database on the cluster, dropped (with any connections left) by `drop`. */
export async function createTestDatabase(adminUrl: string): Promise<{url: string; drop(): Promise<void>}> {
  const name = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = new pg.Client({connectionString: adminUrl})
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return {
    url: adminUrl.replace(/\/postgres$/, `/${name}`),
    async drop() {
      const client = new pg.Client({connectionString: adminUrl})
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
