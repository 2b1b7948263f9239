import module from 'node:module'
import {join} from 'node:path'

import {appPaths} from '../config/paths.js'

type EnableCompileCache = (cacheDir?: string) => {status: number; message?: string; directory?: string}

/**
 * Turns on V8's on-disk compile cache (Node 22.1+; Node 20 has none, and then this does
 * nothing): later runs skip compiling the modules they load, oclif's hundred-odd files included.
 * It lives in the user's cache directory (`<cache>/compile-cache`, under GPU_SHOPPER_HOME when
 * that is set), unless NODE_COMPILE_CACHE names another, which Node then uses itself. The cache
 * is an optimisation only: a directory that is missing, read-only or unusable costs the speed-up
 * and nothing else, since Node reports such a failure in its return value instead of throwing.
 * Returns the directory in use, or undefined when there is no cache.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env, nodeModule: {enableCompileCache?: EnableCompileCache} = module as {enableCompileCache?: EnableCompileCache}): string | undefined {
  const enable = nodeModule.enableCompileCache
  if (typeof enable !== 'function') return undefined
  try {
    const result = env.NODE_COMPILE_CACHE ? enable() : enable(join(appPaths(env).cache, 'compile-cache'))
    return result.directory
  } catch {
    // Never thrown by the Node versions that have it; a future one that did must not cost a command.
    return undefined
  }
}
