import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {packageRoot} from './paths.js'

let cached: {name: string; version: string} | undefined

/** This installation's package.json name and version, read once; `--version` prints both. */
export function packageManifest(): {name: string; version: string} {
  if (cached) return cached
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {name?: string; version?: string}
  cached = {name: pkg.name ?? 'gpu-shopper', version: pkg.version ?? '0.0.0'}
  return cached
}

/** This installation's version: the daemon reports it, and a CLI finding another one restarts the daemon. */
export function packageVersion(): string {
  return packageManifest().version
}
