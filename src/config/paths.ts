import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ENV, readEnv} from './env.js'

export interface AppPaths {
  config: string
  data: string
  state: string
  cache: string
}

/**
 * XDG directories, or all four under one `GPU_SHOPPER_HOME` (what tests and the demo use).
 * Kept free of env-paths' `-nodejs` suffix. Computed without importing anything heavy: the
 * CLI calls this on every run.
 */
export function appPaths(env: NodeJS.ProcessEnv = process.env): AppPaths {
  const home = readEnv(ENV.home, env)
  if (home) {
    return {config: join(home, 'config'), data: join(home, 'data'), state: join(home, 'state'), cache: join(home, 'cache')}
  }
  const user = homedir()
  const xdg = (name: string, fallback: string) => env[name] || join(user, fallback)
  return {
    config: join(xdg('XDG_CONFIG_HOME', '.config'), 'gpu-shopper'),
    data: join(xdg('XDG_DATA_HOME', '.local/share'), 'gpu-shopper'),
    state: join(xdg('XDG_STATE_HOME', '.local/state'), 'gpu-shopper'),
    cache: join(xdg('XDG_CACHE_HOME', '.cache'), 'gpu-shopper'),
  }
}

export function databaseFile(paths: AppPaths): string {
  return join(paths.data, 'gpu-shopper.db')
}

export function daemonStateFile(paths: AppPaths): string {
  return join(paths.state, 'daemon.json')
}

export function daemonLogFile(paths: AppPaths): string {
  return join(paths.state, 'daemon.log')
}

export function sessionKeysDir(paths: AppPaths): string {
  return join(paths.data, 'keys')
}

/** A team server's node keys, one folder per tenant (`<data>/node-keys/<tenant>/`). */
export function nodeKeysDir(paths: AppPaths): string {
  return join(paths.data, 'node-keys')
}

let cachedRoot: string | undefined

/** The installed package's root (where package.json lives), from src/ or dist/src/ alike. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('gpu-shopper package root not found')
    dir = parent
  }
  cachedRoot = dir
  return dir
}
