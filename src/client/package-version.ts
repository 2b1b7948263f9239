import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {packageRoot} from '../config/paths.js'

let cached: string | undefined

/** This installation's version; a daemon reporting another one is restarted. */
export function packageVersion(): string {
  if (cached) return cached
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version?: string}
  cached = pkg.version ?? '0.0.0'
  return cached
}
