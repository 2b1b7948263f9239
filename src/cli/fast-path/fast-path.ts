import {type FastRoute, FAST_ROUTES} from './routes.js'
import {type FastFlags, parseFastFlags} from './parse-flags.js'

/**
 * Environment variables that change what oclif does on every run: its debug output, JSON forced
 * on by content type, the variable it deletes. With any of them set, oclif runs the command.
 */
const OCLIF_ENV = ['DEBUG', 'CLI_FLAGS_DEBUG', 'GPU_SHOPPER_DEBUG', 'GPU_SHOPPER_CONTENT_TYPE', 'GPU_SHOPPER_REDIRECTED'] as const

let stdoutGuarded = false

/** As oclif's Command module does once: `gpu-shopper sessions | head` must not die of EPIPE. */
function ignoreClosedStdout(): void {
  if (stdoutGuarded) return
  stdoutGuarded = true
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
  })
}

/** The route and flags of `argv` when the fast path can run it exactly as oclif would, else null. */
export function fastRouteFor(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): {route: FastRoute; flags: FastFlags} | null {
  if (OCLIF_ENV.some((name) => env[name] !== undefined)) return null
  for (const route of FAST_ROUTES) {
    if (!route.words.every((word, i) => argv[i] === word)) continue
    const flags = parseFastFlags(argv.slice(route.words.length), route.flags)
    if (flags) return {route, flags}
  }
  return null
}

/**
 * Runs a hot command without loading oclif, whose own start-up costs about as much as Node's:
 * `gpu-shopper sessions --json` then answers in well under twice the time of `node -e 0`. It
 * does what oclif's run of the same command does, through the same CommandContext as
 * BaseCommand: the parsed flags (oclif's subset, see parseFastFlags), the command's own code,
 * the JSON printed after it returns, every error through the same catch, and a closed pipe on
 * stdout ignored. oclif's hooks are not run: the CLI declares none that fire for a found
 * command, and plugins installed by a user (oclif's plugin-plugins) are not supported anyway.
 * Returns false, having done nothing, when `argv` is not the fast path's: oclif runs it.
 */
export async function runFastPath(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const found = fastRouteFor(argv, env)
  if (!found) return false
  const {CommandContext} = await import('../command-context.js')
  // oclif's jsonEnabled(): `--json` before any `--`, and the fast path takes no `--`.
  const json = argv.includes('--json')
  const ctx = new CommandContext({envelope: () => json, bare: () => false})
  ignoreClosedStdout()
  let result: unknown
  try {
    result = await found.route.run(ctx, found.flags)
  } catch (err) {
    await ctx.fail(err)
  } finally {
    ctx.dispose()
  }
  if (result && ctx.jsonEnabled()) ctx.printJson(ctx.successJson(result))
  return true
}
